"""Single-firm t (CLM prediction-error variance), bootstrap CI of CAAR, pseudo-event test."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from eventstudy.engine.panel import EventPanel
from eventstudy.exceptions import InsufficientDataError, SpecError
from eventstudy.inference import bootstrap_caar, pseudo_event_test, single_firm_t
from eventstudy.inference._build import market_model_panel
from test_inference_parametric import _car_var_loop, _col, make_panel


@pytest.fixture(scope="module")
def panel() -> EventPanel:
    return make_panel(seed=2)


def test_single_firm_ar_t_equals_statsmodels_prediction(panel: EventPanel) -> None:
    res = single_firm_t(panel, windows=[(-1, 1)])
    i = 3
    use = ~np.isnan(panel.resid_est[i])
    m = panel.market_est[i, use]  # type: ignore[index]
    y = panel.resid_est[i, use] + panel.params[i, 0] + panel.params[i, 1] * m  # type: ignore[index]
    fit = sm.OLS(y, sm.add_constant(m)).fit()
    for rel in (-3, 0, 2):
        t = _col(rel)
        x0 = np.array([[1.0, panel.market_evt[i, t]]])  # type: ignore[index]
        se = fit.get_prediction(x0).se_obs[0]
        row = res[(res["event_id"] == panel.event_id[i]) & (res["rel_day"] == rel)].iloc[0]
        assert row["std_error"] == pytest.approx(se, rel=1e-10)
        assert row["statistic"] == pytest.approx(panel.ar[i, t] / se, rel=1e-10)
        assert row["df"] == fit.df_resid
    # CAR with the full covariance of the window's prediction errors
    for i in range(panel.n_events):
        cols = [_col(-1), _col(0), _col(1)]
        car = sum(panel.ar[i, t] for t in cols if not math.isnan(panel.ar[i, t]))
        se = math.sqrt(_car_var_loop(panel, i, cols))
        row = res[(res["event_id"] == panel.event_id[i]) & (res["window"] == "[-1, 1]")].iloc[0]
        assert row["estimate"] == pytest.approx(car, rel=1e-12)
        assert row["statistic"] == pytest.approx(car / se, rel=1e-10)
        assert row["p_value"] == pytest.approx(
            2 * stats.t.sf(abs(car / se), panel.dof[i]), rel=1e-9
        )


def test_bootstrap_caar_matches_explicit_resampling(panel: EventPanel) -> None:
    res = bootstrap_caar(panel, windows=[(0, 1)], n_boot=500, level=0.9, seed=7).iloc[0]
    car = np.nansum(panel.ar[:, [_col(0), _col(1)]], axis=1)
    rng = np.random.default_rng(7)
    idx = rng.integers(0, len(car), size=(500, len(car)))
    means = [sum(car[j] for j in row) / len(car) for row in idx]
    lo, hi = np.quantile(means, [0.05, 0.95])
    assert res["estimate"] == pytest.approx(car.mean())
    assert res["ci_low"] == pytest.approx(lo)
    assert res["ci_high"] == pytest.approx(hi)
    with pytest.raises(SpecError, match="level"):
        bootstrap_caar(panel, level=1.5)


def test_bootstrap_caar_on_one_event_is_a_row_with_a_reason(panel: EventPanel) -> None:
    one = panel.take(np.array([2]))
    rows = bootstrap_caar(one, windows=[(0, 1), (-1, 1)], n_boot=200, seed=1)
    assert list(rows["window"]) == ["[0, 1]", "[-1, 1]"]
    # the one event's CAR by hand; nothing to resample, so no interval
    car = np.nansum(panel.ar[2, [_col(0), _col(1)]])
    assert rows["estimate"].iloc[0] == pytest.approx(car, rel=1e-12)
    assert rows[["ci_low", "ci_high", "std_error"]].isna().all().all()
    assert (rows["n"] == 1).all()
    assert rows["reason"].str.contains("1 event").all()
    with pytest.raises(InsufficientDataError, match="at least 2"):
        bootstrap_caar(one, windows=[(0, 1)], n_boot=200, seed=1, strict=True)
    # a computed window's reason is empty
    assert (bootstrap_caar(panel, [(0, 1)], n_boot=200, seed=1)["reason"] == "").all()


def test_pseudo_event_test_by_rolling_windows() -> None:
    rng = np.random.default_rng(11)
    t_len = 300
    m = rng.normal(0, 0.01, t_len)
    r = (m * 1.2 + rng.normal(0, 0.01, t_len))[:, None]
    r[250, 0] -= 0.08  # a one-firm, one-day shock (think NVDA on 2025-01-27)
    p = market_model_panel(r, m, np.array([0]), np.array([250]), (-200, -11), (-2, 2))
    res = pseudo_event_test(p, windows=[(0, 0), (0, 1)])
    for (a, b), row in zip([(0, 0), (0, 1)], res.itertuples(), strict=True):
        length = b - a + 1
        e = p.resid_est[0]
        pseudo = [e[s : s + length].sum() for s in range(len(e) - length + 1)]
        car = p.ar[0, a + 2 : b + 3].sum()
        want = (1 + sum(abs(x) >= abs(car) for x in pseudo)) / (1 + len(pseudo))
        assert row.estimate == pytest.approx(car)
        assert row.n == len(pseudo)
        assert row.p_value == pytest.approx(want)
    assert res.iloc[0]["p_value"] == pytest.approx(1 / 191)  # more extreme than all 190 days
    less = pseudo_event_test(p, windows=[(0, 0)], alternative="less").iloc[0]
    assert less["p_value"] == pytest.approx(1 / 191)
    greater = pseudo_event_test(p, windows=[(0, 0)], alternative="greater").iloc[0]
    assert greater["p_value"] == pytest.approx(1.0)
