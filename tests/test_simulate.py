"""Size and power simulations (Brown-Warner style) on small synthetic samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eventstudy.exceptions import DataError, SpecError
from eventstudy.inference import TEST_NAMES, plot_power, simulate
from eventstudy.inference.simulation import clopper_pearson


def iid_returns(
    seed: int = 0, t_len: int = 400, n_firms: int = 30, common: float = 0.0
) -> pd.DataFrame:
    """Market-model returns with iid normal residuals (optionally a common non-market factor)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0003, 0.01, t_len)
    ind = rng.normal(0, 0.02, t_len)
    r = m[:, None] * rng.uniform(0.5, 1.5, n_firms) + rng.normal(0, 0.02, (t_len, n_firms))
    r = r + common * ind[:, None]
    idx = pd.bdate_range("2020-01-01", periods=t_len, name="date")
    out = pd.DataFrame(r, index=idx, columns=[f"F{i}" for i in range(n_firms)])
    out["MKT"] = m
    return out


def test_clopper_pearson_equals_scipy() -> None:
    for k, n in [(0, 20), (3, 20), (20, 20), (101, 2000)]:
        ci = stats.binomtest(k, n).proportion_ci(0.99, method="exact")
        lo, hi = clopper_pearson(k, n, 0.99)
        assert lo == pytest.approx(ci.low, abs=1e-12)
        assert hi == pytest.approx(ci.high, abs=1e-12)


@pytest.mark.slow
def test_size_under_iid_null_within_binomial_band() -> None:
    sim = simulate(
        iid_returns(),
        "MKT",
        n_events=20,
        n_reps=2000,
        abnormal=(0.0,),
        levels=(0.05,),
        estimation=(-100, -11),
        seed=42,
        band=0.99,
        progress=False,
    )
    assert set(sim["test"]) == set(TEST_NAMES)
    assert (sim["n_reps"] == 2000).all()
    inside = (sim["ci_low"] <= 0.05) & (0.05 <= sim["ci_high"])
    assert inside.all(), sim.loc[~inside, ["test", "rejection_rate", "ci_low", "ci_high"]]


def test_power_rises_with_planted_abnormal_return() -> None:
    sim = simulate(
        iid_returns(seed=1),
        "MKT",
        n_events=15,
        n_reps=150,
        abnormal=(0.0, 0.01, 0.03),
        tests=["patell", "corrado_rank", "sign"],
        levels=(0.05,),
        estimation=(-100, -11),
        seed=3,
        progress=False,
    )
    for name, part in sim.groupby("test"):
        rates = part.sort_values("abnormal")["rejection_rate"].to_numpy()
        assert rates[0] < rates[1] < rates[2] or rates[2] == 1.0, name
        assert rates[2] > 0.9, name


@pytest.mark.slow
def test_cross_correlation_bmp_over_rejects_kp_does_not() -> None:
    sim = simulate(
        iid_returns(seed=2, n_firms=40, common=1.5),
        "MKT",
        n_events=30,
        n_reps=2000,
        abnormal=(0.0,),
        tests=["bmp", "kolari_pynnonen"],
        levels=(0.05,),
        estimation=(-100, -11),
        shared_date=True,
        seed=5,
        band=0.99,
        progress=False,
    ).set_index("test")
    assert sim.loc["bmp", "ci_low"] > 0.10  # clearly over-rejects
    assert sim.loc["kolari_pynnonen", "ci_low"] <= 0.05 <= sim.loc["kolari_pynnonen", "ci_high"]


def test_plot_power_returns_figure() -> None:
    sim = simulate(
        iid_returns(seed=4),
        "MKT",
        n_events=10,
        n_reps=20,
        abnormal=(0.0, 0.02),
        tests=["patell", "sign"],
        estimation=(-60, -11),
        seed=1,
        progress=False,
    )
    fig = plot_power(sim, level=0.05)
    ax = fig.axes[0]
    assert len(ax.lines) == 3  # two tests and the nominal level
    assert ax.get_xlabel().startswith("planted abnormal return")
    with pytest.raises(SpecError, match="level"):
        plot_power(sim, level=0.2)

    # drawn on a caller's axes: the plotted rates are the simulated ones
    from matplotlib.figure import Figure

    mine = Figure()
    axes = mine.subplots(1, 2)
    assert plot_power(sim, level=0.05, tests=["sign"], ax=axes[1], title="sign") is mine
    expected = sim[(sim["test"] == "sign") & np.isclose(sim["level"], 0.05)].sort_values("abnormal")
    np.testing.assert_allclose(axes[1].lines[0].get_ydata(), expected["rejection_rate"])
    assert axes[1].get_title() == "sign" and not axes[0].lines


def test_simulate_bad_input() -> None:
    df = iid_returns(t_len=150)
    with pytest.raises(DataError, match="market"):
        simulate(df, "SPY", n_reps=2, progress=False)
    with pytest.raises(SpecError, match="unknown tests"):
        simulate(df, "MKT", tests=["patel"], n_reps=2, progress=False)
    with pytest.raises(SpecError, match="inside the event window"):
        simulate(df, "MKT", window=(0, 2), n_reps=2, progress=False)
    with pytest.raises(SpecError, match="levels"):
        simulate(df, "MKT", levels=(5,), n_reps=2, progress=False)
    from eventstudy.exceptions import InsufficientDataError

    with pytest.raises(InsufficientDataError, match="enough data"):
        simulate(df, "MKT", estimation=(-250, -11), n_reps=2, progress=False)
