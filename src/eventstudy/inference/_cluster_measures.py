"""How strongly events cluster in calendar time (the measures behind the clustered-date
flags of the test registry and the advice of :mod:`eventstudy.inference.guidance`).

Kept apart from the guidance so that the registry, which flags tests, does not import the
module that chooses headline tests from the registry.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..engine.panel import EventPanel

__all__ = ["STRONG_CLUSTER_SIZE", "Degree", "cluster_measures", "clustering_degree"]

Degree = Literal["none", "mild", "strong"]

#: mean number of events sharing an event's day 0 from which clustering is "strong"
STRONG_CLUSTER_SIZE = 3.0


#: rows per block when event-window cells are coded (bounds the temporaries)
_CODE_BLOCK = 65_536


# ----------------------------------------------------------------------------- measures
def _date_codes(panel: EventPanel) -> npt.NDArray[np.int32]:
    """The event-window cells as integer codes that increase with the calendar date
    (``-1``: no date), ``(n, L2)``: equal codes are equal sessions.

    A panel holding its dates as positions on increasing sessions gives the positions
    themselves, computed in blocks: no ``(n, L2)`` dates and no sort of ``n L2`` dates
    (about 1.3 GB of temporaries at a million events, issue 14). Otherwise each date's
    rank among the distinct dates of the panel.
    """
    grid = panel.evt_positions
    if grid is not None and panel.__dict__.get("_evt_dates") is None:
        sessions = np.asarray(grid.sessions)
        if bool(np.all(sessions[1:] > sessions[:-1])):  # NaT compares False: not taken
            base = np.asarray(grid.base, dtype=np.int64)
            offsets = np.asarray(grid.offsets, dtype=np.int64)
            out = np.empty((len(base), len(offsets)), dtype=np.int32)
            for lo in range(0, len(base), _CODE_BLOCK):  # blocks of events
                pos = base[lo : lo + _CODE_BLOCK, None] + offsets[None, :]
                pos[(pos < 0) | (pos >= len(sessions))] = -1
                out[lo : lo + _CODE_BLOCK] = pos
            return out
    dates = np.asarray(panel.evt_dates, dtype="datetime64[ns]")
    valid = ~np.isnat(dates)
    out = np.full(dates.shape, -1, dtype=np.int32)
    if valid.any():
        _, codes = np.unique(dates[valid], return_inverse=True)
        out[valid] = codes
    return out


def _window_positions(panel: EventPanel) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First and last session code of each event window (-1 for an empty window)."""
    codes = _date_codes(panel)
    n = codes.shape[0]
    start, end = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    for lo in range(0, n, _CODE_BLOCK):  # blocks of events
        c = codes[lo : lo + _CODE_BLOCK]
        valid = c >= 0
        first = np.where(valid, c, np.iinfo(np.int32).max).min(
            axis=1, initial=np.iinfo(np.int32).max
        )
        has = valid.any(axis=1)
        start[lo : lo + len(c)] = np.where(has, first, -1)
        end[lo : lo + len(c)] = np.where(has, c.max(axis=1, initial=-1), -1)
    return start, end


def cluster_measures(panel: EventPanel) -> dict[str, Any]:
    """How strongly the events cluster in calendar time.

    Returns
    -------
    dict
        ``n_events``; ``n_dates`` (distinct day-0 sessions); ``largest_cluster`` (most events
        on one day 0); ``share_top_date`` (``largest_cluster / n_events``);
        ``mean_cluster_size`` (average over events of the number of events sharing its day 0,
        itself included: ``sum_d c_d^2 / N`` for ``c_d`` events on date ``d``);
        ``share_overlapping`` (share of events whose event window shares a session with
        another event's) and ``mean_overlapping`` (average number of other events whose
        window overlaps an event's window).

    Notes
    -----
    With a correlation ``rho`` between the abnormal returns of events sharing day 0 and none
    otherwise, ``Var(AAR_0) = sigma^2 / N (1 + (m - 1) rho)`` with ``m`` the
    ``mean_cluster_size``: the measure is the design's part of the variance inflation.
    Overlaps are counted on intervals of session positions (sorting, no ``N x N`` matrix).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference.guidance import cluster_measures
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 events on 8 dates
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> m = cluster_measures(res.panel)
    >>> m["n_dates"], m["mean_cluster_size"], m["share_overlapping"]
    (8, 1.0, 0.5)
    """
    n = int(panel.n_events)
    d0 = np.asarray(panel.day0, dtype="datetime64[ns]")
    _, inv, counts = np.unique(d0, return_inverse=True, return_counts=True)
    start, end = _window_positions(panel)
    has = start >= 0
    starts, ends = np.sort(start[has]), np.sort(end[has])
    # windows j with start_j <= end_i and end_j >= start_i, less the window itself
    others = (
        np.searchsorted(starts, end[has], side="right")
        - np.searchsorted(ends, start[has], side="left")
        - 1
    )
    overlapping = np.zeros(n, dtype=float)
    overlapping[has] = others
    return {
        "n_events": n,
        "n_dates": len(counts),
        "largest_cluster": int(counts.max()) if n else 0,
        "share_top_date": float(counts.max() / n) if n else 0.0,
        "mean_cluster_size": float(counts[inv].mean()) if n else 0.0,
        "share_overlapping": float((overlapping > 0).mean()) if n else 0.0,
        "mean_overlapping": float(overlapping.mean()) if n else 0.0,
    }


def clustering_degree(measures: dict[str, Any]) -> Degree:
    """Grade of clustering from :func:`cluster_measures`.

    ``"none"``: no two event windows share a session. ``"strong"``: on average at least
    :data:`STRONG_CLUSTER_SIZE` events share an event's day 0 (with a residual correlation
    of 0.1 between them a nominal 5 % test of the day-0 AAR that assumes independence then
    rejects about 7.4 %, and far more with the correlations of one industry), or a single
    day 0 holds at least half of at least two events. ``"mild"``: windows overlap, but less.

    Examples
    --------
    >>> from eventstudy.inference.guidance import clustering_degree
    >>> clustering_degree({"n_events": 8, "share_overlapping": 0.5, "mean_cluster_size": 1.0,
    ...                    "share_top_date": 0.125})  # windows overlap, day 0s distinct
    'mild'
    >>> clustering_degree({"n_events": 6, "share_overlapping": 1.0, "mean_cluster_size": 6.0,
    ...                    "share_top_date": 1.0})  # one day 0 for all
    'strong'
    """
    if measures["n_events"] < 2 or measures["share_overlapping"] == 0.0:
        return "none"
    if measures["mean_cluster_size"] >= STRONG_CLUSTER_SIZE or measures["share_top_date"] >= 0.5:
        return "strong"
    return "mild"
