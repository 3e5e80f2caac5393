"""load_factors: the shared local CSVs, and Ken French zips built in the test (no network)."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import eventstudy as es
from eventstudy.data import factors as factors_mod
from eventstudy.exceptions import DataError, DataUnavailableError, SpecError


def _csv_value(path: Path, date: str, column: str) -> float:
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Date"] == date:
                return float(row[column])
    raise AssertionError(date)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("model", "columns"),
    [
        ("ff3", ["Mkt-RF", "SMB", "HML", "RF"]),
        ("ff5", ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"]),
        ("carhart", ["Mkt-RF", "SMB", "HML", "Mom", "RF"]),
        ("ff5mom", ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom", "RF"]),
    ],
)
def test_local_factor_files_percent_to_decimal(
    shared_data: Path, model: str, columns: list[str]
) -> None:
    folder = shared_data / "prices" / "factors"
    out = es.load_factors(model, factors_dir=folder, start="2025-01-02", end="2025-01-31")  # type: ignore[arg-type]
    assert list(out.columns) == columns
    assert out.index.name == "date" and str(out.index.dtype) == "datetime64[ns]"
    assert out.index[0] == pd.Timestamp("2025-01-02") and out.index[-1] == pd.Timestamp(
        "2025-01-31"
    )
    ff = "FF5_daily.csv" if model.startswith("ff5") else "FF3_daily.csv"
    assert out.loc["2025-01-27", "Mkt-RF"] == pytest.approx(
        _csv_value(folder / ff, "2025-01-27", "Mkt-RF") / 100
    )
    if "Mom" in columns:
        assert out.loc["2025-01-27", "Mom"] == pytest.approx(
            _csv_value(folder / "MOM_daily.csv", "2025-01-27", "Mom") / 100
        )
    assert out.attrs["units"] == "decimal"
    assert set(out.attrs["scale"].values()) == {"percent"}


@pytest.mark.shared_data
def test_model_names_are_case_insensitive(shared_data: Path) -> None:
    folder = shared_data / "prices" / "factors"
    upper = es.load_factors("FF3", factors_dir=folder)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(upper, es.load_factors("ff3", factors_dir=folder))
    alias = es.load_factors("Carhart4", factors_dir=folder)  # type: ignore[arg-type]
    assert list(alias.columns) == ["Mkt-RF", "SMB", "HML", "Mom", "RF"]


@pytest.mark.shared_data
def test_env_var_folder_and_end_after_data(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTSTUDY_FACTORS_DIR", str(shared_data / "prices" / "factors"))
    with pytest.raises(DataUnavailableError, match=r"end on 2025-12-31 .*end=2026-02-27"):
        es.load_factors("ff3", end="2026-02-27")


def _french_zip(
    rows: list[str], header: str = ",Mkt-RF,SMB,HML,RF", encoding: str = "utf-8"
) -> bytes:
    text = "\r\n".join(
        [
            "This file was created by CMPT_ME_BEME_RETS_DAILY using the 202604 CRSP database.",
            "The 1-month TBill rate data until 202405 are from Ibbotson Associates.",
            "",
            header,
            *rows,
            "",
            "Copyright 2026 Eugene F. Fama and Kenneth R. French",
            "",
        ]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("F-F_Research_Data_Factors_daily.csv", text.encode(encoding))
    return buffer.getvalue()


ROWS = ["20250102,  -0.25,  0.10,  0.33,  0.017", "20250103,   1.15, -0.40,  -0.2,  0.017"]


def test_zip_parser_on_synthetic_zip(tmp_path: Path) -> None:
    raw = _french_zip(ROWS)
    path = tmp_path / "F-F_Research_Data_Factors_daily_CSV.zip"
    path.write_bytes(raw)
    out = es.load_factors("ff3", path=path)
    assert out.index.tolist() == [pd.Timestamp("2025-01-02"), pd.Timestamp("2025-01-03")]
    assert out.loc["2025-01-02"].tolist() == pytest.approx([-0.0025, 0.0010, 0.0033, 0.00017])
    assert out.loc["2025-01-03", "Mkt-RF"] == pytest.approx(0.0115)
    assert out.attrs["vintage"] == "202604"
    assert "CMPT_ME_BEME_RETS_DAILY" in out.attrs["vintage_text"]["file"]
    assert out.attrs["vintage_text"]["file"].endswith(
        "Copyright 2026 Eugene F. Fama and Kenneth R. French"
    )
    assert out.attrs["sha256"]["file"] == hashlib.sha256(raw).hexdigest()


def test_download_is_cached_atomically_and_reused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[str] = []
    raw_ff3, raw_mom = (
        _french_zip(ROWS),
        _french_zip(["20250102, 0.5", "20250103, -1.5"], header=",Mom   ", encoding="latin-1"),
    )

    def fake(url: str, timeout: float = 30.0) -> bytes:
        calls.append(url)
        return raw_mom if "Momentum" in url else raw_ff3

    monkeypatch.setattr(factors_mod, "_download_url", fake)
    out = es.load_factors("carhart", cache_dir=tmp_path)
    assert out.loc["2025-01-03", "Mom"] == pytest.approx(-0.015)
    assert len(calls) == 2 and all(u.startswith(factors_mod.FRENCH_URL) for u in calls)
    cached = tmp_path / "factors" / "F-F_Research_Data_Factors_daily_CSV.zip"
    assert cached.read_bytes() == raw_ff3
    assert not list((tmp_path / "factors").glob(".*.tmp"))
    again = es.load_factors("carhart", cache_dir=tmp_path, offline=True)  # no download offline
    pd.testing.assert_frame_equal(again, out)
    assert len(calls) == 2
    # stale cache (ends before the requested end) online: downloaded again, then a clear error
    with pytest.raises(DataUnavailableError, match=r"end on 2025-01-03 \(vintage 202604\)"):
        es.load_factors("ff3", end="2025-03-31", cache_dir=tmp_path)
    assert len(calls) == 3


def test_offline_without_cache_and_corrupt_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DataUnavailableError, match="not in the cache .* offline"):
        es.load_factors("ff3", cache_dir=tmp_path, offline=True)
    monkeypatch.setattr(factors_mod, "_download_url", lambda url, timeout=30.0: _french_zip(ROWS))
    es.load_factors("ff3", cache_dir=tmp_path)
    cached = tmp_path / "factors" / "F-F_Research_Data_Factors_daily_CSV.zip"
    cached.write_bytes(cached.read_bytes()[:-20])  # truncate
    with pytest.raises(es.CacheError, match="corrupt"):
        es.load_factors("ff3", cache_dir=tmp_path, offline=True)
    assert es.load_factors("ff3", cache_dir=tmp_path).shape == (2, 4)  # re-downloaded online


def test_decimal_local_csv_is_not_rescaled(tmp_path: Path) -> None:
    path = tmp_path / "ff.csv"
    path.write_text(
        "Date,Mkt-RF,SMB,HML,RF\n2025-01-02,-0.0025,0.001,0.0033,0.00017\n2025-01-03,0.0115,-0.004,-0.002,0.00017\n"
    )
    out = es.load_factors("ff3", path=path)
    assert out.attrs["scale"]["file"] == "decimal"
    assert out.loc["2025-01-03", "Mkt-RF"] == 0.0115
    forced = es.load_factors("ff3", path=path, scale="percent")
    assert forced.loc["2025-01-03", "Mkt-RF"] == pytest.approx(0.000115)


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="model=.ff7."):
        es.load_factors("ff7")  # type: ignore[arg-type]
    path = tmp_path / "ff.csv"
    path.write_text("Date,Mkt-RF,SMB,RF\n2025-01-02,1,2,0.01\n")
    with pytest.raises(DataError, match=r"lack column\(s\) \['HML'\]"):
        es.load_factors("ff3", path=path)
    with pytest.raises(DataUnavailableError, match="no FF5_daily.csv"):
        es.load_factors("ff5", factors_dir=tmp_path)


@pytest.mark.shared_data
def test_vintage_of_local_files_is_unknown_unless_stated(shared_data: Path) -> None:
    folder = shared_data / "prices" / "factors"
    plain = es.load_factors("ff3", factors_dir=folder, start="2025-01-02", end="2025-01-31")
    assert plain.attrs["vintage"] == "unknown"  # the shared CSVs carry no vintage line
    stated = es.load_factors(
        "carhart", factors_dir=folder, start="2025-01-02", end="2025-01-31", vintage="202604"
    )
    assert stated.attrs["vintage"] == "202604 (stated by the user)"
    pd.testing.assert_frame_equal(stated[plain.columns], plain, check_like=True)
    with pytest.raises(SpecError, match="vintage= must be a non-empty string"):
        es.load_factors("ff3", factors_dir=folder, vintage=" ")


def test_a_files_own_vintage_line_wins_over_a_stated_one(tmp_path: Path) -> None:
    path = tmp_path / "F-F_Research_Data_Factors_daily_CSV.zip"
    path.write_bytes(_french_zip(ROWS))
    out = es.load_factors("ff3", path=path, vintage="209912")
    assert out.attrs["vintage"] == "202604"  # read from the file's header line


def test_network_failure_is_data_unavailable_not_an_io_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.error

    def no_network(url: str, timeout: float = 30.0) -> bytes:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(factors_mod, "_download_url", no_network)
    with pytest.raises(DataUnavailableError, match="could not download factor file") as err:
        es.load_factors("ff3", cache_dir=tmp_path)
    assert "--factors-dir" in str(err.value) and "name resolution" in str(err.value)
    assert list(err.value.failed) == ["F-F_Research_Data_Factors_daily_CSV.zip"]
    assert not (tmp_path / "factors" / "F-F_Research_Data_Factors_daily_CSV.zip").exists()
