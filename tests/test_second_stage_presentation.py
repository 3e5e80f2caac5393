"""Second-stage results in summary(), the reports, the files and etable (issue 16)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

import eventstudy as es
from eventstudy.exceptions import SpecError
from eventstudy.second_stage.spec_sections import second_stage_files


@pytest.fixture(scope="module")
def study() -> tuple[es.EventStudyResults, pd.DataFrame]:
    return thirty_firms_one_date()


def thirty_firms_one_date() -> tuple[es.EventStudyResults, pd.DataFrame]:
    """30 firms on one date, market-model returns; a 'size' characteristic per ticker."""
    rng = np.random.default_rng(8)
    dates = pd.bdate_range("2022-01-03", periods=320)
    tickers = [f"F{i:02d}" for i in range(30)]
    market = rng.normal(0, 0.01, len(dates))
    rets = pd.DataFrame(
        market[:, None] + rng.normal(0, 0.02, (len(dates), 30)), index=dates, columns=tickers
    )
    rets["SPY"] = market
    events = pd.DataFrame({"ticker": tickers, "date": dates[280]})
    res = es.EventStudy(events, returns=rets, calendar=None).fit()
    chars = pd.DataFrame({"ticker": tickers, "size": rng.normal(0, 1, 30)})
    return res, chars


def _hand_fit(res: es.EventStudyResults, chars: pd.DataFrame) -> object:
    """statsmodels OLS HC3 on a frame built by hand: the CARs, the sizes, the betas."""
    hand = res.car((0, 1)).merge(chars, on="ticker")
    hand["beta"] = res.params.set_index("ticker").loc[hand["ticker"], "beta"].to_numpy()
    return smf.ols("car ~ size + beta", data=hand).fit(cov_type="HC3")


def test_second_stage_in_summary_and_reports(study: tuple) -> None:
    res, chars = study
    fit = res.cross_section("car ~ size + beta", window=(0, 1), data=chars)
    bhar = res.bhar_tests((0, 5), n_boot=200)
    shown = res.with_second_stage(cross_section=fit, bhar_tests=bhar)
    assert res.second_stage == {}  # a new result; the original is unchanged
    assert list(shown.second_stage) == ["cross_section", "bhar_tests"]
    ref = _hand_fit(res, chars)
    t_ref = stats.ttest_1samp(res.bhar((0, 5), against="benchmark")["bhar"], 0.0).statistic

    text = str(shown.summary())
    caption = "Cross-section regression (car ~ size + beta; window [0, 1]; N = 30, 0 dropped;"
    assert caption in " ".join(text.split())  # the caption may wrap
    size_row = next(line.split() for line in text.splitlines() if line.startswith("size "))
    assert size_row[1:4] == [
        f"{ref.params['size']:.4f}",
        f"{ref.bse['size']:.4f}",
        f"{ref.tvalues['size']:.3f}",
    ]
    t_row = next(line.split() for line in text.splitlines() if line.startswith("t "))
    assert t_row[4] == f"{t_ref:.3f}"  # test, window "[0, 5]" (two words), estimate, statistic
    assert "Long horizon: BHAR tests" in text
    assert str(res.summary()).count("Cross-section") == 0

    captions = [c for c, _ in shown.summary().tables]
    assert captions[-2].startswith("Cross-section regression (") and captions[-1] == (
        "Long horizon: BHAR tests"
    )
    table = dict(shown.summary().tables)[captions[-2]]
    np.testing.assert_allclose(table["estimate"], ref.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["se"], ref.bse, rtol=0, atol=1e-12)

    md = shown.to_markdown()
    assert "## Cross-section regression (car ~ size + beta" in md
    assert f"| {ref.params['beta']:.4f} |" in md
    html = shown.to_html()
    assert "Long horizon: BHAR tests" in html and f"{ref.bse['beta']:.4f}" in html
    tex = shown.to_latex()
    assert "Cross-section regression" in tex and f"{ref.params['size']:.4f}" in tex


def test_second_stage_files_and_etable(study: tuple) -> None:
    res, chars = study
    fit = res.cross_section("car ~ size + beta", window=(0, 1), data=chars)
    vr = res.variance_ratio((0, 0))
    files = second_stage_files({"cross_section": fit, "variance_ratio": vr})
    assert list(files) == ["cross_section.txt", "cross_section.csv", "variance_ratio.csv"]
    ref = _hand_fit(res, chars)
    table = pd.read_csv(StringIO(files["cross_section.csv"]))
    np.testing.assert_allclose(table["estimate"], ref.params, rtol=1e-9)
    np.testing.assert_allclose(table["p_value"], ref.pvalues, rtol=1e-9)
    assert set(table["cov"]) == {"HC3"} and set(table["nobs"]) == {30}
    assert "OLS Regression Results" in files["cross_section.txt"]
    # etable: regressions side by side; a study among them is a clear error
    assert es.etable(fit).loc[("beta", "estimate"), "(1)"].startswith(f"{ref.params['beta']:.4f}")
    with pytest.raises(SpecError, match=r"cannot share a table \(arguments \[1\] are regressions"):
        es.etable(fit, res, windows=[(0, 0)])


class _Recorder:
    """Stands in for the CLI's output folder (``write_text``): records what it is given."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}

    def write_text(self, name: str, text: str) -> None:
        self.files[name] = text


def test_export_writes_the_second_stage_files(study: tuple, tmp_path: Path) -> None:
    """res.with_second_stage(...).export(folder) writes the files eventstudy run writes (the
    CLI now relies on export), listed in the folder's output manifest."""
    import json

    from eventstudy._fileio import MANIFEST_NAME
    from eventstudy.second_stage.spec_sections import write_second_stage

    res, chars = study
    fit = res.cross_section("car ~ size + beta", window=(0, 1), data=chars)
    shown = res.with_second_stage(
        cross_section=fit,
        bhar_tests=res.bhar_tests((0, 5), n_boot=200),
        variance_tests=res.variance_tests((0, 1)),
    )
    cli = _Recorder()
    expected = write_second_stage(shown, cli)
    assert expected == [
        "cross_section.txt",
        "cross_section.csv",
        "bhar_tests.csv",
        "variance_tests.csv",
    ]
    written = shown.export(tmp_path / "out", formats=("csv", "md"))
    for name in expected:
        assert (tmp_path / "out" / name).read_text(encoding="utf-8") == cli.files[name], name
        assert name in written
    # no clock in the regression summary: a re-run writes the same bytes
    text = (tmp_path / "out" / "cross_section.txt").read_text(encoding="utf-8")
    assert "--:--:--" in text and "---, -- --- ----" in text
    manifest = json.loads((tmp_path / "out" / MANIFEST_NAME).read_text())
    assert set(expected) <= set(manifest["files"])  # eventstudy owns them: re-runs replace them
    ref = _hand_fit(res, chars)
    table = pd.read_csv(tmp_path / "out" / "cross_section.csv")
    np.testing.assert_allclose(table["se"], ref.bse, rtol=1e-9)
    # exported again over its own files: allowed (the manifest owns them)
    shown.export(tmp_path / "out", formats=("csv",))
    # without csv no second-stage tables; a name taken by a study table is refused
    only_md = shown.export(tmp_path / "md", formats=("md",))
    assert not any(str(name).endswith("cross_section.csv") for name in only_md)
    with pytest.raises(SpecError, match="would overwrite the study's table car.csv"):
        res.with_second_stage(car=res.variance_tests((0, 1))).export(tmp_path / "clash")
