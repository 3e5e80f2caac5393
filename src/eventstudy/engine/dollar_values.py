"""Market values for dollar abnormal returns from share counts and the study's own closes.

``EventStudy(shares=...)`` turns share counts into market values with
:func:`market_values_from_shares` (shares x the raw close of every session of the study's
prices), so the value of each (sub-)window is the one at the close just before it;
:func:`market_value_dates` says which close a market value was actually measured at and
:func:`warn_stale` warns when that close is earlier than the one the window asks for.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..data.guards import normalise_ticker
from ..exceptions import DataError, EventStudyWarning, SpecError, user_stacklevel

__all__ = [
    "StaleMarketValueWarning",
    "market_value_dates",
    "market_values_from_shares",
    "read_market_values_file",
    "read_shares_file",
    "shares_frame",
    "warn_stale",
]


class StaleMarketValueWarning(EventStudyWarning):
    """A market value was measured at a close earlier than the close before the window."""


def shares_frame(shares: Any) -> tuple[Mapping[str, float] | pd.DataFrame, str]:
    """User share counts in the form :func:`eventstudy.load_market_values` takes, and their
    split basis.

    ``shares`` is a number per ticker (a mapping or a Series indexed by ticker: today's
    count, on the current split basis), a tidy frame ``ticker, date, shares`` or a wide frame
    indexed by date with one column per ticker (counts as reported at each date, restated
    on the current basis with the prices' ``splits`` column when there is one).

    Examples
    --------
    >>> shares_frame({"nvda": 24.4e9})  # one count per ticker: on today's split basis
    ({'NVDA': 24400000000.0}, 'current')
    >>> wide = pd.DataFrame({"NVDA": [24.4e9, 24.5e9]}, index=pd.to_datetime(["2025-01-02", "2025-04-01"]))
    >>> counts, basis = shares_frame(wide)  # counts by date: as reported at each date
    >>> counts.columns.tolist(), len(counts), basis
    (['ticker', 'date', 'shares'], 2, 'as_reported')
    """
    if isinstance(shares, pd.Series):
        shares = shares.to_dict()
    if isinstance(shares, Mapping):
        return {normalise_ticker(str(t)): float(v) for t, v in shares.items()}, "current"
    if isinstance(shares, pd.DataFrame):
        if {"ticker", "date", "shares"} <= set(shares.columns):
            return shares, "as_reported"
        try:
            index = pd.DatetimeIndex(shares.index)
        except (TypeError, ValueError) as exc:
            raise SpecError(_SHAPE) from exc
        long = shares.set_axis(index, axis=0).rename_axis("date").reset_index()
        long = long.melt(id_vars="date", var_name="ticker", value_name="shares").dropna()
        return long[["ticker", "date", "shares"]], "as_reported"
    raise SpecError(_SHAPE + f"; got {type(shares).__name__}")


_SHAPE = (
    "shares= must be a number per ticker ({'NVDA': 24.49e9} or a Series), a tidy frame "
    "ticker, date, shares, or a frame indexed by date with one column per ticker"
)


def read_shares_file(path: Path) -> Mapping[str, float] | pd.DataFrame:
    """Share counts from a CSV file: columns ``ticker, shares`` (one count per ticker) or
    ``ticker, date, shares`` (counts by date). The file is untrusted input: its columns and
    values are checked, with the file and row named in any error.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "shares.csv").write_text("ticker,shares\\nNVDA,24.4e9\\n")
    >>> read_shares_file(folder / "shares.csv")
    {'NVDA': 24400000000.0}
    """
    return _read_amounts_file(path, "shares", "share count")


def read_market_values_file(path: Path) -> pd.Series | pd.DataFrame:
    """Market values (in the returns' currency) from a CSV file: columns ``ticker,
    market_value`` (one value per ticker, a Series) or ``ticker, date, market_value`` (values by
    date, the frame ``EventStudy(market_values=...)`` takes). Checked like
    :func:`read_shares_file`.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "mv.csv").write_text("ticker,market_value\\nNVDA,3.49e12\\n")
    >>> read_market_values_file(folder / "mv.csv")
    NVDA    3.490000e+12
    Name: market_value, dtype: float64
    """
    amounts = _read_amounts_file(path, "market_value", "market value")
    if isinstance(amounts, pd.DataFrame):
        return amounts
    return pd.Series(amounts, name="market_value", dtype=float)


def _read_amounts_file(path: Path, column: str, what: str) -> dict[str, float] | pd.DataFrame:
    """``ticker, <column>`` (a dict) or ``ticker, date, <column>`` (a frame) from a CSV file,
    every amount positive; an error names the file and row."""
    kind = column.replace("_", " ")
    try:
        frame = pd.read_csv(path, dtype={"ticker": "str"})
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{kind} file {path}: cannot be read as CSV ({exc})") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if not {"ticker", column} <= set(frame.columns):
        raise DataError(
            f"{kind} file {path}: needs columns ticker, {column} (optionally date); "
            f"it has {list(frame.columns)}"
        )
    amounts = pd.to_numeric(frame[column], errors="coerce")
    bad = ~(amounts > 0) | frame["ticker"].isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{kind} file {path}, row {row + 2}: {frame[column].iloc[row]!r} for "
            f"{frame['ticker'].iloc[row]!r} is not a positive {what}"
        )
    if "date" in frame.columns:
        return frame.assign(**{column: amounts})[["ticker", "date", column]]
    if frame["ticker"].duplicated().any():
        dup = frame.loc[frame["ticker"].duplicated(), "ticker"].iloc[0]
        raise DataError(f"{kind} file {path}: {dup} appears twice; add a date column")
    tickers = [normalise_ticker(str(t)) for t in frame["ticker"]]
    return dict(zip(tickers, amounts.astype(float), strict=True))


def market_values_from_shares(shares: Any, prices: pd.DataFrame) -> pd.DataFrame:
    """Market value of every ticker of ``shares`` at every close of ``prices``.

    Returns :func:`eventstudy.load_market_values`'s frame (``ticker, date, price_date,
    shares, price, market_value, source``): ``shares x close`` with the raw close (the
    split-consistent ``close`` field; ``adj_close`` only when a file has no raw close, which
    ``source`` says) and the last share count on or before each close.

    Examples
    --------
    >>> dates = pd.bdate_range("2025-01-02", periods=3)
    >>> prices = pd.DataFrame({"ticker": "NVDA", "date": dates, "close": [138.31, 144.47, 149.43]})
    >>> mv = market_values_from_shares({"NVDA": 24.4e9}, prices)
    >>> (mv["market_value"] / 1e12).round(3).tolist()  # trillions: 24.4e9 x each close
    [3.375, 3.525, 3.646]
    >>> mv["source"].iloc[0]
    'user shares (splits unknown)'
    """
    from ..data.marketcap import load_market_values

    if not isinstance(prices, pd.DataFrame) or "ticker" not in prices.columns:
        raise SpecError(
            "shares= computes market values from the study's raw closes: pass prices= as "
            "returned by load_prices (a tidy frame with ticker, date, close)"
        )
    counts, basis = shares_frame(shares)
    tickers = sorted(
        {
            normalise_ticker(str(t))
            for t in (counts if isinstance(counts, Mapping) else counts["ticker"])
        }
    )
    return load_market_values(tickers, shares=counts, prices=prices, shares_basis=basis)  # type: ignore[arg-type]


def market_value_dates(
    source: pd.Series | pd.DataFrame | None,
    tickers: npt.NDArray[Any],
    dates: npt.NDArray[np.datetime64],
) -> npt.NDArray[np.datetime64]:
    """The close each as-of market value of :func:`eventstudy.results.market_value_asof` was
    measured at (its ``price_date``, else its ``date``); NaT for a constant per ticker (a
    Series) and where there is no value.

    Examples
    --------
    >>> values = pd.DataFrame(
    ...     {
    ...         "ticker": ["NVDA", "NVDA"],
    ...         "date": pd.to_datetime(["2025-01-02", "2025-01-06"]),
    ...         "market_value": [3.37e12, 3.65e12],
    ...     }
    ... )
    >>> asked = np.array(["2025-01-03", "2025-01-10", "2024-12-31"], dtype="datetime64[ns]")
    >>> [str(d)[:10] for d in market_value_dates(values, np.array(["NVDA"] * 3), asked)]
    ['2025-01-02', '2025-01-06', 'NaT']
    """
    n = len(tickers)
    out = np.full(n, np.datetime64("NaT", "ns"))
    if not isinstance(source, pd.DataFrame) or n == 0:
        return out
    column = "price_date" if "price_date" in source.columns else "date"
    when = pd.DatetimeIndex(pd.to_datetime(source[column])).as_unit("ns")
    right = pd.DataFrame(
        {
            "date": when,
            "used": when,
            "ticker": [normalise_ticker(str(t)) for t in source["ticker"]],
        }
    )
    right = right[np.isfinite(pd.to_numeric(source["market_value"], errors="coerce").to_numpy())]
    left = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(np.asarray(dates, dtype="datetime64[ns]")),
            "ticker": np.asarray(tickers).astype(str),
            "row": np.arange(n),
        }
    )
    left = left[left["date"].notna()].sort_values("date")
    if len(left):
        merged = pd.merge_asof(
            left, right.sort_values("date"), on="date", by="ticker", direction="backward"
        )
        out[merged["row"].to_numpy()] = merged["used"].to_numpy(dtype="datetime64[ns]")
    return out


def warn_stale(
    tickers: npt.NDArray[Any],
    wanted: npt.NDArray[np.datetime64],
    used: npt.NDArray[np.datetime64],
) -> None:
    """Warn (naming firm and dates) where a market value's close is earlier than the close
    before the window: e.g. values stamped "as of the event date" for an after-close event,
    whose day 0 is the next session.

    Examples
    --------
    >>> wanted = np.array(["2025-01-03"], dtype="datetime64[ns]")  # the close before the window
    >>> used = np.array(["2025-01-02"], dtype="datetime64[ns]")  # a day older
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_stale(np.array(["NVDA"]), wanted, used)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    1 market value(s) are stale: NVDA (close of 2025-01-02 used, window needs 2025-01-03); ...
    """
    wanted = np.asarray(wanted, dtype="datetime64[ns]")
    used = np.asarray(used, dtype="datetime64[ns]")
    stale = ~np.isnat(used) & ~np.isnat(wanted) & (used < wanted)
    if not stale.any():
        return
    sample = ", ".join(
        f"{t} (close of {str(u)[:10]} used, window needs {str(w)[:10]})"
        for t, u, w in list(
            zip(np.asarray(tickers)[stale], used[stale], wanted[stale], strict=True)
        )[:5]
    )
    warnings.warn(
        f"{int(stale.sum())} market value(s) are stale: {sample}; pass EventStudy(shares=...) "
        "to measure them at the study's own closes, or market values covering these closes",
        StaleMarketValueWarning,
        stacklevel=user_stacklevel(),
    )
