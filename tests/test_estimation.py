"""Batched least squares (estimation.py) against statsmodels OLS fitted one event at a time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

from eventstudy.models.ols import batched_ols


def _statsmodels_one(
    X: np.ndarray, y: np.ndarray, mask: np.ndarray
) -> sm.regression.linear_model.RegressionResults:
    return sm.OLS(y[mask], X[mask]).fit()


def _random_problem(
    rng: np.random.Generator, n: int, L: int, k: int, p_missing: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.concatenate([np.ones((n, L, 1)), rng.normal(0.001, 0.02, (n, L, k - 1))], axis=2)
    beta = rng.normal(0, 1, (n, k))
    y = np.einsum("nlk,nk->nl", X, beta) + rng.normal(0, 0.01, (n, L))
    y[rng.random((n, L)) < p_missing] = np.nan
    X[..., 1][rng.random((n, L)) < p_missing] = np.nan
    mask = np.isfinite(y) & np.all(np.isfinite(X), axis=2)
    return X, y, mask


def test_random_data_with_missing_values_match_statsmodels() -> None:
    rng = np.random.default_rng(7)
    X, y, mask = _random_problem(rng, n=40, L=120, k=3, p_missing=0.1)
    fit = batched_ols(X, y, mask, has_const=True, chunk_size=7)
    for i in range(X.shape[0]):
        ref = _statsmodels_one(X[i], y[i], mask[i])
        np.testing.assert_allclose(fit.params[i], ref.params, rtol=0, atol=1e-10)
        np.testing.assert_allclose(fit.sigma2[i], ref.scale, rtol=1e-10)
        assert fit.nobs[i] == ref.nobs
        assert fit.dof[i] == ref.df_resid
        np.testing.assert_allclose(fit.r2[i], ref.rsquared, rtol=1e-10)
        np.testing.assert_allclose(fit.xtx_inv[i], ref.normalized_cov_params, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(fit.resid[i][mask[i]], ref.resid, atol=1e-12)
        assert np.isnan(fit.resid[i][~mask[i]]).all()


def test_without_constant_matches_statsmodels() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 60, 2))
    y = X @ np.array([0.5, -1.0]) + rng.normal(0, 0.1, (5, 60))
    mask = rng.random((5, 60)) > 0.05
    fit = batched_ols(X, y, mask, has_const=False)
    for i in range(5):
        ref = _statsmodels_one(X[i], y[i], mask[i])
        np.testing.assert_allclose(fit.params[i], ref.params, atol=1e-12)
        np.testing.assert_allclose(fit.sigma2[i], ref.scale, rtol=1e-10)
        np.testing.assert_allclose(fit.r2[i], ref.rsquared, rtol=1e-10)  # uncentred


def test_chunking_does_not_change_results() -> None:
    rng = np.random.default_rng(11)
    X, y, mask = _random_problem(rng, n=25, L=50, k=2, p_missing=0.05)
    a = batched_ols(X, y, mask, has_const=True, chunk_size=1)
    b = batched_ols(X, y, mask, has_const=True, chunk_size=1000)
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.sigma2, b.sigma2)


def test_collinear_regressor_is_flagged_not_garbage() -> None:
    X = np.ones((2, 30, 2))
    X[1, :, 1] = np.linspace(0, 1, 30)
    y = np.linspace(0, 1, 60).reshape(2, 30)
    fit = batched_ols(X, y, np.ones((2, 30), dtype=bool), has_const=True)
    assert fit.singular.tolist() == [True, False]
    assert np.isnan(fit.params[0]).all() and np.isfinite(fit.params[1]).all()


def test_real_prices_several_tickers_vs_spy(prices_dir: Path) -> None:
    def ret(t: str) -> pd.Series:
        px = pd.read_csv(prices_dir / f"{t}.csv", index_col="Date", parse_dates=True)["Adj Close"]
        return px / px.shift(1) - 1

    tickers = ["NVDA", "AVGO", "AMD", "GEV"]
    frame = pd.DataFrame({t: ret(t) for t in [*tickers, "SPY"]})
    pos0 = int(np.flatnonzero(frame.index == pd.Timestamp("2025-01-27"))[0])
    rows = np.arange(pos0 - 250, pos0 - 10)
    m = frame["SPY"].to_numpy()[rows]
    Y = np.stack([frame[t].to_numpy()[rows] for t in tickers])
    X = np.stack([np.column_stack([np.ones_like(m), m])] * len(tickers))
    mask = np.isfinite(Y) & np.isfinite(X).all(axis=2)
    fit = batched_ols(X, Y, mask, has_const=True)
    assert fit.nobs.tolist()[:3] == [240, 240, 240] and fit.nobs[3] < 240  # GEV listed 2024-03
    for i in range(len(tickers)):
        ref = _statsmodels_one(X[i], Y[i], mask[i])
        np.testing.assert_allclose(fit.params[i], ref.params, rtol=0, atol=1e-10)
        np.testing.assert_allclose(fit.sigma2[i], ref.scale, rtol=1e-10)


def test_fits_without_residual_degrees_of_freedom_report_nan_not_r2_of_one() -> None:
    """nobs == k (an exact fit) or a collinear design: no estimate, so no sigma² and no R²."""
    rng = np.random.default_rng(4)
    for k, n_rows in ((2, 2), (3, 3)):  # the one-slope closed form and the QR path
        X = np.concatenate([np.ones((2, n_rows, 1)), rng.normal(size=(2, n_rows, k - 1))], axis=2)
        y = rng.normal(size=(2, n_rows))
        fit = batched_ols(X, y, np.ones((2, n_rows), dtype=bool), has_const=True)
        assert (fit.dof == 0).all()
        assert np.isnan(fit.r2).all() and np.isnan(fit.sigma2).all(), (k, fit.r2)
    X = np.concatenate([np.ones((1, 20, 1)), np.ones((1, 20, 2))], axis=2)  # collinear
    fit = batched_ols(X, rng.normal(size=(1, 20)), np.ones((1, 20), dtype=bool), has_const=True)
    assert fit.singular.all() and np.isnan(fit.r2).all()


def _nearly_constant_problem(
    k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three events, L = 240: [nearly constant market, tiny but real variation, ordinary].

    Event 0's market is 0 on every day but one (1e-12): its centred mean square is about
    1e-24 / 240 ~ 4e-27, far below the 1e-14 floor, while ``||x - xbar|| / ||x||`` is
    ``sqrt(1 - 1/240) ~ 0.998`` (by hand), so a rule relative to the regressor's own norm
    cannot see it. Event 1's market has a standard deviation of 1e-6 (mean square ~1e-12,
    above the floor). Event 2 is ordinary data. Columns beyond the market (k = 3) are
    ordinary N(0, 0.01) factors.
    """
    L = 240
    X = np.concatenate([np.ones((3, L, 1)), rng.normal(0.0, 0.01, (3, L, k - 1))], axis=2)
    X[0, :, 1] = 0.0
    X[0, 100, 1] = 1e-12
    X[1, :, 1] = rng.normal(0.0, 1e-6, L)
    y = 0.001 + 0.5 * X[..., 1] + rng.normal(0.0, 0.01, (3, L))
    return X, y, np.ones((3, L), dtype=bool)


def test_nearly_constant_market_is_singular_in_both_solvers() -> None:
    """An absolute floor: a market with root mean square variation <= 1e-7 counts as constant."""
    rng = np.random.default_rng(21)
    for k in (2, 3):  # the one-slope closed form and the general QR path
        X, y, mask = _nearly_constant_problem(k, rng)
        # statsmodels fits event 0 without complaint and returns a garbage slope (~1e10)
        garbage = _statsmodels_one(X[0], y[0], mask[0]).params[1]
        assert abs(garbage) > 1e8, garbage
        fit = batched_ols(X, y, mask, has_const=True)
        assert fit.singular.tolist() == [True, False, False], k
        assert np.isnan(fit.params[0]).all() and np.isnan(fit.sigma2[0])
        assert np.isnan(fit.xtx_inv[0]).all() and np.isnan(fit.resid[0]).all()
        for i in (1, 2):  # above the floor: still ordinary OLS, as statsmodels
            ref = _statsmodels_one(X[i], y[i], mask[i])
            np.testing.assert_allclose(fit.params[i], ref.params, rtol=1e-8)
            np.testing.assert_allclose(fit.sigma2[i], ref.scale, rtol=1e-10)


def test_floor_is_judged_on_the_used_rows_only() -> None:
    """The one varying day is masked out: the market is exactly constant on the used rows."""
    rng = np.random.default_rng(5)
    x = np.zeros((1, 60))
    x[0, 10] = 0.02  # a real move, but on a day that is not used
    x[0, 11:] += rng.normal(0.0, 1e-8, 49)  # the rest: std 1e-8, mean square ~1e-16 < 1e-14
    X = np.stack([np.ones_like(x), x], axis=2)
    y = rng.normal(0.0, 0.01, (1, 60))
    mask = np.ones((1, 60), dtype=bool)
    assert not batched_ols(X, y, mask, has_const=True).singular[0]  # with the 0.02 day: fine
    mask[0, 10] = False
    assert batched_ols(X, y, mask, has_const=True).singular[0]
    X3 = np.concatenate([X, rng.normal(0.0, 0.01, (1, 60, 1))], axis=2)
    assert batched_ols(X3, y, mask, has_const=True).singular[0]


def test_nearly_zero_regressor_without_constant_is_singular() -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(0.0, 0.01, (2, 50, 2))
    X[0, :, 1] = rng.normal(0.0, 1e-9, 50)  # mean square ~1e-18: a zero regressor
    y = rng.normal(0.0, 0.01, (2, 50))
    fit = batched_ols(X, y, np.ones((2, 50), dtype=bool), has_const=False)
    assert fit.singular.tolist() == [True, False]
    ref = _statsmodels_one(X[1], y[1], np.ones(50, dtype=bool))
    np.testing.assert_allclose(fit.params[1], ref.params, rtol=1e-9)
