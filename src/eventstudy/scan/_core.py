"""``scan_shocks``: validate the inputs, run the trailing-window engine, build the day index."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..data.guards import check_allow, check_returns_frame, normalise_ticker
from ..exceptions import DataError, InsufficientDataError, SpecError, user_stacklevel
from ._index import day_index
from ._results import ShockScan
from ._rolling import MODELS, rolling_abnormal, rolling_zscore, t_critical
from ._warnings import ShockScanWarning

__all__ = ["DEFAULT_MIN_OBS", "scan_shocks"]

#: default minimum usable sessions in the trailing window (as ``EventStudy``'s
#: ``min_estimation_obs``), capped at the window length
DEFAULT_MIN_OBS = 100
SIDES = ("both", "down", "up")
GAPS = ("error", "skip")

BoolArray = npt.NDArray[np.bool_]


def scan_shocks(
    returns: pd.DataFrame,
    market: str | pd.Series | None = "SPY",
    *,
    model: str = "market",
    estimation: tuple[int, int] = (-250, -1),
    level: float = 0.01,
    threshold: float | None = None,
    side: str = "both",
    min_obs: int | None = None,
    sectors: Mapping[str, str] | pd.Series | None = None,
    volume: pd.DataFrame | None = None,
    volume_threshold: float = 1.645,
    day_level: float = 0.01,
    null_window: int = 250,
    min_null: int = 60,
    gaps: str = "error",
    tickers: Sequence[str] | None = None,
    allow: Iterable[str] | str | None = None,
) -> ShockScan:
    """Scan a universe for shocks: every firm-day's out-of-sample standardised abnormal return.

    Parameters
    ----------
    returns
        Wide returns (``date`` index, one column per ticker; :func:`eventstudy.compute_returns`),
        the market column included unless ``market`` is a Series.
    market
        The market column of ``returns`` (default ``"SPY"``) or a Series of market returns
        indexed by date; ``None`` only with ``model="constant_mean"``. A Series named like a
        returns column (``rets["SPY"]``) is that column: it is not scanned as a firm.
    model
        ``"market"`` (default; market model), ``"market_adjusted"`` or ``"constant_mean"``.
    estimation
        Trailing estimation window ``(a, b)`` in sessions relative to the scanned day,
        ``a <= b <= -1`` (default ``(-250, -1)``); clipped at the first session of the data.
    level
        Nominal false-flag rate of a firm-day (default 0.01): a firm-day is flagged when its
        SAR exceeds the Student-t critical value of its own degrees of freedom.
    threshold
        A fixed ``|SAR|`` cut-off instead (not calibrated: its false-flag rate depends on the
        degrees of freedom).
    side
        ``"both"`` (default), ``"down"`` (losses only) or ``"up"``.
    min_obs
        Minimum usable sessions in the trailing window (default ``min(100, b - a + 1)``).
    sectors
        Ticker -> sector label (e.g. GICS sectors; :func:`read_sector_map`): sector
        concentration of each shock day and the by-sector figure.
    volume
        Optional wide share volumes (same layout as ``returns``): the abnormal log volume of a
        flagged firm-day, ``z = (log(1+V_t) - mean) / sd`` over the same trailing window
        (log volume as in Campbell & Wasley 1996), confirms it when ``z >= volume_threshold``.
    day_level
        Level of the day test: a session is a shock day when ``p_share <= day_level``.
    null_window, min_null
        Previous scanned sessions that estimate a day's null (default 250, at least 60).
    gaps
        ``"error"`` (default): a firm (or the market) with a missing return between its first
        and last one is an error, because the return after a gap spans several sessions;
        ``"skip"``: that return is left out of scans and estimation windows (listed in
        ``scan.meta["gaps"]``).
    tickers
        Firms to scan (default: every column but the market); a string is one ticker. The
        market among them is an error.
    allow
        Input checks to waive, as for :class:`~eventstudy.EventStudy` (``"percent_returns"``,
        ``"price_like_returns"``, ``"split_like_moves"``): by default prices or percent passed
        as returns are errors and split-like one-day moves a ``SuspectedSplitWarning``.

    Returns
    -------
    ShockScan

    Notes
    -----
    For firm ``i`` and session ``t`` the model is estimated by OLS on the usable sessions
    ``t + a .. t + b`` only, and ``AR_it`` is the out-of-sample prediction error of session
    ``t``, standardised by its prediction-error variance
    ``s_i^2 (1 + 1/n + (R_mt - Rbar_m)^2 / sum (R_ms - Rbar_m)^2)`` (Campbell, Lo &
    MacKinlay 1997, eq. 4.4.8). Under i.i.d. normal disturbances ``SAR_it`` is exactly
    Student t with ``n - 2`` degrees of freedom (market model; ``n - 1`` constant mean, ``n``
    market-adjusted), so the critical value ``t_{n-2}^{-1}(1 - level/2)`` makes the false-flag
    rate equal ``level`` for every ``n`` (tested on simulated null returns). Real returns have
    fatter tails than normal: expect more flags than ``level`` on quiet days; the day test
    (``p_share``) is therefore calibrated on the previous days' flag rate, not on ``level``,
    with earlier clear shock days (``p_share <= 0.001``) winsorised in it so that one shock
    does not hide the next (``eventstudy.scan._index.day_index``). The day test needs
    ``min_null`` scanned sessions before a day: when none has, a :class:`ShockScanWarning`
    says so (``meta["n_day_tested"]``). Tickers of ``sectors`` and ``volume`` are matched
    to the returns' columns upper-case with ``.`` as ``-`` (as :func:`read_sector_map`
    spells them): none matching is an error, some not matching a :class:`ShockScanWarning`.
    All windows are vectorised cumulative sums (no loop per firm or day); memory is a few
    ``T x N`` float arrays.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import eventstudy as es
    >>> rng = np.random.default_rng(0)
    >>> dates = pd.bdate_range("2024-01-01", periods=300, name="date")
    >>> mkt = rng.normal(0, 0.01, 300)
    >>> rets = pd.DataFrame(
    ...     {f"F{i}": 0.8 * mkt + rng.normal(0, 0.02, 300) for i in range(20)}, index=dates
    ... ).assign(SPY=mkt)
    >>> scan = es.scan_shocks(rets, market="SPY", estimation=(-120, -1))
    >>> [int(n) for n in scan.index.loc["2024-12-06", ["n_firms", "n_flagged"]]]
    [20, 0]
    """
    opts = _check_options(
        model, estimation, level, threshold, side, min_obs, day_level, null_window, min_null,
        gaps, market, volume_threshold,
    )  # fmt: skip
    wide = _check_returns(returns, check_allow(allow))
    mkt = _market_series(wide, market, model)
    firms = _firm_columns(wide, market, tickers)
    y = wide[firms].to_numpy(dtype=np.float64, copy=True)
    x = None if mkt is None else mkt.to_numpy(dtype=np.float64)
    dates = pd.DatetimeIndex(wide.index)
    _check_history(dates, opts["min_obs"], estimation)
    usable, gap_table = _usable(y, x, dates, firms, gaps)
    fit = rolling_abnormal(y, x, usable, model=model, window=estimation, min_obs=opts["min_obs"])
    scanned = np.isfinite(fit.sar)
    if not scanned.any() and fit.singular.any():
        raise InsufficientDataError(
            f"no firm-day could be scanned: the market {mkt.name if mkt is not None else ''} "
            f"is constant in every trailing window ({int(fit.singular.sum())} firm-days with a "
            "singular market model, scan.meta['n_singular']): its returns carry no "
            "information; check the market column (a stale or filled series?), or use "
            "model='constant_mean' or 'market_adjusted'"
        )
    if not scanned.any():
        raise InsufficientDataError(
            f"no firm-day could be scanned: no firm has {opts['min_obs']} usable returns in the "
            f"trailing window {estimation} before any session of {dates[0]:%Y-%m-%d} .. "
            f"{dates[-1]:%Y-%m-%d}; pass more history, a shorter estimation window or a "
            "smaller min_obs"
        )
    crit = _critical(fit.dof, level, threshold, side)
    with np.errstate(invalid="ignore"):
        if side == "both":
            flags = scanned & (np.abs(fit.sar) > crit)
        elif side == "down":
            flags = scanned & (fit.sar < -crit)
        else:
            flags = scanned & (fit.sar > crit)
    index = day_index(
        dates, fit.ar, fit.sar, flags, fit.sar < 0, level=level, day_level=day_level,
        null_window=null_window, min_null=min_null,
    )  # fmt: skip
    sector_map = _sector_series(sectors, firms)
    volume_z = _volume_z(volume, dates, firms, estimation, opts["min_obs"])
    if fit.singular.any():
        first_bad = dates[int(np.flatnonzero(fit.singular.any(axis=1))[0])]
        warnings.warn(
            f"{int(fit.singular.sum())} firm-days were not scanned because the market was "
            f"constant in their trailing window (first {first_bad:%Y-%m-%d}; "
            "scan.meta['n_singular']); check the market column",
            ShockScanWarning,
            stacklevel=user_stacklevel(),
        )
    tested = np.isfinite(index["p_share"].to_numpy())
    first_scanned = dates[np.flatnonzero(scanned.any(axis=1))[0]]
    if not tested.any():
        n_scanned = int((index["n_firms"] > 0).sum())
        warnings.warn(
            f"the day test never ran: a session's null needs min_null={min_null} earlier "
            f"scanned sessions (within null_window={null_window}) but only {n_scanned} "
            f"session(s) were scanned ({first_scanned:%Y-%m-%d} .. {dates[-1]:%Y-%m-%d}), so "
            "p_share is NaN and no day can be a shock day (0 shock days means 'not tested'); "
            "load more history, shorten the estimation window or lower min_null",
            ShockScanWarning,
            stacklevel=user_stacklevel(),
        )
    ever = np.asarray(scanned.any(axis=0))
    never = [f for f, s in zip(firms, ever.tolist(), strict=True) if not s]
    meta: dict[str, Any] = {
        "model": model,
        "market": None if mkt is None else str(mkt.name),
        "estimation": tuple(estimation),
        "level": level,
        "threshold": threshold,
        "side": side,
        "min_obs": opts["min_obs"],
        "day_level": day_level,
        "null_window": null_window,
        "min_null": min_null,
        "volume_threshold": volume_threshold,
        "gaps": gap_table,
        "never_scanned": never,
        "n_singular": int(fit.singular.sum()),
        "first_scanned": first_scanned,
        "n_day_tested": int(tested.sum()),
        "first_day_tested": dates[int(np.flatnonzero(tested)[0])] if tested.any() else None,
        "return_kind": returns.attrs.get("return_kind"),
    }
    return ShockScan(
        dates=dates,
        firms=list(firms),
        returns=y,
        fit=fit,
        critical=crit,
        flags=flags,
        index=index,
        sectors=sector_map,
        volume_z=volume_z,
        meta=meta,
    )


# ----------------------------------------------------------------------------- checks
def _check_options(
    model: str,
    estimation: Any,
    level: Any,
    threshold: Any,
    side: str,
    min_obs: Any,
    day_level: Any,
    null_window: Any,
    min_null: Any,
    gaps: str,
    market: Any,
    volume_threshold: Any,
) -> dict[str, Any]:
    if model not in MODELS:
        raise SpecError(f"model={model!r} is not a scan model; use one of {', '.join(MODELS)}")
    if (
        not isinstance(estimation, tuple | list)
        or len(estimation) != 2
        or not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in estimation)
        or not estimation[0] <= estimation[1] <= -1
    ):
        raise SpecError(
            f"estimation={estimation!r}: give (a, b) trading days relative to the scanned day "
            "with a <= b <= -1, e.g. (-250, -1) (the window must end before the day: no "
            "look-ahead)"
        )
    for name, value in (("level", level), ("day_level", day_level)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise SpecError(f"{name}={value!r}: give a probability strictly between 0 and 1")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0
    ):
        raise SpecError(f"threshold={threshold!r}: give a positive |SAR| cut-off or None")
    if side not in SIDES:
        raise SpecError(f"side={side!r}; use one of {', '.join(SIDES)}")
    if gaps not in GAPS:
        raise SpecError(f"gaps={gaps!r}; use one of {', '.join(GAPS)}")
    if market is None and model != "constant_mean":
        raise SpecError(f"model={model!r} needs a market: pass market='SPY' (a returns column)")
    length = estimation[1] - estimation[0] + 1
    k = MODELS[model]
    chosen = min(DEFAULT_MIN_OBS, length) if min_obs is None else min_obs
    if isinstance(chosen, bool) or not isinstance(chosen, int | np.integer) or chosen < k + 1:
        raise SpecError(f"min_obs={min_obs!r}: give an integer of at least {k + 1}")
    if chosen > length:
        raise SpecError(
            f"min_obs={chosen} is larger than the estimation window {tuple(estimation)} "
            f"({length} sessions)"
        )
    for name, value in (("null_window", null_window), ("min_null", min_null)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 2:
            raise SpecError(f"{name}={value!r}: give an integer of at least 2")
    if min_null > null_window:
        raise SpecError(f"min_null={min_null} exceeds null_window={null_window}")
    if isinstance(volume_threshold, bool) or not isinstance(volume_threshold, int | float):
        raise SpecError(f"volume_threshold={volume_threshold!r}: give a number (a z-score)")
    return {"min_obs": int(chosen)}


def _check_returns(returns: Any, allow: frozenset[str]) -> pd.DataFrame:
    if not isinstance(returns, pd.DataFrame):
        raise SpecError(
            f"returns must be a wide pandas DataFrame (date x ticker), got {type(returns).__name__}"
        )
    if {"ticker", "date"} <= set(returns.columns):
        raise SpecError(
            "returns look like a tidy price frame (ticker, date columns): pass "
            "es.compute_returns(prices), a wide frame with one column per ticker"
        )
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise SpecError(
            "returns need a DatetimeIndex of sessions (as es.compute_returns gives); got a "
            f"{type(returns.index).__name__}"
        )
    if returns.index.has_duplicates:
        dup = returns.index[returns.index.duplicated()][0]
        raise DataError(f"duplicate session {dup:%Y-%m-%d} in the returns; keep one row per date")
    wide = returns if returns.index.is_monotonic_increasing else returns.sort_index()
    wide = wide.copy()
    wide.columns = pd.Index([str(c) for c in wide.columns])
    if wide.columns.has_duplicates:
        dup_col = wide.columns[wide.columns.duplicated()][0]
        raise DataError(
            f"duplicate ticker column {dup_col!r} in the returns; keep one column per ticker "
            "(e.g. returns.loc[:, ~returns.columns.duplicated()])"
        )
    try:
        values = wide.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        bad = [c for c in wide.columns if not pd.api.types.is_numeric_dtype(wide[c])]
        raise DataError(
            f"non-numeric return column(s) {bad[:5]}: returns must be numbers; convert them "
            "(pd.to_numeric(..., errors='coerce') makes unreadable values NaN) or drop the "
            "column(s)"
        ) from None
    if np.isinf(values).any():
        r, c = np.argwhere(np.isinf(values))[0]
        raise DataError(
            f"{wide.columns[c]} has an infinite return on {wide.index[r]:%Y-%m-%d}; "
            "check its prices (a zero price?)"
        )
    # the package's one rule for prices / percent given as returns (and split-like moves)
    kind = str(returns.attrs.get("return_kind", "simple"))
    check_returns_frame(wide.astype(np.float64), return_kind=kind, allow=allow)
    return wide


def _market_series(wide: pd.DataFrame, market: Any, model: str) -> pd.Series | None:
    if market is None:
        return None
    if isinstance(market, pd.Series):
        idx = pd.DatetimeIndex(market.index)
        if idx.has_duplicates:
            dup = idx[idx.duplicated()][0]
            raise DataError(
                f"the market series has more than one value for {dup:%Y-%m-%d}; keep one "
                "per date (e.g. market[~market.index.duplicated(keep='last')])"
            )
        absent = wide.index.difference(idx)
        if len(absent):
            raise DataError(
                f"the market series has no value for {len(absent)} return session(s), first "
                f"{absent[0]:%Y-%m-%d}; pass a market series covering every session"
            )
        series = pd.Series(market.to_numpy(dtype=np.float64), index=idx).reindex(wide.index)
        return series.rename(str(market.name or "market"))
    name = str(market)
    if name not in wide.columns:
        near = [c for c in wide.columns if c.upper() == name.upper()]
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise DataError(
            f"market column {name!r} is not in the returns{hint}; add its returns (e.g. "
            f"es.compute_returns of prices that include {name}) or pass market=<Series>"
        )
    series = wide[name]
    if series.isna().all():
        raise DataError(
            f"market column {name!r} has no returns (every value is NaN); load the market's "
            "prices for the same dates as the firms, or pass market=<Series>"
        )
    return series


def _firm_columns(wide: pd.DataFrame, market: Any, tickers: Sequence[str] | None) -> list[str]:
    market_name = str(market) if isinstance(market, str) else None
    if isinstance(market, pd.Series) and market.name is not None:
        # a Series named like a returns column (rets["SPY"]) is that column: the market
        market_name = str(market.name) if str(market.name) in wide.columns else None
    if tickers is None:
        firms = [c for c in wide.columns if c != market_name]
    else:
        if isinstance(tickers, str):  # one ticker, not its letters
            tickers = [tickers]
        firms = [str(t) for t in dict.fromkeys(tickers)]
        missing = [t for t in firms if t not in wide.columns]
        if missing:
            raise DataError(
                f"ticker(s) not in the returns: {', '.join(missing[:10])}"
                + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            )
        if market_name is not None and market_name in firms:
            raise market_among_firms(market_name)
    if not firms:
        raise DataError("no firm to scan: the returns hold only the market column")
    return firms


def market_among_firms(market_name: str) -> DataError:
    """The error for a market that is also named among the firms to scan."""
    # regressed on itself its abnormal return is 0 by construction: never a firm
    return DataError(
        f"{market_name} is the market: it cannot also be a scanned firm; drop it "
        "from tickers (every other column is scanned against it)"
    )


def _check_history(dates: pd.DatetimeIndex, min_obs: int, estimation: tuple[int, int]) -> None:
    # the first scannable session needs min_obs usable sessions before it
    needed = min_obs - estimation[1]  # sessions up to and including the first scanned one
    if len(dates) < needed:
        raise InsufficientDataError(
            f"too little history: the returns cover {len(dates)} sessions "
            f"({dates[0]:%Y-%m-%d} .. {dates[-1]:%Y-%m-%d}) but the trailing estimation "
            f"window {tuple(estimation)} needs min_obs={min_obs} usable sessions before a "
            f"scanned day ({needed} sessions in all); load more history, shorten the "
            "estimation window or lower min_obs"
        )


def _interior_gaps(values: npt.NDArray[np.float64]) -> BoolArray:
    """Missing values strictly between a column's first and last finite value."""
    ok = np.isfinite(values)
    seen_before = np.maximum.accumulate(ok, axis=0)
    seen_after = np.maximum.accumulate(ok[::-1], axis=0)[::-1]
    return ~ok & seen_before & seen_after


def _after_gap(gap: BoolArray) -> BoolArray:
    """The first session after each run of interior gaps (its return spans the gap)."""
    prev = np.zeros_like(gap)
    prev[1:] = gap[:-1]
    return prev & ~gap


def _usable(
    y: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64] | None,
    dates: pd.DatetimeIndex,
    firms: Sequence[str],
    gaps: str,
) -> tuple[BoolArray, pd.DataFrame]:
    gap = _interior_gaps(y)
    m_gap = None if x is None else _interior_gaps(x[:, None])[:, 0]
    rows = [("market", dates[int(t)]) for t in np.flatnonzero(m_gap)] if m_gap is not None else []
    r, c = np.nonzero(gap)
    rows += [(firms[int(j)], dates[int(i)]) for i, j in zip(r, c, strict=True)]
    table = pd.DataFrame(rows, columns=["ticker", "missing"])
    if len(table) and gaps == "error":
        by = table.groupby("ticker", sort=False)["missing"]
        first = [f"{t} ({len(d)} missing, first {d.iloc[0]:%Y-%m-%d})" for t, d in by]
        raise DataError(
            f"gaps in the universe: {len(first)} series miss returns between their first and "
            f"last session: {'; '.join(first[:8])}{' ...' if len(first) > 8 else ''}. The return "
            "after a gap spans several sessions; pass gaps='skip' to leave those returns out "
            "(listed in scan.meta['gaps']; `eventstudy scan --gaps skip` or gaps = \"skip\" in "
            "[scan] on the command line), or drop the tickers"
        )
    usable = np.isfinite(y) & ~_after_gap(gap)
    if x is not None:
        assert m_gap is not None
        usable &= (np.isfinite(x) & ~_after_gap(m_gap[:, None])[:, 0])[:, None]
    return usable, table


def _critical(
    dof: npt.NDArray[np.int64], level: float, threshold: float | None, side: str
) -> npt.NDArray[np.float64]:
    """Critical |SAR| of every firm-day (computed once per distinct dof)."""
    if threshold is not None:
        return np.where(dof > 0, float(threshold), np.nan)
    values, inverse = np.unique(dof, return_inverse=True)
    return t_critical(level, values, side)[inverse].reshape(dof.shape)


def _match_key(name: Any) -> str:
    """How scanned firms, sector-map and volume tickers are matched: the package's ticker rule
    (:func:`eventstudy.data.guards.normalise_ticker`: stripped, upper-case) with class-share
    dots as dashes, as :func:`read_sector_map` spells them (``brk.b`` matches ``BRK-B``)."""
    return normalise_ticker(name).replace(".", "-")


def _unmatched_text(names: Sequence[str], total: int) -> str:
    shown = ", ".join(names[:10])
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return f"{shown}{more} ({len(names)} of {total})"


def _first_non_numeric(frame: pd.DataFrame, firms: Sequence[str]) -> str:
    """``"<ticker> on <date>: <value>"`` of the first value of ``frame`` that is not a number."""
    for j in range(frame.shape[1]):
        col = pd.to_numeric(frame.iloc[:, j], errors="coerce")
        bad = col.isna() & frame.iloc[:, j].notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            return f"{firms[j]} on {frame.index[i]:%Y-%m-%d}: {frame.iat[i, j]!r}"
    return "a value that is not a number"


def _volume_z(
    volume: pd.DataFrame | None,
    dates: pd.DatetimeIndex,
    firms: Sequence[str],
    estimation: tuple[int, int],
    min_obs: int,
) -> npt.NDArray[np.float64] | None:
    if volume is None:
        return None
    if not isinstance(volume, pd.DataFrame):
        raise SpecError(
            f"volume must be a wide DataFrame (date x ticker), got {type(volume).__name__}"
        )
    if {"ticker", "date", "volume"} <= set(volume.columns):  # the tidy price frame
        dup = volume.duplicated(subset=["ticker", "date"])
        if dup.any():
            row = volume[dup].iloc[0]
            raise DataError(
                f"volume has more than one row for {row['ticker']} on "
                f"{pd.Timestamp(row['date']):%Y-%m-%d}; keep one row per ticker and date"
            )
        volume = volume.pivot(index="date", columns="ticker", values="volume")
    vol = volume.copy()
    vol.index = pd.DatetimeIndex(vol.index)
    if vol.index.has_duplicates:
        dup_date = vol.index[vol.index.duplicated()][0]
        raise DataError(
            f"volume has more than one row for {dup_date:%Y-%m-%d}; keep one row per date "
            "(e.g. volume[~volume.index.duplicated(keep='last')])"
        )
    keys = [_match_key(c) for c in vol.columns]
    if len(set(keys)) < len(keys):
        dup_key = pd.Index(keys)[pd.Index(keys).duplicated()][0]
        raise DataError(f"volume has more than one column for ticker {dup_key!r}")
    vol.columns = pd.Index(keys)
    wanted = [_match_key(f) for f in firms]
    missing = [f for f, k in zip(firms, wanted, strict=True) if k not in vol.columns]
    if len(missing) == len(firms):
        raise DataError(
            "volume has no column for any scanned firm (its columns: "
            f"{', '.join(map(str, list(volume.columns)[:5]))}"
            f"{' ...' if volume.shape[1] > 5 else ''}; firms: {', '.join(firms[:5])}"
            f"{' ...' if len(firms) > 5 else ''}); give one volume column per ticker"
        )
    if vol.index.intersection(dates).empty:
        raise DataError(
            f"volume covers none of the scanned sessions ({dates[0]:%Y-%m-%d} .. "
            f"{dates[-1]:%Y-%m-%d}); pass the volumes of the same dates as the returns"
        )
    if missing:
        warnings.warn(
            f"no volume for {_unmatched_text(missing, len(firms))} scanned firms: their "
            "volume_z is NaN (volume_confirmed NA)",
            ShockScanWarning,
            stacklevel=user_stacklevel(),
        )
    aligned = vol.reindex(index=dates, columns=wanted)
    try:
        v = aligned.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(
            f"volume holds non-numeric values ({_first_non_numeric(aligned, firms)}); give share "
            "volumes as numbers (pd.to_numeric(..., errors='coerce') makes unreadable values "
            "NaN: no volume that day)"
        ) from None
    if np.isinf(v).any():
        r, c = np.argwhere(np.isinf(v))[0]
        raise DataError(
            f"infinite volume for {firms[c]} on {dates[r]:%Y-%m-%d}; fix or drop that value "
            "(NaN: no volume that day)"
        )
    if (v < 0).any():
        r, c = np.argwhere(v < 0)[0]
        raise DataError(
            f"negative volume for {firms[c]} on {dates[r]:%Y-%m-%d}; share volumes are 0 or "
            "more: fix or drop that value (NaN: no volume that day)"
        )
    logv = np.log1p(v)
    return rolling_zscore(logv, np.isfinite(logv), window=estimation, min_obs=min_obs)


def _sector_series(
    sectors: Mapping[str, str] | pd.Series | None, firms: Sequence[str]
) -> pd.Series | None:
    if sectors is None:
        return None
    if not isinstance(sectors, pd.Series | Mapping):
        raise SpecError(
            f"sectors must be a ticker -> sector mapping or Series, got {type(sectors).__name__}"
        )
    mapping = pd.Series(sectors) if not isinstance(sectors, pd.Series) else sectors
    labels = pd.Series(mapping.to_numpy(), index=pd.Index([_match_key(i) for i in mapping.index]))
    labels = labels[labels.notna()]
    dup = labels.index[labels.index.duplicated(keep=False)]
    if len(dup):
        conflict = [t for t in dict.fromkeys(dup) if labels.loc[[t]].astype(str).nunique() > 1]
        if conflict:
            t = conflict[0]
            raise DataError(
                f"ticker {t!r} appears more than once in the sector map with different sectors "
                f"({', '.join(sorted(set(labels.loc[[t]].astype(str))))}); keep one row per "
                "ticker (tickers are matched upper-case, '.' as '-')"
            )
        labels = labels[~labels.index.duplicated()]
    keys = [_match_key(f) for f in firms]
    matched = pd.Series(labels.reindex(keys).to_numpy(), index=pd.Index(list(firms)))
    unmatched = [f for f, ok in zip(firms, matched.notna().tolist(), strict=True) if not ok]
    if len(unmatched) == len(firms):
        raise DataError(
            "no scanned firm is in the sector map (map tickers: "
            f"{', '.join(map(str, list(mapping.index)[:5]))}{' ...' if len(mapping) > 5 else ''}; "
            f"firms: {', '.join(firms[:5])}{' ...' if len(firms) > 5 else ''}); pass a map keyed "
            "by the returns' tickers (read_sector_map reads one from a CSV)"
        )
    if unmatched:
        warnings.warn(
            f"no sector for {_unmatched_text(unmatched, len(firms))} scanned firms: they are "
            "labelled 'unknown'",
            ShockScanWarning,
            stacklevel=user_stacklevel(),
        )
    return matched.fillna("unknown").astype(str).rename("sector")


def read_sector_map(
    path: Any, *, ticker_column: str | None = None, sector_column: str = "GICS Sector"
) -> pd.Series:
    """Ticker -> sector from a CSV (e.g. ``universe/sp500_constituents.csv``).

    The ticker column is ``ticker_column`` or the first of ``Symbol``, ``ticker``; class-share
    dots become dashes (``BRK.B`` -> ``BRK-B``, Yahoo's spelling).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from eventstudy.scan import read_sector_map
    >>> path = Path(tempfile.mkdtemp()) / "sectors.csv"
    >>> _ = path.write_text("Symbol,GICS Sector\\nBRK.B,Financials\\nNVDA,Information Technology\\n")
    >>> read_sector_map(path).to_dict()
    {'BRK-B': 'Financials', 'NVDA': 'Information Technology'}
    """
    from pathlib import Path

    file = Path(path)
    if not file.is_file():
        raise DataError(f"sector map {file} does not exist")
    frame = pd.read_csv(file, dtype=str)
    col = ticker_column or next((c for c in ("Symbol", "ticker", "Ticker") if c in frame), None)
    if col is None or col not in frame.columns:
        raise DataError(
            f"sector map {file}: no ticker column (looked for {ticker_column or 'Symbol, ticker'}); "
            f"columns are {list(frame.columns)}"
        )
    if sector_column not in frame.columns:
        raise DataError(
            f"sector map {file}: no column {sector_column!r}; columns are {list(frame.columns)}"
        )
    tick = frame[col].str.strip().str.upper().str.replace(".", "-", regex=False)
    out = pd.Series(
        frame[sector_column].str.strip().to_numpy(), index=tick.to_numpy(), name="sector"
    )
    return out[~out.index.duplicated()]
