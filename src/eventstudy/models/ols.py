"""Batched least squares over (events x days x regressors) arrays with missing-data masks.

Every event's regression is solved at once: masked rows (missing return or regressor) are
zeroed in ``X`` and ``y`` so they contribute nothing; with a constant, the regressors and
``y`` are centred on each event's complete-case means before a batched QR decomposition
(good conditioning: coefficients agree with statsmodels' OLS to ~1e-12). Events are processed
in chunks to bound memory; there is no Python loop per event. A regressor that is collinear with
the others, or (nearly) constant, flags the event as singular (see :func:`batched_ols`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["OLSFit", "batched_ols"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: Relative collinearity tolerance: ``|R_jj| <= RELATIVE_TOL * ||x_j||`` is singular.
RELATIVE_TOL = 1e-10
#: Absolute floor on a regressor's variation: a centred regressor (its part not explained by
#: the preceding regressors) whose mean square over the used rows is at most this value
#: (a daily standard deviation of at most 1e-7) counts as constant, so the event is singular.
MIN_MEAN_SQUARE = 1e-14


@dataclass
class OLSFit:
    """Per-event OLS results (``n`` events, ``k`` coefficients, ``L`` days).

    ``sigma2 = SSR / dof`` with ``dof = nobs - k``; ``r2`` is centred when the model has a
    constant (as statsmodels' ``rsquared``), uncentred otherwise; ``resid`` is NaN on masked
    days; ``singular`` flags events whose regressors are collinear (their results are NaN).

    Attributes
    ----------
    params : (n, k) float
        Coefficients, constant first when the model has one.
    sigma2 : (n,) float
        Residual variance ``SSR / dof``.
    dof, nobs : (n,) int
        Residual degrees of freedom and the number of rows used.
    r2 : (n,) float
        R-squared.
    xtx_inv : (n, k, k) float
        ``(X'X)^{-1}`` over the rows used (for the prediction-error variance).
    resid : (n, L) float
        Residuals (NaN on masked rows).
    singular : (n,) bool
        Events whose regression could not be solved.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.models.ols import batched_ols
    >>> x = np.array([0.0, 1.0, 2.0, 3.0])
    >>> X = np.stack([np.ones(4), x], axis=-1)[None]  # one event: constant and slope
    >>> y = (1.0 + 2.0 * x + np.array([0.1, -0.1, -0.1, 0.1]))[None]
    >>> fit = batched_ols(X, y, np.ones((1, 4), dtype=bool), has_const=True)
    >>> fit.params.round(6), fit.dof, fit.sigma2.round(6)  # SSR = 0.04 over 4 - 2 dof
    (array([[1., 2.]]), array([2]), array([0.02]))
    """

    params: FloatArray
    sigma2: FloatArray
    dof: IntArray
    nobs: IntArray
    r2: FloatArray
    xtx_inv: FloatArray
    resid: FloatArray
    singular: BoolArray


def batched_ols(
    X: FloatArray,
    y: FloatArray,
    mask: BoolArray,
    *,
    has_const: bool,
    chunk_size: int = 20_000,
) -> OLSFit:
    """Solve ``y_i = X_i b_i + e_i`` for every event ``i`` on its unmasked rows.

    Parameters
    ----------
    X : (n, L, k) float
        Regressors; when ``has_const`` the first column is the constant.
    y : (n, L) float
    mask : (n, L) bool
        True where the row is used (complete case). NaNs elsewhere are ignored.
    has_const
        Whether column 0 of ``X`` is a constant (enables centring and centred R²).
    chunk_size
        Events per chunk (memory is about ``chunk_size * L * k * 8`` bytes a few times).

    Returns
    -------
    OLSFit

    Notes
    -----
    Ordinary least squares per event, ``b = (X'X)^{-1} X'y`` over the unmasked rows,
    ``sigma^2 = e'e / (n - k)`` (``dof = n - k``, the unbiased estimator of e.g.
    Campbell, Lo & MacKinlay 1997, eq. 4.4.4), ``R^2 = 1 - e'e / TSS``. With a constant,
    the slopes solve the centred problem ``Z_c b_s = y_c`` by QR (``Z_c = Q R``,
    ``b_s = R^{-1} Q' y_c``), the intercept is ``ybar - zbar' b_s`` and ``(X'X)^{-1}``
    follows from the partitioned inverse of ``[1, Z]``.

    Singular events (``singular`` True, results NaN). ``|R_jj|`` is the norm of regressor
    ``j``'s part not explained by the preceding regressors (centred when ``has_const``; for a
    single slope it is the centred regressor's norm ``||x - xbar||``). The event is singular
    when, for any ``j``,

    * ``|R_jj| <= 1e-10 * ||x_j||`` (``RELATIVE_TOL``, against the *uncentred* column norm):
      collinear regressors, or a constant market, which centres to rounding noise; or
    * ``R_jj^2 / nobs <= 1e-14`` (``MIN_MEAN_SQUARE``, an absolute floor): a regressor whose
      variation over the used rows has a root mean square of at most 1e-7 (in return units)
      is treated as constant. Without this floor a market that is 0 on every estimation day
      but one (say ``1e-12``) passes the relative rule and gives a slope of ~1e10; daily
      return series vary by ~1e-2, five orders of magnitude above the floor.

    An event with no used rows is singular.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.models.ols import batched_ols
    >>> rng = np.random.default_rng(0)
    >>> m = rng.normal(0, 0.01, (3, 100))  # three events' market returns, 100 days
    >>> y = 0.001 + np.array([[0.5], [1.0], [1.5]]) * m + rng.normal(0, 0.001, (3, 100))
    >>> X = np.stack([np.ones_like(m), m], axis=-1)  # (n, T, k): constant and market
    >>> mask = np.ones((3, 100), dtype=bool)
    >>> mask[2, :40] = False  # the third event lacks its first 40 days
    >>> fit = batched_ols(X, y, mask, has_const=True)
    >>> fit.params.shape, fit.params[:, 1].round(1).tolist(), fit.dof.tolist()
    ((3, 2), [0.5, 1.0, 1.5], [98, 98, 58])
    """
    n, L, k = X.shape
    out = OLSFit(
        params=np.full((n, k), np.nan),
        sigma2=np.full(n, np.nan),
        dof=np.zeros(n, dtype=np.int64),
        nobs=mask.sum(axis=1).astype(np.int64),
        r2=np.full(n, np.nan),
        xtx_inv=np.full((n, k, k), np.nan),
        resid=np.full((n, L), np.nan),
        singular=np.zeros(n, dtype=bool),
    )
    step = max(1, int(chunk_size))
    for lo in range(0, n, step):  # chunks of events, not single events
        sl = slice(lo, min(n, lo + step))
        _solve_chunk(X[sl], y[sl], mask[sl], has_const, out, sl)
    return out


def _solve_chunk(
    X: FloatArray, y: FloatArray, mask: BoolArray, has_const: bool, out: OLSFit, sl: slice
) -> None:
    if has_const and X.shape[2] == 2:
        _solve_one_slope(X[:, :, 1], y, mask, out, sl)
        return
    m = mask[..., None]
    Xz = np.where(m, X, 0.0)
    yz = np.where(mask, y, 0.0)
    nobs = mask.sum(axis=1).astype(np.float64)
    nsafe = np.maximum(nobs, 1.0)
    k = X.shape[2]
    if has_const:
        # centre on complete-case means: slopes from centred data, intercept from the means
        xbar = Xz[:, :, 1:].sum(axis=1) / nsafe[:, None]
        ybar = yz.sum(axis=1) / nsafe
        Z = np.where(m, Xz[:, :, 1:] - xbar[:, None, :], 0.0)
        yc = np.where(mask, yz - ybar[:, None], 0.0)
        # collinearity is judged against the uncentred column norms (a constant market
        # centres to rounding noise, which must not pass for variation)
        ref = np.sqrt(np.sum(Xz[:, :, 1:] ** 2, axis=1))
        slopes, s_inv, singular = _qr_solve(Z, yc, ref, nobs)
        intercept = ybar - np.einsum("nj,nj->n", xbar, slopes)
        params = np.concatenate([intercept[:, None], slopes], axis=1)
        xtx_inv = _full_inverse_from_centred(s_inv, xbar, nsafe)
        tss = np.sum(yc**2, axis=1)
    else:
        params, xtx_inv, singular = _qr_solve(Xz, yz, np.sqrt(np.sum(Xz**2, axis=1)), nobs)
        tss = np.sum(yz**2, axis=1)
    fitted = np.einsum("nlk,nk->nl", Xz, params)
    resid = np.where(mask, yz - fitted, np.nan)
    ssr = np.nansum(resid**2, axis=1)
    bad = _store_fit(out, sl, params, xtx_inv, ssr, tss, (nobs - k).astype(np.int64), singular)
    resid[bad] = np.nan
    out.resid[sl] = resid


def _solve_one_slope(x: FloatArray, y: FloatArray, mask: BoolArray, out: OLSFit, sl: slice) -> None:
    """``y = a + b x`` (the market model): the QR path in closed form, on 2-D arrays.

    With one centred regressor ``z = x - xbar`` the QR factor is ``R = ||z||``, so
    ``b = z'y_c / z'z`` and ``(Z'Z)^{-1} = 1 / z'z``: the same centred two-pass sums (and the
    same singularity rules, ``||z|| <= 1e-10 ||x||`` or ``z'z / nobs <= 1e-14``) without the
    ``(n, L, 2)`` arrays.
    """
    # few full-size temporaries, updated in place (this is the hot loop of a large study)
    xz = np.where(mask, x, 0.0)
    yz = np.where(mask, y, 0.0)
    nobs = np.count_nonzero(mask, axis=1).astype(np.float64)
    nsafe = np.maximum(nobs, 1.0)
    ref = np.sqrt(np.einsum("nl,nl->n", xz, xz))
    xbar = xz.sum(axis=1) / nsafe
    ybar = yz.sum(axis=1) / nsafe
    xz -= xbar[:, None]
    xz *= mask  # centred regressor z on the used rows, 0 elsewhere
    yz -= ybar[:, None]
    yz *= mask  # centred y
    szz = np.einsum("nl,nl->n", xz, xz)
    szy = np.einsum("nl,nl->n", xz, yz)
    tss = np.einsum("nl,nl->n", yz, yz)
    singular = (np.sqrt(szz) <= RELATIVE_TOL * np.maximum(ref, np.finfo(float).tiny)) | (
        szz <= MIN_MEAN_SQUARE * nobs  # a (nearly) constant regressor: absolute floor
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(singular, np.nan, szy / np.where(singular, 1.0, szz))
        s_inv = np.where(singular, np.nan, 1.0 / np.where(singular, 1.0, szz))
    intercept = ybar - xbar * slope
    xz *= slope[:, None]
    yz -= xz
    resid = yz  # = y - a - b x on the used rows, 0 elsewhere
    ssr = np.einsum("nl,nl->n", resid, resid)
    params = np.stack([intercept, slope], axis=1)
    xtx_inv = _full_inverse_from_centred(s_inv[:, None, None], xbar[:, None], nsafe)
    bad = _store_fit(out, sl, params, xtx_inv, ssr, tss, (nobs - 2).astype(np.int64), singular)
    np.copyto(out.resid[sl], resid)
    np.putmask(out.resid[sl], ~(mask & ~bad[:, None]), np.nan)


def _store_fit(
    out: OLSFit,
    sl: slice,
    params: FloatArray,
    xtx_inv: FloatArray,
    ssr: FloatArray,
    tss: FloatArray,
    dof: npt.NDArray[np.int64],
    singular: BoolArray,
) -> BoolArray:
    """Write one chunk's estimates into ``out``: ``sigma^2 = SSR / dof``, ``R^2 = 1 - SSR /
    TSS``, and NaN for every estimate of an event without a fit (singular or ``dof <= 0``;
    an exact fit with zero dof is not ``R^2 = 1``). Returns that no-fit mask."""
    bad = singular | (dof <= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma2 = np.where(dof > 0, ssr / np.maximum(dof, 1), np.nan)
        r2 = np.where(tss > 0, 1.0 - ssr / np.where(tss > 0, tss, 1.0), np.nan)
    for value in (params, xtx_inv, sigma2, r2):
        value[bad] = np.nan
    out.params[sl] = params
    out.xtx_inv[sl] = xtx_inv
    out.sigma2[sl] = sigma2
    out.r2[sl] = r2
    out.dof[sl] = dof
    out.singular[sl] = singular
    return bad


def _qr_solve(
    A: FloatArray, b: FloatArray, scale: FloatArray, nobs: FloatArray
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Least squares ``A x = b`` per batch via QR; returns x, (A'A)^-1 and a singular flag.

    A column is collinear when its ``|R_jj|`` is at most ``1e-10 * scale_j`` (its norm), and
    (nearly) constant when ``R_jj^2 / nobs`` is at most ``MIN_MEAN_SQUARE`` (absolute floor).
    """
    n, _, p = A.shape
    if p == 0:
        return np.zeros((n, 0)), np.zeros((n, 0, 0)), np.zeros(n, dtype=bool)
    q, r = np.linalg.qr(A, mode="reduced")
    diag = np.abs(np.diagonal(r, axis1=1, axis2=2))
    tol = RELATIVE_TOL * np.maximum(scale, np.finfo(float).tiny)
    floor = np.sqrt(MIN_MEAN_SQUARE * nobs)[:, None]  # root of the sum-of-squares floor
    singular = np.any((diag <= tol) | (diag <= floor), axis=1)
    r_safe = r.copy()
    eye = np.broadcast_to(np.eye(p), r.shape)
    r_safe[singular] = eye[singular]
    r_inv = np.linalg.inv(r_safe)  # triangular; well conditioned after centring
    qtb = np.einsum("nlp,nl->np", q, b)
    x = np.einsum("npq,nq->np", r_inv, qtb)
    ata_inv = np.einsum("npq,nrq->npr", r_inv, r_inv)
    x[singular] = np.nan
    ata_inv[singular] = np.nan
    return x, ata_inv, singular


def _full_inverse_from_centred(s_inv: FloatArray, xbar: FloatArray, nobs: FloatArray) -> FloatArray:
    """(X'X)^-1 of ``[1, Z]`` from the centred slope block ``S^-1 = (Zc'Zc)^-1``.

    Partitioned inverse: ``[[1/n + xbar' S^-1 xbar, -xbar' S^-1], [-S^-1 xbar, S^-1]]``.
    """
    n, p = xbar.shape
    out = np.empty((n, p + 1, p + 1))
    sx = np.einsum("npq,nq->np", s_inv, xbar)
    out[:, 0, 0] = 1.0 / nobs + np.einsum("np,np->n", xbar, sx)
    out[:, 0, 1:] = -sx
    out[:, 1:, 0] = -sx
    out[:, 1:, 1:] = s_inv
    return out
