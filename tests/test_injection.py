"""No injection: every user-supplied string is escaped for the format it lands in.

Hostile tickers, groups, event ids and study names go through the reports: Markdown
(HTML-escaped, links broken, one line), LaTeX (escaped, line breaks removed: no user string
begins a line), HTML (escaped) and CSV (formula-leading text cells neutralised as OWASP
recommends, numbers untouched). Each test is a row of the "Files, cache and outputs" table in
docs/troubleshooting.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.report import document as report
from eventstudy.report.tables import render_latex, render_markdown, tex_escape
from test_file_safety import EVENT_DAY, fit_study, run_cli, write_study

TICKERS = ["<IMG SRC=X ONERROR=ALERT(1)>", '=HYPERLINK("HTTP://EVIL")']
EVENT_IDS = ["[click](javascript:alert(1))\n# Owned", "@SUM(1+1)"]
GROUPS = ["<script>alert(1)</script>", "+cmd|' /C calc'!A0"]
#: a study name that would put live LaTeX and Markdown lines into the reports
NAME = "Study\n\\input{/etc/passwd}\r\\write18{rm -rf ~}\u2028# <b>heading</b>"
#: the first characters OWASP lists as formula triggers, as text cells
FORMULA_IDS = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\tTAB", "plain"]


@pytest.fixture(scope="module")
def hostile() -> es.EventStudyResults:
    return fit_study(TICKERS, event_id=EVENT_IDS, group=GROUPS)


# ----------------------------------------------------------------------------- Markdown
def test_markdown_report_carries_no_raw_html_link_or_new_line(
    hostile: es.EventStudyResults,
) -> None:
    md = report.to_markdown(hostile, [(0, 0)], tests=["patell"], title=NAME)
    lowered = md.lower()
    assert "<img" not in lowered and "<script" not in lowered and "<b>" not in lowered
    assert "&lt;img src=x onerror=alert(1)&gt;" in lowered and "&lt;script&gt;" in lowered
    assert "](javascript" not in md  # no link can form
    for line in md.splitlines():  # no user string begins a line
        assert not line.startswith(("# Owned", "\\input", "\\write18", "# &lt;b&gt;"))
    firms = [line for line in md.splitlines() if "@SUM(1+1)" in line or "javascript" in line]
    assert len(firms) == 4  # one row each in "CAR by firm" and "Events": no row broken


def test_markdown_cells_are_html_escaped() -> None:
    text = render_markdown(["a"], [["<b>x</b> & y\nz"]])
    assert text.splitlines()[2] == "| &lt;b&gt;x&lt;/b&gt; &amp; y z |"


# ----------------------------------------------------------------------------- LaTeX
def test_latex_no_user_string_begins_a_line(tmp_path: Path) -> None:
    spec, prices = write_study(tmp_path, name=NAME, formats=["csv", "md", "html", "tex"])
    code, err = run_cli(spec, prices, tmp_path / "out")
    assert code == 0, err
    tex = (tmp_path / "out" / "report.tex").read_text()
    for line in tex.splitlines():
        if "\\input{" in line or "\\write18{" in line:
            assert line.startswith("% study: ")  # inert: inside the comment's own line
        assert "Study" not in line or line.startswith("% study: Study ")
        assert not line.lstrip().startswith(("\\input", "\\write18", "\\textbackslash{}"))
    assert len([line for line in tex.splitlines() if "Study" in line]) == 1


def test_latex_cells_lose_their_line_breaks() -> None:
    assert tex_escape("a\n\\input{x}\r\n%y") == r"a \textbackslash{}input\{x\} \%y"
    text = render_latex(["h"], [["x\n\\input{y}"]], caption="c\nd", notes="n\n\\end{document}")
    assert not [line for line in text.splitlines() if line.startswith(("\\input", "\\end{doc"))]


# ----------------------------------------------------------------------------- HTML
def test_html_report_stays_escaped(hostile: es.EventStudyResults) -> None:
    page = report.to_html(hostile, [(0, 0)], tests=["patell"], title=NAME)
    lowered = page.lower()
    assert "<img src=x" not in lowered and "<script>alert" not in lowered
    assert "<b>heading</b>" not in page and "&lt;script&gt;" in page


# ----------------------------------------------------------------------------- CSV
def test_csv_text_cells_are_neutralised_numbers_untouched(
    hostile: es.EventStudyResults, tmp_path: Path
) -> None:
    report.export(hostile, tmp_path / "out", formats=["csv"], windows=[(0, 0)], tests=["patell"])
    car = pd.read_csv(tmp_path / "out" / "car.csv", keep_default_na=False, dtype=str)
    assert car["ticker"].tolist() == [TICKERS[0], "'" + TICKERS[1]]
    assert car["group"].tolist() == [GROUPS[0], "'" + GROUPS[1]]
    assert car["event_id"].tolist() == [EVENT_IDS[0], "'" + EVENT_IDS[1]]
    # numbers are written as numbers (a negative CAR keeps its minus sign, no quote)
    # parsed by Python's float (exact for the written repr; pandas 2's C parser may be off in
    # the last bit, and pandas 3 deprecates its float_precision option)
    text = pd.read_csv(tmp_path / "out" / "car.csv", dtype=str)["car"]
    numbers = np.array([float(v) for v in text])
    np.testing.assert_array_equal(numbers, hostile.car((0, 0))["car"].to_numpy())
    assert (numbers < 0).any()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_safe_quotes_each_owasp_formula_start(start: str) -> None:
    # a carriage return becomes a line feed (a cell holding one is quoted by the CSV writer)
    kept = "\n" if start == "\r" else start
    assert report.csv_safe(f"{start}cmd") == f"'{kept}cmd"
    assert report.csv_safe(f"x{start}cmd") == f"x{kept}cmd"  # only a leading one
    assert report.csv_safe(-1.5) == -1.5  # numbers are never touched


def test_every_owasp_formula_start_is_neutralised(tmp_path: Path) -> None:
    tickers = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]
    events = pd.DataFrame(
        {"ticker": tickers, "date": f"{EVENT_DAY:%Y-%m-%d}", "event_id": FORMULA_IDS}
    )
    spec, prices = write_study(tmp_path, events=events, tickers=tickers)
    code, err = run_cli(spec, prices, tmp_path / "out")
    assert code == 0, err
    raw = (tmp_path / "out" / "status.csv").read_text()
    for cell in raw.splitlines()[1:]:  # nothing a spreadsheet would evaluate
        first = re.split(r",", cell, maxsplit=1)[0].lstrip('"')
        assert not first.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    status = pd.read_csv(tmp_path / "out" / "status.csv", keep_default_na=False, dtype=str)
    expected = [("'" + x if x[0] in "=+-@\t\r" else x) for x in FORMULA_IDS]
    assert sorted(status["event_id"]) == sorted(expected)


# ----------------------------------------------------------------------------- the catalogue
def test_every_row_of_the_files_section_is_a_test_and_back() -> None:
    """docs/troubleshooting.md "Files, cache and outputs": one row per test of the three files."""
    import ast

    here = Path(__file__).resolve().parent
    tests = {
        node.name
        for name in ("test_file_safety.py", "test_cache_untrusted.py", "test_injection.py")
        for node in ast.parse((here / name).read_text()).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }
    tests.discard("test_every_row_of_the_files_section_is_a_test_and_back")
    doc = (here.parent / "docs" / "troubleshooting.md").read_text()
    section = doc.split("## Files, cache and outputs", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(test_[a-z0-9_]+)` \|", section, flags=re.MULTILINE)
    assert len(rows) == len(set(rows))
    assert set(rows) == tests


def test_a_carriage_return_cannot_start_an_unneutralised_csv_cell() -> None:
    # was: event id "\r=2" was written unquoted; a spreadsheet breaks the line at \r and
    # reads "=2" as a formula in a new row
    import csv
    import io

    frame = pd.DataFrame({"event_id": ["\r=2", "a\r\n@b", "ok"], "car": [-0.1, 0.2, -0.3]})
    text = report._table_bytes(frame, "csv").decode()
    cells = [c for row in csv.reader(io.StringIO(text.replace("\r", "\n"))) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert pd.read_csv(io.StringIO(text))["car"].tolist() == [-0.1, 0.2, -0.3]


def test_control_characters_never_reach_an_output(tmp_path: Path) -> None:
    # audit: a group "\x1b[2J\x1b[31mRED" put raw ESC bytes into report.md, car.csv, groups.csv
    from eventstudy.testing import simulated_study

    sim = simulated_study(es.MarketModel("MKT"))
    hostile = "\x1b[2J\x1b[31mRED\x00\x7f"
    events = sim.events.assign(group=[hostile] + ["plain"] * (len(sim.events) - 1))
    res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    written = res.export(tmp_path / "out", formats=("csv", "md", "html", "tex"))
    assert written
    for path in (tmp_path / "out").rglob("*"):
        if path.suffix in (".csv", ".md", ".html", ".tex", ".txt"):
            text = path.read_text(encoding="utf-8")
            assert not CONTROL.search(text), path.name
    assert "\ufffd[2J\ufffd[31mRED" in (tmp_path / "out" / "car.csv").read_text(encoding="utf-8")


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def test_second_stage_csv_tables_are_neutralised() -> None:
    from eventstudy.report.document import second_stage_files

    table = pd.DataFrame({"ticker": ["=cmd|'/C calc'!A0", "NVDA"], "car": [-0.5, 0.1]})
    text = second_stage_files({"t": table})["t.csv"]
    assert text.splitlines()[1].startswith("'=cmd") and "-0.5" in text
