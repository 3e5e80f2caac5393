"""Figures: the plotted data equal the input, bands are two-sided, nothing global is touched."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from scipy import stats

import eventstudy as es
from eventstudy.exceptions import DataError, SpecError
from eventstudy.report import plotting

Z95 = 1.959963984540054  # norm.ppf(0.975)


def ar_frame() -> pd.DataFrame:
    """Three events over relative days -1..1; event c misses day 0."""
    ar = {"a": [0.01, -0.05, 0.02], "b": [0.00, -0.03, 0.01], "c": [0.02, np.nan, -0.01]}
    var = {"a": 1e-4, "b": 4e-4, "c": 9e-4}
    group = {"a": "chips", "b": "chips", "c": "power"}
    rows = [
        {
            "event_id": e,
            "ticker": e.upper(),
            "group": group[e],
            "rel_day": d,
            "ar": ar[e][j],
            "var_ar": var[e],
        }
        for e in ar
        for j, d in enumerate((-1, 0, 1))
    ]
    return pd.DataFrame(rows)


def band_at(coll: PolyCollection, x: float) -> tuple[float, float]:
    """Lowest and highest y of a fill_between polygon at abscissa ``x``."""
    verts = np.concatenate([p.vertices for p in coll.get_paths()])
    ys = verts[np.isclose(verts[:, 0], x), 1]
    return float(ys.min()), float(ys.max())


@pytest.fixture(autouse=True)
def _no_pyplot_figures() -> object:
    before = dict(matplotlib.rcParams)
    yield
    assert plt.get_fignums() == [], "plotting registered a figure with pyplot"
    assert dict(matplotlib.rcParams) == before, "plotting changed rcParams"


# ----------------------------------------------------------------------------- critical values
def test_critical_value_is_two_sided() -> None:
    assert plotting.critical_value(0.95) == pytest.approx(Z95)
    assert plotting.critical_value(0.90) == pytest.approx(stats.norm.ppf(0.95))  # 1.645, not 1.282
    assert plotting.critical_value(0.99) == pytest.approx(2.5758293035489)


@pytest.mark.parametrize("level", [0.0, 1.0, 95, -0.5, True])
def test_bad_confidence_level_is_a_spec_error(level: float) -> None:
    with pytest.raises(SpecError, match="strictly between 0 and 1"):
        plotting.critical_value(level)


# ----------------------------------------------------------------------------- CAAR path
def test_caar_path_by_hand() -> None:
    path = plotting.caar_path(ar_frame(), band="cross_sectional")
    # each event's CAR to date: a: .01 -.04 -.02; b: 0 -.03 -.02; c: .02 (.02 carried) .01
    # (c misses day 0: its CAR carries on; issue 12 - before, c left day 0's mean)
    assert path["rel_day"].tolist() == [-1, 0, 1]
    assert path["n"].tolist() == [3, 2, 3]
    np.testing.assert_allclose(path["aar"], [0.01, -0.04, (0.02 + 0.01 - 0.01) / 3], atol=1e-15)
    np.testing.assert_allclose(path["caar"], [0.01, (-0.04 - 0.03 + 0.02) / 3, -0.01])
    se = [
        np.std([0.01, 0.0, 0.02], ddof=1) / np.sqrt(3),
        np.std([-0.04, -0.03, 0.02], ddof=1) / np.sqrt(3),
    ]
    se.append(np.std([-0.02, -0.02, 0.01], ddof=1) / np.sqrt(3))
    np.testing.assert_allclose(path["se"], se)
    np.testing.assert_allclose(path["lower"], path["caar"] - Z95 * path["se"])
    np.testing.assert_allclose(path["upper"], path["caar"] + Z95 * path["se"])


def test_caar_path_model_band_by_hand() -> None:
    path = plotting.caar_path(ar_frame(), band="model", level=0.90)
    # cumulated variances a: 1,2,3 e-4; b: 4,8,12 e-4; c: 9,9,18 e-4 (c has no AR on day 0:
    # its CAR, and the CAR's variance, carry on - as abnormal.var_car sums available days)
    expected = [np.sqrt(14e-4) / 3, np.sqrt(19e-4) / 3, np.sqrt(33e-4) / 3]
    np.testing.assert_allclose(path["se"], expected)
    np.testing.assert_allclose(path["upper"] - path["caar"], stats.norm.ppf(0.95) * path["se"])


def test_model_band_of_results_includes_the_prediction_error_covariance() -> None:
    # was: the figure's model band summed the days' variances (audit: s.e. 0.02778 on the
    # last day against 0.02893 with the covariance between days)
    from eventstudy.testing import simulated_study

    sim = simulated_study(es.MarketModel("MKT"))
    res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    fig = plotting.plot_caar(res, band="model", level=0.95, start=-2)
    band = fig.axes[0].collections[0].get_paths()[0].vertices  # the band's polygon (x, y)
    p = res.panel
    rel = np.asarray(p.evt_rel)
    days = rel[rel >= -2]
    # CLM (1997, eq. 4.4.14) by hand: sigma_i^2 (g'g + (X*'g)'(X'X)^-1 (X*'g)), event by event
    se = []
    for t in days:
        total, count = 0.0, 0
        for i in range(len(p.ticker)):
            g = ((rel >= -2) & (rel <= t) & np.isfinite(p.ar[i])).astype(float)
            if not g.any():
                continue
            xg = p.x_evt[i].T @ g
            total += p.sigma2[i] * (g @ g + xg @ p.xtx_inv[i] @ xg)
            count += 1
        se.append(np.sqrt(total) / count)
    caar = res.caar((-2, int(days[-1])))["caar"].to_numpy()
    lower = [band[band[:, 0] == t, 1].min() for t in days]
    np.testing.assert_allclose(100 * (caar - Z95 * np.array(se)), lower, rtol=1e-10)
    assert np.all(np.array(se)[1:] > 0)
    plt.close(fig)


def test_caar_path_start_and_no_band() -> None:
    path = plotting.caar_path(ar_frame(), band=None, start=0)
    assert path["rel_day"].tolist() == [0, 1]
    np.testing.assert_allclose(path["caar"], [-0.04, (-0.03 - 0.02 - 0.01) / 3])
    assert path["se"].isna().all()


def test_caar_path_errors() -> None:
    with pytest.raises(
        SpecError,
        match=r"band='robust' is not valid; choose one of "
        r"\['auto', 'cross_sectional', 'kolari_pynnonen', 'model'\]",
    ):
        plotting.caar_path(ar_frame(), band="robust")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"needs the column\(s\) \['ar'\]"):
        plotting.caar_path(ar_frame().drop(columns="ar"))
    with pytest.raises(DataError, match="no abnormal returns"):
        plotting.caar_path(ar_frame(), start=5)


def test_plot_caar_draws_the_path_and_band() -> None:
    frame = ar_frame()
    fig = plotting.plot_caar(frame)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    path = plotting.caar_path(frame)
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), [-1, 0, 1])
    np.testing.assert_allclose(line.get_ydata(), 100 * path["caar"])
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    for x, lo, hi in zip(path["rel_day"], path["lower"], path["upper"], strict=True):
        np.testing.assert_allclose(band_at(band, x), (100 * lo, 100 * hi))
    assert ax.get_xlabel() == "trading days relative to the event"
    assert ax.get_ylabel() == "CAAR (%)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["CAAR", "95% confidence band"]


def test_plot_caar_accepts_a_precomputed_path_and_an_axes() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    path = pd.DataFrame({"rel_day": [1, 0], "caar": [0.02, 0.01]})
    out = plotting.plot_caar(path, ax=ax, percent=False, label="mine")
    assert out is fig
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [0.01, 0.02])  # sorted by day
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]  # no band given
    assert ax.get_ylabel() == "CAAR"


def test_plot_caar_rejects_other_objects() -> None:
    with pytest.raises(SpecError, match=r"DataFrame or a results object with \.ar"):
        plotting.plot_caar(42)


# ----------------------------------------------------------------------------- cross-section
def test_car_bars_are_sorted_with_two_sided_error_bars() -> None:
    car = pd.DataFrame(
        {
            "ticker": ["NVDA", "VST", "MSFT"],
            "group": ["chips", "power", "platforms"],
            "car": [-0.17, -0.28, 0.02],
            "se_car": [0.02, 0.03, 0.01],
        }
    )
    fig = plotting.plot_car_bars(car, window=(0, 0), level=0.90)
    (ax,) = fig.axes
    bars = ax.patches
    heights = [b.get_height() for b in bars]
    np.testing.assert_allclose(heights, [-28.0, -17.0, 2.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["VST", "NVDA", "MSFT"]
    # error bars: one vertical segment per bar, half-length z * se (in percent)
    segments = ax.collections[0].get_segments()
    half = [abs(s[1, 1] - s[0, 1]) / 2 for s in segments]
    np.testing.assert_allclose(half, stats.norm.ppf(0.95) * 100 * np.array([0.03, 0.02, 0.01]))
    # one colour per group, legend names the groups in bar order
    assert len({tuple(b.get_facecolor()) for b in bars}) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["power", "chips", "platforms"]
    assert ax.get_ylabel() == "CAR (%)"
    assert ax.get_title() == "CAR by firm over [0, 0]"


def test_car_bars_from_a_tidy_ar_frame_sum_the_window() -> None:
    fig = plotting.plot_car_bars(ar_frame(), window=(0, 1), percent=False, level=None)
    ax = fig.axes[0]
    # a: -.05+.02 = -.03, b: -.03+.01 = -.02, c: nan+(-.01) = -.01
    np.testing.assert_allclose([b.get_height() for b in ax.patches], [-0.03, -0.02, -0.01])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "C"]
    assert not ax.collections  # no error bars without se


def test_car_from_ar_matches_a_groupby_sum() -> None:
    frame = ar_frame()
    out = plotting.car_from_ar(frame, (-1, 0))
    expected = frame[frame["rel_day"] <= 0].groupby("event_id")["ar"].sum(min_count=1)
    np.testing.assert_allclose(out.set_index("event_id")["car"], expected)


def test_car_bars_errors() -> None:
    with pytest.raises(SpecError, match="give window"):
        plotting.plot_car_bars(ar_frame())
    with pytest.raises(DataError, match="no firm has a value"):
        plotting.plot_car_bars(pd.DataFrame({"ticker": ["A"], "car": [np.nan]}))


# ----------------------------------------------------------------------------- one firm
def test_ar_path_band_is_z_sqrt_var_ar() -> None:
    fig = plotting.plot_ar_path(ar_frame(), "B")  # a ticker with one event
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [0.0, -3.0, 1.0])
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    half = 100 * Z95 * np.sqrt(4e-4)
    np.testing.assert_allclose(band_at(band, 0), (-3.0 - half, -3.0 + half))
    assert ax.get_title() == "Abnormal returns of B"


def test_ar_path_unknown_event_lists_the_valid_ones() -> None:
    with pytest.raises(
        SpecError, match=r"no event 'Z'; valid event ids and tickers: A, B, C, a, b, c"
    ):
        plotting.plot_ar_path(ar_frame(), "Z")


def test_ar_path_ambiguous_ticker() -> None:
    frame = ar_frame().assign(ticker="X")
    with pytest.raises(SpecError, match="several events"):
        plotting.plot_ar_path(frame, "X")


# ----------------------------------------------------------------------------- fit
def test_fit_scatter_and_line() -> None:
    rng = np.random.default_rng(1)
    m = rng.normal(0, 0.01, 60)
    est = pd.DataFrame({"market": m, "firm": 0.001 + 1.5 * m + rng.normal(0, 0.005, 60)})
    event = pd.DataFrame({"rel_day": [0, 1], "market": [-0.015, 0.01], "firm": [-0.17, 0.09]})
    fig = plotting.plot_fit(est, alpha=0.001, beta=1.5, event=event, percent=False, label="NVDA")
    ax = fig.axes[0]
    scatter_est, scatter_evt = ax.collections[:2]
    np.testing.assert_allclose(scatter_est.get_offsets(), est[["market", "firm"]].to_numpy())
    np.testing.assert_allclose(scatter_evt.get_offsets(), event[["market", "firm"]].to_numpy())
    line = ax.get_lines()[0]
    x = np.asarray(line.get_xdata())
    np.testing.assert_allclose(line.get_ydata(), 0.001 + 1.5 * x)
    assert x.min() == pytest.approx(min(m.min(), -0.015)) and x.max() == pytest.approx(
        max(m.max(), 0.01)
    )
    assert [t.get_text() for t in ax.texts] == ["0", "1"]
    assert ax.get_ylabel() == "NVDA return" and ax.get_xlabel() == "market return"


def test_fit_needs_alpha_and_beta() -> None:
    with pytest.raises(SpecError, match="alpha and beta"):
        plotting.plot_fit(pd.DataFrame({"market": [0.0], "firm": [0.0]}))


# ----------------------------------------------------------------------------- overlay and prices
def test_overlay_draws_one_path_per_study() -> None:
    frame = ar_frame()
    other = frame.assign(ar=frame["ar"] * 2)
    fig = plotting.plot_overlay({"first": frame, "second": other}, band=None)
    ax = fig.axes[0]
    lines = ax.get_lines()[:2]
    np.testing.assert_allclose(lines[1].get_ydata(), 2 * np.asarray(lines[0].get_ydata()))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first", "second"]
    fig2 = plotting.plot_overlay([frame, other])
    assert [t.get_text() for t in fig2.axes[0].get_legend().get_texts()][:2] == [
        "(1)",
        "95% confidence band",
    ]
    with pytest.raises(SpecError, match="at least one"):
        plotting.plot_overlay({})


def test_prices_are_rebased_with_event_lines() -> None:
    dates = pd.bdate_range("2025-01-21", periods=5)
    prices = pd.DataFrame(
        {
            "date": list(dates) * 2,
            "ticker": ["NVDA"] * 5 + ["SPY"] * 5,
            "adj_close": [140.0, 142.0, 147.0, 142.6, 118.4, 600.0, 606.0, 609.0, 607.0, 598.0],
        }
    )
    fig = plotting.plot_prices(prices, ["NVDA"], events=["2025-01-27"])
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    np.testing.assert_allclose(
        line.get_ydata(), 100 * np.array([140, 142, 147, 142.6, 118.4]) / 140
    )
    vline = ax.get_lines()[1]
    assert (
        matplotlib.dates.num2date(vline.get_xdata()[0]).date() == pd.Timestamp("2025-01-27").date()
    )
    assert ax.get_ylabel() == "price (first = 100)"
    raw = plotting.plot_prices(
        prices, normalize=False, events=pd.DataFrame({"date": ["2025-01-27"]})
    )
    raw_lines = raw.axes[0].get_lines()
    np.testing.assert_allclose(raw_lines[1].get_ydata(), prices["adj_close"][5:])
    market = plotting.plot_prices(prices, highlight="SPY").axes[0].get_lines()[1]
    assert market.get_color() == "black" and market.get_linewidth() == 2.0
    with pytest.raises(SpecError, match=r"no prices for \['AAPL'\]; available: NVDA, SPY"):
        plotting.plot_prices(prices, ["AAPL"])


def test_many_firms_share_one_legend_entry_and_keep_their_lines() -> None:
    """The S&P 500's 503 firms: one light family, one legend entry, every line drawn (the
    legend of 504 entries placed by "best" was most of the figure's time)."""
    dates = pd.bdate_range("2025-01-21", periods=4)
    firms = [f"F{i:02d}" for i in range(plotting.PRICE_LEGEND_LIMIT + 5)]
    prices = pd.DataFrame(
        {
            "date": list(dates) * (len(firms) + 1),
            "ticker": np.repeat([*firms, "SPY"], 4),
            "adj_close": np.arange(4.0 * (len(firms) + 1)) + 10.0,
        }
    )
    fig = plotting.plot_prices(prices, highlight="SPY")
    ax = fig.axes[0]
    assert len(ax.get_lines()) == len(firms) + 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"{len(firms)} firms", "SPY"]
    last = ax.get_lines()[len(firms) - 1]  # each line rebased to 100 at its first price
    np.testing.assert_allclose(
        last.get_ydata(),
        100 * (np.arange(4) + 10.0 + 4 * (len(firms) - 1)) / (10.0 + 4 * (len(firms) - 1)),
    )
    few = plotting.plot_prices(prices, [*firms[:3], "SPY"], highlight="SPY")
    assert [t.get_text() for t in few.axes[0].get_legend().get_texts()] == [*firms[:3], "SPY"]


def test_importing_plotting_does_not_import_matplotlib() -> None:
    code = "import sys, eventstudy.report.plotting, eventstudy.report.tables; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------- large studies
def _gappy_results(day0_shared: bool) -> es.EventStudyResults:
    """Simulated study with missing event-window returns (so events differ in their days)."""
    from eventstudy.testing import simulated_study

    sim = simulated_study(es.MarketModel("MKT"))
    returns = sim.returns.copy()
    firms = [c for c in returns.columns if c != "MKT"]
    events = sim.events.copy()
    if day0_shared:
        events["date"] = events["date"].iloc[0]
        events = events.drop_duplicates("ticker")
    day0 = pd.Timestamp(events["date"].iloc[0])
    at = returns.index.get_indexer([day0])[0]
    returns.iloc[at + 1, returns.columns.get_loc(firms[0])] = np.nan  # a firm misses day 1
    returns.iloc[at - 1, returns.columns.get_loc(firms[1])] = np.nan
    return es.EventStudy(events, returns, model=es.MarketModel("MKT"), calendar=None).fit()


@pytest.mark.parametrize("how", ["mean_car", "aar_sum"])
@pytest.mark.parametrize("band", ["cross_sectional", "model", None])
@pytest.mark.parametrize("start", [None, -1])
def test_panel_caar_path_is_the_tidy_frame_path(
    how: str, band: str | None, start: int | None
) -> None:
    """Read from the panel's arrays (no 21-row-per-event frame): the same numbers as the path
    of the tidy AR frame (to the bit under pandas 3, whose pivot lays the values out as the
    panel path does; to rounding under pandas 2)."""
    res = _gappy_results(day0_shared=False)
    assert res.panel.ar[np.isnan(res.panel.ar)].size  # the panel has missing ARs
    want = plotting.caar_path(res.ar, band=band, start=start, how=how)  # type: ignore[arg-type]
    got = plotting.panel_caar_path(res.panel, band=band, start=start, how=how)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-13, atol=1e-16)


def test_plot_caar_of_results_draws_the_tidy_frame_path() -> None:
    res = _gappy_results(day0_shared=False)
    fig = plotting.plot_caar(res, band="cross_sectional")
    want = plotting.caar_path(res.ar, band="cross_sectional", how=res.caar_method)
    np.testing.assert_allclose(
        fig.axes[0].lines[0].get_ydata(), 100 * want["caar"], rtol=1e-13, atol=1e-14
    )
    plt.close(fig)


@pytest.mark.parametrize("shared", [True, False])
def test_session_dates_of_a_panel_are_those_of_the_tidy_frame(shared: bool) -> None:
    res = _gappy_results(day0_shared=shared)
    want = plotting._session_dates(res.ar)
    got = plotting._path_dates(res)
    if shared:
        assert want is not None
        pd.testing.assert_series_equal(got, want)
    else:
        assert want is None and got is None
