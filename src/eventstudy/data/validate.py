"""The tidy price frame: its columns, dtypes, and the checks every source's output passes.

Every :class:`~eventstudy.data.sources.PriceSource` returns the same long frame (see
``docs/architecture.md``)::

    date (datetime64[ns], tz-naive session date), ticker (str),
    open, high, low, close (raw close), adj_close, volume, dividends, splits (float64)

sorted by ``ticker, date``; ``NaN`` where the source lacks a field.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, SpecError
from .guards import parse_day_month

__all__ = [
    "PRICE_COLUMNS",
    "PRICE_FIELDS",
    "TIDY_COLUMNS",
    "empty_tidy",
    "finalize_tidy",
    "normalise_tickers",
    "parse_dates",
    "to_timestamp",
    "validate_tidy",
]

#: numeric fields of the tidy frame, in order
PRICE_FIELDS: tuple[str, ...] = (
    "open",
    "high",
    "low",
    "close",
    "adj_close",
    "volume",
    "dividends",
    "splits",
)
#: fields that are prices (must be positive and finite where present)
PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close")
TIDY_COLUMNS: tuple[str, ...] = ("date", "ticker", *PRICE_FIELDS)

_MAX_ROWS_IN_MESSAGE = 5


def normalise_tickers(tickers: str | Iterable[str]) -> list[str]:
    """Upper-case, strip and de-duplicate tickers, keeping the first-seen order.

    A single string may hold several tickers separated by commas or spaces.

    Examples
    --------
    >>> from eventstudy.data.validate import normalise_tickers
    >>> normalise_tickers("nvda, spy  NVDA")
    ['NVDA', 'SPY']
    """
    items = re.split(r"[,\s]+", tickers) if isinstance(tickers, str) else list(tickers)
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise SpecError(f"tickers must be strings; got {item!r} ({type(item).__name__})")
        ticker = item.strip().upper()
        if ticker and ticker not in out:
            out.append(ticker)
    if not out:
        raise SpecError("no tickers given; pass e.g. ['NVDA', 'SPY']")
    return out


def to_timestamp(value: Any, name: str) -> pd.Timestamp:
    """Parse one date argument to a tz-naive midnight ``Timestamp`` (ns).

    Examples
    --------
    >>> from eventstudy.data.validate import to_timestamp
    >>> to_timestamp("2025-01-27 15:30-05:00", "start")  # wall time kept, then midnight
    Timestamp('2025-01-27 00:00:00')
    """
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise SpecError(f"{name}={value!r} is not a date; use e.g. '2025-01-27'") from exc
    if ts is pd.NaT:
        raise SpecError(f"{name} is missing; use e.g. '2025-01-27'")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize().as_unit("ns")


def _naive_wall_time(value: Any) -> Any:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):  # reported with the other unparsable rows
        return pd.NaT
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def _parse_text_dates(text: pd.Series) -> pd.Series:
    """Parse date strings; mixed UTC offsets keep each value's wall time.

    pandas 3 raises on mixed offsets, pandas 2.2 warns and returns objects: both fall back
    to converting value by value.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            "In a future version of pandas, parsing datetimes with mixed time zones",
            FutureWarning,
        )
        try:
            parsed = pd.to_datetime(text, errors="coerce", format="mixed")
        except ValueError:
            parsed = None
    if parsed is None or parsed.dtype == object:
        parsed = pd.to_datetime(text.map(_naive_wall_time, na_action="ignore"), errors="coerce")
    return parsed


def _parse_dates(
    values: pd.Series | pd.Index, *, context: str, date_format: str | None = None
) -> pd.Series:
    """Parse dates to tz-naive ``datetime64[ns]`` session dates (midnight).

    Any failure of pandas' own parsing (out-of-range years, booleans, mixed types) is a
    :class:`DataError` naming ``context``; the rules follow.

    Text dates in ``dd/mm/yyyy`` or ``mm/dd/yyyy`` form are read in the order the data show
    (a first field above 12: day first; a second one: month first) or ``date_format`` gives
    (a strftime format such as ``"%d/%m/%Y"``); when nothing tells, e.g. ``04/02/2025`` with
    no day above 12, a :class:`DataError` asks for ``date_format`` (see
    :func:`eventstudy.data.guards.parse_day_month`). ISO dates are always fine.

    Timezone-aware values are converted to their local wall time before the time of
    day is dropped, so an exchange-local midnight (as yfinance's ``history`` gives)
    stays on its own date. Integers like ``20250127`` are read as ``YYYYMMDD``.
    Unparsable entries raise :class:`DataError` naming them.
    """
    raw = pd.Series(values).reset_index(drop=True)
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        parsed = raw.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(raw.dtype):
        parsed = raw
    else:
        if pd.api.types.is_integer_dtype(raw.dtype):
            raw = raw.astype(str)
            parsed = pd.to_datetime(raw, format="%Y%m%d", errors="coerce")
        else:
            text = raw.astype("str").str.strip()
            text = text.where(raw.notna() & (text != ""))
            ordered = parse_day_month(text, date_format=date_format, context=context)
            if ordered is not None:
                parsed = ordered
            elif text.dropna().str.fullmatch(r"\d{8}").all() and text.notna().any():
                parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
            else:
                parsed = _parse_text_dates(text)
                if isinstance(parsed.dtype, pd.DatetimeTZDtype):
                    parsed = parsed.dt.tz_localize(None)
        bad = parsed.isna() & raw.notna()
        if bad.any():
            shown = ", ".join(repr(v) for v in raw[bad].head(_MAX_ROWS_IN_MESSAGE))
            raise DataError(
                f"{context}: {int(bad.sum())} unparsable date(s) (row(s) "
                f"{list(raw.index[bad][:_MAX_ROWS_IN_MESSAGE])}): {shown}; "
                "use ISO dates such as 2025-01-27"
            )
    missing = parsed.isna()
    if missing.any():
        raise DataError(
            f"{context}: {int(missing.sum())} row(s) without a date (rows "
            f"{list(parsed.index[missing][:_MAX_ROWS_IN_MESSAGE])}); every row needs a date"
        )
    return pd.Series(pd.DatetimeIndex(parsed).normalize().as_unit("ns"), name="date")


def parse_dates(
    values: pd.Series | pd.Index, *, context: str, date_format: str | None = None
) -> pd.Series:
    """Parse dates to tz-naive session dates (see :func:`_parse_dates` for the rules);
    every failure is a :class:`DataError` naming ``context``.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.validate import parse_dates
    >>> parsed = parse_dates(pd.Series(["2025-01-27", "28/01/2025"]), context="events")
    >>> parsed.dt.strftime("%Y-%m-%d").tolist()
    ['2025-01-27', '2025-01-28']
    """
    try:
        return _parse_dates(values, context=context, date_format=date_format)
    except SpecError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # pandas' own parsing failed
        raise DataError(
            f"{context}: dates could not be read ({' '.join(str(exc).split())[:200]}); use ISO "
            "dates such as 2025-01-27 between the years 1678 and 2261"
        ) from exc


def empty_tidy() -> pd.DataFrame:
    """A tidy price frame with no rows and the right dtypes.

    Examples
    --------
    >>> from eventstudy.data.validate import empty_tidy
    >>> frame = empty_tidy()
    >>> len(frame), list(frame.columns)
    (0, ['date', 'ticker', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'dividends', 'splits'])
    """
    frame = pd.DataFrame(
        {
            "date": pd.Series([], dtype="datetime64[ns]"),
            "ticker": pd.Series([], dtype="str"),
            **{field: pd.Series([], dtype="float64") for field in PRICE_FIELDS},
        }
    )
    return frame


def finalize_tidy(frame: pd.DataFrame, provenance: dict[str, Any] | None = None) -> pd.DataFrame:
    """Return ``frame`` with exactly the tidy columns, dtypes and order (missing fields = NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.validate import finalize_tidy
    >>> raw = pd.DataFrame({"ticker": ["BBB", "AAA"], "date": pd.to_datetime(["2024-01-02"] * 2),
    ...                     "close": [10, 20]})
    >>> tidy = finalize_tidy(raw, provenance={"source": "example"})
    >>> tidy[["ticker", "close", "adj_close"]]
      ticker  close  adj_close
    0    AAA   20.0        NaN
    1    BBB   10.0        NaN
    >>> tidy.attrs["provenance"]
    {'source': 'example'}
    """
    out = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(frame["date"]).as_unit("ns"),
            "ticker": frame["ticker"].astype("str").to_numpy(),
        }
    )
    for field in PRICE_FIELDS:
        if field in frame.columns:
            out[field] = pd.to_numeric(frame[field], errors="raise").astype("float64").to_numpy()
        else:
            out[field] = np.nan
    out = out.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    if provenance is not None:
        out.attrs["provenance"] = dict(provenance)
    elif "provenance" in frame.attrs:
        out.attrs["provenance"] = dict(frame.attrs["provenance"])
    return out


def _rows_text(frame: pd.DataFrame, mask: pd.Series, field: str) -> str:
    rows = frame.loc[mask, ["ticker", "date", field]].head(_MAX_ROWS_IN_MESSAGE)
    return "; ".join(
        f"{t} {d:%Y-%m-%d} {field}={v!r}"
        for t, d, v in zip(rows["ticker"], rows["date"], rows[field], strict=True)
    )


def _return_like_tickers(values: pd.Series, tickers: pd.Series) -> pd.Series:
    """Tickers whose column looks like a return series rather than prices (vectorised).

    Rule: the column holds negatives, more than 10% of its finite values are negative and its
    median |value| is below 0.5. Prices are positive; simple or log returns are centred near
    zero with about as many negative as positive values (daily returns in percent also have
    median |r| < 0.5 except in extreme markets).
    """
    finite = values.where(np.isfinite(values))
    negative = (finite < 0).astype("float64").where(finite.notna())
    stats = pd.DataFrame({"neg": negative, "abs": finite.abs(), "ticker": tickers.to_numpy()})
    grouped = stats.groupby("ticker", sort=False)
    share, median = grouped["neg"].mean(), grouped["abs"].median()
    flagged = (share > 0.1) & (median < 0.5)
    return median[flagged]


def validate_tidy(frame: pd.DataFrame, *, context: str) -> pd.DataFrame:
    """Check a tidy frame; raise :class:`DataError` naming the offending rows.

    Rejects duplicate ``(ticker, date)`` rows, a return series passed as prices, and
    non-positive or infinite prices. ``NaN`` is allowed: it marks a field the source lacks.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.validate import finalize_tidy, validate_tidy
    >>> tidy = finalize_tidy(pd.DataFrame({"ticker": "AAA", "close": [10.0, -1.0],
    ...                                    "date": pd.bdate_range("2024-01-01", periods=2)}))
    >>> validate_tidy(tidy, context="prices.csv")
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.DataError: prices.csv: 1 non-positive or infinite close value(s): AAA 2024-01-02 close=-1.0; ...
    """
    dup = frame.duplicated(["ticker", "date"], keep=False)
    if dup.any():
        rows = frame.loc[dup, ["ticker", "date"]].drop_duplicates().head(_MAX_ROWS_IN_MESSAGE)
        listed = "; ".join(
            f"{t} {d:%Y-%m-%d}" for t, d in zip(rows["ticker"], rows["date"], strict=True)
        )
        raise DataError(
            f"{context}: duplicate dates ({listed}); each ticker needs one row per session — "
            "remove the repeated rows (after time zones are dropped, two timestamps may fall on "
            "the same date)"
        )
    for field in PRICE_COLUMNS:
        values = frame[field]
        suspects = _return_like_tickers(values, frame["ticker"])
        if len(suspects):
            ticker, median = suspects.index[0], float(suspects.iloc[0])
            raise DataError(
                f"{context}: column {field!r} of {ticker} looks like a return series, not "
                f"prices (values centred near 0 with negatives, median |x| = {median:.4g}); "
                "pass prices, or use returns directly"
            )
        bad = (values <= 0) | np.isinf(values)
        if bad.any():
            raise DataError(
                f"{context}: {int(bad.sum())} non-positive or infinite {field} value(s): "
                f"{_rows_text(frame, bad, field)}; prices must be positive and finite "
                "(leave the cell empty if the value is unknown)"
            )
    volume = frame["volume"]
    bad_volume = (volume < 0) | np.isinf(volume)
    if bad_volume.any():
        raise DataError(
            f"{context}: negative or infinite volume: {_rows_text(frame, bad_volume, 'volume')}"
        )
    return frame


def check_columns(frame: pd.DataFrame, required: Sequence[str], *, context: str) -> None:
    """Raise :class:`DataError` when ``frame`` lacks a required column."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            f"{context}: missing column(s) {missing}; found {list(map(str, frame.columns))}"
        )
