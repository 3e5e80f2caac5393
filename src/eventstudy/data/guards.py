"""Input guards: natural mistakes that would otherwise become silent wrong numbers.

Each guard either raises a :class:`~eventstudy.exceptions.DataError` naming the ticker, the
date and the fix, or - where the data might be legitimate - emits a
:class:`~eventstudy.exceptions.SuspectedSplitWarning`. Every guard has an explicit override:
the name listed in :data:`INPUT_CHECKS`, passed in ``allow=`` (``EventStudy(allow=...)``,
``compute_returns(allow=...)``, ``[data] allow = [...]`` in a study spec). Ambiguous
day/month dates are resolved with ``date_format=`` instead.

Rules (one place each):

* **Percent units** (:func:`looks_like_percent`): a column of daily returns or factors whose
  median absolute value exceeds :data:`PERCENT_MEDIAN_THRESHOLD` = 0.05 is in percent.
  Decimal daily returns have median ``|r|`` around 0.005-0.03 (the median of ``|r|`` is
  0.674 sigma for a normal law, so 0.05 means a daily volatility above 7 %, about 120 % a
  year); the same series in percent is 100 times larger.
* **Impossible simple returns** (:func:`check_simple_returns`): a simple return below -1
  (a price cannot fall by more than 100 %), checked after the percent rule (percent returns
  go below -1 too); waived only with ``percent_returns`` or by ``return_kind="log"``.
* **Prices passed as returns** (:func:`check_returns_frame`): a returns column with at least
  10 values, none negative, whose median exceeds 0.05. Returns of any security change sign;
  prices never do.
* **Unadjusted split recorded in the data** (:func:`check_recorded_splits`): on a date where
  the ``splits`` field records a ratio ``s`` (``10`` for 10:1, ``0.1`` for a 1:10 reverse
  split), the price series moved nearer to ``1/s`` than to ``1``:
  ``|ln(P_t/P_{t-1}) + ln s| < |ln(P_t/P_{t-1})|``. An adjusted series moves by the day's
  return only.
* **Split-like one-day move** (:func:`split_like_moves`): a gross return ``1 + r`` within 5 %
  (in logs) of ``1/k`` or ``k`` for any whole ratio ``k >= 2``. A real
  -50 % day is possible, so this is a warning, not an error.
* **Ambiguous day/month dates** (:func:`parse_day_month`): ``dd/mm/yyyy`` and ``mm/dd/yyyy``
  look alike. The order is taken from the data when a first field exceeds 12 (day first) or a
  second one does (month first); when neither does and some date reads differently both
  ways (``04/02/2025``), it is refused. ISO dates (``2025-02-04``) are never ambiguous.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..exceptions import DataError, SpecError, SuspectedSplitWarning, user_stacklevel

__all__ = [
    "INPUT_CHECKS",
    "PERCENT_MEDIAN_THRESHOLD",
    "SPLIT_RATIOS",
    "check_allow",
    "check_recorded_splits",
    "check_returns_frame",
    "check_simple_returns",
    "looks_like_percent",
    "normalise_ticker",
    "parse_day_month",
    "split_like_moves",
]

#: The overridable input checks: name -> what passing it in ``allow=`` accepts.
INPUT_CHECKS: dict[str, str] = {
    "price_like_returns": "a returns column that is never negative (it looks like prices)",
    "percent_returns": "returns whose median |r| exceeds 0.05 (they look like percent)",
    "unadjusted_splits": "a price move matching a split recorded in the data's splits field",
    "split_like_moves": "a one-day return matching a common split ratio (no warning)",
}

#: Median |x| above which daily returns or factors are taken to be in percent.
PERCENT_MEDIAN_THRESHOLD = 0.05

#: Split ratios named in messages. Every whole ratio k >= 2 is matched (k:1 splits and 1:k
#: reverse splits: 7:1 as AAPL 2014, 50:1 as CMG 2024, 1:8 reverse); 100 also catches a day
#: quoted in cents instead of dollars. Fractional ratios (3:2, 5:4) are not: a -33 % or -20 %
#: day is real too often (SMCI -32.7 % on 2024-10-30) - a recorded split column catches them.
SPLIT_RATIOS: tuple[int, ...] = (2, 3, 4, 5, 10, 20, 100)

#: Tolerance (in log points) of a one-day move around a split ratio: ln(1.05). On the split
#: day the unadjusted price also moves by the day's own return (NVDA's -3.7 % on top of a
#: 10:1 split is 3.7 log points away), so a tight band misses real splits.
_SPLIT_TOLERANCE = float(np.log(1.05))
_MIN_PRICE_LIKE_OBS = 10
_MIN_PERCENT_OBS = 5
_SHOWN = 5


def check_allow(allow: Iterable[str] | str | None, where: str = "allow") -> frozenset[str]:
    """Validate ``allow=`` (names of :data:`INPUT_CHECKS`); a single name may be a string.

    Examples
    --------
    >>> from eventstudy.data.guards import check_allow
    >>> sorted(check_allow(["percent_returns", "split_like_moves"]))
    ['percent_returns', 'split_like_moves']
    >>> check_allow("percent_return")
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.SpecError: allow: unknown check 'percent_return'; did you mean 'percent_returns'? ...
    """
    if allow is None:
        return frozenset()
    items = [allow] if isinstance(allow, str) else list(allow)
    bad = [a for a in items if not isinstance(a, str) or a not in INPUT_CHECKS]
    if bad:
        from difflib import get_close_matches

        hint = get_close_matches(str(bad[0]), list(INPUT_CHECKS), n=1)
        did = f" did you mean {hint[0]!r}?" if hint else ""
        raise SpecError(f"{where}: unknown check {bad[0]!r};{did} valid: {', '.join(INPUT_CHECKS)}")
    return frozenset(items)


def normalise_ticker(value: Any) -> str:
    """The one ticker rule used for events, prices, returns and specs: stripped, upper-case.

    Examples
    --------
    >>> from eventstudy.data.guards import normalise_ticker
    >>> normalise_ticker("  nvda ")
    'NVDA'
    """
    return str(value).strip().upper()


# ----------------------------------------------------------------------------- units
def looks_like_percent(
    values: npt.ArrayLike, axis: int | None = 0, min_obs: int = 1
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Whether daily returns or factors are in percent: median ``|x|`` > 0.05.

    Returns ``(flags, medians)`` along ``axis`` (``axis=None``: one pooled median). Columns
    with fewer than ``min_obs`` finite values are never flagged.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.data.guards import looks_like_percent
    >>> rng = np.random.default_rng(0)
    >>> decimal = rng.normal(0.0, 0.02, (250, 2))  # two columns of decimal daily returns
    >>> values = np.column_stack([decimal[:, 0], 100 * decimal[:, 1]])  # the second in percent
    >>> flags, medians = looks_like_percent(values)  # median |x| of N(0, s): 0.674 s
    >>> flags.tolist(), medians.round(3).tolist()
    ([False, True], [0.014, 1.34])
    """
    arr = np.abs(np.asarray(values, dtype=np.float64))
    arr = np.where(np.isfinite(arr), arr, np.nan)
    count = np.sum(np.isfinite(arr), axis=axis)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        medians = np.asarray(np.nanmedian(arr, axis=axis), dtype=np.float64)
    flags = (medians > PERCENT_MEDIAN_THRESHOLD) & (np.asarray(count) >= min_obs)
    return np.asarray(flags, dtype=bool), medians


def check_returns_frame(
    returns: pd.DataFrame, *, return_kind: str = "simple", allow: frozenset[str] = frozenset()
) -> None:
    """Refuse prices or percent given as returns; warn of split-like one-day moves.

    ``returns`` is the cleaned wide frame (DatetimeIndex, one float column per ticker).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from eventstudy.data.guards import check_returns_frame
    >>> dates = pd.bdate_range("2024-01-01", periods=20)
    >>> prices = pd.DataFrame({"AAA": np.linspace(100.0, 110.0, 20)}, index=dates)
    >>> check_returns_frame(prices)
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.DataError: returns of AAA look like prices, not returns (never negative, median 105; ...
    >>> returns = prices.pct_change().fillna(0.0) - 0.002  # decimal returns of both signs pass
    >>> check_returns_frame(returns) is None
    True
    """
    values = returns.to_numpy(dtype=np.float64)
    finite = np.isfinite(values)
    count = finite.sum(axis=0)
    negative = (np.where(finite, values, 0.0) < 0).any(axis=0)
    flags, medians = looks_like_percent(values, axis=0, min_obs=_MIN_PERCENT_OBS)
    price_like = flags & ~negative & (count >= _MIN_PRICE_LIKE_OBS)
    if price_like.any() and "price_like_returns" not in allow:
        j = int(np.flatnonzero(price_like)[0])
        first = int(np.argmax(finite[:, j]))
        raise DataError(
            f"returns of {returns.columns[j]} look like prices, not returns (never negative, "
            f"median {medians[j]:.4g}; e.g. {values[first, j]:.4g} on "
            f"{returns.index[first]:%Y-%m-%d}); compute returns first "
            "(eventstudy.compute_returns(prices)) or pass prices=; if these really are "
            "returns, pass allow=['price_like_returns']"
        )
    percent = flags & ~price_like
    if percent.any() and "percent_returns" not in allow:
        cols = np.flatnonzero(percent)
        listed = ", ".join(f"{returns.columns[j]} {medians[j]:.3g}" for j in cols[:_SHOWN])
        j = int(cols[0])
        big = int(np.nanargmax(np.where(finite[:, j], np.abs(values[:, j]), -1.0)))
        raise DataError(
            f"returns look like percent (median |r| above {PERCENT_MEDIAN_THRESHOLD}: {listed}; "
            f"e.g. {returns.columns[j]} {values[big, j]:.4g} on {returns.index[big]:%Y-%m-%d}); "
            "divide by 100 - returns must be decimal (0.01 = 1 %); if these really are "
            "decimal returns, pass allow=['percent_returns']"
        )
    if "split_like_moves" in allow:
        return
    gross = np.exp(values) if return_kind == "log" else 1.0 + values
    moves = split_like_moves(pd.DataFrame(gross, index=returns.index, columns=returns.columns))
    if len(moves):
        listed = "; ".join(
            f"{t} {d:%Y-%m-%d} return {g - 1:+.1%} ({k})"
            for t, d, g, k in moves.head(_SHOWN)[["ticker", "date", "gross", "kind"]].to_numpy()
        )
        warnings.warn(
            f"{len(moves)} one-day move(s) match a stock split: {listed}; if the prices are "
            "not split-adjusted the abnormal returns are wrong - use split-adjusted prices "
            "(Adj Close); if the move is real, pass allow=['split_like_moves']",
            SuspectedSplitWarning,
            stacklevel=user_stacklevel(),
        )


def check_simple_returns(
    returns: pd.DataFrame, *, return_kind: str = "simple", allow: frozenset[str] = frozenset()
) -> None:
    """Refuse a simple return below -1: no price falls by more than 100 %.

    Run after :func:`check_returns_frame` (percent returns go below -1 too, and get that
    more specific message); waived with ``percent_returns`` and by ``return_kind="log"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.guards import check_simple_returns
    >>> frame = pd.DataFrame({"AAA": [0.01, -1.5]}, index=pd.bdate_range("2024-01-01", periods=2))
    >>> check_simple_returns(frame)
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.DataError: returns of AAA on 2024-01-02 are -1.5, below -1 (-100 %), which no simple return can be; fix the data, or pass return_kind='log' if these are log returns
    """
    values = returns.to_numpy(dtype=np.float64)
    finite = np.isfinite(values)
    if return_kind == "simple" and "percent_returns" not in allow:
        # P_t / P_{t-1} - 1 >= -1 for any price: a lower value is a data error (or log returns)
        below = np.flatnonzero((np.where(finite, values, 0.0) < -1.0).any(axis=0))
        if len(below):
            j = int(below[0])
            i = int(np.argmax(np.where(finite[:, j], values[:, j], 0.0) < -1.0))
            raise DataError(
                f"returns of {returns.columns[j]} on {returns.index[i]:%Y-%m-%d} are "
                f"{values[i, j]:.4g}, below -1 (-100 %), which no simple return can be; fix the "
                "data, or pass return_kind='log' if these are log returns"
            )


# ----------------------------------------------------------------------------- splits
def split_like_moves(gross: pd.DataFrame) -> pd.DataFrame:
    """One-day gross returns (``P_t / P_{t-1}``) that look like an unadjusted split.

    A move matches a ``k:1`` split (or a ``1:k`` reverse split) when ``P_{t-1}/P_t`` (or its
    inverse) is within 5 % (in logs) of a whole number ``k >= 2``.
    Returns a frame ``ticker, date, gross, kind`` (``kind`` e.g. ``"10:1 split"`` or
    ``"1:8 reverse split"``), one row per match, vectorised over dates and tickers.

    Examples
    --------
    >>> import pandas as pd
    >>> gross = pd.DataFrame({"AAA": [1.01, 1 / 7, 1.0], "BBB": [0.98, 8.1, 0.5]},
    ...                      index=pd.bdate_range("2024-09-09", periods=3))
    >>> split_like_moves(gross)[["ticker", "kind"]].to_numpy().tolist()
    [['AAA', '7:1 split'], ['BBB', '1:8 reverse split'], ['BBB', '2:1 split']]
    """
    values = gross.to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(values)
    size = np.nan_to_num(np.abs(logs), nan=0.0, posinf=0.0)  # ln of the ratio, >= 0
    whole = np.maximum(np.round(np.exp(np.minimum(size, 50.0))), 1.0)
    near_whole = (whole >= 2) & (np.abs(size - np.log(whole)) < _SPLIT_TOLERANCE)
    rows, cols = np.nonzero(near_whole)
    if len(rows) == 0:
        return pd.DataFrame({"ticker": [], "date": [], "gross": [], "kind": []})
    reverse = logs[rows, cols] > 0
    kind = [
        f"1:{int(k)} reverse split" if rev else f"{int(k)}:1 split"
        for k, rev in zip(whole[rows, cols], reverse, strict=True)
    ]
    return pd.DataFrame(
        {
            "ticker": np.asarray(gross.columns, dtype=object)[cols],
            "date": gross.index[rows],
            "gross": values[rows, cols],
            "kind": kind,
        }
    ).sort_values(["date", "ticker"], kind="stable")


def check_recorded_splits(
    tidy: pd.DataFrame, wide: pd.DataFrame, price: str, allow: frozenset[str] = frozenset()
) -> None:
    """Refuse a price series that is not adjusted for a split the data itself records.

    ``tidy`` is the long frame with a ``splits`` field (yfinance's ``Stock Splits``: ``10``
    for 10:1, ``0.1`` for 1:10, ``0`` on other days); ``wide`` the ``date x ticker`` values of
    ``price`` used for returns.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.guards import check_recorded_splits
    >>> dates = pd.bdate_range("2024-06-07", periods=3)
    >>> tidy = pd.DataFrame({"date": dates, "ticker": "NVDA", "splits": [0.0, 10.0, 0.0]})
    >>> wide = pd.DataFrame({"NVDA": [1200.0, 121.8, 122.0]}, index=dates)  # not adjusted
    >>> check_recorded_splits(tidy, wide, "close")
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.DataError: NVDA: the close series is not adjusted for the 10:1 split recorded in its splits field on 2024-06-10 ...
    >>> adjusted = pd.DataFrame({"NVDA": [120.0, 121.8, 122.0]}, index=dates)
    >>> check_recorded_splits(tidy, adjusted, "adjclose") is None
    True
    """
    if "unadjusted_splits" in allow or "splits" not in tidy.columns:
        return
    splits = pd.to_numeric(tidy["splits"], errors="coerce")
    recorded = splits.notna() & (splits > 0) & (splits != 1)
    if not recorded.any():
        return
    events = tidy.loc[recorded, ["date", "ticker"]].assign(ratio=splits[recorded].to_numpy())
    events["date"] = pd.DatetimeIndex(events["date"]).as_unit("ns")
    events["ticker"] = events["ticker"].astype(str)
    previous = wide.ffill().shift(1)
    move = pd.Series((wide / previous).stack(future_stack=True), name="move")
    move.index = move.index.set_names(["date", "ticker"])
    joined = events.join(move, on=["date", "ticker"], how="inner").dropna(subset=["move"])
    if joined.empty:
        return
    log_move = np.log(joined["move"].to_numpy(dtype=np.float64))
    log_ratio = np.log(joined["ratio"].to_numpy(dtype=np.float64))
    unadjusted = np.abs(log_move + log_ratio) < np.abs(log_move)
    if not unadjusted.any():
        return
    row = joined[unadjusted].iloc[0]
    ratio = float(row["ratio"])
    split = f"{ratio:g}:1 split" if ratio > 1 else f"1:{1 / ratio:g} reverse split"
    raise DataError(
        f"{row['ticker']}: the {price} series is not adjusted for the {split} recorded in its "
        f"splits field on {row['date']:%Y-%m-%d} (the price moved x{row['move']:.4g} that day, "
        f"{int(unadjusted.sum())} such split(s) in all); use split-adjusted prices (Yahoo's "
        "Adj Close), or, if the series is adjusted and the move is real, pass "
        "allow=['unadjusted_splits']"
    )


# ----------------------------------------------------------------------------- dates
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[\sT])")


def parse_day_month(
    text: pd.Series, *, date_format: str | None = None, context: str = "dates"
) -> pd.Series | None:
    """Parse ``dd/mm/yyyy`` or ``mm/dd/yyyy`` strings in the order the data or the caller gives.

    Returns the parsed Series (NaT where unparsable; the time of day is kept), or ``None``
    when no value has a day/month-first shape (ISO and other formats: nothing to decide) and
    no ``date_format`` was given.

    Raises
    ------
    DataError
        When the order cannot be told from the data (every field at most 12 and some date
        reads differently either way), or the data hold both orders.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.guards import parse_day_month
    >>> parse_day_month(pd.Series(["04/02/2025", "25/02/2025"])).dt.strftime("%Y-%m-%d").tolist()
    ['2025-02-04', '2025-02-25']
    >>> parse_day_month(pd.Series(["04/02/2025"]), date_format="%m/%d/%Y").dt.strftime("%Y-%m-%d").tolist()
    ['2025-04-02']
    >>> parse_day_month(pd.Series(["2025-02-04"])) is None  # ISO: nothing to decide
    True
    """
    strings = pd.Series(text, dtype=object).reset_index(drop=True)
    strings = strings.map(lambda v: v.strip() if isinstance(v, str) and v.strip() else None)
    if date_format is not None:
        if not isinstance(date_format, str) or not date_format.strip():
            raise SpecError(f"date_format={date_format!r}; give a strftime format like '%d/%m/%Y'")
        parsed = pd.to_datetime(strings, format=date_format, errors="coerce")
        bad = parsed.isna() & strings.notna()
        if bad.any():
            i = bad.index[bad][0]
            raise DataError(
                f"{context}: date {strings[i]!r} (row {i}) does not match "
                f"date_format={date_format!r} ({int(bad.sum())} such date(s)); fix the format "
                "or the dates"
            )
        return parsed
    parts = strings.str.extract(_DAY_MONTH)
    shaped = parts[0].notna()
    if not shaped.any():
        return None
    first = pd.to_numeric(parts.loc[shaped, 0]).astype(int)
    second = pd.to_numeric(parts.loc[shaped, 2]).astype(int)
    day_first, month_first = first > 12, second > 12
    if day_first.any() and month_first.any():
        a, b = strings[day_first.index[day_first][0]], strings[month_first.index[month_first][0]]
        raise DataError(
            f"{context}: dates mix day-first ({a!r}) and month-first ({b!r}) orders; write "
            "them all one way, preferably as ISO dates such as 2025-02-04"
        )
    if not day_first.any() and not month_first.any():
        ambiguous = first != second
        if ambiguous.any():
            i = ambiguous.index[ambiguous][0]
            value = strings[i]
            d1, d2 = _one_date(value, True), _one_date(value, False)
            sep = parts.loc[i, 1]
            year = "%Y" if len(str(parts.loc[i, 3])) == 4 else "%y"
            readings = (
                f": {d1:%d %B %Y} (day first) or {d2:%d %B %Y} (month first)"
                if not (pd.isna(d1) or pd.isna(d2))
                else ""
            )
            raise DataError(
                f"{context}: date {value!r} (row {i}) is ambiguous{readings}, and no date in the "
                f"data has a day above 12 to tell; pass date_format='%d{sep}%m{sep}{year}' or "
                f"date_format='%m{sep}%d{sep}{year}', or write ISO dates (YYYY-MM-DD)"
            )
    dayfirst = bool(day_first.any())
    try:
        return pd.to_datetime(strings, dayfirst=dayfirst, format="mixed", errors="coerce")
    except (ValueError, TypeError, OverflowError):  # e.g. mixed UTC offsets: value by value
        return pd.to_datetime(strings.map(lambda v: _one_date(v, dayfirst)), errors="coerce")


def _one_date(value: Any, dayfirst: bool) -> Any:
    """One text date in the given order as a tz-naive wall time; NaT when unreadable."""
    if not isinstance(value, str):
        return pd.NaT
    try:
        ts = pd.Timestamp(pd.to_datetime(value, dayfirst=dayfirst, format="mixed"))
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    return ts.tz_localize(None) if ts.tzinfo is not None else ts
