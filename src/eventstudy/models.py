"""Normal-return models: one interface, small frozen dataclasses declaring their regressors.

Every model turns the aligned data into a :class:`Design` - the dependent variable ``y`` and
the prediction regressors ``X`` on the estimation and event grids - and estimates per-event
coefficients with :meth:`NormalReturnModel.estimate` (batched; GARCH is the one documented
per-event loop). The abnormal return is always ``AR = y - X b`` and the normal return
``N = R - AR`` (so excess-return models add the risk-free rate back).

A model's *market* names a column of the returns frame (e.g. ``"SPY"``); a per-event
``benchmark`` column in the events frame overrides it. Factor models read ``factors=``
(decimal units, indexed by date, e.g. from ``load_factors``) given to ``EventStudy``.
"""

from __future__ import annotations

import abc
import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from .estimation import OLSFit, batched_ols
from .exceptions import GarchConvergenceWarning, SpecError, user_stacklevel

__all__ = [
    "CAPM",
    "Carhart4",
    "ConstantMean",
    "Design",
    "Dimson",
    "FactorModel",
    "FamaFrench3",
    "FamaFrench5",
    "GARCH_PARAM_UNITS",
    "GarchConvergenceWarning",
    "GarchMarketModel",
    "MODELS",
    "MarketAdjusted",
    "MarketModel",
    "ModelData",
    "ModelFit",
    "NormalReturnModel",
    "ScholesWilliams",
    "model_fields",
    "register_model",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


# ----------------------------------------------------------------------------- data plumbing
@dataclass
class ModelData:
    """Returns and factors aligned on the session grid, each padded with one NaN row.

    ``returns`` is ``(T + 1, N)``; row ``T`` is all-NaN so out-of-range positions read NaN.

    Attributes
    ----------
    returns : (T + 1, N) float
        Returns of every column on the ``T`` sessions, then the NaN padding row.
    columns : dict of str to int
        Column of ``returns`` of each ticker.
    factors : (T + 1, J) float or None
        Factor returns (decimal units) on the same sessions, padded the same way.
    factor_columns : dict of str to int
        Column of ``factors`` of each factor name.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.models import ModelData
    >>> returns = np.array([[0.010, 0.008], [-0.020, -0.015], [0.004, 0.002], [np.nan, np.nan]])
    >>> data = ModelData(returns, {"AAA": 0, "SPY": 1})  # 3 sessions, then the padding row
    >>> data.n_sessions
    3
    """

    returns: FloatArray
    columns: dict[str, int]
    factors: FloatArray | None = None
    factor_columns: dict[str, int] = field(default_factory=dict)

    @property
    def n_sessions(self) -> int:
        """Number of sessions ``T`` (the rows of ``returns`` without the padding row).

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData
        >>> ModelData(np.zeros((4, 2)), {"AAA": 0, "SPY": 1}).n_sessions
        3
        """
        return int(self.returns.shape[0] - 1)

    def _clip(self, pos: IntArray) -> IntArray:
        t = self.n_sessions
        return np.where((pos >= 0) & (pos < t), pos, t)

    def ret(self, pos: IntArray, col: IntArray) -> FloatArray:
        """Returns of column ``col[i]`` at positions ``pos[i, :]`` (NaN out of range / col<0).

        Parameters
        ----------
        pos : (n, L) int
            Session positions of each event's grid (outside ``0..T-1``: NaN).
        col : (n,) int
            Column of each event's series (``-1``: the event has none, all NaN).

        Returns
        -------
        (n, L) float

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData
        >>> returns = np.array([[0.010, 0.008], [-0.020, -0.015], [0.004, 0.002], [np.nan, np.nan]])
        >>> data = ModelData(returns, {"AAA": 0, "SPY": 1})
        >>> data.ret(np.array([[0, 2, 3], [-1, 0, 1]]), np.array([0, 1]))  # 3 and -1: outside
        array([[ 0.01 ,  0.004,    nan],
               [   nan,  0.008, -0.015]])
        """
        out = self.returns[self._clip(pos), np.maximum(col, 0)[:, None]]
        missing = col < 0
        if missing.any():  # (rare) events without the column
            out[missing] = np.nan
        return out

    def factor(self, name: str, pos: IntArray) -> FloatArray:
        """Factor ``name`` at positions ``pos`` (NaN where the factor data are missing).

        Raises
        ------
        SpecError
            When the factors do not hold ``name`` (the message lists those they hold).

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData
        >>> rf = np.array([[0.0001], [0.0002], [0.0001], [np.nan]])
        >>> data = ModelData(np.zeros((4, 1)), {"AAA": 0}, factors=rf, factor_columns={"RF": 0})
        >>> data.factor("RF", np.array([[1, 2]]))
        array([[0.0002, 0.0001]])
        """
        if self.factors is None or name not in self.factor_columns:
            have = sorted(self.factor_columns)
            raise SpecError(
                f"the model needs factor {name!r}; pass factors= to EventStudy with that column "
                f"(decimal units, indexed by date); available: {have}"
            )
        return self.factors[self._clip(pos), self.factor_columns[name]]


@dataclass
class Design:
    """What a model regresses: ``y`` and prediction regressors ``X`` on both grids.

    ``aux_est`` holds extra estimation-window regressors an estimator needs (lags and leads
    of the market for Scholes-Williams and Dimson); ``mask_est`` marks complete cases.

    Attributes
    ----------
    y_est, y_evt : (n, L1), (n, L2) float
        The dependent variable (returns, or excess returns) on the estimation and event grids.
    X_est, X_evt : (n, L1, k), (n, L2, k) float
        The prediction regressors, constant first when ``has_const``.
    mask_est : (n, L1) bool
        Estimation days used (complete cases of ``y``, ``X`` and ``aux_est``).
    param_names : list of str
        Names of the ``k`` columns of ``X``.
    has_const : bool
        Whether column 0 of ``X`` is the constant.
    market_est, market_evt : (n, L1), (n, L2) float or None
        The market returns, for tests that need them (Lamb, the portfolio approach).
    aux_est : dict of str to (n, L1) float
        Extra estimation-window regressors (e.g. ``"m-1"``, ``"m+1"``).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.models import MarketModel, ModelData
    >>> returns = np.array([[0.010, 0.008], [-0.020, -0.015], [0.004, 0.002], [np.nan, np.nan]])
    >>> data = ModelData(returns, {"AAA": 0, "SPY": 1})
    >>> design = MarketModel("SPY").design(
    ...     data, np.array([[0, 1]]), np.array([[2]]), np.array([0]), np.array([1])
    ... )
    >>> design.X_est  # constant and market on the two estimation days
    array([[[ 1.   ,  0.008],
            [ 1.   , -0.015]]])
    >>> design.y_evt, design.param_names
    (array([[0.004]]), ['alpha', 'beta'])
    """

    y_est: FloatArray
    X_est: FloatArray
    y_evt: FloatArray
    X_evt: FloatArray
    mask_est: BoolArray
    param_names: list[str]
    has_const: bool
    market_est: FloatArray | None = None
    market_evt: FloatArray | None = None
    aux_est: dict[str, FloatArray] = field(default_factory=dict)


@dataclass
class ModelFit:
    """Per-event estimates: OLS-like statistics, plus a conditional AR variance (GARCH).

    Attributes
    ----------
    params : (n, k) float
        Coefficients in the order of the model's ``param_names``.
    sigma2 : (n,) float
        Residual variance ``SSR / dof``.
    dof, nobs : (n,) int
        Residual degrees of freedom and estimation days used.
    r2 : (n,) float
        R-squared (NaN without a regression).
    xtx_inv : (n, k, k) float or None
        ``(X'X)^{-1}`` for the prediction-error variance (``None``: no such term).
    resid_est : (n, L1) float
        Estimation-window residuals (NaN on unused days).
    singular : (n,) bool
        Events whose model could not be estimated.
    var_evt : (n, L2) float or None
        Per-day variance of the abnormal return when the model has one (GARCH's ``h_t``).
    notes : dict
        Model-specific extras, copied to ``results.meta["model_notes"]``.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.models import MarketModel, ModelData
    >>> rng = np.random.default_rng(0)
    >>> mkt = rng.normal(0.0, 0.01, 80)
    >>> firm = 0.001 + 1.2 * mkt + rng.normal(0.0, 0.002, 80)
    >>> data = ModelData(np.vstack([np.column_stack([firm, mkt]), [np.nan, np.nan]]), {"A": 0, "M": 1})
    >>> model = MarketModel("M")
    >>> design = model.design(
    ...     data, np.arange(10, 70)[None, :], np.arange(72, 77)[None, :], np.array([0]), np.array([1])
    ... )
    >>> fit = model.estimate(design)
    >>> fit.params[:, 1].round(3), fit.dof  # the event's beta; 60 days - 2 parameters
    (array([1.188]), array([58]))
    """

    params: FloatArray
    sigma2: FloatArray
    dof: IntArray
    nobs: IntArray
    r2: FloatArray
    xtx_inv: FloatArray | None
    resid_est: FloatArray
    singular: BoolArray
    var_evt: FloatArray | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_ols(cls, fit: OLSFit) -> ModelFit:
        """The fit of a plain OLS model (:func:`~eventstudy.estimation.batched_ols`'s result).

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.estimation import batched_ols
        >>> from eventstudy.models import ModelFit
        >>> X = np.stack([np.ones(4), np.arange(4.0)], axis=-1)[None]
        >>> y = np.array([[1.1, 2.9, 4.9, 7.1]])
        >>> fit = ModelFit.from_ols(batched_ols(X, y, np.ones((1, 4), dtype=bool), has_const=True))
        >>> fit.params.round(6), fit.var_evt is None
        (array([[1., 2.]]), True)
        """
        return cls(
            params=fit.params,
            sigma2=fit.sigma2,
            dof=fit.dof,
            nobs=fit.nobs,
            r2=fit.r2,
            xtx_inv=fit.xtx_inv,
            resid_est=fit.resid,
            singular=fit.singular,
        )


def _complete(*arrays: FloatArray) -> BoolArray:
    ok = np.ones(arrays[0].shape[:2], dtype=bool)
    for a in arrays:
        # column by column: np.all over a short last axis is several times slower
        for col in [a] if a.ndim == 2 else [a[..., j] for j in range(a.shape[2])]:
            ok &= np.isfinite(col)
    return ok


def _stack(*cols: FloatArray) -> FloatArray:
    return np.stack(cols, axis=-1)


# ----------------------------------------------------------------------------- base class
@dataclass(frozen=True)
class NormalReturnModel(abc.ABC):
    """Base of all normal-return models: the one extension point for a new model.

    A model is a frozen dataclass whose fields are its options, plus one registry line
    (:func:`register_model`): the TOML spec then accepts ``[model] name = <key>`` and every
    field as a key of ``[model]`` (checked against the field's type), with no spec code.
    Subclasses implement :attr:`param_names` and :meth:`design`; :meth:`estimate` defaults
    to batched OLS of ``y`` on ``X`` (override it for another estimator, as GARCH does).
    :func:`eventstudy.testing.check_model` checks a model against this contract.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> from typing import ClassVar
    >>> import eventstudy as es
    >>> from eventstudy.models import register_model
    >>> @register_model
    ... @dataclass(frozen=True)
    ... class MarketMinusOne(es.MarketModel):
    ...     key: ClassVar[str] = "market_minus_one"
    >>> "market_minus_one" in es.models.MODELS
    True
    >>> del es.models.MODELS["market_minus_one"]
    """

    #: the model's name in a TOML spec (``[model] name = "market"``) and in :data:`MODELS`
    key: ClassVar[str] = ""
    name: ClassVar[str] = "model"
    #: whether the model reads a market column of the returns frame
    uses_market: ClassVar[bool] = False
    #: whether ``Design.market_est`` is the market column's returns as they are (not, e.g.,
    #: an excess return): the chunked and Dask engines then keep it as grid positions
    market_est_is_market: ClassVar[bool] = False

    @property
    def market_name(self) -> str | None:
        """The returns column used as market (None when the model has none).

        Examples
        --------
        >>> import eventstudy as es
        >>> es.MarketModel("QQQ").market_name, es.ConstantMean().market_name
        ('QQQ', None)
        """
        return None

    def required_factors(self) -> list[str]:
        """Factor columns the model needs (empty when it needs none).

        The columns a ``factors=`` frame given to :class:`~eventstudy.EventStudy` must hold
        (``RF`` included for models on excess returns).

        Examples
        --------
        >>> import eventstudy as es
        >>> es.MarketModel("SPY").required_factors()
        []
        >>> es.FamaFrench3().required_factors()
        ['Mkt-RF', 'SMB', 'HML', 'RF']
        """
        return []

    @property
    def k(self) -> int:
        """Number of estimated mean parameters.

        Examples
        --------
        >>> import eventstudy as es
        >>> es.MarketModel("SPY").k, es.MarketAdjusted("SPY").k, es.FamaFrench3().k
        (2, 0, 4)
        """
        return len(self.param_names)

    @property
    @abc.abstractmethod
    def param_names(self) -> list[str]:
        """Names of the estimated mean parameters, in the column order of ``X``.

        Examples
        --------
        >>> import eventstudy as es
        >>> es.MarketModel("SPY").param_names
        ['alpha', 'beta']
        """

    @abc.abstractmethod
    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        """Arrays ``y`` and ``X`` for every event on both grids.

        Parameters
        ----------
        data
            Returns (and factors) on the session grid, padded with one NaN row.
        pos_est, pos_evt
            ``(n, L1)`` and ``(n, L2)`` grid positions of each event's estimation and event
            windows (out-of-range positions read NaN).
        ret_col, mkt_col
            Per event, the returns column of the firm and of its market (-1: none).

        Returns
        -------
        Design
            ``y`` and ``X`` on both grids, the complete-case mask of the estimation window
            and the market returns (for the tests that use them).

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import MarketModel, ModelData
        >>> returns = np.array([[0.010, 0.008], [-0.020, -0.015], [0.004, 0.002], [np.nan, np.nan]])
        >>> data = ModelData(returns, {"AAA": 0, "SPY": 1})
        >>> pos_est, pos_evt = np.array([[0, 1]]), np.array([[2]])  # two days, then one
        >>> design = MarketModel("SPY").design(data, pos_est, pos_evt, np.array([0]), np.array([1]))
        >>> design.y_est, design.X_evt
        (array([[ 0.01, -0.02]]), array([[[1.   , 0.002]]]))
        """

    def estimate(self, design: Design, chunk_size: int = 20_000) -> ModelFit:
        """Batched OLS of ``y`` on ``X`` over each event's complete cases.

        Parameters
        ----------
        design
            The model's :meth:`design`.
        chunk_size
            Events solved at once (bounds memory, see
            :func:`~eventstudy.estimation.batched_ols`).

        Returns
        -------
        ModelFit
            Per-event coefficients, residual variance ``SSR / (n - k)``, ``(X'X)^{-1}`` and
            estimation residuals.

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models import ModelData, MarketModel
        >>> rng = np.random.default_rng(0)
        >>> mkt = rng.normal(0.0, 0.01, 80)
        >>> firm = 0.001 + 1.2 * mkt + rng.normal(0.0, 0.002, 80)
        >>> data = ModelData(np.vstack([np.column_stack([firm, mkt]), [np.nan, np.nan]]), {"A": 0, "M": 1})
        >>> pos_est, pos_evt = np.arange(10, 70)[None, :], np.arange(72, 77)[None, :]
        >>> model = MarketModel("M")
        >>> fit = model.estimate(model.design(data, pos_est, pos_evt, np.array([0]), np.array([1])))
        >>> fit.params[:, 1].round(3), fit.nobs, fit.dof
        (array([1.188]), array([60]), array([58]))
        """
        fit = batched_ols(
            design.X_est,
            design.y_est,
            design.mask_est,
            has_const=design.has_const,
            chunk_size=chunk_size,
        )
        return ModelFit.from_ols(fit)

    def describe(self) -> str:
        """Short label used in results (class name and options).

        Examples
        --------
        >>> import eventstudy as es
        >>> es.Dimson("SPY", lags=2).describe()
        "Dimson(market='SPY', lags=2)"
        """
        return repr(self)


def _ones(shape: tuple[int, ...]) -> FloatArray:
    return np.ones(shape, dtype=np.float64)


@dataclass(frozen=True)
class _MarketLine(NormalReturnModel):
    """Shared base of the models of ``alpha + beta * market``: the ``market`` field, the
    ``market_name`` property and the ``alpha, beta`` parameter names (a subclass without
    mean parameters overrides them).

    Parameters
    ----------
    market
        Column of the returns frame used as the market (``None``: none, e.g. CAPM on the
        factors' ``Mkt-RF``); a per-event ``benchmark`` column of the events frame
        overrides it.
    """

    market: str | None = None

    @property
    def market_name(self) -> str | None:
        """The returns column used as market (None when the model reads none)."""
        return self.market

    @property
    def param_names(self) -> list[str]:
        return ["alpha", "beta"]


@dataclass(frozen=True)
class _SingleMarketModel(_MarketLine):
    """Base of the models that always read one market column (``"SPY"`` by default)."""

    market: str = "SPY"
    uses_market: ClassVar[bool] = True
    market_est_is_market: ClassVar[bool] = True


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


# ----------------------------------------------------------------------------- GARCH
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


# ----------------------------------------------------------------------------- registry
_M = TypeVar("_M", bound=type[NormalReturnModel])

#: Normal-return models by spec key (``[model] name = <key>``); :func:`register_model` adds one.
MODELS: dict[str, type[NormalReturnModel]] = {}


def register_model(cls: _M) -> _M:
    """Add a model class to :data:`MODELS` under its ``key`` (usable as a decorator).

    Parameters
    ----------
    cls
        A frozen-dataclass subclass of :class:`NormalReturnModel` with its own ``key``.

    Returns
    -------
    type
        ``cls`` itself.

    Raises
    ------
    SpecError
        When the class is not a :class:`NormalReturnModel` dataclass with its own ``key``,
        or another class already holds the key.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> from typing import ClassVar
    >>> import eventstudy as es
    >>> from eventstudy.models import MODELS, register_model
    >>> @register_model
    ... @dataclass(frozen=True)
    ... class MarketModelNoDrift(es.MarketModel):
    ...     key: ClassVar[str] = "market_no_drift"
    >>> MODELS["market_no_drift"].__name__  # a spec may now say [model] name = "market_no_drift"
    'MarketModelNoDrift'
    >>> del MODELS["market_no_drift"]
    """
    if not (isinstance(cls, type) and issubclass(cls, NormalReturnModel)):
        raise SpecError(f"register_model needs a NormalReturnModel subclass, got {cls!r}")
    if not cls.__dict__.get("key"):
        raise SpecError(
            f"{cls.__name__} has no spec key: give it key: ClassVar[str] = '<name>' to register it"
        )
    if "__dataclass_fields__" not in cls.__dict__:
        raise SpecError(f"{cls.__name__} must be a frozen dataclass to be registered")
    held = MODELS.get(cls.key)
    if held is not None and held is not cls:
        raise SpecError(f"model key {cls.key!r} is taken by {held.__name__}; choose another key")
    MODELS[cls.key] = cls
    return cls


def model_fields(cls: type[NormalReturnModel]) -> dict[str, Any]:
    """A model's options: its init dataclass fields and their (resolved) types - the keys a
    TOML ``[model]`` table accepts besides ``name``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.models import model_fields
    >>> model_fields(es.Dimson)
    {'market': <class 'str'>, 'lags': <class 'int'>}
    """
    import typing

    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):  # an annotation that does not resolve: any value
        hints = {}
    return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(cls) if f.init}


for _cls in (  # the order of the spec's error messages: the original names, then the new
    ConstantMean,
    MarketAdjusted,
    MarketModel,
    CAPM,
    FamaFrench3,
    Carhart4,
    FamaFrench5,
    ScholesWilliams,
    Dimson,
    GarchMarketModel,
    FactorModel,
):
    register_model(_cls)
