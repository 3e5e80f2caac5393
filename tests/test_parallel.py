"""Chunked and Dask engines: the same panel, status and tests as the single-machine run.

The independent source of every number here is ``EventStudy.fit()`` (the single-machine
engine) and, for the clustering diagnostic, the original ``n x n`` implementation in
``eventstudy.inference.clustering``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy
from eventstudy.engine.executors import partition_events
from eventstudy.events import EventsDroppedWarning
from eventstudy.exceptions import InsufficientDataError, SpecError
from eventstudy.inference import clustering, run_tests

ROW_FIELDS = (
    "event_id",
    "ticker",
    "day0",
    "group",
    "est_dates",
    "evt_dates",
    "resid_est",
    "ret_evt",
    "normal_evt",
    "ar",
    "var_ar",
    "sigma2",
    "nobs",
    "dof",
    "params",
    "xtx_inv",
    "x_evt",
    "market_est",
    "market_evt",
    "bench_evt",
    "r2",
)


def _returns(n_firms: int = 12, n_days: int = 420, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    market = rng.normal(0.0004, 0.01, n_days)
    beta = rng.uniform(0.5, 1.5, n_firms)
    firm = market[:, None] * beta + rng.normal(0, 0.02, (n_days, n_firms))
    ret = pd.DataFrame(firm, index=dates, columns=[f"F{i}" for i in range(n_firms)])
    ret["SPY"] = market
    ret.iloc[50:300, 2] = np.nan  # F2: too few estimation observations for late events
    ret.iloc[330:335, 4] = np.nan  # F4: missing days inside some event windows
    return ret


def _events(ret: pd.DataFrame, n: int = 150, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = ret.index
    tickers = [*[f"F{i}" for i in range(12)], "NOPE"]  # NOPE: no returns
    ev = pd.DataFrame(
        {
            "ticker": rng.choice(tickers, n),
            "date": dates[rng.integers(255, len(dates) - 12, n)],
            "group": rng.choice(["a", "b"], n),
        }
    )
    # a repeated firm-day (dropped as duplicate) and overlapping windows of one firm
    return pd.concat([ev, ev.iloc[[0]], ev.iloc[[1]].assign(date=ev["date"].iloc[1])]).reset_index(
        drop=True
    )


def _fit(study: EventStudy, **kwargs: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventsDroppedWarning)
        return study.fit(**kwargs)


def _assert_same(a, b) -> None:
    """Panels, status and params equal; float arrays to 1e-12 (they are in fact identical)."""
    for name in ROW_FIELDS:
        x, y = getattr(a.panel, name), getattr(b.panel, name)
        if x is None or y is None:
            assert x is None and y is None, name
            continue
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape, name
        if x.dtype.kind == "f":
            np.testing.assert_allclose(y, x, rtol=0, atol=1e-12, err_msg=name)
        else:
            np.testing.assert_array_equal(y, x, err_msg=name)
    pd.testing.assert_frame_equal(b.status, a.status)
    pd.testing.assert_frame_equal(b.params, a.params, check_exact=False, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(b.car(), a.car(), check_exact=False, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(
        np.asarray(b.meta["market_value_date"]), np.asarray(a.meta["market_value_date"])
    )


def _assert_same_tests(a, b) -> None:
    windows = [(-1, 1), (0, 0), (-5, 5)]
    ta = run_tests(a.panel, windows=windows)
    tb = run_tests(b.panel, windows=windows)
    assert {"corrado_rank", "grank", "kolari_pynnonen", "wilcoxon"} <= set(ta["test"])
    pd.testing.assert_frame_equal(tb, ta, check_exact=False, rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def study() -> EventStudy:
    ret = _returns()
    return EventStudy(_events(ret), ret, calendar=None, estimation_window=(-200, -11))


@pytest.fixture(scope="module")
def single(study: EventStudy):
    return _fit(study)


def test_partitions_hold_whole_tickers_in_input_order() -> None:
    ev = pd.DataFrame({"ticker": list("ABACBDDAE "), "date": pd.Timestamp("2024-01-02")})
    blocks = partition_events(ev, 3)
    rows = np.concatenate(blocks)
    assert sorted(rows.tolist()) == list(range(len(ev)))
    for b in blocks:
        assert np.all(np.diff(b) > 0)
    owner = {t: i for i, b in enumerate(blocks) for t in ev["ticker"].iloc[b]}
    for i, b in enumerate(blocks):
        assert all(owner[t] == i for t in ev["ticker"].iloc[b])
    assert len(partition_events(ev, 100)) == ev["ticker"].nunique()
    assert len(partition_events(ev, 1)) == 1


@pytest.mark.parametrize("chunk_events", [1, 40, 10_000])
def test_chunked_engine_matches_single_machine(
    study: EventStudy, single, chunk_events: int
) -> None:
    chunked = _fit(study, engine="chunked", chunk_events=chunk_events)
    assert (single.status["status"] == "dropped").sum() >= 3  # NOPE, F2, the duplicate
    assert (single.status["overlaps"] != "").any()
    _assert_same(single, chunked)
    assert chunked.panel.meta["engine"] == "chunked"
    assert chunked.panel.meta["n_used"] == single.panel.n_events


def test_chunked_engine_tests_identical(study: EventStudy, single) -> None:
    _assert_same_tests(single, _fit(study, engine="chunked", chunk_events=30))


def test_chunked_engine_date_windows() -> None:
    ret = _returns()
    ev = _events(ret, n=20)
    ev["date"] = ret.index[400]
    kw = {"estimation_window": ("2021-01-04", "2021-12-31"), "event_window": (-5, 5)}
    st = EventStudy(ev, ret, calendar=None, **kw)
    _assert_same(_fit(st), _fit(st, engine="chunked", chunk_events=5))


def test_chunked_engine_warns_once_and_raises_when_nothing_used(study: EventStudy) -> None:
    with pytest.warns(EventsDroppedWarning) as record:
        study.fit(engine="chunked", chunk_events=20)
    assert len([w for w in record if issubclass(w.category, EventsDroppedWarning)]) == 1
    ret = _returns()
    bad = EventStudy(
        pd.DataFrame({"ticker": ["NOPE", "F2"], "date": [ret.index[300]] * 2}), ret, calendar=None
    )
    with pytest.raises(InsufficientDataError, match="no event could be used"):
        _fit(bad, engine="chunked", chunk_events=1)


def test_invalid_engine_and_inputs_fall_back_to_the_usual_errors(study: EventStudy) -> None:
    with pytest.raises(SpecError, match="engine="):
        study.fit(engine="spark")
    ret = _returns()
    dup = pd.DataFrame({"ticker": ["F1", "F3"], "date": ret.index[300], "event_id": ["x", "x"]})
    with pytest.raises(Exception, match="unique"):
        EventStudy(dup, ret, calendar=None).fit(engine="chunked")


@pytest.mark.parametrize("overlapping", [True, False])
def test_clustering_without_the_matrix_matches_pairwise_overlap(single, overlapping: bool) -> None:
    panel = single.panel
    if not overlapping:  # events whose day 0s are 60+ calendar days apart share no session
        d0 = np.asarray(panel.day0).astype("datetime64[D]").astype(np.int64)
        keep, last = [], -(10**9)
        for i in np.argsort(d0, kind="stable"):
            if d0[i] - last >= 60:
                keep.append(i)
                last = d0[i]
        panel = panel.take(np.sort(np.asarray(keep)))
        assert panel.n_events >= 2
    # independent: pairwise comparison of the event-window date sets
    dates = [set(row[~np.isnat(row)].tolist()) for row in np.asarray(panel.evt_dates)]
    overlaps = [
        any(dates[i] & dates[j] for j in range(len(dates)) if j != i) for i in range(len(dates))
    ]
    diag = clustering(panel).iloc[0]
    assert diag["clustered"] == any(overlaps) == overlapping
    assert diag["share_overlapping"] == pytest.approx(np.mean(overlaps))


def test_clustering_from_session_positions_equals_from_dates(single) -> None:
    """The diagnostic codes event-window cells by session position when the panel holds
    positions (no dates, no sort): the same frame as from the dates themselves, and the
    overlap count of a pairwise comparison of the date sets."""
    from dataclasses import replace

    from eventstudy.inference._cluster_measures import cluster_measures

    panel = single.panel
    assert panel.__dict__["_evt_dates"] is None and panel.evt_positions is not None
    dated = replace(panel, evt_dates=np.asarray(panel.evt_dates), evt_positions=None)
    pd.testing.assert_frame_equal(clustering(panel), clustering(dated))
    dates = [set(row[~np.isnat(row)].tolist()) for row in np.asarray(panel.evt_dates)]
    others = [
        sum(bool(dates[i] & dates[j]) for j in range(len(dates)) if j != i)
        for i in range(len(dates))
    ]
    for p in (panel, dated):
        assert cluster_measures(p)["mean_overlapping"] == pytest.approx(np.mean(others))


@pytest.mark.slow
def test_dask_engine_matches_single_machine(study: EventStudy, single) -> None:
    distributed = pytest.importorskip("distributed")
    from eventstudy.engine.executors import fit_dask

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        via_fit = _fit(study, engine="dask", client=client, partitions=3)
        with pytest.warns(EventsDroppedWarning):
            direct = fit_dask(study, client=client, partitions=5)
    _assert_same(single, via_fit)
    _assert_same(single, direct)
    _assert_same_tests(single, via_fit)
    assert via_fit.panel.meta["engine"] == "dask"
    assert via_fit.panel.meta["partitions"] == 3


def test_market_est_kept_as_positions_and_fallback_to_stored(
    study: EventStudy, single, monkeypatch: pytest.MonkeyPatch
) -> None:
    lazy = _fit(study, engine="chunked", chunk_events=30)
    assert lazy.panel.market_est_source is not None  # one market: not stored as (n, L1)
    assert lazy.panel.est_positions is not None
    np.testing.assert_array_equal(lazy.panel.market_est, single.panel.market_est)

    # a model whose market_est is not the series by construction is compared part by part:
    # a part whose market values differ from the series switches the writer to stored
    # arrays, filling the rows of the parts it had skipped
    from eventstudy.engine import executors as parallel
    from eventstudy.models import MarketModel

    monkeypatch.setattr(MarketModel, "market_est_is_market", False)

    real = parallel._PanelWriter._derived_market
    calls = {"n": 0}
    width = len(single.panel.est_rel)

    def flaky(self, positions):
        values = real(self, positions)
        if values.shape[1] != width:  # the event grid's market: as it is
            return values
        calls["n"] += 1
        return values + 1.0 if calls["n"] == 3 else values

    monkeypatch.setattr(parallel._PanelWriter, "_derived_market", flaky)
    stored = _fit(study, engine="chunked", chunk_events=30)
    assert calls["n"] > 3
    assert stored.panel.market_est_source is None
    np.testing.assert_array_equal(stored.panel.market_est, single.panel.market_est)


COMPACT = ("market_evt", "bench_evt", "normal_evt")


def test_event_grid_market_benchmark_and_normal_returns_kept_compact(
    study: EventStudy, single
) -> None:
    """The chunked panel holds market_evt and bench_evt as the market series read on the
    event grid and normal_evt as ret_evt - ar (issue 14: 8 n L2 bytes each): on access they
    are the single run's stored arrays, bit for bit, also for a subset of the events."""
    p = _fit(study, engine="chunked", chunk_events=30).panel
    assert p.market_evt_source is not None and p.bench_evt_source is not None
    assert all(p.__dict__["_" + name] is None for name in COMPACT)  # nothing (n, L2) stored
    assert all(p.has(name) for name in (*COMPACT, "market_est"))
    for name in COMPACT:
        np.testing.assert_array_equal(getattr(p, name), getattr(single.panel, name), name)
    rows = np.flatnonzero(np.asarray(p.ticker) == "F1")
    sub = p.take(rows)
    assert sub.market_evt_source is not None and sub.__dict__["_normal_evt"] is None
    for name in (*COMPACT, "market_est"):
        np.testing.assert_array_equal(getattr(sub, name), getattr(single.panel, name)[rows], name)


def test_compact_fields_fall_back_to_stored_when_a_part_differs(
    study: EventStudy, single, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part whose benchmark or normal returns are not the derivation makes that field
    stored: the rows of earlier parts are derived into the array, the part's own values kept."""
    from eventstudy.engine import executors as parallel

    real = parallel._fit_part
    parts: list[np.ndarray] = []

    def second_part_differs(st, events, rows):
        part = real(st, events, rows)
        parts.append(np.asarray(rows))  # input rows of the part
        if len(parts) == 2:
            part.panel.bench_evt = part.panel.bench_evt + 1.0
            part.panel.normal_evt = part.panel.normal_evt + 1.0
        return part

    monkeypatch.setattr(parallel, "_fit_part", second_part_differs)
    p = _fit(study, engine="chunked", chunk_events=30).panel
    assert p.bench_evt_source is None and p.__dict__["_bench_evt"] is not None
    assert p.__dict__["_normal_evt"] is not None
    assert p.market_evt_source is not None  # unaffected: still compact
    ids = np.asarray(single.panel.event_id)
    second = np.isin(ids, np.asarray(single.status["event_id"])[parts[1]])
    assert second.any() and not second.all()
    for name in ("bench_evt", "normal_evt"):
        want = np.asarray(getattr(single.panel, name))
        got = np.asarray(getattr(p, name))
        np.testing.assert_array_equal(got[~second], want[~second], name)
        np.testing.assert_array_equal(got[second], want[second] + 1.0, name)


def test_capm_market_excess_returns_are_stored_not_derived() -> None:
    """CAPM's market_est is market - RF, not the market series: the chunked engine must
    store it (a value comparison), and give the single run's numbers."""
    from eventstudy import CAPM

    ret = _returns()
    rf = pd.DataFrame({"RF": np.linspace(0.0001, 0.0002, len(ret))}, index=ret.index)
    study = EventStudy(_events(ret), ret, model=CAPM(market="SPY"), factors=rf, calendar=None)
    single, chunked = _fit(study), _fit(study, engine="chunked", chunk_events=30)
    assert chunked.panel.market_est_source is None  # stored (n, L1) values
    _assert_same(single, chunked)
    # independent: the stored market regressor is SPY minus RF on each estimation date
    p = chunked.panel
    est = pd.DatetimeIndex(np.asarray(p.est_dates)[0])
    expected = (ret["SPY"] - rf["RF"]).reindex(est).to_numpy()
    np.testing.assert_allclose(p.market_est[0], expected, rtol=0, atol=1e-15)
