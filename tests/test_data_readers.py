"""read_prices on the shared files and on hand-made frames; validation errors name the row."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.data.validate import TIDY_COLUMNS
from eventstudy.exceptions import DataError, DataUnavailableError


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.shared_data
def test_per_ticker_folder_matches_csv_module(prices_dir: Path) -> None:
    prices = es.read_prices(prices_dir, tickers=["nvda", "QQQ"])
    assert list(prices.columns) == list(TIDY_COLUMNS)
    assert str(prices["date"].dtype) == "datetime64[ns]"
    assert pd.api.types.is_string_dtype(prices["ticker"])  # "str" on pandas 3, object on 2.2
    assert prices["ticker"].unique().tolist() == ["NVDA", "QQQ"]
    rows = _csv_rows(prices_dir / "NVDA.csv")
    nvda = prices[prices["ticker"] == "NVDA"].reset_index(drop=True)
    assert len(nvda) == len(rows)
    for i in (0, 517, len(rows) - 1):
        assert nvda.loc[i, "date"] == pd.Timestamp(rows[i]["Date"])
        assert nvda.loc[i, "adj_close"] == float(rows[i]["Adj Close"])
        assert nvda.loc[i, "close"] == float(rows[i]["Close"])
        assert nvda.loc[i, "volume"] == float(rows[i]["Volume"])
    # QQQ's file has empty Open/High/Low/Volume cells: NaN, not an error
    qqq = prices[prices["ticker"] == "QQQ"]
    assert qqq["open"].isna().all() and qqq["volume"].isna().all()
    assert qqq["adj_close"].notna().all()
    assert prices[["dividends", "splits"]].isna().all().all()


@pytest.mark.shared_data
def test_single_file_uses_file_name_as_ticker(prices_dir: Path) -> None:
    spy = es.read_prices(prices_dir / "SPY.csv")
    assert spy["ticker"].unique().tolist() == ["SPY"]
    assert len(spy) == len(_csv_rows(prices_dir / "SPY.csv"))


@pytest.mark.shared_data
def test_absent_ticker_in_folder_names_it_and_the_folder(prices_dir: Path) -> None:
    with pytest.raises(DataUnavailableError, match=r"ZZZZ.*prices") as info:
        es.read_prices(prices_dir, tickers=["NVDA", "ZZZZ"])
    assert set(info.value.failed) == {"ZZZZ"}


@pytest.mark.shared_data
def test_wide_sp500_panel_fills_adj_close(shared_data: Path) -> None:
    path = shared_data / "prices" / "universe" / "sp500_adjclose.csv"
    rows = _csv_rows(path)
    prices = es.read_prices(path, tickers=["AAPL", "NVDA"])
    assert prices["ticker"].unique().tolist() == ["AAPL", "NVDA"]
    assert prices["close"].isna().all()
    row = next(r for r in rows if r["Date"] == "2025-01-27")
    got = prices.set_index(["ticker", "date"]).loc[
        ("NVDA", pd.Timestamp("2025-01-27")), "adj_close"
    ]
    assert got == float(row["NVDA"])
    # choose the field instead
    as_close = es.read_prices(path, tickers=["AAPL"], field="close")
    assert as_close["adj_close"].isna().all()
    assert as_close["close"].iloc[0] == float(rows[0]["AAPL"])


def test_long_frame_and_dataframe_with_datetime_index() -> None:
    long = pd.DataFrame(
        {
            "Symbol": ["b", "a", "a"],
            "Date": ["2024-01-03", "2024-01-03", "2024-01-02"],
            "price": [5.0, 2.0, 1.0],
        }
    )
    out = es.read_prices(long)
    assert out[["ticker", "adj_close"]].values.tolist() == [["A", 1.0], ["A", 2.0], ["B", 5.0]]
    ohlc = pd.DataFrame(
        {"Close": [1.0, 2.0], "Adj Close": [0.9, np.nan]},
        index=pd.DatetimeIndex(["2024-01-03", "2024-01-02"], name="Date"),
    )
    out = es.read_prices(ohlc, ticker="x")
    assert out["date"].tolist() == [
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-01-03"),
    ]  # sorted
    assert np.isnan(out["adj_close"].iloc[0])  # a missing adj_close stays NaN (not filled)
    assert out["close"].tolist() == [2.0, 1.0]


def test_tz_aware_index_becomes_naive_session_dates() -> None:
    index = pd.DatetimeIndex(["2024-01-02", "2024-01-03"]).tz_localize("Asia/Tokyo")
    frame = pd.DataFrame(
        {"Close": [10.0, 11.0], "Adj Close": [10.0, 11.0]}, index=index.rename("Date")
    )
    out = es.read_prices(frame, ticker="7203.T")
    assert out["date"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    # strings with mixed UTC offsets keep their local date
    text = pd.DataFrame(
        {
            "Date": ["2024-03-08 00:00:00-05:00", "2024-03-11 00:00:00-04:00"],
            "Adj Close": [1.0, 2.0],
        }
    )
    out = es.read_prices(text, ticker="A")
    assert out["date"].tolist() == [pd.Timestamp("2024-03-08"), pd.Timestamp("2024-03-11")]


def test_wide_panel_with_field_like_tickers() -> None:
    # Lowe's (LOW) and Opendoor (OPEN) must not turn a wide panel into one OHLC table
    wide = pd.DataFrame(
        {"Date": ["2024-01-02", "2024-01-03"], "LOW": [250.0, 251.0], "OPEN": [3.0, 3.1]}
    )
    out = es.read_prices(wide)
    assert out["ticker"].unique().tolist() == ["LOW", "OPEN"]
    assert out["adj_close"].tolist() == [250.0, 251.0, 3.0, 3.1]


def test_folder_of_parquet_and_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Date": ["2024-01-02", "2024-01-03"], "Adj Close": [1.0, 2.0]})
    frame.to_parquet(tmp_path / "abc.parquet")
    frame.to_csv(tmp_path / "XYZ.csv", index=False)
    out = es.read_prices(tmp_path)
    assert out["ticker"].unique().tolist() == ["ABC", "XYZ"]


@pytest.mark.parametrize(
    ("rows", "pattern"),
    [
        ([("2024-01-02", 1.0), ("2024-01-02", 2.0)], r"duplicate dates \(T 2024-01-02\)"),
        ([("2024-01-02", 1.0), ("2024-01-03", 0.0)], r"non-positive.*T 2024-01-03 adj_close=0\.0"),
        ([("2024-01-02", 1.0), ("2024-01-03", np.inf)], r"T 2024-01-03 adj_close=inf"),
        ([("2024-01-02", 1.0), ("not a date", 2.0)], r"unparsable date.*'not a date'"),
        (
            [("2024-01-02", 1.0), ("2024-01-03", "abc")],
            r"non-numeric adj_close.*T 2024-01-03 adj_close='abc'",
        ),
    ],
)
def test_validation_names_offending_rows(rows: list[tuple[str, object]], pattern: str) -> None:
    frame = pd.DataFrame({"Date": [r[0] for r in rows], "Adj Close": [r[1] for r in rows]})
    with pytest.raises(DataError, match=pattern):
        es.read_prices(frame, ticker="T")


def test_return_series_passed_as_prices_is_detected() -> None:
    rng = np.random.default_rng(0)
    returns = rng.normal(0.0, 0.02, 50)
    frame = pd.DataFrame({"Date": pd.bdate_range("2024-01-01", periods=50), "Close": returns})
    with pytest.raises(DataError, match="looks like a return series"):
        es.read_prices(frame, ticker="R")


def test_tidy_frame_round_trips_and_tickers_filter(tmp_path: Path) -> None:
    tidy = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-02", "2024-01-02"]),
            "ticker": ["A", "B"],
            "adj_close": [1.0, 2.0],
            "volume": [np.nan, 3.0],
        }
    )
    out = es.read_prices(tidy, tickers="b")
    assert out["ticker"].tolist() == ["B"]
    with pytest.raises(DataUnavailableError, match="C not found"):
        es.read_prices(tidy, tickers=["A", "C"])


@pytest.mark.shared_data
def test_local_files_are_recorded_with_their_checksums(prices_dir: Path, tmp_path: Path) -> None:
    import hashlib

    prices = es.read_prices(prices_dir, tickers=["NVDA", "SPY"])
    files = prices.attrs["provenance"]["files"]
    assert set(files) == {"NVDA", "SPY"}
    for ticker, record in files.items():
        path = prices_dir / record["file"]
        assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), ticker
    # one file: recorded under its name; an edited copy has another checksum
    copy = tmp_path / "NVDA.csv"
    copy.write_bytes((prices_dir / "NVDA.csv").read_bytes() + b"\n")
    one = es.read_prices(copy).attrs["provenance"]["files"]["NVDA.csv"]
    assert one["sha256"] != files["NVDA"]["sha256"]
    assert one["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
