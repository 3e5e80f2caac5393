"""Abnormal volume and event-induced variance (issue 16), on simulated data."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import eventstudy as es
from eventstudy.exceptions import DataError, EventStudyWarning, SpecError
from eventstudy.second_stage.volatility import variance_ratio, variance_tests
from eventstudy.second_stage.volume import TURNOVER_OFFSET, volume_frame, volume_study

SPIKE = 1.0  # planted abnormal log volume on days 0 and 1 (x2.7 shares traded)


def _volume_prices(
    seed: int = 2, n: int = 40, spike: float = SPIKE, others: int = 0, dates_used: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Log volume = a + b * market log volume + noise; ``n`` event firms (``others`` more
    firms without events); the spike is planted on days 0 and 1 of each event."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2022-01-03", periods=360)
    mkt = 20.0 + np.cumsum(rng.normal(0, 0.05, len(dates))) * 0.2 + rng.normal(0, 0.2, len(dates))
    tickers = [f"V{i:02d}" for i in range(n)] + [f"W{i:03d}" for i in range(others)]
    a = rng.uniform(-3, 0, n + others)
    b = rng.uniform(0.6, 1.2, n + others)
    logv = a[None, :] + b[None, :] * mkt[:, None] + rng.normal(0, 0.3, (len(dates), n + others))
    pos = 300 + (np.arange(n) % dates_used)
    logv[pos, np.arange(n)] += spike
    logv[pos + 1, np.arange(n)] += spike
    vol = np.exp(logv)
    vol[100:103, 0] = 0.0  # three zero-volume days of V00 (estimation window)
    vol[50:60, 1] = np.nan  # a ten-day halt of V01
    wide = pd.DataFrame(vol, index=dates, columns=tickers)
    wide["MKT"] = np.exp(mkt)
    tidy = (
        wide.rename_axis("date")
        .reset_index()
        .melt(id_vars="date", var_name="ticker", value_name="volume")
    )
    events = pd.DataFrame({"ticker": tickers[:n], "date": dates[pos]})
    return tidy, events


def test_planted_volume_spike_is_recovered_within_sampling_error() -> None:
    prices, events = _volume_prices()
    with pytest.warns(
        EventStudyWarning, match=r"V00 \(3 zero, 0 missing\), V01 \(0 zero, 10 missing\)"
    ):
        res = volume_study(events, prices, market="MKT", event_window=(-5, 5), calendar=None)
    assert res.meta["outcome"] == "volume"
    report = res.meta["volume_report"].set_index("ticker")
    assert report.loc["V00", "zero_volume"] == 3 and report.loc["V01", "missing_volume"] == 10
    for day in (0, 1):
        av = res.ar[res.ar["rel_day"] == day]["ar"].to_numpy()
        se = av.std(ddof=1) / math.sqrt(len(av))
        assert abs(av.mean() - SPIKE) < 4 * se, (day, av.mean(), se)
    quiet = res.ar[res.ar["rel_day"].isin([-5, -4, -3, 3, 4])]["ar"].to_numpy()
    assert abs(quiet.mean()) < 4 * quiet.std(ddof=1) / math.sqrt(len(quiet))
    car = res.car((0, 1))["car"].to_numpy()
    assert abs(car.mean() - 2 * SPIKE) < 4 * car.std(ddof=1) / math.sqrt(len(car))
    tests = res.tests(["cross_sectional_t", "corrado_rank"], windows=[(0, 1)], daily=False)
    assert (tests["p_value"] < 1e-6).all()
    # the abnormal volume of one event by hand: OLS of log(1+V) on the market's log(1+V)
    ar = res.ar[(res.ar["ticker"] == "V05") & (res.ar["rel_day"] == 0)]["ar"].iloc[0]
    wide = prices.pivot(index="date", columns="ticker", values="volume")
    y, x = np.log1p(wide["V05"]), np.log1p(wide["MKT"])
    p0 = wide.index.get_loc(events.loc[5, "date"])
    est = slice(p0 - 250, p0 - 10)
    beta, alpha = np.polyfit(x.iloc[est], y.iloc[est], 1)
    assert ar == pytest.approx(y.iloc[p0] - alpha - beta * x.iloc[p0], abs=1e-9)


def test_mean_market_and_mean_adjusted_models_recover_the_spike() -> None:
    # the market's mean log volume holds the event firms too: 2 spiking firms of 201 per
    # date keep that contamination (about 1 % of the spike) far below the sampling error
    prices, events = _volume_prices(seed=4, others=160, dates_used=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventStudyWarning)
        for kwargs in ({"market": "mean"}, {"model": "mean"}):
            res = volume_study(events, prices, event_window=(-5, 5), calendar=None, **kwargs)  # type: ignore[arg-type]
            av = res.ar[res.ar["rel_day"] == 0]["ar"].to_numpy()
            # the mean-adjusted model leaves the market's volume noise in: wider error
            assert abs(av.mean() - SPIKE) < 4 * av.std(ddof=1) / math.sqrt(len(av)), kwargs


def test_a_mean_market_made_of_the_event_firms_warns() -> None:
    # 40 event firms and only the market ticker besides: the "mean" market is their own
    # volume, and the shared spike is absorbed (audit: 0.755 with SPY, 0.055 with "mean")
    prices, events = _volume_prices(seed=5, dates_used=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventStudyWarning)
        by_ticker = volume_study(events, prices, market="MKT", event_window=(-5, 5), calendar=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        volume_study(events, prices, market="mean", event_window=(-5, 5), calendar=None)
    texts = [str(w.message) for w in caught]
    assert any(
        "market='mean' is the mean log volume of 41 tickers, 98% of them" in t for t in texts
    )
    day0 = by_ticker.ar[by_ticker.ar["rel_day"] == 0]["ar"].to_numpy()
    assert abs(day0.mean() - SPIKE) < 4 * day0.std(ddof=1) / math.sqrt(len(day0))


def test_a_zero_volume_day_in_an_event_window_warns() -> None:
    # audit: one zero-volume day of 40 firms on day 0 took the t statistic from 23.6 to 2.08
    prices, events = _volume_prices(seed=7, dates_used=1)
    day0 = pd.Timestamp(events["date"].iloc[3])
    prices.loc[(prices["ticker"] == "V03") & (prices["date"] == day0), "volume"] = 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        volume_study(events, prices, market="MKT", event_window=(-5, 5), calendar=None)
    texts = [str(w.message) for w in caught]
    assert any(f"1 event-window day(s) have zero volume (V03 {day0:%Y-%m-%d})" in t for t in texts)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = volume_study(
            events, prices, market="MKT", event_window=(-5, 5), calendar=None, zero="missing"
        )
    assert not any("event-window day(s) have zero volume" in str(w.message) for w in caught)
    v03 = res.ar[(res.ar["ticker"] == "V03") & (res.ar["rel_day"] == 0)]["ar"]
    assert v03.isna().all()  # left out, not a -12


def test_missing_volume_counts_only_days_inside_a_tickers_span() -> None:
    prices, _ = _volume_prices(seed=6)
    # V02 lists on the 40th session: its 39 earlier days are not "missing volume"
    late = (prices["ticker"] == "V02") & (prices["date"] < prices["date"].unique()[39])
    report = volume_frame(prices[~late], tickers=["V01", "V02"]).attrs["volume_report"]
    counts = dict(zip(report["ticker"], report["missing_volume"], strict=True))
    assert counts == {"V01": 10, "V02": 0}  # V01's ten-day halt (planted) is still counted


def test_turnover_measure_and_zero_as_missing() -> None:
    prices, _ = _volume_prices()
    shares = pd.Series(1e6, index=prices["ticker"].unique())
    turn = volume_frame(prices, measure="turnover", shares=shares)
    raw = prices.pivot(index="date", columns="ticker", values="volume")
    np.testing.assert_allclose(
        turn["V03"], np.log(100 * raw["V03"] / 1e6 + TURNOVER_OFFSET), rtol=1e-14
    )
    assert turn["V00"].iloc[100] == pytest.approx(math.log(TURNOVER_OFFSET))
    missing = volume_frame(prices, zero="missing")
    assert missing["V00"].iloc[100:103].isna().all()
    assert missing.attrs["volume_report"].set_index("ticker").loc["V00", "zero_volume"] == 3


def _turnover_by_hand(prices: pd.DataFrame, counts: pd.DataFrame, ticker: str) -> pd.Series:
    """ln(100 V_t / S_t + 0.000255) with S_t the last count on or before day t, times the
    split ratios dated after that count (current basis), by a loop over days."""
    rows = prices[prices["ticker"] == ticker].set_index("date")
    mine = counts[counts["ticker"] == ticker]
    splits = rows["splits"].dropna()
    out = {}
    for day, volume in rows["volume"].items():
        before = mine[mine["date"] <= day]
        last = before.iloc[int(np.argmax(before["date"].to_numpy()))]
        factor = 1.0
        for split_day, ratio in splits.items():
            if split_day > last["date"] and ratio > 0:
                factor *= ratio
        out[day] = math.log(100.0 * volume / (last["shares"] * factor) + TURNOVER_OFFSET)
    return pd.Series(out)


def test_turnover_with_dated_share_counts_by_hand() -> None:
    """Turnover from counts by date (ticker, date, shares): the last count on or before each
    day, restated across a split as load_market_values does; abnormal turnover by OLS."""
    prices, events = _volume_prices(n=4)
    dates = pd.DatetimeIndex(sorted(prices["date"].unique()))
    prices = prices.assign(close=50.0, splits=np.nan)
    prices.loc[(prices["ticker"] == "V02") & (prices["date"] == dates[200]), "splits"] = 2.0
    before = pd.Timestamp("2021-12-31")
    counts = pd.DataFrame(
        [
            ("V00", before, 1e6),
            ("V01", before, 2e6),
            ("V01", dates[220], 3e6),  # a new count inside the estimation window
            ("V02", before, 5e5),  # before the 2:1 split: 1e6 on today's basis
            ("V02", dates[250], 1.1e6),
            ("V03", before, 4e6),
            ("MKT", before, 1e9),
            ("MKT", dates[280], 1.2e9),
        ],
        columns=["ticker", "date", "shares"],
    )
    turn = volume_frame(prices, measure="turnover", shares=counts)
    for ticker in ("V01", "V02", "MKT"):
        hand = _turnover_by_hand(prices, counts, ticker)
        np.testing.assert_allclose(turn[ticker].to_numpy(), hand.to_numpy(), rtol=1e-13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventStudyWarning)
        vol = volume_study(
            events,
            prices,
            market="MKT",
            measure="turnover",
            shares=counts,
            estimation_window=(-150, -11),
            event_window=(-5, 5),
            calendar=None,
        )
    y, x = _turnover_by_hand(prices, counts, "V01"), _turnover_by_hand(prices, counts, "MKT")
    p0 = dates.get_loc(events.loc[events["ticker"] == "V01", "date"].iloc[0])
    est = slice(p0 - 150, p0 - 10)  # V01's count changes inside it (day 220)
    b, a = np.polyfit(x.iloc[est], y.iloc[est], 1)
    ar = vol.ar[(vol.ar["ticker"] == "V01") & (vol.ar["rel_day"] == 0)]["ar"].iloc[0]
    assert ar == pytest.approx(y.iloc[p0] - a - b * x.iloc[p0], abs=1e-9)
    # a day before a ticker's first count: no silent gap
    late = counts.assign(date=counts["date"].where(counts["ticker"] != "V03", dates[10]))
    with pytest.raises(es.DataUnavailableError, match=r"turnover needs a share count.*V03"):
        volume_frame(prices, measure="turnover", shares=late)
    with pytest.raises(DataError, match=r"no share counts for \['V03'\]"):
        volume_frame(prices, measure="turnover", shares=counts[counts["ticker"] != "V03"])


def test_volume_bad_input() -> None:
    prices, events = _volume_prices()
    with pytest.raises(DataError, match="no 'volume' column"):
        volume_study(events, prices.drop(columns="volume"), calendar=None)
    # one firm without usable volume: its events are left out (was: the whole run stopped)
    bad = prices.copy()
    bad.loc[bad["ticker"] == "V07", "volume"] = 0.0
    bad.loc[bad["ticker"] == "V08", "volume"] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = volume_study(events, bad, calendar=None, market="MKT")
    assert any(
        "no usable volume for ['V07', 'V08']" in str(w.message) and "2 event(s)" in str(w.message)
        for w in caught
    )
    assert set(res.status["ticker"]) == set(events["ticker"]) - {"V07", "V08"}
    # every event firm without volume: the error names them
    only = events[events["ticker"].isin(["V07", "V08"])]
    with pytest.raises(DataError, match=r"\['V08'\] have no volume at all"):
        volume_study(only, bad, calendar=None, market="MKT")
    with pytest.raises(DataError, match=r"\['V07'\] have zero volume on every day.*drop those"):
        volume_study(only[only["ticker"] == "V07"], bad, calendar=None, market="MKT")
    with pytest.raises(
        DataError, match=r"no price rows with volume for event ticker\(s\) \['ZZ'\]"
    ):
        volume_study(
            pd.DataFrame({"ticker": ["ZZ"], "date": ["2023-01-02"]}), prices, calendar=None
        )
    with pytest.raises(SpecError, match="market='SPY' is not a ticker"):
        volume_study(events, prices, market="SPY", calendar=None)
    with pytest.raises(SpecError, match="needs shares="):
        volume_frame(prices, measure="turnover")


# ----------------------------------------------------------------------------- volatility
def _variance_panel(
    n_tickers: int, per_ticker: int, scale: float, seed: int
) -> es.EventStudyResults:
    """Market-model returns; day 0's abnormal return has variance ``scale`` times the usual."""
    rng = np.random.default_rng(seed)
    gap = 40
    T = 140 + gap * per_ticker + 20
    dates = pd.bdate_range("2020-01-01", periods=T)
    market = rng.normal(0.0003, 0.01, T)
    sigma = rng.uniform(0.01, 0.03, n_tickers)
    rets = market[:, None] + rng.normal(0, 1, (T, n_tickers)) * sigma
    tickers = [f"S{i:04d}" for i in range(n_tickers)]
    pos = 140 + gap * np.arange(per_ticker)
    rows = []
    for k, p in enumerate(pos):
        extra = rng.normal(0, 1, n_tickers) * sigma * math.sqrt(scale - 1.0)
        rets[p, :] += extra
        rows.append(pd.DataFrame({"ticker": tickers, "date": dates[p], "rep": k}))
    frame = pd.DataFrame(rets, index=dates, columns=tickers)
    frame["SPY"] = market
    events = pd.concat(rows, ignore_index=True)
    return es.EventStudy(
        events,
        returns=frame,
        estimation_window=(-120, -11),
        event_window=(-5, 5),
        calendar=None,
        min_estimation_obs=100,
    ).fit()


def _rejection_rates(
    res: es.EventStudyResults, group: int, window: tuple[int, int]
) -> dict[str, float]:
    n = res.panel.n_events
    reps = n // group
    hits = {"squared_sar": 0, "harrington_shrider": 0}
    for r in range(reps):
        sub = res.panel.take(slice(r * group, (r + 1) * group))
        table = variance_tests(sub, window)
        for row in table.itertuples():
            hits[row.test] += row.p_value < 0.05
    return {k: v / reps for k, v in hits.items()}


def test_variance_tests_have_correct_size_under_the_null() -> None:
    # 300 samples of 40 events (different firms or dates), no event effect
    res = _variance_panel(n_tickers=2000, per_ticker=6, scale=1.0, seed=11)
    reps = res.panel.n_events // 40
    half = stats.norm.ppf(0.995) * math.sqrt(0.05 * 0.95 / reps)
    for window in ((0, 0), (-1, 1)):
        rates = _rejection_rates(res, 40, window)
        for test, rate in rates.items():
            assert 0.05 - half <= rate <= 0.05 + half, (window, test, rate)


def test_variance_tests_have_power_under_a_planted_variance_increase() -> None:
    res = _variance_panel(n_tickers=400, per_ticker=5, scale=3.0, seed=12)
    rates = _rejection_rates(res, 40, (0, 0))
    assert rates["squared_sar"] > 0.9 and rates["harrington_shrider"] > 0.9, rates
    vr = variance_ratio(res.panel, (0, 0))
    assert vr["ratio"].mean() == pytest.approx(3.0, rel=0.15)  # E[SAR^2] = scale under H1


def test_variance_tests_by_hand() -> None:
    res = _variance_panel(n_tickers=50, per_ticker=1, scale=2.0, seed=5)
    table = res.variance_tests((0, 1))
    car = res.car((0, 1))
    d = res.panel.dof.astype(float)
    z = (car["car"] / car["se_car"]).to_numpy()
    num = sum(zi**2 - di / (di - 2) for zi, di in zip(z, d, strict=True))
    den = math.sqrt(sum(2 * di**2 * (di - 1) / ((di - 2) ** 2 * (di - 4)) for di in d))
    sq = table.set_index("test").loc["squared_sar"]
    assert sq["statistic"] == pytest.approx(num / den, rel=1e-12)
    zt = [zi * math.sqrt((di - 2) / di) for zi, di in zip(z, d, strict=True)]
    m = sum(zt) / len(zt)
    chi2 = sum((v - m) ** 2 for v in zt)
    hs = table.set_index("test").loc["harrington_shrider"]
    assert hs["statistic"] == pytest.approx(chi2, rel=1e-12)
    assert hs["p_value"] == pytest.approx(stats.chi2.sf(chi2, len(z) - 1), rel=1e-10)
    ratio = res.variance_ratio((0, 1))
    sar = res.ar[res.ar["rel_day"].isin([0, 1])].groupby("event_id", sort=False)["sar"]
    np.testing.assert_allclose(
        ratio["ratio"], sar.apply(lambda s: (s**2).mean()).to_numpy(), rtol=1e-12
    )
    daily = res.variance_tests((0, 1), daily=True)
    assert daily["rel_day"].dropna().nunique() == 11
