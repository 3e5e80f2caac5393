"""Writing a scan's tables and figures: through the one output writer of the package."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..exceptions import OutputError

__all__ = ["export_scan"]


def export_scan(
    scan: Any,
    folder: Path,
    *,
    top: int | None = 50,
    figures: bool = True,
    overwrite: bool = False,
    sector_days: int = 3,
) -> dict[str, Path]:
    """Write a :class:`~eventstudy.scan.ShockScan`'s tables and figures into ``folder``.

    ``shock_index.csv``, ``shock_days.csv``, ``episodes.csv``, ``firm_shocks.csv``,
    ``summary.txt`` and (``figures``) ``figures/shock_calendar.png`` plus, with a sector map,
    ``figures/sectors_<date>.png`` for the ``sector_days`` top shock days.

    Files go through :class:`eventstudy._fileio.OutputFolder` (atomic, only inside ``folder``,
    never over a file eventstudy did not write); every name is checked before the first write.
    Outputs of an earlier scan into the same folder that this one does not write (e.g. the
    sector figure of a day no longer among the top shock days) are deleted when they are
    unchanged since eventstudy wrote them; an edited one is kept, with a warning.
    """
    from .._fileio import OutputFolder
    from ..report.document import _table_bytes, figure_png

    out = OutputFolder(folder, overwrite=overwrite)
    payloads: dict[str, bytes] = {
        f"{name}.csv": _table_bytes(frame, "csv") for name, frame in scan.tables(top).items()
    }
    payloads["summary.txt"] = (scan.summary() + "\n").encode("utf-8")
    if figures:
        payloads["figures/shock_calendar.png"] = figure_png(scan.plot_calendar())
        if scan.sectors is not None:
            for date in scan.days(top=sector_days).index:
                name = f"figures/sectors_{date:%Y-%m-%d}.png"
                payloads[name] = figure_png(scan.plot_sectors(date))
    written = out.write_all(payloads)
    _remove_stale(out, set(payloads))
    return written


#: the names an export may write: a re-run removes the ones it did not write this time
_OWN_OUTPUT = re.compile(
    r"(shock_index|shock_days|episodes|firm_shocks)\.csv|summary\.txt"
    r"|figures/shock_calendar\.png|figures/sectors_\d{4}-\d{2}-\d{2}\.png"
)


def _remove_stale(out: Any, current: set[str]) -> list[str]:
    """Delete the scan outputs of an earlier run into the same folder that this run did not
    write (e.g. ``figures/sectors_<date>.png`` of a day no longer among the top shock days).

    Only a regular file the output manifest lists *and* whose content is still what eventstudy
    wrote is deleted (and forgotten by the manifest). Anything else under a stale name is kept
    with a warning naming it: an edited file, a symbolic link (never followed or deleted; nor
    a file inside a linked folder), a folder. A file the manifest does not list is never
    touched. Nothing here fails the run: the new outputs are already written.
    """
    import stat
    import warnings

    from .._fileio import _sha256_file
    from ..exceptions import user_stacklevel
    from ._warnings import ShockScanWarning

    removed: list[str] = []
    kept: list[str] = []
    for name in sorted(set(out.files) - current):
        if not _OWN_OUTPUT.fullmatch(name):
            continue
        path, why = out.path, ""
        for part in name.split("/"):
            path = path / part
            try:
                mode = path.lstat().st_mode
            except FileNotFoundError:
                why = "gone"
                break
            except OSError as exc:
                why = f"unreadable ({exc.strerror or exc})"
                break
            if stat.S_ISLNK(mode):
                why = f"{path} is a symbolic link"
                break
        if why == "gone":
            out._record(name, None)  # already gone: forget it
            removed.append(name)
            continue
        if not why and not stat.S_ISREG(path.lstat().st_mode):
            why = "not a regular file"
        if not why and _sha256_file(path) != out.files[name]:
            why = "edited since"
        if not why:
            try:
                out.remove(name)  # listed and unchanged: delete it and forget it
            except OutputError as exc:  # changed in between: keep it
                why = str(exc)
            else:
                removed.append(name)
                continue
        kept.append(f"{name} ({why})")
    if kept:
        warnings.warn(
            f"kept {', '.join(kept)} in {out.path}: a stale output of an earlier scan (this run "
            "did not write it) that is not the unchanged file eventstudy wrote; delete it if it "
            "is not yours to keep",
            ShockScanWarning,
            stacklevel=user_stacklevel(),
        )
    return removed
