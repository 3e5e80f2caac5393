"""Fama-French daily factors: Kenneth French's zipped CSVs (downloaded and cached) or local CSVs.

Result: a DataFrame indexed by ``date`` (``datetime64[ns]``) in **decimal** units, columns
``Mkt-RF, SMB, HML, RMW, CMA, Mom, RF`` as the model needs; ``attrs["vintage"]`` (e.g.
``"202604"``, from the file's "created ... using the 202604 CRSP database" line),
``attrs["vintage_text"]``, ``attrs["sha256"]`` (per file) and ``attrs["source"]``.

Scale rule (``scale="auto"``): French publishes percent. A file is taken as percent when the
median absolute value of its non-RF factor columns exceeds 0.05 (daily factor returns in
decimals have median |x| around 0.005; in percent around 0.5), or — for an RF-only file —
when the median RF exceeds 0.002. Pass ``scale="percent"`` or ``"decimal"`` to override.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import config
from ..exceptions import CacheError, DataError, DataUnavailableError, SpecError
from .guards import looks_like_percent
from .validate import parse_dates, to_timestamp

__all__ = ["FRENCH_URL", "load_factors", "parse_french_csv", "parse_french_zip"]

FactorModelName = Literal["ff3", "ff5", "carhart", "ff5mom"]
Scale = Literal["auto", "percent", "decimal"]

FRENCH_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"
#: dataset key -> (Ken French zip name, local CSV name)
_DATASETS: dict[str, tuple[str, str]] = {
    "ff3": ("F-F_Research_Data_Factors_daily_CSV.zip", "FF3_daily.csv"),
    "ff5": ("F-F_Research_Data_5_Factors_2x3_daily_CSV.zip", "FF5_daily.csv"),
    "mom": ("F-F_Momentum_Factor_daily_CSV.zip", "MOM_daily.csv"),
}
_MODELS: dict[str, tuple[str, ...]] = {
    "ff3": ("ff3",),
    "ff5": ("ff5",),
    "carhart": ("ff3", "mom"),
    "ff5mom": ("ff5", "mom"),
}
_ALIASES = {"carhart4": "carhart", "ff4": "carhart", "ff6": "ff5mom"}
_ORDER = ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom", "RF")


def _download_url(url: str, timeout: float = 30.0) -> bytes:
    """Fetch ``url`` (the only network call of this module; tests replace it)."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=timeout) as response:
        data: bytes = response.read()
    return data


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # some French files are cp1252/latin-1
        return raw.decode("latin-1")


def _vintage(text: str) -> tuple[str | None, str]:
    """The YYYYMM CRSP vintage and the description/copyright lines before the table."""
    description = " ".join(line.strip() for line in text.splitlines() if line.strip())
    match = re.search(r"(\d{6})\s+CRSP", description)
    return (match.group(1) if match else None), description


def parse_french_csv(text: str, *, context: str) -> tuple[pd.DataFrame, str | None, str]:
    """Parse the first table of a Ken French CSV (header line, then rows until a blank line).

    Returns the table in the file's units (percent), the vintage and the description text.

    Examples
    --------
    >>> from eventstudy.data.factors import parse_french_csv
    >>> text = ("This file was created using the 202604 CRSP database.\\n"
    ...         ",Mkt-RF,SMB,HML,RF\\n"
    ...         "20250102,  -0.23,  0.41, 0.12, 0.017\\n"
    ...         "20250103,   1.25, -0.10, 0.05, 0.017\\n"
    ...         "\\n Copyright 2026 Eugene F. Fama and Kenneth R. French\\n")
    >>> table, vintage, description = parse_french_csv(text, context="F-F_Research_Data_Factors_daily.CSV")
    >>> table  # percent, as the file has it
                Mkt-RF   SMB   HML     RF
    date
    2025-01-02   -0.23  0.41  0.12  0.017
    2025-01-03    1.25 -0.10  0.05  0.017
    >>> vintage
    '202604'
    """
    lines = text.splitlines()
    header_at = next(
        (
            i
            for i, line in enumerate(lines)
            if line.lstrip().startswith(",")
            and i + 1 < len(lines)
            and re.match(r"\s*\d{8}\s*,", lines[i + 1])
        ),
        None,
    )
    if header_at is None:
        raise DataError(
            f"{context}: no daily factor table found (expected a header line starting with ',')"
        )
    body: list[str] = []
    for line in lines[header_at + 1 :]:
        if not line.strip():
            break
        body.append(line)
    names = ["date", *(c.strip() for c in lines[header_at].split(",")[1:])]
    table = pd.read_csv(
        io.StringIO("\n".join(body)), header=None, names=names, dtype={"date": "str"}
    )
    table["date"] = parse_dates(table["date"].str.strip(), context=context)
    copyright_lines = [
        line.strip() for line in lines if line.strip().lower().startswith("copyright")
    ]
    vintage, description = _vintage("\n".join([*lines[:header_at], *copyright_lines[:1]]))
    return table.set_index("date"), vintage, description


def parse_french_zip(raw: bytes, *, context: str) -> tuple[pd.DataFrame, str | None, str]:
    """Parse a Ken French zip (one CSV member); see :func:`parse_french_csv`.

    Examples
    --------
    >>> import io, zipfile
    >>> from eventstudy.data.factors import parse_french_zip
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as archive:
    ...     archive.writestr("F-F_Research_Data_Factors_daily.csv",
    ...                      "202604 CRSP\\n,Mkt-RF,SMB,HML,RF\\n20250102,-0.23,0.41,0.12,0.017\\n")
    >>> table, vintage, _ = parse_french_zip(buffer.getvalue(), context="ff3.zip")
    >>> list(table.columns), vintage
    (['Mkt-RF', 'SMB', 'HML', 'RF'], '202604')
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if not members:
                raise DataError(f"{context}: the zip holds no CSV file ({archive.namelist()})")
            text = _decode(archive.read(members[0]))
    except zipfile.BadZipFile as exc:
        raise CacheError(
            f"{context}: not a valid zip file ({exc}); delete it to download again"
        ) from exc
    return parse_french_csv(text, context=context)


def _read_local_csv(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype={0: "str"})
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read factor file {path}: {exc}") from exc
    table.columns = [str(c).strip() for c in table.columns]
    first = table.columns[0]
    table.index = pd.DatetimeIndex(parse_dates(table[first], context=str(path)), name="date")
    return table.drop(columns=[first])


def _to_decimal(table: pd.DataFrame, scale: Scale, context: str) -> tuple[pd.DataFrame, str]:
    numeric = table.apply(pd.to_numeric, errors="coerce").astype("float64")
    bad = numeric.isna() & table.notna()
    if bad.to_numpy().any():
        where = bad.stack()
        date, column = where[where].index[0]
        raise DataError(
            f"{context}: non-numeric factor value {table.at[date, column]!r} ({column} on {date:%Y-%m-%d})"
        )
    if (numeric <= -99.99).to_numpy().any():  # French's missing-value code
        numeric = numeric.mask(numeric <= -99.99)
    if scale == "auto":
        others = [c for c in numeric.columns if c != "RF"]
        values = numeric[others] if others else numeric
        if others:  # the one percent rule of returns and factors (eventstudy.data.guards)
            percent = bool(looks_like_percent(values.to_numpy(), axis=None)[0])
        else:  # an RF-only file: daily RF in decimals stays below 0.002
            percent = float(np.nanmedian(np.abs(values.to_numpy()))) > 0.002
        scale = "percent" if percent else "decimal"
    elif scale not in ("percent", "decimal"):
        raise SpecError(f"scale={scale!r} is not valid; use 'auto', 'percent' or 'decimal'")
    return (numeric / 100.0 if scale == "percent" else numeric), scale


def _cached_zip(
    name: str, cache_root: Path, *, offline: bool, refresh: bool, needed_end: pd.Timestamp | None
) -> tuple[bytes, str]:
    """The zip for ``name`` from the cache, downloading (atomically cached) when needed."""
    from .cache import read_verified, write_bytes_atomic

    folder = cache_root / "factors"
    path, manifest = folder / name, folder / f"{name}.json"
    cached: bytes | None = None
    if path.exists() and manifest.exists() and not refresh:
        try:
            for own in (path, manifest):  # cache files are untrusted: never read via a link
                if own.is_symlink():
                    raise CacheError(f"{own} is a symbolic link")
            meta = json.loads(manifest.read_text())
            cached = read_verified(path, meta["sha256"])
        except (CacheError, ValueError, KeyError, TypeError, OSError) as exc:  # untrusted shape
            if offline:
                raise CacheError(
                    f"cached factor file {path} is corrupt ({exc}); go online to re-download it"
                ) from exc
            cached = None
    if cached is not None:
        stale = False
        if needed_end is not None and not offline:
            table, _, _ = parse_french_zip(cached, context=str(path))
            stale = table.index.max() < needed_end
        if not stale:
            return cached, f"cache {path}"
    if offline:
        raise DataUnavailableError(
            f"factor file {name} is not in the cache {folder} and offline mode is on; "
            "go online once, or use local factor files: load_factors(path=... or "
            "factors_dir=...), CLI --factors-dir DIR",
            failed={name: "not in cache (offline)"},
        )
    try:
        raw = _download_url(FRENCH_URL + name)
    except OSError as exc:  # URLError, timeouts, DNS: the network, not the data
        reason = getattr(exc, "reason", None) or exc
        raise DataUnavailableError(
            f"could not download factor file {name} from Kenneth French's data library "
            f"({reason}); check the network, or use local factor files: "
            "load_factors(path=... or factors_dir=...), CLI --factors-dir DIR",
            failed={name: f"download failed ({reason})"},
        ) from exc
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheError(
            f"the cache folder {folder} is not writable ({exc.strerror or exc}); fix its "
            "permissions or set EVENTSTUDY_CACHE_DIR to a writable folder"
        ) from None
    digest = hashlib.sha256(raw).hexdigest()
    write_bytes_atomic(path, raw)
    meta_out = {
        "url": FRENCH_URL + name,
        "downloaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sha256": digest,
    }
    write_bytes_atomic(manifest, json.dumps(meta_out, indent=2).encode())
    return raw, FRENCH_URL + name


def _load_dataset(
    key: str,
    *,
    path: Path | None,
    local_dir: Path | None,
    cache_root: Path,
    offline: bool,
    refresh: bool,
    needed_end: pd.Timestamp | None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    zip_name, csv_name = _DATASETS[key]
    if path is None and local_dir is not None:
        candidates = [
            local_dir / csv_name,
            local_dir / zip_name,
            local_dir / zip_name.replace(".zip", ".csv").replace("_CSV", ""),
        ]
        path = next((p for p in candidates if p.exists()), None)
        if path is None:
            raise DataUnavailableError(
                f"no {csv_name} (or {zip_name}) in the factors folder {local_dir}",
                failed={key: f"no file in {local_dir}"},
            )
    if path is not None:
        raw = path.read_bytes()
        if path.suffix.lower() == ".zip":
            table, vintage, text = parse_french_zip(raw, context=str(path))
        elif raw.lstrip()[:1] == b"," or b"CRSP" in raw[:2000]:
            table, vintage, text = parse_french_csv(_decode(raw), context=str(path))
        else:
            table, vintage, text = _read_local_csv(path), None, ""
        where = str(path)
    else:
        raw, where = _cached_zip(
            zip_name, cache_root, offline=offline, refresh=refresh, needed_end=needed_end
        )
        table, vintage, text = parse_french_zip(raw, context=where)
    meta = {
        "source": where,
        "vintage": vintage,
        "vintage_text": text,
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    return table, meta


def load_factors(
    model: FactorModelName = "ff3",
    *,
    start: Any = None,
    end: Any = None,
    path: str | os.PathLike[str] | None = None,
    factors_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    offline: bool | None = None,
    refresh: bool = False,
    scale: Scale = "auto",
    vintage: str | None = None,
) -> pd.DataFrame:
    """Load Fama-French daily factors in decimal units.

    Parameters
    ----------
    model
        ``"ff3"`` (Mkt-RF, SMB, HML, RF), ``"ff5"`` (+ RMW, CMA), ``"carhart"`` (ff3 + Mom) or
        ``"ff5mom"`` (ff5 + Mom); case-insensitive, aliases ``"carhart4"``/``"ff4"`` and ``"ff6"``.
    start, end
        Inclusive date bounds. If the data end before ``end`` (French's files lag 1–2 months)
        a :class:`DataUnavailableError` gives the last available date and the vintage.
    path
        One file holding every column the model needs: a local CSV (``Date,Mkt-RF,...``), a
        Ken French CSV or zip.
    factors_dir
        Folder of local files named like ``FF3_daily.csv``, ``FF5_daily.csv``, ``MOM_daily.csv``
        (or French's zip names); default ``EVENTSTUDY_FACTORS_DIR``.
    cache_dir, offline, refresh
        Without local files, French's zips are downloaded into ``<cache_dir>/factors`` (atomic
        write, sha256 recorded) and reused; ``offline`` forbids the download, ``refresh`` forces
        it. Online, a cached zip that ends before ``end`` is downloaded again once.
    scale
        ``"auto"`` (see module docstring), ``"percent"`` or ``"decimal"``.
    vintage
        The vintage to record for files that carry no vintage line (local CSVs), e.g.
        ``"202604"`` when you know which CRSP vintage they were cut from; without it such
        files are recorded as ``"unknown"``. A file's own vintage line always wins.

    Returns
    -------
    pandas.DataFrame
        Index ``date``, decimal factor columns in the order ``Mkt-RF, SMB, HML, RMW, CMA, Mom, RF``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import eventstudy as es
    >>> with tempfile.TemporaryDirectory() as folder:  # a local FF3_daily.csv, in percent
    ...     _ = (Path(folder) / "FF3_daily.csv").write_text(
    ...         "Date,Mkt-RF,SMB,HML,RF\\n20250102,-0.23,0.41,0.12,0.017\\n20250103,1.25,-0.10,0.05,0.017\\n")
    ...     factors = es.load_factors("ff3", factors_dir=folder, start="2025-01-02", end="2025-01-03")
    >>> factors.round(5)  # decimal units
                Mkt-RF     SMB     HML       RF
    date
    2025-01-02 -0.0023  0.0041  0.0012  0.00017
    2025-01-03  0.0125 -0.0010  0.0005  0.00017
    >>> # from Ken French's site (the network):
    >>> factors = es.load_factors("ff5", start="2024-01-01", end="2024-12-31")  # doctest: +SKIP
    """
    key = str(model).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _MODELS:
        raise SpecError(
            f"model={model!r} is not valid; use one of {sorted(_MODELS)} (case-insensitive)"
        )
    model = key  # type: ignore[assignment]
    lo = to_timestamp(start, "start") if start is not None else None
    hi = to_timestamp(end, "end") if end is not None else None
    local_dir = config.factors_dir(factors_dir)
    file = Path(path).expanduser() if path is not None else None
    if file is not None and not file.exists():
        raise DataUnavailableError(f"factor file {file} does not exist")
    cache_root = config.cache_dir(cache_dir)
    is_offline = config.offline(offline)
    keys = _MODELS[model] if file is None else ("file",)
    tables, metas = [], {}
    for key in keys:
        table, meta = _load_dataset(
            "ff3" if key == "file" else key,
            path=file,
            local_dir=local_dir,
            cache_root=cache_root,
            offline=is_offline,
            refresh=refresh,
            needed_end=hi,
        )
        table.columns = ["Mom" if c.strip().lower() == "mom" else c.strip() for c in table.columns]
        decimal, used_scale = _to_decimal(table, scale, meta["source"])
        meta["scale"] = used_scale
        tables.append(decimal)
        metas[key] = meta
    factors = pd.concat(tables, axis=1, join="inner")
    factors = factors.loc[:, ~factors.columns.duplicated()]
    needed = {
        "ff3": ["Mkt-RF", "SMB", "HML", "RF"],
        "ff5": ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"],
    }
    required = [
        *needed["ff5" if model.startswith("ff5") else "ff3"],
        *(["Mom"] if model in ("carhart", "ff5mom") else []),
    ]
    missing = [c for c in required if c not in factors.columns]
    if missing:
        raise DataError(
            f"factor data for model {model!r} lack column(s) {missing}; found {list(factors.columns)}"
        )
    factors = factors[[c for c in _ORDER if c in required]]
    factors.index = pd.DatetimeIndex(factors.index).as_unit("ns").rename("date")
    factors = factors.sort_index()
    if vintage is not None:
        if not str(vintage).strip():
            raise SpecError("vintage= must be a non-empty string, e.g. '202604'")
        for m in metas.values():
            m["vintage"] = m["vintage"] or f"{str(vintage).strip()} (stated by the user)"
    vintages = sorted({m["vintage"] for m in metas.values() if m["vintage"]})
    vintage = ",".join(vintages) if vintages else "unknown"
    _check_span(factors, lo, hi, vintage)
    if lo is not None:
        factors = factors.loc[lo:]
    if hi is not None:
        factors = factors.loc[:hi]
    factors.attrs.update(
        {
            "model": model,
            "vintage": vintage,
            "vintage_text": {k: m["vintage_text"] for k, m in metas.items()},
            "sha256": {k: m["sha256"] for k, m in metas.items()},
            "source": {k: m["source"] for k, m in metas.items()},
            "scale": {k: m["scale"] for k, m in metas.items()},
            "units": "decimal",
        }
    )
    return factors


def _check_span(
    factors: pd.DataFrame, lo: pd.Timestamp | None, hi: pd.Timestamp | None, vintage: str
) -> None:
    first, last = factors.index.min(), factors.index.max()
    if hi is not None and last < hi:
        raise DataUnavailableError(
            f"factor data end on {last:%Y-%m-%d} (vintage {vintage}) but end={hi:%Y-%m-%d} was "
            "requested; Ken French's files lag 1-2 months — use an earlier end, or refresh=True "
            "when a newer vintage is out",
            failed={"factors": f"ends {last:%Y-%m-%d}"},
        )
    if lo is not None and first > lo:
        raise DataUnavailableError(
            f"factor data start on {first:%Y-%m-%d} (vintage {vintage}) but start={lo:%Y-%m-%d} was requested",
            failed={"factors": f"starts {first:%Y-%m-%d}"},
        )
