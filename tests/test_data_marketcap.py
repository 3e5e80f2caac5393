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


# Hand-built prices (not through read_prices) and dated share counts: the count changes from
# 1e6 to 1.5e6 on 2025-01-06 (a Monday), and three closes.
_HAND_DATES = ["2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"]
_HAND_CLOSE = [10.0, 11.0, 12.0, 13.0]
_HAND_SHARES = (["2024-12-31", "2025-01-06"], [1.0e6, 1.5e6])


def _hand_prices(unit: str, *, splits: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "ticker": "HND",
            "date": pd.to_datetime(_HAND_DATES).as_unit(unit),
            "close": _HAND_CLOSE,
            "adj_close": _HAND_CLOSE,
        }
    )
    if splits:
        frame["splits"] = np.nan
    return frame


def _hand_shares(unit: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ticker": "HND",
            "date": pd.to_datetime(_HAND_SHARES[0]).as_unit(unit),
            "shares": _HAND_SHARES[1],
        }
    )


def _shares_asof_by_hand(day: str) -> float:
    """The last count on or before ``day`` (ISO strings compare as dates)."""
    count = np.nan
    for date, value in zip(*_HAND_SHARES, strict=True):
        if date <= day:
            count = value
    return count


@pytest.mark.parametrize("unit", ["s", "us", "ns"])
def test_any_datetime_resolution_of_hand_built_prices(unit: str) -> None:
    """pandas 3 parses dates to datetime64[us] by default (was: MergeError <M8[us] vs <M8[ns])."""
    from eventstudy.engine.dollar_values import market_values_from_shares

    prices = _hand_prices(unit)
    assert prices["date"].dtype == f"datetime64[{unit}]"
    truth = [_shares_asof_by_hand(d) * c for d, c in zip(_HAND_DATES, _HAND_CLOSE, strict=True)]
    # every close: 1e6 x 10, 1e6 x 11, 1.5e6 x 12, 1.5e6 x 13
    assert truth == [1.0e7, 1.1e7, 1.8e7, 1.95e7]
    every = market_values_from_shares(_hand_shares(unit), prices)
    np.testing.assert_allclose(every["market_value"].to_numpy(), truth, rtol=1e-15)
    assert every["price_date"].tolist() == [pd.Timestamp(d) for d in _HAND_DATES]
    assert every["date"].dtype == "datetime64[ns]"
    # given dates: the last close strictly before each (2025-01-06 -> Friday 2025-01-03)
    asked = es.load_market_values(
        "HND", ["2025-01-06", "2025-01-08"], shares=_hand_shares(unit), prices=prices
    )
    assert asked["price_date"].tolist() == [pd.Timestamp("2025-01-03"), pd.Timestamp("2025-01-07")]
    np.testing.assert_allclose(
        asked["market_value"].to_numpy(),
        [_shares_asof_by_hand("2025-01-03") * 11.0, _shares_asof_by_hand("2025-01-07") * 13.0],
        rtol=1e-15,
    )
    # the default resolution of this pandas, as the report had it (bdate_range, constant shares)
    plain = pd.DataFrame(
        {
            "ticker": "HND",
            "date": pd.bdate_range("2025-01-02", periods=2),
            "close": [10.0, 11.0],
            "splits": np.nan,
        }
    )
    constant = market_values_from_shares({"HND": 2.0e6}, plain)
    assert constant["market_value"].tolist() == [2.0e6 * 10.0, 2.0e6 * 11.0]


def test_prices_without_a_splits_column_assume_no_split() -> None:
    """The module's rule (was: KeyError 'splits'): no splits column, no split assumed."""
    without = _hand_prices("ns", splits=False)
    assert "splits" not in without.columns
    for dates in (None, ["2025-01-06"]):
        out = es.load_market_values("HND", dates, shares=_hand_shares("ns"), prices=without)
        explicit = es.load_market_values(
            "HND", dates, shares=_hand_shares("ns"), prices=_hand_prices("ns")
        )
        pd.testing.assert_frame_equal(out, explicit)
        assert out["source"].unique().tolist() == ["user shares (splits unknown)"]
    # by hand: the as-reported counts are not restated (no split after them)
    every = es.load_market_values("HND", shares=_hand_shares("ns"), prices=without)
    assert every["shares"].tolist() == [1.0e6, 1.0e6, 1.5e6, 1.5e6]
    assert every["market_value"].tolist() == [1.0e6 * 10, 1.0e6 * 11, 1.5e6 * 12, 1.5e6 * 13]


def test_hand_built_prices_fields_and_errors() -> None:
    """Prices not read by read_prices: an adj_close-only frame is used (noted), bad dates and
    missing columns are SpecErrors naming the fix (were: KeyError or MergeError)."""
    adj_only = _hand_prices("us").drop(columns=["close"])
    out = es.load_market_values("HND", shares={"HND": 2.0e6}, prices=adj_only)
    assert out["market_value"].tolist() == [2.0e6 * c for c in _HAND_CLOSE]
    assert out["source"].unique().tolist() == ["user shares x adj_close (splits unknown)"]
    for bad, pattern in (
        (
            _hand_prices("ns").assign(date=_HAND_DATES),
            r"must be tz-naive session dates .* not (str|object)",
        ),
        (
            _hand_prices("ns").assign(date=lambda f: f["date"].dt.tz_localize("UTC")),
            r"must be tz-naive session dates \(datetime64\), not datetime64\[ns, UTC\]",
        ),
        (_hand_prices("ns").drop(columns=["close", "adj_close"]), r"need columns ticker, date"),
    ):
        with pytest.raises(es.SpecError, match=pattern):
            es.load_market_values("HND", shares={"HND": 2.0e6}, prices=bad)
    far = _hand_prices("s")
    far["date"] = np.array(["2300-01-02", "2300-01-03", "2300-01-04", "2300-01-05"], "M8[s]")
    with pytest.raises(es.DataError, match="outside the years 1678-2261"):
        es.load_market_values("HND", shares={"HND": 2.0e6}, prices=far)
