"""load_prices with local folders / frames / snapshots, and the PriceSource protocol."""

from __future__ import annotations

import csv
import json
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventstudy as es


def _adj(path: Path, date: str) -> float:
    with path.open(newline="") as handle:
        return next(float(r["Adj Close"]) for r in csv.DictReader(handle) if r["Date"] == date)


@pytest.mark.shared_data
def test_load_prices_from_prices_dir(prices_dir: Path) -> None:
    out = es.load_prices(["NVDA", "SPY"], "2025-01-24", "2025-01-28", prices_dir=prices_dir)
    assert out["ticker"].unique().tolist() == ["NVDA", "SPY"]
    assert out["date"].unique().tolist() == [
        pd.Timestamp(d) for d in ("2025-01-24", "2025-01-27", "2025-01-28")
    ]
    nvda = out[out["ticker"] == "NVDA"].set_index("date")
    assert nvda.loc["2025-01-27", "adj_close"] == _adj(prices_dir / "NVDA.csv", "2025-01-27")
    prov = out.attrs["provenance"]
    assert (
        prov["source"] == "local"
        and prov["start"] == "2025-01-24"
        and prov["source_class"] == "LocalSource"
    )


@pytest.mark.shared_data
def test_env_prices_dir_switches_source_and_absent_ticker(
    prices_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTSTUDY_PRICES_DIR", str(prices_dir))
    out = es.load_prices("nvda", "2025-01-02", "2025-01-10")
    assert out["ticker"].unique().tolist() == ["NVDA"]
    with pytest.raises(
        es.DataUnavailableError, match=rf"NOPE: no price file in {prices_dir}"
    ) as info:
        es.load_prices(["NVDA", "NOPE"], "2025-01-02", "2025-01-10")
    assert list(info.value.failed) == ["NOPE"]


@pytest.mark.shared_data
def test_ticker_without_data_in_range(prices_dir: Path) -> None:
    with pytest.raises(
        es.DataUnavailableError,
        match=r"GEV: no data in range 2023-01-03\.\.2023-06-30 .*covers 2024-03-27",
    ) as info:
        es.load_prices(["NVDA", "GEV"], "2023-01-03", "2023-06-30", prices_dir=prices_dir)
    assert info.value.partial["ticker"].unique().tolist() == ["NVDA"]  # type: ignore[index]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"] * 2),
            "ticker": ["A"] * 3 + ["B"] * 3,
            "adj_close": [1.0, 1.1, 1.2, 5.0, 4.0, 3.0],
        }
    )


def test_frame_source_and_protocol() -> None:
    source = es.FrameSource(_frame())
    assert isinstance(source, es.PriceSource)
    assert isinstance(es.LocalSource.__new__(es.LocalSource), es.PriceSource)
    out = es.load_prices("b", "2024-01-03", "2024-01-04", source=source)
    assert out["adj_close"].tolist() == [4.0, 3.0]
    with pytest.raises(es.SpecError, match="fetch"):
        es.load_prices("A", "2024-01-02", "2024-01-04", source=object())  # type: ignore[arg-type]
    with pytest.raises(es.SpecError, match="start 2024-01-05 is after end"):
        es.load_prices("A", "2024-01-05", "2024-01-04", source=source)


def test_local_single_file_wide(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    path.write_text("Date,AAA,BBB\n2024-01-02,10,20\n2024-01-03,11,\n")
    out = es.load_prices(["AAA", "BBB"], "2024-01-01", "2024-01-31", source=es.LocalSource(path))
    assert out["adj_close"].tolist()[:3] == [10.0, 11.0, 20.0]
    assert np.isnan(out["adj_close"].iloc[3])  # empty cell kept as NaN
    with pytest.raises(es.DataUnavailableError, match="does not exist"):
        es.LocalSource(tmp_path / "missing")


def test_snapshot_round_trip_bit_for_bit(tmp_path: Path) -> None:
    prices = es.read_prices(_frame())
    # values whose last bits matter: a parquet or CSV round trip through text would alter them
    prices["adj_close"] = prices["adj_close"] * (1 + 1e-15) + np.nextafter(0.0, 1.0)
    prices["volume"] = np.array([np.nan, 1e18 + 1, 3.0, 4.0, np.nan, 6.0])
    prices.attrs["provenance"] = {"source": "test", "when": pd.Timestamp("2024-01-01")}
    folder = es.export_snapshot(prices, tmp_path / "snap")
    back = es.load_snapshot(folder)
    pd.testing.assert_frame_equal(back, prices, check_exact=True)
    assert back.dtypes.to_dict() == prices.dtypes.to_dict()
    for column in ("adj_close", "volume"):
        packed = [struct.pack("<d", v) for v in prices[column]]
        assert [struct.pack("<d", v) for v in back[column]] == packed
    assert back.attrs["provenance"]["source"] == "test"
    assert back.attrs["provenance"]["when"] == "2024-01-01 00:00:00"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tickers"] == ["A", "B"] and manifest["rows"] == 6
    # a snapshot folder is a LocalSource
    via_local = es.load_prices("A", "2024-01-01", "2024-01-31", prices_dir=folder)
    pd.testing.assert_frame_equal(via_local, prices[prices["ticker"] == "A"], check_exact=True)
    with pytest.raises(es.OutputError, match="overwrite=True"):
        es.export_snapshot(prices, folder)
    es.export_snapshot(prices.iloc[:3], folder, overwrite=True)
    assert len(es.load_snapshot(folder)) == 3


def test_snapshot_tampering_is_detected(tmp_path: Path) -> None:
    folder = es.export_snapshot(es.read_prices(_frame()), tmp_path / "snap")
    data = folder / "prices.parquet"
    data.write_bytes(data.read_bytes()[:-10])
    with pytest.raises(es.CacheError, match="fails its checksum"):
        es.load_snapshot(folder)
    with pytest.raises(es.CacheError, match="not a snapshot folder"):
        es.load_snapshot(tmp_path)


def test_snapshot_rejects_non_tidy(tmp_path: Path) -> None:
    with pytest.raises(es.DataError, match="missing column"):
        es.export_snapshot(pd.DataFrame({"x": [1]}), tmp_path / "s")


def test_snapshot_keeps_the_factors_bit_for_bit(tmp_path: Path) -> None:
    from eventstudy.data.snapshot import load_snapshot_factors

    prices = es.read_prices(_frame())
    dates = pd.DatetimeIndex(pd.bdate_range("2024-01-01", periods=4), name="date")
    factors = pd.DataFrame(
        {"Mkt-RF": [0.01 / 3, -0.002, np.nan, 1e-17], "RF": [0.0002] * 4}, index=dates
    )
    factors.attrs.update({"model": "ff3", "vintage": "202604", "sha256": {"ff3": "ab" * 32}})
    folder = es.export_snapshot(prices, tmp_path / "snap", factors=factors)
    back = load_snapshot_factors(folder)
    assert back is not None
    pd.testing.assert_frame_equal(back, factors, check_exact=True, check_freq=False)
    assert back.attrs["vintage"] == "202604" and back.attrs["sha256"] == {"ff3": "ab" * 32}
    # tampering is detected; a price-only snapshot has no factors (and overwriting drops them)
    (folder / "factors.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(es.CacheError, match="fails its checksum"):
        load_snapshot_factors(folder)
    es.export_snapshot(prices, folder, overwrite=True)
    assert load_snapshot_factors(folder) is None
    assert not (folder / "factors.parquet").exists()
