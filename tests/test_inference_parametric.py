"""Parametric tests against direct transcriptions of the papers' formulas (explicit loops)."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from eventstudy.engine.panel import EventPanel
from eventstudy.exceptions import InsufficientDataError, SpecError
from eventstudy.inference import (
    TEST_NAMES,
    Conventions,
    boehmer_musumeci_poulsen,
    brown_warner_1980,
    brown_warner_1985,
    cross_sectional_t,
    kolari_pynnonen,
    lamb,
    patell,
    residual_correlation,
    run_tests,
)
from eventstudy.inference._build import market_model_panel

L1 = (-120, -11)
L2 = (-3, 3)


def _market_model_returns(
    rng: np.random.Generator, t_len: int, n_firms: int
) -> tuple[np.ndarray, np.ndarray]:
    """Market returns and firm returns ``0.0002 + beta_i m_t + sigma_i e_it`` (same draws, in
    the same order, as the panels have always used)."""
    m = rng.normal(0.0003, 0.01, t_len)
    beta = rng.uniform(0.5, 1.5, n_firms)
    vol = rng.uniform(0.01, 0.03, n_firms)
    return m, 0.0002 + m[:, None] * beta + rng.normal(0, 1, (t_len, n_firms)) * vol


def make_panel(
    seed: int = 0, n_firms: int = 7, shared: bool = False, holes: bool = True
) -> EventPanel:
    """Simulated market-model panel (staggered or shared day 0) with missing returns."""
    rng = np.random.default_rng(seed)
    t_len = 320
    m, r = _market_model_returns(rng, t_len, n_firms)
    day0 = np.full(n_firms, 250) if shared else rng.integers(200, 310, n_firms)
    if holes:
        r[rng.integers(100, 190, 12), rng.integers(0, n_firms, 12)] = np.nan
        r[day0[0] + 1, 0] = np.nan  # a missing event-window return
        r[day0[1] - 2, 1] = np.nan
    r[day0, np.arange(n_firms)] += 0.01  # some signal on day 0
    dates = np.datetime64("2020-01-01", "ns") + np.arange(t_len) * np.timedelta64(1, "D")
    return market_model_panel(r, m, np.arange(n_firms), day0, L1, L2, dates=dates)


@pytest.fixture(scope="module")
def panel() -> EventPanel:
    return make_panel()


def _col(rel: int) -> int:
    return rel - L2[0]


def _pe_factor_loop(p: EventPanel, i: int, t: int) -> float:
    """1 + x_t'(X'X)^{-1}x_t rebuilt from the estimation regressors of event i."""
    use = ~np.isnan(p.resid_est[i])
    x = np.column_stack([np.ones(use.sum()), p.market_est[i, use]])  # type: ignore[index]
    xt = np.array([1.0, p.market_evt[i, t]])  # type: ignore[index]
    return float(1 + xt @ np.linalg.inv(x.T @ x) @ xt)


def _daily(df: pd.DataFrame, rel: int) -> pd.Series:
    return df[df["rel_day"] == rel].iloc[0]


def test_builder_matches_statsmodels(panel: EventPanel) -> None:
    i = 2
    use = ~np.isnan(panel.resid_est[i])
    y = panel.resid_est[i, use] + panel.params[i, 0] + panel.params[i, 1] * panel.market_est[i, use]  # type: ignore[index]
    fit = sm.OLS(y, sm.add_constant(panel.market_est[i, use])).fit()  # type: ignore[index]
    np.testing.assert_allclose(fit.params, panel.params[i], rtol=1e-10)  # type: ignore[index]
    np.testing.assert_allclose(fit.scale, panel.sigma2[i], rtol=1e-10)
    # prediction-error variance of an out-of-sample AR = statsmodels' se_obs^2
    xt = np.array([[1.0, panel.market_evt[i, 3]]])  # type: ignore[index]
    se_obs = fit.get_prediction(xt).se_obs[0]
    np.testing.assert_allclose(
        se_obs**2, panel.sigma2[i] * _pe_factor_loop(panel, i, 3), rtol=1e-10
    )


def test_brown_warner_1980_daily_and_car(panel: EventPanel) -> None:
    res = brown_warner_1980(panel, windows=[(-1, 1)])
    for rel in range(L2[0], L2[1] + 1):
        t = _col(rel)
        ars = [panel.ar[i, t] for i in range(panel.n_events) if not math.isnan(panel.ar[i, t])]
        s2 = [panel.sigma2[i] for i in range(panel.n_events) if not math.isnan(panel.ar[i, t])]
        aar = sum(ars) / len(ars)
        stat = aar / (math.sqrt(sum(s2)) / len(ars))
        row = _daily(res, rel)
        assert row["statistic"] == pytest.approx(stat, rel=1e-12)
        assert row["estimate"] == pytest.approx(aar, rel=1e-12)
        df = float(np.mean(panel.dof))
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(stat), df), rel=1e-10)
    # CAR over [-1, 1]: CAAR = sum of AARs, Var = sum of Var(AAR_t)
    caar, var = 0.0, 0.0
    for t in (_col(-1), _col(0), _col(1)):
        present = [i for i in range(panel.n_events) if not math.isnan(panel.ar[i, t])]
        caar += sum(panel.ar[i, t] for i in present) / len(present)
        var += sum(panel.sigma2[i] for i in present) / len(present) ** 2
    row = res[res["window"] == "[-1, 1]"].iloc[0]
    assert row["estimate"] == pytest.approx(caar, rel=1e-12)
    assert row["statistic"] == pytest.approx(caar / math.sqrt(var), rel=1e-12)


def test_brown_warner_1985_crude_dependence(panel: EventPanel) -> None:
    res = brown_warner_1985(panel, windows=[(0, 2)])
    aar_est = []
    for u in range(panel.resid_est.shape[1]):
        vals = [
            panel.resid_est[i, u]
            for i in range(panel.n_events)
            if not math.isnan(panel.resid_est[i, u])
        ]
        aar_est.append(sum(vals) / len(vals))
    big_t = len(aar_est)
    mean = sum(aar_est) / big_t
    sd = math.sqrt(sum((a - mean) ** 2 for a in aar_est) / (big_t - 1))
    row = _daily(res, 0)
    assert row["statistic"] == pytest.approx(row["estimate"] / sd, rel=1e-12)
    assert row["df"] == big_t - 1
    caar = sum(np.nanmean(panel.ar[:, _col(r)]) for r in (0, 1, 2))
    win = res[res["window"] == "[0, 2]"].iloc[0]
    assert win["statistic"] == pytest.approx(caar / (sd * math.sqrt(3)), rel=1e-12)


def test_cross_sectional_t_equals_scipy(panel: EventPanel) -> None:
    res = cross_sectional_t(panel, windows=[(-3, 3)])
    for rel in range(L2[0], L2[1] + 1):
        x = panel.ar[:, _col(rel)]
        ref = stats.ttest_1samp(x[~np.isnan(x)], 0.0)
        row = _daily(res, rel)
        assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
        assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
        assert row["df"] == (~np.isnan(x)).sum() - 1
    car = np.nansum(panel.ar, axis=1)
    ref = stats.ttest_1samp(car, 0.0)
    assert res.iloc[-1]["statistic"] == pytest.approx(ref.statistic, rel=1e-12)


def _sar_loop(p: EventPanel, t: int) -> list[float]:
    out = []
    for i in range(p.n_events):
        if not math.isnan(p.ar[i, t]):
            out.append(p.ar[i, t] / math.sqrt(p.sigma2[i] * _pe_factor_loop(p, i, t)))
    return out


def test_patell_transcription(panel: EventPanel) -> None:
    res = patell(panel)
    for rel in (-2, 0, 1):
        t = _col(rel)
        present = [i for i in range(panel.n_events) if not math.isnan(panel.ar[i, t])]
        sar = _sar_loop(panel, t)
        denom = math.sqrt(sum((panel.dof[i]) / (panel.dof[i] - 2) for i in present))
        z = sum(sar) / denom
        row = _daily(res, rel)
        assert row["statistic"] == pytest.approx(z, rel=1e-12)
        assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-10)


def test_bmp_equals_t_of_sars(panel: EventPanel) -> None:
    res = boehmer_musumeci_poulsen(panel)
    for rel in (-1, 0, 2):
        ref = stats.ttest_1samp(_sar_loop(panel, _col(rel)), 0.0)
        row = _daily(res, rel)
        assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
        assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)


def _car_var_loop(p: EventPanel, i: int, cols: list[int]) -> float:
    """sigma^2 g'(I + X_w (X'X)^{-1} X_w')g over the available window days."""
    use = ~np.isnan(p.resid_est[i])
    x = np.column_stack([np.ones(use.sum()), p.market_est[i, use]])  # type: ignore[index]
    days = [t for t in cols if not math.isnan(p.ar[i, t])]
    xw = np.column_stack([np.ones(len(days)), p.market_evt[i, days]])  # type: ignore[index]
    cov = p.sigma2[i] * (np.eye(len(days)) + xw @ np.linalg.inv(x.T @ x) @ xw.T)
    return float(cov.sum())


def test_bmp_and_patell_car_use_full_covariance(panel: EventPanel) -> None:
    cols = [_col(r) for r in (-1, 0, 1)]
    scar = []
    for i in range(panel.n_events):
        car = sum(panel.ar[i, t] for t in cols if not math.isnan(panel.ar[i, t]))
        scar.append(car / math.sqrt(_car_var_loop(panel, i, cols)))
    bmp = boehmer_musumeci_poulsen(panel, windows=[(-1, 1)], daily=False).iloc[0]
    assert bmp["statistic"] == pytest.approx(stats.ttest_1samp(scar, 0.0).statistic, rel=1e-12)
    pat = patell(panel, windows=[(-1, 1)], daily=False).iloc[0]
    denom = math.sqrt(sum(d / (d - 2) for d in panel.dof))
    assert pat["statistic"] == pytest.approx(sum(scar) / denom, rel=1e-12)


def _rbar_loop(p: EventPanel, min_common: int = 30) -> float:
    """Average pairwise correlation of estimation residuals on common dates (pandas corr)."""
    series = [pd.Series(p.resid_est[i], index=p.est_dates[i]).dropna() for i in range(p.n_events)]
    total, pairs = 0.0, 0
    for i in range(p.n_events):
        for j in range(i + 1, p.n_events):
            pairs += 1
            share = len(set(p.evt_dates[i]) & set(p.evt_dates[j])) > 0
            both = pd.concat([series[i], series[j]], axis=1, join="inner")
            if share and len(both) >= min_common:
                total += both.corr().iloc[0, 1]
    return total / pairs


def _kp_rbar_loop(
    p: EventPanel, cols: list[int], present: np.ndarray, min_common: int = 30
) -> float:
    """Average over pairs of present events of r_ij * S_ij / sqrt(L_i L_j): S_ij the sessions
    the two windows (columns ``cols``) share, L_i the sessions of i's window (pandas corr)."""
    series = [pd.Series(p.resid_est[i], index=p.est_dates[i]).dropna() for i in range(p.n_events)]
    window = [
        {d for d in np.asarray(p.evt_dates[i])[cols] if not pd.isna(d)} for i in range(p.n_events)
    ]
    idx = [i for i in range(p.n_events) if present[i]]
    total, pairs = 0.0, 0
    for a, i in enumerate(idx):
        for j in idx[a + 1 :]:
            pairs += 1
            both = pd.concat([series[i], series[j]], axis=1, join="inner")
            shared = len(window[i] & window[j])
            if shared and len(both) >= min_common:
                weight = shared / math.sqrt(len(window[i]) * len(window[j]))
                total += both.corr().iloc[0, 1] * weight
    return total / pairs


def _kp_factor(rbar: float, n: int) -> float:
    return math.sqrt((1 - rbar) / (1 + (n - 1) * rbar))


@pytest.mark.parametrize("shared", [True, False])
def test_kolari_pynnonen_rbar_and_adjustment(shared: bool) -> None:
    p = make_panel(seed=3, shared=shared)
    # inject a common shock so residuals are correlated
    rng = np.random.default_rng(9)
    common = rng.normal(0, 0.02, p.resid_est.shape[1])
    p = replace(p, resid_est=p.resid_est + common[None, :])
    if shared:
        assert residual_correlation(p).rbar == pytest.approx(_rbar_loop(p), rel=1e-10)
        assert residual_correlation(p).rbar > 0.2
    kp = kolari_pynnonen(p, windows=[(-1, 1), (-3, 3)])
    bmp = boehmer_musumeci_poulsen(p, windows=[(-1, 1), (-3, 3)])
    for rel in (0, 1):
        present = ~np.isnan(p.ar[:, _col(rel)])
        rbar = _kp_rbar_loop(p, [_col(rel)], present)
        n = int(_daily(bmp, rel)["n"])
        assert n == present.sum()
        expected = _daily(bmp, rel)["statistic"] * _kp_factor(rbar, n)
        assert _daily(kp, rel)["statistic"] == pytest.approx(expected, rel=1e-10)
    for a, b in ((-1, 1), (-3, 3)):
        cols = [_col(t) for t in range(a, b + 1)]
        present = ~np.isnan(p.ar[:, cols]).all(axis=1)
        rbar = _kp_rbar_loop(p, cols, present)
        label = f"[{a}, {b}]"
        got, base = kp[kp["window"] == label].iloc[0], bmp[bmp["window"] == label].iloc[0]
        assert got["statistic"] == pytest.approx(
            base["statistic"] * _kp_factor(rbar, int(base["n"])), rel=1e-10
        )
        if shared:  # one shared day 0: every pair shares every session, the paper's r_bar
            assert present.all() and rbar == pytest.approx(_rbar_loop(p), rel=1e-10)


def test_kolari_pynnonen_staggered_pairs_without_overlap_count_as_zero(panel: EventPanel) -> None:
    assert residual_correlation(panel).rbar == pytest.approx(_rbar_loop(panel), abs=1e-12)


@pytest.mark.slow
def test_kolari_pynnonen_keeps_its_size_on_staggered_dates() -> None:
    """Day 0 on ten different dates, two sessions apart (windows overlap) and a strong common
    factor: the day-0 ARs are uncorrelated, so KP must reject about as often as BMP (5%) -
    weighting r_ij by all overlapping windows instead would drive KP's size to ~0."""
    rng = np.random.default_rng(1)
    t_len, n_firms, reps = 400, 10, 400
    dates = np.datetime64("2020-01-01", "ns") + np.arange(t_len) * np.timedelta64(1, "D")
    day0 = 300 + 2 * np.arange(n_firms)
    rejections = {"bmp": 0, "kp": 0}
    for _ in range(reps):
        m, common = rng.normal(0, 0.01, t_len), rng.normal(0, 0.02, t_len)
        r = m[:, None] + 1.5 * common[:, None] + rng.normal(0, 0.02, (t_len, n_firms))
        p = market_model_panel(r, m, np.arange(n_firms), day0, (-150, -11), (-3, 3), dates=dates)
        for name, test in (("bmp", boehmer_musumeci_poulsen), ("kp", kolari_pynnonen)):
            rejections[name] += bool(_daily(test(p), 0)["p_value"] < 0.05)
    low, high = stats.binom.ppf([0.005, 0.995], reps, 0.05) / reps  # the 99% band around 5%
    for name, count in rejections.items():
        assert low <= count / reps <= high, (name, count / reps)


def test_lamb_transcription(panel: EventPanel) -> None:
    res = lamb(panel, windows=[(0, 1)])
    sd = math.sqrt(np.var(np.nanmean(panel.resid_est, axis=0), ddof=1))
    lbar = float(np.mean(panel.nobs))

    def factor(t: int) -> float:
        terms = []
        for i in range(panel.n_events):
            m = panel.market_est[i][~np.isnan(panel.market_est[i])]  # type: ignore[index]
            terms.append((panel.market_evt[i, t] - m.mean()) ** 2 / ((m - m.mean()) ** 2).sum())  # type: ignore[index]
        return 1 + 1 / lbar + sum(terms) / len(terms)

    row = _daily(res, 0)
    assert row["statistic"] == pytest.approx(row["estimate"] / (sd * math.sqrt(factor(_col(0)))))
    caar = np.nanmean(panel.ar[:, _col(0)]) + np.nanmean(panel.ar[:, _col(1)])
    win = res[res["window"] == "[0, 1]"].iloc[0]
    assert win["statistic"] == pytest.approx(caar / (sd * math.sqrt(factor(3) + factor(4))))


def test_one_sided_p_values(panel: EventPanel) -> None:
    two = patell(panel)
    less = patell(panel, alternative="less")
    greater = patell(panel, alternative="greater")
    np.testing.assert_allclose(less["p_value"] + greater["p_value"], 1.0)
    np.testing.assert_allclose(two["p_value"], 2 * np.minimum(less["p_value"], greater["p_value"]))
    assert (greater["alternative"] == "greater").all()


def test_run_tests_tidy_output(panel: EventPanel) -> None:
    res = run_tests(panel, windows=[(-1, 1), (0, 0)])
    assert set(res["test"]) == set(TEST_NAMES)
    assert len(res) == len(TEST_NAMES) * (7 + 2)
    assert {"test", "window", "rel_day", "statistic", "p_value", "distribution", "df", "n"} <= set(
        res.columns
    )
    assert res["conventions"].str.startswith("default").all()
    # two of seven event windows overlap in calendar time (no shared day 0): the overlap is
    # mild, so no test is flagged (issue 15: flags by degree, not by any overlap) and the
    # diagnostic's advice says so
    assert res.attrs["clustering"]["clustered"]
    assert res.attrs["clustering"]["degree"] == "mild"
    assert "overlap mildly" in res.attrs["clustering"]["advice"]
    assert not res["clustered"].any()
    only = run_tests(panel, tests=["patell", "sign"], daily=False)
    assert list(only["window"]) == ["[-3, 3]", "[-3, 3]"]


def test_prediction_error_option(panel: EventPanel) -> None:
    no_pe = patell(panel, conventions=Conventions(prediction_error=False))
    t = _col(0)
    present = [i for i in range(panel.n_events) if not math.isnan(panel.ar[i, t])]
    z = sum(panel.ar[i, t] / math.sqrt(panel.sigma2[i]) for i in present)
    z /= math.sqrt(sum(panel.dof[i] / (panel.dof[i] - 2) for i in present))
    assert _daily(no_pe, 0)["statistic"] == pytest.approx(z, rel=1e-12)


def test_bad_input_errors(panel: EventPanel) -> None:
    with pytest.raises(SpecError, match="alternative"):
        patell(panel, alternative="both")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="unknown tests"):
        run_tests(panel, tests=["patel"])
    with pytest.raises(SpecError, match="outside the event window"):
        patell(panel, windows=[(-5, 0)])
    with pytest.raises(SpecError, match=r"reversed: did you mean \(0, 2\)\?"):
        patell(panel, windows=[(2, 0)])
    with pytest.raises(SpecError, match="Conventions.firm_sum"):
        Conventions(firm_sum="mean")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="unknown conventions profile"):
        Conventions.profile("eventus")
    with pytest.raises(SpecError, match="market regressor"):
        lamb(replace(panel, market_est=None))
    empty = replace(panel, ar=panel.ar[:0], resid_est=panel.resid_est[:0])
    with pytest.raises(InsufficientDataError, match="no events"):
        run_tests(empty)
    with pytest.raises(InsufficientDataError, match="residual variance"):
        brown_warner_1980(replace(panel, sigma2=np.zeros_like(panel.sigma2)))
    bad = panel.ar.copy()
    bad[0, 0] = np.inf
    with pytest.raises(Exception, match="infinite"):
        patell(replace(panel, ar=bad))


def test_single_event_runs_only_tests_that_apply(panel: EventPanel) -> None:
    one = replace(
        panel,
        **{
            name: getattr(panel, name)[:1]
            for name in (
                "event_id",
                "ticker",
                "day0",
                "est_dates",
                "evt_dates",
                "resid_est",
                "ret_evt",
                "normal_evt",
                "ar",
                "sigma2",
                "nobs",
                "dof",
                "xtx_inv",
                "x_evt",
                "params",
                "market_est",
                "market_evt",
            )
        },
    )
    res = run_tests(one, windows=[(0, 0)], daily=False)
    assert not {"cross_sectional_t", "bmp", "kolari_pynnonen", "grank"} & set(res["test"])
    # with one event Brown-Warner 1980 is the single-firm t without prediction error
    bw = res[res["test"] == "brown_warner_1980"].iloc[0]
    assert bw["statistic"] == pytest.approx(one.ar[0, _col(0)] / math.sqrt(one.sigma2[0]))
    with pytest.raises(InsufficientDataError, match="single_firm_t"):
        cross_sectional_t(one)


def test_conventions_profiles_are_explicit() -> None:
    default = Conventions()
    e2 = Conventions.profile("estudy2")
    assert Conventions.profile("default") == default
    assert default.describe().startswith("default: residual_variance=model")
    assert e2.firm_sum == "rowmean_times_n" and default.firm_sum == "sum"
    assert e2.car_min_coverage == 90.0 and e2.return_kind == "log"
    custom = e2.replace(firm_sum="sum")
    assert custom.name == "estudy2+custom" and custom.firm_sum == "sum"
    with pytest.raises(SpecError, match="car_min_coverage"):
        Conventions(car_min_coverage=100.0)


def test_sample_variance_and_portfolio_df_options(panel: EventPanel) -> None:
    conv = Conventions(residual_variance="sample", portfolio_df="mean_obs_minus_1")
    res = brown_warner_1980(panel, conventions=conv)
    t = _col(0)
    present = [i for i in range(panel.n_events) if not math.isnan(panel.ar[i, t])]
    s2 = [np.nanvar(panel.resid_est[i], ddof=1) for i in present]
    stat = np.nanmean(panel.ar[:, t]) / (math.sqrt(sum(s2)) / len(present))
    row = _daily(res, 0)
    assert row["statistic"] == pytest.approx(stat, rel=1e-12)
    assert row["df"] == pytest.approx(np.mean(panel.nobs) - 1)


def test_mle_variance_option(panel: EventPanel) -> None:
    res = patell(panel, conventions=Conventions(residual_variance="mle", prediction_error=False))
    t = _col(0)
    present = [i for i in range(panel.n_events) if not math.isnan(panel.ar[i, t])]
    z = 0.0
    for i in present:
        e = panel.resid_est[i][~np.isnan(panel.resid_est[i])]
        z += panel.ar[i, t] / math.sqrt(sum(e**2) / len(e))
    z /= math.sqrt(sum(panel.dof[i] / (panel.dof[i] - 2) for i in present))
    assert _daily(res, 0)["statistic"] == pytest.approx(z, rel=1e-12)


def test_nanmean_over_events_in_blocks_equals_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The blockwise mean over the events of a tall panel (Brown-Warner 1985's estimation-
    window AAR) equals numpy's nanmean, with empty columns NaN and no warning."""
    from eventstudy.inference import _stats

    monkeypatch.setattr(_stats, "_BLOCK_ROWS", 7)  # several blocks and a ragged last one
    rng = np.random.default_rng(11)
    x = rng.normal(size=(53, 6))
    x[rng.random(x.shape) < 0.3] = np.nan
    x[:, 4] = np.nan  # a day without any residual
    got = _stats.nanmean(x, 0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmean(x, axis=0)
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0)
    assert np.isnan(got[4])


def test_a_window_without_abnormal_returns_has_no_caar_not_zero() -> None:
    """Day +2 has no market return for anyone (so no AR): its window is NaN in every test,
    estimate included, and nothing warns (pytest turns warnings into errors)."""
    rng = np.random.default_rng(5)
    t_len, n_firms = 320, 6
    m = rng.normal(0.0003, 0.01, t_len)
    r = m[:, None] + rng.normal(0, 0.02, (t_len, n_firms))
    m[252] = np.nan  # day 0 is session 250 for every firm
    dates = np.datetime64("2020-01-01", "ns") + np.arange(t_len) * np.timedelta64(1, "D")
    p = market_model_panel(r, m, np.arange(n_firms), np.full(n_firms, 250), L1, L2, dates=dates)
    assert np.isnan(p.ar[:, _col(2)]).all() and np.isfinite(p.ar[:, _col(1)]).all()
    out = run_tests(p, windows=[(2, 2), (1, 1)], daily=False)
    empty, full = out[out["window"] == "[2, 2]"], out[out["window"] == "[1, 1]"]
    assert empty[["estimate", "statistic", "p_value"]].isna().all().all(), empty
    assert full["estimate"].notna().all()


# ----------------------------------------------------------------------------- independent checks
def make_gappy_panel(seed: int = 4, n_firms: int = 8) -> EventPanel:
    """Like :func:`make_panel` (staggered day 0, scattered holes) plus whole missing days:
    no event has a return on estimation day -40 nor on event day +2, and event 2 has no
    return on event days -1, 0, 1 (so it has no CAR over [-1, 1])."""
    rng = np.random.default_rng(seed)
    t_len = 320
    m, r = _market_model_returns(rng, t_len, n_firms)
    day0 = rng.integers(200, 310, n_firms)
    firms = np.arange(n_firms)
    r[day0, firms] += 0.01
    r[rng.integers(100, 190, 15), rng.integers(0, n_firms, 15)] = np.nan
    r[day0 - 40, firms] = np.nan  # estimation day -40: nobody
    r[day0 + 2, firms] = np.nan  # event day +2: nobody
    r[day0[2] - 1 : day0[2] + 2, 2] = np.nan  # event 2: nothing in [-1, 1]
    r[day0[0] + 1, 0] = np.nan
    dates = np.datetime64("2020-01-01", "ns") + np.arange(t_len) * np.timedelta64(1, "D")
    return market_model_panel(r, m, firms, day0, L1, L2, dates=dates)


def _aar_loop(p: EventPanel, t: int) -> float:
    """AAR on event-grid column t: mean AR over the events that have one (NaN if none)."""
    vals = [p.ar[i, t] for i in range(p.n_events) if not math.isnan(p.ar[i, t])]
    return sum(vals) / len(vals) if vals else math.nan


def _window_loop(p: EventPanel, a: int, b: int) -> tuple[float, int, int]:
    """CAAR over [a, b] (sum of the AARs of the days with data), the number of such days
    L_w, and the number of events with at least one AR in the window."""
    caar, days = 0.0, 0
    for rel in range(a, b + 1):
        aar = _aar_loop(p, _col(rel))
        if not math.isnan(aar):
            caar += aar
            days += 1
    n = sum(
        1
        for i in range(p.n_events)
        if any(not math.isnan(p.ar[i, _col(rel)]) for rel in range(a, b + 1))
    )
    return caar, days, n


def _bw1985_sd_loop(p: EventPanel) -> tuple[float, int]:
    """Brown & Warner (1985): S from the time series of the estimation-window average
    residuals over the T estimation days with data, S^2 = sum (A_u - mean A)^2 / (T - 1)."""
    series = []
    for u in range(p.resid_est.shape[1]):
        vals = [p.resid_est[i, u] for i in range(p.n_events) if not math.isnan(p.resid_est[i, u])]
        if vals:
            series.append(sum(vals) / len(vals))
    big_t = len(series)
    mean = sum(series) / big_t
    return math.sqrt(sum((a - mean) ** 2 for a in series) / (big_t - 1)), big_t


_BW_PANELS = {"make_panel": make_panel, "gappy": make_gappy_panel}


@pytest.mark.parametrize("which", list(_BW_PANELS))
def test_brown_warner_1985_daily_by_hand(which: str) -> None:
    p = _BW_PANELS[which]()
    sd, big_t = _bw1985_sd_loop(p)
    if which == "gappy":  # estimation day -40 has no residual: not one of the T days
        assert big_t == p.resid_est.shape[1] - 1
    res = brown_warner_1985(p)
    greater = brown_warner_1985(p, alternative="greater")
    for rel in range(L2[0], L2[1] + 1):
        t = _col(rel)
        aar = _aar_loop(p, t)
        row = _daily(res, rel)
        n_t = sum(1 for i in range(p.n_events) if not math.isnan(p.ar[i, t]))
        assert row["n"] == n_t
        if n_t == 0:
            assert math.isnan(row["estimate"]) and math.isnan(row["statistic"])
            continue
        stat = aar / sd
        assert row["estimate"] == pytest.approx(aar, rel=1e-12)
        assert row["statistic"] == pytest.approx(stat, rel=1e-12)
        assert row["distribution"] == "t"
        assert row["df"] == big_t - 1
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(stat), big_t - 1), rel=1e-10)
        assert _daily(greater, rel)["p_value"] == pytest.approx(
            stats.t.sf(stat, big_t - 1), rel=1e-10
        )
    assert math.isnan(_daily(res, 2)["statistic"]) == (which == "gappy")


@pytest.mark.parametrize("which", list(_BW_PANELS))
def test_brown_warner_1985_windows_by_hand(which: str) -> None:
    p = _BW_PANELS[which]()
    sd, big_t = _bw1985_sd_loop(p)
    windows = [(-1, 1), (0, 2), (-3, 3)]
    res = brown_warner_1985(p, windows=windows, daily=False)
    assert list(res["window"]) == [f"[{a}, {b}]" for a, b in windows]
    for (a, b), (_, row) in zip(windows, res.iterrows(), strict=True):
        caar, l_w, n = _window_loop(p, a, b)
        # L_w counts the window days with an AAR (day +2 of the gappy panel has none)
        assert l_w == (b - a + 1) - int(which == "gappy" and a <= 2 <= b)
        stat = caar / (sd * math.sqrt(l_w))
        assert row["estimate"] == pytest.approx(caar, rel=1e-12)
        assert row["statistic"] == pytest.approx(stat, rel=1e-12)
        assert row["df"] == big_t - 1
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(stat), big_t - 1), rel=1e-10)
        assert row["n"] == n
    # portfolio_df="mean_obs_minus_1": mean number of estimation observations minus one
    conv = Conventions(portfolio_df="mean_obs_minus_1")
    obs = [sum(1 for v in p.resid_est[i] if not math.isnan(v)) for i in range(p.n_events)]
    df = sum(obs) / len(obs) - 1
    alt = brown_warner_1985(p, windows=[(-1, 1)], conventions=conv)
    caar, l_w, _ = _window_loop(p, -1, 1)
    stat = caar / (sd * math.sqrt(l_w))
    win = alt[alt["window"] == "[-1, 1]"].iloc[0]
    assert win["df"] == pytest.approx(df, rel=1e-12)
    assert win["p_value"] == pytest.approx(2 * stats.t.sf(abs(stat), df), rel=1e-10)
    assert _daily(alt, 0)["df"] == pytest.approx(df, rel=1e-12)
