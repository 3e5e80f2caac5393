"""The yfinance adapter: the only code that calls Yahoo for prices.

``yfinance.download`` (1.7) is called through :func:`yf_download` with
``auto_adjust=False, actions=True, progress=False, threads=False`` so both the raw ``Close``
and ``Adj Close`` arrive, plus ``Dividends`` and ``Stock Splits``. What this module undoes:

* columns are always a ``(Price, Ticker)`` MultiIndex, even for one ticker, in sorted (not
  requested) order, with tickers upper-cased and de-duplicated — we select each requested
  ticker's columns explicitly;
* ``end`` is exclusive — we pass ``end + 1 day`` so the requested end is included;
* the index is tz-naive ``datetime64[s]`` — normalised to ``datetime64[ns]``;
* yfinance never raises: a failed ticker becomes all-NaN columns (plus an extra
  ``('Adj Close', BAD)`` column) or an empty frame, and the reason goes to the ``yfinance``
  logger only. We capture that logger during the call and classify each ticker's reason as
  ``"unknown symbol"``, ``"no data in range"`` or ``"rate-limited"`` (Yahoo's text appended);
* rate limits (``YFRateLimitError``, raised or logged) and transient network errors
  (timeouts, dropped connections) are retried with exponential backoff a bounded number of
  times; batches are throttled (``batch_size`` tickers, ``pause`` seconds). Any other exception
  of the download call fails that batch's tickers with its text (the other batches go on).
"""

from __future__ import annotations

import ast
import logging
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError
from .validate import finalize_tidy, validate_tidy

__all__ = [
    "DownloadResult",
    "YahooDownloader",
    "classify_reason",
    "tidy_from_yfinance",
    "yf_download",
]

logger = logging.getLogger(__name__)

#: yfinance column -> tidy field
_FIELDS = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
    "Dividends": "dividends",
    "Stock Splits": "splits",
}
_PRICE_COLS = ["open", "high", "low", "close", "adj_close"]
RATE_LIMITED = "rate-limited"
#: transient failures (timeouts, dropped connections): retried with backoff like rate limits
NETWORK_ERROR = "network error"
_NETWORK_WORDS = ("timed out", "timeout", "connectionerror", "connection reset", "connection abort")


def yf_download(tickers: Sequence[str], start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Call ``yfinance.download`` for the inclusive span ``[start, end]`` (the network call).

    yfinance is imported here, lazily, and called through its module attribute so tests can
    monkeypatch ``yfinance.download``.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.yahoo import yf_download
    >>> # needs the network (Yahoo Finance); YahooDownloader(download=...) shows an offline run
    >>> raw = yf_download(["NVDA", "SPY"], pd.Timestamp("2025-01-02"), pd.Timestamp("2025-01-31"))  # doctest: +SKIP
    >>> sorted(raw.columns.get_level_values("Ticker").unique())  # doctest: +SKIP
    ['NVDA', 'SPY']
    """
    import yfinance

    frame: pd.DataFrame = yfinance.download(
        list(tickers),
        start=f"{start:%Y-%m-%d}",
        end=f"{end + pd.Timedelta(days=1):%Y-%m-%d}",  # yfinance's end is exclusive
        auto_adjust=False,
        actions=True,
        progress=False,
        threads=False,
        ignore_tz=True,
        multi_level_index=True,
    )
    return frame


def yfinance_version() -> str:
    """Installed yfinance version (without importing it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("yfinance")
    except PackageNotFoundError:
        return "not installed"


class _Capture(logging.Handler):
    """Collect the ``yfinance`` logger's messages during one download."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a malformed record must not break the download
            self.messages.append(str(record.msg))


def classify_reason(text: str) -> str:
    """Map a yfinance error text to ``rate-limited``, ``unknown symbol`` or ``no data in range``.

    Examples
    --------
    >>> from eventstudy.data.yahoo import classify_reason
    >>> classify_reason("YFRateLimitError('Too Many Requests. Rate limited.')")
    'rate-limited'
    >>> classify_reason("possibly delisted; no timezone found")
    'unknown symbol (Yahoo: possibly delisted; no timezone found)'
    """
    lowered = text.lower()
    if "ratelimit" in lowered or "rate limit" in lowered or "too many requests" in lowered:
        return RATE_LIMITED
    if any(word in lowered for word in _NETWORK_WORDS):
        return f"{NETWORK_ERROR} ({text.strip()})"
    if "no price data found" in lowered or "data doesn't exist" in lowered or "no data" in lowered:
        return f"no data in range (Yahoo: {text.strip()})"
    if (
        "no timezone found" in lowered
        or "not found" in lowered
        or "delisted" in lowered
        or "invalid" in lowered
    ):
        return f"unknown symbol (Yahoo: {text.strip()})"
    return f"download failed (Yahoo: {text.strip()})"


_LINE = re.compile(r"^\s*(\[.*?\])\s*:\s*(.+)$", re.S)
_DOLLAR = re.compile(r"\$([A-Za-z0-9.\-=^_]+):\s*(.+)$", re.S)


def reasons_from_log(messages: Sequence[str]) -> dict[str, str]:
    """Parse yfinance's ``['T1', 'T2']: reason`` and ``$T: reason`` log lines per ticker."""
    reasons: dict[str, str] = {}
    for message in messages:
        match = _LINE.match(message)
        if match:
            try:
                symbols = ast.literal_eval(match.group(1))
            except (ValueError, SyntaxError):
                continue
            for symbol in symbols:
                reasons[str(symbol).upper()] = match.group(2)
            continue
        match = _DOLLAR.search(message)
        if match:
            reasons.setdefault(match.group(1).upper(), match.group(2))
    return reasons


def _index_to_dates(index: pd.Index) -> pd.DatetimeIndex:
    dates = pd.DatetimeIndex(index)
    if dates.tz is not None:
        dates = dates.tz_localize(None)
    return dates.normalize().as_unit("ns")


def tidy_from_yfinance(
    raw: pd.DataFrame | None, tickers: Sequence[str]
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Split a ``yfinance.download`` frame into one tidy frame per ticker that has data.

    Returns ``(frames, empty)`` where ``empty`` lists requested tickers without any price.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.yahoo import tidy_from_yfinance
    >>> columns = pd.MultiIndex.from_product([["Adj Close", "Close", "Volume"], ["AAA", "ZZZ"]],
    ...                                      names=["Price", "Ticker"])
    >>> raw = pd.DataFrame([[9.9, None, 10.0, None, 1e6, None], [10.1, None, 10.2, None, 2e6, None]],
    ...                    index=pd.bdate_range("2024-01-02", periods=2), columns=columns)
    >>> frames, empty = tidy_from_yfinance(raw, ["AAA", "ZZZ"])
    >>> frames["AAA"][["date", "ticker", "close", "adj_close", "volume"]]
            date ticker  close  adj_close     volume
    0 2024-01-02    AAA   10.0        9.9  1000000.0
    1 2024-01-03    AAA   10.2       10.1  2000000.0
    >>> empty  # ZZZ has no price on any date
    ['ZZZ']
    """
    frames: dict[str, pd.DataFrame] = {}
    if raw is None or raw.empty:
        return frames, list(tickers)
    columns = raw.columns
    if isinstance(columns, pd.MultiIndex):
        names = list(columns.names)
        level = names.index("Ticker") if "Ticker" in names else 1
        present = {str(t).upper() for t in columns.get_level_values(level)}
    else:  # flattened (multi_level_index=False): only ever one ticker
        level, present = -1, {tickers[0]} if len(tickers) == 1 else set()
    dates = _index_to_dates(raw.index)
    empty: list[str] = []
    for ticker in tickers:
        if ticker not in present:
            empty.append(ticker)
            continue
        sub = raw if level == -1 else raw.xs(ticker, axis=1, level=level)
        data = {"date": dates, "ticker": np.full(len(dates), ticker, dtype=object)}
        for column, name in _FIELDS.items():
            # Select explicitly: a failed ticker may carry extra or missing columns.
            data[name] = (
                pd.to_numeric(sub[column], errors="coerce").to_numpy(dtype="float64")
                if column in sub.columns
                else np.full(len(dates), np.nan)
            )
        frame = pd.DataFrame(data)
        has_price = frame[_PRICE_COLS].notna().any(axis=1)
        frame = frame[has_price]  # union-of-dates rows belong to other tickers
        if frame.empty:
            empty.append(ticker)
        else:
            frames[ticker] = finalize_tidy(frame)
    return frames, empty


def _in_notebook() -> bool:
    """Whether this runs in an IPython kernel (Jupyter), where stderr is not a terminal."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    kernel = get() if callable(get) else None
    return kernel is not None and "IPKernelApp" in getattr(kernel, "config", {})


@dataclass
class DownloadResult:
    """Per-ticker tidy frames that arrived, reasons of those that failed, and provenance.

    Examples
    --------
    >>> from eventstudy.data.yahoo import DownloadResult
    >>> result = DownloadResult(failed={"ZZZ": "unknown symbol (Yahoo: not found)"})
    >>> sorted(result.frames), result.failed
    ([], {'ZZZ': 'unknown symbol (Yahoo: not found)'})
    """

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


class YahooDownloader:
    """Batched, throttled, rate-limit-aware calls of :func:`yf_download`.

    Parameters
    ----------
    batch_size
        Tickers per ``yfinance.download`` call.
    pause
        Seconds to wait between batches (throttling).
    max_retries
        Retries of rate-limited tickers; the wait before retry *k* is ``backoff * 2**(k-1)``.
    backoff
        First retry delay in seconds.
    sleep
        ``time.sleep`` replacement (tests pass a recorder so they run instantly).
    download
        Replacement of :func:`yf_download` with the same signature.
    progress
        tqdm bar over tickers; ``None``: on when more than 5 tickers and stderr is a terminal or
        the code runs in a Jupyter kernel (``tqdm.auto`` draws a notebook widget there).

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.yahoo import YahooDownloader
    >>> def offline_download(tickers, start, end):  # stands in for yfinance.download
    ...     columns = pd.MultiIndex.from_product([["Close"], tickers], names=["Price", "Ticker"])
    ...     return pd.DataFrame(10.0, index=pd.bdate_range(start, end), columns=columns)
    >>> downloader = YahooDownloader(batch_size=2, sleep=lambda seconds: None,
    ...                              download=offline_download, progress=False)
    >>> result = downloader.download(["aaa", "bbb", "ccc"], pd.Timestamp("2024-01-02"),
    ...                              pd.Timestamp("2024-01-05"))
    >>> sorted(result.frames), len(result.frames["CCC"]), result.failed  # two batches
    (['AAA', 'BBB', 'CCC'], 4, {})
    """

    def __init__(
        self,
        *,
        batch_size: int = 20,
        pause: float = 1.0,
        max_retries: int = 3,
        backoff: float = 2.0,
        sleep: Callable[[float], None] | None = None,
        download: Callable[..., pd.DataFrame] | None = None,
        progress: bool | None = None,
    ) -> None:
        if batch_size < 1 or max_retries < 0 or pause < 0 or backoff < 0:
            from ..exceptions import SpecError

            raise SpecError("batch_size must be >= 1 and max_retries, pause, backoff >= 0")
        self.batch_size = batch_size
        self.pause = pause
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep or time.sleep
        self._download = download
        self.progress = progress

    def _call(
        self, tickers: list[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> tuple[pd.DataFrame | None, dict[str, str]]:
        """One download with the yfinance logger captured; returns frame and logged reasons."""
        yf_logger = logging.getLogger("yfinance")
        handler = _Capture()
        yf_logger.addHandler(handler)
        raised: dict[str, str] = {}
        raw: pd.DataFrame | None = None
        try:
            raw = (self._download or yf_download)(tickers, start, end)
        except Exception as exc:  # yfinance should not raise, but rate limits and backends can
            raised = {t: f"{type(exc).__name__}: {exc}" for t in tickers}
        finally:
            yf_logger.removeHandler(handler)
        reasons = reasons_from_log(handler.messages)
        reasons.update(raised)
        return raw, reasons

    def _batch(
        self, tickers: list[str], start: pd.Timestamp, end: pd.Timestamp, result: DownloadResult
    ) -> None:
        pending = list(tickers)
        for attempt in range(self.max_retries + 1):
            raw, reasons = self._call(pending, start, end)
            frames, empty = tidy_from_yfinance(raw, pending)
            for ticker, frame in list(frames.items()):
                # the checks every other source passes (a repeated date, a zero or negative
                # price): a bad series is reported and never cached
                try:
                    validate_tidy(frame, context=f"Yahoo data for {ticker}")
                except DataError as exc:
                    del frames[ticker]
                    result.failed[ticker] = f"invalid data from Yahoo, not cached: {exc}"
            result.frames.update(frames)
            kinds = {t: classify_reason(reasons.get(t, "")) for t in empty}
            limited = [
                t for t in empty if kinds[t] == RATE_LIMITED or kinds[t].startswith(NETWORK_ERROR)
            ]
            for ticker in empty:
                if ticker not in limited:
                    why = reasons.get(ticker)
                    result.failed[ticker] = (
                        classify_reason(why)
                        if why
                        else f"no data in range {start:%Y-%m-%d}..{end:%Y-%m-%d}"
                    )
            if not limited:
                return
            if attempt == self.max_retries:
                for ticker in limited:
                    result.failed[ticker] = (
                        f"{RATE_LIMITED} (gave up after {self.max_retries} retries; wait and try again)"
                        if kinds[ticker] == RATE_LIMITED
                        else f"{kinds[ticker]} (gave up after {self.max_retries} retries; check "
                        "the connection and try again)"
                    )
                return
            delay = self.backoff * 2**attempt
            logger.info(
                "Yahoo rate limit or network error for %s; retrying in %.1f s", limited, delay
            )
            self.sleep(delay)
            pending = limited

    def download(
        self,
        tickers: Sequence[str],
        start: pd.Timestamp,
        end: pd.Timestamp,
        *,
        on_batch: Callable[[DownloadResult], None] | None = None,
    ) -> DownloadResult:
        """Download ``tickers`` for the inclusive span in throttled batches.

        ``on_batch`` receives each completed batch's own result as soon as it arrives (the
        cache stores it then, so an interrupt between batches loses none that completed).

        Examples
        --------
        >>> import pandas as pd
        >>> from eventstudy.data.yahoo import YahooDownloader
        >>> def offline_download(tickers, start, end):  # stands in for yfinance.download
        ...     columns = pd.MultiIndex.from_product([["Close"], tickers], names=["Price", "Ticker"])
        ...     return pd.DataFrame(10.0, index=pd.bdate_range(start, end), columns=columns)
        >>> batches = []
        >>> result = YahooDownloader(batch_size=1, sleep=lambda s: None, download=offline_download,
        ...                          progress=False).download(
        ...     ["AAA", "BBB"], pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03"),
        ...     on_batch=lambda part: batches.append(sorted(part.frames)))
        >>> batches, result.info["source"]
        ([['AAA'], ['BBB']], 'yahoo')
        """
        wanted = list(dict.fromkeys(t.upper() for t in tickers))
        result = DownloadResult(
            info={
                "source": "yahoo",
                "downloaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "yfinance_version": yfinance_version(),
                "auto_adjust": False,
                "actions": True,
                "repair": False,
            }
        )
        show = (
            self.progress
            if self.progress is not None
            else (len(wanted) > 5 and (sys.stderr.isatty() or _in_notebook()))
        )
        from .._notebook import progress_bar  # tqdm.auto without its TqdmWarning

        with progress_bar(total=len(wanted), desc="Yahoo", unit="ticker", disable=not show) as bar:
            for first in range(0, len(wanted), self.batch_size):
                if first:
                    self.sleep(self.pause)
                batch = wanted[first : first + self.batch_size]
                part = DownloadResult(info=result.info)
                self._batch(batch, start, end, part)
                result.frames.update(part.frames)
                result.failed.update(part.failed)
                if on_batch is not None:
                    on_batch(part)
                bar.update(len(batch))
        return result
