"""The engine: fitting events into one panel, the abnormal-return formulas and the executors.

* :mod:`~eventstudy.engine.align` - the returns, factors and events' day 0 on one session grid;
* :mod:`~eventstudy.engine.screening` - which events are usable and why not (the status);
* :mod:`~eventstudy.engine.block` - fitting a block of events with a model into a panel;
* :mod:`~eventstudy.engine.panel` - :class:`EventPanel`, the arrays of every fitted event, and
  :func:`build_panel`, its one constructor;
* :mod:`~eventstudy.engine.abnormal` - AR, Var(AR), CAR, Var(CAR), AAR, the CAAR path, BHAR
  (the one place of each formula);
* :mod:`~eventstudy.engine.dollar_values` - market values for dollar abnormal returns;
* :mod:`~eventstudy.engine.executors` - the chunked and Dask executors of a study.

The engine sits between the models (below) and the inference (above); it never imports the
results, reports or the study (``tests/test_architecture.py`` and import-linter check it).
"""

from __future__ import annotations

from .abnormal import (
    CAAR_METHODS,
    CaarMethod,
    aar,
    abnormal_returns,
    bhar,
    caar_path,
    car,
    car_var_factor,
    prediction_error_factor,
    running_car,
    var_abnormal,
    var_car,
)
from .align import AlignedReturns, align_returns
from .block import BlockSettings, fit_events
from .dollar_values import StaleMarketValueWarning, read_market_values_file, read_shares_file
from .executors import (
    DEFAULT_CHUNK_EVENTS,
    FittedBlock,
    StudyEngine,
    fit_chunked,
    fit_dask,
    partition_events,
)
from .panel import (
    ROW_FIELDS,
    EventPanel,
    SessionPositions,
    SessionValues,
    build_panel,
    check_window,
    window_columns,
    window_label,
)

__all__ = [
    "CAAR_METHODS",
    "AlignedReturns",
    "BlockSettings",
    "DEFAULT_CHUNK_EVENTS",
    "ROW_FIELDS",
    "CaarMethod",
    "EventPanel",
    "FittedBlock",
    "SessionPositions",
    "SessionValues",
    "StaleMarketValueWarning",
    "StudyEngine",
    "aar",
    "abnormal_returns",
    "align_returns",
    "bhar",
    "build_panel",
    "caar_path",
    "car",
    "car_var_factor",
    "check_window",
    "fit_chunked",
    "fit_dask",
    "fit_events",
    "partition_events",
    "prediction_error_factor",
    "read_market_values_file",
    "read_shares_file",
    "running_car",
    "var_abnormal",
    "var_car",
    "window_columns",
    "window_label",
]
