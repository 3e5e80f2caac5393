"""etable: side-by-side CAAR tables from tidy rows or results, rendered as df / md / tex / html."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eventstudy import etable
from eventstudy.engine.panel import EventPanel
from eventstudy.exceptions import DataError, SpecError
from eventstudy.report.tables import (
    format_number,
    parse_window,
    render_latex,
    render_markdown,
    star_marks,
    study_rows,
)


def rows() -> pd.DataFrame:
    """Two studies, two windows; B lacks window [0, 1]."""
    return pd.DataFrame(
        {
            "study": ["A", "A", "B"],
            "window": [(0, 0), "[0, 1]", (0, 0)],
            "estimate": [-0.0523, 0.0123, 0.004],
            "se": [0.0100, 0.0100, 0.0040],
            "p_value": [0.004, 0.03, 0.2],
            "n": [27, 26, 5],
            "model": ["market model", "market model", "constant mean"],
        }
    )


def test_layout_stars_and_t_statistics() -> None:
    table = etable(rows())
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["A", "B"]
    assert table.index.tolist() == [
        ("CAAR [0, 0]", "estimate"),
        ("CAAR [0, 0]", "t"),
        ("CAAR [0, 1]", "estimate"),
        ("CAAR [0, 1]", "t"),
        ("N", ""),
        ("Model", ""),
    ]
    assert table["A"].tolist() == [
        "-0.0523***",
        "(-5.23)",
        "0.0123**",
        "(1.23)",
        "27",
        "market model",
    ]
    # p = 0.2 is above every level; B has no [0, 1] row
    assert table["B"].tolist() == ["0.0040", "(1.00)", "", "", "5", "constant mean"]
    assert "t statistics in parentheses" in table.attrs["notes"]
    assert "*** p<0.01" in table.attrs["notes"]


def test_se_and_p_in_parentheses_percent_and_custom_stars() -> None:
    table = etable(rows(), stat="se", percent=True, digits=2, stars=(0.05,))
    assert table["A"].tolist()[:4] == ["-5.23*", "(1.00)", "1.23*", "(1.00)"]
    assert table.index[1] == ("CAAR [0, 0]", "se")
    assert "in percent" in table.attrs["notes"]
    p_table = etable(rows(), stat="p")
    assert p_table["B"].iloc[1] == "(0.200)"


def test_window_selection_and_order() -> None:
    table = etable(rows(), windows=[(0, 1), "[0, 0]"])
    assert [i[0] for i in table.index[:4]] == ["CAAR [0, 1]"] * 2 + ["CAAR [0, 0]"] * 2


def test_several_frames_labels_and_test_row() -> None:
    a = rows()[rows()["study"] == "A"].drop(columns="study").assign(test="patell")
    b = rows()[rows()["study"] == "B"].drop(columns="study").rename(columns={"p_value": "p"})
    table = etable(a, b, labels=["Sell-off", "Control"])
    assert list(table.columns) == ["Sell-off", "Control"]
    assert table.loc[("Test", ""), "Sell-off"] == "patell"
    assert table.loc[("Test", ""), "Control"] == ""
    assert table.loc[("CAAR [0, 0]", "estimate"), "Control"] == "0.0040"


def test_given_statistic_takes_precedence_over_estimate_over_se() -> None:
    frame = rows().assign(t=[-2.0, 1.0, 3.0])
    assert etable(frame)["A"].iloc[1] == "(-2.00)"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"type": "pdf"},
            SpecError,
            r"type='pdf' is not valid; choose one of \['df', 'md', 'tex', 'html'\]",
        ),
        ({"stat": "z"}, SpecError, r"stat='z' is not valid; choose one of \['t', 'se', 'p'\]"),
        ({"stars": (0.1, 5)}, SpecError, "strictly between 0 and 1"),
        ({"labels": ["only one"]}, SpecError, "labels has 1 entries but there are 2 studies"),
        ({"labels": ["x", "x"]}, SpecError, "labels must be unique"),
        ({"windows": ["0-1"]}, SpecError, "is not a pair of trading days"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        etable(rows(), **kwargs)  # type: ignore[arg-type]


def test_missing_columns_and_no_studies() -> None:
    with pytest.raises(DataError, match=r"lacks the column\(s\) \['se'\]"):
        etable(rows().drop(columns="se"))
    with pytest.raises(SpecError, match="at least one"):
        etable()
    with pytest.raises(DataError, match="has 2 rows for window"):
        etable(pd.concat([rows(), rows().iloc[[0]]]))


# ----------------------------------------------------------------------------- helpers
@pytest.mark.parametrize(
    ("p", "marks"),
    [(0.004, "***"), (0.01, "**"), (0.03, "**"), (0.07, "*"), (0.2, ""), (np.nan, "")],
)
def test_star_marks(p: float, marks: str) -> None:
    assert star_marks(p) == marks


def test_parse_window_and_format_number() -> None:
    assert parse_window("[-5, 1]") == (-5, 1)
    assert parse_window((0, 0)) == (0, 0)
    assert parse_window([-1, 5]) == (-1, 5)
    with pytest.raises(SpecError):
        parse_window((0.5, 1))
    assert format_number(-0.00001, 4) == "0.0000"  # no negative zero
    assert format_number(np.nan, 4) == ""


# ----------------------------------------------------------------------------- rendering
def test_markdown_rendering() -> None:
    text = etable(rows(), type="md", caption="Table 1")
    assert isinstance(text, str)
    lines = text.splitlines()
    assert lines[0] == "**Table 1**"
    assert lines[2] == "|  | A | B |"
    assert lines[3] == "| --- | ---: | ---: |"
    assert lines[4] == "| CAAR [0, 0] | -0.0523*** | 0.0040 |"
    assert lines[5] == "|  | (-5.23) | (1.00) |"  # the stat row carries no label
    assert lines[8] == "| N | 27 | 5 |"
    assert lines[-1].startswith("*t statistics in parentheses")
    assert render_markdown(["a|b"], [["x|y"]]).splitlines()[0] == "| a\\|b |"


def test_latex_rendering_is_escaped_booktabs() -> None:
    frame = rows().assign(model=["market_model", "market_model", "50% & more"])
    text = etable(frame, type="tex", caption="CAAR_1")
    assert isinstance(text, str)
    assert r"\begin{tabular}{lrr}" in text
    assert r"\toprule" in text and r"\bottomrule" in text
    assert r"\caption{CAAR\_1}" in text
    assert r"Model & market\_model & 50\% \& more \\" in text
    assert r"CAAR [0, 0] & -0.0523*** & 0.0040 \\" in text
    # a midrule before the footer rows
    body = text.splitlines()
    assert body[body.index(r"N & 27 & 5 \\") - 1] == r"\midrule"
    assert (
        render_latex(["a"], [["~^\\"]]).count(
            r"\textasciitilde{}\textasciicircum{}\textbackslash{}"
        )
        == 1
    )
    assert r"p\textless{}0.1" in text  # "<" is not a text-mode character in LaTeX


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        self._in_cell = tag in ("td", "th")
        if self._in_cell:
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][-1] += data


def test_html_rendering_parses_back_to_the_table() -> None:
    frame = rows().assign(model=["<b>", "<b>", "m"])
    text = etable(frame, type="html")
    assert isinstance(text, str) and "&lt;b&gt;" in text
    parser = _Cells()
    parser.feed(text)
    table = etable(frame)
    assert isinstance(table, pd.DataFrame)
    assert parser.rows[0] == ["", "A", "B"]
    assert parser.rows[1] == ["CAAR [0, 0]", *table.iloc[0].tolist()]
    assert parser.rows[2] == ["", *table.iloc[1].tolist()]
    assert parser.rows[6] == ["Model", "<b>", "m"]


# ----------------------------------------------------------------------------- from a panel
def small_panel(seed: int = 7) -> EventPanel:
    rng = np.random.default_rng(seed)
    n, l1, l2 = 8, 40, 3
    ar = rng.normal(-0.01, 0.02, (n, l2))
    ar[2, 1] = np.nan
    resid = rng.normal(0, 0.02, (n, l1))
    est_dates = np.tile(pd.bdate_range("2024-01-01", periods=l1).to_numpy(), (n, 1))
    evt_dates = np.tile(pd.bdate_range("2024-06-03", periods=l2).to_numpy(), (n, 1))
    return EventPanel(
        event_id=np.array([f"e{i}" for i in range(n)], dtype=object),
        ticker=np.array([f"T{i}" for i in range(n)], dtype=object),
        day0=evt_dates[:, 1],
        est_rel=np.arange(-l1 - 5, -5),
        evt_rel=np.array([-1, 0, 1]),
        est_dates=est_dates,
        evt_dates=evt_dates,
        resid_est=resid,
        ret_evt=ar,
        normal_evt=np.zeros_like(ar),
        ar=ar,
        sigma2=resid.var(axis=1, ddof=1),
        nobs=np.full(n, l1),
        dof=np.full(n, l1 - 1),
        k=0,
        model="constant mean",
    )


def test_study_rows_from_a_panel_match_a_one_sample_t_test() -> None:
    panel = small_panel()
    out = study_rows(panel, [(0, 0), (-1, 1)], test="cross_sectional_t", label="S")
    assert out["study"].tolist() == ["S", "S"]
    assert out["model"].tolist() == ["constant mean"] * 2
    car00 = panel.ar[:, 1][~np.isnan(panel.ar[:, 1])]
    car11 = np.nansum(panel.ar, axis=1)
    for i, car in enumerate((car00, car11)):
        ref = stats.ttest_1samp(car, 0.0)
        assert out["estimate"][i] == pytest.approx(car.mean())
        assert out["statistic"][i] == pytest.approx(ref.statistic)
        assert out["p_value"][i] == pytest.approx(ref.pvalue)
        assert out["se"][i] == pytest.approx(car.std(ddof=1) / np.sqrt(len(car)))
        assert out["n"][i] == len(car)
    table = etable(out)
    assert table.loc[("CAAR [-1, 1]", "estimate"), "S"].startswith(format_number(car11.mean(), 4))


def test_etable_runs_the_test_on_results_like_objects() -> None:
    panel = small_panel()
    table = etable(
        panel, small_panel(seed=8), windows=[(0, 0)], test="cross_sectional_t", labels=["x", "y"]
    )
    assert list(table.columns) == ["x", "y"]
    expected = study_rows(panel, [(0, 0)], test="cross_sectional_t")
    assert table.loc[("CAAR [0, 0]", "t"), "x"] == f"({expected['statistic'][0]:.2f})"
    # the panels' events share dates (the clustering diagnostic says so): the naive test is
    # marked and the notes say why; a tidy frame without the flag is not marked
    from eventstudy.inference import clustering

    assert bool(clustering(small_panel(seed=8))["clustered"].iloc[0])
    assert table.loc[("Test", ""), "y"] == "cross_sectional_t †"
    assert "† events share calendar dates" in table.attrs["notes"]
    plain = etable(expected.drop(columns="clustered"))
    assert plain.loc[("Test", ""), "constant mean"] == "cross_sectional_t"
    assert "†" not in plain.attrs["notes"]
    with pytest.raises(SpecError, match="give windows"):
        etable(panel)


def test_etable_defaults_to_the_windows_the_results_remember() -> None:
    """A spec's CAR windows stay with its results (issue 12): etable(res) tables them, as
    etable(res, windows=res.car_windows) does."""
    import eventstudy as es
    from eventstudy.testing import simulated_study

    sim = simulated_study(es.MarketModel("MKT"))
    res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    remembered = res.with_conventions(windows=[(0, 1), (-1, 1)])
    assert remembered.car_windows == ((0, 1), (-1, 1))
    pd.testing.assert_frame_equal(etable(remembered), etable(res, windows=[(0, 1), (-1, 1)]))
    with pytest.raises(SpecError, match="give windows"):
        etable(res)  # remembers none
