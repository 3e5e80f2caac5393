"""Inference: parametric and non-parametric tests, clustered-date remedies, resampling, power.

Every test takes an :class:`~eventstudy.engine.panel.EventPanel` and returns tidy rows; conventions
on which implementations differ are fields of :class:`Conventions`.
"""

from __future__ import annotations

from ._core import Rows
from ._registry import TestSpec, register, registered_tests, unregister
from ._stats import p_values
from .api import run_tests
from .bootstrap import bootstrap_caar, pseudo_event_test
from .conventions import Conventions
from .nonparametric import (
    corrado_rank,
    corrado_zivney_rank,
    corrado_zivney_sign,
    generalized_sign,
    grank,
    sign_test,
    wilcoxon,
)
from .parametric import (
    boehmer_musumeci_poulsen,
    brown_warner_1980,
    brown_warner_1985,
    cross_sectional_t,
    kolari_pynnonen,
    lamb,
    patell,
)
from .remedies import (
    ResidualCorrelation,
    clustering,
    events_share_dates,
    portfolio_test,
    residual_correlation,
    sur_wald_test,
)
from .simulation import plot_power, simulate
from .single_firm import single_firm_t


def __getattr__(name: str) -> tuple[str, ...]:
    """``TEST_NAMES``: every registered test's name, in reporting order, read from the
    registry when accessed (:func:`registered_tests`), so tests registered at run time count."""
    if name == "TEST_NAMES":
        return registered_tests()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TEST_NAMES",
    "Conventions",
    "ResidualCorrelation",
    "Rows",
    "TestSpec",
    "boehmer_musumeci_poulsen",
    "bootstrap_caar",
    "brown_warner_1980",
    "brown_warner_1985",
    "clustering",
    "corrado_rank",
    "corrado_zivney_rank",
    "corrado_zivney_sign",
    "cross_sectional_t",
    "events_share_dates",
    "generalized_sign",
    "grank",
    "kolari_pynnonen",
    "lamb",
    "p_values",
    "patell",
    "plot_power",
    "portfolio_test",
    "pseudo_event_test",
    "register",
    "registered_tests",
    "residual_correlation",
    "run_tests",
    "sign_test",
    "simulate",
    "single_firm_t",
    "sur_wald_test",
    "unregister",
    "wilcoxon",
]
