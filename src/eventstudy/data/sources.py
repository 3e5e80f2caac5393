"""One source abstraction for prices, and :func:`load_prices`, the public entry point.

Every source implements :class:`PriceSource`: ``fetch(tickers, start, end)`` returns the tidy
long frame (``start`` and ``end`` inclusive session dates). Sources:

* :class:`YahooSource` — yfinance through the on-disk cache (see :mod:`.cache`);
* :class:`LocalSource` — a folder of per-ticker CSV/Parquet files, one file in any layout of
  :func:`~eventstudy.data.readers.read_prices`, or a snapshot folder;
* :class:`FrameSource` — a DataFrame you already hold.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable

import pandas as pd

from .. import config
from .._boundary import library_errors
from ..exceptions import DataUnavailableError, EventStudyError, SpecError
from .readers import Layout, price_files, read_prices
from .validate import finalize_tidy, normalise_tickers, to_timestamp

__all__ = ["FrameSource", "LocalSource", "PriceSource", "YahooSource", "load_prices"]

DateLike = str | datetime | pd.Timestamp


@runtime_checkable
class PriceSource(Protocol):
    """Anything that can fetch the tidy price frame for tickers over an inclusive span.

    A class with this one method can be given to :func:`load_prices` as ``source=`` (e.g. a
    database or a vendor's API); :class:`FrameSource`, :class:`LocalSource` and
    :class:`YahooSource` are the built-in ones.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.sources import FrameSource
    >>> wide = pd.DataFrame(
    ...     {"NVDA": [118.42, 128.99, 123.70], "SPY": [599.37, 604.52, 601.81]},
    ...     index=pd.to_datetime(["2025-01-27", "2025-01-28", "2025-01-29"]).rename("date"),
    ... )
    >>> from eventstudy.data.sources import PriceSource
    >>> isinstance(FrameSource(wide), PriceSource)  # it has fetch(tickers, start, end)
    True
    """

    def fetch(self, tickers: Sequence[str], start: DateLike, end: DateLike) -> pd.DataFrame:
        """Return the tidy frame for ``tickers`` between ``start`` and ``end`` (inclusive).

        Parameters
        ----------
        tickers
            Upper-case tickers (as :func:`load_prices` normalises them).
        start, end
            Inclusive session dates.

        Returns
        -------
        pandas.DataFrame
            The tidy long frame (``date, ticker, open, high, low, close, adj_close, volume,
            dividends, splits``) sorted by ``ticker, date``, with ``attrs["provenance"]``.

        Raises
        ------
        DataUnavailableError
            A ticker without data in the span (``.failed`` names each, ``.partial`` holds
            the others).

        Examples
        --------
        >>> import pandas as pd
        >>> from eventstudy.data.sources import FrameSource
        >>> wide = pd.DataFrame(
        ...     {"NVDA": [118.42, 128.99, 123.70], "SPY": [599.37, 604.52, 601.81]},
        ...     index=pd.to_datetime(["2025-01-27", "2025-01-28", "2025-01-29"]).rename("date"),
        ... )
        >>> FrameSource(wide).fetch(["NVDA"], "2025-01-28", "2025-01-29")[["date", "ticker", "adj_close"]]
                date ticker  adj_close
        0 2025-01-28   NVDA     128.99
        1 2025-01-29   NVDA     123.70
        """
        ...


def _span(start: DateLike, end: DateLike) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo, hi = to_timestamp(start, "start"), to_timestamp(end, "end")
    if lo > hi:
        raise SpecError(f"start {lo:%Y-%m-%d} is after end {hi:%Y-%m-%d}")
    return lo, hi


def _select(
    tidy: pd.DataFrame,
    tickers: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    label: str,
) -> pd.DataFrame:
    """Keep ``tickers`` in ``[start, end]``; a ticker with no row there is a failure."""
    in_span = tidy[tidy["ticker"].isin(tickers) & tidy["date"].between(start, end)]
    failed: dict[str, str] = {}
    # one pass over the rows (a mask per ticker was quadratic: seconds for 500 tickers)
    agg = tidy.groupby("ticker", sort=False)["date"].agg(["min", "max"])
    spans = dict(zip(agg.index, zip(agg["min"], agg["max"], strict=True), strict=True))
    served = set(in_span["ticker"].unique())
    for ticker in tickers:
        if ticker not in spans:
            failed[ticker] = f"not in {label}"
        elif ticker not in served:
            first, last = spans[ticker]
            failed[ticker] = (
                f"no data in range {start:%Y-%m-%d}..{end:%Y-%m-%d} in {label} "
                f"(it covers {first:%Y-%m-%d}..{last:%Y-%m-%d})"
            )
    out = finalize_tidy(in_span, tidy.attrs.get("provenance"))
    if failed:
        raise DataUnavailableError(
            "; ".join(f"{t}: {why}" for t, why in failed.items()), failed=failed, partial=out
        )
    return out


class FrameSource:
    """Serve prices from a DataFrame in any layout :func:`read_prices` understands.

    Parameters
    ----------
    frame
        The prices (validated once, at construction).
    **options
        Passed to :func:`read_prices` (``layout``, ``field``, ``ticker``...).

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.data.sources import FrameSource
    >>> wide = pd.DataFrame(
    ...     {"NVDA": [118.42, 128.99, 123.70], "SPY": [599.37, 604.52, 601.81]},
    ...     index=pd.to_datetime(["2025-01-27", "2025-01-28", "2025-01-29"]).rename("date"),
    ... )
    >>> import eventstudy as es
    >>> prices = es.load_prices(["NVDA", "SPY"], "2025-01-27", "2025-01-29", source=FrameSource(wide))
    >>> prices[["date", "ticker", "adj_close"]].head(2)
            date ticker  adj_close
    0 2025-01-27   NVDA     118.42
    1 2025-01-28   NVDA     128.99
    """

    def __init__(self, frame: pd.DataFrame, **options: Any) -> None:
        self.prices = read_prices(frame, **options)
        self.prices.attrs["provenance"] = {"source": "frame"}

    def fetch(self, tickers: Sequence[str], start: DateLike, end: DateLike) -> pd.DataFrame:
        """Return the rows of ``tickers`` in ``[start, end]``.

        Raises
        ------
        DataUnavailableError
            A ticker the frame does not hold, or holds outside the span.

        Examples
        --------
        >>> import pandas as pd
        >>> from eventstudy.data.sources import FrameSource
        >>> wide = pd.DataFrame(
        ...     {"NVDA": [118.42, 128.99, 123.70], "SPY": [599.37, 604.52, 601.81]},
        ...     index=pd.to_datetime(["2025-01-27", "2025-01-28", "2025-01-29"]).rename("date"),
        ... )
        >>> FrameSource(wide).fetch(["spy"], "2025-01-29", "2025-01-29")[["date", "ticker", "adj_close"]]
                date ticker  adj_close
        0 2025-01-29    SPY     601.81
        """
        lo, hi = _span(start, end)
        return _select(self.prices, normalise_tickers(tickers), lo, hi, "the DataFrame")


class LocalSource:
    """Serve prices from local files: a per-ticker folder, one file, or a snapshot folder.

    A folder of ``<TICKER>.csv``/``<TICKER>.parquet`` files is read lazily (only the requested
    tickers' files). A folder holding an :func:`~eventstudy.data.snapshot.export_snapshot`
    manifest is loaded (checksums verified) as a snapshot. A ticker absent from the files, or
    whose file cannot be read, raises :class:`DataUnavailableError` naming it and the file's
    problem (``.failed``), with the other tickers in ``.partial``.

    Parameters
    ----------
    path
        The folder (or one file) of prices.
    layout
        The files' layout (see :func:`read_prices`); ``"auto"`` detects it.
    **options
        Passed to :func:`read_prices`.

    Examples
    --------
    >>> import pathlib
    >>> import tempfile
    >>> import pandas as pd
    >>> from eventstudy.data.sources import LocalSource
    >>> folder = pathlib.Path(tempfile.mkdtemp())  # a folder of <TICKER>.csv files
    >>> pd.DataFrame(
    ...     {"date": ["2025-01-27", "2025-01-28", "2025-01-29"], "adj_close": [118.4, 129.0, 123.7]}
    ... ).to_csv(folder / "NVDA.csv", index=False)
    >>> source = LocalSource(folder)
    >>> source.fetch(["NVDA"], "2025-01-28", "2025-01-29")[["date", "ticker", "adj_close"]]
            date ticker  adj_close
    0 2025-01-28   NVDA      129.0
    1 2025-01-29   NVDA      123.7

    ``load_prices(..., prices_dir=folder)`` (or ``EVENTSTUDY_PRICES_DIR``) uses this source.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, layout: Layout = "auto", **options: Any
    ) -> None:
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise DataUnavailableError(
                f"local price path {self.path} does not exist; check prices_dir / "
                "EVENTSTUDY_PRICES_DIR"
            )
        self.layout: Layout = layout
        self.options = options
        self._whole: pd.DataFrame | None = None

    def _is_snapshot(self) -> bool:
        from .snapshot import is_snapshot

        return self.path.is_dir() and is_snapshot(self.path)

    def fetch(self, tickers: Sequence[str], start: DateLike, end: DateLike) -> pd.DataFrame:
        """Return the rows of ``tickers`` in ``[start, end]`` from the local files.

        Raises
        ------
        DataUnavailableError
            A ticker without a file in the folder (or without rows in the span).

        Examples
        --------
        >>> import pathlib
        >>> import tempfile
        >>> import pandas as pd
        >>> from eventstudy.data.sources import LocalSource
        >>> folder = pathlib.Path(tempfile.mkdtemp())  # a folder of <TICKER>.csv files
        >>> pd.DataFrame(
        ...     {"date": ["2025-01-27", "2025-01-28", "2025-01-29"], "adj_close": [118.4, 129.0, 123.7]}
        ... ).to_csv(folder / "NVDA.csv", index=False)
        >>> LocalSource(folder).fetch(["NVDA"], "2025-01-27", "2025-01-27")[["date", "adj_close"]]
                date  adj_close
        0 2025-01-27      118.4
        """
        lo, hi = _span(start, end)
        wanted = normalise_tickers(tickers)
        label = str(self.path)
        failed: dict[str, str] = {}
        if self._is_snapshot():
            from .snapshot import load_snapshot

            if self._whole is None:
                self._whole = load_snapshot(self.path)
            tidy = self._whole
            label = f"snapshot {self.path}"
        elif self.path.is_dir():
            tidy, failed = self._read_each(wanted)
        else:
            if self._whole is None:
                self._whole = read_prices(self.path, layout=self.layout, **self.options)
            tidy = self._whole
        try:
            out = _select(tidy, [t for t in wanted if t not in failed], lo, hi, label)
        except DataUnavailableError as exc:  # no rows in the span: one more failed ticker
            failed.update(exc.failed)
            out = cast(pd.DataFrame, exc.partial)
        out.attrs["provenance"] = {
            **tidy.attrs.get("provenance", {}),
            "source": "local",
            "path": str(self.path),
        }
        if failed:
            order = [t for t in wanted if t in failed]
            raise DataUnavailableError(
                f"{len(order)} of {len(wanted)} ticker(s) failed: "
                + "; ".join(f"{t}: {failed[t]}" for t in order)
                + f". The {len(wanted) - len(order)} other(s) are in .partial.",
                failed={t: failed[t] for t in order},
                partial=out,
            )
        return out

    def _read_each(self, wanted: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
        """Read the files of ``wanted``; a missing or unreadable file (binary garbage, wrong
        header, no rows, bad values) fails only its own ticker, so one bad file costs its
        events, not the run. :class:`DataUnavailableError` when no file can be read."""
        files = price_files(self.path)
        failed = {
            t: f"no price file in {self.path} (expected {t}.csv or {t}.parquet); add it or drop "
            "the ticker"
            for t in wanted
            if t not in files
        }
        present = [t for t in wanted if t in files]
        if present:
            try:  # all at once (one validation); file by file only to find a bad one
                tidy = read_prices(self.path, tickers=present, layout=self.layout, **self.options)
                return tidy, failed
            except SpecError:  # a wrong option (layout=...) is the caller's, for every file
                raise
            except EventStudyError:
                pass
        parts: list[pd.DataFrame] = []
        for ticker in present:
            path = files[ticker]
            try:  # the file itself, not the folder: no listing of the folder per ticker
                part = read_prices(path, tickers=[ticker], layout=self.layout, **self.options)
            except SpecError:
                raise
            except EventStudyError as exc:  # DataError, or read_prices' unexpected input
                failed[ticker] = f"price file {path.name} unreadable: {exc}"
                continue
            parts.append(part)
        if not parts:
            listed = "; ".join(f"{t}: {failed[t]}" for t in wanted)
            raise DataUnavailableError(
                f"no price file of the {len(wanted)} ticker(s) could be read in {self.path}: "
                f"{listed}",
                failed={t: failed[t] for t in wanted},
            )
        tidy = pd.concat(parts, ignore_index=True)
        provenance = dict(parts[0].attrs.get("provenance", {}))
        provenance["path"] = str(self.path)
        provenance["files"] = {  # keyed by ticker, as for a folder read at once
            ticker: record
            for ticker, part in zip([t for t in present if t not in failed], parts, strict=True)
            for record in part.attrs["provenance"].get("files", {}).values()
        }
        tidy.attrs["provenance"] = provenance
        return tidy, failed


class YahooSource:
    """Yahoo Finance prices via yfinance, through the on-disk cache.

    Parameters
    ----------
    cache_dir
        Cache folder (default :func:`eventstudy.config.cache_dir`, i.e. ``EVENTSTUDY_CACHE_DIR``).
    offline
        Never touch the network (default ``EVENTSTUDY_OFFLINE``); a cache miss raises
        :class:`DataUnavailableError`.
    refresh
        Ignore cached entries and download again.
    progress
        Show a tqdm bar (default: when more than 5 tickers and stderr is a terminal).
    batch_size, pause, max_retries, backoff
        Throttling: tickers per ``yfinance.download`` call, seconds between batches, retries of
        rate-limited tickers and the first retry delay (doubled at each retry).
    sleep, download
        Injectable ``time.sleep`` and download function (tests replace them).

    Examples
    --------
    >>> from eventstudy.data.sources import YahooSource
    >>> # skipped: the prices come from Yahoo Finance (the network) or a cache it filled
    >>> source = YahooSource(offline=True)  # the cache only, never the network  # doctest: +SKIP
    >>> prices = source.fetch(["NVDA", "SPY"], "2025-01-02", "2025-03-31")  # doctest: +SKIP

    ``load_prices`` uses this source when no ``prices_dir`` is set.
    """

    def __init__(
        self,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        offline: bool | None = None,
        refresh: bool = False,
        progress: bool | None = None,
        batch_size: int = 20,
        pause: float = 1.0,
        max_retries: int = 3,
        backoff: float = 2.0,
        sleep: Callable[[float], None] | None = None,
        download: Callable[..., pd.DataFrame] | None = None,
    ) -> None:
        from .yahoo import YahooDownloader

        self.cache_root = config.cache_dir(cache_dir)
        self.offline = config.offline(offline)
        self.refresh = refresh
        self.downloader = YahooDownloader(
            batch_size=batch_size,
            pause=pause,
            max_retries=max_retries,
            backoff=backoff,
            sleep=sleep,
            download=download,
            progress=progress,
        )

    def fetch(self, tickers: Sequence[str], start: DateLike, end: DateLike) -> pd.DataFrame:
        """Return cached or freshly downloaded prices (see :mod:`eventstudy.data.cache`).

        A cached span covering the request is served without the network; otherwise the
        tickers are downloaded (in batches, with retries) and cached.

        Raises
        ------
        DataUnavailableError
            Tickers Yahoo did not return, or a cache miss when offline.

        Examples
        --------
        >>> from eventstudy.data.sources import YahooSource
        >>> # skipped: downloads from Yahoo Finance (the network)
        >>> prices = YahooSource().fetch(["NVDA"], "2025-01-02", "2025-03-31")  # doctest: +SKIP
        >>> prices.attrs["provenance"]["source"]  # doctest: +SKIP
        'yahoo'
        """
        from .cache import PriceCache, fetch_through_cache

        lo, hi = _span(start, end)
        return fetch_through_cache(
            PriceCache(self.cache_root),
            self.downloader,
            normalise_tickers(tickers),
            lo,
            hi,
            offline=self.offline,
            refresh=self.refresh,
        )


@library_errors("load_prices")
def load_prices(
    tickers: str | Iterable[str],
    start: DateLike,
    end: DateLike,
    *,
    source: PriceSource | None = None,
    prices_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    offline: bool | None = None,
    refresh: bool = False,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Load daily prices for ``tickers`` between ``start`` and ``end`` (both inclusive).

    The source is, in order: ``source`` if given; else the local folder ``prices_dir`` or
    ``EVENTSTUDY_PRICES_DIR`` (so a notebook runs unchanged offline); else Yahoo Finance
    through the on-disk cache (``cache_dir`` / ``EVENTSTUDY_CACHE_DIR``).

    Parameters
    ----------
    tickers
        One ticker, a comma/space separated string, or a list; upper-cased and de-duplicated.
    start, end
        Inclusive session dates (``"2025-01-27"``, ``datetime``, ``Timestamp``).
    source
        Any :class:`PriceSource` (e.g. ``FrameSource(df)``).
    prices_dir
        Folder of per-ticker files (or a snapshot folder) to read instead of downloading.
    cache_dir, offline, refresh, progress
        Options of :class:`YahooSource`.

    Returns
    -------
    pandas.DataFrame
        The tidy long frame (``date, ticker, open, high, low, close, adj_close, volume,
        dividends, splits``) sorted by ``ticker, date``; ``attrs["provenance"]`` records the
        source, vintage and options.

    Raises
    ------
    DataUnavailableError
        Some tickers could not be obtained; ``.failed`` maps each to its reason and
        ``.partial`` holds the tickers that did arrive.

    Notes
    -----
    Yahoo downloads use ``auto_adjust=False, actions=True`` (raw ``close`` and ``adj_close``,
    dividends and splits) and are cached per ticker. A cached span covering the request is
    served without touching the network; a partial cover downloads the union of both spans
    again (adjusted prices are never stitched across downloads). Offline
    (``offline=True`` / ``EVENTSTUDY_OFFLINE=1``) a miss raises :class:`DataUnavailableError`.
    Freeze the data a study used with :func:`export_snapshot` and reload it with
    ``load_prices(..., prices_dir=snapshot_folder)`` or :func:`load_snapshot`.

    Examples
    --------
    >>> import pathlib
    >>> import tempfile
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> folder = pathlib.Path(tempfile.mkdtemp())  # a folder of <TICKER>.csv files
    >>> pd.DataFrame(
    ...     {"date": ["2025-01-27", "2025-01-28", "2025-01-29"], "adj_close": [118.4, 129.0, 123.7]}
    ... ).to_csv(folder / "NVDA.csv", index=False)
    >>> prices = es.load_prices("NVDA", "2025-01-27", "2025-01-29", prices_dir=folder)
    >>> prices[["date", "ticker", "adj_close"]]
            date ticker  adj_close
    0 2025-01-27   NVDA      118.4
    1 2025-01-28   NVDA      129.0
    2 2025-01-29   NVDA      123.7

    Without ``prices_dir`` (and ``EVENTSTUDY_PRICES_DIR``) the prices come from Yahoo
    Finance through the cache:

    >>> prices = es.load_prices(["NVDA", "SPY"], "2024-01-02", "2025-03-31")  # doctest: +SKIP
    """
    wanted = normalise_tickers(tickers)
    lo, hi = _span(start, end)
    if source is None:
        local = config.prices_dir(prices_dir)
        if local is not None:
            source = LocalSource(local)
        else:
            source = YahooSource(
                cache_dir=cache_dir, offline=offline, refresh=refresh, progress=progress
            )
    elif not isinstance(source, PriceSource):
        raise SpecError(
            f"source must have a fetch(tickers, start, end) method; got {type(source).__name__}"
        )
    prices = source.fetch(wanted, lo, hi)
    provenance = dict(prices.attrs.get("provenance", {}))
    provenance.update(
        {
            "tickers": wanted,
            "start": f"{lo:%Y-%m-%d}",
            "end": f"{hi:%Y-%m-%d}",
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source_class": type(source).__name__,
        }
    )
    prices.attrs["provenance"] = provenance
    return prices
