"""The on-disk price cache: round trip, coverage, atomic writes under crashes, corruption, offline."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.data.cache import PriceCache, write_bytes_atomic
from test_data_yahoo import DATES, FakeYahoo, history, install_fake_yahoo


@pytest.fixture
def fake_yahoo(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeYahoo]:
    """``yfinance.download`` replaced by the recorded-shape fake of test_data_yahoo."""
    return install_fake_yahoo(monkeypatch)


def _source(cache: Path, **kw: Any) -> es.YahooSource:
    return es.YahooSource(cache_dir=cache, sleep=lambda s: None, **kw)


def _tidy(ticker: str, n: int, base: float) -> pd.DataFrame:
    dates = pd.bdate_range("2020-01-01", periods=n)
    return es.read_prices(
        pd.DataFrame(
            {
                "date": dates,
                "ticker": ticker,
                "adj_close": base + np.arange(n) * 0.01,
                "close": base + 1.0,
            }
        )
    )


def test_round_trip_manifest_and_hit_without_network(
    tmp_path: Path, fake_yahoo: Callable[..., FakeYahoo]
) -> None:
    fake = fake_yahoo(({"AAPL": history(DATES, 100.0)}, {}))
    first = es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path))
    manifest = json.loads((tmp_path / "prices" / "manifest.json").read_text())
    entry = manifest["entries"]["AAPL"]
    data = (tmp_path / "prices" / entry["file"]).read_bytes()
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()  # checksum of the file itself
    assert (entry["start"], entry["end"]) == ("2024-01-02", "2024-01-08")
    assert (entry["first_date"], entry["last_date"], entry["rows"]) == (
        "2024-01-02",
        "2024-01-08",
        5,
    )
    assert entry["source"] == "yahoo" and entry["auto_adjust"] is False and entry["actions"] is True
    assert entry["yfinance_version"] and entry["downloaded_at"]
    assert not list((tmp_path / "prices").glob("*.pkl")) and not list(
        (tmp_path / "prices").glob(".*.tmp")
    )
    # a sub-span is a hit: no new call, identical values
    again = es.load_prices("AAPL", "2024-01-03", "2024-01-05", source=_source(tmp_path))
    assert len(fake.calls) == 1
    expected = first[first["date"].between("2024-01-03", "2024-01-05")].reset_index(drop=True)
    pd.testing.assert_frame_equal(again, expected)


def test_env_var_cache_dir_is_default(
    fake_yahoo: Callable[..., FakeYahoo], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTSTUDY_CACHE_DIR", str(tmp_path / "envcache"))
    fake_yahoo(({"AAPL": history(DATES, 100.0)}, {}))
    es.load_prices("AAPL", "2024-01-02", "2024-01-08", offline=False)
    assert (tmp_path / "envcache" / "prices" / "manifest.json").exists()


def test_partial_cover_downloads_the_union_span(
    tmp_path: Path, fake_yahoo: Callable[..., FakeYahoo]
) -> None:
    fake = fake_yahoo(({"AAPL": history(DATES, 100.0)}, {}))
    es.load_prices("AAPL", "2024-01-04", "2024-01-08", source=_source(tmp_path))
    out = es.load_prices("AAPL", "2024-01-02", "2024-01-05", source=_source(tmp_path))
    assert [(c["start"], c["end"]) for c in fake.calls] == [
        ("2024-01-04", "2024-01-09"),
        ("2024-01-02", "2024-01-09"),
    ]
    assert out["date"].max() == pd.Timestamp("2024-01-05")
    entry = PriceCache(tmp_path).manifest()["entries"]["AAPL"]
    assert (entry["start"], entry["end"]) == ("2024-01-02", "2024-01-08")
    assert len(list((tmp_path / "prices").glob("AAPL-*.parquet"))) == 1  # old file removed


def test_refresh_ignores_cache(tmp_path: Path, fake_yahoo: Callable[..., FakeYahoo]) -> None:
    fake = fake_yahoo(({"AAPL": history(DATES, 100.0)}, {}), ({"AAPL": history(DATES, 200.0)}, {}))
    es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path))
    out = es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path, refresh=True))
    assert len(fake.calls) == 2 and out["close"].iloc[0] == 200.0


def test_offline_miss_names_ticker_and_span(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTSTUDY_OFFLINE", "1")
    with pytest.raises(
        es.DataUnavailableError,
        match=r"NVDA \(not in cache for 2024-01-02\.\.2024-01-08 \(offline\)\).*prices_dir",
    ) as info:
        es.load_prices("NVDA", "2024-01-02", "2024-01-08", cache_dir=tmp_path)
    assert info.value.failed == {"NVDA": "not in cache for 2024-01-02..2024-01-08 (offline)"}


def test_offline_never_calls_download(tmp_path: Path, fake_yahoo: Callable[..., FakeYahoo]) -> None:
    fake = fake_yahoo(({"AAPL": history(DATES, 100.0)}, {}))
    es.load_prices("AAPL", "2024-01-03", "2024-01-05", source=_source(tmp_path))
    with pytest.raises(es.DataUnavailableError, match="only partly in cache"):
        es.load_prices("AAPL", "2024-01-02", "2024-01-05", source=_source(tmp_path, offline=True))
    assert len(fake.calls) == 1


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_file_is_refetched_online_and_reported_offline(
    tmp_path: Path, fake_yahoo: Callable[..., FakeYahoo], damage: str
) -> None:
    fake = fake_yahoo(({"AAPL": history(DATES, 100.0)}, {}))
    good = es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path))
    entry = PriceCache(tmp_path).manifest()["entries"]["AAPL"]
    path = tmp_path / "prices" / entry["file"]
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    else:
        path.write_bytes(b"not parquet at all")
    with pytest.raises(es.CacheError, match=r"AAPL: .*fails its checksum"):
        es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path, offline=True))
    again = es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path))
    assert len(fake.calls) == 2
    pd.testing.assert_frame_equal(again, good, check_like=True)


def test_unreadable_manifest_is_reported_offline(
    tmp_path: Path, fake_yahoo: Callable[..., FakeYahoo]
) -> None:
    fake_yahoo(({"AAPL": history(DATES, 100.0)}, {}))
    es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path))
    (tmp_path / "prices" / "manifest.json").write_text('{"entries": {"AA')
    with pytest.raises(es.CacheError, match="manifest .* unreadable"):
        es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path, offline=True))


def test_atomic_write_when_replace_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = PriceCache(tmp_path)
    old = _tidy("AAA", 30, 10.0)
    cache.put("AAA", old, old["date"].min(), old["date"].max())
    manifest_before = cache.manifest_path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError("simulated crash during rename")

    monkeypatch.setattr(os, "replace", crash)
    new = _tidy("AAA", 30, 99.0)
    with pytest.raises(es.OutputError, match="simulated crash"):
        cache.put("AAA", new, new["date"].min(), new["date"].max())
    monkeypatch.undo()
    assert cache.manifest_path.read_bytes() == manifest_before  # manifest untouched
    assert not list(cache.folder.glob(".*.tmp"))  # temp file cleaned up, never read
    hit = cache.lookup("AAA", old["date"].min(), old["date"].max())
    assert hit.status == "hit" and hit.frame is not None
    pd.testing.assert_frame_equal(
        hit.frame.reset_index(drop=True), old.reset_index(drop=True), check_like=True
    )


def test_write_bytes_atomic_keeps_old_content_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.bin"
    write_bytes_atomic(target, b"old")
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(es.OutputError, match="disk full"):
        write_bytes_atomic(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]


def _kill_writer_mid_write(folder: Path) -> list[Path]:
    """Start a process rewriting the cache in ``folder`` in a loop; SIGKILL it while a temp
    file exists. Returns the temp files left behind (empty if the write finished first)."""
    script = textwrap.dedent(
        f"""
        import numpy as np, pandas as pd
        from eventstudy.data.cache import PriceCache
        from eventstudy.data.readers import read_prices

        def tidy(base):
            dates = pd.bdate_range("1990-01-01", periods=20000)
            return read_prices(pd.DataFrame({{"date": dates, "ticker": "AAA",
                                              "adj_close": base + np.arange(20000) * 1e-3}}))

        frames = [tidy(10.0), tidy(20.0)]
        cache = PriceCache({str(folder)!r})
        lo, hi = frames[0]["date"].min(), frames[0]["date"].max()
        cache.put("AAA", frames[0], lo, hi)
        print("ready", flush=True)
        i = 1
        while True:
            cache.put("AAA", frames[i % 2], lo, hi)
            i += 1
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    prices = folder / "prices"
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 10
        # poll finely; kill as soon as a temp file exists, i.e. in the middle of a write
        while not any(n.endswith(".tmp") for n in os.listdir(prices)):
            if time.monotonic() > deadline:
                break
            time.sleep(0.0002)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    # A finished write renames its temp file away and a failed one unlinks it; only a writer
    # killed between creating and renaming it leaves one behind (the sweep spares young ones).
    return sorted(prices.glob(".*.tmp"))


def test_sigkill_mid_write_never_leaves_a_readable_bad_file(tmp_path: Path) -> None:
    """A real process rewriting the cache in a loop is killed with SIGKILL mid-write."""
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("no SIGKILL on this platform")
    # A write (Parquet or manifest, each fsync'ed) keeps its temp file for milliseconds, the
    # poll-to-kill gap is microseconds: a kill nearly always lands mid-write (60/60 in trials,
    # also with both cores busy). A fresh writer is tried again only if the write won the race.
    left: list[Path] = []
    for attempt in range(3):
        folder = tmp_path / f"attempt{attempt}"
        left = _kill_writer_mid_write(folder)
        if left:
            break
    assert left, "the writer was never killed while a temp file existed (3 attempts)"
    cache = PriceCache(folder)
    entry = cache.manifest()["entries"]["AAA"]
    found = cache.lookup("AAA", pd.Timestamp(entry["start"]), pd.Timestamp(entry["end"]))
    assert found.status == "hit" and found.frame is not None, found.error
    first = found.frame["adj_close"].iloc[0]
    assert first in (10.0, 20.0)
    expected = first + np.arange(20000) * 1e-3
    np.testing.assert_array_equal(found.frame["adj_close"].to_numpy(), expected)
    # abandoned temp files are swept once old, never read
    for tmp in left:
        os.utime(tmp, (time.time() - 7200, time.time() - 7200))
    cache.put("AAA", found.frame, pd.Timestamp(entry["start"]), pd.Timestamp(entry["end"]))
    assert not any(tmp.exists() for tmp in left)
    assert not list((folder / "prices").glob(".*.tmp"))


def test_unsettled_rows_are_neither_cached_nor_served(
    tmp_path: Path, fake_yahoo: Callable[..., FakeYahoo], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Yahoo's row for today is a live price: rows after the last settled date are dropped
    and the entry never claims to cover them, so a later request downloads again."""
    from eventstudy.data import cache as cache_mod

    def settled_on(day: str) -> None:
        monkeypatch.setattr(cache_mod, "last_settled_date", lambda now=None: pd.Timestamp(day))

    fake = fake_yahoo(({"AAPL": history(DATES, 100.0)}, {}), ({"AAPL": history(DATES, 100.0)}, {}))
    settled_on("2024-01-04")  # the fake also returns 01-05 and 01-08: not final yet
    out = es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path))
    assert out["date"].max() == pd.Timestamp("2024-01-04")
    entry = PriceCache(tmp_path).manifest()["entries"]["AAPL"]
    assert (entry["end"], entry["last_date"]) == ("2024-01-04", "2024-01-04")
    settled_on("2024-01-08")  # days later: the same request is not a cache hit
    again = es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(tmp_path))
    assert len(fake.calls) == 2 and again["date"].max() == pd.Timestamp("2024-01-08")
    assert PriceCache(tmp_path).manifest()["entries"]["AAPL"]["end"] == "2024-01-08"


def test_last_settled_date_is_yesterday_in_utc() -> None:
    from eventstudy.data.cache import last_settled_date

    # 15:00 in New York on Monday 2025-01-27 (20:00 UTC): the session is still open
    assert last_settled_date(pd.Timestamp("2025-01-27 15:00", tz="America/New_York")) == (
        pd.Timestamp("2025-01-26")
    )
    # 00:30 UTC on 2025-01-28: Monday's close (21:00 UTC) is final
    assert last_settled_date(pd.Timestamp("2025-01-28 00:30", tz="UTC")) == pd.Timestamp(
        "2025-01-27"
    )
