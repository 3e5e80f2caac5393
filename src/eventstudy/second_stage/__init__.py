"""The second stage of an event study: explain the abnormal returns, and other outcomes.

* :mod:`~eventstudy.second_stage.crosssection` - regress CARs / BHARs / SCARs on firm
  characteristics with statsmodels (HC3, clustered or WLS errors);
* :mod:`~eventstudy.second_stage.longhorizon` - skewness-adjusted and bootstrapped
  skewness-adjusted BHAR t tests (Lyon, Barber & Tsai 1999) and calendar-time portfolios;
* :mod:`~eventstudy.second_stage.volume` - abnormal trading volume on the same engine
  (Campbell & Wasley 1996);
* :mod:`~eventstudy.second_stage.volatility` - event-induced variance: variance ratios
  (Beaver 1968), the squared-SAR test and Harrington & Shrider (2007);
* :mod:`~eventstudy.second_stage.plots` - CAR-vs-characteristic scatter, CAR distributions,
  abnormal-volume paths.

Names are imported lazily, like the package itself.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "cross_section": "crosssection",
    "cross_section_frame": "crosssection",
    "regression_table": ".report.tables",  # presentation: it lives in eventstudy.report.tables
    "bhar_tests": "longhorizon",
    "skewness_adjusted_t": "longhorizon",
    "bootstrap_skewness_adjusted_t": "longhorizon",
    "calendar_time_portfolio": "longhorizon",
    "volume_study": "volume",
    "volume_frame": "volume",
    "variance_ratio": "volatility",
    "variance_tests": "volatility",
    "plot_car_scatter": "plots",
    "plot_car_distribution": "plots",
    "plot_volume_path": "plots",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eventstudy.second_stage' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
