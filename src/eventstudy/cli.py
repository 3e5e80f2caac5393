"""Command line: ``eventstudy run | fetch | snapshot STUDY.toml``.

``run`` turns a study spec (see :mod:`eventstudy.spec`) into a report folder: CSV (and
optionally Parquet) tables, PNG figures, ``report.html`` (self-contained, figures embedded),
``report.md`` with the provenance block, ``summary.txt`` and ``provenance.json``.
``fetch`` warms the price cache; ``snapshot`` exports the prices a study uses.

Exit codes
----------
0 success; 1 any other error; 2 bad spec or arguments; 3 data unavailable or unusable;
4 the output cannot be written. Errors are one line on stderr (``--debug`` shows the
traceback).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from .exceptions import DataError, DataUnavailableError, EventStudyError, OutputError, SpecError

__all__ = ["EXIT_CODES", "build_parser", "main"]

EXIT_CODES: dict[str, int] = {"ok": 0, "error": 1, "spec": 2, "data": 3, "output": 4}


# ----------------------------------------------------------------------------- arguments
def build_parser() -> argparse.ArgumentParser:
    """The ``eventstudy`` argument parser (sub-commands run, fetch, snapshot)."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="eventstudy",
        description="Financial event studies from a TOML study spec.",
        epilog="Exit codes: 0 ok, 1 error, 2 bad spec, 3 data unavailable, 4 output not writable.",
    )
    parser.add_argument("--version", action="version", version=f"eventstudy {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a study and write its report")
    _common(run)
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=Path("report"),
        help="report folder (default: report/)",
    )

    fetch = commands.add_parser("fetch", help="download the study's prices into the cache")
    _common(fetch)
    fetch.add_argument("--refresh", action="store_true", help="download again even if cached")

    snap = commands.add_parser("snapshot", help="export the prices a study uses to a folder")
    _common(snap)
    snap.add_argument("--out", type=Path, metavar="DIR", required=True, help="snapshot folder")
    snap.add_argument("--overwrite", action="store_true", help="replace an existing snapshot")
    return parser


def _common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("spec", type=Path, metavar="STUDY.toml", help="study spec (TOML)")
    sub.add_argument(
        "--prices-dir",
        type=Path,
        metavar="DIR",
        help="read prices from this folder of per-ticker files",
    )
    sub.add_argument(
        "--factors-dir",
        type=Path,
        metavar="DIR",
        help="read Fama-French factor CSVs from this folder",
    )
    sub.add_argument("--offline", action="store_true", help="never touch the network")
    sub.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    sub.add_argument("--debug", action="store_true", help="show tracebacks")


# ----------------------------------------------------------------------------- progress
class Progress:
    """Numbered progress lines on stderr (silent with ``--quiet``)."""

    def __init__(self, total: int, quiet: bool, stream: TextIO | None = None) -> None:
        self.total, self.quiet, self.step = total, quiet, 0
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        self.step += 1
        self.say(f"[{self.step}/{self.total}] {message}")

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=self.stream, flush=True)

    def done(self, message: str) -> None:
        self.say(f"{message} ({time.perf_counter() - self.start:.1f}s)")


# ----------------------------------------------------------------------------- data
def load_study_prices(
    spec: Any, args: argparse.Namespace, *, refresh: bool = False
) -> pd.DataFrame:
    """The prices a study needs. Firms whose prices cannot be obtained are left out with a
    warning (their events are reported as dropped); a missing market or benchmark, or no
    firm at all, is a :class:`DataUnavailableError`."""
    start, end = spec.price_range()
    tickers = spec.all_tickers()
    try:
        return _load(tickers, start, end, args, refresh)
    except DataUnavailableError as exc:
        essential = set(tickers) - set(spec.events_frame()["ticker"].astype(str))
        firms_left = [t for t in tickers if t not in exc.failed and t not in essential]
        if essential & set(exc.failed) or not firms_left:
            raise
        failed = ", ".join(f"{t} ({r})" for t, r in exc.failed.items())
        warnings.warn(f"no prices for {failed}; their events are dropped", stacklevel=2)
        if isinstance(exc.partial, pd.DataFrame) and len(exc.partial):
            return exc.partial
        return _load([t for t in tickers if t not in exc.failed], start, end, args, refresh)


def _load(
    tickers: list[str], start: Any, end: Any, args: argparse.Namespace, refresh: bool
) -> pd.DataFrame:
    from .data import load_prices

    return load_prices(
        tickers,
        start,
        end,
        prices_dir=args.prices_dir,
        offline=True if args.offline else None,
        refresh=refresh,
        progress=not args.quiet,
    )


def load_study_factors(spec: Any, args: argparse.Namespace) -> pd.DataFrame | None:
    """Fama-French factors when the spec's model needs them."""
    dataset = spec.model.factors_dataset
    if dataset is None:
        return None
    from .config import prices_dir
    from .data import load_factors
    from .data.snapshot import is_snapshot, load_snapshot_factors

    local = prices_dir(args.prices_dir)
    if args.factors_dir is None and local is not None and is_snapshot(local):
        stored = load_snapshot_factors(local)  # a snapshot re-runs with its own factors
        if stored is not None:
            return stored

    start, end = spec.price_range()
    return load_factors(
        dataset,
        start=start,
        end=end,
        factors_dir=args.factors_dir,
        offline=True if args.offline else None,
        vintage=spec.factors_vintage,
    )


# ----------------------------------------------------------------------------- commands
def cmd_run(args: argparse.Namespace, progress: Progress) -> int:
    from . import report
    from .returns import compute_returns
    from .spec import load_spec
    from .study import EventStudy

    spec = load_spec(args.spec)
    out = report.ensure_writable(args.out)  # fail before any download
    progress(f"loading prices of {len(spec.all_tickers())} tickers")
    prices = load_study_prices(spec, args)
    factors = load_study_factors(spec, args)
    returns = compute_returns(prices, kind=spec.return_kind)
    progress(f"fitting the {spec.model.name} model to {len(spec.events_frame())} events")
    res = EventStudy(
        spec.events_frame(),
        returns,
        model=spec.model.build(),
        estimation_window=spec.estimation_window,
        event_window=spec.event_window,
        return_kind=spec.return_kind,
        calendar=spec.calendar,
        factors=factors,
    ).fit()
    progress(f"drawing {len(spec.figures)} figures")
    figures = report.study_figures(
        res, spec.figures, window=spec.car_windows[0], level=spec.confidence, prices=prices
    )
    progress(f"running tests and writing the report to {out}")
    conventions = spec.build_conventions()
    tests = list(spec.tests) if spec.tests is not None else "all"
    options: dict[str, Any] = {
        "windows": spec.car_windows,
        "tests": tests,
        "test": spec.primary_test,
        "conventions": conventions,
    }
    written = report.export(
        res,
        out,
        formats=_report_formats(spec.formats),
        title=spec.name,
        figures=figures,
        spec=spec,  # the data's provenance is the study's (res.meta["data_provenance"])
        **options,
    )
    summary = report.summary_text(res, title=spec.name, **options)
    (out / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    if not args.quiet:
        print(summary)
    progress.done(f"wrote {len(written) + 1} files to {out}")
    return EXIT_CODES["ok"]


def _report_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The spec's formats; the CSV tables and both reports are always written by ``run``."""
    return tuple(dict.fromkeys(["csv", "md", "html", *formats]))


def cmd_fetch(args: argparse.Namespace, progress: Progress) -> int:
    from .spec import load_spec

    spec = load_spec(args.spec)
    progress(f"fetching prices of {len(spec.all_tickers())} tickers")
    prices = load_study_prices(spec, args, refresh=args.refresh)
    if spec.model.factors_dataset is not None:
        progress(f"fetching factors {spec.model.factors_dataset}")
        load_study_factors(spec, args)
    first, last = prices["date"].min(), prices["date"].max()
    from .config import prices_dir

    local = prices_dir(args.prices_dir)  # the flag, else EVENTSTUDY_PRICES_DIR
    where = f"read from the local folder {local} (nothing to cache)" if local else "in the cache"
    progress.done(
        f"{prices['ticker'].nunique()} tickers, {len(prices)} rows, "
        f"{first:%Y-%m-%d} .. {last:%Y-%m-%d}, {where}"
    )
    return EXIT_CODES["ok"]


def cmd_snapshot(args: argparse.Namespace, progress: Progress) -> int:
    from .data import export_snapshot
    from .spec import load_spec

    spec = load_spec(args.spec)
    progress(f"loading prices of {len(spec.all_tickers())} tickers")
    prices = load_study_prices(spec, args)
    progress(f"writing the snapshot to {args.out}")
    factors = load_study_factors(spec, args)  # None unless the model needs factors
    folder = export_snapshot(prices, args.out, overwrite=args.overwrite, factors=factors)
    extra = f" and factors {spec.model.factors_dataset}" if factors is not None else ""
    progress.done(f"snapshot of {prices['ticker'].nunique()} tickers{extra} in {folder}")
    return EXIT_CODES["ok"]


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace, Progress], int], int]] = {
    "run": (cmd_run, 4),
    "fetch": (cmd_fetch, 1),
    "snapshot": (cmd_snapshot, 2),
}


# ----------------------------------------------------------------------------- entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 for --help
        return int(exc.code) if isinstance(exc.code, int) else EXIT_CODES["spec"]
    command, steps = COMMANDS[args.command]
    progress = Progress(steps, args.quiet)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code = command(args, progress)
        _report_warnings(caught, progress)
        return code
    except Exception as exc:
        if args.debug:
            raise
        code, label = _classify(exc)
        print(f"eventstudy: {label}: {_one_line(exc)}", file=sys.stderr)
        return code


def _classify(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, SpecError):
        return EXIT_CODES["spec"], "bad spec"
    if isinstance(exc, DataError):
        return EXIT_CODES["data"], "data unavailable" if isinstance(
            exc, DataUnavailableError
        ) else "data error"
    if isinstance(exc, OutputError):
        return EXIT_CODES["output"], "cannot write output"
    if isinstance(exc, EventStudyError):
        return EXIT_CODES["error"], "error"
    if isinstance(exc, OSError):
        return EXIT_CODES["error"], "I/O error"
    return EXIT_CODES["error"], f"internal error ({type(exc).__name__}; rerun with --debug)"


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _report_warnings(caught: list[warnings.WarningMessage], progress: Progress) -> None:
    """Show each distinct warning once, as one line on stderr (also with ``--quiet``)."""
    seen: set[str] = set()
    for w in caught:
        if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning | FutureWarning):
            continue  # about library internals, not about the study
        text = f"eventstudy: warning: {' '.join(str(w.message).split())}"
        if text not in seen:
            seen.add(text)
            print(text, file=progress.stream)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
