"""Shock scanner: find the shock days and the firms hit in a universe, before studying them.

:func:`scan_shocks` standardises every firm-day's out-of-sample abnormal return by a trailing
estimation window (no look-ahead), flags extreme ones at a calibrated false-flag rate, builds a
market-wide shock index per day with its null distribution, merges consecutive shock days into
episodes and ranks them; :class:`ShockScan` holds the tables, figures and
:meth:`ShockScan.to_events`, an events frame :class:`~eventstudy.EventStudy` takes unchanged.

Names are imported lazily (the CLI's parser imports :mod:`eventstudy.scan._cli` only).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ShockScan": "_results",
    "ShockScanWarning": "_warnings",
    "plot_sector_ars": "_plots",
    "plot_shock_calendar": "_plots",
    "read_sector_map": "_core",
    "scan_shocks": "_core",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eventstudy.scan' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from ._core import read_sector_map as read_sector_map
    from ._core import scan_shocks as scan_shocks
    from ._plots import plot_sector_ars as plot_sector_ars
    from ._plots import plot_shock_calendar as plot_shock_calendar
    from ._results import ShockScan as ShockScan
    from ._warnings import ShockScanWarning as ShockScanWarning
