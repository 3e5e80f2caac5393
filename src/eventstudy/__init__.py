"""eventstudy: financial event studies in Python.

The package follows the pipeline of an event study, one module per stage::

    data (prices, cache, snapshots, factors)  →  returns  →  calendar / events (day 0, windows)
    →  models (normal-return models)  →  estimation (batched least squares)  →  abnormal (AR, CAR, BHAR, $)
    →  inference (tests)  →  results / tables / plotting  →  cli (study spec → report)

Public names are imported lazily so that ``import eventstudy`` is fast, configures no
logging and touches no network.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "EventStudyError": "exceptions",
    "DataError": "exceptions",
    "DataUnavailableError": "exceptions",
    "CacheError": "exceptions",
    "InsufficientDataError": "exceptions",
    "SpecError": "exceptions",
    "OutputError": "exceptions",
    "EventStudyWarning": "exceptions",
    "EventsDroppedWarning": "exceptions",
    "GarchConvergenceWarning": "exceptions",
    # data layer
    "load_prices": "data",
    "read_prices": "data",
    "PriceSource": "data",
    "YahooSource": "data",
    "LocalSource": "data",
    "FrameSource": "data",
    "export_snapshot": "data",
    "load_snapshot": "data",
    "load_snapshot_factors": "data",
    "load_factors": "data",
    "load_market_values": "data",
    # returns and calendars
    "compute_returns": "returns",
    "trading_sessions": "calendar",
    "map_to_day0": "calendar",
    # events and models
    "prepare_events": "events",
    "ConstantMean": "models",
    "MarketAdjusted": "models",
    "MarketModel": "models",
    "CAPM": "models",
    "FactorModel": "models",
    "FamaFrench3": "models",
    "Carhart4": "models",
    "FamaFrench5": "models",
    "ScholesWilliams": "models",
    "Dimson": "models",
    "GarchMarketModel": "models",
    # engine and results
    "EventPanel": "panel",
    "EventStudy": "study",
    "EventStudyResults": "results",
    "etable": "tables",
    # inference
    "Conventions": "inference",
    "run_tests": "inference",
    "simulate": "inference",
    "plot_power": "inference",
    # study specs
    "StudySpec": "spec",
    "load_spec": "spec",
}

# submodules reachable as attributes (``es.plotting.plot_overlay``), imported on first use
_SUBMODULES = frozenset(
    {
        "abnormal",
        "calendar",
        "cli",
        "config",
        "data",
        "estimation",
        "events",
        "exceptions",
        "inference",
        "models",
        "panel",
        "parallel",
        "plotting",
        "report",
        "results",
        "returns",
        "spec",
        "study",
        "tables",
    }
)

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eventstudy' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *_SUBMODULES])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .calendar import map_to_day0, trading_sessions
    from .data import (
        FrameSource,
        LocalSource,
        PriceSource,
        YahooSource,
        export_snapshot,
        load_factors,
        load_market_values,
        load_prices,
        load_snapshot,
        load_snapshot_factors,
        read_prices,
    )
    from .events import prepare_events
    from .exceptions import (
        CacheError,
        DataError,
        DataUnavailableError,
        EventsDroppedWarning,
        EventStudyError,
        EventStudyWarning,
        GarchConvergenceWarning,
        InsufficientDataError,
        OutputError,
        SpecError,
    )
    from .inference import Conventions, plot_power, run_tests, simulate
    from .models import (
        CAPM,
        Carhart4,
        ConstantMean,
        Dimson,
        FactorModel,
        FamaFrench3,
        FamaFrench5,
        GarchMarketModel,
        MarketAdjusted,
        MarketModel,
        ScholesWilliams,
    )
    from .panel import EventPanel
    from .results import EventStudyResults
    from .spec import StudySpec, load_spec
    from .study import EventStudy
    from .tables import etable
