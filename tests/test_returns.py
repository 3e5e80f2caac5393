"""compute_returns: hand computations on the shared NVDA file and on hand-made frames."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.exceptions import DataError, SpecError


def _adj_close(path: Path, date: str) -> float:
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Date"] == date:
                return float(row["Adj Close"])
    raise AssertionError(f"{date} not in {path}")


@pytest.mark.shared_data
def test_nvda_deepseek_day_matches_hand_computation(prices_dir: Path) -> None:
    p0 = _adj_close(prices_dir / "NVDA.csv", "2025-01-24")
    p1 = _adj_close(prices_dir / "NVDA.csv", "2025-01-27")
    prices = es.read_prices(prices_dir, tickers=["NVDA"])
    simple = es.compute_returns(prices)
    log = es.compute_returns(prices, kind="log")
    day = pd.Timestamp("2025-01-27")
    assert simple.loc[day, "NVDA"] == pytest.approx(p1 / p0 - 1, rel=1e-12)
    assert round(simple.loc[day, "NVDA"] * 100, 2) == -16.97  # the README's check value
    assert log.loc[day, "NVDA"] == pytest.approx(math.log(p1 / p0), rel=1e-12)
    assert simple.attrs["return_kind"] == "simple"
    assert log.attrs["return_kind"] == "log"
    assert np.isnan(simple["NVDA"].iloc[0])


@pytest.mark.shared_data
def test_raw_close_option_uses_close(prices_dir: Path) -> None:
    prices = es.read_prices(prices_dir, tickers=["NVDA"])
    raw = es.compute_returns(prices, price="close")
    assert raw.loc["2025-01-27", "NVDA"] == pytest.approx(118.42 / 142.62 - 1, rel=1e-12)
    assert raw.attrs["price"] == "close"


def _tidy(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["ticker", "date", "adj_close"])
    return es.read_prices(frame)


def test_gap_spans_and_is_stamped_on_later_date() -> None:
    prices = _tidy(
        [
            ("AAA", "2024-01-02", 100.0),
            ("AAA", "2024-01-03", 110.0),
            ("AAA", "2024-01-05", 99.0),  # 2024-01-04 missing for AAA only
            ("BBB", "2024-01-02", 50.0),
            ("BBB", "2024-01-03", 50.0),
            ("BBB", "2024-01-04", 55.0),
            ("BBB", "2024-01-05", 44.0),
        ]
    )
    out = es.compute_returns(prices)
    assert list(out.columns) == ["AAA", "BBB"]
    assert out.index.name == "date"
    assert str(out.index.dtype) == "datetime64[ns]"
    aaa, bbb = out["AAA"], out["BBB"]
    assert np.isnan(aaa.iloc[0]) and np.isnan(bbb.iloc[0])  # first return NaN, not 0
    assert aaa.iloc[1] == pytest.approx(110 / 100 - 1)
    assert np.isnan(aaa.loc["2024-01-04"])  # no price that day
    assert aaa.loc["2024-01-05"] == pytest.approx(99 / 110 - 1)  # spans the gap
    assert bbb.iloc[1] == 0.0  # a real zero return stays zero
    assert bbb.loc["2024-01-05"] == pytest.approx(44 / 55 - 1)


def test_nan_price_inside_series_spans_gap_in_log_returns() -> None:
    wide = pd.DataFrame(
        {"X": [10.0, np.nan, 12.0, 6.0]},
        index=pd.to_datetime(["2024-03-01", "2024-03-04", "2024-03-05", "2024-03-06"]),
    )
    out = es.compute_returns(wide, kind="log")
    expected = [np.nan, np.nan, math.log(12 / 10), math.log(6 / 12)]
    np.testing.assert_allclose(out["X"].to_numpy(), expected, rtol=1e-15)


def test_wide_frame_with_date_column_and_simple_vs_log_relation() -> None:
    wide = pd.DataFrame({"date": ["2024-01-02", "2024-01-03", "2024-01-04"], "A": [1.0, 2.0, 1.5]})
    simple = es.compute_returns(wide)
    log = es.compute_returns(wide, kind="log")
    np.testing.assert_allclose(np.log1p(simple["A"].to_numpy()[1:]), log["A"].to_numpy()[1:])
    assert simple["A"].tolist()[1:] == [1.0, -0.25]


def test_bad_inputs_raise_clear_errors() -> None:
    wide = pd.DataFrame({"A": [1.0, -2.0]}, index=pd.to_datetime(["2024-01-02", "2024-01-03"]))
    with pytest.raises(DataError, match="A has a non-positive or infinite adj_close on 2024-01-03"):
        es.compute_returns(wide)
    with pytest.raises(SpecError, match="kind='pct'"):
        es.compute_returns(wide.abs(), kind="pct")  # type: ignore[arg-type]
    lacking = es.read_prices(
        pd.DataFrame({"Date": ["2024-01-02", "2024-01-03"], "Close": [1.0, 2.0]}), ticker="Q"
    )
    with pytest.raises(DataError, match="no adj_close values for Q.*price='close'"):
        es.compute_returns(lacking)
    assert es.compute_returns(lacking, price="close")["Q"].iloc[1] == 1.0
