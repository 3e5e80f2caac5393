"""Significance tests of the results: ``tests()`` (memoised on its arguments), per-group runs,
the clustered-date remedies, single-firm, pseudo-event and bootstrap tests.

Methods of :class:`~eventstudy.results.EventStudyResults` (assigned in its class body); the
computations are :mod:`eventstudy.inference`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..engine.panel import EventPanel
from ..exceptions import SpecError

if TYPE_CHECKING:  # pragma: no cover - annotations only: base imports this module
    from ..inference import Conventions
    from .base import EventStudyResults


def tests(
    self: EventStudyResults,
    tests: str | Sequence[str] | None = None,
    windows: Sequence[tuple[int, int]] | None = None,
    *,
    daily: bool | None = None,
    conventions: Conventions | None = None,
    alternative: str = "two-sided",
    by: str | None = None,
    conventions_column: bool = False,
    strict: bool = False,
) -> pd.DataFrame:
    """Run significance tests on the panel; see :func:`eventstudy.inference.run_tests`.

    ``tests``: ``"all"`` or names; by default the tests a spec chose
    (:attr:`default_tests`), else every registered test.

    Returns tidy rows: ``test, window, rel_day, estimate, statistic, p_value, distribution,
    df, n, stars, clustered``. With ``windows=[...]`` only the window rows are returned
    unless ``daily=True`` asks for each day's test too (without windows the daily rows are
    the result). The conventions used are in ``.attrs["conventions"]`` (one line of text);
    ``conventions_column=True`` adds them as a column (as in the CSV exports). ``clustered`` is True on a test that assumes
    independent abnormal returns while event windows overlap in calendar time (prefer
    ``brown_warner_1985``, ``kolari_pynnonen`` or the portfolio test then). With
    ``by="group"`` the tests run on each group's events separately and a ``group`` column
    leads the table. A test named in ``tests`` that cannot run on the events (too few for
    its cross-section, a field the model lacks) gives rows with NaN numbers and a
    ``reason`` column; ``strict=True`` raises instead.

    Examples
    --------
    >>> res.tests(windows=[(0, 0), (-1, 1)])  # doctest: +SKIP
    >>> res.tests(["patell", "bmp"], alternative="less")  # doctest: +SKIP
    >>> res.tests(conventions=es.Conventions.profile("estudy2"))  # doctest: +SKIP
    """
    from ..inference import run_tests
    from ..inference.registry import registry_version

    tests = self._tests_or(tests)
    used = self._conventions_or(conventions)
    with_days = windows is None if daily is None else daily
    # memoised on the arguments (run_tests also keeps each test's rows with the panel)
    key = (
        registry_version(),  # "all" after a test was registered or removed: run again
        tests if isinstance(tests, str) else tuple(tests),
        None if windows is None else tuple(tuple(w) for w in windows),
        with_days,
        used,
        alternative,
        by,
        conventions_column,
        strict,
    )
    memo: dict[Any, pd.DataFrame] = self.__dict__.setdefault("_tests_memo", {})
    if key in memo:
        return memo[key].copy()

    def run(panel: EventPanel) -> pd.DataFrame:
        return run_tests(
            panel,
            tests=tests,
            windows=windows,
            daily=with_days,
            conventions=used,
            alternative=alternative,  # type: ignore[arg-type]
            strict=strict,
        )

    table = self._by_group(run, by)
    table.attrs["conventions"] = used.describe()
    if not conventions_column and "conventions" in table:
        # ~250 characters in every row push the useful columns off screen
        table = table.drop(columns="conventions")
    memo[key] = table
    return table.copy()


def _by_group(
    self: EventStudyResults, run: Callable[[EventPanel], pd.DataFrame], by: str | None
) -> pd.DataFrame:
    """``run(panel)`` on the whole panel, or on each group's events (``by="group"``) with
    a leading ``group`` column.
    """
    if by is None:
        return run(self.panel)
    ids = self._ids(extra=True)
    if by not in ids or by == "event_id":
        extra = [c for c in ids if c not in ("event_id", "ticker", "group")]
        raise SpecError(
            f"by={by!r} is not a column of the events; use 'group', 'ticker' or one of "
            f"the events frame's extra columns {extra}"
        )
    labels = np.asarray(ids[by], dtype=object)
    if by == "group" and self.panel.group is None:
        raise SpecError("by='group' needs group labels: give the events frame a 'group' column")
    frames = []
    for label in pd.unique(labels):  # one pass per label (a handful), not per event
        same = pd.isna(labels) if pd.isna(label) else labels == label
        part = run(self.panel.take(np.asarray(same, dtype=bool)))
        part.insert(0, by, label)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    if "reason" in out:  # a group whose tests all ran has no reason column: "" (computed)
        out["reason"] = out["reason"].fillna("")
    return out


def portfolio_test(
    self: EventStudyResults,
    windows: Sequence[tuple[int, int]] | None = None,
    *,
    alternative: str = "two-sided",
    by: str | None = None,
    sample: str = "common",
    strict: bool = False,
) -> pd.DataFrame:
    """Clustered-date remedy: one equally weighted portfolio per event date, its CAR tested
    against its own estimation-window variance; see
    :func:`eventstudy.inference.portfolio_test` (``by="group"``: per group; ``sample``:
    the firms of each estimation day, ``"common"`` or ``"all"``; a date that cannot be
    tested is a row with a ``reason``, or an error with ``strict=True``).

    Examples
    --------
    >>> res.portfolio_test([(0, 0), (0, 1)])  # doctest: +SKIP
    """
    from ..inference import portfolio_test

    return self._by_group(
        lambda panel: portfolio_test(
            panel,
            windows=windows,
            alternative=alternative,  # type: ignore[arg-type]  # checked by the test
            sample=sample,
            strict=strict,
        ),
        by,
    )


def sur_wald_test(
    self: EventStudyResults,
    window: tuple[int, int] | None = None,
    *,
    by: str | None = None,
    reference: str = "F",
    strict: bool = False,
) -> pd.DataFrame:
    """Clustered-date remedy: event-day dummies estimated as a system (SUR) with Wald tests
    that all firms' effects are zero and that their average is zero, referred to the exact
    F (Hotelling) or, with ``reference="chi2"``, to chi2; see
    :func:`eventstudy.inference.sur_wald_test` (``by="group"``: per group; a date that
    cannot be tested is a row with a ``reason``, or an error with ``strict=True``).

    Examples
    --------
    >>> res.sur_wald_test((0, 1))  # doctest: +SKIP
    """
    from ..inference import sur_wald_test

    return self._by_group(lambda panel: sur_wald_test(panel, window, reference, strict), by)


def single_firm_tests(
    self: EventStudyResults,
    windows: Sequence[tuple[int, int]] | None = None,
    *,
    daily: bool = True,
    conventions: Conventions | None = None,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> pd.DataFrame:
    """Per-event t tests on AR and CAR with the prediction-error-corrected variance
    (see :func:`eventstudy.inference.single_firm_t`; ``conventions`` default to the
    results' own).

    Examples
    --------
    >>> res.single_firm_tests([(0, 0), (-1, 1)])  # doctest: +SKIP
    """
    from ..inference import single_firm_t

    return single_firm_t(
        self.panel,
        windows=windows,
        daily=daily,
        conventions=self._conventions_or(conventions),
        alternative=alternative,
    )


def pseudo_event_test(
    self: EventStudyResults,
    windows: Sequence[tuple[int, int]] | None = None,
    *,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """Each firm's event CAR against the distribution of its own estimation-window CARs
    (see :func:`eventstudy.inference.pseudo_event_test`).

    Examples
    --------
    >>> res.pseudo_event_test([(0, 1)])  # doctest: +SKIP
    """
    from ..inference import pseudo_event_test

    return pseudo_event_test(
        self.panel,
        windows=windows,
        alternative=alternative,
        conventions=self._conventions_or(conventions),
    )


def bootstrap_caar(
    self: EventStudyResults,
    windows: Sequence[tuple[int, int]] | None = None,
    *,
    n_boot: int = 9999,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """Bootstrap confidence intervals for CAAR; see :func:`eventstudy.inference.bootstrap_caar`.

    Examples
    --------
    >>> res.bootstrap_caar([(0, 1)], n_boot=999, seed=0)  # doctest: +SKIP
    """
    from ..inference import bootstrap_caar

    return bootstrap_caar(
        self.panel,
        windows=windows,
        n_boot=n_boot,
        level=level,
        seed=seed,
        conventions=self._conventions_or(conventions),
    )


def clustering(self: EventStudyResults) -> pd.DataFrame:
    """How many events share their day 0 (the diagnostic behind clustered-date remedies).

    Examples
    --------
    >>> res.clustering()  # events sharing each day 0  # doctest: +SKIP
    """
    from ..inference import clustering

    return clustering(self.panel)
