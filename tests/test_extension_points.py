"""Extension points are declared once (issue 12).

A normal-return model is one class plus one registry line: the toy model below is defined
here, registered with one line, run from the API and from a TOML spec, and passes
``check_model``. The spec's model keys and options come from the model classes (GARCH ``dist``,
``FactorModel(factors=...)``, Dimson ``lags``), and the test names from the one test registry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from eventstudy import models
from eventstudy.calendar import trading_sessions
from eventstudy.exceptions import SpecError
from eventstudy.inference import TEST_NAMES, run_tests
from eventstudy.inference._registry import REGISTRY
from eventstudy.models import MODELS, Design, ModelData, NormalReturnModel, register_model
from eventstudy.spec import FACTOR_DATASETS, available_tests, load_spec, parse_model, parse_spec
from eventstudy.study import EventStudy
from eventstudy.testing import check_model

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
