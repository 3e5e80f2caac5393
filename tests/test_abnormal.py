"""AR variances, CAR, AAR, BHAR (abnormal.py) against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy.engine import abnormal
from eventstudy.models import MarketModel
from eventstudy.study import EventStudy


def test_var_car_equals_full_covariance_sum() -> None:
    rng = np.random.default_rng(0)
    n, L, k = 4, 7, 3
    X = np.concatenate([np.ones((n, L, 1)), rng.normal(size=(n, L, k - 1))], axis=2)
    A = rng.normal(size=(n, 50, k))
    xtx_inv = np.linalg.inv(np.einsum("nlk,nlj->nkj", A, A))
    sigma2 = rng.uniform(1, 2, n)
    ar = rng.normal(size=(n, L))
    ar[1, 3] = np.nan  # a missing day is left out of the window
    cols = np.array([False, True, True, True, True, False, True])
    got = abnormal.var_car(sigma2, X, xtx_inv, ar, cols)
    for i in range(n):
        keep = cols & np.isfinite(ar[i])
        Xw = X[i][keep]
        V = sigma2[i] * (np.eye(keep.sum()) + Xw @ xtx_inv[i] @ Xw.T)  # CLM eq. 4.4.14
        np.testing.assert_allclose(got[i], V.sum(), rtol=1e-12)
        # the diagonal alone (a peer's mistake) differs
        assert not np.isclose(got[i], np.trace(V))
    diag = abnormal.var_abnormal(sigma2, X, xtx_inv)
    for i in range(n):
        np.testing.assert_allclose(
            diag[i], sigma2[i] * (1 + np.einsum("lk,kj,lj->l", X[i], xtx_inv[i], X[i])), rtol=1e-12
        )


def test_car_counts_non_missing_days() -> None:
    ar = np.array([[0.01, np.nan, -0.02, 0.03], [np.nan, np.nan, np.nan, np.nan]])
    total, n = abnormal.car(ar, np.array([True, True, True, False]))
    np.testing.assert_allclose(total[0], -0.01)
    assert n.tolist() == [2, 0] and np.isnan(total[1])


def test_aar_skips_missing() -> None:
    ar = np.array([[0.01, np.nan], [0.03, np.nan], [np.nan, np.nan]])
    mean, n = abnormal.aar(ar)
    np.testing.assert_allclose(mean[0], 0.02)
    assert np.isnan(mean[1]) and n.tolist() == [2, 0]


def test_bhar_simple_and_log_by_hand() -> None:
    r = np.array([[0.10, -0.05, 0.02]])
    nrm = np.array([[0.01, 0.00, -0.01]])
    cols = np.array([True, True, True])
    b, br, bn, nd = abnormal.bhar(r, nrm, cols, "simple")
    np.testing.assert_allclose(br, 1.10 * 0.95 * 1.02 - 1)
    np.testing.assert_allclose(bn, 1.01 * 1.00 * 0.99 - 1)
    np.testing.assert_allclose(b, (1.10 * 0.95 * 1.02) - (1.01 * 0.99))
    assert nd.tolist() == [3]
    lr, ln = np.log1p(r), np.log1p(nrm)
    bl, *_ = abnormal.bhar(lr, ln, cols, "log")  # log returns converted with exp
    np.testing.assert_allclose(bl, b, rtol=1e-12)
    # a missing day drops out of both products
    r2 = r.copy()
    r2[0, 1] = np.nan
    b2, *_ = abnormal.bhar(r2, nrm, cols, "simple")
    np.testing.assert_allclose(b2, 1.10 * 1.02 - 1.01 * 0.99)


def test_log_return_study_bhar_and_sar() -> None:
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2020-01-01", periods=320, name="date")
    m = rng.normal(0, 0.01, 320)
    r = 0.001 + 1.2 * m + rng.normal(0, 0.01, 320)
    lret = pd.DataFrame({"A": np.log1p(r), "M": np.log1p(m)}, index=dates)
    events = pd.DataFrame({"ticker": ["A"], "date": [dates[300]]})
    res = EventStudy(
        events, lret, model=MarketModel("M"), return_kind="log", calendar=None, event_window=(-3, 3)
    ).fit()
    assert res.return_kind == "log"
    a = res.ar
    b = res.bhar((0, 3), against="benchmark").iloc[0]
    days = a[(a["rel_day"] >= 0)]
    expected = np.exp(days["ret"].sum()) - np.exp(lret["M"].iloc[300:304].sum())
    assert b["bhar"] == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(a["sar"], a["ar"] / np.sqrt(a["var_ar"]), rtol=1e-12)
