"""EventStudy end to end on real prices: NVDA on 2025-01-27, FF3, status reasons, panel, dollars."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eventstudy.exceptions import DataError, EventsDroppedWarning, InsufficientDataError, SpecError
from eventstudy.models import FamaFrench3, MarketModel
from eventstudy.study import EventStudy

TICKERS = ["NVDA", "AVGO", "AMD", "TSM", "GEV", "ARM", "SPY"]


def _returns(prices_dir: Path, tickers: list[str]) -> pd.DataFrame:
    """Simple returns from adjusted closes, built here with pandas (independent of the library)."""
    cols = {}
    for t in tickers:
        px = pd.read_csv(prices_dir / f"{t}.csv", index_col="Date", parse_dates=True)["Adj Close"]
        cols[t] = px / px.shift(1) - 1
    frame = pd.DataFrame(cols)
    frame.index.name = "date"
    return frame


@pytest.fixture(scope="module")
def returns(prices_dir: Path) -> pd.DataFrame:
    return _returns(prices_dir, TICKERS)


@pytest.fixture(scope="module")
def deepseek(returns: pd.DataFrame):  # type: ignore[no-untyped-def]
    events = pd.DataFrame({"ticker": ["NVDA", "AVGO", "AMD", "TSM"], "date": "2025-01-27"})
    return EventStudy(events, returns, model=MarketModel("SPY")).fit()


def test_nvda_ar_matches_plain_numpy(returns: pd.DataFrame, deepseek) -> None:  # type: ignore[no-untyped-def]
    r, m = returns["NVDA"].to_numpy(), returns["SPY"].to_numpy()
    p0 = int(np.flatnonzero(returns.index == pd.Timestamp("2025-01-27"))[0])
    est = np.arange(p0 - 250, p0 - 10)  # days -250..-11
    X = np.column_stack([np.ones(len(est)), m[est]])
    coef = np.linalg.lstsq(X, r[est], rcond=None)[0]
    resid = r[est] - X @ coef
    s2 = resid @ resid / (len(est) - 2)
    xtx_inv = np.linalg.inv(X.T @ X)
    x0 = np.array([1.0, m[p0]])
    ar0 = r[p0] - x0 @ coef
    var0 = s2 * (1 + x0 @ xtx_inv @ x0)

    ar = deepseek.ar
    row = ar[(ar["ticker"] == "NVDA") & (ar["rel_day"] == 0)].iloc[0]
    assert row["date"] == pd.Timestamp("2025-01-27")
    assert row["ret"] == pytest.approx(
        118.42 / 142.62 - 1, abs=5e-4
    )  # README check, rounded prices
    np.testing.assert_allclose(row["ar"], ar0, rtol=1e-10)
    np.testing.assert_allclose(row["var_ar"], var0, rtol=1e-10)
    np.testing.assert_allclose(row["sar"], ar0 / np.sqrt(var0), rtol=1e-10)
    np.testing.assert_allclose(row["normal"], x0 @ coef, rtol=1e-10)
    prm = deepseek.params.set_index("ticker").loc["NVDA"]
    np.testing.assert_allclose([prm["alpha"], prm["beta"]], coef, rtol=1e-10)
    np.testing.assert_allclose(prm["sigma2"], s2, rtol=1e-10)
    assert prm["nobs"] == 240 and prm["dof"] == 238

    # CAR(-1, +1) with the full covariance form, written out with the L2 x L2 matrix here
    w = np.array([p0 - 1, p0, p0 + 1])
    Xw = np.column_stack([np.ones(3), m[w]])
    car = np.sum(r[w] - Xw @ coef)
    V = s2 * (np.eye(3) + Xw @ xtx_inv @ Xw.T)
    c = deepseek.car((-1, 1)).set_index("ticker").loc["NVDA"]
    np.testing.assert_allclose(c["car"], car, rtol=1e-10)
    np.testing.assert_allclose(c["var_car"], V.sum(), rtol=1e-10)
    assert c["n_days"] == 3


def test_market_model_coefficients_match_statsmodels(returns: pd.DataFrame, deepseek) -> None:  # type: ignore[no-untyped-def]
    p0 = int(np.flatnonzero(returns.index == pd.Timestamp("2025-01-27"))[0])
    est = returns.iloc[p0 - 250 : p0 - 10]
    for t, row in deepseek.params.set_index("ticker").iterrows():
        d = est[[t, "SPY"]].dropna()
        ref = sm.OLS(d[t], sm.add_constant(d["SPY"])).fit()
        np.testing.assert_allclose([row["alpha"], row["beta"]], ref.params.to_numpy(), atol=1e-10)
        np.testing.assert_allclose(row["sigma2"], ref.scale, rtol=1e-10)
        np.testing.assert_allclose(row["r2"], ref.rsquared, rtol=1e-10)


def test_panel_contract(deepseek) -> None:  # type: ignore[no-untyped-def]
    p = deepseek.panel
    n = p.n_events
    assert n == 4 and p.k == 2
    assert p.est_rel.tolist() == list(range(-250, -10))
    assert p.evt_rel.tolist() == list(range(-10, 11))
    assert p.resid_est.shape == (n, 240) and p.ar.shape == (n, 21)
    assert p.est_dates.shape == (n, 240) and p.evt_dates.dtype == np.dtype("datetime64[ns]")
    assert p.xtx_inv is not None and p.xtx_inv.shape == (n, 2, 2)
    assert p.x_evt is not None and p.x_evt.shape == (n, 21, 2)
    assert p.params is not None and p.param_names == ["alpha", "beta"]
    assert p.market_est is not None and p.market_evt is not None
    np.testing.assert_allclose(p.market_evt, p.x_evt[..., 1])
    assert p.bench_evt is not None
    np.testing.assert_allclose(p.ar, p.ret_evt - p.normal_evt, atol=1e-15)
    assert p.return_kind == "simple" and p.sigma2_ddof == "n - k"
    # estimation residuals are centred (OLS with a constant)
    np.testing.assert_allclose(np.nanmean(p.resid_est, axis=1), 0, atol=1e-15)
    # the estimation residual variance is sigma2
    np.testing.assert_allclose(np.nansum(p.resid_est**2, axis=1) / p.dof, p.sigma2, rtol=1e-12)
    assert deepseek.status["status"].eq("used").all()
    assert deepseek.status["n_est"].tolist() == [240] * 4
    assert deepseek.status["n_event"].tolist() == [21] * 4


def test_aar_and_caar_by_hand(deepseek) -> None:  # type: ignore[no-untyped-def]
    ar = deepseek.ar
    by_day = ar.groupby("rel_day")["ar"].mean()
    np.testing.assert_allclose(deepseek.aar.set_index("rel_day")["aar"], by_day, rtol=1e-12)
    caar = deepseek.caar((-2, 2))
    np.testing.assert_allclose(caar["caar"], by_day.loc[-2:2].cumsum().to_numpy(), rtol=1e-12)
    assert caar["n"].tolist() == [4] * 5


def test_ff3_coefficients_match_statsmodels(prices_dir: Path, returns: pd.DataFrame) -> None:
    ff = pd.read_csv(prices_dir / "factors" / "FF3_daily.csv", index_col="Date", parse_dates=True)
    ff = ff / 100.0  # published in percent
    events = pd.DataFrame({"ticker": ["NVDA", "TSM", "GEV"], "date": "2025-01-27"})
    res = EventStudy(events, returns, model=FamaFrench3(), factors=ff).fit()
    p0 = int(np.flatnonzero(returns.index == pd.Timestamp("2025-01-27"))[0])
    est_dates = returns.index[p0 - 250 : p0 - 10]
    for t, row in res.params.set_index("ticker").iterrows():
        d = pd.concat([returns[t].loc[est_dates], ff.reindex(est_dates)], axis=1).dropna()
        y = d[t] - d["RF"]
        ref = sm.OLS(y, sm.add_constant(d[["Mkt-RF", "SMB", "HML"]])).fit()
        got = row[["alpha", "b_Mkt-RF", "b_SMB", "b_HML"]].to_numpy(dtype=float)
        np.testing.assert_allclose(got, ref.params.to_numpy(), atol=1e-10)
        np.testing.assert_allclose(row["sigma2"], ref.scale, rtol=1e-10)
        # AR on day 0 = (r - rf) - x'b
        x0 = ff.loc["2025-01-27"]
        ar0 = (returns.loc["2025-01-27", t] - x0["RF"]) - ref.params.to_numpy() @ np.r_[
            1.0, x0[["Mkt-RF", "SMB", "HML"]].to_numpy()
        ]
        a = res.ar
        got_ar = a[(a["ticker"] == t) & (a["rel_day"] == 0)]["ar"].iloc[0]
        np.testing.assert_allclose(got_ar, ar0, rtol=1e-10)


def test_every_status_reason(prices_dir: Path, returns: pd.DataFrame) -> None:
    r = returns.copy()
    r["FLAT"] = 0.0  # constant returns
    r["CONST"] = 0.001  # a "market" with no variation
    r.loc[pd.Timestamp("2024-06-03"), "NVDA"] = np.nan
    r.loc[pd.Timestamp("2024-07-01"), "SPY"] = np.nan
    events = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(10)],
            "ticker": ["XXX", "NVDA", "NVDA", "ARM", "NVDA", "NVDA", "GEV", "FLAT", "AMD", "NVDA"],
            "date": [
                "2025-01-27",  # ticker has no data
                "2025-01-27",  # benchmark has no data
                "2026-03-02",  # after last price
                "2023-06-01",  # ARM listed 2023-09-14
                "2024-06-03",  # missing return on day 0
                "2024-07-01",  # market missing on day 0
                "2024-06-03",  # GEV listed 2024-03-27: too few estimation days
                "2025-01-27",  # zero variance
                "2025-01-27",  # singular market
                "2025-01-27",  # used
            ],
            "benchmark": [None, "NOPE", None, None, None, None, None, None, "CONST", None],
        }
    )
    with pytest.warns(EventsDroppedWarning, match="9 of 10 events dropped"):
        res = EventStudy(events, r, model=MarketModel("SPY")).fit()
    reason = res.status.set_index("event_id")["reason"]
    assert reason["e0"].startswith("ticker has no data")
    assert reason["e1"].startswith("market/benchmark 'NOPE' has no data")
    assert reason["e2"].startswith("event after last price")
    assert reason["e3"].startswith(
        "event before first price: not listed yet (first return 2023-09-15"
    )
    assert reason["e4"] == "missing return on day 0 (2024-06-03)"
    assert reason["e5"].startswith("market/benchmark 'SPY' missing on day 0")
    assert reason["e6"].startswith("fewer than min_estimation_obs=100")
    assert reason["e7"] == "zero-variance estimation returns"
    assert reason["e8"].startswith("singular regressors")
    assert reason["e9"] == ""
    st = res.status.set_index("event_id")
    assert st.loc["e9", "status"] == "used" and (st.drop("e9")["status"] == "dropped").all()
    assert res.panel.event_id.tolist() == ["e9"]
    # day -11 of 2024-06-03 is 2024-05-16 (Memorial Day 05-27 is no session)
    n_gev = int(r["GEV"].loc[:"2024-05-16"].notna().sum())
    assert st.loc["e6", "n_est"] == n_gev


def test_factor_data_missing_is_a_reason(prices_dir: Path, returns: pd.DataFrame) -> None:
    ff = pd.read_csv(prices_dir / "factors" / "FF3_daily.csv", index_col="Date", parse_dates=True)
    ff = ff.loc[:"2024-12-31"] / 100.0
    events = pd.DataFrame({"ticker": ["NVDA", "NVDA"], "date": ["2024-12-20", "2025-06-02"]})
    with pytest.warns(EventsDroppedWarning, match="factor data missing"):
        res = EventStudy(events, returns, model=FamaFrench3(), factors=ff).fit()
    assert res.status["reason"].iloc[1] == "factor data missing on day 0 (2025-06-02)"
    assert res.status["status"].tolist() == ["used", "dropped"]
    # the used event's window runs past the factors' end: those days are missing, not zero
    p = res.panel
    past = p.evt_dates[0] > np.datetime64("2024-12-31")
    assert past.any() and np.isnan(p.ar[0, past]).all()
    assert res.status["n_event"].iloc[0] == int((~past).sum())


def test_min_estimation_obs_option(returns: pd.DataFrame) -> None:
    events = pd.DataFrame({"ticker": ["GEV"], "date": ["2025-01-27"]})
    res = EventStudy(events, returns).fit()
    assert res.status["n_est"].iloc[0] == 197
    with pytest.raises(InsufficientDataError, match="min_estimation_obs=200"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EventsDroppedWarning)
            EventStudy(events, returns, min_estimation_obs=200).fit()


def test_missing_returns_are_not_filled(returns: pd.DataFrame) -> None:
    r = returns.copy()
    holes = pd.DatetimeIndex(["2024-03-01", "2024-08-05", "2024-11-20"])
    r.loc[holes, "AVGO"] = np.nan
    r.loc[pd.Timestamp("2025-01-29"), "AVGO"] = np.nan  # inside the event window
    events = pd.DataFrame({"ticker": ["AVGO"], "date": ["2025-01-27"]})
    res = EventStudy(events, r).fit()
    assert res.status["n_est"].iloc[0] == 237
    assert res.status["n_event"].iloc[0] == 20
    p0 = int(np.flatnonzero(r.index == pd.Timestamp("2025-01-27"))[0])
    d = r.iloc[p0 - 250 : p0 - 10][["AVGO", "SPY"]].dropna()
    ref = sm.OLS(d["AVGO"], sm.add_constant(d["SPY"])).fit()
    np.testing.assert_allclose(res.params[["alpha", "beta"]].iloc[0], ref.params, atol=1e-10)
    a = res.ar
    assert np.isnan(a.loc[a["date"] == pd.Timestamp("2025-01-29"), "ar"]).all()
    c = res.car((0, 3))
    assert c["n_days"].iloc[0] == 3


def test_calendar_rolls_and_amc_and_per_event_benchmark(returns: pd.DataFrame) -> None:
    events = pd.DataFrame(
        {
            "ticker": ["NVDA", "NVDA", "AMD"],
            "date": ["2025-01-25", "2025-01-24", "2025-01-27"],
            "timing": [None, "amc", None],
            "benchmark": [None, None, "NVDA"],
            "group": ["a", "a", "b"],
        }
    )
    # both NVDA announcements roll to Monday 2025-01-27: that firm-day counts once
    with pytest.warns(EventsDroppedWarning, match="1 x duplicate event"):
        res = EventStudy(events, returns).fit()
    st = res.status
    assert [pd.Timestamp(d) for d in st["day0"]] == [pd.Timestamp("2025-01-27")] * 3
    assert st["rolled"].tolist() == [True, True, False]
    assert st["event_id"].tolist() == ["NVDA 2025-01-25", "NVDA 2025-01-24", "AMD 2025-01-27"]
    assert st["status"].tolist() == ["used", "dropped", "used"]
    assert st["reason"].iloc[1].startswith("duplicate event (same ticker, day 0 and market as")
    # AMD regressed on NVDA (its per-event benchmark)
    p0 = int(np.flatnonzero(returns.index == pd.Timestamp("2025-01-27"))[0])
    d = returns.iloc[p0 - 250 : p0 - 10][["AMD", "NVDA"]].dropna()
    ref = sm.OLS(d["AMD"], sm.add_constant(d["NVDA"])).fit()
    np.testing.assert_allclose(res.params[["alpha", "beta"]].iloc[1], ref.params, atol=1e-10)
    assert res.panel.group is not None and res.panel.group.tolist() == ["a", "b"]
    assert res.car()["group"].tolist() == ["a", "b"]


def test_own_sessions_when_calendar_is_none(returns: pd.DataFrame) -> None:
    r = returns.drop(index=pd.Timestamp("2025-01-27"))  # a dropped session
    events = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    own = EventStudy(events, r, calendar=None).fit()
    assert pd.Timestamp(own.status["day0"].iloc[0]) == pd.Timestamp("2025-01-28")
    with pytest.warns(EventsDroppedWarning):
        xnys = EventStudy(events, r, calendar="XNYS").fit
        with pytest.raises(InsufficientDataError, match="missing return on day 0"):
            xnys()


def test_explicit_date_windows(returns: pd.DataFrame) -> None:
    events = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    res = EventStudy(
        events,
        returns,
        estimation_window=("2024-01-02", "2024-12-31"),
        event_window=("2025-01-27", "2025-01-31"),
    ).fit()
    assert res.panel.evt_rel.tolist() == [0, 1, 2, 3, 4]
    assert res.status["n_est"].iloc[0] == 252
    d = returns.loc["2024-01-02":"2024-12-31", ["NVDA", "SPY"]]
    ref = sm.OLS(d["NVDA"], sm.add_constant(d["SPY"])).fit()
    np.testing.assert_allclose(res.params[["alpha", "beta"]].iloc[0], ref.params, atol=1e-10)


def test_dollar_values_nvidia(returns: pd.DataFrame) -> None:
    events = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    shares = 24.49e9  # approximate shares outstanding (Jan 2025)
    mv = pd.DataFrame(
        {
            "ticker": ["NVDA"] * 3,
            "date": pd.to_datetime(["2025-01-23", "2025-01-24", "2025-01-27"]),
            "market_value": [shares * 147.22, shares * 142.62, shares * 118.42],
        }
    )
    res = EventStudy(events, returns, event_window=(-5, 5), market_values=mv).fit()
    d = res.dollar((0, 0)).iloc[0]
    assert d["mv_date"] == pd.Timestamp("2025-01-24")
    assert d["market_value"] == shares * 142.62
    ar0 = res.ar.query("rel_day == 0")["ar"].iloc[0]
    r0 = returns.loc["2025-01-27", "NVDA"]
    assert d["dollar_abnormal"] == pytest.approx(ar0 * shares * 142.62, rel=1e-12)
    assert d["dollar_return"] == pytest.approx(r0 * shares * 142.62, rel=1e-12)
    assert -600e9 < d["dollar_return"] < -580e9  # the ~$590 bn loss
    assert abs(d["dollar_abnormal"]) < abs(d["dollar_return"])
    # a Series by ticker also works; the full window uses the close before day -5
    res2 = EventStudy(
        events, returns, event_window=(-5, 5), market_values=pd.Series({"NVDA": 1e12})
    ).fit()
    full = res2.dollar().iloc[0]
    assert full["mv_date"] == pd.Timestamp("2025-01-16")
    assert full["dollar_abnormal"] == pytest.approx(res2.car()["car"].iloc[0] * 1e12, rel=1e-12)


def test_bhar_by_hand(returns: pd.DataFrame, deepseek) -> None:  # type: ignore[no-untyped-def]
    ar = deepseek.ar.query("ticker == 'NVDA' and rel_day >= 0 and rel_day <= 2")
    by_model = np.prod(1 + ar["ret"]) - np.prod(1 + ar["normal"])
    spy = returns["SPY"].loc[ar["date"]]
    by_bench = np.prod(1 + ar["ret"]) - np.prod(1 + spy.to_numpy())
    b = deepseek.bhar((0, 2)).set_index("ticker").loc["NVDA"]
    np.testing.assert_allclose(b["bhar"], by_model, rtol=1e-12)
    bb = deepseek.bhar((0, 2), against="benchmark").set_index("ticker").loc["NVDA"]
    np.testing.assert_allclose(bb["bhar"], by_bench, rtol=1e-12)
    assert b["n_days"] == 3


def test_bad_specifications(returns: pd.DataFrame) -> None:
    ev = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    with pytest.raises(SpecError, match="overlaps"):
        EventStudy(ev, returns, estimation_window=(-100, 0), event_window=(-5, 5))
    with pytest.raises(SpecError, match="return_kind"):
        EventStudy(ev, returns, return_kind="pct")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="needs returns="):
        EventStudy(ev)
    with pytest.raises(SpecError, match="'QQQ' is not a column"):
        EventStudy(ev, returns, model=MarketModel("QQQ")).fit()
    with pytest.raises(SpecError, match="needs factors"):
        EventStudy(ev, returns, model=FamaFrench3()).fit()
    with pytest.raises(SpecError, match="outside the event window"):
        EventStudy(ev, returns).fit().car((-20, 0))
    bad = returns.copy()
    bad.loc[pd.Timestamp("2024-05-01"), "AMD"] = np.inf
    with pytest.raises(DataError, match="'AMD' on 2024-05-01 are infinite"):
        EventStudy(ev, bad).fit()
    with pytest.raises(DataError, match="not XNYS sessions"):
        r2 = returns.copy()
        r2.loc[pd.Timestamp("2024-12-25")] = 0.0
        EventStudy(ev, r2.sort_index()).fit()


def test_percent_factors_rejected(prices_dir: Path, returns: pd.DataFrame) -> None:
    ff = pd.read_csv(prices_dir / "factors" / "FF3_daily.csv", index_col="Date", parse_dates=True)
    ev = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    with pytest.raises(DataError, match="look like percent"):
        EventStudy(ev, returns, model=FamaFrench3(), factors=ff).fit()


def test_prices_input_uses_compute_returns(prices_dir: Path, returns: pd.DataFrame) -> None:
    pytest.importorskip("eventstudy.returns")
    px = pd.DataFrame(
        {
            t: pd.read_csv(prices_dir / f"{t}.csv", index_col="Date", parse_dates=True)["Adj Close"]
            for t in ["NVDA", "SPY"]
        }
    )
    px.index.name = "date"
    ev = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    a = EventStudy(ev, prices=px).fit()
    b = EventStudy(ev, returns[["NVDA", "SPY"]]).fit()
    np.testing.assert_allclose(a.panel.ar, b.panel.ar, rtol=1e-9)
    logs = EventStudy(ev, prices=px, return_kind="log").fit()
    assert logs.return_kind == "log" and logs.panel.return_kind == "log"


def test_mixed_relative_and_date_windows(returns: pd.DataFrame) -> None:
    ev = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    with pytest.raises(SpecError, match="overlaps event_window"):
        EventStudy(
            ev, returns, estimation_window=(-250, 0), event_window=("2025-01-27", "2025-01-28")
        ).fit()
    res = EventStudy(
        ev, returns, estimation_window=(-250, -11), event_window=("2025-01-27", "2025-01-28")
    ).fit()
    base = EventStudy(ev, returns, event_window=(0, 1)).fit()
    np.testing.assert_allclose(res.panel.ar, base.panel.ar, rtol=1e-12)


def test_many_events_per_firm_and_date_keyed_by_event_id(returns: pd.DataFrame) -> None:
    ev = pd.DataFrame(
        {
            "event_id": ["x1", "x2", "x3"],
            "ticker": ["NVDA", "NVDA", "AMD"],
            "date": ["2025-01-27", "2024-08-28", "2025-01-27"],
        }
    )
    res = EventStudy(ev, returns).fit()
    assert res.car()["event_id"].tolist() == ["x1", "x2", "x3"]
    assert res.ar.groupby("event_id").size().tolist() == [21, 21, 21]
    assert (
        res.params.set_index("event_id").loc["x1", "beta"]
        != res.params.set_index("event_id").loc["x2", "beta"]
    )
