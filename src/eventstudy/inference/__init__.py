"""Inference: parametric and non-parametric tests, clustered-date remedies, resampling, power.

Every test takes an :class:`~eventstudy.panel.EventPanel` and returns tidy rows; conventions
on which implementations differ are fields of :class:`Conventions`.
"""

from __future__ import annotations

from .api import TEST_NAMES, run_tests
from .bootstrap import bootstrap_caar, pseudo_event_test
from .clustering import (
    ResidualCorrelation,
    clustering,
    events_share_dates,
    portfolio_test,
    residual_correlation,
    sur_wald_test,
)
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
from .simulate import plot_power, simulate
from .single_firm import single_firm_t

__all__ = [
    "TEST_NAMES",
    "Conventions",
    "ResidualCorrelation",
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
    "patell",
    "plot_power",
    "portfolio_test",
    "pseudo_event_test",
    "residual_correlation",
    "run_tests",
    "sign_test",
    "simulate",
    "single_firm_t",
    "sur_wald_test",
    "wilcoxon",
]
