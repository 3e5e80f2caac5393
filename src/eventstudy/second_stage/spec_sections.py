"""The second stage in a study spec: ``[outcome]``, ``[cross_section]`` and ``[long_horizon]``.

Layout (every table optional)::

    [outcome]
    kind = "volume"            # "returns" (default), "volume" or "volatility"
    market = "SPY"             # volume: a ticker (default: the [model]'s market), or "mean"
                               # (the mean log volume of all tickers)
    model = "market"           # volume: "market" (Campbell & Wasley 1996) or "mean"
    measure = "log_volume"     # volume: "log_volume" or "turnover" (needs [data] shares)
    zero = "offset"            # volume: zero-volume days "offset" or "missing"
    windows = [[0, 0], [0, 1]] # windows of the volume / variance tests (default windows.car)

    [cross_section]
    formula = "car ~ C(sector) + beta"   # left-hand side car, bhar or scar
    window = [0, 1]
    data = "characteristics.csv"         # optional, relative to the spec: ticker[, date], ...
    cov = "HC3"                          # HC0..HC3, nonrobust, cluster
    cluster = "day0"                     # with cov = "cluster"
    weights = "inverse_variance"         # optional

    [long_horizon]
    window = [0, 40]           # BHAR window (inside windows.event)
    against = "benchmark"      # or "model"
    n_boot = 1000
    seed = 0

    [long_horizon.calendar_time]       # or calendar_time = true (the defaults)
    horizon = [1, 40]          # days after day 0 (inside windows.event), months with "M"
    frequency = "D"            # "D" (the study's returns) or "M" (months, from the prices)
    weighting = "equal"        # or "value" (needs [data] shares or market_values)
    model = "ff3"              # "market", "ff3" or "carhart" (factors loaded for it)
    cov = "HAC"                # "HAC" (Newey-West), "HC0" (White) or "nonrobust"

``kind = "returns"`` writes the usual report; ``"volume"`` adds the abnormal-volume study
(``volume_ar.csv``, ``volume_tests.csv``) and ``"volatility"`` the event-induced variance tests
(``variance_tests.csv``, ``variance_ratio.csv``), next to it; ``[long_horizon]`` adds
``bhar_tests.csv`` and ``calendar_time.csv`` (``res.export`` writes them all).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import SpecError

__all__ = [
    "CALENDAR_TIME_KEYS",
    "CROSS_SECTION_KEYS",
    "LONG_HORIZON_KEYS",
    "OUTCOME_KEYS",
    "OUTCOME_KINDS",
    "compute_second_stage",
    "parse_second_stage",
    "run_second_stage",
    "second_stage_files",
    "write_second_stage",
]

OUTCOME_KINDS: tuple[str, ...] = ("returns", "volume", "volatility")
OUTCOME_KEYS: tuple[str, ...] = ("kind", "market", "model", "measure", "zero", "windows")
CROSS_SECTION_KEYS: tuple[str, ...] = (
    "formula",
    "window",
    "data",
    "cov",
    "cluster",
    "weights",
    "against",
)
LONG_HORIZON_KEYS: tuple[str, ...] = ("window", "against", "n_boot", "seed", "calendar_time")
#: keys of ``[long_horizon.calendar_time]`` (:meth:`EventStudyResults.calendar_time`)
CALENDAR_TIME_KEYS: tuple[str, ...] = (
    "horizon",
    "frequency",
    "weighting",
    "model",
    "cov",
    "maxlags",
    "min_firms",
)
_AGAINST: tuple[str, ...] = ("model", "benchmark")


def _inside(window: tuple[int, int], event: Any, where: str) -> None:
    if (
        isinstance(event, tuple)
        and all(isinstance(v, int) for v in event)
        and (window[0] < event[0] or window[1] > event[1])
    ):
        raise SpecError(f"{where} {list(window)} lies outside windows.event {list(event)}")


def _int(value: object, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SpecError(f"{where} must be an integer of at least {minimum}, got {value!r}")
    return value


def _parse_outcome(table: Mapping[str, Any], event: Any) -> dict[str, Any]:
    from .._spec_values import _choice, _string, _window

    if not table:
        return {}
    kind = _choice(table.get("kind", "returns"), OUTCOME_KINDS, "outcome.kind")
    volume_only = [k for k in ("market", "model", "measure", "zero") if k in table]
    if volume_only and kind != "volume":
        raise SpecError(
            f"outcome.{volume_only[0]} applies to kind = 'volume' only (kind = {kind!r})"
        )
    out: dict[str, Any] = {"kind": kind}
    if kind == "volume":
        # default: the [model]'s market ticker (filled in at run time); "mean" is chosen
        if "market" in table:
            out["market"] = _string(table["market"], "outcome.market")
        out["model"] = _choice(table.get("model", "market"), ("market", "mean"), "outcome.model")
        out["measure"] = _choice(
            table.get("measure", "log_volume"), ("log_volume", "turnover"), "outcome.measure"
        )
        out["zero"] = _choice(table.get("zero", "offset"), ("offset", "missing"), "outcome.zero")
    if "windows" in table:
        value = table["windows"]
        if not isinstance(value, list) or not value:
            raise SpecError(f"outcome.windows must be a list of [start, end] pairs, got {value!r}")
        windows = tuple(_window(v, f"outcome.windows[{i}]") for i, v in enumerate(value))
        for w in windows:
            _inside(w, event, "outcome.windows")
        out["windows"] = windows
    return out


def _parse_cross_section(table: Mapping[str, Any], event: Any, base_dir: Path) -> dict[str, Any]:
    from .._spec_values import _choice, _string, _window
    from .crosssection import COVARIANCES, _outcome

    if not table:
        return {}
    if "formula" not in table:
        raise SpecError('[cross_section] needs formula, e.g. formula = "car ~ C(sector) + beta"')
    formula = _string(table["formula"], "cross_section.formula")
    _outcome(formula)
    out: dict[str, Any] = {"formula": formula}
    if "window" in table:
        out["window"] = _window(table["window"], "cross_section.window")
        _inside(out["window"], event, "cross_section.window")
    out["cov"] = _choice(table.get("cov", "HC3"), tuple(COVARIANCES), "cross_section.cov")
    if "cluster" in table:
        if out["cov"] != "cluster":
            raise SpecError('cross_section.cluster needs cov = "cluster"')
        out["cluster"] = _string(table["cluster"], "cross_section.cluster")
    if "weights" in table:
        out["weights"] = _string(table["weights"], "cross_section.weights")
    out["against"] = _choice(table.get("against", "model"), _AGAINST, "cross_section.against")
    if "data" in table:
        path = Path(_string(table["data"], "cross_section.data"))
        path = path if path.is_absolute() else base_dir / path
        if not path.is_file():
            raise SpecError(f"cross_section.data: file {str(path)!r} not found")
        header = pd.read_csv(path, nrows=0).columns
        if "ticker" not in [str(c).strip().lower() for c in header]:
            raise SpecError(
                f"cross_section.data {path.name} has no 'ticker' column (columns: "
                f"{list(map(str, header))}); key the characteristics by ticker (and date)"
            )
        out["data"] = path
    return out


def _parse_long_horizon(
    table: Mapping[str, Any], event: Any, data: Mapping[str, Any]
) -> dict[str, Any]:
    from .._spec_values import _choice, _window

    if not table:
        return {}
    out: dict[str, Any] = {}
    if "calendar_time" in table:
        calendar = _parse_calendar_time(table["calendar_time"], event, data)
        if calendar:
            out["calendar_time"] = calendar
    if "window" not in table and not (out and set(table) == {"calendar_time"}):
        raise SpecError(
            "[long_horizon] needs window, e.g. window = [0, 40] (the BHAR tests), or only a "
            "calendar_time table (the calendar-time portfolio)"
        )
    if "window" not in table:
        return out
    window = _window(table["window"], "long_horizon.window")
    _inside(window, event, "long_horizon.window")
    return {
        "window": window,
        "against": _choice(table.get("against", "benchmark"), _AGAINST, "long_horizon.against"),
        "n_boot": _int(table.get("n_boot", 1000), "long_horizon.n_boot", 100),
        "seed": _int(table.get("seed", 0), "long_horizon.seed", 0),
        **out,
    }


def _parse_calendar_time(value: Any, event: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """``calendar_time = true`` (the defaults) or a ``[long_horizon.calendar_time]`` table:
    the options of :meth:`~eventstudy.EventStudyResults.calendar_time` (``{}``: none)."""
    from .._spec_values import _choice, _invalid, _window
    from .longhorizon import CALENDAR_MODELS

    if isinstance(value, bool):
        value = {} if value else None
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SpecError(
            "long_horizon.calendar_time must be true or a [long_horizon.calendar_time] table "
            f"with {', '.join(CALENDAR_TIME_KEYS)}; got {value!r}"
        )
    for key in value:
        if key not in CALENDAR_TIME_KEYS:
            raise _invalid("[long_horizon.calendar_time]", key, CALENDAR_TIME_KEYS, "unknown key")
    where = "long_horizon.calendar_time"
    out: dict[str, Any] = {
        "frequency": _choice(value.get("frequency", "D"), ("D", "M"), f"{where}.frequency"),
        "weighting": _choice(
            value.get("weighting", "equal"), ("equal", "value"), f"{where}.weighting"
        ),
        "model": _choice(value.get("model", "ff3"), tuple(CALENDAR_MODELS), f"{where}.model"),
        "cov": _choice(value.get("cov", "HAC"), ("HAC", "HC0", "nonrobust"), f"{where}.cov"),
    }
    if "horizon" in value:
        out["horizon"] = _window(value["horizon"], f"{where}.horizon")
        if out["frequency"] == "D":  # daily holdings use the study's event-window returns
            _inside(out["horizon"], event, f"{where}.horizon")
    elif out["frequency"] == "D" and isinstance(event, tuple) and event[1] < 1:
        raise SpecError(
            f"{where}: windows.event ends on day {event[1]}, so the default horizon "
            "[1, end of the event window] is empty; set horizon or widen windows.event"
        )
    if "maxlags" in value:
        out["maxlags"] = _int(value["maxlags"], f"{where}.maxlags", 0)
    if "min_firms" in value:
        out["min_firms"] = _int(value["min_firms"], f"{where}.min_firms", 1)
    has_values = isinstance(data, Mapping) and ("shares" in data or "market_values" in data)
    if out["weighting"] == "value" and not has_values:
        raise SpecError(
            f'{where}.weighting = "value" weights by market value: add [data] shares or '
            '[data] market_values, or use weighting = "equal"'
        )
    return out


def parse_second_stage(
    raw: Mapping[str, Any], base_dir: Path, event_window: Any
) -> dict[str, dict[str, Any]]:
    """Validate the three tables (already key-checked by :mod:`eventstudy.spec`).

    Examples
    --------
    >>> raw = {
    ...     "cross_section": {"formula": "car ~ beta", "window": [0, 1]},
    ...     "long_horizon": {"window": [0, 10]},
    ... }
    >>> tables = parse_second_stage(raw, Path("."), (-10, 10))  # event window [-10, 10]
    >>> tables["outcome"], tables["cross_section"]  # the defaults filled in
    ({}, {'formula': 'car ~ beta', 'window': (0, 1), 'cov': 'HC3', 'against': 'model'})
    >>> tables["long_horizon"]
    {'window': (0, 10), 'against': 'benchmark', 'n_boot': 1000, 'seed': 0}
    >>> parse_second_stage({"long_horizon": {"window": [0, 40]}}, Path("."), (-10, 10))
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.SpecError: long_horizon.window [0, 40] lies outside windows.event [-10, 10]
    """
    tables: dict[str, Mapping[str, Any]] = {}
    for name in ("outcome", "cross_section", "long_horizon"):
        value = raw.get(name, {})
        if not isinstance(value, Mapping):
            raise SpecError(f"[{name}] must be a table (a [{name}] section)")
        tables[name] = value
    outcome = _parse_outcome(tables["outcome"], event_window)
    data = raw.get("data", {})
    data = data if isinstance(data, Mapping) else {}
    if outcome.get("measure") == "turnover" and not (
        isinstance(data, Mapping) and "shares" in data
    ):
        raise SpecError(
            'outcome.measure = "turnover" (volume / shares outstanding) needs the share counts: '
            "add [data] shares = {NVDA = 24.49e9, ...} or the path of a CSV file ticker, shares"
        )
    return {
        "outcome": outcome,
        "cross_section": _parse_cross_section(tables["cross_section"], event_window, base_dir),
        "long_horizon": _parse_long_horizon(tables["long_horizon"], event_window, data),
    }


def compute_second_stage(spec: Any, res: Any, prices: pd.DataFrame | None) -> dict[str, Any]:
    """Run the spec's ``[outcome]``, ``[cross_section]`` and ``[long_horizon]`` sections on a
    fitted study (the one path of ``es.run_spec`` and ``eventstudy run``).

    Returns
    -------
    dict
        ``{name: result}`` in the order below, for
        :meth:`~eventstudy.EventStudyResults.with_second_stage`: ``variance_tests``,
        ``variance_ratio`` (volatility), ``volume`` (the abnormal-volume study),
        ``volume_tests``, ``volume_report`` (volume), ``cross_section`` (the statsmodels
        fit), ``bhar_tests`` and ``calendar_time`` (long horizon; the
        :meth:`~eventstudy.EventStudyResults.calendar_time` result). Empty when the spec has
        none of the sections.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.spec import parse_spec
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> spec = parse_spec(  # as a TOML file would give it; the second stage reads its sections
    ...     {
    ...         "events": {"date": "2021-12-06", "tickers": ["F1"]},
    ...         "model": {"name": "market", "market": "MKT"},
    ...         "windows": {"car": [[0, 0], [0, 1]]},
    ...         "outcome": {"kind": "volatility"},
    ...         "cross_section": {"formula": "car ~ beta", "window": [0, 1]},
    ...     }
    ... )
    >>> second = compute_second_stage(spec, res, None)  # no [outcome] volume: no prices needed
    >>> list(second)
    ['variance_tests', 'variance_ratio', 'cross_section']
    >>> second["variance_tests"][["test", "window", "statistic", "p_value"]].round(3)
                     test  window  statistic  p_value
    0         squared_sar  [0, 0]     -1.086    0.861
    1  harrington_shrider  [0, 0]      3.358    0.850
    2         squared_sar  [0, 1]     -0.739    0.770
    3  harrington_shrider  [0, 1]      5.006    0.659
    >>> second["cross_section"].params.round(3).to_dict()  # the statsmodels fit of car ~ beta
    {'Intercept': 0.005, 'beta': -0.006}
    >>> res = res.with_second_stage(**second)  # in summary(), the reports and export
    """
    out: dict[str, Any] = {}
    outcome = dict(getattr(spec, "outcome", {}) or {})
    windows = list(outcome.get("windows", spec.car_windows))
    if outcome.get("kind") == "volatility":
        out["variance_tests"] = pd.concat(
            [res.variance_tests(w) for w in windows], ignore_index=True
        )
        out["variance_ratio"] = res.variance_ratio(windows[0])
    if outcome.get("kind") == "volume":
        vol = _volume(spec, outcome, prices)
        out["volume"] = vol
        out["volume_tests"] = vol.tests(
            ["cross_sectional_t", "corrado_rank"], windows=windows, daily=False
        )
        out["volume_report"] = vol.meta["volume_report"]
    cs = dict(getattr(spec, "cross_section", {}) or {})
    if cs:
        data = _characteristics(cs.pop("data")) if "data" in cs else None
        out["cross_section"] = res.cross_section(cs.pop("formula"), data=data, **cs)
    lh = dict(getattr(spec, "long_horizon", {}) or {})
    if "window" in lh:
        out["bhar_tests"] = res.bhar_tests(
            lh["window"], against=lh["against"], n_boot=lh["n_boot"], seed=lh["seed"]
        )
    if lh.get("calendar_time"):
        out["calendar_time"] = _calendar_time(res, lh["calendar_time"], prices)
    return out


def _calendar_time(res: Any, options: Mapping[str, Any], prices: pd.DataFrame | None) -> Any:
    """``[long_horizon.calendar_time]`` on the fitted study: daily portfolios hold the study's
    own event-window returns; monthly ones need whole months, computed from the prices."""
    returns = None
    if options["frequency"] == "M":
        if prices is None:
            raise SpecError("long_horizon.calendar_time.frequency = 'M' needs the prices")
        from ..returns import compute_returns

        returns = compute_returns(prices, kind="simple")
    return res.calendar_time(**options, returns=returns)


def _volume(spec: Any, outcome: Mapping[str, Any], prices: pd.DataFrame | None) -> Any:
    from .volume import volume_study

    if prices is None:
        raise SpecError("outcome.kind = 'volume' needs the prices with their volume")
    shares: pd.Series | pd.DataFrame | None = None
    if outcome["measure"] == "turnover":
        given = spec.shares_input() if hasattr(spec, "shares_input") else None
        if isinstance(given, Mapping):  # one count per ticker, on the volume's split basis
            shares = pd.Series(dict(given), dtype="float64")
        elif isinstance(given, pd.DataFrame):  # ticker, date, shares: as of each day
            shares = given
        else:
            raise SpecError(
                'outcome.measure = "turnover" needs [data] shares: an inline table '
                "{NVDA = 24.49e9} or a CSV file ticker, shares (or ticker, date, shares)"
            )
    return volume_study(
        spec.events_frame(),
        prices,
        market=outcome.get("market") or getattr(spec.model, "market", None) or "mean",
        model=outcome["model"],
        measure=outcome["measure"],
        shares=shares,
        zero=outcome["zero"],
        estimation_window=spec.estimation_window,
        event_window=spec.event_window,
        calendar=spec.calendar,
        min_estimation_obs=spec.min_estimation_obs,
    )


def _characteristics(path: Path) -> pd.DataFrame:
    """The ``[cross_section] data`` file, its ``ticker``/``date`` headers in any case."""
    data = pd.read_csv(path)
    data.columns = [str(c).strip() for c in data.columns]
    return data.rename(
        columns={c: c.lower() for c in data.columns if c.lower() in ("ticker", "date")}
    )


def second_stage_files(second: Mapping[str, Any]) -> dict[str, str]:
    """The files of second-stage results: ``{file name: text}``; see
    :func:`eventstudy.report.second_stage_files` (the one place, used by ``export``).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.spec import parse_spec
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> spec = parse_spec(  # as a TOML file would give it; the second stage reads its sections
    ...     {
    ...         "events": {"date": "2021-12-06", "tickers": ["F1"]},
    ...         "model": {"name": "market", "market": "MKT"},
    ...         "windows": {"car": [[0, 0], [0, 1]]},
    ...         "outcome": {"kind": "volatility"},
    ...         "cross_section": {"formula": "car ~ beta", "window": [0, 1]},
    ...     }
    ... )
    >>> files = second_stage_files(compute_second_stage(spec, res, None))
    >>> list(files)
    ['variance_tests.csv', 'variance_ratio.csv', 'cross_section.txt', 'cross_section.csv']
    >>> files["cross_section.csv"].splitlines()[0]
    'term,estimate,se,statistic,p_value,nobs,dropped,cov'
    """
    from ..report.document import second_stage_files as files

    return files(second)


def write_second_stage(res: Any, folder: Any) -> list[str]:
    """Write ``res.second_stage`` (:func:`second_stage_files`) into ``folder`` (an output
    folder with ``write_text``); returns the names written. ``res.export`` (and so
    ``eventstudy run``) writes the same files itself.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.spec import parse_spec
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> spec = parse_spec(  # as a TOML file would give it; the second stage reads its sections
    ...     {
    ...         "events": {"date": "2021-12-06", "tickers": ["F1"]},
    ...         "model": {"name": "market", "market": "MKT"},
    ...         "windows": {"car": [[0, 0], [0, 1]]},
    ...         "outcome": {"kind": "volatility"},
    ...         "cross_section": {"formula": "car ~ beta", "window": [0, 1]},
    ...     }
    ... )
    >>> import tempfile
    >>> from eventstudy._fileio import OutputFolder
    >>> folder = tempfile.TemporaryDirectory()
    >>> done = res.with_second_stage(**compute_second_stage(spec, res, None))
    >>> write_second_stage(done, OutputFolder(folder.name))
    ['variance_tests.csv', 'variance_ratio.csv', 'cross_section.txt', 'cross_section.csv']
    >>> folder.cleanup()
    """
    written: list[str] = []
    for name, text in second_stage_files(getattr(res, "second_stage", {}) or {}).items():
        folder.write_text(name, text)
        written.append(name)
    return written


def run_second_stage(spec: Any, res: Any, prices: pd.DataFrame | None, folder: Any) -> list[str]:
    """Run the spec's second-stage sections on a fitted study (:func:`compute_second_stage`)
    and write their tables to ``folder`` (:func:`write_second_stage`).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.spec import parse_spec
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> spec = parse_spec(  # as a TOML file would give it; the second stage reads its sections
    ...     {
    ...         "events": {"date": "2021-12-06", "tickers": ["F1"]},
    ...         "model": {"name": "market", "market": "MKT"},
    ...         "windows": {"car": [[0, 0], [0, 1]]},
    ...         "outcome": {"kind": "volatility"},
    ...         "cross_section": {"formula": "car ~ beta", "window": [0, 1]},
    ...     }
    ... )
    >>> import tempfile
    >>> from eventstudy._fileio import OutputFolder
    >>> folder = tempfile.TemporaryDirectory()
    >>> run_second_stage(spec, res, None, OutputFolder(folder.name))  # prices: volume only
    ['variance_tests.csv', 'variance_ratio.csv', 'cross_section.txt', 'cross_section.csv']
    >>> folder.cleanup()
    """
    return write_second_stage(
        res.with_second_stage(**compute_second_stage(spec, res, prices)), folder
    )
