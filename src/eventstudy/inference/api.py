"""One entry point for every cross-sectional test: :func:`run_tests`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..exceptions import SpecError
from ..panel import EventPanel
from . import nonparametric as _nonparametric  # noqa: F401  (registers the tests)
from . import parametric as _parametric  # noqa: F401  (registers the tests)
from ._core import Context, Window, check_alternative, frame_from_columns
from ._registry import REGISTRY, run_spec_columns
from .clustering import clustering
from .conventions import Alternative, Conventions

__all__ = ["TEST_NAMES", "run_tests"]

_DEFAULT = Conventions()

#: Names accepted by ``run_tests(tests=...)``, in reporting order.
TEST_NAMES: tuple[str, ...] = (
    "brown_warner_1980",
    "brown_warner_1985",
    "cross_sectional_t",
    "patell",
    "bmp",
    "kolari_pynnonen",
    "lamb",
    "sign",
    "generalized_sign",
    "corrado_zivney_sign",
    "corrado_rank",
    "corrado_zivney_rank",
    "grank",
    "wilcoxon",
)


def _select(panel: EventPanel, tests: str | Sequence[str]) -> list[str]:
    if isinstance(tests, str):
        if tests != "all":
            tests = [tests]
        else:
            names = list(TEST_NAMES)
            if panel.market_est is None or panel.market_evt is None:
                names.remove("lamb")  # Lamb needs a market regressor
            # a single event has no cross-section: keep the tests that still apply
            return [t for t in names if panel.n_events >= REGISTRY[t].min_events]
    unknown = [t for t in tests if t not in REGISTRY]
    if unknown:
        raise SpecError(f"unknown tests {unknown}; choose from {list(TEST_NAMES)} or 'all'")
    return list(tests)


def run_tests(
    panel: EventPanel,
    tests: str | Sequence[str] = "all",
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Run several tests on an event panel and return one tidy DataFrame.

    Parameters
    ----------
    panel : EventPanel
        The engine's output (``EventStudyResults.panel``).
    tests : "all" or list of str
        Names from :data:`TEST_NAMES`. ``"all"`` skips Lamb when the panel has no market and,
        for a single event, the tests built on a cross-sectional dispersion (see also
        :func:`single_firm_t` and :func:`pseudo_event_test` for one firm on one day).
    windows : list of (start, end), optional
        CAR windows in event-grid units; ``None`` with ``daily=False`` tests the whole window.
    daily : bool
        Also test each event day's AAR.
    conventions : Conventions
        ``Conventions()`` (original papers) or e.g. ``Conventions.profile("estudy2")``.
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    pandas.DataFrame
        One row per test and day (``rel_day`` set, ``window`` NA) or CAR window (``window``
        ``"[a, b]"``), columns ``test, window, rel_day, start, end, date`` (the session when
        all events share it), ``estimate`` (AAR / CAAR; estudy2's CAR tests: mean daily AAR),
        ``statistic, p_value, alternative, distribution, df, n, stars, clustered``
        (the test assumes independence but event windows overlap in calendar time: prefer
        ``kolari_pynnonen``, ``portfolio_test`` or ``sur_wald_test``) and ``conventions``.
        ``attrs["clustering"]`` holds the :func:`clustering` diagnostic.
    """
    check_alternative(alternative)
    names = _select(panel, tests)
    ctx = Context(panel, conventions)
    diagnostic = clustering(panel).iloc[0].to_dict()
    shared = bool(diagnostic["clustered"])
    parts = [
        part
        for name in names
        for part in run_spec_columns(
            REGISTRY[name], ctx, windows, daily, conventions, alternative, clustered=shared
        )
    ]
    out = frame_from_columns(parts)
    out.attrs["clustering"] = diagnostic
    out.attrs["conventions"] = conventions.describe()
    return out
