"""Abnormal volatility: event-induced variance of abnormal returns.

News moves prices in either direction; averaging abnormal returns can hide it, their variance
cannot. Beaver (1968) compared the squared event-period residual with the estimation-period
residual variance (his U statistic); the cross-sectional tests below ask whether the
standardised abnormal returns (SARs) of the events vary more than the estimation period
predicts. Harrington & Shrider (2007) argue every event induces such variance, and that a test
of it should precede the choice of a test for the mean (use BMP / Kolari-Pynnonen when it is
present).

Every function takes the :class:`~eventstudy.engine.panel.EventPanel` of a fitted study and works on
whole arrays (no loop over events).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..engine.panel import EventPanel, window_columns, window_label
from ..exceptions import InsufficientDataError

__all__ = ["VARIANCE_TESTS", "variance_ratio", "variance_tests"]

FloatArray = npt.NDArray[np.float64]

#: Names of the cross-sectional tests of :func:`variance_tests`.
VARIANCE_TESTS: tuple[str, ...] = ("squared_sar", "harrington_shrider")


def _window_cols(panel: EventPanel, window: tuple[int, int] | None) -> npt.NDArray[np.bool_]:
    return window_columns(panel.evt_rel, window)


def _label(window: tuple[int, int] | None) -> str:
    return "event window" if window is None else window_label(window)


def _sar(panel: EventPanel) -> FloatArray:
    """``AR / sqrt(Var(AR))`` with the engine's prediction-error-corrected variance."""
    var = panel.var_ar if panel.var_ar is not None else panel.sigma2[:, None] + 0 * panel.ar
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(panel.ar / np.sqrt(var), dtype=np.float64)


def variance_ratio(panel: EventPanel, window: tuple[int, int] | None = None) -> pd.DataFrame:
    """Per event, the event-window residual variance over the estimation-window variance.

    Parameters
    ----------
    panel
        A fitted study's panel (``results.panel``).
    window
        Relative days of the event period (default: the event window).

    Returns
    -------
    pandas.DataFrame
        ``event_id, ticker, window, ratio, n_days, dof, p_value``: ``ratio`` is Beaver's
        (1968) U averaged over the window, ``p_value`` the upper tail of ``F(n_days, dof)``.

    Notes
    -----
    With :math:`SAR_{it} = AR_{it}/\\sqrt{\\widehat{Var}(AR_{it})}` (estimation-window
    residual variance with the prediction-error correction),

    .. math:: VR_i = \\frac{1}{m_i} \\sum_{t \\in w} SAR_{it}^2 ,

    Beaver's (1968) ratio of squared event-period residuals to the estimation-period residual
    variance. With normal, serially independent residuals and no event-induced variance
    :math:`VR_i \\sim F(m_i, d_i)` approximately (:math:`d_i` = residual degrees of freedom;
    exact without the prediction-error term).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy.second_stage.volatility import variance_ratio
    >>> ratios = variance_ratio(res.panel, (0, 1))  # event-window over estimation-window variance
    >>> ratios[["ticker", "ratio", "n_days", "p_value"]].head(3).round(4)
      ticker   ratio  n_days  p_value
    0     F0  0.3068       2   0.7361
    1     F1  0.5777       2   0.5620
    2     F2  0.1625       2   0.8501
    """
    cols = _window_cols(panel, window)
    sq = _sar(panel)[:, cols] ** 2
    m = np.isfinite(sq).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(m > 0, np.nansum(sq, axis=1) / np.maximum(m, 1), np.nan)
    dof = np.asarray(panel.dof, dtype=np.float64)
    p = np.where(
        (m > 0) & (dof > 0), stats.f.sf(ratio, np.maximum(m, 1), np.maximum(dof, 1)), np.nan
    )
    return pd.DataFrame(
        {
            "event_id": panel.event_id.astype(str),
            "ticker": panel.ticker.astype(str),
            "window": _label(window),
            "ratio": ratio,
            "n_days": m.astype(np.int64),
            "dof": panel.dof,
            "p_value": p,
        }
    )


def variance_tests(
    panel: EventPanel,
    window: tuple[int, int] | None = None,
    *,
    daily: bool = False,
) -> pd.DataFrame:
    """Cross-sectional tests of event-induced variance (squared SAR; Harrington & Shrider 2007).

    Parameters
    ----------
    panel
        A fitted study's panel.
    window
        Relative days over which the SAR is formed (the standardised CAR); default the event
        window. A one-day window gives the daily SAR.
    daily
        Also test every day of the event window (rows with ``rel_day``).

    Returns
    -------
    pandas.DataFrame
        ``test, window, rel_day, estimate, statistic, p_value, distribution, df, n``;
        ``estimate`` is the mean squared SAR (``squared_sar``) or the cross-sectional variance
        of the SARs (``harrington_shrider``). Both are one-sided (variance increases).

    Notes
    -----
    Let :math:`z_i = CAR_i / \\sqrt{\\widehat{Var}(CAR_i)}` (prediction-error corrected; the
    SAR for a one-day window), distributed approximately as Student t with :math:`d_i`
    degrees of freedom under the null of no event effect.

    *Squared SAR* - the variance analogue of Patell (1976): with
    :math:`E z^2 = d/(d-2)` and :math:`Var z^2 = 2d^2(d-1)/((d-2)^2(d-4))`,

    .. math:: Z = \\frac{\\sum_i (z_i^2 - E z_i^2)}{\\sqrt{\\sum_i Var z_i^2}} \\sim N(0, 1),

    large when the event raises the variance (or shifts the mean) of the abnormal returns.

    *Harrington & Shrider (2007)* - the cross-sectional variance of the SARs exceeds one.
    With :math:`\\tilde z_i = z_i \\sqrt{(d_i-2)/d_i}` (unit variance under the null),

    .. math:: \\chi^2 = (N-1)\\, s^2_{\\tilde z} = \\sum_i (\\tilde z_i - \\bar{\\tilde z})^2
        \\sim \\chi^2_{N-1},

    insensitive to a common shift in the mean (it tests the dispersion of the effects across
    firms, the event-induced variance).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy.second_stage.volatility import variance_tests
    >>> variance_tests(res.panel, (0, 0))[["test", "statistic", "p_value", "distribution"]].round(4)
                     test  statistic  p_value distribution
    0         squared_sar    -1.0863   0.8613       normal
    1  harrington_shrider     3.3579   0.8500      chi2(7)
    """
    windows: list[tuple[str, Any, npt.NDArray[np.bool_]]] = [
        (_label(window), pd.NA, _window_cols(panel, window))
    ]
    if daily:
        for j, day in enumerate(panel.evt_rel):
            one = np.zeros(len(panel.evt_rel), dtype=bool)
            one[j] = True
            windows.append((window_label((day, day)), int(day), one))
    # the formulas live in inference (the clustering guidance uses the same test)
    from ..inference.variance import harrington_shrider, squared_sar, variance_sample

    rows: list[dict[str, Any]] = []
    for label, day, cols in windows:
        z, d = variance_sample(panel, cols)
        n = len(z)
        if n < 2:
            if day is pd.NA:
                raise InsufficientDataError(
                    f"variance tests need at least 2 events with an abnormal return in "
                    f"{label} and more than 4 residual degrees of freedom; got {n}"
                )
            continue
        sq = squared_sar(z, d)
        hs = harrington_shrider(z, d)
        rows += [
            {
                "test": "squared_sar",
                "window": label,
                "rel_day": day,
                "estimate": sq["estimate"],
                "statistic": sq["statistic"],
                "p_value": sq["p_value"],
                "distribution": "normal",
                "df": np.nan,
                "n": n,
            },
            {
                "test": "harrington_shrider",
                "window": label,
                "rel_day": day,
                "estimate": hs["estimate"],
                "statistic": hs["statistic"],
                "p_value": hs["p_value"],
                "distribution": f"chi2({n - 1})",
                "df": float(n - 1),
                "n": n,
            },
        ]
    out = pd.DataFrame(rows)
    out["rel_day"] = out["rel_day"].astype("Int64")
    return out
