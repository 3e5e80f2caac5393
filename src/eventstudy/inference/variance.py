"""Cross-sectional tests of event-induced variance: the one place of their formulas.

``eventstudy.second_stage.volatility.variance_tests`` (the tables of the second stage) and
:func:`eventstudy.inference.guidance.event_induced_variance` (the evidence behind the
clustering advice) both call these; the second stage sits above inference, so the formulas
live here (issue 16), in a public module (code outside a package imports none of its
underscore modules: ``tests/test_architecture.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from ..engine.panel import EventPanel
from ._core import FloatArray

#: residual degrees of freedom a SAR needs for the moments of its square (Student t, d > 4)
MIN_DOF = 4


def standardised_car(panel: EventPanel, cols: npt.NDArray[np.bool_]) -> FloatArray:
    """Per event, the window CAR over its prediction-error-corrected standard deviation (the
    SAR for a one-day window): ``CAR_i / sqrt(Var(CAR_i))`` with the variance of
    ``results.car`` (Campbell, Lo & MacKinlay 1997, eq. 4.4.13; GARCH: the conditional
    ``h_t``)."""
    from ..engine.abnormal import car, var_car  # the module, not the package (no import cycle)

    total, _ = car(panel.ar, cols)
    x = panel.x_evt if panel.x_evt is not None else np.zeros((*panel.ar.shape, 0))
    var = var_car(panel.sigma2, x, panel.xtx_inv, panel.ar, cols, var_ar=panel.conditional_var_ar)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / np.sqrt(var), dtype=np.float64)


def variance_sample(
    panel: EventPanel, cols: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """The standardised CARs ``z`` over ``cols`` and their degrees of freedom ``d`` of the
    events both tests use: a finite ``z`` and ``d > 4``."""
    z = standardised_car(panel, cols)
    d = np.asarray(panel.dof, dtype=np.float64)
    ok = np.isfinite(z) & (d > MIN_DOF)
    return z[ok], d[ok]


def t_square_moments(dof: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean ``d/(d-2)`` and variance ``2d^2(d-1)/((d-2)^2(d-4))`` of the square of a Student
    t with ``d`` degrees of freedom."""
    d = np.asarray(dof, dtype=np.float64)
    mean = d / (d - 2.0)
    var = 2.0 * d**2 * (d - 1.0) / ((d - 2.0) ** 2 * (d - 4.0))
    return mean, var


def squared_sar(z: FloatArray, dof: FloatArray) -> dict[str, Any]:
    """The squared-SAR test (the variance analogue of Patell 1976), one-sided.

    .. math:: Z = \\frac{\\sum_i (z_i^2 - E z_i^2)}{\\sqrt{\\sum_i Var z_i^2}} \\sim N(0, 1)

    with the moments of :func:`t_square_moments`. Returns ``estimate`` (mean ``z^2``),
    ``statistic``, ``p_value`` (upper tail), ``n``.
    """
    mean_sq, var_sq = t_square_moments(dof)
    stat = float(np.sum(z**2 - mean_sq) / np.sqrt(np.sum(var_sq)))
    return {
        "estimate": float(np.mean(z**2)),
        "statistic": stat,
        "p_value": float(stats.norm.sf(stat)),
        "n": len(z),
    }


def harrington_shrider(z: FloatArray, dof: FloatArray) -> dict[str, Any]:
    """Harrington & Shrider's (2007) test that the cross-sectional variance of the SARs
    exceeds one, one-sided.

    With :math:`\\tilde z_i = z_i \\sqrt{(d_i-2)/d_i}` (unit variance under the null),

    .. math:: \\chi^2 = \\sum_i (\\tilde z_i - \\bar{\\tilde z})^2 \\sim \\chi^2_{N-1}.

    Returns ``estimate`` (:math:`s^2_{\\tilde z}`), ``statistic``, ``p_value`` (upper tail),
    ``df`` (``N - 1``), ``n``.
    """
    n = len(z)
    d = np.asarray(dof, dtype=np.float64)
    zt = z * np.sqrt((d - 2.0) / d)
    s2 = float(np.var(zt, ddof=1))
    chi2 = (n - 1) * s2
    return {
        "estimate": s2,
        "statistic": chi2,
        "p_value": float(stats.chi2.sf(chi2, n - 1)),
        "df": n - 1,
        "n": n,
    }
