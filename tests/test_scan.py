"""Shock scanner (issue 17): the trailing-window engine, calibration, power, tables, CLI.

Independent sources: a plain numpy loop transcription of the rolling market model (``lstsq`` on
each trailing window and the matrix form of the prediction-error variance), scipy's binomial,
beta-binomial and Student-t distributions, and hand counts on planted shocks.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import eventstudy as es
from eventstudy.cli import main
from eventstudy.scan import read_sector_map

MARKET = "SPY"


def simulate(
    n_firms: int = 30,
    n_days: int = 260,
    seed: int = 0,
    *,
    late: int = 0,
) -> pd.DataFrame:
    """Market-model returns: beta ~ U(0.5, 1.5), idiosyncratic sd ~ U(1 %, 3 %), normal."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2022-01-03", periods=n_days, name="date")
    mkt = rng.normal(0.0003, 0.01, n_days)
    beta = rng.uniform(0.5, 1.5, n_firms)
    sd = rng.uniform(0.01, 0.03, n_firms)
    eps = rng.normal(0.0, 1.0, (n_days, n_firms)) * sd
    rets = 0.0002 + mkt[:, None] * beta + eps
    frame = pd.DataFrame(rets, index=dates, columns=[f"F{i:03d}" for i in range(n_firms)])
    for j in range(late):  # late listings: the first returns are missing (not a gap)
        frame.iloc[: 20 * (j + 1), j] = np.nan
    frame[MARKET] = mkt
    return frame


def plant(
    frame: pd.DataFrame, days: list[int], share: float, size: float, seed: int = 1
) -> tuple[pd.DataFrame, np.ndarray]:
    """Add ``size`` x the firm's residual sd (sign random) to a ``share`` of firms on ``days``."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    firms = [c for c in frame.columns if c != MARKET]
    hit = np.zeros((len(frame), len(firms)), dtype=bool)
    resid_sd = (frame[firms].sub(frame[MARKET], axis=0)).std().to_numpy()  # rough scale
    for d in days:
        chosen = rng.choice(len(firms), int(share * len(firms)), replace=False)
        sign = rng.choice([-1.0, 1.0], len(chosen))
        out.iloc[d, chosen] += sign * size * resid_sd[chosen]
        hit[d, chosen] = True
    return out, hit


# ----------------------------------------------------------------------------- loop transcription
def loop_sar(
    frame: pd.DataFrame, ticker: str, t: int, window: tuple[int, int], model: str
) -> tuple[float, float, int]:
    """One firm-day's AR, SAR and dof by a plain loop over the trailing window (lstsq)."""
    y_all = frame[ticker].to_numpy()
    x_all = frame[MARKET].to_numpy()
    ys, xs = [], []
    for s in range(max(t + window[0], 0), t + window[1] + 1):
        if np.isfinite(y_all[s]) and np.isfinite(x_all[s]):
            ys.append(y_all[s])
            xs.append(x_all[s])
    y, x = np.array(ys), np.array(xs)
    n = len(y)
    if model == "market":
        X = np.column_stack([np.ones(n), x])
        b, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ b
        s2 = resid @ resid / (n - 2)
        x0 = np.array([1.0, x_all[t]])
        ar = y_all[t] - x0 @ b
        var = s2 * (1.0 + x0 @ np.linalg.inv(X.T @ X) @ x0)
        return ar, ar / np.sqrt(var), n - 2
    if model == "constant_mean":
        ar = y_all[t] - y.mean()
        s2 = ((y - y.mean()) ** 2).sum() / (n - 1)
        return ar, ar / np.sqrt(s2 * (1 + 1 / n)), n - 1
    d = y - x
    ar = y_all[t] - x_all[t]
    return ar, ar / np.sqrt((d @ d) / n), n


@pytest.mark.parametrize("model", ["market", "constant_mean", "market_adjusted"])
def test_flagged_sar_equals_a_numpy_loop(model: str) -> None:
    frame, _ = plant(simulate(12, 220, seed=3, late=3), [150, 190], 0.5, 6.0)
    frame.iloc[100:103, 5] = np.nan  # a gap, skipped
    window = (-80, -1)
    scan = es.scan_shocks(frame, MARKET, model=model, estimation=window, min_obs=50, gaps="skip")
    shocks = scan.firm_shocks()
    assert len(shocks) >= 10
    pos = {d: i for i, d in enumerate(frame.index)}
    after_gap = frame.index[103]
    checked = 0
    for row in shocks.itertuples():
        if row.ticker == "F005" and row.date > after_gap and pos[row.date] - 80 <= 103:
            continue  # its window holds the skipped return after the gap (not in the loop)
        ar, sar, dof = loop_sar(frame, row.ticker, pos[row.date], window, model)
        assert row.sar == pytest.approx(sar, abs=1e-10, rel=0)
        assert row.ar == pytest.approx(ar, abs=1e-12, rel=0)
        assert row.dof == dof
        checked += 1
    assert checked >= 10
    # and a sample of unflagged firm-days too
    sar_wide = scan.sar
    for t, j in [(120, 0), (200, 7), (219, 11)]:
        tick = frame.columns[j]
        _, sar, _ = loop_sar(frame, tick, t, window, model)
        assert sar_wide.iloc[t][tick] == pytest.approx(sar, abs=1e-10, rel=0)


def test_flag_uses_the_student_t_critical_value_of_each_dof() -> None:
    frame = simulate(20, 200, seed=4, late=4)
    scan = es.scan_shocks(frame, MARKET, estimation=(-120, -1), min_obs=30, level=0.05)
    sar, dof = scan.sar.to_numpy(), scan.dof.to_numpy()
    ok = dof > 0
    crit = stats.t.ppf(0.975, dof[ok])
    np.testing.assert_array_equal(scan.flags.to_numpy()[ok], np.abs(sar[ok]) > crit)
    assert len(np.unique(dof[ok])) > 10  # growing windows: many dofs, each its own cut-off


# ----------------------------------------------------------------------------- no look-ahead
def test_appending_or_changing_later_data_never_changes_an_earlier_day() -> None:
    full, _ = plant(simulate(25, 320, seed=5), [200, 250, 300], 0.4, 5.0)
    cut = 240
    early = es.scan_shocks(full.iloc[:cut], MARKET, estimation=(-100, -1), min_null=20)
    late = es.scan_shocks(full, MARKET, estimation=(-100, -1), min_null=20)
    wild = full.copy()
    wild.iloc[cut:, :-1] *= 7.0  # any later data at all
    changed = es.scan_shocks(
        wild, MARKET, estimation=(-100, -1), min_null=20, allow="split_like_moves"
    )
    for other in (late, changed):
        np.testing.assert_array_equal(other.sar.to_numpy()[:cut], early.sar.to_numpy())
        np.testing.assert_array_equal(other.flags.to_numpy()[:cut], early.flags.to_numpy())
        pd.testing.assert_frame_equal(other.index.iloc[:cut], early.index)
    assert early.flags.to_numpy().any() and early.index["shock"].any()


# ----------------------------------------------------------------------------- calibration, power
@pytest.mark.parametrize(("level", "side"), [(0.01, "both"), (0.05, "both"), (0.05, "down")])
def test_false_flag_rate_is_nominal_on_simulated_null_returns(level: float, side: str) -> None:
    frame = simulate(400, 260, seed=11)
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), level=level, side=side)
    n = int(scan.index["n_firms"].sum())
    flagged = int(scan.index["n_flagged"].sum())
    lo, hi = stats.binom.interval(0.99, n, level)
    assert n == 400 * 160
    assert lo <= flagged <= hi, (flagged / n, level)
    # a normal cut-off (uncalibrated for the t) would flag more than the nominal rate
    q = 1 - level / 2 if side == "both" else 1 - level
    assert stats.t.ppf(q, 98) > stats.norm.ppf(q)


def test_planted_shock_days_are_found_and_power_is_reported(
    record_property: pytest.RecordProperty,
) -> None:
    days = [130, 170, 171, 220]
    frame, hit = plant(simulate(300, 260, seed=21), days, 0.3, 5.0)
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), min_null=20)
    found = scan.index["shock"].to_numpy()
    assert found[days].all()
    day_power = found[days].mean()
    false_days = int(found.sum() - found[days].sum())
    flags = scan.flags.to_numpy()
    firm_power = flags[hit].mean()
    record_property("day_power", day_power)
    record_property("firm_day_power", firm_power)
    print(
        f"power: planted days found {day_power:.2f}, planted firm-days flagged {firm_power:.3f}, "
        f"false shock days {false_days}"
    )
    # a 5-sd shock against a t cut-off of ~2.6: power ~ P(|Z + 5| > 2.6) ~ 0.99
    expected = stats.norm.sf(2.63 - 5.0) + stats.norm.cdf(-2.63 - 5.0)
    assert firm_power > expected - 0.05
    assert false_days <= 3
    # ranked first: the planted days by share flagged
    top = scan.days(top=4).index
    assert set(top) == set(frame.index[days])
    # 170 and 171 are consecutive sessions: one episode of two days
    ep = scan.episodes
    two = ep[ep["n_days"] == 2]
    assert len(two) == 1
    assert two.iloc[0]["start"] == frame.index[170] and two.iloc[0]["end"] == frame.index[171]


def test_memory_is_linear_in_firms_times_days() -> None:
    """Peak traced memory (numpy reports its buffers to tracemalloc) doubles with firms or days."""
    import tracemalloc

    def peak(frame: pd.DataFrame) -> int:
        tracemalloc.start()
        try:
            es.scan_shocks(frame, MARKET, estimation=(-100, -1))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    es.scan_shocks(simulate(10, 200), MARKET, estimation=(-100, -1))  # imports, caches
    base = peak(simulate(200, 400))
    assert peak(simulate(400, 400)) / base == pytest.approx(2.0, rel=0.05)
    assert peak(simulate(200, 800)) / base == pytest.approx(2.0, rel=0.05)


# ----------------------------------------------------------------------------- the day index
def test_day_index_matches_hand_computations() -> None:
    frame, _ = plant(simulate(60, 240, seed=8), [200], 0.4, 5.0)
    scan = es.scan_shocks(frame, MARKET, estimation=(-80, -1), null_window=50, min_null=30)
    idx, sar, flags = scan.index, scan.sar.to_numpy(), scan.flags.to_numpy()
    t = 200
    row = idx.iloc[t]
    s = sar[t][np.isfinite(sar[t])]
    assert row["n_firms"] == len(s) and row["n_flagged"] == flags[t].sum()
    assert row["mean_sar"] == pytest.approx(s.mean(), abs=1e-12)
    assert row["dispersion"] == pytest.approx(s.std(ddof=1), abs=1e-12)
    assert row["p_binomial"] == pytest.approx(
        stats.binom.sf(row["n_flagged"] - 1, row["n_firms"], 0.01), rel=1e-10
    )
    prev = idx.iloc[t - 50 : t]
    prev = prev[prev["n_firms"] > 0]
    m, v, nbar = prev["share"].mean(), prev["share"].var(ddof=1), prev["n_firms"].mean()
    rho = min(max((v * nbar / (m * (1 - m)) - 1) / (nbar - 1), 0.0), 0.99)
    assert row["null_share"] == pytest.approx(m, rel=1e-10)
    assert row["rho"] == pytest.approx(rho, abs=1e-10)
    if rho > 0:
        a, b = m * (1 / rho - 1), (1 - m) * (1 / rho - 1)
        expected = stats.betabinom.sf(row["n_flagged"] - 1, row["n_firms"], a, b)
    else:
        expected = stats.binom.sf(row["n_flagged"] - 1, row["n_firms"], m)
    assert row["p_share"] == pytest.approx(expected, rel=1e-8)
    # Brown-Warner crude dependence adjustment: mean SAR over the sd of previous days' means
    z = row["mean_sar"] / prev["mean_sar"].std(ddof=1)
    assert row["z_mean"] == pytest.approx(z, rel=1e-10)
    assert row["p_mean"] == pytest.approx(2 * stats.t.sf(abs(z), len(prev) - 1), rel=1e-8)
    zd = (row["dispersion"] - prev["dispersion"].mean()) / prev["dispersion"].std(ddof=1)
    assert row["z_dispersion"] == pytest.approx(zd, rel=1e-10)


def test_day_tests_on_simulated_null_returns() -> None:
    """p_mean is calibrated; p_share (discrete) never rejects more often than day_level."""
    frame = simulate(200, 1400, seed=2)
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), day_level=0.05)
    idx = scan.index.dropna(subset=["p_share"])
    n = len(idx)
    lo, hi = stats.binom.interval(0.99, n, 0.05)
    assert n == 1400 - 100 - 60
    assert lo <= (idx["p_mean"] <= 0.05).sum() <= hi
    assert idx["shock"].sum() <= hi


def test_sector_concentration_and_kinds() -> None:
    frame = simulate(40, 240, seed=9)
    sectors = {f"F{i:03d}": ("Chips" if i < 8 else "Other") for i in range(40)}
    frame.iloc[210, :8] -= 0.25  # every chip firm crashes on one day
    frame.iloc[150, 20] += 0.3  # one idiosyncratic jump on a quiet day
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), sectors=sectors, min_null=30)
    day = scan.days(top=1)
    assert day.index[0] == frame.index[210]
    row = day.iloc[0]
    assert row["top_sector"] == "Chips"
    k = int(scan.flags.iloc[210].sum())
    chips = int(scan.flags.iloc[210, :8].sum())
    assert chips == 8 and row["top_sector_flagged"] == 8
    assert row["top_sector_share"] == pytest.approx(8 / k)
    assert row["top_sector_weight"] == pytest.approx(8 / 40)
    assert row["hhi"] == pytest.approx((8 / k) ** 2 + ((k - 8) / k) ** 2)
    assert row["hhi_universe"] == pytest.approx(0.2**2 + 0.8**2)
    # the most over-represented sector: the largest share / weight among sectors with >= 3 hits
    assert row["lift"] == pytest.approx((8 / k) / 0.2)
    n_down = int((scan.flags.iloc[210] & (scan.sar.iloc[210] < 0)).sum())
    assert row["down_top_sector"] == "Chips"
    assert row["down_top_sector_share"] == pytest.approx(8 / n_down)
    assert "F00" in row["top_losers"]
    shocks = scan.firm_shocks()
    jump = shocks[(shocks["ticker"] == "F020") & (shocks["date"] == frame.index[150])]
    assert jump["kind"].tolist() == ["idiosyncratic"]
    crash = shocks[shocks["date"] == frame.index[210]]
    assert set(crash["kind"]) == {"market-wide"}
    by_sector = scan.sector_day(frame.index[210])
    assert by_sector.loc["Chips", "n_flagged"] == 8
    assert by_sector.loc["Chips", "mean_ar"] == pytest.approx(scan.ar.iloc[210, :8].mean())


def test_volume_confirmation_is_the_trailing_log_volume_z() -> None:
    frame = simulate(10, 200, seed=12)
    rng = np.random.default_rng(0)
    vol = pd.DataFrame(
        rng.lognormal(13, 0.3, (200, 10)), index=frame.index, columns=frame.columns[:10]
    )
    frame.iloc[180, 2] -= 0.3
    frame.iloc[180, 3] -= 0.3
    vol.iloc[180, 2] *= 20  # confirmed by volume
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), volume=vol)
    shocks = scan.firm_shocks().set_index(["ticker", "date"])
    d = frame.index[180]
    past = np.log1p(vol.iloc[80:180, 2].to_numpy())
    z = (np.log1p(vol.iloc[180, 2]) - past.mean()) / past.std(ddof=1)
    assert shocks.loc[("F002", d), "volume_z"] == pytest.approx(z, rel=1e-10)
    assert bool(shocks.loc[("F002", d), "volume_confirmed"]) is True
    assert bool(shocks.loc[("F003", d), "volume_confirmed"]) is False


# ----------------------------------------------------------------------------- into a study
def test_to_events_feeds_event_study_and_reports_clustering() -> None:
    frame, _ = plant(simulate(30, 300, seed=13), [230, 236], 0.5, 6.0)
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), min_null=20)
    events = scan.to_events(top=2, event_window=(-5, 5))
    n_scanned = scan.index.loc[frame.index[[230, 236]], "n_firms"].sum()
    assert len(events) == n_scanned
    assert set(events["group"]) == {f"{frame.index[230]:%Y-%m-%d}", f"{frame.index[236]:%Y-%m-%d}"}
    info = events.attrs["clustering"]
    assert info["n_dates"] == 2 and info["largest_cluster"] == 30
    assert info["share_clustered"] == 1.0
    assert info["min_gap"] == 6 and info["overlapping_dates"] == 2  # 6 <= 5 - (-5)
    res = es.EventStudy(
        events, frame, model=es.MarketModel(MARKET), estimation_window=(-120, -11),
        event_window=(-5, 5), calendar=None,
    ).fit()  # fmt: skip
    assert (res.status["status"] == "used").all()
    flagged = scan.to_events(dates=[frame.index[230]], firms="flagged")
    assert len(flagged) == int(scan.flags.iloc[230].sum())


# ----------------------------------------------------------------------------- bad input
def test_too_little_history_is_a_clear_error() -> None:
    frame = simulate(5, 90)
    with pytest.raises(
        es.InsufficientDataError, match=r"too little history.*90 sessions.*min_obs=100"
    ):
        es.scan_shocks(frame, MARKET)


def test_a_universe_with_gaps_is_a_clear_error() -> None:
    frame = simulate(5, 200)
    frame.iloc[120, 3] = np.nan
    with pytest.raises(
        es.DataError, match=r"gaps in the universe.*F003 \(1 missing, first 2022-06-2"
    ):
        es.scan_shocks(frame, MARKET)
    with pytest.raises(es.DataError, match=r"eventstudy scan --gaps skip"):  # the CLI's spelling
        es.scan_shocks(frame, MARKET)
    scan = es.scan_shocks(frame, MARKET, gaps="skip")
    assert scan.meta["gaps"]["ticker"].tolist() == ["F003"]
    assert np.isnan(scan.sar.iloc[121, 3]) and np.isnan(scan.sar.iloc[120, 3])  # spanning return


def test_episode_ids_are_integers_in_tables_and_exports(tmp_path: Path) -> None:
    """Episode ids are counts of runs: written 1, 2, ... (not 1.0), empty on other days."""
    frame, _ = plant(simulate(30, 300, seed=13), [230, 231, 260], 0.5, 6.0)
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), min_null=20)
    shock = scan.index["shock"].to_numpy()
    runs = np.cumsum(shock & ~np.r_[False, shock[:-1]])  # by hand: a new run starts an episode
    assert scan.index["episode"].dtype == "Int64"
    assert scan.index["episode"].isna().tolist() == (~shock).tolist()
    assert scan.index["episode"].dropna().tolist() == runs[shock].tolist()
    scan.export(tmp_path / "out")
    for name in ("shock_index.csv", "shock_days.csv"):
        text = pd.read_csv(tmp_path / "out" / name, dtype=str)["episode"].dropna()
        assert len(text) and text.str.fullmatch(r"\d+").all(), (name, text.tolist())


def test_a_market_column_absent_is_a_clear_error() -> None:
    frame = simulate(5, 200).drop(columns=MARKET)
    with pytest.raises(es.DataError, match=r"market column 'SPY' is not in the returns"):
        es.scan_shocks(frame, MARKET)
    with pytest.raises(es.DataError, match=r"did you mean 'SPY'"):
        es.scan_shocks(simulate(5, 200), "spy")
    # the market named among the firms (it would be regressed on itself): a clear error
    firms = [c for c in simulate(5, 200).columns if c != MARKET]
    with pytest.raises(es.DataError, match=r"SPY is the market: it cannot also be a scanned"):
        es.scan_shocks(simulate(5, 200), MARKET, tickers=[*firms[:2], MARKET])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"estimation": (-100, 0)}, "no look-ahead"),
        ({"level": 1.5}, "strictly between 0 and 1"),
        ({"model": "garch"}, "not a scan model"),
        ({"min_obs": 500}, "larger than the estimation window"),
        ({"side": "left"}, "use one of both, down, up"),
    ],
)
def test_bad_options_are_spec_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(es.SpecError, match=match):
        es.scan_shocks(simulate(5, 200), MARKET, **kwargs)


def test_prices_instead_of_returns_is_a_clear_error() -> None:
    frame = 100 * (1 + simulate(5, 200)).cumprod()
    with pytest.raises(es.DataError, match="look like prices"):
        es.scan_shocks(frame, MARKET)


# ----------------------------------------------------------------------------- display, figures
def test_repr_summary_and_figures() -> None:
    frame, _ = plant(simulate(40, 260, seed=14), [200, 240], 0.4, 6.0)
    sectors = {f"F{i:03d}": "AB"[i % 2] for i in range(40)}
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), sectors=sectors, min_null=20)
    n_flag = int(scan.flags.to_numpy().sum())
    assert f"{n_flag} firm-days flagged" in repr(scan)
    assert "Top" in scan.summary() and "<table>" in scan._repr_html_()
    fig = scan.plot_calendar(top=2)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert len(labels) == 2 and any(f"{frame.index[200]:%Y-%m-%d}" in t for t in labels)
    fig2 = scan.plot_sectors(frame.index[200])
    assert len(fig2.axes[0].get_yticklabels()) == 2
    ranks = scan.rank_of([frame.index[200], frame.index[240]])
    assert sorted(ranks["rank"]) == [1, 2]


# ----------------------------------------------------------------------------- docstrings
def test_the_docstring_examples_run() -> None:
    """Every Examples section of eventstudy.scan, sharing the ShockScan example's objects."""
    import doctest

    from eventstudy.scan import _core, _plots, _results

    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    shared: dict[str, object] = {}
    found = [t for m in (_results, _core, _plots) for t in finder.find(m) if t.examples]
    found.sort(key=lambda t: t.name != "eventstudy.scan._results.ShockScan")  # builds `scan`
    for test in found:
        test.globs = shared
        runner.run(test, clear_globs=False)
    assert runner.failures == 0 and runner.tries >= 30


# ----------------------------------------------------------------------------- CLI
def _write_panel(frame: pd.DataFrame, folder: Path) -> Path:
    prices = 50.0 * (1.0 + frame.fillna(0.0)).cumprod()
    prices.iloc[0] = 50.0
    path = folder / "panel.csv"
    prices.rename_axis("Date").to_csv(path)
    return path


def test_cli_scan_writes_tables_and_figures(tmp_path: Path) -> None:
    frame, _ = plant(simulate(30, 260, seed=15), [220], 0.5, 6.0)
    panel = _write_panel(frame, tmp_path)
    sectors = tmp_path / "sectors.csv"
    pd.DataFrame({"Symbol": frame.columns[:-1], "GICS Sector": "X"}).to_csv(sectors, index=False)
    spec = tmp_path / "scan.toml"
    spec.write_text(
        '[scan]\nuniverse = "panel.csv"\nmarket = "SPY"\nestimation = [-100, -1]\n'
        'sectors = "sectors.csv"\ntop = 5\n'
    )
    out = tmp_path / "out"
    assert main(["scan", str(spec), "--out", str(out), "--quiet"]) == 0
    for name in ("shock_index.csv", "shock_days.csv", "episodes.csv", "firm_shocks.csv",
                 "summary.txt", "figures/shock_calendar.png"):  # fmt: skip
        assert (out / name).is_file(), name
    days = pd.read_csv(out / "shock_days.csv", parse_dates=["date"])
    returns = es.compute_returns(es.read_prices(panel))
    api = es.scan_shocks(returns, MARKET, estimation=(-100, -1), sectors=read_sector_map(sectors))
    expect = api.days(top=5)
    assert days["date"].tolist() == expect.index.tolist()
    np.testing.assert_allclose(days["share"], expect["share"], rtol=1e-12)
    # a second run refuses nothing it wrote itself; flags override the spec
    assert main(["scan", str(spec), "--out", str(out), "--quiet", "--level", "0.05"]) == 0


def test_cli_scan_errors_have_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = simulate(10, 200).drop(columns=MARKET)
    panel = _write_panel(frame, tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('[scan]\nuniverse = "panel.csv"\nwindow = 3\n')
    assert main(["scan", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "unknown key(s) ['window']" in capsys.readouterr().err
    empty = tmp_path / "prices"
    empty.mkdir()
    code = main(["scan", "--universe", str(panel), "--prices-dir", str(empty), "--offline",
                 "--out", str(tmp_path / "o"), "--quiet"])  # fmt: skip
    assert code == 3  # the market (SPY) is in neither the panel nor the prices folder
    assert "SPY" in capsys.readouterr().err


@pytest.mark.shared_data
def test_cli_scan_offline_tickers_with_volume(prices_dir: Path, tmp_path: Path) -> None:
    tickers = "NVDA,AVGO,AMD,MU,VST,CEG,NRG,ANET,ORCL,MSFT,AAPL,META"
    out = tmp_path / "scan"
    args = ["scan", "--tickers", tickers, "--start", "2023-01-03", "--end", "2025-12-31",
            "--prices-dir", str(prices_dir), "--offline", "--volume", "--out", str(out), "-q"]  # fmt: skip
    assert main(args) == 0
    shocks = pd.read_csv(out / "firm_shocks.csv", parse_dates=["date"])
    row = shocks[(shocks["ticker"] == "NVDA") & (shocks["date"] == "2025-01-27")].iloc[0]
    # NVDA's abnormal log volume that day by hand from NVDA.csv: trailing 250 sessions
    raw = pd.read_csv(prices_dir / "NVDA.csv", parse_dates=["Date"], index_col="Date")
    logv = np.log1p(raw["Volume"].astype(float))
    t = logv.index.get_loc(pd.Timestamp("2025-01-27"))
    past = logv.iloc[t - 250 : t]
    z = (logv.iloc[t] - past.mean()) / past.std(ddof=1)
    assert row["volume_z"] == pytest.approx(z, rel=1e-9)
    assert bool(row["volume_confirmed"]) is bool(z >= 1.645)


@pytest.mark.shared_data
def test_cli_scan_leaves_out_a_firm_whose_file_is_unreadable(
    prices_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: one bad price file aborted the whole scan (exit 3, "... are in .partial")
    folder = tmp_path / "prices"
    folder.mkdir()
    for ticker in ("NVDA", "AVGO", "AMD", "MU", "SPY"):
        (folder / f"{ticker}.csv").write_bytes((prices_dir / f"{ticker}.csv").read_bytes())
    (folder / "VST.csv").write_bytes(b"\x00\xff garbage \x00")
    args = ["scan", "--tickers", "NVDA,AVGO,AMD,MU,VST", "--start", "2023-01-03",
            "--end", "2025-12-31", "--prices-dir", str(folder), "--offline",
            "--out", str(tmp_path / "out"), "-q"]  # fmt: skip
    assert main(args) == 0
    assert re.search(r"no prices for VST \(.*VST.csv.*\); left out of the scan",
                     capsys.readouterr().err)  # fmt: skip
    shocks = pd.read_csv(tmp_path / "out" / "firm_shocks.csv")
    assert "VST" not in set(shocks["ticker"]) and "NVDA" in set(shocks["ticker"])
    # the same scan without the bad firm gives the same rows for the others
    args_ok = [a if a != "NVDA,AVGO,AMD,MU,VST" else "NVDA,AVGO,AMD,MU" for a in args]
    args_ok[args_ok.index(str(tmp_path / "out"))] = str(tmp_path / "ok")
    assert main(args_ok) == 0
    pd.testing.assert_frame_equal(shocks, pd.read_csv(tmp_path / "ok" / "firm_shocks.csv"))
    # the market's file unreadable: exit 3 naming it
    (folder / "SPY.csv").write_bytes(b"\x00 garbage")
    args[args.index(str(tmp_path / "out"))] = str(tmp_path / "o2")
    assert main(args) == 3
    assert "no prices for the scan's market SPY" in capsys.readouterr().err


NB06 = Path(__file__).resolve().parents[1] / "notebooks" / "06_shock_scanner.ipynb"
KNOWN = {
    "2025-01-27": "DeepSeek sell-off",
    "2025-04-03": "tariffs \\(day 1\\)",
    "2025-04-04": "tariffs \\(day 2\\)",
    "2025-04-09": "tariff pause rally",
}


def _printed(path: Path) -> str:
    import json

    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name} holds an error"
            if "text" in out:
                parts.append("".join(out["text"]))
            elif "text/plain" in out.get("data", {}):
                parts.append("".join(out["data"]["text/plain"]))
    return "\n".join(parts)


@pytest.mark.shared_data
def test_sp500_scan_and_notebook_06_numbers(prices_dir: Path) -> None:
    """The S&P 500 scan of notebook 06, its printed ranks and counts, recomputed by hand."""
    import re

    universe = es.read_prices(prices_dir / "universe" / "sp500_adjclose.csv")
    spy = es.read_prices(prices_dir / "SPY.csv")
    prices = pd.concat([universe[universe["ticker"] != MARKET], spy], ignore_index=True)
    returns = es.compute_returns(prices)
    scan = es.scan_shocks(returns, MARKET, gaps="skip")
    assert scan.meta["gaps"]["ticker"].tolist() == ["FISV"]  # one missing close, 2025-11-12
    # independent: flags from the SARs and scipy's t quantiles, shares and ranks by counting
    sar, dof = scan.sar.to_numpy(), scan.dof.to_numpy()
    ok = dof > 0
    crit = np.full(sar.shape, np.nan)
    crit[ok] = stats.t.ppf(0.995, dof[ok])
    flagged = np.where(ok, np.abs(sar) > crit, False)
    n_firms, n_flag = ok.sum(axis=1), flagged.sum(axis=1)
    share = pd.Series(
        np.where(n_firms > 0, n_flag / np.maximum(n_firms, 1), np.nan), index=returns.index
    ).dropna()
    text = _printed(NB06)
    fd = re.search(r"firm-days scanned (\d+), flagged (\d+) = ([\d.]+)%", text)
    assert fd is not None
    assert int(fd.group(1)) == ok.sum() and int(fd.group(2)) == flagged.sum()
    for date, label in KNOWN.items():
        s = share[date]
        best, worst = 1 + int((share > s).sum()), int((share >= s).sum())
        m = re.search(rf"market\s+{date}\s+{label}\s+(\d+)\s+(\d+)\s+([\d.]+)", text)
        assert m is not None, date
        rank, of, pct = int(m.group(1)), int(m.group(2)), float(m.group(3))
        assert best <= rank <= worst and of == len(share)
        assert pct == pytest.approx(100 * s, abs=0.05)
        assert scan.rank_of([date])["rank"].iloc[0] == rank
    assert {d: int(scan.rank_of([d])["rank"].iloc[0]) for d in ("2025-04-04", "2025-01-27")} == {
        "2025-04-04": 1 + int((share > share["2025-04-04"]).sum()),
        "2025-01-27": 1 + int((share > share["2025-01-27"]).sum()),
    }
    assert scan.index.loc[["2025-01-27", "2025-04-03", "2025-04-04"], "shock"].all()


# ----------------------------------------------------------------------------- audit of issue 17
def _null_by_loop(
    share: np.ndarray, k: np.ndarray, n: np.ndarray, null_window: int, min_null: int
) -> tuple[np.ndarray, np.ndarray]:
    """The screened day-test null transcribed as a loop over days with scipy only.

    Each day: the previous ``null_window`` scanned sessions; a session whose own p-value was
    <= 0.001 counts at the 0.999 quantile of its own null (as a share), else at its share.
    """
    T = len(share)
    value = share.copy()
    p_out, m_out = np.full(T, np.nan), np.full(T, np.nan)
    for t in range(T):
        if not n[t] > 0:
            continue
        prev = [s for s in range(max(0, t - null_window), t) if n[s] > 0]
        if len(prev) < min_null:
            continue
        vals = np.array([value[s] for s in prev])
        m, v = vals.mean(), vals.var(ddof=1)
        nbar = np.mean([n[s] for s in prev])
        rho = min(max((v * nbar / (m * (1 - m)) - 1) / (nbar - 1), 0.0), 0.99)
        if rho > 0:
            a, b = m * (1 / rho - 1), (1 - m) * (1 / rho - 1)
            dist = stats.betabinom(int(n[t]), a, b)
        else:
            dist = stats.binom(int(n[t]), m)
        p_out[t], m_out[t] = dist.sf(k[t] - 1), m
        if p_out[t] <= 0.001:
            value[t] = min(share[t], dist.ppf(0.999) / n[t])
    return p_out, m_out


def test_earlier_shock_days_do_not_raise_the_bar_for_later_ones(
    record_property: pytest.RecordProperty,
) -> None:
    """20 planted days (30 % of firms at 5 sd) in the last 250 sessions are all found.

    Was: each shock day entered the trailing null at its full share, inflating the null's
    variance, so only half of them were found (3/3, 5/5 and 10/10 at fewer days).
    """
    rng = np.random.default_rng(17)
    days = sorted(int(d) for d in rng.choice(np.arange(350, 600), 20, replace=False))
    frame, _ = plant(simulate(300, 600, seed=17), days, 0.3, 5.0, seed=17)
    scan = es.scan_shocks(frame, MARKET)
    idx = scan.index
    found = idx["shock"].to_numpy()
    assert found[days].sum() == 20  # by counting the planted days
    # independent: the sequential null by a loop with scipy's beta-binomial
    n = idx["n_firms"].to_numpy(dtype=float)
    k = idx["n_flagged"].to_numpy(dtype=float)
    share = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    p_loop, m_loop = _null_by_loop(share, k, n, 250, 60)
    # scipy's beta-binomial sf is 1 - cdf: below ~1e-10 it is rounding noise, hence atol
    np.testing.assert_allclose(idx["p_share"].to_numpy(), p_loop, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(idx["null_share"].to_numpy(), m_loop, rtol=1e-10)
    tested = np.isfinite(p_loop)
    false_days = int(found.sum() - found[days].sum())
    # at most the 99 % binomial bound at day_level on the unplanted tested sessions
    assert false_days <= stats.binom.ppf(0.99, int(tested.sum()) - 20, 0.01)
    record_property("planted_20_days_found", int(found[days].sum()))


def test_no_look_ahead_with_the_screened_null() -> None:
    days = [150, 180, 200, 230, 260, 290]
    full, _ = plant(simulate(60, 320, seed=31), days, 0.4, 6.0, seed=31)
    opts = {"estimation": (-100, -1), "min_null": 20, "null_window": 80}
    for cut in (185, 235, 300):
        early = es.scan_shocks(full.iloc[:cut], MARKET, **opts)
        late = es.scan_shocks(full, MARKET, **opts)
        pd.testing.assert_frame_equal(late.index.iloc[:cut], early.index)


def test_a_day_test_that_never_ran_warns_and_says_so() -> None:
    frame = simulate(20, 120, seed=3)
    with pytest.warns(es.scan.ShockScanWarning, match=r"day test never ran.*min_null=60"):
        scan = es.scan_shocks(frame, MARKET, estimation=(-60, -1))
    # 60 sessions scanned (min_obs = 60: the first scanned day is session 60), none with 60
    # scanned sessions before it
    assert int((scan.index["n_firms"] > 0).sum()) == 120 - 60
    assert scan.index["p_share"].isna().all()
    assert "not tested" in scan.summary() and "day test not run" in repr(scan)
    assert scan.meta["n_day_tested"] == 0 and scan.meta["first_day_tested"] is None
    # partial: the sessions tested are those with min_null scanned sessions before them
    longer = es.scan_shocks(simulate(20, 150, seed=3), MARKET, estimation=(-60, -1))
    assert longer.meta["n_day_tested"] == 150 - 60 - 60
    assert longer.meta["first_day_tested"] == longer.dates[120]
    assert f"day test on 30 sessions from {longer.dates[120]:%Y-%m-%d}" in longer.summary()


def test_sector_maps_that_do_not_match_are_errors_or_warnings(tmp_path: Path) -> None:
    frame = simulate(6, 200, seed=4)
    firms = [c for c in frame.columns if c != MARKET]
    with pytest.raises(es.DataError, match=r"no scanned firm is in the sector map"):
        es.scan_shocks(frame, MARKET, estimation=(-100, -1), sectors={"ZZZ": "X", "YYY": "Y"})
    partial = {f: "X" for f in firms[:4]}
    with pytest.warns(es.scan.ShockScanWarning, match=r"no sector for F004, F005 \(2 of 6\)"):
        scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), sectors=partial)
    assert scan.sectors.tolist() == ["X"] * 4 + ["unknown"] * 2
    # lower-case returns columns match read_sector_map's upper-case tickers
    path = tmp_path / "s.csv"
    path.write_text("Symbol,GICS Sector\n" + "".join(f"{f},S{i}\n" for i, f in enumerate(firms)))
    low = frame.rename(columns={f: f.lower() for f in firms})
    scan = es.scan_shocks(low, MARKET, estimation=(-100, -1), sectors=read_sector_map(path))
    assert scan.sectors.to_dict() == {f.lower(): f"S{i}" for i, f in enumerate(firms)}
    clash = pd.Series(["X", "Y", "X"], index=["F000", "f000", "F001"])
    with pytest.raises(es.DataError, match=r"'F000' appears more than once.*X, Y"):
        es.scan_shocks(frame, MARKET, estimation=(-100, -1), sectors=clash)


def test_duplicate_dates_in_market_or_volume_are_clear_errors() -> None:
    frame = simulate(5, 200, seed=6)
    market = frame.pop(MARKET)
    dup = pd.concat([market, market.iloc[[50]]])
    with pytest.raises(es.DataError, match=rf"market series.*{frame.index[50]:%Y-%m-%d}"):
        es.scan_shocks(frame, dup, estimation=(-100, -1))
    frame[MARKET] = market
    vol = pd.DataFrame(1e6, index=frame.index, columns=frame.columns[:5])
    with pytest.raises(
        es.DataError, match=rf"volume has more than one row for {frame.index[7]:%Y-%m-%d}"
    ):
        es.scan_shocks(frame, MARKET, estimation=(-100, -1), volume=pd.concat([vol, vol.iloc[[7]]]))


def test_volume_that_matches_no_firm_or_is_infinite_is_a_clear_error() -> None:
    frame = simulate(5, 200, seed=7)
    vol = pd.DataFrame(1e6, index=frame.index, columns=frame.columns[:5])
    with pytest.raises(es.DataError, match=r"volume has no column for any scanned firm"):
        es.scan_shocks(frame, MARKET, estimation=(-100, -1), volume=vol.add_prefix("X"))
    bad = vol.copy()
    bad.iloc[30, 1] = np.inf
    with pytest.raises(
        es.DataError, match=rf"infinite volume for F001 on {frame.index[30]:%Y-%m-%d}"
    ):
        es.scan_shocks(frame, MARKET, estimation=(-100, -1), volume=bad)
    with pytest.warns(es.scan.ShockScanWarning, match=r"no volume for F003, F004 \(2 of 5\)"):
        scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), volume=vol.iloc[:, :3])
    assert scan._volume_z is not None and np.isnan(scan._volume_z[:, 3:]).all()


def test_a_constant_market_is_named_in_the_error() -> None:
    frame = simulate(5, 200, seed=8)
    frame[MARKET] = 0.001
    with pytest.raises(es.InsufficientDataError, match=r"market SPY is constant.*n_singular"):
        es.scan_shocks(frame, MARKET, estimation=(-100, -1))


def test_clustering_maps_a_date_that_is_not_a_session_to_the_next_session() -> None:
    frame, _ = plant(simulate(20, 300, seed=13), [230], 0.5, 6.0)
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), min_null=20)
    saturday = frame.index[200] + pd.Timedelta(days=(5 - frame.index[200].weekday()) % 7)
    assert saturday not in frame.index
    monday = frame.index[frame.index.searchsorted(saturday)]
    events = pd.DataFrame({"ticker": ["F000", "F001"], "date": [saturday, frame.index[230]]})
    got = scan.clustering(events).iloc[0]
    gap = frame.index.get_loc(frame.index[230]) - frame.index.get_loc(monday)  # by counting
    assert got["min_gap"] == gap and got["n_rolled"] == 1
    late = pd.DataFrame({"ticker": ["F000"], "date": [frame.index[-1] + pd.Timedelta(days=3)]})
    with pytest.raises(es.DataError, match=r"after the last session"):
        scan.clustering(late)


def test_a_rerun_removes_its_own_stale_sector_figures_only(tmp_path: Path) -> None:
    import json

    sectors = {f"F{i:03d}": "AB"[i % 2] for i in range(30)}
    three, _ = plant(simulate(30, 300, seed=41), [230, 250, 270], 0.5, 6.0)
    one, _ = plant(simulate(30, 300, seed=42), [280], 0.5, 6.0)
    opts = {"estimation": (-100, -1), "min_null": 20, "sectors": sectors}
    first = es.scan_shocks(three, MARKET, **opts)
    out = tmp_path / "out"
    first.export(out)
    old = sorted(p.name for p in (out / "figures").glob("sectors_*.png"))
    assert len(old) == 3
    mine = out / "figures" / "sectors_2099-01-01.png"  # the user's file, not in the manifest
    mine.write_bytes(b"mine")
    edited = out / "figures" / old[0]
    edited.write_bytes(b"edited by the user")
    second = es.scan_shocks(one, MARKET, **opts)
    new = {f"sectors_{d:%Y-%m-%d}.png" for d in second.days(top=3).index}
    with pytest.warns(es.scan.ShockScanWarning, match=rf"kept figures/{old[0]}.*edited"):
        second.export(out)
    now = {p.name for p in (out / "figures").glob("sectors_*.png")}
    assert now == new | {mine.name, edited.name}
    assert mine.read_bytes() == b"mine" and edited.read_bytes() == b"edited by the user"
    listed = set(json.loads((out / ".eventstudy-outputs.json").read_text())["files"])
    stale = {f"figures/{n}" for n in old} - {f"figures/{n}" for n in new}
    assert not (stale - {f"figures/{edited.name}"}) & listed


# ----------------------------------------------------------------------------- third audit
def test_a_stale_output_replaced_by_a_link_is_kept_and_the_run_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: the stale removal raised OutputError on the link: `eventstudy scan` exit 4 after
    # writing every new output
    sectors = tmp_path / "sectors.csv"
    three, _ = plant(simulate(30, 300, seed=41), [230, 250, 270], 0.5, 6.0)
    one, _ = plant(simulate(30, 300, seed=42), [280], 0.5, 6.0)
    pd.DataFrame({"Symbol": three.columns[:-1], "GICS Sector": list("AB" * 15)}).to_csv(
        sectors, index=False
    )
    out = tmp_path / "out"
    args = ["scan", "--universe", "panel.csv", "--prices-dir", str(tmp_path), "--sectors",
            "sectors.csv", "--estimation", "-100", "-1", "--top", "3", "--out", str(out), "-q"]  # fmt: skip
    _write_panel(three, tmp_path)
    assert main(args) == 0
    old = sorted((out / "figures").glob("sectors_*.png"))
    assert len(old) == 3
    precious = tmp_path / "precious.txt"
    precious.write_text("precious")
    old[0].unlink()
    old[0].symlink_to(precious)  # a stale output replaced by a link to the user's file
    _write_panel(one, tmp_path)  # other shock days: the three old figures are stale
    capsys.readouterr()
    assert main(args) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert re.search(rf"warning: kept figures/{old[0].name} \(.*is a symbolic link\)", err)
    assert old[0].is_symlink() and precious.read_text() == "precious"
    assert not old[1].exists() and not old[2].exists()  # unchanged stale outputs: removed
    assert (out / "shock_days.csv").is_file()


def test_a_market_series_named_like_a_column_is_the_market(tmp_path: Path) -> None:
    # was: es.scan_shocks(rets, rets["SPY"]) scanned SPY as a firm (against itself)
    frame = simulate(6, 220, seed=51)
    firms = [c for c in frame.columns if c != MARKET]
    by_name = es.scan_shocks(frame, MARKET, estimation=(-100, -1))
    by_series = es.scan_shocks(frame, frame[MARKET], estimation=(-100, -1))
    assert by_series.firms == firms
    np.testing.assert_array_equal(by_series.sar.to_numpy(), by_name.sar.to_numpy())
    with pytest.raises(es.DataError, match=r"SPY is the market: it cannot also be a scanned"):
        es.scan_shocks(frame, frame[MARKET], tickers=[firms[0], MARKET])
    # a string is one ticker, not its letters
    one = es.scan_shocks(frame, MARKET, estimation=(-100, -1), tickers=firms[0])
    assert one.firms == [firms[0]]
    # the CLI: --tickers naming the market is the same error (was: silently dropped)
    _write_panel(frame, tmp_path)
    code = main(["scan", "--universe", str(tmp_path / "panel.csv"), "--tickers",
                 f"{firms[0]},spy", "--out", str(tmp_path / "o"), "-q"])  # fmt: skip
    assert code == 3 and not (tmp_path / "o").exists()


def test_unparsable_missing_or_tz_aware_dates_are_clear(tmp_path: Path) -> None:
    frame, _ = plant(simulate(20, 300, seed=13), [230, 260], 0.5, 6.0)
    scan = es.scan_shocks(frame, MARKET, estimation=(-100, -1), min_null=20)
    with pytest.raises(es.DataError, match=r"date '2022-13-45' \(position 0\) is not a date"):
        scan.to_events(dates=["2022-13-45"])
    with pytest.raises(es.DataError, match=r"date 'notadate' \(position 1\) is not a date"):
        scan.rank_of([frame.index[230], "notadate"])
    garbage = pd.DataFrame({"ticker": ["F000"], "date": ["garbage"]})
    with pytest.raises(es.DataError, match=r"event date 'garbage' .*is not a date"):
        scan.clustering(garbage)
    missing = pd.DataFrame({"ticker": ["F000", "F001"], "date": [frame.index[230], pd.NaT]})
    with pytest.raises(es.DataError, match=r"event date at position 1 is missing"):
        scan.clustering(missing)
    # tz-aware dates (was: TypeError) count at their own date, as naive ones
    naive = pd.DataFrame({"ticker": ["F000", "F001"], "date": frame.index[[230, 260]]})
    aware = naive.assign(date=naive["date"].dt.tz_localize("UTC"))
    got = scan.clustering(aware).iloc[0]
    gap = 260 - 230  # sessions between the two dates, by position
    assert (got["n_dates"], got["min_gap"], got["n_rolled"]) == (2, gap, 0)
    # a date that is not a session names the next session
    saturday = frame.index[200] + pd.Timedelta(days=(5 - frame.index[200].weekday()) % 7)
    monday = frame.index[frame.index.searchsorted(saturday)]
    with pytest.raises(
        es.DataError,
        match=rf"{saturday:%Y-%m-%d} is not a session.*next session is {monday:%Y-%m-%d}",
    ):
        scan.to_events(dates=[saturday])


def test_input_errors_say_what_to_do() -> None:
    frame = simulate(5, 200, seed=7)
    dup = pd.concat([frame, frame[["F000"]]], axis=1)
    with pytest.raises(es.DataError, match=r"duplicate ticker column 'F000'.*keep one column"):
        es.scan_shocks(dup, MARKET, estimation=(-100, -1))
    text = frame.astype(object)
    text.iloc[3, 1] = "n/a"
    with pytest.raises(es.DataError, match=r"non-numeric return column.*F001.*pd\.to_numeric"):
        es.scan_shocks(text, MARKET, estimation=(-100, -1))
    with pytest.raises(es.DataError, match=r"'SPY' has no returns \(every value.*load the"):
        es.scan_shocks(frame.assign(SPY=np.nan), MARKET, estimation=(-100, -1))
    vol = pd.DataFrame(1e6, index=frame.index, columns=frame.columns[:5])
    neg = vol.copy()
    neg.iloc[30, 1] = -3.0
    with pytest.raises(
        es.DataError, match=rf"negative volume for F001 on {frame.index[30]:%Y-%m-%d}; share"
    ):
        es.scan_shocks(frame, MARKET, estimation=(-100, -1), volume=neg)
    word = vol.astype(object)
    word.iloc[12, 2] = "abc"
    with pytest.raises(
        es.DataError,
        match=rf"non-numeric values \(F002 on {frame.index[12]:%Y-%m-%d}: 'abc'\).*to_numeric",
    ):
        es.scan_shocks(frame, MARKET, estimation=(-100, -1), volume=word)
    quiet = es.scan_shocks(frame, MARKET, estimation=(-100, -1), day_level=1e-9)
    assert not quiet.index["shock"].any()  # the precondition of the next error
    with pytest.raises(es.DataError, match=r"no shock day.*pass dates=\[\.\.\.\]"):
        quiet.to_events(top=5)
    with pytest.raises(es.SpecError, match=r"top=2\.5: give a whole number"):
        quiet.days(top=2.5)


def test_a_failing_cli_scan_leaves_no_folder_it_created(tmp_path: Path) -> None:
    # was: `eventstudy scan --level 2` failed (exit 2) but left the empty --out folder
    frame = simulate(10, 200, seed=3)
    panel = _write_panel(frame, tmp_path)
    nested = tmp_path / "a" / "b"
    args = ["scan", "--universe", str(panel), "--estimation", "-100", "-1", "-q"]
    assert main([*args, "--level", "2", "--out", str(nested)]) == 2
    assert not (tmp_path / "a").exists()
    kept = tmp_path / "mine"
    kept.mkdir()  # a folder the user made is never removed
    assert main([*args, "--level", "2", "--out", str(kept)]) == 2
    assert kept.is_dir()
