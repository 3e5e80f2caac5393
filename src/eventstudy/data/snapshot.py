"""Reproducible snapshots: the exact prices a study used, frozen in a folder.

``export_snapshot(prices, folder, factors=None)`` writes ``prices.parquet`` (and
``factors.parquet`` for a factor model) and ``manifest.json`` (format tag, creation time, rows,
tickers, date span, sha256 and size of each Parquet file, the frames' provenance and the
factors' vintage). ``load_snapshot(folder)`` verifies the checksum and returns the same frame
bit-for-bit (values, dtypes, order), so a report re-runs identically months later even after
Yahoo revises adjusted prices or Kenneth French a factor vintage; ``load_snapshot_factors``
returns the factors. A snapshot folder is also readable with
:class:`~eventstudy.data.sources.LocalSource` / ``load_prices(prices_dir=folder)``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .._fileio import MANIFEST_NAME, OutputFolder, is_temp_name
from ..exceptions import CacheError, DataError, OutputError
from .cache import (
    frame_to_parquet_bytes,
    parquet_bytes_to_frame,
    read_verified,
    sha256_bytes,
)
from .validate import TIDY_COLUMNS, finalize_tidy, validate_tidy

__all__ = ["export_snapshot", "is_snapshot", "load_snapshot", "load_snapshot_factors"]

FORMAT = "eventstudy-snapshot/1"
_DATA = "prices.parquet"
_MANIFEST = "manifest.json"
_FACTORS = "factors.parquet"


def _jsonable(value: Any) -> Any:
    """Provenance as JSON (timestamps and other objects become strings)."""
    return json.loads(json.dumps(value, default=str))


def is_snapshot(folder: Path) -> bool:
    """Whether ``folder`` holds a snapshot manifest.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.data.snapshot import is_snapshot
    >>> from eventstudy.data.validate import finalize_tidy
    >>> prices = finalize_tidy(pd.DataFrame({"date": pd.bdate_range("2025-01-02", periods=3),
    ...                                      "ticker": "AAA", "adj_close": [10.0, 10.5, 10.2]}))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(is_snapshot(Path(folder)))
    ...     print(is_snapshot(es.export_snapshot(prices, Path(folder) / "snap")))
    False
    True
    """
    path = folder / _MANIFEST
    if not path.is_file():
        return False
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def export_snapshot(
    prices: pd.DataFrame,
    folder: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    factors: pd.DataFrame | None = None,
) -> Path:
    """Write the tidy ``prices`` a study used to ``folder`` (Parquet + checksummed manifest).

    Parameters
    ----------
    prices
        The tidy long frame (from :func:`load_prices` or :func:`read_prices`).
    folder
        Destination folder (created). It must be empty, new, or one of eventstudy's own
        snapshots; an existing snapshot is replaced only with ``overwrite=True``, and then only
        the files its manifest lists (any other file in the folder is left alone). Files are
        written under the file-safety contract of ``eventstudy._fileio``.
    factors
        The factor frame of a factor model (from :func:`load_factors`: index ``date``,
        decimal columns), stored beside the prices with its attributes (vintage, files,
        checksums).

    Returns
    -------
    pathlib.Path
        The folder.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.data.validate import finalize_tidy
    >>> prices = finalize_tidy(pd.DataFrame({"date": pd.bdate_range("2025-01-02", periods=3),
    ...                                      "ticker": "AAA", "adj_close": [10.0, 10.5, 10.2]}))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = es.export_snapshot(prices, f"{tmp}/selloff")
    ...     print(sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")))
    ...     again = es.load_snapshot(folder)  # bit for bit the same frame
    ...     print(again.equals(prices))
    ['manifest.json', 'prices.parquet']
    True
    >>> # from the network (Yahoo):
    >>> prices = es.load_prices(["NVDA", "SPY"], "2024-01-01", "2025-03-31")  # doctest: +SKIP
    """
    target = Path(folder).expanduser()
    missing = [c for c in TIDY_COLUMNS if c not in prices.columns]
    if missing:
        raise DataError(f"export_snapshot needs the tidy price frame; missing column(s) {missing}")
    owned = _snapshot_files(target)
    if owned is None:
        _refuse_foreign_folder(target)
    elif not overwrite:
        raise OutputError(
            f"{target} already holds a snapshot; pass overwrite=True to replace it "
            "(CLI: eventstudy snapshot ... --overwrite)"
        )
    tidy = finalize_tidy(prices)
    validate_tidy(tidy, context="snapshot")
    data = frame_to_parquet_bytes(tidy)
    out = OutputFolder(target, overwrite=overwrite, owned=owned)
    out.check([_DATA, _MANIFEST, *([_FACTORS] if factors is not None else [])])
    out.write(_DATA, data)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "file": _DATA,
        "sha256": sha256_bytes(data),
        "bytes": len(data),
        "rows": len(tidy),
        "tickers": sorted(tidy["ticker"].unique().tolist()),
        "first_date": f"{tidy['date'].min():%Y-%m-%d}" if len(tidy) else None,
        "last_date": f"{tidy['date'].max():%Y-%m-%d}" if len(tidy) else None,
        "provenance": _jsonable(prices.attrs.get("provenance", {})),
    }
    if factors is not None:
        if not isinstance(factors.index, pd.DatetimeIndex):
            raise DataError("export_snapshot: factors need a DatetimeIndex (as load_factors gives)")
        table = factors.copy()
        table.attrs = {}
        raw = frame_to_parquet_bytes(table.rename_axis("date").reset_index())
        out.write(_FACTORS, raw)
        manifest["factors"] = {
            "file": _FACTORS,
            "sha256": sha256_bytes(raw),
            "bytes": len(raw),
            "columns": [str(c) for c in factors.columns],
            "attrs": _jsonable(factors.attrs),
        }
    elif out.owns(_FACTORS):  # overwriting a factor snapshot with a price-only one
        out.remove(_FACTORS)
    out.write(_MANIFEST, json.dumps(manifest, indent=2).encode())
    return target


def _snapshot_files(folder: Path) -> dict[str, str | None] | None:
    """``{name: sha256}`` of the files an existing snapshot's manifest lists (its own files),
    or ``None`` when ``folder`` holds no snapshot. Names are checked to be plain file names."""
    if not is_snapshot(folder):
        return None
    try:
        manifest = _manifest(folder)
    except CacheError as exc:
        raise OutputError(
            f"{folder} holds a snapshot whose manifest is not a valid snapshot manifest ({exc}); "
            "choose another folder"
        ) from None
    files: dict[str, str | None] = {_MANIFEST: None}
    for entry in (manifest, manifest.get("factors")):
        if isinstance(entry, dict) and entry.get("file") in (_DATA, _FACTORS):
            sha = entry.get("sha256")
            files[str(entry["file"])] = sha if isinstance(sha, str) else None
    return files


def _refuse_foreign_folder(folder: Path) -> None:
    """A snapshot goes only into a new or empty folder (or over one of its own snapshots).

    Examples
    --------
    >>> import eventstudy as es
    >>> prices = es.load_snapshot("snapshots/selloff")  # doctest: +SKIP
    """
    if folder.is_symlink() and not folder.exists():
        raise OutputError(f"{folder} is a dangling symbolic link; choose another folder")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder; choose another --out")
    own = OutputFolder(folder).files  # files an interrupted export of ours left behind
    try:
        present = sorted(
            p.name
            for p in folder.iterdir()
            if not is_temp_name(p.name) and p.name != MANIFEST_NAME and p.name not in own
        )
    except OSError as exc:
        raise OutputError(f"cannot read the folder {folder}: {exc.strerror or exc}") from None
    if present:
        shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
        raise OutputError(
            f"{folder} is not empty ({shown}) and is not an eventstudy snapshot; a snapshot "
            "goes into a new or empty folder, and eventstudy never overwrites or deletes files "
            "it did not write: choose another --out"
        )


def load_snapshot(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Load a snapshot written by :func:`export_snapshot`, verifying its checksum.

    Raises
    ------
    CacheError
        The manifest is missing or unreadable, or the data file fails its checksum.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> prices = pd.DataFrame({"date": pd.bdate_range("2025-01-02", periods=2), "ticker": "AAA",
    ...                        "close": [10.0, 10.5], "adj_close": [10.0, 10.5]})
    >>> prices = es.data.validate.finalize_tidy(prices)  # the tidy columns, NaN where absent
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     loaded = es.load_snapshot(es.export_snapshot(prices, f"{tmp}/snap"))
    >>> loaded[["date", "ticker", "adj_close"]]
            date ticker  adj_close
    0 2025-01-02    AAA       10.0
    1 2025-01-03    AAA       10.5
    """
    source = Path(folder).expanduser()
    manifest = _manifest(source)
    data_path = source / manifest["file"]
    frame = parquet_bytes_to_frame(read_verified(data_path, manifest["sha256"]), data_path)
    frame.attrs["provenance"] = {
        **manifest.get("provenance", {}),
        "snapshot": str(source),
        "snapshot_sha256": manifest["sha256"],
        "snapshot_created_at": manifest["created_at"],
    }
    return frame


def load_snapshot_factors(folder: str | os.PathLike[str]) -> pd.DataFrame | None:
    """The factors stored by ``export_snapshot(..., factors=...)`` (checksum verified, the
    original attributes such as the vintage restored), or ``None`` when the snapshot has none.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.data.validate import finalize_tidy
    >>> dates = pd.bdate_range("2025-01-02", periods=2)
    >>> prices = finalize_tidy(pd.DataFrame({"date": dates, "ticker": "AAA", "adj_close": [10.0, 10.5]}))
    >>> factors = pd.DataFrame({"Mkt-RF": [0.01, -0.02], "RF": 0.0002},
    ...                        index=pd.DatetimeIndex(dates, name="date"))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = es.export_snapshot(prices, f"{tmp}/snap", factors=factors)
    ...     stored = es.load_snapshot_factors(folder)  # None if none were stored
    >>> stored.equals(factors)
    True
    """
    source = Path(folder).expanduser()
    entry = _manifest(source).get("factors")
    if entry is None:
        return None
    path = source / entry["file"]
    table = parquet_bytes_to_frame(read_verified(path, entry["sha256"]), path)
    factors = table.set_index("date")
    factors.attrs.update(entry.get("attrs", {}))
    factors.attrs["snapshot"] = str(source)
    return factors


def _manifest(source: Path) -> dict[str, Any]:
    path = source / _MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise CacheError(f"{source} is not a snapshot folder (no {_MANIFEST})") from exc
    except (OSError, ValueError) as exc:
        raise CacheError(f"snapshot manifest {path} is unreadable: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        shown = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise CacheError(f"{path} is not an eventstudy snapshot manifest (format {shown!r})")
    factors = manifest.get("factors")
    entries = [manifest, *([factors] if factors is not None else [])]
    for entry in entries:  # an untrusted file: names must stay inside the folder
        ok = isinstance(entry, dict) and entry.get("file") in (_DATA, _FACTORS)
        if not ok or not isinstance(entry.get("sha256"), str):
            raise CacheError(
                f"snapshot manifest {path} has the wrong structure (each file must be "
                f"{_DATA} or {_FACTORS} with a sha256); export the snapshot again"
            )
    return manifest
