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
    "lemaire_aapl": "pending: the Python package eventstudy (Lemaire) printouts are being read",
}

__all__ = ["CASES", "UNCHECKED", "Expected", "ReferenceCase"]
