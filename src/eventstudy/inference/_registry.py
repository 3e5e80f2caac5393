"""How a test is described and run: daily rows, CAR-window rows, conventions, clustering flag."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ..engine.abnormal import CaarMethod
from ..engine.panel import EventPanel
from ..exceptions import InsufficientDataError
from ._cluster_measures import cluster_measures, clustering_degree
from ._core import (
    Columns,
    Context,
    Rows,
    Window,
    check_alternative,
    daily_columns,
    frame_from_columns,
    nanmean,
    normalise_windows,
    p_values,
    window_columns,
)
from .conventions import Conventions

DailyFn = Callable[[Context, str], Rows]
WindowFn = Callable[[Context, Sequence[Window], str], Rows]


@dataclass(frozen=True)
class TestSpec:
    """One test: its daily and CAR-window computations.

    ``naive`` marks tests that assume cross-sectionally independent abnormal returns; their
    rows get ``clustered=True`` when events cluster strongly in calendar time
    (:func:`~eventstudy.inference.guidance.clustering_degree`).
    ``z_like`` marks daily statistics that are approximately N(0, 1), which estudy2's
    ``daily_average`` CAR aggregation ``sum_t z_t / sqrt(T)`` may combine.
    ``min_events`` is the cross-section the test needs (2 for tests built on a
    cross-sectional dispersion). ``needs`` names the panel fields the test reads beyond the
    abnormal returns (Lamb: the market returns); ``run_tests(tests="all")`` skips a test
    whose fields the panel lacks, so callers never name tests to leave out.

    ``releases`` names context attributes the test builds for its own rows (GRANK's sorted
    estimation SARs); :func:`run_spec_columns` drops them once the rows are computed, so the
    tests after it do not run beside them.

    A new test is one ``TestSpec`` plus :func:`register` (from your own code: the package
    need not be edited). ``daily(ctx, alternative)`` returns the :class:`Rows` of each event
    day and ``window(ctx, windows, alternative)`` those of each CAR window; ``ctx`` is the
    shared inference context of the panel (``ctx.ar`` the ``(N, L)`` abnormal returns,
    ``ctx.window_days(w)`` a window's columns, ``ctx.car(cols)`` the CARs and their days).
    :func:`eventstudy.testing.check_test` checks a test against this contract.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.inference import Rows, TestSpec, p_values
    >>> def mean_z(x, alternative):  # mean / (sd / sqrt(N)) on the normal, per column
    ...     n = np.isfinite(x).sum(0)
    ...     z = np.nanmean(x, 0) / (np.nanstd(x, 0, ddof=1) / np.sqrt(n))
    ...     p = p_values(z, "normal", None, alternative)
    ...     return Rows(np.nanmean(x, 0), z, p, "normal", np.full(len(z), np.nan), n)
    >>> spec = TestSpec(
    ...     "mean_z",
    ...     daily=lambda ctx, alt: mean_z(ctx.ar, alt),
    ...     window=lambda ctx, windows, alt: mean_z(
    ...         np.column_stack([ctx.car(ctx.window_days(w))[0] for w in windows]), alt
    ...     ),
    ...     naive=True,
    ...     min_events=2,
    ... )
    >>> spec.name, spec.min_events
    ('mean_z', 2)
    """

    __test__: ClassVar[bool] = False  # not a pytest test class (its name starts with Test)

    name: str
    daily: DailyFn
    window: WindowFn
    naive: bool
    z_like: bool = True
    min_events: int = 1
    needs: frozenset[str] = frozenset()
    #: the CAAR the test estimates (:func:`eventstudy.engine.abnormal.caar_path`): the mean CAR, or
    #: the sum of the daily AARs (Brown-Warner, Lamb); they differ only when returns are missing
    caar: CaarMethod = "mean_car"
    #: context attributes the test builds for its own rows and that are released once they
    #: are computed (GRANK's sorted estimation SARs: ~1 GB at a million events, issue 14)
    releases: frozenset[str] = frozenset()
    #: conventions under which the test's own ``window`` gives its CAR rows even with
    #: ``car_aggregation="daily_average"`` (Corrado's rank under ``car_rank="common_mean"``,
    #: estudy2's ``car_rank_test``, is not a sum of daily statistics)
    own_car_rows: Callable[[Conventions], bool] | None = None

    def applies_to(self, panel: EventPanel) -> bool:
        """Whether the panel has the events (``min_events``) and the fields (``needs``).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.ConstantMean())
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.ConstantMean(), calendar=None)
        >>> panel = res.fit().panel
        >>> REGISTRY["lamb"].applies_to(panel), REGISTRY["patell"].applies_to(panel)
        (False, True)
        """
        return not self.why_not(panel)

    def why_not(self, panel: EventPanel) -> str:
        """Why the test cannot run on ``panel`` (the ``reason`` of its not-applicable rows),
        or ``""`` when it can.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.ConstantMean())
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.ConstantMean(), calendar=None)
        >>> REGISTRY["lamb"].why_not(res.fit().panel)
        "lamb needs the panel's market_est, market_evt, which this model lacks"
        """
        # panel.has: a market held as series + positions is not read into (n, L1) to answer
        missing = sorted(name for name in self.needs if not panel.has(name))
        if missing:
            return f"{self.name} needs the panel's {', '.join(missing)}, which this model lacks"
        if panel.n_events < self.min_events:
            return _too_few_events(self, panel.n_events)
        return ""


def _too_few_events(spec: TestSpec, n: int) -> str:
    return (
        f"{spec.name} needs at least {spec.min_events} events (the panel has {n}); "
        "for a single event use single_firm_t or pseudo_event_test"
    )


#: Every test by name, in registration order (= reporting order: ``inference.api`` imports
#: the parametric tests, then the non-parametric ones). The one registry: ``TEST_NAMES``,
#: ``run_tests(tests="all")`` and ``spec.available_tests()`` are derived from it.
REGISTRY: dict[str, TestSpec] = {}
#: changes with every register/unregister: memoised test rows are keyed by it, so a test
#: registered again under an old name never returns the old test's numbers
_VERSION = [0]


def registry_version() -> int:
    """A counter of the registry's changes (keys of the memoised test rows): a test
    registered or removed changes it, so no memo returns another test's numbers.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from eventstudy.inference.registry import REGISTRY, register, registry_version, unregister
    >>> before = registry_version()
    >>> _ = register(replace(REGISTRY["patell"], name="patell_copy"))
    >>> _ = unregister("patell_copy")
    >>> registry_version() == before + 2
    True
    """
    return _VERSION[0]


def register(spec: TestSpec) -> TestSpec:
    """Add a test to the one test registry (one line per test, next to its computations).

    A registered test is everywhere a library test is: ``run_tests(tests=[name])``,
    ``res.tests([name])``, ``run_tests(tests="all")`` (after the library's tests), the
    TOML spec's ``[tests] names`` and ``primary``, :func:`simulate` and
    :func:`registered_tests`. Register from your own code; nothing in the package changes.

    Parameters
    ----------
    spec : TestSpec
        The test; its ``name`` must not be taken by another test.

    Returns
    -------
    TestSpec
        ``spec`` (so ``MY_TEST = register(TestSpec(...))`` keeps a handle).

    Raises
    ------
    ValueError
        When another test is registered under ``spec.name`` (:func:`unregister` it first).

    Examples
    --------
    >>> import numpy as np
    >>> import eventstudy as es
    >>> from eventstudy.inference import Rows, TestSpec, p_values, register, unregister
    >>> from eventstudy.testing import simulated_study
    >>> def mean_z(x, alternative):  # mean / (sd / sqrt(N)) on the normal, per column
    ...     n = np.isfinite(x).sum(0)
    ...     z = np.nanmean(x, 0) / (np.nanstd(x, 0, ddof=1) / np.sqrt(n))
    ...     p = p_values(z, "normal", None, alternative)
    ...     return Rows(np.nanmean(x, 0), z, p, "normal", np.full(len(z), np.nan), n)
    >>> def daily(ctx, alternative):
    ...     return mean_z(ctx.ar, alternative)
    >>> def window(ctx, windows, alternative):
    ...     cars = [ctx.car(ctx.window_days(w))[0] for w in windows]
    ...     return mean_z(np.column_stack(cars), alternative)
    >>> MEAN_Z = register(TestSpec("mean_z", daily, window, naive=True, min_events=2))
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
    >>> res.fit().tests(["mean_z"], windows=[(0, 1)], daily=False)["test"].tolist()
    ['mean_z']
    >>> _ = unregister("mean_z")
    """
    held = REGISTRY.get(spec.name)
    if held is not None and held != spec:
        raise ValueError(f"test name {spec.name!r} is already registered")
    if held is None:
        _VERSION[0] += 1
    REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> TestSpec:
    """Remove a test from the registry (e.g. to register a new version of it).

    Parameters
    ----------
    name : str
        A registered test's name.

    Returns
    -------
    TestSpec
        The test that was removed.

    Raises
    ------
    KeyError
        When no test is registered under ``name``.

    Examples
    --------
    >>> import dataclasses
    >>> from eventstudy.inference import register, registered_tests, unregister
    >>> copy = register(dataclasses.replace(REGISTRY["patell"], name="patell_copy"))
    >>> registered_tests()[-1]
    'patell_copy'
    >>> unregister("patell_copy") is copy, "patell_copy" in registered_tests()
    (True, False)
    """
    if name not in REGISTRY:
        raise KeyError(f"no test {name!r} is registered; registered: {list(REGISTRY)}")
    _VERSION[0] += 1
    return REGISTRY.pop(name)


def registered_tests() -> tuple[str, ...]:
    """Names of every registered test, in reporting order (the library's, then yours).

    The live registry: a test :func:`register`-ed at run time is in it. ``TEST_NAMES``
    is the same tuple, read when it is accessed.

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> from eventstudy.inference import registered_tests
    >>> registered_tests()[:3]
    ('brown_warner_1980', 'brown_warner_1985', 'cross_sectional_t')
    """
    return tuple(REGISTRY)


def caar_method_of(test: str) -> CaarMethod:
    """The CAAR ``test`` estimates (its :attr:`TestSpec.caar`); the mean CAR for a test
    outside the registry (``single_firm_t`` of a single event: one CAR, both definitions
    agree). One rule for the CAAR that tables, figures and exports show.

    Examples
    --------
    >>> from eventstudy.inference.registry import caar_method_of
    >>> caar_method_of("bmp"), caar_method_of("corrado_rank"), caar_method_of("single_firm_t")
    ('mean_car', 'aar_sum', 'mean_car')
    """
    spec = REGISTRY.get(test)
    return spec.caar if spec is not None else "mean_car"


def daily_average_rows(ctx: Context, spec: TestSpec, windows: Sequence[Window], alt: str) -> Rows:
    """estudy2's CAR tests: ``sum_t z_t / sqrt(T)`` over kept days, estimate = mean daily AAR."""
    daily = spec.daily(ctx, alt)
    est, stat, n = [], [], []
    for w in windows:
        keep = ctx.window_days(w) & np.isfinite(daily.statistic)
        t_days = int(keep.sum())
        est.append(float(nanmean(ctx.aar[keep], 0)) if t_days else np.nan)
        stat.append(float(daily.statistic[keep].sum() / np.sqrt(t_days)) if t_days else np.nan)
        n.append(int((ctx.present[:, keep]).any(axis=1).sum()))
    s = np.asarray(stat)
    return Rows(
        estimate=np.asarray(est),
        statistic=s,
        p_value=p_values(s, "normal", None, alt),
        distribution="normal",
        df=np.full(len(windows), np.nan),
        n=np.asarray(n),
    )


def window_rows(spec: TestSpec, ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    """CAR-window rows of one test under the ``car_aggregation`` convention."""
    own = spec.own_car_rows is not None and spec.own_car_rows(ctx.conv)
    if ctx.conv.car_aggregation == "daily_average" and spec.z_like and not own:
        return daily_average_rows(ctx, spec, windows, alt)
    return spec.window(ctx, windows, alt)


def run_spec(
    spec: TestSpec,
    panel: EventPanel | Context,
    windows: Sequence[Window] | None,
    daily: bool,
    conventions: Conventions,
    alternative: str,
    clustered: bool | None = None,
) -> pd.DataFrame:
    """Daily rows and/or CAR-window rows of one test as a tidy DataFrame (the rows of
    :func:`run_spec_columns` in one frame, with the columns of :data:`RESULT_COLUMNS`).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import Conventions
    >>> from eventstudy.inference.registry import REGISTRY, run_spec
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = run_spec(REGISTRY["patell"], res.panel, [(0, 1)], False, Conventions(), "two-sided")
    >>> rows[["test", "window", "n"]].to_dict("records")
    [{'test': 'patell', 'window': '[0, 1]', 'n': 8}]
    """
    return frame_from_columns(
        run_spec_columns(spec, panel, windows, daily, conventions, alternative, clustered)
    )


def run_spec_columns(
    spec: TestSpec,
    panel: EventPanel | Context,
    windows: Sequence[Window] | None,
    daily: bool,
    conventions: Conventions,
    alternative: str,
    clustered: bool | None = None,
) -> list[Columns]:
    """The rows of :func:`run_spec` as column arrays (several tests make one frame)."""
    check_alternative(alternative)
    ctx = panel if isinstance(panel, Context) else Context.of(panel, conventions)
    if ctx.n < spec.min_events:
        raise InsufficientDataError(_too_few_events(spec, ctx.n))
    if clustered is None:
        clustered = clustering_degree(cluster_measures(ctx.panel)) == "strong"
    flag = bool(clustered and spec.naive)
    parts = []
    if daily:
        rows = spec.daily(ctx, alternative)
        parts.append(daily_columns(spec.name, ctx, rows, alternative, flag))
    if windows is not None or not daily:
        wins = normalise_windows(ctx.panel, windows)
        rows = window_rows(spec, ctx, wins, alternative)
        parts.append(window_columns(spec.name, ctx, wins, rows, alternative, flag))
    for key in spec.releases:  # what the test built for its own rows only (issue 14)
        ctx.__dict__.pop(key, None)
    return parts
