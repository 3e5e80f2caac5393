"""Results remember and compute once (issue 12).

* One CAAR formula: ``res.caar()``, the plotted path, the exported path, the CAAR table and
  the tests' window estimates are the same numbers on a panel with a missing return.
* The conventions and the primary test are stored on the results (``with_conventions``
  returns a new result) and reach ``repr``, ``summary()``, the Jupyter view and ``etable``.
* Accessors are cached, ``tests()`` is memoised, and one ``eventstudy run`` of the example
  spec computes each test once (and the Kolari-Pynnönen correlation layout once).
* ``summary()`` returns one summary object rendered as text, Markdown, HTML and LaTeX.
"""

from __future__ import annotations

import collections
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.inference import Conventions, _core, _correlation, api, registered_tests
from eventstudy.inference._registry import caar_method_of
from eventstudy.inference.guidance import choose_headline
from eventstudy.models import MarketModel
from eventstudy.report import document as report
from eventstudy.report.plotting import caar_path, plot_caar
from eventstudy.report.summary import EventStudySummary
from eventstudy.report.tables import etable
from eventstudy.study import EventStudy

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
EST, EVT = (-120, -11), (-3, 3)


def _study(missing: bool = True) -> es.EventStudyResults:
    """Four firms on one day 0 (they share dates) and, with ``missing``, firm D without a
    return on day +1."""
    rng = np.random.default_rng(21)
    dates = pd.bdate_range("2022-01-03", periods=200)
    market = rng.normal(0.0, 0.01, len(dates))
    returns = pd.DataFrame(
        {t: 0.9 * market + rng.normal(0, 0.02, len(dates)) for t in "ABCD"}, index=dates
    )
    returns["MKT"] = market
    day0 = 170
    planted = np.array([0.03, -0.02, 0.01, 0.05])  # abnormal returns on days 0..2
    returns.iloc[day0 : day0 + 3, :4] = returns.iloc[day0 : day0 + 3, :4].to_numpy() + planted
    if missing:
        returns.iloc[day0 + 1, 3] = np.nan  # firm D, day +1
    events = pd.DataFrame({"ticker": list("ABCD"), "date": [dates[day0]] * 4})
    return EventStudy(
        events,
        returns,
        model=MarketModel("MKT"),
        calendar=None,
        estimation_window=EST,
        event_window=EVT,
        min_estimation_obs=60,
    ).fit()


def _hand_paths(ar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loop transcriptions of the two published CAAR definitions over the columns of ``ar``:
    MacKinlay's mean of the firms' CARs, and Brown-Warner's running sum of daily AARs."""
    n, length = ar.shape
    mean_car, aar_sum, running = [], [], 0.0
    for t in range(length):
        cars = []
        for i in range(n):
            days = [ar[i, s] for s in range(t + 1) if not np.isnan(ar[i, s])]
            if days:
                cars.append(sum(days))
        mean_car.append(sum(cars) / len(cars))
        today = [ar[i, t] for i in range(n) if not np.isnan(ar[i, t])]
        running += sum(today) / len(today) if today else 0.0
        aar_sum.append(running)
    return np.array(mean_car), np.array(aar_sum)


def test_one_caar_path_for_the_table_the_figure_and_the_tests() -> None:
    res = _study()
    cols = (res.panel.evt_rel >= 0) & (res.panel.evt_rel <= 3)
    hand_mean_car, hand_aar_sum = _hand_paths(res.panel.ar[:, cols])
    # the two definitions differ on this panel (the review's -0.27 % vs +0.44 % case)
    assert abs(hand_mean_car[1] - hand_aar_sum[1]) > 1e-3
    windows = [(0, 0), (0, 1), (0, 2), (0, 3)]
    for primary, hand, tests in (
        ("cross_sectional_t", hand_mean_car, ["cross_sectional_t", "patell", "bmp", "sign"]),
        ("brown_warner_1985", hand_aar_sum, ["brown_warner_1985", "brown_warner_1980"]),
    ):
        chosen = res.with_conventions(primary_test=primary)
        # res.caar()
        np.testing.assert_allclose(chosen.caar((0, 3))["caar"], hand, rtol=1e-12)
        # the plotted path (the line of plot_caar starting at day 0)
        fig = plot_caar(chosen, start=0, band=None, percent=False)
        np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), hand, rtol=1e-12)
        # the exported path
        exported = caar_path(chosen.ar, start=0, band=None, how=chosen.caar_method)
        np.testing.assert_allclose(exported["caar"], hand, rtol=1e-12)
        # the CAAR table of the report and the tests' window estimates
        table = report.caar_table(chosen, windows)
        assert set(table["test"]) == {primary}
        np.testing.assert_allclose(table["caar"], hand, rtol=1e-12)
        est = chosen.tests(tests, windows=windows)
        for name in tests:
            got = est.loc[est["test"] == name, "estimate"].to_numpy()
            np.testing.assert_allclose(got, hand, rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", sorted(registered_tests()))
def test_every_test_declares_the_caar_its_window_estimate_is(name: str) -> None:
    """Each registered test's window estimates equal the hand path of the CAAR formula it
    declares (``TestSpec.caar``), so the table, ``res.caar()`` and the figure of a study
    with that primary test show one number (the rank tests declared the mean CAR while
    estimating the running AAR sum)."""
    res = _study()
    cols = (res.panel.evt_rel >= 0) & (res.panel.evt_rel <= 3)
    hand = dict(zip(("mean_car", "aar_sum"), _hand_paths(res.panel.ar[:, cols]), strict=True))
    declared = caar_method_of(name)
    windows = [(0, 0), (0, 1), (0, 2), (0, 3)]
    est = res.tests([name], windows=windows, daily=False)["estimate"].to_numpy()
    np.testing.assert_allclose(est, hand[declared], rtol=1e-12, err_msg=f"{name}: {declared}")
    chosen = res.with_conventions(primary_test=name)
    np.testing.assert_allclose(chosen.caar((0, 3))["caar"], hand[declared], rtol=1e-12)
    fig = plot_caar(chosen, start=0, band=None, percent=False)
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), hand[declared], rtol=1e-12)


def test_with_a_complete_panel_both_definitions_agree() -> None:
    res = _study(missing=False)
    a = res.caar(how="mean_car")["caar"].to_numpy()
    b = res.caar(how="aar_sum")["caar"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_results_remember_their_conventions_and_primary_test() -> None:
    res = _study()
    assert res.primary_test == "auto" and res.conventions is None
    no_pe = Conventions().replace(prediction_error=False, name="no_pe")
    chosen = res.with_conventions(no_pe, primary_test="brown_warner_1985")
    assert chosen is not res and res.primary_test == "auto"  # a new result
    assert chosen.panel is res.panel  # the fit is shared
    assert "primary test brown_warner_1985" in repr(chosen) and "conventions no_pe" in repr(chosen)
    # tests() defaults to the stored conventions
    rows = chosen.tests("patell", windows=[(0, 1)])
    assert rows.attrs["conventions"] == no_pe.describe()
    explicit = res.tests("patell", windows=[(0, 1)], conventions=no_pe)
    pd.testing.assert_frame_equal(rows, explicit)
    # summary(), the Jupyter view and etable report the stored primary test
    text = str(chosen.summary(windows=[(0, 1)]))
    assert "t and p of brown_warner_1985" in text and "no_pe" in text
    assert "brown_warner_1985" in chosen._repr_html_()
    page = chosen.to_markdown(windows=[(0, 1)])  # the report
    assert "t and p of the brown_warner_1985 test" in page and "no_pe" in page
    table = etable(chosen, windows=[(0, 1)])
    assert isinstance(table, pd.DataFrame)
    assert "Test: brown_warner_1985." in table.attrs["notes"]
    assert "Conventions: no_pe." in table.attrs["notes"]  # etable names them too
    assert "Conventions: default." in etable(res, windows=[(0, 1)]).attrs["notes"]
    bw = chosen.tests("brown_warner_1985", windows=[(0, 1)])["estimate"].iloc[0]
    assert table.iloc[0, 0] == f"{bw:.4f}"
    # an explicit test="auto" is the automatic choice, not "the stored primary test"
    auto = chosen.summary(windows=[(0, 1)], test="auto")
    assert auto.primary_test == choose_headline(chosen.panel, "auto") != "brown_warner_1985"
    # conventions the panel cannot use fail at once (estudy2 needs log returns)
    with pytest.raises(es.SpecError, match="require log returns but the panel holds simple"):
        res.with_conventions(Conventions.profile("estudy2"))
    with pytest.raises(es.SpecError, match="must be an eventstudy.Conventions"):
        res.with_conventions("estudy2")  # type: ignore[arg-type]
    with pytest.raises(es.SpecError, match="primary_test='bw' is not a test"):
        res.with_conventions(primary_test="bw")


def test_results_remember_the_tests_a_spec_chose() -> None:
    res = _study()
    assert res.default_tests is None
    assert {"patell", "grank", "kolari_pynnonen"} <= set(res.tests(windows=[(0, 1)])["test"])
    chosen = res.with_conventions(tests=["patell", "bmp"])
    assert chosen.default_tests == ("patell", "bmp") and res.default_tests is None
    # tests(), summary() and the reports run the chosen tests unless told otherwise
    rows = chosen.tests(windows=[(0, 1)])
    assert set(rows["test"]) == {"patell", "bmp"}
    pd.testing.assert_frame_equal(rows, res.tests(["patell", "bmp"], windows=[(0, 1)]))
    shown = chosen.summary(windows=[(0, 1)]).frames.tests
    assert set(shown["test"]) == {"patell", "bmp"}
    assert set(chosen.tests("all", windows=[(0, 1)])["test"]) == set(
        res.tests(windows=[(0, 1)])["test"]
    )
    # the choice survives a later change of conventions
    assert chosen.with_conventions(primary_test="bmp").default_tests == ("patell", "bmp")
    with pytest.raises(es.SpecError, match=r"tests \['nope'\] are not tests"):
        res.with_conventions(tests=["patell", "nope"])


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[str]]:
    """Counts each test's computations (``run_spec_columns``) and every build of the
    Kolari-Pynnönen correlation (the residual correlation matrix or its group layout)."""
    calls: collections.Counter[str] = collections.Counter()
    run = api.run_spec_columns

    def counting_run(spec: Any, *args: Any, **kwargs: Any) -> Any:
        calls[spec.name] += 1
        return run(spec, *args, **kwargs)

    monkeypatch.setattr(api, "run_spec_columns", counting_run)
    corr = _correlation.residual_correlation

    def counting_corr(*args: Any, **kwargs: Any) -> Any:
        calls["kp_correlation"] += 1
        return corr(*args, **kwargs)

    monkeypatch.setattr(_correlation, "residual_correlation", counting_corr)
    layout = getattr(_core, "kp_layout", None)
    if layout is not None:

        def counting_layout(*args: Any, **kwargs: Any) -> Any:
            calls["kp_correlation"] += 1
            return layout(*args, **kwargs)

        monkeypatch.setattr(_core, "kp_layout", counting_layout)
    yield calls


def test_accessors_are_cached_and_tests_memoised(counted: collections.Counter[str]) -> None:
    res = _study()
    assert res.ar is res.ar and res.residuals is res.residuals and res.aar is res.aar
    first = res.tests(["patell", "kolari_pynnonen"], windows=[(0, 1)])
    again = res.tests(["patell", "kolari_pynnonen"], windows=[(0, 1)])
    pd.testing.assert_frame_equal(first, again)
    again["estimate"] = 0.0  # the caller's copy: the memo is not touched
    assert res.tests(["patell", "kolari_pynnonen"], windows=[(0, 1)])["estimate"].ne(0).all()
    assert counted["patell"] == 1 and counted["kolari_pynnonen"] == 1
    assert counted["kp_correlation"] == 1
    # the report asks for the same rows in other shapes: nothing is recomputed
    report.caar_table(res, [(0, 1)], test="patell")
    res.tests("patell", windows=[(0, 1)], daily=True)
    assert counted["patell"] == 1
    # another window set is new work; a new result with the same conventions reuses the rows
    res.tests("patell", windows=[(0, 2)])
    assert counted["patell"] == 2
    res.with_conventions(primary_test="patell").tests("patell", windows=[(0, 2)])
    assert counted["patell"] == 2 and counted["kp_correlation"] == 1


@pytest.mark.shared_data
def test_one_cli_run_computes_each_test_once(
    counted: collections.Counter[str], prices_dir: Path, tmp_path: Path
) -> None:
    from eventstudy.cli import main
    from eventstudy.inference import TEST_NAMES

    spec = ROOT / "examples" / "deepseek_selloff.toml"
    argv = ["run", str(spec), "--prices-dir", str(prices_dir), "--out", str(tmp_path / "o")]
    assert main([*argv, "--quiet"]) == 0
    tests = {name: counted[name] for name in TEST_NAMES}
    assert tests == dict.fromkeys(TEST_NAMES, 1)  # every test, each exactly once
    assert counted["kp_correlation"] == 1


def test_summary_is_one_object_rendered_four_ways() -> None:
    res = _study().with_conventions(primary_test="brown_warner_1985")
    s = res.summary(windows=[(0, 0), (0, 1)], title="Toy study")
    assert isinstance(s, EventStudySummary) and isinstance(s, str)
    # print(res.summary()) is the text summary it always was
    assert str(s) == report.summary_text(
        res, [(0, 0), (0, 1)], test="brown_warner_1985", title="Toy study"
    )
    assert s.primary_test == "brown_warner_1985" and s.conventions == Conventions().describe()
    captions = [caption for caption, _ in s.tables]
    assert captions[:2] == ["CAAR by window", "Tests"]
    caar = s.tables[0][1]
    md, page, tex = s.as_markdown(), s._repr_html_(), s.as_latex()
    assert md.startswith("# Toy study") and "Primary test: brown_warner_1985" in md
    assert page.startswith('<div class="eventstudy-summary">') and "<table" in page
    assert "\\begin{tabular}" in tex or "\\begin{table}" in tex
    first = report._frame_rows(caar)[1][0][1]  # the CAAR of [0, 0] as shown
    assert all(first in text for text in (md, page, tex))
    # real signatures: no **kwargs pass-through on the summary
    params = inspect.signature(es.EventStudyResults.summary).parameters.values()
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in params)


def test_export_with_a_summary_writes_files_that_agree(tmp_path: Path) -> None:
    res = _study()
    summary = res.summary(windows=[(0, 3)], test="patell")
    # other windows and test given too: the summary decides, so tables and reports agree
    res.export(
        tmp_path, formats=("csv", "md"), windows=[(0, 0)], test="cross_sectional_t",
        summary=summary,
    )  # fmt: skip
    caar = pd.read_csv(tmp_path / "caar.csv")
    assert list(caar["window"]) == ["[0, 3]"] and list(caar["test"]) == ["patell"]
    # by hand: Patell's estimate is the mean CAR over [0, 3]
    cols = (res.panel.evt_rel >= 0) & (res.panel.evt_rel <= 3)
    mean_car = float(np.mean(np.nansum(res.panel.ar[:, cols], axis=1)))
    assert caar["caar"].iloc[0] == pytest.approx(mean_car, rel=1e-9)
    md = (tmp_path / "report.md").read_text()
    assert "t and p of the patell test" in md and "[0, 3]" in md
