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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .calendar import TIMINGS, map_to_day0
from .exceptions import DataError, EventsDroppedWarning, SpecError

__all__ = [
    "EventsDroppedWarning",
    "Window",
    "prepare_events",
    "resolve_window",
    "validate_windows",
]

IntArray = npt.NDArray[np.int64]

#: A window: ``(first, last)`` relative days (ints), or ``(start, end)`` dates.
Window = tuple[Any, Any]

_OPTIONAL = ("event_id", "timing", "benchmark", "group")


def prepare_events(
    events: pd.DataFrame,
    *,
    calendar: str | None = "XNYS",
    sessions: Sequence[Any] | pd.DatetimeIndex | None = None,
    known_tickers: Iterable[str] | None = None,
    on_unknown: str = "raise",
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

    Returns
    -------
    pandas.DataFrame
        One row per event, in input order: ``event_id, ticker, announced, timing, benchmark,
        group, day0, rolled, roll_reason`` followed by any extra input columns.
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
    if len(events) == 0:
        raise DataError("events frame is empty: give at least one event (ticker, date)")
    frame = events.reset_index(drop=True)
    tickers = _clean_tickers(frame["ticker"])
    if known_tickers is not None:
        _check_known(tickers, set(known_tickers), on_unknown)

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
            "benchmark": pd.Series(_optional_str(frame, "benchmark"), dtype=object),
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
    return [str(t).strip() for t in col.tolist()]


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
        return (int(a), int(b))
    try:
        ta, tb = pd.Timestamp(a), pd.Timestamp(b)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{name}={window!r} is neither two integers nor two dates") from exc
    if ta > tb:
        raise SpecError(f"{name}={window!r}: start {ta.date()} is after end {tb.date()}")
    return (ta.normalize(), tb.normalize())


def validate_windows(estimation: Any, event: Any) -> tuple[Window, Window]:
    """Check both windows; overlapping estimation and event windows are a SpecError."""
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
    """Positions ``(n, L)`` of a window on the session grid for events at positions ``pos0``."""
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


TIMING_VALUES = TIMINGS
