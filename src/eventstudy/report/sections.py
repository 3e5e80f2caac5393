"""The tables of a fitted event study and its provenance, computed once for every rendering.

Functions take an :class:`~eventstudy.results.EventStudyResults` (anything with ``panel``,
``status``, ``params``, ``model``, ``windows``, ``return_kind``, ``meta`` and the tidy accessors
``ar``, ``car(window)``, ``caar(window)``) and never change it. ``results.py`` wires thin
methods onto them (``summary()``, ``_repr_html_()``, ``to_markdown()``, ...).

Every rendering states its inputs in a provenance block (:func:`provenance`): model, windows,
conventions, return type, calendar, data source and vintage, and package versions.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import SpecError
from .tables import (
    CLUSTER_MARK,
    CLUSTER_NOTE,
    DEFAULT_TEST,
    counts,
    format_number,
    headline_test,
    is_regression,
    model_name,
    parse_window,
    study_rows,
    window_label,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..inference.conventions import Conventions
    from ..results import EventStudyResults

__all__ = [
    "StudyTables",
    "caar_table",
    "default_windows",
    "firm_table",
    "group_table",
    "package_versions",
    "provenance",
    "provenance_json",
    "provenance_lines",
    "second_stage_sections",
    "summary_text",
    "tests_table",
]

Window = tuple[int, int]


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
_FLAT_LIST = re.compile(r"\[\s*\n([^\[\]{}]*?)\n\s*\]")
STARS_NOTE = "Stars: * p<0.10, ** p<0.05, *** p<0.01 (two-sided unless stated)."
#: captions of the second stage's results in the reports
SECOND_STAGE_CAPTIONS: dict[str, str] = {
    "cross_section": "Cross-section regression",
    "bhar_tests": "Long horizon: BHAR tests",
    "calendar_time": "Long horizon: calendar-time portfolio",
    "variance_tests": "Event-induced variance tests",
    "variance_ratio": "Variance ratio by event",
    "volume_tests": "Abnormal volume: tests",
    "volume_report": "Abnormal volume: zero and missing volume",
}


def default_windows(res: EventStudyResults) -> list[Window]:
    """The results' own CAR windows (a spec's ``[windows] car``), else ``[0, 0]``,
    ``[-1, 1]`` and the whole event window (those that fit in it).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> report.default_windows(res)  # day 0, (-1, 1) and the whole event window
    [(0, 0), (-1, 1), (-10, 10)]
    """
    chosen = getattr(res, "car_windows", None)  # a spec's [windows] car (issue 12)
    if chosen:
        return [(int(a), int(b)) for a, b in chosen]
    rel = np.asarray(res.panel.evt_rel)
    lo, hi = int(rel.min()), int(rel.max())
    candidates = [(0, 0), (-1, 1), (lo, hi)]
    return list(dict.fromkeys(w for w in candidates if lo <= w[0] and w[1] <= hi))


def _windows(res: EventStudyResults, windows: Sequence[Any] | None) -> list[Window]:
    return [parse_window(w) for w in windows] if windows is not None else default_windows(res)


def _conventions(conventions: Conventions | None) -> Conventions:
    from ..inference.conventions import Conventions

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


def package_versions() -> dict[str, str]:
    """Installed versions (read from package metadata: nothing is imported).

    Examples
    --------
    >>> from eventstudy.report.sections import package_versions
    >>> sorted(package_versions())[:3]
    ['eventstudy', 'exchange_calendars', 'matplotlib']
    """
    from .._version import __version__

    # the distribution is named pyeventstudy; the library's own version is its __version__
    versions = {"python": platform.python_version(), "eventstudy": __version__}
    for name in PACKAGES[1:]:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance(
    res: EventStudyResults,
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> record = report.provenance(res)
    >>> record["estimation_window"], record["event_window"], "eventstudy" in record["versions"]
    ('[-250, -11]', '[-10, 10]', True)
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


def provenance_json(record: Mapping[str, Any]) -> str:
    """The provenance record as indented JSON with lists of scalars kept on one line.

    Examples
    --------
    >>> from eventstudy.report.sections import provenance_json
    >>> print(provenance_json({"model": "market", "windows": [-250, -11]}))
    {
      "model": "market",
      "windows": [-250, -11]
    }
    """
    text = json.dumps(_jsonable(record), indent=2)
    return _FLAT_LIST.sub(
        lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",\n")) + "]", text
    )


def provenance_lines(record: Mapping[str, Any]) -> list[str]:
    """``key: value`` lines of a provenance record (nested dicts flattened with dots).

    Examples
    --------
    >>> from eventstudy.report.sections import provenance_lines
    >>> provenance_lines({"model": "market", "events": {"used": 3, "input": 4}})
    ['model: market', 'events.used: 3', 'events.input: 4']
    """
    lines: list[str] = []
    for key, value in record.items():
        if isinstance(value, Mapping) and value:
            lines += [f"{key}.{line}" for line in provenance_lines(value)]
        elif isinstance(value, list):
            lines.append(f"{key}: {', '.join(str(v) for v in value)}")
        else:
            lines.append(f"{key}: {value}")
    return lines


def caar_table(
    res: EventStudyResults,
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> table = report.caar_table(res, [(0, 0), (-1, 1)], test="kolari_pynnonen")
    >>> table[["window", "caar", "statistic", "p_value", "n"]].round(4)
        window    caar  statistic  p_value  n
    0   [0, 0] -0.0038    -0.7482   0.4787  8
    1  [-1, 1]  0.0061     0.7304   0.4888  8
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
    res: EventStudyResults,
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> table = report.tests_table(res, [(0, 0)], tests=["patell", "bmp"])
    >>> table[["test", "window", "statistic", "p_value"]].round(4)
         test  window  statistic  p_value
    0  patell  [0, 0]    -0.5181   0.6044
    1     bmp  [0, 0]    -0.7482   0.4787
    """
    from ..inference import run_tests

    wins = _windows(res, windows)
    names = list(tests) if not isinstance(tests, str) else tests
    out = run_tests(
        res.panel, tests=names, windows=wins, daily=daily, conventions=_conventions(conventions)
    )
    # events that cluster strongly: the robust headline test's rows come first
    lead = headline_test(res, DEFAULT_TEST)
    if lead == "kolari_pynnonen" and (out["test"] == lead).any():
        out = pd.concat([out[out["test"] == lead], out[out["test"] != lead]], ignore_index=True)
    return out


def firm_table(res: EventStudyResults, windows: Sequence[Any] | None = None) -> pd.DataFrame:
    """Each event's CAR and its standard error for every window, wide (one row per event).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> table = report.firm_table(res, [(0, 0), (0, 1)])  # one row per event
    >>> table[["ticker", "group", "car [0, 0]", "car [0, 1]"]].head(2).round(4)
      ticker  group  car [0, 0]  car [0, 1]
    0     F0  chips     -0.0004      0.0097
    1     F1  power     -0.0167     -0.0074
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


def group_table(res: EventStudyResults, windows: Sequence[Any] | None = None) -> pd.DataFrame:
    """Descriptive CARs by group: number of events, then per window the mean and median CAR
    and the share of negative CARs (no test: the tests run on all events together).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> report.group_table(res, [(0, 0)]).round(4)
       group  n  mean [0, 0]  median [0, 0]  negative [0, 0]
    0  chips  4       0.0018         0.0016             0.25
    1  power  4      -0.0093        -0.0126             0.75
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


def summary_text(
    res: EventStudyResults,
    windows: Sequence[Any] | None = None,
    *,
    tests: str | Sequence[str] = "all",
    test: str = DEFAULT_TEST,
    conventions: Conventions | None = None,
    title: str | None = None,
    data: Mapping[str, Any] | None = None,
    tables: StudyTables | None = None,
) -> str:
    """A statsmodels-style text summary: header (model, windows, N used/dropped, conventions),
    the CAAR table per window (``test``'s s.e., t and p) and the table of every test.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy import report
    >>> text = report.summary_text(res, [(0, 0)], title="Simulated study")
    >>> print("\\n".join(text.splitlines()[8:12]))  # the CAAR table (the spec's test, else the t)
    CAAR by window (s.e., t and p of cross_sectional_t)
    --------------------------------------------------------------------------------------
    window     CAAR    s.e.       t  P>|t|  N
    [0, 0]  -0.0038  0.0045  -0.839  0.429  8
    """
    if tables is None:
        tables = StudyTables.compute(res, windows, tests=tests, test=test, conventions=conventions)
    conv, caar, tab = tables.conventions, tables.caar, tables.tests
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


def _cluster_note(res: EventStudyResults, *, marked: bool) -> str:
    """The clustering note: the graded, design-aware advice of the study's events (after the
    † when tests are marked); empty for events that do not overlap and no marked test."""
    from ..inference.guidance import clustering_advice

    panel = getattr(res, "panel", None)
    if panel is None:
        return CLUSTER_NOTE if marked else ""
    advice = clustering_advice(panel)
    if marked:
        return f"{CLUSTER_MARK} {advice.note}"
    return advice.note if advice.degree != "none" else ""


def _center(text: str) -> str:
    return text.center(WIDTH).rstrip()


def _header_block(
    res: EventStudyResults, record: Mapping[str, Any], conv: Conventions
) -> list[str]:
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
    res: EventStudyResults,
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


def _status_display(res: EventStudyResults) -> pd.DataFrame:
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


def second_stage_sections(res: EventStudyResults) -> dict[str, pd.DataFrame]:
    """The display tables of ``res.second_stage`` (issue 16), by caption: a regression's
    coefficients (details in the caption), a calendar-time portfolio's factor regression, and
    tables as they are. A study of another outcome (a volume study) is a study of its own,
    with its own ``summary()``: it is not shown here.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy import report
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fit = res.cross_section("car ~ beta", window=(0, 1))  # a statsmodels fit
    >>> sections = report.second_stage_sections(res.with_second_stage(cross_section=fit))
    >>> list(sections)
    ['Cross-section regression (car ~ beta; window [0, 1]; N = 8, 0 dropped; HC3 errors, R2 = 0.007)']
    >>> sections[next(iter(sections))][["term", "estimate"]].round(3)
            term  estimate
    0  Intercept     0.005
    1       beta    -0.006
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


def _sections(
    res: EventStudyResults, wins: list[Window], caar: pd.DataFrame, tab: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    sections = {
        "CAAR by window": _caar_display(caar),
        "Tests": _test_display(tab),
        "CAR by group": group_table(res, wins),
        "CAR by firm": firm_table(res, wins),
        "Events": _status_display(res),
    }
    for caption, frame in second_stage_sections(res).items():  # issue 16
        sections[caption if caption not in sections else f"{caption} (second stage)"] = frame
    return sections


@dataclass(frozen=True)
class StudyTables:
    """The tables of one study, computed once and read by every rendering (text, Markdown,
    HTML, LaTeX, the summary object and the exported reports).

    Attributes
    ----------
    windows : list of (int, int)
        The CAR windows tabled.
    test : str
        The test asked for as headline (``"primary"``: the results' own; ``"auto"`` or a registry name).
    conventions : Conventions
        The conventions of every test.
    caar : DataFrame
        :func:`caar_table`: the CAAR per window with the headline test's s.e., t and p.
    tests : DataFrame
        :func:`tests_table`: every requested test on every window.
    sections : dict of str to DataFrame
        The display tables by caption: CAAR by window, Tests, CAR by group, CAR by firm,
        Events, then the second stage's.
    requested : str or tuple of str
        The tests asked for (``"all"`` or names): what the exported tests table runs too.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> events = sim.events.assign(group=["chips", "power"] * 4)
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy.report.sections import StudyTables
    >>> tables = StudyTables.compute(res, [(0, 0)])
    >>> list(tables.sections)
    ['CAAR by window', 'Tests', 'CAR by group', 'CAR by firm', 'Events']
    """

    windows: list[Window]
    test: str
    conventions: Conventions
    caar: pd.DataFrame
    tests: pd.DataFrame
    sections: dict[str, pd.DataFrame]
    requested: str | tuple[str, ...] = "all"

    @classmethod
    def compute(
        cls,
        res: EventStudyResults,
        windows: Sequence[Any] | None = None,
        *,
        tests: str | Sequence[str] = "all",
        test: str = DEFAULT_TEST,
        conventions: Conventions | None = None,
    ) -> StudyTables:
        """Compute the tables of ``res`` once (each test runs once: ``res.tests`` memoises).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> events = sim.events.assign(group=["chips", "power"] * 4)
        >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> from eventstudy.report.sections import StudyTables
        >>> tables = StudyTables.compute(res, [(0, 0), (-1, 1)], test="bmp")
        >>> tables.caar[["window", "caar", "test"]].round(4)
            window    caar test
        0   [0, 0] -0.0038  bmp
        1  [-1, 1]  0.0061  bmp
        """
        conv = _conventions(conventions)
        wins = _windows(res, windows)
        caar = caar_table(res, wins, test=test, conventions=conv)
        tab = tests_table(res, wins, tests=tests, conventions=conv)
        asked = tests if isinstance(tests, str) else tuple(tests)
        return cls(wins, test, conv, caar, tab, _sections(res, wins, caar, tab), asked)
