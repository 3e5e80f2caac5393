"""Parametric tests on AAR (daily) and CAAR (CAR windows).

Each public function takes an :class:`~eventstudy.engine.panel.EventPanel` and returns tidy rows
(see :func:`eventstudy.inference.run_tests` for the columns). Notation: ``AR_it`` abnormal
return of event *i* on event day *t*, ``N_t`` events present on day *t*, ``L_i`` estimation
observations, ``k`` model parameters, ``sigma_i^2`` the residual variance (convention
``residual_variance``), ``C_it = 1 + x_t'(X'X)^{-1}x_t`` the prediction-error factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..engine.panel import EventPanel, SessionValues
from ..exceptions import InsufficientDataError, SpecError
from ._core import (
    Context,
    FloatArray,
    Rows,
    Window,
    count,
    nanmean,
    nanvar,
    p_values,
    window_sum,
)
from ._registry import TestSpec, register, run_spec
from .conventions import Alternative, Conventions

__all__ = [
    "boehmer_musumeci_poulsen",
    "brown_warner_1980",
    "brown_warner_1985",
    "cross_sectional_t",
    "kolari_pynnonen",
    "lamb",
    "patell",
]

_DEFAULT = Conventions()


def _rows(
    est: npt.ArrayLike,
    stat: npt.ArrayLike,
    dist: str,
    df: npt.ArrayLike,
    n: npt.ArrayLike,
    alt: str,
) -> Rows:
    stat = np.asarray(stat, dtype=float)
    dfa = np.broadcast_to(np.asarray(df, dtype=float), stat.shape)
    return Rows(
        estimate=np.asarray(est, dtype=float),
        statistic=stat,
        p_value=p_values(stat, dist, dfa, alt),
        distribution=dist,
        df=dfa if dist == "t" else np.full(stat.shape, np.nan),
        n=np.asarray(n, dtype=np.int64),
    )


def _safe_div(a: FloatArray, b: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            np.asarray(b) > 0, np.asarray(a) / np.where(np.asarray(b) > 0, b, 1.0), np.nan
        )


def _window_cars(ctx: Context, windows: Sequence[Window]) -> list[tuple[np.ndarray, FloatArray]]:
    """(columns kept, CAR_i) for each window."""
    out = []
    for w in windows:
        cols = ctx.window_days(w)
        out.append((cols, ctx.car(cols)[0]))
    return out


# ----------------------------------------------------------------------------- Brown-Warner 1980
def _bw1980_var_aar(ctx: Context) -> FloatArray:
    """``Var(AAR_t) = sum_i sigma_i^2 / N_t^2`` over firms present (estudy2: all N firms)."""
    s2 = ctx.sigma2
    if ctx.conv.firm_sum == "rowmean_times_n":
        return np.where(ctx.n_t > 0, s2.sum() / ctx.n**2, np.nan)
    tot = (ctx.present * s2[:, None]).sum(axis=0)
    return _safe_div(tot, ctx.n_t.astype(float) ** 2)


def _bw1980_df(ctx: Context) -> float:
    if ctx.conv.portfolio_df == "mean_obs_minus_1":
        return float(np.mean(ctx.n_est) - 1)
    return float(np.mean(ctx.panel.dof))


def _bw1980_daily(ctx: Context, alt: str) -> Rows:
    stat = _safe_div(ctx.aar, np.sqrt(_bw1980_var_aar(ctx)))
    return _rows(ctx.aar, stat, "t", _bw1980_df(ctx), ctx.n_t, alt)


def _bw1980_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    var_aar = _bw1980_var_aar(ctx)
    est, stat, n = [], [], []
    for cols, car in _window_cars(ctx, windows):
        caar = window_sum(ctx.aar[cols])
        est.append(caar)
        stat.append(_safe_div(np.array(caar), np.sqrt(np.array(window_sum(var_aar[cols])))))
        n.append(count(car, 0))
    return _rows(np.array(est), np.array(stat), "t", _bw1980_df(ctx), np.array(n), alt)


def brown_warner_1980(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Brown & Warner (1980) portfolio t test assuming cross-sectional independence.

    Parameters
    ----------
    panel : EventPanel
    windows : list of (start, end), optional
        CAR windows in event-grid units (default when ``daily=False``: the whole window).
    daily : bool
        Test each event day's AAR.
    conventions : Conventions
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    pandas.DataFrame
        Tidy rows (see :func:`run_tests`).

    Notes
    -----
    Brown, S. J. and Warner, J. B. (1980), "Measuring security price performance", *Journal of
    Financial Economics* 8, 205-258; daily form in Brown & Warner (1985).

    .. math:: t = \\overline{AR}_t / \\hat\\sigma(\\overline{AR}_t), \\quad
              \\hat\\sigma^2(\\overline{AR}_t) = \\frac{1}{N_t^2}\\sum_{i} \\hat\\sigma_i^2

    and for a window ``CAAR = sum_t AAR_t`` with ``Var(CAAR) = sum_t Var(AAR_t)``.
    Student t with ``mean(L_i - k)`` df (``portfolio_df="model"``) or ``mean(L_i) - 1``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import brown_warner_1980
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = brown_warner_1980(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.6246   0.5328
    1  [-1, 1]    0.0061     0.5861   0.5584
    >>> same = res.tests(["brown_warner_1980"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_BW1980, panel, windows, daily, conventions, alternative)


# ----------------------------------------------------------------------------- Brown-Warner 1985
def _bw1985_sd(ctx: Context) -> tuple[float, int]:
    """Time-series sd of the estimation-window AAR (crude dependence adjustment) and days used."""
    aar_est = ctx.aar_est
    days = int(np.isfinite(aar_est).sum())
    if days < 3:
        raise InsufficientDataError("the crude dependence adjustment needs >= 3 estimation days")
    return float(np.sqrt(nanvar(aar_est, 0, ddof=1))), days


def _bw1985_df(ctx: Context) -> float:
    if ctx.conv.portfolio_df == "mean_obs_minus_1":
        return float(np.mean(ctx.n_est) - 1)
    return float(_bw1985_sd(ctx)[1] - 1)


def _bw1985_daily(ctx: Context, alt: str) -> Rows:
    sd, _ = _bw1985_sd(ctx)
    return _rows(ctx.aar, ctx.aar / sd, "t", _bw1985_df(ctx), ctx.n_t, alt)


def _bw1985_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    sd, _ = _bw1985_sd(ctx)
    est, stat, n = [], [], []
    for cols, car in _window_cars(ctx, windows):
        days = np.isfinite(ctx.aar) & cols
        caar = window_sum(ctx.aar[days])
        est.append(caar)
        stat.append(caar / (sd * np.sqrt(days.sum())) if days.any() else np.nan)
        n.append(count(car, 0))
    return _rows(np.array(est), np.array(stat), "t", _bw1985_df(ctx), np.array(n), alt)


def brown_warner_1985(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Brown & Warner (1985) t test with the crude dependence adjustment.

    Notes
    -----
    Brown, S. J. and Warner, J. B. (1985), "Using daily stock returns: the case of event
    studies", *Journal of Financial Economics* 14, 3-31. The variance of the AAR is the
    time-series variance of the estimation-window AAR, so cross-sectional dependence is
    absorbed:

    .. math:: t = \\overline{AR}_t / S, \\quad
              S^2 = \\frac{1}{T-1}\\sum_{u \\in est}(\\overline{AR}_u - \\bar{\\bar{A}})^2

    For a window of ``L_w`` days: ``t = CAAR / (S sqrt(L_w))``. Student t with ``T - 1`` df
    (``portfolio_df="model"``, ``T`` estimation days with data) or ``mean(L_i) - 1``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import brown_warner_1985
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = brown_warner_1985(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.5803   0.5623
    1  [-1, 1]    0.0061     0.5445   0.5866
    >>> same = res.tests(["brown_warner_1985"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_BW1985, panel, windows, daily, conventions, alternative)


# ----------------------------------------------------------------------------- cross-sectional t
def _cs_t(x: FloatArray, alt: str, est: FloatArray) -> Rows:
    """Cross-sectional t of the columns of ``x`` (events down axis 0)."""
    n = count(x, 0)
    sd = np.sqrt(nanvar(x, 0, ddof=1))
    stat = _safe_div(nanmean(x, 0), sd / np.sqrt(np.maximum(n, 1)))
    df = np.where(n > 1, n - 1.0, np.nan)
    return _rows(est, stat, "t", df, n, alt)


def _cs_daily(ctx: Context, alt: str) -> Rows:
    return _cs_t(ctx.ar, alt, ctx.aar)


def _cs_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    cars = np.column_stack([car for _, car in _window_cars(ctx, windows)])
    return _cs_t(cars, alt, nanmean(cars, 0))


def cross_sectional_t(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Cross-sectional t test (uses the cross-sectional variance of the ARs).

    Notes
    -----
    Brown & Warner (1985, sec. 3); Campbell, Lo & MacKinlay (1997, ch. 4.4):

    .. math:: t = \\frac{\\overline{AR}_t}{s_t / \\sqrt{N_t}}, \\quad
              s_t^2 = \\frac{1}{N_t - 1}\\sum_i (AR_{it} - \\overline{AR}_t)^2

    Student t with ``N_t - 1`` df; for a window the same on ``CAR_i``. Robust to
    event-induced variance, not to cross-sectional correlation.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import cross_sectional_t
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = cross_sectional_t(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.8393   0.4290
    1  [-1, 1]    0.0061     0.6906   0.5121
    >>> same = res.tests(["cross_sectional_t"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_CS_T, panel, windows, daily, conventions, alternative)


# ----------------------------------------------------------------------------- Patell
def _patell_denominator(ctx: Context, present: np.ndarray) -> FloatArray:
    v = ctx.patell_var
    if ctx.conv.firm_sum == "rowmean_times_n":
        return np.where(present.any(axis=0), np.sqrt(v.sum()), np.nan)
    return np.sqrt((present * v[:, None]).sum(axis=0))


def _patell_daily(ctx: Context, alt: str) -> Rows:
    sar = ctx.sar
    stat = _safe_div(ctx.firm_sum(sar), _patell_denominator(ctx, ~np.isnan(sar)))
    return _rows(ctx.aar, stat, "normal", np.nan, count(sar, 0), alt)


def _scar_matrix(ctx: Context, windows: Sequence[Window]) -> FloatArray:
    return np.column_stack([ctx.scar(ctx.window_days(w)) for w in windows])


def _patell_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    scar = _scar_matrix(ctx, windows)
    stat = _safe_div(ctx.firm_sum(scar), _patell_denominator(ctx, ~np.isnan(scar)))
    caar = nanmean(np.column_stack([c for _, c in _window_cars(ctx, windows)]), 0)
    return _rows(caar, stat, "normal", np.nan, count(scar, 0), alt)


def patell(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Patell (1976) standardised residual test.

    Notes
    -----
    Patell, J. M. (1976), "Corporate forecasts of earnings per share and stock price behavior:
    empirical tests", *Journal of Accounting Research* 14, 246-276.

    .. math:: SAR_{it} = \\frac{AR_{it}}{\\hat\\sigma_i\\sqrt{C_{it}}}, \\quad
              Z_t = \\frac{\\sum_i SAR_{it}}{\\sqrt{\\sum_i (L_i - k)/(L_i - k - 2)}}

    ``SAR_it`` is Student t with ``L_i - k`` df, hence the variance ``(L_i-k)/(L_i-k-2)``.
    For a window, ``SCAR_i = CAR_i / sqrt(sigma_i^2 (g'g + (X_w g)'(X'X)^{-1}(X_w g)))``
    (Campbell, Lo & MacKinlay 1997, J2). Standard normal.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import patell
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = patell(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.5181   0.6044
    1  [-1, 1]    0.0061     0.6306   0.5283
    >>> same = res.tests(["patell"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_PATELL, panel, windows, daily, conventions, alternative)


# ----------------------------------------------------------------------------- BMP and KP
def _bmp(x: FloatArray, alt: str, est: FloatArray, adjust: FloatArray | float = 1.0) -> Rows:
    rows = _cs_t(x, alt, est)
    if np.all(np.asarray(adjust) == 1.0):
        return rows
    stat = rows.statistic * adjust
    return _rows(est, stat, "t", rows.df, rows.n, alt)


def _bmp_daily(ctx: Context, alt: str) -> Rows:
    return _bmp(ctx.sar, alt, ctx.aar)


def _bmp_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    caar = nanmean(np.column_stack([c for _, c in _window_cars(ctx, windows)]), 0)
    return _bmp(_scar_matrix(ctx, windows), alt, caar)


def boehmer_musumeci_poulsen(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Boehmer, Musumeci & Poulsen (1991) standardised cross-sectional test.

    Notes
    -----
    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991), "Event-study methodology under
    conditions of event-induced variance", *Journal of Financial Economics* 30, 253-272.

    .. math:: t_t = \\frac{\\overline{SAR}_t}{s(SAR_t)/\\sqrt{N_t}}, \\quad
              s^2(SAR_t) = \\frac{1}{N_t-1}\\sum_i (SAR_{it}-\\overline{SAR}_t)^2

    with the Patell SAR (prediction-error corrected); for a window, on ``SCAR_i``.
    Student t with ``N_t - 1`` df.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import boehmer_musumeci_poulsen
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = boehmer_musumeci_poulsen(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.7482   0.4787
    1  [-1, 1]    0.0061     0.7304   0.4888
    >>> same = res.tests(["bmp"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_BMP, panel, windows, daily, conventions, alternative)


def _kp_adjustment(rbar: FloatArray, n: FloatArray) -> FloatArray:
    """``sqrt((1 - r_bar) / (1 + (N - 1) r_bar))`` (Kolari & Pynnönen 2010, eq. 10)."""
    with np.errstate(invalid="ignore"):
        return np.sqrt((1.0 - rbar) / (1.0 + (n - 1.0) * rbar))


def _kp_daily(ctx: Context, alt: str) -> Rows:
    days = np.eye(ctx.ar.shape[1], dtype=bool)  # day t alone: pairs sharing that session
    rbar = ctx.kp_rbars(days, ~np.isnan(ctx.sar))
    return _bmp(ctx.sar, alt, ctx.aar, _kp_adjustment(rbar, count(ctx.sar, 0).astype(float)))


def _kp_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    scar = _scar_matrix(ctx, windows)
    caar = nanmean(np.column_stack([c for _, c in _window_cars(ctx, windows)]), 0)
    cols = np.array([ctx.window_days(w) for w in windows], dtype=bool).reshape(len(windows), -1)
    rbar = ctx.kp_rbars(cols, ~np.isnan(scar))
    return _bmp(scar, alt, caar, _kp_adjustment(rbar, count(scar, 0).astype(float)))


def kolari_pynnonen(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Kolari & Pynnönen (2010) adjustment of the BMP test for cross-correlation.

    Notes
    -----
    Kolari, J. W. and Pynnönen, S. (2010), "Event study testing with cross-sectional
    correlation of abnormal returns", *Review of Financial Studies* 23, 3996-4025, eq. (10):

    .. math:: t_{adj} = t_{BMP}\\sqrt{\\frac{1 - \\bar r}{1 + (N - 1)\\bar r}}

    ``r_bar`` is the average over all pairs of events of the correlation of their
    ESTIMATION-window residuals on common calendar dates (see
    :func:`~eventstudy.inference.remedies.residual_correlation`). The paper has every
    event on the same day; for events on different dates each pair's ``r_ij`` is weighted
    by the share of sessions their windows have in common,
    ``w_ij = S_ij / sqrt(L_i L_j)`` (:func:`~eventstudy.inference.remedies.shared_session_weights`),
    the correlation of two CARs when returns are uncorrelated over time: on day ``t`` a pair
    counts only when both events' day ``t`` is the same session, and for a CAR window in
    proportion to the overlap. With one shared day 0 this is the paper's ``r_bar``.
    Student t, ``N - 1`` df.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import kolari_pynnonen
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = kolari_pynnonen(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.7482   0.4787
    1  [-1, 1]    0.0061     0.7304   0.4888
    >>> same = res.tests(["kolari_pynnonen"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_KP, panel, windows, daily, conventions, alternative)


# ----------------------------------------------------------------------------- Lamb
#: events per block of Lamb's estimation-window market moments (bounds the temporaries)
_LAMB_BLOCK = 8_192


def _lamb_factor(ctx: Context) -> FloatArray:
    """``C_t = 1 + 1/mean(L_i) + mean_i (m_it - mbar_i)^2 / SS_i`` (Lamb 1995)."""
    p = ctx.panel
    if not p.has("market_est") or p.market_evt is None:
        raise SpecError(
            "Lamb's test needs the market regressor (market_est, market_evt) in the panel"
        )
    store = ctx.__dict__.setdefault("_parametric_memo", {})
    if "lamb_factor" not in store:
        mbar, ss = np.empty(ctx.n), np.empty(ctx.n)
        source = p.market_est_source if p.__dict__.get("_market_est") is None else None
        whole = np.asarray(p.market_est, dtype=float) if source is None else None
        if ctx.remote is not None:  # the workers hold the estimation window
            mbar, ss = ctx.remote.market_moments()
            whole = source = None
        for lo in range(0, ctx.n if whole is not None or source is not None else 0, _LAMB_BLOCK):
            if whole is not None:
                m = whole[lo : lo + _LAMB_BLOCK]
            elif source is not None:  # one market read on the grid: this block's rows only
                base = np.asarray(source.positions.base)[lo : lo + _LAMB_BLOCK]
                m = SessionValues(source.series, replace(source.positions, base=base)).values()
            mbar[lo : lo + len(m)] = nanmean(m, 1)
            ss[lo : lo + len(m)] = np.nansum((m - mbar[lo : lo + len(m), None]) ** 2, axis=1)
        dev = (np.asarray(p.market_evt, dtype=float) - mbar[:, None]) ** 2 / ss[:, None]
        store["lamb_factor"] = 1.0 + 1.0 / float(np.mean(ctx.n_est)) + nanmean(dev, 0)
    factor: FloatArray = store["lamb_factor"]
    return factor


def _lamb_dist(ctx: Context) -> tuple[str, float]:
    if ctx.conv.lamb_distribution == "normal":
        return "normal", np.nan
    return "t", _bw1985_df(ctx)


def _lamb_daily(ctx: Context, alt: str) -> Rows:
    sd, _ = _bw1985_sd(ctx)
    stat = ctx.aar / (sd * np.sqrt(_lamb_factor(ctx)))
    dist, df = _lamb_dist(ctx)
    return _rows(ctx.aar, stat, dist, df, ctx.n_t, alt)


def _lamb_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    sd, _ = _bw1985_sd(ctx)
    c = _lamb_factor(ctx)
    est, stat, n = [], [], []
    for cols, car in _window_cars(ctx, windows):
        days = np.isfinite(ctx.aar) & np.isfinite(c) & cols
        caar = window_sum(ctx.aar[days])
        est.append(caar)
        stat.append(caar / (sd * np.sqrt(c[days].sum())) if days.any() else np.nan)
        n.append(count(car, 0))
    dist, df = _lamb_dist(ctx)
    return _rows(np.array(est), np.array(stat), dist, df, np.array(n), alt)


def lamb(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Lamb (1995) portfolio test: crude dependence adjustment with prediction-error correction.

    Notes
    -----
    Lamb, R. P. (1995), "An exposure-based analysis of property-liability insurer stock values
    around Hurricane Andrew", *Journal of Risk and Insurance* 62, 111-123.

    .. math:: z_t = \\frac{\\overline{AR}_t}{S\\sqrt{1 + 1/\\bar L + (m_t - \\bar m)^2/SS_m}}

    with ``S`` the Brown-Warner (1985) time-series sd of the estimation-window AAR and
    ``SS_m = sum_u (m_u - mbar)^2`` over the estimation window (averaged over events when
    their market paths differ). A window uses ``CAAR / (S sqrt(sum_t C_t))``.
    Distribution by ``Conventions.lamb_distribution``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import lamb
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = lamb(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.5779   0.5639
    1  [-1, 1]    0.0061     0.5422   0.5882
    >>> same = res.tests(["lamb"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_LAMB, panel, windows, daily, conventions, alternative)


_BW1980 = register(
    TestSpec("brown_warner_1980", _bw1980_daily, _bw1980_window, naive=True, caar="aar_sum")
)
_BW1985 = register(
    TestSpec("brown_warner_1985", _bw1985_daily, _bw1985_window, naive=False, caar="aar_sum")
)
_CS_T = register(TestSpec("cross_sectional_t", _cs_daily, _cs_window, naive=True, min_events=2))
_PATELL = register(TestSpec("patell", _patell_daily, _patell_window, naive=True))
_BMP = register(TestSpec("bmp", _bmp_daily, _bmp_window, naive=True, min_events=2))
_KP = register(TestSpec("kolari_pynnonen", _kp_daily, _kp_window, naive=False, min_events=2))
_LAMB = register(
    TestSpec(
        "lamb",
        _lamb_daily,
        _lamb_window,
        naive=False,
        needs=frozenset({"market_est", "market_evt"}),  # a market regressor
        caar="aar_sum",
    )
)
