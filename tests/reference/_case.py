"""What a published case is: the inputs and options of the study that printed the numbers,
and the printed numbers themselves - as code in the case's module (a literal table citing its
source), or, for the first case, read at run time from ``shared/reference``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from eventstudy.inference import Conventions
from eventstudy.models import MarketModel
from eventstudy.results import EventStudyResults
from eventstudy.study import EventStudy


def half_unit(printed: str) -> float:
    """Half a unit of the last printed digit: a reproduction agrees within it."""
    return 0.5 * 10.0 ** Decimal(printed).as_tuple().exponent  # type: ignore[operator]


#: the columns of estudy2's printed ``parametric_tests`` + ``nonparametric_tests`` frames as
#: the cases transcribe them (the weekday column left out): date, percentage of firms, mean
#: AR, then each test's statistic and significance stars
ESTUDY2_DAILY_COLUMNS = (
    "date",
    "percentage",
    "mean",
    "bw_1980_stat",
    "bw_1980_signif",
    "bw_1985_stat",
    "bw_1985_signif",
    "t_test_stat",
    "t_test_signif",
    "pt_stat",
    "pt_signif",
    "bh_stat",
    "bh_signif",
    "lmb_stat",
    "lmb_signif",
    "sign_stat",
    "sign_signif",
    "gsign_stat",
    "gsign_signif",
    "csign_stat",
    "csign_signif",
    "rank_stat",
    "rank_signif",
    "mrank_stat",
    "mrank_signif",
    "wlcx_stat",
    "wlcx_signif",
)


def printed_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> pd.DataFrame:
    """A literal table of printed text (``"NA"`` = missing, ``""`` = blank cell) as a frame
    of strings, the form :class:`Expected` holds."""
    assert all(len(r) == len(columns) for r in rows), "a row does not match the header"
    return pd.DataFrame(list(rows), columns=list(columns), dtype=str)


@dataclass(frozen=True)
class Expected:
    """The printed numbers of one case (``None`` / empty: the case printed no such numbers).

    ``daily``: one row per event date, the printed text of every value (``"NA"`` = missing),
    with one ``<prefix>_stat`` / ``<prefix>_signif`` column pair per test of ``columns``.
    ``coefficients``: ``ticker -> (alpha, beta)`` as printed, with their ``nobs``.
    ``car_tests``: ``test -> (mean or None, statistic, stars)``, the printed text.
    ``cars``: ``(first, last) -> {ticker: CAR}``, the printed cumulative abnormal returns of
    each event over the event-time window ``first .. last`` (inclusive).
    ``discrepancies``: ``"<check>:<key>" -> reason`` for printed numbers this package does
    not reproduce (checked as expected failures, strict: a fix makes the test fail until the
    entry is removed). ``<check>`` is ``car_tests`` (key: the test name).
    """

    daily: pd.DataFrame | None = None
    coefficients: pd.DataFrame | None = None
    nobs: int | None = None
    car_tests: dict[str, tuple[str | None, str, str]] = field(default_factory=dict)
    cars: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)
    discrepancies: dict[str, str] = field(default_factory=dict)


def _estudy2_study(case: ReferenceCase, shared_data: Path) -> EventStudyResults:
    """The estudy2 call: market model by OLS on explicit date windows, the returns' own
    sessions (no exchange calendar), every security an event on the event window's first day."""
    rates = pd.read_csv(shared_data / case.inputs, index_col="date", parse_dates=True)
    firms = [c for c in rates.columns if c != case.market]
    events = pd.DataFrame({"ticker": firms, "date": pd.Timestamp(case.event[0])})
    return EventStudy(
        events,
        rates,
        model=MarketModel(case.market),
        estimation_window=(pd.Timestamp(case.estimation[0]), pd.Timestamp(case.estimation[1])),
        event_window=(pd.Timestamp(case.event[0]), pd.Timestamp(case.event[1])),
        return_kind=case.return_kind,  # type: ignore[arg-type]
        calendar=None,
    ).fit()


@dataclass(frozen=True)
class ReferenceCase:
    """One published event study: how to rerun it here and what it printed.

    ``inputs`` is the returns file below ``shared/data``. ``expected`` is the printed numbers
    (an :class:`Expected` written as code in the case's module), or a parser reading them
    from ``shared/reference`` at run time. The remaining fields describe an estudy2 call
    (``columns`` maps the printed column prefixes to this package's test names;
    ``car_window`` is the event-grid window of the printed CAR-level tests); a case run
    differently gives its own ``study`` (``shared/data -> results``) instead.
    """

    name: str
    source: str
    inputs: str
    expected: Expected | Callable[[Path], Expected]
    market: str = ""
    estimation: tuple[str, str] = ("", "")
    event: tuple[str, str] = ("", "")
    return_kind: str = "log"
    conventions: Conventions = field(default_factory=Conventions)
    columns: dict[str, str] = field(default_factory=dict)
    car_window: tuple[int, int] = (0, 0)
    study: Callable[[ReferenceCase, Path], EventStudyResults] = _estudy2_study

    def fit(self, shared_data: Path) -> EventStudyResults:
        """The study as the case ran it."""
        return self.study(self, shared_data)
