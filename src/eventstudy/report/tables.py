"""Publication tables: several windows and studies side by side (like pyfixest's ``etable``).

:func:`etable` takes results objects or precomputed tidy frames with one row per
(study, window)::

    study, window, estimate, se, p_value, n, model   (optional: statistic, test)

and lays them out with one column per study: for every window a CAAR row with significance
stars and, beneath it, the standard error or t statistic in parentheses, then the number of
events, the model and the test. It returns the table as a DataFrame or renders it as
Markdown, LaTeX or HTML (``type="md" | "tex" | "html"``).

The renderers :func:`render_markdown`, :func:`render_latex` and :func:`render_html` turn any
header plus rows of strings into a table; :mod:`eventstudy.report` uses them too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..engine.panel import EventPanel, window_label
from ..exceptions import DataError, SpecError

if TYPE_CHECKING:  # pragma: no cover
    from ..results import EventStudyResults

__all__ = [
    "ROW_COLUMNS",
    "etable",
    "format_number",
    "md_escape",
    "one_line",
    "parse_window",
    "regression_coefficients",
    "render_html",
    "render_latex",
    "render_markdown",
    "star_marks",
    "study_rows",
    "tex_escape",
]

Window = tuple[int, int]
TableType = Literal["df", "md", "tex", "html"]
TYPES: tuple[str, ...] = ("df", "md", "tex", "html")
STATS: tuple[str, ...] = ("t", "se", "p")
ROW_COLUMNS = [
    "study",
    "window",
    "estimate",
    "se",
    "statistic",
    "p_value",
    "n",
    "model",
    "test",
    "clustered",
]
#: the mark of a test that assumes independence while the events share calendar dates
CLUSTER_MARK = "†"
CLUSTER_NOTE = (
    f"{CLUSTER_MARK} events share calendar dates: this test assumes independent abnormal returns "
    "and over-rejects when they cluster; prefer kolari_pynnonen or a portfolio test "
    "(results.clustering() grades the clustering and advises by design)."
)
#: ``"primary"``: the results' own primary test (``res.primary_test``, chosen at fit or spec
#: time; ``"auto"`` there is ``cross_sectional_t``, or ``kolari_pynnonen`` when events
#: cluster strongly, :func:`eventstudy.inference.guidance.choose_headline`). An explicit
#: ``test="auto"`` is the automatic choice whatever the results' primary test is.
DEFAULT_TEST = "primary"
_WINDOW = re.compile(r"^\s*[\[(]?\s*(-?\d+)\s*[,;: ]\s*(-?\d+)\s*[\])]?\s*$")


# ----------------------------------------------------------------------------- small helpers
def parse_window(value: Any) -> Window:
    """``(a, b)``, ``[a, b]`` or the string ``"[a, b]"`` as a tuple of ints.

    Examples
    --------
    >>> from eventstudy.report.tables import parse_window
    >>> parse_window([-1, 1]), parse_window("[0, 5]")
    ((-1, 1), (0, 5))
    """
    if isinstance(value, str):
        match = _WINDOW.match(value)
        if match:
            return int(match.group(1)), int(match.group(2))
    elif isinstance(value, Sequence) and len(value) == 2:
        try:
            a, b = (int(v) for v in value)
        except (TypeError, ValueError):
            pass
        else:
            if a == value[0] and b == value[1]:
                return a, b
    raise SpecError(f"window {value!r} is not a pair of trading days such as (0, 1) or '[0, 1]'")


def star_marks(p: float, stars: Sequence[float] = (0.10, 0.05, 0.01)) -> str:
    """One ``*`` per threshold the p-value is strictly below (``""`` for NaN).

    Examples
    --------
    >>> from eventstudy.report.tables import star_marks
    >>> star_marks(0.003), star_marks(0.07), star_marks(0.5)
    ('***', '*', '')
    """
    if p is None or not np.isfinite(p):
        return ""
    return "*" * sum(p < s for s in stars)


def counts(values: Any) -> Any:
    """Event counts as integers (``27``, not ``27.0`` in a CSV); missing stays missing.

    Examples
    --------
    >>> counts([27.0, float("nan")]).tolist()
    [27, <NA>]
    """
    numbers = pd.Series(np.asarray(values, dtype=float)).round()
    return numbers.astype("Int64").array


def format_number(value: float, digits: int) -> str:
    """Fixed-point number with ``digits`` decimals; an empty string for missing values.

    Examples
    --------
    >>> from eventstudy.report.tables import format_number
    >>> format_number(-0.07781, 4)
    '-0.0778'
    """
    if value is None or not np.isfinite(value):
        return ""
    text = f"{value:.{digits}f}"
    return "0." + "0" * digits if text == "-0." + "0" * digits else text


def _check_stars(stars: Sequence[float]) -> tuple[float, ...]:
    values = tuple(float(s) for s in stars)
    if not all(0.0 < s < 1.0 for s in values):
        raise SpecError(
            f"stars must be significance levels strictly between 0 and 1, got {stars!r}"
        )
    return tuple(sorted(values, reverse=True))


# ----------------------------------------------------------------------------- tidy rows
def study_rows(
    res: EventStudyResults,
    windows: Sequence[Any],
    *,
    test: str = DEFAULT_TEST,
    label: str | None = None,
    conventions: Any = None,
) -> pd.DataFrame:
    """The tidy etable rows of a results object: one row per window from ``test``.

    ``estimate`` and ``p_value`` are the test's; ``se = estimate / statistic`` is the standard
    error the test implies; ``n`` is the number of events it used.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy.report.tables import study_rows
    >>> rows = study_rows(res, [(0, 0), (0, 1)], test="patell")
    >>> rows[["window", "test"]].assign(n=len(rows.columns))
       window    test   n
    0  (0, 0)  patell  10
    1  (0, 1)  patell  10
    """
    wins = [parse_window(w) for w in windows]
    rows = _test_rows(res, test, wins, conventions)
    used_test = str(rows["test"].iloc[0])  # single_firm_t for a single event
    rows = rows[rows["window"].notna()].copy()
    rows["window"] = [parse_window(w) for w in rows["window"]]
    rows = rows.set_index("window").reindex(wins)
    estimate = rows["estimate"].to_numpy(dtype=float)
    statistic = rows["statistic"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.abs(estimate / statistic)
    return pd.DataFrame(
        {
            "study": label or study_label(res),
            "window": wins,
            "estimate": estimate,
            "se": se,
            "statistic": statistic,
            "p_value": rows["p_value"].to_numpy(dtype=float),
            "n": counts(rows["n"]),
            "model": model_name(res),
            "test": used_test,
            # the test assumes independence while event windows overlap in calendar time
            "clustered": rows["clustered"].fillna(False).to_numpy(dtype=bool)
            if "clustered" in rows
            else False,
        },
        columns=ROW_COLUMNS,
    )


def _test_rows(
    res: EventStudyResults | EventPanel, test: str, windows: list[Window], conventions: Any
) -> pd.DataFrame:
    """Run one test on the event panel of a results object (or on a panel): the rows of
    :func:`eventstudy.inference.api.headline_rows` (for a single event, the event's own t)."""
    from ..inference.api import headline_rows

    frame = headline_rows(_panel_of(res), headline_test(res, test), windows, conventions)
    if frame.empty:
        raise DataError(f"test {test!r} returned no rows for windows {windows}")
    return frame


def _panel_of(res: EventStudyResults | EventPanel) -> EventPanel:
    """The event panel of a results object, or the panel itself."""
    return res if isinstance(res, EventPanel) else res.panel


def headline_test(res: EventStudyResults | EventPanel, test: str = DEFAULT_TEST) -> str:
    """The test a table of ``res`` reports for ``test``: ``single_firm_t`` when the study has
    a single event and ``test`` needs a cross-section; for ``"auto"`` the clustering-robust
    ``kolari_pynnonen`` when the events cluster strongly, else ``cross_sectional_t``; else
    ``test`` itself (:func:`eventstudy.inference.guidance.choose_headline`). The default
    ``test`` stands for the results' own primary test (``res.primary_test``, chosen at fit or
    spec time), so every table of one result reports the same test."""
    from ..inference.guidance import choose_headline

    if test == DEFAULT_TEST:
        test = str(getattr(res, "primary_test", "auto"))
    return choose_headline(_panel_of(res), test)


def study_label(res: EventStudyResults) -> str:
    """A results object's name (``meta["name"]``), else its model."""
    meta = getattr(res, "meta", None) or {}
    name = meta.get("name") if isinstance(meta, dict) else None
    return str(name) if name else model_name(res)


def model_name(res: EventStudyResults) -> str:
    """Name of a results object's normal-return model, with its market (``market model (SPY)``)."""
    model = getattr(res, "model", None)
    if model is None:
        return ""
    if isinstance(model, str):  # an EventPanel records the name only
        return model
    name = getattr(model, "name", None)
    market = getattr(model, "market_name", None)
    label = str(name) if isinstance(name, str) else repr(model)
    return f"{label} ({market})" if isinstance(market, str) else label


# ----------------------------------------------------------------------------- etable
def etable(
    *studies: Any,
    windows: Sequence[Any] | None = None,
    stat: str = "t",
    stars: Sequence[float] = (0.10, 0.05, 0.01),
    labels: Sequence[str] | None = None,
    test: str = DEFAULT_TEST,
    digits: int | None = None,
    percent: bool = False,
    type: str = "df",  # the argument name pyfixest uses
    caption: str | None = None,
    conventions: Any = None,
) -> pd.DataFrame | str:
    """Side-by-side table of CAARs per window (rows) and study (columns).

    Parameters
    ----------
    *studies
        Results objects, or tidy frames with the columns ``study`` (optional), ``window``,
        ``estimate``, ``se``, ``p_value`` (or ``p``), ``n``, ``model`` (optional: ``statistic``
        or ``t``, ``test``). A frame holding several studies gives several columns.
    windows
        Windows to show, in order (default: every window of the frames, and the CAR windows
        the results objects remember, ``res.car_windows``, e.g. a spec's ``[windows] car``;
        required for results objects that remember none).
    stat
        What goes in parentheses under each estimate: ``"t"``, ``"se"`` or ``"p"``.
    stars
        Significance levels; one star per level the p-value is below.
    labels
        Column labels, one per study (default: the study names).
    test
        Test run on results objects (its estimate, p-value and implied standard error).
    digits, percent
        Decimals shown (default 4, or 2 with ``percent``); ``percent`` shows estimates and
        standard errors in percent.
    type
        ``"df"`` (a DataFrame of strings), ``"md"``, ``"tex"`` or ``"html"`` (a string).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> short = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None,
    ...                      estimation_window=(-120, -11)).fit()
    >>> table = es.etable(res, short, windows=[(0, 0), (0, 1)])  # one column per study
    >>> table.iloc[:4]
                          market model (MKT) market model (MKT) (2)
    row         stat
    CAAR [0, 0] estimate             -0.0038                -0.0038
                t                    (-0.84)                (-0.75)
    CAAR [0, 1] estimate              0.0000                 0.0005
                t                     (0.00)                 (0.07)
    >>> print(es.etable(res, windows=[(0, 0)], type="tex").splitlines()[0])
    \\begin{table}[htbp]
    >>> remembered = res.with_conventions(windows=[(0, 1)])  # as run_spec does from a spec
    >>> es.etable(remembered).index.get_level_values("row")[0]
    'CAAR [0, 1]'
    """
    if type not in TYPES:
        raise SpecError(f"type={type!r} is not valid; choose one of {list(TYPES)}")
    if stat not in STATS:
        raise SpecError(f"stat={stat!r} is not valid; choose one of {list(STATS)}")
    if not studies:
        raise SpecError("etable needs at least one results object or tidy frame")
    levels = _check_stars(stars)
    digits = (2 if percent else 4) if digits is None else digits
    regressions = [is_regression(s) for s in studies]
    if all(regressions):  # cross-sectional regressions (issue 16)
        return regression_table(
            *studies,
            stat=stat,
            stars=levels,
            labels=labels,
            digits=digits,
            type=type,
            caption=caption,
        )
    if any(regressions):
        raise SpecError(
            "etable: regressions (res.cross_section) and event studies cannot share a table "
            f"(arguments {[i + 1 for i, r in enumerate(regressions) if r]} are regressions): "
            "call etable once with the regressions and once with the studies"
        )
    if windows is None:  # the CAR windows the results remember (a spec's [windows] car)
        remembered = [w for s in studies for w in (getattr(s, "car_windows", None) or ())]
        windows = list(dict.fromkeys(tuple(w) for w in remembered)) or None
    wins = [parse_window(w) for w in windows] if windows is not None else None
    rows = _collect(studies, wins, test, conventions)
    rows = _relabel(rows, labels)
    wins = wins or list(dict.fromkeys(rows["window"]))
    table = _layout(rows, wins, stat, levels, digits, percent)
    table.attrs["notes"] = _notes(stat, levels, percent, rows)
    if type == "df":
        return table
    return render_table(table, type, caption=caption, notes=table.attrs["notes"])


def _collect(
    studies: Sequence[Any], windows: list[Window] | None, test: str, conventions: Any
) -> pd.DataFrame:
    frames: list[pd.DataFrame] = []
    seen: set[str] = set()
    for i, item in enumerate(studies):
        if isinstance(item, pd.DataFrame):
            frame = _normalise_rows(item, default_study=f"({i + 1})")
        else:
            if windows is None:
                raise SpecError("etable: give windows=[(a, b), ...] when passing results objects")
            # each result's own conventions unless the caller names some (issue 12)
            own = conventions if conventions is not None else getattr(item, "conventions", None)
            frame = study_rows(item, windows, test=test, conventions=own)
            # the conventions the numbers were computed under (named in the notes)
            frame.attrs["conventions"] = getattr(own, "name", None) or "default"
            if frame["study"].iloc[0] in seen:  # two results with the same name stay apart
                frame["study"] = f"{frame['study'].iloc[0]} ({i + 1})"
        seen.update(frame["study"].astype(str))
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["conventions"] = list(
        dict.fromkeys(str(f.attrs["conventions"]) for f in frames if "conventions" in f.attrs)
    )
    return out


def _normalise_rows(frame: pd.DataFrame, default_study: str) -> pd.DataFrame:
    out = frame.rename(columns={"p": "p_value", "t": "statistic", "label": "study"}).copy()
    missing = [c for c in ("window", "estimate", "se", "p_value", "n") if c not in out.columns]
    if missing:
        raise DataError(
            f"etable frame lacks the column(s) {missing}; it needs window, estimate, se, p_value, n"
            f" (optional: study, model, statistic, test); it has {list(frame.columns)}"
        )
    if "study" not in out.columns:
        out["study"] = default_study
    out["window"] = [parse_window(w) for w in out["window"]]
    if "statistic" not in out.columns:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["statistic"] = out["estimate"].astype(float) / out["se"].astype(float)
    for col in ("model", "test"):
        if col not in out.columns:
            out[col] = ""
    if "clustered" not in out.columns:
        out["clustered"] = False
    return out[ROW_COLUMNS]


def _relabel(rows: pd.DataFrame, labels: Sequence[str] | None) -> pd.DataFrame:
    studies = list(dict.fromkeys(rows["study"].astype(str)))
    if labels is None:
        return rows.assign(study=rows["study"].astype(str))
    if len(labels) != len(studies):
        raise SpecError(
            f"labels has {len(labels)} entries but there are {len(studies)} studies: {studies}"
        )
    if len(set(labels)) != len(labels):
        raise SpecError(f"labels must be unique, got {list(labels)}")
    mapping = dict(zip(studies, labels, strict=True))
    return rows.assign(study=rows["study"].astype(str).map(mapping))


def _layout(
    rows: pd.DataFrame,
    windows: list[Window],
    stat: str,
    stars: tuple[float, ...],
    digits: int,
    percent: bool,
) -> pd.DataFrame:
    studies = list(dict.fromkeys(rows["study"]))
    scale = 100.0 if percent else 1.0
    index: list[tuple[str, str]] = []
    cells: dict[str, list[str]] = {s: [] for s in studies}
    for window in windows:
        index += [
            (f"CAAR {window_label(window)}", "estimate"),
            (f"CAAR {window_label(window)}", stat),
        ]
        for study in studies:
            row = _find_row(rows, study, window)
            if row is None:
                cells[study] += ["", ""]
                continue
            est = format_number(scale * float(row["estimate"]), digits)
            cells[study].append(est + star_marks(float(row["p_value"]), stars) if est else "")
            cells[study].append(_paren(row, stat, scale, digits))
    for name, column in (("N", "n"), ("Model", "model"), ("Test", "test")):
        index.append((name, ""))
        for study in studies:
            mine = rows[rows["study"] == study]
            mark = f" {CLUSTER_MARK}" if column == "test" and mine["clustered"].any() else ""
            cells[study].append(_footer(mine, column) + mark)
    frame = pd.DataFrame(cells, index=pd.MultiIndex.from_tuples(index, names=["row", "stat"]))
    if not any(_footer(rows[rows["study"] == s], "test") for s in studies):
        frame = frame.drop(index=("Test", ""))
    return frame


def _find_row(rows: pd.DataFrame, study: str, window: Window) -> pd.Series | None:
    hit = rows[(rows["study"] == study) & (rows["window"] == window)]
    if len(hit) > 1:
        raise DataError(f"study {study!r} has {len(hit)} rows for window {window_label(window)}")
    return hit.iloc[0] if len(hit) else None


def _paren(row: pd.Series, stat: str, scale: float, digits: int) -> str:
    if stat == "se":
        text = format_number(scale * float(row["se"]), digits)
    elif stat == "t":
        text = format_number(float(row["statistic"]), 2)
    else:
        text = format_number(float(row["p_value"]), 3)
    return f"({text})" if text else ""


def _footer(rows: pd.DataFrame, column: str) -> str:
    if column == "n":
        n = pd.to_numeric(rows["n"], errors="coerce").dropna()
        return str(int(n.max())) if len(n) else ""
    values = [str(v) for v in dict.fromkeys(rows[column].fillna("")) if str(v)]
    return "; ".join(values)


def _notes(stat: str, stars: tuple[float, ...], percent: bool, rows: pd.DataFrame) -> str:
    what = {"t": "t statistics", "se": "standard errors", "p": "p-values"}[stat]
    marks = ", ".join(f"{'*' * (i + 1)} p<{s:g}" for i, s in enumerate(stars))
    unit = " CAARs in percent." if percent else ""
    clustered = f" {CLUSTER_NOTE}" if rows["clustered"].any() else ""
    # the test behind the numbers (a result's primary test unless the caller named one)
    named = ", ".join(dict.fromkeys(rows["test"].dropna().astype(str))) if "test" in rows else ""
    tests = f" Test: {named}." if named else ""
    used = rows.attrs.get("conventions") or []
    conventions = f" Conventions: {', '.join(used)}." if used else ""
    return (
        f"{what} in parentheses; {marks}; N = number of events (largest over windows)."
        f"{unit}{tests}{conventions}{clustered}"
    )


# ----------------------------------------------------------------------------- rendering
def render_table(
    table: pd.DataFrame, kind: str, *, caption: str | None = None, notes: str = ""
) -> str:
    """Render an etable DataFrame (row labels shown once per window) as md, tex or html."""
    header = ["", *[str(c) for c in table.columns]]
    rows: list[list[str]] = []
    for (label, row_kind), values in zip(table.index, table.to_numpy().tolist(), strict=True):
        shown = label if row_kind in ("estimate", "") else ""
        rows.append([shown, *[str(v) for v in values]])
    rules = [
        i
        for i, (_, row_kind) in enumerate(table.index)
        if row_kind == "" and table.index[i - 1][1] != ""
    ]
    renderer = {"md": render_markdown, "tex": render_latex, "html": render_html}[kind]
    return renderer(header, rows, caption=caption, notes=notes, rules=rules)


def render_markdown(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str | None = None,
    notes: str = "",
    rules: Sequence[int] = (),
) -> str:
    """A GitHub-flavoured Markdown table (cells escaped by :func:`md_escape`); caption and
    notes around it.

    Examples
    --------
    >>> from eventstudy.report.tables import render_markdown
    >>> print(render_markdown(["window", "CAAR"], [["[0, 0]", "-0.0778"]]))
    | window | CAAR |
    | --- | ---: |
    | [0, 0] | -0.0778 |
    <BLANKLINE>
    """

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(md_escape(c).replace("|", "\\|") for c in cells) + " |"

    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = [f"**{md_escape(caption)}**", ""] if caption else []
    lines += [line(header), "| " + " | ".join(align) + " |", *(line(r) for r in rows)]
    if notes:
        lines += ["", f"*{notes}*"]
    return "\n".join(lines) + "\n"


_TEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


#: every character ``str.splitlines`` (and TeX, and Markdown) may end a line at
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
#: control characters other than line breaks and tab (ESC of a terminal escape sequence, NUL,
#: DEL, the C1 range): shown as U+FFFD in every output, never passed on raw
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def one_line(text: object) -> str:
    """``text`` with every line break replaced by a space: a user string can never begin a
    line of a report (where a LaTeX command or Markdown block would become live); other
    control characters (a terminal's ESC sequences) become U+FFFD.

    Examples
    --------
    >>> from eventstudy.report.tables import one_line
    >>> one_line("two\\nlines")
    'two lines'
    """
    return CONTROL_CHARS.sub("\ufffd", _LINE_BREAKS.sub(" ", str(text)))


def tex_escape(text: str) -> str:
    r"""Escape LaTeX's special characters; line breaks become spaces (see :func:`one_line`).

    Examples
    --------
    >>> from eventstudy.report.tables import tex_escape
    >>> print(tex_escape("5% & $"))
    5\% \& \$
    """
    return "".join(_TEX_ESCAPES.get(ch, ch) for ch in one_line(text))


def md_escape(text: object) -> str:
    r"""A user string made inert in Markdown: HTML-escaped (no raw tags), on one line, and
    ``](`` broken so it cannot form a link or image.

    Examples
    --------
    >>> from eventstudy.report.tables import md_escape
    >>> print(md_escape("<b>[x](y)</b>"))
    &lt;b&gt;[x]\(y)&lt;/b&gt;
    """
    return html.escape(one_line(text), quote=False).replace("](", "]\\(")


def render_latex(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str | None = None,
    notes: str = "",
    rules: Sequence[int] = (),
) -> str:
    """A booktabs ``table`` environment; ``rules`` are row positions preceded by a midrule.

    Examples
    --------
    >>> from eventstudy.report.tables import render_latex
    >>> print(render_latex(["window", "CAAR"], [["[0, 0]", "-0.0778"]], caption="CAAR"))
    \\begin{table}[htbp]
    \\centering
    \\caption{CAAR}
    \\begin{tabular}{lr}
    \\toprule
    window & CAAR \\\\
    \\midrule
    [0, 0] & -0.0778 \\\\
    \\bottomrule
    \\end{tabular}
    \\end{table}
    """
    spec = "l" + "r" * (len(header) - 1)
    lines = [r"\begin{table}[htbp]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{tex_escape(caption)}}}")
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
    lines.append(" & ".join(tex_escape(h) for h in header) + r" \\")
    lines.append(r"\midrule")
    for i, row in enumerate(rows):
        if i in rules:
            lines.append(r"\midrule")
        lines.append(" & ".join(tex_escape(c) for c in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if notes:
        lines.append(rf"\par\smallskip{{\footnotesize {tex_escape(notes)}}}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def render_html(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str | None = None,
    notes: str = "",
    rules: Sequence[int] = (),
) -> str:
    """An HTML ``<table>`` (cells escaped); ``rules`` rows get a top border.

    Examples
    --------
    >>> from eventstudy.report.tables import render_html
    >>> render_html(["window", "CAAR"], [["[0, 0]", "-0.0778"]]).startswith('<table class="eventstudy-table">')
    True
    """
    out = ['<table class="eventstudy-table">']
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    out.append(
        "<thead><tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr></thead>"
    )
    out.append("<tbody>")
    for i, row in enumerate(rows):
        style = ' style="border-top: 1px solid #888"' if i in rules else ""
        cells = [f'<th style="text-align:left">{html.escape(str(row[0]))}</th>']
        cells += [f'<td style="text-align:right">{html.escape(str(c))}</td>' for c in row[1:]]
        out.append(f"<tr{style}>" + "".join(cells) + "</tr>")
    out.append("</tbody>")
    if notes:
        out.append(
            f'<tfoot><tr><td colspan="{len(header)}"><small>{html.escape(notes)}</small></td></tr></tfoot>'
        )
    out.append("</table>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- regressions (issue 16)
def is_regression(obj: object) -> bool:
    """Whether ``obj`` is a statsmodels regression result (what :func:`eventstudy.second_stage.cross_section` returns)."""
    return (
        hasattr(obj, "params")
        and hasattr(obj, "bse")
        and hasattr(obj, "model")
        and hasattr(obj, "pvalues")
    )


def regression_coefficients(fit: Any) -> pd.DataFrame:
    """A regression's coefficients as a tidy frame: ``term, estimate, se, statistic, p_value``
    (the fit's own covariance), and ``nobs``, ``dropped`` (events lacking a variable) and
    ``cov`` on every row: the table that reports and CSV files show for a cross-section.

    Examples
    --------
    >>> import pandas as pd, statsmodels.formula.api as smf
    >>> df = pd.DataFrame({"car": [0.1, -0.2, 0.05, 0.0, -0.1], "beta": [1.0, 1.5, 0.8, 1.1, 1.3]})
    >>> regression_coefficients(smf.ols("car ~ beta", df).fit(cov_type="HC3"))["term"].tolist()
    ['Intercept', 'beta']
    """
    table = pd.DataFrame(
        {
            "term": [str(t) for t in fit.params.index],
            "estimate": fit.params.to_numpy(dtype=np.float64),
            "se": fit.bse.to_numpy(dtype=np.float64),
            "statistic": fit.tvalues.to_numpy(dtype=np.float64),
            "p_value": fit.pvalues.to_numpy(dtype=np.float64),
        }
    )
    table["nobs"] = int(fit.nobs)
    table["dropped"] = int(getattr(fit, "es_n_dropped", 0))
    table["cov"] = str(getattr(fit, "es_cov", fit.cov_type)) + (
        " WLS" if getattr(fit, "es_weights", None) else ""
    )
    return table


def regression_table(
    *fits: Any,
    stat: str = "t",
    stars: tuple[float, ...] = (0.10, 0.05, 0.01),
    labels: Sequence[str] | None = None,
    digits: int = 4,
    type: str = "df",
    caption: str | None = None,
) -> pd.DataFrame | str:
    """Side-by-side table of cross-sectional regressions (pyfixest's ``etable`` layout).

    One row pair per coefficient (estimate with stars; t, s.e. or p in parentheses), then
    ``N``, ``R2``, ``Dropped`` (events lacking a variable) and ``Errors`` (covariance). The
    layout is that of :func:`eventstudy.etable`, which calls this for statsmodels results.

    Examples
    --------
    >>> import pandas as pd, statsmodels.formula.api as smf
    >>> df = pd.DataFrame({"car": [0.1, -0.2, 0.05, 0.0, -0.1], "beta": [1.0, 1.5, 0.8, 1.1, 1.3]})
    >>> table = regression_table(smf.ols("car ~ beta", df).fit(cov_type="HC3"))
    >>> list(table.index.get_level_values("row").unique())
    ['Intercept', 'beta', 'N', 'R2', 'Dropped', 'Errors']
    """
    names = list(labels) if labels is not None else [f"({i + 1})" for i in range(len(fits))]
    if len(names) != len(fits):
        raise SpecError(f"labels has {len(names)} entries for {len(fits)} regressions")
    terms = list(dict.fromkeys(t for f in fits for t in f.params.index))
    index: list[tuple[str, str]] = []
    cells: dict[str, list[str]] = {n: [] for n in names}
    for term in terms:
        index += [(str(term), "estimate"), (str(term), stat)]
        for name, fit in zip(names, fits, strict=True):
            if term not in fit.params.index:
                cells[name] += ["", ""]
                continue
            p = float(fit.pvalues[term])
            cells[name].append(
                format_number(float(fit.params[term]), digits) + star_marks(p, stars)
            )
            value = {"t": (fit.tvalues[term], 2), "se": (fit.bse[term], digits), "p": (p, 3)}[stat]
            text = format_number(float(value[0]), value[1])
            cells[name].append(f"({text})" if text else "")
    footer = {
        "N": lambda f: str(int(f.nobs)),
        "R2": lambda f: format_number(float(f.rsquared), 3),
        "Dropped": lambda f: str(getattr(f, "es_n_dropped", "")),
        "Errors": lambda f: (
            str(getattr(f, "es_cov", f.cov_type))
            + (" WLS" if getattr(f, "es_weights", None) else "")
        ),
    }
    for label, get in footer.items():
        index.append((label, ""))
        for name, fit in zip(names, fits, strict=True):
            cells[name].append(get(fit))
    table = pd.DataFrame(cells, index=pd.MultiIndex.from_tuples(index, names=["row", "stat"]))
    what = {"t": "t statistics", "se": "standard errors", "p": "p-values"}[stat]
    marks = ", ".join(f"{'*' * (i + 1)} p<{s:g}" for i, s in enumerate(sorted(stars, reverse=True)))
    table.attrs["notes"] = (
        f"{what} in parentheses; {marks}; N = events in the regression, Dropped = events "
        "lacking a variable."
    )
    if type == "df":
        return table
    return render_table(table, type, caption=caption, notes=table.attrs["notes"])
