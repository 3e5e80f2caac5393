"""The tests on a panel whose estimation window stays in partitions (Dask workers).

The Dask engine (``eventstudy.engine.executors.fit_dask(..., gather=False)``) fits partitions of the
events on the workers and keeps each partition's panel there. The client assembles only the
event-grid part of the panel (``(n, L2)`` arrays and per-event scalars: about a tenth of it
with the default windows); the estimation-window arrays ``resid_est`` and ``market_est``
(``(n, L1)``) are placeholders on the client (:func:`~eventstudy.inference._core.held_elsewhere`)
and every quantity a test needs from them is reduced on the workers by
:class:`PartitionedEstimation`, the ``remote`` of the client's test context:

* sums over events (they add over partitions): the per-day mean estimation residual
  (Brown-Warner 1985, Lamb), the rank, modified-rank and median-sign score sums of the
  Corrado family (each event is ranked within its own series) and those of estudy2's CAR
  rank statistic (``car_rank="common_mean"``, per window), GRANK's rank sums given the
  client's ``SCAR*`` (two rounds: the cross-sectional ``s(SCAR)`` is the client's), and the
  pooled squared SARs of the event-induced variance check;
* per-event numbers (gathered as ``(n,)`` vectors): residual counts and positive residuals
  (generalised sign), the sample / ML residual variances of other conventions, the market's
  estimation-window mean and sum of squares (Lamb, ``market_moments="all_dates"``);
* Kolari-Pynnönen's ``r_bar``, a sum over pairs of events whose windows share a session:
  the date groups (:func:`~eventstudy.inference.kp_rbar.kp_layout`, from positions on the
  client) are cut into blocks of dates; each block's residual rows and those of the groups
  whose windows meet the block's are moved between workers (never to the client) and a
  worker sums the pairs whose first group lies in the block
  (:func:`~eventstudy.inference.kp_rbar.kp_block_totals`).

Every reduction is the single-machine formula summed in another order: the numbers equal
``run_tests`` on the gathered panel to rounding (1e-12 in the tests). The cross-event
statistics on the event grid (cross-sectional variances, Wilcoxon's ranks across events)
run on the client's ``(n, L2)`` arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from ..engine.panel import EventPanel
from ._core import Context, FloatArray, nanmean, nanvar
from ._stats import BoolArray, memo_for
from .conventions import Conventions
from .kp_rbar import KPLayout, _intervals, kp_block_totals

if TYPE_CHECKING:
    from .nonparametric import CommonMeanRankSums

__all__ = ["LocalPartitions", "PartitionExecutor", "PartitionedEstimation", "hold_on_workers"]

IntArray = npt.NDArray[np.int64]

_DEFAULT = Conventions()


class PartitionExecutor(Protocol):
    """Where the partitions' panels are and how to run work next to them.

    Examples
    --------
    :class:`LocalPartitions` holds them in this process; ``eventstudy.engine.executors`` has the
    Dask one (futures on the workers):

    >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionExecutor
    >>> ex: PartitionExecutor = LocalPartitions([])
    >>> ex.n_parts
    0
    """

    n_parts: int

    def apply(self, part: int, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(panel_of_part, *args)`` next to the partition; a handle (not gathered).

        Examples
        --------
        >>> from eventstudy.inference.partitioned import LocalPartitions
        >>> executor = LocalPartitions([[1, 2, 3], [4]])  # the in-process executor
        >>> executor.gather([executor.apply(0, len), executor.apply(1, len)])
        [3, 1]
        """
        ...

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` (handles among ``args``, also inside lists, are resolved); a handle.

        Examples
        --------
        >>> from eventstudy.inference.partitioned import LocalPartitions
        >>> executor = LocalPartitions([[1, 2, 3]])  # the in-process executor
        >>> executor.gather([executor.submit(sum, executor.apply(0, list))])
        [6]
        """
        ...

    def place(self, slot: int, fn: Callable[..., Any], *args: Any) -> Any:
        """:meth:`submit` on the ``slot``-th place of the executor (a worker, cycling):
        independent blocks of work given consecutive slots are spread evenly (the scheduler
        would put them all next to the larger of their inputs); a handle.

        Examples
        --------
        >>> from eventstudy.inference.partitioned import LocalPartitions
        >>> executor = LocalPartitions([])  # in-process: one place
        >>> executor.gather([executor.place(k, sum, [k, 1]) for k in range(3)])
        [1, 2, 3]
        """
        ...

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        """The values of ``handles``.

        Examples
        --------
        >>> from eventstudy.inference.partitioned import LocalPartitions
        >>> executor = LocalPartitions([])  # the in-process executor: handles are the values
        >>> executor.gather([executor.submit(sum, [1, 2])])
        [3]
        """
        ...


class LocalPartitions:
    """Partitions held in this process (handles are the values): the reference for the Dask
    executor and what the tests use to check the reductions without a cluster.

    Examples
    --------
    >>> from eventstudy.inference.partitioned import LocalPartitions
    >>> ex = LocalPartitions(["a", "bc"])  # any objects stand for the panels here
    >>> ex.gather([ex.apply(1, len), ex.submit(sum, [1, 2])])
    [2, 3]
    """

    def __init__(self, panels: Sequence[Any]) -> None:
        self.panels = list(panels)
        self.n_parts = len(self.panels)

    def apply(self, part: int, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn`` on partition ``part`` now (see :class:`PartitionExecutor`).

        Examples
        --------
        >>> LocalPartitions([[1, 2]]).apply(0, len)
        2
        """
        return fn(self.panels[part], *args)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` now (see :class:`PartitionExecutor`).

        Examples
        --------
        >>> LocalPartitions([]).submit(max, 1, 3)
        3
        """
        return fn(*args)

    def place(self, slot: int, fn: Callable[..., Any], *args: Any) -> Any:
        """:meth:`submit` (one process: one place).

        Examples
        --------
        >>> LocalPartitions([]).place(1, max, 1, 3)
        3
        """
        return self.submit(fn, *args)

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        """The values (here: the handles themselves).

        Examples
        --------
        >>> LocalPartitions([]).gather([1, 2])
        [1, 2]
        """
        return list(handles)


# ----------------------------------------------------------------------------- on a partition
def _est_stats(panel: EventPanel) -> dict[str, Any]:
    est = np.asarray(panel.resid_est, dtype=float)
    ok = ~np.isnan(est)
    return {
        "obs": ok.sum(axis=1).astype(np.int64),
        "positive": (est > 0).sum(axis=1).astype(np.int64),
        "est_sum": np.where(ok, est, 0.0).sum(axis=0),
        "est_count": ok.sum(axis=0).astype(np.int64),
        "has_inf": bool(np.isinf(est).any()),
    }


def _sigma2(panel: EventPanel, kind: str) -> FloatArray:
    est = np.asarray(panel.resid_est, dtype=float)
    if kind == "sample":
        return nanvar(est, 1, ddof=1)
    return np.asarray(np.nansum(est**2, axis=1) / np.maximum((~np.isnan(est)).sum(axis=1), 1))


def _market_moments(panel: EventPanel) -> tuple[FloatArray, FloatArray]:
    m = np.asarray(panel.market_est, dtype=float)
    mbar = nanmean(m, 1)
    return mbar, np.nansum((m - mbar[:, None]) ** 2, axis=1)


def _score_sums(panel: EventPanel, kind: str) -> dict[str, tuple[FloatArray, IntArray]]:
    from . import nonparametric

    ctx = Context.of(panel, _DEFAULT)
    kinds = ("corrado", "modified") if kind != "median_sign" else ("median_sign",)
    nonparametric._score_sums(ctx, kind)
    store = ctx.__dict__["_nonparametric_memo"]
    return {k: store[("sums", k)] for k in kinds}


def _common_mean_rank_sums(panel: EventPanel, cols: BoolArray) -> CommonMeanRankSums:
    from .nonparametric import common_mean_rank_sums

    return common_mean_rank_sums(Context.of(panel, _DEFAULT), cols)


def _grank_sums(panel: EventPanel, conv: Conventions, stars: FloatArray) -> tuple[Any, ...]:
    from .nonparametric import grank_sums

    return grank_sums(Context.of(panel, conv), stars)


def _pooled_sar_squares(panel: EventPanel, keep: BoolArray) -> tuple[float, int]:
    from .guidance import pooled_sar_squares

    ctx = Context.of(panel, _DEFAULT)
    return pooled_sar_squares(ctx.est, np.sqrt(ctx.sigma2), keep)


def _take_resid(panel: EventPanel, rows: IntArray) -> FloatArray:
    return np.asarray(panel.resid_est, dtype=float)[rows]


def _assemble(pieces: Sequence[FloatArray], where: Sequence[IntArray], n_rows: int) -> FloatArray:
    """The rows of several partitions in the block's order (``where``: their positions)."""
    width = pieces[0].shape[1] if pieces else 0
    out = np.empty((n_rows, width))
    for piece, pos in zip(pieces, where, strict=True):
        out[pos] = piece
    return out


# ----------------------------------------------------------------------------- KP blocks
@dataclass(frozen=True)
class _KPBlock:
    """One block of dates: its rows (sorted rows of the client's panel), the layout of
    their groups, which of them the block owns, and the handle of its residual rows."""

    rows: IntArray
    layout: KPLayout
    own: BoolArray
    resid: Any


def _sub_layout(layout: KPLayout, groups: IntArray) -> tuple[IntArray, KPLayout]:
    """Rows (ascending) and layout of the events of ``groups`` (ascending global ids: the
    sub-layout keeps their order, so the pairs and their order are the global ones)."""
    rows = np.sort(np.concatenate([layout.rows(int(g)) for g in groups]))
    new_id = np.full(layout.n_groups, -1, dtype=np.int64)
    new_id[groups] = np.arange(len(groups))
    group = new_id[layout.group[rows]]
    order = np.argsort(group, kind="stable").astype(np.int64)
    bounds = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=len(groups)), out=bounds[1:])
    sub = KPLayout(group, order, bounds, layout.est_dates[groups], layout.evt_dates[groups])
    return rows, sub


# ----------------------------------------------------------------------------- the remote
class PartitionedEstimation:
    """The estimation-window reductions of a panel held in partitions: the ``remote`` of
    :class:`~eventstudy.inference._core.Context` (see the module docstring).

    Parameters
    ----------
    executor : PartitionExecutor
        Runs work next to each partition's panel.
    dest : list of (n_p,) int arrays
        For each partition, the rows of the client's panel its events are (in order).
    n_events : int
        Events of the client's panel.
    kp_blocks : int, optional
        Blocks of dates for Kolari-Pynnönen's ``r_bar`` (default: the partitions).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> panel = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
    >>> halves = [np.arange(0, 4), np.arange(4, 8)]
    >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 8)
    >>> bool(np.array_equal(remote.est_stats()["obs"], (~np.isnan(panel.resid_est)).sum(1)))
    True
    """

    def __init__(
        self,
        executor: PartitionExecutor,
        dest: Sequence[npt.ArrayLike],
        n_events: int,
        kp_blocks: int | None = None,
    ) -> None:
        self.executor = executor
        self.dest = [np.asarray(d, dtype=np.int64) for d in dest]
        self.n = int(n_events)
        self.kp_n_blocks = int(kp_blocks) if kp_blocks else max(1, executor.n_parts)
        self._memo: dict[Any, Any] = {}
        part = np.full(self.n, -1, dtype=np.int64)
        local = np.full(self.n, -1, dtype=np.int64)
        for i, d in enumerate(self.dest):
            part[d] = i
            local[d] = np.arange(len(d))
        self.part_of, self.local_of = part, local

    def _each(self, fn: Callable[..., Any], *args: Any, per_part: Sequence[Any] = ()) -> list[Any]:
        ex = self.executor
        handles = [
            ex.apply(i, fn, *args, *((per_part[i],) if per_part else ())) for i in range(ex.n_parts)
        ]
        return ex.gather(handles)

    def _by_event(self, values: Sequence[npt.NDArray[Any]]) -> npt.NDArray[Any]:
        out = np.empty(self.n, dtype=np.asarray(values[0]).dtype) if values else np.empty(0)
        for d, v in zip(self.dest, values, strict=True):
            out[d] = v
        return out

    def est_stats(self) -> dict[str, Any]:
        """Per event ``obs`` and ``positive`` residuals; per estimation day ``est_sum`` and
        ``est_count``; ``has_inf`` (any infinite residual).

        Examples
        --------
        >>> import numpy as np
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> panel = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
        >>> halves = [np.arange(0, 4), np.arange(4, 8)]  # two partitions of four events
        >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 8)
        >>> stats = remote.est_stats()
        >>> stats["est_count"].shape, stats["obs"].tolist() == (~np.isnan(panel.resid_est)).sum(1).tolist()
        ((240,), True)
        """
        if "est" not in self._memo:
            parts = self._each(_est_stats)
            self._memo["est"] = {
                "obs": self._by_event([p["obs"] for p in parts]),
                "positive": self._by_event([p["positive"] for p in parts]),
                "est_sum": np.sum([p["est_sum"] for p in parts], axis=0),
                "est_count": np.sum([p["est_count"] for p in parts], axis=0),
                "has_inf": any(p["has_inf"] for p in parts),
            }
        out: dict[str, Any] = self._memo["est"]
        return out

    def sigma2(self, kind: str) -> FloatArray:
        """Per-event residual variance ``"sample"`` (ddof 1) or ``"mle"``.

        Examples
        --------
        >>> import numpy as np
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> panel = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
        >>> halves = [np.arange(0, 4), np.arange(4, 8)]  # two partitions of four events
        >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 8)
        >>> bool(np.allclose(remote.sigma2("sample"), np.nanvar(panel.resid_est, axis=1, ddof=1)))
        True
        """
        key = ("sigma2", kind)
        if key not in self._memo:
            self._memo[key] = self._by_event(self._each(_sigma2, kind))
        out: FloatArray = self._memo[key]
        return out

    def market_moments(self) -> tuple[FloatArray, FloatArray]:
        """Per event: the market's estimation-window mean and sum of squared deviations.

        Examples
        --------
        >>> import numpy as np
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> panel = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
        >>> halves = [np.arange(0, 4), np.arange(4, 8)]  # two partitions of four events
        >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 8)
        >>> mbar, ss = remote.market_moments()  # per event
        >>> mbar.shape, ss.round(4)[:3].tolist()
        ((8,), [0.0173, 0.022, 0.0248])
        """
        if "market" not in self._memo:
            parts = self._each(_market_moments)
            self._memo["market"] = (
                self._by_event([p[0] for p in parts]),
                self._by_event([p[1] for p in parts]),
            )
        out: tuple[FloatArray, FloatArray] = self._memo["market"]
        return out

    def score_sums(self, kind: str) -> dict[str, tuple[FloatArray, IntArray]]:
        """The Corrado-family score sums and counts per day (estimation then event days) of
        ``kind`` and of the kinds computed with it.

        Examples
        --------
        >>> import numpy as np
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> panel = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
        >>> halves = [np.arange(0, 4), np.arange(4, 8)]  # two partitions of four events
        >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 8)
        >>> sums = remote.score_sums("corrado")
        >>> sorted(sums)  # the kinds computed in the same pass
        ['corrado', 'modified']
        >>> total, count = sums["corrado"]  # per day: estimation, then event days
        >>> total.shape, count[:3].tolist()
        ((261,), [6, 6, 6])
        """
        parts = self._each(_score_sums, kind)
        return {
            k: (
                np.sum([p[k][0] for p in parts], axis=0),
                np.sum([p[k][1] for p in parts], axis=0).astype(np.int64),
            )
            for k in parts[0]
        }

    def common_mean_rank_sums(self, cols: BoolArray) -> CommonMeanRankSums:
        """The sums over events of estudy2's CAR rank statistic for the window whose
        event-grid columns are ``cols``
        (:class:`~eventstudy.inference.nonparametric.CommonMeanRankSums`, added over the
        partitions: each event is ranked within its own series).

        Examples
        --------
        The sums of two partitions of four events are those of the whole panel:

        >>> import numpy as np
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> from eventstudy.inference._core import Context
        >>> from eventstudy.inference.nonparametric import common_mean_rank_sums
        >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> panel = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
        >>> halves = [np.arange(0, 4), np.arange(4, 8)]
        >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 8)
        >>> cols = np.asarray(panel.evt_rel) >= 0
        >>> sums = remote.common_mean_rank_sums(cols)
        >>> whole = common_mean_rank_sums(Context.of(panel, Conventions()), cols)
        >>> sums.events, bool(np.array_equal(sums.rank_sum, whole.rank_sum))
        (8, True)
        """
        from .nonparametric import CommonMeanRankSums as Sums

        cols = np.asarray(cols, dtype=bool)
        return Sums.total(self._each(_common_mean_rank_sums, cols))

    def grank_sums(self, stars: FloatArray, conv: Conventions) -> tuple[Any, ...]:
        """GRANK's sums over events (:func:`~eventstudy.inference.nonparametric.grank_sums`)
        for the client's ``SCAR*`` columns ``stars`` ``(n, W)``.

        Examples
        --------
        The sums of two partitions of four events add up to those of the whole panel:

        >>> import numpy as np
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> from eventstudy.inference._core import Context
        >>> from eventstudy.inference.nonparametric import grank_sums
        >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> panel = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
        >>> halves = [np.arange(0, 4), np.arange(4, 8)]
        >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 8)
        >>> conv = Conventions()
        >>> stars = np.random.default_rng(0).normal(size=(8, 2))  # SCAR* of 2 windows
        >>> base, none, shift, star_sum, star_n, n_col = remote.grank_sums(stars, conv)
        >>> none.shape, star_n.tolist()  # (windows, estimation days); events per window
        ((2, 240), [8, 8])
        >>> whole = grank_sums(Context.of(panel, conv), stars)
        >>> all(np.allclose(a, b, equal_nan=True) for a, b in zip(remote.grank_sums(stars, conv), whole))
        True
        """
        stars = np.asarray(stars, dtype=float)
        parts = self._each(_grank_sums, conv, per_part=[stars[d] for d in self.dest])
        return tuple(
            np.sum([p[j] for p in parts], axis=0).astype(np.asarray(parts[0][j]).dtype)
            for j in range(6)
        )

    def pooled_sar_squares(self, keep: BoolArray) -> tuple[float, int]:
        """Sum of squared standardised estimation residuals of the events ``keep`` and their
        number (:func:`~eventstudy.inference.guidance.pooled_sar_squares`).

        Examples
        --------
        >>> import numpy as np
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> panel = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
        >>> halves = [np.arange(0, 4), np.arange(4, 8)]  # two partitions of four events
        >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 8)
        >>> sum_sq, obs = remote.pooled_sar_squares(np.ones(8, dtype=bool))
        >>> obs, round(sum_sq / obs, 3)  # about 1: residuals standardised by their own sigma
        (1829, 0.991)
        """
        keep = np.asarray(keep, dtype=bool)
        parts = self._each(_pooled_sar_squares, per_part=[keep[d] for d in self.dest])
        return float(sum(p[0] for p in parts)), int(sum(p[1] for p in parts))

    # -- Kolari-Pynnönen
    def _kp_blocks(self, layout: KPLayout) -> list[_KPBlock]:
        """Cut the date groups into blocks of about equal events (in order of their event
        windows' first session); each block holds its groups and every group whose event
        window meets theirs, its residual rows assembled on a worker (kept there)."""
        key = ("kp_blocks", id(layout))
        if key in self._memo:
            blocks: list[_KPBlock] = self._memo[key]
            return blocks
        start, end, length = _intervals(layout.evt_dates)
        sizes = np.diff(layout.bounds)
        by_start = np.argsort(np.where(length > 0, start, -1), kind="stable")
        cum = np.cumsum(sizes[by_start])
        n_blocks = max(1, min(self.kp_n_blocks, layout.n_groups))
        cuts = np.searchsorted(cum, np.arange(1, n_blocks) * cum[-1] / n_blocks, side="right")
        ex = self.executor
        blocks = []
        for owned in np.split(by_start, cuts):
            if not len(owned):
                continue
            live = owned[length[owned] > 0]
            meets = np.zeros(layout.n_groups, dtype=bool)
            if len(live):
                lo, hi = start[live].min(), end[live].max()
                meets = (length > 0) & (start <= hi) & (end >= lo)
            meets[owned] = True
            groups = np.flatnonzero(meets)
            rows, sub = _sub_layout(layout, groups)
            own = np.isin(groups, owned)
            part = self.part_of[rows]
            pieces, where = [], []
            for i in np.unique(part):
                pos = np.flatnonzero(part == i)
                pieces.append(ex.apply(int(i), _take_resid, self.local_of[rows[pos]]))
                where.append(pos)
            # each block assembled on its own place (a worker, in turn): the blocks' sums then
            # run next to their rows, spread over the workers
            resid = ex.place(len(blocks), _assemble, pieces, where, len(rows))
            blocks.append(_KPBlock(rows, sub, own, resid))
        self._memo[key] = blocks
        return blocks

    def kp_rbars(
        self, col_sets: BoolArray, present: BoolArray, layout: KPLayout, min_common: int = 30
    ) -> FloatArray:
        """Kolari-Pynnönen ``r_bar`` per column set
        (:func:`~eventstudy.inference.kp_rbar.kp_rbars`), summed over blocks of dates on
        the workers.

        Examples
        --------
        Six firms on one day 0 in two partitions give the whole panel's ``r_bar``:

        >>> import numpy as np
        >>> import pandas as pd
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> from eventstudy.inference.kp_rbar import kp_layout, kp_rbars
        >>> from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation
        >>> sim = simulated_study(es.MarketModel("MKT"))
        >>> one_day = pd.DataFrame({"ticker": [f"F{j}" for j in range(6)], "date": sim.returns.index[300]})
        >>> panel = es.EventStudy(one_day, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
        >>> halves = [np.arange(0, 3), np.arange(3, 6)]
        >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 6)
        >>> rel = np.asarray(panel.evt_rel)
        >>> cols = np.vstack([rel == 0, (rel >= 0) & (rel <= 1)])  # CARs [0, 0] and [0, 1]
        >>> present = np.ones((6, 2), dtype=bool)
        >>> remote.kp_rbars(cols, present, kp_layout(panel)).round(4)
        array([-0.0103, -0.0103])
        >>> kp_rbars(panel, cols, present).round(4)  # the same, from the whole panel
        array([-0.0103, -0.0103])
        """
        col_sets = np.atleast_2d(np.asarray(col_sets, dtype=bool))
        present = np.asarray(present, dtype=bool).reshape(self.n, col_sets.shape[0])
        n_present = present.sum(axis=0).astype(float)
        if self.n < 2:
            return np.zeros(col_sets.shape[0])
        ex = self.executor
        handles = [
            ex.submit(
                kp_block_totals, b.resid, b.layout, col_sets, present[b.rows], b.own, min_common
            )
            for b in self._kp_blocks(layout)
        ]
        totals = np.sum(ex.gather(handles), axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rbar = totals / (n_present * (n_present - 1.0) / 2.0)
        return np.asarray(np.where(n_present >= 2, rbar, 0.0), dtype=float)


def hold_on_workers(panel: EventPanel, remote: PartitionedEstimation) -> None:
    """Attach ``remote`` to ``panel``: the tests of a panel whose estimation window stays on
    the workers (``fit_dask(..., gather=False)``) reduce it through ``remote`` (the test
    context reads it from the panel's memo).

    Examples
    --------
    >>> import numpy as np
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> from eventstudy.inference.partitioned import (
    ...     LocalPartitions, PartitionedEstimation, hold_on_workers)
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> panel = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit().panel
    >>> halves = [np.arange(0, 4), np.arange(4, 8)]
    >>> remote = PartitionedEstimation(LocalPartitions([panel.take(h) for h in halves]), halves, 8)
    >>> hold_on_workers(panel, remote)
    >>> from eventstudy.inference._core import Context
    >>> from eventstudy.inference import Conventions
    >>> Context.of(panel, Conventions()).remote is remote
    True
    """
    memo_for(panel)["remote"] = remote
