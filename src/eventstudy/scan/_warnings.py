"""The scanner's warning (its own module: imported by the engine and the output writer alike)."""

from __future__ import annotations

from ..exceptions import EventStudyWarning

__all__ = ["ShockScanWarning"]


class ShockScanWarning(EventStudyWarning):
    """A scan ran but part of it could not: the day test never ran, sector-map or volume
    tickers that match no scanned firm, trailing windows with a constant market, stale outputs
    of an earlier scan that were edited since.

    Filter it with ``warnings.filterwarnings("ignore", category=ShockScanWarning)``.
    """
