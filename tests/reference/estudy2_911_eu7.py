"""9/11 attacks, 7 European insurers against ^N100 - the R package estudy2's vignette.

Produced by estudy2 0.10.0 (Rudnytskyi, CRAN) as the case's README states it: log returns
(across a missing price the return spans the gap); the market model by OLS on the dates where
both the stock and ^N100 have a return, estimation window 2001-03-26 .. 2001-09-10 (calendar
dates, inclusive); the twelve daily tests on the event window 2001-09-11 .. 2001-09-28 and the
three CAR tests over its 13 dates with data (percentage threshold 90). The conventions of that
implementation are ``Conventions.profile("estudy2")`` (``shared/reference/
estudy2_conventions.md``).

The printed numbers live in ``shared/reference/estudy2_911_eu7/``: ``expected_daily_tests.csv``
(14 dates: the mean abnormal return, 12 statistics and their stars, printed to 7 significant
digits) and the case's ``README.md`` (the OLS coefficients of each insurer over 116
complete-case days, and the three CAR tests). They are parsed here at run time.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from eventstudy.inference import Conventions

from ._case import Expected, ReferenceCase

NAME = "estudy2_911_eu7"

#: estudy2's printed column prefix -> this package's test name
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

#: the README's names of the CAR tests -> this package's test names
CAR_TESTS = {"Brown–Warner 1985": "brown_warner_1985", "Lamb": "lamb", "rank test": "corrado_rank"}


def _readme(reference_dir: Path) -> str:
    return (reference_dir / NAME / "README.md").read_text(encoding="utf-8")


def _coefficients(text: str) -> tuple[pd.DataFrame, int]:
    """The README's table ``| security | alpha | beta |`` and its "OLS over N ... days"."""
    rows = re.findall(r"^\|\s*([A-Z0-9.]+\.[A-Z]+)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|$", text, re.M)
    frame = pd.DataFrame(rows, columns=["ticker", "alpha", "beta"]).set_index("ticker")
    nobs = re.search(r"OLS over (\d+) complete-case days", text)
    assert nobs is not None, "the README no longer states the estimation sample"
    return frame.astype(float), int(nobs.group(1))


def _car_tests(text: str) -> dict[str, tuple[str | None, str, str]]:
    """Lines ``- <test>: [mean daily AAR <m>, ]statistic <s>, <stars | not significant>``."""
    out: dict[str, tuple[str | None, str, str]] = {}
    pattern = r"^- (.+?): (?:mean daily AAR (\S+), )?statistic (\S+), (\S.*)$"
    for label, mean, stat, signif in re.findall(pattern, text, re.M):
        stars = "" if signif.strip() == "not significant" else signif.strip()
        out[CAR_TESTS[label]] = (mean or None, stat, stars)
    return out


def expected(reference_dir: Path) -> Expected:
    text = _readme(reference_dir)
    coefficients, nobs = _coefficients(text)
    daily = pd.read_csv(
        reference_dir / NAME / "expected_daily_tests.csv", dtype=str, keep_default_na=False
    )
    return Expected(daily=daily, coefficients=coefficients, nobs=nobs, car_tests=_car_tests(text))


CASE = ReferenceCase(
    name=NAME,
    source="estudy2 0.10.0 vignette (R, CRAN)",
    inputs=f"golden/{NAME}/rates.csv",
    market="^N100",
    estimation=("2001-03-26", "2001-09-10"),
    event=("2001-09-11", "2001-09-28"),
    return_kind="log",
    conventions=Conventions.profile("estudy2"),
    columns=COLUMNS,
    car_window=(0, 13),  # the 14 event dates (13 with data: 2001-09-13 has no ^N100 return)
    expected=expected,
)
