"""Command line: ``eventstudy run | fetch | snapshot STUDY.toml`` and ``eventstudy example NAME``.

``run`` turns a study spec (see :mod:`eventstudy.spec`) into a report folder: CSV (and
optionally Parquet) tables, PNG figures, ``report.html`` (self-contained, figures embedded),
``report.md`` with the provenance block, ``summary.txt`` and ``provenance.json``.
``fetch`` warms the price cache; ``snapshot`` exports the prices a study uses.

Exit codes
----------
0 success; 1 any other error; 2 bad spec or arguments; 3 data unavailable or unusable;
4 the output cannot be written; 130 interrupted (Ctrl-C). Errors are one line on stderr
(``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from ._boundary import memory_message
from .exceptions import (
    DataError,
    DataUnavailableError,
    EventStudyError,
    InsufficientMemoryError,
    OutputError,
    SpecError,
)

__all__ = ["EXIT_CODES", "build_parser", "main"]

EXIT_CODES: dict[str, int] = {
    "ok": 0,
    "error": 1,
    "spec": 2,
    "data": 3,
    "output": 4,
    "interrupted": 130,  # 128 + SIGINT, as shells report a Ctrl-C
}


# ----------------------------------------------------------------------------- arguments
def build_parser() -> argparse.ArgumentParser:
    """The ``eventstudy`` argument parser (sub-commands run, fetch, snapshot).

    Examples
    --------
    >>> from eventstudy.cli import build_parser
    >>> build_parser().parse_args(["example", "deepseek_selloff"]).name
    'deepseek_selloff'
    """
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="eventstudy",
        description="Financial event studies from a TOML study spec.",
        epilog=(
            "Exit codes: 0 ok, 1 error, 2 bad spec, 3 data unavailable, 4 output not writable, "
            "130 interrupted."
        ),
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
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="also replace earlier outputs edited since (never files eventstudy did not write)",
    )

    fetch = commands.add_parser("fetch", help="download the study's prices into the cache")
    _common(fetch)
    fetch.add_argument("--refresh", action="store_true", help="download again even if cached")

    snap = commands.add_parser("snapshot", help="export the prices a study uses to a folder")
    _common(snap)
    snap.add_argument("--out", type=Path, metavar="DIR", required=True, help="snapshot folder")
    snap.add_argument("--overwrite", action="store_true", help="replace an existing snapshot")

    example = commands.add_parser("example", help="copy an example study spec to a folder")
    example.add_argument("name", nargs="?", metavar="NAME", help="example name (omit to list)")
    example.add_argument("--out", type=Path, metavar="DIR", default=Path("."), help="folder")
    example.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    example.add_argument("--debug", action="store_true", help="show tracebacks")

    from .scan._cli import add_scan_arguments

    scan = commands.add_parser("scan", help="scan a universe for shock days and write tables")
    add_scan_arguments(scan)
    _common(scan, spec=False)
    return parser


def _common(sub: argparse.ArgumentParser, spec: bool = True) -> None:
    if spec:
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
    sub.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help=(
            "import a module (a dotted name or a .py file) before reading the spec, so the "
            "models and tests it registers can be named in it; repeatable"
        ),
    )
    sub.add_argument("--offline", action="store_true", help="never touch the network")
    sub.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    sub.add_argument("--debug", action="store_true", help="show tracebacks")


# ----------------------------------------------------------------------------- progress
class Progress:
    """Numbered progress lines on stderr (silent with ``--quiet``)."""

    def __init__(self, total: int, quiet: bool, stream: TextIO | None = None) -> None:
        self.total, self.quiet, self.step = total, quiet, 0
        self.current = "starting"  # the step under way, named when it runs out of memory
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        self.step += 1
        self.current = f"step {self.step}/{self.total} ({message})"
        self.say(f"[{self.step}/{self.total}] {message}")

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=self.stream, flush=True)

    def done(self, message: str) -> None:
        self.say(f"{message} ({time.perf_counter() - self.start:.1f}s)")


# ----------------------------------------------------------------------------- plugins
def load_plugins(plugins: Sequence[str]) -> list[ModuleType]:
    """Import the user's modules named by ``--plugin`` (a dotted module name importable from
    the current folder or ``sys.path``, or the path of a ``.py`` file), so that the models
    (``eventstudy.models.register_model``) and tests (``eventstudy.inference.register``)
    they register can be named in a spec. A spec file never imports code by itself: only
    the command line does, at the user's request.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from eventstudy.cli import load_plugins
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "mine.py").write_text("ANSWER = 42\\n")
    >>> [m.ANSWER for m in load_plugins([str(folder / "mine.py")])]
    [42]
    """
    import importlib
    import importlib.util

    loaded: list[ModuleType] = []
    for name in plugins:
        path = Path(name)
        try:
            if path.suffix == ".py":
                if not path.is_file():
                    raise SpecError(f"plugin file {name} does not exist")
                module_name = f"eventstudy_plugin_{path.stem}"
                spec = importlib.util.spec_from_file_location(module_name, path)
                if spec is None or spec.loader is None:  # pragma: no cover - a .py file loads
                    raise SpecError(f"plugin file {name} cannot be loaded")
                module = importlib.util.module_from_spec(spec)
                sys.modules[module_name] = module
                spec.loader.exec_module(module)
            else:
                if "" not in sys.path and str(Path.cwd()) not in sys.path:
                    sys.path.insert(0, str(Path.cwd()))  # as `python -m` would
                module = importlib.import_module(name)
        except EventStudyError:
            raise
        except Exception as exc:  # the user's module failed to import: say which and why
            raise SpecError(
                f"--plugin {name}: importing it failed ({type(exc).__name__}: {exc}); "
                "give a module importable from this folder or the path of a .py file"
            ) from exc
        loaded.append(module)
    return loaded


# ----------------------------------------------------------------------------- data
def load_study_data(spec: Any, args: argparse.Namespace, *, refresh: bool = False) -> Any:
    """The prices and factors a study needs (:func:`eventstudy.workflow.load_study_data`:
    the same path as ``es.run_spec`` and ``es.event_study``)."""
    from .workflow import load_study_data as load

    return load(
        spec,
        prices_dir=args.prices_dir,
        factors_dir=args.factors_dir,
        offline=True if args.offline else None,
        refresh=refresh,
        progress=not args.quiet,
    )


# ----------------------------------------------------------------------------- commands
def cmd_run(args: argparse.Namespace, progress: Progress) -> int:
    from ._fileio import OutputFolder
    from .report import document as report
    from .spec import load_spec
    from .workflow import fit_spec

    spec = load_spec(args.spec)
    folder = OutputFolder(args.out, overwrite=args.overwrite)  # fail before any download
    folder.check(["summary.txt"])
    out = folder.path
    progress(f"loading prices of {len(spec.all_tickers())} tickers")
    data = load_study_data(spec, args)
    prices = data.prices
    progress(f"fitting the {spec.model.name} model to {len(spec.events_frame())} events")
    spec = _engine_for_memory(spec, progress)  # before allocating: chunked engine or refuse
    res = fit_spec(spec, data)
    progress(f"drawing {len(spec.figures)} figures")
    figures = report.study_figures(
        res, spec.figures, window=spec.car_windows[0], level=spec.confidence, prices=prices
    )
    progress(f"running tests and writing the report to {out}")
    # one summary (the spec's windows, tests, primary test and conventions, which the
    # results remember): printed, written as summary.txt and rendered by every report
    summary = res.summary(spec.car_windows, title=spec.name)
    written = res.export(
        out,
        formats=_report_formats(spec.formats),
        windows=spec.car_windows,
        title=spec.name,
        figures=figures,
        spec=spec,  # the data's provenance is the study's (res.meta["data_provenance"])
        overwrite=args.overwrite,
        summary=summary,
    )
    folder.write_text("summary.txt", report.inert(summary.as_text()) + "\n")
    # the second stage ([outcome], [cross_section], [long_horizon]; issue 16) ran in
    # fit_spec and export wrote its files with the rest (one writer, one manifest)
    if not args.quiet:
        print(summary)
    progress.done(f"wrote {len(written) + 1} files to {out}")
    return EXIT_CODES["ok"]


def _engine_for_memory(spec: Any, progress: Progress) -> Any:
    """The spec with the engine its fit and tests fit in memory (:func:`check_memory`:
    the chunked engine when the numpy engine would not fit, else an
    InsufficientMemoryError naming the test and the alternative; issue 14)."""
    import dataclasses

    from .memory import check_memory, resolve_engine, window_length

    n_events = len(spec.events_frame())
    chosen = resolve_engine(spec.engine, n_events)  # "auto": numpy, or chunked from 50,000
    engine = check_memory(
        n_events,
        window_length(spec.estimation_window),
        window_length(spec.event_window),
        list(spec.tests) if spec.tests is not None else "all",
        engine=chosen,
    )
    if engine != chosen:
        progress(f"using the {engine} engine: the {chosen} engine would not fit in memory")
    return spec if engine == spec.engine else dataclasses.replace(spec, engine=engine)


def _report_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The spec's formats; the CSV tables and both reports are always written by ``run``."""
    return tuple(dict.fromkeys(["csv", "md", "html", *formats]))


def cmd_fetch(args: argparse.Namespace, progress: Progress) -> int:
    from .spec import load_spec

    spec = load_spec(args.spec)
    progress(f"fetching prices of {len(spec.all_tickers())} tickers")
    if spec.model.factors_dataset is not None:
        progress(f"fetching prices, then factors {spec.model.factors_dataset}")
    prices = load_study_data(spec, args, refresh=args.refresh).prices
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
    data = load_study_data(spec, args)
    prices, factors = data.prices, data.factors  # factors: None unless the model needs them
    progress(f"writing the snapshot to {args.out}")
    folder = export_snapshot(prices, args.out, overwrite=args.overwrite, factors=factors)
    extra = f" and factors {spec.model.factors_dataset}" if factors is not None else ""
    progress.done(f"snapshot of {prices['ticker'].nunique()} tickers{extra} in {folder}")
    return EXIT_CODES["ok"]


def cmd_example(args: argparse.Namespace, progress: Progress) -> int:
    from .example_specs import copy_example, example_names

    if args.name is None:
        print("\n".join(example_names()))
        return EXIT_CODES["ok"]
    path = copy_example(args.name, args.out)
    progress.done(f"wrote {path}; run it with: eventstudy run {path}")
    return EXIT_CODES["ok"]


def cmd_scan(args: argparse.Namespace, progress: Progress) -> int:
    """``eventstudy scan``: the shock scanner (:mod:`eventstudy.scan`), tables and figures."""
    from .scan._cli import run_scan

    scan, written = run_scan(args, progress)
    if not args.quiet:
        print(scan.summary())
    progress.done(f"wrote {len(written)} files to {args.out}")
    return EXIT_CODES["ok"]


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace, Progress], int], int]] = {
    "example": (cmd_example, 0),
    "run": (cmd_run, 4),
    "fetch": (cmd_fetch, 1),
    "snapshot": (cmd_snapshot, 2),
    "scan": (cmd_scan, 3),
}


# ----------------------------------------------------------------------------- entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring).

    Examples
    --------
    >>> import tempfile
    >>> from eventstudy.cli import main
    >>> main(["example"])  # list the shipped example specs; exit code 0
    deepseek_r1
    deepseek_selloff
    0
    >>> folder = tempfile.TemporaryDirectory()
    >>> main(["example", "deepseek_selloff", "--out", folder.name, "-q"])  # copy one
    0
    >>> sorted(p.name for p in Path(folder.name).iterdir())
    ['deepseek_selloff.toml']
    >>> main(["run", str(Path(folder.name) / "missing.toml")])  # one line on stderr, exit code 2
    2
    >>> folder.cleanup()

    Running the copied spec needs its prices (a folder of ``<TICKER>.csv`` files, or the
    cache filled by ``eventstudy fetch``):

    >>> main(["run", "deepseek_selloff.toml", "--prices-dir", "prices/", "--out", "report/"])  # doctest: +SKIP
    0
    """
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
            load_plugins(getattr(args, "plugin", []))
            code = command(args, progress)
        _report_warnings(caught, progress)
        return code
    except KeyboardInterrupt:
        if args.debug:
            raise
        # one line, not a traceback: every file written so far is complete (atomic writes)
        # and the cache keeps the download batches already done
        print(
            f"eventstudy: interrupted ({progress.current}); the files written so far are "
            "complete and the cache keeps what was downloaded: run the command again",
            file=sys.stderr,
        )
        return EXIT_CODES["interrupted"]
    except Exception as raised:
        if args.debug:
            raise
        error: Exception = raised
        if isinstance(raised, MemoryError):  # name the CLI step as well as the library's
            detail = str(raised) if isinstance(raised, EventStudyError) else memory_message("it")
            error = InsufficientMemoryError(f"{progress.current}: {detail}")
        code, label = _classify(error)
        print(f"eventstudy: {label}: {_one_line(error)}", file=sys.stderr)
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
    if isinstance(exc, InsufficientMemoryError):
        return EXIT_CODES["error"], "out of memory"
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
