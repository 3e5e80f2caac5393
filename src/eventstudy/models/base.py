"""The model interface: the aligned data a model reads (:class:`ModelData`), the design it
builds (:class:`Design`), its fit (:class:`ModelFit`) and the abstract
:class:`NormalReturnModel` every normal-return model subclasses."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from ..exceptions import SpecError
from .ols import OLSFit, batched_ols

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


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
        """The fit of a plain OLS model (:func:`~eventstudy.models.ols.batched_ols`'s result).

        Examples
        --------
        >>> import numpy as np
        >>> from eventstudy.models.ols import batched_ols
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
            :func:`~eventstudy.models.ols.batched_ols`).

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
