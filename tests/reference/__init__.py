"""Published reference cases (statsmodels' ``tests/results`` / linearmodels' ``tests/results``
pattern).

One module per published case: the call that produced the printed numbers (package, version,
options) as a :class:`~reference._case.ReferenceCase`, next to the parsers that read the printed
numbers at run time from ``../shared/reference/<case>/`` (they are not copied into the project).
``tests/test_reference.py`` runs one ``CheckStudyResults`` mixin over :data:`CASES`.
"""

from __future__ import annotations

from . import estudy2_911_eu7
from ._case import Expected, ReferenceCase

#: Every published case whose printed numbers are held in ``../shared/reference``.
CASES: tuple[ReferenceCase, ...] = (estudy2_911_eu7.CASE,)

__all__ = ["CASES", "Expected", "ReferenceCase"]
