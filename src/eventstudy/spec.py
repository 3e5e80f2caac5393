"""The study specification: a TOML file that names everything a reproducible event study needs.

A spec is parsed with :mod:`tomllib` into a validated, frozen :class:`StudySpec`. Every unknown
key and every bad value is a :class:`~eventstudy.exceptions.SpecError` that names the offending
field, lists what is valid and suggests the closest valid name ("did you mean ...?").

Layout (every table but ``[events]`` is optional)::

    [study]
    name = "DeepSeek sell-off"
    description = "..."

    [events]
    date = 2025-01-27            # one announcement date for every ticker (TOML date or string)
    timing = "bmo"               # optional: bmo / dur / amc
    tickers = ["XOM"]            # tickers without a group, and/or
    [events.groups]              # tickers by group
    chips = ["NVDA", "AVGO"]
    # ... or instead of date/tickers/groups: file = "events.csv" (relative to the spec file;
    # columns ticker, date, optional event_id, timing, benchmark, group)

    [model]
    name = "market"              # see MODELS; capm, ff3, carhart4 and ff5 read Fama-French
    market = "SPY"               # factors (eventstudy run --factors-dir DIR)

    [windows]
    estimation = [-250, -11]     # trading days relative to day 0, or a pair of dates:
    event = [-10, 10]            # estimation = [2001-03-26, 2001-09-10] (TOML dates or
                                 # "YYYY-MM-DD" strings; inclusive, the same for every event)
    car = [[0, 0], [0, 1], [-5, 1], [-1, 5]]   # the first is the window of the CAR-by-firm bars

    [data]
    return_kind = "simple"       # or "log"
    calendar = "XNYS"
    start = 2023-12-01           # optional: derived from the windows when absent
    end = 2025-03-31
    factors_vintage = "202604"   # optional: vintage of local factor CSVs (they state none)

    [tests]
    names = ["cross_sectional_t", "patell", "bmp"]  # optional: default every test
    primary = "cross_sectional_t"      # the test whose estimate, s.e. and p the CAAR tables show
    conventions = "default"            # a profile name, or a table of Conventions fields
                                       # (with an optional "profile" key)

    [output]
    formats = ["csv", "md", "html"]
    figures = ["caar", "car_bars", "ar_paths", "fit", "prices"]
    confidence = 0.95

``car`` windows are always relative days. With an event window given by dates they count
sessions from that window's first date (day 0 = its first session), as the engine labels
date windows (see :func:`eventstudy.events.resolve_window`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd

from .exceptions import SpecError

if TYPE_CHECKING:  # pragma: no cover
    from .inference.conventions import Conventions

__all__ = [
    "FIGURES",
    "FORMATS",
    "MODELS",
    "ModelSpec",
    "StudySpec",
    "load_spec",
    "parse_spec",
    "suggest",
]

Window = tuple[int, int]
#: An estimation or event window: relative trading days, or (start, end) dates (inclusive).
StudyWindow = tuple[int, int] | tuple[pd.Timestamp, pd.Timestamp]

# model name -> (class in eventstudy.models, keys it requires, keys it accepts)
MODELS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "constant_mean": ("ConstantMean", (), ()),
    "market_adjusted": ("MarketAdjusted", ("market",), ("market",)),
    "market": ("MarketModel", ("market",), ("market",)),
    "capm": ("CAPM", (), ("market",)),  # without a market: the factors' Mkt-RF
    "ff3": ("FamaFrench3", (), ()),
    "carhart4": ("Carhart4", (), ()),
    "ff5": ("FamaFrench5", (), ()),
    "scholes_williams": ("ScholesWilliams", ("market",), ("market",)),
    "dimson": ("Dimson", ("market",), ("market", "lags")),
    "garch": ("GarchMarketModel", ("market",), ("market",)),
}
# models estimated on Fama-French factors -> the dataset of eventstudy.load_factors they need
FACTOR_DATASETS: dict[str, str] = {"capm": "ff3", "ff3": "ff3", "carhart4": "carhart", "ff5": "ff5"}

FORMATS: tuple[str, ...] = ("csv", "parquet", "md", "html", "tex")
FIGURES: tuple[str, ...] = ("caar", "car_bars", "ar_paths", "fit", "prices")
RETURN_KINDS: tuple[str, ...] = ("simple", "log")
TIMINGS: tuple[str, ...] = ("bmo", "dur", "amc")

_TABLES: dict[str, tuple[str, ...]] = {
    "study": ("name", "description"),
    "events": ("date", "timing", "tickers", "groups", "file"),
    "model": ("name", "market", "lags"),
    "windows": ("estimation", "event", "car"),
    "data": ("return_kind", "calendar", "start", "end", "factors_vintage"),
    "tests": ("names", "primary", "conventions"),
    "output": ("formats", "figures", "confidence"),
}
_EVENTS_FILE_COLUMNS = ("ticker", "date", "event_id", "timing", "benchmark", "group")


# ----------------------------------------------------------------------------- error helpers
def suggest(value: str, valid: Iterable[str]) -> str:
    """`` did you mean 'x'?`` for the closest valid name, or an empty string."""
    close = difflib.get_close_matches(str(value), list(valid), n=1, cutoff=0.6)
    return f" did you mean {close[0]!r}?" if close else ""


def _invalid(where: str, value: object, valid: Sequence[str], what: str = "value") -> SpecError:
    hint = suggest(str(value), valid) if isinstance(value, str) else ""
    verdict = "" if what.startswith("unknown") else " is not valid"
    return SpecError(f"{where}: {what} {value!r}{verdict};{hint} valid: {', '.join(valid)}")


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise _invalid(where, key, allowed, what="unknown key")


def _table(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, Mapping):
        raise SpecError(
            f"[{name}] must be a table (a [{name}] section), got {type(value).__name__}"
        )
    _check_keys(value, _TABLES[name], f"[{name}]")
    return dict(value)


# ----------------------------------------------------------------------------- value parsers
def _date(value: object, where: str) -> pd.Timestamp:
    if isinstance(value, dt.datetime | dt.date | str):
        ts = pd.to_datetime(value, errors="coerce")
        if not pd.isna(ts):
            return pd.Timestamp(pd.Timestamp(ts).date())
    raise SpecError(f"{where} must be a date such as 2025-01-27, got {value!r}")


def _window(value: object, where: str) -> Window:
    ok = (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )
    if not ok:
        raise SpecError(
            f"{where} must be a pair of integer trading days [start, end], got {value!r}"
        )
    start, end = int(value[0]), int(value[1])  # type: ignore[index]
    if start > end:
        raise SpecError(f"{where} = [{start}, {end}]: the start must not be after the end")
    return (start, end)


def _study_window(value: object, where: str) -> StudyWindow:
    """An estimation or event window: two integer trading days, or two dates (TOML dates or
    ISO ``YYYY-MM-DD`` strings), start not after end."""
    if isinstance(value, list | tuple) and len(value) == 2:
        if all(_is_day(v) for v in value):
            return _window(value, where)
        start, end = _iso_date(value[0]), _iso_date(value[1])
        if start is not None and end is not None:
            if start > end:
                raise SpecError(
                    f"{where} = [{start.date()}, {end.date()}]: the start must not be after the end"
                )
            return (start, end)
    raise SpecError(
        f"{where} must be a pair of integer trading days [start, end], e.g. [-250, -11], or a "
        f'pair of dates, e.g. [2001-03-26, 2001-09-10] or ["2001-03-26", "2001-09-10"] (both '
        f"of one kind); got {value!r}"
    )


def _is_day(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _iso_date(value: object) -> pd.Timestamp | None:
    """A TOML date / date-time or an ISO date string as a date; ``None`` when it is neither."""
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
        return pd.Timestamp(day)
    return None


def _days(window: StudyWindow) -> Window | None:
    """The window as relative days, or ``None`` when it is given by dates."""
    a, b = window
    return (a, b) if isinstance(a, int) and isinstance(b, int) else None


def _dates(window: StudyWindow) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The window as dates, or ``None`` when it is given by relative days."""
    a, b = window
    return (a, b) if isinstance(a, pd.Timestamp) and isinstance(b, pd.Timestamp) else None


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list):
        raise SpecError(f"{where} must be a list of strings, got {value!r}")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise SpecError(f"{where} must hold non-empty strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _choice(value: object, valid: Sequence[str], where: str) -> str:
    if not isinstance(value, str) or value not in valid:
        raise _invalid(where, value, valid)
    return value


def _choices(value: object, valid: Sequence[str], where: str) -> tuple[str, ...]:
    items = _str_list(value, where)
    for item in items:
        _choice(item, valid, where)
    return tuple(dict.fromkeys(items))


def _string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where} must be a non-empty string, got {value!r}")
    return value.strip()


# ----------------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class ModelSpec:
    """The normal-return model: a name from :data:`MODELS` and its options."""

    name: str = "market"
    market: str | None = "SPY"
    lags: int | None = None

    @property
    def factors_dataset(self) -> str | None:
        """The factor set (``eventstudy.load_factors(model=...)``) the model needs, if any."""
        return FACTOR_DATASETS.get(self.name)

    def build(self) -> Any:
        """The model object of :mod:`eventstudy.models` this spec names."""
        from . import models

        cls = getattr(models, MODELS[self.name][0])
        kwargs: dict[str, Any] = {}
        if "market" in MODELS[self.name][2] and self.market is not None:
            kwargs["market"] = self.market
        if self.lags is not None:
            kwargs["lags"] = self.lags
        return cls(**kwargs)


@dataclass(frozen=True)
class StudySpec:
    """A validated event-study specification (see the module docstring for the TOML layout)."""

    name: str
    events_date: pd.Timestamp | None = None
    tickers: tuple[str, ...] = ()
    groups: Mapping[str, str | None] = field(default_factory=dict)  # ticker -> group
    events_file: Path | None = None
    timing: str | None = None
    model: ModelSpec = field(default_factory=ModelSpec)
    estimation_window: StudyWindow = (-250, -11)  # relative days or (start, end) dates
    event_window: StudyWindow = (-10, 10)
    car_windows: tuple[Window, ...] = ((0, 0), (-1, 1))
    return_kind: Literal["simple", "log"] = "simple"
    calendar: str = "XNYS"
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    factors_vintage: str | None = None  # recorded for local factor files without a vintage line
    tests: tuple[str, ...] | None = None  # None: every available test
    primary_test: str = "cross_sectional_t"  # whose estimate, se and p the CAAR tables show
    conventions: Mapping[str, Any] = field(default_factory=dict)  # {"profile": ..., field: value}
    formats: tuple[str, ...] = ("csv", "md", "html")
    figures: tuple[str, ...] = FIGURES
    confidence: float = 0.95
    description: str = ""
    source: Path | None = None

    # -- derived views -------------------------------------------------------------------
    def events_frame(self) -> pd.DataFrame:
        """The events as a DataFrame (``ticker, date`` and whichever of ``event_id, timing,
        benchmark, group`` the spec gives)."""
        if self.events_file is not None:
            return read_events_file(self.events_file)
        assert self.events_date is not None
        frame = pd.DataFrame(
            {
                "ticker": list(self.tickers),
                "date": [self.events_date] * len(self.tickers),
                "group": [self.groups.get(t) for t in self.tickers],
            }
        )
        if self.timing is not None:
            frame["timing"] = self.timing
        if frame["group"].isna().all():
            frame = frame.drop(columns="group")
        return frame

    def all_tickers(self) -> list[str]:
        """Every security whose prices the study needs: firms, benchmarks and the market."""
        events = self.events_frame()
        names = list(dict.fromkeys(events["ticker"].astype(str)))
        if "benchmark" in events:
            names += [str(b) for b in events["benchmark"].dropna().unique()]
        if self.model.market is not None:
            names.append(self.model.market)
        return list(dict.fromkeys(names))

    def price_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Dates of prices to load: the spec's ``start``/``end``, else enough calendar days
        around the events to cover both windows (1.6 calendar days per trading day, plus
        slack for holidays and the first return lost to differencing). A window given by
        dates is covered with the same slack (20 days before, 10 after)."""
        dates = pd.to_datetime(self.events_frame()["date"])
        first, last = dates.min().normalize(), dates.max().normalize()
        starts, ends = [first - pd.Timedelta(days=20)], [last + pd.Timedelta(days=10)]
        for window in (self.estimation_window, self.event_window):
            days, on_dates = _days(window), _dates(window)
            if on_dates is not None:
                starts.append(on_dates[0] - pd.Timedelta(days=20))
                ends.append(on_dates[1] + pd.Timedelta(days=10))
            elif days is not None:
                starts.append(first + pd.Timedelta(days=int(1.6 * min(days[0], 0)) - 20))
                ends.append(last + pd.Timedelta(days=int(1.6 * max(days[1], 0)) + 10))
        start = self.start or min(starts)
        end = self.end or max(ends)
        return pd.Timestamp(start), pd.Timestamp(end)

    def build_conventions(self) -> Conventions:
        """The :class:`~eventstudy.inference.Conventions` this spec names."""
        from .inference.conventions import Conventions

        options = dict(self.conventions)
        base = Conventions.profile(str(options.pop("profile", "default")))
        return base.replace(**options) if options else base


# ----------------------------------------------------------------------------- parsing
def load_spec(path: str | Path) -> StudySpec:
    """Read and validate a study spec from a TOML file (relative paths resolve against it)."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"study spec {str(path)!r} not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a UTF-8 text file") from None
    return parse_spec(raw, base_dir=path.parent, source=path)


def parse_spec(
    raw: Mapping[str, Any], base_dir: str | Path | None = None, source: Path | None = None
) -> StudySpec:
    """Validate a parsed TOML mapping into a :class:`StudySpec`."""
    _check_keys(raw, tuple(_TABLES), "study spec")
    study = _table(raw, "study")
    windows = _table(raw, "windows")
    data = _table(raw, "data")
    output = _table(raw, "output")
    spec_events = _parse_events(_table(raw, "events"), Path(base_dir or "."))
    spec = StudySpec(
        name=_string(study.get("name", source.stem if source else "event study"), "study.name"),
        description=str(study.get("description", "")),
        model=_parse_model(_table(raw, "model")),
        estimation_window=_study_window(
            windows.get("estimation", [-250, -11]), "windows.estimation"
        ),
        event_window=_study_window(windows.get("event", [-10, 10]), "windows.event"),
        car_windows=_parse_car_windows(windows.get("car", [[0, 0], [-1, 1]])),
        return_kind=cast(
            Literal["simple", "log"],
            _choice(data.get("return_kind", "simple"), RETURN_KINDS, "data.return_kind"),
        ),
        calendar=_string(data.get("calendar", "XNYS"), "data.calendar"),
        start=_date(data["start"], "data.start") if "start" in data else None,
        end=_date(data["end"], "data.end") if "end" in data else None,
        factors_vintage=(
            _string(data["factors_vintage"], "data.factors_vintage")
            if "factors_vintage" in data
            else None
        ),
        **_parse_tests(_table(raw, "tests")),
        formats=_choices(output.get("formats", ["csv", "md", "html"]), FORMATS, "output.formats"),
        figures=_choices(output.get("figures", list(FIGURES)), FIGURES, "output.figures"),
        confidence=_parse_confidence(output.get("confidence", 0.95)),
        source=source,
        **spec_events,
    )
    _check_consistency(spec)
    return spec


def _parse_events(table: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    if not table:
        raise SpecError("the spec needs an [events] table: date with tickers/groups, or file")
    timing = _choice(table["timing"], TIMINGS, "events.timing") if "timing" in table else None
    if "file" in table:
        clash = sorted({"date", "tickers", "groups"} & set(table))
        if clash:
            raise SpecError(
                f"[events]: give either file or date with tickers/groups, not both {clash}"
            )
        path = Path(_string(table["file"], "events.file"))
        path = path if path.is_absolute() else base_dir / path
        read_events_file(path)  # validate now, so a bad file is a spec error before any download
        return {"events_file": path, "timing": timing}
    if "date" not in table:
        raise SpecError("[events] needs date (one announcement date for all tickers) or file")
    tickers = list(_str_list(table["tickers"], "events.tickers")) if "tickers" in table else []
    groups: dict[str, str | None] = dict.fromkeys(tickers)
    group_table = table.get("groups", {})
    if not isinstance(group_table, Mapping):
        raise SpecError("events.groups must be a table of group = [tickers]")
    for group, members in group_table.items():
        for ticker in _str_list(members, f"events.groups.{group}"):
            if ticker in groups:
                raise SpecError(f"[events]: ticker {ticker!r} is listed twice")
            groups[ticker] = group
    if not groups:
        raise SpecError("[events] names no tickers: give tickers = [...] or [events.groups]")
    return {
        "events_date": _date(table["date"], "events.date"),
        "tickers": tuple(groups),
        "groups": groups,
        "timing": timing,
    }


def read_events_file(path: Path) -> pd.DataFrame:
    """Read an events CSV (``ticker``, ``date``, optional ``event_id, timing, benchmark, group``)."""
    if not path.is_file():
        raise SpecError(f"events file {str(path)!r} not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for col in frame.columns:
        if col not in _EVENTS_FILE_COLUMNS:
            raise _invalid(f"events file {path.name}", col, _EVENTS_FILE_COLUMNS, "unknown column")
    missing = [c for c in ("ticker", "date") if c not in frame.columns]
    if missing:
        raise SpecError(f"events file {path.name} lacks the column(s) {missing}")
    if frame.empty:
        raise SpecError(f"events file {path.name} has no rows")
    dates = pd.to_datetime(frame["date"], errors="coerce")
    bad = frame.loc[dates.isna(), "date"]
    if len(bad):
        raise SpecError(
            f"events file {path.name}: unreadable date {bad.iloc[0]!r} in row {bad.index[0] + 2}"
        )
    frame["date"] = dates
    if "timing" in frame:
        for value in frame["timing"].dropna():
            _choice(value, TIMINGS, f"events file {path.name}: timing")
    return frame


def _parse_model(table: dict[str, Any]) -> ModelSpec:
    name = _choice(table.get("name", "market"), tuple(MODELS), "model.name")
    _, required, accepted = MODELS[name]
    for key in ("market", "lags"):
        if key in table and key not in accepted:
            raise SpecError(
                f"model.{key} does not apply to the {name!r} model (it takes {list(accepted)})"
            )
    market = _string(table.get("market", "SPY"), "model.market") if "market" in required else None
    if "market" in table and "market" not in required:
        market = _string(table["market"], "model.market")
    lags = table.get("lags")
    if lags is not None and (not isinstance(lags, int) or isinstance(lags, bool) or lags < 1):
        raise SpecError(f"model.lags must be a positive integer, got {lags!r}")
    return ModelSpec(name=name, market=market, lags=lags)


def _parse_car_windows(value: object) -> tuple[Window, ...]:
    if not isinstance(value, list) or not value:
        raise SpecError(
            f"windows.car must be a non-empty list of [start, end] pairs, got {value!r}"
        )
    pairs = [_window(v, f"windows.car[{i}]") for i, v in enumerate(value)]
    return tuple(dict.fromkeys(pairs))


def _parse_tests(table: dict[str, Any]) -> dict[str, Any]:
    names = None
    if "names" in table:
        names = _choices(table["names"], available_tests(), "tests.names")
    valid = available_tests()
    primary = _choice(table.get("primary", "cross_sectional_t"), valid, "tests.primary")
    conventions = table.get("conventions", "default")
    options: dict[str, Any]
    if isinstance(conventions, str):
        options = {"profile": conventions}
    elif isinstance(conventions, Mapping):
        options = dict(conventions)
    else:
        raise SpecError("tests.conventions must be a profile name or a table of convention fields")
    _validate_conventions(options)
    return {"tests": names, "primary_test": primary, "conventions": options}


def _validate_conventions(options: Mapping[str, Any]) -> None:
    from dataclasses import fields

    from .inference.conventions import Conventions

    valid = ["profile", *(f.name for f in fields(Conventions) if f.name != "name")]
    _check_keys(options, valid, "tests.conventions")
    profile = options.get("profile", "default")
    _choice(profile, ("default", "estudy2"), "tests.conventions.profile")
    overrides = {k: v for k, v in options.items() if k != "profile"}
    # Conventions validates each value and lists the valid ones
    Conventions.profile(str(profile)).replace(**overrides)


def available_tests() -> tuple[str, ...]:
    """Names of the tests :func:`eventstudy.inference.run_tests` knows."""
    from .inference import TEST_NAMES

    return tuple(TEST_NAMES)


def _parse_confidence(value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0.0 < float(value) < 1.0
    ):
        raise SpecError(
            f"output.confidence must be a number strictly between 0 and 1, got {value!r}"
        )
    return float(value)


def _window_text(window: StudyWindow) -> str:
    on_dates = _dates(window)
    if on_dates is not None:
        return f"[{on_dates[0].date()}, {on_dates[1].date()}]"
    return str(list(window))


def _check_consistency(spec: StudySpec) -> None:
    est, evt = spec.estimation_window, spec.event_window
    est_days, evt_days = _days(est), _days(evt)
    est_dates, evt_dates = _dates(est), _dates(evt)
    # mixed kinds (days and dates) are checked per event when the study runs
    if (est_days and evt_days and est_days[1] >= evt_days[0]) or (
        est_dates and evt_dates and est_dates[1] >= evt_dates[0]
    ):
        raise SpecError(
            f"windows.estimation {_window_text(est)} must end before windows.event "
            f"{_window_text(evt)} starts"
        )
    for window in spec.car_windows:
        if evt_days is not None and (window[0] < evt_days[0] or window[1] > evt_days[1]):
            raise SpecError(f"windows.car {list(window)} lies outside windows.event {list(evt)}")
        if evt_dates is not None:
            # the engine labels a date window's sessions 0, 1, ...: at most one a calendar day
            span = int((evt_dates[1] - evt_dates[0]).days)
            if window[0] < 0 or window[1] > span:
                raise SpecError(
                    f"windows.car {list(window)} lies outside windows.event {_window_text(evt)}: "
                    "with a date event window, car days count sessions from its first date "
                    f"(0 = {evt_dates[0].date()}), from 0 to at most {span}"
                )
    needed = spec.build_conventions().return_kind
    if needed not in ("any", spec.return_kind):
        raise SpecError(
            f"tests.conventions require {needed} returns but data.return_kind is "
            f"{spec.return_kind!r}; set data.return_kind = {needed!r}"
        )
    if spec.start is not None and spec.end is not None and spec.start >= spec.end:
        raise SpecError(f"data.start {spec.start.date()} must be before data.end {spec.end.date()}")
