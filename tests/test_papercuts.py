"""The papercuts a newcomer hit (issue 19), each with the behaviour that replaces it.

Independent sources: the price CSV itself (returns by hand), the results' own tidy frames
(sorting, sums) and the identity actual = normal + abnormal.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.cli import main
from eventstudy.exceptions import DataError, DataUnavailableError, SpecError, plain_numbers

DAY0 = "2025-01-27"
FIRMS = ["NVDA", "AVGO", "VST", "CEG", "TLN", "NRG", "GEV", "MU"]


@pytest.fixture(scope="module")
def res(request: pytest.FixtureRequest) -> es.EventStudyResults:
    prices_dir = request.getfixturevalue("prices_dir")
    return es.event_study(FIRMS, DAY0, market="SPY", prices_dir=prices_dir, progress=False)


def _simulated_results(n: int, seed: int = 3) -> es.EventStudyResults:
    """A study of ``n`` simulated firms on one date (for large cross-sections)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=300)
    market = rng.normal(0, 0.01, len(dates))
    firms = {f"F{i:03d}": market + rng.normal(0, 0.02, len(dates)) for i in range(n)}
    returns = pd.DataFrame({"MKT": market, **firms}, index=dates)
    events = pd.DataFrame({"ticker": list(firms), "date": dates[280]})
    return es.EventStudy(events, returns, model=es.MarketModel("MKT"), calendar=None).fit()


# ----------------------------------------------------------------------------- data
@pytest.mark.shared_data
def test_yahoo_layout_frame_is_recognised(prices_dir: Path) -> None:
    table = pd.read_csv(prices_dir / "NVDA.csv")  # Date,Open,...,Adj Close,Volume; RangeIndex
    with pytest.raises(DataError, match=r"ticker='NVDA'.*es.read_prices"):
        es.compute_returns(table)
    returns = es.compute_returns(table, ticker="NVDA")
    adj = table.set_index(pd.to_datetime(table["Date"]))["Adj Close"]
    by_hand = adj.loc[DAY0] / adj.shift(1).loc[DAY0] - 1.0
    assert returns.loc[DAY0, "NVDA"] == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(-0.1697, abs=1e-4)
    # the same table read with index_col="Date": its fields are not taken for tickers
    indexed = pd.read_csv(prices_dir / "NVDA.csv", index_col="Date", parse_dates=True)
    again = es.compute_returns(indexed, ticker="NVDA")
    assert list(again.columns) == ["NVDA"]
    assert again.loc[DAY0, "NVDA"] == pytest.approx(by_hand, rel=1e-12)


# ----------------------------------------------------------------------------- tests table
@pytest.mark.shared_data
def test_tests_with_windows_returns_window_rows_only(res: es.EventStudyResults) -> None:
    windows = [(0, 0), (-1, 1)]
    table = res.tests(windows=windows)
    assert table["window"].notna().all() and table["rel_day"].isna().all()
    assert set(table["window"]) == {"[0, 0]", "[-1, 1]"}
    assert len(table) == 2 * table["test"].nunique()
    assert "conventions" not in table.columns
    assert table.attrs["conventions"] == es.Conventions().describe()
    with_days = res.tests(windows=windows, daily=True)
    n_days = len(res.panel.evt_rel)
    assert len(with_days) == len(table) + n_days * table["test"].nunique()
    assert "conventions" in res.tests(windows=windows, conventions_column=True).columns
    assert res.tests()["rel_day"].notna().any()  # without windows the days are the result


# ----------------------------------------------------------------------------- figures
def test_car_bars_default_shows_the_extremes_of_a_large_cross_section() -> None:
    big = _simulated_results(120)
    car = big.car((0, 0)).sort_values("car", kind="stable")
    fig = big.plot_car_bars(window=(0, 0))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    expected = car["ticker"].tolist()[:20] + car["ticker"].tolist()[-20:]
    assert labels == expected
    assert fig.get_size_inches()[0] <= 0.35 * 41 + 2.0 + 1e-9  # ≈ 16 in, not 44
    assert "20 lowest and 20 highest of 120" in ax.get_title()
    few = big.plot_car_bars(window=(0, 0), top=3, bottom=2)
    got = [t.get_text() for t in few.axes[0].get_xticklabels()]
    assert got == car["ticker"].tolist()[:2] + car["ticker"].tolist()[-3:]
    heights = [p.get_height() for p in few.axes[0].patches]
    np.testing.assert_allclose(
        heights, 100 * np.r_[car["car"].to_numpy()[:2], car["car"].to_numpy()[-3:]], rtol=1e-12
    )
    everything = big.plot_car_bars(window=(0, 0), max_bars=200)
    assert len(everything.axes[0].patches) == 120
    with pytest.raises(SpecError, match="top must be a non-negative integer"):
        big.plot_car_bars(window=(0, 0), top=-1)


@pytest.mark.shared_data
def test_relative_day_axes_have_whole_days_and_optional_dates(res: es.EventStudyResults) -> None:
    for fig in (res.plot_caar(), res.plot_ar_path("NVDA")):
        ax = fig.axes[0]
        ticks = ax.get_xticks()
        assert np.allclose(ticks, np.round(ticks)), ticks  # no -7.5 or 2.5 trading days
    legend = [t.get_text() for t in res.plot_ar_path("NVDA").axes[0].get_legend().get_texts()]
    assert any("s.e. of the AR" in t for t in legend) and not any("√" in t for t in legend)
    dated = res.plot_caar(dates=True)
    top_labels = [t.get_text() for ax in dated.axes[0].child_axes for t in ax.get_xticklabels()]
    assert DAY0 in top_labels  # day 0 is labelled with its session date


@pytest.mark.shared_data
def test_decomposition_chart_draws_actual_normal_and_abnormal(
    res: es.EventStudyResults,
) -> None:
    ar = res.ar[res.ar["ticker"] == "NVDA"].sort_values("rel_day")
    np.testing.assert_allclose(ar["ret"] - ar["normal"], ar["ar"], atol=1e-15)  # the identity
    fig = res.plot_decomposition("NVDA", cumulative=False)
    lines = {
        line.get_label(): line for line in fig.axes[0].get_lines() if line.get_label()[0] != "_"
    }
    assert set(lines) == {"actual return", "normal return (model)", "abnormal return"}
    np.testing.assert_allclose(lines["actual return"].get_ydata(), 100 * ar["ret"].to_numpy())
    np.testing.assert_allclose(
        lines["normal return (model)"].get_ydata(), 100 * ar["normal"].to_numpy()
    )
    cumulative = res.plot_decomposition("NVDA", cumulative=True)
    abnormal = [ln for ln in cumulative.axes[0].get_lines() if ln.get_label() == "abnormal return"]
    np.testing.assert_allclose(abnormal[0].get_ydata()[-1], 100 * ar["ar"].sum(), rtol=1e-12)


# ----------------------------------------------------------------------------- numbers as text
@pytest.mark.shared_data
def test_percent_tables_have_two_decimals(res: es.EventStudyResults) -> None:
    table = es.etable(res, windows=[(0, 0)], percent=True)
    assert isinstance(table, pd.DataFrame)
    cell = str(table.iloc[0, 0]).rstrip("*")
    assert len(cell.split(".")[1]) == 2
    caar = res.tests("cross_sectional_t", windows=[(0, 0)])["estimate"].iloc[0]
    assert float(cell) == pytest.approx(100 * caar, abs=0.005)
    assert len(str(es.etable(res, windows=[(0, 0)]).iloc[0, 0]).rstrip("*").split(".")[1]) == 4


@pytest.mark.shared_data
def test_exported_counts_are_integers(prices_dir: Path, tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(
        '[events]\ndate = 2025-01-27\ntickers = ["NVDA", "AVGO", "VST"]\n[output]\nfigures = []\n',
        encoding="utf-8",
    )
    out = tmp_path / "r"
    assert main(["run", str(spec), "--prices-dir", str(prices_dir), "--out", str(out), "-q"]) == 0
    n = pd.read_csv(out / "caar.csv", dtype=str)["n"]
    assert n.tolist() == ["3"] * len(n)  # not 3.0


def test_messages_show_plain_numbers() -> None:
    assert (
        plain_numbers("got np.float64(0.505) and [np.int64(3), np.True_]")
        == "got 0.505 and [3, True]"
    )
    error = SpecError(f"level {np.float64(0.505)!r} in {[np.int64(1), np.int64(2)]}")
    assert str(error) == "level 0.505 in [1, 2]"
    with pytest.warns(es.EventStudyWarning, match=r"^4 of 5$"):
        import warnings

        warnings.warn(f"{np.int64(4)!r} of {np.int64(5)!r}", es.EventsDroppedWarning, stacklevel=1)


def test_a_reversed_window_is_named_as_such() -> None:
    study = _simulated_results(5)
    for call in (
        lambda: study.car((5, 0)),
        lambda: study.caar((5, 0)),
        lambda: study.tests(windows=[(5, 0)]),
    ):
        with pytest.raises(SpecError, match=r"reversed: did you mean \(0, 5\)\?"):
            call()
    with pytest.raises(SpecError, match=r"outside the event window -10..10"):
        study.car((0, 11))


@pytest.mark.shared_data
def test_a_ticker_missing_from_shares_is_named_as_such(prices_dir: Path) -> None:
    with pytest.raises(DataUnavailableError, match=r"AVGO not in shares="):
        es.load_market_values(
            ["NVDA", "AVGO"], [DAY0], shares={"NVDA": 24.5e9}, prices_dir=prices_dir
        )


@pytest.mark.parametrize(
    "values",
    [
        pd.Series({"NVDA": 24.5e9}, name="shares"),
        pd.DataFrame({"ticker": ["NVDA"], "date": [DAY0], "shares": [24.5e9]}),
    ],
    ids=["series", "frame"],
)
def test_share_counts_passed_as_market_values_are_refused(
    values: pd.Series | pd.DataFrame,
) -> None:
    returns = pd.DataFrame(
        {"SPY": [0.01, -0.02], "NVDA": [0.02, -0.17]}, index=pd.bdate_range(DAY0, periods=2)
    )
    events = pd.DataFrame({"ticker": ["NVDA"], "date": [DAY0]})
    with pytest.raises(SpecError, match=r"looks like share counts.*shares="):
        es.EventStudy(events, returns, model=es.MarketModel("SPY"), market_values=values)


# ----------------------------------------------------------------------------- ISO dates
def test_messages_show_iso_dates() -> None:
    # was: "the SUR Wald test on 2025-04-03T00:00:00.000000000 needs ..." (a numpy date)
    study = _simulated_results(260)  # more firms than the 240 estimation days
    day0 = f"{pd.bdate_range('2024-01-01', periods=300)[280]:%Y-%m-%d}"
    with pytest.raises(es.InsufficientDataError, match=rf"SUR Wald test on {day0} needs") as err:
        study.sur_wald_test(strict=True)
    assert "T00:00" not in str(err.value)
    # without strict the date is a row saying why (issue 12)
    assert (
        study.sur_wald_test()["reason"].str.startswith(f"the SUR Wald test on {day0} needs").all()
    )
    # every library message passes through one filter
    error = DataError(f"on {np.datetime64('2025-04-03', 'ns')} and {np.datetime64('2025-04-04')!r}")
    assert str(error) == "on 2025-04-03 and 2025-04-04"
    kept = DataError(f"at {np.datetime64('2025-04-03T15:30')}")  # a time of day is kept
    assert str(kept) == "at 2025-04-03T15:30"


def test_every_output_writes_iso_dates(tmp_path: Path) -> None:
    # the date-bearing outputs: per-date clustering tests, status, CAR and the report files
    study = _simulated_results(12)
    tables = {
        "portfolio": study.portfolio_test(),
        "sur": study.sur_wald_test(),
        "status": study.status,
        "tests": study.tests(windows=[(0, 0)]),
    }
    for name, table in tables.items():
        for text in (table.to_string(), table.to_csv(), table.to_html()):
            assert "T00:00" not in text, name
    study.export(tmp_path / "out", formats=["csv", "md", "html"])
    written = [p for p in (tmp_path / "out").rglob("*") if p.suffix in (".csv", ".md", ".html")]
    assert written
    day0 = f"{pd.bdate_range('2024-01-01', periods=300)[280]:%Y-%m-%d}"
    assert any(day0 in p.read_text(encoding="utf-8") for p in written)
    for path in written:
        assert "T00:00" not in path.read_text(encoding="utf-8"), path.name
    assert "T00:00" not in str(study.summary()) + study._repr_html_()


@pytest.mark.shared_data
def test_one_call_checks_windows_and_takes_one_ticker_per_group(prices_dir: Path) -> None:
    # audit: a huge window was "unexpected input (OutOfBoundsDatetime ...)", and
    # {"chips": "NVDA"} was read as the tickers N, V, D, A
    with pytest.raises(SpecError, match=r"estimation_window = \[-100000, -11\]: more sessions"):
        es.event_study(["NVDA"], DAY0, estimation_window=(-100000, -11), prices_dir=prices_dir)
    res = es.event_study({"chips": "NVDA"}, DAY0, prices_dir=prices_dir, progress=False)
    car = res.car((0, 0))
    assert car["ticker"].tolist() == ["NVDA"] and car["group"].tolist() == ["chips"]
