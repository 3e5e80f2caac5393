"""One summary object (statsmodels' ``Summary`` / linearmodels' ``_SummaryStr`` pattern).

:class:`EventStudySummary` is built once from a results object - its tables computed once,
with the results' own primary test and conventions unless told otherwise - and renders the
same content as text, Markdown, HTML or LaTeX. ``res.summary()`` returns it: ``print`` shows
the statsmodels-style text (``__str__``), Jupyter shows the HTML (``_repr_html_``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .sections import StudyTables, _conventions, _frame_rows, summary_text
from .tables import (
    headline_test,
    md_escape,
    render_html,
    render_latex,
    render_markdown,
    tex_escape,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..inference.conventions import Conventions
    from ..results import EventStudyResults

__all__ = ["EventStudySummary"]


class EventStudySummary(str):
    """The summary of one event study: the text block, plus the tables it was built from.

    It *is* the statsmodels-style text (a ``str``: ``print``, ``in`` and ``splitlines`` work
    as on the text summary before), and renders the same content as Markdown, HTML and
    LaTeX from the tables computed once.

    Attributes
    ----------
    heading : str
        The title (``title=``; ``str.title`` keeps its meaning).
    primary_test : str
        The test whose estimate, standard error and p-value the CAAR table shows.
    conventions : str
        The conventions used (their one-line description).
    tables : tuple of (caption, DataFrame)
        The display tables (CAAR by window, tests, CARs by group and firm, events).
    frames : StudyTables
        The tables as computed (windows, conventions, the CAAR and tests frames): every
        rendering - this summary's text, Markdown, HTML and LaTeX, and the reports
        :func:`eventstudy.report.export` writes - reads these, so each test runs once.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> s = res.summary()  # an EventStudySummary, built once
    >>> print(s.as_text().splitlines()[2])  # the text summary (print(s) shows all of it)
    Model:              market model (MKT)     Events:                                   8
    >>> s.as_markdown().splitlines()[0]
    '# Event study results'
    """

    heading: str
    primary_test: str
    conventions: str
    tables: tuple[tuple[str, pd.DataFrame], ...]
    frames: StudyTables

    def __new__(
        cls,
        text: str,
        *,
        heading: str,
        primary_test: str,
        conventions: str,
        tables: tuple[tuple[str, pd.DataFrame], ...],
        frames: StudyTables,
    ) -> EventStudySummary:
        obj = super().__new__(cls, text)
        obj.frames = frames
        obj.heading = heading
        obj.primary_test = primary_test
        obj.conventions = conventions
        obj.tables = tables
        return obj

    @classmethod
    def from_results(
        cls,
        res: EventStudyResults,
        windows: Sequence[Any] | None = None,
        *,
        tests: str | Sequence[str] = "all",
        test: str | None = None,
        conventions: Conventions | None = None,
        title: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> EventStudySummary:
        """Build the summary of ``res`` (``test`` and ``conventions`` default to the ones the
        results remember: ``res.primary_test`` and ``res.conventions``).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> events = sim.events.assign(group=["chips", "power"] * 4)
        >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> from eventstudy.report import EventStudySummary
        >>> s = EventStudySummary.from_results(res, [(0, 0)], test="bmp")
        >>> s.primary_test
        'bmp'
        """
        conv = _conventions(conventions if conventions is not None else res.conventions)
        chosen = test if test is not None else res.primary_test
        frames = StudyTables.compute(res, windows, tests=tests, test=chosen, conventions=conv)
        text = summary_text(res, title=title, data=data, tables=frames)
        shown = headline_test(res, chosen)
        return cls(
            text,
            heading=title or "Event study results",
            primary_test=shown,
            conventions=conv.describe(),
            tables=tuple(frames.sections.items()),
            frames=frames,
        )

    # -- renderers ------------------------------------------------------------------------
    def _rows(self, frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
        return _frame_rows(frame)

    def _note(self) -> str:
        return f"Primary test: {self.primary_test}. Conventions: {self.conventions}"

    def as_text(self) -> str:
        """The statsmodels-style text summary.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> events = sim.events.assign(group=["chips", "power"] * 4)
        >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> print(res.summary().as_text().splitlines()[3])
        Estimation window:  [-250, -11]            Used:                                     8
        """
        return str.__str__(self)

    def as_markdown(self) -> str:
        """The summary as Markdown: heading, primary test and conventions, every table.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> events = sim.events.assign(group=["chips", "power"] * 4)
        >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.summary().as_markdown().splitlines()[0]
        '# Event study results'
        """
        parts = [f"# {md_escape(self.heading)}", "", md_escape(self._note()), ""]
        for caption, frame in self.tables:
            header, rows = self._rows(frame)
            parts += [f"## {caption}", "", render_markdown(header, rows), ""]
        return "\n".join(parts).rstrip() + "\n"

    def as_html(self) -> str:
        """The summary as an HTML fragment (cells escaped): heading, note and tables.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> events = sim.events.assign(group=["chips", "power"] * 4)
        >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.summary().as_html()[:60]
        '<div class="eventstudy-summary"><strong>Event study results<'
        """
        parts = [
            f"<strong>{html.escape(self.heading)}</strong>",
            f"<p>{html.escape(self._note())}</p>",
        ]
        for caption, frame in self.tables:
            header, rows = self._rows(frame)
            parts.append(render_html(header, rows, caption=caption))
        return '<div class="eventstudy-summary">' + "\n".join(parts) + "</div>"

    def as_latex(self) -> str:
        """The summary's tables as booktabs LaTeX tables (one per section).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> events = sim.events.assign(group=["chips", "power"] * 4)
        >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.summary().as_latex().splitlines()[0]
        '% Event study results'
        """
        parts = [f"% {tex_escape(self.heading)}", f"% {tex_escape(self._note())}"]
        for caption, frame in self.tables:
            header, rows = self._rows(frame)
            parts.append(render_latex(header, rows, caption=caption))
        return "\n\n".join(parts) + "\n"

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()

    def _repr_latex_(self) -> str:
        return self.as_latex()
