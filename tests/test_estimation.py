"""Batched least squares (estimation.py) against statsmodels OLS fitted one event at a time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

from eventstudy.estimation import batched_ols


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
