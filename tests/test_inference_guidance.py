"""Graded clustering diagnostics, design-aware advice and the robust defaults (issue 15).

Every measure is recomputed here by a loop over events (or with statsmodels / pandas), the
degree and the advice follow the documented rule, and the robust defaults are checked on the
27 AI names of notebook 01 (one shared day 0) against a hand computation of Kolari & Pynnönen's
adjustment from pandas' pairwise correlations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import eventstudy as es
from eventstudy.engine.panel import EventPanel
from eventstudy.inference import clustering, run_tests
from eventstudy.inference._build import market_model_panel
from eventstudy.inference.guidance import (
    choose_headline,
    cluster_measures,
    clustering_advice,
    event_induced_variance,
)

EST = (-120, -11)
EVT = (-3, 3)


def _returns(n_firms: int, t_len: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0003, 0.01, t_len)
    beta = rng.uniform(0.6, 1.4, n_firms)
    r = 0.0002 + m[:, None] * beta + rng.normal(0, 0.015, (t_len, n_firms))
    return r, m


def _dates(t_len: int) -> np.ndarray:
    return np.datetime64("2020-01-02", "ns") + np.arange(t_len) * np.timedelta64(1, "D")


def earnings_panel(
    inflate: float = 3.0, seed: int = 1
) -> tuple[EventPanel, np.ndarray, np.ndarray, np.ndarray]:
    """63 events on 49 dates (39 alone, 6 pairs, 4 triples), one firm each, staggered so
    that some event windows overlap; the day-0 return of each event gets an extra shock
    ``inflate`` times the residual sd (earnings raise event-day variance)."""
    t_len = 700
    r, m = _returns(63, t_len, seed)
    rng = np.random.default_rng(seed + 100)
    sizes = [1] * 39 + [2] * 6 + [3] * 4
    rng.shuffle(sizes)
    dates = np.sort(rng.choice(np.arange(200, 680), size=49, replace=False))
    day0 = np.repeat(dates, sizes)
    firms = np.arange(63)
    r = r.copy()
    r[day0, firms] += rng.normal(0.0, inflate * 0.015, 63)
    panel = market_model_panel(r, m, firms, day0, EST, EVT, dates=_dates(t_len))
    return panel, r, m, day0


def test_cluster_measures_by_loop() -> None:
    panel, _, _, day0 = earnings_panel()
    got = cluster_measures(panel)
    n = len(day0)
    same = [sum(d == e for e in day0) for d in day0]  # events sharing each event's day 0
    overlaps = [
        sum(1 for j in range(n) if j != i and abs(int(day0[i]) - int(day0[j])) <= EVT[1] - EVT[0])
        for i in range(n)
    ]
    assert got["n_events"] == 63 and got["n_dates"] == 49
    assert got["largest_cluster"] == 3
    assert got["share_top_date"] == pytest.approx(3 / 63)
    assert got["mean_cluster_size"] == pytest.approx(np.mean(same))
    assert got["mean_cluster_size"] == pytest.approx((39 + 6 * 4 + 4 * 9) / 63)
    assert got["mean_overlapping"] == pytest.approx(np.mean(overlaps))
    assert got["share_overlapping"] == pytest.approx(np.mean([o > 0 for o in overlaps]))


def _sar0_by_statsmodels(
    r: np.ndarray, m: np.ndarray, day0: np.ndarray
) -> tuple[np.ndarray, float]:
    """Each event's day-0 SAR (prediction-error corrected) and the pooled variance of the
    estimation residuals over their own s, from one statsmodels OLS per event."""
    sar, scaled = [], []
    for i, d in enumerate(day0):
        rows = np.arange(d + EST[0], d + EST[1] + 1)
        fit = sm.OLS(r[rows, i], sm.add_constant(m[rows])).fit()
        x0 = np.array([[1.0, m[d]]])
        pred = fit.get_prediction(x0)
        sar.append((r[d, i] - pred.predicted_mean[0]) / pred.se_obs[0])
        scaled.append(fit.resid / np.sqrt(fit.scale))
    pooled = float(np.mean(np.concatenate(scaled) ** 2))
    return np.asarray(sar), pooled


def test_earnings_like_panel_is_mild_and_never_recommends_bw1985() -> None:
    panel, r, m, day0 = earnings_panel(inflate=3.0)
    sar, pooled = _sar0_by_statsmodels(r, m, day0)
    eiv = event_induced_variance(panel)
    ratio = np.var(sar, ddof=1) / pooled
    assert eiv["variance_ratio"] == pytest.approx(ratio, rel=1e-8)
    dof = EST[1] - EST[0] + 1 - 2  # estimation days less the two market-model parameters
    stat = np.sum((sar - sar.mean()) ** 2) / (dof / (dof - 2))
    assert eiv["variance_statistic"] == pytest.approx(stat, rel=1e-8)
    assert eiv["variance_p"] == pytest.approx(stats.chi2.sf(stat, 62), rel=1e-8)
    assert eiv["event_induced_variance"]  # the planted 3-sd earnings shocks

    advice = clustering_advice(panel)
    assert advice.degree == "mild"
    assert "brown_warner_1985" not in advice.recommended
    assert "brown_warner_1985" in advice.avoid
    assert set(advice.recommended) == {"bmp", "kolari_pynnonen"}
    assert "Not brown_warner_1985" in advice.note and "event-induced variance" in advice.note
    assert f"{ratio:.2f} times" in advice.note
    diag = clustering(panel).iloc[0]
    assert diag["degree"] == "mild" and bool(diag["event_induced_variance"])
    assert diag["advice"] == advice.note
    # mild clustering keeps today's headline test and marks no test with the dagger
    assert choose_headline(panel) == "cross_sectional_t"
    rows = run_tests(panel, tests=["cross_sectional_t", "bmp"], windows=[(0, 0)], daily=False)
    assert not rows["clustered"].any()
    assert rows.attrs["clustering"]["degree"] == "mild"


def test_no_event_variance_no_warning_and_one_date_recommends_bw1985() -> None:
    r, m = _returns(12, 400, seed=3)
    panel = market_model_panel(r, m, np.arange(12), np.full(12, 300), EST, EVT, dates=_dates(400))
    advice = clustering_advice(panel)
    assert advice.degree == "strong" and advice.design == "one date"
    assert not advice.measures["event_induced_variance"]
    assert advice.recommended == (
        "kolari_pynnonen",
        "portfolio_test",
        "sur_wald_test",
        "brown_warner_1985",
    )
    assert "Not brown_warner_1985" not in advice.note
    # the measured size on real returns (docs/size_simulations.md, section 3) is in the note
    assert "read p-values between 0.01 and 0.05 as borderline" in advice.note
    assert "'all zero' hypothesis asks whether any firm moved" in advice.note
    assert choose_headline(panel) == "kolari_pynnonen"
    # the same date with large event-day shocks: BW1985 is no longer recommended
    shocked = r.copy()
    shocked[300] += np.random.default_rng(0).normal(0, 0.06, 12)
    p2 = market_model_panel(
        shocked, m, np.arange(12), np.full(12, 300), EST, EVT, dates=_dates(400)
    )
    advice2 = clustering_advice(p2)
    assert advice2.measures["event_induced_variance"]
    assert "brown_warner_1985" not in advice2.recommended and "brown_warner_1985" in advice2.avoid


def test_independent_events_keep_defaults() -> None:
    r, m = _returns(5, 600, seed=4)
    day0 = np.array([150, 250, 350, 450, 550])  # windows far apart
    panel = market_model_panel(r, m, np.arange(5), day0, EST, EVT, dates=_dates(600))
    advice = clustering_advice(panel)
    assert advice.degree == "none" and advice.design == "independent"
    assert choose_headline(panel) == "cross_sectional_t"
    assert choose_headline(panel, "patell") == "patell"
    one = market_model_panel(r, m, np.arange(1), day0[:1], EST, EVT, dates=_dates(600))
    assert choose_headline(one) == "single_firm_t"


# ----------------------------------------------------------------------------- 27 AI names
GROUPS = {
    "chips": "NVDA AVGO TSM ASML AMD MU MRVL ARM SMCI AMAT LRCX KLAC INTC QCOM".split(),
    "power": "VST CEG TLN NRG GEV".split(),
    "hardware": "ANET DELL".split(),
    "platforms": "MSFT GOOGL META AMZN ORCL AAPL".split(),
}
TICKERS = [t for members in GROUPS.values() for t in members]


@pytest.fixture(scope="module")
def ai_study(prices_dir: Path) -> es.EventStudyResults:
    prices = es.load_prices([*TICKERS, "SPY"], "2023-06-01", "2025-03-31", prices_dir=prices_dir)
    returns = es.compute_returns(prices, kind="simple")
    events = pd.DataFrame({"ticker": TICKERS, "date": "2025-01-27", "event_id": TICKERS})
    return es.EventStudy(events, returns, model=es.MarketModel("SPY")).fit()


def _hand_rbar(res: es.EventStudyResults) -> float:
    """Average pairwise correlation of estimation residuals (pandas, pairwise complete, at
    least 30 common days): every pair shares every session of the window."""
    p = res.panel
    frame = pd.DataFrame(
        {
            str(t): pd.Series(p.resid_est[i], index=pd.DatetimeIndex(p.est_dates[i])).dropna()
            for i, t in enumerate(p.ticker)
        }
    )
    corr = frame.corr(min_periods=30).to_numpy()
    iu = np.triu_indices(len(corr), 1)
    return float(np.nan_to_num(corr[iu]).mean())


@pytest.mark.shared_data
def test_ai_names_on_one_date_get_the_robust_defaults(ai_study: es.EventStudyResults) -> None:
    from eventstudy.report.document import caar_table, summary_text, tests_table

    res = ai_study
    diag = res.clustering().iloc[0]
    assert diag["degree"] == "strong" and diag["n_dates"] == 1 and diag["n_events"] == 27
    # the headline: Kolari-Pynnönen, named in every output
    naive = res.tests(tests=["cross_sectional_t", "kolari_pynnonen"], windows=[(0, 0)], daily=False)
    assert naive.set_index("test")["clustered"].to_dict() == {
        "cross_sectional_t": True,
        "kolari_pynnonen": False,
    }
    caar = caar_table(res, [(0, 0), (0, 1)])
    assert (caar["test"] == "kolari_pynnonen").all()
    rbar = _hand_rbar(res)
    car0 = res.car((0, 0))["car"].to_numpy()
    # KP on the BMP statistic: recompute the adjusted t from the paper's formula
    kp = res.tests(tests=["kolari_pynnonen"], windows=[(0, 0)], daily=False).iloc[0]
    bmp = res.tests(tests=["bmp"], windows=[(0, 0)], daily=False).iloc[0]
    n = 27
    assert kp["statistic"] == pytest.approx(
        bmp["statistic"] * np.sqrt((1 - rbar) / (1 + (n - 1) * rbar)), rel=1e-8
    )
    assert caar["statistic"].iloc[0] == pytest.approx(kp["statistic"], rel=1e-12)
    assert caar["caar"].iloc[0] == pytest.approx(car0.mean(), rel=1e-12)
    text = summary_text(res, [(0, 0)])
    assert "s.e., t and p of kolari_pynnonen" in text
    assert "All 27 events share one day 0" in text
    first = tests_table(res, [(0, 0)])
    assert first["test"].iloc[0] == "kolari_pynnonen"
    assert "kolari_pynnonen" in es.etable(res, windows=[(0, 0)]).loc[("Test", ""), :].iloc[0]
    assert "kolari_pynnonen" in res._repr_html_()
    # the default CAAR band: the cross-sectional band widened by KP's factor
    fig = res.plot_caar()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("Kolari" in t for t in labels)
    ar = res.ar.pivot(index="rel_day", columns="event_id", values="ar").sort_index()
    cars = ar.cumsum().to_numpy()
    k = list(ar.index).index(0)
    se = cars[k].std(ddof=1) / np.sqrt(n)
    width = 1.959963984540054 * se * np.sqrt((1 + (n - 1) * rbar) / (1 - rbar))
    band = ax.collections[0].get_paths()[0].vertices[:, 1] / 100.0
    upper = cars[k].mean() + width
    lower = cars[k].mean() - width
    assert np.isclose(band, upper, rtol=1e-9).any() and np.isclose(band, lower, rtol=1e-9).any()
    # caar(level=) reports the same band, and says which
    interval = res.caar(level=0.95).set_index("rel_day").loc[0]
    assert interval["band"] == "kolari_pynnonen"
    assert interval["lower"] == pytest.approx(lower, rel=1e-9)
    assert interval["upper"] == pytest.approx(upper, rel=1e-9)
    # and so does the CAAR path table the reports export
    from eventstudy.report.document import _export_tables

    exported = _export_tables(res, [(0, 0)], "all", "auto", None)["caar_path"]  # type: ignore[arg-type]
    day0 = exported.set_index("rel_day").loc[0]
    assert day0["band"] == "kolari_pynnonen"
    assert day0["upper"] == pytest.approx(upper, rel=1e-9)
    # the explicit cross-sectional band is narrower on the same day
    plain = res.plot_caar(band="cross_sectional").axes[0].collections[0]
    verts = plain.get_paths()[0].vertices[:, 1] / 100.0
    assert np.isclose(verts, cars[k].mean() + 1.959963984540054 * se, rtol=1e-9).any()


def test_guidance_evidence_is_the_second_stage_variance_test() -> None:
    """The advice's event-induced variance evidence is Harrington & Shrider's test of
    ``res.variance_tests((0, 0))`` (one formula), checked by a loop on unequal residual dfs."""
    from eventstudy.testing import simulated_study

    sim = simulated_study(es.MarketModel("MKT"), seed=3)
    returns = sim.returns.copy()
    day0 = pd.DatetimeIndex(sim.events["date"])
    for k, (ticker, date) in enumerate(zip(sim.events["ticker"], day0, strict=True)):
        returns.loc[date, ticker] += 0.05 * (-1) ** k  # event-day effects of either sign
    res = es.EventStudy(sim.events, returns, model=es.MarketModel("MKT"), calendar=None).fit()
    eiv = event_induced_variance(res.panel)
    rows = res.variance_tests((0, 0)).set_index("test")
    assert eiv["variance_test"] == "harrington_shrider"
    assert eiv["variance_statistic"] == rows.loc["harrington_shrider", "statistic"]
    assert eiv["variance_p"] == rows.loc["harrington_shrider", "p_value"]
    assert eiv["squared_sar_statistic"] == rows.loc["squared_sar", "statistic"]
    assert eiv["squared_sar_p"] == rows.loc["squared_sar", "p_value"]
    # by a loop: z_i = AR_i0 / se (prediction-error corrected), scaled by sqrt((d_i - 2)/d_i)
    car = res.car((0, 0))
    dof = res.params.set_index("event_id").loc[car["event_id"], "dof"].to_numpy(dtype=float)
    assert len(set(dof)) > 1  # missing returns: the events' residual dfs differ
    zt = []
    for c, se, d in zip(car["car"], car["se_car"], dof, strict=True):
        if np.isfinite(c) and d > 4:
            zt.append(c / se * ((d - 2) / d) ** 0.5)
    mean = sum(zt) / len(zt)
    chi2 = sum((v - mean) ** 2 for v in zt)
    assert eiv["variance_statistic"] == pytest.approx(chi2, rel=1e-10)
    assert eiv["variance_df"] == len(zt) - 1
    assert eiv["variance_p"] == pytest.approx(stats.chi2.sf(chi2, len(zt) - 1), rel=1e-10)
    assert eiv["event_induced_variance"]
