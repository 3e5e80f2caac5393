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

import dataclasses
from typing import Any, TypeVar

from ..exceptions import GarchConvergenceWarning, SpecError
from .base import Design, ModelData, ModelFit, NormalReturnModel
from .garch import GARCH_PARAM_UNITS, GarchMarketModel
from .linear import (
    CAPM,
    Carhart4,
    ConstantMean,
    FactorModel,
    FamaFrench3,
    FamaFrench5,
    MarketAdjusted,
    MarketModel,
)
from .thin_trading import Dimson, ScholesWilliams

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
