"""One entry point for every cross-sectional test: :func:`run_tests`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .._boundary import memory_guard
from ..exceptions import SpecError
from ..panel import EventPanel

# registration order is reporting order: the parametric tests, then the rank and sign tests
from . import parametric as _parametric  # noqa: F401  (registers the tests)

# isort: split
from . import nonparametric as _nonparametric  # noqa: F401  (registers the tests)

# isort: split
from ._core import Context, Window, check_alternative, frame_from_columns, normalise_windows
from ._registry import REGISTRY, run_spec_columns
from ._stats import memo_for
from .clustering import clustering
from .conventions import Alternative, Conventions

__all__ = ["TEST_NAMES", "run_tests"]

_DEFAULT = Conventions()

#: Names accepted by ``run_tests(tests=...)``, in reporting order: the registry's keys.
TEST_NAMES: tuple[str, ...] = tuple(REGISTRY)


def _select(panel: EventPanel, tests: str | Sequence[str]) -> list[str]:
    if isinstance(tests, str):
        if tests != "all":
            tests = [tests]
        else:
            # the tests that apply: enough events (a single event has no cross-section) and
            # the panel fields they read (Lamb needs a market regressor)
            return [name for name, spec in REGISTRY.items() if spec.applies_to(panel)]
    unknown = [t for t in tests if t not in REGISTRY]
    if unknown:
        raise SpecError(f"unknown tests {unknown}; choose from {list(REGISTRY)} or 'all'")
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
        (the test assumes independence but the events cluster strongly in calendar time,
        ``degree == "strong"`` of :func:`clustering`: prefer ``kolari_pynnonen``,
        ``portfolio_test`` or ``sur_wald_test``; a mild overlap is not flagged) and
        ``conventions``. ``attrs["clustering"]`` holds the :func:`clustering` diagnostic,
        with its ``degree`` and ``advice``.

    Examples
    --------
    >>> import eventstudy as es
    >>> rows = es.run_tests(res.panel, tests=["patell", "bmp"], windows=[(0, 0)])  # doctest: +SKIP
    >>> rows[["test", "window", "statistic", "p_value"]]  # doctest: +SKIP
    """
    check_alternative(alternative)
    names = _select(panel, tests)
    # one context per panel and conventions, one clustering diagnostic per panel, and each
    # test's rows computed once per (windows, daily, alternative): the report's tables, the
    # summary and the Jupyter view ask for the same rows and share them
    ctx = Context.of(panel, conventions)
    memo = memo_for(panel)
    if "clustering" not in memo:
        memo["clustering"] = clustering(panel).iloc[0].to_dict()
    diagnostic = dict(memo["clustering"])
    shared = diagnostic["degree"] == "strong"  # flag by degree, not by any overlap
    rows_memo = memo_for(ctx)
    wins = None if windows is None else tuple((int(a), int(b)) for a, b in windows)
    need_windows = wins is not None or not daily
    whole = tuple(normalise_windows(panel, None))
    parts = []
    for name in names:  # one test at a time: a MemoryError names the test (issue 13)
        # a test's daily rows and its window rows are kept apart, so a later call that
        # asks for only one of them reuses what an earlier call computed
        day_key, win_key = (name, "daily", alternative, shared), (name, wins, alternative, shared)
        get_wins = need_windows and win_key not in rows_memo
        # the daily rows come along with a window computation (one pass over the test): the
        # report asks for windows only in one table and with the days in another
        get_days = day_key not in rows_memo and (daily or get_wins)
        if get_days or get_wins:
            with memory_guard(f"the {name} test ({panel.n_events} events)"):
                got = run_spec_columns(
                    REGISTRY[name],
                    ctx,
                    # windows=None means the whole window; said explicitly, so the window
                    # rows come back even when the daily rows are computed in the same pass
                    (wins if wins is not None else whole) if get_wins else None,
                    bool(get_days),
                    conventions,
                    alternative,
                    clustered=shared,
                )
            if get_days:
                rows_memo[day_key] = got.pop(0)
            if get_wins:
                rows_memo[win_key] = got.pop(0)
        parts += [rows_memo[day_key]] if daily else []
        parts += [rows_memo[win_key]] if need_windows else []
    out = frame_from_columns(parts)
    out.attrs["clustering"] = diagnostic
    out.attrs["conventions"] = conventions.describe()
    return out
