"""Inference at scale (issue 14): the linear-memory algorithms equal their ``n x n`` oracles.

Independent sources: the original ``n x n`` Kolari-Pynnönen computation
(:func:`_kp_rbar_dense` below: the dense residual-correlation matrix of
``eventstudy.inference._correlation`` with its shared-session weights), a pair-by-pair
pandas transcription on small panels, and ``scipy.stats.rankdata`` for the ranks.
No timing is asserted here (see ``benchmarks/``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eventstudy.engine.panel import EventPanel, SessionPositions
from eventstudy.inference import _correlation as dense
from eventstudy.inference import kolari_pynnonen, run_tests
from eventstudy.inference._build import market_model_panel
from eventstudy.inference._core import Context
from eventstudy.inference.conventions import Conventions
from eventstudy.inference.kp_rbar import _group_ids, kp_layout, kp_rbars
from eventstudy.inference.nonparametric import _grank_column_means, _ranks

EST, EVT = (-150, -11), (-5, 5)


def _kp_rbar_dense(panel: EventPanel, col_sets: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The ``n x n`` reference (the library's computation before issue 14): the full matrix of
    pairwise residual correlations times the ``n x n`` shared-session weights."""
    corr = dense.residual_correlation(panel).matrix
    return np.array(
        [
            dense.kp_rbar(corr, dense.shared_session_weights(panel, cols), present[:, c])
            for c, cols in enumerate(col_sets)
        ]
    )


def _kp_rbar_loop(panel: EventPanel, cols: np.ndarray, present: np.ndarray) -> float:
    """Pair by pair with pandas: correlation on common dates (>= 30), weight S / sqrt(L L)."""
    series = [
        pd.Series(panel.resid_est[i], index=panel.est_dates[i]).dropna()
        for i in range(panel.n_events)
    ]
    window = [
        {d for d in np.asarray(panel.evt_dates[i])[cols] if not pd.isna(d)}
        for i in range(panel.n_events)
    ]
    idx = [i for i in range(panel.n_events) if present[i]]
    total = 0.0
    for a, i in enumerate(idx):
        for j in idx[a + 1 :]:
            both = pd.concat([series[i], series[j]], axis=1, join="inner").dropna()
            shared = len(window[i] & window[j])
            if shared and len(both) >= 30:
                weight = shared / math.sqrt(len(window[i]) * len(window[j]))
                total += both.corr().iloc[0, 1] * weight
    n = len(idx)
    return total / (n * (n - 1) / 2) if n > 1 else 0.0


def _panel(
    seed: int, n_firms: int, day0: np.ndarray, holes: float, t_len: int = 260, listed: int = 0
) -> EventPanel:
    """Market-model panel with a common factor (so ``r_ij`` is not ~0) and missing returns;
    the first ``listed`` firms list 50 to 120 sessions into the data."""
    rng = np.random.default_rng(seed)
    m, common = rng.normal(0, 0.01, t_len), rng.normal(0, 0.012, t_len)
    r = 0.0002 + m[:, None] + common[:, None] + rng.normal(0, 0.02, (t_len, n_firms))
    r[rng.random(r.shape) < holes] = np.nan
    for j, start in enumerate(rng.integers(50, 120, listed)):
        r[:start, j] = np.nan
    dates = np.datetime64("2021-01-04", "ns") + np.arange(t_len) * np.timedelta64(1, "D")
    return market_model_panel(r, m, np.arange(n_firms), day0, EST, EVT, dates=dates)


def _column_sets(panel: EventPanel) -> np.ndarray:
    width = panel.ar.shape[1]
    days = list(np.eye(width, dtype=bool))
    rel = np.asarray(panel.evt_rel)
    windows = [(rel >= a) & (rel <= b) for a, b in ((-1, 1), (0, 0), (-5, 5), (2, 4))]
    return np.array(days + windows)


def _present(panel: EventPanel, col_sets: np.ndarray) -> np.ndarray:
    """Daily: AR present on the day; windows: any AR in the window (as the SCARs)."""
    ar = ~np.isnan(panel.ar)
    return np.column_stack([(ar & c[None, :]).any(axis=1) for c in col_sets])


def _rng_day0(seed: int, n: int, lo: int, hi: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(lo, hi, n)


PANELS = {
    "shared date, no gaps": lambda: _panel(0, 25, np.full(25, 200), 0.0),
    "shared date, gappy": lambda: _panel(1, 25, np.full(25, 200), 0.02),
    "staggered, no gaps": lambda: _panel(2, 40, _rng_day0(5, 40, 180, 215), 0.0),
    "staggered, gappy": lambda: _panel(3, 40, _rng_day0(6, 40, 180, 215), 0.01),
    "clustered on few dates, gappy": lambda: _panel(
        4, 60, np.repeat([190, 192, 199, 230], 15), 0.005
    ),
    # windows running past the data: NaT event dates, short estimation overlaps
    "edges of the data": lambda: _panel(5, 30, _rng_day0(7, 30, 156, 258), 0.01),
    # firms listed inside the estimation window: most of a row missing (the dense path)
    "listed inside the window": lambda: _panel(8, 30, _rng_day0(9, 30, 180, 215), 0.01, listed=6),
}


@pytest.mark.parametrize("name", list(PANELS))
def test_kp_rbar_equals_dense_oracle(name: str) -> None:
    panel = PANELS[name]()
    col_sets = _column_sets(panel)
    present = _present(panel, col_sets)
    present[::7, :] = False  # some events absent from every statistic
    got = kp_rbars(panel, col_sets, present)
    want = _kp_rbar_dense(panel, col_sets, present)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert np.abs(want).max() > 1e-3  # the panels do correlate: the check is not of zeros


@pytest.mark.parametrize("name", ["shared date, gappy", "staggered, gappy"])
def test_kp_rbar_equals_pairwise_pandas_loop(name: str) -> None:
    panel = PANELS[name]()
    col_sets = _column_sets(panel)[[0, 5, -4, -2]]
    present = _present(panel, col_sets)
    got = kp_rbars(panel, col_sets, present)
    for c, cols in enumerate(col_sets):
        assert got[c] == pytest.approx(_kp_rbar_loop(panel, cols, present[:, c]), abs=1e-12)


def test_kp_rbar_on_irregular_calendars() -> None:
    """Events whose estimation dates skip sessions (another calendar) share no group with
    the rest and meet them on the dates they have in common."""
    panel = PANELS["staggered, gappy"]()
    est = np.asarray(panel.est_dates).copy()
    thin = np.arange(0, panel.n_events, 3)
    est[thin, ::4] = np.datetime64("NaT", "ns")  # every fourth session absent
    resid = panel.resid_est.copy()
    resid[thin, ::4] = np.nan
    shifted = est[1::5] + np.timedelta64(12, "h")  # other session times: nothing in common
    est[1::5] = shifted
    irregular = replace(panel, est_dates=est, resid_est=resid)
    col_sets = _column_sets(irregular)
    present = _present(irregular, col_sets)
    np.testing.assert_allclose(
        kp_rbars(irregular, col_sets, present),
        _kp_rbar_dense(irregular, col_sets, present),
        rtol=0,
        atol=1e-12,
    )


def test_kp_rbar_with_session_positions_equals_stored_dates() -> None:
    """Panels of the chunked engine hold dates as grid positions: same groups, same r_bar."""
    panel = PANELS["staggered, gappy"]()
    sessions = np.unique(np.asarray(panel.evt_dates)[~np.isnat(panel.evt_dates)])
    sessions = np.unique(np.concatenate([sessions, panel.est_dates[~np.isnat(panel.est_dates)]]))
    base = np.searchsorted(sessions, np.asarray(panel.evt_dates)[:, 5])  # day 0
    est_pos = SessionPositions(sessions, base, np.arange(EST[0], EST[1] + 1))
    evt_pos = SessionPositions(sessions, base, np.arange(EVT[0], EVT[1] + 1))
    np.testing.assert_array_equal(est_pos.dates(), panel.est_dates)  # the same grid
    compact = replace(panel, est_dates=None, evt_dates=None)
    compact = replace(compact, est_positions=est_pos, evt_positions=evt_pos)
    col_sets = _column_sets(panel)
    present = _present(panel, col_sets)
    np.testing.assert_allclose(
        kp_rbars(compact, col_sets, present), kp_rbars(panel, col_sets, present), atol=1e-15
    )


def test_kp_groups_are_identical_date_rows() -> None:
    panel = PANELS["clustered on few dates, gappy"]()
    ids = _group_ids(panel)
    rows = np.concatenate(
        [np.asarray(panel.est_dates).view(np.int64), np.asarray(panel.evt_dates).view(np.int64)],
        axis=1,
    )
    _, want = np.unique(rows, axis=0, return_inverse=True)
    # the same partition (labels may differ): one-to-one map between the two labellings
    pairs = set(zip(ids.tolist(), np.ravel(want).tolist(), strict=True))
    assert len(pairs) == len(set(ids.tolist())) == len(set(np.ravel(want).tolist())) == 4
    assert kp_layout(panel).n_groups == 4


def test_kolari_pynnonen_statistic_uses_the_oracle_rbar() -> None:
    """The test's adjustment factor, end to end, with the dense r_bar."""
    panel = PANELS["clustered on few dates, gappy"]()
    kp = kolari_pynnonen(panel, windows=[(-1, 1)])
    bmp = run_tests(panel, ["bmp"], windows=[(-1, 1)])
    ctx = Context(panel, Conventions())
    cols = ctx.window_days((-1, 1))[None, :]
    scar = ctx.scar(cols[0])
    rbar = _kp_rbar_dense(panel, cols, ~np.isnan(scar)[:, None])[0]
    n = int((~np.isnan(scar)).sum())
    base = bmp[bmp["window"] == "[-1, 1]"]["statistic"].iloc[0]
    got = kp[kp["window"] == "[-1, 1]"]["statistic"].iloc[0]
    assert got == pytest.approx(base * math.sqrt((1 - rbar) / (1 + (n - 1) * rbar)), rel=1e-12)


# ----------------------------------------------------------------------------- ranks
def test_row_ranks_equal_scipy_rankdata_with_ties_and_nan() -> None:
    rng = np.random.default_rng(0)
    for shape in [(60, 31), (5, 1), (4, 0), (300, 261)]:
        x = rng.integers(0, 9, shape).astype(float)
        x[rng.random(shape) < 0.2] = np.nan
        want = stats.rankdata(x, axis=1, nan_policy="omit")
        np.testing.assert_array_equal(_ranks(x), want)


def _grank_joined_u(ctx: Context, stars: np.ndarray) -> np.ndarray:
    """``U = rank / (T_i + 1) - 1/2`` of the joined ``[SAR_est, SCAR*]`` matrix of each column
    of ``stars`` by ``scipy.stats.rankdata`` (the computation GRANK did for every window
    before issue 14): ``(W, n, L1 + 1)``."""
    sar_est = ctx.est / np.sqrt(ctx.sigma2)[:, None]
    out = []
    for star in stars.T:
        g = np.concatenate([sar_est, star[:, None]], axis=1)
        ranks = stats.rankdata(g, axis=1, nan_policy="omit")
        out.append(ranks / ((~np.isnan(g)).sum(axis=1)[:, None] + 1) - 0.5)
    return np.array(out)


def _grank_oracle(panel: EventPanel, col_sets: list[np.ndarray]) -> np.ndarray:
    """Kolari & Pynnönen (2011) GRANK t per column set, ranking the joined matrix per set
    (SCAR* = SCAR / s(SCAR), U, S_U^2 = (1/T) sum_t (N_t/N) Ubar_t^2, Z, t)."""
    ctx = Context(panel, Conventions())
    out = []
    for cols in col_sets:
        scar = ctx.scar(cols)
        star = scar / np.nanstd(scar, ddof=1)
        u = _grank_joined_u(ctx, star[:, None])[0]
        n_t = (~np.isnan(u)).sum(axis=0)
        has = n_t > 0
        ubar = np.nanmean(u[:, has], axis=0)
        t_days = int(has.sum())
        s2 = np.sum(n_t[has] / ctx.n * ubar**2) / t_days
        z = ubar[-1] / np.sqrt(s2)
        out.append(z * np.sqrt((t_days - 2) / (t_days - 1 - z**2)))
    return np.array(out)


def _tied(panel: EventPanel) -> EventPanel:
    """Residuals and ARs on a coarse grid: many ties within each event's SARs."""
    return replace(panel, resid_est=np.round(panel.resid_est, 3), ar=np.round(panel.ar, 3))


@pytest.mark.parametrize("name", [*PANELS, "staggered, gappy, tied"])
def test_grank_equals_ranking_the_joined_matrix_per_window(name: str) -> None:
    """GRANK's statistics (each event's SARs sorted once, binary searches and integer column
    shifts) equal ranking the joined ``(n, L1 + 1)`` matrix for every day and window."""
    panel = _tied(PANELS["staggered, gappy"]()) if name.endswith("tied") else PANELS[name]()
    col_sets = _column_sets(panel)
    res = run_tests(panel, ["grank"], windows=[(-1, 1), (0, 0), (-5, 5), (2, 4)])
    ctx = Context(panel, Conventions())
    tested = [c & (ctx.n_t > 0) for c in col_sets[: panel.ar.shape[1]]]  # daily: days with data
    tested += [ctx.window_days(w) for w in [(-1, 1), (0, 0), (-5, 5), (2, 4)]]
    want = _grank_oracle(panel, tested)
    assert np.isfinite(want).sum() >= len(want) - 2  # edge panels may lose a day, not all
    np.testing.assert_allclose(res["statistic"], want, rtol=1e-12, atol=1e-12)


def test_grank_column_means_equal_ranking_the_joined_matrix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Count and mean ``U`` per column against ``rankdata`` of ``[SAR_est, SCAR*]``: SCAR*'s
    tied with one and with several estimation SARs, missing, and in blocks of events."""
    from eventstudy.inference import nonparametric

    panel = _tied(PANELS["staggered, gappy"]())
    ctx = Context(panel, Conventions())
    stars = []
    for window in [(0, 0), (-1, 1), (-5, 5)]:
        scar = ctx.scar(ctx.window_days(window))
        stars.append(scar / np.nanstd(scar, ddof=1))
    stars = np.column_stack(stars)
    sar_est = ctx.est / np.sqrt(ctx.sigma2)[:, None]
    stars[4, 0] = sar_est[4, 10]  # tied with an estimation SAR
    value, n_same = np.unique(sar_est[9][~np.isnan(sar_est[9])], return_counts=True)
    stars[9, 1] = value[np.argmax(n_same)]  # tied with several
    assert n_same.max() >= 2
    stars[6, :] = np.nan
    stars[::5, 2] = np.nan
    u = _grank_joined_u(ctx, stars)
    want_n = (~np.isnan(u)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        want = np.nanmean(u, axis=1)
    for block, rank_block in [(8_192, 8_192), (5, 3)]:
        monkeypatch.setattr(nonparametric, "_GRANK_BLOCK", block)
        monkeypatch.setattr(nonparametric, "_RANK_BLOCK", rank_block)
        fresh = Context(panel, Conventions())
        n_t, ubar = _grank_column_means(fresh, stars)
        np.testing.assert_array_equal(n_t, want_n)
        np.testing.assert_allclose(ubar, want, rtol=0, atol=1e-14)


def test_grank_and_rank_tests_in_blocks_equal_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large panels run GRANK's column means and the rank family's sums in blocks of
    events: forcing tiny blocks gives the same statistics as one block."""
    from eventstudy.inference import nonparametric

    panel = PANELS["staggered, gappy"]()
    names = ["grank", "corrado_rank", "corrado_zivney_rank", "corrado_zivney_sign"]
    whole = run_tests(panel, names, windows=[(-1, 1), (0, 0)])
    monkeypatch.setattr(nonparametric, "_GRANK_BLOCK", 7)
    monkeypatch.setattr(nonparametric, "_RANK_BLOCK", 5)
    blocks = run_tests(panel, names, windows=[(-1, 1), (0, 0)])
    np.testing.assert_allclose(blocks["statistic"], whole["statistic"], rtol=1e-13)
    np.testing.assert_allclose(blocks["p_value"], whole["p_value"], rtol=1e-12)


def _lamb_loop(panel: EventPanel) -> np.ndarray:
    """Lamb (1995): ``C_t = 1 + 1/mean(L_i) + mean_i (m_it - mbar_i)^2 / SS_i``, event by event."""
    dev = []
    for i in range(panel.n_events):
        m = [v for v in panel.market_est[i] if not math.isnan(v)]
        mbar = sum(m) / len(m)
        ss = sum((v - mbar) ** 2 for v in m)
        dev.append([(v - mbar) ** 2 / ss for v in panel.market_evt[i]])
    mean_l = float(np.mean(panel.nobs))
    return 1.0 + 1.0 / mean_l + np.nanmean(np.array(dev), axis=0)


def test_lamb_in_blocks_and_with_the_market_as_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lamb's factor from blocks of events, with the market held as one series read on the
    grid (the chunked engine's compact form), equals the event-by-event transcription."""
    from eventstudy.engine.panel import SessionValues
    from eventstudy.inference import lamb, parametric

    panel = PANELS["staggered, gappy"]()
    est, evt = np.asarray(panel.est_dates), np.asarray(panel.evt_dates)
    sessions = np.unique(np.concatenate([est[~np.isnat(est)], evt[~np.isnat(evt)]]))
    base = np.searchsorted(sessions, evt[:, 5])  # day 0
    est_pos = SessionPositions(sessions, base, np.arange(EST[0], EST[1] + 1))
    series = np.full(len(sessions), np.nan)
    series[np.searchsorted(sessions, est[~np.isnat(est)])] = panel.market_est[~np.isnat(est)]
    source = SessionValues(series, est_pos)
    np.testing.assert_array_equal(source.values(), panel.market_est)  # the same market
    compact = replace(panel, market_est=None, market_est_source=source)
    want = _lamb_loop(panel)
    for block in (8_192, 7):
        monkeypatch.setattr(parametric, "_LAMB_BLOCK", block)
        for p in (panel, compact):
            got = parametric._lamb_factor(Context(p, Conventions()))
            np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(
        lamb(compact, windows=[(-1, 1)])["statistic"],
        lamb(panel, windows=[(-1, 1)])["statistic"],
        rtol=1e-12,
    )


def test_session_values_in_blocks_equal_a_loop_over_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    """The market read on a grid in blocks of rows (no (n, L) index temporaries) equals
    reading each cell, NaN where a position falls outside the series."""
    from eventstudy.engine import panel as panel_module
    from eventstudy.engine.panel import SessionValues

    rng = np.random.default_rng(11)
    series = rng.normal(0, 0.01, 40)
    sessions = np.datetime64("2021-01-04", "ns") + np.arange(40) * np.timedelta64(1, "D")
    base = rng.integers(-3, 43, 23)  # some windows run past either end of the series
    offsets = np.arange(-2, 4)
    want = np.array([[series[b + o] if 0 <= b + o < 40 else np.nan for o in offsets] for b in base])
    values = SessionValues(series, SessionPositions(sessions, base, offsets))
    for block in (8_192, 5, 1):
        monkeypatch.setattr(panel_module, "_VALUES_BLOCK", block)
        np.testing.assert_array_equal(values.values(), want)


def test_which_tests_apply_does_not_read_the_market_into_an_array(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Choosing the tests (Lamb needs a market) asks the panel whether it holds one: a
    market held as series + positions is not read into an (n, L1) array to answer
    (it was: up to four such arrays at a time, ~6 GB at a million events)."""
    from eventstudy.engine.panel import SessionValues
    from eventstudy.inference._registry import REGISTRY

    panel = PANELS["staggered, gappy"]()
    est = np.asarray(panel.est_dates)
    sessions = np.unique(est[~np.isnat(est)])
    series = np.full(len(sessions), 0.001)
    source = SessionValues(
        series, SessionPositions(sessions, np.zeros(panel.n_events, int), np.arange(3))
    )
    compact = replace(panel, market_est=None, market_est_source=source)

    def refuse(self: SessionValues) -> np.ndarray:
        raise AssertionError("the market was read into an (n, L) array")

    monkeypatch.setattr(SessionValues, "values", refuse)
    assert compact.has("market_est") and compact.market_est_source is source
    assert REGISTRY["lamb"].why_not(compact) == ""
    no_market = replace(panel, market_est=None, market_evt=None)
    assert not no_market.has("market_est")
    assert "market_est" in REGISTRY["lamb"].why_not(no_market)


def test_grank_releases_its_sorted_sars_with_the_same_numbers() -> None:
    """GRANK's sorted estimation SARs (4 bytes a cell) are dropped once its rows are
    computed (issue 14); asking again (other windows) sorts again: the same statistics as a
    fresh panel."""
    panel = PANELS["staggered, gappy"]()
    ctx = Context.of(panel, Conventions())
    first = run_tests(panel, ["grank", "wilcoxon"], windows=[(-1, 1)])
    assert "grank_base" not in ctx.__dict__
    again = run_tests(panel, ["grank"], windows=[(0, 0), (-5, 5)])
    assert "grank_base" not in ctx.__dict__
    fresh = run_tests(PANELS["staggered, gappy"](), ["grank"], windows=[(0, 0), (-5, 5)])
    pd.testing.assert_frame_equal(again, fresh)
    assert first["statistic"].notna().all()


# ----------------------------------------------------------------------------- memory model
def test_memory_model_panel_matches_the_arrays_of_a_fitted_panel() -> None:
    """The panel part of the estimate against the bytes numpy reports for a real panel."""
    from eventstudy.memory import estimate_memory

    panel = PANELS["staggered, gappy"]()
    held = sum(
        np.asarray(getattr(panel, name)).nbytes
        for name in ("resid_est", "est_dates", "ret_evt", "normal_evt", "ar", "evt_dates")
        + ("market_evt", "x_evt", "xtx_inv", "market_est", "sigma2", "nobs", "dof", "params")
    )
    est = estimate_memory(panel.n_events, len(panel.est_rel), len(panel.evt_rel))
    assert 0.75 * held <= est.panel <= 1.5 * held


def test_memory_model_counts_the_ranks_grank_builds_and_releases() -> None:
    """GRANK ranks each event's estimation SARs (2 bytes a cell) for its own rows and releases
    them (issue 14): the model counts them in GRANK's part, not as held by later tests,
    against the bytes numpy reports for them."""
    from eventstudy.inference.nonparametric import _grank_base
    from eventstudy.memory import estimate_memory

    panel = PANELS["staggered, gappy"]()
    n, l1, l2 = panel.n_events, len(panel.est_rel), len(panel.evt_rel)
    ctx = Context.of(panel, Conventions())
    run_tests(panel, ["grank"], windows=[(-1, 1)])
    assert "grank_base" not in ctx.__dict__  # released
    ranks = _grank_base(Context(panel, Conventions())).rank2.nbytes
    est = estimate_memory(n, l1, l2, ["grank"])
    assert est.held == 0
    assert est.tests["grank"] >= ranks == n * l1 * 2


def test_check_memory_picks_the_chunked_engine_or_refuses_naming_the_test() -> None:
    from eventstudy.exceptions import InsufficientMemoryError
    from eventstudy.memory import check_memory, estimate_memory

    n, l1, l2 = 1_000_000, 240, 21
    few = ["bmp", "patell"]  # the fit's working set dominates: the engines differ
    numpy_total = estimate_memory(n, l1, l2, few, engine="numpy").total
    chunked_total = estimate_memory(n, l1, l2, few, engine="chunked").total
    assert chunked_total < numpy_total
    assert check_memory(n, l1, l2, few, available=numpy_total + 1) == "numpy"
    middle = (chunked_total + numpy_total) // 2
    assert check_memory(n, l1, l2, few, available=middle) == "chunked"
    chunked = estimate_memory(n, l1, l2, engine="chunked")
    largest, _ = chunked.largest_test
    with pytest.raises(InsufficientMemoryError, match=largest) as err:
        check_memory(n, l1, l2, available=chunked.panel)
    assert "chunked engine" in str(err.value) and "split the events" in str(err.value)
    # without GRANK the largest part is another test or the panel itself (chunked engine:
    # the numpy engine's fit needs more than any test at this size)
    few_total = estimate_memory(n, l1, l2, ["bmp"], engine="chunked").total
    assert few_total < estimate_memory(n, l1, l2, engine="chunked").total


# ----------------------------------------------------------------------------- the CLI
@pytest.mark.shared_data
def test_cli_run_chooses_the_chunked_engine_or_refuses_before_allocating(
    tmp_path: Path,
    prices_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from eventstudy import memory
    from eventstudy.cli import main
    from eventstudy.spec import load_spec

    source = Path(__file__).resolve().parents[1] / "examples" / "deepseek_selloff.toml"
    spec = load_spec(source)
    n = len(spec.events_frame())
    l1 = memory.window_length(spec.estimation_window)
    l2 = memory.window_length(spec.event_window)
    tests = list(spec.tests) if spec.tests is not None else "all"
    chunked_need = memory.estimate_memory(n, l1, l2, tests, engine="chunked").total
    argv = ["run", str(source), "--prices-dir", str(prices_dir), "--offline"]

    monkeypatch.setattr(memory, "available_memory", lambda: chunked_need // 2)
    assert main([*argv, "--out", str(tmp_path / "refused")]) == 1
    err = capsys.readouterr().err
    assert "out of memory" in err and "chunked engine" in err and "GB" in err
    assert not (tmp_path / "refused" / "summary.txt").exists()
    # the switch itself (check_memory's decision is tested above): same report numbers
    monkeypatch.setattr(memory, "available_memory", lambda: 2**62)
    assert main([*argv, "--out", str(tmp_path / "numpy"), "-q"]) == 0
    monkeypatch.setattr(memory, "check_memory", lambda *a, **k: "chunked")
    assert main([*argv, "--out", str(tmp_path / "chunked")]) == 0
    assert "using the chunked engine" in capsys.readouterr().err
    car = [pd.read_csv(tmp_path / d / "car.csv") for d in ("numpy", "chunked")]
    pd.testing.assert_frame_equal(car[0], car[1], rtol=1e-12)


# ----------------------------------------------------------------------------- bootstrap
@pytest.mark.parametrize("n_events", [7, 8, 1001])
def test_bootstrap_in_blocks_draws_the_same_resamples(
    n_events: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of replications (bounded memory) give the resamples of one ``(B, N)`` draw."""
    from eventstudy.inference import bootstrap

    car = np.random.default_rng(1).normal(size=n_events)
    monkeypatch.setattr(bootstrap, "_BOOT_CELLS", 3 * n_events + 1)  # blocks of 3-4 rows
    for seed in (0, 5):
        got = bootstrap._resampled_means(car, 999, np.random.default_rng(seed))
        rng = np.random.default_rng(seed)
        want = car[rng.integers(0, n_events, size=(999, n_events))].mean(axis=1)
        np.testing.assert_array_equal(got, want)
