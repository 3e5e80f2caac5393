"""The command line end to end on the real DeepSeek data, exit codes and error messages."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import eventstudy as es
from eventstudy.cli import main
from eventstudy.report import document as report
from eventstudy.spec import load_spec

REPO = Path(__file__).resolve().parents[1]
SELLOFF = REPO / "examples" / "deepseek_selloff.toml"
R1 = REPO / "examples" / "deepseek_r1.toml"
DAY0 = "2025-01-27"


def fast_spec(
    tmp_path: Path, source: Path = SELLOFF, figures: str = "[]", name: str = "study.toml"
) -> Path:
    """A copy of an example spec with fewer figures (the statistics are unchanged)."""
    text = re.sub(r"figures = \[[^\]]*\]", f"figures = {figures}", source.read_text())
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def selloff_report(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Path:
    """The README's main job: ``eventstudy run examples/deepseek_selloff.toml --prices-dir ...``."""
    prices_dir = request.getfixturevalue("prices_dir")
    out = tmp_path_factory.mktemp("report")
    code = main(
        ["run", str(SELLOFF), "--prices-dir", str(prices_dir), "--out", str(out), "--offline", "-q"]
    )
    assert code == 0
    return out


@pytest.fixture(scope="module")
def selloff_results(request: pytest.FixtureRequest) -> es.EventStudyResults:
    """The same study through the library API."""
    prices_dir = request.getfixturevalue("prices_dir")
    spec = load_spec(SELLOFF)
    prices = es.load_prices(spec.all_tickers(), *spec.price_range(), prices_dir=prices_dir)
    returns = es.compute_returns(prices, kind="simple")
    return es.EventStudy(spec.events_frame(), returns, model=es.MarketModel("SPY")).fit()


def adj_close_returns(prices_dir: Path, ticker: str) -> pd.Series:
    frame = pd.read_csv(prices_dir / f"{ticker}.csv", parse_dates=["Date"], index_col="Date")
    return frame["Adj Close"].pct_change()


# ----------------------------------------------------------------------------- the main job
@pytest.mark.shared_data
def test_run_writes_the_full_report(selloff_report: Path) -> None:
    for name in ("ar", "car", "caar", "caar_path", "tests", "status", "params"):
        assert (selloff_report / f"{name}.csv").is_file()
    for name in ("caar", "car_bars", "ar_paths", "fit", "prices"):
        png = selloff_report / "figures" / f"{name}.png"
        assert png.read_bytes().startswith(b"\x89PNG")
    html = (selloff_report / "report.html").read_text()
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 5
    assert "DeepSeek sell-off" in html
    md = (selloff_report / "report.md").read_text()
    record = json.loads(md.split("```json\n", 1)[1].split("```", 1)[0])
    assert record["study"] == "DeepSeek sell-off"
    assert record["model"] == "market model (SPY)"
    assert record["data"]["source"] == "local"
    assert record["events"] == {"input": 27, "used": 27, "dropped": 0}
    assert "![CAR by firm](figures/car_bars.png)" in md
    summary = (selloff_report / "summary.txt").read_text()
    assert "brown_warner_1985" in summary


@pytest.mark.shared_data
def test_nvda_abnormal_return_matches_an_independent_market_model(
    selloff_report: Path, prices_dir: Path
) -> None:
    ar = pd.read_csv(selloff_report / "ar.csv", parse_dates=["date"])
    nvda0 = ar[(ar["ticker"] == "NVDA") & (ar["rel_day"] == 0)].iloc[0]
    assert nvda0["date"] == pd.Timestamp(DAY0)
    # independent: OLS of NVDA on SPY over sessions -250..-11 before day 0 (statsmodels)
    firm, market = adj_close_returns(prices_dir, "NVDA"), adj_close_returns(prices_dir, "SPY")
    pos = firm.index.get_loc(pd.Timestamp(DAY0))
    est = slice(pos - 250, pos - 10)
    fit = sm.OLS(firm.iloc[est].to_numpy(), sm.add_constant(market.iloc[est].to_numpy())).fit()
    expected = firm.iloc[pos] - fit.params[0] - fit.params[1] * market.iloc[pos]
    assert firm.iloc[pos] == pytest.approx(118.42 / 142.62 - 1, abs=2e-4)  # the README's check
    assert nvda0["ret"] == pytest.approx(firm.iloc[pos], rel=1e-9)
    assert nvda0["ar"] == pytest.approx(expected, rel=1e-8)
    assert nvda0["var_ar"] > fit.scale  # with the prediction-error term


@pytest.mark.shared_data
def test_caar_csv_matches_the_library_api(
    selloff_report: Path, selloff_results: es.EventStudyResults
) -> None:
    caar = pd.read_csv(selloff_report / "caar.csv")
    assert caar["window"].tolist() == ["[0, 0]", "[0, 1]", "[-5, 1]", "[-1, 5]"]
    expected = report.caar_table(
        selloff_results, [(0, 0), (0, 1), (-5, 1), (-1, 5)], test="brown_warner_1985"
    )
    np.testing.assert_allclose(caar["caar"], expected["caar"], rtol=1e-10)
    np.testing.assert_allclose(caar["statistic"], expected["statistic"], rtol=1e-10)
    for i, window in enumerate([(0, 0), (0, 1), (-5, 1), (-1, 5)]):
        assert caar["caar"][i] == pytest.approx(
            selloff_results.car(window)["car"].mean(), rel=1e-10
        )
    # the per-firm CARs of the CSV sum to the CAAR
    car = pd.read_csv(selloff_report / "car.csv")
    assert car[car["window"] == "[0, 0]"]["car"].mean() == pytest.approx(caar["caar"][0])


# ----------------------------------------------------------------------------- other studies
@pytest.mark.shared_data
def test_r1_holiday_rolls_to_the_next_session(tmp_path: Path, prices_dir: Path) -> None:
    spec = fast_spec(tmp_path, R1)
    assert (
        main(
            ["run", str(spec), "--prices-dir", str(prices_dir), "--out", str(tmp_path / "r1"), "-q"]
        )
        == 0
    )
    status = pd.read_csv(tmp_path / "r1" / "status.csv")
    assert (status["announced"] == "2025-01-20").all()
    assert (status["day0"] == "2025-01-21").all()
    assert status["rolled"].all()
    assert not (tmp_path / "r1" / "figures").exists()


@pytest.mark.shared_data
def test_fetch_and_snapshot_round_trip(
    tmp_path: Path, prices_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = fast_spec(tmp_path)
    assert main(["fetch", str(spec), "--prices-dir", str(prices_dir)]) == 0
    assert "28 tickers" in capsys.readouterr().err
    snap = tmp_path / "snap"
    assert (
        main(["snapshot", str(spec), "--prices-dir", str(prices_dir), "--out", str(snap), "-q"])
        == 0
    )
    loaded = es.load_snapshot(snap)
    direct = es.load_prices(
        load_spec(spec).all_tickers(), *load_spec(spec).price_range(), prices_dir=prices_dir
    )
    np.testing.assert_allclose(
        loaded.sort_values(["ticker", "date"])["adj_close"],
        direct.sort_values(["ticker", "date"])["adj_close"],
    )
    # a second snapshot into the same folder needs --overwrite
    assert (
        main(["snapshot", str(spec), "--prices-dir", str(prices_dir), "--out", str(snap), "-q"])
        == 4
    )
    assert "already holds a snapshot" in capsys.readouterr().err
    assert (
        main(
            [
                "snapshot",
                str(spec),
                "--prices-dir",
                str(prices_dir),
                "--out",
                str(snap),
                "-q",
                "--overwrite",
            ]
        )
        == 0
    )


@pytest.mark.shared_data
def test_missing_firms_are_dropped_but_a_missing_market_is_fatal(
    tmp_path: Path, prices_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partial = tmp_path / "prices"
    partial.mkdir()
    for ticker in ("NVDA", "AVGO", "SPY"):
        shutil.copy(prices_dir / f"{ticker}.csv", partial)
    spec = fast_spec(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(spec), "--prices-dir", str(partial), "--out", str(out), "-q"]) == 0
    err = capsys.readouterr().err
    assert "warning: no prices for" in err and "TSM" in err
    status = pd.read_csv(out / "status.csv")
    assert sorted(status.loc[status["status"] == "used", "ticker"]) == ["AVGO", "NVDA"]
    (partial / "SPY.csv").unlink()
    assert main(["run", str(spec), "--prices-dir", str(partial), "--out", str(out), "-q"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("eventstudy: data unavailable:") and "SPY" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# ----------------------------------------------------------------------------- exit codes
def test_bad_spec_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text('[events]\ndate = 2025-01-27\ntickers = ["NVDA"]\n[model]\nname = "markt"\n')
    assert main(["run", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "eventstudy: bad spec: model.name: value 'markt' is not valid; did you mean 'market'? "
        "valid: constant_mean, market_adjusted, market, capm, ff3, carhart4, ff5, scholes_williams, "
        "dimson, garch, factor"
    )
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    assert "not found" in capsys.readouterr().err


def test_bad_spec_with_debug_raises(tmp_path: Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text("[events]\n")
    with pytest.raises(es.SpecError, match=r"needs an \[events\] table"):
        main(["run", str(spec), "--debug"])


def test_data_unavailable_offline_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = fast_spec(tmp_path)  # the cache is empty (conftest isolates it) and we are offline
    assert main(["fetch", str(spec), "--offline", "-q"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("eventstudy: data unavailable:") and "offline" in err
    assert len(err.strip().splitlines()) == 1


def test_unwritable_output_exits_4_before_loading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = fast_spec(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", str(spec), "--out", str(blocker / "out"), "--offline", "-q"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("eventstudy: cannot write output:") and "not writable" in err


def test_usage_errors_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "required" in capsys.readouterr().err
    assert main(["frobnicate", "x.toml"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"eventstudy {es.__version__}"


def test_progress_is_reported_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fetch", str(fast_spec(tmp_path)), "--offline"]) == 3
    assert "[1/1] fetching prices of 28 tickers" in capsys.readouterr().err


@pytest.mark.shared_data
def test_factor_model_run_matches_statsmodels(tmp_path: Path, prices_dir: Path) -> None:
    text = (
        fast_spec(tmp_path)
        .read_text()
        .replace('name = "market"\nmarket = "SPY"', 'name = "ff3"')
        .replace('calendar = "XNYS"\n', 'calendar = "XNYS"\nfactors_vintage = "202604"\n')
    )
    assert 'factors_vintage = "202604"' in text
    spec = tmp_path / "ff3.toml"
    spec.write_text(text)
    out = tmp_path / "out"
    factors_dir = prices_dir / "factors"
    argv = ["run", str(spec), "--prices-dir", str(prices_dir), "--out", str(out), "-q"]
    assert main([*argv, "--factors-dir", str(factors_dir)]) == 0
    record = json.loads((out / "provenance.json").read_text())
    assert record["model"] == "Fama-French 3" and record["data"]["factors"]["model"] == "ff3"
    # the shared CSVs carry no vintage line: the spec's statement is recorded as such
    assert record["data"]["factors"]["vintage"] == "202604 (stated by the user)"
    # independent: OLS of NVDA's excess return on the three factors (percent in the file)
    ff3 = pd.read_csv(factors_dir / "FF3_daily.csv", parse_dates=["Date"], index_col="Date") / 100.0
    firm = adj_close_returns(prices_dir, "NVDA")
    pos = firm.index.get_loc(pd.Timestamp(DAY0))
    est = firm.index[pos - 250 : pos - 10]
    y = firm.loc[est] - ff3.loc[est, "RF"]
    x = sm.add_constant(ff3.loc[est, ["Mkt-RF", "SMB", "HML"]])
    fit = sm.OLS(y, x).fit()
    day = pd.Timestamp(DAY0)
    regressors = np.array([1.0, *ff3.loc[day, ["Mkt-RF", "SMB", "HML"]]])
    expected = firm.loc[day] - ff3.loc[day, "RF"] - float(regressors @ fit.params.to_numpy())
    ar = pd.read_csv(out / "ar.csv")
    nvda0 = ar[(ar["ticker"] == "NVDA") & (ar["rel_day"] == 0)].iloc[0]
    assert nvda0["ar"] == pytest.approx(expected, rel=1e-8)


@pytest.mark.shared_data
def test_run_from_an_events_file_with_timing(tmp_path: Path, prices_dir: Path) -> None:
    (tmp_path / "events.csv").write_text(
        "ticker,date,group,timing\nNVDA,2025-01-27,chips,bmo\nVST,2024-08-05,power,\n"
        "MSFT,2024-10-30,platforms,amc\n"
    )
    spec = tmp_path / "study.toml"
    spec.write_text(
        '[events]\nfile = "events.csv"\n[windows]\nevent = [-5, 5]\ncar = [[0, 0]]\n'
        '[output]\nfigures = ["prices"]\nformats = ["csv", "tex"]\n'
    )
    out = tmp_path / "out"
    assert main(["run", str(spec), "--prices-dir", str(prices_dir), "--out", str(out), "-q"]) == 0
    status = pd.read_csv(out / "status.csv").set_index("ticker")
    assert status.loc["MSFT", "day0"] == "2024-10-31"  # after the close: the next session
    assert status.loc["VST", "day0"] == "2024-08-05"
    assert (out / "report.tex").is_file() and (out / "figures" / "prices.png").is_file()
    groups = pd.read_csv(out / "groups.csv")
    assert groups["group"].tolist() == ["chips", "power", "platforms"]
    assert groups["n"].tolist() == [1, 1, 1]


@pytest.mark.shared_data
def test_run_with_date_windows_matches_the_library_api(tmp_path: Path, prices_dir: Path) -> None:
    spec = tmp_path / "dates.toml"
    spec.write_text(
        '[study]\nname = "explicit dates"\n'
        '[events]\ndate = 2025-01-27\ntickers = ["NVDA", "AVGO"]\n'
        "[windows]\nestimation = [2024-01-02, 2025-01-10]\n"
        'event = ["2025-01-27", "2025-02-07"]\ncar = [[0, 0], [0, 4]]\n'
        "[output]\nfigures = []\n"
    )
    out = tmp_path / "out"
    argv = ["run", str(spec), "--prices-dir", str(prices_dir), "--out", str(out), "-q"]
    assert main([*argv, "--offline"]) == 0
    ar = pd.read_csv(out / "ar.csv", parse_dates=["date"])
    nvda = ar[ar["ticker"] == "NVDA"].sort_values("rel_day")
    # the library API with the same explicit dates
    loaded = load_spec(spec)
    prices = es.load_prices(loaded.all_tickers(), *loaded.price_range(), prices_dir=prices_dir)
    api = es.EventStudy(
        loaded.events_frame(),
        es.compute_returns(prices, kind="simple"),
        model=es.MarketModel("SPY"),
        estimation_window=("2024-01-02", "2025-01-10"),
        event_window=("2025-01-27", "2025-02-07"),
    ).fit()
    expected = api.ar.query("ticker == 'NVDA'").sort_values("rel_day")
    assert nvda["rel_day"].tolist() == list(range(10))  # 10 sessions, labelled from the start
    assert nvda["date"].iloc[0] == pd.Timestamp(DAY0)
    np.testing.assert_allclose(nvda["ar"], expected["ar"], rtol=1e-10)
    # independent: OLS of NVDA on SPY over the estimation dates, straight from the CSVs
    firm, market = adj_close_returns(prices_dir, "NVDA"), adj_close_returns(prices_dir, "SPY")
    est = firm.loc["2024-01-02":"2025-01-10"].index
    fit = sm.OLS(firm.loc[est].to_numpy(), sm.add_constant(market.loc[est].to_numpy())).fit()
    days = firm.loc["2025-01-27":"2025-02-07"].index
    independent = firm.loc[days] - fit.params[0] - fit.params[1] * market.loc[days]
    assert list(days) == nvda["date"].tolist()
    np.testing.assert_allclose(nvda["ar"], independent.to_numpy(), rtol=1e-8)
    params = pd.read_csv(out / "params.csv").set_index("ticker")
    assert params.loc["NVDA", "nobs"] == len(est)
    car = pd.read_csv(out / "car.csv")
    car04 = car[(car["ticker"] == "NVDA") & (car["window"] == "[0, 4]")]["car"].iloc[0]
    assert car04 == pytest.approx(independent.iloc[:5].sum(), rel=1e-8)


@pytest.mark.shared_data
def test_factor_download_failure_exits_3(
    tmp_path: Path,
    prices_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import urllib.error

    from eventstudy.data import factors as factors_mod

    def no_network(url: str, timeout: float = 30.0) -> bytes:
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(factors_mod, "_download_url", no_network)
    monkeypatch.delenv("EVENTSTUDY_FACTORS_DIR", raising=False)
    monkeypatch.setenv("EVENTSTUDY_CACHE_DIR", str(tmp_path / "cache"))
    text = (
        fast_spec(tmp_path).read_text().replace('name = "market"\nmarket = "SPY"', 'name = "ff3"')
    )
    spec = tmp_path / "ff3.toml"
    spec.write_text(text)
    argv = ["run", str(spec), "--prices-dir", str(prices_dir), "--out", str(tmp_path / "o"), "-q"]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "data unavailable: could not download factor file" in err and "--factors-dir" in err


@pytest.mark.shared_data
def test_fetch_from_a_local_folder_says_nothing_is_cached(
    tmp_path: Path, prices_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", str(fast_spec(tmp_path)), "--prices-dir", str(prices_dir)]) == 0
    assert f"read from the local folder {prices_dir} (nothing to cache)" in capsys.readouterr().err


@pytest.mark.shared_data
def test_snapshot_of_a_factor_study_reruns_from_the_snapshot_alone(
    tmp_path: Path, prices_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        fast_spec(tmp_path).read_text().replace('name = "market"\nmarket = "SPY"', 'name = "ff3"')
    )
    spec = tmp_path / "ff3.toml"
    spec.write_text(text)
    factors_dir = prices_dir / "factors"
    snap, first, again = tmp_path / "snap", tmp_path / "first", tmp_path / "again"
    base = ["--prices-dir", str(prices_dir), "--factors-dir", str(factors_dir), "-q"]
    assert main(["snapshot", str(spec), "--out", str(snap), *base]) == 0
    assert (snap / "factors.parquet").exists()
    assert main(["run", str(spec), "--out", str(first), *base]) == 0
    # the re-run sees only the snapshot: no factor folder, no network
    monkeypatch.delenv("EVENTSTUDY_FACTORS_DIR", raising=False)
    argv = ["run", str(spec), "--prices-dir", str(snap), "--out", str(again), "--offline", "-q"]
    assert main(argv) == 0
    for name in ("ar.csv", "car.csv", "tests.csv"):
        assert (again / name).read_bytes() == (first / name).read_bytes(), name
    record = json.loads((again / "provenance.json").read_text())
    assert record["data"]["factors"]["snapshot"] == str(snap)


# ----------------------------------------------------------------------------- plugins (issue 12)
PLUGIN = '''
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from eventstudy.models import MODELS, MarketModel, register_model


@dataclass(frozen=True)
class MarketMinusHalf(MarketModel):
    """A user's model: the market model with its intercept halved (a toy)."""

    key: ClassVar[str] = "market_minus_half"

    def estimate(self, design, chunk_size):
        fit = super().estimate(design, chunk_size)
        fit.params[:, 0] = fit.params[:, 0] / 2
        return fit


if "market_minus_half" not in MODELS:
    register_model(MarketMinusHalf)
'''


@pytest.mark.shared_data
def test_run_loads_a_users_model_with_plugin(tmp_path: Path, prices_dir: Path) -> None:
    from eventstudy.models import MODELS

    plugin = tmp_path / "my_models.py"
    plugin.write_text(PLUGIN)
    spec = fast_spec(tmp_path)
    spec.write_text(spec.read_text().replace('name = "market"', 'name = "market_minus_half"'))
    common = ["--prices-dir", str(prices_dir), "--offline", "-q"]
    try:
        # without the plugin the spec names an unknown model: a bad spec (exit 2)
        assert main(["run", str(spec), *common, "--out", str(tmp_path / "no")]) == 2
        out = tmp_path / "out"
        code = main(["run", str(spec), *common, "--out", str(out), "--plugin", str(plugin)])
        assert code == 0
    finally:
        MODELS.pop("market_minus_half", None)
    ar = pd.read_csv(out / "ar.csv")
    nvda0 = ar[(ar["ticker"] == "NVDA") & (ar["rel_day"] == 0)].iloc[0]
    # independent: statsmodels OLS of NVDA on SPY over -250..-11, intercept halved by hand
    firm, market = adj_close_returns(prices_dir, "NVDA"), adj_close_returns(prices_dir, "SPY")
    pos = firm.index.get_loc(pd.Timestamp(DAY0))
    est = slice(pos - 250, pos - 10)
    fit = sm.OLS(firm.iloc[est].to_numpy(), sm.add_constant(market.iloc[est].to_numpy())).fit()
    expected = firm.iloc[pos] - fit.params[0] / 2 - fit.params[1] * market.iloc[pos]
    assert nvda0["ar"] == pytest.approx(expected, rel=1e-8)


def test_a_plugin_that_fails_to_import_is_a_bad_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    spec = fast_spec(tmp_path)
    code = main(["run", str(spec), "--plugin", str(broken), "--out", str(tmp_path / "o"), "-q"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--plugin" in err and "RuntimeError: boom" in err
    assert main(["run", str(spec), "--plugin", "no_such_module_xyz", "-q"]) == 2
    assert main(["run", str(spec), "--plugin", str(tmp_path / "absent.py"), "-q"]) == 2
    assert not (tmp_path / "o").exists()


@pytest.mark.shared_data
def test_a_spec_test_list_is_what_the_results_run_by_default(
    tmp_path: Path, prices_dir: Path
) -> None:
    spec = fast_spec(tmp_path)
    spec.write_text(
        spec.read_text().replace(
            'primary = "brown_warner_1985"', 'primary = "patell"\nnames = ["patell", "bmp"]'
        )
    )
    res = es.run_spec(spec, prices_dir=prices_dir, offline=True)
    assert res.default_tests == ("patell", "bmp") and res.primary_test == "patell"
    rows = res.tests(windows=[(0, 1)])
    assert set(rows["test"]) == {"patell", "bmp"}
    # the same rows as naming the tests, and the CLI's tests.csv holds just these two
    pd.testing.assert_frame_equal(rows, res.tests(["patell", "bmp"], windows=[(0, 1)]))
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                str(spec),
                "--prices-dir",
                str(prices_dir),
                "--offline",
                "-q",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert set(pd.read_csv(out / "tests.csv")["test"]) == {"patell", "bmp"}
    assert "patell" in (out / "summary.txt").read_text()


@pytest.mark.shared_data
def test_run_spec_results_table_the_spec_car_windows(tmp_path: Path, prices_dir: Path) -> None:
    """``run_spec`` and ``eventstudy run`` table the same windows: the spec's ``[windows] car``
    (the selloff example: [0, 0], [0, 1], [-5, 1], [-1, 5])."""
    res = es.run_spec(fast_spec(tmp_path), prices_dir=prices_dir, offline=True)
    wanted = [(0, 0), (0, 1), (-5, 1), (-1, 5)]
    assert res.car_windows == tuple(wanted)
    labels = [f"[{a}, {b}]" for a, b in wanted]
    assert list(res.summary().frames.caar["window"]) == labels
    assert "[-5, 1]" in res._repr_html_() and "[-1, 5]" in res._repr_html_()
    # the same CAARs as the CLI's caar.csv for the same spec
    out = tmp_path / "out"
    args = ["run", str(fast_spec(tmp_path)), "--prices-dir", str(prices_dir), "--offline", "-q"]
    assert main([*args, "--out", str(out)]) == 0
    cli = pd.read_csv(out / "caar.csv")
    assert list(cli["window"]) == labels
    np.testing.assert_allclose(cli["caar"], res.summary().frames.caar["caar"], rtol=1e-9)
    # by hand: the mean CAR of the 27 firms over [0, 1] (no missing return there, so the
    # mean CAR and Brown-Warner's AAR sum are one number)
    cols = (res.panel.evt_rel >= 0) & (res.panel.evt_rel <= 1)
    assert np.isfinite(res.panel.ar[:, cols]).all()
    by_hand = float(np.mean(np.nansum(res.panel.ar[:, cols], axis=1)))
    table = res.summary().frames.caar.set_index("window")
    assert table.loc["[0, 1]", "caar"] == pytest.approx(by_hand, rel=1e-12)
    with pytest.raises(es.SpecError):
        res.with_conventions(windows=[(0, 99)])
