"""Bring your own data: read prices from files, folders or DataFrames into the tidy frame.

Layouts understood by :func:`read_prices` (``layout="auto"`` detects them):

``"ohlc"``
    One security per file/frame with columns ``Date,Open,High,Low,Close,Adj Close,Volume``
    (any subset; optional ``Dividends``, ``Stock Splits``) — the layout of yfinance and of
    the shared ``prices/`` folder. The ticker is the file name (``NVDA.csv`` → ``NVDA``) or
    the ``ticker=`` argument for a DataFrame.
``"folder"``
    A folder of such per-ticker CSV/Parquet files.
``"wide"``
    A date column followed by one column per ticker (e.g. ``sp500_adjclose.csv``). The values
    fill the field named by ``field`` (default ``"adj_close"``; pass ``field="close"`` for a
    panel of raw closes); every other field is NaN.
``"long"``
    Columns ``date, ticker`` and one value column (``price`` or ``value``, or ``value_column=``);
    fills ``field`` like the wide layout.
``"tidy"``
    Already tidy: ``date, ticker`` and any of the tidy fields.

Column names are matched case-insensitively (``Adj Close`` = ``adj_close``; ``Stock Splits`` =
``splits``; ``Symbol`` = ``ticker``). Empty cells are NaN (the field is lacking): allowed for every
field, a missing ``adj_close`` on a row stays NaN (it is never filled from ``close``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .._boundary import library_errors
from ..exceptions import DataError, DataUnavailableError, SpecError
from .validate import (
    PRICE_FIELDS,
    check_columns,
    finalize_tidy,
    normalise_tickers,
    parse_dates,
    validate_tidy,
)

__all__ = ["Layout", "read_prices", "read_table"]

Layout = Literal["auto", "ohlc", "folder", "wide", "long", "tidy"]
_LAYOUTS = ("auto", "ohlc", "folder", "wide", "long", "tidy")
_SUFFIXES = (".csv", ".parquet", ".pq", ".csv.gz")

_ALIASES: dict[str, str] = {
    "date": "date",
    "datetime": "date",
    "timestamp": "date",
    "ticker": "ticker",
    "symbol": "ticker",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adj_close": "adj_close",
    "adjclose": "adj_close",
    "adjusted_close": "adj_close",
    "volume": "volume",
    "dividends": "dividends",
    "stock_splits": "splits",
    "splits": "splits",
}


def _canonical(name: object) -> str:
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(key, str(name))


def read_table(path: Path) -> pd.DataFrame:
    """Read one CSV or Parquet file (by suffix), raising :class:`DataError` if unreadable.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from eventstudy.data.readers import read_table
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = Path(folder.name) / "NVDA.csv"
    >>> _ = path.write_text("Date,Close\\n2025-01-24,142.62\\n2025-01-27,118.42\\n")
    >>> read_table(path)
             Date   Close
    0  2025-01-24  142.62
    1  2025-01-27  118.42
    >>> _ = path.write_text("Date;Close\\n2025-01-24;142,62\\n")  # a European Excel export
    >>> read_table(path)
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.DataError: price file ...NVDA.csv is separated by ';', not commas ...
    >>> folder.cleanup()
    """
    name = path.name.lower()
    if path.exists() and not path.is_file():  # a device (/dev/zero) would be read forever
        raise DataError(f"price file {path} is not a regular file; give a CSV or Parquet file")
    try:
        if name.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        frame = pd.read_csv(path)
    except FileNotFoundError as exc:
        raise DataUnavailableError(f"price file {path} does not exist") from exc
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read price file {path}: {exc}") from exc
    header = str(frame.columns[0]) if len(frame.columns) else ""
    sep = next((c for c in ";\t|" if c in header), None)
    if sep is not None and "," not in header:  # "Date;Open;...": a European Excel export
        raise DataError(
            f"price file {path} is separated by {sep!r}, not commas (header {header[:60]!r}); "
            "save it as a comma-separated CSV with '.' as the decimal point"
        )
    return frame


def _ticker_from_path(path: Path) -> str:
    name = path.name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)].upper()
    return path.stem.upper()


def price_files(folder: Path) -> dict[str, Path]:
    """Map ``TICKER -> file`` for every CSV/Parquet file of ``folder`` (case-insensitive)."""
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name.lower().endswith(_SUFFIXES):
            files.setdefault(_ticker_from_path(path), path)
    return files


def _with_date_column(frame: pd.DataFrame) -> pd.DataFrame:
    """Move a DatetimeIndex (or a named ``date`` index) into a column."""
    index_name = _canonical(frame.index.name) if frame.index.name is not None else None
    # an object index of timestamps (e.g. tz-aware and tz-naive mixed) is a date index too
    datelike = pd.api.types.infer_dtype(frame.index, skipna=True) in {"datetime", "date"}
    if isinstance(frame.index, pd.DatetimeIndex) or index_name == "date" or datelike:
        frame = frame.reset_index()
        frame = frame.rename(columns={frame.columns[0]: "date"})
    return frame


_EXTRA_YAHOO = {"capital_gains", "repaired?"}


def _detect_layout(columns: list[str]) -> str:
    """Tidy/long if a ticker column exists; OHLC only if *every* column is a known field.

    The strict OHLC rule keeps wide panels whose tickers look like fields (Lowe's is ``LOW``,
    Opendoor ``OPEN``) from being misread.
    """
    canon = {_canonical(c) for c in columns} - {"date"}
    fields = canon & set(PRICE_FIELDS)
    if "ticker" in canon:
        return "tidy" if fields else "long"
    known = set(PRICE_FIELDS) | {c.lower() for c in _EXTRA_YAHOO}
    if fields & {"close", "adj_close"} and {c.lower() for c in canon} <= known:
        return "ohlc"
    return "wide"


def _date_column(frame: pd.DataFrame, date_column: str | None, context: str) -> str:
    if date_column is not None:
        check_columns(frame, [date_column], context=context)
        return date_column
    for col in frame.columns:
        if _canonical(col) == "date":
            return str(col)
    return str(frame.columns[0])


def _numeric(
    values: pd.Series, *, field: str, tickers: pd.Series, dates: pd.Series, context: str
) -> pd.Series:
    out = pd.to_numeric(values, errors="coerce")
    bad = out.isna() & values.notna() & (values.astype("str").str.strip() != "")
    if bad.any():
        rows = "; ".join(
            f"{t} {d:%Y-%m-%d} {field}={v!r}"
            for t, d, v in zip(tickers[bad][:5], dates[bad][:5], values[bad][:5], strict=True)
        )
        raise DataError(f"{context}: non-numeric {field} value(s): {rows}")
    return out.astype("float64")


def _tidy_from_columns(
    frame: pd.DataFrame, tickers: pd.Series, date_col: str, context: str
) -> pd.DataFrame:
    dates = parse_dates(frame[date_col], context=context)
    tickers = tickers.reset_index(drop=True)
    data: dict[str, Any] = {"date": dates, "ticker": tickers}
    renamed = {_canonical(c): c for c in frame.columns if c != date_col}
    for field in PRICE_FIELDS:
        if field in renamed:
            data[field] = _numeric(
                frame[renamed[field]].reset_index(drop=True),
                field=field,
                tickers=tickers,
                dates=dates,
                context=context,
            )
    return pd.DataFrame(data)


def _from_ohlc(
    frame: pd.DataFrame, ticker: str | None, date_column: str | None, context: str
) -> pd.DataFrame:
    if ticker is None:
        raise SpecError(
            f"{context}: a single-security table needs its ticker; pass ticker='NVDA' "
            "(or name the file NVDA.csv)"
        )
    date_col = _date_column(frame, date_column, context)
    tickers = pd.Series([ticker.upper()] * len(frame), dtype="str")
    return _tidy_from_columns(frame, tickers, date_col, context)


def _from_tidy(frame: pd.DataFrame, date_column: str | None, context: str) -> pd.DataFrame:
    date_col = _date_column(frame, date_column, context)
    ticker_col = next(c for c in frame.columns if _canonical(c) == "ticker")
    tickers = frame[ticker_col].astype("str").str.strip().str.upper()
    return _tidy_from_columns(frame, tickers, date_col, context)


def _from_wide(
    frame: pd.DataFrame, field: str, date_column: str | None, context: str
) -> pd.DataFrame:
    date_col = _date_column(frame, date_column, context)
    dates = parse_dates(frame[date_col], context=context)
    values = frame.drop(columns=[date_col])
    values.index = pd.DatetimeIndex(dates, name="date")
    values.columns = [str(c).strip().upper() for c in values.columns]
    numeric = values.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() & values.notna() & (values.astype("str") != "")
    if bad.to_numpy().any():
        where = bad.stack()
        where = where[where].index[:5]
        listed = "; ".join(f"{t} {d:%Y-%m-%d} {field}={values.at[d, t]!r}" for d, t in where)
        raise DataError(f"{context}: non-numeric value(s): {listed}")
    long = numeric.stack(future_stack=True).rename(field).reset_index()
    long.columns = ["date", "ticker", field]
    return long


def _from_long(
    frame: pd.DataFrame, field: str, value_column: str | None, date_column: str | None, context: str
) -> pd.DataFrame:
    if value_column is None:
        candidates = [c for c in frame.columns if str(c).strip().lower() in {"price", "value"}]
        others = [c for c in frame.columns if _canonical(c) not in {"date", "ticker"}]
        if candidates:
            value_column = str(candidates[0])
        elif len(others) == 1:
            value_column = str(others[0])
        else:
            raise SpecError(
                f"{context}: long layout needs one value column; pass value_column= "
                f"(columns: {list(map(str, frame.columns))})"
            )
    check_columns(frame, [value_column], context=context)
    renamed = frame.rename(columns={value_column: field})
    return _from_tidy(renamed, date_column, context)


def _frame_to_tidy(
    frame: pd.DataFrame,
    *,
    layout: str,
    ticker: str | None,
    field: str,
    value_column: str | None,
    date_column: str | None,
    context: str,
    date_format: str | None = None,
) -> pd.DataFrame:
    if frame.empty:
        raise DataError(f"{context}: no rows")
    frame = _with_date_column(frame)
    col = _date_column(frame, date_column, context)
    dtype = frame[col].dtype
    text = pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
    if date_format is not None or text:
        # text dates once, with the day/month order guard (eventstudy.data.guards)
        frame = frame.copy()
        frame[col] = parse_dates(frame[col], context=context, date_format=date_format).to_numpy()
    if layout == "auto":
        layout = _detect_layout([str(c) for c in frame.columns])
    if layout == "ohlc":
        return _from_ohlc(frame, ticker, date_column, context)
    if layout == "tidy":
        return _from_tidy(frame, date_column, context)
    if layout == "wide":
        return _from_wide(frame, field, date_column, context)
    if layout == "long":
        return _from_long(frame, field, value_column, date_column, context)
    raise SpecError(f"layout={layout!r} does not apply to a table; use one of {_LAYOUTS}")


def _read_folder(folder: Path, tickers: list[str] | None, **options: Any) -> pd.DataFrame:
    files = price_files(folder)
    wanted = tickers if tickers is not None else list(files)
    missing = [t for t in wanted if t not in files]
    if missing:
        raise DataUnavailableError(
            f"no price file for {', '.join(missing)} in {folder} (looked for <TICKER>.csv or "
            f"<TICKER>.parquet); add the file(s) or drop the ticker(s)",
            failed={t: f"no file in {folder}" for t in missing},
        )
    if not wanted:
        raise DataUnavailableError(f"no CSV or Parquet price files in {folder}")
    parts = [
        _frame_to_tidy(read_table(files[t]), ticker=t, context=str(files[t]), **options)
        for t in wanted
    ]
    return pd.concat(parts, ignore_index=True)


@library_errors("read_prices")
def read_prices(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    tickers: str | Iterable[str] | None = None,
    layout: Layout = "auto",
    field: str = "adj_close",
    ticker: str | None = None,
    value_column: str | None = None,
    date_column: str | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Read prices you already have into the tidy long frame.

    Parameters
    ----------
    source
        A CSV/Parquet file, a folder of per-ticker files, or a DataFrame.
    tickers
        Keep only these tickers (upper-cased); for a folder only their files are read.
        A requested ticker that is absent raises :class:`DataUnavailableError` naming it.
    layout
        ``"auto"`` (default) or one of ``"ohlc"``, ``"folder"``, ``"wide"``, ``"long"``,
        ``"tidy"`` (see the module docstring).
    field
        The tidy field that the values of a ``wide`` or ``long`` table fill
        (default ``"adj_close"``, the adjusted close used for returns).
    ticker
        The ticker of a single-security DataFrame (``ohlc`` layout); files use their name.
    value_column, date_column
        Override the detected value column (``long``) and date column.
    date_format
        strftime format of text dates, e.g. ``"%d/%m/%Y"``. Without it ``dd/mm/yyyy`` and
        ``mm/dd/yyyy`` dates are read in the order the data show (a field above 12) and
        refused as ambiguous when nothing tells; ISO dates are always fine.

    Returns
    -------
    pandas.DataFrame
        The tidy frame (``date, ticker, open, high, low, close, adj_close, volume, dividends,
        splits``) sorted by ``ticker, date``, with ``attrs["provenance"]``.

    Raises
    ------
    DataError
        Unparsable dates, duplicate dates, non-positive or infinite prices, or a return
        series passed as prices — the message names the ticker, date and value.

    Examples
    --------
    A wide table (one column per ticker, dates as index) of adjusted closes:

    >>> import pandas as pd
    >>> from eventstudy.data.readers import read_prices
    >>> wide = pd.DataFrame(
    ...     {"NVDA": [118.42, 128.99], "SPY": [599.37, 604.52]},
    ...     index=pd.to_datetime(["2025-01-27", "2025-01-28"]).rename("date"),
    ... )
    >>> read_prices(wide)[["date", "ticker", "adj_close"]]
            date ticker  adj_close
    0 2025-01-27   NVDA     118.42
    1 2025-01-28   NVDA     128.99
    2 2025-01-27    SPY     599.37
    3 2025-01-28    SPY     604.52

    A file or a folder of ``<TICKER>.csv`` files reads the same way:

    >>> prices = read_prices("prices/", tickers=["NVDA", "SPY"])  # doctest: +SKIP
    """
    if layout not in _LAYOUTS:
        raise SpecError(f"layout={layout!r} is not valid; use one of {_LAYOUTS}")
    if field not in PRICE_FIELDS:
        raise SpecError(f"field={field!r} is not a price field; use one of {PRICE_FIELDS}")
    wanted = normalise_tickers(tickers) if tickers is not None else None
    options: dict[str, Any] = {
        "layout": "auto" if layout == "folder" else layout,
        "field": field,
        "value_column": value_column,
        "date_column": date_column,
        "date_format": date_format,
    }
    files: dict[str, Path] = {}  # what was read, for the provenance record
    if isinstance(source, pd.DataFrame):
        label = "DataFrame"
        tidy = _frame_to_tidy(source, ticker=ticker, context="price DataFrame", **options)
    else:
        path = Path(source).expanduser()
        label = str(path)
        if path.is_dir():
            tidy = _read_folder(path, wanted, **options)
            every = price_files(path)
            files = {t: every[t] for t in (wanted or every) if t in every}
        elif layout == "folder":
            raise DataUnavailableError(f"price folder {path} does not exist or is not a folder")
        else:
            name = ticker or (_ticker_from_path(path) if path.exists() else None)
            tidy = _frame_to_tidy(read_table(path), ticker=name, context=str(path), **options)
            files = {path.name: path}
    if wanted is not None:
        present = set(tidy["ticker"].unique())
        missing = [t for t in wanted if t not in present]
        if missing:
            raise DataUnavailableError(
                f"{', '.join(missing)} not found in {label} (it holds {len(present)} tickers, e.g. "
                f"{sorted(present)[:5]})",
                failed={t: f"not in {label}" for t in missing},
            )
        tidy = tidy[tidy["ticker"].isin(wanted)]
    tidy = finalize_tidy(tidy)
    validate_tidy(tidy, context=label)
    tidy.attrs["provenance"] = {"source": "local", "path": label, "layout": layout, "field": field}
    if files:
        # local files have no download date: their checksum and modification time are their
        # vintage (a later edit or re-download shows as a different sha256)
        tidy.attrs["provenance"]["files"] = {k: _file_record(f) for k, f in files.items()}
    return tidy


def _file_record(path: Path) -> dict[str, str]:
    """sha256 and modification time (UTC) of a local price file."""
    from datetime import UTC, datetime

    from .cache import sha256_bytes

    digest = sha256_bytes(path.read_bytes())
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
    return {"file": path.name, "sha256": digest, "modified": modified}
