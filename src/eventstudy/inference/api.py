"""One entry point for every cross-sectional test: :func:`run_tests`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._boundary import memory_guard
from ..engine.panel import EventPanel
from ..exceptions import SpecError

# registration order is reporting order: the parametric tests, then the rank and sign tests
from . import parametric as _parametric  # noqa: F401  (registers the tests)

# isort: split
from . import nonparametric as _nonparametric  # noqa: F401  (registers the tests)

# isort: split
from ._core import (
    Columns,
    Context,
    Rows,
    Window,
    check_alternative,
    daily_columns,
    frame_from_columns,
    normalise_windows,
    window_columns,
)
from ._registry import REGISTRY, registered_tests, registry_version, run_spec_columns
from ._stats import memo_for
from .conventions import Alternative, Conventions
from .guidance import choose_headline
from .remedies import clustering
from .single_firm import single_firm_t

# TEST_NAMES is read from the registry when accessed (the module __getattr__ below)
__all__ = ["TEST_NAMES", "headline_rows", "run_tests"]  # noqa: F822

_DEFAULT = Conventions()


def __getattr__(name: str) -> tuple[str, ...]:
    """``TEST_NAMES``: the names ``run_tests(tests=...)`` accepts, in reporting order, read
    from the registry when accessed, so a test registered at run time is in it (PEP 562)."""
    if name == "TEST_NAMES":
        return registered_tests()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    strict: bool = False,
) -> pd.DataFrame:
    """Run several tests on an event panel and return one tidy DataFrame.

    Parameters
    ----------
    panel : EventPanel
        The engine's output (``EventStudyResults.panel``).
    tests : "all" or list of str
        Names from :data:`TEST_NAMES`. ``"all"`` skips Lamb when the panel has no market and,
        for a single event, the tests built on a cross-sectional dispersion (see also
        :func:`single_firm_t` and :func:`pseudo_event_test` for one firm on one day). A test
        named here that cannot run on the panel gives not-applicable rows: NaN numbers and a
        ``reason`` column saying why.
    windows : list of (start, end), optional
        CAR windows in event-grid units; ``None`` with ``daily=False`` tests the whole window.
    daily : bool
        Also test each event day's AAR.
    conventions : Conventions
        ``Conventions()`` (original papers) or e.g. ``Conventions.profile("estudy2")``.
    alternative : {"two-sided", "less", "greater"}
    strict : bool
        Raise instead of returning not-applicable rows (``InsufficientDataError`` for too few
        events, ``SpecError`` for a field the model lacks).

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
        ``conventions``; with not-applicable rows also ``reason`` (empty on computed rows).
        ``attrs["clustering"]`` holds the :func:`clustering` diagnostic, with its ``degree``
        and ``advice``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = es.run_tests(res.panel, tests=["patell", "bmp"], windows=[(0, 0)])
    >>> rows.dropna(subset=["window"])[["test", "window", "statistic", "p_value"]].round(4)
          test  window  statistic  p_value
    21  patell  [0, 0]    -0.5181   0.6044
    43     bmp  [0, 0]    -0.7482   0.4787
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
    parts: list[Columns] = []
    reasons: list[str] = []  # per part: why its test cannot run ("" when it ran)
    for name in names:  # one test at a time: a MemoryError names the test (issue 13)
        why = "" if strict else REGISTRY[name].why_not(panel)
        if why:  # not applicable: rows with NaN numbers and the reason, nothing computed
            na = _not_applicable(name, ctx, wins, daily, need_windows, alternative)
            parts += na
            reasons += [why] * len(na)
            continue
        # a test's daily rows and its window rows are kept apart, so a later call that
        # asks for only one of them reuses what an earlier call computed
        version = registry_version()  # a test registered again under this name: recompute
        day_key = (name, version, "daily", alternative, shared)
        win_key = (name, version, wins, alternative, shared)
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
        reasons += [""] * (int(daily) + int(need_windows))
    out = frame_from_columns(parts)
    if any(reasons):  # the column appears with not-applicable rows only: outputs stay as they were
        out["reason"] = np.repeat(reasons, [len(part["test"]) for part in parts])
    out.attrs["clustering"] = diagnostic
    out.attrs["conventions"] = conventions.describe()
    return out


def _not_applicable(
    name: str,
    ctx: Context,
    windows: Sequence[Window] | None,
    daily: bool,
    need_windows: bool,
    alternative: str,
) -> list[Columns]:
    """The day and window rows of a test that cannot run on the panel: NaN numbers, no
    distribution or stars, ``n`` the panel's events (a row in the one schema, not an error)."""

    def nan_rows(m: int) -> Rows:
        nan = np.full(m, np.nan)
        return Rows(nan, nan, nan, "", nan, np.full(m, ctx.n, dtype=np.int64))

    parts = []
    if daily:
        parts.append(daily_columns(name, ctx, nan_rows(len(ctx.rel)), alternative, False))
    if need_windows:
        wins = normalise_windows(ctx.panel, windows)
        parts.append(window_columns(name, ctx, wins, nan_rows(len(wins)), alternative, False))
    return parts


def headline_rows(
    panel: EventPanel,
    test: str,
    windows: Sequence[Window],
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """The CAR-window rows a table reports for ``test``, in the one results schema.

    ``test`` is resolved by :func:`~eventstudy.inference.guidance.choose_headline`: a single
    event has no cross-section, so a test that needs one (or ``"auto"``) is answered by the
    event's own t on its CAR (:func:`single_firm_t`), and the rows say so in their ``test``
    column. Tables read the same columns either way; they never name the fallback.

    Parameters
    ----------
    panel : EventPanel
    test : str
        A name of :data:`TEST_NAMES`, ``"auto"`` or ``"single_firm_t"``.
    windows : list of (start, end)
    conventions : Conventions, optional
        Default ``Conventions()`` (the original papers).

    Returns
    -------
    pandas.DataFrame
        One row per window (columns of :func:`run_tests`; ``single_firm_t`` rows lead with
        ``event_id, ticker``).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> one = sim.events.iloc[:1]
    >>> res = es.EventStudy(one, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> headline_rows(res.panel, "cross_sectional_t", [(0, 1)])["test"].tolist()
    ['single_firm_t']
    """
    conventions = conventions or _DEFAULT
    chosen = choose_headline(panel, test)
    if chosen == "single_firm_t":  # one event: its own t (the only fallback, decided above)
        return single_firm_t(panel, windows=windows, daily=False, conventions=conventions)
    frame = run_tests(panel, tests=[chosen], windows=windows, daily=False, conventions=conventions)
    return frame[frame["test"] == chosen]
