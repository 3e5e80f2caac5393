"""Presentation: the summary object, tables, figures, the report document and the exporter.

* :mod:`~eventstudy.report.summary` - :class:`EventStudySummary`, built once from the results
  and rendered as text, Markdown, HTML and LaTeX;
* :mod:`~eventstudy.report.sections` - :class:`StudyTables`, the study's tables computed once
  (CAAR, tests, CARs by group and firm, events) and its provenance;
* :mod:`~eventstudy.report.tables` - table rendering (Markdown, LaTeX, HTML) and ``etable``;
* :mod:`~eventstudy.report.plotting` - every figure (matplotlib, restylable);
* :mod:`~eventstudy.report.document` - the report document and :func:`export` (every format
  written from one summary, only inside the output folder);
* :mod:`~eventstudy.report.page` - the HTML report page's layout.

Names are imported lazily (matplotlib is loaded only when a figure is drawn).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "EXPORT_FORMATS": "document",
    "EventStudySummary": "summary",
    "ROW_COLUMNS": "tables",
    "StudyTables": "sections",
    "package_versions": "sections",
    "provenance_json": "sections",
    "provenance_lines": "sections",
    "caar_path": "plotting",
    "caar_table": "sections",
    "critical_value": "plotting",
    "csv_safe": "document",
    "default_windows": "sections",
    "ensure_writable": "document",
    "etable": "tables",
    "export": "document",
    "figure_png": "document",
    "figure_to_base64": "document",
    "firm_table": "sections",
    "fit_data": "plotting",
    "format_number": "tables",
    "group_table": "sections",
    "inert": "document",
    "md_escape": "tables",
    "one_line": "tables",
    "parse_window": "tables",
    "plot_ar_path": "plotting",
    "plot_ar_paths": "plotting",
    "plot_caar": "plotting",
    "plot_car_bars": "plotting",
    "plot_decomposition": "plotting",
    "plot_fit": "plotting",
    "plot_fits": "plotting",
    "plot_overlay": "plotting",
    "plot_prices": "plotting",
    "provenance": "sections",
    "regression_coefficients": "tables",
    "render_html": "tables",
    "render_latex": "tables",
    "render_markdown": "tables",
    "repr_html": "document",
    "second_stage_files": "document",
    "second_stage_sections": "sections",
    "star_marks": "tables",
    "study_figures": "document",
    "study_rows": "tables",
    "summary_text": "sections",
    "tests_table": "sections",
    "tex_escape": "tables",
    "to_html": "document",
    "to_latex": "document",
    "to_markdown": "document",
}

__all__ = sorted(_EXPORTS)


_SUBMODULES = frozenset({"document", "page", "plotting", "sections", "summary", "tables"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eventstudy.report' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted([*__all__, *_SUBMODULES])


if TYPE_CHECKING:  # pragma: no cover
    from .document import EXPORT_FORMATS as EXPORT_FORMATS
    from .document import csv_safe as csv_safe
    from .document import ensure_writable as ensure_writable
    from .document import export as export
    from .document import figure_png as figure_png
    from .document import figure_to_base64 as figure_to_base64
    from .document import inert as inert
    from .document import repr_html as repr_html
    from .document import second_stage_files as second_stage_files
    from .document import study_figures as study_figures
    from .document import to_html as to_html
    from .document import to_latex as to_latex
    from .document import to_markdown as to_markdown
    from .plotting import caar_path as caar_path
    from .plotting import critical_value as critical_value
    from .plotting import fit_data as fit_data
    from .plotting import plot_ar_path as plot_ar_path
    from .plotting import plot_ar_paths as plot_ar_paths
    from .plotting import plot_caar as plot_caar
    from .plotting import plot_car_bars as plot_car_bars
    from .plotting import plot_decomposition as plot_decomposition
    from .plotting import plot_fit as plot_fit
    from .plotting import plot_fits as plot_fits
    from .plotting import plot_overlay as plot_overlay
    from .plotting import plot_prices as plot_prices
    from .sections import StudyTables as StudyTables
    from .sections import caar_table as caar_table
    from .sections import default_windows as default_windows
    from .sections import firm_table as firm_table
    from .sections import group_table as group_table
    from .sections import package_versions as package_versions
    from .sections import provenance as provenance
    from .sections import provenance_json as provenance_json
    from .sections import provenance_lines as provenance_lines
    from .sections import second_stage_sections as second_stage_sections
    from .sections import summary_text as summary_text
    from .sections import tests_table as tests_table
    from .summary import EventStudySummary as EventStudySummary
    from .tables import ROW_COLUMNS as ROW_COLUMNS
    from .tables import etable as etable
    from .tables import format_number as format_number
    from .tables import md_escape as md_escape
    from .tables import one_line as one_line
    from .tables import parse_window as parse_window
    from .tables import regression_coefficients as regression_coefficients
    from .tables import render_html as render_html
    from .tables import render_latex as render_latex
    from .tables import render_markdown as render_markdown
    from .tables import star_marks as star_marks
    from .tables import study_rows as study_rows
    from .tables import tex_escape as tex_escape
