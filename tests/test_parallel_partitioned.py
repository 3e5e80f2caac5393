"""Tests on a panel whose estimation window stays in partitions (issue 14: Dask that scales out).

The independent source of every number here is ``run_tests`` on the whole panel in this
process (the single-machine engine, whose tests have their own oracles elsewhere); the
partitioned reductions (``eventstudy.inference.partitioned``) must give the same rows to
1e-12 for any split of the events, under several conventions, on shared-date, staggered
and gappy panels. The Kolari-Pynnönen band's one-pass ``r_bar`` is checked against the
former one call per day.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, MarketModel
from eventstudy.events import EventsDroppedWarning
from eventstudy.exceptions import DataError, EventStudyWarning
from eventstudy.inference import Conventions, run_tests
from eventstudy.inference._core import Context
from eventstudy.inference._stats import memo_for
from eventstudy.inference.partitioned import LocalPartitions, PartitionedEstimation

WINDOWS = [(-1, 1), (0, 0), (-5, 5)]
NUMBERS = ["estimate", "statistic", "p_value", "df"]


def _returns(n_firms: int = 14, n_days: int = 420, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    market = rng.normal(0.0004, 0.01, n_days)
    beta = rng.uniform(0.5, 1.5, n_firms)
    firm = market[:, None] * beta + rng.normal(0, 0.02, (n_days, n_firms))
    ret = pd.DataFrame(firm, index=dates, columns=[f"F{i}" for i in range(n_firms)])
    ret["SPY"] = market
    holes = rng.random(firm.shape) < 0.01  # scattered missing returns: gappy KP pairs
    ret.iloc[:, :n_firms] = ret.iloc[:, :n_firms].mask(holes)
    return ret


def _fit(ret: pd.DataFrame, days: pd.DatetimeIndex, n: int, seed: int) -> object:
    rng = np.random.default_rng(seed)
    ev = pd.DataFrame(
        {
            "ticker": rng.choice([f"F{i}" for i in range(14)], n),
            "date": days[rng.integers(0, len(days), n)],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventsDroppedWarning)
        study = EventStudy(
            ev, ret, model=MarketModel("SPY"), calendar=None, estimation_window=(-200, -11)
        )
        return study.fit()


@pytest.fixture(scope="module")
def ret() -> pd.DataFrame:
    return _returns()


@pytest.fixture(scope="module", params=["shared", "staggered"])
def res(request: pytest.FixtureRequest, ret: pd.DataFrame) -> object:
    if request.param == "shared":  # few dates, many events on each
        return _fit(ret, ret.index[[300, 301, 340]], 60, 1)
    return _fit(ret, ret.index[260:405], 90, 2)  # staggered over 145 sessions


def _split_panel(panel, parts: list[np.ndarray], kp_blocks: int | None = None):
    """A copy of ``panel`` whose estimation window is held by ``parts`` (as the Dask engine
    leaves it): placeholders for ``resid_est`` / ``market_est``, reductions by partition."""
    light = panel.take(np.arange(panel.n_events))
    light.meta = {**panel.meta, "estimation_window_on_workers": True}
    held = np.broadcast_to(np.float64(np.nan), panel.resid_est.shape)
    light.resid_est = held
    light.market_est = held
    pieces = [panel.take(rows) for rows in parts]
    memo_for(light)["remote"] = PartitionedEstimation(
        LocalPartitions(pieces), parts, panel.n_events, kp_blocks=kp_blocks
    )
    return light


def _splits(n: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(5)
    shuffled = rng.permutation(n)
    return [
        [np.arange(n)],  # one partition
        [np.sort(p) for p in np.array_split(shuffled, 3)],  # interleaved rows
        [np.arange(0, n // 4), np.arange(n // 4, n)],  # unequal blocks
    ]


CONVENTIONS = [
    Conventions(),
    Conventions(residual_variance="sample", gsign_p="pooled", rank_variance_days="mean_obs"),
    Conventions(residual_variance="mle", market_moments="all_dates", firm_sum="rowmean_times_n"),
    Conventions.profile("estudy2").replace(return_kind="any"),
]


def test_partitioned_common_mean_car_rank_equals_whole_panel(res) -> None:
    """estudy2's CAR rank statistic (``car_rank="common_mean"``) from the partitions' rank
    sums, per window (each ranks over the estimation days and its own days), with the
    cumulative estimate (the estudy2 profile in ``CONVENTIONS`` has the daily average)."""
    panel = res.panel
    conv = Conventions(car_rank="common_mean")
    kwargs = {"tests": ["corrado_rank"], "windows": WINDOWS, "daily": False}
    whole = run_tests(panel, conventions=conv, **kwargs)
    summed = run_tests(panel, conventions=Conventions(), **kwargs)  # scattered holes: differ
    assert not np.allclose(whole["statistic"], summed["statistic"])
    for parts in _splits(panel.n_events):
        split = run_tests(_split_panel(panel, parts), conventions=conv, **kwargs)
        pd.testing.assert_frame_equal(split, whole, check_exact=False, rtol=0, atol=1e-12)


@pytest.mark.parametrize("conv", CONVENTIONS, ids=lambda c: c.describe()[:40])
def test_partitioned_tests_equal_the_whole_panel(res, conv: Conventions) -> None:
    panel = res.panel
    whole = run_tests(panel, windows=WINDOWS, conventions=conv)
    assert {"kolari_pynnonen", "grank", "corrado_rank", "lamb", "wilcoxon"} <= set(whole["test"])
    for k, parts in enumerate(_splits(panel.n_events)):
        split = run_tests(
            _split_panel(panel, parts, kp_blocks=[1, 3, 7][k]), windows=WINDOWS, conventions=conv
        )
        pd.testing.assert_frame_equal(
            split, whole, check_exact=False, rtol=0, atol=1e-12, check_like=False
        )
        assert split.attrs["clustering"].keys() == whole.attrs["clustering"].keys()
        for key, value in whole.attrs["clustering"].items():
            if isinstance(value, float):
                assert split.attrs["clustering"][key] == pytest.approx(value, rel=1e-12, abs=1e-12)
            else:
                assert split.attrs["clustering"][key] == value


def test_partitioned_kp_band_equals_whole_panel(res) -> None:
    from eventstudy.inference.guidance import kp_band_inflation

    panel = res.panel
    rel = np.asarray(panel.evt_rel)
    whole = kp_band_inflation(panel, rel, int(rel[0]))
    split = kp_band_inflation(_split_panel(panel, _splits(panel.n_events)[1], 4), rel, -10)
    np.testing.assert_allclose(split, whole, rtol=1e-12, atol=1e-12)


def test_kp_band_one_pass_equals_one_call_per_day(res) -> None:
    """The band's r_bar of every day in one pass equals the former loop of one
    ``kp_rbar`` per day (transcribed here as the oracle)."""
    from eventstudy.engine.abnormal import running_car
    from eventstudy.inference.guidance import kp_band_inflation

    panel = res.panel
    ctx = Context.of(panel, Conventions())
    rel = np.asarray(panel.evt_rel)
    start = -3
    car = np.full(ctx.ar.shape, np.nan)
    after = rel >= start
    car[:, after] = running_car(ctx.ar[:, after])
    expected = []
    for t in rel:
        cols = (rel >= start) & (rel <= t)
        present = np.isfinite(car[:, rel == t]).ravel()
        rbar = np.float64(ctx.kp_rbar(cols, present))
        n = float(present.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            expected.append(np.sqrt((1.0 + (n - 1.0) * rbar) / (1.0 - rbar)))
    got = kp_band_inflation(panel, rel, start)
    np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-12, atol=1e-12)


def test_held_residuals_raise_instead_of_nan(res) -> None:
    """A computation that needs the whole residuals says where they are (never NaN)."""
    panel = res.panel
    light = _split_panel(panel, [np.arange(panel.n_events)])
    ctx = Context.of(light, Conventions())
    with pytest.raises(DataError, match="Dask workers"):
        _ = ctx.est
    with pytest.raises(DataError, match="Dask workers"):
        run_tests(light.take(slice(0, 10)), tests=["patell"])  # a subset loses the workers
    with pytest.raises(DataError, match="Dask workers"):
        run_tests(light.take(np.arange(5)), tests=["patell"])  # a copy of the placeholder


def test_per_event_figures_skipped_for_large_studies(res, monkeypatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from eventstudy.report import document as report

    monkeypatch.setattr(report, "PER_EVENT_FIGURE_LIMIT", 5)
    with pytest.warns(EventStudyWarning, match="'ar_paths' skipped"):
        figures = report.study_figures(res, ["caar", "ar_paths"])
    assert list(figures) == ["caar"]


@pytest.mark.slow
def test_dask_gather_false_matches_single_machine(ret: pd.DataFrame) -> None:
    distributed = pytest.importorskip("distributed")
    from eventstudy.engine.executors import fit_dask

    rng = np.random.default_rng(3)
    days = ret.index[260:405]
    ev = pd.DataFrame(
        {
            "ticker": rng.choice([*[f"F{i}" for i in range(14)], "NOPE"], 120),
            "date": days[rng.integers(0, len(days), 120)],
        }
    )
    study = EventStudy(
        ev, ret, model=MarketModel("SPY"), calendar=None, estimation_window=(-200, -11)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventsDroppedWarning)
        single = study.fit()
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=False,
                protocol="tcp",
                host="127.0.0.1",
                dashboard_address=":0",  # a free port: another cluster may hold 8787
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            light = fit_dask(study, client=client, partitions=3, gather=False)
            assert light.panel.meta["estimation_window_on_workers"]
            pd.testing.assert_frame_equal(light.status, single.status)
            np.testing.assert_array_equal(light.panel.ar, single.panel.ar)
            for conv in [*CONVENTIONS[:3], Conventions(car_rank="common_mean")]:
                pd.testing.assert_frame_equal(
                    light.tests(windows=WINDOWS, daily=True, conventions=conv),
                    single.tests(windows=WINDOWS, daily=True, conventions=conv),
                    check_exact=False,
                    rtol=0,
                    atol=1e-12,
                )
            pd.testing.assert_frame_equal(light.car(), single.car())
            # the same from EventStudy.fit(engine="dask", gather=False)
            via_fit = study.fit(engine="dask", client=client, partitions=3, gather=False)
            assert via_fit.panel.meta["estimation_window_on_workers"]
            np.testing.assert_array_equal(via_fit.panel.ar, single.panel.ar)


def test_kp_band_is_kept_with_the_panel(res) -> None:
    from eventstudy.inference.guidance import kp_band_inflation

    rel = np.asarray(res.panel.evt_rel)
    first = kp_band_inflation(res.panel, rel, -2)
    first[:] = -1.0  # the caller's copy: the kept band is unchanged
    again = kp_band_inflation(res.panel, rel, -2)
    assert not (again == -1.0).any()
    fresh = kp_band_inflation(res.panel.take(np.arange(res.panel.n_events)), rel, -2)
    np.testing.assert_array_equal(again, fresh)


def test_documents_show_the_first_rows_of_per_event_sections(res, monkeypatch) -> None:
    from eventstudy.report import document as report

    monkeypatch.setattr(report, "DOCUMENT_ROWS", 7)
    text = report.to_markdown(res, [(0, 0)])
    n_car = len(report.firm_table(res, [(0, 0)]))
    assert f"First 7 of {n_car} rows; every row is in car.csv." in text
    assert f"First 7 of {len(res.status)} rows; every row is in status.csv." in text
    page = report.to_html(res, [(0, 0)])
    assert f"First 7 of {n_car} rows; every row is in car.csv." in page


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["=A", "B", "=A", "C\x1b[1m", "B", "B"], dtype=object),
        pd.Series(["=A", "B", "=A", "C", "B", "B"], dtype="string"),
        pd.Series(pd.Categorical(["x", "y", "x", "x", "y", "x"])).astype(object),
        pd.Series([1, "a", 1, 1, "a", 1], dtype=object),
        pd.Series(["a", None, "a", "a", "a", "a"], dtype=object),  # missing: cell by cell
    ],
)
def test_map_distinct_equals_map(values: pd.Series) -> None:
    from eventstudy.report.document import _map_distinct, csv_safe

    expected = values.map(csv_safe)
    got = _map_distinct(values, csv_safe)
    assert got.dtype == expected.dtype
    pd.testing.assert_series_equal(got, expected)


def test_events_file_is_read_again_only_when_it_changes(tmp_path, monkeypatch) -> None:
    from eventstudy import spec as spec_module
    from eventstudy.spec import load_spec

    (tmp_path / "events.csv").write_text("ticker,date\nNVDA,2025-01-27\n")
    (tmp_path / "s.toml").write_text(
        '[events]\nfile = "events.csv"\n[model]\nname = "market"\nmarket = "SPY"\n'
    )
    spec = load_spec(tmp_path / "s.toml")
    calls = []
    real = spec_module.read_events_file
    monkeypatch.setattr(
        spec_module, "read_events_file", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    first = spec.events_frame()
    first.loc[0, "ticker"] = "CHANGED"  # the caller's copy
    assert spec.events_frame()["ticker"].tolist() == ["NVDA"]
    assert len(calls) == 1
    (tmp_path / "events.csv").write_text("ticker,date\nNVDA,2025-01-27\nAMD,2025-01-27\n")
    assert spec.events_frame()["ticker"].tolist() == ["NVDA", "AMD"]
    assert len(calls) == 2


def test_fit_figure_skipped_when_the_workers_hold_the_estimation_window(res) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from eventstudy.report import document as report

    panel = res.panel
    light = _split_panel(panel, [np.arange(panel.n_events)])
    held = dataclasses.replace(res, panel=light)
    with pytest.warns(EventStudyWarning, match="'fit' skipped"):
        figures = report.study_figures(held, ["fit"])
    assert figures == {}
