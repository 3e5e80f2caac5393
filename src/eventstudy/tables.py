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
from typing import Any, Literal

import numpy as np
import pandas as pd

from .exceptions import DataError, SpecError

__all__ = [
    "ROW_COLUMNS",
    "etable",
    "format_number",
    "parse_window",
    "render_html",
    "render_latex",
    "render_markdown",
    "star_marks",
    "study_rows",
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
    "and over-rejects; prefer brown_warner_1985, kolari_pynnonen or a portfolio test."
)
DEFAULT_TEST = "cross_sectional_t"
_WINDOW = re.compile(r"^\s*[\[(]?\s*(-?\d+)\s*[,;: ]\s*(-?\d+)\s*[\])]?\s*$")


# ----------------------------------------------------------------------------- small helpers
def parse_window(value: Any) -> Window:
    """``(a, b)``, ``[a, b]`` or the string ``"[a, b]"`` as a tuple of ints."""
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


def window_label(window: Window) -> str:
    """The label of a window, ``"[a, b]"`` (as in the inference results)."""
    return f"[{window[0]}, {window[1]}]"


def star_marks(p: float, stars: Sequence[float] = (0.10, 0.05, 0.01)) -> str:
    """One ``*`` per threshold the p-value is strictly below (``""`` for NaN)."""
    if p is None or not np.isfinite(p):
        return ""
    return "*" * sum(p < s for s in stars)


def format_number(value: float, digits: int) -> str:
    """Fixed-point number with ``digits`` decimals; an empty string for missing values."""
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
    res: Any,
    windows: Sequence[Any],
    *,
    test: str = DEFAULT_TEST,
    label: str | None = None,
    conventions: Any = None,
) -> pd.DataFrame:
    """The tidy etable rows of a results object: one row per window from ``test``.

    ``estimate`` and ``p_value`` are the test's; ``se = estimate / statistic`` is the standard
    error the test implies; ``n`` is the number of events it used.
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
            "n": rows["n"].to_numpy(dtype=float),
            "model": model_name(res),
            "test": used_test,
            # the test assumes independence while event windows overlap in calendar time
            "clustered": rows["clustered"].fillna(False).to_numpy(dtype=bool)
            if "clustered" in rows
            else False,
        },
        columns=ROW_COLUMNS,
    )


def _test_rows(res: Any, test: str, windows: list[Window], conventions: Any) -> pd.DataFrame:
    """Run one test on the event panel of a results object (or on a panel).

    A single event has no cross-section: a test that needs one is replaced by the event's
    own t on its CAR with the prediction-error variance (``single_firm_t``), and the rows
    say so in their ``test`` column.
    """
    from .inference import run_tests, single_firm_t

    panel = getattr(res, "panel", res)
    extra = {"conventions": conventions} if conventions is not None else {}
    if headline_test(res, test) != test:  # a single event: its own t
        return single_firm_t(panel, windows=windows, daily=False, **extra)
    frame = run_tests(panel, tests=[test], windows=windows, daily=False, **extra)
    frame = frame[frame["test"] == test]
    if frame.empty:
        raise DataError(f"test {test!r} returned no rows for windows {windows}")
    return frame


def headline_test(res: Any, test: str) -> str:
    """The test a table of ``res`` reports for ``test``: ``single_firm_t`` when the study has
    a single event and ``test`` needs a cross-section, else ``test`` itself."""
    from .inference._registry import REGISTRY

    one = getattr(getattr(res, "panel", res), "n_events", None) == 1
    return "single_firm_t" if one and test in REGISTRY and REGISTRY[test].min_events > 1 else test


def study_label(res: Any) -> str:
    """A results object's name (``meta["name"]``), else its model."""
    meta = getattr(res, "meta", None) or {}
    name = meta.get("name") if isinstance(meta, dict) else None
    return str(name) if name else model_name(res)


def model_name(res: Any) -> str:
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
    digits: int = 4,
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
        Windows to show, in order (default: every window of the frames; required for results
        objects).
    stat
        What goes in parentheses under each estimate: ``"t"``, ``"se"`` or ``"p"``.
    stars
        Significance levels; one star per level the p-value is below.
    labels
        Column labels, one per study (default: the study names).
    test
        Test run on results objects (its estimate, p-value and implied standard error).
    digits, percent
        Decimals shown; ``percent`` shows estimates and standard errors in percent.
    type
        ``"df"`` (a DataFrame of strings), ``"md"``, ``"tex"`` or ``"html"`` (a string).
    """
    if type not in TYPES:
        raise SpecError(f"type={type!r} is not valid; choose one of {list(TYPES)}")
    if stat not in STATS:
        raise SpecError(f"stat={stat!r} is not valid; choose one of {list(STATS)}")
    if not studies:
        raise SpecError("etable needs at least one results object or tidy frame")
    levels = _check_stars(stars)
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
            frame = study_rows(item, windows, test=test, conventions=conventions)
            if frame["study"].iloc[0] in seen:  # two results with the same name stay apart
                frame["study"] = f"{frame['study'].iloc[0]} ({i + 1})"
        seen.update(frame["study"].astype(str))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


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
    return (
        f"{what} in parentheses; {marks}; N = number of events (largest over windows)."
        f"{unit}{clustered}"
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
    """A GitHub-flavoured Markdown table (``|`` in cells escaped); caption and notes around it."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = [f"**{caption}**", ""] if caption else []
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


def tex_escape(text: str) -> str:
    """Escape LaTeX's special characters."""
    return "".join(_TEX_ESCAPES.get(ch, ch) for ch in str(text))


def render_latex(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str | None = None,
    notes: str = "",
    rules: Sequence[int] = (),
) -> str:
    """A booktabs ``table`` environment; ``rules`` are row positions preceded by a midrule."""
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
    """An HTML ``<table>`` (cells escaped); ``rules`` rows get a top border."""
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
