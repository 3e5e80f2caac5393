"""EventStudyResults: the fitted study as tidy DataFrames, its tests, second stage and reports.

One class, :class:`EventStudyResults` (:mod:`~eventstudy.results.base`), whose methods are
grouped in this package's modules by what they do (see :mod:`eventstudy.results.base`).
"""

from __future__ import annotations

from .base import EventStudyResults

# importable from ``eventstudy.results`` as before the package split (the study's market values)
from .market_values import _warn_missing_market_values as _warn_missing_market_values
from .market_values import market_value_asof as market_value_asof

__all__ = ["EventStudyResults"]
