"""Trailing-window normal-return models for every firm-day at once (cumulative sums).

For day ``t`` the model is estimated on the sessions ``t + a .. t + b`` (``a <= b < 0``: the
estimation window lies strictly before ``t``), so the abnormal return of day ``t`` is an
out-of-sample prediction error and never depends on ``t`` or any later session. Window sums
are differences of column-wise cumulative sums over the ``(T, N)`` panel: the cost is a few
passes over ``T x N`` floats, with no loop over firms or days. Because ``numpy.cumsum`` adds
sequentially, the sums of an earlier day are bit-identical when later sessions are appended.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from ..models.ols import MIN_MEAN_SQUARE

__all__ = ["MODELS", "RollingFit", "rolling_abnormal", "rolling_zscore", "window_sums"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
ScanModel = Literal["market", "market_adjusted", "constant_mean"]

#: model name -> number of estimated mean parameters (the t degrees of freedom are ``n - k``,
#: except the market-adjusted model: no parameter, ``sigma^2 = sum AR^2 / n``, ``dof = n``)
MODELS: dict[str, int] = {"market": 2, "constant_mean": 1, "market_adjusted": 0}


@dataclass
class RollingFit:
    """Out-of-sample abnormal returns of every firm-day (``(T, N)`` arrays; NaN = not scanned).

    ``ar`` abnormal return, ``var`` its prediction-error variance, ``sar = ar / sqrt(var)``,
    ``dof`` the t degrees of freedom of ``sar`` (0 where not scanned), ``nobs`` the estimation
    observations, ``singular`` firm-days whose trailing market was (nearly) constant.
    """

    ar: FloatArray
    var: FloatArray
    sar: FloatArray
    dof: IntArray
    nobs: IntArray
    singular: BoolArray


def window_sums(values: FloatArray, first: int, last: int) -> FloatArray:
    """Column sums of ``values`` over the rows ``t + first .. t + last`` for every row ``t``.

    Rows of the window before row 0 are left out (the window is clipped at the sample start);
    a window lying wholly before the sample sums to 0. ``first <= last < 0``.
    """
    T = values.shape[0]
    cum = np.zeros((T + 1, *values.shape[1:]), dtype=np.float64)
    np.cumsum(values, axis=0, out=cum[1:])
    t = np.arange(T)
    hi = np.clip(t + last + 1, 0, T)  # exclusive end
    lo = np.clip(t + first, 0, T)
    return cum[hi] - cum[lo]


def rolling_abnormal(
    y: FloatArray,
    x: FloatArray | None,
    usable: BoolArray,
    *,
    model: str,
    window: tuple[int, int],
    min_obs: int,
) -> RollingFit:
    """Trailing-window abnormal returns and their prediction-error variances.

    Parameters
    ----------
    y : (T, N)
        Firm returns (NaN = missing).
    x : (T,) or None
        Market returns (needed by ``"market"`` and ``"market_adjusted"``).
    usable : (T, N) bool
        Firm-days that may enter an estimation window or be scanned (finite ``y`` and ``x``,
        not the first return after a gap).
    model
        ``"market"``, ``"market_adjusted"`` or ``"constant_mean"``.
    window
        ``(a, b)`` with ``a <= b < 0``: estimation sessions relative to the scanned day.
    min_obs
        Minimum usable sessions in the window; fewer leaves the firm-day unscanned.

    Notes
    -----
    With window sums ``n, S_x, S_y, S_xx, S_xy, S_yy`` over the usable sessions, centred
    ``Q_xx = S_xx - S_x^2/n``, ``Q_xy = S_xy - S_x S_y / n``, ``Q_yy = S_yy - S_y^2/n``:

    * market model (Sharpe 1963; MacKinlay 1997): ``beta = Q_xy / Q_xx``,
      ``alpha = ybar - beta xbar``, ``s^2 = (Q_yy - beta Q_xy) / (n - 2)``,
      ``AR_t = y_t - alpha - beta x_t`` and
      ``Var(AR_t) = s^2 (1 + 1/n + (x_t - xbar)^2 / Q_xx)`` (Campbell, Lo & MacKinlay 1997,
      eq. 4.4.8, the out-of-sample prediction-error variance); ``dof = n - 2``;
    * constant mean: ``AR_t = y_t - ybar``, ``s^2 = Q_yy / (n - 1)``,
      ``Var(AR_t) = s^2 (1 + 1/n)``, ``dof = n - 1``;
    * market-adjusted (Brown & Warner 1980): ``AR_t = y_t - x_t``,
      ``s^2 = sum d^2 / n`` with ``d = y - x`` (no estimated mean, as
      :class:`~eventstudy.MarketAdjusted`), ``Var(AR_t) = s^2``, ``dof = n``.

    Under i.i.d. normal disturbances ``SAR_t = AR_t / sqrt(Var(AR_t))`` is exactly Student-t
    with ``dof`` degrees of freedom (a studentised out-of-sample prediction error), which is
    what calibrates the flagging threshold.
    """
    if model not in MODELS:
        raise ValueError(model)  # validated by the caller
    first, last = window
    n = window_sums(usable.astype(np.float64), first, last)
    y0 = np.where(usable, y, 0.0)
    sy = window_sums(y0, first, last)
    with np.errstate(invalid="ignore", divide="ignore"):
        if model == "market_adjusted":
            assert x is not None
            d0 = np.where(usable, y - x[:, None], 0.0)
            sdd = window_sums(d0 * d0, first, last)
            ar = y - x[:, None]
            s2 = sdd / n
            var = s2
            dof = n
            singular = np.zeros(y.shape, dtype=bool)
        elif model == "constant_mean":
            ybar = sy / n
            qyy = window_sums(y0 * y0, first, last) - sy * ybar
            s2 = np.maximum(qyy, 0.0) / (n - 1.0)
            ar = y - ybar
            var = s2 * (1.0 + 1.0 / n)
            dof = n - 1.0
            singular = np.zeros(y.shape, dtype=bool)
        else:
            assert x is not None
            x0 = np.where(usable, x[:, None], 0.0)
            sx = window_sums(x0, first, last)
            xbar, ybar = sx / n, sy / n
            qxx = window_sums(x0 * x0, first, last) - sx * xbar
            qxy = window_sums(x0 * y0, first, last) - sx * ybar
            qyy = window_sums(y0 * y0, first, last) - sy * ybar
            # one rule for a (nearly) constant regressor, shared with the batched solver
            singular = (n >= 1) & ~(qxx > MIN_MEAN_SQUARE * n)
            qxx = np.where(singular, np.nan, qxx)
            beta = qxy / qxx
            s2 = np.maximum(qyy - beta * qxy, 0.0) / (n - 2.0)
            ar = y - (ybar - beta * xbar) - beta * x[:, None]
            var = s2 * (1.0 + 1.0 / n + (x[:, None] - xbar) ** 2 / qxx)
            dof = n - 2.0
        scanned = usable & (n >= min_obs) & (dof >= 1) & np.isfinite(var) & (var > 0)
        sar = np.where(scanned, ar / np.sqrt(np.where(scanned, var, 1.0)), np.nan)
    return RollingFit(
        ar=np.where(scanned, ar, np.nan),
        var=np.where(scanned, var, np.nan),
        sar=sar,
        dof=np.where(scanned, dof, 0).astype(np.int64),
        nobs=n.astype(np.int64),
        singular=singular & usable & (n >= min_obs),
    )


def rolling_zscore(
    values: FloatArray, usable: BoolArray, *, window: tuple[int, int], min_obs: int
) -> FloatArray:
    """``(v_t - mean) / sd`` over the trailing window (sample sd, ``n - 1``); NaN if too short."""
    first, last = window
    v0 = np.where(usable, values, 0.0)
    n = window_sums(usable.astype(np.float64), first, last)
    s = window_sums(v0, first, last)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / n
        var = np.maximum(window_sums(v0 * v0, first, last) - s * mean, 0.0) / (n - 1.0)
        z = (values - mean) / np.sqrt(var)
    ok = usable & (n >= max(min_obs, 2)) & (var > 0)
    return np.where(ok, z, np.nan)


def t_critical(level: float, dof: IntArray, side: str) -> FloatArray:
    """Critical |SAR| of a flag with false-flag rate ``level`` (Student t with ``dof``)."""
    q = 1.0 - level / 2.0 if side == "both" else 1.0 - level
    safe = np.maximum(dof, 1)
    return np.where(dof > 0, stats.t.ppf(q, safe), np.nan)


def t_pvalue(sar: FloatArray, dof: IntArray, side: str) -> FloatArray:
    """p-value of each SAR under Student t with ``dof`` (two-sided, or one-sided ``down``/``up``)."""
    safe = np.maximum(dof, 1)
    with np.errstate(invalid="ignore"):
        if side == "both":
            p = 2.0 * stats.t.sf(np.abs(sar), safe)
        elif side == "down":
            p = stats.t.cdf(sar, safe)
        else:
            p = stats.t.sf(sar, safe)
    return np.where(dof > 0, p, np.nan)
