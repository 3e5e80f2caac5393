"""Events that share calendar time: window overlap, and Kolari & Pynnönen's (2010) residual
correlation.

Below both the test context (``_core.Context.kp_rbar``) and the clustering remedies
(:mod:`~eventstudy.inference.remedies`, which re-exports these names): it imports only the
panel and the leaf helpers, so neither of them imports the other through it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..engine.panel import EventPanel
from ._cluster_measures import _CODE_BLOCK, _date_codes
from ._stats import FloatArray

__all__ = [
    "ResidualCorrelation",
    "events_share_dates",
    "kp_rbar",
    "residual_correlation",
    "shared_session_weights",
]


def _day0(panel: EventPanel) -> npt.NDArray[np.datetime64]:
    return np.asarray(panel.day0, dtype="datetime64[ns]")


def events_share_dates(panel: EventPanel) -> bool:
    """True when at least two events have overlapping event windows in calendar time.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import events_share_dates
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> events_share_dates(res.panel)  # e3 and e4's event windows share a session
    True
    >>> one = es.EventStudy(sim.events.head(1), sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> events_share_dates(one.panel)
    False
    """
    return bool(_overlapping_rows(panel).any())


def _overlapping_rows(panel: EventPanel) -> npt.NDArray[np.bool_]:
    """Events whose event window shares a session with another event's window.

    A row's window dates are distinct, so event *i* overlaps another exactly when one of its
    dates occurs more than once in the whole panel: a sort of the ``n * L2`` dates, no
    ``n x n`` matrix (which needed 66 GiB at 94k events).
    """
    codes = _date_codes(panel)  # equal codes: the same session (no (n, L2) dates, issue 14)
    counts = np.bincount(codes[codes >= 0], minlength=1)
    overlapping = np.zeros(panel.n_events, dtype=bool)
    for lo in range(0, len(codes), _CODE_BLOCK):  # blocks of events
        c = codes[lo : lo + _CODE_BLOCK]
        overlapping[lo : lo + len(c)] = ((c >= 0) & (counts[np.maximum(c, 0)] > 1)).any(axis=1)
    return overlapping


# ----------------------------------------------------------------------------- KP r-bar
@dataclass(frozen=True)
class ResidualCorrelation:
    """Average cross-correlation of estimation-window residuals (Kolari & Pynnönen 2010).

    Attributes
    ----------
    rbar : float
        Average of ``r_ij`` over all pairs ``i < j`` (pairs without common event dates: 0).
    n_pairs_estimated : int
        Pairs with overlapping event windows whose correlation was estimated.
    n_pairs : int
        All pairs.
    matrix : (n, n) ndarray
        Pairwise correlations on common estimation dates (NaN where not estimated), for every
        pair: the tests weight them by the sessions two windows share
        (:func:`shared_session_weights`).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import residual_correlation
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rc = residual_correlation(res.panel)
    >>> rc.n_pairs, rc.n_pairs_estimated, rc.matrix.shape
    (28, 3, (8, 8))
    """

    rbar: float
    n_pairs_estimated: int
    n_pairs: int
    matrix: FloatArray


def residual_correlation(panel: EventPanel, min_common: int = 30) -> ResidualCorrelation:
    """Average pairwise correlation of estimation-window residuals for events sharing dates.

    Parameters
    ----------
    panel : EventPanel
    min_common : int
        Minimum number of common estimation dates for a pair's correlation to be estimated.

    Notes
    -----
    Kolari & Pynnönen (2010, sec. 2): ``r_ij`` is the sample correlation of the residuals
    ``e_iu`` and ``e_ju`` over the calendar dates ``u`` on which both have an
    estimation-window residual (Pearson, pairwise complete). Only pairs whose event windows
    overlap in calendar time are correlated in the event window, so only they contribute;
    the others enter the average as 0:

    .. math:: \\bar r = \\frac{2}{N(N-1)}\\sum_{i<j} r_{ij} \\, 1[\\text{windows overlap}]

    Computed for all pairs at once with matrix products (no loop over events).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import residual_correlation
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> round(residual_correlation(res.panel).rbar, 4)  # mean pairwise residual correlation
    0.0051
    """
    n = panel.n_events
    if n < 2:
        return ResidualCorrelation(0.0, 0, 0, np.full((n, n), np.nan))
    x, m = _calendar_matrix(panel)
    nij = m @ m.T
    sx = x @ m.T  # sx[i, j] = sum of e_i over the dates i shares with j
    sxx = (x * x) @ m.T
    sxy = x @ x.T
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / nij
        var_i = sxx - sx**2 / nij
        r = cov / np.sqrt(var_i * var_i.T)
    estimated = (nij >= min_common) & np.isfinite(r)
    every_day = np.ones(np.asarray(panel.evt_rel).shape[0], dtype=bool)
    use = (shared_session_weights(panel, every_day) > 0) & estimated  # windows overlap
    iu = np.triu_indices(n, 1)
    pairs = use[iu]
    total = len(pairs)
    rbar = float(r[iu][pairs].sum() / total)
    return ResidualCorrelation(rbar, int(pairs.sum()), total, np.where(estimated, r, np.nan))


def shared_session_weights(panel: EventPanel, cols: npt.NDArray[np.bool_]) -> FloatArray:
    """How much two events' (sub-)windows coincide in calendar time: ``w_ij = S_ij /
    sqrt(L_i L_j)``.

    ``S_ij`` is the number of sessions the two windows (the event-grid columns ``cols``)
    share and ``L_i`` the sessions in event *i*'s window. With returns uncorrelated over
    time and contemporaneous correlation ``r_ij``, ``corr(CAR_i, CAR_j) = r_ij w_ij``: 1 for
    the same day 0, 0 for windows without a common session (e.g. day 0 of events on
    different dates). Windows are contiguous sessions, so the overlap of two windows is
    the overlap of two intervals of session positions (no loop over events or days).
    """
    dates = np.asarray(panel.evt_dates, dtype="datetime64[ns]")[:, np.asarray(cols, dtype=bool)]
    if dates.shape[1] == 0:  # an empty window: no session in common
        return np.zeros((dates.shape[0], dates.shape[0]))
    valid = ~np.isnat(dates)
    _, codes = np.unique(dates[valid], return_inverse=True)  # session positions
    pos = np.full(dates.shape, -1, dtype=np.int64)
    pos[valid] = codes
    has = valid.any(axis=1)
    start = np.where(valid, pos, np.iinfo(np.int64).max).min(axis=1)
    end = np.where(valid, pos, -1).max(axis=1)
    length = np.where(has, end - start + 1, 0).astype(float)
    shared = np.minimum.outer(end, end) - np.maximum.outer(start, start) + 1
    shared = np.where(np.outer(has, has), np.clip(shared, 0, None), 0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = shared / np.sqrt(np.outer(length, length))
    return np.nan_to_num(weights, nan=0.0)


def kp_rbar(correlation: FloatArray, weights: FloatArray, present: npt.NDArray[np.bool_]) -> float:
    """Kolari-Pynnönen average correlation of the statistics of the ``present`` events:
    ``2 / (N (N - 1)) * sum_{i<j} r_ij w_ij`` (pairs without an estimated ``r_ij``: 0)."""
    idx = np.flatnonzero(present)
    n = len(idx)
    if n < 2:
        return 0.0
    sub = np.nan_to_num(correlation[np.ix_(idx, idx)]) * weights[np.ix_(idx, idx)]
    return float(sub[np.triu_indices(n, 1)].sum() / (n * (n - 1) / 2))


def _calendar_matrix(panel: EventPanel) -> tuple[FloatArray, FloatArray]:
    """Residuals on the union of estimation dates: values (0 where missing) and a 0/1 mask."""
    dates = np.asarray(panel.est_dates, dtype="datetime64[ns]")
    resid = np.asarray(panel.resid_est, dtype=float)
    valid = ~np.isnat(dates) & ~np.isnan(resid)
    uniq, inv = np.unique(dates[valid], return_inverse=True)
    rows = np.nonzero(valid)[0]
    x = np.zeros((resid.shape[0], len(uniq)))
    m = np.zeros_like(x)
    x[rows, inv] = resid[valid]
    m[rows, inv] = 1.0
    return x, m
