"""Fuzz: malformed inputs to the public entry points raise only eventstudy's own errors.

Hypothesis feeds malformed events frames, price frames, returns frames, windows and study specs
(as dicts and as TOML text) to ``EventStudy``, ``fit``, ``prepare_events``, ``read_prices``,
``compute_returns``, ``parse_spec`` and ``load_spec``. Whatever happens, the only exceptions
allowed out are :class:`~eventstudy.exceptions.EventStudyError` subclasses with a non-empty
message (issue 13: no KeyError / IndexError / ValueError / TypeError / MemoryError escapes).
Results, when a call succeeds, are not checked here: the catalogue and the unit tests do that.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eventstudy as es
from eventstudy.events import prepare_events
from eventstudy.exceptions import EventStudyError
from eventstudy.models import MarketModel
from eventstudy.spec import load_spec, parse_spec
from eventstudy.study import EventStudy

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)

_SESSIONS = pd.bdate_range("2023-01-02", "2023-12-29", name="date")
_RNG = np.random.default_rng(13)
_M = _RNG.normal(0.0, 0.01, len(_SESSIONS))
RETURNS = pd.DataFrame(
    {"SPY": _M, "AAA": 1.1 * _M + _RNG.normal(0.0, 0.01, len(_SESSIONS))}, index=_SESSIONS
)


def only_library_errors(call: Callable[[], Any]) -> None:
    """Run ``call``; any exception must be an EventStudyError with a message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # drops, splits etc. are reported as warnings
        try:
            call()
        except EventStudyError as exc:
            assert str(exc).strip(), f"{type(exc).__name__} without a message"
        except BaseException as exc:  # the point of the test: nothing else may escape
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise AssertionError(
                f"raw {type(exc).__name__} escaped the public API: {exc!r}"
            ) from exc


# ----------------------------------------------------------------------------- strategies
_TEXT_DATES = st.sampled_from(
    [
        "2023-06-01",
        "2023-06-03",
        "2023-06-01 17:30:00",
        "2023-06-01T09:00:00-04:00",
        "01/06/2023",
        "13/06/2023",
        "06/13/2023",
        "2023/06/01",
        "20230601",
        "June 1, 2023",
        "0001-01-01",
        "9999-12-31",
        "2023-13-45",
        "",
        " ",
        "nan",
        "NaT",
        "yesterday",
        "=cmd|' /C calc'!A0",
    ]
)
_SCALARS = st.one_of(
    _TEXT_DATES,
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
        pd.Timestamp
    ),
    st.just(pd.Timestamp("2023-06-01 15:00", tz="America/New_York")),
    st.just(pd.NaT),
)
_TICKERS = st.one_of(
    st.sampled_from(["AAA", "aaa", " AAA ", "SPY", "ZZZ", "", "BRK.B", "ÄÖ", "a,b"]),
    _SCALARS,
)
_EVENT_COLUMNS = ["ticker", "date", "timestamp", "timing", "benchmark", "event_id", "group", "x"]


@st.composite
def events_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 4))
    cols = draw(st.lists(st.sampled_from(_EVENT_COLUMNS), min_size=0, max_size=5))
    data: dict[str, list[Any]] = {}
    for col in cols:
        strategy = {
            "ticker": _TICKERS,
            "benchmark": _TICKERS,
            "date": st.one_of(_TEXT_DATES, _SCALARS),
            "timestamp": st.one_of(_TEXT_DATES, _SCALARS),
            "timing": st.one_of(st.sampled_from(["bmo", "dur", "amc", "AMC", "later"]), _SCALARS),
        }.get(col, _SCALARS)
        data[col] = draw(st.lists(strategy, min_size=n, max_size=n))
    frame = pd.DataFrame(data) if data else pd.DataFrame(index=range(n))
    if draw(st.booleans()) and len(frame.columns) >= 2:  # repeated column names
        frame.columns = [frame.columns[0], *frame.columns[:-1]]
    return frame


_VALUES = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6),
    st.just(np.nan),
    st.just(0.0),
    st.just(-1.0),
    st.just(np.inf),
    st.sampled_from(["1.5", "abc", "", "1,5"]),
)


@st.composite
def price_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 6))
    layout = draw(st.sampled_from(["tidy", "wide", "ohlc", "junk"]))
    dates = draw(st.lists(st.one_of(_TEXT_DATES, _SCALARS), min_size=n, max_size=n))
    if layout == "tidy":
        return pd.DataFrame(
            {
                "date": dates,
                "ticker": draw(st.lists(_TICKERS, min_size=n, max_size=n)),
                draw(st.sampled_from(["adj_close", "close", "Adj Close", "splits"])): draw(
                    st.lists(_VALUES, min_size=n, max_size=n)
                ),
                "splits": draw(st.lists(_VALUES, min_size=n, max_size=n)),
            }
        )
    if layout == "wide":
        tickers = draw(st.lists(st.sampled_from(["AAA", "aaa", "SPY", "LOW", "0"]), max_size=3))
        frame = pd.DataFrame({"date": dates})
        for i, t in enumerate(tickers):
            frame[f"{t}{'' if i == 0 else i}"] = draw(st.lists(_VALUES, min_size=n, max_size=n))
        return frame
    if layout == "ohlc":
        return pd.DataFrame(
            {
                "Date": dates,
                "Close": draw(st.lists(_VALUES, min_size=n, max_size=n)),
                "Stock Splits": draw(st.lists(_VALUES, min_size=n, max_size=n)),
            }
        )
    return pd.DataFrame({"a": draw(st.lists(_SCALARS, min_size=n, max_size=n))})


@st.composite
def returns_frames(draw: st.DrawFn) -> pd.DataFrame:
    kind = draw(st.sampled_from(["scaled", "prices", "holes", "junk_index", "empty", "text"]))
    frame = RETURNS.copy()
    if kind == "scaled":
        frame = frame * draw(st.sampled_from([0.0, 1e-12, 1.0, 100.0, 1e6, -1.0]))
    elif kind == "prices":
        frame = 100 * (1 + frame).cumprod()
    elif kind == "holes":
        mask = draw(st.lists(st.booleans(), min_size=len(frame), max_size=len(frame)))
        frame = frame.where(np.repeat(~np.array(mask)[:, None], frame.shape[1], axis=1))
        frame.iloc[draw(st.integers(0, len(frame) - 1)), 0] = draw(_VALUES.filter(_is_float))
    elif kind == "junk_index":
        frame.index = draw(
            st.sampled_from(
                [pd.RangeIndex(len(frame)), pd.Index([str(i) for i in range(len(frame))])]
            )
        )
    elif kind == "empty":
        frame = frame.iloc[:0]
    else:
        frame = frame.astype(str)
    if draw(st.booleans()):
        frame.columns = draw(st.sampled_from([["SPY", "spy"], ["spy", "aaa"], ["SPY", "AAA"]]))
    return frame


def _is_float(value: object) -> bool:
    return isinstance(value, float)


_WINDOWS = st.one_of(
    st.tuples(st.integers(-(10**7), 10**7), st.integers(-(10**7), 10**7)),
    st.tuples(_SCALARS, _SCALARS),
    st.sampled_from([(-250, -11), (-10, 10), ("2023-01-03", "2023-05-01"), None, "x", (1,)]),
)


# ----------------------------------------------------------------------------- the fuzz tests
@FUZZ
@given(events=events_frames())
def test_malformed_events_frames(events: pd.DataFrame) -> None:
    only_library_errors(lambda: prepare_events(events))
    only_library_errors(
        lambda: EventStudy(
            events, RETURNS, model=MarketModel("SPY"), estimation_window=(-120, -11)
        ).fit()
    )


@FUZZ
@given(prices=price_frames(), allow=st.sampled_from([None, ["unadjusted_splits"], ["x"]]))
def test_malformed_price_frames(prices: pd.DataFrame, allow: Any) -> None:
    only_library_errors(lambda: es.read_prices(prices, ticker="AAA"))
    only_library_errors(lambda: es.compute_returns(prices, allow=allow))
    events = pd.DataFrame({"ticker": ["AAA"], "date": ["2023-06-01"]})
    only_library_errors(lambda: EventStudy(events, prices=prices, allow=allow).fit())


@FUZZ
@given(returns=returns_frames(), est=_WINDOWS, evt=_WINDOWS)
def test_malformed_returns_and_windows(returns: pd.DataFrame, est: Any, evt: Any) -> None:
    events = pd.DataFrame({"ticker": ["aaa", "AAA"], "date": ["2023-06-01", "2023-06-02"]})
    only_library_errors(
        lambda: EventStudy(
            events,
            returns,
            model=MarketModel("spy"),
            estimation_window=est,
            event_window=evt,
            min_estimation_obs=50,
        ).fit()
    )


_SPEC_KEYS: dict[str, list[str]] = {
    "study": ["name", "description"],
    "events": ["date", "timing", "tickers", "groups", "file", "date_format"],
    "model": ["name", "market", "lags"],
    "windows": ["estimation", "event", "car"],
    "data": ["return_kind", "calendar", "start", "end", "allow"],
    "tests": ["names", "primary", "conventions"],
    "output": ["formats", "figures", "confidence"],
    "bogus": ["x"],
}
_SPEC_VALUES = st.one_of(
    _SCALARS,
    st.lists(st.one_of(_TICKERS, st.integers(-(10**6), 10**6)), max_size=3),
    st.lists(st.lists(st.integers(-(10**6), 10**6), max_size=3), max_size=2),
    st.dictionaries(st.sampled_from(["g", "h", "profile"]), st.lists(_TICKERS, max_size=2)),
    st.sampled_from(["market", "ff3", "simple", "XNYS", "csv", "%d/%m/%Y", "events.csv"]),
    st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)


@st.composite
def spec_dicts(draw: st.DrawFn) -> dict[str, Any]:
    tables = draw(st.lists(st.sampled_from(list(_SPEC_KEYS)), max_size=4, unique=True))
    raw: dict[str, Any] = {"events": {"date": "2023-06-01", "tickers": ["AAA"]}}
    for table in tables:
        keys = draw(st.lists(st.sampled_from(_SPEC_KEYS[table]), max_size=3, unique=True))
        raw[table] = {k: draw(_SPEC_VALUES) for k in keys}
        if draw(st.booleans()):
            raw[table] = draw(_SCALARS)  # a table that is not a table
    return raw


@FUZZ
@given(raw=spec_dicts())
def test_malformed_spec_dicts(raw: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "events.csv").write_text("ticker,date\naaa,01/06/2023\n")
        only_library_errors(lambda: parse_spec(raw, base_dir=tmp))


_TOML_LINES = st.sampled_from(
    [
        "[events]",
        "[events.groups]",
        "[model]",
        "[windows]",
        "[data]",
        "[output]",
        "[tests]",
        "date = 2023-06-01T17:00:00",
        'date = "04/06/2023"',
        "date = 2023-06-01",
        'tickers = ["aaa", "SPY"]',
        "tickers = 3",
        'chips = ["NVDA"]',
        'file = "events.csv"',
        'file = "missing.csv"',
        "estimation = [-100000, -11]",
        "estimation = [-250, -11]",
        "event = [-10, 10]",
        "event = [10, -10]",
        "car = [[0, 0], [-1, 1]]",
        "car = [[0]]",
        'name = "market"',
        'name = "nope"',
        'market = "spy"',
        'allow = ["percent_returns"]',
        'allow = ["nope"]',
        'return_kind = "log"',
        "confidence = 2",
        'formats = ["csv", "exe"]',
        'date_format = "%d/%m/%Y"',
        "lags = -1",
        "=",
        "[[events]]",
        '"unterminated',
        "x = {a = 1}",
    ]
)
_EVENTS_FILES = st.sampled_from(
    [
        "ticker,date\naaa,01/06/2023\n",
        "ticker,date\nAAA,2023-06-01\nBBB,2023-06-02,extra,fields\n",
        "",
        "ticker\nAAA\n",
        "ticker,date,timing\nAAA,2023-06-01,later\n",
        "\ufeffticker,date\nAAA,2023-06-01 17:00\n",
        "ticker,date\nAAA,04/06/2023\n",
    ]
)


@FUZZ
@given(
    lines=st.lists(_TOML_LINES, min_size=1, max_size=10),
    events_file=_EVENTS_FILES,
    binary=st.booleans(),
)
def test_malformed_spec_files(lines: list[str], events_file: str, binary: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if binary:
            Path(tmp, "events.csv").write_bytes(b"\xff\xfe\x00" + events_file.encode())
        else:
            Path(tmp, "events.csv").write_text(events_file, encoding="utf-8")
        path = Path(tmp, "s.toml")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        only_library_errors(lambda: load_spec(path).events_frame())


@pytest.mark.parametrize(
    "exc", [KeyError("k"), IndexError("i"), ValueError("v"), TypeError("t"), MemoryError()]
)
def test_raw_errors_inside_fit_come_out_as_library_errors(exc: BaseException) -> None:
    """The net under the input checks: a raw error deep in the engine becomes an
    EventStudyError naming the step (a MemoryError stays a MemoryError subclass)."""
    from unittest import mock

    events = pd.DataFrame({"ticker": ["AAA"], "date": ["2023-06-01"]})

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise exc

    with mock.patch.object(MarketModel, "estimate", boom), pytest.raises(EventStudyError) as info:
        EventStudy(events, RETURNS, model=MarketModel("SPY"), calendar=None).fit()
    assert "EventStudy.fit" in str(info.value)
    assert info.value.__cause__ is exc
    assert isinstance(info.value, MemoryError) == isinstance(exc, MemoryError)


# ---------------------------------------------------------------- probes that once escaped raw
SPEC_TAIL = '[model]\nname = "market"\nmarket = "SPY"\n'


@pytest.mark.parametrize(
    ("events", "match"),
    [
        # was TypeError: a row with more fields than the header became the frame's index
        ("ticker,date\nNVDA,2025-01-27,extra,more\nAMD\n", "not a readable CSV"),
        ("ticker,date\nNVDA,notadate\n", "unreadable date 'notadate' in row 2"),
    ],
)
def test_malformed_events_files_are_spec_errors(tmp_path: Path, events: str, match: str) -> None:
    (tmp_path / "events.csv").write_text(events)
    (tmp_path / "s.toml").write_text('[events]\nfile = "events.csv"\n' + SPEC_TAIL)
    with pytest.raises(es.SpecError, match=match):
        load_spec(tmp_path / "s.toml").events_frame()


def test_an_event_year_far_off_is_a_data_error_before_loading_prices(tmp_path: Path) -> None:
    # was: load_prices raised an "unexpected input (OutOfBoundsDatetime ...)" error
    (tmp_path / "events.csv").write_text("ticker,date\nNVDA,1500-01-01\n")
    (tmp_path / "s.toml").write_text('[events]\nfile = "events.csv"\n' + SPEC_TAIL)
    with pytest.raises(es.DataError, match="outside the years 1800-2200"):
        load_spec(tmp_path / "s.toml").price_range()


def test_a_deeply_nested_spec_is_a_spec_error(tmp_path: Path) -> None:
    # was: RecursionError from tomllib, "internal error" exit 1
    (tmp_path / "deep.toml").write_text("a = " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(es.SpecError, match="nested too deeply"):
        load_spec(tmp_path / "deep.toml")


@pytest.mark.parametrize("tickers", [None, 5])
def test_event_study_with_no_tickers_is_a_spec_error(tickers: Any) -> None:
    # was: raw TypeError ('NoneType' object is not iterable)
    with pytest.raises(es.SpecError, match="takes the tickers as"):
        es.event_study(tickers, "2025-01-27", prices_dir=tempfile.mkdtemp(), progress=False)


def test_a_simple_return_below_minus_one_is_a_data_error() -> None:
    # was: accepted silently (no price can fall by more than 100 %)
    dates = pd.bdate_range("2024-01-01", periods=300)
    rng = np.random.default_rng(1)
    returns = pd.DataFrame(rng.normal(0, 0.01, (300, 2)), index=dates, columns=["SPY", "AAA"])
    returns.iloc[120, 1] = -1.5
    events = pd.DataFrame({"ticker": ["AAA"], "date": [dates[280]]})
    with pytest.raises(es.DataError, match=r"AAA on 2024-06-17 are -1\.5, below -1"):
        EventStudy(events, returns, model=MarketModel("SPY"), calendar=None).fit()
    # log returns may be below -1
    EventStudy(events, returns, model=MarketModel("SPY"), calendar=None, return_kind="log").fit()
