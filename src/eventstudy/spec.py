"""The study specification: a TOML file that names everything a reproducible event study needs.

A spec is parsed with :mod:`tomllib` into a validated, frozen :class:`StudySpec`. Every unknown
key and every bad value is a :class:`~eventstudy.exceptions.SpecError` that names the offending
field, lists what is valid and suggests the closest valid name ("did you mean ...?").

Layout (every table but ``[events]`` is optional)::

    [study]
    name = "DeepSeek sell-off"
    description = "..."

    [events]
    date = 2025-01-27            # one announcement date for every ticker (TOML date or string;
                                 # a date-time such as 2025-01-24T17:00:00 keeps its time of
                                 # day: after the close, day 0 rolls to the next session)
    timing = "bmo"               # optional: bmo / dur / amc
    tickers = ["XOM"]            # tickers without a group, and/or
    [events.groups]              # tickers by group
    chips = ["NVDA", "AVGO"]
    # ... or instead of date/tickers/groups: file = "events.csv" (relative to the spec file;
    # columns ticker, date, optional event_id, timing, benchmark, group; with dd/mm/yyyy
    # dates that the file cannot tell from mm/dd/yyyy, add date_format = "%d/%m/%Y")
    benchmark = "SPY"            # optional: buy-and-hold benchmark when the model has no market

    [model]                      # name: a key of eventstudy.models.MODELS; every other key is
                                 # a field of that model class (lags = 2 for dimson, dist = "t"
                                 # for garch, factors = ["Mkt-RF", "SMB"] for factor, ...)
    name = "market"              # see MODELS; capm, ff3, carhart4 and ff5 read Fama-French
    market = "SPY"               # factors (eventstudy run --factors-dir DIR)

    [windows]
    estimation = [-250, -11]     # trading days relative to day 0, or a pair of dates:
    event = [-10, 10]            # estimation = [2001-03-26, 2001-09-10] (TOML dates or
                                 # "YYYY-MM-DD" strings; inclusive, the same for every event)
    car = [[0, 0], [0, 1], [-5, 1], [-1, 5]]   # the first is the window of the CAR-by-firm bars
    min_estimation_obs = 100     # optional: events with fewer complete estimation days are dropped

    [data]
    return_kind = "simple"       # or "log"
    calendar = "XNYS"
    start = 2023-12-01           # optional: derived from the windows when absent
    end = 2025-03-31
    factors_vintage = "202604"   # optional: vintage of local factor CSVs (they state none)
    allow = ["split_like_moves"] # optional: input checks to waive (eventstudy.data.guards)

    [tests]
    names = ["cross_sectional_t", "patell", "bmp"]  # optional: default every test
    primary = "auto"                   # the test whose estimate, s.e. and p the CAAR tables show
                                       # ("auto": kolari_pynnonen if events cluster strongly,
                                       # else cross_sectional_t)
    conventions = "default"            # a profile name, or a table of Conventions fields
                                       # (with an optional "profile" key)

    [output]
    formats = ["csv", "md", "html"]
    figures = ["caar", "car_bars", "ar_paths", "fit", "prices"]
    confidence = 0.95

    [engine]                     # optional
    name = "auto"                # numpy below 50,000 events, chunked from there; or
                                 # "numpy", "chunked" (bounded memory), "dask"
    chunk_size = 20000           # events per estimation chunk

``car`` windows are always relative days. With an event window given by dates they count
sessions from that window's first date (day 0 = its first session), as the engine labels
date windows (see :func:`eventstudy.events.resolve_window`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
import types
import typing
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd

from ._boundary import library_errors
from ._spec_values import _choice, _invalid, _string, _window
from .calendar import check_far_off_text_dates
from .data.guards import check_allow, normalise_ticker, parse_day_month
from .exceptions import DataError, SpecError, suggest
from .models import MODELS, NormalReturnModel, model_fields

if TYPE_CHECKING:  # pragma: no cover
    from .inference.conventions import Conventions

__all__ = [
    "FIGURES",
    "FORMATS",
    "MODELS",
    "ModelSpec",
    "StudySpec",
    "load_spec",
    "parse_model",
    "parse_spec",
    "suggest",
]

Window = tuple[int, int]
#: An estimation or event window: relative trading days, or (start, end) dates (inclusive).
StudyWindow = tuple[int, int] | tuple[pd.Timestamp, pd.Timestamp]

# The models a spec names are the registry eventstudy.models.MODELS (key -> class); a
# [model] table accepts "name" and the fields of that class (checked against their types).

#: The Fama-French data sets of ``eventstudy.load_factors``, smallest first, and their columns.
_FACTOR_SETS: tuple[tuple[str, frozenset[str]], ...] = (
    ("ff3", frozenset({"Mkt-RF", "SMB", "HML", "RF"})),
    ("carhart", frozenset({"Mkt-RF", "SMB", "HML", "Mom", "RF"})),
    ("ff5", frozenset({"Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"})),
    ("ff5mom", frozenset({"Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom", "RF"})),
)


def factors_dataset(model: NormalReturnModel) -> str | None:
    """The smallest Fama-French data set holding every factor ``model`` needs (``None``: it
    needs none, or one outside those sets - pass ``factors=`` yourself)."""
    return dataset_holding(set(model.required_factors()))


def dataset_holding(need: set[str]) -> str | None:
    """The smallest Fama-French data set of ``eventstudy.load_factors`` holding the factor
    columns ``need`` (``None``: none needed, or one outside those sets).

    Examples
    --------
    >>> dataset_holding({"Mkt-RF", "RF"}), dataset_holding({"Mom", "RMW"})
    ('ff3', 'ff5mom')
    """
    if not need:
        return None
    return next((name for name, columns in _FACTOR_SETS if need <= columns), None)


def _default_dataset(cls: type[NormalReturnModel]) -> str | None:
    try:
        return factors_dataset(cls())
    except (SpecError, TypeError):  # a model without defaults for every field
        return None


#: models estimated on Fama-French factors with their default options -> the data set of
#: ``eventstudy.load_factors`` they need (derived from the models' ``required_factors``)
FACTOR_DATASETS: dict[str, str] = {
    key: dataset for key, cls in MODELS.items() if (dataset := _default_dataset(cls)) is not None
}

FORMATS: tuple[str, ...] = ("csv", "parquet", "md", "html", "tex")
FIGURES: tuple[str, ...] = ("caar", "car_bars", "ar_paths", "fit", "prices")
RETURN_KINDS: tuple[str, ...] = ("simple", "log")
TIMINGS: tuple[str, ...] = ("bmo", "dur", "amc")

_TABLES: dict[str, tuple[str, ...]] = {
    "study": ("name", "description"),
    "events": ("date", "timing", "tickers", "groups", "file", "benchmark", "date_format"),
    "model": ("name",),  # and the fields of the model classes: see _model_keys
    "windows": ("estimation", "event", "car", "min_estimation_obs"),
    "data": (
        "return_kind",
        "calendar",
        "start",
        "end",
        "factors_vintage",
        "allow",
        "shares",
        "market_values",
    ),
    "tests": ("names", "primary", "conventions"),
    "output": ("formats", "figures", "confidence"),
    "engine": ("name", "chunk_size"),
    # the second stage (issue 16): validated by eventstudy.second_stage.spec_sections
    "outcome": ("kind", "market", "model", "measure", "zero", "windows"),
    "cross_section": ("formula", "window", "data", "cov", "cluster", "weights", "against"),
    "long_horizon": ("window", "against", "n_boot", "seed", "calendar_time"),
}
ENGINES: tuple[str, ...] = ("auto", "numpy", "chunked", "dask")
_EVENTS_FILE_COLUMNS = ("ticker", "date", "event_id", "timing", "benchmark", "group")


# ----------------------------------------------------------------------------- error helpers


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
    if name == "model":
        # an unknown model first: its options would otherwise read as unknown keys
        _model_name(value)
    _check_keys(value, _model_keys() if name == "model" else _TABLES[name], f"[{name}]")
    return dict(value)


def _model_name(table: Mapping[str, Any]) -> str:
    """``[model] name``: a key of :data:`MODELS` (default ``"market"``)."""
    return _choice(table.get("name", "market"), tuple(MODELS), "model.name")


def _model_keys() -> tuple[str, ...]:
    """Keys of a ``[model]`` table: ``name`` and the option of any registered model."""
    options = (key for cls in MODELS.values() for key in model_fields(cls))
    return ("name", *dict.fromkeys(options))


# ----------------------------------------------------------------------------- value parsers
def _date(value: object, where: str) -> pd.Timestamp:
    if isinstance(value, dt.datetime | dt.date | str):
        ts = pd.to_datetime(value, errors="coerce")
        if not pd.isna(ts):
            return pd.Timestamp(pd.Timestamp(ts).date())
    raise SpecError(f"{where} must be a date such as 2025-01-27, got {value!r}")


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


def _positive_int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{where} must be a positive integer, got {value!r}")
    return value


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list):
        raise SpecError(f"{where} must be a list of strings, got {value!r}")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise SpecError(f"{where} must hold non-empty strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _choices(value: object, valid: Sequence[str], where: str) -> tuple[str, ...]:
    items = _str_list(value, where)
    for item in items:
        _choice(item, valid, where)
    return tuple(dict.fromkeys(items))


# ----------------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class ModelSpec:
    """The normal-return model: a key of :data:`eventstudy.models.MODELS` and its options.

    ``market`` is the model's market column (the prices a study must load), passed to the
    model when its class has a ``market`` field; ``options`` are the other fields of the
    model class given in the spec (``{"lags": 2}``, ``{"dist": "t"}``,
    ``{"factors": ("Mkt-RF", "SMB")}``).

    Examples
    --------
    >>> from eventstudy.spec import ModelSpec, parse_model
    >>> ModelSpec("dimson", market="SPY", options={"lags": 2}).build()
    Dimson(market='SPY', lags=2)
    >>> parse_model({"name": "ff3"}).factors_dataset  # what [model] name = "ff3" reads
    'ff3'
    """

    name: str = "market"
    market: str | None = "SPY"
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def factors_dataset(self) -> str | None:
        """The factor set (``eventstudy.load_factors(model=...)``) the model needs, if any.

        Examples
        --------
        >>> from eventstudy.spec import ModelSpec
        >>> ModelSpec("capm", market=None).factors_dataset, ModelSpec("market").factors_dataset
        ('ff3', None)
        """
        return factors_dataset(self.build())

    def build(self) -> NormalReturnModel:
        """The model object this spec names: ``MODELS[name](**options)``.

        Examples
        --------
        >>> from eventstudy.spec import ModelSpec
        >>> ModelSpec("market", market="QQQ").build()
        MarketModel(market='QQQ')
        """
        cls = MODELS[self.name]
        kwargs = dict(self.options)
        if "market" in model_fields(cls) and self.market is not None:
            kwargs["market"] = self.market
        return cls(**kwargs)


@dataclass(frozen=True)
class StudySpec:
    """A validated event-study specification (see the module docstring for the TOML layout).

    Built by :func:`load_spec` (a TOML file) or :func:`parse_spec` (a parsed mapping); every
    field has the default the TOML layout states.

    Examples
    --------
    >>> import datetime
    >>> from eventstudy.spec import parse_spec
    >>> spec = parse_spec(
    ...     {
    ...         "events": {
    ...             "date": datetime.date(2025, 1, 27),
    ...             "tickers": ["XOM"],
    ...             "groups": {"chips": ["NVDA", "AVGO"]},
    ...         },
    ...         "model": {"name": "market", "market": "SPY"},
    ...     }
    ... )
    >>> spec.model.build(), spec.estimation_window, spec.event_window, spec.car_windows
    (MarketModel(market='SPY'), (-250, -11), (-10, 10), ((0, 0), (-1, 1)))
    """

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
    #: strftime format of the events file's dates (e.g. "%d/%m/%Y"); None: ISO or inferred
    date_format: str | None = None
    #: input checks waived (eventstudy.data.guards.INPUT_CHECKS), passed as EventStudy(allow=)
    allow: tuple[str, ...] = ()
    tests: tuple[str, ...] | None = None  # None: every available test
    primary_test: str = "auto"  # whose estimate, se and p the CAAR tables show ("auto": by design)
    conventions: Mapping[str, Any] = field(default_factory=dict)  # {"profile": ..., field: value}
    formats: tuple[str, ...] = ("csv", "md", "html")
    figures: tuple[str, ...] = FIGURES
    confidence: float = 0.95
    description: str = ""
    source: Path | None = None
    min_estimation_obs: int = 100  # eventstudy.study.DEFAULT_MIN_ESTIMATION_OBS
    benchmark: str | None = None
    #: "auto": numpy below 50,000 events, chunked from there (eventstudy.memory.resolve_engine)
    engine: Literal["auto", "numpy", "chunked", "dask"] = "auto"
    chunk_size: int = 20_000
    #: an in-memory events frame (``eventstudy.event_study``); wins over date/tickers and file
    events_table: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    #: second-stage sections ([outcome], [cross_section], [long_horizon]); see
    #: eventstudy.second_stage.spec_sections (empty: not requested)
    outcome: Mapping[str, Any] = field(default_factory=dict, compare=False)
    cross_section: Mapping[str, Any] = field(default_factory=dict, compare=False)
    long_horizon: Mapping[str, Any] = field(default_factory=dict, compare=False)
    #: [data] shares: {ticker: shares} (inline table) or a CSV file (ticker, shares or
    #: ticker, date, shares) for dollar values at the study's own closes (issue 15)
    shares: Mapping[str, float] | Path | None = field(default=None, compare=False)
    #: [data] market_values: {ticker: value} (inline table) or a CSV file (ticker,
    #: market_value or ticker, date, market_value), as ``EventStudy(market_values=...)``
    market_values: Mapping[str, float] | Path | None = field(default=None, compare=False)

    # -- derived views -------------------------------------------------------------------
    def shares_input(self) -> Mapping[str, float] | pd.DataFrame | None:
        """``[data] shares`` as ``EventStudy(shares=...)`` takes it (a file is read here).

        Examples
        --------
        >>> import datetime
        >>> from eventstudy.spec import parse_spec
        >>> spec = parse_spec(
        ...     {
        ...         "events": {"date": datetime.date(2025, 1, 27), "tickers": ["NVDA"]},
        ...         "data": {"shares": {"NVDA": 24.4e9}},
        ...     }
        ... )
        >>> spec.shares_input()
        {'NVDA': 24400000000.0}
        """
        if not isinstance(self.shares, Path):
            return self.shares
        from .engine.dollar_values import read_shares_file

        return read_shares_file(self.shares)

    def market_values_input(self) -> pd.Series | pd.DataFrame | None:
        """``[data] market_values`` as ``EventStudy(market_values=...)`` takes it (a file is
        read here; an inline table becomes a Series indexed by ticker).

        Examples
        --------
        >>> import datetime
        >>> from eventstudy.spec import parse_spec
        >>> spec = parse_spec(
        ...     {
        ...         "events": {"date": datetime.date(2025, 1, 27), "tickers": ["NVDA"]},
        ...         "data": {"market_values": {"NVDA": 3.49e12}},
        ...     }
        ... )
        >>> spec.market_values_input()
        NVDA    3.490000e+12
        Name: market_value, dtype: float64
        """
        if self.market_values is None:
            return None
        if not isinstance(self.market_values, Path):
            return pd.Series(dict(self.market_values), name="market_value", dtype=float)
        from .engine.dollar_values import read_market_values_file

        return read_market_values_file(self.market_values)

    def events_frame(self) -> pd.DataFrame:
        """The events as a DataFrame (``ticker, date`` and whichever of ``event_id, timing,
        benchmark, group`` the spec gives).

        Examples
        --------
        >>> import datetime
        >>> from eventstudy.spec import parse_spec
        >>> spec = parse_spec(
        ...     {
        ...         "events": {
        ...             "date": datetime.date(2025, 1, 27),
        ...             "tickers": ["XOM"],
        ...             "groups": {"chips": ["NVDA", "AVGO"]},
        ...         },
        ...         "model": {"name": "market", "market": "SPY"},
        ...     }
        ... )
        >>> spec.events_frame()
          ticker       date  group
        0    XOM 2025-01-27    NaN
        1   NVDA 2025-01-27  chips
        2   AVGO 2025-01-27  chips
        """
        if self.events_table is not None:
            return self.events_table.copy()
        if self.events_file is not None:
            return _read_events_file_once(self.events_file, self.date_format)
        assert self.events_date is not None
        frame = pd.DataFrame(
            {
                "ticker": list(self.tickers),
                "date": [self.events_date] * len(self.tickers),
                # NaN, not None, for an ungrouped ticker (pandas 2 shows None in an object column)
                "group": [self.groups.get(t) or np.nan for t in self.tickers],
            }
        )
        if self.timing is not None:
            frame["timing"] = self.timing
        if frame["group"].isna().all():
            frame = frame.drop(columns="group")
        return frame

    def all_tickers(self) -> list[str]:
        """Every security whose prices the study needs: firms, benchmarks and the market.

        Examples
        --------
        >>> import datetime
        >>> from eventstudy.spec import parse_spec
        >>> spec = parse_spec(
        ...     {
        ...         "events": {
        ...             "date": datetime.date(2025, 1, 27),
        ...             "tickers": ["XOM"],
        ...             "groups": {"chips": ["NVDA", "AVGO"]},
        ...         },
        ...         "model": {"name": "market", "market": "SPY"},
        ...     }
        ... )
        >>> spec.all_tickers()
        ['XOM', 'NVDA', 'AVGO', 'SPY']
        """
        events = self.events_frame()
        names = list(dict.fromkeys(events["ticker"].astype(str)))
        if "benchmark" in events:
            names += [str(b) for b in events["benchmark"].dropna().unique()]
        # the built model's market column, whatever its field is called (a model of one's
        # own may name it ``index``): the spec's ``market`` is only the field named so
        market = self.model.build().market_name
        if market is not None:
            names.append(market)
        return list(dict.fromkeys(names))

    def price_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Dates of prices to load: the spec's ``start``/``end``, else enough calendar days
        around the events to cover both windows (1.6 calendar days per trading day, plus
        slack for holidays and the first return lost to differencing). A window given by
        dates is covered with the same slack (20 days before, 10 after).

        Examples
        --------
        >>> import datetime
        >>> from eventstudy.spec import parse_spec
        >>> spec = parse_spec(
        ...     {
        ...         "events": {
        ...             "date": datetime.date(2025, 1, 27),
        ...             "tickers": ["XOM"],
        ...             "groups": {"chips": ["NVDA", "AVGO"]},
        ...         },
        ...         "model": {"name": "market", "market": "SPY"},
        ...     }
        ... )
        >>> [str(day.date()) for day in spec.price_range()]  # windows (-250, -11), (-10, 10)
        ['2023-12-04', '2025-02-22']
        """
        from .calendar import check_announcement_dates

        # a date outside 1800-2200 (a typo) is a DataError here, before any price is loaded
        check_announcement_dates(self.events_frame()["date"])
        dates = pd.to_datetime(self.events_frame()["date"])
        if isinstance(dates.dtype, pd.DatetimeTZDtype):  # a TOML offset date-time
            dates = dates.dt.tz_localize(None)
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
        """The :class:`~eventstudy.inference.Conventions` this spec names.

        ``[tests] conventions`` is a profile name, or a table of
        :class:`~eventstudy.inference.Conventions` fields with an optional ``profile`` key.

        Examples
        --------
        >>> import datetime
        >>> from eventstudy.spec import parse_spec
        >>> spec = parse_spec(
        ...     {
        ...         "events": {"date": datetime.date(2025, 1, 27), "tickers": ["NVDA"]},
        ...         "tests": {"conventions": {"sign_pvalue": "normal"}},
        ...     }
        ... )
        >>> spec.build_conventions().sign_pvalue
        'normal'
        """
        from .inference.conventions import Conventions

        options = dict(self.conventions)
        base = Conventions.profile(str(options.pop("profile", "default")))
        return base.replace(**options) if options else base


# ----------------------------------------------------------------------------- parsing
@library_errors("study spec")
def load_spec(path: str | Path) -> StudySpec:
    """Read and validate a study spec from a TOML file (relative paths resolve against it).

    Examples
    --------
    >>> import tempfile
    >>> import eventstudy as es
    >>> from eventstudy.example_specs import copy_example
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     spec = es.load_spec(copy_example("deepseek_selloff", folder))  # a shipped example
    >>> spec.model.name, spec.car_windows
    ('market', ((0, 0), (0, 1), (-5, 1), (-1, 5)))
    """
    path = Path(path)
    if not path.is_file():
        why = "is not a regular file" if path.exists() else "not found"
        raise SpecError(f"study spec {str(path)!r} {why}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a UTF-8 text file") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise SpecError(f"{path}: arrays or tables nested too deeply to be a study spec") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return parse_spec(raw, base_dir=path.parent, source=path)


@library_errors("study spec")
def parse_spec(
    raw: Mapping[str, Any], base_dir: str | Path | None = None, source: Path | None = None
) -> StudySpec:
    """Validate a parsed TOML mapping into a :class:`StudySpec`.

    Examples
    --------
    >>> import tomllib
    >>> from eventstudy.example_specs import example_text
    >>> from eventstudy.spec import parse_spec
    >>> spec = parse_spec(tomllib.loads(example_text("deepseek_selloff")), base_dir=".")
    >>> spec.model.build(), spec.estimation_window, spec.event_window
    (MarketModel(market='SPY'), (-250, -11), (-10, 10))
    """
    _check_keys(raw, tuple(_TABLES), "study spec")
    study = _table(raw, "study")
    windows = _table(raw, "windows")
    data = _table(raw, "data")
    output = _table(raw, "output")
    engine = _table(raw, "engine")
    events_table = _table(raw, "events")
    spec_events = _parse_events(events_table, Path(base_dir or "."))
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
        allow=tuple(sorted(_spec_allow(data.get("allow", [])))),
        shares=(
            _parse_amounts(data["shares"], Path(base_dir or "."), "shares")
            if "shares" in data
            else None
        ),
        market_values=(
            _parse_amounts(data["market_values"], Path(base_dir or "."), "market_values")
            if "market_values" in data
            else None
        ),
        **_parse_tests(_table(raw, "tests")),
        formats=_choices(output.get("formats", ["csv", "md", "html"]), FORMATS, "output.formats"),
        figures=_choices(output.get("figures", list(FIGURES)), FIGURES, "output.figures"),
        confidence=_parse_confidence(output.get("confidence", 0.95)),
        source=source,
        min_estimation_obs=_positive_int(
            windows.get("min_estimation_obs", 100), "windows.min_estimation_obs"
        ),
        benchmark=(
            _string(events_table["benchmark"], "events.benchmark")
            if "benchmark" in events_table
            else None
        ),
        engine=cast(
            Literal["auto", "numpy", "chunked", "dask"],
            _choice(engine.get("name", "auto"), ENGINES, "engine.name"),
        ),
        chunk_size=_positive_int(engine.get("chunk_size", 20_000), "engine.chunk_size"),
        **spec_events,
        **_second_stage(raw, Path(base_dir or "."), windows),
    )
    _check_consistency(spec)
    return spec


def _parse_amounts(value: object, base_dir: Path, key: str) -> Mapping[str, float] | Path:
    """``[data] shares`` or ``[data] market_values``: an inline table ``{NVDA = 24.49e9}`` or
    the path of a CSV file."""
    column, what = (
        ("shares", "number of shares") if key == "shares" else ("market_value", "market value")
    )
    if isinstance(value, str):
        path = (base_dir / value).resolve()
        if not path.is_file():
            raise SpecError(f"data.{key}: file {value!r} not found (relative to {base_dir})")
        return path
    if isinstance(value, Mapping) and value:
        out: dict[str, float] = {}
        for ticker, amount in value.items():
            if isinstance(amount, bool) or not isinstance(amount, int | float) or not amount > 0:
                raise SpecError(f"data.{key}.{ticker}: {amount!r} is not a positive {what}")
            out[normalise_ticker(str(ticker))] = float(amount)
        return out
    raise SpecError(
        f"data.{key} must be an inline table ({{NVDA = 24.49e9}}) or the path of a CSV file "
        f"(ticker, {column} or ticker, date, {column}); got {value!r}"
    )


def _second_stage(raw: Mapping[str, Any], base_dir: Path, windows: Mapping[str, Any]) -> Any:
    """``[outcome]``, ``[cross_section]``, ``[long_horizon]`` (eventstudy.second_stage)."""
    for name in ("outcome", "cross_section", "long_horizon"):
        _table(raw, name)  # unknown keys, with "did you mean"
    from .second_stage.spec_sections import parse_second_stage

    event = _study_window(windows.get("event", [-10, 10]), "windows.event")
    return parse_second_stage(raw, base_dir, event)


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
        date_format = (
            _string(table["date_format"], "events.date_format") if "date_format" in table else None
        )
        # validate now, so a bad file is a spec error before any download
        read_events_file(path, date_format=date_format)
        return {"events_file": path, "timing": timing, "date_format": date_format}
    if "date" not in table:
        raise SpecError("[events] needs date (one announcement date for all tickers) or file")
    tickers = [normalise_ticker(t) for t in _str_list(table.get("tickers", []), "events.tickers")]
    groups: dict[str, str | None] = dict.fromkeys(tickers)
    group_table = table.get("groups", {})
    if not isinstance(group_table, Mapping):
        raise SpecError("events.groups must be a table of group = [tickers]")
    for group, members in group_table.items():
        for ticker in map(normalise_ticker, _str_list(members, f"events.groups.{group}")):
            if ticker in groups:
                raise SpecError(f"[events]: ticker {ticker!r} is listed twice")
            groups[ticker] = group
    if not groups:
        raise SpecError("[events] names no tickers: give tickers = [...] or [events.groups]")
    return {
        "events_date": _event_date(table["date"], "events.date"),
        "tickers": tuple(groups),
        "groups": groups,
        "timing": timing,
    }


#: events files already read, by path, size, modification time and date format: a run asks
#: for the spec's events several times (8 parses, ~4 s each, of a 125,750-event file)
_EVENTS_READ: dict[tuple[str, int, int, str | None], pd.DataFrame] = {}


def _read_events_file_once(path: Path, date_format: str | None) -> pd.DataFrame:
    """:func:`read_events_file`, parsed again only when the file changed (a copy each call)."""
    try:
        st = path.stat()
    except OSError:  # read_events_file says what is wrong
        return read_events_file(path, date_format=date_format)
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, date_format)
    if key not in _EVENTS_READ:
        frame = read_events_file(path, date_format=date_format)
        _EVENTS_READ.clear()  # one file kept: a spec's
        _EVENTS_READ[key] = frame
    return _EVENTS_READ[key].copy()


def read_events_file(path: Path, date_format: str | None = None) -> pd.DataFrame:
    """Read an events CSV (``ticker``, ``date``, optional ``event_id, timing, benchmark, group``).

    Dates are ISO, or ``dd/mm/yyyy`` / ``mm/dd/yyyy`` in the order the file shows (a field
    above 12) or ``date_format`` gives; an ambiguous file (``04/02/2025`` and no day above 12)
    is refused. A time of day is kept (after the close, day 0 rolls to the next session).
    Tickers and benchmarks are upper-cased (:func:`eventstudy.data.guards.normalise_ticker`).
    """
    if not path.is_file():
        # a folder or a device (/dev/zero: an endless read) is not an events file either
        why = "is not a regular file" if path.exists() else "not found"
        raise SpecError(f"events file {str(path)!r} {why}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a row with extra fields
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, na_values=[""], index_col=False
            )
    except (
        pd.errors.ParserWarning,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        UnicodeDecodeError,
        ValueError,
    ) as exc:
        raise SpecError(
            f"events file {path.name} is not a readable CSV ({' '.join(str(exc).split())[:200]}); "
            "give a UTF-8 CSV with a header row: ticker,date[,event_id,timing,benchmark,group]"
        ) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if len(frame.columns) == 1:  # one column named "ticker;date": another separator
        sep = next((c for c in ";\t|" if c in frame.columns[0]), None)
        if sep is not None:
            raise SpecError(
                f"events file {path.name} is separated by {sep!r}, not commas (header "
                f"{frame.columns[0]!r}); save it as a comma-separated CSV"
            )
    for col in frame.columns:
        if col not in _EVENTS_FILE_COLUMNS:
            raise _invalid(f"events file {path.name}", col, _EVENTS_FILE_COLUMNS, "unknown column")
    missing = [c for c in ("ticker", "date") if c not in frame.columns]
    if missing:
        raise SpecError(f"events file {path.name} lacks the column(s) {missing}")
    if frame.empty:
        raise SpecError(f"events file {path.name} has no rows")
    try:
        ordered = parse_day_month(
            frame["date"], date_format=date_format, context=f"events file {path.name}"
        )
    except DataError as exc:
        raise SpecError(f"{exc} (in the spec: [events] date_format = ...)") from None
    dates = ordered if ordered is not None else _text_dates(frame["date"])
    bad = frame.loc[dates.isna(), "date"]
    if len(bad):
        # a year typo (0001-06-03) is the DataError the in-range dates get at price_range()
        check_far_off_text_dates(bad)
        raise SpecError(
            f"events file {path.name}: unreadable date {bad.iloc[0]!r} in row "
            f"{int(np.flatnonzero(dates.isna().to_numpy())[0]) + 2}"
        )
    frame["date"] = dates
    for col in ("ticker", "benchmark"):
        if col in frame:
            frame[col] = frame[col].map(normalise_ticker, na_action="ignore")
    if "timing" in frame:
        for value in frame["timing"].dropna():
            _choice(value, TIMINGS, f"events file {path.name}: timing")
    return frame


_UTC_OFFSET = r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"


def _text_dates(values: pd.Series) -> pd.Series:
    """ISO or other unambiguous text dates; unreadable ones are NaT. Date-times with a UTC
    offset (``...Z``, ``...-05:00``) are read on one clock (UTC) when all of them carry one;
    a file mixing them with plain dates or local times is refused, naming a row of each."""
    text = values.astype(str).str.strip()
    aware = text.str.contains(_UTC_OFFSET, regex=True).to_numpy()
    if aware.any() and not aware.all():
        first_aware, first_naive = int(np.flatnonzero(aware)[0]), int(np.flatnonzero(~aware)[0])
        raise SpecError(
            f"events dates mix date-times with a UTC offset (row {first_aware + 2}: "
            f"{text.iloc[first_aware]!r}) and dates or times without one (row {first_naive + 2}: "
            f"{text.iloc[first_naive]!r}); give every row an offset, or none (exchange-local "
            "times)"
        )
    try:
        return pd.to_datetime(values, errors="coerce", format="mixed", utc=bool(aware.any()))
    except (TypeError, ValueError):
        return pd.Series(pd.NaT, index=values.index)


def _event_date(value: object, where: str) -> pd.Timestamp:
    """``events.date``: a date, or a date-time whose time of day is kept, exactly as in an
    events file (an announcement at or after the close rolls day 0 to the next session)."""
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value)
    if isinstance(value, str) and value.strip():
        try:
            ordered = parse_day_month(pd.Series([value.strip()]), context=where)
        except DataError as exc:
            raise SpecError(str(exc)) from None
        parsed = ordered if ordered is not None else _text_dates(pd.Series([value.strip()]))
        if not pd.isna(parsed.iloc[0]):
            return pd.Timestamp(parsed.iloc[0])
    return _date(value, where)


def _spec_allow(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, list):
        raise SpecError(f"data.allow must be a list of check names, got {value!r}")
    return check_allow(value, "data.allow")


def parse_model(table: Mapping[str, Any]) -> ModelSpec:
    """Validate a ``[model]`` table (``{"name": "market", "market": "SPY"}``) into a
    :class:`ModelSpec`.

    Examples
    --------
    >>> from eventstudy.spec import parse_model
    >>> parse_model({"name": "market", "market": "SPY"}).build()
    MarketModel(market='SPY')
    >>> parse_model({"name": "garch", "market": "SPY", "dist": "t"}).build()  # every field a key
    GarchMarketModel(market='SPY', dist='t', starts=6, variance='filter')
    """
    return _parse_model(dict(table))


def _parse_model(table: dict[str, Any]) -> ModelSpec:
    """``name`` picks the class from :data:`MODELS`; every other key must be one of its
    dataclass fields, checked against the field's type, and the model is built once so its
    own validation (``Dimson(lags=0)``) speaks here."""
    name = _model_name(table)
    cls = MODELS[name]
    fields = model_fields(cls)
    options: dict[str, Any] = {}
    for key, value in table.items():
        if key == "name":
            continue
        if key not in fields:
            raise SpecError(
                f"model.{key} does not apply to the {name!r} model (it takes {list(fields)})"
            )
        options[key] = _model_option(value, fields[key], f"model.{key}")
    market = options.pop("market", None)
    if market is None and "market" in fields:
        default = next(f.default for f in dataclasses.fields(cls) if f.name == "market")
        market = default if isinstance(default, str) else None
    spec = ModelSpec(
        name=name, market=None if market is None else normalise_ticker(market), options=options
    )
    try:
        spec.build()
    except SpecError as exc:
        raise SpecError(f"[model] {exc}") from None
    return spec


def _model_option(value: object, hint: Any, where: str) -> Any:
    """A TOML value checked against a model field's type (``str``, ``int``, ``float``,
    ``bool``, ``Literal[...]``, tuples of them such as ``tuple[float, ...]``, optional ones)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        hint = present[0] if len(present) == 1 else Any
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return _choice(value, tuple(str(a) for a in args), where)
    if hint is bool:
        if not isinstance(value, bool):
            raise SpecError(f"{where} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"{where} must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(f"{where} must be a number, got {value!r}")
        return float(value)
    if hint is str:
        return _string(value, where)
    if origin is tuple:
        return _tuple_option(value, args, where)
    return value


def _tuple_option(value: object, args: tuple[Any, ...], where: str) -> tuple[Any, ...]:
    """A TOML list as a ``tuple[T, ...]`` (or fixed ``tuple[A, B]``) field: each element
    checked against its own type, so ``weights = [0.5, 0.5]`` is numbers, not strings."""
    variadic = not args or (len(args) == 2 and args[1] is Ellipsis)
    if variadic and (not args or args[0] is str):
        return _str_list(value, where)  # the message names strings
    if isinstance(value, str) or not isinstance(value, list) or not value:
        raise SpecError(f"{where} must be a non-empty list, got {value!r}")
    hints = [args[0]] * len(value) if variadic else list(args)
    if len(hints) != len(value):
        raise SpecError(f"{where} must hold {len(hints)} values, got {value!r}")
    return tuple(
        _model_option(v, h, f"{where}[{i}]")
        for i, (v, h) in enumerate(zip(value, hints, strict=True))
    )


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
    valid = (*available_tests(), "auto")  # "auto": robust when events cluster strongly
    primary = _choice(table.get("primary", "auto"), valid, "tests.primary")
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
    """Names of the tests :func:`eventstudy.inference.run_tests` knows: the keys of the one
    test registry (``eventstudy.inference.registry.REGISTRY``), in reporting order."""
    from .inference import api  # importing it registers the library's tests

    return tuple(api.REGISTRY)


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
    if spec.shares is not None and spec.market_values is not None:
        raise SpecError(
            "[data] gives both shares and market_values; give one (market values are shares "
            "times the close, so one is derived from the other)"
        )
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
