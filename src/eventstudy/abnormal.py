"""Abnormal returns and their variances, CAR, AAR/CAAR, SAR, BHAR and dollar values.

All functions work on whole ``(n, L)`` arrays (events x event-window days); nothing loops
over events. Missing days are NaN and are skipped (never treated as zero) - every
cumulated quantity reports how many days it used.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "abnormal_returns",
    "aar",
    "bhar",
    "car",
    "var_abnormal",
    "var_car",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def abnormal_returns(y: FloatArray, X: FloatArray, params: FloatArray) -> FloatArray:
    """``AR_it = y_it - x_it' b_i`` (``(n, L)``; NaN where ``y`` or a regressor is missing)."""
    if X.shape[2] == 0:
        return np.array(y, dtype=float, copy=True)
    return y - np.einsum("nlk,nk->nl", X, params)


def var_abnormal(sigma2: FloatArray, X: FloatArray, xtx_inv: FloatArray | None) -> FloatArray:
    """Prediction-error-corrected variance of each AR (Campbell, Lo & MacKinlay 1997, ch. 4).

    Notes
    -----
    ``Var(AR_it) = sigma_i^2 (1 + x_t' (X_i'X_i)^{-1} x_t)`` where ``x_t`` is the event-day
    regressor row (constant included) and ``X_i`` the estimation design (CLM eq. 4.4.8).
    With no estimated parameters (``xtx_inv is None``) it is ``sigma_i^2``.
    """
    n, L = X.shape[:2]
    if xtx_inv is None or X.shape[2] == 0:
        return np.broadcast_to(sigma2[:, None], (n, L)).copy()
    quad = np.einsum("nlk,nkj,nlj->nl", X, xtx_inv, X)
    return sigma2[:, None] * (1.0 + quad)


def car(ar: FloatArray, cols: BoolArray) -> tuple[FloatArray, IntArray]:
    """CAR over the event-grid columns ``cols``: sum of the non-missing ARs, and their count."""
    sub = ar[:, cols]
    n_days = np.sum(np.isfinite(sub), axis=1).astype(np.int64)
    total = np.where(n_days > 0, np.nansum(sub, axis=1), np.nan)
    return total, n_days


def var_car(
    sigma2: FloatArray,
    X: FloatArray,
    xtx_inv: FloatArray | None,
    ar: FloatArray,
    cols: BoolArray,
    var_ar: FloatArray | None = None,
) -> FloatArray:
    """Variance of the CAR over ``cols`` with the full prediction-error covariance.

    Notes
    -----
    Campbell, Lo & MacKinlay (1997, eq. 4.4.14): for the window indicator ``g`` over the
    ``m`` non-missing days, ``Var(CAR_i) = sigma_i^2 (g'g + (X*' g)' (X'X)^{-1} (X*' g))``,
    i.e. the off-diagonal covariances from the shared parameter estimates are included.
    ``X*' g`` is the sum of the window's regressor rows, so no ``L2 x L2`` matrix is formed.
    For models with a per-day conditional variance (GARCH) pass ``var_ar``: the CAR
    variance is then the sum of those over the window (no parameter-uncertainty term).
    """
    ok = np.isfinite(ar) & cols[None, :]
    if var_ar is not None:
        return np.where(ok.any(axis=1), np.where(ok, var_ar, 0.0).sum(axis=1), np.nan)
    m = ok.sum(axis=1).astype(np.float64)
    if xtx_inv is None or X.shape[2] == 0:
        return np.where(m > 0, sigma2 * m, np.nan)
    s = np.where(ok[..., None], X, 0.0).sum(axis=1)
    quad = np.einsum("nk,nkj,nj->n", s, xtx_inv, s)
    return np.where(m > 0, sigma2 * (m + quad), np.nan)


def aar(ar: FloatArray) -> tuple[FloatArray, IntArray]:
    """Average abnormal return per event-grid column over the non-missing events, and counts."""
    n = np.sum(np.isfinite(ar), axis=0).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(ar, axis=0) / np.maximum(n, 1), np.nan)
    return mean, n


def to_simple(r: FloatArray, return_kind: str) -> FloatArray:
    """Simple returns from ``return_kind`` returns (log: ``exp(r) - 1``)."""
    return np.expm1(r) if return_kind == "log" else r


def bhar(
    ret: FloatArray, other: FloatArray, cols: BoolArray, return_kind: str
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    """Buy-and-hold abnormal return (Barber & Lyon 1997) over ``cols``.

    Notes
    -----
    ``BHAR_i = prod_t (1 + R_it) - prod_t (1 + N_it)`` over the window days where both the
    security return and the comparison return ``N`` (model normal return or benchmark
    return) are present. Log returns are converted first: ``1 + R = exp(r)``, so the
    products are ``exp(sum r)`` - BHAR is always in simple-return units.

    Returns
    -------
    bhar, bh_ret, bh_other, n_days
    """
    r = to_simple(ret[:, cols], return_kind)
    o = to_simple(other[:, cols], return_kind)
    ok = np.isfinite(r) & np.isfinite(o)
    n_days = ok.sum(axis=1).astype(np.int64)
    bh_r = np.prod(np.where(ok, 1.0 + r, 1.0), axis=1) - 1.0
    bh_o = np.prod(np.where(ok, 1.0 + o, 1.0), axis=1) - 1.0
    none = n_days == 0
    bh_r[none] = np.nan
    bh_o[none] = np.nan
    return bh_r - bh_o, bh_r, bh_o, n_days
