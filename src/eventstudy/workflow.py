"""One path from a question to a fitted study: :func:`event_study`, :func:`run_spec` and the CLI.

A study needs prices (and, for factor models, Fama–French factors) over a date range that
covers every event's estimation and event windows. Working that range out by hand is the
most common stumbling block of a new study, so this module does it once, for every entry
point:

* :func:`event_study` — tickers and a date (or an events frame) to results, in one call;
* :func:`run_spec` — a TOML study spec (:mod:`eventstudy.spec`) to results, from Python;
* ``eventstudy run / fetch / snapshot`` — the CLI, through :func:`load_study_data`.

Prices are loaded for the range the windows need (:func:`study_date_range`); factors are
loaded whole and *clipped* to that range, so a derived start that lies before the first
factor date is not an error (the events whose estimation windows lack factor data are
reported in ``res.status`` like any other shortfall). Only a real shortfall — factor data
that end before, or start after, the events themselves — is an error, and it names the
setting to change.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd

from ._boundary import library_errors
from ._spec_values import _window
from .exceptions import DataUnavailableError, SpecError, user_stacklevel
from .memory import resolve_engine
from .spec import FACTOR_DATASETS, ModelSpec, StudySpec, load_spec, parse_model

if TYPE_CHECKING:  # pragma: no cover
    from .models import NormalReturnModel
    from .results import EventStudyResults

__all__ = ["StudyData", "event_study", "fit_spec", "load_study_data", "run_spec"]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class StudyData:
    """The data a study was fitted on: prices (tidy, as loaded) and factors (or ``None``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import eventstudy as es
    >>> from eventstudy.spec import parse_spec
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # simulated returns of MKT and six firms
    >>> prices = 50 * (1 + sim.returns.fillna(0)).cumprod()
    >>> prices = prices[prices.index.isin(es.trading_sessions(prices.index[0], prices.index[-1], exchange="XNYS"))]
    >>> folder = tempfile.TemporaryDirectory()  # a prices folder of <TICKER>.csv files
    >>> for t in prices:
    ...     prices[[t]].rename(columns={t: "adj_close"}).to_csv(pathlib.Path(folder.name) / f"{t}.csv")
    >>> spec = parse_spec({"events": {"date": sim.events["date"].iloc[1].date(), "tickers": ["F1", "F3"]},
    ...                    "model": {"name": "market", "market": "MKT"}})  # as a TOML file would
    >>> data = es.workflow.load_study_data(spec, prices_dir=folder.name)
    >>> data.prices.shape, data.factors is None  # tidy prices of the three tickers; no factors
    ((756, 10), True)
    >>> data = es.workflow.StudyData(prices=data.prices, factors=None)  # or build one yourself
    >>> es.workflow.fit_spec(spec, data).car((0, 0))["car"].round(4).tolist()
    [-0.0167, -0.0048]
    >>> folder.cleanup()
    """

    prices: pd.DataFrame
    factors: pd.DataFrame | None


# ----------------------------------------------------------------------------- data
@library_errors("load_study_data")
def load_study_data(
    spec: StudySpec,
    *,
    prices_dir: PathLike | None = None,
    factors_dir: PathLike | None = None,
    offline: bool | None = None,
    refresh: bool = False,
    progress: bool = False,
) -> StudyData:
    """Load the prices and factors a spec needs, over the range its windows need.

    Firms whose prices cannot be obtained are left out with a warning (their events are
    reported as dropped in ``res.status``); a missing market or benchmark, or no firm at all,
    is a :class:`~eventstudy.exceptions.DataUnavailableError`.

    Parameters
    ----------
    spec
        A validated :class:`~eventstudy.spec.StudySpec`.
    prices_dir, factors_dir
        Local folders of per-ticker price files and Fama–French CSVs (default: the
        ``EVENTSTUDY_PRICES_DIR`` / ``EVENTSTUDY_FACTORS_DIR`` settings, else Yahoo and Ken
        French's site through the cache).
    offline, refresh, progress
        As in :func:`eventstudy.load_prices`.

    Returns
    -------
    StudyData
        ``prices`` (tidy) and ``factors`` (``None`` when the model needs none).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import eventstudy as es
    >>> from eventstudy.spec import parse_spec
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # simulated returns of MKT and six firms
    >>> prices = 50 * (1 + sim.returns.fillna(0)).cumprod()
    >>> prices = prices[prices.index.isin(es.trading_sessions(prices.index[0], prices.index[-1], exchange="XNYS"))]
    >>> folder = tempfile.TemporaryDirectory()  # a prices folder of <TICKER>.csv files
    >>> for t in prices:
    ...     prices[[t]].rename(columns={t: "adj_close"}).to_csv(pathlib.Path(folder.name) / f"{t}.csv")
    >>> spec = parse_spec({"events": {"date": sim.events["date"].iloc[1].date(), "tickers": ["F1", "F3"]},
    ...                    "model": {"name": "market", "market": "MKT"}})  # as a TOML file would
    >>> data = es.workflow.load_study_data(spec, prices_dir=folder.name)
    >>> sorted(data.prices["ticker"].unique())  # the event firms and the market
    ['F1', 'F3', 'MKT']
    >>> folder.cleanup()
    """
    prices = _load_prices(spec, prices_dir, offline, refresh, progress)
    factors = _load_factors(spec, prices_dir, factors_dir, offline, refresh)
    return StudyData(prices=prices, factors=factors)


def _load_prices(
    spec: StudySpec,
    prices_dir: PathLike | None,
    offline: bool | None,
    refresh: bool,
    progress: bool,
) -> pd.DataFrame:
    from .data import load_prices

    start, end = spec.price_range()
    tickers = spec.all_tickers()

    def load(names: list[str]) -> pd.DataFrame:
        return load_prices(
            names,
            start,
            end,
            prices_dir=prices_dir,
            offline=offline,
            refresh=refresh,
            progress=progress,
        )

    try:
        return load(tickers)
    except DataUnavailableError as exc:
        firms = set(spec.events_frame()["ticker"].astype(str))
        essential = set(tickers) - firms  # the market and the benchmarks
        firms_left = [t for t in tickers if t not in exc.failed and t not in essential]
        failed = ", ".join(f"{t} ({r})" for t, r in exc.failed.items())
        # said in the study's terms (which ticker the study cannot do without), not the
        # loader's (".partial")
        lost = [t for t in tickers if t in essential and t in exc.failed]
        if lost:
            raise DataUnavailableError(
                f"no prices for the market/benchmark {', '.join(lost)}, which every event "
                f"needs: {failed}",
                failed=exc.failed,
                partial=exc.partial,
            ) from exc
        if not firms_left:
            raise DataUnavailableError(
                f"no prices for any firm of the study: {failed}",
                failed=exc.failed,
                partial=exc.partial,
            ) from exc
        warnings.warn(
            f"no prices for {failed}; their events are dropped", stacklevel=user_stacklevel()
        )
        prices = (
            exc.partial
            if isinstance(exc.partial, pd.DataFrame) and len(exc.partial)
            else load([t for t in tickers if t not in exc.failed])
        )
        # why each firm has no prices, for its events' status rows (fit_spec)
        prices.attrs["unavailable"] = dict(exc.failed)
        return prices


def _load_factors(
    spec: StudySpec,
    prices_dir: PathLike | None,
    factors_dir: PathLike | None,
    offline: bool | None,
    refresh: bool,
) -> pd.DataFrame | None:
    dataset = factors_needed(spec)
    if dataset is None:
        return None
    from .config import prices_dir as configured_prices_dir
    from .data import load_factors
    from .data.snapshot import is_snapshot, load_snapshot_factors

    local = configured_prices_dir(prices_dir)
    if factors_dir is None and local is not None and is_snapshot(local):
        stored = load_snapshot_factors(local)  # a snapshot re-runs with its own factors
        if stored is not None:
            return stored
    # Loaded whole, then clipped: the derived range has slack before the first estimation
    # day, and French's files start when they start; only a shortfall at the events counts.
    factors = load_factors(
        cast(Any, dataset),
        factors_dir=factors_dir,
        offline=offline,
        refresh=refresh,
        vintage=spec.factors_vintage,
    )
    return clip_factors(factors, spec)


def factors_needed(spec: StudySpec) -> str | None:
    """The factor set (``eventstudy.load_factors(model=...)``) a spec needs: its model's,
    widened to hold the factors of ``[long_horizon.calendar_time]`` (issue 16).

    Examples
    --------
    >>> import eventstudy as es
    >>> spec = es.spec.parse_spec({
    ...     "events": {"date": "2025-01-27", "tickers": ["NVDA"]},
    ...     "windows": {"event": [-10, 40]},
    ...     "long_horizon": {"calendar_time": {"model": "carhart"}},
    ... })
    >>> spec.model.factors_dataset, factors_needed(spec)  # a market model; Carhart's alpha
    (None, 'carhart')
    """
    calendar = (getattr(spec, "long_horizon", None) or {}).get("calendar_time")
    if not calendar:
        return spec.model.factors_dataset
    from .second_stage.longhorizon import CALENDAR_MODELS
    from .spec import dataset_holding

    need = {*spec.model.build().required_factors(), *CALENDAR_MODELS[calendar["model"]], "RF"}
    return dataset_holding(need)


def clip_factors(factors: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """Factors restricted to the spec's date range, or an error naming the setting to change
    when they do not reach the events' dates."""
    start, end = spec.price_range()
    dates = pd.to_datetime(spec.events_frame()["date"])
    first_event, last_event = dates.min().normalize(), dates.max().normalize()
    first, last = factors.index.min(), factors.index.max()
    vintage = factors.attrs.get("vintage", "unknown")
    if last < last_event:
        raise DataUnavailableError(
            f"factor data end on {last:%Y-%m-%d} (vintage {vintage}) but the last event is on "
            f"{last_event:%Y-%m-%d}; Ken French's files lag 1-2 months — use newer factor files "
            "(--factors-dir, or refresh online) or drop the later events",
            failed={"factors": f"ends {last:%Y-%m-%d}"},
        )
    if first > first_event:
        raise DataUnavailableError(
            f"factor data start on {first:%Y-%m-%d} (vintage {vintage}) but the first event is "
            f"on {first_event:%Y-%m-%d}; use factor files that start before the events' "
            "estimation windows",
            failed={"factors": f"starts {first:%Y-%m-%d}"},
        )
    clipped = factors.loc[max(start, first) : min(end, last)]
    clipped.attrs = dict(factors.attrs)
    return clipped


# ----------------------------------------------------------------------------- fitting
def fit_spec(
    spec: StudySpec, data: StudyData, model: NormalReturnModel | None = None
) -> EventStudyResults:
    """Fit the study a spec describes on loaded data (the CLI's and :func:`run_spec`'s step).

    ``model`` replaces the spec's model (:func:`event_study` with a model object). The spec's
    second-stage sections (``[outcome]``, ``[cross_section]``, ``[long_horizon]``) are run
    on the fit and kept in ``res.second_stage``
    (:func:`eventstudy.second_stage.spec_sections.compute_second_stage`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import eventstudy as es
    >>> from eventstudy.spec import parse_spec
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # simulated returns of MKT and six firms
    >>> prices = 50 * (1 + sim.returns.fillna(0)).cumprod()
    >>> prices = prices[prices.index.isin(es.trading_sessions(prices.index[0], prices.index[-1], exchange="XNYS"))]
    >>> folder = tempfile.TemporaryDirectory()  # a prices folder of <TICKER>.csv files
    >>> for t in prices:
    ...     prices[[t]].rename(columns={t: "adj_close"}).to_csv(pathlib.Path(folder.name) / f"{t}.csv")
    >>> spec = parse_spec({"events": {"date": sim.events["date"].iloc[1].date(), "tickers": ["F1", "F3"]},
    ...                    "model": {"name": "market", "market": "MKT"}})  # as a TOML file would
    >>> res = es.workflow.fit_spec(spec, es.workflow.load_study_data(spec, prices_dir=folder.name))
    >>> res.car((0, 0))[["ticker", "car"]].round(4)
      ticker     car
    0     F1 -0.0167
    1     F3 -0.0048
    >>> folder.cleanup()
    """
    from .returns import compute_returns
    from .study import EventStudy

    allow = getattr(spec, "allow", ())  # [data] allow: input checks waived (issue 13)
    shares = spec.shares_input() if hasattr(spec, "shares_input") else None
    # [data] shares: dollar values at the study's own raw closes (EventStudy computes the
    # same returns from the prices itself)
    source: dict[str, Any] = (
        {"prices": data.prices, "shares": shares}
        if shares is not None
        else {"returns": compute_returns(data.prices, kind=spec.return_kind, allow=allow)}
    )
    market_values = spec.market_values_input() if hasattr(spec, "market_values_input") else None
    res = EventStudy(
        spec.events_frame(),
        **source,
        market_values=market_values,
        model=model if model is not None else spec.model.build(),
        estimation_window=spec.estimation_window,
        event_window=spec.event_window,
        return_kind=spec.return_kind,
        calendar=spec.calendar,
        factors=data.factors,
        benchmark=spec.benchmark,
        min_estimation_obs=spec.min_estimation_obs,
        chunk_size=spec.chunk_size,
        allow=allow,
    ).fit(engine=resolve_engine(spec.engine, len(spec.events_frame())))
    res = _with_unavailable_reasons(res, data.prices.attrs.get("unavailable"))
    # the spec's inference choices stay with the results: repr, summary(), the Jupyter view,
    # the report and etable use them by default (issue 12)
    res = res.with_conventions(
        spec.build_conventions(),
        primary_test=spec.primary_test,
        tests=spec.tests,
        windows=spec.car_windows,
    )
    # [outcome], [cross_section], [long_horizon] (issue 16): run here, for run_spec and the
    # CLI alike; the results carry them into summary(), the reports and the CLI's files
    from .second_stage.spec_sections import compute_second_stage

    second = compute_second_stage(spec, res, data.prices)
    return res.with_second_stage(**second) if second else res


def _with_unavailable_reasons(res: EventStudyResults, unavailable: Any) -> EventStudyResults:
    """The status rows of firms whose prices could not be loaded say why (a missing or
    unreadable price file, an unknown symbol) instead of only ``ticker has no data``."""
    if not isinstance(unavailable, dict) or not unavailable:
        return res
    status = res.status
    reasons = status["ticker"].map(unavailable)
    hit = (status["status"] == "dropped") & status["reason"].str.startswith("ticker has no data")
    hit &= reasons.notna()
    if not hit.any():
        return res
    status = status.copy()
    status.loc[hit, "reason"] = "ticker has no data (" + reasons[hit].astype(str) + ")"
    return dataclasses.replace(res, status=status)


@library_errors("run_spec")
def run_spec(
    spec: PathLike | StudySpec,
    *,
    prices_dir: PathLike | None = None,
    factors_dir: PathLike | None = None,
    offline: bool | None = None,
    progress: bool = False,
) -> EventStudyResults:
    """Run a TOML study spec from Python and return its results.

    The same path as ``eventstudy run`` (same data range, same model, same windows), without
    writing a report: ``es.run_spec("study.toml").summary()``.

    Parameters
    ----------
    spec
        Path of a TOML spec, or a :class:`~eventstudy.spec.StudySpec`.
    prices_dir, factors_dir, offline
        Where the data come from (see :func:`load_study_data`).
    progress
        Show download progress.

    Returns
    -------
    EventStudyResults
        The fitted study; the spec's ``[outcome]``, ``[cross_section]`` and
        ``[long_horizon]`` results are in ``res.second_stage`` (and in ``summary()`` and the
        reports), as ``eventstudy run`` writes them.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import eventstudy as es
    >>> from eventstudy.spec import parse_spec
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # simulated returns of MKT and six firms
    >>> prices = 50 * (1 + sim.returns.fillna(0)).cumprod()
    >>> prices = prices[prices.index.isin(es.trading_sessions(prices.index[0], prices.index[-1], exchange="XNYS"))]
    >>> folder = tempfile.TemporaryDirectory()  # a prices folder of <TICKER>.csv files
    >>> for t in prices:
    ...     prices[[t]].rename(columns={t: "adj_close"}).to_csv(pathlib.Path(folder.name) / f"{t}.csv")
    >>> spec = parse_spec({"events": {"date": sim.events["date"].iloc[1].date(), "tickers": ["F1", "F3"]},
    ...                    "model": {"name": "market", "market": "MKT"}})  # as a TOML file would
    >>> res = es.run_spec(spec, prices_dir=folder.name)  # a StudySpec, or the path of a TOML file
    >>> res.car((0, 0))["car"].round(4).tolist()
    [-0.0167, -0.0048]
    >>> folder.cleanup()
    """
    loaded = spec if isinstance(spec, StudySpec) else load_spec(Path(spec))
    data = load_study_data(
        loaded,
        prices_dir=prices_dir,
        factors_dir=factors_dir,
        offline=offline,
        progress=progress,
    )
    return fit_spec(loaded, data)


@library_errors("event_study")
def event_study(
    tickers: str | Sequence[str] | Mapping[str, Sequence[str]] | pd.DataFrame,
    date: Any = None,
    *,
    market: str | None = "SPY",
    model: str | NormalReturnModel = "market",
    group: Mapping[str, str] | None = None,
    timing: Literal["bmo", "dur", "amc"] | None = None,
    estimation_window: tuple[Any, Any] = (-250, -11),
    event_window: tuple[Any, Any] = (-10, 10),
    return_kind: Literal["simple", "log"] = "simple",
    calendar: str = "XNYS",
    min_estimation_obs: int | None = None,
    start: Any = None,
    end: Any = None,
    prices_dir: PathLike | None = None,
    factors_dir: PathLike | None = None,
    offline: bool | None = None,
    progress: bool = True,
) -> EventStudyResults:
    """An event study in one call: tickers and a date (or an events frame) to results.

    Works out the price (and factor) range from the windows, loads the data through the
    cache or ``prices_dir``, fits the model and returns the results — the same path as
    :func:`run_spec` and ``eventstudy run``.

    Parameters
    ----------
    tickers
        One ticker, a list of tickers, a mapping ``{group: [tickers]}``, or an events frame
        (``ticker``, ``date`` and optional ``event_id, timing, benchmark, group`` and any
        extra columns; ``date`` must then be omitted).
    date
        The announcement date shared by every ticker (``"2025-01-27"``; a timestamp with a
        time of day is honoured as in an events file).
    market
        The market's returns column (``"SPY"``); ``None`` for models without one.
    model
        A model name of :data:`eventstudy.spec.MODELS` (``"market"``, ``"ff3"``, ...) or a
        model object (``es.MarketModel("QQQ")``).
    group
        ``{ticker: group}`` for a list of tickers.
    timing
        ``"bmo"``, ``"dur"`` or ``"amc"`` for every event of a list (after the close rolls
        day 0 to the next session).
    estimation_window, event_window
        Relative trading days (inclusive) or pairs of dates, as in
        :class:`~eventstudy.EventStudy`.
    return_kind, calendar, min_estimation_obs
        As in :class:`~eventstudy.EventStudy`.
    start, end
        Override the derived price range (rarely needed).
    prices_dir, factors_dir, offline
        Where the data come from (see :func:`load_study_data`).
    progress
        Show download progress.

    Returns
    -------
    EventStudyResults
        The fitted study; ``res.status`` has a row for every event.

    Examples
    --------
    Offline, from a folder of ``<TICKER>.csv`` prices (here simulated ones):

    >>> import tempfile, pathlib
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # simulated returns of MKT and six firms
    >>> prices = 50 * (1 + sim.returns.fillna(0)).cumprod()
    >>> prices = prices[prices.index.isin(es.trading_sessions(prices.index[0], prices.index[-1], exchange="XNYS"))]
    >>> folder = tempfile.TemporaryDirectory()
    >>> for t in prices:
    ...     prices[[t]].rename(columns={t: "adj_close"}).to_csv(pathlib.Path(folder.name) / f"{t}.csv")
    >>> res = es.event_study(
    ...     {"a": ["F1", "F3"], "b": ["F4"]}, "2021-12-06", market="MKT",
    ...     prices_dir=folder.name, progress=False,
    ... )  # groups a and b; the same day 0 for every firm
    >>> res.car((0, 0))[["ticker", "group", "car"]].round(4)
      ticker group     car
    0     F1     a -0.0167
    1     F3     a -0.0048
    2     F4     b  0.0069
    >>> folder.cleanup()

    With the cache (downloads on first use):

    >>> res = es.event_study(["NVDA", "AVGO"], "2025-01-27", market="SPY")  # doctest: +SKIP
    """
    events = _events_frame(tickers, date, group, timing)
    spec = _spec_for(
        events,
        market=market,
        model=model,
        estimation_window=estimation_window,
        event_window=event_window,
        return_kind=return_kind,
        calendar=calendar,
        min_estimation_obs=min_estimation_obs,
        start=start,
        end=end,
    )
    data = load_study_data(
        spec,
        prices_dir=prices_dir,
        factors_dir=factors_dir,
        offline=offline,
        progress=progress,
    )
    return fit_spec(spec, data, None if isinstance(model, str) else model)


def _events_frame(
    tickers: str | Sequence[str] | Mapping[str, Sequence[str]] | pd.DataFrame,
    date: Any,
    group: Mapping[str, str] | None,
    timing: str | None,
) -> pd.DataFrame:
    if isinstance(tickers, pd.DataFrame):
        if date is not None:
            raise SpecError(
                "give either an events frame or tickers with date=, not both (the frame's "
                "'date' column holds the dates)"
            )
        return tickers.copy()
    if date is None:
        raise SpecError(
            "event_study() needs date= (the announcement date shared by the tickers), or an events "
            "frame with ticker and date columns"
        )
    groups: dict[str, str | None]
    if not hasattr(tickers, "__iter__"):  # None, a number
        raise SpecError(
            f"event_study() takes the tickers as a string, a list, a mapping group -> tickers "
            f"or an events frame; got {type(tickers).__name__}"
        )
    if isinstance(tickers, str):
        groups = {tickers: None}
    elif isinstance(tickers, Mapping):
        # {"chips": "NVDA"} is one ticker, not the letters N, V, D, A
        groups = {
            str(t): str(g)
            for g, members in tickers.items()
            for t in ([members] if isinstance(members, str) else members)
        }
    else:
        groups = dict.fromkeys(str(t) for t in tickers)
    if group is not None:
        unknown = sorted(set(group) - set(groups))
        if unknown:
            raise SpecError(f"group= names tickers not in the study: {unknown}")
        groups.update({str(t): str(g) for t, g in group.items()})
    if not groups:
        raise SpecError("event_study() needs at least one ticker")
    frame = pd.DataFrame({"ticker": list(groups), "date": [date] * len(groups)})
    if any(g is not None for g in groups.values()):
        frame["group"] = [groups[t] for t in groups]
    if timing is not None:
        frame["timing"] = timing
    return frame


def _spec_for(events: pd.DataFrame, *, model: str | NormalReturnModel, **options: Any) -> StudySpec:
    """A :class:`StudySpec` for an in-memory study (the events frame is kept as it is)."""
    market = options.pop("market")
    if isinstance(model, str):
        model_spec = _model_spec(model, market)
    else:
        model_spec = ModelSpec(
            name=_factor_model_name(model), market=getattr(model, "market_name", None)
        )
    start, end = options.pop("start"), options.pop("end")
    for key in ("estimation_window", "event_window"):  # as a spec checks them (huge windows)
        window = options.get(key)
        if isinstance(window, list | tuple) and len(window) == 2:
            if all(isinstance(v, int) and not isinstance(v, bool) for v in window):
                options[key] = _window(window, key)
    return StudySpec(
        name="event study",
        events_table=events,
        model=model_spec,
        start=pd.Timestamp(start) if start is not None else None,
        end=pd.Timestamp(end) if end is not None else None,
        **{k: v for k, v in options.items() if v is not None},
    )


def _model_spec(name: str, market: str | None) -> ModelSpec:
    """The named model, with ``market`` where the model takes one (``ff3`` takes none)."""
    plain = parse_model({"name": name})
    if market is None or not _takes_market(plain):
        return plain
    return parse_model({"name": name, "market": market})


def _takes_market(spec: ModelSpec) -> bool:
    from dataclasses import fields

    return any(f.name == "market" for f in fields(type(spec.build())))


def _factor_model_name(model: NormalReturnModel) -> str:
    """The spec name whose factor set a model object needs (for loading factors)."""
    needed = set(model.required_factors())
    if not needed:
        return "market" if model.market_name is not None else "constant_mean"
    if needed & {"RMW", "CMA"}:
        return "ff5"
    if "Mom" in needed:
        return "carhart4"
    return next(name for name, dataset in FACTOR_DATASETS.items() if dataset == "ff3")
