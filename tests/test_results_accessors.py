"""Results accessors on real data: dollar values from load_market_values, residuals, warnings."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

import eventstudy as es
from eventstudy.exceptions import EventStudyWarning

SHARES = 24.49e9  # user-supplied, as in the notebook


def _csv_row(path: Path, date: str) -> dict[str, str]:
    with path.open(newline="") as fh:
        return next(row for row in csv.DictReader(fh) if row["Date"] == date)


@pytest.fixture(scope="module")
def nvda(prices_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    prices = es.load_prices(["NVDA", "SPY"], "2023-01-01", "2025-12-31", prices_dir=prices_dir)
    return prices, es.compute_returns(prices)


def test_market_value_of_the_event_date_is_measured_at_the_previous_close(
    nvda: tuple[pd.DataFrame, pd.DataFrame], prices_dir: Path
) -> None:
    prices, returns = nvda
    mv = es.load_market_values(
        ["NVDA"], dates=["2025-01-27"], shares={"NVDA": SHARES}, prices=prices
    )
    events = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    res = es.EventStudy(events, returns, market_values=mv).fit()
    out = res.dollar((0, 0)).iloc[0]

    before = _csv_row(prices_dir / "NVDA.csv", "2025-01-24")
    after = _csv_row(prices_dir / "NVDA.csv", "2025-01-27")
    market_value = SHARES * float(before["Close"])  # raw close 142.62
    total_return = float(after["Adj Close"]) / float(before["Adj Close"]) - 1.0
    assert out["mv_date"] == pd.Timestamp("2025-01-24")
    assert out["market_value"] == pytest.approx(market_value, rel=1e-12)
    assert out["dollar_return"] == pytest.approx(market_value * total_return, rel=1e-9)
    assert out["dollar_abnormal"] == pytest.approx(market_value * out["car"], rel=1e-12)
    assert -600e9 < out["dollar_return"] < -580e9  # the ≈ $590 bn of the day


def test_missing_market_value_warns_with_ticker_and_date(
    nvda: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    _, returns = nvda
    events = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    res = es.EventStudy(events, returns, market_values=pd.Series({"AAPL": 1.0e12})).fit()
    with pytest.warns(EventStudyWarning, match=r"NVDA \(close of 2025-01-24\)"):
        out = res.dollar((0, 0))
    assert out["dollar_abnormal"].isna().all()


def test_residuals_are_the_statsmodels_estimation_residuals(
    nvda: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    import numpy as np
    import statsmodels.api as sm

    _, returns = nvda
    events = pd.DataFrame({"ticker": ["NVDA"], "date": ["2025-01-27"]})
    res = es.EventStudy(events, returns).fit()
    resid = res.residuals.dropna(subset=["resid"])
    window = returns.loc[resid["date"]]
    ols = sm.OLS(window["NVDA"], sm.add_constant(window["SPY"])).fit()
    assert len(resid) == int(ols.nobs) == 240
    np.testing.assert_allclose(resid["resid"].to_numpy(), ols.resid.to_numpy(), atol=1e-12)
    assert resid["rel_day"].min() == -250 and resid["rel_day"].max() == -11


def test_tests_by_group_equal_separate_studies_of_each_group(prices_dir: Path) -> None:
    chips, power = ["NVDA", "AVGO", "AMD", "MU"], ["VST", "CEG", "NRG"]
    prices = es.load_prices(
        [*chips, *power, "SPY"], "2023-01-01", "2025-12-31", prices_dir=prices_dir
    )
    returns = es.compute_returns(prices)
    events = pd.DataFrame(
        {"ticker": chips + power, "date": "2025-01-27", "group": ["chips"] * 4 + ["power"] * 3}
    )
    by_group = (
        es.EventStudy(events, returns)
        .fit()
        .tests(windows=[(0, 0), (0, 1)], daily=False, by="group")
    )
    for label in ("chips", "power"):
        alone = es.EventStudy(events[events["group"] == label], returns).fit()
        expected = alone.tests(windows=[(0, 0), (0, 1)], daily=False)
        got = by_group[by_group["group"] == label].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    with pytest.raises(es.SpecError, match="by='group'"):
        es.EventStudy(events.drop(columns="group"), returns).fit().tests(by="group")

    # the clustered-date remedies, by group, equal the same remedies on separate studies
    res = es.EventStudy(events, returns).fit()
    portfolio = res.portfolio_test(windows=[(0, 0), (0, 1)], by="group")
    sur = res.sur_wald_test((0, 1), by="group")
    for label in ("chips", "power"):
        alone = es.EventStudy(events[events["group"] == label], returns).fit()
        for got, expected in (
            (portfolio, es.inference.portfolio_test(alone.panel, windows=[(0, 0), (0, 1)])),
            (sur, es.inference.sur_wald_test(alone.panel, (0, 1))),
        ):
            part = got[got["group"] == label].drop(columns="group").reset_index(drop=True)
            pd.testing.assert_frame_equal(part, expected, check_exact=False, rtol=1e-12)
    assert sur["group"].value_counts().to_dict() == {"chips": 2, "power": 2}  # two hypotheses
