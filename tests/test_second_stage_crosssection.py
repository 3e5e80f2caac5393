"""Cross-sectional regressions of CARs (issue 16): equal to statsmodels fitted by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import eventstudy as es
from eventstudy.exceptions import (
    EventStudyError,
    EventStudyWarning,
    InsufficientDataError,
    SpecError,
)

N_FIRMS = 60
SECTORS = ("chips", "power", "platforms")


def _study(
    seed: int = 7, n_firms: int = N_FIRMS, with_mv: bool = True, engine: str = "numpy"
) -> tuple[es.EventStudyResults, pd.DataFrame]:
    """Simulated market-model returns; the event CAR depends on sector and a 'size' column."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2022-01-03", periods=420)
    market = rng.normal(0.0004, 0.01, len(dates))
    tickers = [f"F{i:02d}" for i in range(n_firms)]
    beta = rng.uniform(0.5, 1.6, n_firms)
    sigma = rng.uniform(0.01, 0.03, n_firms)
    rets = market[:, None] * beta[None, :] + rng.normal(0, 1, (len(dates), n_firms)) * sigma
    sector = np.array([SECTORS[i % 3] for i in range(n_firms)])
    size = rng.normal(10, 1, n_firms)
    event_pos = np.array([330 + 5 * (i % 4) for i in range(n_firms)])  # four event dates
    effect = np.where(sector == "chips", -0.04, np.where(sector == "power", -0.02, 0.0))
    effect = effect + 0.01 * (size - 10)
    rets[event_pos, np.arange(n_firms)] += effect
    frame = pd.DataFrame(rets, index=dates, columns=tickers)
    frame["SPY"] = market
    events = pd.DataFrame(
        {"ticker": tickers, "date": dates[event_pos], "sector": sector, "size": size}
    )
    mv = pd.Series(np.exp(size) * 1e6, index=tickers) if with_mv else None
    study = es.EventStudy(
        events,
        returns=frame,
        model=es.MarketModel("SPY"),
        estimation_window=(-250, -11),
        event_window=(-5, 5),
        calendar=None,
        market_values=mv,
    )
    if engine == "chunked":  # blocks of 7 events, results copied into one panel
        return study.fit(engine="chunked", chunk_events=7), events
    return study.fit(), events


@pytest.fixture(scope="module")
def fitted() -> tuple[es.EventStudyResults, pd.DataFrame]:
    return _study()


def _hand_frame(
    res: es.EventStudyResults, events: pd.DataFrame, window: tuple[int, int]
) -> pd.DataFrame:
    """The regression frame built by hand: res.car + the events' columns + the market betas."""
    # res.car also carries the events' extra columns: take them from the events frame instead
    car = res.car(window).drop(columns=["sector", "size"], errors="ignore")
    hand = car.merge(events[["ticker", "sector", "size"]], on="ticker", how="left")
    params = res.params.set_index("event_id")
    hand["beta"] = params.loc[hand["event_id"], "beta"].to_numpy()
    hand["day0"] = pd.DatetimeIndex(res.status.set_index("event_id").loc[hand["event_id"], "day0"])
    return hand


def _hc3_by_hand(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """HC3 (MacKinnon & White 1985) by its formula, a loop over observations."""
    xtx_inv = np.linalg.inv(X.T @ X)
    b = xtx_inv @ X.T @ y
    e = y - X @ b
    meat = np.zeros((X.shape[1], X.shape[1]))
    for i in range(len(y)):
        h = X[i] @ xtx_inv @ X[i]
        meat += np.outer(X[i], X[i]) * e[i] ** 2 / (1 - h) ** 2
    return np.sqrt(np.diag(xtx_inv @ meat @ xtx_inv))


def _cluster_by_hand(X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Liang-Zeger cluster-robust SEs with the G/(G-1)*(n-1)/(n-k) factor, by loops."""
    n, k = X.shape
    xtx_inv = np.linalg.inv(X.T @ X)
    e = y - X @ (xtx_inv @ X.T @ y)
    meat = np.zeros((k, k))
    labels = list(dict.fromkeys(groups))
    for g in labels:
        s = np.zeros(k)
        for i in range(n):
            if groups[i] == g:
                s += X[i] * e[i]
        meat += np.outer(s, s)
    G = len(labels)
    factor = G / (G - 1) * (n - 1) / (n - k)
    return np.sqrt(np.diag(factor * xtx_inv @ meat @ xtx_inv))


def test_ols_hc3_equals_statsmodels_and_hand_formula(fitted: tuple) -> None:
    res, events = fitted
    fit = res.cross_section("car ~ C(sector) + beta + size", window=(0, 1))
    hand = _hand_frame(res, events, (0, 1))
    ref = smf.ols("car ~ C(sector) + beta + size", data=hand).fit(cov_type="HC3")
    assert fit.cov_type == "HC3"
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=0, atol=1e-10)
    X = ref.model.exog
    y = ref.model.endog
    np.testing.assert_allclose(fit.bse.to_numpy(), _hc3_by_hand(X, y), rtol=0, atol=1e-10)
    # the planted effects are recovered (chips -4 %, power -2 % vs platforms; size +1 %/unit)
    assert fit.params["C(sector)[T.platforms]"] - 0.0 > 0.02
    assert abs(fit.params["size"] - 0.01) < 4 * fit.bse["size"]
    assert fit.es_n_dropped == 0


def test_cluster_by_event_date_equals_statsmodels_and_hand_formula(fitted: tuple) -> None:
    res, events = fitted
    with pytest.warns(EventStudyWarning, match=r"only 4 clusters of 'day0' are unreliable"):
        fit = res.cross_section("car ~ beta + size", window=(0, 0), cov="cluster")
    hand = _hand_frame(res, events, (0, 0))
    groups = pd.factorize(hand["day0"], sort=True)[0]
    ref = smf.ols("car ~ beta + size", data=hand).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=0, atol=1e-10)
    hand_se = _cluster_by_hand(ref.model.exog, ref.model.endog, hand["day0"].to_numpy())
    np.testing.assert_allclose(fit.bse.to_numpy(), hand_se, rtol=0, atol=1e-10)
    # any column can define the clusters
    with pytest.warns(EventStudyWarning, match="only 3 clusters of 'sector'"):
        by_sector = res.cross_section("car ~ beta", window=(0, 0), cov="cluster", cluster="sector")
    codes = pd.factorize(hand["sector"], sort=True)[0]
    ref2 = smf.ols("car ~ beta", data=hand).fit(cov_type="cluster", cov_kwds={"groups": codes})
    np.testing.assert_allclose(by_sector.bse.to_numpy(), ref2.bse.to_numpy(), rtol=0, atol=1e-10)


def test_wls_inverse_variance_equals_statsmodels(fitted: tuple) -> None:
    res, events = fitted
    fit = res.cross_section(
        "car ~ C(sector) + size", window=(-1, 1), weights="inverse_variance", cov="nonrobust"
    )
    hand = _hand_frame(res, events, (-1, 1))
    ref = smf.wls("car ~ C(sector) + size", data=hand, weights=1.0 / hand["var_car"]).fit()
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=0, atol=1e-10)
    # WLS by its definition: OLS on rows scaled by sqrt(w)
    w = np.sqrt(1.0 / hand["var_car"].to_numpy())
    X = ref.model.exog * w[:, None]
    y = hand["car"].to_numpy() * w
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(fit.params.to_numpy(), b, rtol=0, atol=1e-10)
    hc3 = res.cross_section("car ~ size", window=(-1, 1), weights="inverse_variance")
    ref3 = sm.WLS(hand["car"], sm.add_constant(hand["size"]), weights=1 / hand["var_car"]).fit(
        cov_type="HC3"
    )
    np.testing.assert_allclose(hc3.bse.to_numpy(), ref3.bse.to_numpy(), rtol=0, atol=1e-10)


def test_study_characteristics_and_other_outcomes(fitted: tuple) -> None:
    res, _ = fitted
    frame = res.cross_section_frame((0, 1))
    p = res.params.set_index("event_id").loc[frame["event_id"]]
    np.testing.assert_allclose(frame["beta"], p["beta"], rtol=0, atol=0)
    np.testing.assert_allclose(frame["r2"], p["r2"], rtol=0, atol=0)
    np.testing.assert_allclose(frame["sigma"], np.sqrt(p["sigma2"]), rtol=0, atol=0)
    mv = np.exp(frame["size"]) * 1e6
    np.testing.assert_allclose(frame["log_mv"], np.log(mv), rtol=1e-12)
    np.testing.assert_allclose(frame["scar"], frame["car"] / np.sqrt(frame["var_car"]), rtol=1e-14)
    bhar = res.bhar((0, 1))
    np.testing.assert_allclose(frame["bhar"], bhar["bhar"], rtol=0, atol=0)
    fit = res.cross_section("bhar ~ log_mv + r2 + sigma", window=(0, 1), cov="HC1")
    ref = smf.ols("bhar ~ log_mv + r2 + sigma", data=frame).fit(cov_type="HC1")
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=0, atol=1e-10)
    fit = res.cross_section("scar ~ C(sector)", window=(0, 1))
    ref = smf.ols("scar ~ C(sector)", data=frame).fit(cov_type="HC3")
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)


def test_characteristics_by_ticker_and_by_ticker_date(fitted: tuple) -> None:
    res, events = fitted
    rng = np.random.default_rng(1)
    chars = pd.DataFrame({"ticker": events["ticker"], "leverage": rng.uniform(0, 1, len(events))})
    fit = res.cross_section("car ~ leverage", window=(0, 0), data=chars)
    hand = _hand_frame(res, events, (0, 0)).merge(chars, on="ticker")
    ref = smf.ols("car ~ leverage", data=hand).fit(cov_type="HC3")
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    # keyed by (ticker, date): the announcement date of each event; a wrong date is missing
    dated = chars.assign(date=events["date"].to_numpy())
    dated.loc[0, "date"] = dated.loc[0, "date"] + pd.Timedelta(days=100)
    with pytest.warns(EventStudyWarning, match="1 of 60 events dropped"):
        fit2 = res.cross_section("car ~ leverage", window=(0, 0), data=dated)
    assert fit2.es_n_dropped == 1
    assert fit2.nobs == 59
    assert fit2.es_dropped["ticker"].tolist() == [events["ticker"][0]]
    assert fit2.es_dropped["missing"].tolist() == ["leverage"]
    ref2 = smf.ols("car ~ leverage", data=hand[hand["ticker"] != events["ticker"][0]]).fit(
        cov_type="HC3"
    )
    np.testing.assert_allclose(fit2.params.to_numpy(), ref2.params.to_numpy(), rtol=0, atol=1e-10)
    # keyed by a ticker index
    fit3 = res.cross_section("car ~ leverage", window=(0, 0), data=chars.set_index("ticker"))
    np.testing.assert_allclose(fit3.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)


def test_missing_characteristic_is_counted_never_silent(fitted: tuple) -> None:
    res, events = fitted
    chars = pd.DataFrame({"ticker": events["ticker"], "x": np.arange(len(events), dtype=float)})
    chars.loc[[3, 8, 9], "x"] = np.nan
    with pytest.warns(EventStudyWarning, match=r"3 of 60 events dropped .*3 lack x"):
        fit = res.cross_section("car ~ x", window=(0, 0), data=chars)
    assert fit.es_n_dropped == 3 and fit.nobs == 57
    assert sorted(fit.es_dropped["ticker"]) == sorted(events["ticker"][[3, 8, 9]])


def test_rows_a_formula_term_makes_missing_are_counted_too(fitted: tuple) -> None:
    # was: statsmodels dropped them after the count (np.log of negatives: nobs 15 of 30,
    # es_n_dropped 0), and a column named like a patsy function (scale) was not counted
    res, events = fitted
    lev = np.linspace(-1.0, 1.0, len(events))  # np.log is NaN for the first half and at 0
    chars = pd.DataFrame({"ticker": events["ticker"], "lev": lev, "scale": 1.0 + lev**2})
    positive = int((lev > 0).sum())
    with pytest.warns(EventStudyWarning, match=r"dropped because a term of the formula"):
        fit = res.cross_section("car ~ np.log(lev)", window=(0, 0), data=chars)
    assert fit.nobs == positive and fit.es_n_dropped == len(events) - positive
    assert set(fit.es_dropped["ticker"]) == set(events["ticker"][lev <= 0])
    # the same regression by hand on the rows kept
    frame = res.car((0, 0)).set_index("ticker")["car"].reindex(events["ticker"]).to_numpy()
    keep = lev > 0
    hand = sm.OLS(frame[keep], sm.add_constant(np.log(lev[keep]))).fit()
    np.testing.assert_allclose(fit.params.to_numpy(), hand.params, rtol=1e-10)
    chars.loc[[2, 5], "scale"] = np.nan
    with pytest.warns(EventStudyWarning, match=r"2 of 60 events dropped .*2 lack scale"):
        fit = res.cross_section("car ~ scale", window=(0, 0), data=chars)
    assert fit.nobs == len(events) - 2 and fit.es_n_dropped == 2
    # np.log(0) is -inf: an error naming the term, not "collinear"
    chars["zero_ok"] = np.r_[0.0, np.ones(len(events) - 1)]
    with pytest.raises(es.DataError, match=r"infinite values for events .*np.log\(zero_ok\)"):
        res.cross_section("car ~ np.log(zero_ok)", window=(0, 0), data=chars)


def test_a_lone_event_in_a_category_warns_under_hc3(fitted: tuple) -> None:
    res, events = fitted
    chars = pd.DataFrame({"ticker": events["ticker"], "tier": ["a", "b"] * 30})
    chars.loc[7, "tier"] = "lone"  # one event alone in its category: leverage 1
    with pytest.warns(EventStudyWarning, match=r"leverage 1 .*HC3 weight 1/\(1 - h\)"):
        fit = res.cross_section("car ~ C(tier)", window=(0, 0), data=chars)
    # the hat matrix by hand: that event's leverage is 1
    x = np.asarray(fit.model.exog)
    hat = x @ np.linalg.inv(x.T @ x) @ x.T
    assert hat[7, 7] == pytest.approx(1.0, abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EventStudyWarning)  # HC1 has no 1/(1 - h): no warning
        res.cross_section("car ~ C(tier)", window=(0, 0), data=chars, cov="HC1")


def test_bad_input_errors(fitted: tuple) -> None:
    res, events = fitted
    with pytest.raises(SpecError, match=r"\['sectr'\].*lacks; did you mean 'sector'"):
        res.cross_section("car ~ sectr", window=(0, 0))
    with pytest.raises(SpecError, match="left-hand side"):
        res.cross_section("ar ~ beta")
    with pytest.raises(SpecError, match="no 'ticker' column"):
        res.cross_section("car ~ x", data=pd.DataFrame({"symbol": ["F00"], "x": [1.0]}))
    with pytest.raises(EventStudyError, match="no event matches"):
        res.cross_section("car ~ x", data=pd.DataFrame({"ticker": ["f00", "f01"], "x": [1.0, 2.0]}))
    with pytest.raises(SpecError, match="cov='HC4' is not valid"):
        res.cross_section("car ~ beta", cov="HC4")
    with pytest.raises(SpecError, match="applies to 'car' only"):
        res.cross_section("bhar ~ beta", weights="inverse_variance")
    text_weights = pd.DataFrame({"ticker": events["ticker"], "w": "heavy"})
    with pytest.raises(es.DataError, match="weights column 'w' has non-numeric values"):
        res.cross_section("car ~ beta", data=text_weights, weights="w")
    few = pd.DataFrame({"ticker": events["ticker"][:3], "x": [1.0, 2.0, 3.0], "z": [1.0, 0.0, 2.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventStudyWarning)
        with pytest.raises(InsufficientDataError, match="3 usable events for 4 regressors"):
            res.cross_section("car ~ x + z + beta", data=few)


def test_etable_takes_regressions(fitted: tuple) -> None:
    res, _ = fitted
    a = res.cross_section("car ~ beta", window=(0, 0))
    with pytest.warns(EventStudyWarning, match="clusters"):  # 4 event dates
        b = res.cross_section("car ~ beta + size", window=(0, 0), cov="cluster")
    table = es.etable(a, b)
    assert list(table.columns) == ["(1)", "(2)"]
    cell = table.loc[("beta", "estimate"), "(1)"]
    stars = "*" * sum(a.pvalues["beta"] < s for s in (0.10, 0.05, 0.01))
    assert cell == f"{a.params['beta']:.4f}{stars}"
    assert table.loc[("beta", "t"), "(2)"] == f"({b.tvalues['beta']:.2f})"
    assert table.loc[("size", "estimate"), "(1)"] == ""
    assert table.loc[("N", ""), "(2)"] == str(int(b.nobs))
    assert table.loc[("Errors", ""), "(2)"] == "cluster(day0)"
    md = es.etable(a, b, type="md", stat="se")
    assert f"({b.bse['size']:.4f})" in md


def test_second_stage_plots_are_figures(fitted: tuple) -> None:
    from matplotlib.figure import Figure

    from eventstudy.second_stage.plots import plot_volume_path

    res, _ = fitted
    fig = res.plot_car_scatter("size", window=(0, 1))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    frame = res.cross_section_frame((0, 1))
    slope, intercept = np.polyfit(frame["size"], 100 * frame["car"], 1)
    line = ax.lines[0].get_xydata()
    np.testing.assert_allclose(line[:, 1], intercept + slope * line[:, 0], rtol=1e-10)
    assert len(ax.collections[0].get_offsets()) == len(frame)
    fig = res.plot_car_distribution(by="sector", kind="violin", window=(0, 1))
    assert isinstance(fig, Figure) and len(fig.axes[0].get_xticklabels()) == 3
    fig = res.plot_car_distribution(window=(0, 1))
    counts = sum(p.get_height() for p in fig.axes[0].patches)
    assert counts == len(frame)
    fig = plot_volume_path(res)
    mean = res.ar.groupby("rel_day")["ar"].mean().to_numpy()
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), mean, rtol=1e-12)
    with pytest.raises(SpecError, match="needs by="):
        res.plot_car_distribution(kind="violin")
    with pytest.raises(SpecError, match="not in the cross-section frame"):
        res.plot_car_scatter("leverage")


def test_formula_variables() -> None:
    from eventstudy.second_stage.crosssection import formula_variables

    formula = (
        "car ~ C(sector) + beta + C(ai_group, Treatment('not AI')) + Q('log mv') "
        "+ np.log(size) + I(x**2) + C(s, Treatment(base=1)) + center(z)"
    )
    assert sorted(formula_variables(formula)) == sorted(
        ["log mv", "car", "sector", "beta", "ai_group", "size", "x", "s", "z"]
    )


def test_chunked_engine_gives_the_same_regression(fitted: tuple) -> None:
    res, events = fitted
    chunked, _ = _study(engine="chunked")  # the same simulated data, another engine
    columns = chunked.meta["event_columns"]
    assert list(columns.columns) == ["sector", "size"] and len(columns) == len(events)
    frame = chunked.cross_section_frame((0, 1))
    again = res.cross_section_frame((0, 1))
    pd.testing.assert_frame_equal(frame, again)
    a = chunked.cross_section("car ~ C(sector) + size", window=(0, 1))
    b = res.cross_section("car ~ C(sector) + size", window=(0, 1))
    np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=0, atol=1e-12)
