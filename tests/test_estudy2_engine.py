"""The estudy2 reference case (9/11, 7 European insurers vs ^N100): engine numbers."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.models import MarketModel
from eventstudy.study import EventStudy


@pytest.fixture(scope="module")
def fitted(shared_data: Path):  # type: ignore[no-untyped-def]
    rates = pd.read_csv(
        shared_data / "golden" / "estudy2_911_eu7" / "rates.csv", index_col="date", parse_dates=True
    )
    tickers = [c for c in rates.columns if c != "^N100"]
    events = pd.DataFrame({"ticker": tickers, "date": "2001-09-11"})
    return EventStudy(
        events,
        rates,
        model=MarketModel("^N100"),
        estimation_window=("2001-03-26", "2001-09-10"),
        event_window=("2001-09-11", "2001-09-28"),
        return_kind="log",
        calendar=None,  # the returns' own (European) sessions
    ).fit()


def _readme_coefficients(reference_dir: Path) -> pd.DataFrame:
    text = (reference_dir / "estudy2_911_eu7" / "README.md").read_text()
    rows = re.findall(r"^\|\s*([A-Z0-9.]+\.[A-Z]+)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|$", text, re.M)
    assert len(rows) == 7
    return pd.DataFrame(rows, columns=["ticker", "alpha", "beta"]).set_index("ticker").astype(float)


def test_alphas_and_betas_match_estudy2(fitted, reference_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ref = _readme_coefficients(reference_dir)
    got = fitted.params.set_index("ticker").loc[ref.index]
    np.testing.assert_allclose(got["alpha"], ref["alpha"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(got["beta"], ref["beta"], rtol=0, atol=1e-10)
    assert (got["nobs"] == 116).all()  # "OLS over 116 complete-case days each"


def test_daily_mean_abnormal_return_matches_printed_mean(fitted, reference_dir: Path) -> None:  # type: ignore[no-untyped-def]
    expected = pd.read_csv(
        reference_dir / "estudy2_911_eu7" / "expected_daily_tests.csv",
        dtype={"mean": str},
        keep_default_na=False,
    )
    aar = fitted.aar.assign(date=fitted.panel.evt_dates[0]).set_index("date")
    assert len(aar) == len(expected) == 14
    for _, row in expected.iterrows():
        got = aar.loc[pd.Timestamp(row["date"]), "aar"]
        if row["mean"] == "NA":  # 2001-09-13: no ^N100 return
            assert np.isnan(got)
            continue
        printed = Decimal(row["mean"])
        half_unit = 0.5 * 10.0 ** printed.as_tuple().exponent
        assert abs(got - float(printed)) <= half_unit, (row["date"], got, row["mean"])


def test_panel_of_the_reference_case(fitted) -> None:  # type: ignore[no-untyped-def]
    p = fitted.panel
    assert p.return_kind == "log"
    assert p.evt_rel.tolist() == list(range(14))
    assert pd.Timestamp(p.evt_dates[0, 0]) == pd.Timestamp("2001-09-11")
    assert pd.Timestamp(p.evt_dates[0, -1]) == pd.Timestamp("2001-09-28")
    assert pd.Timestamp(p.est_dates[0, 0]) >= pd.Timestamp("2001-03-26")
    assert pd.Timestamp(p.est_dates[0, -1]) == pd.Timestamp("2001-09-10")
    assert (fitted.status["n_event"] == 13).all()
    assert p.market_est is not None and np.isnan(p.market_evt[:, 2]).all()
