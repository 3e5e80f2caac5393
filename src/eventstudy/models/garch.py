"""The market model with GARCH(1,1) errors (Bollerslev 1986), fitted with ``arch``."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from ..exceptions import GarchConvergenceWarning, SpecError, user_stacklevel
from .base import (
    BoolArray,
    Design,
    FloatArray,
    IntArray,
    ModelData,
    ModelFit,
    _complete,
    _SingleMarketModel,
)
from .linear import MarketModel

#: Units of the columns of ``model_notes["garch_params"]`` (``nu`` only with ``dist="t"``).
GARCH_PARAM_UNITS: dict[str, str] = {
    "alpha": "decimal daily return (mean intercept, arch's Const / 100)",
    "beta": "unitless (market slope)",
    "omega": "percent^2 (daily variance of percent returns, as arch fits them)",
    "alpha[1]": "unitless (ARCH coefficient)",
    "beta[1]": "unitless (GARCH coefficient)",
    "nu": "unitless (Student t degrees of freedom)",
}

#: Starting points of the GARCH likelihood after arch's own (``None``): ``(alpha[1], beta[1])``
#: with ``omega = s^2 (1 - alpha[1] - beta[1])`` (``s^2`` the OLS residual variance, so every
#: start has the sample's unconditional variance), the mean from OLS and ``nu = 8`` for
#: Student t. They span high persistence with little news (0.02, 0.97), the usual daily-equity
#: fit (0.05, 0.90), more news (0.10, 0.80; 0.15, 0.60) and almost no persistence (0.20, 0.30).
GARCH_STARTS: tuple[tuple[float, float] | None, ...] = (
    None,
    (0.05, 0.90),
    (0.02, 0.97),
    (0.10, 0.80),
    (0.15, 0.60),
    (0.20, 0.30),
)
#: a later start replaces the incumbent only when it raises the log-likelihood by more than this
GARCH_LOGLIK_TOL = 1e-6
#: optimiser tolerance (scipy's SLSQP ``ftol``) of every fit: tighter than arch's default, so
#: that fits from different starts that reach one optimum agree on its likelihood to ~1e-8
GARCH_TOL = 1e-8
GARCH_VARIANCES: tuple[str, ...] = ("filter", "forecast")


@dataclass(frozen=True)
class GarchMarketModel(_SingleMarketModel):
    """Market model with GARCH(1,1) errors (Bollerslev 1986), fitted with ``arch``.

    Parameters
    ----------
    market : str
        Returns column of the market.
    dist : {"normal", "t"}
        Innovation distribution.
    starts : int
        How many of the starting points :data:`GARCH_STARTS` to try (1 = arch's default
        only; default all six). The fit with the highest log-likelihood is kept.
    variance : {"filter", "forecast"}
        Event-window ``Var(AR_t)``: ``"filter"`` runs the GARCH recursion on through the event
        window on the event-window residuals (a day-0 shock raises days +1, +2, ...);
        ``"forecast"`` is the forecast made at the end of the estimation window (event-window
        returns do not enter).

    Notes
    -----
    ``R_t = alpha + beta R_mt + e_t``, ``e_t = sqrt(h_t) z_t``,
    ``h_t = omega + a e_{t-1}^2 + b h_{t-1}``, ``z_t`` normal or standardised Student t,
    fitted by maximum likelihood on the estimation-window complete cases (returns scaled
    to percent, as arch expects), from each starting point of :data:`GARCH_STARTS`; the fit
    with the highest log-likelihood among those that converge is kept (a later start must
    beat the incumbent by :data:`GARCH_LOGLIK_TOL`, so arch's default wins ties). Every fit
    uses the optimiser tolerance :data:`GARCH_TOL`.

    The event-window variances continue from the estimation fit's last conditional
    variance ``h_T`` and residual ``e_T`` (no new backcast on a longer sample):
    ``h_{T+1} = omega + a e_T^2 + b h_T``, then ``h_{s+1} = omega + a e_s^2 + b h_s`` on
    observed event-window days (``variance="filter"``) and
    ``h_{s+1} = omega + (a + b) h_s`` (the conditional expectation, ``E e_s^2 = h_s``) on
    sessions without a residual - the sessions between the estimation and event windows,
    missing days - and on every day with ``variance="forecast"``, which is then arch's
    analytic multi-step forecast from the end of the estimation window. ``h_t`` is
    ``Var(AR_t)`` (no parameter-uncertainty term). ``sigma^2`` reports ``SSR / (n - 2)`` of
    the estimation residuals. ``arch`` fits one series at a time: this is the one model
    that loops over events (the variance recursion is vectorised across events). An event
    where no start converges falls back to the OLS market model with a
    :class:`GarchConvergenceWarning`; the ids of those events are listed in
    ``results.meta["model_notes"]["garch_fallback"]``. Requires the optional extra
    ``eventstudy[garch]``.

    The per-event GARCH estimates are ``results.meta["model_notes"]["garch_params"]``
    (NaN rows for fallbacks), columns named by ``model_notes["garch_param_names"]`` with
    units in ``model_notes["garch_param_units"]`` (:data:`GARCH_PARAM_UNITS`): the mean
    ``alpha`` is a decimal daily return and ``beta`` unitless, the variance intercept
    ``omega`` is in percent² (daily variance of percent returns, as ``arch`` fits them:
    divide by 10,000 for decimal²), ``alpha[1]`` and ``beta[1]`` are unitless, and so is
    the Student t ``nu`` (degrees of freedom). Each event's maximised log-likelihood (of the
    percent returns) is ``model_notes["garch_loglik"]``, whether the kept fit converged
    ``model_notes["garch_converged"]``, which start won ``model_notes["garch_start"]`` (index
    into :data:`GARCH_STARTS`; -1 for a fallback) and how many starts converged
    ``model_notes["garch_n_converged"]``.

    Examples
    --------
    >>> from eventstudy import GarchMarketModel
    >>> GarchMarketModel("SPY", starts=6, variance="forecast").variance
    'forecast'
    """

    dist: Literal["normal", "t"] = "normal"
    starts: int = len(GARCH_STARTS)
    variance: Literal["filter", "forecast"] = "filter"
    key: ClassVar[str] = "garch"
    name: ClassVar[str] = "GARCH(1,1) market model"

    def __post_init__(self) -> None:
        if self.dist not in {"normal", "t"}:
            raise SpecError(f"GarchMarketModel(dist={self.dist!r}); use 'normal' or 't'")
        if isinstance(self.starts, bool) or not 1 <= int(self.starts) <= len(GARCH_STARTS):
            raise SpecError(
                f"GarchMarketModel(starts={self.starts!r}); use 1 to {len(GARCH_STARTS)} "
                "starting points (1 = arch's default only)"
            )
        if self.variance not in GARCH_VARIANCES:
            raise SpecError(
                f"GarchMarketModel(variance={self.variance!r}); use 'filter' or 'forecast'"
            )

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        """The market model's design, plus ``aux_est["gap"]``: the sessions between the estimation
        and the event window, over which the conditional variance is carried forward.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, GarchMarketModel
        >>> rng = np.random.default_rng(0)
        >>> mkt = rng.normal(0.0, 0.01, 80)
        >>> firm = 0.001 + 1.2 * mkt + rng.normal(0.0, 0.002, 80)
        >>> data = ModelData(np.vstack([np.column_stack([firm, mkt]), [np.nan, np.nan]]), {"A": 0, "M": 1})
        >>> pos_est, pos_evt = np.arange(10, 70)[None, :], np.arange(72, 77)[None, :]
        >>> design = GarchMarketModel("M").design(data, pos_est, pos_evt, np.array([0]), np.array([1]))
        >>> design.aux_est["gap"]  # sessions 70 and 71
        array([2.])
        """
        design = MarketModel(self.market).design(data, pos_est, pos_evt, ret_col, mkt_col)
        # sessions between the estimation and the event window (no residual on them)
        design.aux_est["gap"] = (pos_evt[:, 0] - pos_est[:, -1] - 1).astype(float)
        return design

    def estimate(self, design: Design, chunk_size: int = 20_000) -> ModelFit:
        """One GARCH(1,1) market-model fit per event (``arch``), kept best of the starting points;
        the event-window variances ``var_evt`` follow the recursion of the class notes.

        Events where no start converges use the OLS market model (a
        :class:`~eventstudy.exceptions.GarchConvergenceWarning` names how many). Needs the optional
        ``arch`` package.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import GarchMarketModel, ModelData
        >>> rng = np.random.default_rng(0)
        >>> mkt = rng.normal(0.0, 0.01, 300)
        >>> firm = 0.001 + 1.2 * mkt + 0.01 * rng.standard_t(5, 300)
        >>> data = ModelData(np.vstack([np.column_stack([firm, mkt]), [np.nan, np.nan]]), {"A": 0, "M": 1})
        >>> pos_est, pos_evt = np.arange(0, 250)[None, :], np.arange(260, 265)[None, :]
        >>> model = GarchMarketModel("M", starts=1)
        >>> fit = model.estimate(model.design(data, pos_est, pos_evt, np.array([0]), np.array([1])))
        >>> fit.notes["garch_converged"], fit.var_evt.shape, fit.notes["garch_param_names"]
        (array([ True]), (1, 5), ['alpha', 'beta', 'omega', 'alpha[1]', 'beta[1]'])
        """
        try:
            from arch import arch_model
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise SpecError(
                "GarchMarketModel needs the optional package 'arch': pip install eventstudy[garch]"
            ) from exc
        fit = super().estimate(design, chunk_size)  # OLS: starting point and fallback
        n, L2 = design.y_evt.shape
        width = 5 if self.dist == "normal" else 6
        garch_params = np.full((n, width), np.nan)
        last = np.full((n, 2), np.nan)  # e_T and h_T of the estimation fit (percent units)
        record = {
            "garch_loglik": np.full(n, np.nan),
            "garch_converged": np.zeros(n, dtype=bool),
            "garch_start": np.full(n, -1, dtype=np.int64),
            "garch_n_converged": np.zeros(n, dtype=np.int64),
        }
        mask_evt = _complete(design.y_evt, design.X_evt)
        failed: list[int] = []
        for i in range(n):  # arch fits one series at a time (documented exception)
            if fit.singular[i] or not np.isfinite(fit.sigma2[i]):
                continue
            res = _fit_one_garch(arch_model, design, mask_evt, i, self.dist, int(self.starts))
            if res is None:
                failed.append(i)
                continue
            garch_params[i, : len(res.params)] = res.params
            fit.params[i] = res.params[:2]
            fit.resid_est[i] = res.resid_est
            last[i] = res.last
            record["garch_loglik"][i] = res.loglik
            record["garch_converged"][i] = True
            record["garch_start"][i] = res.start
            record["garch_n_converged"][i] = res.n_converged
        used_garch = np.isfinite(garch_params[:, 0])
        h = garch_event_variance(
            garch_params[:, 2:5],
            last,
            _event_residuals(design, garch_params),
            mask_evt,
            _unobserved_steps(design),
            forecast=self.variance == "forecast",
        )
        ols_var = np.where(mask_evt, fit.sigma2[:, None], np.nan)
        fit.var_evt = np.where(
            used_garch[:, None],
            h,
            np.where(np.isin(np.arange(n), failed)[:, None], ols_var, np.nan),
        )
        fit.xtx_inv = None
        names = list(GARCH_PARAM_UNITS)[:width]
        fit.notes.update(
            garch_params=garch_params,
            used_garch=used_garch,
            garch_param_names=names,
            garch_param_units={k: GARCH_PARAM_UNITS[k] for k in names},
            garch_variance=self.variance,
            **record,
        )
        ssr = np.nansum(fit.resid_est**2, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            fit.sigma2 = np.where(fit.dof > 0, ssr / np.maximum(fit.dof, 1), np.nan)
        if failed:
            warnings.warn(
                f"GARCH(1,1) did not converge for {len(failed)} event(s); the OLS market model "
                "was used for them (see results.meta['model_notes']['garch_fallback'])",
                GarchConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        # per event (a mask, so it follows the events through chunking); EventStudy turns
        # it into the list of event ids in results.meta["model_notes"]["garch_fallback"]
        fallback = np.zeros(n, dtype=bool)
        fallback[failed] = True
        fit.notes["garch_fallback"] = fallback
        return fit


@dataclass(frozen=True)
class _GarchFit:
    """One event's kept GARCH fit: parameters (mean in decimal units), estimation residuals
    (decimal), ``(e_T, h_T)`` in percent units, log-likelihood, winning start, converged starts."""

    params: FloatArray
    resid_est: FloatArray
    last: FloatArray
    loglik: float
    start: int
    n_converged: int


def garch_starting_values(
    ols_params: FloatArray, s2: float, start: tuple[float, float] | None, dist: str
) -> FloatArray | None:
    """arch's parameter vector ``[Const, m, omega, alpha[1], beta[1](, nu)]`` for one start
    of :data:`GARCH_STARTS` (percent units; ``None`` for arch's own starting values)."""
    if start is None:
        return None
    a, b = start
    values = [ols_params[0] * 100.0, ols_params[1], s2 * 1e4 * (1.0 - a - b), a, b]
    return np.asarray(values + ([8.0] if dist == "t" else []), dtype=float)


def _fit_one_garch(
    arch_model: Any, design: Design, mask_evt: BoolArray, i: int, dist: str, starts: int = 1
) -> _GarchFit | None:
    """Fit one event's GARCH market model from ``starts`` starting points and keep the best
    converged log-likelihood; ``None`` when no start converges."""
    import pandas as pd

    me = design.mask_est[i]
    y_e, x_e = design.y_est[i, me] * 100.0, design.X_est[i, me, 1] * 100.0
    am = arch_model(
        pd.Series(y_e), x=pd.DataFrame({"m": x_e}), mean="LS", vol="GARCH", p=1, q=1, dist=dist
    )
    xe = design.X_est[i, me]
    ols, *_ = np.linalg.lstsq(xe, design.y_est[i, me], rcond=None)
    s2 = float(np.mean((design.y_est[i, me] - xe @ ols) ** 2))
    best: Any = None
    won, n_ok = -1, 0
    for k, start in enumerate(GARCH_STARTS[:starts]):
        sv = garch_starting_values(ols, s2, start, dist)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # arch's optimiser chatter; convergence is checked
            try:
                res = am.fit(starting_values=sv, disp="off", show_warning=False, tol=GARCH_TOL)
            except (ValueError, np.linalg.LinAlgError):  # a start arch rejects
                continue
        if res.convergence_flag != 0 or not np.all(np.isfinite(res.params)):
            continue
        n_ok += 1
        if best is None or res.loglikelihood > best.loglikelihood + GARCH_LOGLIK_TOL:
            best, won = res, k
    if best is None:
        return None
    p = best.params.to_numpy().copy()
    resid_est = np.full(me.shape, np.nan)
    resid_est[me] = best.resid.to_numpy() / 100.0
    e_t = float(best.resid.to_numpy()[-1])
    h_t = float(best.conditional_volatility.to_numpy()[-1] ** 2)
    return _GarchFit(
        params=np.concatenate([[p[0] / 100.0, p[1]], p[2:]]),
        resid_est=resid_est,
        last=np.array([e_t, h_t]),
        loglik=float(best.loglikelihood),
        start=won,
        n_converged=n_ok,
    )


def _event_residuals(design: Design, params: FloatArray) -> FloatArray:
    """Event-window residuals in percent, ``100 (R - alpha - beta R_m)``."""
    return 100.0 * (design.y_evt - params[:, :1] - params[:, 1:2] * design.X_evt[..., 1])


def _unobserved_steps(design: Design) -> FloatArray:
    """Sessions without a residual between the estimation fit's last observation and the
    first event-window day: missing days at the end of the estimation window plus the gap
    between the windows."""
    mask = design.mask_est
    L1 = mask.shape[1]
    last_obs = L1 - 1 - np.argmax(mask[:, ::-1], axis=1)
    gap = design.aux_est.get("gap", np.zeros(mask.shape[0]))
    return (L1 - 1 - last_obs) + np.nan_to_num(gap)


def garch_event_variance(
    omega_alpha_beta: FloatArray,
    last: FloatArray,
    resid_evt: FloatArray,
    observed: BoolArray,
    steps_before: FloatArray,
    *,
    forecast: bool = False,
) -> FloatArray:
    """Event-window conditional variances (decimal²) of GARCH(1,1) fits, all events at once.

    Parameters
    ----------
    omega_alpha_beta : (n, 3)
        ``omega`` (percent²), ``alpha[1]``, ``beta[1]``.
    last : (n, 2)
        ``(e_T, h_T)``: the estimation fit's last residual and conditional variance (percent).
    resid_evt : (n, L2)
        Event-window residuals (percent).
    observed : (n, L2) bool
        Days with a residual.
    steps_before : (n,)
        Sessions without a residual between ``T`` and the first event-window day.
    forecast : bool
        Use no event-window residual (the forecast from the end of the estimation window).

    Notes
    -----
    ``h_{T+1} = omega + a e_T^2 + b h_T``; a session without a residual steps
    ``h <- omega + (a + b) h`` (``E e^2 = h``); an observed event day steps
    ``h <- omega + a e^2 + b h`` unless ``forecast``. One pass per event-window day,
    vectorised across events; days without a residual are NaN in the output.
    """
    omega, a, b = (omega_alpha_beta[:, j] for j in range(3))
    phi = a + b
    h = omega + a * last[:, 0] ** 2 + b * last[:, 1]
    u = np.asarray(steps_before, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        geometric = np.where(np.isclose(phi, 1.0), u, (1.0 - phi**u) / (1.0 - phi))
    h = omega * geometric + phi**u * h  # u expectation steps over the unobserved sessions
    out = np.full(resid_evt.shape, np.nan)
    for t in range(resid_evt.shape[1]):  # the recursion runs over days, across all events
        out[:, t] = np.where(observed[:, t], h, np.nan)
        shock = observed[:, t] & (not forecast)
        e2 = np.where(shock, np.nan_to_num(resid_evt[:, t]) ** 2, h)
        h = omega + a * e2 + b * h
    return out / 1e4
