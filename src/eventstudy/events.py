"""Events: validation, day 0, window positions on a session index, and per-event status.

An events frame has ``ticker`` and ``date`` (or ``timestamp``), and optionally ``event_id``,
``timing`` (``bmo``/``dur``/``amc``), ``benchmark`` (a returns column used as this event's
market) and ``group``. Events are keyed by ``event_id`` (generated as ``"TICKER YYYY-MM-DD"``
when absent, with ``#2``, ``#3`` ... for repeats): many events per firm and many firms per
date are normal.

Windows are counted in trading sessions relative to day 0, as positions on the session
index (never calendar-day arithmetic): ``(-250, -11)`` is the 240 sessions from day -250 to
day -11 inclusive. A window may also be an explicit pair of dates (inclusive), the same for
every event, as estudy2 does.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._boundary import library_errors
from .calendar import TIMINGS, map_to_day0
from .data.guards import normalise_ticker, parse_day_month
from .exceptions import (
    DataError,
    EventsDroppedWarning,
    InsufficientDataError,
    SpecError,
    user_stacklevel,
)

__all__ = [
    "EventsDroppedWarning",
    "Window",
    "check_used",
    "prepare_events",
    "resolve_window",
    "validate_windows",
]

IntArray = npt.NDArray[np.int64]

#: A window: ``(first, last)`` relative days (ints), or ``(start, end)`` dates.
Window = tuple[Any, Any]

_OPTIONAL = ("event_id", "timing", "benchmark", "group")


@library_errors("prepare_events")
def prepare_events(
    events: pd.DataFrame,
    *,
    calendar: str | None = "XNYS",
    sessions: Sequence[Any] | pd.DatetimeIndex | None = None,
    known_tickers: Iterable[str] | None = None,
    on_unknown: str = "raise",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Validate an events frame and map every event to its day 0.

    Parameters
    ----------
    events
        DataFrame with ``ticker`` and ``date`` (or ``timestamp``); optional ``event_id``,
        ``timing``, ``benchmark``, ``group``. Other columns are kept.
    calendar
        exchange_calendars code for sessions, time zone and closes (``None``: use
        ``sessions`` only).
    sessions
        Session dates to anchor on instead of the exchange's (e.g. the returns' index).
    known_tickers
        If given, tickers not in it are unknown: ``on_unknown="raise"`` raises a
        :class:`~eventstudy.exceptions.DataError` listing them, ``"keep"`` keeps them (the
        study then drops them with status reason ``"ticker has no data"``).
    date_format
        strftime format of text dates such as ``"%d/%m/%Y"``. Without it, ``dd/mm/yyyy`` or
        ``mm/dd/yyyy`` text is read in the order the data show (a field above 12) and refused
        as ambiguous otherwise; ISO dates are always fine. Tickers and benchmarks are matched
        upper-case without spaces (:func:`eventstudy.data.guards.normalise_ticker`).

    Returns
    -------
    pandas.DataFrame
        One row per event, in input order: ``event_id, ticker, announced, timing, benchmark,
        group, day0, rolled, roll_reason`` followed by any extra input columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.events import prepare_events
    >>> events = pd.DataFrame({"ticker": ["NVDA", "avgo"], "date": ["2025-01-27", "2025-01-25"]})
    >>> prepare_events(events)[["event_id", "ticker", "day0", "rolled"]]
              event_id ticker       day0  rolled
    0  NVDA 2025-01-27   NVDA 2025-01-27   False
    1  AVGO 2025-01-25   AVGO 2025-01-27    True

    The Saturday announcement rolls to the next NYSE session; ``roll_reason`` says why.
    """
    if not isinstance(events, pd.DataFrame):
        raise SpecError(f"events must be a pandas DataFrame, got {type(events).__name__}")
    date_col = "date" if "date" in events.columns else "timestamp"
    missing = [c for c in ("ticker",) if c not in events.columns]
    if date_col not in events.columns:
        missing.append("date (or timestamp)")
    if missing:
        raise DataError(
            f"events frame lacks required column(s) {missing}; it has {list(events.columns)}. "
            "Give one row per event with 'ticker' and 'date' (or 'timestamp')"
        )
    if events.columns.has_duplicates:
        repeated = sorted({str(c) for c in events.columns[events.columns.duplicated()]})
        raise DataError(f"events frame repeats column(s) {repeated}; keep one column of each name")
    if len(events) == 0:
        raise DataError("events frame is empty: give at least one event (ticker, date)")
    frame = events.reset_index(drop=True)
    tickers = _clean_tickers(frame["ticker"])
    if known_tickers is not None:
        _check_known(tickers, {normalise_ticker(t) for t in known_tickers}, on_unknown)
    frame = _day_month_dates(frame, date_col, date_format)

    timing = frame["timing"].tolist() if "timing" in frame.columns else None
    try:
        mapped = map_to_day0(frame[date_col], timing=timing, exchange=calendar, sessions=sessions)
    except DataError as exc:
        raise DataError(f"events column {date_col!r}: {exc}") from exc
    except SpecError as exc:
        raise SpecError(f"events column 'timing' or {date_col!r}: {exc}") from exc

    out = pd.DataFrame(
        {
            "event_id": _event_ids(frame, tickers, mapped["local_date"]),
            "ticker": pd.array(tickers, dtype="str"),
            "announced": mapped["announced"].to_numpy(),
            "timing": mapped["timing"].to_numpy(),
            "benchmark": pd.Series(_optional_ticker(frame, "benchmark"), dtype=object),
            "group": pd.Series(_optional_str(frame, "group"), dtype=object),
            "day0": mapped["day0"].to_numpy(),
            "rolled": mapped["rolled"].to_numpy(),
            "roll_reason": mapped["reason"].to_numpy(),
        }
    )
    if isinstance(mapped["announced"].dtype, pd.DatetimeTZDtype):
        out["announced"] = mapped["announced"].to_numpy()
        out["announced"] = mapped["announced"].reset_index(drop=True)
    extra = [c for c in frame.columns if c not in {*out.columns, date_col, "ticker"}]
    for c in extra:
        out[c] = frame[c].to_numpy()
    return out


def _clean_tickers(col: pd.Series) -> list[str]:
    bad = col.isna().to_numpy() | (col.astype("str").str.strip() == "").to_numpy()
    if bad.any():
        rows = np.flatnonzero(bad)[:10].tolist()
        raise DataError(f"events: empty ticker in row(s) {rows}; every event needs a ticker")
    # normalise_ticker's rule (str, strip, upper) as vectorised string methods: no Python
    # call per event (issue 14)
    return list(col.astype("str").str.strip().str.upper().tolist())


def _optional_ticker(frame: pd.DataFrame, col: str) -> Any:
    values = _optional_str(frame, col)
    return np.array([None if v is None else normalise_ticker(v) for v in values], dtype=object)


def _day_month_dates(frame: pd.DataFrame, date_col: str, date_format: str | None) -> pd.DataFrame:
    """Text dates in day/month order (``04/02/2025``) parsed in the order the data or
    ``date_format`` give, or refused as ambiguous; other values are left to map_to_day0."""
    col = frame[date_col]
    if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
        return frame
    parsed = parse_day_month(col, date_format=date_format, context=f"events column {date_col!r}")
    if parsed is None:
        return frame
    out = frame.copy()
    out[date_col] = pd.Series(
        np.where(parsed.notna(), parsed.astype(object), col.astype(object)), dtype=object
    )
    return out


def _check_known(tickers: list[str], known: set[str], on_unknown: str) -> None:
    if on_unknown not in {"raise", "keep"}:
        raise SpecError(f"on_unknown={on_unknown!r}; use 'raise' or 'keep'")
    unknown = sorted({t for t in tickers if t not in known})
    if unknown and on_unknown == "raise":
        raise DataError(
            f"events name ticker(s) with no returns: {unknown}; add their returns or "
            "remove those events"
        )


def _optional_str(frame: pd.DataFrame, col: str) -> Any:
    if col not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    return np.array([None if pd.isna(v) else str(v) for v in frame[col].tolist()], dtype=object)


def _event_ids(frame: pd.DataFrame, tickers: list[str], local_date: pd.Series) -> Any:
    if "event_id" in frame.columns:
        ids = frame["event_id"]
        if ids.isna().any():
            rows = np.flatnonzero(ids.isna().to_numpy())[:10].tolist()
            raise DataError(f"events: empty event_id in row(s) {rows}")
        ids_s = ids.astype("str")
        dup = ids_s[ids_s.duplicated(keep=False)].unique().tolist()
        if dup:
            raise DataError(f"events: event_id must be unique; repeated: {dup[:10]}")
        return ids_s.to_numpy()
    # "TICKER YYYY-MM-DD", then "#2", "#3" ... for the 2nd, 3rd ... event of that key in
    # input order (vectorised: one string concatenation and a groupby cumcount)
    dates = pd.Series(pd.DatetimeIndex(local_date)).dt.strftime("%Y-%m-%d")
    base = pd.Series(tickers, dtype=object) + " " + dates.astype(object)
    repeat = base.groupby(base, sort=False).cumcount().to_numpy() + 1
    suffix = np.where(repeat > 1, "#" + repeat.astype(str).astype(object), "")
    return (base + suffix).to_numpy(dtype=object)


# ----------------------------------------------------------------------------- windows
@dataclass(frozen=True)
class ResolvedWindow:
    """A window as positions on the session grid.

    ``positions`` is ``(n, L)`` (may fall outside ``0..T-1``: those cells are missing);
    ``rel`` the label of each column (relative day, or session count from the start).
    """

    positions: IntArray
    rel: IntArray
    spec: Window
    by_date: bool


def _is_relative(window: Window) -> bool:
    return all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in window)


#: Largest |relative day| of a window: 20,000 sessions (about 80 years) exceed any price
#: history, and a longer window would only allocate (events x days) arrays of missing values.
MAX_RELATIVE_DAY = 20_000


def _check_window(window: Any, name: str) -> Window:
    if not isinstance(window, (tuple, list)) or len(window) != 2:
        raise SpecError(
            f"{name} must be a pair (first, last) of relative days, e.g. (-250, -11), or of "
            f"dates, e.g. ('2001-03-26', '2001-09-10'); got {window!r}"
        )
    a, b = window
    if _is_relative((a, b)):
        if a > b:
            raise SpecError(f"{name}={window!r}: first day {a} is after last day {b}")
        if max(abs(int(a)), abs(int(b))) > MAX_RELATIVE_DAY:
            raise SpecError(
                f"{name}={window!r} reaches day {a if abs(int(a)) > abs(int(b)) else b}: more "
                f"sessions than any price history holds (at most +/-{MAX_RELATIVE_DAY}, about "
                "80 years); use e.g. (-250, -11), or give the window as two dates"
            )
        return (int(a), int(b))
    if any(isinstance(v, (bool, float, np.floating, np.bool_)) for v in (a, b)):
        raise SpecError(
            f"{name}={window!r}: relative days must be whole numbers, e.g. (-250, -11), and "
            "dates text or timestamps, e.g. ('2001-03-26', '2001-09-10')"
        )
    try:
        ta, tb = (_naive_day(v) for v in (a, b))
    except (TypeError, ValueError, OverflowError) as exc:
        raise SpecError(f"{name}={window!r} is neither two integers nor two dates") from exc
    if pd.isna(ta) or pd.isna(tb):
        raise SpecError(f"{name}={window!r}: a date is missing; give two dates or two integers")
    if ta > tb:
        raise SpecError(f"{name}={window!r}: start {ta.date()} is after end {tb.date()}")
    return (ta.normalize(), tb.normalize())


def _naive_day(value: Any) -> pd.Timestamp:
    """A window end as a tz-naive timestamp (a tz-aware one keeps its wall-clock date)."""
    ts = pd.Timestamp(value)
    if ts is not pd.NaT and ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts


def validate_windows(estimation: Any, event: Any) -> tuple[Window, Window]:
    """Check both windows; overlapping estimation and event windows are a SpecError.

    Examples
    --------
    >>> from eventstudy.events import validate_windows
    >>> validate_windows((-250, -11), (-10, 10))
    ((-250, -11), (-10, 10))
    """
    est = _check_window(estimation, "estimation_window")
    evt = _check_window(event, "event_window")
    if _is_relative(est) == _is_relative(evt):
        if not (est[1] < evt[0] or evt[1] < est[0]):
            raise SpecError(
                f"estimation_window {est} overlaps event_window {evt}: the event would "
                "contaminate the normal-return model; end the estimation window before the "
                "event window starts"
            )
    return est, evt


def resolve_window(window: Window, pos0: IntArray, grid: pd.DatetimeIndex) -> ResolvedWindow:
    """Positions ``(n, L)`` of a window on the session grid for events at positions ``pos0``.

    Parameters
    ----------
    window
        ``(first, last)`` relative days, or ``(start, end)`` timestamps (as
        :func:`validate_windows` returns them).
    pos0 : (n,) int
        Each event's day-0 position on ``grid``.
    grid
        The session dates.

    Returns
    -------
    ResolvedWindow
        ``positions`` ``(n, L)`` (possibly outside the grid: those cells read as missing),
        the column labels ``rel`` (relative days, or sessions from a date window's start)
        and whether the window was given by dates.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from eventstudy.events import resolve_window
    >>> grid = pd.bdate_range("2025-01-02", periods=10)
    >>> w = resolve_window((-1, 1), np.array([2, 5]), grid)  # events at positions 2 and 5
    >>> w.positions
    array([[1, 2, 3],
           [4, 5, 6]])
    >>> w.rel
    array([-1,  0,  1])
    """
    if _is_relative(window):
        rel = np.arange(window[0], window[1] + 1, dtype=np.int64)
        return ResolvedWindow(pos0[:, None] + rel[None, :], rel, window, False)
    g = grid.to_numpy()
    start = int(np.searchsorted(g, np.datetime64(window[0], "ns"), side="left"))
    stop = int(np.searchsorted(g, np.datetime64(window[1], "ns"), side="right"))
    if stop <= start:
        raise SpecError(
            f"window {window[0].date()}..{window[1].date()} contains no session of the data "
            f"({grid[0].date()}..{grid[-1].date()})"
        )
    rel = np.arange(stop - start, dtype=np.int64)
    positions = np.broadcast_to(start + rel, (len(pos0), len(rel))).copy()
    return ResolvedWindow(positions, rel, window, True)


def check_overlap(est: ResolvedWindow, evt: ResolvedWindow) -> None:
    """Mixed (relative and date) windows: no event may have overlapping windows."""
    lo_e, hi_e = est.positions[:, 0], est.positions[:, -1]
    lo_v, hi_v = evt.positions[:, 0], evt.positions[:, -1]
    clash = ~((hi_e < lo_v) | (hi_v < lo_e))
    if clash.any():
        raise SpecError(
            f"estimation_window {est.spec} overlaps event_window {evt.spec} for "
            f"{int(clash.sum())} event(s); make the windows disjoint"
        )


def check_used(status: pd.DataFrame) -> None:
    """Warn once about the dropped events of ``status`` (an
    :class:`~eventstudy.events.EventsDroppedWarning` that counts the reasons) and raise
    :class:`~eventstudy.exceptions.InsufficientDataError` when no event is used.

    Parameters
    ----------
    status
        One row per event with ``status`` (``"used"`` / ``"dropped"``) and ``reason``
        (as ``results.status``).

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from eventstudy.events import check_used
    >>> status = pd.DataFrame(
    ...     {"status": ["used", "dropped"], "reason": ["", "too few estimation returns (40 < 100)"]}
    ... )
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_used(status)
    >>> print(caught[0].message)
    1 of 2 events dropped: 1 x too few estimation returns (see results.status)
    """
    dropped = status[status["status"] == "dropped"]
    if len(dropped):
        kinds = Counter(r.split(" (")[0] for r in dropped["reason"])
        summary = "; ".join(f"{c} x {r}" for r, c in kinds.most_common())
        warnings.warn(
            f"{len(dropped)} of {len(status)} events dropped: {summary} (see results.status)",
            EventsDroppedWarning,
            stacklevel=user_stacklevel(),
        )
    if len(dropped) == len(status):
        summary = "; ".join(f"{r} ({c})" for r, c in Counter(status["reason"]).most_common(5))
        raise InsufficientDataError(f"no event could be used: {summary}")


TIMING_VALUES = TIMINGS
