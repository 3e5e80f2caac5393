"""Long-horizon tests (issue 16): Lyon-Barber-Tsai BHAR tests and calendar-time portfolios."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import eventstudy as es
from eventstudy.exceptions import InsufficientDataError, SpecError
from eventstudy.second_stage.longhorizon import (
    bootstrap_skewness_adjusted_t,
    calendar_time_portfolio,
    skewness_adjusted_t,
)
from eventstudy.testing import simulated_study


def _lbt_by_loop(x: list[float]) -> float:
    """Lyon, Barber & Tsai (1999) eq. (5) transcribed with plain loops."""
    n = len(x)
    mean = sum(x) / n
    ss = 0.0
    for v in x:
        ss += (v - mean) ** 2
    sd = math.sqrt(ss / (n - 1))
    cube = 0.0
    for v in x:
        cube += (v - mean) ** 3
    gamma = cube / (n * sd**3)
    S = mean / sd
    return math.sqrt(n) * (S + gamma * S * S / 3.0 + gamma / (6.0 * n))


def test_skewness_adjusted_t_equals_loop_transcription() -> None:
    rng = np.random.default_rng(3)
    for n in (5, 37, 400):
        x = rng.lognormal(0.0, 0.8, n) - 1.2
        out = skewness_adjusted_t(x)
        assert out["statistic"] == pytest.approx(_lbt_by_loop(list(x)), rel=1e-12, abs=1e-12)
        assert out["p_value"] == pytest.approx(2 * stats.norm.sf(abs(out["statistic"])), rel=1e-12)
        ref_t = stats.ttest_1samp(x, 0.0)
        assert out["t"] == pytest.approx(ref_t.statistic, rel=1e-12)
        assert out["skewness"] == pytest.approx(
            stats.skew(x, bias=True) * (np.std(x, ddof=0) / np.std(x, ddof=1)) ** 3, rel=1e-10
        )


def test_bootstrap_statistic_by_loop_and_reproducible() -> None:
    rng = np.random.default_rng(5)
    x = rng.lognormal(0.0, 1.0, 80) - 1.0
    out = bootstrap_skewness_adjusted_t(x, n_boot=200, seed=11)
    again = bootstrap_skewness_adjusted_t(x, n_boot=200, seed=11)
    assert out == again
    # the bootstrap distribution by a loop over resamples (same draws)
    draws = np.random.default_rng(11).integers(0, 80, size=(200, 20))
    mean = float(np.mean(x))
    t_b = []
    for row in draws:
        xb = list(x[row])
        nb = len(xb)
        mb = sum(xb) / nb
        sd = math.sqrt(sum((v - mb) ** 2 for v in xb) / (nb - 1))
        g = sum((v - mb) ** 3 for v in xb) / (nb * sd**3)
        S = (mb - mean) / sd
        t_b.append(math.sqrt(nb) * (S + g * S * S / 3 + g / (6 * nb)))
    t_b_arr = np.array(t_b)
    t = out["statistic"]
    p = min(1.0, 2 * min(np.mean(t_b_arr <= t), np.mean(t_b_arr >= t)))
    assert out["p_value"] == pytest.approx(p, abs=1e-15)
    assert out["lower"] == pytest.approx(np.quantile(t_b_arr, 0.025), rel=1e-12)
    assert out["n_b"] == 20


def test_bootstrap_size_under_skewed_null_within_99pct_band() -> None:
    """Rejection rate at 5 % under a mean-zero lognormal null (BHAR-like right skew)."""
    reps, n, level = 400, 200, 0.05
    rng = np.random.default_rng(20250127)
    rejections = 0
    for _ in range(reps):
        x = rng.lognormal(0.0, 1.0, n) - np.exp(0.5)  # E = 0, skewness ~ 6
        rejections += bootstrap_skewness_adjusted_t(x, n_boot=500, seed=rng)["p_value"] < level
    half = stats.norm.ppf(0.995) * math.sqrt(level * (1 - level) / reps)
    assert level - half <= rejections / reps <= level + half


def test_bhar_tests_on_a_study_and_errors() -> None:
    rng = np.random.default_rng(9)
    dates = pd.bdate_range("2022-01-03", periods=400)
    tickers = [f"F{i}" for i in range(40)]
    market = rng.normal(0, 0.01, len(dates))
    rets = pd.DataFrame(
        market[:, None] + rng.normal(0, 0.02, (len(dates), 40)), index=dates, columns=tickers
    )
    rets["SPY"] = market
    events = pd.DataFrame({"ticker": tickers, "date": dates[300]})
    res = es.EventStudy(events, returns=rets, event_window=(-5, 40), calendar=None).fit()
    table = res.bhar_tests((0, 40), n_boot=300)
    bh = res.bhar((0, 40), against="benchmark")["bhar"].to_numpy()
    assert table["test"].tolist() == ["t", "skewness_adjusted_t", "bootstrap_skewness_adjusted_t"]
    assert table.loc[1, "statistic"] == pytest.approx(_lbt_by_loop(list(bh)), rel=1e-12)
    assert table.loc[0, "p_value"] == pytest.approx(stats.ttest_1samp(bh, 0).pvalue, rel=1e-10)
    with pytest.raises(InsufficientDataError, match="at least 3"):
        skewness_adjusted_t([0.1, np.nan])
    with pytest.raises(SpecError, match="n_boot"):
        bootstrap_skewness_adjusted_t(bh, n_boot=10)


def _bootstrap_by_loop(x: list[float], n_boot: int, seed: int) -> list[float]:
    """LBT's bootstrap t_sa^b resample by resample (the draws from the same seed); a resample
    of one repeated value has no variance, so no t, and is left out."""
    n = len(x)
    n_b = max(3, round(n / 4))
    mean = sum(x) / n
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n_b))
    t_b = []
    for row in draws:
        xb = [x[i] for i in row]
        if len(set(xb)) == 1:  # exact: every value the same
            continue
        mb = sum(xb) / n_b
        sd = math.sqrt(sum((v - mb) ** 2 for v in xb) / (n_b - 1))
        g = sum((v - mb) ** 3 for v in xb) / (n_b * sd**3)
        S = (mb - mean) / sd
        t_b.append(math.sqrt(n_b) * (S + g * S * S / 3 + g / (6 * n_b)))
    return t_b


def test_bootstrap_with_few_events_leaves_out_resamples_without_variance() -> None:
    """An 8-event study: resamples of 3 repeat one BHAR about once in 64 (was: RuntimeWarning,
    an error in this suite, and such a resample could count as a t of about -1e31)."""
    sim = simulated_study(es.MarketModel("MKT"))
    res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    bh = res.bhar((0, 10), against="benchmark")["bhar"].to_numpy()
    assert len(bh) == 8
    t_b = np.array(_bootstrap_by_loop(list(bh), 1000, 0))
    assert 1000 - 40 < len(t_b) < 1000  # some resamples have no t (expected 1000/64, about 16)
    t = _lbt_by_loop(list(bh))
    p = min(1.0, 2 * min(np.mean(t_b <= t), np.mean(t_b >= t)))
    table = res.bhar_tests((0, 10), n_boot=1000, seed=0)
    row = table.set_index("test").loc["bootstrap_skewness_adjusted_t"]
    assert row["statistic"] == pytest.approx(t, rel=1e-12)
    assert row["p_value"] == pytest.approx(p, abs=1e-15)
    assert row["distribution"] == f"bootstrap ({len(t_b)} resamples of 3)"
    out = bootstrap_skewness_adjusted_t(bh, n_boot=1000, seed=0)
    assert out["lower"] == pytest.approx(np.quantile(t_b, 0.025), rel=1e-12)
    assert out["upper"] == pytest.approx(np.quantile(t_b, 0.975), rel=1e-12)
    assert out["n_boot"] == len(t_b)


def test_resample_of_one_value_is_never_a_number() -> None:
    """0.1 repeated three times has a mean of 0.10000000000000002 in floating point, so its
    computed sigma is 1e-17, not 0: the rule is the exact 'all values equal', not sigma == 0."""
    x = [0.1, 0.1, 0.1, 0.1, -0.2, 0.3, 0.05, -0.07]
    assert sum([0.1, 0.1, 0.1]) / 3 != 0.1
    t_b = np.array(_bootstrap_by_loop(x, 500, 7))
    out = bootstrap_skewness_adjusted_t(x, n_boot=500, seed=7)
    assert out["n_boot"] == len(t_b) < 500
    assert np.abs(t_b).max() < 100  # no t from a rounding-error sigma
    assert out["lower"] == pytest.approx(np.quantile(t_b, 0.025), rel=1e-12)
    assert out["upper"] == pytest.approx(np.quantile(t_b, 0.975), rel=1e-12)
    t = out["statistic"]
    assert out["p_value"] == pytest.approx(
        min(1.0, 2 * min(np.mean(t_b <= t), np.mean(t_b >= t))), abs=1e-15
    )
    # the whole sample: equal BHARs have no variance (was: t_sa of 1e31 and p = 0 for 0.1 x 3)
    for equal in ([0.1] * 3, [0.1] * 7, [0.3] * 5):
        with pytest.raises(InsufficientDataError, match="all equal"):
            skewness_adjusted_t(equal)


def _calendar_data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(4)
    dates = pd.bdate_range("2023-01-02", periods=300)
    factors = pd.DataFrame(
        {
            "Mkt-RF": rng.normal(0.0004, 0.01, 300),
            "SMB": rng.normal(0, 0.005, 300),
            "HML": rng.normal(0, 0.005, 300),
            "Mom": rng.normal(0, 0.006, 300),
            "RF": np.full(300, 0.0001),
        },
        index=dates,
    )
    tickers = [f"T{i}" for i in range(30)]
    betas = rng.uniform(0.6, 1.4, 30)
    rets = pd.DataFrame(
        factors["RF"].to_numpy()[:, None]
        + np.outer(factors["Mkt-RF"], betas)
        + rng.normal(0, 0.015, (300, 30)),
        index=dates,
        columns=tickers,
    )
    rets.iloc[5:9, 3] = np.nan  # a halt inside a window
    events = pd.DataFrame({"ticker": tickers, "date": dates[rng.integers(10, 200, 30)]})
    return events, rets, factors


def _portfolio_by_loop(
    events: pd.DataFrame, rets: pd.DataFrame, horizon: tuple[int, int], weights: dict[str, float]
) -> pd.Series:
    dates = list(rets.index)
    out = {}
    for t, day in enumerate(dates):
        num = den = 0.0
        for ticker, date in zip(events["ticker"], events["date"], strict=True):
            p0 = next(i for i, d in enumerate(dates) if d >= date)
            if p0 + horizon[0] <= t <= p0 + horizon[1] and not np.isnan(rets.at[day, ticker]):
                num += weights[ticker] * rets.at[day, ticker]
                den += weights[ticker]
        if den > 0:
            out[day] = num / den
    return pd.Series(out)


@pytest.mark.parametrize("weighting", ["equal", "value"])
def test_calendar_time_alpha_equals_statsmodels_ols(weighting: str) -> None:
    events, rets, factors = _calendar_data()
    mv = pd.Series(np.linspace(1, 30, 30) * 1e9, index=rets.columns)
    w = {t: (float(mv[t]) if weighting == "value" else 1.0) for t in rets.columns}
    ct = calendar_time_portfolio(
        events,
        rets,
        factors,
        horizon=(1, 20),
        weighting=weighting,  # type: ignore[arg-type]
        market_values=mv,
        model="ff3",
        cov="HAC",
        maxlags=5,
    )
    port = _portfolio_by_loop(events, rets, (1, 20), w)
    first, last = port.index.min(), port.index.max()
    span = port.reindex(rets.index[(rets.index >= first) & (rets.index <= last)]).dropna()
    np.testing.assert_allclose(ct.portfolio["return"].to_numpy(), span.to_numpy(), rtol=1e-12)
    y = span - factors.loc[span.index, "RF"]
    X = sm.add_constant(factors.loc[span.index, ["Mkt-RF", "SMB", "HML"]])
    ref = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 5})
    np.testing.assert_allclose(ct.table["estimate"], ref.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ct.table["se"], ref.bse, rtol=0, atol=1e-12)
    assert ct.alpha == pytest.approx(ref.params["const"], abs=1e-14)
    white = calendar_time_portfolio(
        events, rets, factors, horizon=(1, 20), model="carhart", cov="HC0"
    )
    Xc = sm.add_constant(factors.loc[white.portfolio["date"], ["Mkt-RF", "SMB", "HML", "Mom"]])
    yc = white.portfolio["excess"].to_numpy()
    ref_c = sm.OLS(yc, Xc.to_numpy()).fit(cov_type="HC0")
    np.testing.assert_allclose(white.table["se"], ref_c.bse, rtol=0, atol=1e-12)


def test_calendar_time_monthly_and_errors() -> None:
    events, rets, factors = _calendar_data()
    ct = calendar_time_portfolio(
        events, rets, factors, horizon=(1, 3), frequency="M", model="market", cov="HC0"
    )
    monthly = (1 + rets).groupby(rets.index.to_period("M")).prod(min_count=1) - 1
    months = events["date"].dt.to_period("M")
    row = ct.portfolio.iloc[0]
    m = pd.Period(row["date"], "M")
    held = [t for t, em in zip(events["ticker"], months, strict=True) if 1 <= (m - em).n <= 3]
    assert row["return"] == pytest.approx(monthly.loc[m, held].mean(), rel=1e-12)
    with pytest.raises(SpecError, match="factors lack"):
        calendar_time_portfolio(events, rets, factors.drop(columns="Mom"), model="carhart")
    with pytest.raises(es.DataError, match="no returns for"):
        calendar_time_portfolio(events.assign(ticker="ZZZ"), rets, factors)


def test_calendar_time_result_renders() -> None:
    events, rets, factors = _calendar_data()
    ct = calendar_time_portfolio(events, rets, factors, horizon=(1, 20))
    html = ct._repr_html_()
    assert "<table" in html and "alpha" in html and "equal-weighted" in html
    assert ct.summary().tables[1] is not None


# ----------------------------------------------------------------------------- from a study
def _study_with_factors() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, es.EventStudyResults]:
    """A FF3 world of 25 firms, one event each, windows (-100, -11) and (-5, 30)."""
    rng = np.random.default_rng(16)
    n_days, n_firms = 420, 25
    dates = pd.bdate_range("2022-01-03", periods=n_days)
    factors = pd.DataFrame(
        {
            "Mkt-RF": rng.normal(0.0004, 0.01, n_days),
            "SMB": rng.normal(0, 0.005, n_days),
            "HML": rng.normal(0, 0.005, n_days),
            "Mom": rng.normal(0, 0.006, n_days),
            "RF": np.full(n_days, 0.0001),
        },
        index=dates,
    )
    tickers = [f"C{i:02d}" for i in range(n_firms)]
    loadings = rng.uniform(0.3, 1.4, (3, n_firms))
    rets = pd.DataFrame(
        factors["RF"].to_numpy()[:, None]
        + factors[["Mkt-RF", "SMB", "HML"]].to_numpy() @ loadings
        + rng.normal(0.0005, 0.015, (n_days, n_firms)),  # 5 bp a day of abnormal return
        index=dates,
        columns=tickers,
    )
    rets.iloc[200:204, 2] = np.nan  # a halt inside a holding period
    events = pd.DataFrame({"ticker": tickers, "date": dates[rng.integers(120, 380, n_firms)]})
    res = es.EventStudy(
        events,
        returns=rets,
        model=es.FamaFrench3(),
        factors=factors,
        estimation_window=(-100, -11),
        min_estimation_obs=60,
        event_window=(-5, 30),
        calendar=None,
    ).fit()
    return events, rets, factors, res


def test_results_calendar_time_equals_statsmodels_on_the_portfolio(tmp_path: Path) -> None:
    """res.calendar_time and the spec's [long_horizon.calendar_time]: the alpha of statsmodels
    OLS on a portfolio series built by a loop over days and events."""
    from eventstudy.second_stage.spec_sections import compute_second_stage
    from eventstudy.spec import parse_spec

    events, rets, factors, res = _study_with_factors()
    assert res.panel.n_events == len(events)
    ct = res.calendar_time((1, 20), model="ff3", cov="HAC", maxlags=4)
    port = _portfolio_by_loop(events, rets, (1, 20), dict.fromkeys(rets.columns, 1.0))
    span = port.reindex(
        rets.index[(rets.index >= port.index.min()) & (rets.index <= port.index.max())]
    )
    span = span.dropna()
    np.testing.assert_allclose(ct.portfolio["return"].to_numpy(), span.to_numpy(), rtol=1e-12)
    y = span - factors.loc[span.index, "RF"]
    X = sm.add_constant(factors.loc[span.index, ["Mkt-RF", "SMB", "HML"]])
    ref = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 4})
    assert ct.alpha == pytest.approx(ref.params["const"], abs=1e-14)
    np.testing.assert_allclose(ct.table["estimate"], ref.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ct.table["se"], ref.bse, rtol=0, atol=1e-12)
    # the spec path is the Python path
    spec = parse_spec(
        {
            "events": {"date": "2025-01-27", "tickers": ["C00"]},
            "windows": {"event": [-5, 30]},
            "long_horizon": {"calendar_time": {"horizon": [1, 20], "maxlags": 4}},
        },
        base_dir=tmp_path,
    )
    second = compute_second_stage(spec, res, None)
    assert list(second) == ["calendar_time"]
    pd.testing.assert_frame_equal(second["calendar_time"].table, ct.table)
    # value weights by ticker, the market model and White errors
    mv = pd.Series(np.linspace(1, 25, 25) * 1e9, index=rets.columns)
    vw = res.calendar_time((1, 20), weighting="value", market_values=mv, model="market", cov="HC0")
    port_v = _portfolio_by_loop(events, rets, (1, 20), {t: float(mv[t]) for t in rets.columns})
    yv = port_v.loc[vw.portfolio["date"]] - factors.loc[vw.portfolio["date"], "RF"]
    Xv = sm.add_constant(factors.loc[vw.portfolio["date"], ["Mkt-RF"]])
    ref_v = sm.OLS(yv.to_numpy(), Xv.to_numpy()).fit(cov_type="HC0")
    np.testing.assert_allclose(vw.table["estimate"], ref_v.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(vw.table["se"], ref_v.bse, rtol=0, atol=1e-12)


def test_results_calendar_time_with_returns_and_log_returns() -> None:
    events, rets, factors, res = _study_with_factors()
    own = res.calendar_time((1, 20), cov="HC0")
    given = res.calendar_time((1, 20), cov="HC0", returns=rets)
    pd.testing.assert_frame_equal(own.table, given.table)
    # a study of log returns holds the same simple returns
    logged = es.EventStudy(
        events,
        returns=np.log1p(rets),
        model=es.FamaFrench3(),
        factors=factors,
        estimation_window=(-100, -11),
        min_estimation_obs=60,
        event_window=(-5, 30),
        return_kind="log",
        calendar=None,
    ).fit()
    np.testing.assert_allclose(
        logged.calendar_time((1, 20), cov="HC0").portfolio["return"],
        own.portfolio["return"],
        rtol=1e-12,
    )
    # monthly portfolios from whole months of returns
    monthly = res.calendar_time((1, 3), frequency="M", model="market", cov="HC0", returns=rets)
    assert monthly.options["frequency"] == "M" and len(monthly.portfolio) > 3


def test_results_calendar_time_errors() -> None:
    events, rets, factors, res = _study_with_factors()
    bare = es.EventStudy(
        events[events["ticker"] != "C00"].assign(benchmark="C00"),  # not its own benchmark
        returns=rets,
        estimation_window=(-100, -11),
        min_estimation_obs=60,
        calendar=None,
    ).fit()
    with pytest.raises(SpecError, match=r"fitted without factors: pass factors=eventstudy"):
        bare.calendar_time((1, 5))
    assert len(bare.calendar_time((1, 5), factors=factors, cov="HC0").table) == 4
    with pytest.raises(SpecError, match="outside the event window"):
        res.calendar_time((1, 40))
    with pytest.raises(SpecError, match="pass returns="):
        res.calendar_time((1, 3), frequency="M")
    with pytest.raises(SpecError, match="needs market values"):
        res.calendar_time((1, 5), weighting="value")
    with pytest.raises(SpecError, match="model='ff5' is not valid"):
        res.calendar_time((1, 5), model="ff5")
    with pytest.raises(es.DataError, match="no returns for"):
        res.calendar_time((1, 5), returns=rets.drop(columns="C03"))


def test_spec_monthly_calendar_time_uses_returns_from_the_prices(tmp_path: Path) -> None:
    """frequency = "M" in the spec: whole months of returns, computed from the prices."""
    from eventstudy.second_stage.spec_sections import compute_second_stage
    from eventstudy.spec import parse_spec

    _, rets, _, res = _study_with_factors()
    levels = (1 + rets.fillna(0.0)).cumprod() * 50.0
    prices = (
        levels.rename_axis("date")
        .reset_index()
        .melt(id_vars="date", var_name="ticker", value_name="adj_close")
        .assign(close=lambda f: f["adj_close"])
    )
    spec = parse_spec(
        {
            "events": {"date": "2025-01-27", "tickers": ["C00"]},
            "windows": {"event": [-5, 30]},
            "long_horizon": {
                "calendar_time": {"horizon": [1, 3], "frequency": "M", "model": "market"}
            },
        },
        base_dir=tmp_path,
    )
    got = compute_second_stage(spec, res, prices)["calendar_time"]
    by_hand = levels.pct_change()  # simple returns of the same closes
    ref = res.calendar_time((1, 3), frequency="M", model="market", returns=by_hand)
    pd.testing.assert_frame_equal(got.table, ref.table, check_exact=False, rtol=1e-10)
    assert got.options["frequency"] == "M"
