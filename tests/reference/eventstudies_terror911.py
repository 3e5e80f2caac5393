"""9/11 attacks on 33 stock-market indices, constant-mean model - the R package eventstudies'
replication of Chen & Siems (2004).

The call (eventstudies 1.2.2, vignette "replications", section "Replication I: Effect of
terrorism on global capital markets"): for each of the 33 columns of
``data(TerrorIndiceReturns)`` (daily index returns in percent) separately,
``phys2eventtime(na.omit(returns[, x]), TerrorAttack, 10)`` - event time counted on the
index's own trading days (its missing days dropped), day 0 the last of them on or before the
market's date in ``data(TerrorAttack)`` (2001-09-11 .. 2001-09-17 by time zone and closure);
``constantMeanReturn`` over event days -30 .. -11 (the mean return of those 20 days); AR =
return - that mean over days 0 .. 10; ``remap.cumsum(ar, base = ar[1, 1])``, i.e.
CAR_t = AR_0 + ... + AR_t, in percent. The vignette prints ``TerrorIndiceCAR[11, ]`` (the
11-day CAR, days 0 .. 10) and ``TerrorIndiceCAR[6, ]`` (the 6-day CAR, days 0 .. 5) of every
index. The inputs are those two data sets (``shared/data/golden/eventstudies_terror911``:
``index_returns_pct.csv``, ``events.csv``).

Here: each index's returns are put on its own event time exactly as ``phys2eventtime`` does
(a data preparation step of the published script, one column at a time), laid on one
synthetic session grid with day 0 on a common date, and the 33 events are fitted in one
study (``ConstantMean``, estimation window (-30, -11), event window (0, 10), the returns'
own sessions). The returns stay in percent (a CAR is linear in them): the percent and
split-like-move input checks are waived for that reason.

Source of the numbers below: the built vignette ``inst/doc/replications.pdf`` of eventstudies
1.2.2 as released on CRAN (github.com/cran/eventstudies at commit
23a911f60aa2f6adaadcafef8e7471ce71a706e5, "version 1.2.2", 2020-06-02), page 2-3: two named
vectors printed by R (7 significant digits each, trailing zeros dropped; row labels 10 and 5
are the event days), transcribed as printed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from eventstudy.models import ConstantMean
from eventstudy.results import EventStudyResults
from eventstudy.study import EventStudy

from ._case import Expected, ReferenceCase

NAME = "eventstudies_terror911"

# fmt: off
CARS: dict[tuple[int, int], dict[str, str]] = {
    (0, 10): {
        "S.P500": "-3.832794", "Dow": "-7.897366", "NYSE": "-3.981837", "NASDAQ": "-9.993519",
        "Toronto": "-9.110412", "Mexico": "-6.53973", "London": "-8.602633", "Germany": "-10.45718",
        "Eurostoxx50": "-7.596024", "France": "-9.518721", "Spain": "-10.6724", "Switzerland": "-7.292201",
        "Austria": "-7.894399", "Italy": "-15.21462", "Belgium": "-9.219016", "Amsterdam": "-10.82756",
        "Portugal": "1.698079", "Helsinki": "-5.500048", "Norway": "-12.39281", "Sweden": "-4.691903",
        "Tokyo": "-3.603373", "HongKong": "-5.231521", "S.Korea": "-16.64571", "India": "-17.02777",
        "Jakarta": "-9.933654", "Singapore": "-17.98219", "Kualalampur": "-14.55417", "Australia": "-8.597988",
        "NZL": "-5.635766", "Pakistan": "-12.42189", "Saudi": "-11.32466", "Israel": "-7.81159",
        "Jberg": "-12.59022",
    },
    (0, 5): {
        "S.P500": "-7.72379", "Dow": "-10.56695", "NYSE": "-8.094739", "NASDAQ": "-10.13781",
        "Toronto": "-7.01292", "Mexico": "-13.17444", "London": "-4.533527", "Germany": "-8.063819",
        "Eurostoxx50": "-5.940704", "France": "-8.707865", "Spain": "-9.426443", "Switzerland": "-5.967055",
        "Austria": "-4.428614", "Italy": "-13.98185", "Belgium": "-8.510382", "Amsterdam": "-8.521101",
        "Portugal": "-6.875878", "Helsinki": "-4.802975", "Norway": "-9.894391", "Sweden": "-4.96208",
        "Tokyo": "-0.5636291", "HongKong": "-5.570385", "S.Korea": "-11.81901", "India": "-11.77841",
        "Jakarta": "-4.91951", "Singapore": "-13.74157", "Kualalampur": "-10.50214", "Australia": "-6.814062",
        "NZL": "-7.101218", "Pakistan": "-10.3741", "Saudi": "-5.320904", "Israel": "-11.03399",
        "Jberg": "-12.09548",
    },
}
# fmt: on


def event_time_returns(returns: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Every index's returns on its own event time (``phys2eventtime`` on ``na.omit``):
    row ``k`` of a column is that index's ``k``-th own trading day after its day 0, where
    day 0 is its last trading day on or before the event date."""
    columns = {}
    for name, when in zip(events["name"], events["when"], strict=True):
        own = returns[name].dropna()
        day0 = int(own.index.searchsorted(when, side="right")) - 1
        columns[name] = pd.Series(own.to_numpy(), index=np.arange(len(own)) - day0)
    return pd.DataFrame(columns).sort_index()


def study(case: ReferenceCase, shared_data: Path) -> EventStudyResults:
    """The 33 indices in one study on a synthetic grid whose sessions are the event days."""
    folder = shared_data / Path(case.inputs).parent
    returns = pd.read_csv(shared_data / case.inputs, index_col="date", parse_dates=True)
    events = pd.read_csv(folder / "events.csv", parse_dates=["when"])
    frame = event_time_returns(returns, events)
    # any daily grid will do: the windows are counted in sessions relative to day 0
    grid = pd.bdate_range("2001-01-01", periods=len(frame), name="date")
    day0 = grid[int(np.flatnonzero(frame.index == 0)[0])]
    frame.index = grid
    return EventStudy(
        pd.DataFrame({"ticker": frame.columns, "date": day0}),
        frame,
        model=ConstantMean(),
        estimation_window=(-30, -11),
        event_window=(0, 10),
        calendar=None,
        min_estimation_obs=20,
        allow=["percent_returns", "split_like_moves"],
    ).fit()


CASE = ReferenceCase(
    name=NAME,
    source="eventstudies 1.2.2 vignette 'replications' (R, CRAN)",
    inputs=f"golden/{NAME}/index_returns_pct.csv",
    expected=Expected(cars=CARS),
    return_kind="simple",
    study=study,
)
