"""EventStudyResults: the fitted study - its fields, construction and the index of its methods.

The methods live in the modules of this package by what they do, and are assigned in the class
body below (so ``help()``, the API reference and the docstring checks see them as the class's
own, in one place):

- :mod:`~eventstudy.results.frames`: the tidy DataFrames (``ar``, ``car``, ``caar``, ``bhar``,
  ``dollar``, ...);
- :mod:`~eventstudy.results.significance`: ``tests()`` and the other tests of the panel;
- :mod:`~eventstudy.results.second_stage`: cross-section, long-horizon and variance shortcuts;
- :mod:`~eventstudy.results.presentation`: summary, reports, exports and figures;
- :mod:`~eventstudy.results._repr`: the text and Jupyter views.

This module keeps what makes a result: its fields, the defaults chosen at fit or spec time
(:meth:`EventStudyResults.with_conventions`) and the small helpers every method shares.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..engine import abnormal
from ..engine.panel import EventPanel
from ..exceptions import SpecError
from . import _repr, frames, presentation, significance
from . import second_stage as _second_stage  # `second_stage` is also a field of the results

if TYPE_CHECKING:  # pragma: no cover
    from ..inference import Conventions

__all__ = ["EventStudyResults"]

BoolArray = npt.NDArray[np.bool_]


@dataclass(eq=False)
class EventStudyResults:
    """Results of :meth:`EventStudy.fit <eventstudy.study.EventStudy.fit>`.

    Attributes
    ----------
    panel : EventPanel
        The numpy arrays of the used events (the contract with inference).
    status : DataFrame
        One row per input event: ``event_id, ticker, announced, day0, rolled, roll_reason,
        status, reason, n_est, n_event, overlaps`` (``overlaps``: ids of other events of the
        same ticker whose event windows overlap this one's, ``""`` when none).
    params : DataFrame
        Per-event coefficients (one column per parameter), ``sigma2, dof, r2, nobs``.
    model
        The normal-return model used.
    windows : dict
        ``{"estimation": ..., "event": ...}`` as given (relative days or dates).
    return_kind : "simple" or "log"
    meta : dict
        Inputs and options recorded for provenance.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res
    <EventStudyResults: market model, 8 of 8 events used, event window (-10, 10), simple returns,
     primary test auto, conventions default>
    >>> res.params[["event_id", "alpha", "beta", "nobs"]].head(3).round(4)
      event_id   alpha    beta  nobs
    0       e0 -0.0009  0.9354   187
    1       e1 -0.0018  1.3630   228
    2       e2  0.0018  0.5848   239
    >>> res.caar((-1, 1))[["rel_day", "caar"]].round(4)  # CAAR from day -1
       rel_day    caar
    0       -1  0.0062
    1        0  0.0024
    2        1  0.0061
    >>> res.tests("bmp", windows=[(0, 0), (-1, 1)])[["test", "window", "statistic", "p_value"]].round(3)
      test   window  statistic  p_value
    0  bmp   [0, 0]     -0.748    0.479
    1  bmp  [-1, 1]      0.730    0.489
    >>> res.plot_caar().axes[0].get_title()  # a matplotlib Figure
    'Cumulative average abnormal return'
    """

    panel: EventPanel
    status: pd.DataFrame
    params: pd.DataFrame
    model: Any
    windows: dict[str, Any]
    return_kind: Literal["simple", "log"]
    meta: dict[str, Any] = field(default_factory=dict)
    market_values: pd.Series | pd.DataFrame | None = field(default=None, repr=False)
    #: the inference choices made at fit or spec time (statsmodels' ``cov_type`` rule): the
    #: default of ``tests()``, the summary, the report and the Jupyter view; change them
    #: with :meth:`with_conventions`, which returns a new result
    conventions: Conventions | None = field(default=None, repr=False)
    #: ``"auto"``: the clustering-robust choice of
    #: :func:`eventstudy.inference.guidance.choose_headline`
    primary_test: str = "auto"
    #: the tests a spec's ``[tests] names`` chose (``None``: every registered test): what
    #: ``tests()``, ``summary()``, the reports and ``export`` run when not told otherwise
    default_tests: tuple[str, ...] | None = None
    #: the CAR windows a spec's ``[windows] car`` chose (``None``: the standard ones inside
    #: the event window): the default of ``summary()``, the reports, ``export`` and the
    #: Jupyter view, so ``run_spec`` and ``eventstudy run`` table the same windows
    car_windows: tuple[tuple[int, int], ...] | None = None
    #: second-stage results shown with the study (issue 16): ``{name: statsmodels fit |
    #: DataFrame | CalendarTimeResult | EventStudyResults}``; set by a spec's
    #: ``[cross_section]``, ``[outcome]`` and ``[long_horizon]`` or :meth:`with_second_stage`
    second_stage: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ helpers
    def _cols(self, window: tuple[int, int] | None) -> BoolArray:
        from ..engine.panel import window_columns

        return window_columns(self.panel.evt_rel, window)

    def _ids(self, extra: bool = False, rows: slice = slice(None)) -> dict[str, Any]:
        """Identifiers of the used events (of ``rows`` of them); with ``extra`` also every
        extra column of the input events frame (``meta["event_columns"]``, looked up by
        ``event_id``)."""
        p = self.panel
        group = p.group if p.group is not None else np.full(p.n_events, None, dtype=object)
        out = {
            "event_id": p.event_id[rows].astype(str),
            "ticker": p.ticker[rows].astype(str),
            "group": np.asarray(group, dtype=object)[rows],
        }
        columns = self.meta.get("event_columns") if extra else None
        if isinstance(columns, pd.DataFrame) and len(columns.columns):
            found = columns.reindex(out["event_id"])
            out.update({str(c): found[c].to_numpy() for c in columns.columns if c not in out})
        return out

    def with_conventions(
        self,
        conventions: Conventions | None = None,
        *,
        primary_test: str | None = None,
        tests: Sequence[str] | None = None,
        windows: Sequence[tuple[int, int]] | None = None,
    ) -> EventStudyResults:
        """A new result with other default conventions and/or primary test (the numbers of
        the fit are shared; what is derived from them is computed afresh).

        Parameters
        ----------
        conventions
            The :class:`~eventstudy.inference.Conventions` that ``tests()``, ``summary()``, the
            report and the Jupyter view use by default (``None``: keep the current ones).
        primary_test
            The test whose estimate, standard error and p-value the CAAR tables show (a name of
            ``eventstudy.inference.registered_tests()``; ``None``: keep the current one).
        tests
            The tests ``tests()``, ``summary()``, the reports and ``export`` run by default
            (names of the registry, as a spec's ``[tests] names``; ``None``: keep the current
            choice, every registered test unless one was made).
        windows
            The CAR windows ``summary()``, the reports, ``export`` and the Jupyter view table
            by default (a spec's ``[windows] car``; ``None``: keep the current choice).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> robust = res.with_conventions(primary_test="brown_warner_1985")  # a new result
        >>> res.primary_test, robust.primary_test, robust.caar_method
        ('auto', 'brown_warner_1985', 'aar_sum')
        >>> mine = res.with_conventions(es.Conventions(prediction_error=False), tests=["patell"],
        ...                             windows=[(-1, 1)])
        >>> mine.default_tests, mine.car_windows  # what summary(), the reports and export use
        (('patell',), ((-1, 1),))
        >>> mine.tests(windows=[(-1, 1)])[["test", "window", "statistic"]].round(3)  # res: 0.631
             test   window  statistic
        0  patell  [-1, 1]      0.636
        """
        from ..inference import registered_tests

        # the live registry, as the spec's [tests] primary: a test registered at run time counts
        names = registered_tests()
        test = self.primary_test if primary_test is None else primary_test
        if test != "auto" and test not in names:
            raise SpecError(
                f"primary_test={test!r} is not a test; choose 'auto' or one of {list(names)}"
            )
        chosen = self.default_tests
        if tests is not None:
            chosen = (tests,) if isinstance(tests, str) else tuple(str(name) for name in tests)
            unknown = [name for name in chosen if name not in names]
            if unknown:
                raise SpecError(f"tests {unknown} are not tests; choose from {list(names)}")
        if conventions is not None:  # one the panel cannot use fails here, not at summary()
            from ..inference import Conventions as _Conventions
            from ..inference.conventions import check_return_kind

            if not isinstance(conventions, _Conventions):
                raise SpecError(
                    "conventions must be an eventstudy.Conventions (e.g. "
                    f"es.Conventions.profile('estudy2')), got {type(conventions).__name__}"
                )
            check_return_kind(self.panel, conventions)
        wins = self.car_windows
        if windows is not None:
            from ..engine.panel import check_window

            wins = tuple(check_window(self.panel.evt_rel, w) for w in windows)
        return dataclasses.replace(
            self,
            conventions=self.conventions if conventions is None else conventions,
            primary_test=test,
            default_tests=chosen,
            car_windows=wins,
        )

    def with_second_stage(self, **items: Any) -> EventStudyResults:
        """A new result that shows second-stage results in ``summary()``, the reports and
        ``export`` (the fit's numbers are shared; this result is unchanged).

        Parameters
        ----------
        **items
            ``name=value``; ``value`` is a statsmodels regression (``res.cross_section``), a
            table (``res.bhar_tests``, ``res.variance_tests``, ...), a calendar-time portfolio
            or a study of another outcome (a volume study: files only, not shown). The name
            becomes the section's caption (``cross_section`` -> "Cross-section regression");
            a name already present is replaced.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> fit = res.cross_section("car ~ beta", window=(0, 1))  # a statsmodels fit
        >>> shown = res.with_second_stage(cross_section=fit)
        >>> list(shown.second_stage), list(res.second_stage)  # res itself is unchanged
        (['cross_section'], [])
        >>> text = str(shown.summary(windows=[(0, 1)], tests=["patell"]))
        >>> [line[:44] for line in text.splitlines() if line.startswith("Cross-section")]
        ['Cross-section regression (car ~ beta; window']
        """
        return dataclasses.replace(self, second_stage={**self.second_stage, **items})

    def _conventions_or(self, conventions: Conventions | None) -> Conventions:
        """The conventions a computation uses: those asked for, else the results' own
        (:meth:`with_conventions`, a spec), else the original papers'."""
        from ..inference import Conventions as _Conventions

        return conventions or self.conventions or _Conventions()

    @property
    def caar_method(self) -> abnormal.CaarMethod:
        """The CAAR the primary test estimates (``"mean_car"`` or ``"aar_sum"``): what
        ``caar()`` and ``plot_caar()`` draw by default, so table and figure agree.

        See :func:`eventstudy.engine.abnormal.caar_path` for the two definitions.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.caar_method  # the headline test of 8 events averages the events' CARs
        'mean_car'
        """
        from ..inference.guidance import choose_headline
        from ..inference.registry import caar_method_of

        return caar_method_of(choose_headline(self.panel, self.primary_test))

    def _tests_or(self, tests: str | Sequence[str] | None) -> str | list[str]:
        """``tests``, else the tests the spec chose (:attr:`default_tests`), else all."""
        if tests is not None:
            return tests if isinstance(tests, str) else list(tests)
        return list(self.default_tests) if self.default_tests is not None else "all"

    def _report_options(
        self,
        windows: Sequence[tuple[int, int]] | None,
        tests: str | Sequence[str] | None,
        test: str | None,
        conventions: Conventions | None,
    ) -> dict[str, Any]:
        """The report functions' common options, defaulting to the results' own choices."""
        return {
            "windows": windows,
            "tests": self._tests_or(tests),
            "test": self.primary_test if test is None else test,
            "conventions": self.conventions if conventions is None else conventions,
        }

    # ------------------------------------------------------------------ tidy frames (frames.py)
    # (the frames without arguments are computed once per result)
    ar = cached_property(frames.ar)
    ar_blocks = frames.ar_blocks
    residuals = cached_property(frames.residuals)
    car = frames.car
    aar = cached_property(frames.aar)
    caar = frames.caar
    bhar = frames.bhar
    dollar = frames.dollar

    # ------------------------------------------------------------------ tests (significance.py)
    tests = significance.tests
    _by_group = significance._by_group
    portfolio_test = significance.portfolio_test
    sur_wald_test = significance.sur_wald_test
    single_firm_tests = significance.single_firm_tests
    pseudo_event_test = significance.pseudo_event_test
    bootstrap_caar = significance.bootstrap_caar
    clustering = significance.clustering

    # ------------------------------------------------------------------ second stage (second_stage.py)
    cross_section = _second_stage.cross_section
    cross_section_frame = _second_stage.cross_section_frame
    bhar_tests = _second_stage.bhar_tests
    calendar_time = _second_stage.calendar_time
    variance_tests = _second_stage.variance_tests
    variance_ratio = _second_stage.variance_ratio
    plot_car_scatter = _second_stage.plot_car_scatter
    plot_car_distribution = _second_stage.plot_car_distribution

    # ------------------------------------------------------------------ presentation (presentation.py)
    summary = presentation.summary
    _repr_html_ = _repr._repr_html_
    __repr__ = _repr.__repr__
    provenance = presentation.provenance
    to_markdown = presentation.to_markdown
    to_html = presentation.to_html
    to_latex = presentation.to_latex
    export = presentation.export
    plot_caar = presentation.plot_caar
    plot_car_bars = presentation.plot_car_bars
    plot_ar_path = presentation.plot_ar_path
    plot_decomposition = presentation.plot_decomposition
    plot_fit = presentation.plot_fit
