"""Prices → returns (wide frame: index ``date``, one float column per ticker).

Conventions
-----------
* ``kind="simple"`` (the default) gives ``P_t / P_s - 1``; ``kind="log"`` gives
  ``ln(P_t / P_s)``, where ``s`` is the previous date **with a price** for that ticker.
  Simple returns are the default because abnormal returns aggregate across securities
  additively in simple returns (portfolio returns); pass ``kind="log"`` for log returns.
* Returns are computed per ticker on its own dates, then aligned: a missing price
  (NaN, or a date absent from that ticker's series) does not produce a zero return.
  The return across the gap spans it and is stamped on the later date; the missing date
  itself is NaN.
* The first return of every series is NaN (never zero).
* By default returns come from ``adj_close`` (split- and dividend-adjusted), i.e. total
  returns; ``price="close"`` uses the raw close.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from ._boundary import library_errors
from .data.guards import check_allow, check_recorded_splits
from .data.validate import PRICE_FIELDS, _return_like_tickers, parse_dates
from .exceptions import DataError, SpecError

__all__ = ["compute_returns"]

ReturnKind = Literal["simple", "log"]


def _wide_prices(prices: pd.DataFrame, price: str) -> pd.DataFrame:
    """Pivot the tidy long frame to ``date x ticker``; pass a wide frame through."""
    if {"date", "ticker"} <= set(prices.columns):
        if price not in prices.columns:
            raise SpecError(
                f"price={price!r} is not a column of the prices; use one of "
                f"{[c for c in PRICE_FIELDS if c in prices.columns]}"
            )
        dup = prices.duplicated(["ticker", "date"])
        if dup.any():
            row = prices.loc[dup].iloc[0]
            raise DataError(
                f"duplicate price rows for {row['ticker']} on {pd.Timestamp(row['date']):%Y-%m-%d}; "
                "read the prices with eventstudy.read_prices to validate them"
            )
        wide = prices.pivot(index="date", columns="ticker", values=price)
    else:
        wide = prices.copy()
        if not isinstance(wide.index, pd.DatetimeIndex):
            if "date" in wide.columns:
                wide = wide.set_index("date")
            wide.index = pd.DatetimeIndex(parse_dates(wide.index, context="wide prices"))
        elif wide.index.tz is not None:
            wide.index = wide.index.tz_localize(None)
    if not isinstance(wide.index, pd.DatetimeIndex):  # a tidy frame's text dates
        wide.index = pd.DatetimeIndex(parse_dates(wide.index, context="prices' dates"))
    if wide.index.hasnans:
        raise DataError("prices have rows without a date; every row needs a date")
    try:
        wide.index = pd.DatetimeIndex(wide.index).as_unit("ns").rename("date")
    except (ValueError, OverflowError) as exc:  # out of pandas' nanosecond range
        raise DataError(f"prices' dates are out of range ({exc}); check the years") from exc
    if wide.index.has_duplicates:
        raise DataError(
            f"duplicate dates in the price frame: "
            f"{sorted({f'{d:%Y-%m-%d}' for d in wide.index[wide.index.duplicated()]})[:5]}"
        )
    wide.columns = pd.Index([str(c) for c in wide.columns], name="ticker")
    return wide.sort_index().astype("float64")


def _one_security_table(prices: pd.DataFrame, ticker: str | None) -> pd.DataFrame:
    """A single security's Yahoo-layout table (``Date, Open, High, Low, Close, Adj Close,
    Volume``, as ``pd.read_csv("NVDA.csv")`` gives it) as the tidy frame; other frames pass
    through. Without this its RangeIndex was parsed as dates, or, with ``index_col="Date"``,
    the fields were taken for tickers ``Open``, ``High``, ..."""
    from .data.readers import _detect_layout, read_prices

    if "ticker" in prices.columns or _detect_layout([str(c) for c in prices.columns]) != "ohlc":
        return prices
    name = ticker or prices.attrs.get("ticker")
    if not name:
        raise DataError(
            "these prices are one security's Yahoo-layout table (columns "
            f"{[str(c) for c in prices.columns]}): pass ticker='NVDA' (its symbol) to "
            "compute_returns, or read the file with es.read_prices('NVDA.csv'), which takes the "
            "ticker from the file name"
        )
    return read_prices(prices, ticker=str(name))


def _check_prices(wide: pd.DataFrame, price: str) -> None:
    empty = [t for t in wide.columns if wide[t].isna().all()]
    if empty:
        hint = (
            " (this source lacks adjusted closes; try price='close')"
            if price == "adj_close"
            else ""
        )
        raise DataError(f"no {price} values for {', '.join(empty)}{hint}")
    values = wide.to_numpy()
    long = wide.melt(ignore_index=False, var_name="ticker", value_name="v")
    suspects = _return_like_tickers(long["v"], long["ticker"])
    if len(suspects):
        raise DataError(
            f"the {price} values of {suspects.index[0]} look like a return series, not prices "
            f"(centred near 0 with negatives, median |x| = {float(suspects.iloc[0]):.4g}); "
            "pass prices, or pass the returns directly (EventStudy(returns=...))"
        )
    bad = np.isfinite(values) & (values <= 0) | np.isinf(values)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(
            f"{wide.columns[c]} has a non-positive or infinite {price} on "
            f"{wide.index[r]:%Y-%m-%d} ({values[r, c]!r}); returns need positive prices"
        )


@library_errors("compute_returns")
def compute_returns(
    prices: pd.DataFrame,
    *,
    kind: ReturnKind | str = "simple",
    price: str = "adj_close",
    allow: Iterable[str] | str | None = None,
    ticker: str | None = None,
) -> pd.DataFrame:
    """Compute simple or log returns per ticker.

    Parameters
    ----------
    prices
        The tidy long frame (``date, ticker, ...``, from :func:`eventstudy.load_prices` or
        :func:`eventstudy.read_prices`) or a wide price frame (DatetimeIndex or a ``date``
        column, one column per ticker).
    kind
        ``"simple"`` (default) or ``"log"``.
    price
        Field of the tidy frame to use (default ``"adj_close"``). Ignored for a wide frame.
    allow
        ``["unadjusted_splits"]`` accepts a tidy frame whose ``price`` series moves by the
        ratio of a split recorded in its ``splits`` field on that day (by default a
        :class:`~eventstudy.exceptions.DataError`: the series is not split-adjusted).
    ticker
        The symbol of a single security's Yahoo-layout table (``Date, Open, High, Low, Close,
        Adj Close, Volume`` — what ``pd.read_csv("NVDA.csv")`` gives): its returns column is
        named ``ticker``.

    Returns
    -------
    pandas.DataFrame
        Index ``date`` (every date of the input), one float64 column per ticker; NaN on the
        first date of each series and where a price is missing; across a missing price the
        return spans the gap and is stamped on the later date. ``attrs["return_kind"]`` is
        ``kind`` and ``attrs["price"]`` the field used.

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> prices = pd.DataFrame(
    ...     {"date": pd.to_datetime(["2025-01-24", "2025-01-27"]), "ticker": "NVDA",
    ...      "adj_close": [142.62, 118.42]})
    >>> round(float(es.compute_returns(prices).loc["2025-01-27", "NVDA"]), 4)
    -0.1697
    """
    if not isinstance(prices, pd.DataFrame):
        raise SpecError(
            f"prices must be a pandas DataFrame (tidy or wide), got {type(prices).__name__}"
        )
    if kind not in ("simple", "log"):
        raise SpecError(f"kind={kind!r} is not valid; use 'simple' or 'log'")
    prices = _one_security_table(prices, ticker)
    wide = _wide_prices(prices, price)
    _check_prices(wide, price)
    if {"date", "ticker"} <= set(prices.columns):
        check_recorded_splits(prices, wide, price, check_allow(allow))
    # Per-ticker previous observed price: forward-fill, then shift. The mask keeps NaN
    # wherever today's price is missing, so the gap's return lands on the later date.
    previous = wide.ffill().shift(1)
    ratio = wide / previous
    out = ratio.apply(np.log) if kind == "log" else ratio - 1.0
    out = out.where(wide.notna())
    out.attrs["return_kind"] = kind
    out.attrs["price"] = price
    if "provenance" in prices.attrs:
        out.attrs["provenance"] = prices.attrs["provenance"]
    return out
