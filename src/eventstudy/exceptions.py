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
    ├── OutputError               results could not be written (e.g. folder not writable)
    └── InsufficientMemoryError   a step needs more memory than is available (also a MemoryError)

Warnings: ``EventStudyWarning`` → ``EventsDroppedWarning``, ``GarchConvergenceWarning``,
``SuspectedSplitWarning``.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable, Mapping
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
    "plain_numbers",
    "suggest",
    "InsufficientDataError",
    "InsufficientMemoryError",
    "OutputError",
    "SpecError",
    "SuspectedSplitWarning",
]


# numpy 2 scalars repr as ``np.float64(0.505)``; a message shows the plain number
_NUMPY_SCALAR = re.compile(r"np\.(?:float|int|uint|complex|str_|bytes_)\w*\(([^()]*)\)")
_NUMPY_BOOL = re.compile(r"np\.(True|False)_")
# a numpy datetime64 prints as 2025-04-03T00:00:00.000000000 (or in a repr); a message shows
# the ISO date, with the time of day only where it is not midnight
_NUMPY_DATETIME = re.compile(r"(?:np|numpy)\.datetime64\('([^']*)'(?:,\s*'\w+')?\)")
_MIDNIGHT = re.compile(r"\b(\d{4}-\d{2}-\d{2})T00:00(?::00(?:\.0+)?)?\b")


def plain_numbers(text: str) -> str:
    """``text`` with numpy scalar reprs (``np.float64(0.505)``, ``np.True_``) as plain values
    and numpy dates (``2025-04-03T00:00:00.000000000``) as ISO dates.

    Every :class:`EventStudyError` and :class:`EventStudyWarning` message passes through it.

    Examples
    --------
    >>> plain_numbers("level np.float64(0.505) in [np.int64(1), np.True_]")
    'level 0.505 in [1, True]'
    >>> plain_numbers("on 2025-04-03T00:00:00.000000000 and np.datetime64('2025-04-04')")
    'on 2025-04-03 and 2025-04-04'
    """
    text = _NUMPY_BOOL.sub(r"\1", _NUMPY_SCALAR.sub(r"\1", text))
    return _MIDNIGHT.sub(r"\1", _NUMPY_DATETIME.sub(r"\1", text))


def _plain_args(args: tuple[object, ...]) -> tuple[object, ...]:
    if args and isinstance(args[0], str):
        return (plain_numbers(args[0]), *args[1:])
    return args


class EventStudyError(Exception):
    """Base class of every error eventstudy raises on purpose."""

    def __init__(self, *args: object) -> None:
        super().__init__(*_plain_args(args))


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


class InsufficientMemoryError(EventStudyError, MemoryError):
    """A step (the fit, a test) needs more memory than is available; the message names the
    step and the alternative (chunked engine, fewer events or tests)."""


class EventStudyWarning(UserWarning):
    """Base class of eventstudy's warnings (filter them all with this category)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*_plain_args(args))


class EventsDroppedWarning(EventStudyWarning):
    """Some events were dropped; ``results.status`` lists each with its reason.

    Filter it with ``warnings.filterwarnings("ignore", category=EventsDroppedWarning)``.
    """


class GarchConvergenceWarning(EventStudyWarning):
    """A GARCH fit did not converge; that event used the OLS market model instead."""


class SuspectedSplitWarning(EventStudyWarning):
    """A one-day return matches a common split ratio: the prices may not be split-adjusted.

    Silence it for a real move with ``allow=["split_like_moves"]``.
    """


_PACKAGE_DIR = str(Path(__file__).resolve().parent) + "/"


def user_stacklevel() -> int:
    """``stacklevel`` for ``warnings.warn`` that points at the first caller outside eventstudy.

    Called from the function that warns; a warning then shows the user's line whatever the
    path through the package (``fit`` → engine → block → check).

    Returns
    -------
    int
        1 plus the number of stack frames between the caller and the first frame whose file
        lies outside the installed package.

    Examples
    --------
    >>> import warnings
    >>> from eventstudy.exceptions import user_stacklevel
    >>> user_stacklevel()  # called from outside the package: the caller's own line
    1

    Inside the package a check warns with
    ``warnings.warn(message, SomeWarning, stacklevel=user_stacklevel())``.
    """
    level, frame = 1, sys._getframe(1)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
        _PACKAGE_DIR
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def suggest(value: str, valid: Iterable[str]) -> str:
    """`` did you mean 'x'?`` for the closest valid name, or an empty string.

    Examples
    --------
    >>> from eventstudy.exceptions import suggest
    >>> suggest("markt", ["market", "capm"])
    " did you mean 'market'?"
    """
    close = difflib.get_close_matches(str(value), list(valid), n=1, cutoff=0.6)
    return f" did you mean {close[0]!r}?" if close else ""
