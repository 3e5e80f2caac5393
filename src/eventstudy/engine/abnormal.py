"""Abnormal returns and their variances, CAR, AAR/CAAR, SAR, BHAR and dollar values.

All functions work on whole ``(n, L)`` arrays (events x event-window days); nothing loops
over events. Missing days are NaN and are skipped (never treated as zero) - every
cumulated quantity reports how many days it used.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "CAAR_METHODS",
    "CaarMethod",
    "abnormal_returns",
    "aar",
    "bhar",
    "caar_path",
    "car",
    "car_var_factor",
    "prediction_error_factor",
    "running_car",
    "var_abnormal",
    "var_car",
]

#: The two published definitions of the CAAR path; they agree when no return is missing.
CaarMethod = Literal["mean_car", "aar_sum"]
CAAR_METHODS: tuple[CaarMethod, ...] = ("mean_car", "aar_sum")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def abnormal_returns(y: FloatArray, X: FloatArray, params: FloatArray) -> FloatArray:
    """``AR_it = y_it - x_it' b_i`` (``(n, L)``; NaN where ``y`` or a regressor is missing).

    Parameters
    ----------
    y : (n, L) float
        The model's dependent variable on the event grid (returns, or excess returns).
    X : (n, L, k) float
        The prediction regressors (constant first when the model has one); ``k = 0`` for
        models without estimated parameters, whose AR is ``y`` itself.
    params : (n, k) float
        Each event's estimated coefficients.

    Returns
    -------
    (n, L) float
        The abnormal returns.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import abnormal_returns
    >>> y = np.array([[0.02, -0.01]])  # one event, two days
    >>> X = np.array([[[1.0, 0.01], [1.0, -0.02]]])  # constant and market return
    >>> abnormal_returns(y, X, np.array([[0.001, 1.5]]))  # y - 0.001 - 1.5 * market
    array([[0.004, 0.019]])
    """
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

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import var_abnormal
    >>> X = np.ones((1, 2, 1))  # constant-mean model, two event days
    >>> var_abnormal(np.array([0.0004]), X, np.array([[[0.25]]]))  # 0.0004 * (1 + 1/4)
    array([[0.0005, 0.0005]])
    """
    return sigma2[:, None] * prediction_error_factor(X, xtx_inv)


def prediction_error_factor(X: FloatArray, xtx_inv: FloatArray | None) -> FloatArray:
    """``C_it = 1 + x_t' (X_i'X_i)^{-1} x_t`` (``(n, L)``; 1 without estimated parameters):
    ``Var(AR_it) = sigma_i^2 C_it`` - the one place of this factor (the engine's ``var_ar``
    and the tests' standardised ARs both use it).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import prediction_error_factor
    >>> X = np.ones((1, 2, 1))  # constant-mean model, two event days
    >>> prediction_error_factor(X, np.array([[[0.25]]]))  # 1 + 1/L1 with L1 = 4
    array([[1.25, 1.25]])
    """
    n, L = X.shape[:2]
    if xtx_inv is None or X.shape[2] == 0:
        return np.ones((n, L))
    return 1.0 + np.einsum("nlk,nkj,nlj->nl", X, xtx_inv, X)


def car_var_factor(ok: BoolArray, X: FloatArray | None, xtx_inv: FloatArray | None) -> FloatArray:
    """``g'g + (X' g)' (X'X)^{-1} (X' g)`` for the 0/1 day indicator ``g = ok`` (``(n, L)``):
    ``Var(CAR_i) = sigma_i^2`` times this (Campbell, Lo & MacKinlay 1997, eq. 4.4.13-14).

    The one place of this factor: :func:`var_car` and the tests' standardised CARs use it.
    ``X' g`` is the sum of the window's regressor rows, so no ``L x L`` matrix is formed.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import car_var_factor
    >>> ok = np.array([[True, True]])
    >>> car_var_factor(ok, np.ones((1, 2, 1)), np.array([[[0.25]]]))  # 2 + 2*2/4
    array([3.])
    """
    m = ok.sum(axis=1).astype(np.float64)
    if xtx_inv is None or X is None or X.shape[2] == 0:
        return m
    s = np.where(ok[..., None], X, 0.0).sum(axis=1)
    return m + np.einsum("nk,nkj,nj->n", s, xtx_inv, s)


def car(ar: FloatArray, cols: BoolArray) -> tuple[FloatArray, IntArray]:
    """CAR over the event-grid columns ``cols``: sum of the non-missing ARs, and their count.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import car
    >>> ar = np.array([[0.01, -0.02, 0.03], [0.00, np.nan, -0.01]])
    >>> car(ar, np.array([True, True, False]))  # CAR over the first two days, days used
    (array([-0.01,  0.  ]), array([2, 1]))
    """
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

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import var_car
    >>> X = np.ones((1, 3, 1))  # constant-mean model estimated on L1 = 4 days
    >>> ar = np.array([[0.01, np.nan, 0.02]])  # the middle day is missing
    >>> var_car(np.array([0.0004]), X, np.array([[[0.25]]]), ar, np.ones(3, dtype=bool))
    array([0.0012])

    The two non-missing days give ``0.0004 * (2 + 2 * 2 / 4)``.
    """
    ok = np.isfinite(ar) & cols[None, :]
    if var_ar is not None:
        return np.where(ok.any(axis=1), np.where(ok, var_ar, 0.0).sum(axis=1), np.nan)
    return np.where(ok.any(axis=1), sigma2 * car_var_factor(ok, X, xtx_inv), np.nan)


def aar(ar: FloatArray) -> tuple[FloatArray, IntArray]:
    """Average abnormal return per event-grid column over the non-missing events, and counts.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import aar
    >>> ar = np.array([[0.01, -0.02, 0.03], [0.00, np.nan, -0.01]])  # 2 events x 3 days
    >>> aar(ar)  # mean over the events with an AR, and their number
    (array([ 0.005, -0.02 ,  0.01 ]), array([2, 1, 2]))
    """
    n = np.sum(np.isfinite(ar), axis=0).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(ar, axis=0) / np.maximum(n, 1), np.nan)
    return mean, n


def running_car(ar: FloatArray) -> FloatArray:
    """Each event's CAR from the first column to every column: the running sum of its
    non-missing ARs (a missing day adds nothing and the CAR carries on); NaN until the
    event's first AR.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import running_car
    >>> running_car(np.array([[0.01, -0.02, 0.03]]))
    array([[ 0.01, -0.01,  0.02]])
    """
    started = np.cumsum(np.isfinite(ar), axis=1) > 0
    return np.where(started, np.nancumsum(ar, axis=1), np.nan)


def caar_path(
    ar: FloatArray, how: CaarMethod = "mean_car"
) -> tuple[FloatArray, FloatArray, IntArray]:
    r"""The CAAR path over the columns of ``ar`` (one window): the one CAAR formula of the
    library, used by ``results.caar()``, ``plotting.caar_path``/``plot_caar`` and the tables.

    Parameters
    ----------
    ar
        ``(n, L)`` abnormal returns of the window's days (NaN where missing).
    how
        ``"mean_car"`` (default): the mean over events of each event's CAR up to day ``t``,
        over the events with an AR by then - the estimate of the cross-sectional t, Patell,
        BMP, Kolari-Pynnönen and sign tests at a window's last day. ``"aar_sum"``: the
        running sum of the daily AARs (a day without any AR adds 0) - the estimate of
        Brown-Warner 1980/1985 and Lamb.

    Returns
    -------
    aar, caar, n
        The daily AAR, the CAAR path and the number of events with an AR on each day.

    Notes
    -----
    MacKinlay (1997, eq. 16): :math:`\overline{CAR}(t_1, t) = N^{-1} \sum_i CAR_i(t_1, t)`;
    Brown & Warner (1985): :math:`CAAR(t_1, t) = \sum_{s=t_1}^{t} \overline{AR}_s`. With every
    return present both are the same number; with a missing return they differ (an event
    missing on day ``s`` is left out of ``AAR_s`` but keeps its CAR in the mean).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import caar_path
    >>> aar, caar, n = caar_path(np.array([[0.01, -0.02, 0.03], [0.00, np.nan, -0.01]]))
    >>> caar
    array([ 0.005, -0.005,  0.005])
    """
    mean, n = aar(ar)
    if how == "aar_sum":
        return mean, np.cumsum(np.nan_to_num(mean, nan=0.0)), n
    if how != "mean_car":
        raise ValueError(f"how={how!r}; use one of {CAAR_METHODS}")
    cars = running_car(ar)
    caar, _ = aar(cars)
    return mean, caar, n


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

    Parameters
    ----------
    ret, other : (n, L) float
        The security's returns and the comparison returns on the event grid.
    cols : (L,) bool
        The window's columns.
    return_kind : {"simple", "log"}
        The kind of ``ret`` and ``other``.

    Returns
    -------
    bhar, bh_ret, bh_other : (n,) float
        The BHAR and the two buy-and-hold returns (NaN for an event without a usable day).
    n_days : (n,) int
        Days used.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.abnormal import bhar
    >>> ret = np.array([[0.10, -0.05]])
    >>> bench = np.array([[0.02, 0.01]])
    >>> out, bh_ret, bh_bench, n_days = bhar(ret, bench, np.array([True, True]), "simple")
    >>> bh_ret.round(4), bh_bench.round(4), out.round(4), n_days  # 1.1*0.95-1, 1.02*1.01-1
    (array([0.045]), array([0.0302]), array([0.0148]), array([2]))
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
