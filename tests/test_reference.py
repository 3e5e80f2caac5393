"""Published cases reproduced (statsmodels' ``CheckRegressionResults`` pattern).

``res1`` is this package's study, ``res2`` the published numbers of the case (``tests/reference``
defines each case next to the parsers that read its printed numbers from ``shared/reference`` at
run time). One ``CheckStudyResults`` mixin holds the checks; ``TestPublishedCases`` runs it over
every case of :data:`reference.CASES`. A printed number must agree within half a unit of its
last printed digit, and every printed significance star must be the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.inference import run_tests
from eventstudy.results import EventStudyResults
from reference import CASES, Expected, ReferenceCase
from reference._case import half_unit

pytestmark = pytest.mark.shared_data


@dataclass(frozen=True)
class Loaded:
    case: ReferenceCase
    res1: EventStudyResults  # ours
    res2: Expected  # published


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def loaded(request: pytest.FixtureRequest, shared_data: Path, reference_dir: Path) -> Loaded:
    case: ReferenceCase = request.param
    return Loaded(case, case.fit(shared_data), case.expected(reference_dir))


def _close(got: float, printed: str) -> bool:
    return abs(got - float(printed)) <= half_unit(printed)


class CheckStudyResults:
    """The checks every published case runs (a case without such printed numbers skips)."""

    def test_coefficients(self, loaded: Loaded) -> None:
        ref = loaded.res2.coefficients
        if ref is None:
            pytest.skip(f"{loaded.case.name} printed no coefficients")
        got = loaded.res1.params.set_index("ticker").loc[ref.index]
        # printed to 15 significant digits: agree to 1e-10 absolute
        np.testing.assert_allclose(got["alpha"], ref["alpha"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(got["beta"], ref["beta"], rtol=0, atol=1e-10)
        assert (got["nobs"] == loaded.res2.nobs).all()

    def test_daily_mean_abnormal_return(self, loaded: Loaded) -> None:
        daily = loaded.res2.daily
        if daily is None:
            pytest.skip(f"{loaded.case.name} printed no daily values")
        res = loaded.res1
        aar = res.aar.assign(date=res.panel.evt_dates[0]).set_index("date")["aar"]
        assert len(aar) == len(daily)
        for _, row in daily.iterrows():
            got = aar.loc[pd.Timestamp(row["date"])]
            if row["mean"] == "NA":  # a day without a market return
                assert np.isnan(got), row["date"]
            else:
                assert _close(got, row["mean"]), (row["date"], got, row["mean"])

    def test_daily_statistics_and_stars(self, loaded: Loaded) -> None:
        daily = loaded.res2.daily
        if daily is None:
            pytest.skip(f"{loaded.case.name} printed no daily tests")
        case = loaded.case
        rows = run_tests(
            loaded.res1.panel, tests=list(case.columns.values()), conventions=case.conventions
        )
        checked = 0
        for prefix, name in case.columns.items():
            ours = rows[rows["test"] == name].set_index("date")
            for _, row in daily.iterrows():
                got = ours.loc[pd.Timestamp(row["date"])]
                text = row[f"{prefix}_stat"]
                if text == "NA":
                    assert np.isnan(got["statistic"]), (name, row["date"])
                else:
                    assert _close(got["statistic"], text), (name, row["date"], got["statistic"])
                assert got["stars"] == row[f"{prefix}_signif"], (name, row["date"])
                checked += 1
        assert checked == len(daily) * len(case.columns)
        # the printed share of events with a return each day
        n = rows[rows["test"] == next(iter(case.columns.values()))]["n"].to_numpy()
        pct = 100 * n / loaded.res1.panel.n_events
        np.testing.assert_allclose(pct, daily["percentage"].astype(float))

    def test_car_tests(self, loaded: Loaded) -> None:
        published = loaded.res2.car_tests
        if not published:
            pytest.skip(f"{loaded.case.name} printed no CAR tests")
        case = loaded.case
        rows = run_tests(
            loaded.res1.panel,
            tests=list(published),
            windows=[case.car_window],
            daily=False,
            conventions=case.conventions,
        ).set_index("test")
        for name, (mean, stat, stars) in published.items():
            assert _close(rows.loc[name, "statistic"], stat), (name, rows.loc[name, "statistic"])
            assert rows.loc[name, "stars"] == stars, name
            if mean is not None:
                assert _close(rows.loc[name, "estimate"], mean), (name, rows.loc[name, "estimate"])


class TestPublishedCases(CheckStudyResults):
    """Every case of ``tests/reference`` (parametrised by the ``loaded`` fixture)."""


def test_every_golden_case_with_printed_numbers_is_checked(reference_dir: Path) -> None:
    """A case added to ``shared/reference`` must get a module in ``tests/reference``."""
    printed = {p.name for p in reference_dir.iterdir() if p.is_dir()}
    assert printed == {c.name for c in CASES}
    for case in CASES:  # each parser finds every printed quantity it promises
        got = case.expected(reference_dir)
        assert got.daily is not None and len(got.daily) > 0
        assert got.coefficients is not None and len(got.coefficients) > 0
        assert len(got.car_tests) == 3
