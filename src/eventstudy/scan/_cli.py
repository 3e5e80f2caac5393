"""``eventstudy scan [SCAN.toml] --out DIR``: a shock scan from a TOML ``[scan]`` table or flags.

Spec keys (all optional except a universe or tickers; command-line flags override them)::

    [scan]
    universe = "universe/sp500_adjclose.csv"  # wide price panel (Date + one column per ticker)
    tickers = ["NVDA", "AVGO"]                  # or: firms loaded with load_prices
    market = "SPY"
    start = "2023-01-03"
    end = "2025-12-31"
    model = "market"                            # market | market_adjusted | constant_mean
    estimation = [-250, -1]
    level = 0.01                                # nominal false-flag rate of a firm-day
    day_level = 0.01                            # level of the shock-day test
    side = "both"                               # both | down | up
    gaps = "skip"                               # error | skip
    sectors = "universe/sp500_constituents.csv" # ticker -> sector CSV
    sector_column = "GICS Sector"
    volume = false                              # abnormal volume from the prices' Volume
    top = 20

Relative paths are looked up in the prices folder (``--prices-dir`` or
``EVENTSTUDY_PRICES_DIR``) first, then next to the spec.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import DataError, SpecError

__all__ = ["SCAN_KEYS", "add_scan_arguments", "run_scan"]

#: valid keys of the ``[scan]`` table and their types
SCAN_KEYS: dict[str, type | tuple[type, ...]] = {
    "universe": str,
    "tickers": list,
    "market": str,
    "start": (str,),
    "end": (str,),
    "model": str,
    "estimation": list,
    "level": (float, int),
    "day_level": (float, int),
    "side": str,
    "gaps": str,
    "sectors": str,
    "sector_column": str,
    "volume": bool,
    "top": int,
}


def add_scan_arguments(sub: argparse.ArgumentParser) -> None:
    """The flags of ``eventstudy scan`` (each overrides the spec key of the same name)."""
    sub.add_argument("spec", type=Path, nargs="?", metavar="SCAN.toml", help="scan spec (TOML)")
    sub.add_argument("--universe", type=str, metavar="CSV", help="wide price panel")
    sub.add_argument("--tickers", type=str, help="comma-separated firms (instead of a universe)")
    sub.add_argument("--market", type=str, help="market ticker (default SPY)")
    sub.add_argument("--start", type=str, help="first session (YYYY-MM-DD)")
    sub.add_argument("--end", type=str, help="last session (YYYY-MM-DD)")
    sub.add_argument("--model", type=str, help="market | market_adjusted | constant_mean")
    sub.add_argument("--estimation", type=int, nargs=2, metavar=("A", "B"), help="e.g. -250 -1")
    sub.add_argument("--level", type=float, help="false-flag rate of a firm-day (0.01)")
    sub.add_argument("--day-level", dest="day_level", type=float, help="shock-day level (0.01)")
    sub.add_argument("--side", type=str, help="both | down | up")
    sub.add_argument("--gaps", type=str, help="error | skip")
    sub.add_argument("--sectors", type=str, metavar="CSV", help="ticker -> sector CSV")
    sub.add_argument(
        "--volume",
        action="store_true",
        default=None,
        help="confirm flags by abnormal volume (needs per-ticker files with Volume)",
    )
    sub.add_argument("--top", type=int, help="shock days in the tables (20)")
    sub.add_argument("--out", type=Path, metavar="DIR", default=Path("scan"), help="output folder")
    sub.add_argument("--overwrite", action="store_true", help="replace earlier outputs")


def load_scan_spec(path: Path | None) -> dict[str, Any]:
    """The ``[scan]`` table of a TOML file (unknown keys and wrong types are SpecErrors)."""
    if path is None:
        return {}
    try:
        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
    except FileNotFoundError:
        raise SpecError(f"scan spec {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"scan spec {path} is not valid TOML: {exc}") from None
    table = doc.get("scan")
    if not isinstance(table, dict):
        raise SpecError(f"scan spec {path} has no [scan] table; valid keys: {', '.join(SCAN_KEYS)}")
    unknown = sorted(set(table) - set(SCAN_KEYS))
    if unknown:
        raise SpecError(
            f"unknown key(s) {unknown} in [scan] of {path}; valid: {', '.join(SCAN_KEYS)}"
        )
    for key, value in table.items():
        want = SCAN_KEYS[key]
        if key in ("start", "end") and not isinstance(value, str):
            value = str(value)  # TOML dates
            table[key] = value
        if not isinstance(value, want) or (want is not bool and isinstance(value, bool)):
            raise SpecError(f"[scan] {key} = {value!r} has the wrong type in {path}")
    return dict(table)


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    spec = load_scan_spec(args.spec)
    for key in SCAN_KEYS:
        value = getattr(args, key, None)
        if value is not None:
            spec[key] = value
    if isinstance(spec.get("tickers"), str):
        spec["tickers"] = [t.strip() for t in spec["tickers"].split(",") if t.strip()]
    if not spec.get("universe") and not spec.get("tickers"):
        raise SpecError(
            "nothing to scan: give a universe (a wide price panel, --universe or [scan] "
            "universe) or tickers (--tickers or [scan] tickers)"
        )
    market = str(spec.get("market", "SPY"))
    if any(str(t).upper() == market.upper() for t in spec.get("tickers") or ()):
        from ._core import market_among_firms

        raise market_among_firms(market)
    if spec.get("tickers") and not (spec.get("start") and spec.get("end")):
        raise SpecError("tickers need start and end dates (--start/--end or [scan] start/end)")
    return spec


def _find(name: str, args: argparse.Namespace) -> Path:
    from ..config import prices_dir

    path = Path(name).expanduser()
    if path.is_absolute():
        candidates = [path]
    else:
        local = prices_dir(args.prices_dir)
        here = args.spec.parent if args.spec is not None else Path.cwd()
        candidates = ([local / path] if local is not None else []) + [here / path]
    for c in candidates:
        if c.is_file():
            return c
    raise DataError(
        f"file {name} not found (looked in {', '.join(str(c) for c in candidates)}); pass "
        "--prices-dir DIR or an absolute path"
    )


def _prices(spec: dict[str, Any], args: argparse.Namespace) -> pd.DataFrame:
    from ..data import load_prices, read_prices

    market = spec.get("market", "SPY")
    start, end = spec.get("start"), spec.get("end")
    load_opts = {
        "prices_dir": args.prices_dir,
        "offline": True if args.offline else None,
        "progress": not args.quiet,
    }
    if spec.get("universe"):
        prices = read_prices(_find(spec["universe"], args))
        first, last = prices["date"].min(), prices["date"].max()
        if market not in set(prices["ticker"]):
            extra = load_prices([market], start or first, end or last, **load_opts)
            prices = pd.concat([prices, extra], ignore_index=True)
        if spec.get("tickers"):
            keep = {t.upper() for t in spec["tickers"]} | {market}
            prices = prices[prices["ticker"].isin(keep)]
    else:
        wanted = [*dict.fromkeys(t.upper() for t in spec["tickers"]), market]
        assert start is not None and end is not None  # checked by _settings
        prices = _load_some(
            wanted, market, lambda names: load_prices(names, start, end, **load_opts)
        )
    if start is not None:
        prices = prices[prices["date"] >= pd.Timestamp(start)]
    if end is not None:
        prices = prices[prices["date"] <= pd.Timestamp(end)]
    return prices


def _load_some(
    wanted: list[str], market: str, load: Callable[[list[str]], pd.DataFrame]
) -> pd.DataFrame:
    """The prices of ``wanted``; a firm whose prices cannot be loaded (a missing or unreadable
    file, an unknown symbol) is left out of the scan with a warning naming it and why. The
    market, or every firm, missing is an error."""
    import warnings

    from ..exceptions import DataUnavailableError, user_stacklevel

    try:
        return load(wanted)
    except DataUnavailableError as exc:
        failed = ", ".join(f"{t} ({r})" for t, r in exc.failed.items())
        if market in exc.failed:
            raise DataUnavailableError(
                f"no prices for the scan's market {market}: {failed}",
                failed=exc.failed,
                partial=exc.partial,
            ) from exc
        if not [t for t in wanted if t != market and t not in exc.failed]:
            raise DataUnavailableError(
                f"no prices for any firm to scan: {failed}", failed=exc.failed
            ) from exc
        warnings.warn(f"no prices for {failed}; left out of the scan", stacklevel=user_stacklevel())
        if isinstance(exc.partial, pd.DataFrame) and len(exc.partial):
            return exc.partial
        return load([t for t in wanted if t not in exc.failed])


def run_scan(args: argparse.Namespace, progress: Callable[[str], None]) -> Any:
    """Load, scan and write; returns the :class:`ShockScan` (the CLI prints its summary)."""
    from .._fileio import OutputFolder

    spec = _settings(args)
    created = _missing_ancestor(Path(args.out).expanduser())
    OutputFolder(args.out, overwrite=args.overwrite)  # fail before loading anything
    try:
        return _load_scan_write(spec, args, progress)
    except BaseException:
        if created is not None:  # a failed run leaves no empty folder it created
            _remove_empty(Path(args.out).expanduser(), created)
        raise


def _missing_ancestor(folder: Path) -> Path | None:
    """The outermost of ``folder`` and its parents that does not exist yet (``None``: it
    exists), i.e. the first folder this run will create."""
    if folder.exists() or folder.is_symlink():
        return None
    top = folder
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    return top


def _remove_empty(folder: Path, created: Path) -> None:
    """Remove ``folder`` and its parents up to ``created`` while they are empty folders."""
    import contextlib

    path = folder
    while True:
        if path.is_symlink() or not path.is_dir() or any(path.iterdir()):
            return
        with contextlib.suppress(OSError):
            path.rmdir()
        if path == created or path.parent == path:
            return
        path = path.parent


def _load_scan_write(
    spec: dict[str, Any], args: argparse.Namespace, progress: Callable[[str], None]
) -> Any:
    from ..returns import compute_returns
    from ._core import read_sector_map, scan_shocks

    progress("loading prices")
    prices = _prices(spec, args)
    returns = compute_returns(prices)
    sectors = (
        read_sector_map(
            _find(spec["sectors"], args), sector_column=spec.get("sector_column", "GICS Sector")
        )
        if spec.get("sectors")
        else None
    )
    volume = None
    if spec.get("volume"):
        if "volume" not in prices.columns or prices["volume"].isna().all():
            raise DataError(
                "volume = true but the prices have no volumes (a wide panel of closes has "
                "none): load the firms from per-ticker files with a Volume column (tickers = "
                "[...] with --prices-dir), or drop volume"
            )
        volume = prices
    progress(f"scanning {returns.shape[1] - 1} firms over {returns.shape[0]} sessions")
    options: dict[str, Any] = {
        k: spec[k] for k in ("model", "level", "day_level", "side", "gaps") if k in spec
    }
    if "estimation" in spec:
        options["estimation"] = tuple(int(v) for v in spec["estimation"])
    scan = scan_shocks(
        returns, market=spec.get("market", "SPY"), sectors=sectors, volume=volume, **options
    )
    progress(f"writing tables and figures to {args.out}")
    written = scan.export(args.out, top=spec.get("top", 20), overwrite=args.overwrite)
    return scan, written
