"""Fitting one block of events: design, screening, estimation and abnormal returns.

:func:`fit_events` is the single-machine engine: it anchors the events on the aligned
returns (:mod:`~eventstudy.engine.align`), screens them (:mod:`~eventstudy.engine.screening`),
builds each chunk's design with the model, estimates it for all events of the chunk at once
(:func:`fit_chunk`; ``chunk_size`` events at a time bounds memory), computes the abnormal
returns and their variances (:mod:`~eventstudy.engine.abnormal`) and assembles the used
events' :class:`~eventstudy.engine.panel.EventPanel` (:func:`block_panel`) with one status
row per event. The chunked and Dask executors run it on blocks of a study's events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..events import ResolvedWindow, check_overlap, check_used, prepare_events, resolve_window
from ..exceptions import SpecError
from ..models import Design, NormalReturnModel
from . import abnormal
from .align import AlignedReturns, column_positions, day0_positions, market_key
from .panel import EventPanel, SessionPositions, build_panel
from .screening import (
    overlapping_events,
    pre_estimation_reasons,
    screen_estimation_window,
    screen_fit,
    status_frame,
)

__all__ = [
    "DEFAULT_MIN_ESTIMATION_OBS",
    "BlockSettings",
    "block_panel",
    "fit_chunk",
    "fit_events",
    "merge_notes",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Default minimum number of complete-case estimation observations: 100, i.e. about 40% of
#: the default 240-session window. Below that the market-model beta is noisy; the same
#: floor is used by easy-es and is far above the regression minimum (k + 1).
DEFAULT_MIN_ESTIMATION_OBS = 100

#: ``market_value_of(tickers, asof)``: the market value of each ticker as of each date
MarketValueLookup = Callable[[npt.NDArray[np.object_], npt.NDArray[np.datetime64]], FloatArray]


@dataclass(frozen=True)
class BlockSettings:
    """What a block fit needs from its study: the model, the windows and the options.

    Attributes
    ----------
    model : NormalReturnModel
        The normal-return model.
    estimation_window, event_window : tuple
        Validated windows (:func:`eventstudy.events.validate_windows`).
    calendar : str or None
        Exchange code of the sessions (``None``: the returns' own dates).
    return_kind : "simple" or "log"
        What the returns are.
    benchmark : str or None
        Returns column of the buy-and-hold benchmark when neither the event nor the model
        names a market.
    min_estimation_obs : int
        Minimum complete-case estimation observations.
    chunk_size : int
        Events estimated at once.
    market_value_of : callable or None
        ``market_value_of(tickers, asof)``: market values for dollar abnormal returns
        (``None``: none).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.engine.block import BlockSettings
    >>> BlockSettings(es.MarketModel("MKT"), (-150, -11), (-5, 5), calendar=None).min_estimation_obs
    100
    """

    model: NormalReturnModel
    estimation_window: tuple[Any, Any]
    event_window: tuple[Any, Any]
    calendar: str | None = "XNYS"
    return_kind: Literal["simple", "log"] = "simple"
    benchmark: str | None = None
    min_estimation_obs: int = DEFAULT_MIN_ESTIMATION_OBS
    chunk_size: int = 20_000
    market_value_of: MarketValueLookup | None = None


def fit_events(
    events: pd.DataFrame,
    aligned: AlignedReturns,
    settings: BlockSettings,
    *,
    strict: bool = True,
) -> tuple[EventPanel, pd.DataFrame]:
    """Fit ``events`` on the aligned returns: the used events' panel and every event's status.

    Parameters
    ----------
    events
        Events as given to :class:`~eventstudy.EventStudy` (all of a study's, or a block).
    aligned
        The study's returns on its session grid (:func:`~eventstudy.engine.align.align_returns`).
    settings
        The model, windows and options.
    strict
        ``True``: warn about dropped events and raise when none can be used. ``False`` (a
        block of a larger run): neither; the status still lists every event.

    Returns
    -------
    panel : EventPanel
        The used events (dates held as grid positions).
    status : pd.DataFrame
        One row per event (:func:`~eventstudy.engine.screening.status_frame`, with
        ``overlaps``).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.engine.align import align_returns
    >>> from eventstudy.engine.block import BlockSettings, fit_events
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> model = es.MarketModel("MKT")
    >>> aligned = align_returns(sim.returns, model=model, calendar=None)
    >>> settings = BlockSettings(model, (-150, -11), (-5, 5), calendar=None)
    >>> panel, status = fit_events(sim.events, aligned, settings)
    >>> panel.n_events, panel.ar.shape, status["status"].unique().tolist()
    (8, (8, 11), ['used'])
    """
    model = settings.model
    grid = aligned.grid
    ev = prepare_events(
        events,
        calendar=settings.calendar,
        sessions=grid if settings.calendar is None else None,
        known_tickers=aligned.tickers,
        on_unknown="keep",
    )
    n = len(ev)
    columns = aligned.data.columns
    market = market_key(model)
    if market is not None and market not in columns and (ev["benchmark"].isna()).any():
        raise SpecError(
            f"the model's market {market!r} is not a column of the returns; add its returns "
            f"or name another market (columns: {aligned.tickers[:20]}...)"
        )
    # column lookups as pandas indexers: no Python call per event (issue 14)
    ret_col = column_positions(columns, ev["ticker"])
    bench = ev["benchmark"].to_numpy(dtype=object)
    named = pd.Series(bench).map(type).isin([str]).to_numpy()
    default = np.full(len(bench), market, dtype=object)  # None stays None
    bench_names = np.where(named, bench, default).tolist()
    mkt_col = column_positions(columns, pd.Series(bench_names, dtype=object))
    bh_names = np.where(named, bench, np.full(len(bench), market or settings.benchmark, object))
    bh_col = column_positions(columns, pd.Series(bh_names, dtype=object))
    if settings.benchmark is not None and settings.benchmark not in columns:
        raise SpecError(f"benchmark={settings.benchmark!r} is not a column of the returns")

    day0 = pd.DatetimeIndex(ev["day0"]).as_unit("ns")
    pos0 = day0_positions(grid, day0)
    est_w = resolve_window(settings.estimation_window, pos0, grid)
    evt_w = resolve_window(settings.event_window, pos0, grid)
    if est_w.by_date != evt_w.by_date:
        check_overlap(est_w, evt_w)

    reasons = pre_estimation_reasons(ev, aligned, model, ret_col, mkt_col, bench_names, pos0, day0)
    step = settings.chunk_size
    chunks = [
        fit_chunk(
            model,
            aligned,
            np.arange(lo, min(n, lo + step)),
            ret_col,
            mkt_col,
            bh_col,
            est_w,
            evt_w,
            reasons,
            min_estimation_obs=settings.min_estimation_obs,
            chunk_size=step,
        )
        for lo in range(0, n, step)
    ]
    # merge chunk by chunk, releasing each chunk's arrays (peak: one copy, not two)
    merged = {
        k: chunks[0].pop(k) if len(chunks) == 1 else np.concatenate([c.pop(k) for c in chunks])
        for k in [k for k in chunks[0] if k != "notes"]
    }
    status = status_frame(ev, reasons, merged["n_est"], merged["n_event"])
    status["overlaps"] = overlapping_events(ev, evt_w.positions, pos0, len(grid))
    used = status["status"].to_numpy() == "used"
    if strict:
        check_used(status)
    notes = [c["notes"] for c in chunks]
    return block_panel(ev, aligned, settings, merged, used, est_w, evt_w, notes), status


def fit_chunk(
    model: NormalReturnModel,
    aligned: AlignedReturns,
    idx: IntArray,
    ret_col: IntArray,
    mkt_col: IntArray,
    bh_col: IntArray,
    est_w: ResolvedWindow,
    evt_w: ResolvedWindow,
    reasons: list[str],
    *,
    min_estimation_obs: int,
    chunk_size: int,
) -> dict[str, Any]:
    """Design, checks and estimation for one chunk of events (all at once).

    Parameters
    ----------
    model
        The normal-return model.
    aligned
        The returns on the session grid.
    idx
        Rows (in the block) of the chunk's events.
    ret_col, mkt_col, bh_col
        Returns column of every block event's security, market and buy-and-hold
        benchmark (-1: none).
    est_w, evt_w
        The block's resolved windows.
    reasons
        The reason of every block event (``""``: usable); the chunk's drops are written in.
    min_estimation_obs, chunk_size
        The study's options.

    Returns
    -------
    dict
        The chunk's per-event arrays (every event of the chunk, NaN where not estimated),
        keyed as the panel's fields, plus ``n_est``, ``n_event`` and the model's ``notes``.

    Examples
    --------
    >>> import numpy as np
    >>> import eventstudy as es
    >>> from eventstudy.engine.align import align_returns, day0_positions
    >>> from eventstudy.engine.block import fit_chunk
    >>> from eventstudy.events import prepare_events, resolve_window
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> model = es.MarketModel("MKT")
    >>> al = align_returns(sim.returns, model=model, calendar=None)
    >>> ev = prepare_events(sim.events.iloc[:2], calendar=None, sessions=al.grid)
    >>> pos0 = day0_positions(al.grid, pd.DatetimeIndex(ev["day0"]))
    >>> est, evt = resolve_window((-150, -11), pos0, al.grid), resolve_window((-5, 5), pos0, al.grid)
    >>> cols = np.array([al.data.columns[t] for t in ev["ticker"]])
    >>> mkt = np.full(2, al.data.columns["MKT"])
    >>> out = fit_chunk(model, al, np.arange(2), cols, mkt, mkt, est, evt, ["", ""],
    ...                 min_estimation_obs=100, chunk_size=10)
    >>> out["ar"].shape, out["params"].shape
    ((2, 11), (2, 2))
    """
    pe, pv = est_w.positions[idx], evt_w.positions[idx]
    design = model.design(aligned.data, pe, pv, ret_col[idx], mkt_col[idx])
    n_est, y_ok, alive = screen_estimation_window(
        design, reasons, idx, min_estimation_obs=min_estimation_obs, k=model.k
    )
    if alive.all() or type(model).estimate is not NormalReturnModel.estimate:
        sub = design if alive.all() else _subset_design(design, alive)
        fit = model.estimate(sub, chunk_size=chunk_size)
        full = _expand_fit(fit, alive, design)
    else:  # plain OLS: mask the dropped events out rather than copying the whole design
        masked = dataclasses.replace(design, mask_est=design.mask_est & alive[:, None])
        fit = model.estimate(masked, chunk_size=chunk_size)
        full = _expand_fit(fit, np.ones(len(alive), dtype=bool), design)
        full["dof"][~alive] = 0
    screen_fit(full["sigma2"], full["singular"], y_ok, alive, reasons, idx)
    ar = abnormal.abnormal_returns(design.y_evt, design.X_evt, full["params"])
    ret_evt = aligned.data.ret(pv, ret_col[idx])
    if full["var_evt"] is not None:
        var_ar = full["var_evt"]
    else:
        var_ar = abnormal.var_abnormal(full["sigma2"], design.X_evt, full["xtx_inv"])
    var_ar = np.where(np.isfinite(ar), var_ar, np.nan)
    n_event = np.sum(np.isfinite(ar), axis=1).astype(np.int64)
    out: dict[str, Any] = {
        "n_est": n_est,
        "n_event": n_event,
        "resid_est": full["resid_est"],
        "ret_evt": ret_evt,
        "normal_evt": ret_evt - ar,
        "ar": ar,
        "var_ar": var_ar,
        "sigma2": full["sigma2"],
        "dof": full["dof"],
        "nobs": n_est,
        "r2": full["r2"],
        "params": full["params"],
        "xtx_inv": full["xtx_inv"] if full["xtx_inv"] is not None else np.zeros((len(idx), 0, 0)),
        "x_evt": design.X_evt,
        "market_est": design.market_est
        if design.market_est is not None
        else np.zeros((len(idx), 0)),
        "market_evt": design.market_evt
        if design.market_evt is not None
        else np.zeros((len(idx), 0)),
        "bench_evt": aligned.data.ret(pv, bh_col[idx]),
        "notes": fit.notes,
    }
    return out


def block_panel(
    ev: pd.DataFrame,
    aligned: AlignedReturns,
    settings: BlockSettings,
    m: dict[str, Any],
    used: BoolArray,
    est_w: ResolvedWindow,
    evt_w: ResolvedWindow,
    chunk_notes: list[dict[str, Any]],
) -> EventPanel:
    """The panel of a block's used events from its merged chunk arrays.

    Parameters
    ----------
    ev
        The block's prepared events.
    aligned
        The returns on the session grid.
    settings
        The model, windows and options (recorded in ``panel.meta``).
    m
        The chunks' arrays (:func:`fit_chunk`), concatenated over the block's events.
    used
        Which events of the block are used.
    est_w, evt_w
        The block's resolved windows.
    chunk_notes
        The model's notes of each chunk (:func:`merge_notes`).

    Returns
    -------
    EventPanel
        Dates held as grid positions; market values (``settings.market_value_of``) as of the
        close before each event window.

    Examples
    --------
    :func:`fit_events` assembles its panel here:

    >>> import eventstudy as es
    >>> from eventstudy.engine.align import align_returns
    >>> from eventstudy.engine.block import BlockSettings, fit_events
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> model = es.MarketModel("MKT")
    >>> panel, _ = fit_events(sim.events, align_returns(sim.returns, model=model, calendar=None),
    ...                       BlockSettings(model, (-150, -11), (-5, 5), calendar=None))
    >>> panel.est_positions is not None, panel.meta["n_used"]
    (True, 8)
    """
    grid_pad = np.append(aligned.grid.to_numpy(), np.datetime64("NaT", "ns"))
    everything = bool(used.all())

    def sel(a: Any) -> Any:
        """Rows of the used events (no copy when every event is used: bounds memory)."""
        return a if everything else a[used]

    pv = evt_w.positions[:, :1] if everything else evt_w.positions[used, :1]

    def dates(w: Any) -> SessionPositions:
        """Window dates as grid positions (row i: ``positions[i, 0] + offsets``), derived
        on access instead of an ``(n, L)`` datetime array."""
        pos = w.positions
        first = pos[:, 0] if everything else pos[used, 0]
        return SessionPositions(grid_pad[:-1], first, pos[0] - pos[0, 0])

    mv, mv_date = _market_values(
        settings, ev["ticker"].to_numpy(dtype=object)[used], aligned.grid, pv[:, 0] - 1
    )
    meta = {
        "calendar": settings.calendar,
        "estimation_window": settings.estimation_window,
        "event_window": settings.event_window,
        "windows_by_date": {"estimation": est_w.by_date, "event": evt_w.by_date},
        "min_estimation_obs": settings.min_estimation_obs,
        "chunk_size": settings.chunk_size,
        "model": repr(settings.model),
        "first_session": aligned.grid[0],
        "last_session": aligned.grid[-1],
    }
    return build_panel(
        event_id=ev["event_id"].to_numpy(dtype=object)[used],
        ticker=ev["ticker"].to_numpy(dtype=object)[used],
        day0=pd.DatetimeIndex(ev["day0"]).as_unit("ns").to_numpy()[used],
        est_rel=est_w.rel,
        evt_rel=evt_w.rel,
        est_positions=dates(est_w),
        evt_positions=dates(evt_w),
        resid_est=sel(m["resid_est"]),
        ret_evt=sel(m["ret_evt"]),
        normal_evt=sel(m["normal_evt"]),
        ar=sel(m["ar"]),
        sigma2=sel(m["sigma2"]),
        nobs=sel(m["nobs"]),
        dof=sel(m["dof"]),
        k=settings.model.k,
        return_kind=settings.return_kind,
        model=settings.model.name,
        group=ev["group"].to_numpy()[used],
        xtx_inv=sel(m["xtx_inv"]),
        x_evt=sel(m["x_evt"]),
        params=sel(m["params"]),
        param_names=settings.model.param_names,
        market_est=sel(m["market_est"]),
        market_evt=sel(m["market_evt"]),
        bench_evt=sel(m["bench_evt"]),
        market_value=mv,
        var_ar=sel(m["var_ar"]),
        r2=sel(m["r2"]),
        meta=meta,
        n_events=len(ev),
        market_value_date=mv_date,
        model_notes=merge_notes(chunk_notes, used, ev["event_id"]),
    )


def _market_values(
    settings: BlockSettings,
    tickers: npt.NDArray[np.object_],
    grid: pd.DatetimeIndex,
    pos_before: IntArray,
) -> tuple[FloatArray | None, npt.NDArray[np.datetime64]]:
    """Market value at the close of the session before each event window (as-of lookup)."""
    T = len(grid)
    ok = (pos_before >= 0) & (pos_before < T)
    asof = np.where(ok, grid.to_numpy()[np.clip(pos_before, 0, T - 1)], np.datetime64("NaT", "ns"))
    if settings.market_value_of is None:
        return None, asof
    return settings.market_value_of(tickers, asof), asof


#: model notes holding a per-event mask that results report as the list of event ids flagged
_ID_LIST_NOTES = ("garch_fallback",)


def merge_notes(
    chunk_notes: list[dict[str, Any]], used: BoolArray, event_ids: pd.Series
) -> dict[str, Any]:
    """The model's notes for ``results.meta["model_notes"]``.

    Per-event arrays are concatenated over the chunks and kept for the used events; records
    for the whole fit (e.g. GARCH parameter names and units) are kept as they are; the masks
    named in ``_ID_LIST_NOTES`` become the list of the ids of the used events they flag
    (e.g. ``"garch_fallback"``: the events fitted by OLS because GARCH did not converge).

    Parameters
    ----------
    chunk_notes
        The model's notes of each chunk, in order.
    used
        Which events of the block (all chunks) are used.
    event_ids
        The block's event ids.

    Returns
    -------
    dict

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from eventstudy.engine.block import merge_notes
    >>> chunks = [{"garch_fallback": np.array([True, False]), "units": "decimal"},
    ...           {"garch_fallback": np.array([True]), "units": "decimal"}]
    >>> merge_notes(chunks, np.array([True, True, False]), pd.Series(["a", "b", "c"]))
    {'garch_fallback': ['a'], 'units': 'decimal'}
    """
    notes: dict[str, Any] = {}
    for key, first in chunk_notes[0].items():
        if not isinstance(first, np.ndarray):
            notes[key] = first
            continue
        values = np.concatenate([c[key] for c in chunk_notes])[used]
        if key in _ID_LIST_NOTES:
            ids = event_ids.to_numpy(dtype=object)[used]
            notes[key] = [str(i) for i in ids[values.astype(bool)]]
        else:
            notes[key] = values
    return notes


def _subset_design(design: Design, alive: BoolArray) -> Design:
    """The design restricted to the events still alive (dropped ones are not estimated)."""
    return Design(
        y_est=design.y_est[alive],
        X_est=design.X_est[alive],
        y_evt=design.y_evt[alive],
        X_evt=design.X_evt[alive],
        mask_est=design.mask_est[alive],
        param_names=design.param_names,
        has_const=design.has_const,
        market_est=None if design.market_est is None else design.market_est[alive],
        market_evt=None if design.market_evt is None else design.market_evt[alive],
        aux_est={k: v[alive] for k, v in design.aux_est.items()},
    )


def _expand_fit(fit: Any, alive: npt.NDArray[np.bool_], design: Any) -> dict[str, Any]:
    """Fit results on the chunk's full event set (NaN for events not estimated)."""
    n, L1 = design.y_est.shape
    L2 = design.y_evt.shape[1]
    k = design.X_evt.shape[2]

    def put(
        values: Any, shape: tuple[int, ...], fill: Any = np.nan, dtype: Any = np.float64
    ) -> Any:
        if alive.all() and np.shape(values) == shape:
            return np.asarray(values, dtype=dtype)
        arr = np.full(shape, fill, dtype=dtype)
        arr[alive] = values
        return arr

    notes: dict[str, Any] = {}
    for key, val in fit.notes.items():
        if isinstance(val, np.ndarray) and val.shape[:1] == (int(alive.sum()),):
            notes[key] = put(
                val, (n, *val.shape[1:]), np.nan if val.dtype.kind == "f" else 0, val.dtype
            )
        elif not isinstance(val, np.ndarray):  # a record for the whole fit (names, units)
            notes[key] = val
    fit.notes = notes
    return {
        "params": put(fit.params, (n, k)),
        "sigma2": put(fit.sigma2, (n,)),
        "dof": put(fit.dof, (n,), 0, np.int64),
        "r2": put(fit.r2, (n,)),
        "xtx_inv": None if fit.xtx_inv is None else put(fit.xtx_inv, (n, k, k)),
        "resid_est": put(fit.resid_est, (n, L1)),
        "singular": put(fit.singular, (n,), False, bool),
        "var_evt": None if fit.var_evt is None else put(fit.var_evt, (n, L2)),
    }
