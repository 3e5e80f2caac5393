"""Normal-return models: planted abnormal returns, thin-trading betas by transcription, GARCH."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eventstudy.exceptions import EventsDroppedWarning, SpecError
from eventstudy.models import (
    CAPM,
    Carhart4,
    ConstantMean,
    Dimson,
    FactorModel,
    FamaFrench3,
    FamaFrench5,
    GarchConvergenceWarning,
    GarchMarketModel,
    MarketAdjusted,
    MarketModel,
    NormalReturnModel,
    ScholesWilliams,
)
from eventstudy.results import EventStudyResults
from eventstudy.study import EventStudy

PLANTED = -0.05


def _simulate(
    n_events: int, T: int = 1200, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Returns (one column per event's firm, plus MKT), factors and events with AR(0) = -5%."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2010-01-04", periods=T, name="date")
    rf = np.full(T, 0.0001)
    mkt_rf = rng.normal(0.0003, 0.01, T)
    smb, hml, rmw, cma, mom = rng.normal(0, 0.005, (5, T))
    factors = pd.DataFrame(
        {"Mkt-RF": mkt_rf, "SMB": smb, "HML": hml, "RMW": rmw, "CMA": cma, "Mom": mom, "RF": rf},
        index=dates,
    )
    beta = rng.uniform(0.5, 1.5, n_events)
    s, h = rng.normal(0, 0.5, (2, n_events))
    eps = rng.normal(0, 0.015, (T, n_events))
    r = rf[:, None] + beta * mkt_rf[:, None] + s * smb[:, None] + h * hml[:, None] + eps
    day0 = rng.integers(300, T - 20, n_events)
    r[day0, np.arange(n_events)] += PLANTED
    firms = [f"F{i:03d}" for i in range(n_events)]
    returns = pd.DataFrame(r, index=dates, columns=firms)
    returns["MKT"] = mkt_rf + rf
    events = pd.DataFrame({"ticker": firms, "date": dates[day0]})
    return returns, factors, events


@pytest.fixture(scope="module")
def sim() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _simulate(500)


MODELS: list[NormalReturnModel] = [
    ConstantMean(),
    MarketAdjusted("MKT"),
    MarketModel("MKT"),
    CAPM(),
    CAPM(market="MKT"),
    FamaFrench3(),
    Carhart4(),
    FamaFrench5(),
    FactorModel(factors=("Mkt-RF", "SMB"), excess=False),
    ScholesWilliams("MKT"),
    Dimson("MKT", lags=2),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: repr(m))
def test_planted_abnormal_return_is_recovered(sim, model: NormalReturnModel) -> None:  # type: ignore[no-untyped-def]
    returns, factors, events = sim
    res = EventStudy(
        events, returns, model=model, factors=factors, calendar=None, event_window=(-5, 5)
    ).fit()
    assert (res.status["status"] == "used").all()
    a0 = res.ar.query("rel_day == 0")["ar"].to_numpy()
    se = a0.std(ddof=1) / np.sqrt(len(a0))
    aar0 = res.aar.set_index("rel_day").loc[0, "aar"]
    assert abs(aar0 - PLANTED) < 4 * se, (aar0, se)
    # and nothing is planted on the other days
    other = res.aar.query("rel_day != 0")["aar"].to_numpy()
    assert np.all(np.abs(other) < 4 * se * 1.5)


@pytest.mark.parametrize("dist", ["normal", "t"])
def test_garch_recovers_planted_return_and_matches_arch(dist: str) -> None:
    arch = pytest.importorskip("arch")
    returns, _, events = _simulate(12, T=700, seed=5)
    model = GarchMarketModel("MKT", dist=dist)
    res = EventStudy(events, returns, model=model, calendar=None, event_window=(-3, 3)).fit()
    a0 = res.ar.query("rel_day == 0")["ar"].to_numpy()
    assert abs(a0.mean() - PLANTED) < 4 * 0.015 / np.sqrt(len(a0)) + 0.005
    # one event by hand with arch directly, from six starting points (arch's own and five
    # (alpha[1], beta[1]) pairs with omega = s^2 (1 - a - b)): the library keeps the best
    t = events["ticker"].iloc[0]
    p0 = int(np.flatnonzero(returns.index == events["date"].iloc[0])[0])
    est = returns.iloc[p0 - 250 : p0 - 10]
    y, x = est[t].to_numpy() * 100, est[["MKT"]].to_numpy() * 100
    am = arch.arch_model(y, x=x, mean="LS", vol="GARCH", p=1, q=1, dist=dist)
    ols = np.polyfit(x[:, 0], y, 1)  # slope, intercept (percent)
    s2 = np.mean((y - np.polyval(ols, x[:, 0])) ** 2)
    starts = [None] + [
        [ols[1], ols[0], s2 * (1 - a - b), a, b] + ([8.0] if dist == "t" else [])
        for a, b in [(0.05, 0.90), (0.02, 0.97), (0.10, 0.80), (0.15, 0.60), (0.20, 0.30)]
    ]
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, sv in enumerate(starts):
            f = am.fit(disp="off", starting_values=None if sv is None else np.array(sv), tol=1e-8)
            if f.convergence_flag == 0:
                fits[k] = f
    best = max(f.loglikelihood for f in fits.values())
    notes = res.meta["model_notes"]
    row = list(res.panel.ticker).index(t)
    # Student t: the likelihood is nearly flat in a large nu, and SLSQP stops at points of it up
    # to ~0.05 apart from starting values that differ by rounding (scipy 1.18 on Python 3.12+
    # lands 0.04 below arch's fit of the same start); the normal case checks the rule exactly
    loglik_tol = 1e-6 if dist == "normal" else 0.1
    assert notes["garch_loglik"][row] >= best - loglik_tol
    assert notes["garch_converged"][row] and notes["garch_n_converged"][row] == len(fits)
    # the start the library kept, fitted by arch: the same optimum (Student t's likelihood is
    # nearly flat in a large nu, so only the mean parameters are compared there)
    ref = fits[int(notes["garch_start"][row])]
    got = res.params.set_index("ticker").loc[t]
    tol = 1e-6 if dist == "normal" else 5e-3
    np.testing.assert_allclose(got["alpha"], ref.params.iloc[0] / 100, rtol=tol, atol=1e-9)
    np.testing.assert_allclose(got["beta"], ref.params.iloc[1], rtol=tol)
    # event-window variance: the GARCH recursion continued from the estimation fit's last
    # residual and variance (arch's own filter with the kept parameters fixed), over 7
    # sessions without a residual (-10..-4: E e^2 = h), then through the event window
    kept = np.asarray(notes["garch_params"][row], dtype=float).copy()
    kept[0] *= 100  # arch's Const is in percent
    fixed = am.fix(kept)
    omega, a1, b1 = (float(kept[j]) for j in (2, 3, 4))
    c, bm = float(kept[0]), float(kept[1])
    h_t = float(np.asarray(fixed.conditional_volatility)[-1]) ** 2
    h = omega + a1 * float(np.asarray(fixed.resid)[-1]) ** 2 + b1 * h_t
    for _ in range(7):
        h = omega + (a1 + b1) * h
    win = returns.iloc[p0 - 3 : p0 + 4]
    expected = []
    for r_t, m_t in zip(win[t].to_numpy() * 100, win["MKT"].to_numpy() * 100, strict=True):
        expected.append(h / 1e4)
        h = omega + a1 * (r_t - c - bm * m_t) ** 2 + b1 * h
    var_ar = res.ar.query("ticker == @t")["var_ar"].to_numpy()
    np.testing.assert_allclose(var_ar, expected, rtol=1e-8)
    assert res.panel.var_ar is not None and res.panel.xtx_inv is None


def test_garch_falls_back_to_ols_with_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("arch")
    import eventstudy.models.garch as models

    monkeypatch.setattr(models, "_fit_one_garch", lambda *a, **k: None)
    returns, _, events = _simulate(3, T=400, seed=2)
    with pytest.warns(GarchConvergenceWarning, match="3 event"):
        res = EventStudy(events, returns, model=GarchMarketModel("MKT"), calendar=None).fit()
    ols = EventStudy(events, returns, model=MarketModel("MKT"), calendar=None).fit()
    np.testing.assert_allclose(res.panel.params, ols.panel.params, rtol=1e-12)


def _small_thin_trading(seed: int = 1) -> pd.DataFrame:
    """An 'ADR' that reacts to the US market partly a day late."""
    rng = np.random.default_rng(seed)
    T = 90
    m = rng.normal(0, 0.01, T)
    m[1:] += 0.2 * m[:-1]  # autocorrelated index
    r = 0.6 * m + 0.5 * np.r_[0, m[:-1]] + rng.normal(0, 0.005, T)
    r[[20, 45]] = np.nan
    dates = pd.bdate_range("2020-01-01", periods=T, name="date")
    return pd.DataFrame({"ADR": r, "IDX": m}, index=dates)


def _fit_adr_day80(df: pd.DataFrame, model: NormalReturnModel) -> EventStudyResults:
    """The ADR's event on session 80: estimation days -70..-3, event days -2..2 (the rows
    the transcriptions below use)."""
    events = pd.DataFrame({"ticker": ["ADR"], "date": [df.index[80]]})
    return EventStudy(
        events,
        df,
        model=model,
        estimation_window=(-70, -3),
        event_window=(-2, 2),
        calendar=None,
        min_estimation_obs=30,
    ).fit()


def test_scholes_williams_against_transcription() -> None:
    df = _small_thin_trading()
    res = _fit_adr_day80(df, ScholesWilliams("IDX"))
    # Scholes & Williams (1977): b-, b0, b+ from three simple regressions, rho of the market
    rows = np.arange(80 - 70, 80 - 2)
    r, m = df["ADR"].to_numpy(), df["IDX"].to_numpy()
    ok = np.isfinite(r[rows]) & np.isfinite(m[rows - 1]) & np.isfinite(m[rows + 1])
    t = rows[ok]
    b = [sm.OLS(r[t], sm.add_constant(m[t + j])).fit().params[1] for j in (-1, 0, 1)]
    rho = np.corrcoef(m[t], m[t - 1])[0, 1]
    beta = sum(b) / (1 + 2 * rho)
    alpha = r[t].mean() - beta * m[t].mean()
    got = res.params.iloc[0]
    np.testing.assert_allclose([got["alpha"], got["beta"]], [alpha, beta], rtol=1e-10)
    resid = r[t] - alpha - beta * m[t]
    np.testing.assert_allclose(got["sigma2"], resid @ resid / (len(t) - 2), rtol=1e-10)
    assert got["nobs"] == len(t)
    ar = r[78:83] - alpha - beta * m[78:83]
    np.testing.assert_allclose(res.panel.ar[0], ar, rtol=1e-10)
    # the thin-trading beta is closer to the true total (1.1) than OLS
    ols = sm.OLS(r[t], sm.add_constant(m[t])).fit().params[1]
    assert abs(beta - 1.1) < abs(ols - 1.1)


@pytest.mark.parametrize("lags", [1, 2])
def test_dimson_against_transcription(lags: int) -> None:
    df = _small_thin_trading(seed=4)
    res = _fit_adr_day80(df, Dimson("IDX", lags=lags))
    rows = np.arange(80 - 70, 80 - 2)
    r, m = df["ADR"].to_numpy(), df["IDX"].to_numpy()
    shifts = range(-lags, lags + 1)
    ok = np.isfinite(r[rows]) & np.all([np.isfinite(m[rows + j]) for j in shifts], axis=0)
    t = rows[ok]
    Xd = sm.add_constant(np.column_stack([m[t + j] for j in shifts]))
    beta = sm.OLS(r[t], Xd).fit().params[1:].sum()  # Dimson (1979): sum of the lag slopes
    alpha = r[t].mean() - beta * m[t].mean()
    got = res.params.iloc[0]
    np.testing.assert_allclose([got["alpha"], got["beta"]], [alpha, beta], rtol=1e-10)
    np.testing.assert_allclose(res.panel.ar[0], r[78:83] - alpha - beta * m[78:83], rtol=1e-10)


def test_market_adjusted_variance_and_constant_mean_variance() -> None:
    returns, _, events = _simulate(3, T=400, seed=9)
    ma = EventStudy(events, returns, model=MarketAdjusted("MKT"), calendar=None).fit()
    cm = EventStudy(events, returns, model=ConstantMean(), calendar=None).fit()
    t = events["ticker"].iloc[1]
    p0 = int(np.flatnonzero(returns.index == events["date"].iloc[1])[0])
    est = returns.iloc[p0 - 250 : p0 - 10]
    d = (est[t] - est["MKT"]).to_numpy()
    np.testing.assert_allclose(ma.panel.sigma2[1], d @ d / len(d), rtol=1e-12)  # k = 0
    assert ma.panel.k == 0 and ma.panel.xtx_inv is None and ma.panel.params is None
    y = est[t].to_numpy()
    np.testing.assert_allclose(cm.params["mu"].iloc[1], y.mean(), rtol=1e-12)
    np.testing.assert_allclose(cm.panel.sigma2[1], y.var(ddof=1), rtol=1e-12)
    # constant mean: Var(AR) = s2 (1 + 1/n)
    np.testing.assert_allclose(cm.panel.var_ar[1], y.var(ddof=1) * (1 + 1 / len(y)), rtol=1e-12)


def test_model_spec_errors() -> None:
    with pytest.raises(SpecError, match="needs factors"):
        FactorModel()
    with pytest.raises(SpecError, match="dist"):
        GarchMarketModel(dist="skewt")
    with pytest.raises(SpecError, match="at least one lag"):
        Dimson(lags=0)
    returns, factors, events = _simulate(2, T=400)
    with pytest.raises(SpecError, match="factors lack"):
        EventStudy(
            events, returns, model=Carhart4(), factors=factors.drop(columns="Mom"), calendar=None
        ).fit()
    with warnings.catch_warnings():
        warnings.simplefilter("error", EventsDroppedWarning)
        EventStudy(events, returns, model=MarketModel("MKT"), calendar=None).fit()


def test_garch_fallback_events_are_listed_in_meta(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("arch")
    import eventstudy.models.garch as models

    real = models._fit_one_garch
    calls: list[int] = []

    def fail_first_and_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(calls))
        return None if len(calls) in (1, 3) else real(*args, **kwargs)

    monkeypatch.setattr(models, "_fit_one_garch", fail_first_and_third)
    returns, _, events = _simulate(3, T=400, seed=2)
    # an event without data first and two events per chunk: ids must follow the used events
    events = pd.concat(
        [pd.DataFrame({"ticker": ["NOPE"], "date": [events["date"].iloc[0]]}), events],
        ignore_index=True,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = EventStudy(
            events, returns, model=GarchMarketModel("MKT"), calendar=None, chunk_size=2
        ).fit()
    kinds = [w.category for w in caught]
    assert kinds.count(EventsDroppedWarning) == 1
    assert kinds.count(GarchConvergenceWarning) == 2  # one per chunk with a failure
    message = str(next(w.message for w in caught if w.category is GarchConvergenceWarning))
    assert "meta['model_notes']['garch_fallback']" in message
    # GARCH was tried on F000, F001, F002 in that order; the 1st and 3rd fell back to OLS
    assert len(calls) == 3
    ids = [f"{t} {d:%Y-%m-%d}" for t, d in zip(events["ticker"], events["date"], strict=True)]
    expected = [ids[1], ids[3]]
    notes = res.meta["model_notes"]
    assert notes["garch_fallback"] == expected
    assert notes["used_garch"].tolist() == [False, True, False]
    assert np.isnan(notes["garch_params"][[0, 2]]).all()
    assert np.isfinite(notes["garch_params"][1]).all()
    # the units of the garch parameter record are stated (omega in percent^2)
    assert notes["garch_param_names"] == ["alpha", "beta", "omega", "alpha[1]", "beta[1]"]
    assert "percent^2" in notes["garch_param_units"]["omega"]
    assert notes["garch_param_units"]["alpha[1]"].startswith("unitless")
    assert notes["garch_param_units"]["beta[1]"].startswith("unitless")
    # the fallbacks are the OLS market model's estimates
    ols = EventStudy(events.iloc[1:], returns, model=MarketModel("MKT"), calendar=None).fit()
    np.testing.assert_allclose(res.panel.params[[0, 2]], ols.panel.params[[0, 2]], rtol=1e-12)
