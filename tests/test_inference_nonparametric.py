"""Non-parametric tests against scipy and against explicit-loop transcriptions of the papers."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eventstudy.engine.panel import EventPanel
from eventstudy.exceptions import SpecError
from eventstudy.inference import (
    Conventions,
    corrado_rank,
    corrado_zivney_rank,
    corrado_zivney_sign,
    generalized_sign,
    grank,
    sign_test,
    wilcoxon,
)
from eventstudy.inference.nonparametric import signed_rank_distribution
from test_inference_parametric import (
    L2,
    _aar_loop,
    _car_var_loop,
    _col,
    _daily,
    _window_loop,
    make_gappy_panel,
    make_panel,
)


@pytest.fixture(scope="module")
def panel() -> EventPanel:
    return make_panel(seed=1, n_firms=9)


def _rank_1d(values: list[float]) -> list[float]:
    """Average ranks by counting (no library ranking)."""
    out = []
    for v in values:
        below = sum(1 for w in values if w < v)
        ties = sum(1 for w in values if w == v)
        out.append(below + (ties + 1) / 2)
    return out


def test_sign_test_equals_scipy_binomtest(panel: EventPanel) -> None:
    res = sign_test(panel, windows=[(-1, 1)])
    for rel in range(L2[0], L2[1] + 1):
        x = panel.ar[:, _col(rel)]
        x = x[~np.isnan(x)]
        w, n = int((x > 0).sum()), len(x)
        row = _daily(res, rel)
        assert row["p_value"] == pytest.approx(stats.binomtest(w, n, 0.5).pvalue, rel=1e-12)
        assert row["statistic"] == pytest.approx((w - n / 2) / math.sqrt(n / 4))
        assert row["distribution"] == "binomial"
        greater = sign_test(panel, alternative="greater")
        assert _daily(greater, rel)["p_value"] == pytest.approx(
            stats.binomtest(w, n, 0.5, alternative="greater").pvalue, rel=1e-12
        )
    car = np.nansum(panel.ar[:, [_col(-1), _col(0), _col(1)]], axis=1)
    win = res[res["window"] == "[-1, 1]"].iloc[0]
    assert win["p_value"] == pytest.approx(stats.binomtest(int((car > 0).sum()), len(car)).pvalue)


def test_generalized_sign_cowan(panel: EventPanel) -> None:
    res = generalized_sign(panel)
    # Cowan (1992): p-hat = average over firms of the estimation-window fraction positive
    fr = []
    for i in range(panel.n_events):
        e = [v for v in panel.resid_est[i] if not math.isnan(v)]
        fr.append(sum(1 for v in e if v > 0) / len(e))
    p = sum(fr) / len(fr)
    x = panel.ar[:, _col(0)]
    x = x[~np.isnan(x)]
    w, n = (x > 0).sum(), len(x)
    z = (w - n * p) / math.sqrt(n * p * (1 - p))
    assert _daily(res, 0)["statistic"] == pytest.approx(z, rel=1e-12)
    assert _daily(res, 0)["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-10)
    pooled = generalized_sign(panel, conventions=Conventions(gsign_p="pooled"))
    pos = np.nansum(panel.resid_est > 0)
    tot = (~np.isnan(panel.resid_est)).sum()
    pp = pos / tot
    z2 = (w - n * pp) / math.sqrt(n * pp * (1 - pp))
    assert _daily(pooled, 0)["statistic"] == pytest.approx(z2, rel=1e-12)


def _combined_rows(p: EventPanel) -> list[list[float]]:
    return [list(p.resid_est[i]) + list(p.ar[i]) for i in range(p.n_events)]


def _time_series_test(scores: list[list[float]], scale: str, l1: int) -> list[float]:
    """T_t = Q_t / S with Q_u = sum_i s_iu / (N_u or sqrt(N_u)), S^2 = mean_u Q_u^2 (days with data)."""
    days = len(scores[0])
    q = []
    for u in range(days):
        vals = [row[u] for row in scores if not math.isnan(row[u])]
        if not vals:
            q.append(math.nan)
            continue
        div = len(vals) if scale == "mean" else math.sqrt(len(vals))
        q.append(sum(vals) / div)
    with_data = [v for v in q if not math.isnan(v)]
    s = math.sqrt(sum(v * v for v in with_data) / len(with_data))
    return [v / s for v in q[l1:]]


def _ranks_by_row(p: EventPanel) -> tuple[list[list[float]], list[int]]:
    ranks, counts = [], []
    for row in _combined_rows(p):
        vals = [v for v in row if not math.isnan(v)]
        rk = iter(_rank_1d(vals))
        ranks.append([math.nan if math.isnan(v) else next(rk) for v in row])
        counts.append(len(vals))
    return ranks, counts


def test_corrado_rank_transcription(panel: EventPanel) -> None:
    ranks, counts = _ranks_by_row(panel)
    scores = [[k - (c + 1) / 2 for k in row] for row, c in zip(ranks, counts, strict=True)]
    expected = _time_series_test(scores, "mean", panel.resid_est.shape[1])
    res = corrado_rank(panel, windows=[(0, 2)])
    for rel in range(L2[0], L2[1] + 1):
        assert _daily(res, rel)["statistic"] == pytest.approx(expected[_col(rel)], rel=1e-12)
    # window: sum of the daily statistics / sqrt(L_w) (Campbell & Wasley 1993)
    win = res[res["window"] == "[0, 2]"].iloc[0]
    want = sum(expected[_col(r)] for r in (0, 1, 2)) / math.sqrt(3)
    assert win["statistic"] == pytest.approx(want, rel=1e-12)


def test_corrado_zivney_rank_transcription(panel: EventPanel) -> None:
    ranks, counts = _ranks_by_row(panel)
    scores = [[k / (c + 1) - 0.5 for k in row] for row, c in zip(ranks, counts, strict=True)]
    expected = _time_series_test(scores, "sqrt", panel.resid_est.shape[1])
    res = corrado_zivney_rank(panel)
    for rel in range(L2[0], L2[1] + 1):
        assert _daily(res, rel)["statistic"] == pytest.approx(expected[_col(rel)], rel=1e-12)


def test_corrado_zivney_sign_transcription(panel: EventPanel) -> None:
    scores = []
    for row in _combined_rows(panel):
        vals = sorted(v for v in row if not math.isnan(v))
        k = len(vals)
        med = vals[k // 2] if k % 2 else (vals[k // 2 - 1] + vals[k // 2]) / 2
        scores.append([math.nan if math.isnan(v) else float(np.sign(v - med)) for v in row])
    expected = _time_series_test(scores, "sqrt", panel.resid_est.shape[1])
    res = corrado_zivney_sign(panel)
    for rel in range(L2[0], L2[1] + 1):
        assert _daily(res, rel)["statistic"] == pytest.approx(expected[_col(rel)], rel=1e-12)


def _grank_loop(p: EventPanel, cols: list[int]) -> tuple[float, int]:
    n = p.n_events
    scar = []
    for i in range(n):
        car = sum(p.ar[i, t] for t in cols if not math.isnan(p.ar[i, t]))
        scar.append(car / math.sqrt(_car_var_loop(p, i, cols)))
    mean = sum(scar) / n
    sd = math.sqrt(sum((s - mean) ** 2 for s in scar) / (n - 1))
    u_rows = []
    for i in range(n):
        row = [v / math.sqrt(p.sigma2[i]) for v in p.resid_est[i]] + [scar[i] / sd]
        vals = [v for v in row if not math.isnan(v)]
        rk = iter(_rank_1d(vals))
        u_rows.append(
            [math.nan if math.isnan(v) else next(rk) / (len(vals) + 1) - 0.5 for v in row]
        )
    big_t, s2 = 0, 0.0
    ubar = []
    for t in range(len(u_rows[0])):
        vals = [r[t] for r in u_rows if not math.isnan(r[t])]
        if vals:
            big_t += 1
            ubar.append(sum(vals) / len(vals))
            s2 += len(vals) / n * ubar[-1] ** 2
    z = ubar[-1] / math.sqrt(s2 / big_t)
    return z * math.sqrt((big_t - 2) / (big_t - 1 - z * z)), big_t - 2


def test_grank_transcription(panel: EventPanel) -> None:
    res = grank(panel, windows=[(-1, 1)])
    t0, df0 = _grank_loop(panel, [_col(0)])
    assert _daily(res, 0)["statistic"] == pytest.approx(t0, rel=1e-10)
    assert _daily(res, 0)["df"] == df0
    assert _daily(res, 0)["p_value"] == pytest.approx(2 * stats.t.sf(abs(t0), df0), rel=1e-8)
    tw, _ = _grank_loop(panel, [_col(-1), _col(0), _col(1)])
    assert res[res["window"] == "[-1, 1]"].iloc[0]["statistic"] == pytest.approx(tw, rel=1e-10)


def test_wilcoxon_equals_scipy(panel: EventPanel) -> None:
    res = wilcoxon(panel, windows=[(-3, 3)])
    greater = wilcoxon(panel, alternative="greater")
    for rel in range(L2[0], L2[1] + 1):
        x = panel.ar[:, _col(rel)]
        x = x[~np.isnan(x)]
        ref = stats.wilcoxon(x, method="exact")
        assert _daily(res, rel)["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
        ref_g = stats.wilcoxon(x, alternative="greater", method="exact")
        assert _daily(greater, rel)["statistic"] == ref_g.statistic  # W+
        assert _daily(greater, rel)["p_value"] == pytest.approx(ref_g.pvalue, rel=1e-12)
    car = np.nansum(panel.ar, axis=1)
    assert res.iloc[-1]["p_value"] == pytest.approx(stats.wilcoxon(car, method="exact").pvalue)


def test_wilcoxon_large_sample_normal_with_ties() -> None:
    p = make_panel(seed=5, n_firms=60, holes=False)
    ar = np.array(p.ar)  # a panel's arrays are read-only (its memos): change a copy
    ar[:10, _col(0)] = 0.01  # ties
    ar[10, _col(0)] = 0.0  # a zero, dropped
    p = dataclasses.replace(p, ar=ar)
    row = _daily(wilcoxon(p), 0)
    x = p.ar[:, _col(0)]
    ref = stats.wilcoxon(x, method="approx", correction=False, zero_method="wilcox")
    assert row["distribution"] == "normal"
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert row["n"] == 59


def test_signed_rank_distribution_by_enumeration() -> None:
    n = 6
    counts = np.zeros(n * (n + 1) // 2 + 1)
    for mask in range(2**n):
        counts[sum(r + 1 for r in range(n) if mask >> r & 1)] += 1
    np.testing.assert_allclose(signed_rank_distribution(n), counts / 2**n)


# ----------------------------------------------------------------------------- CAR windows
_WINDOWS = [(-1, 1), (0, 2)]


def _pick(panel: EventPanel, which: str) -> EventPanel:
    """The module's panel, or one with whole missing days (estimation day -40 and event day
    +2 for every event) and an event without any AR in [-1, 1]."""
    return panel if which == "fixture" else make_gappy_panel()


def _cars_loop(p: EventPanel, a: int, b: int) -> list[float]:
    """CAR_i over [a, b]: sum of event i's available ARs (NaN when it has none)."""
    out = []
    for i in range(p.n_events):
        vals = [p.ar[i, _col(r)] for r in range(a, b + 1) if not math.isnan(p.ar[i, _col(r)])]
        out.append(sum(vals) if vals else math.nan)
    return out


def _window_rows(res: pd.DataFrame, windows: list[tuple[int, int]]) -> list[pd.Series]:
    rows = res[res["window"].notna()]
    assert list(rows["window"]) == [f"[{a}, {b}]" for a, b in windows]
    return [row for _, row in rows.iterrows()]


@pytest.mark.parametrize("which", ["fixture", "gappy"])
def test_generalized_sign_car_windows_cowan(panel: EventPanel, which: str) -> None:
    p = _pick(panel, which)
    # Cowan (1992): p-hat = average over firms of the estimation-window fraction positive;
    # pooled: over all (firm, day) pairs
    fractions, pos_all, tot_all = [], 0, 0
    for i in range(p.n_events):
        e = [v for v in p.resid_est[i] if not math.isnan(v)]
        pos = sum(1 for v in e if v > 0)
        fractions.append(pos / len(e))
        pos_all += pos
        tot_all += len(e)
    p_firm = sum(fractions) / len(fractions)
    p_pool = pos_all / tot_all
    res = generalized_sign(p, windows=_WINDOWS)
    pooled = generalized_sign(p, windows=_WINDOWS, conventions=Conventions(gsign_p="pooled"))
    rows = zip(_WINDOWS, _window_rows(res, _WINDOWS), _window_rows(pooled, _WINDOWS), strict=True)
    for (a, b), row, prow in rows:
        cars = [c for c in _cars_loop(p, a, b) if not math.isnan(c)]
        w, n = sum(1 for c in cars if c > 0), len(cars)
        if which == "gappy" and (a, b) == (-1, 1):
            assert n == p.n_events - 1  # event 2 has no CAR over [-1, 1]
        z = (w - n * p_firm) / math.sqrt(n * p_firm * (1 - p_firm))
        assert row["statistic"] == pytest.approx(z, rel=1e-12)
        assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-10)
        assert row["estimate"] == pytest.approx(sum(cars) / n, rel=1e-12)
        assert row["n"] == n
        assert row["distribution"] == "normal"
        zp = (w - n * p_pool) / math.sqrt(n * p_pool * (1 - p_pool))
        assert prow["statistic"] == pytest.approx(zp, rel=1e-12)
    greater = generalized_sign(p, windows=[(0, 2)], daily=False, alternative="greater")
    cars = [c for c in _cars_loop(p, 0, 2) if not math.isnan(c)]
    w, n = sum(1 for c in cars if c > 0), len(cars)
    z = (w - n * p_firm) / math.sqrt(n * p_firm * (1 - p_firm))
    assert greater.iloc[0]["p_value"] == pytest.approx(stats.norm.sf(z), rel=1e-10)


def _median_sign_scores_loop(p: EventPanel) -> list[list[float]]:
    """G_iu = sign(x_iu - median_i) over the event's estimation and event days (NaN kept out)."""
    scores = []
    for row in _combined_rows(p):
        vals = sorted(v for v in row if not math.isnan(v))
        k = len(vals)
        med = vals[k // 2] if k % 2 else (vals[k // 2 - 1] + vals[k // 2]) / 2
        scores.append(
            [
                math.nan if math.isnan(v) else 1.0 if v > med else -1.0 if v < med else 0.0
                for v in row
            ]
        )
    return scores


def _modified_rank_scores_loop(p: EventPanel) -> list[list[float]]:
    """U_iu - 1/2 with U_iu = K_iu / (n_i + 1)."""
    ranks, counts = _ranks_by_row(p)
    return [[k / (c + 1) - 0.5 for k in row] for row, c in zip(ranks, counts, strict=True)]


def _check_rank_family_windows(p: EventPanel, res: pd.DataFrame, daily_t: list[float]) -> None:
    """Daily T_t as transcribed; a window: sum_t T_t / sqrt(L_w) over its L_w days with
    data (Campbell & Wasley 1993), estimate = CAAR, n = events with an AR in the window."""
    for rel in range(L2[0], L2[1] + 1):
        got = _daily(res, rel)["statistic"]
        want = daily_t[_col(rel)]
        if math.isnan(want):
            assert math.isnan(got)
        else:
            assert got == pytest.approx(want, rel=1e-12)
    for (a, b), row in zip(_WINDOWS, _window_rows(res, _WINDOWS), strict=True):
        ts = [daily_t[_col(r)] for r in range(a, b + 1) if not math.isnan(daily_t[_col(r)])]
        stat = sum(ts) / math.sqrt(len(ts))
        caar, l_w, n = _window_loop(p, a, b)
        assert len(ts) == l_w
        assert row["statistic"] == pytest.approx(stat, rel=1e-12)
        assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(stat)), rel=1e-10)
        assert row["estimate"] == pytest.approx(caar, rel=1e-12)
        assert row["n"] == n
        assert row["distribution"] == "normal"


@pytest.mark.parametrize("which", ["fixture", "gappy"])
def test_corrado_zivney_rank_car_windows_transcription(panel: EventPanel, which: str) -> None:
    p = _pick(panel, which)
    daily_t = _time_series_test(_modified_rank_scores_loop(p), "sqrt", p.resid_est.shape[1])
    assert math.isnan(daily_t[_col(2)]) == (which == "gappy")
    _check_rank_family_windows(p, corrado_zivney_rank(p, windows=_WINDOWS), daily_t)


@pytest.mark.parametrize("which", ["fixture", "gappy"])
def test_corrado_zivney_sign_car_windows_transcription(panel: EventPanel, which: str) -> None:
    p = _pick(panel, which)
    daily_t = _time_series_test(_median_sign_scores_loop(p), "sqrt", p.resid_est.shape[1])
    _check_rank_family_windows(p, corrado_zivney_sign(p, windows=_WINDOWS), daily_t)


# ----------------------------------------------------------------------------- estudy2's CAR rank
def _estudy2_car_rank_loop(
    p: EventPanel, a: int, b: int, coverage: float, divisor: str = "mean_obs"
) -> tuple[float, list[int]]:
    """estudy2's ``car_rank_test`` (R/car_nonparametric_tests.R, irudnyts/estudy2), line by
    line on the event grid: each event's ARs ranked (by counting) over its estimation days
    and the window's days; ``mean_rank`` = mean over events of their mean rank; the kept
    window days have more than ``coverage`` percent of the events; statistic =
    sqrt(T) * (mean of the kept event-day ranks - mean_rank) / sqrt(sum over days with data
    of (row mean rank - mean_rank)^2 / mean(n_i)) (``divisor="days_with_data"``: / the number
    of such days). Returns the statistic and the kept window columns."""
    window = [_col(r) for r in range(a, b + 1)]
    full_rank, delta_full, avg_rank = [], [], []
    for i in range(p.n_events):
        row = list(p.resid_est[i]) + [p.ar[i, c] for c in window]
        vals = [v for v in row if not math.isnan(v)]
        rk = iter(_rank_1d(vals))
        ranks = [math.nan if math.isnan(v) else next(rk) for v in row]
        full_rank.append(ranks)
        delta_full.append(len(vals))
        if vals:  # R: mean(avg_rank, na.rm = TRUE) leaves out an event without returns
            avg_rank.append(sum(r for r in ranks if not math.isnan(r)) / len(vals))
    mean_rank = sum(avg_rank) / len(avg_rank)
    l1 = p.resid_est.shape[1]
    kept, kept_ranks = [], []
    for j, c in enumerate(window):
        col = [full_rank[i][l1 + j] for i in range(p.n_events)]
        present = [r for r in col if not math.isnan(r)]
        if present and 100 * len(present) / p.n_events > coverage:
            kept.append(c)
            kept_ranks += present
    squares = []
    for u in range(len(full_rank[0])):
        present = [full_rank[i][u] for i in range(p.n_events) if not math.isnan(full_rank[i][u])]
        if present:  # R: sum(..., na.rm = TRUE) drops the days without data
            squares.append((sum(present) / len(present) - mean_rank) ** 2)
    d = sum(delta_full) / len(delta_full) if divisor == "mean_obs" else len(squares)
    if not kept:
        return math.nan, kept
    kept_mean = sum(kept_ranks) / len(kept_ranks)
    return math.sqrt(len(kept)) * (kept_mean - mean_rank) / math.sqrt(sum(squares) / d), kept


_E2 = Conventions.profile("estudy2").replace(return_kind="any")  # simulated simple returns


@pytest.mark.parametrize(
    "conv",
    [
        _E2,  # estimate: mean daily AAR; 90 % coverage; variance / mean(n_i)
        _E2.replace(car_min_coverage=80.0),  # keeps the days with 7 of 8 events
        Conventions(car_rank="common_mean"),  # CAAR estimate; days with data
    ],
    ids=["estudy2", "coverage80", "default+common_mean"],
)
def test_estudy2_car_rank_transcription(conv: Conventions) -> None:
    p = make_gappy_panel()  # scattered holes, whole missing days, an event without [-1, 1]
    windows = [(-3, 3), (-1, 1), (-3, 0), (0, 2)]
    res = corrado_rank(p, windows=windows, daily=False, conventions=conv)
    divisor = "mean_obs" if conv.rank_variance_days == "mean_obs" else "days_with_data"
    for (a, b), row in zip(windows, _window_rows(res, windows), strict=True):
        want, kept = _estudy2_car_rank_loop(p, a, b, conv.car_min_coverage, divisor)
        if not kept:
            assert math.isnan(row["statistic"]) and math.isnan(row["estimate"])
            continue
        assert row["statistic"] == pytest.approx(want, rel=1e-12, abs=1e-12)
        assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(want)), rel=1e-10)
        aars = [_aar_loop(p, c) for c in kept]
        est = sum(aars) / len(aars) if conv.car_aggregation == "daily_average" else sum(aars)
        assert row["estimate"] == pytest.approx(est, rel=1e-12)
        n = sum(1 for i in range(p.n_events) if any(not math.isnan(p.ar[i, c]) for c in kept))
        assert row["n"] == n
        assert row["distribution"] == "normal"
    # the gappy panel makes the common mean differ from the sum of daily statistics
    daily_sum = corrado_rank(
        p, windows=windows, daily=False, conventions=conv.replace(car_rank="daily_sum")
    )
    assert not np.allclose(daily_sum["statistic"], res["statistic"], equal_nan=True)


def test_estudy2_car_rank_is_the_daily_sum_without_missing_returns() -> None:
    """All n_i equal and the window the whole event window: the common mean rank is each
    event's own mean rank, and both CAR rank statistics are one number."""
    p = make_panel(seed=3, n_firms=6, shared=True, holes=False)
    assert not np.isnan(p.resid_est).any() and not np.isnan(p.ar).any()
    for days in ("days_with_data", "mean_obs"):
        conv = Conventions(rank_variance_days=days)
        common = corrado_rank(
            p, windows=[L2], daily=False, conventions=conv.replace(car_rank="common_mean")
        )
        summed = corrado_rank(p, windows=[L2], daily=False, conventions=conv)
        assert common["statistic"].iloc[0] == pytest.approx(summed["statistic"].iloc[0], rel=1e-12)


def test_car_rank_convention_values() -> None:
    assert Conventions().car_rank == "daily_sum"
    assert Conventions.profile("estudy2").car_rank == "common_mean"
    assert "car_rank=common_mean" in Conventions.profile("estudy2").describe()
    with pytest.raises(SpecError, match="car_rank"):
        Conventions(car_rank="pooled")  # type: ignore[arg-type]
