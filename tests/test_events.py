"""Events frame validation, day 0, event ids and window positions (events.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy.events import prepare_events, resolve_window, validate_windows
from eventstudy.exceptions import DataError, SpecError


def test_prepare_events_ids_day0_and_optional_columns() -> None:
    ev = pd.DataFrame(
        {
            "ticker": ["NVDA", "NVDA", "AMD", "NVDA"],
            "date": ["2025-01-20", "2025-01-21", "2025-01-21", "2025-01-20"],
            "timing": ["bmo", "AMC", None, None],
            "group": ["chips", "chips", None, "chips"],
            "size": [1, 2, 3, 4],
        }
    )
    out = prepare_events(ev)
    assert out["event_id"].tolist() == [
        "NVDA 2025-01-20",
        "NVDA 2025-01-21",
        "AMD 2025-01-21",
        "NVDA 2025-01-20#2",  # several events per firm and date stay distinct
    ]
    assert [pd.Timestamp(d) for d in out["day0"]] == [
        pd.Timestamp("2025-01-21"),
        pd.Timestamp("2025-01-22"),
        pd.Timestamp("2025-01-21"),
        pd.Timestamp("2025-01-21"),
    ]
    assert out["rolled"].tolist() == [True, True, False, True]
    assert out["timing"].tolist()[:2] == ["bmo", "amc"]
    assert out["group"].tolist() == ["chips", "chips", None, "chips"]
    assert out["size"].tolist() == [1, 2, 3, 4]  # extra columns are kept


def test_timestamp_column_and_given_event_ids() -> None:
    ev = pd.DataFrame(
        {
            "event_id": ["a", "b"],
            "ticker": ["NVDA", "AMD"],
            "timestamp": [
                pd.Timestamp("2025-04-15 16:30", tz="America/New_York"),
                pd.Timestamp("2025-04-15 09:00", tz="America/New_York"),
            ],
        }
    )
    out = prepare_events(ev)
    assert out["event_id"].tolist() == ["a", "b"]
    assert [pd.Timestamp(d) for d in out["day0"]] == [
        pd.Timestamp("2025-04-16"),
        pd.Timestamp("2025-04-15"),
    ]


def test_validation_errors_name_what_is_wrong() -> None:
    with pytest.raises(DataError, match=r"lacks required column\(s\) \['date \(or timestamp\)'\]"):
        prepare_events(pd.DataFrame({"ticker": ["A"], "day": ["2025-01-02"]}))
    with pytest.raises(DataError, match=r"not dates .*'2025-13-45'"):
        prepare_events(pd.DataFrame({"ticker": ["A", "B"], "date": ["2025-01-02", "2025-13-45"]}))
    with pytest.raises(DataError, match=r"empty ticker in row\(s\) \[1\]"):
        prepare_events(pd.DataFrame({"ticker": ["A", None], "date": ["2025-01-02"] * 2}))
    with pytest.raises(DataError, match=r"ticker\(s\) with no returns: \['ZZZ'\]"):
        prepare_events(
            pd.DataFrame({"ticker": ["A", "ZZZ"], "date": ["2025-01-02"] * 2}),
            known_tickers=["A"],
        )
    with pytest.raises(DataError, match="event_id must be unique"):
        prepare_events(
            pd.DataFrame({"event_id": [1, 1], "ticker": ["A", "B"], "date": ["2025-01-02"] * 2})
        )
    with pytest.raises(SpecError, match="unknown timing"):
        prepare_events(pd.DataFrame({"ticker": ["A"], "date": ["2025-01-02"], "timing": ["pm"]}))
    with pytest.raises(DataError, match="empty"):
        prepare_events(pd.DataFrame({"ticker": [], "date": []}))
    with pytest.raises(SpecError, match="must be a pandas DataFrame"):
        prepare_events([("A", "2025-01-02")])  # type: ignore[arg-type]


def test_own_sessions() -> None:
    sessions = pd.DatetimeIndex(["2025-01-02", "2025-01-06", "2025-01-07"])
    out = prepare_events(
        pd.DataFrame({"ticker": ["A"], "date": ["2025-01-03"]}), calendar=None, sessions=sessions
    )
    assert pd.Timestamp(out["day0"].iloc[0]) == pd.Timestamp("2025-01-06")


def test_relative_windows_are_session_positions() -> None:
    grid = pd.bdate_range("2025-01-01", periods=30)
    pos0 = np.array([5, 20], dtype=np.int64)
    w = resolve_window((-3, 2), pos0, grid)
    assert w.rel.tolist() == [-3, -2, -1, 0, 1, 2]
    np.testing.assert_array_equal(w.positions, [[2, 3, 4, 5, 6, 7], [17, 18, 19, 20, 21, 22]])
    # running past the data: positions outside 0..T-1 (read as missing later)
    w2 = resolve_window((-10, -1), pos0, grid)
    assert w2.positions[0, 0] == -5


def test_date_windows() -> None:
    grid = pd.bdate_range("2001-09-03", periods=20)
    w = resolve_window(
        (pd.Timestamp("2001-09-08"), pd.Timestamp("2001-09-12")), np.array([0, 3]), grid
    )
    # Saturday 09-08 .. Wednesday 09-12 -> sessions 09-10, 09-11, 09-12
    assert w.rel.tolist() == [0, 1, 2]
    assert grid[w.positions[1]].strftime("%m-%d").tolist() == ["09-10", "09-11", "09-12"]
    with pytest.raises(SpecError, match="contains no session"):
        resolve_window(
            (pd.Timestamp("2030-01-01"), pd.Timestamp("2030-02-01")), np.array([0]), grid
        )


def test_window_validation() -> None:
    assert validate_windows((-250, -11), (-10, 10)) == ((-250, -11), (-10, 10))
    with pytest.raises(SpecError, match="overlaps"):
        validate_windows((-250, -10), (-10, 10))
    with pytest.raises(SpecError, match="overlaps"):
        validate_windows(("2001-03-26", "2001-09-11"), ("2001-09-11", "2001-09-28"))
    with pytest.raises(SpecError, match="is after"):
        validate_windows((-11, -250), (-10, 10))
    with pytest.raises(SpecError, match="must be a pair"):
        validate_windows(-250, (-10, 10))
    # post-event estimation windows are allowed when disjoint
    assert validate_windows((11, 250), (-10, 10))[0] == (11, 250)


def _loop_event_ids(tickers: list[str], dates: list[pd.Timestamp]) -> list[str]:
    """The former per-event loop, transcribed: the reference for the vectorised ids."""
    seen: dict[str, int] = {}
    out = []
    for t, d in zip(tickers, dates, strict=True):
        b = f"{t} {d:%Y-%m-%d}"
        seen[b] = seen.get(b, 0) + 1
        out.append(b if seen[b] == 1 else f"{b}#{seen[b]}")
    return out


def test_generated_event_ids_number_repeats_in_input_order() -> None:
    ev = pd.DataFrame(
        {
            "ticker": ["AMD", "NVDA", "AMD", "AMD", "NVDA", "AMD", "NVDA"],
            "date": [
                "2025-01-21",
                "2025-01-21",
                "2025-01-21",
                "2025-01-22",
                "2025-01-21",
                "2025-01-21",
                "2025-01-22",
            ],
        }
    )
    ids = prepare_events(ev, calendar=None, sessions=pd.bdate_range("2025-01-01", "2025-02-28"))
    assert ids["event_id"].tolist() == [
        "AMD 2025-01-21",
        "NVDA 2025-01-21",
        "AMD 2025-01-21#2",
        "AMD 2025-01-22",
        "NVDA 2025-01-21#2",
        "AMD 2025-01-21#3",
        "NVDA 2025-01-22",
    ]
    # many random repeats: identical to the former loop
    rng = np.random.default_rng(7)
    n = 2_000
    tickers = [f"T{i}" for i in rng.integers(0, 40, n)]
    dates = list(pd.Timestamp("2024-03-04") + pd.to_timedelta(rng.integers(0, 5, n), "D"))
    many = prepare_events(
        pd.DataFrame({"ticker": tickers, "date": dates}),
        calendar=None,
        sessions=pd.bdate_range("2024-01-01", "2024-12-31"),
    )
    assert many["event_id"].tolist() == _loop_event_ids(tickers, dates)
    assert many["event_id"].str.contains("#").any()
    assert many["event_id"].is_unique
