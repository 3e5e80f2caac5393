"""Market values for dollar abnormal returns: the as-of lookup and the missing-value warning."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..data.guards import normalise_ticker
from ..exceptions import EventStudyWarning, SpecError, user_stacklevel


def _warn_missing_market_values(
    tickers: npt.NDArray[Any], dates: npt.NDArray[np.datetime64], values: npt.NDArray[np.float64]
) -> None:
    """Never a silent NaN dollar value: name each firm and the close that had no market value."""
    missing = np.isnan(np.asarray(values, dtype=np.float64))
    if not missing.any():
        return
    sample = ", ".join(
        f"{t} (close of {str(d)[:10]})"
        for t, d in list(
            zip(np.asarray(tickers)[missing], np.asarray(dates)[missing], strict=True)
        )[:5]
    )
    warnings.warn(
        f"no market value for {int(missing.sum())} event(s): {sample}; their dollar abnormal "
        "values are NaN. Supply market_values covering that close (e.g. "
        "load_market_values(tickers, prices=...) without dates gives every close).",
        EventStudyWarning,
        stacklevel=user_stacklevel(),
    )


def market_value_asof(
    source: pd.Series | pd.DataFrame | None,
    tickers: npt.NDArray[Any],
    dates: npt.NDArray[np.datetime64],
) -> npt.NDArray[np.float64]:
    """Market value of each ``tickers[i]`` as of ``dates[i]`` (last value on or before it).

    ``source`` is a Series indexed by ticker (one value, used whatever the date) or a tidy
    frame ``ticker, date, market_value`` (when it has a ``price_date`` column, as
    :func:`eventstudy.load_market_values` returns, the lookup uses that close). Missing -> NaN;
    the caller warns about it.
    """
    n = len(tickers)
    out = np.full(n, np.nan)
    if source is None:
        return out
    names = np.asarray(tickers).astype(str)
    if isinstance(source, pd.Series):
        keys = pd.Index([normalise_ticker(t) for t in source.index])  # the one ticker rule
        vals = pd.Series(source.to_numpy(dtype=np.float64), index=keys)
        vals = vals[~vals.index.duplicated(keep="last")]
        return vals.reindex(names).to_numpy(dtype=np.float64)
    need = [c for c in ("ticker", "date", "market_value") if c not in source.columns]
    if need:
        raise SpecError(
            f"market_values frame lacks {need}; give a Series by ticker or a tidy frame "
            "with columns ticker, date, market_value"
        )
    # load_market_values stamps each value with the requested date and records the close it
    # was measured at in `price_date`; the as-of lookup must use the close itself.
    date_col = "price_date" if "price_date" in source.columns else "date"
    right = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(pd.to_datetime(source[date_col])).as_unit("ns"),
            "ticker": [normalise_ticker(t) for t in source["ticker"]],
            "market_value": source["market_value"].to_numpy(dtype=np.float64),
        }
    ).sort_values("date")
    left = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(np.asarray(dates, dtype="datetime64[ns]")),
            "ticker": names,
            "row": np.arange(n),
        }
    )
    left = left[left["date"].notna()].sort_values("date")
    if len(left):
        merged = pd.merge_asof(left, right, on="date", by="ticker", direction="backward")
        out[merged["row"].to_numpy()] = merged["market_value"].to_numpy(dtype=np.float64)
    return out
