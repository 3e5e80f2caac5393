"""load_market_values: split basis, as-of shares, the close before the window, user inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventstudy as es

DATES = pd.to_datetime(
    ["2024-06-03", "2024-06-04", "2024-06-05", "2024-06-06", "2024-06-07", "2024-06-10"]
)
# What was actually quoted: 1000 before a 10:1 split effective 2024-06-06, ~100 after.
ACTUAL_CLOSE = np.array([1000.0, 1010.0, 1020.0, 103.0, 104.0, 105.0])
SPLIT_DAY = 3


def _yahoo_like_prices() -> pd.DataFrame:
    """Yahoo restates pre-split closes retroactively (divided by the ratio)."""
    close = ACTUAL_CLOSE.copy()
    close[:SPLIT_DAY] = close[:SPLIT_DAY] / 10
    splits = np.zeros(len(DATES))
    splits[SPLIT_DAY] = 10.0
    return es.read_prices(
        pd.DataFrame(
            {
                "date": DATES,
                "ticker": "NVX",
                "close": close,
                "adj_close": close * 0.99,
                "splits": splits,
            }
        )
    )


def _yahoo_shares(ticker: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    # as reported: 1e6 before the split (reported twice on one date), 1e7 after; tz-aware like yfinance
    index = pd.DatetimeIndex(["2024-06-01", "2024-06-01", "2024-06-07"]).tz_localize(
        "America/New_York"
    )
    return pd.Series([0.9e6, 1.0e6, 1.0e7], index=index)


def test_split_consistent_market_values_at_every_date() -> None:
    out = es.load_market_values("NVX", prices=_yahoo_like_prices(), fetch_shares=_yahoo_shares)
    assert list(out.columns) == [
        "ticker",
        "date",
        "price_date",
        "shares",
        "price",
        "market_value",
        "source",
    ]
    # truth by hand: reported shares x the price actually quoted that day
    actual_shares = np.array([1.0e6] * SPLIT_DAY + [1.0e7] * 3)
    actual_shares[SPLIT_DAY] = 1.0e7  # the split day: 1e6 pre-split = 1e7 post-split shares
    truth = np.array(
        [1.0e6 * 1000, 1.0e6 * 1010, 1.0e6 * 1020, 1.0e7 * 103, 1.0e7 * 104, 1.0e7 * 105]
    )
    np.testing.assert_allclose(out["market_value"].to_numpy(), truth, rtol=1e-12)
    assert out["source"].unique().tolist() == ["yahoo shares"]
    assert out.attrs["split_basis"].startswith("current")


def test_value_at_the_close_before_each_date() -> None:
    events = pd.DataFrame({"ticker": ["nvx", "NVX"], "date": ["2024-06-06", "2024-06-08"]})
    out = es.load_market_values(
        "NVX", events, prices=_yahoo_like_prices(), fetch_shares=_yahoo_shares
    )
    assert out["price_date"].tolist() == [pd.Timestamp("2024-06-05"), pd.Timestamp("2024-06-07")]
    np.testing.assert_allclose(out["market_value"].to_numpy(), [1.0e6 * 1020, 1.0e7 * 104])
    assert out["price"].tolist() == [102.0, 104.0]


def test_user_shares_and_market_values() -> None:
    prices = _yahoo_like_prices()
    constant = es.load_market_values(
        "NVX", ["2024-06-10"], shares={"NVX": 5.0e6}, prices=prices, shares_basis="current"
    )
    assert constant["market_value"].item() == 5.0e6 * 104.0
    assert constant["source"].item() == "user shares"
    mv = pd.DataFrame(
        {"ticker": ["NVX", "NVX"], "date": ["2024-06-03", "2024-06-05"], "market_value": [1e9, 2e9]}
    )
    out = es.load_market_values("NVX", ["2024-06-05", "2024-06-06"], market_values=mv)
    assert out["market_value"].tolist() == [1e9, 2e9]  # strictly before each date
    assert out["source"].unique().tolist() == ["user market values"]


def test_errors() -> None:
    prices = _yahoo_like_prices()
    with pytest.raises(es.DataUnavailableError, match="offline mode"):
        es.load_market_values("NVX", prices=prices, offline=True)
    with pytest.raises(es.DataUnavailableError, match=r"NVX \(Yahoo returned no share counts\)"):
        es.load_market_values("NVX", prices=prices, fetch_shares=lambda t, s, e: None)
    late = pd.DataFrame({"ticker": ["NVX"], "date": ["2024-06-07"], "shares": [1e7]})
    with pytest.raises(
        es.DataUnavailableError,
        match=r"no share count on or before 2024-06-03 \(4 date\(s\)\) \(first count 2024-06-07\)",
    ):
        es.load_market_values("NVX", shares=late, prices=prices)
    with pytest.raises(es.DataUnavailableError, match="no close before 2024-06-03"):
        es.load_market_values("NVX", ["2024-06-03"], shares={"NVX": 1.0}, prices=prices)
    with pytest.raises(es.DataError, match="invalid share count"):
        es.load_market_values("NVX", shares={"NVX": -1.0}, prices=prices)


@pytest.mark.shared_data
def test_local_prices_without_splits_are_flagged(prices_dir: Path) -> None:
    out = es.load_market_values(
        "NVDA", ["2025-01-27"], shares={"NVDA": 24.5e9}, prices_dir=prices_dir
    )
    assert out["price_date"].item() == pd.Timestamp("2025-01-24")
    assert out["market_value"].item() == pytest.approx(24.5e9 * 142.62)
    assert out["source"].item() == "user shares (splits unknown)"
