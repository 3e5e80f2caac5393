"""Published reference cases (statsmodels' ``tests/results`` / linearmodels' ``tests/results``
pattern).

One module per published case: the call that produced the printed numbers (package, version,
options) as a :class:`~reference._case.ReferenceCase`, next to the printed numbers - written
as code (a literal table citing the page, commit and printout it is transcribed from), or,
for ``estudy2_911_eu7``, parsers reading them at run time from ``../shared/reference/<case>/``.
The inputs are read at run time from ``../shared/data/golden/<case>/`` (never copied into the
project). ``tests/test_reference.py`` runs one ``CheckStudyResults`` mixin over :data:`CASES`.
"""

from __future__ import annotations

from . import estudy2_911_eu7, estudy2_911_eu8, estudy2_covid7, eventstudies_terror911
from ._case import Expected, ReferenceCase

#: Every published case whose printed numbers are checked.
CASES: tuple[ReferenceCase, ...] = (
    estudy2_911_eu7.CASE,
    estudy2_911_eu8.CASE,
    estudy2_covid7.CASE,
    eventstudies_terror911.CASE,
)

#: Inputs in ``shared/data/golden`` without a case, and why (where the printed numbers were
#: looked for and what was found).
UNCHECKED: dict[str, str] = {
    "lemaire_aapl": (
        "no printout with an unambiguous call (github.com/LemaireJean-Baptiste/eventstudy at "
        "ef8903a / f253730): docs-src/source/get_started.md prints a single-event table with "
        "rows -5..20 under a call with event_window=(-2, +10) (the same table is the "
        "Single.results docstring's, for AAPL 2007-01-09 with (-5, +5)); the multiple-event "
        "10-K table depends on events dropped by ignore_errors=True (error_report not printed; "
        "2020 events lie past the data's end) and on a 10K.csv not shipped; the notebook "
        "'Eventstudy Example.ipynb' prints a table (cell 5) computed before its call was "
        "re-run for AAPL 2008-01-09 (cell 20): it matches AAPL 2007-01-09 instead"
    ),
}

__all__ = ["CASES", "UNCHECKED", "Expected", "ReferenceCase"]
