"""The portfolio test's sample rule, against statsmodels (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from eventstudy.exceptions import SpecError
from eventstudy.inference import portfolio_test
from eventstudy.inference._build import market_model_panel

EST = (-100, -11)
EVT = (-2, 2)
DAY0 = 150


def _returns(seed: int = 0, t_len: int = 200, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = rng.normal(0, 0.01, t_len)
    common = rng.normal(0, 0.01, t_len)
    r = 0.001 + m[:, None] * rng.uniform(0.5, 1.5, n) + common[:, None]
    return r + rng.normal(0, 0.01, (t_len, n)), m


def _dates(t_len: int) -> np.ndarray:
    return np.datetime64("2021-01-04", "ns") + np.arange(t_len) * np.timedelta64(1, "D")


def test_all_firms_each_day_is_ols_of_the_rebalanced_portfolio() -> None:
    r, m = _returns()
    r[: DAY0 + EST[0] + 30, 3] = np.nan  # firm 3 listed late: 30 estimation days missing
    firms = np.arange(5)
    p = market_model_panel(r, m, firms, np.full(5, DAY0), EST, EVT, dates=_dates(len(m)))
    common = portfolio_test(p, windows=[(0, 0), (-1, 1)]).set_index("window")
    every = portfolio_test(p, windows=[(0, 0), (-1, 1)], sample="all").set_index("window")
    assert (common["sample"] == "common").all() and (every["sample"] == "all").all()
    est = np.arange(DAY0 + EST[0], DAY0 + EST[1] + 1)
    rp = np.nanmean(r[:, firms], axis=1)  # the firms with data each day
    fit = sm.OLS(rp[est], sm.add_constant(m[est])).fit()
    assert fit.nobs == 90 and every.loc["[0, 0]", "df"] == fit.df_resid
    assert common.loc["[0, 0]", "df"] == 60 - 2  # only the days every firm has
    x0 = np.array([[1.0, m[DAY0]]])
    t0 = (rp[DAY0] - fit.predict(x0)[0]) / fit.get_prediction(x0).se_obs[0]
    assert every.loc["[0, 0]", "statistic"] == pytest.approx(t0, rel=1e-9)
    assert every.loc["[0, 0]", "p_value"] == pytest.approx(2 * stats.t.sf(abs(t0), 88), rel=1e-9)
    days = np.array([DAY0 - 1, DAY0, DAY0 + 1])
    xw = sm.add_constant(m[days])
    car = float((rp[days] - fit.predict(xw)).sum())
    cov = fit.scale * (np.eye(3) + xw @ fit.normalized_cov_params @ xw.T)
    assert every.loc["[-1, 1]", "estimate"] == pytest.approx(car, rel=1e-9)
    assert every.loc["[-1, 1]", "statistic"] == pytest.approx(car / np.sqrt(cov.sum()), rel=1e-9)


def test_balanced_panel_gives_the_same_portfolio_either_way() -> None:
    r, m = _returns(seed=2)
    p = market_model_panel(r, m, np.arange(5), np.full(5, DAY0), EST, EVT, dates=_dates(len(m)))
    a = portfolio_test(p, windows=[(0, 0), (-2, 2)])
    b = portfolio_test(p, windows=[(0, 0), (-2, 2)], sample="all")
    np.testing.assert_allclose(a["statistic"], b["statistic"], rtol=1e-10)
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-10)
    with pytest.raises(SpecError, match="sample='each'"):
        portfolio_test(p, sample="each")
