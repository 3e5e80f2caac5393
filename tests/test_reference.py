"""Published cases reproduced (statsmodels' ``CheckRegressionResults`` pattern).

``res1`` is this package's study, ``res2`` the published numbers of the case (``tests/reference``
defines each case next to its printed numbers: a literal table in the case's module, or parsers
reading them from ``shared/reference`` at run time). One ``CheckStudyResults`` mixin holds the
checks; ``TestPublishedCases`` runs it over every case of :data:`reference.CASES`. A printed
number must agree within half a unit of its last printed digit, and every printed significance
star must be the same. A printed number the package does not reproduce is listed in its case's
``Expected.discrepancies`` with the diagnosis, and checked as a strict expected failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.inference import run_tests
from eventstudy.results import EventStudyResults
from reference import CASES, UNCHECKED, Expected, ReferenceCase
from reference._case import half_unit

pytestmark = pytest.mark.shared_data


@dataclass(frozen=True)
class Loaded:
    case: ReferenceCase
    res1: EventStudyResults  # ours
    res2: Expected  # published


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def loaded(request: pytest.FixtureRequest, shared_data: Path) -> Loaded:
    case: ReferenceCase = request.param
    expected = case.expected
    if not isinstance(expected, Expected):  # parsed from shared/reference at run time
        expected = expected(request.getfixturevalue("reference_dir"))
    return Loaded(case, case.fit(shared_data), expected)


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
                    assert _close(float(got["statistic"]), text), (
                        name,
                        row["date"],
                        got["statistic"],
                    )
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
        known = loaded.res2.discrepancies
        reproduced: dict[str, bool] = {}
        for name, (mean, stat, stars) in published.items():
            row = rows.loc[name]
            same = _close(float(rows.at[name, "statistic"]), stat) and row["stars"] == stars
            if mean is not None:
                same = same and _close(float(rows.at[name, "estimate"]), mean)
            if f"car_tests:{name}" in known:
                reproduced[name] = same
            else:
                assert same, (name, row["estimate"], row["statistic"], row["stars"])
        _expected_failures(known, {f"car_tests:{k}": v for k, v in reproduced.items()})

    def test_cars(self, loaded: Loaded) -> None:
        """Each event's printed CAR over event days ``first .. last`` (a sum of ARs)."""
        published = loaded.res2.cars
        if not published:
            pytest.skip(f"{loaded.case.name} printed no per-event CARs")
        for window, printed in published.items():
            car = loaded.res1.car(window)
            # the package keys tickers upper-case; the printout keeps the data's spelling
            got = car.set_index(car["ticker"].str.upper())["car"]
            assert len(got) == len(printed), window
            for ticker, text in printed.items():
                assert _close(got.loc[ticker.upper()], text), (
                    window,
                    ticker,
                    got.loc[ticker.upper()],
                )


def _expected_failures(known: dict[str, str], reproduced: dict[str, bool]) -> None:
    """Strict expected failures: a listed discrepancy that now reproduces must be unlisted."""
    fixed = [key for key, same in reproduced.items() if same]
    assert not fixed, f"now reproduced, remove from Expected.discrepancies: {fixed}"
    failing = [key for key, same in reproduced.items() if not same]
    if failing:
        pytest.xfail("; ".join(f"{key}: {known[key]}" for key in failing))


class TestPublishedCases(CheckStudyResults):
    """Every case of ``tests/reference`` (parametrised by the ``loaded`` fixture)."""


def test_every_golden_case_with_printed_numbers_is_checked(
    shared_data: Path, reference_dir: Path
) -> None:
    """Every published study whose inputs are in ``shared/data/golden`` has a case module in
    ``tests/reference`` (or is listed in ``UNCHECKED`` with where its printed numbers were
    looked for), every case of ``shared/reference`` is parsed by one, and every case promises
    printed numbers that the mixin's checks read."""
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)
    golden = {p.name for p in (shared_data / "golden").iterdir() if p.is_dir()}
    assert golden == set(names) | set(UNCHECKED), "a golden input set without a case"
    assert not set(names) & set(UNCHECKED)
    printed_in_shared = {p.name for p in reference_dir.iterdir() if p.is_dir()}
    parsed = {c.name for c in CASES if not isinstance(c.expected, Expected)}
    assert printed_in_shared == parsed
    for case in CASES:
        assert (shared_data / case.inputs).is_file(), case.name
        got = case.expected if isinstance(case.expected, Expected) else case.expected(reference_dir)
        quantities = [got.daily, got.coefficients, got.car_tests or None, got.cars or None]
        assert any(q is not None and len(q) > 0 for q in quantities), case.name
        if got.daily is not None:  # every printed test column maps to a test of the package
            for prefix in case.columns:
                assert {f"{prefix}_stat", f"{prefix}_signif"} <= set(got.daily.columns)
        checks = {"car_tests": got.car_tests}
        for key in got.discrepancies:  # a discrepancy names a printed number
            check, _, item = key.partition(":")
            assert item in checks[check], key
    eu7 = next(c for c in CASES if c.name == "estudy2_911_eu7")
    assert not isinstance(eu7.expected, Expected)
    got = eu7.expected(reference_dir)  # the parsers find every printed quantity they promise
    assert got.daily is not None and len(got.daily) > 0
    assert got.coefficients is not None and len(got.coefficients) > 0
    assert len(got.car_tests) == 3
