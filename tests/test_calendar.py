"""Trading sessions and announcement -> day 0 (calendar.py)."""

from __future__ import annotations

import pandas as pd
import pytest

import eventstudy as es
from eventstudy.calendar import map_to_day0, trading_sessions
from eventstudy.exceptions import DataError, SpecError


def _day0(result: pd.DataFrame, i: int = 0) -> pd.Timestamp:
    return pd.Timestamp(result["day0"].iloc[i])


def test_trading_sessions_2024_has_252_nyse_sessions() -> None:
    # NYSE published 252 trading days for 2024 (and ecosystem notes verify the same)
    s = trading_sessions("2024-01-01", "2024-12-31")
    assert len(s) == 252
    assert s.dtype == "datetime64[ns]"
    assert s.name == "date"
    assert pd.Timestamp("2024-07-04") not in s  # Independence Day
    assert pd.Timestamp("2025-01-09") not in trading_sessions("2025-01-02", "2025-01-10")  # Carter


def test_trading_sessions_old_dates_and_other_exchange() -> None:
    # before exchange_calendars' 20-year default bound; 2001-09-11..14 NYSE was closed
    s = trading_sessions("2001-09-07", "2001-09-20")
    assert pd.Timestamp("2001-09-10") in s
    assert all(pd.Timestamp(f"2001-09-{d}") not in s for d in (11, 12, 13, 14))
    assert pd.Timestamp("2001-09-17") in s
    # Amsterdam traded on 2001-09-11
    assert pd.Timestamp("2001-09-11") in trading_sessions("2001-09-10", "2001-09-12", "XAMS")


def test_unknown_exchange_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="unknown exchange calendar 'NOPE'"):
        trading_sessions("2024-01-01", "2024-02-01", exchange="NOPE")


def test_holiday_rolls_to_next_session() -> None:
    # 2025-01-20 was Martin Luther King Jr. Day
    r = map_to_day0("2025-01-20")
    assert _day0(r) == pd.Timestamp("2025-01-21")
    assert bool(r["rolled"].iloc[0])
    assert "holiday" in r["reason"].iloc[0]


def test_after_close_rolls_to_next_session() -> None:
    r = map_to_day0(["2025-01-21", "2025-01-21"], timing=["amc", "bmo"])
    assert _day0(r, 0) == pd.Timestamp("2025-01-22")
    assert "after the close" in r["reason"].iloc[0]
    assert _day0(r, 1) == pd.Timestamp("2025-01-21")
    assert not bool(r["rolled"].iloc[1])
    assert r["reason"].iloc[1] == ""


def test_saturday_rolls_to_monday() -> None:
    r = map_to_day0(pd.Timestamp("2025-01-25"))
    assert _day0(r) == pd.Timestamp("2025-01-27")
    assert "weekend" in r["reason"].iloc[0]


def test_timestamp_after_close_in_new_york() -> None:
    r = map_to_day0(pd.Timestamp("2025-04-15 16:30", tz="America/New_York"))
    assert _day0(r) == pd.Timestamp("2025-04-16")
    assert r["timing"].iloc[0] == "amc"


def test_utc_timestamp_next_day_in_utc_same_day_in_new_york() -> None:
    # 02:00 UTC on the 22nd is 21:00 ET on the 21st: the local date is the 21st, after its close
    r = map_to_day0(pd.Timestamp("2025-01-22 02:00", tz="UTC"))
    assert pd.Timestamp(r["local_date"].iloc[0]) == pd.Timestamp("2025-01-21")
    assert _day0(r) == pd.Timestamp("2025-01-22")
    # 13:00 UTC on the 22nd is 08:00 ET: before the open, day 0 is the same session
    r2 = map_to_day0(pd.Timestamp("2025-01-22 13:00", tz="UTC"))
    assert _day0(r2) == pd.Timestamp("2025-01-22")
    assert r2["timing"].iloc[0] == "bmo"


def test_half_day_close() -> None:
    # 2024-11-29 (day after Thanksgiving) closed at 13:00 ET
    r = map_to_day0(
        [
            pd.Timestamp("2024-11-29 14:00", tz="America/New_York"),
            pd.Timestamp("2024-11-29 12:00", tz="America/New_York"),
        ]
    )
    assert _day0(r, 0) == pd.Timestamp("2024-12-02")
    assert _day0(r, 1) == pd.Timestamp("2024-11-29")
    assert r["timing"].tolist() == ["amc", "dur"]


def test_own_sessions_instead_of_exchange() -> None:
    # a series that lacks 2025-01-21: day 0 is its next own session
    sessions = pd.DatetimeIndex(["2025-01-17", "2025-01-22", "2025-01-23"])
    r = map_to_day0(["2025-01-20", "2025-01-22"], sessions=sessions, exchange=None)
    assert [pd.Timestamp(d) for d in r["day0"]] == [pd.Timestamp("2025-01-22")] * 2
    assert "return series" in r["reason"].iloc[0]


def test_past_last_session_gives_nat_with_reason() -> None:
    r = map_to_day0(["2025-02-01"], sessions=pd.DatetimeIndex(["2025-01-30"]), exchange=None)
    assert pd.isna(r["day0"].iloc[0])
    assert "no session on or after" in r["reason"].iloc[0]


def test_bad_inputs() -> None:
    with pytest.raises(DataError, match="not dates"):
        map_to_day0(["2025-01-21", "not a date"])
    with pytest.raises(SpecError, match="unknown timing"):
        map_to_day0(["2025-01-21"], timing="after")
    with pytest.raises(DataError, match="mix tz-aware and tz-naive"):
        map_to_day0([pd.Timestamp("2025-01-21", tz="UTC"), pd.Timestamp("2025-01-21")])
    with pytest.raises(SpecError, match="need an exchange"):
        map_to_day0(["2025-01-21 17:00"], sessions=pd.DatetimeIndex(["2025-01-21"]), exchange=None)


def test_a_timing_that_contradicts_the_time_of_day_warns() -> None:
    # audit: date = 2025-01-24T17:00:00 with timing = "bmo" rolled to Monday without a word
    stamps = pd.Series([pd.Timestamp("2025-01-24 17:00"), pd.Timestamp("2025-01-24 10:00")])
    with pytest.warns(es.EventStudyWarning, match=r"1 announcement\(s\) say timing 'bmo'/'dur' .*"
                      r"\(0: bmo at 2025-01-24 17:00\)"):  # fmt: skip
        out = map_to_day0(stamps, timing=["bmo", "bmo"])
    # the time of day wins: Friday after the close is Monday's session; 10:00 stays Friday
    assert out["day0"].tolist() == [pd.Timestamp("2025-01-27"), pd.Timestamp("2025-01-24")]
