"""The test registry and the tidy result schema: what code outside :mod:`eventstudy.inference`
may use of them.

The registry itself lives in the private ``_registry`` module with the machinery that runs a
test; this module is its public surface, used by the results (the memo key of ``tests()``, the
CAAR a test estimates), the report and :mod:`eventstudy.testing` (the conformance checks run a
test on its own), and open to an extender's code. ``tests/test_architecture.py`` checks that
no module outside a package imports the package's underscore modules.

Examples
--------
>>> from eventstudy.inference.registry import REGISTRY, caar_method_of, registered_tests
>>> registered_tests() == tuple(REGISTRY)
True
>>> caar_method_of("brown_warner_1985"), caar_method_of("not a test")
('aar_sum', 'mean_car')
"""

from __future__ import annotations

from ._registry import (
    REGISTRY,
    TestSpec,
    caar_method_of,
    register,
    registered_tests,
    registry_version,
    run_spec,
    unregister,
)
from ._stats import RESULT_COLUMNS

__all__ = [
    "REGISTRY",
    "RESULT_COLUMNS",
    "TestSpec",
    "caar_method_of",
    "register",
    "registered_tests",
    "registry_version",
    "run_spec",
    "unregister",
]
