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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> table = res.tests(["patell", "bmp", "kolari_pynnonen"], windows=[(0, 0), (-1, 1)])
    >>> table[["test", "window", "estimate", "statistic", "p_value", "distribution"]].round(3)
                  test   window  estimate  statistic  p_value distribution
    0           patell   [0, 0]    -0.004     -0.518    0.604       normal
    1           patell  [-1, 1]     0.006      0.631    0.528       normal
    2              bmp   [0, 0]    -0.004     -0.748    0.479            t
    3              bmp  [-1, 1]     0.006      0.730    0.489            t
    4  kolari_pynnonen   [0, 0]    -0.004     -0.748    0.479            t
    5  kolari_pynnonen  [-1, 1]     0.006      0.730    0.489            t
    >>> len(res.tests("patell"))  # no windows: one row per day of the event window
    21
    >>> res.tests("patell", [(-1, 1)], alternative="less")[["test", "statistic", "p_value"]].round(3)
         test  statistic  p_value
    0  patell      0.631    0.736
    >>> plain = es.Conventions(prediction_error=False)  # sigma^2 without the prediction error
    >>> patell = res.tests("patell", [(-1, 1)], conventions=plain)
    >>> patell["statistic"].round(3).tolist(), patell.attrs["conventions"].split(", ")[2]
    ([0.636], 'prediction_error=False')
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
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> day0 = sim.events["date"]
    >>> events = pd.DataFrame({"ticker": ["F1", "F3", "F4", "F5"],  # two firms on each of two days
    ...                        "date": [day0[1], day0[1], day0[3], day0[3]]})
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.portfolio_test([(0, 1)]).set_index("date")[["estimate", "statistic", "p_value", "n"]].round(3)
                estimate  statistic  p_value  n
    date
    2021-12-06     0.011      0.654    0.514  2
    2022-02-14    -0.018     -1.014    0.312  2
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
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> day0 = sim.events["date"]
    >>> events = pd.DataFrame({"ticker": ["F1", "F3", "F4", "F5"],  # two firms on each of two days
    ...                        "date": [day0[1], day0[1], day0[3], day0[3]]})
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = res.sur_wald_test((0, 1)).set_index("date")
    >>> rows[["hypothesis", "statistic", "df", "df2", "p_value"]].round(3)  # W_avg = portfolio t^2
                  hypothesis  statistic  df  df2  p_value
    date
    2021-12-06      all zero      1.359   2  222    0.509
    2021-12-06  average zero      0.428   1  223    0.514
    2022-02-14      all zero      2.379   2  230    0.308
    2022-02-14  average zero      1.028   1  231    0.312
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = res.single_firm_tests([(0, 1)], daily=False)  # one row per event and window
    >>> rows[["event_id", "estimate", "std_error", "statistic", "p_value"]].head(3).round(4)
      event_id  estimate  std_error  statistic  p_value
    0       e0    0.0097     0.0182     0.5307   0.5963
    1       e1   -0.0074     0.0252    -0.2928   0.7700
    2       e2   -0.0105     0.0281    -0.3724   0.7099
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = res.pseudo_event_test([(0, 1)])  # n: the estimation-window CARs compared
    >>> rows[["event_id", "estimate", "statistic", "p_value", "n"]].head(3).round(3)
      event_id  estimate  statistic  p_value    n
    0       e0     0.010      0.694    0.576  183
    1       e1    -0.007      0.382    0.765  225
    2       e2    -0.010      0.363    0.718  237
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> ci = res.bootstrap_caar([(-1, 1)], n_boot=999, seed=0)
    >>> ci[["window", "estimate", "ci_low", "ci_high", "level", "n_boot"]].round(4)
        window  estimate  ci_low  ci_high  level  n_boot
    0  [-1, 1]    0.0061 -0.0086    0.023   0.95     999
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.clustering()[["n_events", "n_dates", "largest_cluster", "share_overlapping", "degree"]]
       n_events  n_dates  largest_cluster  share_overlapping degree
    0         8        8                1                0.5   mild
    """
    from ..inference import clustering

    return clustering(self.panel)
