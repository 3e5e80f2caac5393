"""Extension points are declared once (issue 12).

A normal-return model is one class plus one registry line: the toy model below is defined
here, registered with one line, run from the API and from a TOML spec, and passes
``check_model``. The spec's model keys and options come from the model classes (GARCH ``dist``,
``FactorModel(factors=...)``, Dimson ``lags``), and the test names from the one test registry.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy import inference, models
from eventstudy.calendar import trading_sessions
from eventstudy.cli import main
from eventstudy.exceptions import SpecError
from eventstudy.inference import (
    TEST_NAMES,
    Rows,
    TestSpec,
    p_values,
    register,
    registered_tests,
    run_tests,
    unregister,
)
from eventstudy.inference._registry import REGISTRY
from eventstudy.memory import estimate_memory
from eventstudy.models import MODELS, Design, ModelData, NormalReturnModel, register_model
from eventstudy.spec import (
    FACTOR_DATASETS,
    StudySpec,
    available_tests,
    load_spec,
    parse_model,
    parse_spec,
)
from eventstudy.study import EventStudy
from eventstudy.testing import check_model, simulated_study

IntArray = np.ndarray


# ----------------------------------------------------------------------------- a toy model
@dataclasses.dataclass(frozen=True)
class FixedBetaModel(NormalReturnModel):
    """A market model whose beta is fixed by the user; only the intercept is estimated.

    ``R_it - beta R_mt = alpha_i + e_it``; ``AR_it = R_it - beta R_mt - alpha_i``.
    """

    market: str = "SPY"
    beta: float = 1.0
    key: ClassVar[str] = "fixed_beta"
    name: ClassVar[str] = "fixed-beta market model"
    uses_market: ClassVar[bool] = True

    @property
    def market_name(self) -> str | None:
        return self.market

    @property
    def param_names(self) -> list[str]:
        return ["alpha"]

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        def side(pos: IntArray) -> tuple[np.ndarray, np.ndarray]:
            y = data.ret(pos, ret_col) - self.beta * data.ret(pos, mkt_col)
            return y, np.ones((*y.shape, 1))

        (y_est, X_est), (y_evt, X_evt) = side(pos_est), side(pos_evt)
        return Design(y_est, X_est, y_evt, X_evt, np.isfinite(y_est), self.param_names, True)


@pytest.fixture
def registered() -> Iterator[type[FixedBetaModel]]:
    register_model(FixedBetaModel)  # the one registry line
    yield FixedBetaModel
    del MODELS[FixedBetaModel.key]


SESSIONS = trading_sessions("2023-01-03", "2024-12-31")
EST, EVT = (-150, -11), (-5, 5)


def _world(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = len(SESSIONS)
    market = rng.normal(0.0004, 0.01, n)
    returns = pd.DataFrame(
        {
            "MKT": market,
            **{f"F{j}": 0.001 * j + 0.9 * market + rng.normal(0, 0.015, n) for j in range(4)},
        },
        index=SESSIONS,
    )
    returns.iloc[rng.integers(0, n, 12), 1] = np.nan  # holes in F0
    events = pd.DataFrame({"ticker": ["F0", "F1", "F2", "F3"], "date": [SESSIONS[300]] * 4})
    returns.iloc[300, 1] = 0.001  # day 0 observed
    return returns, events


def _hand_ar(returns: pd.DataFrame, ticker: str, day0: int, beta: float) -> np.ndarray:
    """Loop transcription of the model: alpha is the mean of ``R - beta R_m`` over the
    estimation days where both are present; ``AR = R - beta R_m - alpha``."""
    y = returns[ticker].to_numpy() - beta * returns["MKT"].to_numpy()
    est = [y[day0 + t] for t in range(EST[0], EST[1] + 1) if np.isfinite(y[day0 + t])]
    alpha = sum(est) / len(est)
    return np.array([y[day0 + t] - alpha for t in range(EVT[0], EVT[1] + 1)])


def test_a_toy_model_runs_from_the_api_and_matches_its_formula(
    registered: type[FixedBetaModel],
) -> None:
    returns, events = _world()
    res = EventStudy(
        events,
        returns,
        model=FixedBetaModel("MKT", beta=0.8),
        estimation_window=EST,
        event_window=EVT,
    ).fit()
    for i, ticker in enumerate(events["ticker"]):
        np.testing.assert_allclose(res.panel.ar[i], _hand_ar(returns, ticker, 300, 0.8), rtol=1e-10)
    assert list(res.params.columns[:3]) == ["event_id", "ticker", "alpha"]


def test_a_toy_model_runs_from_a_toml_spec(
    registered: type[FixedBetaModel], tmp_path: Path
) -> None:
    returns, events = _world()
    path = tmp_path / "study.toml"
    path.write_text(
        "[events]\n"
        f"date = {SESSIONS[300].date()}\n"
        'tickers = ["F0", "F1", "F2", "F3"]\n'
        "[model]\n"
        'name = "fixed_beta"\n'
        'market = "MKT"\n'
        "beta = 0.8\n"
        "[windows]\n"
        "estimation = [-150, -11]\n"
        "event = [-5, 5]\n",
        encoding="utf-8",
    )
    spec = load_spec(path)
    assert spec.model.build() == FixedBetaModel("MKT", beta=0.8)
    assert spec.all_tickers() == ["F0", "F1", "F2", "F3", "MKT"]  # its market is loaded
    res = EventStudy(
        spec.events_frame(),
        returns,
        model=spec.model.build(),
        estimation_window=spec.estimation_window,
        event_window=spec.event_window,
        calendar=spec.calendar,
    ).fit()
    for i, ticker in enumerate(events["ticker"]):
        np.testing.assert_allclose(res.panel.ar[i], _hand_ar(returns, ticker, 300, 0.8), rtol=1e-10)
    # a bad option is checked against the field's type, with no spec code for the model
    with pytest.raises(SpecError, match="model.beta must be a number, got 'high'"):
        parse_model({"name": "fixed_beta", "beta": "high"})
    with pytest.raises(SpecError, match=r"model.lags does not apply to the 'fixed_beta' model"):
        parse_model({"name": "fixed_beta", "lags": 2})


def test_a_toy_model_passes_the_conformance_suite(registered: type[FixedBetaModel]) -> None:
    check_model(FixedBetaModel("MKT", beta=0.8))


def test_register_model_rejects_what_the_spec_could_not_use() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoKey(models.MarketModel):
        pass

    class NotADataclass(models.MarketModel):
        key: ClassVar[str] = "not_a_dataclass"

    @dataclasses.dataclass(frozen=True)
    class Clash(models.MarketModel):
        key: ClassVar[str] = "market"

    with pytest.raises(SpecError, match="has no spec key"):
        register_model(NoKey)
    with pytest.raises(SpecError, match="must be a frozen dataclass"):
        register_model(NotADataclass)
    with pytest.raises(SpecError, match="model key 'market' is taken by MarketModel"):
        register_model(Clash)
    with pytest.raises(TypeError, match="abstract"):
        NormalReturnModel()  # type: ignore[abstract]


# ----------------------------------------------------------------------------- the one registry
def test_every_model_class_is_registered_once_under_its_key() -> None:
    classes = {
        obj
        for obj in vars(models).values()
        if isinstance(obj, type)
        and issubclass(obj, NormalReturnModel)
        and not obj.__name__.startswith("_")
        and obj is not NormalReturnModel
    }
    assert set(MODELS.values()) == classes
    assert all(key == cls.key for key, cls in MODELS.items())
    # the spec names exactly the registry
    with pytest.raises(SpecError, match="valid: " + ", ".join(MODELS)):
        parse_model({"name": "nope"})


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"name": "garch", "dist": "t"}, models.GarchMarketModel("SPY", dist="t")),
        (
            {"name": "factor", "factors": ["Mkt-RF", "SMB"], "excess": False},
            models.FactorModel(("Mkt-RF", "SMB"), excess=False),
        ),
        ({"name": "dimson", "market": "QQQ", "lags": 3}, models.Dimson("QQQ", lags=3)),
        ({"name": "capm"}, models.CAPM()),
        ({"name": "market_adjusted", "market": "qqq"}, models.MarketAdjusted("QQQ")),
    ],
)
def test_every_option_of_every_model_is_reachable_from_toml(
    table: dict[str, object], expected: NormalReturnModel
) -> None:
    assert parse_model(table).build() == expected


def test_model_options_are_checked_against_the_class_fields() -> None:
    with pytest.raises(SpecError, match=r"model.dist: value 'student'.*valid: normal, t"):
        parse_model({"name": "garch", "dist": "student"})
    with pytest.raises(SpecError, match="model.factors must be a list of strings"):
        parse_model({"name": "factor", "factors": "SMB"})
    with pytest.raises(SpecError, match="model.excess must be true or false"):
        parse_model({"name": "factor", "factors": ["SMB"], "excess": 1})
    with pytest.raises(SpecError, match=r"\[model\] FactorModel needs factors"):
        parse_model({"name": "factor"})
    with pytest.raises(SpecError, match=r"\[model\]: unknown key 'dsit'; did you mean 'dist'"):
        parse_spec({"events": {"date": "2025-01-27", "tickers": ["A"]}, "model": {"dsit": "t"}})


def test_factor_data_sets_follow_the_factors_a_model_needs() -> None:
    assert FACTOR_DATASETS == {"capm": "ff3", "ff3": "ff3", "carhart4": "carhart", "ff5": "ff5"}
    assert parse_model({"name": "factor", "factors": ["Mkt-RF", "RMW"]}).factors_dataset == "ff5"
    assert parse_model({"name": "factor", "factors": ["HML"], "excess": False}).factors_dataset == (
        "ff3"
    )
    assert parse_model({"name": "factor", "factors": ["Liquidity"]}).factors_dataset is None
    assert parse_model({"name": "capm", "market": "SPY"}).factors_dataset == "ff3"  # RF only


def test_test_names_and_spec_choices_derive_from_the_one_test_registry() -> None:
    assert TEST_NAMES == tuple(REGISTRY) == available_tests()
    # reporting order: the parametric tests, then the rank and sign tests
    assert TEST_NAMES[:3] == ("brown_warner_1980", "brown_warner_1985", "cross_sectional_t")
    assert TEST_NAMES[-1] == "wilcoxon"
    assert REGISTRY["lamb"].needs == frozenset({"market_est", "market_evt"})


def test_run_tests_all_skips_a_test_by_what_it_needs_not_by_its_name() -> None:
    returns, events = _world()
    res = EventStudy(
        events, returns, model=models.ConstantMean(), estimation_window=EST, event_window=EVT
    ).fit()
    assert res.panel.market_est is None
    names = run_tests(res.panel, "all", daily=False)["test"].unique().tolist()
    expected = [t for t in TEST_NAMES if t != "lamb"]
    assert names == expected
    with_market = EventStudy(
        events, returns, model=models.MarketModel("MKT"), estimation_window=EST, event_window=EVT
    ).fit()
    assert "lamb" in run_tests(with_market.panel, "all", daily=False)["test"].tolist()


# ----------------------------------------------------------------------------- a model of one's own
@dataclasses.dataclass(frozen=True)
class IndexBetaModel(NormalReturnModel):
    """The fixed-beta market model with the market field named ``index`` and the beta the
    mean of several analysts' ``betas`` (a ``tuple[float, ...]`` option)."""

    index: str = "SPY"
    betas: tuple[float, ...] = (1.0,)
    key: ClassVar[str] = "index_beta"
    name: ClassVar[str] = "index-beta market model"
    uses_market: ClassVar[bool] = True

    @property
    def market_name(self) -> str | None:
        return self.index

    @property
    def param_names(self) -> list[str]:
        return ["alpha"]

    def design(
        self,
        data: ModelData,
        pos_est: IntArray,
        pos_evt: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
    ) -> Design:
        beta = sum(self.betas) / len(self.betas)
        return FixedBetaModel(self.index, beta).design(data, pos_est, pos_evt, ret_col, mkt_col)


@pytest.fixture
def index_beta() -> Iterator[type[IndexBetaModel]]:
    register_model(IndexBetaModel)
    yield IndexBetaModel
    del MODELS[IndexBetaModel.key]


def _index_beta_spec() -> StudySpec:
    return parse_spec(
        {
            "events": {"date": SESSIONS[300].date(), "tickers": ["F0", "F1", "F2", "F3"]},
            "model": {"name": "index_beta", "index": "MKT", "betas": [0.6, 1.0]},
            "windows": {"estimation": [-150, -11], "event": [-5, 5]},
        }
    )


def test_a_spec_loads_the_market_of_a_model_whose_field_is_not_called_market(
    index_beta: type[IndexBetaModel],
) -> None:
    spec = _index_beta_spec()
    assert spec.model.build() == IndexBetaModel("MKT", betas=(0.6, 1.0))
    assert spec.all_tickers() == ["F0", "F1", "F2", "F3", "MKT"]  # the index's prices too
    returns, events = _world()
    res = EventStudy(
        spec.events_frame(),
        returns[spec.all_tickers()],
        model=spec.model.build(),
        estimation_window=spec.estimation_window,
        event_window=spec.event_window,
        calendar=spec.calendar,
    ).fit()
    for i, ticker in enumerate(events["ticker"]):  # beta = (0.6 + 1.0) / 2
        np.testing.assert_allclose(res.panel.ar[i], _hand_ar(returns, ticker, 300, 0.8), rtol=1e-10)
    check_model(IndexBetaModel("MKT", betas=(0.6, 1.0)))


def test_check_model_fails_a_spec_that_does_not_load_the_market(
    index_beta: type[IndexBetaModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the spec's tickers as they were: only a field named ``market`` was loaded
    monkeypatch.setattr(StudySpec, "all_tickers", lambda self: ["F0"])
    with pytest.raises(AssertionError, match="spec round trip: .* not the market 'MKT'"):
        check_model(IndexBetaModel("MKT", betas=(0.6, 1.0)))


def test_a_tuple_option_is_checked_by_its_element_type(index_beta: type[IndexBetaModel]) -> None:
    spec = parse_model({"name": "index_beta", "index": "MKT", "betas": [0.5, 1]})
    assert spec.options["betas"] == (0.5, 1.0)
    assert all(type(b) is float for b in spec.options["betas"])
    with pytest.raises(SpecError, match=r"model.betas\[1\] must be a number, got 'high'"):
        parse_model({"name": "index_beta", "betas": [0.5, "high"]})
    with pytest.raises(SpecError, match="model.betas must be a non-empty list, got 0.5"):
        parse_model({"name": "index_beta", "betas": 0.5})
    with pytest.raises(SpecError, match=r"model.betas must be a non-empty list, got \[\]"):
        parse_model({"name": "index_beta", "betas": []})
    # a tuple of strings keeps its message
    with pytest.raises(SpecError, match="model.factors must hold non-empty strings"):
        parse_model({"name": "factor", "factors": ["SMB", 1]})


def test_an_unknown_model_is_named_before_its_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = {"date": "2025-01-27", "tickers": ["NVDA"]}
    with pytest.raises(SpecError, match="model.name: value 'shrunk_beta' is not valid; valid: "):
        parse_spec({"events": events, "model": {"name": "shrunk_beta", "weight": 0.5}})
    path = tmp_path / "study.toml"
    path.write_text(
        '[events]\ndate = 2025-01-27\ntickers = ["NVDA"]\n'
        '[model]\nname = "shrunk_beta"\nweight = 0.5\n',
        encoding="utf-8",
    )
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("eventstudy: bad spec: model.name: value 'shrunk_beta' is not valid")
    assert "valid: " + ", ".join(MODELS) in err and "weight" not in err


# ----------------------------------------------------------------------------- a test of one's own
def _mean_z(x: np.ndarray, alternative: str) -> Rows:
    """An extender's test: ``z = mean / (sd / sqrt(N))`` per column, on the normal."""
    n = np.isfinite(x).sum(0)
    mean = np.nanmean(x, 0)
    z = mean / (np.nanstd(x, 0, ddof=1) / np.sqrt(n))
    p = p_values(z, "normal", None, alternative)
    return Rows(mean, z, p, "normal", np.full(len(z), np.nan), n)


def _toy_daily(ctx: Any, alternative: str) -> Rows:
    return _mean_z(ctx.ar, alternative)


def _toy_window(ctx: Any, windows: list[tuple[int, int]], alternative: str) -> Rows:
    return _mean_z(np.column_stack([ctx.car(ctx.window_days(w))[0] for w in windows]), alternative)


TOY_TEST = TestSpec("toy_z", _toy_daily, _toy_window, naive=True, min_events=2)


@pytest.fixture
def toy_test() -> Iterator[TestSpec]:
    register(TOY_TEST)  # the one registry line, from user code
    yield TOY_TEST
    unregister(TOY_TEST.name)


def _hand_toy_z(ar: np.ndarray, rel: np.ndarray, window: tuple[int, int]) -> tuple[float, float]:
    """Loop transcription of the toy test on one CAR window: each event's CAR is the sum of
    its present ARs in the window; ``z = mean / (s / sqrt(N))``, ``p = erfc(|z| / sqrt 2)``."""
    cars = []
    for row in ar:
        days = [a for a, t in zip(row, rel, strict=True) if window[0] <= t <= window[1]]
        present = [a for a in days if not math.isnan(a)]
        if present:
            cars.append(sum(present))
    z = statistics.fmean(cars) / (statistics.stdev(cars) / math.sqrt(len(cars)))
    return statistics.fmean(cars), z


def test_a_test_of_ones_own_runs_through_the_public_api(toy_test: TestSpec) -> None:
    assert registered_tests()[-1] == "toy_z" and "toy_z" in inference.TEST_NAMES
    returns, events = _world()
    res = EventStudy(
        events, returns, model=models.MarketModel("MKT"), estimation_window=EST, event_window=EVT
    ).fit()
    rows = res.tests(["toy_z"], windows=[(0, 1)], daily=False)
    mean, z = _hand_toy_z(res.panel.ar, np.asarray(res.panel.evt_rel), (0, 1))
    assert rows["test"].tolist() == ["toy_z"]
    np.testing.assert_allclose(rows[["estimate", "statistic"]].iloc[0], [mean, z], rtol=1e-12)
    np.testing.assert_allclose(rows["p_value"].iloc[0], math.erfc(abs(z) / math.sqrt(2)))
    # the primary test and every "all" follow the live registry
    assert res.with_conventions(primary_test="toy_z").primary_test == "toy_z"
    assert "toy_z" in estimate_memory(100, 140, 11).tests
    assert "toy_z" in run_tests(res.panel, "all", daily=False)["test"].tolist()
    sim = inference.simulate(
        returns, "MKT", n_events=4, n_reps=2, abnormal=[0.0], levels=[0.05], seed=1,
        estimation=(-120, -11), progress=False,
    )  # fmt: skip
    assert set(sim["test"]) == set(registered_tests())


def test_a_test_of_ones_own_is_the_primary_test_of_a_toml_spec(
    toy_test: TestSpec, tmp_path: Path
) -> None:
    returns, _ = _world()
    returns = returns.fillna(0.0)  # prices without gaps
    prices = tmp_path / "prices"
    prices.mkdir()
    for ticker in returns.columns:
        close = 100.0 * (1.0 + returns[ticker]).cumprod()
        pd.DataFrame({"Date": SESSIONS.strftime("%Y-%m-%d"), "Adj Close": close.to_numpy()}).to_csv(
            prices / f"{ticker}.csv", index=False
        )
    path = tmp_path / "study.toml"
    path.write_text(
        "[events]\n"
        f"date = {SESSIONS[300].date()}\n"
        'tickers = ["F0", "F1", "F2", "F3"]\n'
        "[model]\n"
        'market = "MKT"\n'
        "[windows]\n"
        "estimation = [-150, -11]\n"
        "event = [-5, 5]\n"
        "car = [[0, 1]]\n"
        "[data]\n"
        'return_kind = "simple"\n'
        "[tests]\n"
        'names = ["toy_z", "cross_sectional_t"]\n'
        'primary = "toy_z"\n',
        encoding="utf-8",
    )
    res = es.run_spec(path, prices_dir=prices, offline=True)
    assert res.primary_test == "toy_z"
    rows = res.tests(["toy_z"], windows=[(0, 1)], daily=False)
    mean, z = _hand_toy_z(res.panel.ar, np.asarray(res.panel.evt_rel), (0, 1))
    np.testing.assert_allclose(rows[["estimate", "statistic"]].iloc[0], [mean, z], rtol=1e-12)
    assert "Primary test: toy_z" in res.summary(windows=[(0, 1)]).as_markdown()


# ----------------------------------------------------------------------------- re-registering
def _scaled_mean_test(scale: float) -> TestSpec:
    """A toy test whose estimate is ``scale`` x the mean (a new version changes the numbers)."""

    def rows(x: np.ndarray, alternative: str) -> Rows:
        n = np.isfinite(x).sum(0)
        mean = np.nanmean(x, 0) * scale
        z = mean / (np.nanstd(x, 0, ddof=1) / np.sqrt(n))
        p = p_values(z, "normal", None, alternative)
        return Rows(mean, z, p, "normal", np.full(len(z), np.nan), n)

    return TestSpec(
        "scaled_mean",
        daily=lambda ctx, alt: rows(ctx.ar, alt),
        window=lambda ctx, ws, alt: rows(
            np.column_stack([ctx.car(ctx.window_days(w))[0] for w in ws]), alt
        ),
        naive=True,
        min_events=2,
    )


def test_a_test_registered_again_gives_its_own_numbers_on_the_same_results() -> None:
    sim = simulated_study(models.MarketModel("MKT"))
    res = es.EventStudy(
        sim.events, sim.returns, model=models.MarketModel("MKT"), calendar=None
    ).fit()
    # by hand: the mean CAR over (0, 1) of the used events
    cols = (res.panel.evt_rel >= 0) & (res.panel.evt_rel <= 1)
    mean_car = float(np.mean(np.nansum(res.panel.ar[:, cols], axis=1)))
    before = set(res.tests(windows=[(0, 1)], daily=False)["test"])
    register(_scaled_mean_test(1.0))
    try:
        first = es.run_tests(res.panel, ["scaled_mean"], [(0, 1)], daily=False)["estimate"]
        assert first.iloc[0] == pytest.approx(mean_car, rel=1e-12)
        # res.tests() with every test now includes the new one (its memo was for the old set)
        assert set(res.tests(windows=[(0, 1)], daily=False)["test"]) == before | {"scaled_mean"}
        unregister("scaled_mean")
        register(_scaled_mean_test(100.0))  # a new version under the same name
        again = es.run_tests(res.panel, ["scaled_mean"], [(0, 1)], daily=False)["estimate"]
        assert again.iloc[0] == pytest.approx(100 * mean_car, rel=1e-12)
        shown = res.tests(["scaled_mean"], windows=[(0, 1)], daily=False)["estimate"]
        assert shown.iloc[0] == pytest.approx(100 * mean_car, rel=1e-12)
    finally:
        if "scaled_mean" in REGISTRY:
            unregister("scaled_mean")
    assert set(res.tests(windows=[(0, 1)], daily=False)["test"]) == before
