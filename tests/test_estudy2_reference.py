"""Reproduce the R package estudy2's printed results (9/11, 7 European insurers vs ^N100).

Every one of the 197 daily values (14 dates x mean + 12 statistics), every significance
star, and the three CAR tests must agree within half a unit of the last printed digit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.inference import Conventions, patell, run_tests, sign_test
from eventstudy.models import MarketModel
from eventstudy.panel import EventPanel
from eventstudy.study import EventStudy

pytestmark = pytest.mark.shared_data

EST = ("2001-03-26", "2001-09-10")
EVT = ("2001-09-11", "2001-09-28")
MARKET = "^N100"

# estudy2 column prefix -> our test name
COLUMNS = {
    "bw_1980": "brown_warner_1980",
    "bw_1985": "brown_warner_1985",
    "t_test": "cross_sectional_t",
    "pt": "patell",
    "bh": "bmp",
    "lmb": "lamb",
    "sign": "sign",
    "gsign": "generalized_sign",
    "csign": "corrado_zivney_sign",
    "rank": "corrado_rank",
    "mrank": "corrado_zivney_rank",
    "wlcx": "wilcoxon",
}

# README of the reference case: alpha, beta of each insurer (OLS over 116 complete-case days)
COEFS = {
    "ALV.DE": (-0.00124105481313999, 0.910103328110655),
    "CS.PA": (0.000347863118557234, 1.38368892156419),
    "G.MI": (-0.000176666343801974, 0.642864880543046),
    "HNR1.HA": (-0.000365437389475029, 0.231206382456503),
    "HSX.L": (0.00112751607351438, 0.183374962335326),
    "MUV2.DE": (-0.000938039634935038, 0.688538100086915),
    "TOP.CO": (0.000908559568637769, 0.08589661968623),
}


def _estudy2_panel(shared_data: Path, case: str) -> EventPanel:
    """The engine's market-model panel on explicit date windows, as estudy2 ran it."""
    rates = pd.read_csv(shared_data / "golden" / case / "rates.csv", parse_dates=["date"])
    rates = rates.set_index("date")
    firms = [c for c in rates.columns if c != MARKET]
    events = pd.DataFrame({"ticker": firms, "date": pd.Timestamp(EVT[0])})
    study = EventStudy(
        events,
        returns=rates,
        model=MarketModel(MARKET),
        estimation_window=(pd.Timestamp(EST[0]), pd.Timestamp(EST[1])),
        event_window=(pd.Timestamp(EVT[0]), pd.Timestamp(EVT[1])),
        return_kind="log",
        calendar=None,  # the returns' own (European) sessions
    )
    return study.fit().panel


@pytest.fixture(scope="module")
def eu7(shared_data: Path) -> EventPanel:
    return _estudy2_panel(shared_data, "estudy2_911_eu7")


@pytest.fixture(scope="module")
def expected(reference_dir: Path) -> pd.DataFrame:
    return pd.read_csv(
        reference_dir / "estudy2_911_eu7" / "expected_daily_tests.csv",
        dtype=str,
        keep_default_na=False,
    )


def _half_unit(text: str) -> float:
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals


def test_panel_matches_published_coefficients(eu7: EventPanel) -> None:
    assert eu7.params is not None
    for i, ticker in enumerate(eu7.ticker):
        np.testing.assert_allclose(eu7.params[i], COEFS[ticker], rtol=1e-10)
    assert (eu7.nobs == 116).all()


def test_all_daily_values_and_stars(eu7: EventPanel, expected: pd.DataFrame) -> None:
    res = run_tests(eu7, conventions=Conventions.profile("estudy2"))
    assert len(expected) == 14
    checked = 0
    for prefix, name in COLUMNS.items():
        ours = res[res["test"] == name].set_index("date")
        for _, row in expected.iterrows():
            got = ours.loc[pd.Timestamp(row["date"])]
            text = row[f"{prefix}_stat"]
            if text == "NA":
                assert np.isnan(got["statistic"]), (name, row["date"])
            else:
                assert abs(got["statistic"] - float(text)) <= _half_unit(text), (name, row["date"])
            assert got["stars"] == row[f"{prefix}_signif"], (name, row["date"])
            checked += 1
    # the mean abnormal return
    ours = res[res["test"] == "brown_warner_1980"].set_index("date")
    for _, row in expected.iterrows():
        got = ours.loc[pd.Timestamp(row["date"]), "estimate"]
        if row["mean"] == "NA":
            assert np.isnan(got)
        else:
            assert abs(got - float(row["mean"])) <= _half_unit(row["mean"])
        checked += 1
    assert checked == 14 * 13  # 182 values (+ 12 x 14 stars) ...
    # ... and the 14 percentages: 0 on the day the market has no return
    pct = 100 * ours["n"].to_numpy() / eu7.n_events
    np.testing.assert_allclose(pct, expected["percentage"].astype(float))


def test_car_tests(eu7: EventPanel) -> None:
    # printed in the README of the reference case (car_parametric_tests / car_rank_test)
    published = {
        "brown_warner_1985": (-0.0127338, "-6.213668", "***"),
        "lamb": (-0.0127338, "-6.009818", "***"),
        "corrado_rank": (None, "-0.364965", ""),
    }
    res = run_tests(
        eu7,
        tests=list(published),
        windows=[(0, 13)],
        daily=False,
        conventions=Conventions.profile("estudy2"),
    )
    for name, (mean, stat, stars) in published.items():
        row = res[res["test"] == name].iloc[0]
        assert abs(row["statistic"] - float(stat)) <= _half_unit(stat)
        assert row["stars"] == stars
        if mean is not None:
            assert abs(row["estimate"] - mean) <= 0.5e-7


def test_estudy2_profile_requires_log_returns(eu7: EventPanel) -> None:
    from dataclasses import replace

    from eventstudy.exceptions import SpecError

    with pytest.raises(SpecError, match="log"):
        run_tests(replace(eu7, return_kind="simple"), conventions=Conventions.profile("estudy2"))


def test_estudy2_quirk_on_missing_firms(shared_data: Path) -> None:
    """eu8: on 2001-09-28 only 6 of 8 insurers have a return; the quirk scales sums by N/N_t."""
    p = _estudy2_panel(shared_data, "estudy2_911_eu8")
    quirk = Conventions.profile("estudy2")
    plain = quirk.replace(firm_sum="sum")
    t = 13  # 2001-09-28
    ar = p.ar[:, t]
    present = ~np.isnan(ar)
    n, n_t = p.n_events, int(present.sum())
    assert (n, n_t) == (8, 6)
    # sign test by hand: w positive ARs among N_t
    w = int((ar[present] > 0).sum())
    day = pd.Timestamp("2001-09-28")
    got_q = sign_test(p, conventions=quirk).set_index("date").loc[day, "statistic"]
    got_p = sign_test(p, conventions=plain).set_index("date").loc[day, "statistic"]
    assert got_p == pytest.approx((w - 0.5 * n_t) / np.sqrt(0.25 * n_t), rel=1e-12)
    assert got_q == pytest.approx((w * n / n_t - 0.5 * n_t) / np.sqrt(0.25 * n_t), rel=1e-12)
    # Patell: the numerator differs exactly by N/N_t; the quirk's denominator runs over all N
    v = (p.nobs - 2) / (p.nobs - 4)
    z_q = patell(p, conventions=quirk).set_index("date").loc[day, "statistic"]
    z_p = patell(p, conventions=plain).set_index("date").loc[day, "statistic"]
    num_q = z_q * np.sqrt(v.sum())
    num_p = z_p * np.sqrt(v[present].sum())
    assert num_q == pytest.approx(num_p * n / n_t, rel=1e-12)
    # on complete days the two agree
    full = pd.Timestamp("2001-09-27")
    assert sign_test(p, conventions=quirk).set_index("date").loc[
        full, "statistic"
    ] == pytest.approx(sign_test(p, conventions=plain).set_index("date").loc[full, "statistic"])
