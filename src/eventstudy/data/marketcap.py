"""Shares outstanding and market values, for dollar abnormal returns (``AR_t x MV_{t-1}``).

Split basis
-----------
Yahoo's ``Close`` is split-adjusted *retroactively* (a 10:1 split divides every earlier close
by 10), while share counts (``Ticker.get_shares_full``, or counts you supply with
``shares_basis="as_reported"``) are as reported at the time. Multiplying them naively is wrong
before a split by the split ratio. We therefore restate each share count on the current split
basis — ``shares x`` the product of the split ratios (``splits`` column) dated after the count —
and multiply by the raw (split-consistent) ``close``:

    MV_t = shares_asof(t) x split factor after the count's date x close_t

Without a ``splits`` column (e.g. local CSVs) no split is assumed (the ``source`` column says so).

Timing: with ``dates`` (event dates or window starts), the market value is taken at the **last
close strictly before** each date — the close before the event window — and ``price_date``
records which close. Shares are as-of (the last count on or before ``price_date``; same-date
duplicates keep the last reported value). Yahoo has no history of market caps and its share
history covers ~18 months by default: a date without an earlier count raises
:class:`DataUnavailableError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import config
from ..exceptions import DataError, DataUnavailableError, SpecError
from .readers import read_prices
from .validate import normalise_tickers, parse_dates, to_timestamp

__all__ = ["load_market_values"]

_OUT = ["ticker", "date", "price_date", "shares", "price", "market_value", "source"]


def fetch_shares_yahoo(ticker: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series | None:
    """``yfinance.Ticker(ticker).get_shares_full(start, end)`` (the network call; tests replace it)."""
    import yfinance

    series: pd.Series | None = yfinance.Ticker(ticker).get_shares_full(
        start=f"{start:%Y-%m-%d}", end=f"{end + pd.Timedelta(days=1):%Y-%m-%d}"
    )
    return series


def _requests(tickers: list[str], dates: Any) -> pd.DataFrame | None:
    """``(ticker, date)`` pairs asked for, or ``None`` for every price date."""
    if dates is None:
        return None
    if isinstance(dates, pd.DataFrame):
        if not {"ticker", "date"} <= set(dates.columns):
            raise SpecError("dates as a DataFrame needs columns 'ticker' and 'date'")
        out = pd.DataFrame(
            {
                "ticker": dates["ticker"].astype("str").str.upper().to_numpy(),
                "date": parse_dates(dates["date"], context="dates").to_numpy(),
            }
        )
    else:
        values = [dates] if isinstance(dates, str | pd.Timestamp) else list(dates)
        parsed = parse_dates(pd.Series(values), context="dates")
        out = pd.DataFrame(
            {
                "ticker": np.repeat(tickers, len(parsed)),
                "date": np.tile(parsed.to_numpy(), len(tickers)),
            }
        )
    return out.drop_duplicates().sort_values(["date", "ticker"]).reset_index(drop=True)


def _shares_frame(shares: Any, tickers: list[str], context: str) -> pd.DataFrame:
    """User shares as ``(ticker, date, shares)``: a mapping of constants or a long frame."""
    if isinstance(shares, Mapping):
        rows = [(str(t).upper(), pd.Timestamp("1900-01-01"), float(v)) for t, v in shares.items()]
        frame = pd.DataFrame(rows, columns=["ticker", "date", "shares"])
    elif isinstance(shares, pd.DataFrame) and {"ticker", "date", "shares"} <= set(shares.columns):
        frame = pd.DataFrame(
            {
                "ticker": shares["ticker"].astype("str").str.upper().to_numpy(),
                "date": parse_dates(shares["date"], context=context).to_numpy(),
                "shares": pd.to_numeric(shares["shares"], errors="coerce").to_numpy(
                    dtype="float64"
                ),
            }
        )
    else:
        raise SpecError(
            f"{context} must be a mapping {{ticker: shares}} or a DataFrame with columns "
            "ticker, date, shares"
        )
    bad = ~np.isfinite(frame["shares"]) | (frame["shares"] <= 0)
    if bad.any():
        row = frame[bad].iloc[0]
        raise DataError(
            f"{context}: invalid share count {row['shares']!r} for {row['ticker']} on {row['date']:%Y-%m-%d}"
        )
    return frame


def _yahoo_shares(
    tickers: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    fetch: Callable[..., pd.Series | None],
) -> pd.DataFrame:
    parts, failed = [], {}
    for ticker in tickers:
        try:
            series = fetch(ticker, start, end)
        except Exception as exc:  # yfinance raises rate limits and backend errors here
            series, why = None, f"{type(exc).__name__}: {exc}"
        else:
            why = "Yahoo returned no share counts"
        if series is None or len(series) == 0:
            failed[ticker] = why
            continue
        index = pd.DatetimeIndex(series.index)
        if index.tz is not None:
            index = index.tz_localize(None)
        parts.append(
            pd.DataFrame(
                {
                    "ticker": ticker,
                    "date": index.normalize().as_unit("ns"),
                    "shares": np.asarray(series, dtype="float64"),
                }
            )
        )
    if failed:
        raise DataUnavailableError(
            "no share counts for "
            + "; ".join(f"{t} ({w})" for t, w in failed.items())
            + "; pass shares= or market_values= yourself",
            failed=failed,
        )
    return pd.concat(parts, ignore_index=True)


def _dedupe(shares: pd.DataFrame) -> pd.DataFrame:
    # Yahoo can report two counts for one date (yfinance #1954): keep the last reported.
    shares = shares[np.isfinite(shares["shares"])].assign(
        date=lambda f: pd.DatetimeIndex(f["date"]).as_unit("ns")
    )
    return (
        shares.drop_duplicates(["ticker", "date"], keep="last")
        .sort_values(["ticker", "date"])
        .reset_index(drop=True)
    )


def _split_factor_after(shares: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    """Product of split ratios dated strictly after each share count (current-basis factor)."""
    factors = np.ones(len(shares))
    splits = prices.loc[prices["splits"].fillna(0) > 0, ["ticker", "date", "splits"]]
    for i, (ticker, date) in enumerate(zip(shares["ticker"], shares["date"], strict=True)):
        later = splits[(splits["ticker"] == ticker) & (splits["date"] > date)]
        if len(later):
            factors[i] = float(np.prod(later["splits"].to_numpy()))
    return pd.Series(factors, index=shares.index)


def _tidy_prices(prices: pd.DataFrame) -> pd.DataFrame:
    """``prices`` with nanosecond dates and a ``splits`` column (all NaN when it has none).

    The share counts and asked-for dates here are ``datetime64[ns]``, while pandas 3 builds
    dates at ``datetime64[us]`` (``pd.to_datetime``, ``pd.bdate_range``) and ``merge_asof``
    refuses keys of two resolutions; a finer unit holds every coarser date exactly, and a date
    beyond nanoseconds' range (1677-2262) raises instead of wrapping. A missing ``splits``
    column is the module's rule "no split known", the same as one of NaN (and a missing
    ``close`` or ``adj_close`` one with no value).
    """
    missing = [c for c in ("ticker", "date") if c not in prices.columns]
    if missing or not {"close", "adj_close"} & set(prices.columns):
        raise SpecError(
            "prices need columns ticker, date and close (or adj_close), as load_prices "
            f"returns them; they have {list(prices.columns)}"
        )
    dtype = prices["date"].dtype
    if not pd.api.types.is_datetime64_dtype(dtype):  # False for tz-aware dates too
        raise SpecError(
            f"prices['date'] must be tz-naive session dates (datetime64), not {dtype}; read the "
            "prices with es.read_prices or load_prices, or convert with pd.to_datetime"
        )
    try:
        dates = pd.DatetimeIndex(prices["date"]).as_unit("ns")
    except pd.errors.OutOfBoundsDatetime as exc:
        raise DataError(
            f"prices: a date is outside the years 1678-2261 that market values support ({exc})"
        ) from exc
    # an absent price field is one with no value: adj_close is used when there is no close
    absent: dict[str, float] = {
        c: np.nan for c in ("close", "adj_close", "splits") if c not in prices.columns
    }
    return prices.assign(date=dates, **absent)


def _price_table(prices: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per ticker the split-consistent price: raw close, else adjusted close (noted)."""
    field: dict[str, str] = {}
    parts = []
    for ticker, rows in prices.groupby("ticker", sort=False):
        use = "close" if rows["close"].notna().any() else "adj_close"
        field[str(ticker)] = use
        part = rows[["ticker", "date"]].copy()
        part["price"] = rows[use].to_numpy()
        parts.append(part[part["price"].notna()])
    return pd.concat(parts, ignore_index=True).sort_values("date"), field


def _last_before(requests: pd.DataFrame | None, table: pd.DataFrame) -> pd.DataFrame:
    """Each request's last row of ``table`` (sorted by ``date``) strictly before its ``date``,
    that row's date as ``price_date`` (the close before the window); without requests every
    row of ``table`` is its own ``price_date``."""
    if requests is None:
        return table.assign(price_date=table["date"])
    return pd.merge_asof(
        requests.sort_values("date"),
        table.rename(columns={"date": "price_date"}),
        left_on="date",
        right_on="price_date",
        by="ticker",
        allow_exact_matches=False,
    )


def _asof_market_values(
    tickers: list[str],
    requests: pd.DataFrame | None,
    *,
    market_values: pd.DataFrame,
) -> pd.DataFrame:
    mv = market_values.rename(columns={"market_value": "value"})
    out = _last_before(requests, mv.sort_values("date"))
    return out.assign(
        shares=np.nan, price=np.nan, market_value=out["value"], source="user market values"
    )


def load_market_values(
    tickers: str | Iterable[str],
    dates: Any = None,
    *,
    shares: Mapping[str, float] | pd.DataFrame | None = None,
    market_values: pd.DataFrame | None = None,
    prices: pd.DataFrame | None = None,
    shares_basis: Literal["as_reported", "current"] = "as_reported",
    prices_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    offline: bool | None = None,
    fetch_shares: Callable[..., pd.Series | None] | None = None,
) -> pd.DataFrame:
    """Market values (shares x split-consistent close) per ticker and date.

    Parameters
    ----------
    tickers
        Securities.
    dates
        ``None`` (market value at every price date), dates applying to every ticker, or a
        DataFrame with ``ticker`` and ``date`` (e.g. event dates). For given dates the value is
        at the last close strictly before the date.
    shares
        Your share counts: ``{ticker: shares}`` (constant) or a frame ``ticker, date, shares``.
        Default: Yahoo's ``get_shares_full`` history (network).
    market_values
        Your market values: a frame ``ticker, date, market_value``; used as-is (as-of).
    prices
        The tidy prices (default: :func:`load_prices` over the needed span).
    shares_basis
        ``"as_reported"`` (default; Yahoo's and most filings') restates counts on the current
        split basis using the ``splits`` column; ``"current"`` means your counts already are.
    prices_dir, cache_dir, offline
        Passed to :func:`load_prices` when ``prices`` is not given.
    fetch_shares
        Replacement of the Yahoo share-count call ``(ticker, start, end) -> Series``.

    Returns
    -------
    pandas.DataFrame
        Columns ``ticker, date, price_date, shares, price, market_value, source``.

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.data.validate import finalize_tidy
    >>> prices = finalize_tidy(pd.DataFrame({"date": pd.to_datetime(["2025-01-23", "2025-01-24"]),
    ...                                      "ticker": "NVDA", "close": [147.22, 142.62],
    ...                                      "adj_close": [147.22, 142.62]}))
    >>> mv = es.load_market_values(["NVDA"], ["2025-01-27"], shares={"NVDA": 24.4e9}, prices=prices)
    >>> round(float(mv["market_value"].iloc[0]) / 1e12, 3)  # USD tn: 24.4e9 x the last close before
    3.48
    >>> # then: es.EventStudy(events, returns, model=..., market_values=mv).fit().dollar((0, 0))
    """
    wanted = normalise_tickers(tickers)
    if shares_basis not in ("as_reported", "current"):
        raise SpecError(
            f"shares_basis={shares_basis!r} is not valid; use 'as_reported' or 'current'"
        )
    requests = _requests(wanted, dates)
    if market_values is not None:
        mv = read_prices(market_values, layout="long", value_column="market_value", field="close")
        mv = mv.rename(columns={"close": "market_value"})[["ticker", "date", "market_value"]]
        out = _asof_market_values(wanted, requests, market_values=mv)
        return _finish(out, wanted)
    if prices is None:
        if requests is None:
            raise SpecError("pass prices= or dates= so the price span is known")
        from .sources import load_prices

        start = requests["date"].min() - pd.Timedelta(days=40)
        prices = load_prices(
            wanted,
            start,
            requests["date"].max(),
            prices_dir=prices_dir,
            cache_dir=cache_dir,
            offline=offline,
        )
    prices = _tidy_prices(prices)
    prices = prices[prices["ticker"].isin(wanted)]
    table, field = _price_table(prices)
    start, end = (
        to_timestamp(prices["date"].min(), "start"),
        to_timestamp(prices["date"].max(), "end"),
    )
    if shares is None:
        if config.offline(offline):
            raise DataUnavailableError(
                "share counts come from Yahoo, but offline mode is on; pass shares= or market_values=",
                failed={t: "offline" for t in wanted},
            )
        counts = _yahoo_shares(wanted, start, end, fetch_shares or fetch_shares_yahoo)
        origin = "yahoo shares"
    else:
        counts = _shares_frame(shares, wanted, "shares")
        origin = "user shares"
    counts = _dedupe(counts)
    if shares_basis == "as_reported":
        counts = counts.assign(shares=counts["shares"] * _split_factor_after(counts, prices))
    base = _last_before(requests, table)
    no_price = base["price_date"].isna()
    if no_price.any():
        row = base[no_price].iloc[0]
        raise DataUnavailableError(
            f"no close before {row['date']:%Y-%m-%d} for {row['ticker']}; load prices starting earlier",
            failed={str(t): "no earlier close" for t in base.loc[no_price, "ticker"]},
        )
    merged = pd.merge_asof(
        base.sort_values("price_date"),
        counts.rename(columns={"date": "shares_date"}).sort_values("shares_date"),
        left_on="price_date",
        right_on="shares_date",
        by="ticker",
    )
    absent = sorted(set(wanted) - set(counts["ticker"].astype(str)))
    if shares is not None and absent:  # not a date problem: the ticker has no count at all
        raise DataUnavailableError(
            f"market value unavailable: {', '.join(absent)} not in shares= (it has "
            f"{', '.join(sorted(set(counts['ticker'].astype(str))))}); add their share counts",
            failed={t: "not in shares=" for t in absent},
        )
    lacking = merged["shares"].isna()
    if lacking.any():
        first = {str(t): d for t, d in counts.groupby("ticker")["date"].min().items()}
        earliest = merged.loc[lacking].groupby("ticker")["price_date"].agg(["min", "count"])
        detail = {
            str(t): f"no share count on or before {row['min']:%Y-%m-%d} ({row['count']} date(s))"
            + (f" (first count {first[str(t)]:%Y-%m-%d})" if str(t) in first else "")
            for t, row in earliest.iterrows()
        }
        raise DataUnavailableError(
            "market value unavailable: "
            + "; ".join(f"{t}: {w}" for t, w in detail.items())
            + "; pass shares= covering these dates",
            failed=detail,
        )
    no_splits = {t for t, rows in prices.groupby("ticker") if rows["splits"].isna().all()}
    merged["source"] = [
        origin
        + ("" if field[t] == "close" else " x adj_close")
        + (" (splits unknown)" if t in no_splits else "")
        for t in merged["ticker"]
    ]
    merged["market_value"] = merged["shares"] * merged["price"]
    return _finish(merged, wanted)


def _finish(frame: pd.DataFrame, tickers: list[str]) -> pd.DataFrame:
    out = frame[_OUT].copy()
    out["ticker"] = out["ticker"].astype("str")
    for column in ("date", "price_date"):
        out[column] = pd.DatetimeIndex(out[column]).as_unit("ns")
    out = out.sort_values(["ticker", "date"]).reset_index(drop=True)
    out.attrs["split_basis"] = "current (Yahoo split-adjusted close; share counts restated)"
    return out
