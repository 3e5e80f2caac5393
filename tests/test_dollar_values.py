"""Dollar values from share counts and the study's own closes (issue 15).

NVDA's fiscal Q4 2024 report came after the close of 2024-02-21 (amc): day 0 is 2024-02-22 and
the close before day 0 is the 2024-02-21 close, read here from the CSV itself.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.engine.dollar_values import StaleMarketValueWarning
from eventstudy.exceptions import SpecError

SHARES = 24.49e9  # NVDA shares outstanding, approximate (current split basis)

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def prices(prices_dir: Path) -> pd.DataFrame:
    return es.load_prices(["NVDA", "SPY"], "2023-01-03", "2024-06-28", prices_dir=prices_dir)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {"ticker": ["NVDA"], "date": ["2024-02-21"], "timing": ["amc"], "event_id": ["NVDA Q4"]}
    )


def _csv(prices_dir: Path) -> pd.DataFrame:
    return pd.read_csv(prices_dir / "NVDA.csv", parse_dates=["Date"], index_col="Date")


def test_amc_event_uses_and_reports_the_close_before_day0(
    prices: pd.DataFrame, events: pd.DataFrame, prices_dir: Path
) -> None:
    res = es.EventStudy(events, prices=prices, shares={"NVDA": SHARES}).fit()
    assert res.status["day0"].iloc[0] == pd.Timestamp("2024-02-22")
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaleMarketValueWarning)
        d = res.dollar((0, 0)).iloc[0]
    raw = _csv(prices_dir)
    close = float(raw.loc["2024-02-21", "Close"])  # raw close 67.472 (SOURCES.md: raw)
    assert d["mv_date"] == pd.Timestamp("2024-02-21")
    assert d["mv_used_date"] == pd.Timestamp("2024-02-21")
    assert d["market_value"] == pytest.approx(SHARES * close, rel=1e-12)
    assert 1.64e12 < d["market_value"] < 1.66e12  # $1.65 tn, not the $1.70 tn of 02-20
    adj = raw["Adj Close"]
    total = adj.loc["2024-02-22"] / adj.loc["2024-02-21"] - 1
    assert d["dollar_return"] == pytest.approx(SHARES * close * total, rel=1e-9)
    # the whole window [-10, 10]: the close before day -10
    full = res.dollar().iloc[0]
    sessions = raw.index[raw.index < pd.Timestamp("2024-02-22")]
    before = sessions[-11]  # day -10 is the 10th session before day 0; the close before it
    assert full["mv_date"] == before and full["mv_used_date"] == before
    assert full["market_value"] == pytest.approx(
        SHARES * float(raw.loc[before, "Close"]), rel=1e-12
    )


def test_values_stamped_at_the_announcement_warn_as_stale(
    prices: pd.DataFrame, events: pd.DataFrame
) -> None:
    # the docstring's old example: market values "as of the event dates" (the close before
    # the announcement, 2024-02-20), while day 0 is 2024-02-22
    mv = es.load_market_values(
        ["NVDA"], dates=["2024-02-21"], shares={"NVDA": SHARES}, prices=prices
    )
    returns = es.compute_returns(prices)
    res = es.EventStudy(events, returns, market_values=mv).fit()
    with pytest.warns(
        StaleMarketValueWarning, match=r"NVDA \(close of 2024-02-20 used, window needs 2024-02-21\)"
    ):
        d = res.dollar((0, 0)).iloc[0]
    assert d["mv_used_date"] == pd.Timestamp("2024-02-20")


def test_shares_by_date_and_errors(
    prices: pd.DataFrame, events: pd.DataFrame, prices_dir: Path
) -> None:
    wide = pd.DataFrame(
        {"NVDA": [24.0e9, 24.5e9]}, index=pd.to_datetime(["2023-01-01", "2024-02-01"])
    )
    res = es.EventStudy(events, prices=prices, shares=wide).fit()
    d = res.dollar((0, 0)).iloc[0]
    close = float(_csv(prices_dir).loc["2024-02-21", "Close"])
    assert d["market_value"] == pytest.approx(24.5e9 * close, rel=1e-12)  # the later count
    with pytest.raises(SpecError, match="pass prices="):
        es.EventStudy(events, es.compute_returns(prices), shares={"NVDA": SHARES})
    with pytest.raises(SpecError, match="not both"):
        es.EventStudy(
            events, prices=prices, shares={"NVDA": SHARES}, market_values=pd.Series({"NVDA": 1.0})
        )
    assert np.isfinite(d["dollar_abnormal"])


SPEC = """
[study]
name = "NVDA Q4 FY2024"

[events]
date = 2024-02-21
tickers = ["NVDA"]
timing = "amc"

[model]
name = "market"
market = "SPY"

[windows]
car = [[0, 0]]

[data]
start = 2023-01-03
end = 2024-06-28
{shares}
"""


@pytest.mark.parametrize("how", ["inline", "file"])
def test_spec_data_shares_gives_dollar_values(tmp_path: Path, prices_dir: Path, how: str) -> None:
    if how == "inline":
        shares = f"shares = {{NVDA = {SHARES}}}"
    else:
        (tmp_path / "shares.csv").write_text(f"ticker,shares\nNVDA,{SHARES}\n", encoding="utf-8")
        shares = 'shares = "shares.csv"'
    path = tmp_path / "study.toml"
    path.write_text(SPEC.format(shares=shares), encoding="utf-8")
    res = es.run_spec(path, prices_dir=prices_dir, offline=True)
    d = res.dollar((0, 0)).iloc[0]
    close = float(_csv(prices_dir).loc["2024-02-21", "Close"])
    assert d["mv_used_date"] == pd.Timestamp("2024-02-21")
    assert d["market_value"] == pytest.approx(SHARES * close, rel=1e-12)


def test_spec_data_shares_errors(tmp_path: Path) -> None:
    from eventstudy.spec import load_spec

    path = tmp_path / "study.toml"
    path.write_text(SPEC.format(shares='shares = "missing.csv"'), encoding="utf-8")
    with pytest.raises(SpecError, match="data.shares: file 'missing.csv' not found"):
        load_spec(path)
    path.write_text(SPEC.format(shares="shares = {NVDA = -1}"), encoding="utf-8")
    with pytest.raises(SpecError, match="data.shares.NVDA: -1 is not a positive"):
        load_spec(path)


@pytest.mark.parametrize("how", ["inline", "file", "dated file"])
def test_spec_data_market_values_gives_dollar_values(
    tmp_path: Path, prices_dir: Path, how: str
) -> None:
    mv = 1.65e12  # NVDA's value at the 2024-02-21 close, about
    if how == "inline":
        line = f"market_values = {{nvda = {mv}}}"  # a ticker is upper-cased as everywhere
    elif how == "file":
        (tmp_path / "mv.csv").write_text(f"ticker,market_value\nNVDA,{mv}\n", encoding="utf-8")
        line = 'market_values = "mv.csv"'
    else:
        (tmp_path / "mv.csv").write_text(
            f"ticker,date,market_value\nNVDA,2024-01-31,1.5e12\nNVDA,2024-02-21,{mv}\n"
            "NVDA,2024-02-29,2.0e12\n",
            encoding="utf-8",
        )
        line = 'market_values = "mv.csv"'
    path = tmp_path / "study.toml"
    path.write_text(SPEC.format(shares=line), encoding="utf-8")
    res = es.run_spec(path, prices_dir=prices_dir, offline=True)
    d = res.dollar((0, 0)).iloc[0]
    assert d["market_value"] == mv
    # dollar abnormal return = CAR x the market value (by hand from the CAR table)
    car = float(res.car((0, 0))["car"].iloc[0])
    assert d["dollar_abnormal"] == pytest.approx(car * mv, rel=1e-12)
    # the same numbers as EventStudy(market_values=...) in Python
    direct = es.EventStudy(
        pd.DataFrame({"ticker": ["NVDA"], "date": ["2024-02-21"], "timing": ["amc"]}),
        es.compute_returns(
            es.load_prices(["NVDA", "SPY"], "2023-01-03", "2024-06-28", prices_dir=prices_dir)
        ),
        market_values=res.market_values,
    ).fit()
    assert direct.dollar((0, 0))["dollar_abnormal"].iloc[0] == d["dollar_abnormal"]


def test_spec_data_market_values_errors(tmp_path: Path, prices_dir: Path) -> None:
    from eventstudy.spec import load_spec

    path = tmp_path / "study.toml"
    path.write_text(SPEC.format(shares="market_values = {NVDA = 0}"), encoding="utf-8")
    with pytest.raises(SpecError, match="data.market_values.NVDA: 0 is not a positive market"):
        load_spec(path)
    both = f"shares = {{NVDA = {SHARES}}}\nmarket_values = {{NVDA = 1e12}}"
    path.write_text(SPEC.format(shares=both), encoding="utf-8")
    with pytest.raises(SpecError, match="both shares and market_values"):
        load_spec(path)
    (tmp_path / "mv.csv").write_text("ticker,market_value\nNVDA,-5\n", encoding="utf-8")
    path.write_text(SPEC.format(shares='market_values = "mv.csv"'), encoding="utf-8")
    with pytest.raises(es.DataError, match=r"mv.csv, row 2: .*not a positive market value"):
        es.run_spec(path, prices_dir=prices_dir, offline=True)


def test_cli_writes_the_dollar_table(tmp_path: Path, prices_dir: Path) -> None:
    from eventstudy.cli import main

    path = tmp_path / "study.toml"
    path.write_text(SPEC.format(shares=f"shares = {{NVDA = {SHARES}}}"), encoding="utf-8")
    out = tmp_path / "report"
    code = main(["run", str(path), "--out", str(out), "--prices-dir", str(prices_dir), "--offline"])
    assert code == 0
    table = pd.read_csv(out / "dollar.csv")
    close = float(_csv(prices_dir).loc["2024-02-21", "Close"])
    assert table.loc[0, "market_value"] == pytest.approx(SHARES * close, rel=1e-12)
    assert str(table.loc[0, "mv_used_date"]).startswith("2024-02-21")
