"""eventstudy: financial event studies in Python.

The package follows the pipeline of an event study, one module or package per stage::

    data/ (prices, cache, snapshots, factors)  →  returns  →  calendar / events (day 0, windows)
    →  models/ (normal-return models, batched least squares)
    →  engine/ (the event panel; AR, CAR, BHAR, $; chunked and Dask executors)
    →  inference/ (tests)  →  results  →  report/ (summary, tables, figures, documents)
    →  study / spec / workflow  →  cli (study spec → report)

Public names are imported lazily so that ``import eventstudy`` is fast, configures no
logging and touches no network.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

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
    "InsufficientMemoryError": "exceptions",
    "SuspectedSplitWarning": "exceptions",
    "StaleMarketValueWarning": "engine.dollar_values",
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
    "EventPanel": "engine.panel",
    "EventStudy": "study",
    "EventStudyResults": "results",
    "etable": "report.tables",
    # inference
    "Conventions": "inference",
    "run_tests": "inference",
    "simulate": "inference",
    "plot_power": "inference",
    # study specs
    "StudySpec": "spec",
    "load_spec": "spec",
    # shock scanner: find the shock days of a universe, then study them
    "scan_shocks": "scan",
    "ShockScan": "scan",
    # second stage (issue 16)
    "volume_study": "second_stage",
    "calendar_time_portfolio": "second_stage",
    # one call: tickers and a date, or a spec, to results
    "event_study": "workflow",
    "run_spec": "workflow",
}

# submodules reachable as attributes (``es.plotting.plot_overlay``), imported on first use
_SUBMODULES = frozenset(
    {
        "calendar",
        "cli",
        "config",
        "data",
        "engine",
        "events",
        "exceptions",
        "inference",
        "models",
        "report",
        "results",
        "returns",
        "scan",
        "second_stage",
        "spec",
        "study",
        "workflow",
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
    from .calendar import map_to_day0 as map_to_day0
    from .calendar import trading_sessions as trading_sessions
    from .data import FrameSource as FrameSource
    from .data import LocalSource as LocalSource
    from .data import PriceSource as PriceSource
    from .data import YahooSource as YahooSource
    from .data import export_snapshot as export_snapshot
    from .data import load_factors as load_factors
    from .data import load_market_values as load_market_values
    from .data import load_prices as load_prices
    from .data import load_snapshot as load_snapshot
    from .data import load_snapshot_factors as load_snapshot_factors
    from .data import read_prices as read_prices
    from .engine.dollar_values import StaleMarketValueWarning as StaleMarketValueWarning
    from .engine.panel import EventPanel as EventPanel
    from .events import prepare_events as prepare_events
    from .exceptions import CacheError as CacheError
    from .exceptions import DataError as DataError
    from .exceptions import DataUnavailableError as DataUnavailableError
    from .exceptions import EventsDroppedWarning as EventsDroppedWarning
    from .exceptions import EventStudyError as EventStudyError
    from .exceptions import EventStudyWarning as EventStudyWarning
    from .exceptions import GarchConvergenceWarning as GarchConvergenceWarning
    from .exceptions import InsufficientDataError as InsufficientDataError
    from .exceptions import InsufficientMemoryError as InsufficientMemoryError
    from .exceptions import OutputError as OutputError
    from .exceptions import SpecError as SpecError
    from .exceptions import SuspectedSplitWarning as SuspectedSplitWarning
    from .inference import Conventions as Conventions
    from .inference import plot_power as plot_power
    from .inference import run_tests as run_tests
    from .inference import simulate as simulate
    from .models import CAPM as CAPM
    from .models import Carhart4 as Carhart4
    from .models import ConstantMean as ConstantMean
    from .models import Dimson as Dimson
    from .models import FactorModel as FactorModel
    from .models import FamaFrench3 as FamaFrench3
    from .models import FamaFrench5 as FamaFrench5
    from .models import GarchMarketModel as GarchMarketModel
    from .models import MarketAdjusted as MarketAdjusted
    from .models import MarketModel as MarketModel
    from .models import ScholesWilliams as ScholesWilliams
    from .report.tables import etable as etable
    from .results import EventStudyResults as EventStudyResults
    from .returns import compute_returns as compute_returns
    from .scan import ShockScan as ShockScan
    from .scan import scan_shocks as scan_shocks
    from .second_stage import calendar_time_portfolio as calendar_time_portfolio
    from .second_stage import volume_study as volume_study
    from .spec import StudySpec as StudySpec
    from .spec import load_spec as load_spec
    from .study import EventStudy as EventStudy
    from .workflow import event_study as event_study
    from .workflow import run_spec as run_spec
