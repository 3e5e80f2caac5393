"""Reliability: every failure mode of bad input, network faults and data integrity is handled.

The catalogue below is one row per failure mode: its id, the action, what must happen (an
exception class, or ``DECISION`` for a documented, reported decision such as a status row or a
roll of day 0) and a regex the message / reported outcome must match, naming the ticker, date or
field at fault. ``docs/troubleshooting.md`` lists the same rows for users.

Inputs are small synthetic frames on the NYSE calendar whose expected dates and numbers are
stated by hand in each row (weekday names, the last session before a gap, hand-computed
returns), not computed by the library.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import signal
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.cli import main
from eventstudy.data.cache import PriceCache, frame_to_parquet_bytes, sha256_bytes
from eventstudy.events import prepare_events
from eventstudy.exceptions import (
    CacheError,
    DataError,
    DataUnavailableError,
    EventsDroppedWarning,
    OutputError,
    SpecError,
)
from eventstudy.models import FamaFrench3, MarketModel
from eventstudy.spec import load_spec, parse_spec
from eventstudy.study import EventStudy
from test_data_yahoo import DATES, history, yf_shape

DECISION = "documented decision"

# ----------------------------------------------------------------------------- synthetic data
_RNG = np.random.default_rng(20240603)
# NYSE sessions 2022-01-03..2024-12-31 (hand facts used below: 2024-06-01 is a Saturday,
# 2024-07-04 a holiday, 2024-02-29 a Thursday session, 2024-12-31 the last session of 2024).
SESSIONS = pd.DatetimeIndex(
    pd.bdate_range("2022-01-03", "2024-12-31").difference(
        pd.DatetimeIndex(
            [  # NYSE full-day holidays falling on weekdays, 2022-2024 (nyse.com)
                "2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20",
                "2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26",
                "2023-01-02", "2023-01-16", "2023-02-20", "2023-04-07", "2023-05-29",
                "2023-06-19", "2023-07-04", "2023-09-04", "2023-11-23", "2023-12-25",
                "2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27",
                "2024-06-19", "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25",
            ]
        )
    ),
    name="date",
)  # fmt: skip
_M = _RNG.normal(0.0, 0.01, len(SESSIONS))
RETURNS = pd.DataFrame(
    {
        "MKT": _M,
        "AAA": 0.0005 + 1.2 * _M + _RNG.normal(0.0, 0.01, len(SESSIONS)),
        "BBB": 0.7 * _M + _RNG.normal(0.0, 0.02, len(SESSIONS)),
    },
    index=SESSIONS,
)


def _with(**changes: Callable[[pd.DataFrame], None]) -> pd.DataFrame:
    out = RETURNS.copy()
    for change in changes.values():
        change(out)
    return out


def _events(tickers: Sequence[str], dates: Sequence[Any], **extra: Sequence[Any]) -> pd.DataFrame:
    return pd.DataFrame({"ticker": list(tickers), "date": list(dates), **extra})


def _fit(events: pd.DataFrame, returns: pd.DataFrame | None = None, **kw: Any) -> Any:
    """Fit with the market model on MKT; a drop must be reported by EventsDroppedWarning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = EventStudy(
            events,
            RETURNS if returns is None else returns,
            model=kw.pop("model", None) or MarketModel("MKT"),
            **kw,
        ).fit()
    dropped = (res.status["status"] == "dropped").any()
    assert dropped == any(issubclass(w.category, EventsDroppedWarning) for w in caught)
    return res


def _row(res: Any, i: int) -> str:
    """One status row as text: ``event_id | day0 | status | reason | overlaps | roll_reason``."""
    s = res.status.iloc[i]
    return (
        f"{s['event_id']} | {s['day0']:%Y-%m-%d} | {s['status']} | {s['reason']} | "
        f"n_est={s['n_est']} n_event={s['n_event']} | overlaps={s['overlaps']} | "
        f"{s['roll_reason']}"
    )


def _status_of_first(
    events: pd.DataFrame, returns: pd.DataFrame | None = None, good: str = "2024-09-03", **kw: Any
) -> str:
    """Status of the first event, with a good AAA event added so the study can run."""
    good_event = _events(["AAA"], [good])
    return _row(_fit(pd.concat([events, good_event], ignore_index=True), returns, **kw), 0)


def _prices(values: Sequence[float], dates: Sequence[str] | None = None) -> pd.DataFrame:
    d = dates or ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]
    return pd.DataFrame({"date": d, "ticker": "AAA", "adj_close": list(values)})


def _factors(end: str, scale: float = 1.0) -> pd.DataFrame:
    f = pd.DataFrame(
        {
            "Mkt-RF": _M,
            "SMB": _RNG.normal(0.0, 0.005, len(SESSIONS)),
            "HML": _RNG.normal(0.0, 0.005, len(SESSIONS)),
            "RF": 0.0001,
        },
        index=SESSIONS,
    )
    return f.loc[:end] * scale


def _returns_text(frame: pd.DataFrame) -> str:
    col = frame.iloc[:, 0]
    return " ".join(f"{d:%Y-%m-%d}={v:.4f}" for d, v in col.items())


def _mixed_tz_index() -> pd.Index:
    stamps = [
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-01-03", tz="UTC"),
        pd.Timestamp("2024-01-04"),
        pd.Timestamp("2024-01-05", tz="America/New_York"),
    ]
    return pd.Index(stamps, dtype=object)


def _mixed_tz_study() -> str:
    idx = pd.Index(
        [d.tz_localize("UTC") if i % 2 else d for i, d in enumerate(RETURNS.index)], dtype=object
    )
    mixed = pd.DataFrame(RETURNS.to_numpy(), index=idx, columns=RETURNS.columns)
    res = _fit(_events(["AAA"], ["2024-06-03"]), mixed)
    ref = _fit(_events(["AAA"], ["2024-06-03"]))
    assert np.array_equal(res.panel.ar, ref.panel.ar, equal_nan=True)
    return _row(res, 0)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def _events_file(tmp: Path, text: str) -> Any:
    _write(tmp, "events.csv", text)
    return load_spec(_write(tmp, "s.toml", '[events]\nfile = "events.csv"\n'))


def _cli_events_file_unknown_ticker(tmp: Path) -> str:
    """``eventstudy run`` on a spec whose events CSV names a ticker with no prices (ZZZ).

    Offline: a prices folder of per-ticker CSVs (``Date,Adj Close``) for MKT and AAA made from
    the synthetic returns. Returns ``exit=<code> | <stderr> | <status rows>``.
    """
    folder = tmp / "prices"
    folder.mkdir()
    for ticker in ("MKT", "AAA"):
        px = 100.0 * (1.0 + RETURNS[ticker]).cumprod()
        frame = pd.DataFrame({"Date": px.index.strftime("%Y-%m-%d"), "Adj Close": px.to_numpy()})
        frame.to_csv(folder / f"{ticker}.csv", index=False)
    _write(tmp, "events.csv", "ticker,date\nAAA,2024-06-03\nZZZ,2024-06-03\n")
    spec = _write(
        tmp,
        "s.toml",
        '[events]\nfile = "events.csv"\n[model]\nmarket = "MKT"\n[output]\nfigures = []\n',
    )
    out, err = tmp / "out", io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(
            ["run", str(spec), "--prices-dir", str(folder), "--out", str(out), "--offline", "-q"]
        )
    status = pd.read_csv(out / "status.csv", keep_default_na=False) if code == 0 else None
    rows = (
        " ; ".join(f"{r.event_id} | {r.status} | {r.reason}" for r in status.itertuples())
        if status is not None
        else ""
    )
    return f"exit={code} | {' '.join(err.getvalue().split())} | {rows}"


def _unwritable_export(tmp: Path) -> Any:
    blocker = _write(tmp, "file", "x")  # a file where a folder should be (works as root too)
    res = _fit(_events(["AAA"], ["2024-06-03"]))
    return res.export(blocker / "out", formats=("csv",))


@dataclass(frozen=True)
class Mode:
    id: str
    action: Callable[[Path], Any]
    expect: type[Exception] | str
    pattern: str


MODES: list[Mode] = [
    # ---- event dates
    Mode(
        "weekend_event_date",
        lambda tmp: _status_of_first(_events(["AAA"], ["2024-06-01"])),
        DECISION,
        r"AAA 2024-06-01 \| 2024-06-03 \| used .*2024-06-01 \(Saturday\) is not a XNYS session",
    ),
    Mode(
        "holiday_event_date",
        lambda tmp: _status_of_first(_events(["AAA"], ["2024-07-04"])),
        DECISION,
        r"AAA 2024-07-04 \| 2024-07-05 \| used .*2024-07-04 \(Thursday\) is not a XNYS session "
        r"\(holiday",
    ),
    Mode(
        "announcement_after_close_timing",
        lambda tmp: _status_of_first(_events(["AAA"], ["2024-06-04"], timing=["amc"])),
        DECISION,
        r"AAA 2024-06-04 \| 2024-06-05 \| used .*after the close \(amc\) on 2024-06-04",
    ),
    Mode(
        "announcement_after_close_timestamp",
        lambda tmp: _row(
            _fit(pd.DataFrame({"ticker": ["AAA"], "timestamp": ["2024-06-04 16:30:00-04:00"]})),
            0,
        ),
        DECISION,
        r"\| 2024-06-05 \| used .*16:30 local time, at or after the close",
    ),
    Mode(
        "event_before_first_price",
        lambda tmp: _status_of_first(_events(["AAA"], ["2021-06-01"])),
        DECISION,
        r"AAA 2021-06-01 .*dropped \| event before first price: not listed yet "
        r"\(first return 2022-01-03\)",
    ),
    Mode(
        "event_after_last_price",
        lambda tmp: _status_of_first(_events(["AAA"], ["2025-06-02"])),
        DECISION,
        r"AAA 2025-06-02 .*dropped \| event after last price \(last return 2024-12-31\)",
    ),
    Mode(
        "no_event_usable",
        lambda tmp: _fit(_events(["AAA"], ["2025-06-02"])),
        es.InsufficientDataError,
        r"no event could be used: event after last price \(last return 2024-12-31\)",
    ),
    # ---- tickers
    Mode(
        "unknown_ticker_in_study",
        lambda tmp: _status_of_first(_events(["ZZZ"], ["2024-06-03"])),
        DECISION,
        r"ZZZ 2024-06-03 .*dropped \| ticker has no data \('ZZZ' has no returns\)",
    ),
    Mode(
        "unknown_ticker_load_prices",
        lambda tmp: es.load_prices(
            ["AAA", "ZZZ"],
            "2024-01-02",
            "2024-01-08",
            source=es.FrameSource(_prices([1, 2, 3, 4, 5])),
        ),
        DataUnavailableError,
        r"ZZZ: not in the DataFrame",
    ),
    Mode(
        "delisted_before_event",
        lambda tmp: _status_of_first(
            _events(["BBB"], ["2024-06-03"]),
            _with(cut=lambda r: r.__setitem__("BBB", r["BBB"].where(r.index < "2024-03-01"))),
        ),
        DECISION,
        r"BBB 2024-06-03 .*dropped \| event after last price \(last return 2024-02-29\)",
    ),
    Mode(
        # day 0 = Mon 2024-02-26, data end Thu 02-29 = day +3; day -10 = 02-09 (02-19 holiday):
        # days -10..+3 = 14 sessions with an AR, +4..+10 missing (never zero)
        "delisted_during_event_window",
        lambda tmp: _status_of_first(
            _events(["BBB"], ["2024-02-26"]),
            _with(cut=lambda r: r.__setitem__("BBB", r["BBB"].where(r.index < "2024-03-01"))),
        ),
        DECISION,
        r"BBB 2024-02-26 \| 2024-02-26 \| used \|  \| n_est=240 n_event=14 ",
    ),
    Mode(
        "ipo_inside_estimation_window",
        lambda tmp: _status_of_first(
            _events(["BBB"], ["2024-06-03"]),
            _with(ipo=lambda r: r.__setitem__("BBB", r["BBB"].where(r.index >= "2024-04-01"))),
        ),
        DECISION,
        r"BBB 2024-06-03 .*dropped \| fewer than min_estimation_obs=100 estimation observations "
        r"\(n_est=34\)",  # 2024-04-01..05-16 (day -11; 05-27 holiday): 22 April + 12 May days
    ),
    # ---- events of one firm
    Mode(
        "duplicate_events",
        lambda tmp: _row(_fit(_events(["AAA", "AAA"], ["2024-06-03", "2024-06-03"])), 1),
        DECISION,
        r"AAA 2024-06-03#2 .*dropped \| duplicate event \(same ticker, day 0 and market as "
        r"'AAA 2024-06-03'; .*remove the repeated row\)",
    ),
    Mode(
        "duplicate_after_roll_to_day0",
        lambda tmp: _row(_fit(_events(["AAA", "AAA"], ["2024-06-03", "2024-06-01"])), 1),
        DECISION,
        r"AAA 2024-06-01 \| 2024-06-03 \| dropped \| duplicate event .*'AAA 2024-06-03'",
    ),
    Mode(
        "overlapping_windows_one_firm",
        lambda tmp: _row(_fit(_events(["AAA", "AAA"], ["2024-06-03", "2024-06-07"])), 0),
        DECISION,
        r"AAA 2024-06-03 \| 2024-06-03 \| used .*overlaps=AAA 2024-06-07 ",
    ),
    # ---- estimation
    Mode(
        "estimation_window_shorter_than_minimum",
        lambda tmp: EventStudy(
            _events(["AAA"], ["2024-06-03"]), RETURNS, estimation_window=(-50, -11)
        ),
        SpecError,
        r"estimation_window \(-50, -11\) holds 40 sessions, fewer than min_estimation_obs=100.*"
        r"widen the estimation window or lower min_estimation_obs",
    ),
    Mode(
        "zero_variance_estimation_returns",
        lambda tmp: _status_of_first(
            _events(["CST"], ["2024-06-03"]),
            _with(flat=lambda r: r.__setitem__("CST", 0.0)),  # a constant price
        ),
        DECISION,
        r"CST 2024-06-03 .*dropped \| zero-variance estimation returns",
    ),
    Mode(
        # the event's market is 0 on every estimation day but one (1e-12): a slope of ~1e10
        # if fitted; its root mean square variation is far below 1e-7, so it counts as constant
        "nearly_constant_market",
        lambda tmp: _status_of_first(
            _events(["AAA"], ["2024-06-03"], benchmark=["FLAT"]),
            _with(
                flat=lambda r: r.__setitem__("FLAT", np.where(r.index == "2024-03-01", 1e-12, 0.0))
            ),
        ),
        DECISION,
        r"AAA 2024-06-03 .*dropped \| singular regressors \(constant or collinear "
        r"market/factor returns\)",
    ),
    Mode(
        "market_missing_on_day0",
        lambda tmp: _status_of_first(
            _events(["AAA"], ["2024-06-03"]),
            _with(gap=lambda r: r.__setitem__("MKT", r["MKT"].where(r.index != "2024-06-03"))),
        ),
        DECISION,
        r"AAA 2024-06-03 .*dropped \| market/benchmark 'MKT' missing on day 0 \(2024-06-03\)",
    ),
    Mode(
        "factors_end_before_event",
        lambda tmp: _status_of_first(
            _events(["AAA"], ["2024-06-03"]),
            good="2024-03-01",
            model=FamaFrench3(),
            factors=_factors("2024-05-01"),
        ),
        DECISION,
        r"AAA 2024-06-03 .*dropped \| factor data missing on day 0 \(2024-06-03\)",
    ),
    Mode(
        "factors_in_percent",
        lambda tmp: _fit(
            _events(["AAA"], ["2024-06-03"]),
            model=FamaFrench3(),
            factors=_factors("2024-12-31", 100),
        ),
        DataError,
        r"factors look like percent .*'Mkt-RF'.*divide by 100",
    ),
    # ---- prices
    Mode(
        "nan_price_spans_gap",  # 1, 2, NaN, 3, 4 -> NaN, 1, NaN, 3/2-1, 4/3-1
        lambda tmp: _returns_text(
            es.compute_returns(es.read_prices(_prices([1, 2, np.nan, 3, 4])))
        ),
        DECISION,
        r"2024-01-02=nan 2024-01-03=1.0000 2024-01-04=nan 2024-01-05=0.5000 2024-01-08=0.3333",
    ),
    Mode(
        "inf_price",
        lambda tmp: es.read_prices(_prices([1, 2, np.inf, 3, 4])),
        DataError,
        r"AAA 2024-01-04 adj_close=inf; prices must be positive and finite",
    ),
    Mode(
        "zero_price",
        lambda tmp: es.read_prices(_prices([1, 2, 0, 3, 4])),
        DataError,
        r"AAA 2024-01-04 adj_close=0\.0; prices must be positive",
    ),
    Mode(
        "negative_price",
        lambda tmp: es.read_prices(_prices([1, 2, -3, 3, 4])),
        DataError,
        r"AAA 2024-01-04 adj_close=-3\.0; prices must be positive",
    ),
    Mode(
        "negative_price_wide_frame",
        lambda tmp: es.compute_returns(
            pd.DataFrame(
                {"AAA": [1.0, 2.0, -3.0, 3.0, 4.0]}, index=pd.bdate_range("2024-01-02", periods=5)
            )
        ),
        DataError,
        r"AAA has a non-positive or infinite adj_close on 2024-01-04 .*positive prices",
    ),
    Mode(
        "duplicate_dates",
        lambda tmp: es.read_prices(
            _prices(
                [1, 2, 3, 4, 5],
                ["2024-01-02", "2024-01-03", "2024-01-03", "2024-01-04", "2024-01-05"],
            )
        ),
        DataError,
        r"duplicate dates \(AAA 2024-01-03\).*remove the repeated rows",
    ),
    Mode(
        "duplicate_dates_in_returns",
        lambda tmp: EventStudy(
            _events(["AAA"], ["2024-06-03"]),
            pd.concat([RETURNS, RETURNS.loc[["2024-06-03"]]]),
            model=MarketModel("MKT"),
        ).fit(),
        DataError,
        r"returns have repeated dates \['2024-06-03'\]",
    ),
    Mode(
        "unsorted_dates_are_sorted",  # prices 5,4,3,2,1 given newest first = 1..5 in time
        lambda tmp: _returns_text(
            es.compute_returns(
                es.read_prices(
                    _prices(
                        [5, 4, 3, 2, 1],
                        ["2024-01-08", "2024-01-05", "2024-01-04", "2024-01-03", "2024-01-02"],
                    )
                )
            )
        ),
        DECISION,
        r"2024-01-02=nan 2024-01-03=1.0000 2024-01-04=0.5000 2024-01-05=0.3333 2024-01-08=0.2500",
    ),
    Mode(
        "mixed_tz_index_prices",  # each stamp keeps its own wall-clock date
        lambda tmp: _returns_text(
            es.compute_returns(
                es.read_prices(pd.DataFrame({"AAA": [1.0, 2, 3, 4]}, index=_mixed_tz_index()))
            )
        ),
        DECISION,
        r"2024-01-02=nan 2024-01-03=1.0000 2024-01-04=0.5000 2024-01-05=0.3333",
    ),
    Mode(
        "mixed_tz_index_returns",
        lambda tmp: _mixed_tz_study(),
        DECISION,
        r"AAA 2024-06-03 \| 2024-06-03 \| used",
    ),
    Mode(
        "mixed_tz_announcements",
        lambda tmp: _fit(
            pd.DataFrame(
                {
                    "ticker": ["AAA", "BBB"],
                    "timestamp": [
                        pd.Timestamp("2024-06-04 16:30", tz="America/New_York"),
                        pd.Timestamp("2024-06-04 10:00"),
                    ],
                }
            )
        ),
        DataError,
        r"events column 'timestamp': announcement timestamps mix tz-aware and tz-naive values "
        r"\(tz-aware rows \[0\], tz-naive rows \[1\]\); give them all with a time zone",
    ),
    Mode(
        "mismatched_calendars_adr_vs_home",  # a home-market session on a US holiday
        lambda tmp: _fit(
            _events(["AAA"], ["2024-06-03"]),
            pd.concat(
                [
                    RETURNS,
                    pd.DataFrame(
                        0.001, index=[pd.Timestamp("2024-07-04")], columns=RETURNS.columns
                    ),
                ]
            ),
        ),
        DataError,
        r"1 row\(s\) on dates that are not XNYS sessions \(e\.g\. \['2024-07-04'\]\); use the "
        r"listing exchange's calendar= or calendar=None",
    ),
    Mode(
        "returns_passed_as_prices_read",
        lambda tmp: es.read_prices(_prices([0.01, -0.02, 0.003, -0.01, 0.02])),
        DataError,
        r"column 'adj_close' of AAA looks like a return series, not prices",
    ),
    Mode(
        "returns_passed_as_prices_study",
        lambda tmp: EventStudy(
            _events(["AAA"], ["2024-06-03"]), prices=RETURNS, model=MarketModel("MKT")
        ).fit(),
        DataError,
        r"adj_close values of (MKT|AAA|BBB) look like a return series, not prices .*"
        r"pass the returns directly",
    ),
    # ---- events input
    Mode(
        "events_missing_columns",
        lambda tmp: _fit(pd.DataFrame({"ticker": ["AAA"], "day": ["2024-06-03"]})),
        DataError,
        r"events frame lacks required column\(s\) \['date \(or timestamp\)'\]; it has \['ticker', 'day'\]",
    ),
    Mode(
        "events_bad_dates",
        lambda tmp: _fit(_events(["AAA", "BBB"], ["2024-06-03", "2024-13-45"])),
        DataError,
        r"events column 'date': 1 announcement date\(s\) .* 1: '2024-13-45'",
    ),
    Mode(
        "events_empty_ticker",
        lambda tmp: _fit(_events(["AAA", " "], ["2024-06-03", "2024-06-03"])),
        DataError,
        r"events: empty ticker in row\(s\) \[1\]",
    ),
    Mode(
        "events_unknown_tickers_strict",
        lambda tmp: prepare_events(
            _events(["AAA", "ZZZ"], ["2024-06-03"] * 2), known_tickers=["AAA", "MKT"]
        ),
        DataError,
        r"events name ticker\(s\) with no returns: \['ZZZ'\]; add their returns or remove",
    ),
    Mode(
        "events_file_missing_columns",
        lambda tmp: _events_file(tmp, "ticker\nAAA\n"),
        SpecError,
        r"events file events\.csv lacks the column\(s\) \['date'\]",
    ),
    Mode(
        "events_file_bad_dates",
        lambda tmp: _events_file(tmp, "ticker,date\nAAA,2024-06-03\nBBB,someday\n"),
        SpecError,
        r"unreadable date 'someday' in row 3",
    ),
    Mode(
        # issue 8's "events file with unknown tickers": through the spec's [events] file and
        # the CLI, not a DataFrame; the study runs without that event (exit 0) and says why
        "events_file_unknown_ticker",
        _cli_events_file_unknown_ticker,
        DECISION,
        r"^exit=0 \| eventstudy: warning: no prices for ZZZ \(.*\); their events are dropped "
        r"eventstudy: warning: 1 of 2 events dropped: 1 x ticker has no data .*\| "
        r"AAA 2024-06-03 \| used \|  ; "
        r"ZZZ 2024-06-03 \| dropped \| ticker has no data \(no price file in \S+ \(expected "
        r"ZZZ\.csv or ZZZ\.parquet\); add it or drop the ticker\)$",
    ),
    Mode(
        "events_file_unknown_column",
        lambda tmp: _events_file(tmp, "ticker,dates\nAAA,2024-06-03\n"),
        SpecError,
        r"unknown column 'dates'; did you mean 'date'",
    ),
    # ---- study spec and output
    Mode(
        "spec_malformed_toml",
        lambda tmp: load_spec(_write(tmp, "s.toml", "[events\n")),
        SpecError,
        r"s\.toml: not valid TOML",
    ),
    Mode(
        "spec_unknown_key",
        lambda tmp: parse_spec({"events": {"date": "2024-06-03", "tickrs": ["AAA"]}}),
        SpecError,
        r"\[events\]: unknown key 'tickrs'; did you mean 'tickers'\?",
    ),
    Mode(
        "output_folder_not_writable",
        _unwritable_export,
        OutputError,
        r"output folder .*file/out is not writable",
    ),
]


@pytest.mark.parametrize("mode", MODES, ids=[m.id for m in MODES])
def test_failure_mode(mode: Mode, tmp_path: Path) -> None:
    if isinstance(mode.expect, type):
        with pytest.raises(mode.expect, match=mode.pattern):
            mode.action(tmp_path)
    else:
        outcome = str(mode.action(tmp_path))
        assert re.search(mode.pattern, outcome), outcome


def test_catalogue_ids_are_unique_and_documented() -> None:
    ids = [m.id for m in MODES]
    assert len(ids) == len(set(ids))
    doc = (Path(__file__).resolve().parents[1] / "docs" / "troubleshooting.md").read_text()
    missing = [i for i in ids if f"`{i}`" not in doc]
    assert not missing, f"docs/troubleshooting.md lacks rows for {missing}"


def test_duplicate_is_counted_once() -> None:
    """The dropped repeat leaves exactly the single-event numbers (no double counting)."""
    once = _fit(_events(["AAA", "BBB"], ["2024-06-03", "2024-06-03"]))
    twice = _fit(_events(["AAA", "AAA", "BBB"], ["2024-06-03", "2024-06-01", "2024-06-03"]))
    np.testing.assert_array_equal(twice.panel.ar, once.panel.ar)
    pd.testing.assert_frame_equal(twice.caar(), once.caar())


def test_overlap_flags_both_sides_only_within_a_firm() -> None:
    res = _fit(
        _events(
            ["AAA", "AAA", "BBB", "AAA"], ["2024-06-03", "2024-06-07", "2024-06-03", "2024-09-03"]
        )
    )
    assert res.status["overlaps"].tolist() == ["AAA 2024-06-07", "AAA 2024-06-03", "", ""]
    assert (res.status["status"] == "used").all()


def test_cli_unwritable_output_is_one_line_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _write(tmp_path, "s.toml", '[events]\ndate = 2024-06-03\ntickers = ["AAA"]\n')
    blocker = _write(tmp_path, "file", "x")
    assert main(["run", str(spec), "--out", str(blocker / "out"), "--offline", "-q"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("eventstudy: cannot write output:") and "Traceback" not in err


# ----------------------------------------------------------------------------- network faults
class ScriptedDownload:
    """A ``download(tickers, start, end)`` replacement: one scripted outcome per call.

    An outcome is an exception (raised) or a mapping ``ticker -> history or None`` (returned
    in yfinance 1.7's frame shape, with ``None`` as the all-NaN columns of a failed ticker).
    """

    def __init__(self, *outcomes: BaseException | dict[str, pd.DataFrame | None]) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[list[str]] = []

    def __call__(
        self, tickers: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        self.calls.append(list(tickers))
        outcome = self.outcomes[min(len(self.calls), len(self.outcomes)) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return yf_shape({t: outcome.get(t) for t in tickers})


def _yahoo(download: ScriptedDownload, sleeps: list[float], **kw: Any) -> es.YahooSource:
    return es.YahooSource(download=download, sleep=sleeps.append, pause=0.0, **kw)


def test_timeout_is_retried_with_backoff_then_kept(tmp_path: Path) -> None:
    dl = ScriptedDownload(TimeoutError("read timed out"), {"AAA": history(DATES, 10.0)})
    sleeps: list[float] = []
    out = es.load_prices("AAA", DATES[0], DATES[-1], source=_yahoo(dl, sleeps, cache_dir=tmp_path))
    assert out["close"].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0]  # history(): base + 0, 1, ...
    assert dl.calls == [["AAA"], ["AAA"]] and sleeps == [2.0]


@pytest.mark.parametrize(
    "exc",
    [TimeoutError("read timed out"), ConnectionError("Connection reset by peer")],
    ids=["timeout", "connection"],
)
def test_network_error_exhausted_names_tickers(tmp_path: Path, exc: Exception) -> None:
    dl = ScriptedDownload(exc)
    sleeps: list[float] = []
    with pytest.raises(DataUnavailableError) as info:
        es.load_prices(
            ["AAA", "BBB"], DATES[0], DATES[-1],
            source=_yahoo(dl, sleeps, cache_dir=tmp_path, max_retries=2, backoff=1.0),
        )  # fmt: skip
    assert set(info.value.failed) == {"AAA", "BBB"}
    assert re.match(
        rf"network error \({type(exc).__name__}: .*\) \(gave up after 2 retries; check the "
        "connection",
        info.value.failed["AAA"],
    )
    assert str(info.value).startswith("2 of 2 ticker(s) failed: AAA (network error")
    assert sleeps == [1.0, 2.0] and len(dl.calls) == 3


def test_generic_exception_in_one_batch_keeps_and_caches_the_others(tmp_path: Path) -> None:
    dl = ScriptedDownload({"AAA": history(DATES, 10.0)}, RuntimeError("backend exploded"))
    sleeps: list[float] = []
    source = _yahoo(dl, sleeps, cache_dir=tmp_path, batch_size=1)
    with pytest.raises(
        DataUnavailableError,
        match=r"1 of 2 ticker\(s\) failed: BBB \(download failed .*RuntimeError: backend exploded\)",
    ) as info:
        es.load_prices(["AAA", "BBB"], DATES[0], DATES[-1], source=source)
    assert dl.calls == [["AAA"], ["BBB"]]  # not a transient error: no retry
    partial = info.value.partial
    assert isinstance(partial, pd.DataFrame) and partial["ticker"].unique().tolist() == ["AAA"]
    # AAA was cached: served offline, with no further download call
    again = es.load_prices(
        "AAA", DATES[0], DATES[-1], source=_yahoo(dl, sleeps, cache_dir=tmp_path, offline=True)
    )
    pd.testing.assert_frame_equal(
        again.reset_index(drop=True), partial.reset_index(drop=True), check_like=True
    )
    assert len(dl.calls) == 2


def test_nan_columns_for_some_tickers_in_a_batch(tmp_path: Path) -> None:
    dl = ScriptedDownload(
        {"AAA": history(DATES, 10.0), "BBB": None, "CCC": history(DATES[2:], 5.0)}
    )
    sleeps: list[float] = []
    with pytest.raises(DataUnavailableError) as info:
        es.load_prices(
            ["AAA", "BBB", "CCC"],
            DATES[0],
            DATES[-1],
            source=_yahoo(dl, sleeps, cache_dir=tmp_path),
        )
    assert info.value.failed == {"BBB": f"no data in range {DATES[0]}..{DATES[-1]}"}
    partial = info.value.partial
    assert isinstance(partial, pd.DataFrame)
    ccc = partial[partial["ticker"] == "CCC"]
    assert ccc["date"].dt.strftime("%Y-%m-%d").tolist() == DATES[2:]  # partial history, no padding
    assert not partial[["close", "adj_close"]].isna().any().any()  # union-of-dates rows dropped
    entries = PriceCache(tmp_path).manifest()["entries"]
    assert sorted(entries) == ["AAA", "CCC"] and entries["CCC"]["first_date"] == DATES[2]


# ----------------------------------------------------------------------------- data integrity
_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np, pandas as pd
    from eventstudy.data.cache import PriceCache
    from eventstudy.data.readers import read_prices

    root, base, kill_at = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    dates = pd.bdate_range("2020-01-01", periods=50)
    frame = read_prices(pd.DataFrame({"date": dates, "ticker": "AAA",
                                      "adj_close": base + np.arange(50.0)}))
    real_replace, count = os.replace, [0]

    def replace(src, dst):
        count[0] += 1
        if count[0] == kill_at:  # die mid-write: temp file complete, not yet moved in place
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst)

    os.replace = replace
    PriceCache(root).put("AAA", frame, dates[0], dates[-1])
    """
)


def _killed_writer(root: Path, base: float, kill_at: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _KILLER, str(root), str(base), str(kill_at)],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this platform")
@pytest.mark.parametrize("kill_at", [1, 2], ids=["before_parquet_rename", "before_manifest_rename"])
def test_sigkilled_overwrite_leaves_the_previous_good_version(tmp_path: Path, kill_at: int) -> None:
    cache = PriceCache(tmp_path)
    dates = pd.bdate_range("2020-01-01", periods=50)
    good = es.read_prices(
        pd.DataFrame({"date": dates, "ticker": "AAA", "adj_close": 10.0 + np.arange(50.0)})
    )
    cache.put("AAA", good, dates[0], dates[-1])
    _killed_writer(tmp_path, 500.0, kill_at)
    found = PriceCache(tmp_path).lookup("AAA", dates[0], dates[-1])
    assert found.status == "hit" and found.frame is not None
    np.testing.assert_array_equal(found.frame["adj_close"].to_numpy(), 10.0 + np.arange(50.0))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this platform")
@pytest.mark.parametrize("kill_at", [1, 2], ids=["before_parquet_rename", "before_manifest_rename"])
def test_sigkilled_first_write_is_a_miss_and_refetched(tmp_path: Path, kill_at: int) -> None:
    _killed_writer(tmp_path, 500.0, kill_at)
    cache = PriceCache(tmp_path)
    assert cache.lookup("AAA", pd.Timestamp(DATES[0]), pd.Timestamp(DATES[-1])).status == "miss"
    dl = ScriptedDownload({"AAA": history(DATES, 10.0)})
    out = es.load_prices("AAA", DATES[0], DATES[-1], source=_yahoo(dl, [], cache_dir=tmp_path))
    assert dl.calls == [["AAA"]] and out["close"].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0]


def test_file_with_matching_checksum_but_not_parquet_is_detected(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path)
    dates = pd.bdate_range("2020-01-01", periods=5)
    frame = es.read_prices(
        pd.DataFrame({"date": dates, "ticker": "AAA", "adj_close": [1.0, 2, 3, 4, 5]})
    )
    entry = cache.put("AAA", frame, dates[0], dates[-1])
    data = frame_to_parquet_bytes(frame)[:-40]  # truncated Parquet, checksum re-recorded
    (cache.folder / entry["file"]).write_bytes(data)
    manifest = cache.manifest()
    manifest["entries"]["AAA"]["sha256"] = sha256_bytes(data)
    cache.manifest_path.write_text(json.dumps(manifest))
    found = cache.lookup("AAA", dates[0], dates[-1])
    assert found.status == "corrupt" and found.error is not None
    assert re.search(r"AAA-.*\.parquet is not a readable Parquet file", str(found.error))
    with pytest.raises(CacheError, match=r"AAA: .*not a readable Parquet file.*offline"):
        es.load_prices(
            "AAA", dates[0], dates[-1], source=es.YahooSource(cache_dir=tmp_path, offline=True)
        )


_PICKLE_PATTERNS = [
    r"\bimport\s+(c?pickle|dill|joblib|shelve|cloudpickle)\b",
    r"\bfrom\s+(c?pickle|dill|joblib|shelve|cloudpickle)\b",
    r"\bpickle\.",
    r"read_pickle|to_pickle",
    r"allow_pickle\s*=\s*True",
    r"\bnp\.load\(|\bnumpy\.load\(",
]


def test_no_pickle_anywhere_in_src() -> None:
    src = Path(es.__file__).resolve().parent
    hits = [
        f"{path.relative_to(src)}:{n}: {line.strip()}"
        for path in sorted(src.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        for pattern in _PICKLE_PATTERNS
        if re.search(pattern, line)
    ]
    assert not hits, hits


def test_parquet_is_read_with_pyarrow_never_unpickled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle

    import pyarrow.parquet as pq

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle was used to read data")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    reads: list[object] = []
    real_read_table = pq.read_table

    def counting(*args: Any, **kwargs: Any) -> Any:
        reads.append(args[0])
        return real_read_table(*args, **kwargs)

    monkeypatch.setattr(pq, "read_table", counting)
    dl = ScriptedDownload({"AAA": history(DATES, 10.0)})
    first = es.load_prices("AAA", DATES[0], DATES[-1], source=_yahoo(dl, [], cache_dir=tmp_path))
    cached = es.load_prices(
        "AAA", DATES[0], DATES[-1], source=_yahoo(dl, [], cache_dir=tmp_path, offline=True)
    )
    assert len(reads) >= 1  # the cache hit went through pyarrow
    es.export_snapshot(first, tmp_path / "snap")
    snap = es.load_snapshot(tmp_path / "snap")
    assert len(reads) >= 2
    folder = tmp_path / "files"
    folder.mkdir()
    first.drop(columns=[]).to_parquet(folder / "AAA.parquet", index=False)
    local = es.read_prices(folder)
    assert len(reads) >= 3
    for frame in (cached, snap, local):
        np.testing.assert_array_equal(frame["close"].to_numpy(), first["close"].to_numpy())
