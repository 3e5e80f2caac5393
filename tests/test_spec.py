"""The TOML study spec: parsing, defaults, validation with "did you mean" messages, examples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from eventstudy.exceptions import SpecError
from eventstudy.inference import TEST_NAMES, Conventions
from eventstudy.spec import FIGURES, StudySpec, load_spec, parse_spec, suggest

REPO = Path(__file__).resolve().parents[1]

MINIMAL = """
[events]
date = 2025-01-27
tickers = ["NVDA", "AVGO"]
"""


def write(tmp_path: Path, text: str, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def base() -> dict[str, Any]:
    return {"events": {"date": "2025-01-27", "tickers": ["NVDA"]}}


def with_table(table: str, **values: Any) -> dict[str, Any]:
    raw = base()
    raw.setdefault(table, {}).update(values)
    return raw


# ----------------------------------------------------------------------------- parsing
def test_minimal_spec_gets_documented_defaults(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, MINIMAL))
    assert spec.name == "study"  # the file's stem
    assert spec.events_date == pd.Timestamp("2025-01-27")
    assert spec.tickers == ("NVDA", "AVGO")
    assert spec.model.name == "market" and spec.model.market == "SPY"
    assert spec.estimation_window == (-250, -11)
    assert spec.event_window == (-10, 10)
    assert spec.car_windows == ((0, 0), (-1, 1))
    assert spec.return_kind == "simple"
    assert spec.tests is None
    assert spec.primary_test == "auto"  # cross_sectional_t unless events cluster strongly
    assert spec.figures == FIGURES
    assert spec.confidence == 0.95
    assert spec.build_conventions() == Conventions()


def test_full_spec_round_trips_every_field(tmp_path: Path) -> None:
    text = """
[study]
name = "Sell-off"
description = "a test"

[events]
date = "2025-01-20"
timing = "amc"
tickers = ["XOM"]
[events.groups]
chips = ["NVDA", "AVGO"]
power = ["VST"]

[model]
name = "market_adjusted"
market = "QQQ"

[windows]
estimation = [-120, -6]
event = [-5, 5]
car = [[0, 0], [0, 1], [0, 1]]

[data]
return_kind = "log"
calendar = "XNYS"
start = 2024-01-02
end = 2025-03-31

[tests]
names = ["patell", "bmp"]
primary = "bmp"
conventions = { profile = "estudy2", prediction_error = false }

[output]
formats = ["csv", "tex"]
figures = ["caar"]
confidence = 0.9
"""
    spec = load_spec(write(tmp_path, text))
    assert spec.name == "Sell-off" and spec.description == "a test"
    assert spec.events_date == pd.Timestamp("2025-01-20")
    assert spec.timing == "amc"
    assert spec.tickers == ("XOM", "NVDA", "AVGO", "VST")
    assert dict(spec.groups) == {"XOM": None, "NVDA": "chips", "AVGO": "chips", "VST": "power"}
    assert spec.model.name == "market_adjusted" and spec.model.market == "QQQ"
    assert spec.estimation_window == (-120, -6) and spec.event_window == (-5, 5)
    assert spec.car_windows == ((0, 0), (0, 1))  # duplicates dropped, order kept
    assert spec.return_kind == "log"
    assert spec.start == pd.Timestamp("2024-01-02") and spec.end == pd.Timestamp("2025-03-31")
    assert spec.tests == ("patell", "bmp") and spec.primary_test == "bmp"
    assert spec.build_conventions() == Conventions.profile("estudy2").replace(
        prediction_error=False
    )
    assert spec.formats == ("csv", "tex") and spec.figures == ("caar",) and spec.confidence == 0.9
    events = spec.events_frame()
    assert list(events.columns) == ["ticker", "date", "group", "timing"]
    assert events["group"].isna().tolist() == [True, False, False, False]
    assert events["group"].tolist()[1:] == ["chips", "chips", "power"]
    assert (events["timing"] == "amc").all()
    assert spec.all_tickers() == ["XOM", "NVDA", "AVGO", "VST", "QQQ"]
    assert spec.price_range() == (pd.Timestamp("2024-01-02"), pd.Timestamp("2025-03-31"))


def test_toml_dates_and_strings_are_the_same_date() -> None:
    a = parse_spec({"events": {"date": dt.date(2025, 1, 27), "tickers": ["NVDA"]}})
    b = parse_spec(base())
    assert a.events_date == b.events_date == pd.Timestamp("2025-01-27")


def test_ungrouped_events_have_no_group_column() -> None:
    events = parse_spec(base()).events_frame()
    assert list(events.columns) == ["ticker", "date"]


def test_price_range_covers_both_windows_with_slack() -> None:
    spec = parse_spec(base())
    start, end = spec.price_range()
    day0 = pd.Timestamp("2025-01-27")
    # 250 trading days need about 250 * 365/252 = 362 calendar days; 10 need about 15
    assert start <= day0 - pd.Timedelta(days=362 + 5)
    assert end >= day0 + pd.Timedelta(days=15)
    assert start >= day0 - pd.Timedelta(days=450)  # not absurdly long


def test_market_free_model_needs_no_market_ticker() -> None:
    spec = parse_spec(with_table("model", name="constant_mean"))
    assert spec.model.market is None
    assert spec.model.factors_dataset is None
    assert spec.all_tickers() == ["NVDA"]


@pytest.mark.parametrize(
    ("name", "market", "dataset"),
    [
        ("capm", None, "ff3"),
        ("ff3", None, "ff3"),
        ("carhart4", None, "carhart"),
        ("ff5", None, "ff5"),
    ],
)
def test_factor_models_name_their_factor_set(name: str, market: str | None, dataset: str) -> None:
    spec = parse_spec(with_table("model", name=name))
    assert spec.model.market == market
    assert spec.model.factors_dataset == dataset


def test_capm_may_name_a_market_and_models_build() -> None:
    from eventstudy import models

    spec = parse_spec(with_table("model", name="capm", market="QQQ"))
    assert spec.model.build() == models.CAPM(market="QQQ")
    assert spec.all_tickers() == ["NVDA", "QQQ"]
    assert parse_spec(with_table("model", name="dimson", lags=2)).model.build() == models.Dimson(
        "SPY", 2
    )
    assert parse_spec(base()).model.build() == models.MarketModel("SPY")
    assert parse_spec(with_table("model", name="ff5")).model.build() == models.FamaFrench5()


def test_events_file_is_read_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "events.csv").write_text(
        "ticker,date,event_id,timing,benchmark,group\n"
        "NVDA,2025-01-27,n1,bmo,QQQ,chips\nVST,2025-01-28,v1,,,power\n"
    )
    spec = load_spec(write(tmp_path, '[events]\nfile = "ev/events.csv"\n'))
    assert spec.events_file == tmp_path / "ev" / "events.csv"
    events = spec.events_frame()
    assert events["ticker"].tolist() == ["NVDA", "VST"]
    assert events["date"].tolist() == [pd.Timestamp("2025-01-27"), pd.Timestamp("2025-01-28")]
    assert events["timing"].isna().tolist() == [False, True]
    assert spec.all_tickers() == ["NVDA", "VST", "QQQ", "SPY"]


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({**base(), "windws": {}}, r"unknown key 'windws'; did you mean 'windows'\?.*valid: study"),
        (with_table("model", nmae="market"), r"\[model\]: unknown key 'nmae'; did you mean 'name'"),
        (
            with_table("model", name="markt"),
            r"model.name: value 'markt'.*did you mean 'market'.*constant_mean",
        ),
        (with_table("data", return_kind="logg"), r"did you mean 'log'\? valid: simple, log"),
        (
            with_table("tests", names=["patel"]),
            r"tests.names: value 'patel'.*did you mean 'patell'",
        ),
        (with_table("tests", primary="bw"), r"tests.primary: value 'bw'.*valid: brown_warner_1980"),
        (with_table("tests", conventions="estudy"), r"did you mean 'estudy2'"),
        (with_table("tests", conventions={"firm_summ": "sum"}), r"did you mean 'firm_sum'"),
        (with_table("tests", conventions={"firm_sum": "total"}), r"firm_sum='total' is not valid"),
        (
            with_table("output", formats=["csv", "pdf"]),
            r"output.formats.*'pdf'.*valid: csv, parquet",
        ),
        (with_table("output", figures=["caar", "bars"]), r"'bars'.*valid: caar, car_bars"),
        (with_table("output", confidence=95), r"strictly between 0 and 1"),
        (with_table("output", confidence=True), r"strictly between 0 and 1"),
        (with_table("windows", event=[5, -5]), r"start must not be after the end"),
        (with_table("windows", event=[0, "1"]), r"pair of integer trading days"),
        (with_table("windows", event=[-10, 10], estimation=[-250, -10]), r"must end before"),
        (with_table("windows", car=[[0, 12]]), r"lies outside windows.event"),
        (with_table("windows", car=[]), r"non-empty list"),
        (with_table("data", start="2025-02-01", end="2025-01-01"), r"must be before data.end"),
        (with_table("data", start="yesterday"), r"data.start must be a date"),
        (with_table("data", factors_vintage=202604), r"data.factors_vintage must be a non-empty"),
        (with_table("data", factors_vintag="x"), r"did you mean 'factors_vintage'"),
        (with_table("events", timing="before"), r"events.timing.*valid: bmo, dur, amc"),
        (with_table("events", tickers="NVDA"), r"events.tickers must be a list"),
        (with_table("model", name="constant_mean", market="SPY"), r"does not apply"),
        (with_table("model", name="dimson", lags=0), r"positive integer"),
        ({"events": {"date": "2025-01-27"}}, r"names no tickers"),
        ({"events": {"tickers": ["NVDA"]}}, r"needs date"),
        ({}, r"needs an \[events\] table"),
        ({"events": {"date": "2025-01-27", "tickers": ["A"], "file": "x.csv"}}, r"not both"),
        (
            {"events": {"date": "2025-01-27", "tickers": ["A"], "groups": {"g": ["A"]}}},
            r"listed twice",
        ),
        ({**base(), "study": "x"}, r"\[study\] must be a table"),
        (with_table("tests", conventions="estudy2"), r"require log returns.*return_kind = 'log'"),
    ],
)
def test_bad_specs_are_spec_errors_naming_what_is_valid(raw: dict[str, Any], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        parse_spec(raw)


def test_bad_events_files(tmp_path: Path) -> None:
    spec = write(tmp_path, '[events]\nfile = "events.csv"\n')
    with pytest.raises(SpecError, match="not found"):
        load_spec(spec)
    (tmp_path / "events.csv").write_text("ticker,dates\nNVDA,2025-01-27\n")
    with pytest.raises(SpecError, match=r"unknown column 'dates'; did you mean 'date'"):
        load_spec(spec)
    (tmp_path / "events.csv").write_text("ticker,date\nNVDA,someday\n")
    with pytest.raises(SpecError, match=r"unreadable date 'someday' in row 2"):
        load_spec(spec)
    (tmp_path / "events.csv").write_text("ticker\nNVDA\n")
    with pytest.raises(SpecError, match=r"lacks the column\(s\) \['date'\]"):
        load_spec(spec)


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not found"):
        load_spec(tmp_path / "nope.toml")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(write(tmp_path, "[events\n"))


def test_suggest() -> None:
    assert suggest("markt", ["market", "capm"]) == " did you mean 'market'?"
    assert suggest("zzz", ["market", "capm"]) == ""


def test_every_inference_test_name_is_accepted() -> None:
    spec = parse_spec(with_table("tests", names=list(TEST_NAMES)))
    assert spec.tests == TEST_NAMES


# ----------------------------------------------------------------------------- examples
@pytest.mark.parametrize("name", ["deepseek_selloff.toml", "deepseek_r1.toml"])
def test_examples_parse(name: str) -> None:
    spec = load_spec(REPO / "examples" / name)
    assert isinstance(spec, StudySpec)
    assert spec.model.name == "market" and spec.model.market == "SPY"


def test_selloff_example_is_the_issue_study() -> None:
    spec = load_spec(REPO / "examples" / "deepseek_selloff.toml")
    assert spec.events_date == pd.Timestamp("2025-01-27")
    groups = pd.Series(dict(spec.groups))
    assert sorted(groups[groups == "chips"].index) == sorted(
        "NVDA AVGO TSM ASML AMD MU MRVL ARM SMCI AMAT LRCX KLAC INTC QCOM".split()
    )
    assert sorted(groups[groups == "power"].index) == sorted("VST CEG TLN NRG GEV".split())
    assert sorted(groups[groups == "hardware"].index) == ["ANET", "DELL"]
    assert sorted(groups[groups == "platforms"].index) == sorted(
        "MSFT GOOGL META AMZN ORCL AAPL".split()
    )
    assert spec.car_windows == ((0, 0), (0, 1), (-5, 1), (-1, 5))


def test_r1_example_is_announced_on_the_holiday() -> None:
    spec = load_spec(REPO / "examples" / "deepseek_r1.toml")
    assert spec.events_date == pd.Timestamp("2025-01-20")  # MLK day: the engine rolls to 01-21


def test_examples_hold_no_absolute_paths() -> None:
    for path in (REPO / "examples").glob("*.toml"):
        assert "/work" not in path.read_text() and "shared/data" not in path.read_text()


# ----------------------------------------------------------------------------- date windows
DATE_WINDOWS = """
[events]
date = 2001-09-17
tickers = ["AAA"]
[windows]
estimation = [2001-03-26, 2001-09-10]
event = ["2001-09-11", "2001-09-28"]
car = [[0, 0], [0, 4]]
"""


def test_windows_may_be_pairs_of_toml_dates_or_iso_strings(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, DATE_WINDOWS))
    # the dates as written in the TOML text above (a TOML date and an ISO string alike)
    assert spec.estimation_window == (pd.Timestamp("2001-03-26"), pd.Timestamp("2001-09-10"))
    assert spec.event_window == (pd.Timestamp("2001-09-11"), pd.Timestamp("2001-09-28"))
    assert spec.car_windows == ((0, 0), (0, 4))  # car windows stay relative days
    # a TOML date-time counts by its date; strings and dates give the same spec
    same = parse_spec(
        with_table(
            "windows",
            estimation=["2001-03-26", dt.datetime(2001, 9, 10, 16, 0)],
            event=[dt.date(2001, 9, 11), dt.date(2001, 9, 28)],
            car=[[0, 0], [0, 4]],
        )
    )
    assert same.estimation_window == spec.estimation_window
    assert same.event_window == spec.event_window
    # prices are loaded from before the estimation start to after the event end
    start, end = spec.price_range()
    assert start < pd.Timestamp("2001-03-26") and end > pd.Timestamp("2001-09-28")
    # one window by dates and one by days is valid (checked per event when the study runs)
    mixed = parse_spec(with_table("windows", estimation=["2024-01-02", "2024-12-31"]))
    assert mixed.estimation_window == (pd.Timestamp("2024-01-02"), pd.Timestamp("2024-12-31"))
    assert mixed.event_window == (-10, 10)


@pytest.mark.parametrize(
    ("windows", "match"),
    [
        (
            {"event": [-5, "2001-09-28"]},
            r"windows.event must be a pair of integer trading days.*or a pair of dates.*"
            r"both of one kind",
        ),
        ({"event": ["2001-09-11", "Sept 28"]}, r"windows.event must be a pair of integer"),
        ({"estimation": [dt.date(2001, 3, 26)]}, r"windows.estimation must be a pair"),
        (
            {"event": ["2001-09-28", "2001-09-11"]},
            r"windows.event = \[2001-09-28, 2001-09-11\]: the start must not be after the end",
        ),
        (
            {"estimation": ["2001-03-26", "2001-09-11"], "event": ["2001-09-11", "2001-09-28"]},
            r"windows.estimation \[2001-03-26, 2001-09-11\] must end before windows.event "
            r"\[2001-09-11, 2001-09-28\] starts",
        ),
        (
            {"event": ["2001-09-11", "2001-09-28"], "car": [[-1, 1]]},
            r"windows.car \[-1, 1\] lies outside windows.event \[2001-09-11, 2001-09-28\].*"
            r"count sessions from its first date",
        ),
        ({"event": ["2001-09-11", "2001-09-28"], "car": [[0, 30]]}, r"at most 17"),
    ],
)
def test_bad_date_windows_are_spec_errors(windows: dict[str, Any], match: str) -> None:
    raw = with_table("windows", **windows)
    raw["windows"].setdefault("car", [[0, 0]])
    with pytest.raises(SpecError, match=match):
        parse_spec(raw)


def test_events_file_dates_with_utc_offsets(tmp_path: Path) -> None:
    # audit: Z next to -05:00 (or next to a plain date) was "unreadable date '...Z' in row 2"
    from eventstudy.spec import read_events_file

    both = tmp_path / "both.csv"
    both.write_text("ticker,date\nNVDA,2025-01-24T21:30:00Z\nAVGO,2025-01-24T16:30:00-05:00\n")
    dates = read_events_file(both)["date"]
    same = pd.Timestamp("2025-01-24 21:30", tz="UTC")
    assert dates.tolist() == [same, same]  # one clock: 16:30 in New York is 21:30 UTC
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("ticker,date\nNVDA,2025-01-24T21:30:00Z\nAVGO,2025-01-27\n")
    with pytest.raises(SpecError, match=r"mix date-times with a UTC offset \(row 2: .*\) and .*"
                       r"\(row 3: '2025-01-27'\)"):  # fmt: skip
        read_events_file(mixed)
