"""The public boundary: only eventstudy's own errors leave the public entry points.

Bad input is checked where it enters and reported with a specific
:class:`~eventstudy.exceptions.EventStudyError`. This module is the net under those checks:

* a :class:`MemoryError` becomes an :class:`~eventstudy.exceptions.InsufficientMemoryError`
  naming the step (a test, the fit) and the alternative (the chunked engine, fewer events or
  tests) - it stays a ``MemoryError`` subclass, so ``except MemoryError`` still works;
* a ``KeyError``, ``IndexError``, ``ValueError``, ``TypeError``, ``AttributeError``,
  ``OverflowError`` or ``ZeroDivisionError`` that an input check missed becomes an
  :class:`~eventstudy.exceptions.EventStudyError` naming the step and the original error,
  chained to it (``__cause__``) so the traceback is not lost.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from .exceptions import EventStudyError, InsufficientMemoryError

__all__ = ["library_errors", "memory_guard", "memory_message"]

F = TypeVar("F", bound=Callable[..., Any])

#: Exceptions an unchecked input can raise inside pandas / numpy.
RAW_ERRORS: tuple[type[BaseException], ...] = (
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    OverflowError,
    ZeroDivisionError,
)

_ALTERNATIVE = (
    "use fewer events or a shorter event window, fit with engine='chunked' (bounded memory), "
    "or run the tests one by one and leave out the quadratic ones (kolari_pynnonen, grank)"
)


def memory_message(step: str) -> str:
    """The message of an :class:`InsufficientMemoryError` raised in ``step``."""
    return f"not enough memory for {step}; {_ALTERNATIVE}"


@contextlib.contextmanager
def memory_guard(step: str) -> Iterator[None]:
    """Turn a ``MemoryError`` raised inside the block into an ``InsufficientMemoryError``."""
    try:
        yield
    except InsufficientMemoryError:
        raise
    except MemoryError as exc:
        raise InsufficientMemoryError(memory_message(step)) from exc


def library_errors(step: str) -> Callable[[F], F]:
    """Decorate a public entry point so that only eventstudy's errors leave it.

    Errors that are already :class:`EventStudyError` pass unchanged (so nested entry points
    keep the innermost, most specific message).
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except EventStudyError:
                raise
            except MemoryError as exc:
                raise InsufficientMemoryError(memory_message(step)) from exc
            except RAW_ERRORS as exc:
                detail = " ".join(str(exc).split())[:300] or "no message"
                raise EventStudyError(
                    f"{step}: unexpected input ({type(exc).__name__}: {detail}); check the "
                    "arguments against the documentation - if they look right, please report "
                    "this with the input that caused it"
                ) from exc

        return cast(F, wrapper)

    return decorate
