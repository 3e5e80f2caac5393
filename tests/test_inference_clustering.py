"""Clustered event dates: diagnostic, portfolio approach, SUR Wald vs a stacked regression."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from eventstudy.engine.panel import EventPanel
from eventstudy.exceptions import InsufficientDataError, SpecError
from eventstudy.inference import clustering, portfolio_test, run_tests, sur_wald_test
from eventstudy.inference._build import market_model_panel

EST = (-100, -11)
EVT = (-2, 2)


def returns(seed: int = 0, t_len: int = 200, n_firms: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = rng.normal(0, 0.01, t_len)
    common = rng.normal(0, 0.01, t_len)  # industry factor: cross-correlated residuals
    r = 0.001 + m[:, None] * rng.uniform(0.5, 1.5, n_firms) + common[:, None]
    r = r + rng.normal(0, 0.01, (t_len, n_firms))
    return r, m


def dates(t_len: int) -> np.ndarray:
    return np.datetime64("2021-01-04", "ns") + np.arange(t_len) * np.timedelta64(1, "D")


def panel_at(
    day0: list[int], firms: list[int], seed: int = 0
) -> tuple[EventPanel, np.ndarray, np.ndarray]:
    r, m = returns(seed)
    p = market_model_panel(r, m, np.array(firms), np.array(day0), EST, EVT, dates=dates(len(m)))
    return p, r, m


def test_clustering_diagnostic_by_hand() -> None:
    p, _, _ = panel_at([150, 150, 150, 120, 160, 190], [0, 1, 2, 3, 4, 0])
    diag = clustering(p).iloc[0]
    assert diag["n_events"] == 6
    assert diag["n_dates"] == 4  # 150, 120, 160, 190
    assert diag["largest_cluster"] == 3
    assert diag["share_clustered"] == pytest.approx(3 / 6)
    # windows [-2, 2]: 150 overlaps 150 (x3); 120, 160 and 190 overlap nothing within 4 days
    assert diag["share_overlapping"] == pytest.approx(3 / 6)
    assert diag["clustered"]
    apart, _, _ = panel_at([110, 130, 150], [0, 1, 2])
    assert not clustering(apart).iloc[0]["clustered"]
    assert not run_tests(apart, tests=["patell"])["clustered"].any()
    flagged = run_tests(p, tests=["patell", "kolari_pynnonen"])
    assert flagged.loc[flagged["test"] == "patell", "clustered"].all()
    assert not flagged.loc[flagged["test"] == "kolari_pynnonen", "clustered"].any()


def test_portfolio_equals_regression_of_portfolio_return() -> None:
    firms = [0, 1, 2, 3, 4]
    p, r, m = panel_at([150] * 5, firms)
    res = portfolio_test(p, windows=[(0, 0), (-1, 1)])
    # independent: OLS of the equally weighted portfolio return on the market
    rp = r[:, firms].mean(axis=1)
    est = np.arange(150 + EST[0], 150 + EST[1] + 1)
    fit = sm.OLS(rp[est], sm.add_constant(m[est])).fit()
    x0 = np.array([[1.0, m[150]]])
    ar0 = rp[150] - fit.predict(x0)[0]
    t0 = ar0 / fit.get_prediction(x0).se_obs[0]
    row = res[res["window"] == "[0, 0]"].iloc[0]
    assert row["estimate"] == pytest.approx(ar0, rel=1e-10)
    assert row["statistic"] == pytest.approx(t0, rel=1e-10)
    assert row["df"] == fit.df_resid
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t0), fit.df_resid), rel=1e-9)
    # window [-1, 1]: Var(CAR) = sigma^2 g'(I + X_w (X'X)^-1 X_w') g
    days = np.array([149, 150, 151])
    xw = sm.add_constant(m[days])
    car = (rp[days] - fit.predict(xw)).sum()
    cov = fit.scale * (np.eye(3) + xw @ fit.normalized_cov_params @ xw.T)
    row = res[res["window"] == "[-1, 1]"].iloc[0]
    assert row["statistic"] == pytest.approx(car / np.sqrt(cov.sum()), rel=1e-10)


def _stacked_wald(
    r: np.ndarray, m: np.ndarray, firms: list[int], day0: int, drop: int | None = None
) -> tuple[float, float]:
    """Explicit stacked system with an event-day dummy: Wald all-zero and average-zero."""
    est = [d for d in range(day0 + EST[0], day0 + EST[1] + 1) if d != drop]
    rows = np.r_[est, day0]
    z = np.column_stack([np.ones(len(rows)), m[rows], (rows == day0).astype(float)])
    n = len(firms)
    gammas, resid = [], []
    for f in firms:
        fit = sm.OLS(r[rows, f], z).fit()
        gammas.append(fit.params[2])
        resid.append(fit.resid[:-1])  # the event-day residual is exactly zero
    e = np.array(resid)
    sigma = e @ e.T / (len(rows) - z.shape[1])  # (L + 1) - (k + 1) = L - k
    cov_b = np.kron(sigma, np.linalg.inv(z.T @ z))  # Cov(vec B) for identical regressors
    sel = np.zeros((n, 3 * n))
    for i in range(n):
        sel[i, 3 * i + 2] = 1.0
    g = np.array(gammas)
    v = sel @ cov_b @ sel.T
    w_all = g @ np.linalg.inv(v) @ g
    one = np.ones((1, n))
    w_avg = float(((one @ g) ** 2 / (one @ v @ one.T)).item())
    return float(w_all), w_avg


def test_sur_wald_equals_stacked_regression() -> None:
    firms = [0, 1, 2, 3, 4]
    p, r, m = panel_at([150] * 5, firms)
    res = sur_wald_test(p)
    w_all, w_avg = _stacked_wald(r, m, firms, 150)
    row_all = res[res["hypothesis"] == "all zero"].iloc[0]
    row_avg = res[res["hypothesis"] == "average zero"].iloc[0]
    assert row_all["statistic"] == pytest.approx(w_all, rel=1e-9)
    assert row_all["df"] == 5
    # exact reference (default): Hotelling's T^2 with nu = L - k = 88 residual df
    nu = (EST[1] - EST[0] + 1) - 2
    f_all = w_all * (nu - 5 + 1) / (nu * 5)
    assert row_all["distribution"] == "F" and row_all["df2"] == nu - 5 + 1
    assert row_all["p_value"] == pytest.approx(stats.f.sf(f_all, 5, nu - 4), rel=1e-9)
    assert row_avg["statistic"] == pytest.approx(w_avg, rel=1e-9)
    assert row_avg["df"] == 1
    # the average-zero test is the portfolio t: its p-value is the two-sided t(nu) one
    port = portfolio_test(p).iloc[0]
    assert port["statistic"] ** 2 == pytest.approx(w_avg, rel=1e-9)
    assert port["df"] == nu
    assert row_avg["p_value"] == pytest.approx(port["p_value"], rel=1e-9)
    assert row_avg["p_value"] == pytest.approx(2 * stats.t.sf(np.sqrt(w_avg), nu), rel=1e-9)
    # the large-sample option
    chi = sur_wald_test(p, reference="chi2")
    assert (chi["distribution"] == "chi2").all()
    assert chi.iloc[0]["p_value"] == pytest.approx(stats.chi2.sf(w_all, 5), rel=1e-9)
    assert chi.iloc[1]["p_value"] == pytest.approx(stats.chi2.sf(w_avg, 1), rel=1e-9)
    with pytest.raises(SpecError, match="reference='z'"):
        sur_wald_test(p, reference="z")
    # the dummy coefficient is the prediction error: its mean is the AAR of day 0
    assert row_avg["estimate"] == pytest.approx(np.nanmean(p.ar[:, 2]))


def test_unbalanced_market_model_is_refit_on_common_days() -> None:
    r, m = returns()
    firms = [0, 1, 2, 3, 4]
    r[120, 1] = np.nan  # firm 1 loses one estimation day: regressors no longer identical
    p = market_model_panel(r, m, np.array(firms), np.full(5, 150), EST, EVT, dates=dates(len(m)))
    res = portfolio_test(p).iloc[0]
    assert res["refit"]
    est = np.array([d for d in range(150 + EST[0], 150 + EST[1] + 1) if d != 120])
    rp = r[:, firms].mean(axis=1)
    fit = sm.OLS(rp[est], sm.add_constant(m[est])).fit()
    x0 = np.array([[1.0, m[150]]])
    t0 = (rp[150] - fit.predict(x0)[0]) / fit.get_prediction(x0).se_obs[0]
    assert res["statistic"] == pytest.approx(t0, rel=1e-9)
    assert res["df"] == fit.df_resid
    # SUR on the common days equals the stacked regression without day 120
    r2 = r.copy()
    r2[120, :] = np.nan
    w_all, _ = _stacked_wald(np.nan_to_num(r2), m, firms, 150, drop=120)
    sur = sur_wald_test(p)
    assert sur.iloc[0]["statistic"] == pytest.approx(w_all, rel=1e-9)
    assert sur["refit"].all()


def test_remedies_reject_unequal_markets_and_short_windows() -> None:
    r, m = returns()
    p = market_model_panel(r, m, np.arange(5), np.full(5, 150), EST, EVT, dates=dates(len(m)))
    other = p.market_evt.copy()  # type: ignore[union-attr]
    other[1] += 0.001  # one firm benchmarked against another market
    x_evt = p.x_evt.copy()  # type: ignore[union-attr]
    x_evt[1, :, 1] = other[1]
    xtx = p.xtx_inv.copy()  # type: ignore[union-attr]
    xtx[1] *= 1.01
    bad = replace(p, market_evt=other, x_evt=x_evt, xtx_inv=xtx)
    with pytest.raises(SpecError, match="identical regressors"):
        portfolio_test(bad)
    with pytest.raises(SpecError, match="identical regressors"):
        sur_wald_test(bad)
    r, m = returns(t_len=200, n_firms=12)
    short = market_model_panel(r, m, np.arange(12), np.full(12, 150), (-12, -3), EVT)
    with pytest.raises(InsufficientDataError, match="common estimation days"):
        sur_wald_test(short, strict=True)
    ok, _, _ = panel_at([150] * 5, [0, 1, 2, 3, 4])
    with pytest.raises(SpecError, match="outside the event window"):
        sur_wald_test(ok, window=(0, 5))


def test_a_date_the_remedies_cannot_test_is_a_row_with_a_reason() -> None:
    """Not applicable is a row (NaN numbers, a reason), not an error for the whole panel;
    ``strict=True`` raises instead."""
    # 90 firms on day 150 have 90 common estimation days: L - k = 88 <= N, no SUR test;
    # 5 firms on day 170 are tested as if alone
    r, m = returns(t_len=260, n_firms=95)
    small = list(range(90, 95))
    day0 = np.array([150] * 90 + [170] * 5)
    p = market_model_panel(r, m, np.arange(95), day0, EST, EVT, dates=dates(len(m)))
    sur = sur_wald_test(p)
    assert list(sur.columns[-1:]) == ["reason"]
    na = sur[sur["date"] == dates(len(m))[150]]
    assert len(na) == 2 and na[["estimate", "statistic", "p_value"]].isna().all().all()
    assert na["reason"].str.contains("2021-06-03 needs more common estimation days").all()
    assert (na["n"] == 90).all() and (na["stars"] == "").all()
    ok = sur[sur["date"] == dates(len(m))[170]]
    w_all, w_avg = _stacked_wald(r, m, small, 170)
    assert ok["statistic"].tolist() == pytest.approx([w_all, w_avg], rel=1e-9)
    assert (ok["reason"] == "").all() and ok["p_value"].notna().all()
    with pytest.raises(InsufficientDataError, match="2021-06-03"):
        sur_wald_test(p, strict=True)

    # no firm of the date has an AR on day 1: that window's row says so, day 0 is tested
    firms = [0, 1, 2, 3, 4]
    p, r, m = panel_at([150] * 5, firms)
    r[151, firms] = np.nan
    gap = market_model_panel(r, m, np.array(firms), np.full(5, 150), EST, EVT, dates=dates(200))
    port = portfolio_test(gap, windows=[(0, 0), (1, 1)])
    assert port.iloc[0][["estimate", "statistic", "df"]].tolist() == pytest.approx(
        portfolio_test(p, windows=[(0, 0)]).iloc[0][["estimate", "statistic", "df"]].tolist()
    )
    assert port.iloc[0]["reason"] == ""
    row = port.iloc[1]
    assert np.isnan(row["estimate"]) and np.isnan(row["p_value"]) and row["stars"] == ""
    assert row["reason"] == "no firm of 2021-06-03 has an abnormal return in [1, 1]"
    with pytest.raises(InsufficientDataError, match=r"abnormal return in \[1, 1\]"):
        portfolio_test(gap, windows=[(1, 1)], strict=True)
    # the SUR test needs every firm's AR on the window days
    sur = sur_wald_test(gap, window=(1, 1))
    assert sur["statistic"].isna().all()
    assert (
        sur["reason"] == "the SUR Wald test on 2021-06-03 needs every firm's AR on [1, 1]"
    ).all()
