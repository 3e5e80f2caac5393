"""Abnormal trading volume: a volume event study on the same engine as returns.

Trading volume is turned into a (roughly normal) daily series per firm - log volume, or log
percentage turnover - and the usual machinery runs on it: the normal-volume model is the
market model of the firm's log volume on the market's log volume (Campbell & Wasley 1996;
Ajinkya & Jain 1989) or the firm's mean log volume (mean-adjusted), abnormal volume is the
prediction error, cumulated over windows, and every test of
:meth:`~eventstudy.results.EventStudyResults.tests` (parametric and rank) applies to it.

Zero-volume days and halts are never hidden: zero volume is kept with a small offset (the
default, as Campbell & Wasley) or set missing, a missing volume (a halt, or no data) stays
missing, and both are counted per firm in ``results.meta["volume_report"]``.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import (
    DataError,
    DataUnavailableError,
    EventStudyWarning,
    SpecError,
    user_stacklevel,
)

__all__ = ["MARKET_VOLUME", "MEASURES", "TURNOVER_OFFSET", "volume_frame", "volume_study"]

#: Column holding the market's log volume when ``market="mean"``.
MARKET_VOLUME = "__market_volume__"
#: Volume measures: log shares traded, or log percentage turnover.
MEASURES: tuple[str, ...] = ("log_volume", "turnover")
#: Campbell & Wasley's (1996) constant added to percentage turnover before the log.
TURNOVER_OFFSET = 0.000255


def _wide_volume(prices: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(prices, pd.DataFrame):
        raise SpecError(f"prices must be the tidy price frame, got {type(prices).__name__}")
    if "volume" not in prices.columns or "ticker" not in prices.columns:
        raise DataError(
            "the price data have no 'volume' column (tidy columns: date, ticker, ..., volume): "
            "load them with eventstudy.load_prices / read_prices from files with a Volume "
            f"column; the frame has {list(map(str, prices.columns))}"
        )
    frame = prices[["date", "ticker", "volume"]].copy()
    frame["date"] = pd.DatetimeIndex(pd.to_datetime(frame["date"])).normalize().as_unit("ns")
    frame["ticker"] = frame["ticker"].astype(str)
    wide = frame.pivot_table(
        index="date", columns="ticker", values="volume", aggfunc="last", dropna=False
    )
    wide.columns = [str(c) for c in wide.columns]
    return wide.astype(np.float64).sort_index()


def volume_frame(
    prices: pd.DataFrame,
    *,
    measure: Literal["log_volume", "turnover"] = "log_volume",
    shares: pd.Series | pd.DataFrame | None = None,
    zero: Literal["offset", "missing"] = "offset",
    tickers: list[str] | None = None,
) -> pd.DataFrame:
    """Wide frame of the daily volume measure, and a report of zero and missing volume.

    Parameters
    ----------
    prices
        Tidy prices with ``date, ticker, volume`` (``load_prices`` / ``read_prices``).
    measure
        ``"log_volume"``: :math:`\\ln(1 + V_{it})` with ``V`` shares traded;
        ``"turnover"``: :math:`\\ln(100 V_{it}/S_i + 0.000255)` with ``S`` shares
        outstanding (Campbell & Wasley 1996).
    shares
        Shares outstanding for ``measure="turnover"``: one count per ticker (a Series or
        mapping, on the split basis of the volume), or counts by date (a tidy frame
        ``ticker, date, shares``): each day then uses the last count on or before it,
        restated on the volume's (current) split basis with the prices' ``splits`` column,
        the rule of :func:`eventstudy.load_market_values` (a day before a ticker's first
        count is a :class:`~eventstudy.exceptions.DataUnavailableError`).
    zero
        ``"offset"`` keeps zero-volume days through the offset (1 share, or 0.000255 %);
        ``"missing"`` treats them as missing (e.g. a day the firm did not trade by rule).
    tickers
        Keep only these columns (default: every ticker of ``prices``); the dates stay those of
        all of ``prices``. With ``measure="turnover"`` only these need ``shares``.

    Returns
    -------
    pandas.DataFrame
        Dates x tickers; ``attrs["volume_report"]`` is a frame ``ticker, days, zero_volume,
        missing_volume`` (days between a ticker's first and last day with volume that have
        none: halts, or a source without volume; days before its listing are not counted).

    Examples
    --------
    >>> import pandas as pd
    >>> prices = pd.DataFrame({"date": pd.bdate_range("2025-01-02", periods=4).repeat(1),
    ...                        "ticker": "X", "volume": [100.0, 0.0, None, 80.0]})
    >>> frame = volume_frame(prices)
    >>> frame.attrs["volume_report"][["zero_volume", "missing_volume"]].to_numpy().tolist()
    [[1, 1]]
    """
    if measure not in MEASURES:
        raise SpecError(f"measure={measure!r} is not valid; use one of {list(MEASURES)}")
    if zero not in ("offset", "missing"):
        raise SpecError(f"zero={zero!r}; use 'offset' or 'missing'")
    wide = _wide_volume(prices)
    if tickers is not None:
        wide = wide[[t for t in dict.fromkeys(map(str, tickers)) if t in wide.columns]]
    values = wide.to_numpy()
    if (values < 0).any():
        col = wide.columns[np.argwhere(values < 0)[0][1]]
        raise DataError(f"negative volume for {col!r}: fix the price data")
    report = pd.DataFrame(
        {
            "ticker": wide.columns,
            "days": wide.notna().sum().to_numpy(),
            "zero_volume": (wide == 0).sum().to_numpy(),
            # inside each ticker's span only: days before its listing or after its last
            # trade are not halts
            "missing_volume": (wide.isna() & _inside_span(wide)).sum().to_numpy(),
        }
    )
    if zero == "missing":
        wide = wide.where(wide > 0)
    if measure == "turnover":
        if shares is None:
            raise SpecError("measure='turnover' needs shares= (shares outstanding by ticker)")
        if isinstance(shares, pd.DataFrame):
            outstanding: pd.Series | pd.DataFrame = _dated_shares(prices, shares, wide)
        else:
            outstanding = pd.Series(shares, dtype=np.float64).reindex(wide.columns)
            lacking = [t for t in wide.columns if not outstanding.get(t, np.nan) > 0]
            if lacking:
                raise DataError(
                    f"no positive shares outstanding for {lacking[:10]}: give shares= for "
                    "every ticker, or use measure='log_volume'"
                )
        out = pd.DataFrame(np.log(100.0 * wide / outstanding + TURNOVER_OFFSET))
    else:
        out = pd.DataFrame(np.log1p(wide))
    out.attrs["volume_report"] = report
    out.attrs["measure"] = measure
    return out


def _dated_shares(prices: pd.DataFrame, shares: pd.DataFrame, wide: pd.DataFrame) -> pd.DataFrame:
    """Shares outstanding on every day of ``wide`` (dates x tickers) from counts by date: the
    last count on or before the day, on the current split basis - the share counts of
    :func:`eventstudy.load_market_values` (one rule for dollar values and turnover)."""
    from ..data.guards import normalise_ticker
    from ..engine.dollar_values import market_values_from_shares, shares_frame

    tidy, _ = shares_frame(shares)  # a tidy or a wide frame of counts -> ticker, date, shares
    counts = pd.DataFrame(tidy)
    counts = counts.assign(ticker=[normalise_ticker(str(t)) for t in counts["ticker"]])
    lacking = [t for t in wide.columns if t not in set(counts["ticker"])]
    if lacking:
        raise DataError(
            f"no share counts for {lacking[:10]}: give shares= (ticker, date, shares) for every "
            "ticker measured, or use measure='log_volume'"
        )
    bad = counts[~(pd.to_numeric(counts["shares"], errors="coerce") > 0)]
    if len(bad):
        row = bad.iloc[0]
        raise DataError(
            f"share count {row['shares']!r} of {row['ticker']} on {row['date']} is not positive"
        )
    # one datetime unit on both sides of the as-of merge (pandas refuses to mix them)
    counts["date"] = pd.DatetimeIndex(pd.to_datetime(counts["date"])).as_unit("ns")
    mine = prices[prices["ticker"].astype(str).isin(wide.columns)].copy()
    mine["date"] = pd.DatetimeIndex(pd.to_datetime(mine["date"])).as_unit("ns")
    # only the share counts are read: a frame without prices or splits still has its days
    for column, fill in (("splits", np.nan), ("adj_close", np.nan), ("close", np.nan)):
        if column not in mine.columns:
            mine[column] = fill
    if mine["close"].isna().all() and mine["adj_close"].isna().all():
        mine["close"] = 1.0
    try:
        table = market_values_from_shares(counts[counts["ticker"].isin(wide.columns)], mine)
    except DataUnavailableError as exc:  # a day before the first count: say it is turnover's
        raise DataUnavailableError(
            f"turnover needs a share count on or before every day of the prices: {exc}",
            failed=exc.failed,
        ) from exc
    per_day = table.pivot_table(index="date", columns="ticker", values="shares", aggfunc="last")
    per_day.index = pd.DatetimeIndex(per_day.index).normalize().as_unit("ns")
    per_day.columns = [str(c) for c in per_day.columns]
    return per_day.reindex(index=wide.index, columns=wide.columns)


def volume_study(
    events: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    market: str = "mean",
    model: Literal["market", "mean"] = "market",
    measure: Literal["log_volume", "turnover"] = "log_volume",
    shares: pd.Series | pd.DataFrame | None = None,
    zero: Literal["offset", "missing"] = "offset",
    estimation_window: tuple[Any, Any] = (-250, -11),
    event_window: tuple[Any, Any] = (-10, 10),
    calendar: str | None = "XNYS",
    min_estimation_obs: int | None = None,
) -> Any:
    """Abnormal trading volume around events (Campbell & Wasley 1996), on the study engine.

    Parameters
    ----------
    events
        ``ticker, date`` and the optional columns of :class:`~eventstudy.EventStudy`.
    prices
        Tidy prices with ``volume`` for the event firms (and the market's constituents when
        ``market="mean"``).
    market
        ``"mean"``: the market's log volume is the equally weighted mean of the measure over
        every ticker of ``prices`` with volume that day (Campbell & Wasley's market index);
        or a ticker of ``prices`` (e.g. ``"SPY"``) whose own measure is the market. The
        mean includes the event firms themselves: when many of them share a date, their own
        volume spike raises the "market" and the model absorbs part of it - prefer a broad
        ticker (SPY) or a wide universe then.
    model
        ``"market"``: :math:`v_{it} = \\alpha_i + \\beta_i v_{mt} + e_{it}` by OLS over the
        estimation window; ``"mean"``: :math:`v_{it} = \\mu_i + e_{it}` (mean-adjusted).
    measure, shares, zero
        See :func:`volume_frame`.
    estimation_window, event_window, calendar, min_estimation_obs
        As in :class:`~eventstudy.EventStudy` (``min_estimation_obs`` defaults to its default).

    Returns
    -------
    EventStudyResults
        ``ar`` is the abnormal log volume, ``car(window)`` its sum over a window,
        ``tests()`` the usual tests; ``meta["outcome"] = "volume"`` and
        ``meta["volume_report"]`` counts zero and missing volume of the event firms.

    Notes
    -----
    Abnormal volume :math:`AV_{it} = v_{it} - \\hat\\alpha_i - \\hat\\beta_i v_{mt}` with
    :math:`v = \\ln(1+V)` or :math:`\\ln(100V/S + 0.000255)`. Campbell & Wasley (1996) find
    the log transform makes daily volume close enough to normal for parametric tests, and
    recommend the rank test as well. The volume series must be split-adjusted (Yahoo's are).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.second_stage import volume_study
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study()  # 420 days of MKT and six firms, 8 events
    >>> dates, tickers = sim.returns.index, list(sim.returns.columns)
    >>> rng = np.random.default_rng(0)
    >>> prices = pd.DataFrame(  # tidy daily volume, lognormal around 440,000 shares
    ...     {
    ...         "date": np.tile(dates, len(tickers)),
    ...         "ticker": np.repeat(tickers, len(dates)),
    ...         "volume": rng.lognormal(13, 0.3, len(tickers) * len(dates)).round(),
    ...     }
    ... )
    >>> on_event_day = pd.MultiIndex.from_frame(prices[["ticker", "date"]]).isin(
    ...     list(zip(sim.events["ticker"], sim.events["date"]))
    ... )
    >>> prices.loc[on_event_day, "volume"] *= 3  # triple volume on each event day
    >>> vol = volume_study(sim.events, prices, market="MKT", calendar=None)
    >>> round(float(vol.car((0, 0))["car"].mean()), 2)  # about ln 3 = 1.10: the planted spike
    1.12
    >>> tests = vol.tests(["cross_sectional_t", "corrado_rank"], windows=[(0, 0), (0, 1)])
    >>> tests[["test", "window", "estimate", "statistic", "p_value"]].round(3)
                    test  window  estimate  statistic  p_value
    0  cross_sectional_t  [0, 0]     1.122      9.265    0.000
    1  cross_sectional_t  [0, 1]     1.124      5.723    0.001
    2       corrado_rank  [0, 0]     1.122      4.323    0.000
    3       corrado_rank  [0, 1]     1.124      3.035    0.002
    """
    from ..models import ConstantMean, MarketModel
    from ..study import DEFAULT_MIN_ESTIMATION_OBS, EventStudy

    if model not in ("market", "mean"):
        raise SpecError(f"model={model!r}; use 'market' (Campbell & Wasley) or 'mean'")
    tickers = list(dict.fromkeys(events["ticker"].astype(str).str.strip()))
    # "mean" needs every ticker (the market index); otherwise only the events' and the
    # market's columns are measured (turnover then needs shares for those alone)
    needed = None if model == "market" and market == "mean" else tickers + [market]
    measured = volume_frame(prices, measure=measure, shares=shares, zero=zero, tickers=needed)
    report: pd.DataFrame = measured.attrs["volume_report"]
    events, tickers = _without_volume_less(events, tickers, report)
    frame = measured.copy()
    frame.attrs = {}
    if model == "market":
        if market == "mean":
            frame[MARKET_VOLUME] = measured.mean(axis=1, skipna=True)
            market_col = MARKET_VOLUME
            _warn_self_made_market(tickers, list(map(str, measured.columns)))
        else:
            if market not in measured.columns:
                raise SpecError(
                    f"market={market!r} is not a ticker of the prices; use market='mean' (the "
                    "mean log volume of all tickers) or add its prices with volume"
                )
            _check_event_volume([market], report, role="market")
            market_col = market
        norm: Any = MarketModel(market_col)
    else:
        norm = ConstantMean()
    study = EventStudy(
        events,
        returns=frame,
        model=norm,
        estimation_window=estimation_window,
        event_window=event_window,
        return_kind="log",
        calendar=calendar,
        min_estimation_obs=min_estimation_obs or DEFAULT_MIN_ESTIMATION_OBS,
        # log volume is a level, not a return: the return-unit guards do not apply
        allow=("price_like_returns", "percent_returns", "split_like_moves"),
    )
    res = study.fit()
    if zero == "offset":
        _warn_zero_event_days(res.panel, _wide_volume(prices))
    mine = report[report["ticker"].isin(tickers)].reset_index(drop=True)
    res.meta["outcome"] = "volume"
    res.meta["volume_measure"] = measure
    res.meta["volume_market"] = market if model == "market" else None
    res.meta["volume_report"] = mine
    flagged = mine[(mine["zero_volume"] > 0) | (mine["missing_volume"] > 0)]
    if len(flagged):
        text = ", ".join(
            f"{r.ticker} ({r.zero_volume} zero, {r.missing_volume} missing)"
            for r in flagged.head(8).itertuples()
        )
        how = "kept with the offset" if zero == "offset" else "treated as missing"
        warnings.warn(
            f"volume_study: {len(flagged)} event firm(s) have zero-volume or missing-volume days "
            f"(halts or no data): {text}; zero days are {how}, missing days are skipped. "
            "See results.meta['volume_report']",
            EventStudyWarning,
            stacklevel=user_stacklevel(),
        )
    return res


def _warn_zero_event_days(panel: Any, raw: pd.DataFrame) -> None:
    """Zero-volume days inside event windows: with the offset their log volume is 0, so the
    abnormal volume that day is about minus the firm's normal log volume (-12 or so)."""
    dates = np.asarray(panel.evt_dates, dtype="datetime64[ns]")
    flat = pd.DatetimeIndex(raw.index).get_indexer(pd.DatetimeIndex(dates.ravel()))
    rows = np.asarray(flat).reshape(dates.shape)
    cols = pd.Index(raw.columns).get_indexer(pd.Index(np.asarray(panel.ticker, dtype=object)))
    zero = raw.to_numpy(dtype=np.float64) == 0.0
    hit = (rows >= 0) & (cols[:, None] >= 0)
    hit[hit] = zero[rows[hit], np.broadcast_to(cols[:, None], rows.shape)[hit]]
    if hit.any():
        i, j = np.nonzero(hit)
        shown = ", ".join(
            f"{panel.ticker[a]} {pd.Timestamp(dates[a, b]):%Y-%m-%d}"
            for a, b in list(zip(i, j, strict=True))[:5]
        )
        warnings.warn(
            f"volume_study: {int(hit.sum())} event-window day(s) have zero volume ({shown}): "
            "with zero='offset' their log volume is 0, an abnormal log volume of about minus the "
            "firm's normal level; pass zero='missing' to leave those days out",
            EventStudyWarning,
            stacklevel=user_stacklevel(),
        )


def _warn_self_made_market(tickers: list[str], columns: list[str]) -> None:
    """``market="mean"`` built mostly from the event firms: a spike they share raises the
    "market" and the market model absorbs it."""
    share = len(set(tickers) & set(columns)) / max(len(columns), 1)
    if share >= 0.5:
        warnings.warn(
            f"volume_study: market='mean' is the mean log volume of {len(columns)} tickers, "
            f"{share:.0%} of them event firms: a volume spike they share raises that 'market' "
            "and the market model absorbs it; pass market='SPY' (a broad index's volume) or "
            "prices of many more non-event firms",
            EventStudyWarning,
            stacklevel=user_stacklevel(),
        )


def _inside_span(wide: pd.DataFrame) -> pd.DataFrame:
    """True from each column's first to its last non-missing value."""
    seen = wide.notna()
    return seen.cummax() & seen[::-1].cummax()[::-1]


def _without_volume_less(
    events: pd.DataFrame, tickers: list[str], report: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """The events whose firm has volume; the others are left out with a warning naming them
    (a price file without a Volume column, say), unless no firm has volume."""
    # the rule of _check_event_volume: no price rows with volume, none at all, or zero every day
    known = report.set_index("ticker").reindex(tickers)
    usable = (known["days"] > 0) & (known["zero_volume"] < known["days"])
    lacking = [t for t, ok in zip(tickers, usable.to_numpy(), strict=True) if not ok]
    if not lacking:
        return events, tickers
    if len(lacking) == len(tickers):
        _check_event_volume(tickers, report)  # raises, naming them
    warnings.warn(
        f"volume_study: no usable volume for {lacking[:10]} (no Volume column, no price rows or "
        f"zero on every day): their {int(events['ticker'].astype(str).str.strip().isin(lacking).sum())} "
        "event(s) are left out of the volume study",
        EventStudyWarning,
        stacklevel=user_stacklevel(),
    )
    keep = ~events["ticker"].astype(str).str.strip().isin(lacking)
    return events.loc[keep], [t for t in tickers if t not in lacking]


def _check_event_volume(tickers: list[str], report: pd.DataFrame, role: str = "event") -> None:
    """Every event firm needs some positive volume: say which lack it and what to do."""
    known = report.set_index("ticker")
    absent = [t for t in tickers if t not in known.index]
    if absent:
        raise DataError(
            f"no price rows with volume for {role} ticker(s) {absent[:10]}: load their prices "
            "(with the Volume column) or drop those events"
        )
    rows = known.loc[tickers]
    none = rows.index[(rows["days"] == 0)].tolist()
    zero = rows.index[(rows["days"] > 0) & (rows["zero_volume"] == rows["days"])].tolist()
    if none:
        raise DataError(
            f"{role} ticker(s) {none[:10]} have no volume at all (the source lacks the Volume "
            "column): supply prices with volume for them or drop those events"
        )
    if zero:
        raise DataError(
            f"{role} ticker(s) {zero[:10]} have zero volume on every day: the volume field is "
            "empty or wrong; supply real volume for them or drop those events"
        )
