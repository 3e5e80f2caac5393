"""Writing a scan's tables and figures: through the one output writer of the package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    return out.write_all(payloads)
