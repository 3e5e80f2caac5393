"""One exception hierarchy for eventstudy.

Every error raised on purpose by the library is a subclass of :class:`EventStudyError`
(itself a plain :class:`Exception`, so ``except Exception`` catches it). Messages name
the ticker, the date or the field at fault and say what to do about it.

Hierarchy::

    EventStudyError
    ├── DataError                 bad or inconsistent input data (prices, returns, factors, events)
    │   ├── DataUnavailableError  data could not be obtained (download failed, cache miss offline)
    │   ├── CacheError            a cache entry is corrupt or unreadable
    │   └── InsufficientDataError too few observations to estimate or test
    ├── SpecError                 an invalid study specification, option or argument
    └── OutputError               results could not be written (e.g. folder not writable)

Warnings: ``EventStudyWarning`` → ``EventsDroppedWarning``, ``GarchConvergenceWarning``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "CacheError",
    "DataError",
    "DataUnavailableError",
    "EventStudyError",
    "EventStudyWarning",
    "EventsDroppedWarning",
    "GarchConvergenceWarning",
    "user_stacklevel",
    "InsufficientDataError",
    "OutputError",
    "SpecError",
]


class EventStudyError(Exception):
    """Base class of every error eventstudy raises on purpose."""


class DataError(EventStudyError):
    """Input data are malformed or inconsistent (names the ticker, date or row at fault)."""


class DataUnavailableError(DataError):
    """Data could not be obtained for some tickers.

    Parameters
    ----------
    message
        Human-readable summary.
    failed
        Mapping ``ticker -> reason`` for every ticker that failed (e.g. ``"unknown symbol"``,
        ``"no data in range"``, ``"rate-limited"``, ``"not in cache (offline)"``).
    partial
        Whatever did arrive (already cached), so callers can continue with it.
    """

    def __init__(
        self,
        message: str,
        failed: Mapping[str, str] | None = None,
        partial: object | None = None,
    ) -> None:
        super().__init__(message)
        self.failed: dict[str, str] = dict(failed or {})
        self.partial = partial


class CacheError(DataError):
    """A cache or snapshot file is corrupt, truncated or fails its checksum."""


class InsufficientDataError(DataError):
    """Too few observations to estimate a model or compute a statistic."""


class SpecError(EventStudyError, ValueError):
    """An invalid specification, option value or argument (lists what is valid)."""


class OutputError(EventStudyError, OSError):
    """Results could not be written (e.g. the output folder is not writable)."""


class EventStudyWarning(UserWarning):
    """Base class of eventstudy's warnings (filter them all with this category)."""


class EventsDroppedWarning(EventStudyWarning):
    """Some events were dropped; ``results.status`` lists each with its reason.

    Filter it with ``warnings.filterwarnings("ignore", category=EventsDroppedWarning)``.
    """


class GarchConvergenceWarning(EventStudyWarning):
    """A GARCH fit did not converge; that event used the OLS market model instead."""


_PACKAGE_DIR = str(Path(__file__).resolve().parent) + "/"


def user_stacklevel() -> int:
    """``stacklevel`` for ``warnings.warn`` that points at the first caller outside eventstudy.

    Called from the function that warns; a warning then shows the user's line whatever the
    path through the package (``fit`` → engine → block → check).
    """
    level, frame = 1, sys._getframe(1)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
        _PACKAGE_DIR
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
