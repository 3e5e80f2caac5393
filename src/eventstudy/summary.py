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

if TYPE_CHECKING:  # pragma: no cover
    from .inference.conventions import Conventions
    from .results import EventStudyResults

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

    Examples
    --------
    >>> s = res.summary()  # doctest: +SKIP
    >>> print(s)  # the text summary  # doctest: +SKIP
    >>> s.as_markdown()[:40]  # doctest: +SKIP
    >>> s.tables[0][1]  # the CAAR table as a DataFrame  # doctest: +SKIP
    """

    heading: str
    primary_test: str
    conventions: str
    tables: tuple[tuple[str, pd.DataFrame], ...]

    def __new__(
        cls,
        text: str,
        *,
        heading: str,
        primary_test: str,
        conventions: str,
        tables: tuple[tuple[str, pd.DataFrame], ...],
    ) -> EventStudySummary:
        obj = super().__new__(cls, text)
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
        results remember: ``res.primary_test`` and ``res.conventions``)."""
        from . import report
        from .tables import DEFAULT_TEST, headline_test

        conv = report._conventions(conventions if conventions is not None else res.conventions)
        chosen = test if test is not None else res.primary_test
        text = report.summary_text(
            res, windows, tests=tests, test=chosen, conventions=conv, title=title, data=data
        )
        sections = report._sections(res, windows, tests, chosen, conv)
        shown = headline_test(res, chosen if chosen != "auto" else DEFAULT_TEST)
        return cls(
            text,
            heading=title or "Event study results",
            primary_test=shown,
            conventions=conv.describe(),
            tables=tuple(sections.items()),
        )

    # -- renderers ------------------------------------------------------------------------
    def _rows(self, frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
        from .report import _frame_rows

        return _frame_rows(frame)

    def _note(self) -> str:
        return f"Primary test: {self.primary_test}. Conventions: {self.conventions}"

    def as_text(self) -> str:
        """The statsmodels-style text summary."""
        return str.__str__(self)

    def as_markdown(self) -> str:
        """The summary as Markdown: heading, primary test and conventions, every table."""
        from .tables import md_escape, render_markdown

        parts = [f"# {md_escape(self.heading)}", "", md_escape(self._note()), ""]
        for caption, frame in self.tables:
            header, rows = self._rows(frame)
            parts += [f"## {caption}", "", render_markdown(header, rows), ""]
        return "\n".join(parts).rstrip() + "\n"

    def as_html(self) -> str:
        """The summary as an HTML fragment (cells escaped): heading, note and tables."""
        from .tables import render_html

        parts = [
            f"<strong>{html.escape(self.heading)}</strong>",
            f"<p>{html.escape(self._note())}</p>",
        ]
        for caption, frame in self.tables:
            header, rows = self._rows(frame)
            parts.append(render_html(header, rows, caption=caption))
        return '<div class="eventstudy-summary">' + "\n".join(parts) + "</div>"

    def as_latex(self) -> str:
        """The summary's tables as booktabs LaTeX tables (one per section)."""
        from .tables import render_latex, tex_escape

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
