"""Intervals on car()/caar(), single-event test lists, extra event columns and by= (issue 15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import eventstudy as es
from eventstudy.inference import run_tests


def _simulate(n: int = 8, t_len: int = 600, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-05", periods=t_len, name="date")
    m = rng.normal(0.0003, 0.01, t_len)
    r = 0.0002 + m[:, None] * rng.uniform(0.5, 1.5, n) + rng.normal(0, 0.015, (t_len, n))
    firms = [f"F{i}" for i in range(n)]
    returns = pd.DataFrame(r, index=dates, columns=firms).assign(MKT=m)
    day0 = 300 + 25 * np.arange(n)  # staggered, windows [-5, 5] apart
    events = pd.DataFrame(
        {
            "ticker": firms,
            "date": dates[day0],
            "surprise": np.linspace(-1.0, 1.0, n),
            "size": ["big", "small"] * (n // 2),
        }
    )
    return returns, events


def _fit(returns: pd.DataFrame, events: pd.DataFrame) -> es.EventStudyResults:
    return es.EventStudy(
        events, returns, model=es.MarketModel("MKT"), calendar=None, event_window=(-5, 5)
    ).fit()


def test_car_interval_is_t_with_the_events_residual_df() -> None:
    returns, events = _simulate()
    res = _fit(returns, events)
    car = res.car((-1, 1), level=0.90)
    # event 0 by hand: statsmodels' residual df on the estimation window -250..-11
    p0 = int(np.flatnonzero(returns.index == events["date"].iloc[0])[0])
    est = returns.iloc[p0 - 250 : p0 - 10]
    fit = sm.OLS(est["F0"], sm.add_constant(est["MKT"])).fit()
    q = stats.t.ppf(0.95, fit.df_resid)
    row = car.iloc[0]
    assert row["lower"] == pytest.approx(row["car"] - q * row["se_car"], rel=1e-12)
    assert row["upper"] == pytest.approx(row["car"] + q * row["se_car"], rel=1e-12)
    assert "lower" not in res.car((-1, 1)).columns  # no level: today's frame


def test_caar_interval_is_the_cross_sectional_band_for_independent_events() -> None:
    returns, events = _simulate()
    res = _fit(returns, events)
    caar = res.caar((0, 3), level=0.95)
    assert (caar["band"] == "cross_sectional").all()
    for k, day in enumerate(range(0, 4)):
        cars = res.car((0, day))["car"].to_numpy()
        se = cars.std(ddof=1) / np.sqrt(len(cars))
        assert caar["se"].iloc[k] == pytest.approx(se, rel=1e-10)
        assert caar["lower"].iloc[k] == pytest.approx(cars.mean() - 1.959963984540054 * se)
        assert caar["upper"].iloc[k] == pytest.approx(cars.mean() + 1.959963984540054 * se)


def test_single_event_lists_only_tests_meaningful_for_one_event() -> None:
    returns, events = _simulate()
    one = _fit(returns, events.iloc[:1])
    names = set(run_tests(one.panel, windows=[(0, 0)], daily=False)["test"])
    assert not names & {"sign", "generalized_sign", "wilcoxon", "cross_sectional_t", "bmp"}
    assert {"patell", "brown_warner_1980", "corrado_rank"} <= names
    text = one.summary(windows=[(0, 0)])
    first_words = {line.split()[0] for line in text.splitlines() if line.strip()}
    assert not first_words & {"sign", "generalized_sign", "wilcoxon"}
    assert {"patell", "corrado_rank"} <= first_words  # the tests table is there


def test_extra_event_columns_are_carried_and_by_takes_any_of_them() -> None:
    returns, events = _simulate()
    res = _fit(returns, events)
    car = res.car((0, 0)).set_index("event_id")
    for col in ("surprise", "size"):
        assert col in car.columns
    ids = res.status["event_id"].to_numpy()
    np.testing.assert_allclose(car.loc[ids, "surprise"].to_numpy(), events["surprise"].to_numpy())
    assert "size" in res.bhar((0, 1)).columns
    by_size = res.tests(tests=["patell"], windows=[(0, 1)], daily=False, by="size")
    assert list(by_size.columns[:1]) == ["size"]
    for label in ("big", "small"):  # the same test on a study of that subset alone
        alone = _fit(returns, events[events["size"] == label].reset_index(drop=True))
        ref = alone.tests(tests=["patell"], windows=[(0, 1)], daily=False)
        got = by_size[by_size["size"] == label]
        assert got["statistic"].iloc[0] == pytest.approx(ref["statistic"].iloc[0], rel=1e-12)
    with pytest.raises(es.SpecError, match="by='colour' is not a column"):
        res.tests(tests=["patell"], by="colour")
