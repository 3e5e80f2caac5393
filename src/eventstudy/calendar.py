"""Exchange trading sessions and the mapping of announcements to day 0.

Sessions come from :mod:`exchange_calendars` (``XNYS`` by default, any ISO MIC code such as
``XAMS``, ``XTKS``), or from a return series' own dates (``sessions=``). The calendar is
always built from 1990 onwards (and up to two years past the latest date asked for), so
old events never hit exchange_calendars' default 20-year bound.

Anchoring rule (documented, and reported per announcement by :func:`map_to_day0`):

* a date that is not a session (weekend, holiday, ad-hoc closure) rolls forward to the next
  session;
* an announcement at or after the close of a session (``timing="amc"``, or a timestamp whose
  exchange-local time is at or after that session's close, half-days included) rolls to the
  next session - the close price could not reflect it;
* a tz-aware timestamp is converted to the exchange's time zone *before* its date is taken;
  a tz-naive timestamp with a time of day is read as exchange-local time; a plain date
  (midnight) carries no time of day.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError, EventStudyWarning, SpecError, user_stacklevel

__all__ = ["TIMINGS", "map_to_day0", "trading_sessions"]

#: Accepted values of ``timing``: before the open, during the session, after the close.
TIMINGS = ("bmo", "dur", "amc")

_CALENDAR_START = pd.Timestamp("1990-01-01")
#: announcements outside these years are typos: no exchange calendar or price history covers them
_FIRST_YEAR, _LAST_YEAR = 1800, 2200


@contextlib.contextmanager
def _quiet_xcals() -> Iterator[None]:
    """Silence the pandas-4 deprecation warnings exchange_calendars 4.13 emits internally."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        try:
            from pandas.errors import Pandas4Warning

            warnings.filterwarnings("ignore", category=Pandas4Warning)
        except ImportError:  # pandas < 3
            pass
        yield


@functools.lru_cache(maxsize=16)
def _calendar(exchange: str, start_year: int, end_year: int) -> Any:
    import exchange_calendars as xcals

    try:
        with _quiet_xcals():
            return xcals.get_calendar(
                exchange, start=f"{start_year}-01-01", end=f"{end_year}-12-31"
            )
    except xcals.errors.InvalidCalendarName as exc:
        raise SpecError(
            f"unknown exchange calendar {exchange!r}; use an ISO MIC code such as 'XNYS', "
            "'XNAS', 'XLON', 'XAMS', 'XTKS' (see exchange_calendars.get_calendar_names())"
        ) from exc


def get_exchange_calendar(exchange: str, start: Any = None, end: Any = None) -> Any:
    """An ``exchange_calendars`` calendar covering 1990 (or ``start``) to two years past ``end``."""
    lo = min(_CALENDAR_START, _as_date(start, "start")) if start is not None else _CALENDAR_START
    today = pd.Timestamp.today().normalize()
    hi = max(today, _as_date(end, "end")) if end is not None else today
    return _calendar(str(exchange), int(lo.year), int(hi.year) + 1)


def trading_sessions(start: Any, end: Any, exchange: str = "XNYS") -> pd.DatetimeIndex:
    """Trading sessions of ``exchange`` from ``start`` to ``end`` (both inclusive).

    Parameters
    ----------
    start, end
        Anything :class:`pandas.Timestamp` accepts (dates; a time of day is ignored).
    exchange
        ISO MIC code of an exchange_calendars calendar (``"XNYS"`` by default).

    Returns
    -------
    pandas.DatetimeIndex
        tz-naive ``datetime64[ns]`` session dates named ``date``.

    Examples
    --------
    >>> import eventstudy as es
    >>> es.trading_sessions("2025-01-17", "2025-01-22")  # Monday 2025-01-20 is a holiday
    DatetimeIndex(['2025-01-17', '2025-01-21', '2025-01-22'],
                  dtype='datetime64[ns]', name='date', freq='C')
    """
    lo, hi = _as_date(start, "start"), _as_date(end, "end")
    if hi < lo:
        raise SpecError(f"trading_sessions: end {hi.date()} is before start {lo.date()}")
    cal = get_exchange_calendar(exchange, lo, hi)
    with _quiet_xcals():
        sessions = cal.sessions_in_range(lo, hi)
    return pd.DatetimeIndex(sessions, name="date").as_unit("ns")


def _as_date(value: Any, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{what}={value!r} is not a date") from exc
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _parse_announcements(announcements: Any) -> tuple[pd.DatetimeIndex, pd.Index]:
    """Announcements as a DatetimeIndex, plus the index to give the output."""
    if isinstance(announcements, pd.Series):
        raw: Any = announcements
        index = announcements.index
    elif isinstance(announcements, (str, pd.Timestamp)) or np.isscalar(announcements):
        raw = pd.Series([announcements])
        index = pd.RangeIndex(1)
    else:
        raw = pd.Series(list(announcements))
        index = pd.RangeIndex(len(raw))
    if pd.api.types.is_datetime64_dtype(raw.dtype):  # parsed already, tz-naive: no checks
        parsed_naive = pd.DatetimeIndex(raw)
        if not parsed_naive.isna().any():
            years = parsed_naive.year.to_numpy()
            if ((years >= _FIRST_YEAR) & (years <= _LAST_YEAR)).all():
                return parsed_naive.as_unit("ns"), index
    values = pd.Series(raw.to_numpy(), dtype=object)
    aware = [getattr(v, "tzinfo", None) is not None for v in values]
    if any(aware) and not all(aware):
        naive_rows = [i for i, a in enumerate(aware) if not a][:5]
        aware_rows = [i for i, a in enumerate(aware) if a][:5]
        raise DataError(
            f"announcement timestamps mix tz-aware and tz-naive values (tz-aware rows "
            f"{aware_rows}, tz-naive rows {naive_rows}); give them all with a time zone or all "
            "as exchange-local times"
        )
    try:
        # several time zones: compare on one clock (UTC); each is converted to the exchange tz
        multi_tz = len({str(v.tzinfo) for v in values}) > 1 if all(aware) and aware else False
        parsed = pd.to_datetime(values, errors="coerce", utc=multi_tz)
    except (TypeError, ValueError) as exc:
        raise DataError(f"announcement dates could not be parsed: {exc}") from exc
    # pandas 2 holds no datetime64[ns] before 1677 or after 2262, so a year typo such as
    # 0001-06-03 parses to NaT there; its text year still tells the user what is wrong
    text_far = parsed.isna().to_numpy().copy()
    if text_far.any():  # only the texts pandas could not read
        text_far[text_far] = _far_text_years(values[text_far])
    bad = (parsed.isna().to_numpy() | values.isna().to_numpy()) & ~text_far
    if bad.any():
        shown = [f"{index[i]!r}: {values.iloc[i]!r}" for i in np.flatnonzero(bad)[:10]]
        raise DataError(
            f"{int(bad.sum())} announcement date(s) are missing or not dates "
            f"(row: value) {', '.join(shown)}; fix or remove those rows"
        )
    years = pd.DatetimeIndex(parsed).year.to_numpy(dtype=float, na_value=np.nan)
    far = (years < _FIRST_YEAR) | (years > _LAST_YEAR) | text_far
    if far.any():
        shown = [f"{index[i]!r}: {values.iloc[i]!r}" for i in np.flatnonzero(far)[:10]]
        raise DataError(
            f"{int(far.sum())} announcement date(s) lie outside the years {_FIRST_YEAR}-"
            f"{_LAST_YEAR} that calendars and prices cover (row: value) {', '.join(shown)}; "
            "fix the dates (a typo in the year?)"
        )
    return pd.DatetimeIndex(parsed), index


def _far_text_years(values: pd.Series) -> np.ndarray:
    """True where a value is an ISO-like date text (``yyyy-mm-dd...``) whose year lies outside
    the years calendars and prices cover."""
    text = pd.Series([v if isinstance(v, str) else "" for v in values], dtype=object)
    years = pd.to_numeric(text.str.extract(r"^\s*(\d{1,4})-\d{1,2}-\d{1,2}")[0], errors="coerce")
    years_arr = years.to_numpy(dtype=float, na_value=np.nan)
    return (years_arr < _FIRST_YEAR) | (years_arr > _LAST_YEAR)


def _warn_timing_conflicts(
    timing: np.ndarray, after_close: np.ndarray, local: Any, index: pd.Index
) -> None:
    """``timing="bmo"`` or ``"dur"`` on an announcement whose time of day is at or after the
    close: the time of day wins (day 0 is the next session), said aloud."""
    clash = after_close & np.isin(timing.astype(str), ["bmo", "dur"])
    if clash.any():
        rows = np.flatnonzero(clash)
        shown = ", ".join(
            f"{index[i]!r}: {timing[i]} at {pd.Timestamp(local[i]):%Y-%m-%d %H:%M}"
            for i in rows[:5]
        )
        warnings.warn(
            f"{len(rows)} announcement(s) say timing 'bmo'/'dur' but carry a time of day at or "
            f"after the close ({shown}); the time of day is used (day 0 = the next session) - "
            "fix the timing or the time",
            EventStudyWarning,
            stacklevel=user_stacklevel(),
        )


def check_announcement_dates(announcements: Any) -> None:
    """Raise the :class:`DataError` :func:`map_to_day0` would for missing, unreadable or
    far-off (outside 1800-2200) announcement dates, before any price is loaded for them."""
    _parse_announcements(announcements)


def _parse_timing(timing: Any, n: int) -> np.ndarray:
    """Timing per announcement, lower-cased; None where unknown."""
    if timing is None:
        return np.full(n, None, dtype=object)
    if isinstance(timing, str):
        values = [timing] * n
    else:
        values = list(timing)
        if len(values) != n:
            raise SpecError(f"timing has {len(values)} values for {n} announcements")
    out = np.full(n, None, dtype=object)
    bad = []
    for i, v in enumerate(values):  # small validation of labels, not a computation
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            continue
        s = str(v).strip().lower()
        if s not in TIMINGS:
            bad.append(f"{v!r}")
        out[i] = s
    if bad:
        raise SpecError(
            f"unknown timing value(s) {', '.join(sorted(set(bad)))}; use 'bmo' (before the "
            "open), 'dur' (during the session) or 'amc' (after the close), or leave it empty"
        )
    return out


def map_to_day0(
    announcements: Any,
    *,
    timing: str | Sequence[Any] | None = None,
    exchange: str | None = "XNYS",
    sessions: Sequence[Any] | pd.DatetimeIndex | None = None,
) -> pd.DataFrame:
    """Map announcement dates or timestamps to their day 0 (the session that can react).

    Parameters
    ----------
    announcements
        A date/timestamp, or a sequence / Series of them. tz-aware timestamps are converted
        to the exchange's time zone first; tz-naive ones with a time of day are read as
        exchange-local time.
    timing
        ``"bmo"``, ``"dur"`` or ``"amc"`` (one value for all, or one per announcement;
        ``None`` = unknown). ``"amc"`` rolls a session date to the next session.
    exchange
        exchange_calendars code giving the sessions, the time zone and each session's close
        (half-days included). May be ``None`` when ``sessions`` is given and no
        announcement carries a time of day.
    sessions
        Use these session dates (e.g. a return series' own index) instead of the exchange's
        sessions. The exchange (if given) still provides the time zone and closes.

    Returns
    -------
    pandas.DataFrame
        One row per announcement (index of the input Series, else 0..n-1): ``announced``
        (as given), ``local_date`` (the exchange-local date), ``timing`` (given, or inferred
        from a time of day), ``day0`` (``NaT`` past the last session), ``rolled`` (bool) and
        ``reason`` (why it was rolled, ``""`` when not).

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> day0 = es.map_to_day0(pd.Series(["2025-01-20"]))  # a NYSE holiday
    >>> day0[["day0", "rolled"]]
            day0  rolled
    0 2025-01-21    True
    """
    ts, index = _parse_announcements(announcements)
    n = len(ts)
    timing_arr = _parse_timing(timing, n)
    cal = None
    if exchange is not None:
        cal = get_exchange_calendar(exchange, ts.min() if n else None, ts.max() if n else None)
    tz = cal.tz if cal is not None else None

    # exchange-local wall-clock time, and whether it carries a time of day
    if ts.tz is not None:
        if tz is None:
            raise SpecError(
                "tz-aware announcements need an exchange (for its time zone and closes); "
                "pass exchange='XNYS' (or the listing exchange)"
            )
        local = ts.tz_convert(tz)
        has_time = np.ones(n, dtype=bool)
        local_naive = local.tz_localize(None)
    else:
        local_naive = ts
        has_time = np.asarray(ts != ts.normalize())
        if has_time.any() and tz is None:
            raise SpecError(
                "announcements with a time of day need an exchange (for its closes); "
                "pass exchange='XNYS' (or the listing exchange)"
            )
        local = ts.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward") if tz else ts
    local_date = pd.DatetimeIndex(local_naive.normalize()).as_unit("ns")

    if sessions is not None:
        grid = pd.DatetimeIndex(pd.to_datetime(pd.Index(sessions))).normalize().as_unit("ns")
        grid = grid.unique().sort_values()
        source = "the return series' sessions"
    else:
        if cal is None:
            raise SpecError("map_to_day0 needs an exchange calendar or sessions=")
        lo = local_date.min() - pd.Timedelta(days=7) if n else _CALENDAR_START
        hi = local_date.max() + pd.Timedelta(days=30) if n else _CALENDAR_START
        grid = trading_sessions(lo, hi, exchange=str(exchange))
        source = f"a {exchange} session"

    g = grid.to_numpy()
    d = local_date.to_numpy()
    pos = np.searchsorted(g, d, side="left")
    in_range = pos < len(g)
    is_session = in_range & (g[np.minimum(pos, len(g) - 1)] == d)

    # at or after that session's close (exchange calendar closes, half-days included)
    after_close_time = np.zeros(n, dtype=bool)
    if cal is not None and has_time.any():
        with _quiet_xcals():
            closes = cal.closes.reindex(pd.DatetimeIndex(d)).dt.tz_convert("UTC")
        local_utc = pd.DatetimeIndex(local).tz_convert("UTC")
        with np.errstate(invalid="ignore"):
            cmp = np.asarray(local_utc >= pd.DatetimeIndex(closes), dtype=bool)
        after_close_time = has_time & cmp & closes.notna().to_numpy()
    amc = timing_arr == "amc"
    roll_after_close = is_session & (amc | after_close_time)
    _warn_timing_conflicts(timing_arr, after_close_time & is_session, local_naive, index)

    day0_pos = np.where(roll_after_close, pos + 1, pos)
    ok = day0_pos < len(g)
    day0 = np.where(ok, g[np.minimum(day0_pos, len(g) - 1)], np.datetime64("NaT", "ns"))
    rolled = ok & (day0 != d)

    inferred = timing_arr.copy()
    need = (inferred == None) & has_time  # noqa: E711 - elementwise on an object array
    inferred[need & after_close_time] = "amc"
    if cal is not None and need.any():
        with _quiet_xcals():
            opens = cal.opens.reindex(pd.DatetimeIndex(d)).dt.tz_convert("UTC")
        local_utc = pd.DatetimeIndex(local).tz_convert("UTC")
        before_open = np.asarray(local_utc < pd.DatetimeIndex(opens), dtype=bool)
        inferred[need & ~after_close_time & before_open] = "bmo"
        inferred[need & ~after_close_time & ~before_open & is_session] = "dur"

    reason = _roll_reasons(
        d, local_naive, is_session, roll_after_close, amc, ok, has_time, source, grid
    )
    out = pd.DataFrame(
        {
            "announced": pd.Series(ts, index=index) if ts.tz is not None else ts.as_unit("ns"),
            "local_date": local_date,
            "timing": pd.Series(inferred, dtype=object).to_numpy(),
            "day0": pd.DatetimeIndex(day0).as_unit("ns"),
            "rolled": rolled,
            "reason": pd.array(reason, dtype="str"),
        }
    )
    out.index = index
    if ts.tz is not None:
        out["announced"] = pd.Series(ts, index=index)
    return out


def _roll_reasons(
    d: np.ndarray,
    local: pd.DatetimeIndex,
    is_session: np.ndarray,
    after_close: np.ndarray,
    amc: np.ndarray,
    ok: np.ndarray,
    has_time: np.ndarray,
    source: str,
    grid: pd.DatetimeIndex,
) -> list[str]:
    """Human-readable reason per rolled announcement (``""`` for the others)."""
    reasons = np.full(len(d), "", dtype=object)
    last = grid[-1].date() if len(grid) else None
    rolled = ~ok | ~is_session | after_close
    for i in np.flatnonzero(rolled):  # messages for rolled announcements only
        day = pd.Timestamp(d[i])
        if not ok[i]:
            reasons[i] = f"no session on or after {day.date()} (last session {last})"
        elif not is_session[i]:
            kind = "weekend" if day.day_of_week >= 5 else "holiday or non-trading day"
            reasons[i] = f"{day.date()} ({day.day_name()}) is not {source} ({kind})"
        elif amc[i]:
            reasons[i] = f"announced after the close (amc) on {day.date()}"
        else:
            reasons[i] = f"announced at {local[int(i)]:%H:%M} local time, at or after the close"
    return list(reasons)


def check_far_off_text_dates(values: pd.Series) -> None:
    """Raise :func:`check_announcement_dates`' far-off-year :class:`DataError` if any of the
    (unparsed) date texts ``values`` is an ISO date outside the years 1800-2200; else return.

    Examples
    --------
    >>> import pandas as pd
    >>> check_far_off_text_dates(pd.Series(["27 Jan 2025?"]))  # not a far-off year: no error
    >>> check_far_off_text_dates(pd.Series(["0001-06-03"]))
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.DataError: 1 announcement date(s) lie outside the years 1800-2200 ...
    """
    far = _far_text_years(values)
    if far.any():
        check_announcement_dates(values[far])
