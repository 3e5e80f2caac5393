"""The [outcome], [cross_section] and [long_horizon] spec sections and the CLI (issue 16)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

import eventstudy as es
from eventstudy.cli import main
from eventstudy.exceptions import SpecError
from eventstudy.spec import parse_spec
from test_second_stage_presentation import thirty_firms_one_date

BASE: dict[str, Any] = {
    "events": {"date": "2025-01-27", "tickers": ["NVDA", "AVGO"]},
    "windows": {"event": [-10, 40], "car": [[0, 0], [0, 1]]},
}


def _spec(tmp_path: Path, **tables: Any) -> Any:
    return parse_spec({**BASE, **tables}, base_dir=tmp_path)


def test_sections_are_parsed(tmp_path: Path) -> None:
    (tmp_path / "chars.csv").write_text("ticker,sector\nNVDA,chips\n")
    spec = _spec(
        tmp_path,
        outcome={"kind": "volume", "market": "SPY", "windows": [[0, 1]]},
        cross_section={
            "formula": "car ~ beta",
            "window": [0, 1],
            "cov": "cluster",
            "cluster": "sector",
            "data": "chars.csv",
        },
        long_horizon={"window": [0, 40], "n_boot": 500},
    )
    assert spec.outcome == {
        "kind": "volume",
        "market": "SPY",
        "model": "market",
        "measure": "log_volume",
        "zero": "offset",
        "windows": ((0, 1),),
    }
    assert spec.cross_section["data"] == tmp_path / "chars.csv"
    assert spec.cross_section["cov"] == "cluster"
    assert spec.long_horizon == {
        "window": (0, 40),
        "against": "benchmark",
        "n_boot": 500,
        "seed": 0,
    }
    assert _spec(tmp_path).cross_section == {}
    both = _spec(tmp_path, long_horizon={"window": [0, 40], "calendar_time": True})
    assert both.long_horizon["calendar_time"] == {
        "frequency": "D",
        "weighting": "equal",
        "model": "ff3",
        "cov": "HAC",
    }
    monthly = _spec(
        tmp_path,
        long_horizon={"calendar_time": {"horizon": [1, 12], "frequency": "M", "maxlags": 3}},
    )
    assert monthly.long_horizon == {
        "calendar_time": {
            "frequency": "M",
            "weighting": "equal",
            "model": "ff3",
            "cov": "HAC",
            "horizon": (1, 12),
            "maxlags": 3,
        }
    }


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"outcome": {"knd": "volume"}}, r"\[outcome\]: unknown key 'knd'; did you mean 'kind'"),
        (
            {"outcome": {"kind": "volumes"}},
            r"outcome.kind: value 'volumes' is not valid; did you mean 'volume'",
        ),
        ({"outcome": {"kind": "returns", "market": "SPY"}}, "applies to kind = 'volume' only"),
        (
            {"outcome": {"kind": "volume", "measure": "turnover"}},
            r'outcome.measure = "turnover" .* needs the share counts: add \[data\] shares',
        ),
        ({"outcome": {"kind": "volume", "measure": "shares"}}, "outcome.measure"),
        ({"cross_section": {"window": [0, 1]}}, "needs formula"),
        ({"cross_section": {"formula": "ar ~ beta"}}, "left-hand side 'ar'"),
        ({"cross_section": {"formula": "car ~ beta", "cov": "HC9"}}, "cross_section.cov"),
        ({"cross_section": {"formula": "car ~ beta", "cluster": "day0"}}, 'needs cov = "cluster"'),
        ({"cross_section": {"formula": "car ~ beta", "data": "nope.csv"}}, "not found"),
        ({"cross_section": {"formula": "car ~ beta", "window": [0, 50]}}, "outside windows.event"),
        ({"long_horizon": {"n_boot": 500}}, "needs window"),
        ({"long_horizon": {"window": [0, 40], "n_boot": 10}}, "at least 100"),
        ({"long_horizon": {"window": [0, 40], "against": "market"}}, "long_horizon.against"),
        (
            {"long_horizon": {"calendar_time": {"horizn": [1, 5]}}},
            r"\[long_horizon.calendar_time\]: unknown key 'horizn'; did you mean 'horizon'\? "
            "valid: horizon, frequency, weighting, model, cov, maxlags, min_firms",
        ),
        (
            {"long_horizon": {"calendar_time": {"model": "ff5"}}},
            r"calendar_time.model: value 'ff5' is not valid;.* valid: market, ff3, carhart",
        ),
        (
            {"long_horizon": {"calendar_time": {"cov": "HC3"}}},
            "valid: HAC, HC0, nonrobust",
        ),
        ({"long_horizon": {"calendar_time": {"horizon": [1, 50]}}}, "outside windows.event"),
        (
            {"long_horizon": {"calendar_time": {"weighting": "value"}}},
            r"add \[data\] shares or \[data\] market_values",
        ),
        ({"long_horizon": {"calendar_time": "yes"}}, "must be true or a"),
        ({"long_horizon": {"calendar_time": False}}, "needs window"),
    ],
)
def test_bad_sections_are_spec_errors(tmp_path: Path, tables: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        _spec(tmp_path, **tables)


def test_characteristics_file_without_ticker(tmp_path: Path) -> None:
    (tmp_path / "chars.csv").write_text("symbol,sector\nNVDA,chips\n")
    with pytest.raises(SpecError, match="no 'ticker' column"):
        _spec(tmp_path, cross_section={"formula": "car ~ sector", "data": "chars.csv"})


@pytest.mark.shared_data
def test_cli_run_writes_the_second_stage(tmp_path: Path, prices_dir: Path) -> None:
    groups = {
        "chips": ["NVDA", "AVGO", "AMD", "MU", "MRVL", "AMAT", "LRCX", "KLAC", "INTC", "QCOM"],
        "power": ["VST", "CEG", "NRG"],
        "platforms": ["MSFT", "GOOGL", "META", "AMZN", "ORCL", "AAPL"],
    }
    chars = pd.DataFrame(
        [(t, g) for g, ts in groups.items() for t in ts], columns=["ticker", "sector"]
    )
    chars.to_csv(tmp_path / "chars.csv", index=False)
    lines = [
        "[study]",
        'name = "second stage"',
        "[events]",
        "date = 2025-01-27",
        'timing = "bmo"',
        "[events.groups]",
    ]
    lines += [f"{g} = {ts!r}".replace("'", '"') for g, ts in groups.items()]
    lines += [
        "[windows]",
        "estimation = [-250, -11]",
        "event = [-10, 40]",
        "car = [[0, 0], [0, 1]]",
        "[output]",
        'formats = ["csv", "md"]',
        "figures = []",
        "[outcome]",
        'kind = "volume"',  # the market's volume: the [model]'s market, SPY (the default)
        "[cross_section]",
        'formula = "car ~ C(sector) + beta"',
        "window = [0, 1]",
        'data = "chars.csv"',
        "[long_horizon]",
        "window = [0, 40]",
        "n_boot = 200",
    ]
    (tmp_path / "s.toml").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    code = main(
        [
            "run",
            str(tmp_path / "s.toml"),
            "--prices-dir",
            str(prices_dir),
            "--out",
            str(out),
            "--offline",
            "-q",
        ]
    )
    assert code == 0
    for name in (
        "cross_section.csv",
        "cross_section.txt",
        "bhar_tests.csv",
        "volume_ar.csv",
        "volume_tests.csv",
        "volume_report.csv",
    ):
        assert (out / name).is_file(), name
    # the regression by hand: the library's CARs of the same study, the sector file, OLS HC3
    spec = es.load_spec(tmp_path / "s.toml")
    prices = es.load_prices(spec.all_tickers(), *spec.price_range(), prices_dir=prices_dir)
    res = es.EventStudy(
        spec.events_frame(), es.compute_returns(prices), event_window=(-10, 40)
    ).fit()
    hand = res.car((0, 1)).merge(chars, on="ticker")
    hand["beta"] = res.params.set_index("ticker").loc[hand["ticker"], "beta"].to_numpy()
    ref = smf.ols("car ~ C(sector) + beta", data=hand).fit(cov_type="HC3")
    table = pd.read_csv(out / "cross_section.csv")
    np.testing.assert_allclose(table["estimate"], ref.params, rtol=1e-8)
    np.testing.assert_allclose(table["se"], ref.bse, rtol=1e-8)
    bhar = res.bhar((0, 40), against="benchmark")["bhar"].to_numpy()
    tests = pd.read_csv(out / "bhar_tests.csv").set_index("test")
    assert tests.loc["t", "statistic"] == pytest.approx(
        stats.ttest_1samp(bhar, 0).statistic, rel=1e-8
    )
    # abnormal volume: NVDA traded 819 M shares on 2025-01-27 (3.5x the day before)
    vol = pd.read_csv(out / "volume_ar.csv")
    nvda = vol[(vol["ticker"] == "NVDA") & (vol["rel_day"] == 0)]["ar"].iloc[0]
    assert nvda > 0.5
    # the report and the summary show the second stage too
    assert "## Cross-section regression (car ~ C(sector) + beta" in (out / "report.md").read_text()
    assert "Long horizon: BHAR tests" in (out / "summary.txt").read_text()
    # es.run_spec takes the CLI's path: the same second stage, in res.second_stage
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EventStudyWarning)
        again = es.run_spec(tmp_path / "s.toml", prices_dir=prices_dir, offline=True)
    assert list(again.second_stage) == [
        "volume",
        "volume_tests",
        "volume_report",
        "cross_section",
        "bhar_tests",
    ]
    fit = again.second_stage["cross_section"]
    np.testing.assert_allclose(fit.params, ref.params, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.bse, ref.bse, rtol=0, atol=1e-10)
    tests_again = again.second_stage["bhar_tests"].set_index("test")
    assert tests_again.loc["t", "statistic"] == pytest.approx(
        stats.ttest_1samp(bhar, 0).statistic, rel=1e-12
    )
    av = again.second_stage["volume"].ar
    assert again.second_stage["volume"].meta["volume_market"] == "SPY"
    np.testing.assert_allclose(
        av[(av["ticker"] == "NVDA") & (av["rel_day"] == 0)]["ar"].iloc[0], nvda, rtol=1e-9
    )
    assert "Cross-section regression" in str(again.summary())


@pytest.mark.shared_data
def test_cli_run_writes_the_calendar_time_portfolio(tmp_path: Path, prices_dir: Path) -> None:
    """[long_horizon.calendar_time] on a market-model study: the CLI loads FF3 for it, and its
    calendar_time.csv is statsmodels OLS on the portfolio of adjusted-close returns by hand."""
    import statsmodels.api as sm

    tickers = ["NVDA", "AVGO", "AMD", "MU", "VST", "CEG"]
    lines = [
        "[events]",
        "date = 2025-01-27",
        f"tickers = {tickers!r}".replace("'", '"'),
        "[windows]",
        "estimation = [-250, -11]",
        "event = [-10, 40]",
        "car = [[0, 0]]",
        "[output]",
        'formats = ["csv"]',
        "figures = []",
        "[long_horizon.calendar_time]",
        "horizon = [1, 20]",
        'model = "ff3"',
        'cov = "HC0"',
    ]
    (tmp_path / "s.toml").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    argv = ["run", str(tmp_path / "s.toml"), "--prices-dir", str(prices_dir), "--out", str(out)]
    factors_dir = prices_dir / "factors"
    assert main([*argv, "--factors-dir", str(factors_dir), "--offline", "-q"]) == 0
    table = pd.read_csv(out / "calendar_time.csv")
    assert table["term"].tolist() == ["alpha", "Mkt-RF", "SMB", "HML"]
    # by hand: the equal-weighted mean of the six firms' returns on sessions +1..+20
    rets = pd.DataFrame(
        {
            t: pd.read_csv(prices_dir / f"{t}.csv", parse_dates=["Date"], index_col="Date")[
                "Adj Close"
            ].pct_change()
            for t in tickers
        }
    )
    p0 = rets.index.get_loc(pd.Timestamp("2025-01-27"))
    days = rets.index[p0 + 1 : p0 + 21]
    ff3 = pd.read_csv(factors_dir / "FF3_daily.csv", parse_dates=["Date"], index_col="Date") / 100
    y = rets.loc[days].mean(axis=1) - ff3.loc[days, "RF"]
    ref = sm.OLS(y, sm.add_constant(ff3.loc[days, ["Mkt-RF", "SMB", "HML"]])).fit(cov_type="HC0")
    np.testing.assert_allclose(table["estimate"], ref.params, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(table["se"], ref.bse, rtol=1e-8)
    assert "Long horizon: calendar-time portfolio" in (out / "summary.txt").read_text()


@pytest.mark.shared_data
def test_turnover_from_the_spec(tmp_path: Path, prices_dir: Path) -> None:
    """[outcome] measure = "turnover" with [data] shares: abnormal log turnover by hand."""
    shares = {"NVDA": 24.49e9, "AVGO": 4.69e9, "SPY": 0.92e9}
    spec = _spec(
        tmp_path,
        data={"shares": shares},
        windows={"estimation": [-250, -11], "event": [-10, 10], "car": [[0, 0], [0, 1]]},
        outcome={"kind": "volume", "market": "SPY", "measure": "turnover"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EventStudyWarning)
        res = es.run_spec(spec, prices_dir=prices_dir, offline=True)
    vol = res.second_stage["volume"]
    assert vol.meta["volume_measure"] == "turnover"
    # by hand: log(100 V / S + 0.000255) of NVDA on SPY's, OLS over days -250..-11
    raw = {
        t: pd.read_csv(prices_dir / f"{t}.csv", parse_dates=["Date"]).set_index("Date")["Volume"]
        for t in ("NVDA", "SPY")
    }
    y = np.log(100 * raw["NVDA"] / shares["NVDA"] + 0.000255)
    x = np.log(100 * raw["SPY"] / shares["SPY"] + 0.000255).reindex(y.index)
    p0 = y.index.get_loc(pd.Timestamp("2025-01-27"))
    est = slice(p0 - 250, p0 - 10)
    b, a = np.polyfit(x.iloc[est], y.iloc[est], 1)
    ar = vol.ar[(vol.ar["ticker"] == "NVDA") & (vol.ar["rel_day"] == 0)]["ar"].iloc[0]
    assert ar == pytest.approx(y.iloc[p0] - a - b * x.iloc[p0], abs=1e-9)
    tests = res.second_stage["volume_tests"]
    assert set(tests["test"]) == {"cross_sectional_t", "corrado_rank"}


@pytest.mark.shared_data
def test_turnover_from_a_dated_shares_file(tmp_path: Path, prices_dir: Path) -> None:
    """[data] shares = "shares.csv" with ticker, date, shares: each day's turnover divides by
    the last count on or before it; NVDA's abnormal turnover on 2025-01-27 by hand."""
    (tmp_path / "shares.csv").write_text(
        "ticker,date,shares\n"
        "NVDA,2022-12-30,24.6e9\nNVDA,2024-09-03,24.5e9\nNVDA,2024-12-02,24.4e9\n"
        "AVGO,2022-12-30,4.66e9\nSPY,2022-12-30,0.92e9\nSPY,2024-10-01,0.95e9\n"
    )
    spec = _spec(
        tmp_path,
        data={"shares": "shares.csv"},
        windows={"estimation": [-250, -11], "event": [-10, 10], "car": [[0, 0], [0, 1]]},
        outcome={"kind": "volume", "market": "SPY", "measure": "turnover"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EventStudyWarning)
        res = es.run_spec(spec, prices_dir=prices_dir, offline=True)
    vol = res.second_stage["volume"]
    counts = pd.read_csv(tmp_path / "shares.csv", parse_dates=["date"])

    def turnover(ticker: str) -> pd.Series:
        volume = pd.read_csv(prices_dir / f"{ticker}.csv", parse_dates=["Date"]).set_index("Date")[
            "Volume"
        ]
        mine = counts[counts["ticker"] == ticker]
        out = {}
        for day, v in volume.items():  # the last count on or before the day
            count = mine[mine["date"] <= day]["shares"].iloc[-1]
            out[day] = np.log(100 * v / count + 0.000255)
        return pd.Series(out)

    y, x = turnover("NVDA"), turnover("SPY").reindex(turnover("NVDA").index)
    p0 = y.index.get_loc(pd.Timestamp("2025-01-27"))
    est = slice(p0 - 250, p0 - 10)  # spans NVDA's and SPY's count changes
    b, a = np.polyfit(x.iloc[est], y.iloc[est], 1)
    ar = vol.ar[(vol.ar["ticker"] == "NVDA") & (vol.ar["rel_day"] == 0)]["ar"].iloc[0]
    assert ar == pytest.approx(y.iloc[p0] - a - b * x.iloc[p0], abs=1e-9)


def test_turnover_with_a_dated_shares_file_names_what_is_missing(tmp_path: Path) -> None:
    """[data] shares as ticker, date, shares reaches turnover (counts as of each day); a
    ticker without a count, or a day before the first count, is a clear error."""
    from eventstudy.second_stage.spec_sections import compute_second_stage

    dates = pd.bdate_range("2024-12-02", periods=5)
    prices = pd.DataFrame(
        {
            "date": np.tile(dates, 3),
            "ticker": np.repeat(["NVDA", "AVGO", "SPY"], 5),
            "close": 100.0,
            "volume": 1e6,
        }
    )
    (tmp_path / "shares.csv").write_text("ticker,date,shares\nNVDA,2024-11-29,24.4e9\n")
    spec = _spec(
        tmp_path,
        data={"shares": "shares.csv"},
        outcome={"kind": "volume", "market": "SPY", "measure": "turnover"},
    )
    with pytest.raises(es.DataError, match=r"no share counts for \['AVGO', 'SPY'\]"):
        compute_second_stage(spec, None, prices)
    (tmp_path / "shares.csv").write_text(
        "ticker,date,shares\nNVDA,2024-11-29,24.4e9\nAVGO,2024-12-04,4.7e9\nSPY,2024-11-01,9e8\n"
    )
    with pytest.raises(
        es.DataUnavailableError, match="AVGO: no share count on or before 2024-12-02"
    ):
        compute_second_stage(spec, None, prices)


class _Folder:
    """Stands in for the CLI's output folder: records what would be written."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}

    def write_text(self, name: str, text: str) -> None:
        self.files[name] = text


def test_volatility_outcome_and_cross_section_tables(tmp_path: Path) -> None:
    from io import StringIO

    from eventstudy.second_stage.spec_sections import run_second_stage

    res, chars = thirty_firms_one_date()
    chars.to_csv(tmp_path / "chars.csv", index=False)
    spec = _spec(
        tmp_path,
        windows={"event": [-10, 10], "car": [[0, 0], [0, 1]]},
        outcome={"kind": "volatility"},
        cross_section={"formula": "car ~ size + beta", "window": [0, 1], "data": "chars.csv"},
    )
    folder = _Folder()
    written = run_second_stage(spec, res, None, folder)
    assert written == [
        "variance_tests.csv",
        "variance_ratio.csv",
        "cross_section.txt",
        "cross_section.csv",
    ]
    table = pd.read_csv(StringIO(folder.files["variance_tests.csv"]))
    expected = pd.concat([res.variance_tests((0, 0)), res.variance_tests((0, 1))])
    np.testing.assert_allclose(table["statistic"], expected["statistic"], rtol=1e-9)
    cs = pd.read_csv(StringIO(folder.files["cross_section.csv"]))
    hand = res.car((0, 1)).merge(chars, on="ticker")
    hand["beta"] = res.params.set_index("ticker").loc[hand["ticker"], "beta"].to_numpy()
    ref = smf.ols("car ~ size + beta", data=hand).fit(cov_type="HC3")
    np.testing.assert_allclose(cs["se"], ref.bse, rtol=1e-9)
    assert "OLS Regression Results" in folder.files["cross_section.txt"]
