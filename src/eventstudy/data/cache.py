"""On-disk price cache: Parquet per ticker plus a JSON manifest, written atomically.

Layout of ``<cache_dir>/prices/``::

    manifest.json                      {"format": 1, "entries": {TICKER: entry}}
    NVDA-<sha256[:16]>.parquet         one file per ticker, named by its content hash

An entry records the source, download time, yfinance version, adjustment flags, the
file's sha256 and size, the requested span (``start``/``end``, inclusive) and the span of
the data. No pickle is used anywhere.

Crash safety: every file is written to a temporary file in the same folder, fsync'ed and
moved into place with :func:`os.replace`. A new Parquet file gets a new (content-hashed)
name, the manifest is then replaced to point at it, and only then is the old file removed —
so a process killed at any moment leaves the manifest pointing at a complete file, and
temporary files (``.*.tmp``) are never read.

Reads verify the sha256 recorded in the manifest: a corrupt or truncated file raises
:class:`CacheError`; :func:`fetch_through_cache` then downloads again (online) or reports
the error (offline).

Coverage: a cached entry serves any request inside its recorded span without touching the
network. A request only partly covered (e.g. an earlier start) downloads the *union* of
both spans again and replaces the entry, so adjusted prices within one entry always come
from one download (never stitched across vintages). Offline, a partial cover is a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..exceptions import CacheError, DataUnavailableError, OutputError
from .validate import empty_tidy, finalize_tidy

if TYPE_CHECKING:
    from .yahoo import YahooDownloader

__all__ = [
    "PriceCache",
    "fetch_through_cache",
    "read_verified",
    "sha256_bytes",
    "write_bytes_atomic",
]

_FORMAT = 1


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, os.replace).

    Raises :class:`OutputError` if the file cannot be written; ``path`` then keeps its old
    content and no temporary file is left behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"could not write {path}: {exc}") from exc
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Persist the rename itself; not supported on every platform (e.g. Windows).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_verified(path: Path, expected_sha256: str) -> bytes:
    """Read ``path`` and check its sha256; raise :class:`CacheError` on mismatch."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CacheError(f"cannot read {path}: {exc}") from exc
    actual = sha256_bytes(data)
    if actual != expected_sha256:
        raise CacheError(
            f"{path} fails its checksum (sha256 {actual[:12]}… != recorded {expected_sha256[:12]}…): "
            "the file is corrupt or truncated"
        )
    return data


def frame_to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise ``frame`` (without attrs) to Parquet bytes."""
    buffer = io.BytesIO()
    plain = frame.copy()
    plain.attrs = {}
    plain.to_parquet(buffer, index=False)
    return buffer.getvalue()


def parquet_bytes_to_frame(data: bytes, path: Path) -> pd.DataFrame:
    """Parse Parquet bytes; raise :class:`CacheError` when unreadable."""
    try:
        return pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise CacheError(f"{path} is not a readable Parquet file: {exc}") from exc


@dataclass(frozen=True)
class CacheLookup:
    """Outcome of a cache lookup for one ticker."""

    status: str  # "hit", "miss", "partial" or "corrupt"
    frame: pd.DataFrame | None = None
    entry: dict[str, Any] | None = None
    error: CacheError | None = None


class PriceCache:
    """Per-ticker Parquet cache with a checksummed JSON manifest (see module docstring)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()
        self.folder = self.root / "prices"
        self.manifest_path = self.folder / "manifest.json"

    def manifest(self) -> dict[str, Any]:
        """The manifest (empty if absent); :class:`CacheError` if unreadable."""
        if not self.manifest_path.exists():
            return {"format": _FORMAT, "entries": {}}
        try:
            data = json.loads(self.manifest_path.read_text())
            if not isinstance(data.get("entries"), dict):
                raise ValueError("no 'entries' mapping")
            return data
        except (OSError, ValueError) as exc:
            raise CacheError(
                f"cache manifest {self.manifest_path} is unreadable ({exc}); delete the folder "
                f"{self.folder} to rebuild the cache"
            ) from exc

    def lookup(self, ticker: str, start: pd.Timestamp, end: pd.Timestamp) -> CacheLookup:
        """Find ``ticker`` covering ``[start, end]``; verify the file's checksum."""
        try:
            entry = self.manifest()["entries"].get(ticker)
        except CacheError as exc:
            return CacheLookup("corrupt", error=exc)
        if entry is None:
            return CacheLookup("miss")
        covered = pd.Timestamp(entry["start"]) <= start and end <= pd.Timestamp(entry["end"])
        if not covered:
            return CacheLookup("partial", entry=entry)
        path = self.folder / entry["file"]
        try:
            frame = parquet_bytes_to_frame(read_verified(path, entry["sha256"]), path)
        except CacheError as exc:
            return CacheLookup("corrupt", entry=entry, error=exc)
        frame = finalize_tidy(frame)
        return CacheLookup("hit", frame=frame[frame["date"].between(start, end)], entry=entry)

    def put(
        self,
        ticker: str,
        frame: pd.DataFrame,
        start: pd.Timestamp,
        end: pd.Timestamp,
        info: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store ``frame`` (one ticker's tidy rows) as covering ``[start, end]``."""
        data = frame_to_parquet_bytes(finalize_tidy(frame))
        digest = sha256_bytes(data)
        name = f"{ticker}-{digest[:16]}.parquet"
        write_bytes_atomic(self.folder / name, data)
        try:
            manifest = self.manifest()
        except CacheError:
            manifest = {"format": _FORMAT, "entries": {}}  # rebuilt: old entries are lost
        old = manifest["entries"].get(ticker)
        dates = frame["date"]
        entry = {
            "file": name,
            "sha256": digest,
            "bytes": len(data),
            "rows": len(frame),
            "start": f"{start:%Y-%m-%d}",
            "end": f"{end:%Y-%m-%d}",
            "first_date": f"{dates.min():%Y-%m-%d}" if len(dates) else None,
            "last_date": f"{dates.max():%Y-%m-%d}" if len(dates) else None,
            "stored_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **(info or {}),
        }
        manifest["entries"][ticker] = entry
        write_bytes_atomic(
            self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True).encode()
        )
        if old is not None and old["file"] != name:
            with contextlib.suppress(OSError):
                (self.folder / old["file"]).unlink()
        self._sweep_stale_temp_files()
        return entry

    def _sweep_stale_temp_files(self, max_age: float = 3600.0) -> None:
        # Temp files of killed writers are never read; drop them once surely abandoned
        # (an hour old, so a concurrent writer's live temp file is left alone).
        now = time.time()
        for tmp in self.folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > max_age:
                    tmp.unlink()


def last_settled_date(now: pd.Timestamp | None = None) -> pd.Timestamp:
    """The last date whose daily bar is final everywhere: yesterday in UTC (a session's
    close is published by the next UTC midnight on every exchange Yahoo serves)."""
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if now.tzinfo is not None:
        now = now.tz_convert("UTC").tz_localize(None)
    return now.normalize() - pd.Timedelta(days=1)


def fetch_through_cache(
    cache: PriceCache,
    downloader: YahooDownloader,
    tickers: Sequence[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    offline: bool,
    refresh: bool,
    settled: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Serve ``tickers`` from ``cache``, downloading misses (online) and caching what arrives.

    Only settled sessions are kept: rows after ``settled`` (default :func:`last_settled_date`,
    yesterday in UTC) are dropped - during trading Yahoo's row for today is a live price, not a
    close - and an entry never claims to cover a date after ``settled``, so a later request
    for recent dates downloads again instead of being served a stale, shorter history.
    """
    settled = last_settled_date() if settled is None else pd.Timestamp(settled).normalize()
    frames: list[pd.DataFrame] = []
    entries: dict[str, dict[str, Any]] = {}
    to_download: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {}
    failed: dict[str, str] = {}
    for ticker in tickers:
        found = CacheLookup("miss") if refresh else cache.lookup(ticker, start, end)
        if found.status == "hit" and found.frame is not None and found.entry is not None:
            frames.append(found.frame)
            entries[ticker] = found.entry
        elif offline:
            if found.status == "corrupt" and found.error is not None:
                raise CacheError(
                    f"{ticker}: {found.error} (offline: cannot download it again; go online or delete the file)"
                )
            why = "only partly in cache" if found.status == "partial" else "not in cache"
            failed[ticker] = f"{why} for {start:%Y-%m-%d}..{end:%Y-%m-%d} (offline)"
        elif found.status == "partial" and found.entry is not None:
            lo = min(start, pd.Timestamp(found.entry["start"]))
            hi = max(end, pd.Timestamp(found.entry["end"]))
            to_download[ticker] = (lo, hi)
        else:
            to_download[ticker] = (start, end)
    if to_download:
        # Tickers sharing a span go in one batch download.
        by_span: dict[tuple[pd.Timestamp, pd.Timestamp], list[str]] = {}
        for ticker, span in to_download.items():
            by_span.setdefault(span, []).append(ticker)
        for (lo, hi), group in by_span.items():
            result = downloader.download(group, lo, hi)
            failed.update(result.failed)
            for ticker, frame in result.frames.items():
                frame = frame[frame["date"] <= settled]  # no intraday or future rows
                if lo <= settled:
                    entries[ticker] = cache.put(ticker, frame, lo, min(hi, settled), result.info)
                frames.append(frame[frame["date"].between(start, end)])
    out = finalize_tidy(pd.concat(frames, ignore_index=True)) if frames else empty_tidy()
    out.attrs["provenance"] = {
        "source": "yahoo",
        "cache": str(cache.folder),
        "entries": {
            t: {
                k: e.get(k) for k in ("sha256", "downloaded_at", "yfinance_version", "start", "end")
            }
            for t, e in entries.items()
        },
        "auto_adjust": False,
        "actions": True,
        "repair": False,
    }
    if failed:
        order = [t for t in tickers if t in failed]
        hint = (
            " — offline mode: go online once (EVENTSTUDY_OFFLINE=0) or read local files with prices_dir="
            if offline
            else ""
        )
        raise DataUnavailableError(
            f"{len(order)} of {len(tickers)} ticker(s) failed: "
            + "; ".join(f"{t} ({failed[t]})" for t in order)
            + hint
            + f". The {len(tickers) - len(order)} other(s) are in .partial and cached.",
            failed={t: failed[t] for t in order},
            partial=out,
        )
    return out
