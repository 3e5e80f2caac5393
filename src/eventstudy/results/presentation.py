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
    >>> print(res.summary())  # doctest: +SKIP
    >>> res.summary(windows=[(0, 0), (0, 1)]).as_markdown()  # doctest: +SKIP
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
    >>> res.provenance()["model"]  # doctest: +SKIP
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
    >>> text = res.to_markdown(title="DeepSeek sell-off")  # doctest: +SKIP
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
    >>> html = res.to_html(title="DeepSeek sell-off")  # headline, contents, sections  # doctest: +SKIP
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
    """LaTeX tables of the results (:func:`eventstudy.report.to_latex`; ``test`` and
    ``conventions`` default to the results' own).

    Examples
    --------
    >>> print(res.to_latex())  # doctest: +SKIP
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
    >>> res.export("out/", formats=("csv", "html"))  # returns {name: path}  # doctest: +SKIP
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
    >>> fig = res.plot_caar()  # doctest: +SKIP
    >>> fig.axes[0].set_title("DeepSeek sell-off")  # doctest: +SKIP
    >>> fig.savefig("caar.png", dpi=200)  # doctest: +SKIP
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
    >>> fig = res.plot_car_bars(window=(0, 0))  # doctest: +SKIP
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
    >>> fig = res.plot_ar_path("NVDA")  # doctest: +SKIP
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
    >>> fig = res.plot_decomposition("NVDA", cumulative=True)  # doctest: +SKIP
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
    >>> fig = res.plot_fit("NVDA")  # doctest: +SKIP
    """
    from ..report.plotting import plot_fit

    return plot_fit(self, key, label=label, percent=percent, label_days=label_days, ax=ax)
