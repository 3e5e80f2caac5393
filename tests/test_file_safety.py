"""The file-safety contract (docs/security.md): outputs go only inside the folder given, only
over files eventstudy wrote, atomically, never through a symbolic link.

Each test is a row of the "Files, cache and outputs" table in docs/troubleshooting.md.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy._fileio import MANIFEST_NAME, OutputFolder, atomic_write
from eventstudy.cli import main
from eventstudy.exceptions import OutputError
from eventstudy.report import document as report

# XNYS sessions (the specs' default calendar), so the synthetic study runs from a spec:
# weekdays less the NYSE full-day closures (nyse.com; 2025-01-09 the national day of mourning)
_CLOSED = [
    "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19", "2024-07-04",
    "2024-09-02", "2024-11-28", "2024-12-25", "2025-01-01", "2025-01-09", "2025-01-20",
    "2025-02-17", "2025-04-18", "2025-05-26",
]  # fmt: skip
SESSIONS = pd.bdate_range("2024-01-02", "2025-06-30").difference(pd.DatetimeIndex(_CLOSED))[:320]
EVENT_DAY = SESSIONS[300]


def synthetic_prices(tickers: Sequence[str] = ("AAA", "BBB"), seed: int = 3) -> pd.DataFrame:
    """Wide adjusted closes: a market MKT and firms following it, a -5 % shock on day 300."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0005, 0.01, len(SESSIONS))
    cols = {"MKT": market}
    for i, ticker in enumerate(tickers):
        cols[ticker] = 0.0002 + (0.8 + 0.1 * i) * market + rng.normal(0, 0.015, len(SESSIONS))
        cols[ticker][300] -= 0.05
    returns = pd.DataFrame(cols, index=SESSIONS)
    return 100.0 * (1.0 + returns).cumprod()


def write_study(
    tmp: Path,
    *,
    name: str = "safety study",
    events: pd.DataFrame | None = None,
    formats: Sequence[str] = ("csv", "md", "html"),
    tickers: Sequence[str] = ("AAA", "BBB"),
) -> tuple[Path, Path]:
    """A runnable offline study: a prices folder of per-ticker CSVs and a spec; returns both."""
    folder = tmp / "prices"
    folder.mkdir(exist_ok=True)
    prices = synthetic_prices(tickers)
    for ticker in prices.columns:
        frame = pd.DataFrame(
            {"Date": SESSIONS.strftime("%Y-%m-%d"), "Adj Close": prices[ticker].to_numpy()}
        )
        frame.to_csv(folder / f"{ticker}.csv", index=False)
    if events is None:
        events = pd.DataFrame({"ticker": list(tickers), "date": f"{EVENT_DAY:%Y-%m-%d}"})
    events.to_csv(tmp / "events.csv", index=False)
    spec = tmp / "s.toml"
    spec.write_text(
        f"[study]\nname = {json.dumps(name)}\n"
        '[events]\nfile = "events.csv"\n[model]\nmarket = "MKT"\n'
        f"[output]\nfigures = []\nformats = {json.dumps(list(formats))}\n",
        encoding="utf-8",
    )
    return spec, folder


def run_cli(spec: Path, prices: Path, out: Path, *extra: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(
            ["run", str(spec), "--prices-dir", str(prices), "--out", str(out), "--offline", "-q"]
            + list(extra)
        )
    return code, err.getvalue()


def fit_study(tickers: Sequence[str], **columns: Sequence[str]) -> es.EventStudyResults:
    """The market model on :func:`synthetic_prices` of ``tickers``, one event each on day 300
    (``columns``: more events columns, e.g. ``event_id`` or ``group``)."""
    returns = synthetic_prices(tickers).pct_change().iloc[1:]
    returns.attrs["return_kind"] = "simple"
    events = pd.DataFrame({"ticker": list(tickers), "date": EVENT_DAY, **columns})
    return es.EventStudy(
        events,
        returns,
        model=es.MarketModel("MKT"),
        estimation_window=(-200, -11),
        event_window=(-3, 3),
        calendar=None,
    ).fit()


@pytest.fixture(scope="module")
def res() -> es.EventStudyResults:
    return fit_study(["AAA", "BBB"])


def export(res: es.EventStudyResults, folder: Path, **kw: Any) -> dict[str, Path]:
    kw.setdefault("formats", ["csv", "md"])
    return report.export(res, folder, windows=[(0, 0)], tests=["patell"], **kw)


# ----------------------------------------------------------------------------- symbolic links
@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_run_refuses_a_symlink_planted_as_an_output_name(tmp_path: Path) -> None:
    spec, prices = write_study(tmp_path)
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("the user's own data\n")
    (out / "summary.txt").symlink_to(victim)
    code, err = run_cli(spec, prices, out)
    assert code == 4, err
    assert "symbolic link" in err and "summary.txt" in err
    assert victim.read_text() == "the user's own data\n"  # the target is untouched


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_the_write_test_never_follows_a_planted_link(tmp_path: Path) -> None:
    # the old probe wrote b"" to a fixed name: a link there truncated its target to 0 bytes
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("keep me")
    (out / ".eventstudy-write-test").symlink_to(victim)
    report.ensure_writable(out)
    assert victim.read_text() == "keep me"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_symlinked_sub_folder_is_refused(res: es.EventStudyResults, tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "figures").symlink_to(elsewhere, target_is_directory=True)
    fig = report.study_figures(res, ["caar"])
    with pytest.raises(OutputError, match=r"figures is a symbolic link"):
        export(res, out, figures=fig)
    assert list(elsewhere.iterdir()) == []


# ----------------------------------------------------------------------------- only inside
# "/abs-escape": any absolute name (not a path of this machine)
@pytest.mark.parametrize("name", ["../escape", "/abs-escape", "a/../../b", ""])
def test_names_outside_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    folder = OutputFolder(tmp_path / "out")
    with pytest.raises(OutputError, match="plain relative file name"):
        folder.write(name, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_figure_name_cannot_escape_the_folder(res: es.EventStudyResults, tmp_path: Path) -> None:
    fig = report.study_figures(res, ["caar"])["caar"]
    with pytest.raises(OutputError, match="plain relative file name"):
        export(res, tmp_path / "out", figures={"../../escape": fig})
    assert not (tmp_path / "escape.png").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []  # checked before writing


# ----------------------------------------------------------------------------- only own files
def test_a_file_eventstudy_did_not_write_is_never_replaced(
    res: es.EventStudyResults, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "tests.csv").write_text("my own tests\n")
    for overwrite in (False, True):  # not even with overwrite
        with pytest.raises(
            OutputError,
            match=r"tests\.csv exists and is not in the folder.s list of eventstudy outputs",
        ):
            export(res, out, overwrite=overwrite)
        assert (out / "tests.csv").read_text() == "my own tests\n"
        assert sorted(p.name for p in out.iterdir()) == ["tests.csv"]  # nothing else written


def test_own_outputs_are_replaced_edited_ones_only_with_overwrite(
    res: es.EventStudyResults, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = export(res, out)
    listed = json.loads((out / MANIFEST_NAME).read_text())["files"]
    assert set(listed) == set(first)  # every file written is recorded, with its sha256
    export(res, out)  # a re-run replaces its own unchanged outputs
    (out / "report.md").write_text("my notes")
    with pytest.raises(OutputError, match=r"report\.md was changed since.*overwrite=True"):
        export(res, out)
    assert (out / "report.md").read_text() == "my notes"
    export(res, out, overwrite=True)
    assert (out / "report.md").read_text().startswith("# Event study results")


def test_cli_rerun_needs_overwrite_only_for_edited_outputs(tmp_path: Path) -> None:
    spec, prices = write_study(tmp_path)
    out = tmp_path / "out"
    assert run_cli(spec, prices, out)[0] == 0
    assert run_cli(spec, prices, out)[0] == 0
    (out / "summary.txt").write_text("edited")
    code, err = run_cli(spec, prices, out)
    assert code == 4 and "--overwrite" in err
    assert (out / "summary.txt").read_text() == "edited"
    assert run_cli(spec, prices, out, "--overwrite")[0] == 0
    assert "safety study" in (out / "summary.txt").read_text()


def test_an_unreadable_output_manifest_is_an_output_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).write_text('["not", "a", "manifest"]')
    with pytest.raises(OutputError, match="output manifest .* is unreadable"):
        OutputFolder(out)


# ----------------------------------------------------------------------------- atomic, full disk
class _FullDisk:
    """``os.fdopen`` whose handles write half of the data, then fail with ENOSPC."""

    def __init__(self, real: Any, when: str) -> None:
        self.real, self.when = real, when

    def __call__(self, fd: int, *args: Any, **kwargs: Any) -> Any:
        handle = self.real(fd, *args, **kwargs)
        if self.when not in os.readlink(f"/proc/self/fd/{fd}"):
            return handle
        real_write = handle.write

        def write(data: bytes) -> int:
            real_write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        handle.write = write
        return handle


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to spot the file")
def test_full_disk_is_exit_4_with_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, prices = write_study(tmp_path)
    out = tmp_path / "out"
    monkeypatch.setattr(os, "fdopen", _FullDisk(os.fdopen, ".tests.csv."))
    code, err = run_cli(spec, prices, out)
    assert code == 4, err
    assert err.startswith("eventstudy: cannot write output:") and "No space left" in err
    assert not (out / "tests.csv").exists()  # no truncated file under the final name
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # no temp file left


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to spot the file")
def test_a_failed_replace_keeps_the_previous_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.bin"
    atomic_write(path, b"previous complete content")
    monkeypatch.setattr(os, "fdopen", _FullDisk(os.fdopen, ".data.bin."))
    with pytest.raises(OutputError, match="No space left"):
        atomic_write(path, b"new content that does not fit")
    assert path.read_bytes() == b"previous complete content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]


# ----------------------------------------------------------------------------- read-only folders
class ReadOnlyFolder:
    """``tempfile.mkstemp`` - the only way eventstudy creates a file (``_fileio``'s atomic
    writes and write probe, the cache's write probe) - refusing ``folder`` and everything
    under it as a read-only folder would, root or not; the real one elsewhere. ``after``
    lets that many creations succeed first (a folder turning read-only mid-run)."""

    def __init__(self, folder: Path, err: int = errno.EROFS, after: int = 0) -> None:
        import tempfile

        self.real, self.folder, self.err, self.after = tempfile.mkstemp, folder, err, after
        self.refused = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        where = kwargs.get("dir")
        if where is not None and Path(where).resolve().is_relative_to(self.folder.resolve()):
            if self.after > 0:
                self.after -= 1
            else:
                self.refused += 1
                raise OSError(self.err, os.strerror(self.err), str(where))
        return self.real(*args, **kwargs)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> ReadOnlyFolder:
        import tempfile

        monkeypatch.setattr(tempfile, "mkstemp", self)
        return self


def _complete_outputs_only(out: Path) -> None:
    """No temporary file, and every file under a final name is listed in the output
    manifest with the sha256 of its content (complete, as eventstudy wrote it)."""
    listed = json.loads((out / MANIFEST_NAME).read_text())["files"] if (
        out / MANIFEST_NAME).exists() else {}  # fmt: skip
    for path in out.rglob("*"):
        if path.is_file() and path.name != MANIFEST_NAME:
            assert not path.name.endswith(".tmp"), path
            name = path.relative_to(out).as_posix()
            assert name in listed, name
            assert listed[name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), name


@pytest.mark.parametrize("err", [errno.EACCES, errno.EROFS])
def test_an_unwritable_output_folder_is_exit_4_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: int
) -> None:
    spec, prices = write_study(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    fake = ReadOnlyFolder(out, err).install(monkeypatch)
    code, message = run_cli(spec, prices, out)
    assert code == 4, message
    assert message == (
        f"eventstudy: cannot write output: output folder {out} is not writable: "
        f"{os.strerror(err)}\n"
    )
    assert fake.refused == 1 and list(out.iterdir()) == []


def test_an_output_folder_turning_read_only_mid_run_leaves_only_complete_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, prices = write_study(tmp_path)
    out = tmp_path / "out"
    # five files are created (the write probes, the output manifest, its record of the first
    # output, that output itself), then the folder refuses: the next output fails
    fake = ReadOnlyFolder(out, errno.EROFS, after=5).install(monkeypatch)
    code, message = run_cli(spec, prices, out)
    assert code == 4, message
    failed = re.fullmatch(
        rf"eventstudy: cannot write output: could not write {re.escape(str(out))}/(\S+): "
        r"Read-only file system\n",
        message,
    )
    assert failed is not None, message
    assert not (out / failed.group(1)).exists() and fake.refused >= 1
    assert [p for p in out.iterdir() if p.name != MANIFEST_NAME]  # one output was written
    _complete_outputs_only(out)
    monkeypatch.undo()
    code, message = run_cli(spec, prices, out)  # writable again: the run completes
    assert code == 0, message
    _complete_outputs_only(out)


def test_export_to_a_read_only_folder_is_an_output_error_naming_it(
    res: es.EventStudyResults, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    ReadOnlyFolder(out).install(monkeypatch)
    with pytest.raises(OutputError, match=rf"output folder {out} is not writable: Read-only"):
        export(res, out)
    assert list(out.iterdir()) == []


def test_an_out_that_is_a_file_is_exit_4_naming_it(tmp_path: Path) -> None:
    spec, prices = write_study(tmp_path)
    out = tmp_path / "out.txt"
    out.write_text("mine")
    code, message = run_cli(spec, prices, out)
    assert code == 4  # was: "... is not writable: File exists"
    assert message == (
        f"eventstudy: cannot write output: output folder {out} exists and is a file, not a "
        "folder; choose another folder\n"
    )
    assert out.read_text() == "mine"


def test_ctrl_c_is_one_line_exit_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eventstudy import workflow

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the prices load

    monkeypatch.setattr(workflow, "load_study_data", interrupted)
    spec, prices = write_study(tmp_path)
    code, message = run_cli(spec, prices, tmp_path / "out")
    assert code == 130
    assert message == (  # was: a KeyboardInterrupt traceback
        "eventstudy: interrupted (step 1/4 (loading prices of 3 tickers)); the files written "
        "so far are complete and the cache keeps what was downloaded: run the command again\n"
    )
    with pytest.raises(KeyboardInterrupt):  # --debug shows it as it is
        run_cli(spec, prices, tmp_path / "out", "--debug")


def _unprivileged() -> list[str] | None:
    """A command prefix running as ``nobody`` (uid 65534), or ``None`` when that cannot be
    done here (not root, no ``setpriv``)."""
    import shutil

    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.skipif(_unprivileged() is None, reason="needs root and setpriv to drop privileges")
def test_cli_as_an_unprivileged_user_on_a_chmod_555_folder_is_exit_4() -> None:
    import shutil
    import tempfile

    prefix = _unprivileged()
    assert prefix is not None
    base = Path(tempfile.mkdtemp(prefix="es-ro-"))  # not under pytest's root-only 0700 folder
    try:
        base.chmod(0o755)
        spec, prices = write_study(base)
        home = base / "home"
        home.mkdir(mode=0o777)
        home.chmod(0o777)
        out = base / "out"
        out.mkdir()
        out.chmod(0o555)  # read-only to everyone but root
        env = {**os.environ, "HOME": str(home), "MPLCONFIGDIR": str(home / "mpl"),
               "EVENTSTUDY_CACHE_DIR": str(home / "cache")}  # fmt: skip
        probe = subprocess.run([*prefix, sys.executable, "-c", "import eventstudy"], env=env,
                               capture_output=True, timeout=120)  # fmt: skip
        if probe.returncode != 0:
            pytest.skip(f"uid 65534 cannot import eventstudy here: {probe.stderr.decode()[-200:]}")
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "eventstudy", "run", str(spec), "--prices-dir",
             str(prices), "--out", str(out), "--offline", "-q"],
            env=env, capture_output=True, timeout=300,
        )  # fmt: skip
        err = proc.stderr.decode()
        assert proc.returncode == 4, err
        assert err == (
            f"eventstudy: cannot write output: output folder {out} is not writable: "
            "Permission denied\n"
        )
        assert list(out.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


_KILLED_EXPORT = """
import os, signal, sys
from eventstudy._fileio import OutputFolder
folder = OutputFolder(sys.argv[1])
folder.write("a.csv", b"first")
real = os.replace
def replace(src, dst):
    if str(dst).endswith("b.csv"):  # die with b.csv complete in its temp file, not yet moved
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
os.replace = replace
folder.write("b.csv", b"second")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this platform")
def test_a_killed_export_leaves_no_partial_file_and_reruns(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_EXPORT, str(out)], capture_output=True, timeout=60
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert (out / "a.csv").read_bytes() == b"first" and not (out / "b.csv").exists()
    written = OutputFolder(out).write_all({"a.csv": b"again", "b.csv": b"again"})  # no overwrite
    assert {n: p.read_bytes() for n, p in written.items()} == {"a.csv": b"again", "b.csv": b"again"}
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # the orphan is swept


# ----------------------------------------------------------------------------- snapshots
def _prices() -> pd.DataFrame:
    wide = synthetic_prices().iloc[:30]
    return es.read_prices(
        wide.rename_axis("date")
        .reset_index()
        .melt("date", var_name="ticker", value_name="adj_close")
    )


def test_snapshot_refuses_a_folder_of_user_files(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "prices.parquet").write_bytes(b"the user's prices")
    (folder / "factors.parquet").write_bytes(b"the user's factors")
    for overwrite in (False, True):
        with pytest.raises(OutputError, match="is not empty .* not an eventstudy snapshot"):
            es.export_snapshot(_prices(), folder, overwrite=overwrite)
    assert (folder / "prices.parquet").read_bytes() == b"the user's prices"
    assert (folder / "factors.parquet").read_bytes() == b"the user's factors"


def test_snapshot_overwrite_touches_only_its_own_files(tmp_path: Path) -> None:
    folder = es.export_snapshot(_prices(), tmp_path / "snap")
    (folder / "notes.txt").write_text("my notes")
    es.export_snapshot(_prices().iloc[:4], folder, overwrite=True)
    assert len(es.load_snapshot(folder)) == 4
    assert (folder / "notes.txt").read_text() == "my notes"


def test_an_interrupted_snapshot_can_be_written_again(tmp_path: Path) -> None:
    folder = es.export_snapshot(_prices(), tmp_path / "snap")
    (folder / "manifest.json").unlink()  # killed before the manifest: only its own files left
    es.export_snapshot(_prices().iloc[:5], folder)
    assert len(es.load_snapshot(folder)) == 5


def test_snapshot_cli_on_a_user_folder_is_exit_4(tmp_path: Path) -> None:
    spec, prices = write_study(tmp_path)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "prices.parquet").write_bytes(b"the user's prices")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(
            ["snapshot", str(spec), "--prices-dir", str(prices), "--out", str(folder),
             "--overwrite", "--offline", "-q"]
        )  # fmt: skip
    assert code == 4 and "not an eventstudy snapshot" in err.getvalue()
    assert (folder / "prices.parquet").read_bytes() == b"the user's prices"


def test_a_planted_snapshot_manifest_cannot_point_outside(tmp_path: Path) -> None:
    folder = es.export_snapshot(_prices(), tmp_path / "snap")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["file"] = "../victim.parquet"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "victim.parquet").write_bytes(b"outside")
    with pytest.raises(es.CacheError, match="wrong structure"):
        es.load_snapshot(folder)
    with pytest.raises(OutputError, match="not a valid snapshot manifest"):
        es.export_snapshot(_prices(), folder, overwrite=True)
    assert (tmp_path / "victim.parquet").read_bytes() == b"outside"


def test_outputs_get_the_mode_a_plain_open_would_give(tmp_path: Path) -> None:
    # was: every output was 0600 (mkstemp's mode), unreadable to the user's group
    umask = os.umask(0o022)
    os.umask(umask)
    folder = OutputFolder(tmp_path / "out")
    path = folder.write_text("a.csv", "x\n")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    os.chmod(path, 0o640)  # a replaced file keeps its mode
    folder.write_text("a.csv", "y\n")
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_file_written_in_pieces_is_recorded_only_when_complete(tmp_path: Path) -> None:
    """ar.csv is written in blocks (issue 14): a failure while producing a block leaves no
    file, no temporary file and no manifest entry; a complete one is recorded with the
    sha256 of its bytes, so a re-run recognises it as its own."""
    import hashlib
    import json

    def failing() -> Iterator[bytes]:
        yield b"event_id,ar\n"
        raise MemoryError("simulated failure while formatting the second block")

    folder = OutputFolder(tmp_path / "out")
    with pytest.raises(MemoryError):
        folder.write("ar.csv", failing())
    assert list((tmp_path / "out").iterdir()) == []  # no file, no temp file, no manifest
    pieces = [b"event_id,ar\n", b"e1,0.5\n", b"e2,-0.25\n"]
    path = folder.write("ar.csv", iter(pieces))
    assert path.read_bytes() == b"".join(pieces)
    manifest = json.loads((tmp_path / "out" / MANIFEST_NAME).read_text())
    assert manifest["files"]["ar.csv"]["sha256"] == hashlib.sha256(b"".join(pieces)).hexdigest()
    OutputFolder(tmp_path / "out").write("ar.csv", iter(pieces))  # its own file: replaced
