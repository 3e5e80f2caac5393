"""Clustered event dates: diagnostics and remedies.

When events share calendar dates their abnormal returns are cross-correlated and tests that
assume independence over-reject. This module says so (:func:`clustering`) and offers the
remedies: the cross-correlation estimate of Kolari & Pynnönen (2010)
(:func:`residual_correlation`, used by ``kolari_pynnonen``), the portfolio approach
(:func:`portfolio_test`) and the multivariate regression with event-day dummies
(:func:`sur_wald_test`; Schipper & Thompson 1983, Binder 1985).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..engine.abnormal import car_var_factor
from ..engine.panel import EventPanel, window_columns, window_label
from ..exceptions import InsufficientDataError, SpecError
from ..models.ols import batched_ols

# the calendar-overlap and KP correlation helpers live in _correlation (below the test
# context); re-exported here, their documented public home
from ._correlation import (  # noqa: F401
    ResidualCorrelation,
    _day0,
    _overlapping_rows,
    events_share_dates,
    kp_rbar,
    residual_correlation,
    shared_session_weights,
)
from ._stats import (
    NO_CONVENTIONS,
    FloatArray,
    Window,
    check_alternative,
    in_result_schema,
    nanmean,
    not_applicable,
    p_values,
    stars_from_p,
)
from .conventions import Alternative

__all__ = [
    "ResidualCorrelation",
    "clustering",
    "events_share_dates",
    "portfolio_test",
    "residual_correlation",
    "sur_wald_test",
]


def clustering(panel: EventPanel) -> pd.DataFrame:
    """Event-date clustering diagnostic (one row).

    Returns
    -------
    pandas.DataFrame
        Columns ``n_events``, ``n_dates`` (distinct day-0 sessions), ``largest_cluster``
        (most events on one day 0), ``share_clustered`` (share of events whose day 0 is shared
        with another event), ``share_overlapping`` (share of events whose event window
        overlaps another event's in calendar time) and ``clustered`` (True when any two event
        windows overlap: tests assuming independence are then flagged), then the graded
        measures of :func:`~eventstudy.inference.guidance.cluster_measures`
        (``share_top_date``, ``mean_cluster_size``, ``mean_overlapping``), ``degree``
        (``"none"``, ``"mild"`` or ``"strong"``, :func:`~eventstudy.inference.guidance.clustering_degree`),
        the event-induced variance test (``variance_ratio``, ``variance_p``,
        ``event_induced_variance``) and ``advice`` (the note of
        :func:`~eventstudy.inference.guidance.clustering_advice`).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import clustering
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.head(6).assign(date=sim.events["date"].iloc[0])  # six firms, one day 0
    >>> clustered = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> clustering(clustered.panel)[["n_events", "n_dates", "largest_cluster", "degree"]]
       n_events  n_dates  largest_cluster  degree
    0         6        1                6  strong
    """
    from .guidance import clustering_advice

    n = panel.n_events
    d0 = _day0(panel)
    _, inv0, counts = np.unique(d0, return_inverse=True, return_counts=True)
    overlapping = _overlapping_rows(panel)
    advice = clustering_advice(panel)
    m = advice.measures
    return pd.DataFrame(
        {
            "n_events": [n],
            "n_dates": [len(counts)],
            "largest_cluster": [int(counts.max()) if n else 0],
            "share_clustered": [float((counts[inv0] > 1).mean()) if n else 0.0],
            "share_overlapping": [float(overlapping.mean()) if n else 0.0],
            "clustered": [bool(overlapping.any())],
            **{
                k: [m[k]]
                for k in (
                    "share_top_date",
                    "mean_cluster_size",
                    "mean_overlapping",
                    "degree",
                    "variance_ratio",
                    "variance_p",
                    "event_induced_variance",
                )
            },
            "advice": [advice.note],
        }
    )


# ----------------------------------------------------------------------------- common regressors
def _date_groups(panel: EventPanel) -> list[npt.NDArray[np.int64]]:
    d0 = _day0(panel)
    _, inv = np.unique(d0, return_inverse=True)
    return [np.nonzero(inv == g)[0] for g in range(inv.max() + 1)]


def _window_indicator(panel: EventPanel, window: Window | None) -> npt.NDArray[np.float64]:
    rel = np.asarray(panel.evt_rel)
    if window is None:
        window = (0, 0) if 0 in rel else (int(rel[0]), int(rel[0]))
    return window_columns(rel, window).astype(float)


@dataclass(frozen=True)
class _System:
    """One date's events on common estimation days with identical regressors."""

    xtx_inv: FloatArray  # (k, k)
    x_evt: FloatArray  # (L2, k)
    resid: FloatArray  # (n_c, L_common), complete
    ar: FloatArray  # (n_c, L2)
    refit: bool  # market model re-estimated on the common days


_UNEQUAL = (
    "events sharing a date do not have identical regressors (different estimation days or "
    "markets) and the panel is not a market model that could be re-estimated on common days; "
    "the portfolio and SUR remedies need common regressors"
)


def _common_system(panel: EventPanel, idx: npt.NDArray[np.int64]) -> _System:
    """Common design of the events ``idx``: as estimated when their regressors are identical,
    else (market model) re-estimated by OLS on the estimation days all of them share."""
    resid = np.asarray(panel.resid_est, dtype=float)[idx]
    ar = np.asarray(panel.ar, dtype=float)[idx]
    if panel.k == 0:
        common = np.isfinite(resid).all(axis=0)
        return _System(np.zeros((0, 0)), np.zeros((ar.shape[1], 0)), resid[:, common], ar, False)
    if panel.xtx_inv is None or panel.x_evt is None:
        raise SpecError("this remedy needs xtx_inv and x_evt in the panel")
    xtx = np.asarray(panel.xtx_inv)[idx]
    x = np.asarray(panel.x_evt)[idx]
    same_x = np.allclose(x, x[0], equal_nan=True)
    if same_x and np.allclose(xtx, xtx[0], rtol=1e-8, atol=1e-12):
        common = np.isfinite(resid).all(axis=0)
        return _System(xtx[0], x[0], resid[:, common], ar, False)
    return _refit_market_model(panel, idx, resid, x[0], same_x)


def _refit_market_model(
    panel: EventPanel,
    idx: npt.NDArray[np.int64],
    resid: FloatArray,
    x_evt: FloatArray,
    same_x: bool,
) -> _System:
    p = panel
    if p.k != 2 or p.market_est is None or p.market_evt is None or p.params is None or not same_x:
        raise SpecError(_UNEQUAL)
    m = np.asarray(p.market_est, dtype=float)[idx]
    dates = np.asarray(p.est_dates, dtype="datetime64[ns]")[idx]
    if not (np.array_equal(dates, dates[:1].repeat(len(idx), 0), equal_nan=True)):
        raise SpecError(_UNEQUAL)
    if not np.allclose(x_evt[:, 1], np.asarray(p.market_evt)[idx[0]], equal_nan=True):
        raise SpecError(_UNEQUAL)
    params = np.asarray(p.params, dtype=float)[idx]
    y = resid + params[:, :1] + params[:, 1:2] * m  # the returns, rebuilt
    common = np.isfinite(y).all(axis=0) & np.isfinite(m).all(axis=0)
    if not np.allclose(m[:, common], m[:1, common]):
        raise SpecError(_UNEQUAL)
    xc = np.column_stack([np.ones(common.sum()), m[0, common]])
    coef, e, xtx_inv = _common_ols(xc, y[:, common])
    ar = np.asarray(p.ret_evt, dtype=float)[idx] - (np.nan_to_num(x_evt) @ coef.T).T
    missing_x = np.asarray(np.isnan(x_evt).any(axis=1))
    ar = np.where(missing_x[None, :], np.nan, ar)
    return _System(xtx_inv, x_evt, e, ar, True)


def _pe_term(xtx_inv: FloatArray, x: FloatArray, g: FloatArray) -> float:
    """``g'g + (X_w g)'(X'X)^{-1}(X_w g)`` for one common design and a 0/1 day indicator
    ``g``: :func:`eventstudy.engine.abnormal.car_var_factor` for a single row."""
    ok = np.asarray(g, dtype=np.float64)[None, :] > 0
    inv = xtx_inv[None] if xtx_inv.size else None
    return float(car_var_factor(ok, np.nan_to_num(x)[None], inv)[0])


# ----------------------------------------------------------------------------- portfolio approach
def portfolio_test(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    alternative: Alternative = "two-sided",
    sample: str = "common",
    strict: bool = False,
) -> pd.DataFrame:
    """Portfolio approach for clustered dates: one equally weighted portfolio per event date.

    Parameters
    ----------
    panel : EventPanel
    windows : list of (start, end), optional
        CAR windows (default: day 0 when on the grid, else the first event day).
    alternative : {"two-sided", "less", "greater"}
    sample : {"common", "all"}
        Which firms make the portfolio on an estimation day. ``"common"`` (default): the
        days on which every firm of the date has data, the same firms every day (a firm that
        listed late shortens the estimation sample of all). ``"all"``: every firm with data
        that day (the portfolio's composition changes; every estimation day is used);
        market-model and market-adjusted panels only.
    strict : bool
        Raise :class:`~eventstudy.exceptions.InsufficientDataError` when a date's portfolio
        cannot be tested (fewer than ``k + 2`` estimation days, no abnormal return on the
        window days) instead of giving that date's rows NaN numbers and a ``reason``.

    Returns
    -------
    pandas.DataFrame
        One row per (event date, window): ``date, window, n, estimate`` (portfolio CAR),
        ``statistic, p_value, distribution, df, stars``, ``refit``, ``sample`` (the rule
        used) and ``reason`` (empty when computed; why not where the numbers are NaN).

    Notes
    -----
    Jaffe (1974), Mandelker (1974); see Campbell, Lo & MacKinlay (1997, ch. 4.6). The ARs of
    the events of one date are averaged into one portfolio, whose own estimation-window
    residual variance absorbs their cross-correlation:

    .. math:: e_{pu} = \\frac{1}{N_c}\\sum_{i\\in c} e_{iu}, \\quad
              \\hat\\sigma_p^2 = \\frac{\\sum_u e_{pu}^2}{L - k}, \\quad
              t = \\frac{CAR_p}{\\hat\\sigma_p\\sqrt{g'g + (X_w g)'(X'X)^{-1}(X_w g)}}

    Averaging residuals equals regressing the portfolio return on the regressors only when
    all events of the date have the same regressors and estimation days (balanced panel,
    common market). When they do not (a firm missing some estimation days), a market model is
    re-estimated by OLS on the estimation days all the date's firms share (returns rebuilt as
    ``e + a + b m``; column ``refit`` says so); other models raise ``SpecError``. With
    ``sample="all"`` the portfolio return of a day is the mean return of the firms with data
    that day, regressed by OLS on the market over every estimation day with at least one firm
    (market-adjusted: the mean residual); the event-window AR is the mean return of the firms
    present less the portfolio's normal return. Student t with ``L - k`` df.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import portfolio_test
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.head(6).assign(date=sim.events["date"].iloc[0])  # six firms, one day 0
    >>> clustered = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = portfolio_test(clustered.panel, [(0, 0), (0, 1)])  # one portfolio per day 0
    >>> rows[["window", "estimate", "statistic", "df", "n"]].round(4)
       window  estimate  statistic   df  n
    0  [0, 0]   -0.0053    -0.7624  177  6
    1  [0, 1]   -0.0111    -1.1224  177  6
    """
    check_alternative(alternative)
    if sample not in ("common", "all"):
        raise SpecError(f"sample={sample!r} is not valid; use 'common' or 'all'")
    wins: list[Window | None] = list(windows) if windows is not None else [None]
    rows = []
    for idx in _date_groups(panel):
        sys_ = _common_system(panel, idx) if sample == "common" else _all_firms_system(panel, idx)
        day = _day0(panel)[idx[0]]
        e_p = sys_.resid.mean(axis=0)
        dof = len(e_p) - panel.k
        few_days = (
            f"the portfolio of {_iso(day)} has {len(e_p)} estimation days, fewer than "
            f"k + 2 = {panel.k + 2}; lengthen the estimation window"
            if dof < 2
            else ""
        )
        s2 = float(e_p @ e_p / dof) if dof > 0 else np.nan
        ar_p = nanmean(sys_.ar, 0)
        for w in wins:
            g = _window_indicator(panel, w) * np.isfinite(ar_p)
            label = _label(panel, w)
            reason = few_days or (
                "" if g.any() else f"no firm of {_iso(day)} has an abnormal return in {label}"
            )
            if reason:  # not applicable: a row with NaN numbers and the reason
                not_applicable(reason, strict)
                rows.append((day, label, len(idx), np.nan, np.nan, np.nan, sys_.refit, reason))
                continue
            car = float(np.nansum(ar_p * g))
            stat = car / np.sqrt(s2 * _pe_term(sys_.xtx_inv, sys_.x_evt, g))
            rows.append((day, label, len(idx), car, stat, dof, sys_.refit, ""))
    cols = ["date", "window", "n", "estimate", "statistic", "df", "refit", "reason"]
    out = pd.DataFrame(rows, columns=cols)
    out["p_value"] = p_values(out["statistic"].to_numpy(), "t", out["df"].to_numpy(), alternative)
    out["distribution"] = "t"
    out["alternative"] = alternative
    out["stars"] = stars_from_p(out["p_value"].to_numpy())
    out["sample"] = sample
    out.insert(0, "test", "portfolio")
    out["reason"] = out.pop("reason")  # the last extra column, as in sur_wald_test
    return in_result_schema(out, conventions=NO_CONVENTIONS)


def _all_firms_system(panel: EventPanel, idx: npt.NDArray[np.int64]) -> _System:
    """One date's portfolio of the firms with data each day (``sample="all"``), as a
    one-row system: its estimation residuals and event-window ARs."""
    p = panel
    resid = np.asarray(p.resid_est, dtype=float)[idx]
    if p.k == 0:
        keep = np.isfinite(resid).any(axis=0)
        e_p = nanmean(resid[:, keep], 0)
        ar_p = nanmean(np.asarray(p.ar, dtype=float)[idx], 0)
        return _System(np.zeros((0, 0)), np.zeros((ar_p.shape[0], 0)), e_p[None], ar_p[None], False)
    if p.k != 2 or p.market_est is None or p.market_evt is None or p.params is None:
        raise SpecError(
            "portfolio_test(sample='all') needs a market model or market-adjusted panel; "
            "use sample='common'"
        )
    m = np.asarray(p.market_est, dtype=float)[idx]
    m_evt = np.asarray(p.market_evt, dtype=float)[idx]
    if not (
        np.allclose(m, m[:1], equal_nan=True) and np.allclose(m_evt, m_evt[:1], equal_nan=True)
    ):
        raise SpecError(_UNEQUAL)
    params = np.asarray(p.params, dtype=float)[idx]
    y = resid + params[:, :1] + params[:, 1:2] * m  # the returns, rebuilt
    days = np.isfinite(y).any(axis=0) & np.isfinite(m[0])
    r_p = nanmean(y[:, days], 0)
    xc = np.column_stack([np.ones(days.sum()), m[0, days]])
    coef, e_p, xtx_inv = _common_ols(xc, r_p[None, :])
    x_evt = np.column_stack([np.ones(m_evt.shape[1]), m_evt[0]])
    ar_p = nanmean(np.asarray(p.ret_evt, dtype=float)[idx], 0) - x_evt @ coef[0]
    return _System(xtx_inv, x_evt, e_p, ar_p[None], True)


def _common_ols(xc: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Every row of ``y`` (``(n, T)``) regressed on the one design ``xc`` (``(T, k)``, constant
    first) with the engine's least-squares solver
    (:func:`eventstudy.models.ols.batched_ols`): coefficients ``(n, k)``, residuals
    ``(n, T)`` and the shared ``(X'X)^{-1}``."""
    n = y.shape[0]
    design = np.ascontiguousarray(np.broadcast_to(xc, (n, *xc.shape)))
    fit = batched_ols(design, y, np.ones(y.shape, dtype=bool), has_const=True)
    if fit.singular.any():
        raise InsufficientDataError(
            "the market's returns are constant on the common estimation days: the date's "
            "system has no market slope"
        )
    return fit.params, fit.resid, fit.xtx_inv[0]


def _iso(day: np.datetime64) -> str:
    """An event date as ``YYYY-MM-DD`` (for messages and reasons); a panel built without
    calendar dates has none to name."""
    stamp = pd.Timestamp(day)
    return "an undated day 0" if pd.isna(stamp) else f"{stamp:%Y-%m-%d}"


def _label(panel: EventPanel, w: Window | None) -> str:
    g = _window_indicator(panel, w)
    rel = np.asarray(panel.evt_rel)[g > 0]
    return window_label((rel[0], rel[-1]))


# ----------------------------------------------------------------------------- SUR Wald
def sur_wald_test(
    panel: EventPanel, window: Window | None = None, reference: str = "F", strict: bool = False
) -> pd.DataFrame:
    """Multivariate regression with event-day dummies (SUR) and its Wald tests, per event date.

    Parameters
    ----------
    panel : EventPanel
    window : (start, end), optional
        Event days whose dummies are summed (default: day 0). The tested effect of firm *i* is
        ``gamma_i = g'AR_i``, the sum of its event-day dummy coefficients over the window.
    reference : {"F", "chi2"}
        Reference distribution of the Wald statistics: ``"F"`` (default), the exact
        finite-sample Hotelling distribution; ``"chi2"``, the large-sample one (which
        over-rejects with few estimation days per firm).
    strict : bool
        Raise :class:`~eventstudy.exceptions.InsufficientDataError` when a date's system
        cannot be tested (no more common estimation days than firms plus parameters, a firm
        without an AR on a window day) instead of giving that date's rows NaN numbers and a
        ``reason``.

    Returns
    -------
    pandas.DataFrame
        Two rows per event date: ``hypothesis`` = ``"all zero"`` and ``"average zero"``, with
        ``statistic`` (the Wald statistic ``W``), ``distribution`` (``"F"`` or ``"chi2"``),
        ``df``, ``df2`` (the F's denominator df; NaN for chi2), ``p_value``, ``n``,
        ``estimate`` (the average effect) and ``reason`` (empty when computed; why not where
        the numbers are NaN).

    Notes
    -----
    Schipper, K. and Thompson, R. (1983), "The impact of merger-related regulations on the
    shareholders of acquiring firms", *Journal of Accounting Research* 21, 184-221; Binder, J.
    J. (1985), "Measuring the effects of regulation with stock price data", *RAND Journal of
    Economics* 16, 167-183.

    The system ``R_i = X b_i + D gamma_i + e_i`` (one equation per firm, identical regressors
    ``X`` over common estimation dates plus event-day dummies ``D``) is a SUR with identical
    regressors, so GLS equals equation-by-equation OLS: the dummy coefficient is the
    prediction error ``AR_it``, and with ``Sigma = E'E/(L - k)`` from the estimation residuals

    .. math:: Cov(\\gamma_i, \\gamma_j) = \\sigma_{ij}\\,(g'g + (X_w g)'(X'X)^{-1}(X_w g))

    Wald statistics ``W_all = gamma' V^{-1} gamma`` and ``W_avg = (1'gamma)^2 / (1'V 1)``.
    With normal errors ``gamma ~ N(0, Sigma c)`` under the null, independent of
    ``(L - k) Sigma_hat ~ Wishart(Sigma, nu = L - k)``, so ``W_all`` is Hotelling's ``T^2``
    (Hotelling 1931; Anderson 2003, sec. 5.2) and exactly

    .. math:: \\frac{\\nu - N + 1}{\\nu N} W_{all} \\sim F(N, \\nu - N + 1), \\qquad
              W_{avg} \\sim F(1, \\nu)

    ``W_avg`` is the square of the portfolio t of :func:`portfolio_test` (the same residual
    variance of the equally weighted sum and the same ``nu = L - k``), so its F(1, nu)
    p-value is the portfolio t's two-sided t(nu) p-value. ``reference="chi2"`` gives the
    large-sample ``chi2(N)`` and ``chi2(1)``. Needs ``L - k > N`` common estimation days.
    Unbalanced market-model panels are re-estimated on the common days, as in
    :func:`portfolio_test` (column ``refit``).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import sur_wald_test
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.head(6).assign(date=sim.events["date"].iloc[0])  # six firms, one day 0
    >>> clustered = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = sur_wald_test(clustered.panel, (0, 1))
    >>> rows[["hypothesis", "statistic", "df", "df2", "p_value"]].round(4)
         hypothesis  statistic  df  df2  p_value
    0      all zero     4.9501   6  172   0.5698
    1  average zero     1.2598   1  177   0.2632
    """
    if reference not in ("F", "chi2"):
        raise SpecError(f"reference={reference!r} is not valid; use 'F' (exact) or 'chi2'")
    g = _window_indicator(panel, window)
    rows = []
    label = _label(panel, window)
    for idx in _date_groups(panel):
        sys_ = _common_system(panel, idx)
        date = _day0(panel)[idx[0]]
        e = sys_.resid
        n_firms, length = e.shape
        dof = length - panel.k
        ar = sys_.ar
        if dof <= n_firms:
            reason = (
                f"the SUR Wald test on {_iso(date)} needs more common estimation days "
                f"({length}) than firms plus parameters ({n_firms} + {panel.k})"
            )
        elif np.isnan(ar[:, g > 0]).any():
            reason = f"the SUR Wald test on {_iso(date)} needs every firm's AR on {label}"
        else:
            reason = ""
        if reason:  # not applicable: both hypotheses' rows with NaN numbers and the reason
            not_applicable(reason, strict)
            for hypothesis in ("all zero", "average zero"):
                rows.append((date, label, hypothesis, n_firms, *[np.nan] * 4, sys_.refit, reason))
            continue
        sigma = e @ e.T / dof
        gamma = ar[:, g > 0].sum(axis=1)
        v = sigma * _pe_term(sys_.xtx_inv, sys_.x_evt, g)
        w_all = float(gamma @ np.linalg.solve(v, gamma))
        ones = np.ones(n_firms)
        w_avg = float((ones @ gamma) ** 2 / (ones @ v @ ones))
        est = float(gamma.mean())
        df_all = dof - n_firms + 1
        rows.append((date, label, "all zero", n_firms, est, w_all, n_firms, df_all, sys_.refit, ""))
        rows.append((date, label, "average zero", n_firms, est, w_avg, 1, dof, sys_.refit, ""))
    cols = [
        "date",
        "window",
        "hypothesis",
        "n",
        "estimate",
        "statistic",
        "df",
        "df2",
        "refit",
        "reason",
    ]
    out = pd.DataFrame(rows, columns=cols)
    w, df1 = out["statistic"].to_numpy(), out["df"].to_numpy(dtype=float)
    if reference == "F":
        df2 = out["df2"].to_numpy(dtype=float)
        nu = np.where(out["hypothesis"] == "all zero", df2 + df1 - 1, df2)  # L - k
        out["p_value"] = stats.f.sf(w * df2 / (nu * df1), df1, df2)
    else:
        out["df2"] = np.nan
        out["p_value"] = stats.chi2.sf(w, df1)
    out["distribution"] = reference
    out["stars"] = stars_from_p(out["p_value"].to_numpy())
    out.insert(0, "test", "sur_wald")
    return in_result_schema(out, conventions=NO_CONVENTIONS)
