"""Chunked and Dask execution of the same study, and cross-sectional tests for large panels.

Three engines run one :class:`~eventstudy.study.EventStudy` (``EventStudy.fit(engine=...)``):

* ``"numpy"`` - the default: every event in memory at once (estimation in chunks).
* ``"chunked"`` (:func:`fit_chunked`) - events in blocks; each block is fitted by the ordinary
  engine and its rows are copied straight into preallocated arrays, so peak memory is the
  final panel plus one block (a million firm-events on one machine).
* ``"dask"`` (:func:`fit_dask`) - the blocks are partitions fitted on a ``dask.distributed``
  cluster (any scheduler: ``LocalCluster`` or a remote address); the client fetches one
  partition at a time into the final arrays.

Events are partitioned **by ticker** (all events of a firm in one partition), so everything
that compares events of one firm - duplicate firm-days, overlapping event windows, generated
``event_id`` suffixes - is decided exactly as in the single-machine run. Each event's
estimation and abnormal returns depend on that event alone, and the merged panel puts the
used events back in input order: the panel, the status and every test on it are the same
as the single-machine run (cross-sectional statistics - ranks, Kolari-Pynnönen correlations,
AAR variances - are computed from the merged cross-section, not averaged over partitions).

The estimation and event-window dates of a merged panel are held as grid positions
(:class:`~eventstudy.engine.panel.SessionPositions`) and derived on access.

:func:`run_tests` is :func:`eventstudy.inference.run_tests` with the event-date clustering
check done by sorting dates (``O(n L log(n L))``) instead of an ``n x n`` overlap matrix,
for panels of 10^5-10^6 events.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace as replace_panel
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..events import check_used
from .panel import ROW_FIELDS, EventPanel, SessionPositions, SessionValues, build_panel

__all__ = [
    "DEFAULT_CHUNK_EVENTS",
    "FittedBlock",
    "StudyEngine",
    "fit_chunked",
    "fit_dask",
    "partition_events",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Events per block of the chunked engine: about 1 GB of working arrays per block with the
#: default windows (240 estimation + 21 event days, market model).
DEFAULT_CHUNK_EVENTS = 50_000


class FittedBlock(Protocol):
    """What an executor reads from a fitted block: its panel and the status of its events
    (:class:`~eventstudy.results.EventStudyResults` is the one implementation; the engine
    never imports the results layer, so imports run one way: ``results`` -> ``engine``).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> from eventstudy.engine import FittedBlock
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> block: FittedBlock = es.EventStudy(
    ...     sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None
    ... ).fit()
    >>> block.panel.n_events, len(block.status)
    (8, 8)
    """

    @property
    def panel(self) -> EventPanel:
        """The fitted events' panel.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> block: FittedBlock = study.fit()  # EventStudyResults is one
        >>> block.panel.n_events, block.panel.ar.shape  # 8 events, 21 event-window days
        (8, (8, 21))
        """
        ...

    @property
    def status(self) -> pd.DataFrame:
        """One row per input event: used or why not.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> block: FittedBlock = study.fit()  # EventStudyResults is one
        >>> block.status["status"].unique().tolist()
        ['used']
        """
        ...


#: the results type a study's engine methods return (EventStudyResults for EventStudy)
ResultsT = TypeVar("ResultsT", bound=FittedBlock)
_ResultsT_co = TypeVar("_ResultsT_co", bound=FittedBlock, covariant=True)


class StudyEngine(Protocol[_ResultsT_co]):
    """What an executor needs from a study: the engine-level API of
    :class:`~eventstudy.study.EventStudy` (this module never imports ``study``, so the
    dependency runs one way: ``study`` -> ``parallel``).

    Examples
    --------
    :class:`~eventstudy.study.EventStudy` is the one implementation:

    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
    >>> from eventstudy.engine import StudyEngine, fit_chunked
    >>> engine: StudyEngine = study  # what fit_chunked and fit_dask accept
    >>> fit_chunked(engine, chunk_events=3).panel.n_events
    8
    """

    events: pd.DataFrame

    def fit(self) -> _ResultsT_co:
        """Fit every event in memory (:meth:`eventstudy.study.EventStudy.fit`).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> engine: StudyEngine = study
        >>> engine.fit().panel.n_events
        8
        """
        ...

    def fit_block(self, events: pd.DataFrame, *, strict: bool = True) -> _ResultsT_co:
        """Fit a block of the study's events (:meth:`eventstudy.study.EventStudy.fit_block`).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> engine: StudyEngine = study
        >>> part = engine.fit_block(engine.events.iloc[:3], strict=False)  # one block: 3 events
        >>> part.panel.n_events
        3
        """
        ...

    def market_series(self) -> tuple[FloatArray | None, bool]:
        """The shared market series on the session grid and whether ``market_est`` is it
        (:meth:`eventstudy.study.EventStudy.market_series`).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> engine: StudyEngine = study
        >>> series, exact = engine.market_series()  # MKT on the 420 sessions, used as is
        >>> series.shape, exact
        ((420,), True)
        """
        ...

    def results_from(self, panel: EventPanel, status: pd.DataFrame) -> _ResultsT_co:
        """Results for an assembled panel and the status of every event
        (:meth:`eventstudy.study.EventStudy.results_from`).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> engine: StudyEngine = study
        >>> full = engine.fit()
        >>> res = engine.results_from(full.panel.take(slice(0, 2)), full.status.iloc[:2])
        >>> res.panel.n_events
        2
        """
        ...


# ----------------------------------------------------------------------------- partitions
def partition_events(events: pd.DataFrame, n_parts: int) -> list[IntArray]:
    """Row positions of ``events`` split into at most ``n_parts`` blocks, whole tickers each.

    Tickers are taken in order of first appearance and cut into blocks of about
    ``len(events) / n_parts`` events; the rows of a block keep their input order.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.engine.executors import partition_events
    >>> events = pd.DataFrame({"ticker": ["A", "B", "A", "C", "C"], "date": ["2025-01-27"] * 5})
    >>> partition_events(events, 2)  # A and B's three events, then C's two
    [array([0, 1, 2]), array([3, 4])]
    """
    n = len(events)
    n_parts = max(1, min(int(n_parts), n))
    keys = events["ticker"].astype("str").str.strip().to_numpy()
    codes, uniques = pd.factorize(keys)
    sizes = np.bincount(codes, minlength=len(uniques))
    target = math.ceil(n / n_parts)
    block_of_ticker = np.empty(len(uniques), dtype=np.int64)
    block, filled = 0, 0
    for t in range(len(uniques)):  # loops over tickers (hundreds), not events
        if filled >= target and block < n_parts - 1:
            block, filled = block + 1, 0
        block_of_ticker[t] = block
        filled += int(sizes[t])
    blocks = block_of_ticker[codes]
    order = np.argsort(blocks, kind="stable")
    bounds = np.searchsorted(blocks[order], np.arange(block + 2))
    return [order[bounds[b] : bounds[b + 1]] for b in range(block + 1) if bounds[b + 1] > bounds[b]]


def _needs_single_run(events: Any) -> bool:
    """Inputs the engine rejects: let the single-machine fit raise its usual error."""
    if not isinstance(events, pd.DataFrame) or len(events) == 0 or "ticker" not in events:
        return True
    tick = events["ticker"]
    if tick.isna().any() or (tick.astype("str").str.strip() == "").any():
        return True
    if "event_id" in events.columns:
        ids = events["event_id"]
        return bool(ids.isna().any() or ids.astype("str").duplicated().any())
    return False


@dataclass
class _Part:
    """One partition's fit: input rows, status, and the panel of its used events."""

    rows: IntArray
    status: pd.DataFrame
    panel: EventPanel


def _fit_part(study: StudyEngine[Any], events: pd.DataFrame, rows: IntArray) -> _Part:
    """Fit ``events`` (input rows ``rows``) with the ordinary engine (no warning, no raise)."""
    res = study.fit_block(events, strict=False)
    panel = res.panel
    if panel.est_positions is None or panel.evt_positions is None:  # pragma: no cover
        raise RuntimeError("the engine's panel should hold its dates as grid positions")
    return _Part(np.asarray(rows, dtype=np.int64), res.status, panel)


def _part_status(part: _Part) -> tuple[IntArray, pd.DataFrame]:
    return part.rows, part.status


# ----------------------------------------------------------------------------- merging
class _PanelWriter:
    """Per-event arrays of the merged panel, filled part by part at given rows."""

    #: fields kept compact when every part's values equal their derivation: the market read
    #: on the estimation or event grid (``SessionValues``), and ``normal_evt = ret_evt - ar``
    LAZY = {
        "market_est": "est_positions",
        "market_evt": "evt_positions",
        "bench_evt": "evt_positions",
        "normal_evt": None,
    }

    def __init__(
        self, n_rows: int, market: FloatArray | None = None, *, exact: bool = False
    ) -> None:
        self.n_rows = n_rows
        # the single market series of every event, when known: ``market_est`` (and the
        # event-grid market and benchmark) are then kept as positions + series
        # (SessionValues) wherever a part's values equal it exactly; ``exact``: the model's
        # market_est is that series by construction (no comparison)
        self.market = market
        self.exact = exact
        # rows written while a field was kept compact, per field (a part that differs
        # makes the field stored: these rows are then derived into the array)
        self.lazy_rows: dict[str, list[IntArray]] = {name: [] for name in self.LAZY}
        self.arrays: dict[str, Any] = {}
        self.notes: dict[str, Any] = {}
        self.bases: dict[str, IntArray] = {}
        self.mv_date = np.full(n_rows, np.datetime64("NaT", "ns"))
        self.first: EventPanel | None = None

    @staticmethod
    def _empty(name: str, like: npt.NDArray[Any], n: int) -> npt.NDArray[Any]:
        shape = (n, *like.shape[1:])
        if like.dtype.kind == "f":
            return np.full(shape, np.nan, dtype=like.dtype)
        if like.dtype.kind == "O":
            return np.full(shape, None, dtype=object)
        if like.dtype.kind == "M":
            return np.full(shape, np.datetime64("NaT", "ns"), dtype=like.dtype)
        return np.zeros(shape, dtype=like.dtype)

    def put(self, dest: IntArray, panel: EventPanel) -> None:
        if self.first is None:
            self.first = panel
        for name in ("est_positions", "evt_positions"):  # first: lazy rows derive from them
            pos = getattr(panel, name)
            if name not in self.bases:
                self.bases[name] = np.zeros(self.n_rows, dtype=np.int64)
            self.bases[name][dest] = pos.base
        for name in ROW_FIELDS:
            value = getattr(panel, name)
            if value is None:
                continue
            if name in self.LAZY and self._is_lazy(name, dest, panel, value):
                continue
            value = np.asarray(value)
            if name not in self.arrays:
                self.arrays[name] = self._empty(name, value, self.n_rows)
            self.arrays[name][dest] = value
        for key, value in panel.meta.get("model_notes", {}).items():
            if isinstance(value, np.ndarray):
                if key not in self.notes:
                    self.notes[key] = self._empty(key, value, self.n_rows)
                self.notes[key][dest] = value
        mv = np.asarray(panel.meta.get("market_value_date", []), dtype="datetime64[ns]")
        if mv.shape == (len(dest),):
            self.mv_date[dest] = mv

    def _derived_market(self, positions: SessionPositions) -> FloatArray:
        assert self.market is not None
        return SessionValues(self.market, positions).values()

    def _grid(self, name: str, like: SessionPositions, rows: IntArray) -> SessionPositions:
        """The grid of field ``name`` at merged rows ``rows`` (their bases are written)."""
        return SessionPositions(like.sessions, self.bases[str(self.LAZY[name])][rows], like.offsets)

    def _derive(self, name: str, panel: EventPanel, rows: IntArray) -> FloatArray:
        """Field ``name`` of merged rows kept compact so far (now to be stored)."""
        if name == "normal_evt":
            return np.subtract(self.arrays["ret_evt"][rows], self.arrays["ar"][rows])
        like = getattr(panel, str(self.LAZY[name]))
        return self._derived_market(self._grid(name, like, rows))

    def _is_lazy(self, name: str, dest: IntArray, panel: EventPanel, value: FloatArray) -> bool:
        """True when the part's ``name`` equals its derivation (not stored): the market on
        its grid, or ``ret_evt - ar``."""
        if name in self.arrays:  # a part differed: stored from then on
            return False
        if name == "normal_evt":
            same = np.array_equal(np.subtract(panel.ret_evt, panel.ar), value, equal_nan=True)
        else:
            grid = getattr(panel, str(self.LAZY[name]))
            if self.market is None or grid is None:
                return False
            same = (name == "market_est" and self.exact) or np.array_equal(
                self._derived_market(grid), value, equal_nan=True
            )
        if same:
            self.lazy_rows[name].append(np.asarray(dest, dtype=np.int64))
            return True
        self.arrays[name] = self._empty(name, np.asarray(value), self.n_rows)
        # rows of earlier parts were skipped: store them now (they equal the derivation)
        for rows in self.lazy_rows[name]:
            self.arrays[name][rows] = self._derive(name, panel, rows)
        self.lazy_rows[name] = []
        return False

    def compact(self, keep: BoolArray) -> int:
        """Move the rows ``keep`` to the front, in place and in blocks (no full copy)."""
        idx = np.flatnonzero(keep)
        n_keep = len(idx)
        if n_keep == self.n_rows:
            return n_keep
        step = 8192
        everything = [
            *self.arrays.values(),
            *self.notes.values(),
            *self.bases.values(),
            self.mv_date,
        ]
        for arr in everything:
            for lo in range(0, n_keep, step):  # sources idx[j] >= j: never overwritten first
                hi = min(n_keep, lo + step)
                arr[lo:hi] = arr[idx[lo:hi]]
        return n_keep

    def panel(self, n: int, n_events: int) -> EventPanel:
        """The merged panel of the first ``n`` rows, of ``n_events`` events tried."""
        first = self.first
        assert first is not None and first.est_positions is not None
        assert first.evt_positions is not None
        positions = [
            SessionPositions(p.sessions, self.bases[name][:n], p.offsets)
            for name, p in (
                ("est_positions", first.est_positions),
                ("evt_positions", first.evt_positions),
            )
        ]
        a = {k: v[:n] for k, v in self.arrays.items()}
        # compact fields: every part's values equalled their derivation
        lazy = {name: bool(rows) and name not in a for name, rows in self.lazy_rows.items()}

        def source(name: str, grid: SessionPositions) -> SessionValues | None:
            return (
                SessionValues(self.market, grid) if lazy[name] and self.market is not None else None
            )

        return build_panel(
            event_id=a["event_id"],
            ticker=a["ticker"],
            day0=a["day0"],
            est_rel=first.est_rel,
            evt_rel=first.evt_rel,
            est_positions=positions[0],
            evt_positions=positions[1],
            resid_est=a["resid_est"],
            ret_evt=a["ret_evt"],
            normal_evt=None if lazy["normal_evt"] else a["normal_evt"],
            ar=a["ar"],
            sigma2=a["sigma2"],
            nobs=a["nobs"],
            dof=a["dof"],
            k=first.k,
            return_kind=first.return_kind,
            model=first.model,
            group=a.get("group"),
            xtx_inv=a.get("xtx_inv"),
            x_evt=a.get("x_evt"),
            params=a.get("params"),
            param_names=first.param_names,
            market_est=a.get("market_est"),
            market_evt=a.get("market_evt"),
            bench_evt=a.get("bench_evt"),
            market_est_source=source("market_est", positions[0]),
            market_evt_source=source("market_evt", positions[1]),
            bench_evt_source=source("bench_evt", positions[1]),
            market_value=a.get("market_value"),
            var_ar=a.get("var_ar"),
            r2=a.get("r2"),
            meta=first.meta,
            n_events=n_events,
            market_value_date=self.mv_date[:n],
            model_notes={k: v[:n] for k, v in self.notes.items()},
        )


def _results(
    study: StudyEngine[ResultsT],
    status: pd.DataFrame,
    writer: _PanelWriter,
    n_used: int,
    engine: str,
    n_parts: int,
) -> ResultsT:
    check_used(status)
    panel = writer.panel(n_used, len(status))
    panel.meta.update(engine=engine, partitions=n_parts)
    return study.results_from(panel, status)


def _merge_status(n: int, parts: Sequence[tuple[IntArray, pd.DataFrame]]) -> pd.DataFrame:
    rows = np.concatenate([r for r, _ in parts])
    frame = pd.concat([s for _, s in parts], ignore_index=True)
    inverse = np.empty(n, dtype=np.int64)
    inverse[rows] = np.arange(n)
    return frame.iloc[inverse].reset_index(drop=True)


# ----------------------------------------------------------------------------- engines
def fit_chunked(study: StudyEngine[ResultsT], *, chunk_events: int | None = None) -> ResultsT:
    """Run ``study`` block by block on this machine with bounded peak memory.

    Parameters
    ----------
    study
        The :class:`~eventstudy.study.EventStudy` to run.
    chunk_events
        Events per block (default :data:`DEFAULT_CHUNK_EVENTS`); blocks hold whole tickers.

    Returns
    -------
    EventStudyResults
        The same numbers as ``study.fit()``; dates of the panel are held as positions.

    Notes
    -----
    Each block is fitted by the ordinary engine and its rows are written into arrays
    allocated once for all events (rows of dropped events are squeezed out in place at
    the end), so peak memory is about the final panel plus one block's working arrays.

    Examples
    --------
    >>> import numpy as np
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
    >>> from eventstudy.engine.executors import fit_chunked
    >>> chunked = fit_chunked(study, chunk_events=3)  # blocks of about 3 events, whole firms
    >>> np.allclose(chunked.panel.ar, study.fit().panel.ar, equal_nan=True)
    True

    ``EventStudy(..., engine="chunked")`` runs this from :meth:`~eventstudy.EventStudy.fit`.
    """
    events = study.events
    if _needs_single_run(events):
        return study.fit()
    n = len(events)
    size = int(chunk_events) if chunk_events is not None else DEFAULT_CHUNK_EVENTS
    blocks = partition_events(events, math.ceil(n / max(1, size)))
    market, exact = study.market_series()
    writer = _PanelWriter(n, market, exact=exact)
    statuses: list[tuple[IntArray, pd.DataFrame]] = []
    used = np.zeros(n, dtype=bool)
    for rows in blocks:
        part = _fit_part(study, events.iloc[rows], rows)
        part_used = part.status["status"].to_numpy() == "used"
        used[rows[part_used]] = True
        if part_used.any():
            writer.put(rows[part_used], part.panel)
        statuses.append((part.rows, part.status))
        del part
    n_used = writer.compact(used)
    status = _merge_status(n, statuses)
    return _results(study, status, writer, n_used, "chunked", len(blocks))


def _light_part(part: _Part) -> _Part:
    """The partition as the client assembles it without ``gather``: every per-event array
    but the estimation window's ``(n, L1)`` ones (held on the worker)."""
    panel = part.panel
    changes: dict[str, Any] = {"resid_est": np.empty((panel.n_events, 0))}
    for dates in ("est_dates", "evt_dates"):  # keep them derived from the positions
        if panel.__dict__.get("_" + dates) is None:
            changes[dates] = None
    if panel.market_est is not None:
        changes["market_est"] = None
        changes["market_est_source"] = None
        meta = dict(panel.meta)
        meta["_has_market_est"] = True
        changes["meta"] = meta
    light = replace_panel(panel, **changes)
    return _Part(part.rows, part.status, light)


def _part_panel(part: _Part) -> EventPanel:
    return part.panel


class _DaskPartitions:
    """:class:`~eventstudy.inference.partitioned.PartitionExecutor` of panels held in Dask
    futures (work is submitted next to them; only results come back)."""

    def __init__(self, client: Any, panels: list[Any]) -> None:
        self.client = client
        self.panels = panels
        self.n_parts = len(panels)
        self.workers = sorted(client.scheduler_info().get("workers", {}))

    def apply(self, part: int, fn: Any, *args: Any) -> Any:
        return self.client.submit(fn, self.panels[part], *args, pure=False)

    def submit(self, fn: Any, *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def place(self, slot: int, fn: Any, *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False, **_preferred_worker(self.workers, slot))

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        return list(self.client.gather(list(handles)))


def _preferred_worker(workers: Sequence[str], slot: int) -> dict[str, Any]:
    """``client.submit`` options preferring the ``slot``-th worker (in turn): a preference,
    not a requirement, so the work still runs if that worker is gone."""
    if not workers:
        return {}
    return {"workers": [workers[slot % len(workers)]], "allow_other_workers": True}


def fit_dask(
    study: StudyEngine[ResultsT],
    *,
    client: Any = None,
    partitions: int | None = None,
    gather: bool = True,
) -> ResultsT:
    """Run ``study`` on a ``dask.distributed`` cluster, partitioning the events by ticker.

    Parameters
    ----------
    study
        The :class:`~eventstudy.study.EventStudy` to run.
    client
        A ``dask.distributed.Client`` (a ``LocalCluster`` or any scheduler address);
        default: the current client (``distributed.get_client()``).
    partitions
        Number of partitions (default: twice the cluster's worker threads).
    gather
        ``True``: the client assembles the whole panel (the tests then run on the client).
        ``False``: the estimation-window arrays (``resid_est``, ``market_est``: most of the
        panel) stay on the workers; the client assembles the event-grid arrays only, and
        ``results.tests()`` / ``run_tests`` reduce the estimation window on the workers
        (:mod:`eventstudy.inference.partitioned`). The panel's ``resid_est`` and
        ``market_est`` are then placeholders: computations that need them whole (the
        bootstrap, the fit figure, the SUR and portfolio tests, a panel subset) raise a
        ``DataError`` saying so. Keep the client connected while the results are used.

    Returns
    -------
    EventStudyResults
        The same numbers as ``study.fit()`` (and the same test results, to rounding, with
        ``gather=False``).

    Notes
    -----
    The study (with its returns) is sent once to every worker; each task fits one partition
    with the ordinary engine and keeps its result on the worker. The client first gathers the
    small status frames, places the used events in input order, then fetches the partitions'
    panels one at a time into preallocated arrays.

    Examples
    --------
    >>> from distributed import Client, LocalCluster  # doctest: +SKIP
    >>> from eventstudy.engine.executors import fit_dask  # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
    >>> res = fit_dask(study, client=client)  # same numbers as study.fit()  # doctest: +SKIP

    ``EventStudy(..., engine="dask")`` runs this from :meth:`~eventstudy.EventStudy.fit`.
    """
    try:
        from distributed import get_client
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise ImportError(
            "engine='dask' needs dask.distributed: pip install 'eventstudy[dask]'"
        ) from exc
    events = study.events
    if _needs_single_run(events):
        return study.fit()
    client = client if client is not None else get_client()
    if partitions is None:
        threads = sum(client.nthreads().values()) or 1
        partitions = 2 * threads
    blocks = partition_events(events, int(partitions))
    base = copy.copy(study)
    base.events = events.iloc[:0]
    [remote_study] = client.scatter([base], broadcast=True, hash=False)
    futures = [
        client.submit(
            _fit_part, remote_study, events.iloc[rows].reset_index(drop=True), rows, pure=False
        )
        for rows in blocks
    ]
    # the partitions were re-indexed from 0: carry the original rows explicitly
    statuses_local = client.gather([client.submit(_part_status, f, pure=False) for f in futures])
    statuses = [(rows, st) for rows, (_, st) in zip(blocks, statuses_local, strict=True)]
    n = len(events)
    used = np.zeros(n, dtype=bool)
    for rows, st in statuses:
        used[rows[st["status"].to_numpy() == "used"]] = True
    rank = np.cumsum(used) - 1
    if not gather:
        return _dask_light_results(study, client, futures, blocks, statuses, used, rank)
    market, exact = study.market_series()
    writer = _PanelWriter(int(used.sum()), market, exact=exact)
    for rows, fut in zip(blocks, futures, strict=True):
        part: _Part = fut.result()
        part_used = part.status["status"].to_numpy() == "used"
        if part_used.any():
            writer.put(rank[rows[part_used]], part.panel)
        fut.release()
        del part
    status = _merge_status(n, statuses)
    return _results(study, status, writer, int(used.sum()), "dask", len(blocks))


def _dask_light_results(
    study: StudyEngine[ResultsT],
    client: Any,
    futures: list[Any],
    blocks: list[IntArray],
    statuses: list[tuple[IntArray, pd.DataFrame]],
    used: BoolArray,
    rank: IntArray,
) -> ResultsT:
    """``fit_dask(gather=False)``: the event-grid panel on the client, the rest on workers.

    The panel's ``meta["estimation_partitions"]`` carries ``(executor, dest)``: the study
    (the layer above inference) turns it into the tests' partitioned reductions
    (:class:`~eventstudy.inference.partitioned.PartitionedEstimation`); the engine never
    imports the inference layer."""

    n = len(used)
    n_used = int(used.sum())
    writer = _PanelWriter(n_used)
    kept: list[Any] = []
    dest: list[IntArray] = []
    has_market = False
    light_futures = [client.submit(_light_part, f, pure=False) for f in futures]
    for rows, fut, light in zip(blocks, futures, light_futures, strict=True):
        part: _Part = light.result()
        part_used = part.status["status"].to_numpy() == "used"
        if part_used.any():
            writer.put(rank[rows[part_used]], part.panel)
            kept.append(client.submit(_part_panel, fut, pure=False))
            dest.append(rank[rows[part_used]])
            has_market = has_market or bool(part.panel.meta.get("_has_market_est"))
        light.release()
        del part
    status = _merge_status(n, statuses)
    check_used(status)
    panel = writer.panel(n_used, n)
    panel.meta.pop("_has_market_est", None)
    l1 = len(panel.est_rel)
    placeholder = np.broadcast_to(np.float64(np.nan), (n_used, l1))  # read-only, no memory
    panel.resid_est = placeholder
    if has_market:
        panel.market_est = placeholder
    panel.meta.update(engine="dask", partitions=len(blocks))
    panel.meta["estimation_window_on_workers"] = True
    panel.meta["estimation_partitions"] = (_DaskPartitions(client, kept), dest)
    return study.results_from(panel, status)
