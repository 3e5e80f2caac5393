"""The layout of the HTML report (``report.html``): a headline first, then sections.

Order: the headline (the question, the sample, the main CAAR with its test, p-value and
interval, and the CAAR figure), a table of contents, then one section per table with the
figures that illustrate it beside it (CAR by firm next to the firm bars and paths, groups next to
the prices, the events next to the estimation fit), and the provenance. Tables put windows in
columns and mark significance with stars. Every text is escaped (``html.escape`` or
:func:`eventstudy.report.tables.render_html`); the page loads nothing from outside (figures are
base64 PNGs, no script).

:func:`eventstudy.report.to_html` computes the pieces and calls :func:`layout`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .tables import format_number, star_marks

__all__ = [
    "FIGURE_SECTIONS",
    "Headline",
    "caar_columns",
    "default_question",
    "headline",
    "layout",
    "tests_columns",
]

#: figure name -> the section caption it illustrates ("" = the headline)
FIGURE_SECTIONS: dict[str, str] = {
    "caar": "",
    "car_bars": "CAR by firm",
    "ar_paths": "CAR by firm",
    "prices": "CAR by group",
    "fit": "Events",
}

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222;
       padding: 0 1em; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
.question { font-size: 1.15em; color: #444; margin-top: 0; }
.headline { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: center; background: #f6f8fa;
            border: 1px solid #d0d7de; border-radius: 8px; padding: 1em 1.2em; margin: 1em 0; }
.headline .numbers { flex: 1 1 320px; min-width: 0; }
.headline figure { flex: 1 1 480px; margin: 0; min-width: 0; }
.kpi { font-size: 2em; font-weight: 600; margin: 0.2em 0; }
.kpi small { font-size: 0.45em; font-weight: normal; color: #555; }
.sample, .verdict { margin: 0.3em 0; }
nav.toc { border-left: 3px solid #d0d7de; padding: 0.2em 1em; margin: 1.5em 0; }
nav.toc h2 { font-size: 1em; margin: 0.2em 0; }
nav.toc ol { margin: 0.2em 0; padding-left: 1.4em; }
section { margin: 2em 0; }
.pair { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
.pair > .tables { flex: 1 1 460px; min-width: 0; overflow-x: auto; }
.pair > .figures { flex: 1 1 460px; min-width: 0; }
figure { margin: 0 0 1em; }
figcaption { font-size: 0.85em; color: #555; }
table.eventstudy-table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em;
                         font-variant-numeric: tabular-nums; }
table.eventstudy-table th, table.eventstudy-table td { padding: 2px 10px; }
table.eventstudy-table thead th { border-bottom: 1px solid #444; }
table.eventstudy-table caption { text-align: left; font-weight: 600; padding-bottom: 0.3em; }
.legend { font-size: 0.85em; color: #555; }
pre.provenance { background: #f5f5f5; padding: 0.8em; font-size: 0.8em; overflow-x: auto; }
img { max-width: 100%; height: auto; }
"""


@dataclass(frozen=True)
class Headline:
    """The main result: CAAR over the first window with its test and interval.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> from eventstudy.report.page import headline
    >>> h = headline(report.caar_table(res, [(0, 0)]), report.tests_table(res, [(0, 0)]))
    >>> h.window, h.test, round(h.caar, 4), (round(h.low, 4), round(h.high, 4))  # 95 % interval
    ('[0, 0]', 'cross_sectional_t', -0.0038, (-0.0144, 0.0069))
    """

    window: str
    caar: float
    se: float
    statistic: float
    p_value: float
    test: str
    clustered: bool
    level: float
    low: float
    high: float
    n: int | None


def headline(caar: pd.DataFrame, tests: pd.DataFrame, level: float = 0.95) -> Headline | None:
    """The headline of the first window of ``caar`` (a :func:`eventstudy.report.caar_table`).

    The interval is ``CAAR ± q × s.e.``, with ``s.e. = |CAAR / statistic|`` the standard error
    the test implies and ``q`` the two-sided ``level`` quantile of the test's reference
    distribution (Student t with the test's degrees of freedom, else the standard normal), so
    the interval excludes 0 exactly when the test's two-sided p is below ``1 - level``.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.report.page import headline
    >>> caar = pd.DataFrame({"window": ["[0, 0]"], "caar": [-0.05], "se": [0.01],
    ...     "statistic": [-5.0], "p_value": [1e-4], "n": [20], "test": ["patell"],
    ...     "clustered": [False]})
    >>> round(headline(caar, pd.DataFrame()).high, 4)
    -0.0304
    """
    if caar.empty:
        return None
    row = caar.iloc[0]
    q = float(stats.norm.ppf(0.5 + level / 2))
    match = (
        tests[(tests["test"] == row["test"]) & (tests["window"] == row["window"])]
        if len(tests)
        else tests
    )
    if len(match) and str(match["distribution"].iloc[0]) == "t":
        df = float(match["df"].iloc[0])
        if np.isfinite(df) and df > 0:
            q = float(stats.t.ppf(0.5 + level / 2, df))
    est, se = float(row["caar"]), float(row["se"])
    n = row["n"]
    return Headline(
        window=str(row["window"]),
        caar=est,
        se=se,
        statistic=float(row["statistic"]),
        p_value=float(row["p_value"]),
        test=str(row["test"]),
        clustered=bool(row["clustered"]),
        level=level,
        low=est - q * se,
        high=est + q * se,
        n=None if pd.isna(n) else int(n),
    )


def _pct(value: float, digits: int = 2) -> str:
    return f"{100 * value:+.{digits}f}%" if np.isfinite(value) else "n/a"


def _headline_html(
    head: Headline | None,
    record: Mapping[str, Any],
    question: str,
    figure: str | None,
) -> str:
    ev = record["events"]
    sample = (
        f"{ev['used']} of {ev['input']} events used ({ev['dropped']} dropped); "
        f"{record['model']}, estimation window {record['estimation_window']}, event window "
        f"{record['event_window']}, {record['return_kind']} returns."
    )
    parts = [f'<p class="question">{html.escape(question)}</p>', '<div class="headline">']
    parts.append('<div class="numbers">')
    if head is not None:
        marks = star_marks(head.p_value) if np.isfinite(head.p_value) else ""
        parts += [
            f"<div>CAAR {html.escape(head.window)}</div>",
            f'<p class="kpi">{html.escape(_pct(head.caar))}{html.escape(marks)} '
            f"<small>{int(round(100 * head.level))}% interval "
            f"[{html.escape(_pct(head.low))}, {html.escape(_pct(head.high))}]</small></p>",
            f'<p class="verdict">{html.escape(head.test)}: statistic '
            f"{html.escape(format_number(head.statistic, 3))}, p = "
            f"{html.escape(format_number(head.p_value, 4))}"
            + (f", N = {head.n}" if head.n is not None else "")
            + (" (events share dates: read the robust tests)" if head.clustered else "")
            + "</p>",
        ]
    parts.append(f'<p class="sample">{html.escape(sample)}</p>')
    parts.append("</div>")
    if figure:
        parts.append(figure)
    parts.append("</div>")
    return "\n".join(parts)


def _figure(name: str, caption: str, b64: str) -> str:
    return (
        f'<figure id="figure-{html.escape(name)}"><img alt="{html.escape(caption)}" '
        f'src="data:image/png;base64,{b64}"><figcaption>{html.escape(caption)}</figcaption>'
        "</figure>"
    )


def caar_columns(caar: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """The CAAR table with windows as columns: CAAR (with stars), s.e., statistic, p, N.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> from eventstudy.report.page import caar_columns
    >>> header, rows = caar_columns(report.caar_table(res, [(0, 0), (-1, 1)]))
    >>> header, rows[0]
    (['', '[0, 0]', '[-1, 1]'], ['CAAR', '-0.0038', '0.0061'])
    """
    header = ["", *[str(w) for w in caar["window"]]]
    rows = [
        [
            "CAAR",
            *[
                format_number(c, 4) + (star_marks(p) if np.isfinite(p) else "")
                for c, p in zip(caar["caar"], caar["p_value"], strict=True)
            ],
        ],
        ["s.e.", *[format_number(v, 4) for v in caar["se"]]],
        ["statistic", *[format_number(v, 3) for v in caar["statistic"]]],
        ["p-value", *[format_number(v, 4) for v in caar["p_value"]]],
        ["N", *["" if pd.isna(v) else str(int(v)) for v in caar["n"]]],
    ]
    if bool(np.asarray(caar["clustered"], dtype=bool).any()):
        rows.append(["clustered", *["yes" if c else "" for c in caar["clustered"]]])
    return header, rows


def tests_columns(tests: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Every test (rows) by window (columns): the statistic with stars, then ``(p)``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> from eventstudy.report.page import tests_columns
    >>> tests_columns(report.tests_table(res, [(0, 0)], tests=["patell", "bmp"]))
    (['test', '[0, 0]'], [['patell', '-0.518 (0.604)'], ['bmp', '-0.748 (0.479)']])
    """
    windowed = tests[tests["window"].notna()]
    windows = list(dict.fromkeys(str(w) for w in windowed["window"]))
    header = ["test", *windows]
    rows = []
    for name, part in windowed.groupby("test", sort=False):
        by_window = {str(r["window"]): r for _, r in part.iterrows()}
        cells = []
        for w in windows:
            r = by_window.get(w)
            if r is None:
                cells.append("")
                continue
            stat = format_number(float(r["statistic"]), 3)
            p = format_number(float(r["p_value"]), 3)
            cells.append(f"{stat}{r.get('stars', '') or ''} ({p})")
        mark = "†" if bool(part["clustered"].fillna(False).astype(bool).any()) else ""
        rows.append([f"{name}{mark}", *cells])
    return header, rows


def layout(
    *,
    title: str,
    question: str,
    record: Mapping[str, Any],
    provenance_text: str,
    sections: Mapping[str, tuple[str, str]],
    head: Headline | None,
    figures: Mapping[str, tuple[str, str]],
    standalone: bool = True,
) -> str:
    """Assemble the report.

    Parameters
    ----------
    title, question : str
        Plain text (escaped here).
    record : mapping
        The provenance record (its ``events``, ``model`` and windows make the sample line).
    provenance_text : str
        The provenance as JSON text (escaped here).
    sections : mapping
        Caption -> (tables HTML, legend text), in order; the HTML is already escaped.
    head : Headline or None
        The main CAAR.
    figures : mapping
        Figure name -> (caption, base64 PNG); each is placed once, beside the section of
        :data:`FIGURE_SECTIONS` (unknown names in a "Figures" section).

    Examples
    --------
    >>> from eventstudy.report.page import layout
    >>> page = layout(title="T", question="Q?", provenance_text="{}", sections={},
    ...     head=None, figures={}, record={"events": {"used": 1, "input": 1, "dropped": 0},
    ...     "model": "m", "estimation_window": "[-250, -11]", "event_window": "[-10, 10]",
    ...     "return_kind": "simple"})
    >>> page.startswith("<!DOCTYPE html>")
    True
    """
    placed: dict[str, list[str]] = {}
    for name, (caption, b64) in figures.items():
        where = FIGURE_SECTIONS.get(name, "Figures")
        if where and where not in sections:
            where = "Figures"
        placed.setdefault(where, []).append(_figure(name, caption, b64))
    head_figure = "\n".join(placed.pop("", [])) or None
    captions = list(sections)
    if "Figures" in placed:
        captions.append("Figures")
    anchors = {c: _anchor(c) for c in [*captions, "Provenance"]}
    body = [f"<h1>{html.escape(title)}</h1>", _headline_html(head, record, question, head_figure)]
    toc = "".join(
        f'<li><a href="#{anchors[c]}">{html.escape(c)}</a></li>' for c in [*captions, "Provenance"]
    )
    body.append(f'<nav class="toc"><h2>Contents</h2><ol>{toc}</ol></nav>')
    for caption in captions:
        tables, legend = sections.get(caption, ("", ""))
        figs = placed.get(caption, [])
        inner = f'<div class="tables">{tables}'
        if legend:
            inner += f'<p class="legend">{html.escape(legend)}</p>'
        inner += "</div>"
        if figs:
            inner += '<div class="figures">' + "\n".join(figs) + "</div>"
        body.append(
            f'<section id="{anchors[caption]}">\n<h2>{html.escape(caption)}</h2>\n'
            f'<div class="pair">{inner}</div>\n</section>'
        )
    body.append(
        f'<section id="{anchors["Provenance"]}">\n<h2>Provenance</h2>\n'
        f'<pre class="provenance">{html.escape(provenance_text)}</pre>\n</section>'
    )
    content = "\n".join(body)
    if not standalone:
        return f'<div class="eventstudy-report">\n{content}\n</div>\n'
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{content}\n</body>\n</html>\n"
    )


def _anchor(caption: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in caption.lower()).strip("-")


def default_question(record: Mapping[str, Any], windows: Sequence[str]) -> str:
    """A question for a study without a description.

    Examples
    --------
    >>> from eventstudy.report.page import default_question
    >>> default_question({"events": {"used": 8}, "model": "market model (SPY)"}, ["[0, 1]"])
    'Did the 8 events earn abnormal returns over [0, 1], relative to the market model (SPY)?'
    """
    window = windows[0] if windows else "the event window"
    return (
        f"Did the {record['events']['used']} events earn abnormal returns over {window}, "
        f"relative to the {record['model']}?"
    )
