"""Presentation of the results: the summary, provenance, Markdown/HTML/LaTeX reports, exports
and figures.

Methods of :class:`~eventstudy.results.EventStudyResults` (assigned in its class body); each
imports :mod:`eventstudy.report` inside the method (the one documented exception to the layers,
as statsmodels' ``summary()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..engine import abnormal

if TYPE_CHECKING:  # pragma: no cover - annotations only: base imports this module
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..inference import Conventions
    from ..report.summary import EventStudySummary
    from .base import EventStudyResults


def summary(
    self: EventStudyResults,
    windows: Sequence[tuple[int, int]] | None = None,
    *,
    tests: str | Sequence[str] | None = None,
    test: str | None = None,
    conventions: Conventions | None = None,
    title: str | None = None,
    data: dict[str, Any] | None = None,
) -> EventStudySummary:
    """The summary (statsmodels style): one object, built once, rendered as text
    (``print``), HTML (Jupyter), Markdown or LaTeX.

    Parameters
    ----------
    windows
        CAR windows of the tables (default: the standard windows inside the event window).
    tests
        Tests of the tests table (``"all"`` or names; default: :attr:`default_tests`, the
        spec's ``[tests] names``, else every test).
    test
        The CAAR table's test (default: the results' :attr:`primary_test`).
    conventions
        Test conventions (default: the results' :attr:`conventions`, else the papers').
    title
        Heading.
    data
        The data layer's provenance record (default: the one recorded at fit).

    Returns
    -------
    EventStudySummary
        A ``str`` (the text summary) with ``as_markdown()``, ``as_html()``,
        ``as_latex()`` and the ``tables`` it was built from.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> summary = res.summary(windows=[(0, 0), (-1, 1)], tests=["patell", "bmp"])
    >>> print(summary)  # the versions at the end vary
                                     Event study results
    ======================================================================================
    Model:              market model (MKT)     Events:                                   8
    Estimation window:  [-250, -11]            Used:                                     8
    Event window:       [-10, 10]              Dropped:                                  0
    Return type:        simple                 Conventions:                        default
    Calendar:           None                   Data:                        caller's frame
    ======================================================================================
    CAAR by window (s.e., t and p of cross_sectional_t)
    --------------------------------------------------------------------------------------
    window     CAAR    s.e.       t  P>|t|  N
    [0, 0]  -0.0038  0.0045  -0.839  0.429  8
    [-1, 1]  0.0061  0.0089   0.691  0.512  8
    ======================================================================================
    Tests by window
    --------------------------------------------------------------------------------------
    test    window  estimate  statistic  p-value    dist  N
    patell  [0, 0]   -0.0038     -0.518    0.604  normal  8
    patell  [-1, 1]   0.0061      0.631    0.528  normal  8
    bmp     [0, 0]   -0.0038     -0.748    0.479       t  8
    bmp     [-1, 1]   0.0061      0.730    0.489       t  8
    ======================================================================================
    ...
    >>> [name for name, _ in summary.tables]  # the DataFrames behind it
    ['CAAR by window', 'Tests', 'CAR by group', 'CAR by firm', 'Events']
    >>> summary.as_markdown().splitlines()[0]  # also as_html() and as_latex()
    '# Event study results'
    """
    from ..report.summary import EventStudySummary

    return EventStudySummary.from_results(
        self,
        windows,
        tests=self._tests_or(tests),
        test=test,
        conventions=conventions,
        title=title,
        data=data,
    )


def provenance(
    self: EventStudyResults,
    *,
    conventions: Conventions | None = None,
    data: dict[str, Any] | None = None,
    spec: Any = None,
) -> dict[str, Any]:
    """Inputs, conventions, data source and package versions of this result.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> prov = res.provenance()  # also the time it was made and the package versions
    >>> prov["model"], prov["estimation_window"], prov["event_window"]
    ('market model (MKT)', '[-250, -11]', '[-10, 10]')
    >>> prov["events"], prov["data"]["source"]
    ({'input': 8, 'used': 8, 'dropped': 0}, "caller's frame")
    """
    from ..report.document import provenance

    return provenance(self, conventions=conventions, data=data, spec=spec)


def to_markdown(
    self: EventStudyResults,
    windows: Sequence[tuple[int, int]] | None = None,
    *,
    tests: str | Sequence[str] | None = None,
    test: str | None = None,
    conventions: Conventions | None = None,
    title: str | None = None,
    figures: dict[str, str] | None = None,
    data: dict[str, Any] | None = None,
    spec: Any = None,
) -> str:
    """Markdown report with the provenance block (:func:`eventstudy.report.to_markdown`;
    ``test`` and ``conventions`` default to the results' :attr:`primary_test` and
    :attr:`conventions`).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> text = res.to_markdown(windows=[(0, 0)], tests=["patell"], title="Simulated study")
    >>> [line for line in text.splitlines() if line.startswith("#")]
    ['# Simulated study', '## CAAR by window', '## Tests', '## CAR by group', '## CAR by firm',
     '## Events', '## Provenance']
    >>> print("\\n".join(text.splitlines()[14:17]))  # the tests table
    | test | window | estimate | statistic | p_value | distribution | df | n | stars | clustered |
    | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
    | patell | [0, 0] | -0.0038 | -0.518 | 0.6044 | normal |  | 8 |  |  |
    """
    from ..report.document import to_markdown

    options = self._report_options(windows, tests, test, conventions)
    return to_markdown(self, **options, title=title, figures=figures, data=data, spec=spec)


def to_html(
    self: EventStudyResults,
    windows: Sequence[tuple[int, int]] | None = None,
    *,
    tests: str | Sequence[str] | None = None,
    test: str | None = None,
    conventions: Conventions | None = None,
    title: str | None = None,
    figures: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    spec: Any = None,
    standalone: bool = True,
) -> str:
    """Self-contained HTML report, figures embedded (:func:`eventstudy.report.to_html`;
    ``test`` and ``conventions`` default to the results' own).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> html = res.to_html(title="Simulated study")  # one file: styles and figures inline
    >>> html.splitlines()[0]
    '<!DOCTYPE html>'
    >>> import re
    >>> re.findall(r"<h[12]>([^<]*)</h[12]>", html)  # headline, contents, sections
    ['Simulated study', 'Contents', 'CAAR by window', 'Tests', 'CAR by group', 'CAR by firm',
     'Events', 'Provenance']
    """
    from ..report.document import to_html

    options = self._report_options(windows, tests, test, conventions)
    return to_html(
        self,
        **options,
        title=title,
        figures=figures,
        data=data,
        spec=spec,
        standalone=standalone,
    )


def to_latex(
    self: EventStudyResults,
    windows: Sequence[tuple[int, int]] | None = None,
    *,
    tests: str | Sequence[str] | None = None,
    test: str | None = None,
    conventions: Conventions | None = None,
    data: dict[str, Any] | None = None,
    spec: Any = None,
) -> str:
    r"""LaTeX tables of the results (:func:`eventstudy.report.to_latex`; ``test`` and
    ``conventions`` default to the results' own).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> tex = res.to_latex(windows=[(0, 0)], tests=["patell"])  # provenance as % comments
    >>> print("\n".join(line for line in tex.splitlines() if line.startswith(("\\caption", "patell"))))
    \caption{CAAR by window}
    \caption{Tests}
    patell & [0, 0] & -0.0038 & -0.518 & 0.6044 & normal &  & 8 &  &  \\
    """
    from ..report.document import to_latex

    options = self._report_options(windows, tests, test, conventions)
    return to_latex(self, **options, data=data, spec=spec)


def export(
    self: EventStudyResults,
    folder: str | Path,
    formats: Sequence[str] | None = None,
    *,
    windows: Sequence[tuple[int, int]] | None = None,
    tests: str | Sequence[str] | None = None,
    test: str | None = None,
    conventions: Conventions | None = None,
    title: str | None = None,
    figures: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    spec: Any = None,
    overwrite: bool = False,
    summary: EventStudySummary | None = None,
) -> dict[str, Path]:
    """Write tables and reports (CSV, Parquet, Markdown, HTML, LaTeX) into ``folder``
    (:func:`eventstudy.report.export`; ``formats`` defaults to every format, ``tests``,
    ``test`` and ``conventions`` to the results' own). ``summary``: a summary already
    built (``res.summary(...)``) for the reports to render, else one is built here.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:  # formats: csv, parquet, md, html, tex
    ...     written = res.export(folder, formats=("md",), windows=[(0, 1)], tests=["patell"])
    ...     first = Path(folder, "report.md").read_text().splitlines()[0]
    >>> sorted(written), first  # {file name: path}
    (['provenance.json', 'report.md'], '# Event study results')
    """
    from ..report.document import EXPORT_FORMATS, export

    options = self._report_options(windows, tests, test, conventions)
    return export(
        self,
        Path(folder),
        EXPORT_FORMATS if formats is None else formats,
        **options,
        title=title,
        figures=figures,
        data=data,
        spec=spec,
        overwrite=overwrite,
        summary=summary,
    )


def plot_caar(
    self: EventStudyResults,
    *,
    level: float = 0.95,
    band: Literal["auto", "cross_sectional", "kolari_pynnonen", "model"] | None = "auto",
    start: int | None = None,
    label: str | None = None,
    percent: bool = True,
    dates: bool = False,
    ax: Any = None,
    how: abnormal.CaarMethod | None = None,
) -> Figure:
    """CAAR path over the event window with a confidence band
    (:func:`eventstudy.report.plotting.plot_caar`; ``how`` defaults to :attr:`caar_method`, so
    the figure shows the numbers of ``caar()`` and of the CAAR table).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = res.plot_caar()  # a matplotlib Figure: CAAR (%) with its 95% band
    >>> fig.axes[0].get_title(), fig.axes[0].get_ylabel()
    ('Cumulative average abnormal return', 'CAAR (%)')
    >>> fig.axes[0].set_title("Simulated study")  # then fig.savefig("caar.png", dpi=200)
    Text(0.5, 1.0, 'Simulated study')
    """
    from ..report.plotting import plot_caar

    return plot_caar(
        self,
        level=level,
        band=band,
        start=start,
        label=label,
        percent=percent,
        dates=dates,
        ax=ax,
        how=how,
    )


def plot_car_bars(
    self: EventStudyResults,
    *,
    window: tuple[int, int] | None = None,
    value: str = "car",
    level: float | None = 0.95,
    percent: bool = True,
    top: int | None = None,
    bottom: int | None = None,
    max_bars: int = 40,
    ax: Axes | None = None,
) -> Figure:
    """CAR (or AR) per firm, sorted: the cross-section of winners and losers.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = res.plot_car_bars(window=(0, 0))  # one bar per event, with its 95% interval
    >>> fig.axes[0].get_title(), len(fig.axes[0].patches)
    ('CAR by firm over [0, 0]', 8)
    """
    from ..report.plotting import plot_car_bars

    return plot_car_bars(
        self,
        window=window,
        value=value,
        level=level,
        percent=percent,
        top=top,
        bottom=bottom,
        max_bars=max_bars,
        ax=ax,
    )


def plot_ar_path(
    self: EventStudyResults,
    key: str,
    *,
    level: float = 0.95,
    percent: bool = True,
    dates: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """One event's AR path with its own prediction-error band.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = res.plot_ar_path("e1")  # an event_id (or a ticker with one event)
    >>> fig.axes[0].get_title(), fig.axes[0].get_ylabel()
    ('Abnormal returns of e1', 'abnormal return (%)')
    """
    from ..report.plotting import plot_ar_path

    return plot_ar_path(self, key, level=level, percent=percent, dates=dates, ax=ax)


def plot_decomposition(
    self: EventStudyResults,
    key: str,
    *,
    cumulative: bool = False,
    percent: bool = True,
    dates: bool = True,
) -> Figure:
    """One event's actual, normal and abnormal return by relative day (see
    :func:`eventstudy.report.plotting.plot_decomposition`).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = res.plot_decomposition("e1", cumulative=True)
    >>> fig.axes[0].get_title()
    'e1: actual = normal + abnormal'
    >>> [line.get_label() for line in fig.axes[0].lines[:3]]
    ['actual return', 'normal return (model)', 'abnormal return']
    """
    from ..report.plotting import plot_decomposition

    return plot_decomposition(self, key, cumulative=cumulative, percent=percent, dates=dates)


def plot_fit(
    self: EventStudyResults,
    key: str,
    *,
    label: str = "firm",
    percent: bool = True,
    label_days: Sequence[int] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Estimation-window fit of one event: firm vs market with the fitted line.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = res.plot_fit("e1")  # F1's estimation window: firm against market
    >>> fig.axes[0].get_title(), fig.axes[0].get_xlabel()
    ('Estimation-window fit: F1', 'market return (%)')
    >>> fig.axes[0].get_legend_handles_labels()[1]
    ['estimation window', 'event window', 'fit: α=-0.0018, β=1.36']
    """
    from ..report.plotting import plot_fit

    return plot_fit(self, key, label=label, percent=percent, label_days=label_days, ax=ax)
