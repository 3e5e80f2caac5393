"""The price cache treats its own files as untrusted input (docs/security.md).

Downloads are faked at the library's yfinance adapter boundary (``YahooSource(download=...)``,
the replacement of :func:`eventstudy.data.yahoo.yf_download`); nothing touches the network.
Each test is a row of the "Files, cache and outputs" table in docs/troubleshooting.md.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import multiprocessing
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy import config
from eventstudy.cli import main
from eventstudy.data.cache import (
    HOLIDAY_WEEKDAYS,
    PriceCache,
    frame_to_parquet_bytes,
    held_span,
    sha256_bytes,
)
from eventstudy.exceptions import CacheError
from test_data_yahoo import DATES, history, install_fake_yahoo, yf_shape
from test_file_safety import ReadOnlyFolder


class Fake:
    """``download(tickers, start, end)``: each call's outcome in turn (a history per ticker, or
    an exception raised); records the tickers of every call."""

    def __init__(self, *outcomes: BaseException | dict[str, pd.DataFrame]) -> None:
        self.outcomes, self.calls = list(outcomes), []  # type: list[Any], list[list[str]]

    def __call__(self, tickers: Any, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        self.calls.append(list(tickers))
        outcome = self.outcomes[min(len(self.calls), len(self.outcomes)) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return yf_shape({t: outcome.get(t) for t in tickers})


def source(root: Path, fake: Fake, **kw: Any) -> es.YahooSource:
    return es.YahooSource(cache_dir=root, download=fake, sleep=lambda s: None, pause=0.0, **kw)


def tidy(ticker: str, n: int = 5, base: float = 10.0) -> pd.DataFrame:
    dates = pd.bdate_range("2020-01-01", periods=n)
    return es.read_prices(
        pd.DataFrame(
            {"date": dates, "ticker": ticker, "adj_close": base + np.arange(n, dtype=float)}
        )
    )


# ----------------------------------------------------------------------------- paths
def _plant_outside_entry(root: Path) -> Path:
    """A valid Parquet file outside the cache, and a manifest entry for AAA pointing at it."""
    victim = root / "victim.parquet"
    frame = tidy("AAA")
    data = frame_to_parquet_bytes(frame)
    victim.write_bytes(data)
    cache = PriceCache(root / "cache")
    cache.folder.mkdir(parents=True)
    entry = {"file": "../../victim.parquet", "sha256": sha256_bytes(data), "start": "2019-01-01",
             "end": "2030-01-01"}  # fmt: skip
    cache.manifest_path.write_text(json.dumps({"format": 1, "entries": {"AAA": entry}}))
    return victim


def test_a_refresh_never_deletes_a_file_outside_the_cache(tmp_path: Path) -> None:
    victim = _plant_outside_entry(tmp_path)
    before = victim.read_bytes()
    fake = Fake({"AAA": history(DATES, 10.0)})
    out = es.load_prices(
        "AAA", DATES[0], DATES[-1], source=source(tmp_path / "cache", fake, refresh=True)
    )
    assert out["close"].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0]  # history(): base + 0, 1, ...
    assert victim.read_bytes() == before


def test_an_entry_pointing_outside_is_never_read(tmp_path: Path) -> None:
    _plant_outside_entry(tmp_path)
    with pytest.raises(CacheError, match="not a file of the cache folder"):
        es.load_prices("AAA", "2020-01-01", "2020-01-07", source=es.YahooSource(
            cache_dir=tmp_path / "cache", offline=True))  # fmt: skip


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_data_file_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path / "cache")
    entry = cache.put("AAA", tidy("AAA"), pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-07"))
    outside = tmp_path / "outside.parquet"
    (cache.folder / entry["file"]).rename(outside)
    (cache.folder / entry["file"]).symlink_to(outside)
    found = cache.lookup("AAA", pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-07"))
    assert found.status == "corrupt" and "not a file of the cache folder" in str(found.error)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
@pytest.mark.parametrize("name", ["manifest.json", "manifest.lock"])
def test_a_manifest_or_lock_that_is_a_symlink_is_refused(tmp_path: Path, name: str) -> None:
    cache = PriceCache(tmp_path / "cache")
    cache.folder.mkdir(parents=True)
    victim = tmp_path / "victim.json"
    victim.write_text('{"format": 1, "entries": {}}')
    (cache.folder / name).symlink_to(victim)
    with pytest.raises(CacheError, match="is a symbolic link"):
        cache.put("AAA", tidy("AAA"), pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-07"))
    assert victim.read_text() == '{"format": 1, "entries": {}}'  # neither read, written nor cut


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_cache_folder_that_is_a_symlink_never_loses_the_users_files(tmp_path: Path) -> None:
    # audit: <cache>/prices -> a user's folder; the sweep deleted the user's NOTES-<hex>.parquet
    mine = tmp_path / "mine"
    mine.mkdir()
    note = mine / "NOTES-0123456789abcdef.parquet"
    note.write_text("MINE")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "prices").symlink_to(mine)
    fake = Fake({"AAA": history(DATES, 10.0)})
    with pytest.raises(CacheError, match=r"cache folder .*prices is a symbolic link"):
        es.load_prices("AAA", DATES[0], DATES[-1], source=source(tmp_path / "cache", fake))
    assert note.read_text() == "MINE" and sorted(p.name for p in mine.iterdir()) == [note.name]


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda f: pd.DataFrame({"foo": [1.0], "bar": [2.0]}), r"missing column\(s\) \['date'"),
        (lambda f: f.assign(adj_close=np.where(np.arange(len(f)) == 2, -5.0, f["adj_close"])),
         r"non-positive or infinite adj_close"),
    ],
    ids=["wrong schema", "negative price"],
)  # fmt: skip
def test_a_cache_file_rewritten_with_its_checksum_is_still_checked(
    tmp_path: Path, tamper: Any, message: str
) -> None:
    # audit: a file replaced with the manifest's sha256 recomputed gave "unexpected input
    # (KeyError: 'date')", and a negative price came back from load_prices as stored
    from eventstudy.data.cache import sha256_bytes

    cache = PriceCache(tmp_path / "cache")
    entry = cache.put("AAA", tidy("AAA"), pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-07"))
    data = frame_to_parquet_bytes(tamper(tidy("AAA")))
    (cache.folder / entry["file"]).write_bytes(data)
    manifest = json.loads(cache.manifest_path.read_text())
    manifest["entries"]["AAA"]["sha256"] = sha256_bytes(data)
    cache.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CacheError, match=message + r".*delete the folder"):
        es.load_prices("AAA", "2020-01-01", "2020-01-07", source=es.YahooSource(
            cache_dir=tmp_path / "cache", offline=True))  # fmt: skip


# ----------------------------------------------------------------------------- manifest shape
WRONG_SHAPES = {
    "a list": [],
    "entries a list": {"format": 1, "entries": []},
    "entry a number": {"format": 1, "entries": {"AAA": 5}},
    "file a number": {"format": 1, "entries": {"AAA": {"file": 3, "sha256": "x", "start": "2020-01-01", "end": "2020-02-01"}}},
    "no sha256": {"format": 1, "entries": {"AAA": {"file": "AAA-0123456789abcdef.parquet", "start": "2020-01-01", "end": "2020-02-01"}}},
    "bad date": {"format": 1, "entries": {"AAA": {"file": "AAA-0123456789abcdef.parquet", "sha256": "x", "start": "soon", "end": "2020-02-01"}}},
}  # fmt: skip


@pytest.mark.parametrize("shape", list(WRONG_SHAPES), ids=list(WRONG_SHAPES))
def test_a_manifest_of_the_wrong_shape_is_a_cache_error_naming_the_fix(
    tmp_path: Path, shape: str
) -> None:
    cache = PriceCache(tmp_path)
    cache.folder.mkdir(parents=True)
    cache.manifest_path.write_text(json.dumps(WRONG_SHAPES[shape]))
    with pytest.raises(CacheError, match=r"wrong structure .*delete the folder .*prices"):
        cache.manifest()
    with pytest.raises(CacheError, match="wrong structure"):  # offline: reported, not raised raw
        es.load_prices(
            "AAA", DATES[0], DATES[-1], source=es.YahooSource(cache_dir=tmp_path, offline=True)
        )
    # online the entry is downloaded again and the manifest rebuilt
    out = es.load_prices(
        "AAA", DATES[0], DATES[-1], source=source(tmp_path, Fake({"AAA": history(DATES, 10.0)}))
    )
    assert out["close"].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0]
    assert set(cache.manifest()["entries"]) == {"AAA"}


# ----------------------------------------------------------------------------- concurrency
def _put_many(root: str, worker: int, count: int, start: Any) -> None:
    start.wait()
    cache = PriceCache(root)
    for k in range(count):
        ticker = f"W{worker}T{k:02d}"
        cache.put(
            ticker,
            tidy(ticker, base=10.0 + k),
            pd.Timestamp("2020-01-01"),
            pd.Timestamp("2020-01-07"),
        )


def test_concurrent_writers_lose_no_entry(tmp_path: Path) -> None:
    workers, count = 4, 15
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [
        ctx.Process(target=_put_many, args=(str(tmp_path), w, count, start)) for w in range(workers)
    ]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(timeout=180)
        assert proc.exitcode == 0
    cache = PriceCache(tmp_path)
    expected = {f"W{w}T{k:02d}" for w in range(workers) for k in range(count)}
    assert set(cache.manifest()["entries"]) == expected  # every writer's every entry
    for ticker in expected:
        found = cache.lookup(ticker, pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-07"))
        assert found.status == "hit" and found.frame is not None
        k = int(ticker[-2:])
        assert found.frame["adj_close"].tolist() == [10.0 + k + i for i in range(5)]
    assert sorted(p.name for p in cache.folder.iterdir() if p.suffix == ".parquet") == sorted(
        e["file"] for e in cache.manifest()["entries"].values()
    )


# ----------------------------------------------------------------------------- interrupts
def test_completed_batches_survive_an_interrupt(tmp_path: Path) -> None:
    first = {"AAA": history(DATES, 10.0), "BBB": history(DATES, 20.0)}
    fake = Fake(first, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C during the second batch
        es.load_prices(["AAA", "BBB", "CCC", "DDD"], DATES[0], DATES[-1],
                       source=source(tmp_path, fake, batch_size=2))  # fmt: skip
    assert fake.calls == [["AAA", "BBB"], ["CCC", "DDD"]]
    cached = es.load_prices(["AAA", "BBB"], DATES[0], DATES[-1],
                            source=es.YahooSource(cache_dir=tmp_path, offline=True))  # fmt: skip
    assert cached[cached["ticker"] == "BBB"]["close"].tolist() == [20.0, 21.0, 22.0, 23.0, 24.0]


# ----------------------------------------------------------------------------- coverage
def test_a_truncated_response_records_only_the_sessions_it_holds(tmp_path: Path) -> None:
    end = "2024-03-28"  # Yahoo answers only the first five sessions of January
    fake = Fake({"AAA": history(DATES, 10.0)})
    es.load_prices("AAA", DATES[0], end, source=source(tmp_path, fake))
    entry = PriceCache(tmp_path).manifest()["entries"]["AAA"]
    assert (entry["start"], entry["end"]) == (DATES[0], DATES[-1])
    # so the full span is asked for again instead of being served the short history
    es.load_prices("AAA", DATES[0], end, source=source(tmp_path, fake))
    assert fake.calls == [["AAA"], ["AAA"]]


def test_a_response_ending_within_the_tolerance_covers_the_request(tmp_path: Path) -> None:
    # the request ends on the Sunday after HOLIDAY_WEEKDAYS weekdays without a session (e.g.
    # a closure such as 11-14 Sep 2001): legitimate non-sessions, no truncation
    last = pd.Timestamp(DATES[-1])  # Monday 8 Jan 2024
    end = (last + pd.offsets.BDay(HOLIDAY_WEEKDAYS) + pd.Timedelta(days=2)).strftime("%Y-%m-%d")
    assert pd.Timestamp(end).day_name() == "Sunday"
    fake = Fake({"AAA": history(DATES, 10.0)})
    es.load_prices("AAA", DATES[0], end, source=source(tmp_path, fake))
    assert PriceCache(tmp_path).manifest()["entries"]["AAA"]["end"] == end
    es.load_prices("AAA", DATES[0], end, source=source(tmp_path, fake))
    assert fake.calls == [["AAA"]]


def test_a_response_starting_late_records_only_the_sessions_it_holds(tmp_path: Path) -> None:
    # asked from 1 Nov 2023, Yahoo answers from 2 Jan 2024 only (truncated, or listed later)
    fake = Fake({"AAA": history(DATES, 10.0)})
    es.load_prices("AAA", "2023-11-01", DATES[-1], source=source(tmp_path, fake))
    entry = PriceCache(tmp_path).manifest()["entries"]["AAA"]
    assert (entry["start"], entry["end"]) == (DATES[0], DATES[-1])
    assert (entry["asked_start"], entry["asked_end"]) == ("2023-11-01", DATES[-1])
    # the missing early part is not believed cached: it is asked for again
    with contextlib.suppress(es.DataUnavailableError):
        es.load_prices("AAA", "2023-11-01", "2023-12-29", source=source(tmp_path, fake))
    assert fake.calls == [["AAA"], ["AAA"]]


def test_a_request_starting_on_a_weekend_or_holiday_is_covered_by_the_next_session(
    tmp_path: Path,
) -> None:
    # Saturday 30 Dec 2023; Monday 1 Jan is a holiday; the first session is Tuesday 2 Jan
    fake = Fake({"AAA": history(DATES, 10.0)})
    es.load_prices("AAA", "2023-12-30", DATES[-1], source=source(tmp_path, fake))
    assert PriceCache(tmp_path).manifest()["entries"]["AAA"]["start"] == "2023-12-30"
    again = es.load_prices("AAA", "2023-12-30", DATES[-1], source=source(tmp_path, fake))
    assert fake.calls == [["AAA"]] and len(again) == len(DATES)


@pytest.mark.parametrize(
    ("start", "recorded"),
    [
        ("2024-01-02", "2024-01-02"),  # Tue-Fri: 4 weekdays without a session, within tolerance
        ("2024-01-01", "2024-01-08"),  # Mon-Fri: 5 weekdays, more than HOLIDAY_WEEKDAYS
        ("2023-12-30", "2024-01-08"),  # a weekend adds nothing: still 5 weekdays
    ],
)
def test_held_span_counts_weekdays_between_the_requested_and_the_first_date(
    start: str, recorded: str
) -> None:
    assert HOLIDAY_WEEKDAYS == 4  # the boundary the cases below sit on
    frame = pd.DataFrame({"date": pd.to_datetime(["2024-01-08", "2024-01-09"])})
    held = held_span(frame, pd.Timestamp(start), pd.Timestamp("2024-01-09"))
    assert held == (pd.Timestamp(recorded), pd.Timestamp("2024-01-09"))


def test_offline_a_late_listing_is_served_with_a_warning_only_inside_the_span_asked(
    tmp_path: Path,
) -> None:
    fake = Fake({"AAA": history(DATES, 10.0)})
    es.load_prices("AAA", "2023-11-01", DATES[-1], source=source(tmp_path, fake))
    offline = es.YahooSource(cache_dir=tmp_path, offline=True)
    with pytest.warns(es.EventStudyWarning, match=r"AAA: offline, the cache holds only 2024-01-02"):
        out = es.load_prices("AAA", "2023-12-01", DATES[-1], source=offline)
    assert out["date"].dt.strftime("%Y-%m-%d").tolist() == DATES
    with pytest.raises(es.DataUnavailableError, match="only partly in cache"):
        es.load_prices("AAA", "2023-10-02", DATES[-1], source=offline)  # never asked for


# ----------------------------------------------------------------------------- orphans
def test_orphaned_temp_and_data_files_are_swept(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path)
    cache.folder.mkdir(parents=True)
    temp = cache.folder / ".AAA-0123456789abcdef.parquet.x1y2z3.tmp"  # a killed writer's, fresh
    unlisted = cache.folder / "ZZZ-0123456789abcdef.parquet"  # written, never recorded
    mine = cache.folder / "README.txt"  # not the cache's: never deleted
    for path in (temp, unlisted, mine):
        path.write_bytes(b"x")
    cache.put("AAA", tidy("AAA"), pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-07"))
    assert not temp.exists() and not unlisted.exists()
    assert mine.read_bytes() == b"x"


# ----------------------------------------------------------------------------- unwritable
def test_an_unwritable_cache_is_a_cache_error_before_any_download(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where the cache folder should be (works as root too)
    fake = Fake({"AAA": history(DATES, 10.0)})
    with pytest.raises(CacheError, match=r"not writable .*EVENTSTUDY_CACHE_DIR"):
        es.load_prices("AAA", DATES[0], DATES[-1], source=source(blocker / "cache", fake))
    assert fake.calls == []


def test_cli_fetch_with_an_unwritable_cache_is_one_line_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_yahoo(monkeypatch)((
        {"AAA": history(DATES, 10.0), "SPY": history(DATES, 5.0)}, {}))  # fmt: skip
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("EVENTSTUDY_CACHE_DIR", str(blocker / "cache"))
    spec = tmp_path / "s.toml"
    spec.write_text('[events]\ndate = 2024-01-05\ntickers = ["AAA"]\n')
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["fetch", str(spec), "-q"])
    assert code == 3, err.getvalue()
    text = err.getvalue()
    assert "not writable" in text and "Traceback" not in text and len(text.splitlines()) == 1


def _cache_files(cache: PriceCache) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in cache.folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("err", [errno.EACCES, errno.EROFS])
def test_a_cache_folder_made_read_only_is_a_cache_error_before_any_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: int
) -> None:
    # filled once, then read-only: the lock file is still there and opens, as root it always
    # does - only creating a file fails (faked at the write boundary, so it bites as root too)
    fake = Fake({"AAA": history(DATES, 10.0)})
    es.load_prices("AAA", DATES[0], DATES[-1], source=source(tmp_path, fake))
    cache = PriceCache(tmp_path)
    before = _cache_files(cache)
    ReadOnlyFolder(cache.folder, err).install(monkeypatch)
    with pytest.raises(CacheError) as info:  # BBB is not cached: it would be downloaded
        es.load_prices(["AAA", "BBB"], DATES[0], DATES[-1], source=source(tmp_path, fake))
    assert str(info.value) == (
        f"the cache folder {cache.folder} is not writable ({os.strerror(err)}); fix its "
        "permissions or set EVENTSTUDY_CACHE_DIR to a writable folder"
    )
    assert fake.calls == [["AAA"]]  # was: downloaded, then an OutputError when caching it
    assert _cache_files(cache) == before  # nothing added, removed or changed
    # reading what is cached still works from a read-only cache
    assert len(es.load_prices("AAA", DATES[0], DATES[-1], source=source(tmp_path, fake))) == 5


def test_cli_fetch_with_a_read_only_cache_folder_is_one_line_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = install_fake_yahoo(monkeypatch)((
        {"AAA": history(DATES, 10.0), "SPY": history(DATES, 5.0)}, {}))  # fmt: skip
    cache = PriceCache(tmp_path / "cache")
    cache.ensure_writable()  # the folder and its lock file exist
    monkeypatch.setenv("EVENTSTUDY_CACHE_DIR", str(cache.root))
    ReadOnlyFolder(cache.folder).install(monkeypatch)
    spec = tmp_path / "s.toml"
    spec.write_text('[events]\ndate = 2024-01-05\ntickers = ["AAA"]\n')
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["fetch", str(spec), "-q"])
    assert code == 3, err.getvalue()
    assert err.getvalue() == (
        f"eventstudy: data error: the cache folder {cache.folder} is not writable "
        "(Read-only file system); fix its permissions or set EVENTSTUDY_CACHE_DIR to a "
        "writable folder\n"
    )
    assert fake.calls == [] and sorted(p.name for p in cache.folder.iterdir()) == ["manifest.lock"]


# ----------------------------------------------------------------------------- default folder
def test_the_default_cache_folder_comes_from_platformdirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    asked: list[tuple[Any, ...]] = []

    def user_cache_dir(*args: Any, **kwargs: Any) -> str:
        asked.append((*args, *kwargs.items()))
        return str(tmp_path / "platform-cache")

    monkeypatch.setattr(platformdirs, "user_cache_dir", user_cache_dir)
    monkeypatch.delenv("EVENTSTUDY_CACHE_DIR", raising=False)
    assert config.cache_dir() == tmp_path / "platform-cache"
    assert asked and asked[0][0] == "eventstudy"
    monkeypatch.setenv("EVENTSTUDY_CACHE_DIR", str(tmp_path / "mine"))
    assert config.cache_dir() == tmp_path / "mine"  # the environment variable wins


# ----------------------------------------------------------------------------- factor cache
def test_a_factor_manifest_of_the_wrong_shape_is_a_cache_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventstudy.data import factors as factors_mod
    from test_data_factors import ROWS, _french_zip

    monkeypatch.setattr(factors_mod, "_download_url", lambda url, timeout=30.0: _french_zip(ROWS))
    es.load_factors("ff3", cache_dir=tmp_path)
    manifest = tmp_path / "factors" / "F-F_Research_Data_Factors_daily_CSV.zip.json"
    manifest.write_text("[1, 2]")  # valid JSON, wrong structure (was: a raw TypeError)
    with pytest.raises(CacheError, match="cached factor file .* is corrupt"):
        es.load_factors("ff3", cache_dir=tmp_path, offline=True)
    assert es.load_factors("ff3", cache_dir=tmp_path).shape == (2, 4)  # re-downloaded online


def test_an_unwritable_factor_cache_is_a_cache_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventstudy.data import factors as factors_mod
    from test_data_factors import ROWS, _french_zip

    monkeypatch.setattr(factors_mod, "_download_url", lambda url, timeout=30.0: _french_zip(ROWS))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheError, match=r"not writable .*EVENTSTUDY_CACHE_DIR"):
        es.load_factors("ff3", cache_dir=blocker / "cache")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_factor_file_that_is_a_symlink_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventstudy.data import factors as factors_mod
    from test_data_factors import ROWS, _french_zip

    monkeypatch.setattr(factors_mod, "_download_url", lambda url, timeout=30.0: _french_zip(ROWS))
    es.load_factors("ff3", cache_dir=tmp_path / "cache")
    cached = tmp_path / "cache" / "factors" / "F-F_Research_Data_Factors_daily_CSV.zip"
    outside = tmp_path / "outside.zip"
    cached.rename(outside)
    cached.symlink_to(outside)  # the recorded sha256 still matches the file behind the link
    with pytest.raises(CacheError, match="is a symbolic link"):
        es.load_factors("ff3", cache_dir=tmp_path / "cache", offline=True)


@pytest.mark.parametrize("ticker", ["X" * 300, "A/B", "../EVIL", ".."])
def test_a_hostile_or_overlong_ticker_is_cached_under_a_safe_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ticker: str
) -> None:
    # was: a 300-character ticker raised a raw OSError (file name too long) from load_prices
    install_fake_yahoo(monkeypatch)(({ticker.upper(): history(DATES, 10.0)}, {}))
    cache = tmp_path / "cache"
    out = es.load_prices(
        ticker, DATES[0], DATES[-1], source=es.YahooSource(cache_dir=cache, sleep=lambda s: None)
    )
    assert len(out) == len(DATES)
    entry = json.loads((cache / "prices" / "manifest.json").read_text())["entries"]
    (name,) = [e["file"] for e in entry.values()]
    assert "/" not in name and not name.startswith(".") and len(name) <= 40 + 26
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # nothing outside
