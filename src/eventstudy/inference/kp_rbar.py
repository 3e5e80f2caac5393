"""Kolari-Pynnönen's average residual correlation without the ``n x n`` matrix.

The adjustment of Kolari & Pynnönen (2010) needs, for each tested day or CAR window, the
average over the pairs of present events of the estimation-window residual correlation
``r_ij`` weighted by the share of sessions their (sub-)windows have in common,
``w_ij = S_ij / sqrt(L_i L_j)``. Forming every pair costs ``8 n^2`` bytes (66 GiB at 94k
events). This module computes the same number from sums over *groups* of events:

* events whose estimation-window dates and event-window dates are identical (in practice:
  the events of one day 0) form a group; two groups have the same ``w`` for every pair of
  their members, and the same common estimation dates;
* on common dates where neither of two events misses a residual, ``r_ij = z_i . z_j`` with
  ``z`` the residuals centred and scaled on those dates, so the weighted sum over the pairs
  of two groups is ``w (sum_i p_i z_i) . (sum_j p_j z_j)`` and within one group
  ``w (|sum_i p_i z_i|^2 - sum_i p_i |z_i|^2) / 2`` (``p`` = present in the tested column);
* only group pairs whose event windows share a session contribute (``w > 0``).

Pairs in which one event misses a residual on the common dates ("gappy" events) have their
own common dates, mean and variance: for them ``r_ij`` is computed pair by pair, with the
same moment formulas as the dense reference, in blocks of one group pair.

Cost: time ``O(n_clean L1 K)`` for the group sums (``K`` = groups whose event windows meet a
given group's, ``2 L2 - 1`` on one calendar) plus ``O(n_gappy m L1)`` for the gappy pairs
(``m`` = events whose windows meet a gappy event's window: this term is quadratic in the
events per date); memory ``O(n L2)`` plus one group pair's block. The result equals the
``n x n`` computation (:func:`eventstudy.inference.remedies.residual_correlation` with
:func:`~eventstudy.inference.remedies.shared_session_weights`) up to rounding.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from ..engine.panel import EventPanel
from ._stats import BoolArray, FloatArray

__all__ = ["KPLayout", "kp_block_totals", "kp_layout", "kp_rbars"]

IntArray = npt.NDArray[np.int64]

#: rows hashed at once when grouping events by their date rows (bounds the temporaries)
_HASH_BLOCK = 65_536


@dataclass(frozen=True)
class KPLayout:
    """Events grouped by identical estimation- and event-window dates (AR-free, reusable).

    Attributes
    ----------
    group : (n,) int
        Group of each event.
    order, bounds : (n,) int, (G + 1,) int
        ``order[bounds[g]:bounds[g + 1]]`` are the events of group ``g``.
    est_dates, evt_dates : (G, L1), (G, L2) datetime64[ns]
        The dates of each group (one representative row).

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> days = sim.returns.index[[300, 300, 300, 350]]  # three firms share a day 0
    >>> events = pd.DataFrame({"ticker": ["F0", "F1", "F2", "F3"], "date": days})
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> layout = kp_layout(res.panel)  # a KPLayout
    >>> layout.group.tolist(), layout.bounds.tolist()
    ([0, 0, 0, 1], [0, 3, 4])
    >>> layout.evt_dates.shape  # 2 groups x 21 event-window days
    (2, 21)
    """

    group: IntArray
    order: IntArray
    bounds: IntArray
    est_dates: npt.NDArray[np.datetime64]
    evt_dates: npt.NDArray[np.datetime64]

    @property
    def n_groups(self) -> int:
        """Number of groups of events with identical window dates.

        Examples
        --------
        >>> import pandas as pd
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))
        >>> days = sim.returns.index[[300, 300, 300, 350]]  # three firms share a day 0
        >>> events = pd.DataFrame({"ticker": ["F0", "F1", "F2", "F3"], "date": days})
        >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> kp_layout(res.panel).n_groups  # one group of three firms, one of a single firm
        2
        """
        return len(self.bounds) - 1

    def rows(self, g: int) -> IntArray:
        """Positions in the panel of the events of group ``g``.

        Examples
        --------
        >>> import pandas as pd
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))
        >>> days = sim.returns.index[[300, 300, 300, 350]]  # three firms share a day 0
        >>> events = pd.DataFrame({"ticker": ["F0", "F1", "F2", "F3"], "date": days})
        >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> layout = kp_layout(res.panel)
        >>> layout.rows(0).tolist(), layout.rows(1).tolist()
        ([0, 1, 2], [3])
        """
        return self.order[self.bounds[g] : self.bounds[g + 1]]


def _row_hash(x: npt.NDArray[np.int64], coef: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    out = np.empty(x.shape[0], dtype=np.uint64)
    for lo in range(0, x.shape[0], _HASH_BLOCK):  # blocks of rows, not single events
        out[lo : lo + _HASH_BLOCK] = (x[lo : lo + _HASH_BLOCK].view(np.uint64) * coef).sum(axis=1)
    return out


def _same_rows(x: npt.NDArray[np.int64], first: IntArray) -> BoolArray:
    out = np.empty(x.shape[0], dtype=bool)
    for lo in range(0, x.shape[0], _HASH_BLOCK):
        out[lo : lo + _HASH_BLOCK] = (
            x[lo : lo + _HASH_BLOCK] == x[first[lo : lo + _HASH_BLOCK]]
        ).all(axis=1)
    return out


def _group_ids(panel: EventPanel) -> IntArray:
    """Events with identical estimation- and event-window date rows share an id (exact: a
    row hash proposes the groups, a comparison with each group's first row confirms them)."""
    ep, vp = panel.est_positions, panel.evt_positions
    stored = (
        panel.__dict__.get("_est_dates") is not None or panel.__dict__.get("_evt_dates") is not None
    )
    if ep is not None and vp is not None and not stored:  # dates are a function of the bases
        key = np.stack([np.asarray(ep.base, np.int64), np.asarray(vp.base, np.int64)], axis=1)
        return np.unique(key, axis=0, return_inverse=True)[1].astype(np.int64).ravel()
    est = np.ascontiguousarray(np.asarray(panel.est_dates, dtype="datetime64[ns]")).view(np.int64)
    evt = np.ascontiguousarray(np.asarray(panel.evt_dates, dtype="datetime64[ns]")).view(np.int64)
    rng = np.random.default_rng(20100)  # fixed odd multipliers: a deterministic hash
    c1 = np.asarray(rng.integers(1, 2**62, est.shape[1], dtype=np.uint64) * 2 + 1, np.uint64)
    c2 = np.asarray(rng.integers(1, 2**62, evt.shape[1], dtype=np.uint64) * 2 + 1, np.uint64)
    h = _row_hash(est, c1) * np.uint64(0x9E3779B97F4A7C15) + _row_hash(evt, c2)
    _, first_of, inv = np.unique(h, return_index=True, return_inverse=True)
    first = first_of[inv.ravel()].astype(np.int64)
    same = _same_rows(est, first) & _same_rows(evt, first)
    ids = np.where(same, first, np.arange(len(first)))  # a hash collision: its own group
    return np.unique(ids, return_inverse=True)[1].astype(np.int64).ravel()


def kp_layout(panel: EventPanel) -> KPLayout:
    """Group the events of ``panel`` for :func:`kp_rbars` (depends on the dates only).

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> days = sim.returns.index[[300, 300, 300, 350]]  # three firms share a day 0
    >>> events = pd.DataFrame({"ticker": ["F0", "F1", "F2", "F3"], "date": days})
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> layout = kp_layout(res.panel)
    >>> layout.n_groups, layout.group.tolist()  # the three firms of day 300 form group 0
    (2, [0, 0, 0, 1])
    """
    group = _group_ids(panel)
    n_groups = int(group.max()) + 1 if len(group) else 0
    order = np.argsort(group, kind="stable").astype(np.int64)
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=n_groups), out=bounds[1:])
    rep = order[bounds[:-1]]
    est, evt = (panel.est_positions, panel.evt_positions)
    if est is not None and panel.__dict__.get("_est_dates") is None:
        est_dates = est.dates(rep)
    else:
        est_dates = np.asarray(panel.est_dates, dtype="datetime64[ns]")[rep]
    if evt is not None and panel.__dict__.get("_evt_dates") is None:
        evt_dates = evt.dates(rep)
    else:
        evt_dates = np.asarray(panel.evt_dates, dtype="datetime64[ns]")[rep]
    return KPLayout(group, order, bounds, est_dates, evt_dates)


def _intervals(dates: npt.NDArray[np.datetime64]) -> tuple[IntArray, IntArray, FloatArray]:
    """Start, end and length (sessions) of each row's window as positions on the union of
    the rows' dates (windows are contiguous sessions); length 0 for an empty row."""
    valid = ~np.isnat(dates)
    pos = np.full(dates.shape, -1, dtype=np.int64)
    if valid.any():
        pos[valid] = np.unique(dates[valid], return_inverse=True)[1].ravel()
    has = valid.any(axis=1)
    start = np.where(valid, pos, np.iinfo(np.int64).max).min(axis=1)
    end = np.where(valid, pos, -1).max(axis=1)
    return start, end, np.where(has, end - start + 1, 0).astype(float)


def _group_pairs(layout: KPLayout) -> tuple[IntArray, IntArray]:
    """Pairs ``g <= h`` of groups whose whole event windows share a session."""
    start, end, length = _intervals(layout.evt_dates)
    ok = np.flatnonzero(length > 0)
    by_start = ok[np.argsort(start[ok], kind="stable")]
    s = start[by_start]
    hi = np.searchsorted(s, end[by_start], side="right")  # sorted starts up to my end
    k = np.arange(len(by_start))
    count = np.maximum(hi - k - 1, 0)
    first = np.repeat(k, count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    second = first + 1 + offset
    g = np.concatenate([by_start, by_start[first]])
    h = np.concatenate([by_start, by_start[second]])
    return g.astype(np.int64), h.astype(np.int64)


def _pair_weights(layout: KPLayout, col_sets: BoolArray, g: IntArray, h: IntArray) -> FloatArray:
    """``w = S / sqrt(L_g L_h)`` for every group pair (rows) and column set (columns)."""
    out = np.zeros((len(g), col_sets.shape[0]))
    for c, cols in enumerate(col_sets):  # a handful of column sets (days, windows)
        if not cols.any():
            continue
        start, end, length = _intervals(layout.evt_dates[:, cols])
        shared = np.minimum(end[g], end[h]) - np.maximum(start[g], start[h]) + 1
        both = (length[g] > 0) & (length[h] > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.clip(shared, 0, None) / np.sqrt(length[g] * length[h])
        out[:, c] = np.where(both, w, 0.0)
    return out


def _standardised(x: FloatArray) -> FloatArray:
    """Rows centred and scaled to unit sum of squares (0 for a constant row), so that the
    Pearson correlation of two rows is their dot product."""
    z = x - x.mean(axis=1, keepdims=True)
    norm = np.sqrt((z * z).sum(axis=1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, z / norm, 0.0)


def kp_rbars(
    panel: EventPanel,
    col_sets: BoolArray,
    present: BoolArray,
    min_common: int = 30,
    layout: KPLayout | None = None,
) -> FloatArray:
    """Kolari-Pynnönen ``r_bar`` for several column sets at once, without pairs of events.

    Parameters
    ----------
    panel : EventPanel
    col_sets : (C, L2) bool
        Event-grid columns of each tested statistic (one day, or a CAR window's days).
    present : (n, C) bool
        Events whose statistic exists for each column set.
    min_common : int
        Minimum common estimation dates for a pair's correlation to be estimated.
    layout : KPLayout, optional
        The grouping of :func:`kp_layout` (computed when not given; reuse it across calls).

    Returns
    -------
    (C,) ndarray
        ``r_bar`` per column set.

    Notes
    -----
    Kolari & Pynnönen (2010, eq. 10) with staggered dates weighted by shared sessions:

    .. math:: \\bar r_c = \\frac{2}{N_c(N_c-1)}\\sum_{i<j} p_{ic}p_{jc}\\, r_{ij}\\,
              \\frac{S^c_{ij}}{\\sqrt{L^c_i L^c_j}}

    with ``r_ij`` the pairwise-complete Pearson correlation of the estimation-window
    residuals on their common dates (0 with fewer than ``min_common`` of them), ``S`` the
    sessions the two windows share and ``L`` a window's sessions. Evaluated by group sums,
    ``sum_{i != j} z_i . z_j = |sum z|^2 - sum |z|^2`` (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.inference._build import market_model_panel
    >>> rng = np.random.default_rng(0)
    >>> m = rng.normal(0, 0.01, 300)
    >>> r = m[:, None] + rng.normal(0, 0.02, (300, 4))
    >>> p = market_model_panel(r, m, np.arange(4), np.full(4, 280), (-200, -11), (-1, 1))
    >>> cols = np.ones((1, 3), dtype=bool)
    >>> float(kp_rbars(p, cols, np.ones((4, 1), dtype=bool))[0]) < 0.2
    True
    """
    col_sets = np.atleast_2d(np.asarray(col_sets, dtype=bool))
    present = np.asarray(present, dtype=bool).reshape(panel.n_events, col_sets.shape[0])
    n_present = present.sum(axis=0).astype(float)
    totals = np.zeros(col_sets.shape[0])
    if panel.n_events < 2:
        return totals
    lay = layout if layout is not None else kp_layout(panel)
    # thousands of small products: one BLAS thread each is faster than waking a pool
    with threadpool_limits(limits=1, user_api="blas"):
        totals = _weighted_pair_totals(panel, lay, col_sets, present, min_common)
    with np.errstate(invalid="ignore", divide="ignore"):
        rbar = totals / (n_present * (n_present - 1.0) / 2.0)
    return np.where(n_present >= 2, rbar, 0.0)


def _weighted_pair_totals(
    panel: EventPanel,
    lay: KPLayout,
    col_sets: BoolArray,
    present: BoolArray,
    min_common: int,
    own: BoolArray | None = None,
    resid_est: FloatArray | None = None,
) -> FloatArray:
    """``sum_{i<j} p_i p_j r_ij w_ij`` per column set: group sums for pairs of clean events,
    :func:`_gappy_pairs` for the rest.

    ``own`` (a mask over the groups of ``lay``) restricts the sum to the group pairs whose
    first group (in the order of :func:`_group_pairs`) is owned, and to the gappy events of
    owned groups: the share of one block of dates when the groups are split into blocks
    (``lay`` then holds the block's groups and every group whose windows meet theirs), so
    the blocks' totals add up to the whole panel's (:func:`kp_block_totals`).
    ``resid_est`` replaces ``panel.resid_est`` (the rows of ``lay``'s events)."""
    totals = np.zeros(col_sets.shape[0])
    resid = np.asarray(panel.resid_est if resid_est is None else resid_est, dtype=float)
    pres = present.astype(float)
    gs, hs = _group_pairs(lay)
    weights = _pair_weights(lay, col_sets, gs, hs)
    live = np.flatnonzero(weights.any(axis=1))
    gs, hs, weights = gs[live], hs[live], weights[live]
    est_valid = ~np.isnat(lay.est_dates)
    clean = _clean_rows(resid, est_valid, lay.group)
    blocks = _GroupRows(resid, lay, clean)
    mine = range(len(gs)) if own is None else np.flatnonzero(own[gs])
    for p in mine:  # group pairs (distinct dates x neighbours), not events
        g, h = int(gs[p]), int(hs[p])
        active = np.flatnonzero(weights[p] > 0)
        cols_g, cols_h = np.flatnonzero(est_valid[g]), np.flatnonzero(est_valid[h])
        _, ig, ih = np.intersect1d(
            lay.est_dates[g, cols_g], lay.est_dates[h, cols_h], return_indices=True
        )
        if len(ig) < min_common:
            continue
        rows_g, x_g = blocks.clean(g)
        # (C, K): present-weighted sums of the rows standardised on the common dates
        sum_g, self_g = _weighted_z_sums(_columns(x_g, cols_g[ig]), pres[np.ix_(rows_g, active)])
        if g == h:
            contrib = ((sum_g * sum_g).sum(axis=1) - self_g) / 2.0
        else:
            rows_h, x_h = blocks.clean(h)
            sum_h, _ = _weighted_z_sums(_columns(x_h, cols_h[ih]), pres[np.ix_(rows_h, active)])
            contrib = (sum_g * sum_h).sum(axis=1)
        totals[active] += weights[p, active] * contrib
    if not clean.all():
        totals += _gappy_pairs(lay, resid, pres, clean, gs, hs, weights, min_common, own, blocks)
    return totals


#: bytes of gathered group rows kept at once (the pairs come in order of the groups' dates,
#: so the groups of the next pairs are mostly among the last ones gathered)
_GROUP_CACHE_BYTES = 256 * 2**20


class _GroupRows:
    """The residual rows of each group gathered once (all rows, and the clean ones), with
    the coordinates of their missing values; least recently used groups are dropped beyond
    :data:`_GROUP_CACHE_BYTES`. Gathering rows per pair was much of ``r_bar``'s time."""

    def __init__(self, resid: FloatArray, lay: KPLayout, clean: BoolArray) -> None:
        self.resid, self.lay, self.clean_rows = resid, lay, clean
        self.cache: OrderedDict[tuple[str, int], Any] = OrderedDict()
        self.bytes = 0

    def _get(self, key: tuple[str, int], make: Any) -> Any:
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.move_to_end(key)
            return hit
        value = make()
        size = sum(int(getattr(v, "nbytes", 0)) for v in value)
        while self.cache and self.bytes + size > _GROUP_CACHE_BYTES:
            _, old = self.cache.popitem(last=False)
            self.bytes -= sum(int(getattr(v, "nbytes", 0)) for v in old)
        self.cache[key] = value
        self.bytes += size
        return value

    def clean(self, g: int) -> tuple[IntArray, FloatArray]:
        """Clean rows of group ``g`` and their residuals ``(n_g, L1)``."""

        def make() -> tuple[IntArray, FloatArray]:
            rows = self.lay.rows(g)
            rows = rows[self.clean_rows[rows]]
            return rows, self.resid[rows]

        out: tuple[IntArray, FloatArray] = self._get(("clean", g), make)
        return out

    def all(self, g: int) -> tuple[FloatArray, IntArray, IntArray]:
        """Residuals of every row of group ``g`` and the (row, column) of their missing
        values in row-major order."""

        def make() -> tuple[FloatArray, IntArray, IntArray]:
            x = self.resid[self.lay.rows(g)]
            r, c = np.nonzero(np.isnan(x))
            return x, r.astype(np.int64), c.astype(np.int64)

        out: tuple[FloatArray, IntArray, IntArray] = self._get(("all", g), make)
        return out


def _columns(x: FloatArray, cols: IntArray) -> FloatArray:
    """``x[:, cols]``: a view when ``cols`` is a run of consecutive columns (the common
    dates of two windows on one calendar), else a copy."""
    if len(cols) and cols[-1] - cols[0] + 1 == len(cols):
        return x[:, int(cols[0]) : int(cols[-1]) + 1]
    return x[:, cols]


def _weighted_z_sums(x: FloatArray, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``p' z`` ``(C, K)`` and ``p' |z|^2`` ``(C,)`` with ``z`` the rows of ``x`` centred
    and scaled to unit sum of squares (0 for a constant row: :func:`_standardised`); the
    scaling is folded into the weights, so ``z`` is not formed."""
    d = x - x.mean(axis=1, keepdims=True)
    ss = np.einsum("ij,ij->i", d, d)
    norm = np.sqrt(ss)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(norm > 0, 1.0 / norm, 0.0)
    return (p * inv[:, None]).T @ d, p.T @ (ss * inv * inv)


def kp_block_totals(
    resid_est: FloatArray,
    lay: KPLayout,
    col_sets: BoolArray,
    present: BoolArray,
    own: BoolArray,
    min_common: int = 30,
) -> FloatArray:
    """One block's share of the weighted pair totals behind :func:`kp_rbars` (see the
    ``own`` argument of :func:`_weighted_pair_totals`): what a Dask worker computes from the
    residual rows of a block of dates and its neighbours, so that ``r_bar`` never needs the
    whole panel in one place (``eventstudy.parallel``).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.inference._build import market_model_panel
    >>> from eventstudy.inference.kp_rbar import kp_block_totals, kp_layout
    >>> rng = np.random.default_rng(0)
    >>> m = rng.normal(0, 0.01, 300)
    >>> r = m[:, None] + rng.normal(0, 0.02, (300, 4))
    >>> p = market_model_panel(r, m, np.arange(4), np.full(4, 280), (-200, -11), (-1, 1))
    >>> lay = kp_layout(p)  # one group: all four events share their dates
    >>> cols, present = np.ones((1, 3), dtype=bool), np.ones((4, 1), dtype=bool)
    >>> total = kp_block_totals(p.resid_est, lay, cols, present, np.ones(1, dtype=bool))
    >>> bool(np.isclose(total[0] / 6, kp_rbars(p, cols, present)[0]))  # 6 pairs
    True
    """
    col_sets = np.atleast_2d(np.asarray(col_sets, dtype=bool))
    present = np.asarray(present, dtype=bool).reshape(len(lay.group), col_sets.shape[0])
    with threadpool_limits(limits=1, user_api="blas"):
        return _weighted_pair_totals(
            cast(EventPanel, None), lay, col_sets, present, min_common, own, resid_est
        )


def _clean_rows(resid: FloatArray, est_valid: BoolArray, group: IntArray) -> BoolArray:
    """Events with a residual on every session of their estimation window."""
    out = np.empty(len(group), dtype=bool)
    for lo in range(0, len(group), _HASH_BLOCK):  # blocks of rows, not single events
        sl = slice(lo, lo + _HASH_BLOCK)
        out[sl] = ~(np.isnan(resid[sl]) & est_valid[group[sl]]).any(axis=1)
    return out


def _gappy_pairs(
    lay: KPLayout,
    resid: FloatArray,
    pres: FloatArray,
    clean: BoolArray,
    gs: IntArray,
    hs: IntArray,
    weights: FloatArray,
    min_common: int,
    own: BoolArray | None = None,
    blocks: _GroupRows | None = None,
) -> FloatArray:
    """``sum w p_i p_j r_ij`` over the pairs with at least one gappy event, group by group
    (the gappy events of the ``own`` groups only, when given).

    For each group ``g`` with gappy events, its gappy events (``A``) meet every event of the
    groups whose windows meet ``g``'s (``B``, ``g`` included) on one calendar axis. The
    pairwise-complete moments follow from windows (one indicator row per group) and sparse
    missing-value masks, so the only dense product is ``A B'`` of the residuals:
    ``n_ij = W_ij - m_i.w_j - w_i.m_j + m_i.m_j`` and ``S^x_ij = x_i.w_j - x_i.m_j`` (``w`` a
    window indicator, ``m`` the missing days, ``x`` zero-filled residuals). A gappy-clean
    pair is counted from its gappy side; a gappy-gappy pair from both sides, at half weight.
    """
    total = np.zeros(weights.shape[1])
    n_groups = lay.n_groups
    est_valid = ~np.isnat(lay.est_dates)
    blocks = blocks if blocks is not None else _GroupRows(resid, lay, clean)
    gappy_groups = np.unique(lay.group[~clean])
    if own is not None:
        gappy_groups = gappy_groups[own[gappy_groups]]
    # neighbours of each group through the live pairs, with their weight rows
    both_g = np.concatenate([gs, hs[gs != hs]])
    both_h = np.concatenate([hs, gs[gs != hs]])
    both_w = np.concatenate([weights, weights[gs != hs]])
    by = np.argsort(both_g, kind="stable")
    both_g, both_h, both_w = both_g[by], both_h[by], both_w[by]
    starts = np.searchsorted(both_g, np.arange(n_groups + 1))
    # each group's estimation dates as positions on the sorted union of all of them (-1: NaT)
    est_pos = np.full(est_valid.shape, -1, dtype=np.int64)
    if est_valid.any():
        est_pos[est_valid] = np.unique(lay.est_dates[est_valid], return_inverse=True)[1].ravel()
    on_axis = np.zeros(int(est_pos.max()) + 1, dtype=bool)
    n_gappy = np.bincount(lay.group[~clean], minlength=n_groups)
    for batch in _gappy_batches(gappy_groups, n_gappy):  # a few dates at once, not events
        nbs = [slice(starts[g], starts[g + 1]) for g in batch]
        groups = np.unique(np.concatenate([both_h[nb] for nb in nbs]))
        if len(groups) == 0:
            continue
        # the calendar axis of the batch and its neighbours: the sorted union of their dates
        pos_q = est_pos[groups]
        on_axis[:] = False
        on_axis[pos_q[pos_q >= 0]] = True
        t_len = int(on_axis.sum())
        # column of each (group, estimation day) on the axis; NaT days go to a spare column
        pq = np.where(pos_q >= 0, np.cumsum(on_axis)[pos_q] - 1, t_len)
        win = np.zeros((len(groups), t_len + 1))
        win[np.arange(len(groups))[:, None], pq] = 1.0
        win = win[:, :t_len]
        b_rows = [lay.rows(int(q)) for q in groups]
        b_group = np.repeat(np.arange(len(groups)), [len(r) for r in b_rows])
        rows_b = np.concatenate(b_rows)
        xb, (miss_r, miss_c) = _on_axis(blocks, groups, pq, t_len)
        xb[miss_r, miss_c] = 0.0  # missing days inside the windows
        k_of = np.searchsorted(groups, batch)  # each batch group's row of win
        in_a = ~clean[rows_b] & np.isin(b_group, k_of)
        a_idx = np.flatnonzero(in_a)
        r = _scattered_correlations(
            _Scattered(xb, (miss_r, miss_c), win, b_group), a_idx, b_group[a_idx], min_common
        )
        r[np.arange(len(a_idx)), a_idx] = 0.0  # no pair with itself
        half = np.where(clean[rows_b], 1.0, 0.5)  # gappy-gappy pairs are met twice
        for k, nb in zip(k_of, nbs, strict=True):
            # the pairs of one group's gappy events with its neighbours' events (weight 0 elsewhere)
            w_groups = np.zeros((len(groups), weights.shape[1]))
            w_groups[np.searchsorted(groups, both_h[nb])] = both_w[nb]
            mine = np.flatnonzero(b_group[a_idx] == k)
            q = pres[rows_b] * w_groups[b_group] * half[:, None]
            total += (pres[rows_b[a_idx[mine]]] * (r[mine] @ q)).sum(axis=0)
    return total


#: gappy events correlated with their neighbours in one pass: the gappy groups of a few
#: consecutive dates share most neighbours, so one calendar axis of their union serves them
#: (one pass over the neighbours' residuals per batch instead of per date)
_GAPPY_BATCH_EVENTS = 64


def _gappy_batches(gappy_groups: IntArray, n_gappy: IntArray) -> list[IntArray]:
    """Consecutive gappy groups (ids follow the dates) with at most
    :data:`_GAPPY_BATCH_EVENTS` gappy events in all (a group with more stands alone)."""
    out: list[IntArray] = []
    lo, count = 0, 0
    for i, g in enumerate(gappy_groups):  # groups (dates), not events
        if i > lo and count + n_gappy[g] > _GAPPY_BATCH_EVENTS:
            out.append(gappy_groups[lo:i])
            lo, count = i, 0
        count += int(n_gappy[g])
    if len(gappy_groups) > lo:
        out.append(gappy_groups[lo:])
    return out


def _on_axis(
    blocks: _GroupRows, groups: IntArray, pq: IntArray, t_len: int
) -> tuple[FloatArray, tuple[IntArray, IntArray]]:
    """The residuals of the events of ``groups`` (in order) on a calendar axis of ``t_len``
    sessions (``pq[k]``: the axis column of each estimation day of group ``k``, ``t_len``
    for a day outside the data), 0 outside each window; and the coordinates of their
    missing values inside the windows, row-major. A group's rows are one block copy when
    its days are consecutive on the axis."""
    sizes = [len(blocks.lay.rows(int(q))) for q in groups]
    xb = np.zeros((int(np.sum(sizes)), t_len))
    miss_r, miss_c = [], []
    off = 0
    for k, q in enumerate(groups):  # neighbouring groups (dates), not events
        x, r, c = blocks.all(int(q))
        cols = pq[k]
        valid = cols < t_len
        rows = slice(off, off + len(x))
        if valid.all() and len(cols) and cols[-1] - cols[0] + 1 == len(cols):
            xb[rows, int(cols[0]) : int(cols[-1]) + 1] = x
        else:
            xb[rows][:, cols[valid]] = x[:, valid]
        keep = valid[c]
        miss_r.append(r[keep] + off)
        miss_c.append(cols[c[keep]])
        off += len(x)
    empty = np.zeros(0, dtype=np.int64)
    return xb, (
        np.concatenate(miss_r) if miss_r else empty,
        np.concatenate(miss_c) if miss_c else empty,
    )


@dataclass(frozen=True)
class _Scattered:
    """Residuals of events on one calendar axis: zero-filled values ``x`` (0 outside the
    event's window and on its missing days), the missing days as coordinates, and the window
    indicator of each group (``win[group[j]]`` is event ``j``'s window)."""

    x: FloatArray
    missing: tuple[IntArray, IntArray]
    win: FloatArray
    group: IntArray


def _by_row(values: FloatArray, rows: IntArray, n_rows: int) -> FloatArray:
    """Sum the rows of ``values`` that share a row index (``rows`` sorted ascending, one per
    row of ``values``) into ``n_rows`` rows (0 for an index without any): the product with a
    sparse 0/1 row-indicator matrix, without building one."""
    out = np.zeros((n_rows, values.shape[1]))
    if len(rows):
        first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        out[rows[first]] = np.add.reduceat(values, first, axis=0)
    return out


#: an event of A whose missing days are more than this share of the axis has its sums over
#: the days with a value taken by a dense product (a firm listed inside the window), the
#: others by the window's sums less a gather over their few missing days
_DENSE_MISSING_SHARE = 0.125


def _sums_on_days_with_value(
    b: FloatArray,
    win: FloatArray,
    a_groups: IntArray,
    a_missing: tuple[IntArray, IntArray],
    n_a: int,
) -> tuple[FloatArray, FloatArray]:
    """``sum_t has_i(t) y_j(t)`` and ``sum_t has_i(t) y_j(t)^2`` ``(n_a, m)`` for every event
    ``i`` of A (``has_i``: its window less its missing days ``a_missing`` = (row, column),
    rows ascending) and every event ``j`` of B (rows of the zero-filled ``b``).

    ``has_i = w_g - m_i``: the window term is one product per distinct window of A (``w_g``
    is shared by a group's events), the missing-day term a gather of B's columns on A's few
    missing days - ``O(missing x m)`` instead of the dense ``O(n_a x m x t)`` product, which
    is kept for the events missing more than :data:`_DENSE_MISSING_SHARE` of the axis.
    """
    t_len = b.shape[1]
    b2 = b * b
    groups, inv = np.unique(a_groups, return_inverse=True)
    w = win[groups]
    sy, syy = (w @ b.T)[inv], (w @ b2.T)[inv]  # (n_a, m), one row per event of A
    ir, ic = a_missing
    n_miss = np.bincount(ir, minlength=n_a)
    dense = n_miss > _DENSE_MISSING_SHARE * t_len
    sparse = ~dense[ir]
    if sparse.any():
        rows, cols = ir[sparse], ic[sparse]
        first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        at = rows[first]
        sy[at] -= np.add.reduceat(b[:, cols], first, axis=1).T
        syy[at] -= np.add.reduceat(b2[:, cols], first, axis=1).T
    if dense.any():
        d = np.flatnonzero(dense)
        has = win[a_groups[d]]  # a copy (fancy index): the windows less the missing days
        has[np.searchsorted(d, ir[~sparse]), ic[~sparse]] = 0.0
        sy[d], syy[d] = has @ b.T, has @ b2.T
    return sy, syy


def _scattered_correlations(
    sc: _Scattered, a_idx: IntArray, a_group: int | IntArray, min_common: int
) -> FloatArray:
    """Pairwise-complete Pearson correlations of the events ``a_idx`` (all of group
    ``a_group``) with every event of ``sc``: 0 where fewer than ``min_common`` common values
    or not finite. The moments are those of the dense reference, from window indicators and
    the sparse missing days (``n_ij = w_a.w_j - m_i.w_j - w_a.m_j + m_i.m_j``, ``S^x_ij =
    x_i.w_j - x_i.m_j``, ``S^y_ij = (w_a - m_i).y_j``); ``x_A x_B'`` is the one dense
    product, B's sums over A's days with a value are the window's sums less A's few missing
    days (:func:`_sums_on_days_with_value`), B's missing-day terms sums over the few missing
    days of each event of B (:func:`_by_row`)."""
    b, win, bg = sc.x, sc.win, sc.group
    m, t_len = b.shape
    n_a = len(a_idx)
    a = b[a_idx]
    a_groups = np.broadcast_to(np.asarray(a_group), (n_a,))
    win_a = win[a_groups]  # (n_a, t): each A's window
    pos_in_a = np.full(m, -1)
    pos_in_a[a_idx] = np.arange(n_a)
    jr, jc = sc.missing  # row-major: jr ascending
    ka = pos_in_a[jr] >= 0
    ir, ic = pos_in_a[jr[ka]], jc[ka]  # A's missing days (a_idx ascending: ir ascending)
    miss_a = np.zeros((n_a, t_len))
    miss_a[ir, ic] = 1.0
    a2 = a * a
    # A's missing-day indicators, values, squares and windows summed over each B event's
    # missing days
    at_b_miss = _by_row(np.concatenate([miss_a, a, a2, win_a]).T[jc], jr, m).T  # (4 n_a, m)
    nij = (win_a @ win.T)[:, bg] - (miss_a @ win.T)[:, bg] - at_b_miss[3 * n_a :] + at_b_miss[:n_a]
    sx = (a @ win.T)[:, bg] - at_b_miss[n_a : 2 * n_a]
    sxx = (a2 @ win.T)[:, bg] - at_b_miss[2 * n_a : 3 * n_a]
    # the one product with a term per pair and day (B is zero-filled: only common days count)
    ab = a @ b.T
    sy, syy = _sums_on_days_with_value(b, win, a_groups, (ir, ic), n_a)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = ab - sx * sy / nij
        vx = sxx - sx**2 / nij
        vy = syy - sy**2 / nij
        r = cov / np.sqrt(vx * vy)
    return np.where((nij >= min_common) & np.isfinite(r), r, 0.0)
