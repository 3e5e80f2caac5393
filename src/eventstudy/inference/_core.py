"""Shared machinery of the tests: panel checks, NaN-safe reductions, SARs, windows, tidy rows.

Everything here works on whole ``(n, L)`` arrays at once; nothing loops over events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..engine.abnormal import car as abnormal_car
from ..engine.abnormal import car_var_factor, prediction_error_factor
from ..engine.panel import EventPanel, check_window, window_label
from ..exceptions import DataError, InsufficientDataError, SpecError
from . import _correlation

# the leaf helpers live in _stats (no cycle with clustering); the test modules import
# them from here as well, hence the re-exports
from ._stats import (  # noqa: F401
    RESULT_COLUMNS,
    BoolArray,
    FloatArray,
    Window,
    check_alternative,
    combine_tails,
    count,
    in_result_schema,
    memo_for,
    nanmean,
    nanvar,
    p_values,
    stars_from_p,
    window_sum,
)
from .conventions import Conventions, check_return_kind
from .kp_rbar import KPLayout, kp_layout, kp_rbars


# ----------------------------------------------------------------------------- panel checks
def check_panel(panel: EventPanel, conventions: Conventions, remote: Any = None) -> None:
    """Raise a specific error when the panel cannot support the tests (``remote``: the
    estimation-window residuals are held by Dask workers, who check them)."""
    if not isinstance(panel, EventPanel):
        raise SpecError(f"expected an EventPanel, got {type(panel).__name__}")
    n, l2 = panel.ar.shape
    if n == 0:
        raise InsufficientDataError("the event panel holds no events; nothing to test")
    if panel.resid_est.ndim != 2 or panel.resid_est.shape[0] != n:
        raise DataError(
            f"resid_est has shape {panel.resid_est.shape}; expected ({n}, L1) like ar {panel.ar.shape}"
        )
    if panel.sigma2.shape != (n,) or panel.dof.shape != (n,):
        raise DataError(f"sigma2 and dof must have shape ({n},)")
    if len(panel.evt_rel) != l2 or len(panel.est_rel) != panel.resid_est.shape[1]:
        raise DataError("evt_rel / est_rel do not match the widths of ar / resid_est")
    on_workers = bool(panel.meta.get("estimation_window_on_workers"))
    if remote is None and (on_workers or held_elsewhere(panel.resid_est)):
        raise DataError(
            "this panel's estimation-window residuals are held by the Dask workers "
            "(fit_dask(..., gather=False)); gather the panel (fit_dask(...)) for this computation"
        )
    inf_est = remote.est_stats()["has_inf"] if remote is not None else None
    if inf_est is None:
        inf_est = bool(np.isinf(panel.resid_est).any())
    if np.isinf(panel.ar).any() or inf_est:
        raise DataError("the panel contains infinite abnormal returns; check the input returns")
    check_return_kind(panel, conventions)


def normalise_windows(panel: EventPanel, windows: Sequence[Window] | None) -> list[Window]:
    """CAR windows as ``(start, end)`` in the units of ``evt_rel`` (default: the whole window)."""
    rel = np.asarray(panel.evt_rel)
    if windows is None:
        return [(int(rel[0]), int(rel[-1]))]
    out: list[Window] = []
    for w in windows:
        out.append(check_window(rel, w))
    return out


def held_elsewhere(x: Any) -> bool:
    """Whether ``x`` is the placeholder of an array held by Dask workers: a read-only,
    zero-stride ``(n, L)`` view of one NaN (``eventstudy.parallel.fit_dask(gather=False)``)."""
    return (
        isinstance(x, np.ndarray)
        and x.ndim == 2
        and x.size > 1
        and x.strides == (0, 0)
        and not x.flags.writeable
    )


# ----------------------------------------------------------------------------- context
class Context:
    """Quantities shared by the tests, computed once per panel and conventions."""

    @classmethod
    def of(cls, panel: EventPanel, conventions: Conventions) -> Context:
        """The one context of ``panel`` under ``conventions`` (built on first use and kept
        with the panel): every test run on the same panel and conventions shares it."""
        contexts = memo_for(panel).setdefault("contexts", {})
        ctx = contexts.get(conventions)
        if ctx is None:
            ctx = contexts[conventions] = cls(panel, conventions)
        return ctx

    def __init__(self, panel: EventPanel, conventions: Conventions) -> None:
        #: the reductions over the estimation window when Dask workers hold it (the
        #: panel's ``resid_est`` is then a placeholder; ``eventstudy.parallel``), else None
        self.remote: Any = memo_for(panel).get("remote")
        check_panel(panel, conventions, self.remote)
        self.panel = panel
        self.conv = conventions
        self.ar: FloatArray = np.asarray(panel.ar, dtype=float)
        self._est: FloatArray = np.asarray(panel.resid_est, dtype=float)
        self.n = self.ar.shape[0]
        self.rel = np.asarray(panel.evt_rel, dtype=np.int64)

    @property
    def est(self) -> FloatArray:
        """The estimation-window residuals ``(n, L1)`` (not on this machine when Dask
        workers hold them: the computations that need them ask ``remote`` instead)."""
        if self.remote is not None:
            raise DataError(
                "this panel's estimation-window residuals are held by the Dask workers "
                "(fit_dask(..., gather=False)); gather the panel for this computation"
            )
        return self._est

    _AR_FREE = (
        "n_est",
        "sigma2",
        "xtx_inv_and_x",
        "pe_factor",
        "patell_var",
        "residual_corr",
        "kp_layout",
        "aar_est",
        "grank_base",
    )

    def with_ar(self, ar: FloatArray) -> Context:
        """The same events with other event-window ARs (e.g. planted abnormal returns),
        reusing everything computed from the estimation window."""
        new = Context(replace(self.panel, ar=ar), self.conv)
        for name in self._AR_FREE:
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name]
        return new

    @cached_property
    def aar_est(self) -> FloatArray:
        """Mean estimation-window residual across events, per estimation day."""
        if self.remote is not None:  # column sums and counts of the workers' partitions
            st = self.remote.est_stats()
            c, s = st["est_count"], st["est_sum"]
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(c > 0, s / np.maximum(c, 1), np.nan)
        return nanmean(self.est, 0)

    @cached_property
    def residual_corr(self) -> FloatArray:
        """Pairwise correlations of estimation-window residuals (Kolari-Pynnönen ``r_ij``)."""
        memo = memo_for(self.panel)  # it needs no conventions: one per panel
        if "residual_corr" not in memo:
            memo["residual_corr"] = _correlation.residual_correlation(self.panel).matrix
        return memo["residual_corr"]

    def kp_rbar(self, cols: BoolArray, present: BoolArray) -> float:
        """Kolari-Pynnönen ``r_bar`` of the statistics over the event-grid columns ``cols``
        of the ``present`` events: ``r_ij`` weighted by the sessions their windows share."""
        return float(self.kp_rbars(np.asarray(cols, dtype=bool)[None, :], present[:, None])[0])

    @cached_property
    def kp_layout(self) -> KPLayout:
        """Events grouped by identical window dates, for :func:`~.kp_rbar.kp_rbars` (one
        per panel: it needs no conventions, so every context of the panel shares it)."""
        memo = memo_for(self.panel)
        if "kp_layout" not in memo:
            memo["kp_layout"] = kp_layout(self.panel)
        layout: KPLayout = memo["kp_layout"]
        return layout

    def kp_rbars(self, col_sets: BoolArray, present: BoolArray) -> FloatArray:
        """:meth:`kp_rbar` for several column sets (rows of ``col_sets``; ``present`` is
        ``(n, C)``) in one pass over group sums: no ``n x n`` matrix (issue 14); by blocks
        of dates on the Dask workers when they hold the residuals."""
        if self.remote is not None:
            return self.remote.kp_rbars(col_sets, present, self.kp_layout)
        return kp_rbars(self.panel, col_sets, present, layout=self.kp_layout)

    # -- presence and firm sums
    @cached_property
    def present(self) -> BoolArray:
        return ~np.isnan(self.ar)

    @cached_property
    def n_t(self) -> npt.NDArray[np.int64]:
        return self.present.sum(axis=0)

    def firm_sum(self, x: FloatArray) -> FloatArray:
        """Sum over firms (axis 0) per day, by the ``firm_sum`` convention; NaN if none present."""
        c = count(x, 0)
        s = np.nansum(x, axis=0)
        if self.conv.firm_sum == "rowmean_times_n":
            s = s * x.shape[0] / np.maximum(c, 1)
        return np.where(c > 0, s, np.nan)

    @cached_property
    def aar(self) -> FloatArray:
        return nanmean(self.ar, 0)

    # -- variances
    @cached_property
    def n_est(self) -> npt.NDArray[np.int64]:
        """Estimation-window observations per event (the panel's complete-case ``nobs``)."""
        return np.asarray(self.panel.nobs, dtype=np.int64)

    @cached_property
    def sigma2(self) -> FloatArray:
        if self.remote is not None and self.conv.residual_variance in ("sample", "mle"):
            s2 = self.remote.sigma2(self.conv.residual_variance)
        elif self.conv.residual_variance == "sample":
            s2 = nanvar(self.est, 1, ddof=1)
        elif self.conv.residual_variance == "mle":
            s2 = np.nansum(self.est**2, axis=1) / np.maximum(count(self.est, 1), 1)
        else:
            s2 = np.asarray(self.panel.sigma2, dtype=float)
        bad = ~(s2 > 0)
        if bad.any():
            ids = list(np.asarray(self.panel.event_id)[bad][:5])
            raise InsufficientDataError(
                f"events {ids} have no positive estimation-window residual variance; "
                "they need more estimation observations"
            )
        return s2

    @cached_property
    def xtx_inv_and_x(self) -> tuple[FloatArray, FloatArray] | None:
        """``(X'X)^{-1}`` and event-window regressors for the prediction-error term (or None)."""
        p = self.panel
        if not self.conv.prediction_error or p.k == 0 or self.model_var_ratio is not None:
            return None
        if self.conv.market_moments == "all_dates":
            return self._all_dates_moments()
        if p.xtx_inv is None or p.x_evt is None:
            raise SpecError(
                "the prediction-error correction needs xtx_inv and x_evt in the panel; "
                "use Conventions(prediction_error=False) for this model"
            )
        return np.asarray(p.xtx_inv, dtype=float), np.asarray(p.x_evt, dtype=float)

    def _all_dates_moments(self) -> tuple[FloatArray, FloatArray]:
        """estudy2's market-model term: ``X'X`` from all estimation dates of the market."""
        p = self.panel
        if not p.has("market_est") or p.market_evt is None or p.k != 2:
            raise SpecError(
                "market_moments='all_dates' applies to a market model (k = 2) with market_est "
                "and market_evt in the panel"
            )
        if self.remote is not None:  # per-event moments from the workers
            mbar, ss = self.remote.market_moments()
        else:
            m = np.asarray(p.market_est, dtype=float)
            mbar = nanmean(m, 1)
            ss = np.nansum((m - mbar[:, None]) ** 2, axis=1)
        big_l = self.n_est.astype(float)
        # inverse of [[L, L mbar], [L mbar, SS + L mbar^2]] gives 1 + 1/L + (m - mbar)^2 / SS
        xtx = np.empty((self.n, 2, 2))
        xtx[:, 0, 0] = big_l
        xtx[:, 0, 1] = xtx[:, 1, 0] = big_l * mbar
        xtx[:, 1, 1] = ss + big_l * mbar**2
        x = np.stack([np.ones_like(p.market_evt, dtype=float), p.market_evt], axis=2)
        return np.asarray(np.linalg.inv(xtx), dtype=float), np.asarray(x, dtype=float)

    @cached_property
    def model_var_ratio(self) -> FloatArray | None:
        """``h_it / sigma_i^2`` for a model that supplies its own event-window variances
        (GARCH: :attr:`EventPanel.conditional_var_ar`), when the prediction-error convention
        is on; else None.

        The correction for such a model is its conditional variance: ``sigma_i^2 C_it`` with
        ``C_it`` this ratio is ``h_it``, so the SARs are ``AR_it / sqrt(h_it)`` (Savickas 2003,
        "Event-induced volatility and tests for abnormal performance", *Journal of Financial
        Research* 26, 165-178) and ``Var(CAR_i) = sum_t h_it`` over the window's days.
        """
        h = self.panel.conditional_var_ar
        if h is None or not self.conv.prediction_error:
            return None
        s2 = np.asarray(self.panel.sigma2, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(h, dtype=np.float64) / s2[:, None]

    @cached_property
    def pe_factor(self) -> FloatArray:
        """``C_it = 1 + x_t'(X'X)^{-1}x_t`` (or 1 without the correction; the model's
        variance ratio for GARCH, :attr:`model_var_ratio`), shape (n, L2)."""
        if self.model_var_ratio is not None:
            return self.model_var_ratio
        mats = self.xtx_inv_and_x
        if mats is None:
            return np.ones_like(self.ar)
        xtx_inv, x = mats
        return prediction_error_factor(x, xtx_inv)

    @cached_property
    def sar(self) -> FloatArray:
        """Standardised abnormal returns ``AR_it / sqrt(sigma_i^2 C_it)`` (Patell 1976)."""
        return self.ar / np.sqrt(self.sigma2[:, None] * self.pe_factor)

    @cached_property
    def patell_var(self) -> FloatArray:
        """Variance of a SAR under H0, ``(L_i - k) / (L_i - k - 2)`` (Student t with L_i - k df)."""
        dof = np.asarray(self.panel.dof, dtype=float)
        if (dof <= 2).any():
            raise InsufficientDataError(
                "Patell-type standardisation needs more than k + 2 estimation observations per event"
            )
        return dof / (dof - 2.0)

    # -- windows
    def window_days(self, window: Window) -> BoolArray:
        """Columns of the event grid inside ``window`` that enter a CAR (coverage rule)."""
        cols = (self.rel >= window[0]) & (self.rel <= window[1])
        coverage = 100.0 * self.n_t / self.n
        return cols & (coverage > self.conv.car_min_coverage) & (self.n_t > 0)

    def car(self, cols: BoolArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        """CAR_i over the window's available days (NaN if none) and the number of days summed
        (:func:`eventstudy.engine.abnormal.car`, the one CAR)."""
        return abnormal_car(self.ar, cols)

    def car_var_factor(self, cols: BoolArray) -> FloatArray:
        """``g'g + (X_w g)'(X'X)^{-1}(X_w g)`` with ``g`` the available days of the window.

        Campbell, Lo & MacKinlay (1997, eq. 4.4.13): ``Var(CAR_i) = sigma_i^2`` times this factor.
        Computed once per context and window (the tests of one run share it), from the
        window's columns only (days outside it add zeros).
        """
        cols = np.asarray(cols, dtype=bool)
        store = self.__dict__.setdefault("_car_var_factors", {})
        key = cols.tobytes()
        if key not in store:
            ok = self.present[:, cols]
            mats = self.xtx_inv_and_x
            if self.model_var_ratio is not None:  # GARCH: sum of h_it / sigma_i^2
                ratio = self.model_var_ratio[:, cols]
                store[key] = np.where(ok, ratio, 0.0).sum(axis=1)
            elif mats is None:
                store[key] = car_var_factor(ok, None, None)
            else:
                xtx_inv, x = mats
                store[key] = car_var_factor(ok, np.nan_to_num(x[:, cols]), xtx_inv)
            store[key].flags.writeable = False  # shared by the tests of the run
        factor: FloatArray = store[key]
        return factor

    def scar(self, cols: BoolArray) -> FloatArray:
        """Standardised CAR ``CAR_i / sqrt(Var(CAR_i))`` with the full prediction-error covariance."""
        car, _ = self.car(cols)
        return car / np.sqrt(self.sigma2 * self.car_var_factor(cols))

    # -- calendar
    @cached_property
    def common_dates(self) -> npt.NDArray[np.datetime64]:
        """Calendar date of each event-grid column when all events share it, else NaT."""
        d = np.asarray(self.panel.evt_dates, dtype="datetime64[ns]")
        first = d[0]
        same = (d == first[None, :]).all(axis=0)
        return np.where(same, first, np.datetime64("NaT", "ns"))


# ----------------------------------------------------------------------------- results
@dataclass
class Rows:
    """Per-row numbers of one test (daily or per window) before they become a DataFrame.

    What a test's daily and window functions return (see :class:`TestSpec`): one entry per
    event day or per CAR window. :func:`run_tests` adds the row labels, the significance
    stars (from ``p_value`` unless given), the conventions and the clustering flag.

    Parameters
    ----------
    estimate : numpy.ndarray
        The AAR (daily rows) or CAAR (window rows).
    statistic, p_value : numpy.ndarray
        The test statistic and its p-value (:func:`p_values`).
    distribution : str or sequence of str
        ``"normal"`` or ``"t"`` (one for all rows or one per row).
    df : numpy.ndarray
        Degrees of freedom of a t reference (NaN for the normal).
    n : numpy.ndarray of int
        Events in each row.
    stars : numpy.ndarray, optional
        Significance stars; ``None`` derives them from ``p_value``.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.inference import Rows, p_values
    >>> z = np.array([2.5, -0.4])
    >>> rows = Rows(
    ...     estimate=np.array([0.012, -0.002]),
    ...     statistic=z,
    ...     p_value=p_values(z, "normal", None, "two-sided"),
    ...     distribution="normal",
    ...     df=np.full(2, np.nan),
    ...     n=np.array([30, 30]),
    ... )
    >>> np.round(rows.p_value, 4)
    array([0.0124, 0.6892])
    """

    estimate: FloatArray
    statistic: FloatArray
    p_value: FloatArray
    distribution: str | Sequence[str]
    df: FloatArray
    n: npt.NDArray[np.int64]
    stars: npt.NDArray[np.object_] | None = None


#: one test's result rows as plain column arrays (see :func:`frame_from_columns`)
Columns = dict[str, npt.NDArray[Any]]


def daily_columns(
    test: str, ctx: Context, rows: Rows, alternative: str, clustered: bool
) -> Columns:
    rel = np.asarray(ctx.rel)
    return _columns(
        test,
        window=np.full(len(rel), None, dtype=object),
        rel_day=rel.astype(object),
        start=rel.astype(object),
        end=rel.astype(object),
        date=ctx.common_dates,
        rows=rows,
        alternative=alternative,
        clustered=clustered,
        conv=ctx.conv,
    )


def window_columns(
    test: str,
    ctx: Context,
    windows: Sequence[Window],
    rows: Rows,
    alternative: str,
    clustered: bool,
) -> Columns:
    return _columns(
        test,
        window=np.array([window_label(w) for w in windows], dtype=object),
        rel_day=np.full(len(windows), None, dtype=object),
        start=np.array([a for a, _ in windows], dtype=object),
        end=np.array([b for _, b in windows], dtype=object),
        date=np.full(len(windows), np.datetime64("NaT", "ns")),
        rows=rows,
        alternative=alternative,
        clustered=clustered,
        conv=ctx.conv,
    )


def _columns(
    test: str,
    *,
    window: npt.NDArray[np.object_],
    rel_day: npt.NDArray[np.object_],
    start: npt.NDArray[np.object_],
    end: npt.NDArray[np.object_],
    date: Any,
    rows: Rows,
    alternative: str,
    clustered: bool,
    conv: Conventions,
) -> Columns:
    m = len(start)
    stars = rows.stars if rows.stars is not None else stars_from_p(rows.p_value)
    dist = [rows.distribution] * m if isinstance(rows.distribution, str) else rows.distribution

    def repeat(value: object) -> npt.NDArray[np.object_]:
        return np.full(m, value, dtype=object)

    return {
        "test": repeat(test),
        "window": window,
        "rel_day": rel_day,
        "start": start,
        "end": end,
        "date": np.asarray(date, dtype="datetime64[ns]"),
        "estimate": np.asarray(rows.estimate, dtype=float),
        "statistic": np.asarray(rows.statistic, dtype=float),
        "p_value": np.asarray(rows.p_value, dtype=float),
        "alternative": repeat(alternative),
        "distribution": np.asarray(list(dist), dtype=object),
        "df": np.asarray(rows.df, dtype=float) * np.ones(m),
        "n": np.asarray(rows.n, dtype=np.int64) * np.ones(m, dtype=np.int64),
        "stars": np.asarray(list(stars), dtype=object),
        "clustered": np.full(m, clustered, dtype=bool),
        "conventions": repeat(conv.describe()),
    }


def frame_from_columns(parts: Sequence[Columns]) -> pd.DataFrame:
    """One tidy result frame from the column arrays of several tests (one construction:
    building a DataFrame per test dominated the cost of a small study)."""
    col = {c: np.concatenate([p[c] for p in parts]) for c in RESULT_COLUMNS}
    return pd.DataFrame(
        {
            "test": col["test"].astype(str),
            "window": pd.array(col["window"], dtype="string"),
            "rel_day": pd.array(col["rel_day"], dtype="Int64"),
            "start": pd.array(col["start"], dtype="Int64"),
            "end": pd.array(col["end"], dtype="Int64"),
            "date": pd.to_datetime(col["date"]),
            "estimate": col["estimate"],
            "statistic": col["statistic"],
            "p_value": col["p_value"],
            "alternative": col["alternative"].astype(str),
            "distribution": col["distribution"].tolist(),
            "df": col["df"],
            "n": col["n"],
            "stars": col["stars"].tolist(),
            "clustered": col["clustered"],
            "conventions": col["conventions"].tolist(),
        },
        columns=RESULT_COLUMNS,
    )


def empty_result() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in RESULT_COLUMNS})
