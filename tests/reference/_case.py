"""What a published case is: the inputs and options of the study that printed the numbers,
and the printed numbers themselves (read at run time, never copied into the project)."""

from __future__ import annotations

from collections.abc import Callable
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


@dataclass(frozen=True)
class Expected:
    """The printed numbers of one case (``None``: the case printed no such numbers).

    ``daily``: one row per event date, the printed text of every value (``"NA"`` = missing),
    with one ``<prefix>_stat`` / ``<prefix>_signif`` column pair per test of ``columns``.
    ``coefficients``: ``ticker -> (alpha, beta)`` as printed, with their ``nobs``.
    ``car_tests``: ``test -> (mean or None, statistic, stars)``, the printed text.
    """

    daily: pd.DataFrame | None = None
    coefficients: pd.DataFrame | None = None
    nobs: int | None = None
    car_tests: dict[str, tuple[str | None, str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ReferenceCase:
    """One published event study: how to rerun it here and where its printed numbers are.

    ``inputs`` is the returns file below ``shared/data``; ``columns`` maps the printed column
    prefixes to this package's test names; ``car_windows`` are the event-grid windows of
    the printed CAR-level tests; ``expected`` reads the printed numbers from
    ``shared/reference``.
    """

    name: str
    source: str
    inputs: str
    market: str
    estimation: tuple[str, str]
    event: tuple[str, str]
    return_kind: str
    conventions: Conventions
    columns: dict[str, str]
    car_window: tuple[int, int]
    expected: Callable[[Path], Expected]

    def fit(self, shared_data: Path) -> EventStudyResults:
        """The study as the case ran it: market model by OLS on explicit date windows, the
        returns' own sessions (no exchange calendar)."""
        rates = pd.read_csv(shared_data / self.inputs, index_col="date", parse_dates=True)
        firms = [c for c in rates.columns if c != self.market]
        events = pd.DataFrame({"ticker": firms, "date": pd.Timestamp(self.event[0])})
        return EventStudy(
            events,
            rates,
            model=MarketModel(self.market),
            estimation_window=(pd.Timestamp(self.estimation[0]), pd.Timestamp(self.estimation[1])),
            event_window=(pd.Timestamp(self.event[0]), pd.Timestamp(self.event[1])),
            return_kind=self.return_kind,  # type: ignore[arg-type]
            calendar=None,
        ).fit()
