"""How a test is described and run: daily rows, CAR-window rows, conventions, clustering flag."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..abnormal import CaarMethod
from ..exceptions import InsufficientDataError
from ..panel import EventPanel
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
    """

    __test__: ClassVar[bool] = False  # not a pytest test class (its name starts with Test)

    name: str
    daily: DailyFn
    window: WindowFn
    naive: bool
    z_like: bool = True
    min_events: int = 1
    needs: frozenset[str] = frozenset()
    #: the CAAR the test estimates (:func:`eventstudy.abnormal.caar_path`): the mean CAR, or
    #: the sum of the daily AARs (Brown-Warner, Lamb); they differ only when returns are missing
    caar: CaarMethod = "mean_car"

    def applies_to(self, panel: EventPanel) -> bool:
        """Whether the panel has the events (``min_events``) and the fields (``needs``)."""
        has_fields = all(getattr(panel, name, None) is not None for name in self.needs)
        return has_fields and panel.n_events >= self.min_events


#: Every test by name, in registration order (= reporting order: ``inference.api`` imports
#: the parametric tests, then the non-parametric ones). The one registry: ``TEST_NAMES``,
#: ``run_tests(tests="all")`` and ``spec.available_tests()`` are derived from it.
REGISTRY: dict[str, TestSpec] = {}


def register(spec: TestSpec) -> TestSpec:
    """Add a test to :data:`REGISTRY` (one line per test, next to its computations)."""
    held = REGISTRY.get(spec.name)
    if held is not None and held != spec:
        raise ValueError(f"test name {spec.name!r} is already registered")
    REGISTRY[spec.name] = spec
    return spec


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
    if ctx.conv.car_aggregation == "daily_average" and spec.z_like:
        return daily_average_rows(ctx, spec, windows, alt)
    return spec.window(ctx, windows, alt)


def run_spec(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """Daily rows and/or CAR-window rows of one test as a tidy DataFrame: the arguments
    and rows of :func:`run_spec_columns`, in one frame."""
    return frame_from_columns(run_spec_columns(*args, **kwargs))


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
    ctx = panel if isinstance(panel, Context) else Context(panel, conventions)
    if ctx.n < spec.min_events:
        raise InsufficientDataError(
            f"{spec.name} needs at least {spec.min_events} events (the panel has {ctx.n}); "
            "for a single event use single_firm_t or pseudo_event_test"
        )
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
    return parts
