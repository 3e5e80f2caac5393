"""Reports of a fitted study: provenance, text summary, Markdown / HTML / LaTeX, exports."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import eventstudy as es
from eventstudy.exceptions import EventsDroppedWarning, OutputError, SpecError
from eventstudy.inference import Conventions, run_tests
from eventstudy.report import document as report
from eventstudy.report import plotting, sections
from eventstudy.report.tables import format_number

FIRMS = ["AAA", "BBB", "CCC", "DDD", "EEE"]
WINDOWS = [(0, 0), (-1, 1)]


def synthetic_returns(seed: int = 0) -> pd.DataFrame:
    """Market-model returns for five firms with a -5% shock on session 300."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=320)
    market = rng.normal(0.0005, 0.01, len(dates))
    cols = {"SPY": market}
    for i, ticker in enumerate(FIRMS):
        cols[ticker] = 0.0002 + (0.8 + 0.2 * i) * market + rng.normal(0, 0.015, len(dates))
    returns = pd.DataFrame(cols, index=pd.DatetimeIndex(dates, name="date"))
    returns.loc[dates[300], FIRMS] -= 0.05
    returns.attrs["return_kind"] = "simple"
    return returns


@pytest.fixture(scope="module")
def res() -> es.EventStudyResults:
    returns = synthetic_returns()
    events = pd.DataFrame(
        {
            "ticker": [*FIRMS, "ZZZ"],
            "date": returns.index[300],
            "group": ["x", "x", "y", "y", "y", "x"],
        }
    )
    study = es.EventStudy(
        events,
        returns,
        model=es.MarketModel("SPY"),
        estimation_window=(-200, -11),
        event_window=(-5, 5),
        calendar=None,
        min_estimation_obs=50,
    )
    with pytest.warns(EventsDroppedWarning):
        return study.fit()


# ----------------------------------------------------------------------------- provenance
def test_provenance_records_every_input(res: es.EventStudyResults) -> None:
    conv = Conventions.profile("estudy2").replace(return_kind="any")
    record = report.provenance(res, conventions=conv, data={"source": "local", "path": "/x"})
    assert record["model"] == "market model (SPY)"
    assert record["model_repr"] == repr(es.MarketModel("SPY"))
    assert record["parameters"] == ["alpha", "beta"]
    assert record["estimation_window"] == "[-200, -11]"
    assert record["event_window"] == "[-5, 5]"
    assert record["return_kind"] == "simple"
    assert record["conventions"] == conv.describe()
    assert record["events"] == {"input": 6, "used": 5, "dropped": 1}
    assert record["data"] == {"source": "local", "path": "/x"}
    assert record["versions"]["numpy"] == np.__version__
    assert record["versions"]["pandas"] == pd.__version__
    assert record["versions"]["eventstudy"] == es.__version__
    assert json.loads(json.dumps(record)) == record  # JSON-serialisable as is
    assert json.loads(report.provenance_json(record)) == record


def test_provenance_json_keeps_short_lists_on_one_line() -> None:
    text = report.provenance_json({"tickers": ["A", "B"], "n": 1})
    assert '"tickers": ["A", "B"]' in text


# ----------------------------------------------------------------------------- tables
def test_caar_table_is_the_mean_car_with_its_t_test(res: es.EventStudyResults) -> None:
    table = report.caar_table(res, WINDOWS, test="cross_sectional_t")
    assert table["window"].tolist() == ["[0, 0]", "[-1, 1]"]
    for i, window in enumerate(WINDOWS):
        car = res.car(window)["car"].to_numpy()
        ref = stats.ttest_1samp(car, 0.0)
        assert table["caar"][i] == pytest.approx(car.mean())
        assert table["se"][i] == pytest.approx(car.std(ddof=1) / np.sqrt(len(car)))
        assert table["statistic"][i] == pytest.approx(ref.statistic)
        assert table["p_value"][i] == pytest.approx(ref.pvalue)
        assert table["n"][i] == 5


def test_tests_table_is_run_tests(res: es.EventStudyResults) -> None:
    table = report.tests_table(res, WINDOWS, tests=["patell", "sign"])
    expected = run_tests(res.panel, tests=["patell", "sign"], windows=WINDOWS, daily=False)
    pd.testing.assert_frame_equal(table, expected)


def test_group_table_by_hand(res: es.EventStudyResults) -> None:
    table = report.group_table(res, [(0, 0)]).set_index("group")
    car = res.car((0, 0)).set_index("ticker")["car"]
    x, y = car[["AAA", "BBB"]], car[["CCC", "DDD", "EEE"]]
    assert table.loc["x", "n"] == 2 and table.loc["y", "n"] == 3
    assert table.loc["x", "mean [0, 0]"] == pytest.approx(x.mean())
    assert table.loc["y", "median [0, 0]"] == pytest.approx(y.median())
    assert table.loc["y", "negative [0, 0]"] == pytest.approx((y < 0).mean())


def test_etable_of_results_objects(res: es.EventStudyResults) -> None:
    table = es.etable(res, res, windows=WINDOWS, test="cross_sectional_t", labels=["a", "b"])
    assert isinstance(table, pd.DataFrame)
    car = res.car((-1, 1))["car"].to_numpy()
    ref = stats.ttest_1samp(car, 0.0)
    stars = "*" * sum(ref.pvalue < s for s in (0.10, 0.05, 0.01))
    assert table.loc[("CAAR [-1, 1]", "estimate"), "a"] == format_number(car.mean(), 4) + stars
    assert table.loc[("CAAR [-1, 1]", "t"), "b"] == f"({ref.statistic:.2f})"
    assert table.loc[("N", ""), "a"] == "5"
    assert table.loc[("Model", ""), "a"] == "market model (SPY)"


def test_default_windows_fit_the_event_window(res: es.EventStudyResults) -> None:
    assert report.default_windows(res) == [(0, 0), (-1, 1), (-5, 5)]


# ----------------------------------------------------------------------------- summary
def test_summary_text_states_inputs_and_numbers(res: es.EventStudyResults) -> None:
    text = report.summary_text(res, WINDOWS, tests=["patell", "bmp"], title="Synthetic")
    assert text.splitlines()[0].strip() == "Synthetic"
    assert "market model (SPY)" in text
    assert re.search(r"Estimation window:\s+\[-200, -11\]", text)
    assert re.search(r"Used:\s+5", text) and re.search(r"Dropped:\s+1", text)
    assert "Dropped ZZZ" in text  # the reason of every dropped event
    caar = report.caar_table(res, WINDOWS)
    row = next(line for line in text.splitlines() if line.startswith("[-1, 1]"))
    assert row.split() == [
        "[-1,",
        "1]",
        format_number(caar["caar"][1], 4),
        format_number(caar["se"][1], 4),
        format_number(caar["statistic"][1], 3),
        format_number(caar["p_value"][1], 3),
        "5",
    ]
    tests = report.tests_table(res, WINDOWS, tests=["patell", "bmp"])
    patell = next(
        line for line in text.splitlines() if line.startswith("patell") and "[0, 0]" in line
    )
    assert format_number(tests["statistic"][0], 3) in patell.split()
    assert "Conventions: default" in text
    assert all(len(line) <= sections.WIDTH for line in text.splitlines())


# ----------------------------------------------------------------------------- documents
def md_table(text: str, heading: str) -> pd.DataFrame:
    """The Markdown table under ``## heading`` as strings."""
    block = text.split(f"## {heading}\n\n", 1)[1].split("\n\n", 1)[0]
    lines = [line.strip("|").split(" | ") for line in block.splitlines()]
    header, rows = [c.strip() for c in lines[0]], [[c.strip() for c in r] for r in lines[2:]]
    return pd.DataFrame(rows, columns=header)


def test_markdown_report(res: es.EventStudyResults) -> None:
    text = report.to_markdown(
        res, WINDOWS, figures={"caar": "figures/caar.png"}, data={"source": "local"}
    )
    caar = md_table(text, "CAAR by window")
    expected = report.caar_table(res, WINDOWS)
    assert caar["caar"].tolist() == [format_number(v, 4) for v in expected["caar"]]
    firms = md_table(text, "CAR by firm")
    car = res.car((0, 0))
    assert firms["car [0, 0]"].tolist() == [format_number(v, 4) for v in car["car"]]
    assert "![CAAR over the event window](figures/caar.png)" in text
    record = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    assert record["data"] == {"source": "local"}
    assert record["events"]["dropped"] == 1


def test_html_report_is_self_contained(res: es.EventStudyResults) -> None:
    fig = report.study_figures(res, ["caar"])["caar"]
    text = report.to_html(res, WINDOWS, figures={"caar": fig}, title="A & B")
    assert text.startswith("<!DOCTYPE html>") and "<title>A &amp; B</title>" in text
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "http://" not in text and "https://" not in text  # nothing fetched when opened
    assert "<h2>Provenance</h2>" in text
    fragment = report.to_html(res, WINDOWS, standalone=False)
    assert fragment.startswith('<div class="eventstudy-report">')


def test_repr_html_and_its_fallback(res: es.EventStudyResults) -> None:
    text = report.repr_html(res)
    assert "CAAR by window" in text and "market model (SPY)" in text
    assert "cannot render" in report.repr_html(object())


def test_latex_report(res: es.EventStudyResults) -> None:
    text = report.to_latex(res, WINDOWS, tests=["patell"])
    assert text.count(r"\begin{tabular}") == 2
    assert r"\caption{CAAR by window}" in text
    assert "% model: market model (SPY)" in text
    caar = report.caar_table(res, WINDOWS)
    assert f"[0, 0] & {format_number(caar['caar'][0], 4)} &" in text


# ----------------------------------------------------------------------------- export
def test_export_writes_every_format(res: es.EventStudyResults, tmp_path: Path) -> None:
    figures = report.study_figures(res, ["caar", "car_bars"])
    written = report.export(
        res, tmp_path / "out", windows=WINDOWS, tests=["patell", "bmp"], figures=figures
    )
    out = tmp_path / "out"
    for name in ("ar", "car", "caar", "caar_path", "groups", "tests", "status", "params"):
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.parquet").is_file()
    for name in ("report.md", "report.html", "report.tex", "provenance.json", "figures/caar.png"):
        assert (out / name).is_file(), name
    assert set(written) >= {"ar.csv", "report.html", "figures/car_bars.png"}
    car = pd.read_csv(out / "car.csv")
    car00 = car[car["window"] == "[0, 0]"].reset_index(drop=True)
    np.testing.assert_allclose(car00["car"], res.car((0, 0))["car"])
    np.testing.assert_allclose(pd.read_parquet(out / "car.parquet")["car"], car["car"])
    ar = pd.read_parquet(out / "ar.parquet")
    np.testing.assert_allclose(ar["ar"], res.ar["ar"])
    tests = pd.read_csv(out / "tests.csv")
    ref = run_tests(res.panel, tests=["patell", "bmp"], windows=WINDOWS, daily=True)
    np.testing.assert_allclose(tests["statistic"], ref["statistic"])
    assert json.loads((out / "provenance.json").read_text())["events"]["used"] == 5


def test_export_only_requested_formats(res: es.EventStudyResults, tmp_path: Path) -> None:
    written = report.export(res, tmp_path, formats=["csv"], windows=WINDOWS, tests=["patell"])
    assert not (tmp_path / "report.md").exists() and not (tmp_path / "ar.parquet").exists()
    assert report.export(
        res, tmp_path / "one", formats="md", windows=WINDOWS, tests=["patell"]
    ).keys() == {
        "report.md",
        "provenance.json",
    }
    assert set(written) == {
        f"{n}.csv"
        for n in ("ar", "car", "bhar", "caar", "caar_path", "groups", "tests", "status", "params")
    } | {"provenance.json"}


def test_export_errors(res: es.EventStudyResults, tmp_path: Path) -> None:
    with pytest.raises(
        SpecError, match=r"unknown export format\(s\) \['pdf'\]; valid: csv, parquet"
    ):
        report.export(res, tmp_path, formats=["pdf"])
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="is not writable"):
        report.export(res, blocker / "out", formats=["csv"])


def test_study_figures(res: es.EventStudyResults) -> None:
    figures = report.study_figures(res, ["caar", "car_bars", "ar_paths", "fit"], window=(-1, 1))
    assert list(figures) == ["caar", "car_bars", "ar_paths", "fit"]
    assert len([ax for ax in figures["ar_paths"].axes if ax.get_visible()]) == 5
    bars = figures["car_bars"].axes[0].patches
    np.testing.assert_allclose(
        sorted(b.get_height() for b in bars), 100 * np.sort(res.car((-1, 1))["car"])
    )
    with pytest.raises(SpecError, match=r"unknown figure\(s\) \['pie'\]"):
        report.study_figures(res, ["pie"])


def test_fit_figure_reconstructs_the_estimation_returns(res: es.EventStudyResults) -> None:
    returns = synthetic_returns()
    data = plotting.fit_data(res, "CCC")
    est = data["estimation"].set_index("date")
    np.testing.assert_allclose(est["firm"], returns.loc[est.index, "CCC"], atol=1e-12)
    np.testing.assert_allclose(est["market"], returns.loc[est.index, "SPY"])
    params = res.params.set_index("ticker").loc["CCC"]
    assert data["alpha"] == pytest.approx(params["alpha"]) and data["beta"] == pytest.approx(
        params["beta"]
    )
    assert len(est) == 190


def test_plots_of_a_results_object_use_its_tidy_frames(res: es.EventStudyResults) -> None:
    fig = plotting.plot_caar(res, band=None)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), 100 * res.caar(None)["caar"])
    overlay = plotting.plot_overlay({"first": res, "second": res}, band=None)
    lines = overlay.axes[0].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), lines[1].get_ydata())
    ar_fig = plotting.plot_ar_path(res, "CCC", percent=False)
    ccc = res.ar[res.ar["ticker"] == "CCC"]
    np.testing.assert_allclose(ar_fig.axes[0].get_lines()[0].get_ydata(), ccc["ar"])
    fit = plotting.plot_fit(res, "CCC", percent=False)
    params = res.params.set_index("ticker").loc["CCC"]
    fitted = fit.axes[0].get_lines()[0]
    x = np.asarray(fitted.get_xdata())
    np.testing.assert_allclose(fitted.get_ydata(), params["alpha"] + params["beta"] * x)


def test_fit_records_where_the_data_came_from(tmp_path: Path) -> None:
    """Results built through the library carry the prices' provenance (and the factors')."""
    returns = synthetic_returns()
    events = pd.DataFrame({"ticker": FIRMS, "date": returns.index[300]})
    kw = {"estimation_window": (-200, -11), "event_window": (-5, 5), "calendar": None}
    plain = es.EventStudy(events, returns, **kw).fit()  # a frame built by hand: none attached
    assert plain.provenance()["data"] == {
        "source": "caller's frame",
        "note": "no provenance attached to the returns or prices given",
    }
    tagged = returns.copy()
    tagged.attrs["provenance"] = {"source": "local", "path": "/data/prices", "field": "adj_close"}
    factors = pd.DataFrame({"Mkt-RF": returns["SPY"], "RF": 0.0001}, index=returns.index)
    factors.attrs.update({"model": "ff3", "vintage": "202604 (stated by the user)"})
    res = es.EventStudy(events, tagged, factors=factors, **kw).fit(engine="chunked")
    data = res.provenance()["data"]
    assert data["source"] == "local" and data["path"] == "/data/prices"
    assert data["factors"]["vintage"] == "202604 (stated by the user)"
    assert "local" in res.summary()  # the header's Data line
    res.export(tmp_path, formats=["csv"])
    written = json.loads((tmp_path / "provenance.json").read_text())
    assert written["data"]["path"] == "/data/prices"


def test_single_event_headline_is_its_own_t(tmp_path: Path) -> None:
    """One event has no cross-section: summary, etable and reports use single_firm_t, whose
    t is the CAR over its prediction-error standard error (res.car)."""
    returns = synthetic_returns()
    events = pd.DataFrame({"ticker": ["AAA"], "date": [returns.index[300]]})
    one = es.EventStudy(
        events, returns, estimation_window=(-200, -11), event_window=(-5, 5), calendar=None
    ).fit()
    car = one.car((-1, 1)).iloc[0]
    table = report.caar_table(one, [(-1, 1)])
    assert table["test"].tolist() == ["single_firm_t"]
    assert table["statistic"].iloc[0] == pytest.approx(car["car"] / car["se_car"], rel=1e-12)
    assert "t and p of single_firm_t" in one.summary(windows=[(-1, 1)])
    assert "single_firm_t" in es.etable(one, windows=[(-1, 1)]).to_string()
    md = report.to_markdown(one, [(-1, 1)])
    assert "p of the single_firm_t test" in md


def test_warnings_point_at_the_callers_line() -> None:
    """EventsDroppedWarning names the user's line, whatever the engine's path inside."""
    returns = synthetic_returns()
    events = pd.DataFrame({"ticker": [*FIRMS, "ZZZ"], "date": returns.index[300]})
    study = es.EventStudy(events, returns, estimation_window=(-200, -11), calendar=None)
    for engine in ("numpy", "chunked"):
        with pytest.warns(EventsDroppedWarning) as caught:
            study.fit(engine=engine)  # type: ignore[arg-type]
        assert {Path(w.filename).name for w in caught} == {"test_report.py"}, engine


def test_export_writes_bhar_and_dollar_tables(tmp_path: Path) -> None:
    returns = synthetic_returns()
    events = pd.DataFrame({"ticker": FIRMS, "date": returns.index[300]})
    mv = pd.Series(1e9 * np.arange(1, 6), index=FIRMS)  # market values by ticker
    res = es.EventStudy(
        events,
        returns,
        estimation_window=(-200, -11),
        event_window=(-5, 5),
        calendar=None,
        market_values=mv,
    ).fit()
    res.export(tmp_path, formats=["csv"], windows=[(0, 0), (-1, 1)])
    bhar = pd.read_csv(tmp_path / "bhar.csv")
    dollar = pd.read_csv(tmp_path / "dollar.csv")
    assert sorted(bhar["window"].unique()) == ["[-1, 1]", "[0, 0]"]
    # independent: BHAR of AAA over [-1, 1] by hand, prod(1 + R) - prod(1 + normal)
    ar = res.ar[(res.ar["ticker"] == "AAA") & res.ar["rel_day"].between(-1, 1)]
    normal = ar["ret"] - ar["ar"]
    expected = np.prod(1 + ar["ret"]) - np.prod(1 + normal)
    row = bhar[(bhar["ticker"] == "AAA") & (bhar["window"] == "[-1, 1]")].iloc[0]
    assert row["bhar"] == pytest.approx(expected, rel=1e-12)
    # dollar abnormal value = CAR x market value (AAA: 1e9)
    d0 = dollar[(dollar["ticker"] == "AAA") & (dollar["window"] == "[0, 0]")].iloc[0]
    car0 = ar.loc[ar["rel_day"] == 0, "ar"].iloc[0]
    assert d0["dollar_abnormal"] == pytest.approx(car0 * 1e9, rel=1e-12)
    # without market values there is no dollar table
    plain = tmp_path / "plain"
    es.EventStudy(
        events, returns, estimation_window=(-200, -11), event_window=(-5, 5), calendar=None
    ).fit().export(plain, formats=["csv"])
    assert (plain / "bhar.csv").exists() and not (plain / "dollar.csv").exists()


def test_fit_figure_is_skipped_with_a_warning_without_a_market_regressor() -> None:
    returns = synthetic_returns()
    events = pd.DataFrame({"ticker": FIRMS, "date": returns.index[300]})
    res = es.EventStudy(
        events, returns, model=es.ConstantMean(), estimation_window=(-200, -11), calendar=None
    ).fit()
    with pytest.warns(es.EventStudyWarning, match="figure 'fit' skipped: the constant mean"):
        figures = report.study_figures(res, ["fit", "caar"])
    assert list(figures) == ["caar"]


def test_ar_csv_written_in_blocks_is_the_whole_frame_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ar.csv is streamed a block of events at a time (a million events: 21 million rows);
    the file is byte for byte the CSV of the whole frame, header once."""
    from eventstudy.report import document as report_document
    from eventstudy.testing import simulated_study

    sim = simulated_study(es.MarketModel("MKT"))
    res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    monkeypatch.setattr(report_document, "AR_BLOCK_EVENTS", 3)  # 8 events: blocks 3, 3, 2
    monkeypatch.setattr(report_document, "CSV_BLOCK_ROWS", 3)  # the other tables too
    written = report_document.export(res, tmp_path / "out", formats=("csv",))
    data = written["ar.csv"].read_bytes()
    assert data == report_document._table_bytes(res.ar, "csv")
    assert data.count(b"event_id") == 1 and len(pd.read_csv(written["ar.csv"])) == len(res.ar)
    for name, whole in (("status", res.status), ("params", res.params)):
        assert written[f"{name}.csv"].read_bytes() == report_document._table_bytes(whole, "csv")
    car = pd.concat([res.car(w).assign(window=f"[{w[0]}, {w[1]}]") for w in res_windows(res)])
    assert written["car.csv"].read_bytes() == report_document._table_bytes(
        car.reset_index(drop=True), "csv"
    )


def res_windows(res: es.EventStudyResults) -> list[tuple[int, int]]:
    """The windows export tables by default (the report module's rule)."""
    from eventstudy.report import document as report_document

    return [tuple(w) for w in report_document._windows(res, None)]  # type: ignore[misc]
