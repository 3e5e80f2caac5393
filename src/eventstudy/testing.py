"""Conformance suites for extenders: :func:`check_model` and :func:`check_test`.

The scikit-learn ``check_estimator`` pattern: a user's own normal-return model (a subclass
of :class:`~eventstudy.models.NormalReturnModel`) or test (a
:class:`~eventstudy.inference.TestSpec`) gets the same checks as the library's
own. The invariances are those of the library's property suite: shapes and the design
contract, a missing return is NaN and never 0, results do not depend on the order of events
or firms, scaling every return by ``c`` scales the abnormal returns by ``c`` and leaves each
test statistic unchanged, a batch equals one event at a time, and the chunked engine equals
the in-memory one; a test also keeps its size under the null and the tidy result schema.

Each check simulates its own data (a market-model world on a business-day grid, seeded),
so it needs no file and no network. :func:`model_checks` and :func:`test_checks` return the
checks as ``(name, callable)`` pairs, for one pytest case each::

    import pytest
    from eventstudy.testing import model_checks

    @pytest.mark.parametrize(("name", "check"), model_checks(MyModel("SPY")))
    def test_my_model(name, check):
        check()

Examples
--------
>>> from eventstudy.models import MarketModel
>>> from eventstudy.testing import check_model
>>> check_model(MarketModel("SPY"))  # raises AssertionError naming the failed check
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .inference.conventions import Conventions
from .inference.registry import REGISTRY, RESULT_COLUMNS, TestSpec, run_spec
from .models import MODELS, Design, ModelData, NormalReturnModel
from .results import EventStudyResults
from .study import EventStudy

__all__ = ["check_model", "check_test", "model_checks", "simulated_study", "test_checks"]

Check = tuple[str, Callable[[], None]]

#: windows of the simulated studies (relative trading days)
ESTIMATION, EVENT = (-150, -11), (-5, 5)
_N_DAYS = 420
_FIRMS = 6


@dataclass(frozen=True)
class SimulatedStudy:
    """Returns (and factors) of a simulated market-model world and events on it."""

    returns: pd.DataFrame
    factors: pd.DataFrame | None
    events: pd.DataFrame

    def scaled(self, c: float) -> SimulatedStudy:
        """Every return and factor multiplied by ``c``."""
        factors = None if self.factors is None else self.factors * c
        return SimulatedStudy(self.returns * c, factors, self.events)


def simulated_study(model: NormalReturnModel | None = None, seed: int = 0) -> SimulatedStudy:
    """A seeded study for ``model``: its market column (``model.market_name``, else ``"MKT"``)
    and factors (``model.required_factors()``), six firms with holes, eight events.

    Firm returns are ``a_i + b_i R_m + sum_j s_ij F_j + e_it`` with normal errors, so every
    linear model is correctly specified; events are on distinct dates of distinct firms
    except for two events of one firm, and each event's day 0 is observed.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # the same numbers on every call (seed 0)
    >>> sim.returns.shape, sim.returns.columns.tolist()  # 420 business days
    ((420, 7), ['MKT', 'F0', 'F1', 'F2', 'F3', 'F4', 'F5'])
    >>> int(sim.returns.isna().sum().sum())  # firm returns missing at random
    47
    >>> sim.events.head(3)
      event_id ticker       date
    0       e0     F0 2021-10-11
    1       e1     F1 2021-12-06
    2       e2     F2 2022-01-10
    >>> sim.factors is None, simulated_study(es.FamaFrench3()).factors.columns.tolist()
    (True, ['Mkt-RF', 'SMB', 'HML', 'RF'])
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.status["status"].tolist().count("used")
    8
    """
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=_N_DAYS, name="date")
    market_name = (model.market_name if model is not None else None) or "MKT"
    market = rng.normal(0.0003, 0.01, _N_DAYS)
    needed = model.required_factors() if model is not None else []
    factors: pd.DataFrame | None = None
    if needed:
        rf = np.full(_N_DAYS, 0.0001) + rng.normal(0.0, 0.00001, _N_DAYS)
        columns = {
            name: (market - rf if name == "Mkt-RF" else rf if name == "RF" else None)
            for name in needed
        }
        factors = pd.DataFrame(
            {
                name: values if values is not None else rng.normal(0.0, 0.005, _N_DAYS)
                for name, values in columns.items()
            },
            index=dates,
        )
    firms = {}
    for j in range(_FIRMS):
        r = rng.normal(0.0002, 0.001) + rng.uniform(0.5, 1.5) * market
        if factors is not None:
            for name in factors.columns:
                if name not in ("Mkt-RF", "RF"):
                    r = r + rng.uniform(-0.5, 0.5) * factors[name].to_numpy()
        firms[f"F{j}"] = r + rng.normal(0.0, rng.uniform(0.008, 0.02), _N_DAYS)
    returns = pd.DataFrame({market_name: market, **firms}, index=dates)
    for name in firms:  # missing firm returns (not the market's)
        returns.loc[rng.random(_N_DAYS) < 0.02, name] = np.nan
    day0 = [200, 240, 265, 290, 310, 330, 350, 380]
    tickers = ["F0", "F1", "F2", "F3", "F4", "F5", "F0", "F2"]
    events = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(day0))],
            "ticker": tickers,
            "date": dates[day0],
        }
    )
    for t, p in zip(tickers, day0, strict=True):
        if np.isnan(returns[t].iloc[p]):
            returns.loc[dates[p], t] = 0.001
    return SimulatedStudy(returns, factors, events)


def _fit(
    model: NormalReturnModel,
    data: SimulatedStudy,
    events: pd.DataFrame | None = None,
    *,
    chunk_size: int = 20_000,
    engine: str = "numpy",
) -> EventStudyResults:
    study = EventStudy(
        data.events if events is None else events,
        data.returns,
        model=model,
        calendar=None,
        factors=data.factors,
        estimation_window=ESTIMATION,
        event_window=EVENT,
        min_estimation_obs=100,
        chunk_size=chunk_size,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # model chatter (e.g. GARCH convergence) is not checked
        if engine == "chunked":
            return study.fit("chunked", chunk_events=2)
        return study.fit()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("event_id", "rel_day") if c in frame.columns]
    return frame.sort_values(keys).reset_index(drop=True)


def _fail(check: str, message: str) -> AssertionError:
    return AssertionError(f"{check}: {message}")


# ----------------------------------------------------------------------------- models
def _model_data(data: SimulatedStudy) -> ModelData:
    """The aligned data a model's ``design`` reads (padded with one NaN row)."""
    r = data.returns.to_numpy(dtype=float)
    padded = np.vstack([r, np.full((1, r.shape[1]), np.nan)])
    factors, fcols = None, {}
    if data.factors is not None:
        f = data.factors.reindex(data.returns.index).to_numpy(dtype=float)
        factors = np.vstack([f, np.full((1, f.shape[1]), np.nan)])
        fcols = {c: j for j, c in enumerate(data.factors.columns)}
    columns = {c: j for j, c in enumerate(data.returns.columns)}
    return ModelData(padded, columns, factors, fcols)


def check_design_contract(model: NormalReturnModel) -> None:
    """``design`` returns a :class:`~eventstudy.models.Design` with the documented shapes:
    ``y`` ``(n, L)``, ``X`` ``(n, L, k)`` with ``k = len(param_names)``, a boolean complete-case
    mask that implies finite ``y`` and ``X``, and the model's parameter names."""
    name = "design contract"
    if not isinstance(model, NormalReturnModel):
        raise _fail(name, f"{type(model).__name__} is not a NormalReturnModel")
    if not (dataclasses.is_dataclass(model) and type(model).__dataclass_params__.frozen):  # type: ignore[attr-defined]
        raise _fail(name, f"{type(model).__name__} must be a frozen dataclass")
    data = simulated_study(model)
    md = _model_data(data)
    day0 = np.array([200, 260, 330])
    ret_col = np.array([md.columns[t] for t in ("F0", "F1", "F2")], dtype=np.int64)
    market = model.market_name or "MKT"
    mkt_col = np.full(3, md.columns.get(market, -1), dtype=np.int64)
    pos_est = day0[:, None] + np.arange(ESTIMATION[0], ESTIMATION[1] + 1)
    pos_evt = day0[:, None] + np.arange(EVENT[0], EVENT[1] + 1)
    design = model.design(md, pos_est, pos_evt, ret_col, mkt_col)
    if not isinstance(design, Design):
        raise _fail(name, f"design returned {type(design).__name__}, not Design")
    k = len(model.param_names)
    if model.k != k or list(design.param_names) != list(model.param_names):
        raise _fail(name, f"param_names {design.param_names} vs model {model.param_names}")
    shapes = {
        "y_est": (design.y_est.shape, pos_est.shape),
        "y_evt": (design.y_evt.shape, pos_evt.shape),
        "X_est": (design.X_est.shape, (*pos_est.shape, k)),
        "X_evt": (design.X_evt.shape, (*pos_evt.shape, k)),
        "mask_est": (design.mask_est.shape, pos_est.shape),
    }
    for field, (got, want) in shapes.items():
        if tuple(got) != tuple(want):
            raise _fail(name, f"{field} has shape {got}, expected {want}")
    if design.mask_est.dtype != bool:
        raise _fail(name, "mask_est must be boolean")
    mask = design.mask_est
    if not np.isfinite(design.y_est[mask]).all() or not np.isfinite(design.X_est[mask]).all():
        raise _fail(name, "mask_est marks a day whose y or X is missing")
    if not mask.any(axis=1).all():
        raise _fail(name, "no complete estimation day for an event of clean simulated data")


def check_fit_shapes(model: NormalReturnModel) -> None:
    """Every simulated event is used; ``ar`` has one row per event and day, ``params`` one
    row per event with a column per parameter, and the AR variance is positive."""
    name = "fit shapes"
    data = simulated_study(model)
    res = _fit(model, data)
    n, length = len(data.events), EVENT[1] - EVENT[0] + 1
    if (res.status["status"] != "used").any():
        raise _fail(name, f"events dropped: {res.status['reason'].tolist()}")
    if res.panel.ar.shape != (n, length) or len(res.ar) != n * length:
        raise _fail(name, f"ar has shape {res.panel.ar.shape}, expected {(n, length)}")
    missing = [p for p in model.param_names if p not in res.params.columns]
    if missing or len(res.params) != n:
        raise _fail(name, f"params lacks {missing} or has {len(res.params)} rows, not {n}")
    var = res.panel.var_ar
    if var is not None and not (np.asarray(var)[np.isfinite(var)] > 0).all():
        raise _fail(name, "a non-positive AR variance")


def check_missing_return_is_nan(model: NormalReturnModel) -> None:
    """A missing firm return inside the event window gives a NaN abnormal return (never 0),
    the other days are unchanged, and the CAR counts one day fewer."""
    name = "NaN is never zero"
    data = simulated_study(model)
    base = _fit(model, data)
    once = ~data.events["ticker"].duplicated(keep=False)  # no other event's window sees it
    first = data.events[once].iloc[0]
    pos = int(data.returns.index.searchsorted(first["date"]))
    holed = data.returns.copy()
    holed.iloc[pos + 2, list(holed.columns).index(first["ticker"])] = np.nan
    res = _fit(model, SimulatedStudy(holed, data.factors, data.events))
    ar, ar0 = (
        res.ar.set_index(["event_id", "rel_day"])["ar"],
        base.ar.set_index(["event_id", "rel_day"])["ar"],
    )
    key = (first["event_id"], 2)
    if not np.isnan(ar[key]):
        raise _fail(name, f"AR on the missing day is {ar[key]!r}, not NaN")
    others = ar.index != key
    np.testing.assert_allclose(ar[others], ar0[others], rtol=1e-9, atol=1e-14, err_msg=name)
    car = res.car((0, 5)).set_index("event_id").loc[first["event_id"]]
    car0 = base.car((0, 5)).set_index("event_id").loc[first["event_id"]]
    if car["n_days"] != car0["n_days"] - 1 or not np.isclose(
        car["car"], car0["car"] - ar0[key], rtol=1e-9, atol=1e-14
    ):
        raise _fail(name, "the CAR does not skip the missing day")


def check_order_invariance(model: NormalReturnModel) -> None:
    """Permuting the events and the returns' columns changes no AR and no parameter."""
    name = "order invariance"
    data = simulated_study(model)
    rng = np.random.default_rng(7)
    events = data.events.iloc[rng.permutation(len(data.events))]
    returns = data.returns[list(rng.permutation(data.returns.columns))]
    base = _fit(model, data)
    shuffled = _fit(model, SimulatedStudy(returns, data.factors, events))
    pd.testing.assert_frame_equal(_sorted(shuffled.ar), _sorted(base.ar), rtol=1e-10, obj=name)
    pd.testing.assert_frame_equal(
        _sorted(shuffled.params), _sorted(base.params), rtol=1e-10, obj=name
    )


def check_scale_invariance(model: NormalReturnModel, rtol: float = 1e-7) -> None:
    """Every return (and factor) times ``c`` gives ARs times ``c`` and the same
    standardised ARs."""
    name = "scale invariance"
    data = simulated_study(model)
    c = 0.5  # scaled down: larger returns would trip the percent-returns guard
    base, scaled = _fit(model, data), _fit(model, data.scaled(c))
    np.testing.assert_allclose(
        scaled.panel.ar, c * base.panel.ar, rtol=rtol, atol=1e-13, err_msg=name
    )
    np.testing.assert_allclose(
        scaled.ar["sar"], base.ar["sar"], rtol=rtol * 10, atol=1e-10, err_msg=name
    )


def check_batch_equals_single(model: NormalReturnModel) -> None:
    """The batch fit equals one event at a time (ARs and parameters) and one estimation
    chunk per event (``chunk_size=1``)."""
    name = "batch = single event"
    data = simulated_study(model)
    batch = _fit(model, data)
    singles = [_fit(model, data, data.events.iloc[[i]]) for i in range(len(data.events))]
    pd.testing.assert_frame_equal(
        pd.concat([s.ar for s in singles], ignore_index=True), batch.ar, rtol=1e-12, obj=name
    )
    pd.testing.assert_frame_equal(
        pd.concat([s.params for s in singles], ignore_index=True),
        batch.params,
        rtol=1e-12,
        obj=name,
    )
    tiny = _fit(model, data, chunk_size=1)
    pd.testing.assert_frame_equal(tiny.ar, batch.ar, rtol=1e-12, obj=name)


def check_chunked_equals_in_memory(model: NormalReturnModel) -> None:
    """The chunked engine (blocks of two events) gives the in-memory numbers."""
    name = "chunked = in-memory"
    data = simulated_study(model)
    memory, chunked = _fit(model, data), _fit(model, data, engine="chunked")
    pd.testing.assert_frame_equal(chunked.ar, memory.ar, rtol=1e-12, obj=name)
    pd.testing.assert_frame_equal(chunked.params, memory.params, rtol=1e-12, obj=name)
    pd.testing.assert_frame_equal(chunked.status, memory.status, obj=name)


def check_spec_round_trip(model: NormalReturnModel) -> None:
    """A registered model is reachable from a TOML ``[model]`` table: its key and its
    fields build an equal model, and a spec with that table loads the model's market
    (``market_name``) with the firms' prices (skipped for a model outside :data:`MODELS`)."""
    from .spec import parse_model, parse_spec

    cls = type(model)
    if MODELS.get(cls.key) is not cls:
        return
    table: dict[str, Any] = {"name": cls.key}
    for f in dataclasses.fields(model):
        value = getattr(model, f.name)
        if f.init and value is not None:
            table[f.name] = list(value) if isinstance(value, tuple) else value
    built = parse_model(table).build()
    if built != model:
        raise _fail("spec round trip", f"[model] {table} builds {built!r}, not {model!r}")
    spec = parse_spec({"events": {"date": "2021-06-01", "tickers": ["F0"]}, "model": table})
    loaded = spec.all_tickers()
    if model.market_name is not None and model.market_name not in loaded:
        raise _fail(
            "spec round trip",
            f"a spec with [model] {table} loads {loaded}, not the market {model.market_name!r}",
        )


def model_checks(model: NormalReturnModel, *, rtol: float = 1e-7) -> list[Check]:
    """The checks of :func:`check_model` as ``(name, callable)`` pairs (one pytest case each).

    ``rtol`` is the tolerance of the scale check (iterative estimators such as GARCH's
    maximum likelihood stop at a tolerance of their own).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import model_checks
    >>> checks = model_checks(es.MarketModel("MKT"))  # pytest.mark.parametrize(("name", "check"), ...)
    >>> [name for name, _ in checks]
    ['design_contract', 'fit_shapes', 'missing_return_is_nan', 'order_invariance',
     'scale_invariance', 'batch_equals_single', 'chunked_equals_in_memory', 'spec_round_trip']
    >>> dict(checks)["order_invariance"]()  # returns None, or raises AssertionError naming the check
    """
    return [
        ("design_contract", lambda: check_design_contract(model)),
        ("fit_shapes", lambda: check_fit_shapes(model)),
        ("missing_return_is_nan", lambda: check_missing_return_is_nan(model)),
        ("order_invariance", lambda: check_order_invariance(model)),
        ("scale_invariance", lambda: check_scale_invariance(model, rtol)),
        ("batch_equals_single", lambda: check_batch_equals_single(model)),
        ("chunked_equals_in_memory", lambda: check_chunked_equals_in_memory(model)),
        ("spec_round_trip", lambda: check_spec_round_trip(model)),
    ]


def check_model(model: NormalReturnModel, *, rtol: float = 1e-7) -> None:
    """Run every conformance check of a normal-return model; raise ``AssertionError`` naming
    the first that fails.

    Parameters
    ----------
    model
        An instance of a :class:`~eventstudy.models.NormalReturnModel` subclass.
    rtol
        Relative tolerance of the scale-invariance check.

    Examples
    --------
    >>> from eventstudy.models import Dimson
    >>> from eventstudy.testing import check_model
    >>> check_model(Dimson("SPY", lags=2))
    """
    for _, check in model_checks(model, rtol=rtol):
        check()


# ----------------------------------------------------------------------------- tests
def _spec(test: TestSpec | str) -> TestSpec:
    if isinstance(test, TestSpec):
        return test
    if test not in REGISTRY:
        raise KeyError(f"unknown test {test!r}; registered: {list(REGISTRY)}")
    return REGISTRY[test]


def _test_panel(seed: int = 0, scale: float = 1.0, order: int | None = None) -> Any:
    data = simulated_study(None, seed)
    events = data.events
    returns = data.returns
    if order is not None:
        rng = np.random.default_rng(order)
        events = events.iloc[rng.permutation(len(events))]
        returns = returns[list(rng.permutation(returns.columns))]
    from .models import MarketModel

    return _fit(MarketModel("MKT"), SimulatedStudy(returns * scale, None, events)).panel


def _run(spec: TestSpec, panel: Any, alternative: str = "two-sided") -> pd.DataFrame:
    return run_spec(spec, panel, [(0, 0), (-1, 1), EVENT], True, Conventions(), alternative)


def check_test_schema(test: TestSpec | str) -> None:
    """Daily and CAR-window rows with the tidy columns, p-values in [0, 1] and stars that
    match them."""
    name = "result schema"
    spec = _spec(test)
    out = _run(spec, _test_panel())
    if list(out.columns) != list(RESULT_COLUMNS):
        raise _fail(name, f"columns {list(out.columns)} are not {RESULT_COLUMNS}")
    daily = out[out["window"].isna()]
    if len(daily) != EVENT[1] - EVENT[0] + 1 or len(out) - len(daily) != 3:
        raise _fail(name, f"{len(daily)} daily rows and {len(out) - len(daily)} window rows")
    p = out["p_value"].to_numpy(dtype=float)
    if not ((p[np.isfinite(p)] >= 0) & (p[np.isfinite(p)] <= 1)).all():
        raise _fail(name, "a p-value outside [0, 1]")
    stars = np.where(p < 0.01, "***", np.where(p < 0.05, "**", np.where(p < 0.1, "*", "")))
    if (out["stars"].fillna("").to_numpy() != stars).any():
        raise _fail(name, "stars do not match the p-values")
    if (out["test"] != spec.name).any():
        raise _fail(name, "rows not labelled with the test's name")


def check_test_alternatives(test: TestSpec | str) -> None:
    """The two-sided p-value is ``min(1, 2 min(p_less, p_greater))`` with the same
    statistic under every alternative."""
    name = "alternatives"
    spec = _spec(test)
    panel = _test_panel()
    two, less, greater = (_run(spec, panel, a) for a in ("two-sided", "less", "greater"))
    np.testing.assert_allclose(
        less["statistic"], two["statistic"], rtol=1e-12, equal_nan=True, err_msg=name
    )
    expected = np.minimum(1.0, 2.0 * np.minimum(less["p_value"], greater["p_value"]))
    np.testing.assert_allclose(two["p_value"], expected, rtol=1e-9, equal_nan=True, err_msg=name)


def check_test_invariance(test: TestSpec | str) -> None:
    """Statistics do not change when every return is scaled by ``c`` or the events and
    firms are reordered."""
    name = "scale and order invariance"
    spec = _spec(test)
    base = _run(spec, _test_panel())
    for other in (_run(spec, _test_panel(scale=0.25)), _run(spec, _test_panel(order=3))):
        np.testing.assert_allclose(
            other["statistic"], base["statistic"], rtol=1e-7, atol=1e-10, err_msg=name
        )
        np.testing.assert_allclose(
            other["p_value"], base["p_value"], rtol=1e-7, atol=1e-10, err_msg=name
        )


def check_test_missing_values(test: TestSpec | str) -> None:
    """A day on which no event has an abnormal return has no statistic (NaN, never 0), and
    a missing return of one event leaves a finite statistic."""
    name = "missing values"
    spec = _spec(test)
    panel = _test_panel()
    ar = panel.ar.copy()
    ar[:, 0] = np.nan  # day -5: nobody
    ar[0, 6] = np.nan  # day +1: one event missing
    holed = dataclasses.replace(panel, ar=ar)
    daily = _run(spec, holed).set_index("rel_day")
    empty, one = daily.loc[EVENT[0]], daily.loc[1]
    if np.isfinite(empty["statistic"]) or np.isfinite(empty["estimate"]):
        raise _fail(name, f"a day without returns has statistic {empty['statistic']!r}")
    if not np.isfinite(one["statistic"]):
        raise _fail(name, "one missing return makes the statistic NaN")


def check_test_size(
    test: TestSpec | str, *, n_reps: int = 300, n_events: int = 30, level: float = 0.05
) -> None:
    """Under the null (no abnormal return, independent events) the rejection rate of the
    day-0 test at ``level`` stays within three binomial standard errors of ``level`` from
    above, and the test is not dead (it rejects at least once in ``n_reps`` studies)."""
    from .inference.simulation import simulate

    name = "size under the null"
    spec = _spec(test)
    rng = np.random.default_rng(5)
    days, firms = 400, 60
    market = rng.normal(0.0, 0.01, days)
    returns = pd.DataFrame(
        {f"F{j}": 0.8 * market + rng.normal(0.0, 0.02, days) for j in range(firms)},
        index=pd.bdate_range("2020-01-01", periods=days),
    )
    returns["MKT"] = market
    registered = spec.name in REGISTRY
    if not registered:
        REGISTRY[spec.name] = spec
    try:
        out = simulate(
            returns,
            "MKT",
            n_events=n_events,
            n_reps=n_reps,
            abnormal=[0.0],
            tests=[spec.name],
            levels=[level],
            seed=11,
            estimation=(-150, -11),
            event=EVENT,
            window=(0, 0),
            progress=False,
        )
    finally:
        if not registered:
            del REGISTRY[spec.name]
    rate = float(out["rejection_rate"].iloc[0])
    bound = level + 3.0 * np.sqrt(level * (1 - level) / n_reps)
    if not 0 < rate <= bound:
        raise _fail(name, f"rejection rate {rate:.3f} at level {level} (bound {bound:.3f})")


def test_checks(test: TestSpec | str) -> list[Check]:
    """The checks of :func:`check_test` as ``(name, callable)`` pairs.

    Examples
    --------
    >>> from eventstudy.testing import test_checks
    >>> checks = test_checks("patell")  # pytest.mark.parametrize(("name", "check"), ...)
    >>> [name for name, _ in checks]
    ['schema', 'alternatives', 'invariance', 'missing_values', 'size']
    >>> dict(checks)["schema"]()  # returns None, or raises AssertionError naming the check
    """
    return [
        ("schema", lambda: check_test_schema(test)),
        ("alternatives", lambda: check_test_alternatives(test)),
        ("invariance", lambda: check_test_invariance(test)),
        ("missing_values", lambda: check_test_missing_values(test)),
        ("size", lambda: check_test_size(test)),
    ]


# not a pytest test function despite its name
test_checks.__test__ = False  # type: ignore[attr-defined]


def check_test(test: TestSpec | str) -> None:
    """Run every conformance check of a test; raise ``AssertionError`` naming the first
    that fails.

    Parameters
    ----------
    test
        A registered test's name (``"patell"``) or a
        :class:`~eventstudy.inference.TestSpec` (registered for the size check
        while it runs).

    Examples
    --------
    >>> from eventstudy.testing import check_test
    >>> check_test("patell")
    """
    for _, check in test_checks(test):
        check()
