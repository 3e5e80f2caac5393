"""Linear normal-return models: constant mean, market-adjusted, market model, CAPM and the
factor models (Fama-French 3 and 5, Carhart 4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..exceptions import SpecError
from .base import (
    Design,
    FloatArray,
    IntArray,
    ModelData,
    ModelFit,
    NormalReturnModel,
    _complete,
    _MarketLine,
    _ones,
    _SingleMarketModel,
    _stack,
)


# ----------------------------------------------------------------------------- simple models
@dataclass(frozen=True)
class ConstantMean(NormalReturnModel):
    """Constant-mean-return model (Brown & Warner 1980; MacKinlay 1997).

    Notes
    -----
    ``R_it = mu_i + e_it``; ``mu_i`` is the mean of the estimation-window returns (complete
    cases), ``AR_it = R_it - mu_i`` and ``sigma_i^2 = sum(e^2) / (n_i - 1)`` over the
    *estimation window only* (not the whole series).

    Examples
    --------
    >>> import eventstudy as es
    >>> es.ConstantMean().param_names
    ['mu']
    """

    key: ClassVar[str] = "constant_mean"
    name: ClassVar[str] = "constant mean"

    @property
    def param_names(self) -> list[str]:
        """``["mu"]``: the mean return of the estimation window.

        Examples
        --------
        >>> import eventstudy as es
        >>> es.ConstantMean().param_names
        ['mu']
        """
        return ["mu"]

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        """``y`` is the firm's return, ``X`` the constant alone.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, ConstantMean
        >>> returns = np.array([[0.010, 0.008], [-0.020, -0.015], [0.004, 0.002], [np.nan, np.nan]])
        >>> data = ModelData(returns, {"AAA": 0, "SPY": 1})
        >>> pos_est, pos_evt = np.array([[0, 1]]), np.array([[2]])  # two days, then one
        >>> design = ConstantMean().design(data, pos_est, pos_evt, np.array([0]), np.array([-1]))
        >>> design.y_est, design.X_est.shape
        (array([[ 0.01, -0.02]]), (1, 2, 1))
        """
        y_est, y_evt = data.ret(pos_est, ret_col), data.ret(pos_evt, ret_col)
        X_est, X_evt = _ones((*y_est.shape, 1)), _ones((*y_evt.shape, 1))
        return Design(y_est, X_est, y_evt, X_evt, _complete(y_est), self.param_names, True)


@dataclass(frozen=True)
class MarketAdjusted(_SingleMarketModel):
    """Market-adjusted returns (Brown & Warner 1980): no estimated parameters.

    Notes
    -----
    ``AR_it = R_it - R_mt``. With ``k = 0`` mean parameters the residual variance is
    ``sigma_i^2 = sum_t AR_it^2 / n_i`` over the estimation window (``dof = n_i``), and there
    is no prediction-error term (``Var(AR) = sigma^2``).

    Examples
    --------
    >>> import eventstudy as es
    >>> model = es.MarketAdjusted("SPY")  # AR = R - R_SPY, nothing estimated
    >>> model.param_names
    []
    """

    key: ClassVar[str] = "market_adjusted"
    name: ClassVar[str] = "market-adjusted"

    @property
    def param_names(self) -> list[str]:
        """No estimated mean parameter (``k = 0``).

        Examples
        --------
        >>> import eventstudy as es
        >>> es.MarketAdjusted("SPY").param_names
        []
        """
        return []

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        """``y`` is the firm's return minus the market's, ``X`` has no column (``k = 0``).

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, MarketAdjusted
        >>> returns = np.array([[0.010, 0.008], [-0.020, -0.015], [0.004, 0.002], [np.nan, np.nan]])
        >>> data = ModelData(returns, {"AAA": 0, "SPY": 1})
        >>> pos_est, pos_evt = np.array([[0, 1]]), np.array([[2]])  # two days, then one
        >>> design = MarketAdjusted("SPY").design(data, pos_est, pos_evt, np.array([0]), np.array([1]))
        >>> design.y_est.round(6), design.X_est.shape  # 0.010 - 0.008, -0.020 + 0.015
        (array([[ 0.002, -0.005]]), (1, 2, 0))
        """
        m_est, m_evt = data.ret(pos_est, mkt_col), data.ret(pos_evt, mkt_col)
        y_est = data.ret(pos_est, ret_col) - m_est
        y_evt = data.ret(pos_evt, ret_col) - m_evt
        X_est = np.zeros((*y_est.shape, 0))
        X_evt = np.zeros((*y_evt.shape, 0))
        return Design(y_est, X_est, y_evt, X_evt, _complete(y_est), [], False, m_est, m_evt)

    def estimate(self, design: Design, chunk_size: int = 20_000) -> ModelFit:
        """Nothing to estimate: ``sigma_i^2 = sum(AR^2) / n_i`` over the estimation window.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, MarketAdjusted
        >>> returns = np.array([[0.010, 0.008], [-0.020, -0.015], [0.004, 0.002], [np.nan, np.nan]])
        >>> data = ModelData(returns, {"AAA": 0, "SPY": 1})
        >>> pos_est, pos_evt = np.array([[0, 1]]), np.array([[2]])  # two days, then one
        >>> model = MarketAdjusted("SPY")
        >>> fit = model.estimate(model.design(data, pos_est, pos_evt, np.array([0]), np.array([1])))
        >>> fit.sigma2.round(10), fit.dof  # (0.002**2 + 0.005**2) / 2
        (array([1.45e-05]), array([2]))
        """
        mask = design.mask_est
        resid = np.where(mask, design.y_est, np.nan)
        nobs = mask.sum(axis=1).astype(np.int64)
        ssr = np.nansum(resid**2, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            sigma2 = np.where(nobs > 0, ssr / np.maximum(nobs, 1), np.nan)
        n = len(nobs)
        return ModelFit(
            params=np.zeros((n, 0)),
            sigma2=sigma2,
            dof=nobs.copy(),
            nobs=nobs,
            r2=np.full(n, np.nan),
            xtx_inv=None,
            resid_est=resid,
            singular=np.zeros(n, dtype=bool),
        )


@dataclass(frozen=True)
class MarketModel(_SingleMarketModel):
    """Market model by OLS (Sharpe 1963; MacKinlay 1997, eq. 1).

    Notes
    -----
    ``R_it = alpha_i + beta_i R_mt + e_it``, estimated on the complete cases of the
    estimation window; ``AR_it = R_it - alpha_i - beta_i R_mt``;
    ``sigma_i^2 = SSR_i / (n_i - 2)``.

    Examples
    --------
    >>> import eventstudy as es
    >>> model = es.MarketModel("SPY")
    >>> model.param_names
    ['alpha', 'beta']
    >>> res = es.EventStudy(events, returns, model=model).fit()  # doctest: +SKIP
    """

    key: ClassVar[str] = "market"
    name: ClassVar[str] = "market model"

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        """``y`` is the firm's return, ``X`` the constant and the market return.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, MarketModel
        >>> returns = np.array([[0.010, 0.008], [-0.020, -0.015], [0.004, 0.002], [np.nan, np.nan]])
        >>> data = ModelData(returns, {"AAA": 0, "SPY": 1})
        >>> pos_est, pos_evt = np.array([[0, 1]]), np.array([[2]])  # two days, then one
        >>> design = MarketModel("SPY").design(data, pos_est, pos_evt, np.array([0]), np.array([1]))
        >>> design.X_est
        array([[[ 1.   ,  0.008],
                [ 1.   , -0.015]]])
        """
        m_est, m_evt = data.ret(pos_est, mkt_col), data.ret(pos_evt, mkt_col)
        y_est, y_evt = data.ret(pos_est, ret_col), data.ret(pos_evt, ret_col)
        X_est = _stack(_ones(m_est.shape), m_est)
        X_evt = _stack(_ones(m_evt.shape), m_evt)
        mask = _complete(y_est, X_est)
        return Design(y_est, X_est, y_evt, X_evt, mask, self.param_names, True, m_est, m_evt)


# ----------------------------------------------------------------------------- factor models
@dataclass(frozen=True)
class FactorModel(NormalReturnModel):
    """Linear factor model on (excess) returns, any factor set.

    Notes
    -----
    ``R_it - RF_t = a_i + sum_j b_ij F_jt + e_it`` when ``excess=True`` (risk-free rate ``RF``
    from the factors frame), else ``R_it = a_i + sum_j b_ij F_jt + e_it``. A day on which any
    factor is missing is a missing day. The normal return is ``RF_t + a_i + sum_j b_ij F_jt``
    (``AR`` is the same whether or not ``RF`` is added back to both sides).
    ``sigma_i^2 = SSR_i / (n_i - 1 - J)``.

    Examples
    --------
    >>> import eventstudy as es
    >>> es.FactorModel(("Mkt-RF", "SMB")).param_names
    ['alpha', 'b_Mkt-RF', 'b_SMB']
    """

    factors: tuple[str, ...] = ()
    excess: bool = True
    key: ClassVar[str] = "factor"
    name: ClassVar[str] = "factor model"

    def __post_init__(self) -> None:
        if not self.factors:
            raise SpecError("FactorModel needs factors=[...] (column names of the factors frame)")
        object.__setattr__(self, "factors", tuple(self.factors))

    @property
    def param_names(self) -> list[str]:
        """``alpha`` and one loading ``b_<factor>`` per factor, in the order of ``factors``.

        Examples
        --------
        >>> import eventstudy as es
        >>> es.FactorModel(("Mkt-RF", "SMB")).param_names
        ['alpha', 'b_Mkt-RF', 'b_SMB']
        """
        return ["alpha", *[f"b_{f}" for f in self.factors]]

    def required_factors(self) -> list[str]:
        """The model's factors, plus ``RF`` on excess returns (``excess=True``).

        Examples
        --------
        >>> import eventstudy as es
        >>> es.FactorModel(("Mkt-RF", "SMB")).required_factors()
        ['Mkt-RF', 'SMB', 'RF']
        >>> es.FactorModel(("Mkt-RF",), excess=False).required_factors()
        ['Mkt-RF']
        """
        return [*self.factors, *(["RF"] if self.excess else [])]

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        """``y`` is the firm's return (minus ``RF`` when ``excess``), ``X`` the constant and the
        factors; a day with any factor missing is not used.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import FactorModel, ModelData
        >>> returns = np.array([[0.010], [-0.020], [0.004], [np.nan]])
        >>> factors = np.array([[0.009, 0.001], [-0.012, 0.001], [0.003, 0.001], [np.nan, np.nan]])
        >>> data = ModelData(returns, {"AAA": 0}, factors, {"Mkt-RF": 0, "RF": 1})
        >>> model = FactorModel(("Mkt-RF",))
        >>> design = model.design(data, np.array([[0, 1]]), np.array([[2]]), np.array([0]), np.array([-1]))
        >>> design.y_est.round(6), design.X_est[..., 1]  # excess return; the factor
        (array([[ 0.009, -0.021]]), array([[ 0.009, -0.012]]))
        """

        def side(pos: IntArray) -> tuple[FloatArray, FloatArray]:
            y = data.ret(pos, ret_col)
            if self.excess:
                y = y - data.factor("RF", pos)
            cols = [_ones(y.shape), *[data.factor(f, pos) for f in self.factors]]
            return y, _stack(*cols)

        y_est, X_est = side(pos_est)
        y_evt, X_evt = side(pos_evt)
        mask = _complete(y_est, X_est)
        return Design(y_est, X_est, y_evt, X_evt, mask, self.param_names, True)


@dataclass(frozen=True)
class FamaFrench3(FactorModel):
    """Fama & French (1993) three-factor model on excess returns.

    Notes
    -----
    ``R_it - RF_t = a_i + b_i (Mkt-RF)_t + s_i SMB_t + h_i HML_t + e_it``.

    Examples
    --------
    >>> import eventstudy as es
    >>> es.FamaFrench3().param_names
    ['alpha', 'b_Mkt-RF', 'b_SMB', 'b_HML']
    >>> factors = es.load_factors("ff3")  # doctest: +SKIP
    >>> res = es.EventStudy(events, returns, model=es.FamaFrench3(), factors=factors).fit()  # doctest: +SKIP
    """

    factors: tuple[str, ...] = ("Mkt-RF", "SMB", "HML")
    key: ClassVar[str] = "ff3"
    name: ClassVar[str] = "Fama-French 3"


@dataclass(frozen=True)
class Carhart4(FactorModel):
    """Carhart (1997) four-factor model: Fama-French 3 plus momentum.

    Notes
    -----
    ``R_it - RF_t = a_i + b_i (Mkt-RF)_t + s_i SMB_t + h_i HML_t + m_i Mom_t + e_it``.

    Examples
    --------
    >>> import eventstudy as es
    >>> es.Carhart4().param_names
    ['alpha', 'b_Mkt-RF', 'b_SMB', 'b_HML', 'b_Mom']
    >>> factors = es.load_factors("carhart")  # doctest: +SKIP
    """

    factors: tuple[str, ...] = ("Mkt-RF", "SMB", "HML", "Mom")
    key: ClassVar[str] = "carhart4"
    name: ClassVar[str] = "Carhart 4"


@dataclass(frozen=True)
class FamaFrench5(FactorModel):
    """Fama & French (2015) five-factor model on excess returns.

    Notes
    -----
    ``R_it - RF_t = a_i + b_i (Mkt-RF)_t + s_i SMB_t + h_i HML_t + r_i RMW_t + c_i CMA_t + e_it``.

    Examples
    --------
    >>> import eventstudy as es
    >>> es.FamaFrench5().param_names
    ['alpha', 'b_Mkt-RF', 'b_SMB', 'b_HML', 'b_RMW', 'b_CMA']
    >>> factors = es.load_factors("ff5")  # doctest: +SKIP
    """

    factors: tuple[str, ...] = ("Mkt-RF", "SMB", "HML", "RMW", "CMA")
    key: ClassVar[str] = "ff5"
    name: ClassVar[str] = "Fama-French 5"


@dataclass(frozen=True)
class CAPM(_MarketLine):
    """CAPM on excess returns (Sharpe 1964; Lintner 1965), estimated by OLS with an intercept.

    Notes
    -----
    ``R_it - RF_t = a_i + b_i (R_mt - RF_t) + e_it``. The market excess return is the
    factors' ``Mkt-RF`` column (``market=None``, the default) or ``market - RF`` for a
    returns column ``market``. The intercept is estimated (Jensen's alpha), so a mispriced
    security does not bias the ARs; ``sigma_i^2 = SSR_i / (n_i - 2)``.

    Examples
    --------
    >>> import eventstudy as es
    >>> es.CAPM().param_names  # on the factors' Mkt-RF; CAPM("SPY") uses a market ticker
    ['alpha', 'beta']
    >>> factors = es.load_factors("ff3")  # doctest: +SKIP
    >>> res = es.EventStudy(events, returns, model=es.CAPM(), factors=factors).fit()  # doctest: +SKIP
    """

    key: ClassVar[str] = "capm"
    name: ClassVar[str] = "CAPM"

    def required_factors(self) -> list[str]:
        """``RF``, plus the factors' ``Mkt-RF`` when no ``market`` column is named.

        Examples
        --------
        >>> import eventstudy as es
        >>> es.CAPM().required_factors(), es.CAPM("SPY").required_factors()
        (['Mkt-RF', 'RF'], ['RF'])
        """
        return ["RF"] if self.market is not None else ["Mkt-RF", "RF"]

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        """``y`` is the firm's excess return, ``X`` the constant and the market's excess return
        (the factors' ``Mkt-RF``, or ``market - RF`` for a ``market`` column).

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import CAPM, ModelData
        >>> returns = np.array([[0.010, 0.008], [-0.020, -0.015], [0.004, 0.002], [np.nan, np.nan]])
        >>> rf = np.array([[0.001], [0.001], [0.001], [np.nan]])
        >>> data = ModelData(returns, {"AAA": 0, "SPY": 1}, rf, {"RF": 0})
        >>> design = CAPM("SPY").design(data, np.array([[0, 1]]), np.array([[2]]), np.array([0]), np.array([1]))
        >>> design.y_est.round(6), design.X_est[..., 1].round(6)
        (array([[ 0.009, -0.021]]), array([[ 0.007, -0.016]]))
        """

        def side(pos: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
            rf = data.factor("RF", pos)
            y = data.ret(pos, ret_col) - rf
            mx = (
                data.ret(pos, mkt_col) - rf
                if self.market is not None
                else data.factor("Mkt-RF", pos)
            )
            return y, _stack(_ones(y.shape), mx), mx

        y_est, X_est, m_est = side(pos_est)
        y_evt, X_evt, m_evt = side(pos_evt)
        mask = _complete(y_est, X_est)
        return Design(y_est, X_est, y_evt, X_evt, mask, self.param_names, True, m_est, m_evt)
