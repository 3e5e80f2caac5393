"""Documents of fitted event studies: the Markdown, HTML and LaTeX reports and :func:`export`.

Functions take an :class:`~eventstudy.results.EventStudyResults` (anything with ``panel``,
``status``, ``params``, ``model``, ``windows``, ``return_kind``, ``meta`` and the tidy accessors
``ar``, ``car(window)``, ``caar(window)``) and never change it. ``results.py`` wires thin
methods onto them (``summary()``, ``_repr_html_()``, ``to_markdown()``, ...).

Every document renders the one :class:`~eventstudy.report.summary.EventStudySummary` of the
study (its tables computed once, :class:`~eventstudy.report.sections.StudyTables`); ``export``
builds that summary once and writes every format from it. Every rendering states its inputs
in a provenance block (:func:`~eventstudy.report.sections.provenance`): model, windows,
conventions, return type, calendar, data source and vintage, and package versions.
"""

from __future__ import annotations

import base64
import html
import io
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from .._fileio import OutputFolder, Payload
from ..exceptions import EventStudyWarning, SpecError, user_stacklevel
from .sections import (
    STARS_NOTE,
    StudyTables,
    Window,
    _caar_display,
    _conventions,
    _frame_rows,
    _test_display,
    _windows,
    caar_table,
    default_windows,
    firm_table,
    group_table,
    provenance,
    provenance_json,
    provenance_lines,
    second_stage_sections,
    summary_text,
    tests_table,
)
from .summary import EventStudySummary
from .tables import (
    CLUSTER_MARK,
    CLUSTER_NOTE,
    CONTROL_CHARS,
    DEFAULT_TEST,
    headline_test,
    is_regression,
    md_escape,
    model_name,
    one_line,
    render_html,
    render_latex,
    render_markdown,
    window_label,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..engine.abnormal import CaarMethod
    from ..inference.conventions import Conventions
    from ..results import EventStudyResults

__all__ = [
    "EXPORT_FORMATS",
    "caar_table",
    "csv_safe",
    "inert",
    "default_windows",
    "ensure_writable",
    "export",
    "figure_png",
    "figure_to_base64",
    "firm_table",
    "group_table",
    "provenance",
    "repr_html",
    "second_stage_files",
    "second_stage_sections",
    "study_figures",
    "summary_text",
    "tests_table",
    "to_html",
    "to_latex",
    "to_markdown",
]

EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "md", "html", "tex")


# ----------------------------------------------------------------------------- figures
def figure_png(fig: Figure | bytes, *, dpi: int = 100) -> bytes:
    """A figure rendered as PNG bytes (bytes are passed through: render once, use twice).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy import report
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> png = report.figure_png(report.plotting.plot_caar(res), dpi=50)
    >>> png[:8]  # the PNG signature
    b'\\x89PNG\\r\\n\\x1a\\n'
    >>> report.figure_png(png) is png  # bytes pass through: render once, use twice
    True
    """
    if isinstance(fig, bytes):
        return fig
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def figure_to_base64(fig: Figure | bytes, *, dpi: int = 100) -> str:
    """A figure as a base64-encoded PNG (for self-contained HTML).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy import report
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> text = report.figure_to_base64(report.plotting.plot_caar(res), dpi=50)
    >>> text[:11], f'<img src="data:image/png;base64,{text}">'[:33]  # base64 of the PNG bytes
    ('iVBORw0KGgo', '<img src="data:image/png;base64,i')
    """
    return base64.b64encode(figure_png(fig, dpi=dpi)).decode("ascii")


FIGURE_TITLES: dict[str, str] = {
    "caar": "CAAR over the event window",
    "car_bars": "CAR by firm",
    "ar_paths": "Abnormal returns by firm",
    "fit": "Estimation-window fit",
    "prices": "Prices around the event",
}


#: most events drawn in the figures with one panel or bar per event (``car_bars``,
#: ``ar_paths``, ``fit``): beyond it they are skipped with a warning (125,750 small multiples
#: took minutes and say nothing; draw chosen events with ``plotting.plot_ar_paths(res, keys)``)
PER_EVENT_FIGURE_LIMIT = 200

_PER_EVENT_FIGURES = ("car_bars", "ar_paths", "fit")


def study_figures(
    res: EventStudyResults,
    which: Sequence[str] = tuple(FIGURE_TITLES),
    *,
    window: Window = (0, 0),
    level: float = 0.95,
    prices: pd.DataFrame | None = None,
) -> dict[str, Figure]:
    """The standard figures of a study, by name (see :data:`FIGURE_TITLES`).

    ``car_bars`` shows each firm's CAR over ``window``; ``prices`` (one panel per group, the
    model's market included) needs the tidy ``prices`` frame; ``fit`` needs a model with a
    market regressor and is skipped otherwise. The figures with one bar or panel per event
    (``car_bars``, ``ar_paths``, ``fit``) are skipped with a warning for more than
    :data:`PER_EVENT_FIGURE_LIMIT` events.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy import report
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> figures = report.study_figures(res, ["caar", "car_bars"], window=(0, 1))
    >>> {name: fig.axes[0].get_title() for name, fig in figures.items()}
    {'caar': 'Cumulative average abnormal return', 'car_bars': 'CAR by firm over [0, 1]'}

    ``prices`` also needs the tidy prices (``date, ticker, adj_close``) the study used:

    >>> figures = report.study_figures(res, ["caar", "prices"], prices=prices)  # doctest: +SKIP
    """
    from . import plotting

    unknown = [w for w in which if w not in FIGURE_TITLES]
    if unknown:
        raise SpecError(f"unknown figure(s) {unknown}; valid: {', '.join(FIGURE_TITLES)}")
    out: dict[str, Figure] = {}
    n_events = int(getattr(res.panel, "n_events", 0))
    for name in which:
        if name in _PER_EVENT_FIGURES and n_events > PER_EVENT_FIGURE_LIMIT:
            warnings.warn(
                f"figure {name!r} skipped: it draws every event and the study has {n_events} "
                f"(more than {PER_EVENT_FIGURE_LIMIT}); draw chosen events with "
                "eventstudy.plotting (e.g. plot_ar_paths(res, keys))",
                EventStudyWarning,
                stacklevel=user_stacklevel(),
            )
            continue
        if name == "caar":
            out[name] = plotting.plot_caar(res, level=level)
        elif name == "car_bars":
            out[name] = plotting.plot_car_bars(res, window=window, level=level)
        elif name == "ar_paths":
            out[name] = plotting.plot_ar_paths(res, level=level)
        elif name == "fit":
            if res.panel.meta.get("estimation_window_on_workers"):
                warnings.warn(
                    "figure 'fit' skipped: the estimation window is held by the Dask workers "
                    "(fit_dask(..., gather=False)); gather the panel to draw it",
                    EventStudyWarning,
                    stacklevel=user_stacklevel(),
                )
            elif res.panel.has("market_est") and res.panel.params is not None:
                out[name] = plotting.plot_fits(res)
            else:  # a scatter on the market needs a market regressor
                warnings.warn(
                    f"figure 'fit' skipped: the {model_name(res)} model has no single market "
                    "regressor to plot against (market-model variants only)",
                    EventStudyWarning,
                    stacklevel=user_stacklevel(),
                )
        elif name == "prices" and prices is not None:
            out[name] = _price_panels(res, prices)
    return out


def _price_panels(res: EventStudyResults, prices: pd.DataFrame) -> Figure:
    """Rebased prices, one panel per group of firms, with the market and each group's event
    dates, from a month before the first event window to its end."""
    from matplotlib.figure import Figure

    from . import plotting

    panel = res.panel
    events = pd.DataFrame(
        {
            "ticker": np.asarray(panel.ticker, dtype=str),
            "date": pd.to_datetime(np.asarray(panel.day0)),
            "group": panel.group if panel.group is not None else None,
        }
    ).fillna({"group": "all events"})
    events["group"] = events["group"].astype(str)
    evt = pd.DatetimeIndex(np.asarray(panel.evt_dates).ravel()).dropna()
    shown = prices[
        (prices["date"] >= evt.min() - pd.Timedelta(days=30)) & (prices["date"] <= evt.max())
    ]
    market = getattr(res.model, "market_name", None)
    have = set(shown["ticker"])
    groups = list(dict.fromkeys(events["group"]))
    fig = Figure(figsize=(8.0, 3.2 * len(groups)), layout="constrained")
    for ax, group in zip(fig.subplots(len(groups), 1, squeeze=False).ravel(), groups, strict=True):
        members = events[events["group"] == group]
        tickers = [t for t in dict.fromkeys([*members["ticker"], market]) if t in have]
        plotting.plot_prices(shown, tickers, events=members, highlight=market, ax=ax)
        ax.set_title(f"{group}: prices (first = 100), event day 0 dashed", fontsize=10)
    return fig


# ----------------------------------------------------------------------------- documents


#: Captions of the second-stage results a spec produces (issue 16); other names are
#: shown as given.


def second_stage_files(second: Mapping[str, Any]) -> dict[str, str]:
    """The files of second-stage results (issue 16): ``{file name: text}``, written by
    :func:`export` (and so by ``eventstudy run``). A regression gives ``NAME.txt`` (its
    statsmodels summary) and ``NAME.csv`` (its coefficients), a study of another outcome
    ``NAME_ar.csv`` (its abnormal values), a calendar-time portfolio ``NAME.csv`` (its factor
    regression), a table ``NAME.csv``; text cells are neutralised for spreadsheets
    (:func:`csv_safe`).

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.report.document import second_stage_files
    >>> files = second_stage_files({"bhar_tests": pd.DataFrame({"test": ["t"], "p_value": [0.5]})})
    >>> files["bhar_tests.csv"]
    'test,p_value\\nt,0.5\\n'
    """
    from .tables import regression_coefficients

    files: dict[str, str] = {}
    for name, item in second.items():
        if is_regression(item):
            files[f"{name}.txt"] = _without_clock(str(item.summary())) + "\n"
            files[f"{name}.csv"] = _second_stage_csv(regression_coefficients(item))
        elif isinstance(item, pd.DataFrame):
            files[f"{name}.csv"] = _second_stage_csv(item)
        elif isinstance(getattr(item, "table", None), pd.DataFrame):  # CalendarTimeResult
            files[f"{name}.csv"] = _second_stage_csv(item.table)
        elif isinstance(getattr(item, "ar", None), pd.DataFrame):  # a volume study
            files[f"{name}_ar.csv"] = _second_stage_csv(item.ar)
    return files


_CLOCK = (
    (re.compile(r"(Date:\s+)\w{3}, \d{2} \w{3} \d{4}"), r"\g<1>---, -- --- ----"),
    (re.compile(r"(Time:\s+)\d{2}:\d{2}:\d{2}"), r"\g<1>--:--:--"),
)


def _without_clock(summary: str) -> str:
    """A statsmodels summary with its Date and Time cells blanked (same width): the files of
    a re-run are then identical; when the report was made is in its provenance block."""
    for pattern, blank in _CLOCK:
        summary = pattern.sub(blank, summary)
    return summary


def _second_stage_csv(frame: pd.DataFrame) -> str:
    """CSV text of a second-stage table, its text cells (tickers, event ids, groups)
    neutralised for spreadsheets as the report's tables are."""
    clean = frame.copy()
    for col in clean.columns:
        values = clean[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            clean[col] = values.map(csv_safe)
    clean.columns = [csv_safe(str(c)) for c in clean.columns]
    return str(clean.to_csv(index=False, float_format="%.10g"))


#: rows of a per-event section ("CAR by firm", "Events") shown in the Markdown and HTML
#: reports: a longer section shows its first rows and names the CSV file with all of them
#: (125,750 events made 250,000-row documents that took minutes to write)
DOCUMENT_ROWS = 200

_PER_EVENT_SECTIONS = {"CAR by firm": "car.csv", "Events": "status.csv"}


def _shown(caption: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows of a section a document shows and a note when they are not all of them."""
    source = _PER_EVENT_SECTIONS.get(caption)
    if source is None or len(frame) <= DOCUMENT_ROWS:
        return frame, ""
    return frame.head(DOCUMENT_ROWS), (
        f"First {DOCUMENT_ROWS} of {len(frame)} rows; every row is in {source}."
    )


def to_markdown(
    res: EventStudyResults,
    windows: Sequence[Any] | None = None,
    *,
    tests: str | Sequence[str] = "all",
    test: str = DEFAULT_TEST,
    conventions: Conventions | None = None,
    title: str | None = None,
    figures: Mapping[str, str] | None = None,
    data: Mapping[str, Any] | None = None,
    spec: Any = None,
    summary: EventStudySummary | None = None,
) -> str:
    """A Markdown report: tables, figures (``{caption: relative PNG path}``) and provenance.

    ``summary``: the study's summary when the caller has it (``export`` builds one for every
    format); else it is built here with ``windows``, ``tests``, ``test`` and ``conventions``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy import report
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> text = report.to_markdown(res, [(0, 0), (0, 1)], tests=["cross_sectional_t"])
    >>> for line in text.splitlines()[4:10]:
    ...     print(line)
    ## CAAR by window
    <BLANKLINE>
    | window | caar | se | statistic | p_value | n | clustered |
    | --- | ---: | ---: | ---: | ---: | ---: | ---: |
    | [0, 0] | -0.0038 | 0.0045 | -0.839 | 0.4290 | 8 | |
    | [0, 1] | 0.0000 | 0.0070 | -0.005 | 0.9963 | 8 | |

    With ``figures={"caar": "figures/caar.png"}`` the report links that PNG (``export``
    writes it).
    """
    frames = _frames(res, windows, tests, test, conventions, summary)
    record = provenance(res, conventions=frames.conventions, data=data, spec=spec)
    out = [f"# {md_escape(title or 'Event study results')}", "", md_escape(_intro(record)), ""]
    for caption, frame in frames.sections.items():
        frame, cut = _shown(caption, frame)
        header, rows = _frame_rows(frame)
        out += [f"## {caption}", "", render_markdown(header, rows)]
        if cut:
            out += [f"*{md_escape(cut)}*", ""]
        if caption == "CAAR by window":
            out += [f"*Standard error, t and p of the {headline_test(res, frames.test)} test.*", ""]
        legend = _tests_legend(frame)
        if legend:
            out += [legend.replace("*", "\\*"), ""]
    for name, path in (figures or {}).items():
        caption = FIGURE_TITLES.get(name, name)
        caption, path = md_escape(caption), quote(str(path), safe="/")
        out += [f"## {caption}", "", f"![{caption}]({path})", ""]
    # JSON escapes line breaks: no user string can close the fence (it would need a line)
    out += ["## Provenance", "", "```json", provenance_json(record), "```", ""]
    return "\n".join(out)


def _frames(
    res: EventStudyResults,
    windows: Sequence[Any] | None,
    tests: str | Sequence[str],
    test: str,
    conventions: Conventions | None,
    summary: EventStudySummary | None,
) -> StudyTables:
    """The tables a document renders: those of ``summary`` when given, else computed once."""
    if summary is not None:
        return summary.frames
    return StudyTables.compute(res, windows, tests=tests, test=test, conventions=conventions)


def _tests_legend(frame: pd.DataFrame) -> str:
    """What the ``stars`` and ``clustered`` columns of a table mean (empty if neither)."""
    parts = [STARS_NOTE] if "stars" in frame else []
    if "clustered" in frame and (frame["clustered"] == "yes").any():
        parts.append(f"clustered = yes: {CLUSTER_NOTE.removeprefix(CLUSTER_MARK).strip()}")
    return " ".join(parts)


def _intro(record: Mapping[str, Any], *, strong: tuple[str, str] = ("**", "**")) -> str:
    """One sentence on the design; ``strong`` marks the model (Markdown ``**`` by default;
    the HTML reports pass tags and escape the text themselves)."""
    ev = record["events"]
    return (
        f"Model {strong[0]}{record['model']}{strong[1]}, estimation window "
        f"{record['estimation_window']}, "
        f"event window {record['event_window']}, {record['return_kind']} returns; "
        f"{ev['used']} of {ev['input']} events used ({ev['dropped']} dropped); "
        f"conventions: {record['conventions'].split(':')[0]}."
    )


def _html_intro(record: Mapping[str, Any]) -> str:
    """The design sentence as escaped HTML with the model in ``<strong>``."""
    marks = ("\x00", "\x01")  # placeholders that survive escaping
    text = html.escape(_intro(record, strong=marks))
    return text.replace(marks[0], "<strong>").replace(marks[1], "</strong>")


def to_html(
    res: EventStudyResults,
    windows: Sequence[Any] | None = None,
    *,
    tests: str | Sequence[str] = "all",
    test: str = DEFAULT_TEST,
    conventions: Conventions | None = None,
    title: str | None = None,
    figures: Mapping[str, Figure | bytes] | None = None,
    data: Mapping[str, Any] | None = None,
    spec: Any = None,
    standalone: bool = True,
    summary: EventStudySummary | None = None,
) -> str:
    """A self-contained HTML report: the headline first, then sections with a table of contents.

    The headline states the question (the spec's ``description``, else a default), the sample,
    the main CAAR (the first window) with its test, p-value and interval, and the CAAR figure;
    each other figure sits beside the table it illustrates (layout: :mod:`eventstudy.report.page`).
    Figures are embedded as base64 PNGs and nothing is loaded from outside.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy import report
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> page = report.to_html(res, [(0, 0)], tests=["cross_sectional_t"], title="Simulated")
    >>> page.splitlines()[0], "<title>Simulated</title>" in page
    ('<!DOCTYPE html>', True)
    >>> "http://" in page or "https://" in page  # self-contained: nothing loaded from outside
    False
    """
    from . import page

    frames = _frames(res, windows, tests, test, conventions, summary)
    record = provenance(res, conventions=frames.conventions, data=data, spec=spec)
    wins, caar, tab = frames.windows, frames.caar, frames.tests
    level = float(getattr(spec, "confidence", 0.95) or 0.95)
    sections: dict[str, tuple[str, str]] = {}
    for caption, frame in frames.sections.items():
        if caption == "CAAR by window":
            header, rows = page.caar_columns(caar)
            note = f"Standard error, statistic and p of the {caar['test'].iloc[0]} test. "
            legend = note + _tests_legend(frame)
        elif caption == "Tests":
            header, rows = page.tests_columns(_test_display(tab))
            legend = "Each cell: statistic with stars (p-value). " + _tests_legend(frame)
        else:
            frame, cut = _shown(caption, frame)
            header, rows = _frame_rows(frame)
            legend = " ".join(filter(None, [_tests_legend(frame), cut]))
        sections[caption] = (render_html(header, rows), legend)
    figs = {
        name: (FIGURE_TITLES.get(name, name), figure_to_base64(fig))
        for name, fig in (figures or {}).items()
    }
    question = getattr(spec, "description", None) or page.default_question(
        record, [window_label(w) for w in wins]
    )
    return page.layout(
        title=title or "Event study results",
        question=str(question),
        record=record,
        provenance_text=provenance_json(record),
        sections=sections,
        head=page.headline(caar, _test_display(tab), level),
        figures=figs,
        standalone=standalone,
    )


def repr_html(res: EventStudyResults) -> str:
    """Compact HTML for Jupyter (``_repr_html_``): header, CAAR table, provenance.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy import report
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> html = report.repr_html(res)  # what Jupyter shows for res
    >>> html[:55]
    '<div class="eventstudy-results"><strong>Event study res'
    >>> "<caption>CAAR by window (cross_sectional_t)</caption>" in html
    True
    """
    try:
        conv = _conventions(getattr(res, "conventions", None))  # the results' own (issue 12)
        wins = default_windows(res)
        caar = _caar_display(caar_table(res, wins, conventions=conv))
        record = provenance(res, conventions=conv)
    except Exception as exc:  # a notebook display must never raise
        return (
            f"<pre>{html.escape(type(res).__name__)}: cannot render ({html.escape(str(exc))})</pre>"
        )
    header, rows = _frame_rows(caar)
    parts = [
        f"<strong>Event study results</strong><p>{_html_intro(record)}</p>",
        render_html(header, rows, caption=f"CAAR by window ({headline_test(res)})"),
        "<details><summary>Provenance</summary>"
        f"<pre>{html.escape(provenance_json(record))}</pre></details>",
    ]
    return '<div class="eventstudy-results">' + "\n".join(parts) + "</div>"


def to_latex(
    res: EventStudyResults,
    windows: Sequence[Any] | None = None,
    *,
    tests: str | Sequence[str] = "all",
    test: str = DEFAULT_TEST,
    conventions: Conventions | None = None,
    data: Mapping[str, Any] | None = None,
    spec: Any = None,
    summary: EventStudySummary | None = None,
) -> str:
    """LaTeX (booktabs) tables: the CAAR by window and the tests, with a provenance comment.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy import report
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> tex = report.to_latex(res, [(0, 0), (0, 1)], tests=["cross_sectional_t"])
    >>> lines = tex.splitlines()
    >>> lines[1]  # the provenance block comes first, as comments
    '% model: market model (MKT)'
    >>> start = lines.index(r"\\begin{tabular}{lrrrrrr}")  # the CAAR table
    >>> for line in lines[start : start + 6]:
    ...     print(line)
    \\begin{tabular}{lrrrrrr}
    \\toprule
    window & caar & se & statistic & p\\_value & n & clustered \\\\
    \\midrule
    [0, 0] & -0.0038 & 0.0045 & -0.839 & 0.4290 & 8 &  \\\\
    [0, 1] & 0.0000 & 0.0070 & -0.005 & 0.9963 & 8 &  \\\\
    """
    frames = _frames(res, windows, tests, test, conventions, summary)
    record = provenance(res, conventions=frames.conventions, data=data, spec=spec)
    sections = frames.sections
    out = [f"% {one_line(line)}" for line in provenance_lines(record)]  # a comment each
    for caption in ("CAAR by window", "Tests"):
        header, rows = _frame_rows(sections[caption])
        notes = (
            f"Standard error, t and p of the {headline_test(res, frames.test)} test."
            if caption == "CAAR by window"
            else ""
        )
        out.append(render_latex(header, rows, caption=caption, notes=notes))
    for caption, frame in second_stage_sections(res).items():  # issue 16
        header, rows = _frame_rows(frame)
        out.append(render_latex(header, rows, caption=caption))
    return "\n".join(out)


# ----------------------------------------------------------------------------- export
def export(
    res: EventStudyResults,
    folder: str | Path,
    formats: Sequence[str] = EXPORT_FORMATS,
    *,
    windows: Sequence[Any] | None = None,
    tests: str | Sequence[str] = "all",
    test: str = DEFAULT_TEST,
    conventions: Conventions | None = None,
    title: str | None = None,
    figures: Mapping[str, Figure | bytes] | None = None,
    data: Mapping[str, Any] | None = None,
    spec: Any = None,
    overwrite: bool = False,
    summary: EventStudySummary | None = None,
) -> dict[str, Path]:
    """Write the results to ``folder``; returns ``{name: path}`` of every file written.

    ``csv`` / ``parquet``: the tidy tables ``ar, car, caar, caar_path, tests, status, params``
    (``car`` stacks every window); with ``csv`` also the second-stage results
    (``res.second_stage``, :func:`second_stage_files`: ``cross_section.csv`` and ``.txt``,
    ``bhar_tests.csv``, ``calendar_time.csv``, ...); ``md``, ``html``, ``tex``: the reports.
    Figures (a dict of
    name to Figure) are saved as ``figures/<name>.png``, linked from the Markdown report and
    embedded in the HTML one; ``provenance.json`` is always written.

    Files are written under the file-safety contract of ``eventstudy._fileio`` (see
    ``docs/security.md``): atomically, never through a symbolic link, never over a file
    eventstudy did not write; ``overwrite=True`` also replaces earlier outputs edited since.
    Every name is checked before the first file is written. The Markdown, HTML and LaTeX
    reports render one :class:`~eventstudy.report.summary.EventStudySummary`: ``summary``
    when the caller has built it (the CLI prints the same one), else one built here. A given
    ``summary`` decides the windows, tests, primary test and conventions of every file (the
    tables as well as the reports), so the files never disagree.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy import report
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> files = report.export(res, folder.name, formats=("csv", "md"), tests=["cross_sectional_t"])
    >>> sorted(files)  # {name: path} of every file written
    ['ar.csv', 'bhar.csv', 'caar.csv', 'caar_path.csv', 'car.csv', 'groups.csv', 'params.csv', 'provenance.json', 'report.md', 'status.csv', 'tests.csv']
    >>> print(files["caar.csv"].read_text().splitlines()[0])
    window,start,end,caar,se,statistic,p_value,n,test,clustered
    >>> folder.cleanup()

    Figures are saved as ``figures/<name>.png`` and linked or embedded by the reports:

    >>> figures = report.study_figures(res, ["caar", "car_bars"])  # doctest: +SKIP
    >>> report.export(res, "out/", formats=("csv", "html"), figures=figures)  # doctest: +SKIP
    """
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    bad = [f for f in formats if f not in EXPORT_FORMATS]
    if bad:
        raise SpecError(f"unknown export format(s) {bad}; valid: {', '.join(EXPORT_FORMATS)}")
    if summary is not None:  # the summary decides: every file shows the same tables
        frames = summary.frames
        windows, test, conventions = frames.windows, frames.test, frames.conventions
        tests = frames.requested if isinstance(frames.requested, str) else list(frames.requested)
    conv = _conventions(conventions)
    wins = _windows(res, windows)
    out = OutputFolder(folder, overwrite=overwrite)
    payloads: dict[str, Payload] = {}
    tables = _export_tables(res, wins, tests, test, conv)
    if "csv" in formats:
        payloads["ar.csv"] = _csv_pieces(res.ar_blocks(AR_BLOCK_EVENTS))  # written block by block
    if "parquet" in formats:
        payloads["ar.parquet"] = _table_bytes(res.ar, "parquet")
    for fmt in ("csv", "parquet"):
        if fmt in formats:
            for name, table in tables.items():
                payloads[f"{name}.{fmt}"] = _table_pieces(table, fmt)
    if "csv" in formats:  # issue 16: the second stage's tables, as eventstudy run writes them
        for name, text in second_stage_files(getattr(res, "second_stage", None) or {}).items():
            if name in payloads:
                raise SpecError(
                    f"the second-stage result {name.rsplit('.', 1)[0]!r} would overwrite the "
                    f"study's table {name}; give it another name in with_second_stage()"
                )
            payloads[name] = text.encode("utf-8")
    pngs = {name: figure_png(fig) for name, fig in (figures or {}).items()}
    figure_paths: dict[str, str] = {}
    for name, png in pngs.items():
        payloads[f"figures/{name}.png"] = png
        figure_paths[name] = f"figures/{name}.png"
    # one summary, built once, for every document format (issue 12)
    if summary is None and {"md", "html", "tex"} & set(formats):
        summary = EventStudySummary.from_results(
            res, wins, tests=tests, test=test, conventions=conv, title=title, data=data
        )
    if "md" in formats:
        text = to_markdown(
            res, title=title, figures=figure_paths, data=data, spec=spec, summary=summary
        )
        payloads["report.md"] = inert(text).encode("utf-8")
    if "html" in formats:
        text = to_html(res, title=title, figures=pngs, data=data, spec=spec, summary=summary)
        payloads["report.html"] = inert(text).encode("utf-8")
    if "tex" in formats:
        text = to_latex(res, data=data, spec=spec, summary=summary)
        payloads["report.tex"] = inert(text).encode("utf-8")
    record = provenance(res, conventions=conv, data=data, spec=spec)
    payloads["provenance.json"] = provenance_json(record).encode("utf-8")
    return out.write_all(payloads)


def _default_band_path(
    res: EventStudyResults, path: pd.DataFrame, level: float = 0.95
) -> pd.DataFrame:
    """The CAAR path with the default band (``plot_caar``'s): Kolari-Pynnönen-widened when
    the events cluster strongly, else as computed; the ``band`` column says which."""
    from ..inference.guidance import choose_band, kp_widened_path

    if choose_band(res.panel, "auto") == "kolari_pynnonen":
        return kp_widened_path(res.panel, path, level)
    return path.assign(band="cross_sectional")


def _caar_method(res: EventStudyResults, test: str) -> CaarMethod:
    """The CAAR formula ``test`` estimates (:func:`eventstudy.engine.abnormal.caar_path`): the CAAR
    path exported, drawn and tabled is then one number per day (issue 12)."""
    from ..inference.registry import caar_method_of

    return caar_method_of(headline_test(res, test))


def _export_tables(
    res: EventStudyResults,
    wins: list[Window],
    tests: str | Sequence[str],
    test: str,
    conv: Conventions,
) -> dict[str, pd.DataFrame | Callable[[], pd.DataFrame]]:
    from .plotting import panel_caar_path

    def per_window(table: Any) -> pd.DataFrame:
        return pd.concat([table(w).assign(window=window_label(w)) for w in wins], ignore_index=True)

    # "ar" (a row per event and day: 21 million at a million events) is written block by
    # block by export(). The tables with a row per event are built when their file is
    # written (one at a time: at a million events car, bhar, status and params held at once
    # as frames and as text were 2.5 GB above the panel); the study-level tables are built
    # here, so their computations fail before anything is written
    tables: dict[str, pd.DataFrame | Callable[[], pd.DataFrame]] = {
        "car": lambda: per_window(res.car),
        "bhar": lambda: per_window(res.bhar),
        "caar": caar_table(res, wins, test=test, conventions=conv),
        "caar_path": _default_band_path(
            res, panel_caar_path(res.panel, how=_caar_method(res, test))
        ),
        "groups": group_table(res, wins),
        "tests": tests_table(res, wins, tests=tests, conventions=conv, daily=True),
        "status": lambda: res.status,
        "params": lambda: res.params,
    }
    if getattr(res.panel, "market_value", None) is not None:  # dollar values need them
        tables["dollar"] = lambda: per_window(res.dollar)
    return tables


#: rows of a table formatted as CSV text at once (its file is written a block at a time)
CSV_BLOCK_ROWS = 200_000


def _table_pieces(table: pd.DataFrame | Callable[[], pd.DataFrame], fmt: str) -> Iterator[bytes]:
    """The file of ``table`` (a frame, or a function building it when the file is written),
    CSV a block of rows at a time: the same bytes as :func:`_table_bytes` of the whole."""
    frame = table() if callable(table) else table
    if fmt != "csv":
        yield _table_bytes(frame, fmt)
        return
    blocks = (
        frame.iloc[lo : lo + CSV_BLOCK_ROWS] for lo in range(0, max(len(frame), 1), CSV_BLOCK_ROWS)
    )
    yield from _csv_pieces(blocks)


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed and check a file can be created in it (else OutputError).

    The probe is a fresh temporary file (created exclusively: a planted link is never
    followed, no existing file is touched).

    Examples
    --------
    >>> import tempfile
    >>> from eventstudy import report
    >>> folder = tempfile.TemporaryDirectory()
    >>> out = report.ensure_writable(Path(folder.name) / "out")  # created, then probed
    >>> out.is_dir(), list(out.iterdir())  # the probe file is gone
    (True, [])
    >>> folder.cleanup()
    """
    OutputFolder(folder)
    return folder


#: first characters that make a spreadsheet read a CSV cell as a formula (OWASP CSV injection)
CSV_FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """A whole report with every control character but line breaks and tab as U+FFFD: a user
    string holding a terminal escape sequence (``ESC[2J``) is shown, never run by a terminal
    that prints the file.

    Examples
    --------
    >>> from eventstudy.report import inert
    >>> inert("group " + chr(27) + "[31mRED")
    'group \ufffd[31mRED'
    """
    return CONTROL_CHARS.sub("\ufffd", text)


def csv_safe(value: Any) -> Any:
    """A text cell neutralised for spreadsheets: a leading ``= + - @``, tab or carriage return
    gets a single quote in front (as OWASP recommends); anything but ``str`` is unchanged.

    A carriage return inside the text becomes a line feed: the CSV writer quotes a cell
    holding a line feed, but not one holding a lone carriage return, which a spreadsheet
    reads as a line break that starts a new, unneutralised cell.

    Examples
    --------
    >>> from eventstudy.report import csv_safe
    >>> csv_safe("=HYPERLINK(1)"), csv_safe("NVDA"), csv_safe(-0.05)
    ("'=HYPERLINK(1)", 'NVDA', -0.05)
    >>> csv_safe("x" + chr(13) + "=1+1") == "x" + chr(10) + "=1+1"
    True
    >>> csv_safe("RED" + chr(27) + "[31m")  # a terminal escape sequence is made inert
    'RED\ufffd[31m'
    """
    if not isinstance(value, str):
        return value
    if value.startswith(CSV_FORMULA_START):
        value = "'" + value
    # other control characters (ESC of a terminal escape sequence) are shown, never passed on
    return CONTROL_CHARS.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


def _map_distinct(values: pd.Series, fn: Any) -> pd.Series:
    """``values.map(fn)`` computed once per distinct value (a ticker or event id repeats on
    every event day: 2.6 million calls for 125,750 events became 125,750); the result's
    dtype is the one ``map`` infers from the same distinct results. Columns with missing
    cells, or with mostly distinct values, are mapped cell by cell."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) * 2 > len(values) or (codes < 0).any():
        return values.map(fn)
    mapped = pd.Series(uniques, dtype=values.dtype).map(fn)
    out = mapped.take(codes)  # an array take (Arrow strings stay Arrow: no Python objects)
    out.index = values.index
    out.name = values.name
    return out


#: events per block of ``ar.csv`` (about a million rows with a 21-day event window)
AR_BLOCK_EVENTS = 50_000


def _csv_pieces(frames: Iterable[pd.DataFrame]) -> Iterator[bytes]:
    """The CSV of the frames one after another, as :func:`_table_bytes` writes their
    concatenation: the header once, then each frame's rows (the same bytes, a block at a
    time)."""
    for i, frame in enumerate(frames):
        yield _table_bytes(frame, "csv", header=i == 0)


def _table_bytes(frame: pd.DataFrame, fmt: str, header: bool = True) -> bytes:
    clean = frame.copy()
    clean.attrs = {}
    for col in clean.columns:
        values = clean[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        text = values.dtype == object or pd.api.types.is_string_dtype(values.dtype)
        if text and fmt == "csv":  # text cells only: numbers are never touched
            values = _map_distinct(values, csv_safe)
        if values.dtype == object:  # Parquet wants one type per column: stringify mixed objects
            values = _map_distinct(values, lambda v: None if v is None or v is pd.NA else str(v))
        clean[col] = values
    buffer = io.BytesIO()
    if fmt == "csv":
        clean.columns = [csv_safe(str(c)) for c in clean.columns]
        clean.to_csv(buffer, index=False, header=header)
    else:
        clean.to_parquet(buffer, index=False)
    return buffer.getvalue()
