"""9/11 attacks, 8 European insurers (7 of estudy2_911_eu7 and RSA.L) against ^N100 - the
R package estudy2's vignette and examples before RSA.L was dropped from them.

The call (estudy2's vignette "Introduction to estudy2" and the examples of its test
functions, as rendered on the package's pkgdown site): prices of ALV.DE, CS.PA, G.MI,
HNR1.HA, HSX.L, MUV2.DE, RSA.L, TOP.CO and ^N100, 2000-01-01 .. 2002-01-01;
``get_rates_from_prices(quote = "Close", multi_day = TRUE, compounding = "continuous")``;
``apply_market_model(market_model = "sim", estimation_method = "ols", estimation_start =
2001-03-26, estimation_end = 2001-09-10)``; ``parametric_tests`` and ``nonparametric_tests``
over 2001-09-11 .. 2001-09-28; ``car_brown_warner_1985``, ``car_lamb`` and ``car_rank_test``
over the same dates (percentage = 90). The inputs are the log returns the package shipped for
it (``shared/data/golden/estudy2_911_eu8/rates.csv``). HNR1.HA and TOP.CO have no return on
2001-09-28: that day 6 of 8 insurers have one (75 %), so estudy2's
"rowMeans * N" quirk applies (``shared/reference/estudy2_conventions.md``) and the day is
left out of the CAR tests (12 of the 14 dates are kept: 2001-09-13 has no ^N100 return).

Source of the numbers below: github.com/irudnyts/estudy2 at commit
85ca02f9e570ea2f05604d7149ddb65df7b35cee (2020-04-30, "Update examples in documentation and
vignette ..."; these pages are unchanged through 73a954a, 2021-08-15), files
``docs/articles/estudy2-intro.html`` (the two data frames printed by ``parametric_tests`` and
``nonparametric_tests``; R prints 7 significant digits per column, the stars in the
``*_signif`` columns) and ``docs/reference/car_brown_warner_1985.html``,
``car_lamb.html``, ``car_rank_test.html`` (one printed row each). The daily rows are
transcribed column by column as printed (the weekday column left out).
"""

from __future__ import annotations

from eventstudy.inference import Conventions

from ._case import ESTUDY2_DAILY_COLUMNS, Expected, ReferenceCase, printed_table
from .estudy2_911_eu7 import COLUMNS

NAME = "estudy2_911_eu8"

# fmt: off
DAILY_ROWS = (
    ("2001-09-11", "100", "-0.1034808908", "-15.4849746", "***", "-14.2627399", "***", "-5.42771049", "***", "-16.87675545", "***", "-4.45409291", "***", "-14.1976044", "***", "-2.8284271", "***", "-2.8130468", "***", "-2.3671082", "**", "-3.4789774", "***", "-3.5177510", "***", "0", "***"),
    ("2001-09-12", "100", "-0.0345902954", "-5.1761233", "***", "-4.7675700", "***", "-1.28556739", "", "-3.70431859", "***", "-0.98762098", "", "-4.7209590", "***", "-1.4142136", "", "-1.3988122", "", "-1.1835541", "", "-1.3572036", "", "-1.3993558", "", "10", ""),
    ("2001-09-13", "0", "NA", "NA", "", "NA", "", "NA", "", "NA", "", "NA", "", "NA", "", "NA", "", "NA", "", "NA", "", "NA", "", "NA", "", "NA", ""),
    ("2001-09-14", "100", "-0.0340256202", "-5.0916248", "***", "-4.6897409", "***", "-1.40722618", "", "-5.56853580", "***", "-1.42803620", "", "-4.4303298", "***", "-1.4142136", "", "-1.3988122", "", "-1.1835541", "", "-1.6059633", "", "-1.6018168", "", "7", ""),
    ("2001-09-17", "100", "0.0180458400", "2.7003959", "***", "2.4872527", "**", "0.76664601", "", "4.17125705", "***", "1.14070051", "", "2.4758486", "**", "0.7071068", "", "0.7225397", "", "0.5917770", "", "0.6987221", "", "0.6857532", "", "24", ""),
    ("2001-09-18", "100", "-0.0007609145", "-0.1138639", "", "-0.1048766", "", "-0.03058958", "", "-0.13316188", "", "-0.03168897", "", "-0.1018215", "", "0.7071068", "", "0.7225397", "", "0.5917770", "", "0.9767476", "", "0.9658669", "", "23", ""),
    ("2001-09-19", "100", "-0.0048350600", "-0.7235228", "", "-0.6664149", "", "-0.26399890", "", "-0.07188815", "", "-0.02820835", "", "-0.6562277", "", "-0.7071068", "", "-0.6916949", "", "-0.5917770", "", "-0.3621648", "", "-0.3612366", "", "14", ""),
    ("2001-09-20", "100", "-0.0974285486", "-14.5792966", "***", "-13.4285474", "***", "-2.70161687", "**", "-13.51138444", "***", "-3.03467540", "**", "-12.6889753", "***", "-2.8284271", "***", "-2.8130468", "***", "-2.3671082", "**", "-3.4716610", "***", "-3.5153340", "***", "0", "***"),
    ("2001-09-21", "100", "-0.0412253278", "-6.1689955", "***", "-5.6820745", "***", "-3.00443389", "**", "-5.97096266", "***", "-2.75369055", "**", "-5.5420783", "***", "-1.4142136", "", "-1.3988122", "", "-1.1835541", "", "-2.0230016", "**", "-2.0272555", "**", "3", "**"),
    ("2001-09-24", "100", "0.0369475589", "5.5288663", "***", "5.0924709", "***", "2.10171156", "*", "5.08237801", "***", "1.91033095", "*", "4.6442996", "***", "2.1213203", "**", "2.1367743", "**", "1.7753311", "*", "2.4766222", "**", "2.5139614", "**", "30", "**"),
    ("2001-09-25", "100", "0.0467385257", "6.9939955", "***", "6.4419569", "***", "2.48824735", "**", "6.76015529", "***", "2.61279384", "**", "6.3597086", "***", "0.7071068", "", "0.7225397", "", "0.5917770", "", "1.7157102", "*", "1.7309480", "*", "30", "**"),
    ("2001-09-26", "100", "0.0188989270", "2.8280526", "***", "2.6048334", "**", "3.05631241", "**", "2.88119980", "***", "3.49544565", "**", "2.5732042", "**", "2.1213203", "**", "2.1367743", "**", "1.7753311", "*", "2.2132296", "**", "2.2574440", "**", "33", "**"),
    ("2001-09-27", "100", "0.0112991782", "1.6908193", "*", "1.5573623", "", "0.83948590", "", "2.22161248", "**", "1.06757580", "", "1.5466368", "", "0.7071068", "", "0.7225397", "", "0.5917770", "", "0.8962665", "", "0.8696880", "", "23", ""),
    ("2001-09-28", "75", "0.0124532411", "1.8635143", "*", "1.7164265", "*", "2.19578010", "*", "1.87196090", "*", "2.33716388", "*", "1.6751766", "*", "1.9051587", "*", "1.9185432", "*", "0.9111004", "", "2.0486092", "**", "1.7806711", "*", "24", "***"),
)
# fmt: on

#: the CAR-level tests over 2001-09-11 .. 2001-09-28 (12 days kept): (car_mean, statistic,
#: significance) as printed; ``corrado_rank`` is estudy2's car_rank_test, reproduced under the
#: profile's ``car_rank="common_mean"`` (one common mean rank; returns are missing here)
CAR_TESTS: dict[str, tuple[str | None, str, str]] = {
    "brown_warner_1985": ("-0.01536805", "-7.33757", "***"),
    "lamb": ("-0.01536805", "-7.141332", "***"),
    "corrado_rank": (None, "-0.9756449", ""),
}


EXPECTED = Expected(
    daily=printed_table(ESTUDY2_DAILY_COLUMNS, DAILY_ROWS),
    car_tests=CAR_TESTS,
)

CASE = ReferenceCase(
    name=NAME,
    source="estudy2 vignette and examples (R; pkgdown site at irudnyts/estudy2@85ca02f)",
    inputs=f"golden/{NAME}/rates.csv",
    expected=EXPECTED,
    market="^N100",
    estimation=("2001-03-26", "2001-09-10"),
    event=("2001-09-11", "2001-09-28"),
    return_kind="log",
    conventions=Conventions.profile("estudy2"),
    columns=COLUMNS,
    car_window=(0, 13),  # the 14 event dates; estudy2 keeps the 12 with > 90 % of firms
)
