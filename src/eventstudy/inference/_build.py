"""A minimal batched market-model panel builder for simulations (and tests).

The engine (``EventStudy``) is the general path; this builder serves :func:`simulate`, which
needs thousands of pseudo-event panels from plain arrays quickly: it fits the market model
``R_it = a_i + b_i m_t + e_it`` for all events at once with the engine's one least-squares
solver (:func:`eventstudy.models.ols.batched_ols`), so simulated and real panels share the
estimator, its singularity rules and the parameter names ``alpha, beta``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from ..engine.panel import EventPanel, build_panel
from ..exceptions import InsufficientDataError
from ..models.ols import batched_ols

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def panel_from_blocks(
    y_est: FloatArray,
    m_est: FloatArray,
    y_evt: FloatArray,
    m_evt: FloatArray,
    *,
    est_dates: npt.NDArray[np.datetime64] | None = None,
    evt_dates: npt.NDArray[np.datetime64] | None = None,
    evt_rel: IntArray | None = None,
    est_rel: IntArray | None = None,
    tickers: npt.NDArray[np.object_] | None = None,
    return_kind: Literal["simple", "log"] = "simple",
    min_obs: int = 5,
) -> EventPanel:
    """Market-model panel from aligned ``(n, L1)`` estimation and ``(n, L2)`` event blocks.

    OLS on complete cases (both ``y`` and ``m`` present), ``sigma2 = SSR / (L_i - 2)``.
    """
    n, l1 = y_est.shape
    l2 = y_evt.shape[1]
    mask = np.isfinite(y_est) & np.isfinite(m_est)
    nobs = mask.sum(axis=1)
    if (nobs < min_obs).any():
        raise InsufficientDataError(
            f"some events have fewer than {min_obs} estimation observations"
        )
    fit = batched_ols(np.stack([np.ones_like(m_est), m_est], axis=2), y_est, mask, has_const=True)
    alpha, beta = fit.params[:, 0], fit.params[:, 1]
    normal = alpha[:, None] + beta[:, None] * m_evt
    return build_panel(
        event_id=np.array([f"e{i}" for i in range(n)], dtype=object),
        ticker=tickers
        if tickers is not None
        else np.array([f"f{i}" for i in range(n)], dtype=object),
        day0=(evt_dates[:, 0] if evt_dates is not None else np.full(n, np.datetime64("NaT", "ns"))),
        est_rel=est_rel if est_rel is not None else np.arange(l1, dtype=np.int64),
        evt_rel=evt_rel if evt_rel is not None else np.arange(l2, dtype=np.int64),
        est_dates=est_dates,  # None: all NaT
        evt_dates=evt_dates,
        resid_est=fit.resid,
        ret_evt=y_evt,
        normal_evt=normal,
        ar=y_evt - normal,
        sigma2=fit.sigma2,
        nobs=fit.nobs.astype(np.int64),
        dof=fit.dof.astype(np.int64),
        k=2,
        return_kind=return_kind,
        model="market model",
        xtx_inv=fit.xtx_inv,
        x_evt=np.stack([np.ones_like(m_evt), m_evt], axis=2),
        params=fit.params,
        param_names=["alpha", "beta"],  # the engine's names (MarketModel.param_names)
        market_est=m_est,
        market_evt=m_evt,
    )


def market_model_panel(
    returns: FloatArray,
    market: FloatArray,
    firm: IntArray,
    day0: IntArray,
    estimation: tuple[int, int] = (-250, -11),
    event: tuple[int, int] = (-10, 10),
    dates: npt.NDArray[np.datetime64] | None = None,
    tickers: list[str] | None = None,
    return_kind: Literal["simple", "log"] = "simple",
) -> EventPanel:
    """Panel of events ``(firm[i], day0[i])`` (row positions) from a ``(T, F)`` returns array.

    ``market`` is ``(T,)`` (one market) or ``(T, F)`` (one benchmark per firm). Windows are in
    trading days relative to day 0; cells outside ``[0, T)`` are missing.
    """
    t_len = returns.shape[0]
    mk = market if market.ndim == 2 else np.broadcast_to(market[:, None], returns.shape)
    est_rel = np.arange(estimation[0], estimation[1] + 1, dtype=np.int64)
    evt_rel = np.arange(event[0], event[1] + 1, dtype=np.int64)

    def block(rel: IntArray) -> tuple[FloatArray, FloatArray, npt.NDArray[np.datetime64] | None]:
        pos = day0[:, None] + rel[None, :]
        ok = (pos >= 0) & (pos < t_len)
        p = np.clip(pos, 0, t_len - 1)
        y = np.where(ok, returns[p, firm[:, None]], np.nan)
        m = np.where(ok, mk[p, firm[:, None]], np.nan)
        d = None if dates is None else np.where(ok, dates[p], np.datetime64("NaT", "ns"))
        return y, m, d

    y_e, m_e, d_e = block(est_rel)
    y_v, m_v, d_v = block(evt_rel)
    names = np.asarray(tickers, dtype=object)[firm] if tickers is not None else None
    panel = panel_from_blocks(
        y_e,
        m_e,
        y_v,
        m_v,
        est_dates=d_e,
        evt_dates=d_v,
        evt_rel=evt_rel,
        est_rel=est_rel,
        tickers=names,
        return_kind=return_kind,
    )
    if dates is not None:
        panel.day0 = dates[np.clip(day0, 0, t_len - 1)]
    return panel
