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

Untrusted files: the manifest is validated before use (a wrong structure is a
:class:`CacheError` naming the fix), and every path read or removed is resolved and must lie
inside the cache folder (an entry's ``file`` is a plain file name). Writers (several
processes may share a cache) hold a file lock (``filelock``) while they write a Parquet file
and merge their entry into the manifest as it is on disk, so concurrent writers lose nothing;
under the lock any temporary file, and any ``TICKER-<hash>.parquet`` the manifest no longer
lists, is an orphan of a killed writer and is swept.

Reads verify the sha256 recorded in the manifest: a corrupt or truncated file raises
:class:`CacheError`; :func:`fetch_through_cache` then downloads again (online) or reports
the error (offline).

Coverage: an entry records the span of sessions it actually holds (:func:`held_span`): the
requested span, except that at either edge a response starting after, or ending before, the
requested date by more than :data:`HOLIDAY_WEEKDAYS` weekdays (a truncated answer, a ticker that
started or stopped trading) is recorded as starting at its first date / ending at its last.
The span asked for is kept as ``asked_start``/``asked_end``. Downloads are cached batch by
batch, so an interrupt (Ctrl-C) keeps the batches already done.
A cached entry serves any request inside its recorded span without touching the
network. A request only partly covered (e.g. an earlier start) downloads the *union* of
both spans again and replaces the entry, so adjusted prices within one entry always come
from one download (never stitched across vintages). Offline, a partial cover is a miss -
unless Yahoo was already asked for the whole request (a listing that began later): then the
rows held are served with a :class:`~eventstudy.exceptions.EventStudyWarning` naming the span.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._fileio import atomic_write, is_temp_name
from ..exceptions import (
    CacheError,
    DataError,
    DataUnavailableError,
    EventStudyWarning,
    OutputError,
)
from .validate import check_columns, empty_tidy, finalize_tidy, validate_tidy

if TYPE_CHECKING:
    from .yahoo import DownloadResult, YahooDownloader

__all__ = [
    "PriceCache",
    "fetch_through_cache",
    "read_verified",
    "sha256_bytes",
    "write_bytes_atomic",
]

_FORMAT = 1
#: weekdays (Mon-Fri) without a session that may separate a requested edge from the data's
#: edge before the response counts as truncated there: a run of weekday holidays such as
#: NYSE's closure of 11-14 Sep 2001, Japan's 1-3 Jan or Golden Week. Longer runs (Chinese New
#: Year) only cost a fresh download (offline: a warning), never a wrong cover.
HOLIDAY_WEEKDAYS = 4
#: seconds a writer waits for another process's lock on the cache
LOCK_TIMEOUT = 120.0
_DATA_FILE = re.compile(r"^[^/\\:]+-[0-9a-f]{16}\.parquet$")  # no folder or drive part


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``.

    Examples
    --------
    >>> from eventstudy.data.cache import sha256_bytes
    >>> sha256_bytes(b"abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(data).hexdigest()


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, os.replace).

    The parent folder is created. Raises :class:`OutputError` if the file cannot be written
    (or ``path`` is a symbolic link); ``path`` then keeps its old content and no temporary
    file is left behind. See ``eventstudy._fileio.atomic_write``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from eventstudy.data.cache import write_bytes_atomic
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "sub" / "notes.txt"  # the folder is created
    ...     write_bytes_atomic(path, b"hello")
    ...     print(path.read_bytes())
    b'hello'
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"could not create {path.parent}: {exc.strerror or exc}") from None
    atomic_write(path, data)


def read_verified(path: Path, expected_sha256: str) -> bytes:
    """Read ``path`` and check its sha256; raise :class:`CacheError` on mismatch.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from eventstudy.data.cache import read_verified, sha256_bytes
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = Path(folder.name) / "data.bin"
    >>> _ = path.write_bytes(b"prices")
    >>> read_verified(path, sha256_bytes(b"prices"))
    b'prices'
    >>> read_verified(path, sha256_bytes(b"other"))
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.CacheError: ... fails its checksum (sha256 ...
    >>> folder.cleanup()
    """
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
    """Per-ticker Parquet cache with a checksummed JSON manifest (see module docstring).

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from eventstudy.data.cache import PriceCache
    >>> dates = pd.bdate_range("2024-01-02", periods=5)
    >>> frame = pd.DataFrame({"date": dates, "ticker": "AAA", "close": 10.0 + pd.RangeIndex(5)})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     cache = PriceCache(folder)
    ...     entry = cache.put("AAA", frame, dates[0], dates[-1])
    ...     hit = cache.lookup("AAA", dates[1], dates[3])
    ...     print(entry["rows"], hit.status, hit.frame["close"].tolist())
    ...     print(cache.lookup("AAA", dates[0], dates[-1] + pd.Timedelta(days=7)).status)
    5 hit [11.0, 12.0, 13.0]
    partial
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()
        self.folder = self.root / "prices"
        self.manifest_path = self.folder / "manifest.json"
        self.lock_path = self.folder / "manifest.lock"
        self._memo: tuple[tuple[int, int, int], dict[str, Any]] | None = None

    # ------------------------------------------------------------------ untrusted files
    def _fix(self) -> str:
        return (
            f"delete the folder {self.folder} to rebuild the cache (or set "
            "EVENTSTUDY_CACHE_DIR to another folder)"
        )

    def _check_folder(self) -> None:
        """The cache's own folder must not be a link: the sweep deletes data-file names in it,
        and through a link they would be someone else's files."""
        if self.folder.is_symlink():
            raise CacheError(
                f"cache folder {self.folder} is a symbolic link (to "
                f"{os.path.realpath(self.folder)}); the cache keeps its files only in a folder "
                f"of its own: remove the link, or set EVENTSTUDY_CACHE_DIR to another folder"
            )

    def manifest(self) -> dict[str, Any]:
        """The manifest (empty if absent); :class:`CacheError` if unreadable or of the wrong
        structure (the message names the fix).

        A validated manifest is reused while the file is unchanged (same inode, size and
        modification time: every write replaces it), so a lookup per ticker stays cheap.

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> from eventstudy.data.cache import PriceCache
        >>> frame = pd.DataFrame({"date": pd.bdate_range("2024-01-02", periods=3), "ticker": "AAA",
        ...                       "close": [10.0, 10.5, 10.2]})
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = PriceCache(folder)
        ...     print(cache.manifest())  # no file yet: an empty manifest
        ...     _ = cache.put("AAA", frame, pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-04"))
        ...     entry = cache.manifest()["entries"]["AAA"]
        ...     print(entry["start"], entry["end"], entry["rows"], entry["file"].startswith("AAA-"))
        {'format': 1, 'entries': {}}
        2024-01-02 2024-01-04 3 True
        """
        self._check_folder()
        if self.manifest_path.is_symlink():
            raise CacheError(
                f"cache manifest {self.manifest_path} is a symbolic link; {self._fix()}"
            )
        try:
            st = self.manifest_path.stat()
        except FileNotFoundError:
            return {"format": _FORMAT, "entries": {}}
        except OSError as exc:
            raise CacheError(
                f"cache manifest {self.manifest_path} is unreadable ({exc}); {self._fix()}"
            ) from exc
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        if self._memo is None or self._memo[0] != signature:
            try:
                data = json.loads(self.manifest_path.read_text())
            except (OSError, ValueError) as exc:
                raise CacheError(
                    f"cache manifest {self.manifest_path} is unreadable ({exc}); {self._fix()}"
                ) from exc
            problem = _shape_problem(data)
            if problem is not None:
                raise CacheError(
                    f"cache manifest {self.manifest_path} has the wrong structure ({problem}); "
                    f"{self._fix()}"
                )
            self._memo = (signature, data)
        data = self._memo[1]
        return {**data, "entries": dict(data["entries"])}  # callers may change the copy

    def data_path(self, name: str) -> Path:
        """The path of the cache file ``name``; :class:`CacheError` unless it is a plain file
        name whose resolved path lies inside the cache folder.

        Examples
        --------
        >>> from eventstudy.data.cache import PriceCache
        >>> cache = PriceCache("cache-folder")
        >>> cache.data_path("AAA-0123456789abcdef.parquet").name
        'AAA-0123456789abcdef.parquet'
        >>> cache.data_path("../outside.parquet")
        Traceback (most recent call last):
        ...
        eventstudy.exceptions.CacheError: ...
        """
        path = self.folder / name
        try:
            ok = (
                _DATA_FILE.match(name) is not None
                and path.resolve().is_relative_to(self.folder.resolve())
                and not path.is_symlink()
            )
        except OSError:  # e.g. a name too long for the file system
            ok = False
        if not ok:
            raise CacheError(
                f"{name!r} is not a file of the cache folder {self.folder} (a manifest entry "
                "may only name a TICKER-<hash>.parquet file inside it)"
            )
        return path

    # ------------------------------------------------------------------ reading
    def lookup(self, ticker: str, start: pd.Timestamp, end: pd.Timestamp) -> CacheLookup:
        """Find ``ticker`` covering ``[start, end]``; verify the file's checksum.

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> from eventstudy.data.cache import PriceCache
        >>> dates = pd.bdate_range("2024-01-02", periods=3)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = PriceCache(folder)
        ...     print(cache.lookup("AAA", dates[0], dates[-1]).status)
        ...     _ = cache.put("AAA", pd.DataFrame({"date": dates, "ticker": "AAA", "close": 10.0}),
        ...                   dates[0], dates[-1])
        ...     print(len(cache.lookup("AAA", dates[0], dates[1]).frame))
        miss
        2
        """
        try:
            entry = self.manifest()["entries"].get(ticker)
        except CacheError as exc:
            return CacheLookup("corrupt", error=exc)
        if entry is None:
            return CacheLookup("miss")
        covered = pd.Timestamp(entry["start"]) <= start and end <= pd.Timestamp(entry["end"])
        if not covered:
            return CacheLookup("partial", entry=entry)
        return self.read(entry, start, end)

    def read(self, entry: dict[str, Any], start: pd.Timestamp, end: pd.Timestamp) -> CacheLookup:
        """The rows of ``entry`` dated in ``[start, end]`` (a ``"hit"``), checksum verified.

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> from eventstudy.data.cache import PriceCache
        >>> dates = pd.bdate_range("2024-01-02", periods=4)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = PriceCache(folder)
        ...     entry = cache.put("AAA", pd.DataFrame({"date": dates, "ticker": "AAA", "close": 10.0}),
        ...                       dates[0], dates[-1])
        ...     found = cache.read(entry, dates[2], dates[3])
        ...     print(found.status, found.frame["date"].dt.strftime("%Y-%m-%d").tolist())
        hit ['2024-01-04', '2024-01-05']
        """
        try:
            path = self.data_path(entry["file"])
            frame = parquet_bytes_to_frame(read_verified(path, entry["sha256"]), path)
        except CacheError as exc:
            return CacheLookup("corrupt", entry=entry, error=exc)
        try:  # a file whose checksum was recomputed by hand is still untrusted: check its rows
            check_columns(frame, ["date", "ticker"], context=f"cache file {path.name}")
            frame = validate_tidy(finalize_tidy(frame), context=f"cache file {path.name}")
        except (DataError, KeyError, TypeError, ValueError) as exc:
            error = CacheError(f"{' '.join(str(exc).split())[:300]}; {self._fix()}")
            return CacheLookup("corrupt", entry=entry, error=error)
        return CacheLookup("hit", frame=frame[frame["date"].between(start, end)], entry=entry)

    # ------------------------------------------------------------------ writing
    def ensure_writable(self) -> None:
        """Create the cache folder, take its lock and create (then remove) a temporary file in
        it, as every write does; :class:`CacheError` if it cannot be written (before
        anything is downloaded). The lock alone proves nothing in a folder made read-only
        after its lock file was created.

        Examples
        --------
        >>> import tempfile
        >>> from eventstudy.data.cache import PriceCache
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = PriceCache(folder)
        ...     cache.ensure_writable()  # creates the folder; raises CacheError if it cannot write
        ...     print(cache.folder.is_dir())
        True
        """
        with self._locked():
            try:
                fd, probe = tempfile.mkstemp(dir=self.folder, prefix=".write-test.", suffix=".tmp")
                os.close(fd)
                os.unlink(probe)
            except OSError as exc:
                raise CacheError(self._unwritable(exc)) from None

    def _unwritable(self, exc: OSError) -> str:
        return (
            f"the cache folder {self.folder} is not writable ({exc.strerror or exc}); "
            "fix its permissions or set EVENTSTUDY_CACHE_DIR to a writable folder"
        )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the cache's inter-process lock (``filelock``)."""
        from filelock import FileLock, Timeout

        self._check_folder()
        for path in (self.lock_path, self.manifest_path):  # both are written: never via a link
            if path.is_symlink():
                raise CacheError(f"{path} in the cache is a symbolic link; {self._fix()}")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = FileLock(self.lock_path, timeout=LOCK_TIMEOUT)
            lock.acquire()
        except Timeout:
            raise CacheError(
                f"the cache {self.folder} is locked by another process (lock file "
                f"{self.lock_path}) for more than {LOCK_TIMEOUT:.0f} s; wait for it to finish, "
                "or delete the lock file if no eventstudy process is running"
            ) from None
        except OSError as exc:
            raise CacheError(self._unwritable(exc)) from None
        try:
            yield
        finally:
            lock.release()

    def put(
        self,
        ticker: str,
        frame: pd.DataFrame,
        start: pd.Timestamp,
        end: pd.Timestamp,
        info: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store ``frame`` (one ticker's tidy rows) as covering ``[start, end]``.

        Holds the cache lock while writing; the entry is merged into the manifest as it is on
        disk (another process's entries are kept).

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> from eventstudy.data.cache import PriceCache
        >>> dates = pd.bdate_range("2024-01-02", periods=3)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = PriceCache(folder)
        ...     entry = cache.put("AAA", pd.DataFrame({"date": dates, "ticker": "AAA", "close": 10.0}),
        ...                       dates[0], dates[-1], info={"source": "example"})
        ...     print(entry["rows"], entry["first_date"], entry["last_date"], entry["source"])
        3 2024-01-02 2024-01-04 example
        """
        data = frame_to_parquet_bytes(finalize_tidy(frame))
        digest = sha256_bytes(data)
        name = f"{_file_stem(ticker)}-{digest[:16]}.parquet"
        path = self.data_path(name)
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
        with self._locked():
            self._write(path, data)
            try:
                manifest = self.manifest()
            except CacheError:
                manifest = {"format": _FORMAT, "entries": {}}  # rebuilt: old entries are lost
            manifest["entries"][ticker] = entry
            self._write(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True).encode())
            self._sweep(manifest)
        return entry

    def _write(self, path: Path, data: bytes) -> None:
        try:
            write_bytes_atomic(path, data)
        except OutputError as exc:  # the cache keeps its previous content
            raise OutputError(
                f"cannot write the cache ({exc}); free disk space, fix the permissions of "
                f"{self.folder} or set EVENTSTUDY_CACHE_DIR to another folder"
            ) from exc

    def _sweep(self, manifest: dict[str, Any]) -> None:
        """Remove orphans (called with the lock held, so no writer is mid-way): temporary
        files of killed writers and data files no entry lists (replaced versions)."""
        self._check_folder()
        listed = {e["file"] for e in manifest["entries"].values()}
        for path in self.folder.iterdir():
            orphan = is_temp_name(path.name) or (
                _DATA_FILE.match(path.name) is not None and path.name not in listed
            )
            if orphan and not path.is_symlink() and path.is_file():
                with contextlib.suppress(OSError):
                    path.unlink()

    def sweep(self) -> None:
        """Remove orphaned temporary and unlisted data files now (see :meth:`put`).

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> from eventstudy.data.cache import PriceCache
        >>> dates = pd.bdate_range("2024-01-02", periods=3)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = PriceCache(folder)
        ...     _ = cache.put("AAA", pd.DataFrame({"date": dates, "ticker": "AAA", "close": 10.0}),
        ...                   dates[0], dates[-1])
        ...     _ = (cache.folder / "AAA-0000000000000000.parquet").write_bytes(b"orphan")
        ...     cache.sweep()  # removes data files no manifest entry lists
        ...     print(sorted(p.suffix for p in cache.folder.iterdir()))
        ['.json', '.lock', '.parquet']
        """
        if not self.folder.is_dir():
            return
        with self._locked():
            self._sweep(self.manifest())


def _file_stem(ticker: str) -> str:
    """The ticker as the start of a cache file name: letters, digits and ``. ^ = _ -`` kept,
    anything else (a ``/``, a ``..`` prefix) replaced by ``_``, at most 40 characters. The
    manifest maps each ticker to its file, so the name need not spell the ticker exactly."""
    stem = re.sub(r"[^A-Za-z0-9.^=_-]", "_", ticker)[:40]
    return "_" + stem[1:] if stem.startswith(".") or not stem else stem


def _shape_problem(data: Any) -> str | None:
    """What is wrong with a parsed manifest (``None``: nothing). An entry's ``file`` must be a
    ``TICKER-<hash>.parquet`` name (no folder part, so it stays inside the cache folder)."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
        return "no 'entries' mapping"
    for ticker, entry in data["entries"].items():
        if not isinstance(entry, dict):
            return f"entry {ticker!r} is not a mapping"
        for key in ("file", "sha256", "start", "end"):
            if not isinstance(entry.get(key), str):
                return f"entry {ticker!r} has no text field {key!r}"
        if not _DATA_FILE.match(entry["file"]):
            return (
                f"entry {ticker!r}: {entry['file']!r} is not a file of the cache folder (a "
                "manifest entry may only name a TICKER-<hash>.parquet file inside it)"
            )
        try:
            date.fromisoformat(entry["start"]), date.fromisoformat(entry["end"])
        except ValueError as exc:
            return f"entry {ticker!r}: {exc}"
    return None


def last_settled_date(now: pd.Timestamp | None = None) -> pd.Timestamp:
    """The last date whose daily bar is final everywhere: yesterday in UTC (a session's
    close is published by the next UTC midnight on every exchange Yahoo serves)."""
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if now.tzinfo is not None:
        now = now.tz_convert("UTC").tz_localize(None)
    return now.normalize() - pd.Timedelta(days=1)


def held_span(
    frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The span ``(first, last)`` an entry for ``frame``, requested for ``[start, end]``, may
    claim to cover: only the sessions it actually holds.

    Each edge is the requested date when the data reach it up to legitimate non-sessions, and
    the data's own first / last date otherwise. The cache serves tickers of any exchange, so
    "non-session" cannot come from one exchange calendar: the rule counts the weekdays
    (Mon-Fri) between the requested edge and the data's edge. A weekend costs nothing (a
    request starting on a Saturday is covered by data from Monday); up to
    :data:`HOLIDAY_WEEKDAYS` weekdays are taken for holidays. More is a truncated response
    or a ticker listed later / halted, so a later request for the missing part downloads
    again instead of being served a short history. ``None`` when nothing can be recorded
    (no rows inside ``[start, end]``, or ``end`` before ``start``).
    """
    if end < start:
        return None
    dates = pd.to_datetime(frame["date"])
    dates = dates[dates.between(start, end)]
    if dates.empty:
        return None
    first, last = pd.Timestamp(dates.min()), pd.Timestamp(dates.max())
    one = pd.Timedelta(days=1)
    # weekdays in [start, first) and in (last, end]
    before = int(np.busday_count(start.date(), first.date()))
    after = int(np.busday_count((last + one).date(), (end + one).date()))
    return (
        start if before <= HOLIDAY_WEEKDAYS else first,
        end if after <= HOLIDAY_WEEKDAYS else last,
    )


def _served_as_asked(
    cache: PriceCache, ticker: str, found: CacheLookup, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame | None:
    """Offline, the rows of a partial entry when Yahoo was already asked for the whole request
    (``asked_start``/``asked_end`` cover it: the ticker was listed later, or stopped trading,
    or the answer was truncated - a new download could tell). Served with a warning naming
    the span held; ``None`` otherwise (a miss)."""
    entry = found.entry
    if found.status != "partial" or entry is None:
        return None
    try:  # ISO dates as put() writes them; absent in entries written before they existed
        asked = tuple(
            pd.Timestamp(date.fromisoformat(entry[key])) for key in ("asked_start", "asked_end")
        )
    except (KeyError, TypeError, ValueError):
        return None
    if not (asked[0] <= start and end <= asked[1]):
        return None
    read = cache.read(entry, start, end)
    if read.frame is None:
        return None
    warnings.warn(
        f"{ticker}: offline, the cache holds only {entry['start']}..{entry['end']} of the "
        f"{start:%Y-%m-%d}..{end:%Y-%m-%d} requested (Yahoo had no more on "
        f"{entry.get('downloaded_at', 'download')}); go online to download it again",
        EventStudyWarning,
        stacklevel=3,
    )
    return read.frame


def _asked_fields(start: pd.Timestamp, end: pd.Timestamp) -> dict[str, str]:
    """The span Yahoo was asked for, recorded next to the span held."""
    return {"asked_start": f"{start:%Y-%m-%d}", "asked_end": f"{end:%Y-%m-%d}"}


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

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from eventstudy.data.cache import PriceCache, fetch_through_cache
    >>> from eventstudy.data.yahoo import YahooDownloader
    >>> def offline_download(tickers, start, end):  # stands in for yfinance.download
    ...     columns = pd.MultiIndex.from_product([["Close"], tickers], names=["Price", "Ticker"])
    ...     return pd.DataFrame(10.0, index=pd.bdate_range(start, end), columns=columns)
    >>> downloader = YahooDownloader(download=offline_download, sleep=lambda s: None, progress=False)
    >>> start, end = pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-05")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     cache = PriceCache(folder)
    ...     first = fetch_through_cache(cache, downloader, ["AAA"], start, end, offline=False,
    ...                                 refresh=False, settled=pd.Timestamp("2024-12-31"))
    ...     again = fetch_through_cache(cache, downloader, ["AAA"], start, end, offline=True,
    ...                                 refresh=False, settled=pd.Timestamp("2024-12-31"))
    ...     print(len(first), len(again), sorted(cache.manifest()["entries"]))
    4 4 ['AAA']
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
            served = _served_as_asked(cache, ticker, found, start, end)
            if served is not None:
                frames.append(served)
                entries[ticker] = found.entry or {}
                continue
            why = "only partly in cache" if found.status == "partial" else "not in cache"
            failed[ticker] = f"{why} for {start:%Y-%m-%d}..{end:%Y-%m-%d} (offline)"
        elif found.status == "partial" and found.entry is not None:
            lo = min(start, pd.Timestamp(found.entry["start"]))
            hi = max(end, pd.Timestamp(found.entry["end"]))
            to_download[ticker] = (lo, hi)
        else:
            to_download[ticker] = (start, end)
    if to_download:
        cache.ensure_writable()  # an unwritable cache fails before anything is downloaded
        # Tickers sharing a span go in one batch download.
        by_span: dict[tuple[pd.Timestamp, pd.Timestamp], list[str]] = {}
        for ticker, span in to_download.items():
            by_span.setdefault(span, []).append(ticker)
        for (lo, hi), group in by_span.items():

            def keep(batch: DownloadResult, lo: pd.Timestamp = lo, hi: pd.Timestamp = hi) -> None:
                # cached as each batch completes: an interrupt keeps the batches already done
                failed.update(batch.failed)
                for ticker, frame in batch.frames.items():
                    frame = frame[frame["date"] <= settled]  # no intraday or future rows
                    asked = (lo, min(hi, settled))
                    held = held_span(frame, *asked)
                    if held is not None:
                        entries[ticker] = cache.put(
                            ticker, frame, *held, {**batch.info, **_asked_fields(*asked)}
                        )
                    frames.append(frame[frame["date"].between(start, end)])

            downloader.download(group, lo, hi, on_batch=keep)
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
