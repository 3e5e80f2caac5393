"""Market models for thinly traded stocks: Scholes-Williams (1977) and Dimson (1979) betas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..exceptions import SpecError
from .base import (
    BoolArray,
    Design,
    FloatArray,
    IntArray,
    ModelData,
    ModelFit,
    _complete,
    _ones,
    _SingleMarketModel,
    _stack,
)
from .ols import batched_ols


# ----------------------------------------------------------------------------- thin trading
def _masked_mean(a: FloatArray, mask: BoolArray) -> FloatArray:
    n = np.maximum(mask.sum(axis=1), 1)
    return np.where(mask, a, 0.0).sum(axis=1) / n


def _masked_cov(a: FloatArray, b: FloatArray, mask: BoolArray) -> FloatArray:
    """Sample covariance over the masked days (denominator n; it cancels in ratios)."""
    ma, mb = _masked_mean(a, mask), _masked_mean(b, mask)
    prod = np.where(mask, (a - ma[:, None]) * (b - mb[:, None]), 0.0)
    return prod.sum(axis=1) / np.maximum(mask.sum(axis=1), 1)


def _refit_market_line(
    design: Design, alpha: FloatArray, beta: FloatArray, chunk_size: int
) -> ModelFit:
    """Residual statistics of ``y = alpha + beta R_m`` with externally estimated coefficients.

    ``(X'X)^-1`` is that of ``[1, R_m]`` on the same days: the prediction-error term then uses
    the market-model approximation (the aggregated beta has no exact OLS covariance).
    """
    ols = batched_ols(
        design.X_est, design.y_est, design.mask_est, has_const=True, chunk_size=chunk_size
    )
    params = np.stack([alpha, beta], axis=1)
    fitted = np.einsum("nlk,nk->nl", design.X_est, params)
    resid = np.where(design.mask_est, design.y_est - fitted, np.nan)
    nobs = design.mask_est.sum(axis=1).astype(np.int64)
    dof = nobs - 2
    ssr = np.nansum(resid**2, axis=1)
    yc = np.where(
        design.mask_est, design.y_est - _masked_mean(design.y_est, design.mask_est)[:, None], 0.0
    )
    tss = np.sum(yc**2, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma2 = np.where(dof > 0, ssr / np.maximum(dof, 1), np.nan)
        r2 = np.where(tss > 0, 1 - ssr / np.where(tss > 0, tss, 1.0), np.nan)
    bad = ols.singular | (dof <= 0)
    params[bad] = np.nan
    sigma2[bad] = np.nan
    return ModelFit(params, sigma2, dof, nobs, r2, ols.xtx_inv, resid, ols.singular)


def _lagged_market_design(
    data: ModelData,
    pos_est: IntArray,
    pos_evt: IntArray,
    ret_col: IntArray,
    mkt_col: IntArray,
    lags: int,
    names: list[str],
) -> Design:
    m_est, m_evt = data.ret(pos_est, mkt_col), data.ret(pos_evt, mkt_col)
    y_est, y_evt = data.ret(pos_est, ret_col), data.ret(pos_evt, ret_col)
    aux = {f"m{j:+d}": data.ret(pos_est + j, mkt_col) for j in range(-lags, lags + 1) if j != 0}
    X_est = _stack(_ones(m_est.shape), m_est)
    X_evt = _stack(_ones(m_evt.shape), m_evt)
    mask = _complete(y_est, X_est, *aux.values())
    return Design(y_est, X_est, y_evt, X_evt, mask, names, True, m_est, m_evt, aux)


@dataclass(frozen=True)
class ScholesWilliams(_SingleMarketModel):
    """Market model with the Scholes & Williams (1977) beta for non-synchronous trading.

    Notes
    -----
    Over the estimation days where ``R_t``, ``R_m,t-1``, ``R_mt`` and ``R_m,t+1`` are all
    present (lags and leads are previous / next *sessions*)::

        b-  = Cov(R_t, R_m,t-1) / Var(R_m,t-1)      (OLS slope on the lagged market)
        b0  = Cov(R_t, R_mt)    / Var(R_mt)
        b+  = Cov(R_t, R_m,t+1) / Var(R_m,t+1)
        rho = Corr(R_mt, R_m,t-1)                   (first-order market autocorrelation)
        beta_SW  = (b- + b0 + b+) / (1 + 2 rho)
        alpha_SW = mean(R_t) - beta_SW mean(R_mt)

    ``AR_t = R_t - alpha_SW - beta_SW R_mt`` and ``sigma^2 = SSR / (n - 2)``. The
    prediction-error term uses ``(X'X)^-1`` of ``[1, R_m]`` (an approximation).

    Examples
    --------
    >>> import eventstudy as es
    >>> es.ScholesWilliams("SPY").param_names
    ['alpha', 'beta']
    """

    key: ClassVar[str] = "scholes_williams"
    name: ClassVar[str] = "Scholes-Williams"

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        """The market model's ``y`` and ``X``, plus the market's previous and next sessions in
        ``aux_est`` (``"m-1"``, ``"m+1"``); a day without them is not used.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, ScholesWilliams
        >>> rng = np.random.default_rng(0)
        >>> mkt = rng.normal(0.0, 0.01, 80)
        >>> firm = 0.001 + 1.2 * mkt + rng.normal(0.0, 0.002, 80)
        >>> data = ModelData(np.vstack([np.column_stack([firm, mkt]), [np.nan, np.nan]]), {"A": 0, "M": 1})
        >>> pos_est, pos_evt = np.arange(10, 70)[None, :], np.arange(72, 77)[None, :]
        >>> design = ScholesWilliams("M").design(data, pos_est, pos_evt, np.array([0]), np.array([1]))
        >>> sorted(design.aux_est), design.X_est.shape
        (['m+1', 'm-1'], (1, 60, 2))
        """
        return _lagged_market_design(data, pos_est, pos_evt, ret_col, mkt_col, 1, self.param_names)

    def estimate(self, design: Design, chunk_size: int = 20_000) -> ModelFit:
        """The Scholes-Williams ``alpha`` and ``beta`` of every event (formula in the class notes);
        ``notes["rho_market"]`` holds the market's first-order autocorrelation.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, ScholesWilliams
        >>> rng = np.random.default_rng(0)
        >>> mkt = rng.normal(0.0, 0.01, 80)
        >>> firm = 0.001 + 1.2 * mkt + rng.normal(0.0, 0.002, 80)
        >>> data = ModelData(np.vstack([np.column_stack([firm, mkt]), [np.nan, np.nan]]), {"A": 0, "M": 1})
        >>> pos_est, pos_evt = np.arange(10, 70)[None, :], np.arange(72, 77)[None, :]
        >>> model = ScholesWilliams("M")
        >>> fit = model.estimate(model.design(data, pos_est, pos_evt, np.array([0]), np.array([1])))
        >>> fit.params[:, 1].round(3), sorted(fit.notes)  # the beta; the OLS beta is 1.188
        (array([1.138]), ['rho_market'])
        """
        mask, y = design.mask_est, design.y_est
        m0, mlag, mlead = design.X_est[..., 1], design.aux_est["m-1"], design.aux_est["m+1"]
        with np.errstate(invalid="ignore", divide="ignore"):
            slopes = [_masked_cov(y, x, mask) / _masked_cov(x, x, mask) for x in (mlag, m0, mlead)]
            rho = _masked_cov(m0, mlag, mask) / np.sqrt(
                _masked_cov(m0, m0, mask) * _masked_cov(mlag, mlag, mask)
            )
            beta = (slopes[0] + slopes[1] + slopes[2]) / (1.0 + 2.0 * rho)
        alpha = _masked_mean(y, mask) - beta * _masked_mean(m0, mask)
        fit = _refit_market_line(design, alpha, beta, chunk_size)
        fit.notes["rho_market"] = rho
        return fit


@dataclass(frozen=True)
class Dimson(_SingleMarketModel):
    """Market model with the Dimson (1979) aggregated-coefficients beta.

    Notes
    -----
    OLS of ``R_t = a + sum_{j=-lags..lags} b_j R_m,t+j + e_t`` over the estimation days with
    all leads and lags present; ``beta_D = sum_j b_j``. As for Scholes-Williams the
    intercept is ``alpha_D = mean(R_t) - beta_D mean(R_mt)`` and ``AR_t = R_t - alpha_D -
    beta_D R_mt``; ``sigma^2 = SSR / (n - 2)`` of those residuals. The prediction-error
    term uses ``(X'X)^-1`` of ``[1, R_m]`` (an approximation).

    Examples
    --------
    >>> import eventstudy as es
    >>> es.Dimson("SPY", lags=1).param_names  # beta sums the lag, current and lead slopes
    ['alpha', 'beta']
    """

    lags: int = 1
    key: ClassVar[str] = "dimson"
    name: ClassVar[str] = "Dimson"

    def __post_init__(self) -> None:
        if int(self.lags) < 1:
            raise SpecError(
                f"Dimson(lags={self.lags}): lags must be a positive integer (at least one lag "
                "and lead)"
            )

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        """The market model's ``y`` and ``X``, plus ``lags`` leads and lags of the market in
        ``aux_est`` (``"m-2"``, ``"m-1"``, ``"m+1"``, ``"m+2"`` for ``lags=2``).

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, Dimson
        >>> rng = np.random.default_rng(0)
        >>> mkt = rng.normal(0.0, 0.01, 80)
        >>> firm = 0.001 + 1.2 * mkt + rng.normal(0.0, 0.002, 80)
        >>> data = ModelData(np.vstack([np.column_stack([firm, mkt]), [np.nan, np.nan]]), {"A": 0, "M": 1})
        >>> pos_est, pos_evt = np.arange(10, 70)[None, :], np.arange(72, 77)[None, :]
        >>> design = Dimson("M", lags=2).design(data, pos_est, pos_evt, np.array([0]), np.array([1]))
        >>> sorted(design.aux_est)
        ['m+1', 'm+2', 'm-1', 'm-2']
        """
        return _lagged_market_design(
            data, pos_est, pos_evt, ret_col, mkt_col, int(self.lags), self.param_names
        )

    def estimate(self, design: Design, chunk_size: int = 20_000) -> ModelFit:
        """The Dimson ``alpha`` and aggregated ``beta`` of every event (formula in the class notes);
        ``notes["lag_betas"]`` holds the slopes on each lag and lead.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, Dimson
        >>> rng = np.random.default_rng(0)
        >>> mkt = rng.normal(0.0, 0.01, 80)
        >>> firm = 0.001 + 1.2 * mkt + rng.normal(0.0, 0.002, 80)
        >>> data = ModelData(np.vstack([np.column_stack([firm, mkt]), [np.nan, np.nan]]), {"A": 0, "M": 1})
        >>> pos_est, pos_evt = np.arange(10, 70)[None, :], np.arange(72, 77)[None, :]
        >>> model = Dimson("M", lags=2)
        >>> fit = model.estimate(model.design(data, pos_est, pos_evt, np.array([0]), np.array([1])))
        >>> fit.params[:, 1].round(3)  # the sum of the five slopes
        array([1.137])
        """
        mask, y = design.mask_est, design.y_est
        L = int(self.lags)
        cols = [design.X_est[..., 0], design.X_est[..., 1]]
        cols += [design.aux_est[f"m{j:+d}"] for j in range(-L, L + 1) if j != 0]
        full = batched_ols(np.stack(cols, axis=-1), y, mask, has_const=True, chunk_size=chunk_size)
        beta = full.params[:, 1:].sum(axis=1)
        alpha = _masked_mean(y, mask) - beta * _masked_mean(cols[1], mask)
        fit = _refit_market_line(design, alpha, beta, chunk_size)
        fit.notes["lag_betas"] = full.params[:, 1:]
        return fit
