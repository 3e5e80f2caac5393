"""COVID-19 lockdown, 7 US stocks against ^GSPC - the R package estudy2 0.10.0's vignette and
the examples of its test functions.

The call (estudy2 0.10.0, vignette "Introduction to estudy2" and ``?parametric_tests`` etc.,
which run it on the shipped ``data(securities_returns)``): prices of AMZN, ZM, UBER, NFLX,
SHOP, FB, UPWK and ^GSPC, 2019-04-01 .. 2020-04-01; ``get_rates_from_prices(quote = "Close",
multi_day = TRUE, compounding = "continuous")``; ``apply_market_model(market_model = "sim",
estimation_method = "ols", estimation_start = 2019-04-01, estimation_end = 2020-03-13)``;
``parametric_tests`` and ``nonparametric_tests`` over 2020-03-16 .. 2020-03-20;
``car_brown_warner_1985``, ``car_lamb`` and ``car_rank_test`` over the same dates
(percentage = 90). The inputs are the log returns the package ships
(``shared/data/golden/estudy2_covid7/rates.csv``). ZM and UBER list during the estimation
window (missing returns before), which moves the rank tests' denominators through estudy2's
"rowMeans * N" quirk (``shared/reference/estudy2_conventions.md``); every firm has a return
on every event day.

Source of the numbers below: github.com/irudnyts/estudy2 at commit
14946383b9d168b1b97ebdd2a1797a2b93ba1eb4 (the archived head; its pkgdown 1.6.1 site for 0.10.0
was last rebuilt at 4824af3, 2022-04-12), files ``docs/articles/estudy2-intro.html`` (the two data
frames printed by ``parametric_tests`` and ``nonparametric_tests``; 7 significant digits per
column; stars in the ``*_signif`` columns; the same rows are printed by the examples in
``docs/reference/<test>.html``) and ``docs/reference/car_brown_warner_1985.html``,
``car_lamb.html``, ``car_rank_test.html`` (one printed row each). The daily rows are
transcribed column by column as printed (the weekday column left out).
"""

from __future__ import annotations

from eventstudy.inference import Conventions

from ._case import ESTUDY2_DAILY_COLUMNS, Expected, ReferenceCase, printed_table
from .estudy2_911_eu7 import COLUMNS

NAME = "estudy2_covid7"

# fmt: off
DAILY_ROWS = (
    ("2020-03-16", "100", "0.02329740", "2.486449", "**", "1.858514", "*", "1.3941497", "", "2.5507399", "**", "1.20471169", "", "1.620049", "", "1.1338934", "", "1.1516761", "", "0.8636930", "", "0.7962064", "", "0.8499246", "", "23", "*"),
    ("2020-03-17", "100", "-0.03157867", "-3.370281", "***", "-2.519140", "**", "-1.2769075", "", "-2.9495613", "***", "-1.17531339", "", "-2.435456", "**", "0.3779645", "", "0.3957301", "", "0.2878977", "", "-0.1857202", "", "-0.2283881", "", "10", ""),
    ("2020-03-18", "100", "-0.01617850", "-1.726675", "*", "-1.290615", "", "-0.4023135", "", "0.3283654", "", "0.07606284", "", "-1.254626", "", "1.1338934", "", "1.1516761", "", "0.8636930", "", "1.0205417", "", "0.9865178", "", "15", ""),
    ("2020-03-19", "100", "0.07672027", "8.188085", "***", "6.120241", "***", "1.7958275", "", "8.4216222", "***", "2.16657728", "*", "6.105794", "***", "1.8898224", "*", "1.9076220", "*", "1.4394883", "", "2.1127972", "**", "2.1665371", "**", "27", "***"),
    ("2020-03-20", "100", "0.05840545", "6.233409", "***", "4.659205", "***", "5.1233281", "***", "6.3196352", "***", "8.65212561", "***", "4.565195", "***", "2.6457513", "***", "2.6635680", "***", "2.0152836", "**", "2.9255529", "***", "2.9786668", "***", "28", "***"),
)
# fmt: on

#: the CAR-level tests over 2020-03-16 .. 2020-03-20 (5 days kept): (car_mean, statistic,
#: significance) as printed; ``corrado_rank`` is estudy2's car_rank_test, reproduced under the
#: profile's ``car_rank="common_mean"`` (one common mean rank; returns are missing here)
CAR_TESTS: dict[str, tuple[str | None, str, str]] = {
    "brown_warner_1985": ("0.02213319", "3.948093", "***"),
    "lamb": ("0.02213319", "3.846464", "***"),
    "corrado_rank": (None, "3.0537", "***"),
}


EXPECTED = Expected(
    daily=printed_table(ESTUDY2_DAILY_COLUMNS, DAILY_ROWS),
    car_tests=CAR_TESTS,
)

CASE = ReferenceCase(
    name=NAME,
    source="estudy2 0.10.0 vignette and examples (R; pkgdown site at irudnyts/estudy2@1494638)",
    inputs=f"golden/{NAME}/rates.csv",
    expected=EXPECTED,
    market="^GSPC",
    estimation=("2019-04-01", "2020-03-13"),
    event=("2020-03-16", "2020-03-20"),
    return_kind="log",
    conventions=Conventions.profile("estudy2"),
    columns=COLUMNS,
    car_window=(0, 4),  # the 5 event dates, all with every firm
)
