"""Presentation of fitted event studies: text summary, HTML, Markdown, LaTeX, exports, provenance.

Functions take an :class:`~eventstudy.results.EventStudyResults` (anything with ``panel``,
``status``, ``params``, ``model``, ``windows``, ``return_kind``, ``meta`` and the tidy accessors
``ar``, ``car(window)``, ``caar(window)``) and never change it. ``results.py`` wires thin
methods onto them (``summary()``, ``_repr_html_()``, ``to_markdown()``, ...).

Every rendering states its inputs in a provenance block (:func:`provenance`): model, windows,
conventions, return type, calendar, data source and vintage, and package versions.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import platform
import re
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from ._fileio import OutputFolder
from .exceptions import EventStudyWarning, SpecError, user_stacklevel
from .tables import (
    CLUSTER_MARK,
    CLUSTER_NOTE,
    CONTROL_CHARS,
    DEFAULT_TEST,
    counts,
    format_number,
    headline_test,
    is_regression,
    md_escape,
    model_name,
    one_line,
    parse_window,
    render_html,
    render_latex,
    render_markdown,
    study_rows,
    window_label,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .abnormal import CaarMethod
    from .inference.conventions import Conventions

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

Window = tuple[int, int]
EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "md", "html", "tex")
PACKAGES: tuple[str, ...] = (
    "eventstudy",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "exchange_calendars",
    "yfinance",
    "pyarrow",
)
WIDTH = 86


# ----------------------------------------------------------------------------- inputs
def default_windows(res: Any) -> list[Window]:
    """``[0, 0]``, ``[-1, 1]`` and the whole event window (those that fit in it).

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> report.default_windows(res)  # [(0, 0), (-1, 1), (-10, 10)]  # doctest: +SKIP
    """
    rel = np.asarray(res.panel.evt_rel)
    lo, hi = int(rel.min()), int(rel.max())
    candidates = [(0, 0), (-1, 1), (lo, hi)]
    return list(dict.fromkeys(w for w in candidates if lo <= w[0] and w[1] <= hi))


def _windows(res: Any, windows: Sequence[Any] | None) -> list[Window]:
    return [parse_window(w) for w in windows] if windows is not None else default_windows(res)


def _conventions(conventions: Conventions | None) -> Conventions:
    from .inference.conventions import Conventions

    if conventions is None:
        return Conventions()
    if not isinstance(conventions, Conventions):
        raise SpecError(
            f"conventions must be an eventstudy.Conventions, got {type(conventions).__name__}"
        )
    return conventions


def _fmt_window(value: Any) -> str:
    if isinstance(value, tuple | list) and len(value) == 2:
        a, b = value
        if isinstance(a, int | np.integer) and isinstance(b, int | np.integer):
            return window_label((int(a), int(b)))
        return f"{pd.Timestamp(a):%Y-%m-%d} .. {pd.Timestamp(b):%Y-%m-%d}"
    return str(value)


# ----------------------------------------------------------------------------- provenance
def package_versions() -> dict[str, str]:
    """Installed versions (read from package metadata: nothing is imported)."""
    from ._version import __version__

    # the distribution is named pyeventstudy; the library's own version is its __version__
    versions = {"python": platform.python_version(), "eventstudy": __version__}
    for name in PACKAGES[1:]:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance(
    res: Any,
    *,
    conventions: Conventions | None = None,
    data: Mapping[str, Any] | None = None,
    spec: Any = None,
) -> dict[str, Any]:
    """Everything a result depends on, as a JSON-serialisable dict.

    ``data`` is the data layer's record (``prices.attrs["provenance"]``: source, path or
    vintage, options); without it, ``res.meta["data_provenance"]`` is used when present.
    ``spec`` (a :class:`~eventstudy.spec.StudySpec`) adds the study name and spec file.

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> report.provenance(res)["versions"]["eventstudy"]  # doctest: +SKIP
    """
    conv = _conventions(conventions)
    meta = getattr(res, "meta", {}) or {}
    status = res.status
    used = int((status["status"] == "used").sum())
    record: dict[str, Any] = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": model_name(res),
        "model_repr": repr(res.model),
        "parameters": list(getattr(res.panel, "param_names", [])),
        "estimation_window": _fmt_window(res.windows.get("estimation")),
        "event_window": _fmt_window(res.windows.get("event")),
        "return_kind": res.return_kind,
        "calendar": meta.get("calendar"),
        "sessions": [_date_text(meta.get("first_session")), _date_text(meta.get("last_session"))],
        "variance_denominator": getattr(res.panel, "sigma2_ddof", None),
        "conventions": conv.describe(),
        "events": {"input": int(len(status)), "used": used, "dropped": int(len(status) - used)},
        "data": _jsonable(
            dict(data if data is not None else meta.get("data_provenance", {}) or {})
        ),
        "versions": package_versions(),
    }
    if spec is not None:
        record["study"] = getattr(spec, "name", None)
        source = getattr(spec, "source", None)
        record["spec_file"] = str(source) if source is not None else None
    return record


def _date_text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def _jsonable(value: Any) -> Any:
    """Convert numpy / pandas scalars, dates and containers to JSON types."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | dt.date | np.datetime64):
        return str(pd.Timestamp(value).isoformat())
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


_FLAT_LIST = re.compile(r"\[\s*\n([^\[\]{}]*?)\n\s*\]")


def provenance_json(record: Mapping[str, Any]) -> str:
    """The provenance record as indented JSON with lists of scalars kept on one line."""
    text = json.dumps(_jsonable(record), indent=2)
    return _FLAT_LIST.sub(
        lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",\n")) + "]", text
    )


def provenance_lines(record: Mapping[str, Any]) -> list[str]:
    """``key: value`` lines of a provenance record (nested dicts flattened with dots)."""
    lines: list[str] = []
    for key, value in record.items():
        if isinstance(value, Mapping) and value:
            lines += [f"{key}.{line}" for line in provenance_lines(value)]
        elif isinstance(value, list):
            lines.append(f"{key}: {', '.join(str(v) for v in value)}")
        else:
            lines.append(f"{key}: {value}")
    return lines


# ----------------------------------------------------------------------------- tables
def caar_table(
    res: Any,
    windows: Sequence[Any] | None = None,
    *,
    test: str = DEFAULT_TEST,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """CAAR per window with the standard error, statistic and p-value of ``test``.

    Columns ``window, start, end, caar, se, statistic, p_value, n, test``; ``caar`` is the
    test's estimate (the mean CAR) and ``se = caar / statistic``.

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> report.caar_table(res, [(0, 0), (-1, 1)], test="kolari_pynnonen")  # doctest: +SKIP
    """
    wins = _windows(res, windows)
    rows = study_rows(res, wins, test=test, conventions=_conventions(conventions))
    return pd.DataFrame(
        {
            "window": [window_label(w) for w in wins],
            "start": [w[0] for w in wins],
            "end": [w[1] for w in wins],
            "caar": rows["estimate"].to_numpy(),
            "se": rows["se"].to_numpy(),
            "statistic": rows["statistic"].to_numpy(),
            "p_value": rows["p_value"].to_numpy(),
            "n": counts(rows["n"]),
            "test": rows["test"].to_numpy(),  # single_firm_t for a single event
            "clustered": rows["clustered"].to_numpy(dtype=bool),
        }
    )


def tests_table(
    res: Any,
    windows: Sequence[Any] | None = None,
    *,
    tests: str | Sequence[str] = "all",
    conventions: Conventions | None = None,
    daily: bool = False,
) -> pd.DataFrame:
    """Every requested test on every window (and each day with ``daily=True``), tidy rows of
    :func:`eventstudy.inference.run_tests`.

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> report.tests_table(res, [(0, 0)], tests=["patell", "bmp"])  # doctest: +SKIP
    """
    from .inference import run_tests

    wins = _windows(res, windows)
    names = list(tests) if not isinstance(tests, str) else tests
    out = run_tests(
        res.panel, tests=names, windows=wins, daily=daily, conventions=_conventions(conventions)
    )
    # events that cluster strongly: the robust headline test's rows come first
    lead = headline_test(res, getattr(res, "primary_test", DEFAULT_TEST))
    if lead == "kolari_pynnonen" and (out["test"] == lead).any():
        out = pd.concat([out[out["test"] == lead], out[out["test"] != lead]], ignore_index=True)
    return out


def firm_table(res: Any, windows: Sequence[Any] | None = None) -> pd.DataFrame:
    """Each event's CAR and its standard error for every window, wide (one row per event).

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> report.firm_table(res, [(0, 0), (0, 1)])  # doctest: +SKIP
    """
    wins = _windows(res, windows)
    base: pd.DataFrame | None = None
    for w in wins:
        car = res.car(w)
        part = car[["event_id", "ticker", "group"]].copy()
        part[f"car {window_label(w)}"] = car["car"].to_numpy()
        part[f"se {window_label(w)}"] = car["se_car"].to_numpy()
        base = part if base is None else base.merge(part, on=["event_id", "ticker", "group"])
    assert base is not None
    return base


def group_table(res: Any, windows: Sequence[Any] | None = None) -> pd.DataFrame:
    """Descriptive CARs by group: number of events, then per window the mean and median CAR
    and the share of negative CARs (no test: the tests run on all events together).

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> report.group_table(res, [(0, 0)])  # doctest: +SKIP
    """
    wins = _windows(res, windows)
    rows: list[dict[str, Any]] = []
    first = res.car(wins[0]).fillna({"group": "(none)"})
    for group, members in first.groupby("group", sort=False):
        rows.append({"group": str(group), "n": int(len(members))})
    out = pd.DataFrame(rows)
    for w in wins:
        car = res.car(w).fillna({"group": "(none)"}).groupby("group", sort=False)["car"]
        label = window_label(w)
        out[f"mean {label}"] = car.mean().reindex(out["group"]).to_numpy()
        out[f"median {label}"] = car.median().reindex(out["group"]).to_numpy()
        out[f"negative {label}"] = (
            car.apply(lambda c: float((c < 0).mean())).reindex(out["group"]).to_numpy()
        )
    return out


# ----------------------------------------------------------------------------- text summary
def summary_text(
    res: Any,
    windows: Sequence[Any] | None = None,
    *,
    tests: str | Sequence[str] = "all",
    test: str = DEFAULT_TEST,
    conventions: Conventions | None = None,
    title: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> str:
    """A statsmodels-style text summary: header (model, windows, N used/dropped, conventions),
    the CAAR table per window (``test``'s s.e., t and p) and the table of every test.

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> print(report.summary_text(res, [(0, 0)], title="DeepSeek sell-off"))  # doctest: +SKIP
    """
    conv = _conventions(conventions)
    wins = _windows(res, windows)
    caar = caar_table(res, wins, test=test, conventions=conv)
    tab = tests_table(res, wins, tests=tests, conventions=conv)
    record = provenance(res, conventions=conv, data=data)
    rule, thin = "=" * WIDTH, "-" * WIDTH
    lines = [_center(title or "Event study results"), rule, *_header_block(res, record, conv), rule]
    mark = f" {CLUSTER_MARK}" if caar["clustered"].any() else ""
    lines += [f"CAAR by window (s.e., t and p of {caar['test'].iloc[0]}{mark})", thin]
    lines += _text_table(_caar_text_rows(caar), right_from=1)
    lines += [rule, "Tests by window", thin]
    lines += _text_table(_test_text_rows(tab), right_from=2)
    for caption, frame in second_stage_sections(res).items():  # issue 16
        header, rows = _frame_rows(frame)
        lines += [rule, *textwrap.wrap(caption, WIDTH, subsequent_indent="  "), thin]
        lines += _text_table([header, *rows], right_from=1)
    lines += [rule, *_notes_block(res, tab, conv, record, clustered=bool(mark))]
    return "\n".join(lines)


def _cluster_note(res: Any, *, marked: bool) -> str:
    """The clustering note: the graded, design-aware advice of the study's events (after the
    † when tests are marked); empty for events that do not overlap and no marked test."""
    from .inference.guidance import clustering_advice

    panel = getattr(res, "panel", None)
    if panel is None:
        return CLUSTER_NOTE if marked else ""
    advice = clustering_advice(panel)
    if marked:
        return f"{CLUSTER_MARK} {advice.note}"
    return advice.note if advice.degree != "none" else ""


def _center(text: str) -> str:
    return text.center(WIDTH).rstrip()


def _header_block(res: Any, record: Mapping[str, Any], conv: Conventions) -> list[str]:
    ev = record["events"]
    data = record.get("data") or {}
    source = data.get("source", "not recorded")
    left = [
        ("Model:", record["model"]),
        ("Estimation window:", record["estimation_window"]),
        ("Event window:", record["event_window"]),
        ("Return type:", record["return_kind"]),
        ("Calendar:", str(record["calendar"])),
    ]
    right = [
        ("Events:", str(ev["input"])),
        ("Used:", str(ev["used"])),
        ("Dropped:", str(ev["dropped"])),
        ("Conventions:", conv.name),
        ("Data:", str(source)),
    ]
    half = WIDTH // 2
    out = []
    for (lk, lv), (rk, rv) in zip(left, right, strict=True):
        lpart = f"{lk:<20}{lv}"[: half - 1]
        rpart = f"{rk:<14}{rv:>{half - 14}}"
        out.append(f"{lpart:<{half}}{rpart}")
    return out


def _caar_text_rows(caar: pd.DataFrame) -> list[list[str]]:
    rows = [["window", "CAAR", "s.e.", "t", "P>|t|", "N"]]
    for _, r in caar.iterrows():
        rows.append(
            [
                str(r["window"]),
                format_number(r["caar"], 4),
                format_number(r["se"], 4),
                format_number(r["statistic"], 3),
                format_number(r["p_value"], 3),
                str(int(r["n"])) if pd.notna(r["n"]) else "",
            ]
        )
    return rows


def _test_text_rows(tab: pd.DataFrame) -> list[list[str]]:
    rows = [["test", "window", "estimate", "statistic", "p-value", "dist", "N", ""]]
    for _, r in tab.iterrows():
        rows.append(
            [
                str(r["test"]),
                str(r["window"]) if not pd.isna(r["window"]) else f"day {r['rel_day']}",
                format_number(r["estimate"], 4),
                format_number(r["statistic"], 3),
                format_number(r["p_value"], 3),
                str(r["distribution"]),
                str(int(r["n"])),
                ("†" if bool(r["clustered"]) else "") + str(r["stars"]),
            ]
        )
    return rows


def _text_table(rows: list[list[str]], right_from: int) -> list[str]:
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [
            c.rjust(w) if j >= right_from else c.ljust(w)
            for j, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return out


def _notes_block(
    res: Any,
    tab: pd.DataFrame,
    conv: Conventions,
    record: Mapping[str, Any],
    *,
    clustered: bool = False,
) -> list[str]:
    notes = [f"Conventions: {conv.describe()}"]
    advice = _cluster_note(res, marked=clustered or bool(tab["clustered"].any()))
    if advice:
        notes.append(advice)
    notes.append(STARS_NOTE)
    if "reason" in tab:  # tests that could not run: their rows are blank, the note says why
        notes += [f"Not applicable: {why}" for why in pd.unique(tab["reason"]) if why]
    dropped = res.status[res.status["status"] != "used"]
    notes += [f"Dropped {row['event_id']}: {row['reason']}" for _, row in dropped.iterrows()]
    versions = record["versions"]
    shown = ("eventstudy", "numpy", "pandas", "scipy", "statsmodels")
    notes.append("Versions: " + ", ".join(f"{k} {versions[k]}" for k in shown))
    return [line for note in notes for line in textwrap.wrap(note, WIDTH, subsequent_indent="  ")]


# ----------------------------------------------------------------------------- figures
def figure_png(fig: Figure | bytes, *, dpi: int = 100) -> bytes:
    """A figure rendered as PNG bytes (bytes are passed through: render once, use twice).

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> png = report.figure_png(res.plot_caar(), dpi=150)  # doctest: +SKIP
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
    >>> from eventstudy import report  # doctest: +SKIP
    >>> text = report.figure_to_base64(res.plot_caar())  # doctest: +SKIP
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
    res: Any,
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
    >>> from eventstudy import report  # doctest: +SKIP
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
            elif res.panel.market_est is not None and res.panel.params is not None:
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


def _price_panels(res: Any, prices: pd.DataFrame) -> Figure:
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
# decimals by column name (default 4): statistics to 3, p-values to 4, degrees of freedom to 1
_DIGITS = {"statistic": 3, "df": 1, "p_value": 4}


def _frame_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    header = [str(c) for c in frame.columns]
    digits = [_DIGITS.get(c, 4) for c in header]
    rows = []
    for record in frame.itertuples(index=False):
        rows.append([_cell(v, d) for v, d in zip(record, digits, strict=True)])
    return header, rows


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, float | np.floating):
        return format_number(float(value), digits)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _caar_display(caar: pd.DataFrame) -> pd.DataFrame:
    return caar[["window", "caar", "se", "statistic", "p_value", "n"]].assign(
        n=caar["n"].astype("Int64"), clustered=np.where(caar["clustered"], "yes", "")
    )


def _test_display(tab: pd.DataFrame) -> pd.DataFrame:
    shown = tab[
        ["test", "window", "estimate", "statistic", "p_value", "distribution", "df", "n", "stars"]
    ]
    shown = shown.assign(clustered=np.where(tab["clustered"], "yes", ""))
    # a test that could not run says why (the column exists only then: run_tests)
    return shown.assign(reason=tab["reason"]) if "reason" in tab else shown


def _status_display(res: Any) -> pd.DataFrame:
    cols = [
        c
        for c in (
            "event_id",
            "ticker",
            "announced",
            "day0",
            "rolled",
            "roll_reason",
            "status",
            "reason",
            "n_est",
        )
        if c in res.status
    ]
    return res.status[cols]


#: Captions of the second-stage results a spec produces (issue 16); other names are
#: shown as given.
SECOND_STAGE_CAPTIONS: dict[str, str] = {
    "cross_section": "Cross-section regression",
    "bhar_tests": "Long horizon: BHAR tests",
    "calendar_time": "Long horizon: calendar-time portfolio",
    "variance_tests": "Event-induced variance tests",
    "variance_ratio": "Variance ratio by event",
    "volume_tests": "Abnormal volume: tests",
    "volume_report": "Abnormal volume: zero and missing volume",
}


def _regression_display(fit: Any) -> tuple[str, pd.DataFrame]:
    """Caption details and the coefficient table (with stars) of a cross-section fit."""
    from .tables import regression_coefficients, star_marks

    table = regression_coefficients(fit)
    formula = getattr(fit.model, "formula", None)
    window = getattr(fit, "es_window", None)
    parts = [str(formula)] if formula else []
    if window is not None:
        parts.append(f"window {window_label(parse_window(window))}")
    parts.append(f"N = {int(fit.nobs)}, {int(table['dropped'].iloc[0])} dropped")
    parts.append(f"{table['cov'].iloc[0]} errors, R2 = {format_number(float(fit.rsquared), 3)}")
    shown = table[["term", "estimate", "se", "statistic", "p_value"]].assign(
        stars=[star_marks(float(p)) for p in table["p_value"]]
    )
    return "; ".join(parts), shown


def second_stage_sections(res: Any) -> dict[str, pd.DataFrame]:
    """The display tables of ``res.second_stage`` (issue 16), by caption: a regression's
    coefficients (details in the caption), a calendar-time portfolio's factor regression, and
    tables as they are. A study of another outcome (a volume study) is a study of its own,
    with its own ``summary()``: it is not shown here.

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> report.second_stage_sections(res.with_second_stage(cross_section=fit))  # doctest: +SKIP
    """
    out: dict[str, pd.DataFrame] = {}
    for name, item in (getattr(res, "second_stage", None) or {}).items():
        caption = SECOND_STAGE_CAPTIONS.get(str(name), str(name).replace("_", " "))
        if is_regression(item):
            details, frame = _regression_display(item)
            caption = f"{caption} ({details})"
        elif isinstance(getattr(item, "table", None), pd.DataFrame):  # CalendarTimeResult
            frame = item.table
            options = getattr(item, "options", {}) or {}
            if options:
                caption += " (" + ", ".join(f"{k} {v}" for k, v in options.items()) + ")"
        elif isinstance(item, pd.DataFrame):
            frame = item
        else:
            continue
        out[caption] = frame.reset_index(drop=True)
    return out


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
    >>> from eventstudy.report import second_stage_files
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


def _sections(
    res: Any,
    windows: Sequence[Any] | None,
    tests: str | Sequence[str],
    test: str,
    conventions: Conventions | None,
) -> dict[str, pd.DataFrame]:
    conv = _conventions(conventions)
    wins = _windows(res, windows)
    sections = {
        "CAAR by window": _caar_display(caar_table(res, wins, test=test, conventions=conv)),
        "Tests": _test_display(tests_table(res, wins, tests=tests, conventions=conv)),
        "CAR by group": group_table(res, wins),
        "CAR by firm": firm_table(res, wins),
        "Events": _status_display(res),
    }
    for caption, frame in second_stage_sections(res).items():  # issue 16
        sections[caption if caption not in sections else f"{caption} (second stage)"] = frame
    return sections


def to_markdown(
    res: Any,
    windows: Sequence[Any] | None = None,
    *,
    tests: str | Sequence[str] = "all",
    test: str = DEFAULT_TEST,
    conventions: Conventions | None = None,
    title: str | None = None,
    figures: Mapping[str, str] | None = None,
    data: Mapping[str, Any] | None = None,
    spec: Any = None,
) -> str:
    """A Markdown report: tables, figures (``{caption: relative PNG path}``) and provenance.

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> text = report.to_markdown(res, figures={"caar": "figures/caar.png"})  # doctest: +SKIP
    """
    conv = _conventions(conventions)
    record = provenance(res, conventions=conv, data=data, spec=spec)
    out = [f"# {md_escape(title or 'Event study results')}", "", md_escape(_intro(record)), ""]
    for caption, frame in _sections(res, windows, tests, test, conv).items():
        frame, cut = _shown(caption, frame)
        header, rows = _frame_rows(frame)
        out += [f"## {caption}", "", render_markdown(header, rows)]
        if cut:
            out += [f"*{md_escape(cut)}*", ""]
        if caption == "CAAR by window":
            out += [f"*Standard error, t and p of the {headline_test(res, test)} test.*", ""]
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


STARS_NOTE = "Stars: * p<0.10, ** p<0.05, *** p<0.01 (two-sided unless stated)."


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
    res: Any,
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
) -> str:
    """A self-contained HTML report: the headline first, then sections with a table of contents.

    The headline states the question (the spec's ``description``, else a default), the sample,
    the main CAAR (the first window) with its test, p-value and interval, and the CAAR figure;
    each other figure sits beside the table it illustrates (layout: :mod:`eventstudy._report_html`).
    Figures are embedded as base64 PNGs and nothing is loaded from outside.

    Examples
    --------
    >>> from pathlib import Path  # doctest: +SKIP
    >>> from eventstudy import report  # doctest: +SKIP
    >>> Path("report.html").write_text(report.to_html(res, title="DeepSeek sell-off"))  # doctest: +SKIP
    """
    from . import _report_html as page

    conv = _conventions(conventions)
    record = provenance(res, conventions=conv, data=data, spec=spec)
    wins = _windows(res, windows)
    caar = caar_table(res, wins, test=test, conventions=conv)
    tab = tests_table(res, wins, tests=tests, conventions=conv)
    level = float(getattr(spec, "confidence", 0.95) or 0.95)
    sections: dict[str, tuple[str, str]] = {}
    for caption, frame in _sections(res, wins, tests, test, conv).items():
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


def repr_html(res: Any) -> str:
    """Compact HTML for Jupyter (``_repr_html_``): header, CAAR table, provenance.

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> html = report.repr_html(res)  # what Jupyter shows for res  # doctest: +SKIP
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
    res: Any,
    windows: Sequence[Any] | None = None,
    *,
    tests: str | Sequence[str] = "all",
    test: str = DEFAULT_TEST,
    conventions: Conventions | None = None,
    data: Mapping[str, Any] | None = None,
    spec: Any = None,
) -> str:
    """LaTeX (booktabs) tables: the CAAR by window and the tests, with a provenance comment.

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> print(report.to_latex(res, [(0, 0), (0, 1)]))  # doctest: +SKIP
    """
    conv = _conventions(conventions)
    record = provenance(res, conventions=conv, data=data, spec=spec)
    sections = _sections(res, windows, tests, test, conv)
    out = [f"% {one_line(line)}" for line in provenance_lines(record)]  # a comment each
    for caption in ("CAAR by window", "Tests"):
        header, rows = _frame_rows(sections[caption])
        notes = (
            f"Standard error, t and p of the {headline_test(res, test)} test."
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
    res: Any,
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
    Every name is checked before the first file is written.

    Examples
    --------
    >>> from eventstudy import report  # doctest: +SKIP
    >>> figures = report.study_figures(res, ["caar", "car_bars"])  # doctest: +SKIP
    >>> report.export(res, "out/", formats=("csv", "html"), figures=figures)  # doctest: +SKIP
    """
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    bad = [f for f in formats if f not in EXPORT_FORMATS]
    if bad:
        raise SpecError(f"unknown export format(s) {bad}; valid: {', '.join(EXPORT_FORMATS)}")
    conv = _conventions(conventions)
    wins = _windows(res, windows)
    out = OutputFolder(folder, overwrite=overwrite)
    payloads: dict[str, bytes] = {}
    tables = _export_tables(res, wins, tests, test, conv)
    for fmt in ("csv", "parquet"):
        if fmt in formats:
            for name, frame in tables.items():
                payloads[f"{name}.{fmt}"] = _table_bytes(frame, fmt)
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
    common: dict[str, Any] = {"tests": tests, "test": test, "conventions": conv}
    if "md" in formats:
        text = to_markdown(
            res, wins, title=title, figures=figure_paths, data=data, spec=spec, **common
        )
        payloads["report.md"] = inert(text).encode("utf-8")
    if "html" in formats:
        text = to_html(res, wins, title=title, figures=pngs, data=data, spec=spec, **common)
        payloads["report.html"] = inert(text).encode("utf-8")
    if "tex" in formats:
        text = to_latex(res, wins, data=data, spec=spec, **common)
        payloads["report.tex"] = inert(text).encode("utf-8")
    record = provenance(res, conventions=conv, data=data, spec=spec)
    payloads["provenance.json"] = provenance_json(record).encode("utf-8")
    return out.write_all(payloads)


def _default_band_path(res: Any, path: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """The CAAR path with the default band (``plot_caar``'s): Kolari-Pynnönen-widened when
    the events cluster strongly, else as computed; the ``band`` column says which."""
    from .inference.guidance import choose_band, kp_widened_path

    if choose_band(res.panel, "auto") == "kolari_pynnonen":
        return kp_widened_path(res.panel, path, level)
    return path.assign(band="cross_sectional")


def _caar_method(res: Any, test: str) -> CaarMethod:
    """The CAAR formula ``test`` estimates (:func:`eventstudy.abnormal.caar_path`): the CAAR
    path exported, drawn and tabled is then one number per day (issue 12)."""
    from .inference._registry import caar_method_of

    return caar_method_of(headline_test(res, test))


def _export_tables(
    res: Any, wins: list[Window], tests: str | Sequence[str], test: str, conv: Conventions
) -> dict[str, pd.DataFrame]:
    from .plotting import caar_path

    def per_window(table: Any) -> pd.DataFrame:
        return pd.concat([table(w).assign(window=window_label(w)) for w in wins], ignore_index=True)

    tables: dict[str, pd.DataFrame] = {
        "ar": res.ar,
        "car": per_window(res.car),
        "bhar": per_window(res.bhar),
        "caar": caar_table(res, wins, test=test, conventions=conv),
        "caar_path": _default_band_path(res, caar_path(res.ar, how=_caar_method(res, test))),
        "groups": group_table(res, wins),
        "tests": tests_table(res, wins, tests=tests, conventions=conv, daily=True),
        "status": res.status,
        "params": res.params,
    }
    if getattr(res.panel, "market_value", None) is not None:  # dollar values need them
        tables["dollar"] = per_window(res.dollar)
    return tables


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed and check a file can be created in it (else OutputError).

    The probe is a fresh temporary file (created exclusively: a planted link is never
    followed, no existing file is touched).

    Examples
    --------
    >>> from pathlib import Path  # doctest: +SKIP
    >>> from eventstudy import report  # doctest: +SKIP
    >>> report.ensure_writable(Path("out"))  # doctest: +SKIP
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


def _table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
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
        clean.to_csv(buffer, index=False)
    else:
        clean.to_parquet(buffer, index=False)
    return buffer.getvalue()
