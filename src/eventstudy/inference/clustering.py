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

from ..exceptions import InsufficientDataError, SpecError
from ..panel import EventPanel
from ._core import FloatArray, Window, check_alternative, nanmean, p_values, stars_from_p
from .conventions import Alternative

__all__ = [
    "ResidualCorrelation",
    "clustering",
    "events_share_dates",
    "portfolio_test",
    "residual_correlation",
    "sur_wald_test",
]


def _day0(panel: EventPanel) -> npt.NDArray[np.datetime64]:
    return np.asarray(panel.day0, dtype="datetime64[ns]")


def events_share_dates(panel: EventPanel) -> bool:
    """True when at least two events have overlapping event windows in calendar time."""
    return bool(_overlapping_rows(panel).any())


def _overlapping_rows(panel: EventPanel) -> npt.NDArray[np.bool_]:
    """Events whose event window shares a session with another event's window.

    A row's window dates are distinct, so event *i* overlaps another exactly when one of its
    dates occurs more than once in the whole panel: a sort of the ``n * L2`` dates, no
    ``n x n`` matrix (which needed 66 GiB at 94k events).
    """
    dates = np.asarray(panel.evt_dates, dtype="datetime64[ns]")
    valid = ~np.isnat(dates)
    rows = np.nonzero(valid)[0]
    _, inv, counts = np.unique(dates[valid], return_inverse=True, return_counts=True)
    overlapping = np.zeros(panel.n_events, dtype=bool)
    overlapping[rows[counts[inv] > 1]] = True
    return overlapping


def clustering(panel: EventPanel) -> pd.DataFrame:
    """Event-date clustering diagnostic (one row).

    Returns
    -------
    pandas.DataFrame
        Columns ``n_events``, ``n_dates`` (distinct day-0 sessions), ``largest_cluster``
        (most events on one day 0), ``share_clustered`` (share of events whose day 0 is shared
        with another event), ``share_overlapping`` (share of events whose event window
        overlaps another event's in calendar time) and ``clustered`` (True when any two event
        windows overlap: tests assuming independence are then flagged).
    """
    n = panel.n_events
    d0 = _day0(panel)
    _, inv0, counts = np.unique(d0, return_inverse=True, return_counts=True)
    overlapping = _overlapping_rows(panel)
    return pd.DataFrame(
        {
            "n_events": [n],
            "n_dates": [len(counts)],
            "largest_cluster": [int(counts.max()) if n else 0],
            "share_clustered": [float((counts[inv0] > 1).mean()) if n else 0.0],
            "share_overlapping": [float(overlapping.mean()) if n else 0.0],
            "clustered": [bool(overlapping.any())],
        }
    )


# ----------------------------------------------------------------------------- KP r-bar
@dataclass(frozen=True)
class ResidualCorrelation:
    """Average cross-correlation of estimation-window residuals (Kolari & Pynnönen 2010).

    Attributes
    ----------
    rbar : float
        Average of ``r_ij`` over all pairs ``i < j`` (pairs without common event dates: 0).
    n_pairs_estimated : int
        Pairs with overlapping event windows whose correlation was estimated.
    n_pairs : int
        All pairs.
    matrix : (n, n) ndarray
        Pairwise correlations on common estimation dates (NaN where not estimated), for every
        pair: the tests weight them by the sessions two windows share
        (:func:`shared_session_weights`).
    """

    rbar: float
    n_pairs_estimated: int
    n_pairs: int
    matrix: FloatArray


def residual_correlation(panel: EventPanel, min_common: int = 30) -> ResidualCorrelation:
    """Average pairwise correlation of estimation-window residuals for events sharing dates.

    Parameters
    ----------
    panel : EventPanel
    min_common : int
        Minimum number of common estimation dates for a pair's correlation to be estimated.

    Notes
    -----
    Kolari & Pynnönen (2010, sec. 2): ``r_ij`` is the sample correlation of the residuals
    ``e_iu`` and ``e_ju`` over the calendar dates ``u`` on which both have an
    estimation-window residual (Pearson, pairwise complete). Only pairs whose event windows
    overlap in calendar time are correlated in the event window, so only they contribute;
    the others enter the average as 0:

    .. math:: \\bar r = \\frac{2}{N(N-1)}\\sum_{i<j} r_{ij} \\, 1[\\text{windows overlap}]

    Computed for all pairs at once with matrix products (no loop over events).
    """
    n = panel.n_events
    if n < 2:
        return ResidualCorrelation(0.0, 0, 0, np.full((n, n), np.nan))
    x, m = _calendar_matrix(panel)
    nij = m @ m.T
    sx = x @ m.T  # sx[i, j] = sum of e_i over the dates i shares with j
    sxx = (x * x) @ m.T
    sxy = x @ x.T
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / nij
        var_i = sxx - sx**2 / nij
        r = cov / np.sqrt(var_i * var_i.T)
    estimated = (nij >= min_common) & np.isfinite(r)
    every_day = np.ones(np.asarray(panel.evt_rel).shape[0], dtype=bool)
    use = (shared_session_weights(panel, every_day) > 0) & estimated  # windows overlap
    iu = np.triu_indices(n, 1)
    pairs = use[iu]
    total = len(pairs)
    rbar = float(r[iu][pairs].sum() / total)
    return ResidualCorrelation(rbar, int(pairs.sum()), total, np.where(estimated, r, np.nan))


def shared_session_weights(panel: EventPanel, cols: npt.NDArray[np.bool_]) -> FloatArray:
    """How much two events' (sub-)windows coincide in calendar time: ``w_ij = S_ij /
    sqrt(L_i L_j)``.

    ``S_ij`` is the number of sessions the two windows (the event-grid columns ``cols``)
    share and ``L_i`` the sessions in event *i*'s window. With returns uncorrelated over
    time and contemporaneous correlation ``r_ij``, ``corr(CAR_i, CAR_j) = r_ij w_ij``: 1 for
    the same day 0, 0 for windows without a common session (e.g. day 0 of events on
    different dates). Windows are contiguous sessions, so the overlap of two windows is
    the overlap of two intervals of session positions (no loop over events or days).
    """
    dates = np.asarray(panel.evt_dates, dtype="datetime64[ns]")[:, np.asarray(cols, dtype=bool)]
    if dates.shape[1] == 0:  # an empty window: no session in common
        return np.zeros((dates.shape[0], dates.shape[0]))
    valid = ~np.isnat(dates)
    _, codes = np.unique(dates[valid], return_inverse=True)  # session positions
    pos = np.full(dates.shape, -1, dtype=np.int64)
    pos[valid] = codes
    has = valid.any(axis=1)
    start = np.where(valid, pos, np.iinfo(np.int64).max).min(axis=1)
    end = np.where(valid, pos, -1).max(axis=1)
    length = np.where(has, end - start + 1, 0).astype(float)
    shared = np.minimum.outer(end, end) - np.maximum.outer(start, start) + 1
    shared = np.where(np.outer(has, has), np.clip(shared, 0, None), 0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = shared / np.sqrt(np.outer(length, length))
    return np.nan_to_num(weights, nan=0.0)


def kp_rbar(correlation: FloatArray, weights: FloatArray, present: npt.NDArray[np.bool_]) -> float:
    """Kolari-Pynnönen average correlation of the statistics of the ``present`` events:
    ``2 / (N (N - 1)) * sum_{i<j} r_ij w_ij`` (pairs without an estimated ``r_ij``: 0)."""
    idx = np.flatnonzero(present)
    n = len(idx)
    if n < 2:
        return 0.0
    sub = np.nan_to_num(correlation[np.ix_(idx, idx)]) * weights[np.ix_(idx, idx)]
    return float(sub[np.triu_indices(n, 1)].sum() / (n * (n - 1) / 2))


def _calendar_matrix(panel: EventPanel) -> tuple[FloatArray, FloatArray]:
    """Residuals on the union of estimation dates: values (0 where missing) and a 0/1 mask."""
    dates = np.asarray(panel.est_dates, dtype="datetime64[ns]")
    resid = np.asarray(panel.resid_est, dtype=float)
    valid = ~np.isnat(dates) & ~np.isnan(resid)
    uniq, inv = np.unique(dates[valid], return_inverse=True)
    rows = np.nonzero(valid)[0]
    x = np.zeros((resid.shape[0], len(uniq)))
    m = np.zeros_like(x)
    x[rows, inv] = resid[valid]
    m[rows, inv] = 1.0
    return x, m


# ----------------------------------------------------------------------------- common regressors
def _date_groups(panel: EventPanel) -> list[npt.NDArray[np.int64]]:
    d0 = _day0(panel)
    _, inv = np.unique(d0, return_inverse=True)
    return [np.nonzero(inv == g)[0] for g in range(inv.max() + 1)]


def _window_indicator(panel: EventPanel, window: Window | None) -> npt.NDArray[np.float64]:
    rel = np.asarray(panel.evt_rel)
    if window is None:
        window = (0, 0) if 0 in rel else (int(rel[0]), int(rel[0]))
    a, b = window
    if a > b or a < rel.min() or b > rel.max():
        raise SpecError(f"window {window!r} is outside the event window [{rel.min()}, {rel.max()}]")
    return ((rel >= a) & (rel <= b)).astype(float)


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
    xtx_inv = np.linalg.inv(xc.T @ xc)
    coef = xtx_inv @ xc.T @ y[:, common].T  # (2, n_c)
    e = y[:, common] - (xc @ coef).T
    ar = np.asarray(p.ret_evt, dtype=float)[idx] - (np.nan_to_num(x_evt) @ coef).T
    missing_x = np.asarray(np.isnan(x_evt).any(axis=1))
    ar = np.where(missing_x[None, :], np.nan, ar)
    return _System(xtx_inv, x_evt, e, ar, True)


def _pe_term(xtx_inv: FloatArray, x: FloatArray, g: FloatArray) -> float:
    """``g'g + (X_w g)'(X'X)^{-1}(X_w g)`` for one common design."""
    if xtx_inv.size == 0:
        return float(g @ g)
    xg = np.nan_to_num(x).T @ g
    return float(g @ g + xg @ xtx_inv @ xg)


# ----------------------------------------------------------------------------- portfolio approach
def portfolio_test(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Portfolio approach for clustered dates: one equally weighted portfolio per event date.

    Parameters
    ----------
    panel : EventPanel
    windows : list of (start, end), optional
        CAR windows (default: day 0 when on the grid, else the first event day).
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    pandas.DataFrame
        One row per (event date, window): ``date, window, n, estimate`` (portfolio CAR),
        ``statistic, p_value, distribution, df, stars``.

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
    ``e + a + b m``; column ``refit`` says so); other models raise ``SpecError``. Student t
    with ``L - k`` df.
    """
    check_alternative(alternative)
    wins: list[Window | None] = list(windows) if windows is not None else [None]
    rows = []
    for idx in _date_groups(panel):
        sys_ = _common_system(panel, idx)
        e_p = sys_.resid.mean(axis=0)
        dof = len(e_p) - panel.k
        if dof < 2:
            raise InsufficientDataError("a date portfolio has fewer than k + 2 estimation days")
        s2 = float(e_p @ e_p / dof)
        ar_p = nanmean(sys_.ar, 0)
        for w in wins:
            g = _window_indicator(panel, w) * np.isfinite(ar_p)
            car = float(np.nansum(ar_p * g))
            stat = car / np.sqrt(s2 * _pe_term(sys_.xtx_inv, sys_.x_evt, g))
            day = _day0(panel)[idx[0]]
            rows.append((day, _label(panel, w), len(idx), car, stat, dof, sys_.refit))
    cols = ["date", "window", "n", "estimate", "statistic", "df", "refit"]
    out = pd.DataFrame(rows, columns=cols)
    out["p_value"] = p_values(out["statistic"].to_numpy(), "t", out["df"].to_numpy(), alternative)
    out["distribution"] = "t"
    out["alternative"] = alternative
    out["stars"] = stars_from_p(out["p_value"].to_numpy())
    out.insert(0, "test", "portfolio")
    return out


def _label(panel: EventPanel, w: Window | None) -> str:
    g = _window_indicator(panel, w)
    rel = np.asarray(panel.evt_rel)[g > 0]
    return f"[{int(rel[0])}, {int(rel[-1])}]"


# ----------------------------------------------------------------------------- SUR Wald
def sur_wald_test(panel: EventPanel, window: Window | None = None) -> pd.DataFrame:
    """Multivariate regression with event-day dummies (SUR) and its Wald tests, per event date.

    Parameters
    ----------
    panel : EventPanel
    window : (start, end), optional
        Event days whose dummies are summed (default: day 0). The tested effect of firm *i* is
        ``gamma_i = g'AR_i``, the sum of its event-day dummy coefficients over the window.

    Returns
    -------
    pandas.DataFrame
        Two rows per event date: ``hypothesis`` = ``"all zero"`` (``chi2(N)``) and
        ``"average zero"`` (``chi2(1)``), with ``statistic``, ``df``, ``p_value``, ``n``,
        ``estimate`` (the average effect).

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

    Wald statistics: ``W_all = gamma' V^{-1} gamma ~ chi2(N)`` and
    ``W_avg = (1'gamma)^2 / (1'V 1) ~ chi2(1)``. Needs ``L - k > N`` common estimation days.
    Unbalanced market-model panels are re-estimated on the common days, as in
    :func:`portfolio_test` (column ``refit``).
    """
    g = _window_indicator(panel, window)
    rows = []
    for idx in _date_groups(panel):
        sys_ = _common_system(panel, idx)
        e = sys_.resid
        n_firms, length = e.shape
        dof = length - panel.k
        if dof <= n_firms:
            raise InsufficientDataError(
                f"the SUR Wald test on {_day0(panel)[idx[0]]} needs more common estimation days "
                f"({length}) than firms plus parameters ({n_firms} + {panel.k})"
            )
        sigma = e @ e.T / dof
        ar = sys_.ar
        if np.isnan(ar[:, g > 0]).any():
            raise InsufficientDataError(
                "the SUR Wald test needs every firm's AR on the window days"
            )
        gamma = ar[:, g > 0].sum(axis=1)
        v = sigma * _pe_term(sys_.xtx_inv, sys_.x_evt, g)
        w_all = float(gamma @ np.linalg.solve(v, gamma))
        ones = np.ones(n_firms)
        w_avg = float((ones @ gamma) ** 2 / (ones @ v @ ones))
        date = _day0(panel)[idx[0]]
        label = _label(panel, window)
        est = float(gamma.mean())
        rows.append((date, label, "all zero", n_firms, est, w_all, n_firms, sys_.refit))
        rows.append((date, label, "average zero", n_firms, est, w_avg, 1, sys_.refit))
    cols = ["date", "window", "hypothesis", "n", "estimate", "statistic", "df", "refit"]
    out = pd.DataFrame(rows, columns=cols)
    out["p_value"] = stats.chi2.sf(out["statistic"].to_numpy(), out["df"].to_numpy())
    out["distribution"] = "chi2"
    out["stars"] = stars_from_p(out["p_value"].to_numpy())
    out.insert(0, "test", "sur_wald")
    return out
