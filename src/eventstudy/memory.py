"""How much memory a study needs: a model of the peak, checked before allocating.

:func:`estimate_memory` predicts the peak resident memory that a fit and its tests add to a
process that already holds the returns, from the sizes of the arrays the engine and the
tests allocate (``n`` events, ``L1`` estimation and ``L2`` event days, 8-byte floats). The
coefficients count those arrays (see the Notes) and were checked against measured peaks by
``benchmarks/study_scale.py --parts memory`` (docs/performance.md records the comparison).
:func:`check_memory` compares a prediction with the memory available and picks the chunked
engine or refuses with a specific :class:`~eventstudy.exceptions.InsufficientMemoryError`;
``eventstudy run`` calls it before fitting.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from .exceptions import InsufficientMemoryError

__all__ = [
    "MemoryEstimate",
    "available_memory",
    "check_memory",
    "estimate_memory",
    "resolve_engine",
    "window_length",
]

_F8 = 8  # bytes of a float64 / int64 / datetime64 cell

#: events per block of the chunked engine and of the numpy engine's estimation
CHUNK_EVENTS = 50_000
ESTIMATION_CHUNK = 20_000
#: events from which the engine "auto" (a spec's default) is the chunked engine: from there it
#: is also the faster one (docs/performance.md, "Which engine"), and its peak is the final
#: panel plus one block
AUTO_CHUNKED_FROM = CHUNK_EVENTS
#: rows per block of the rank tests (``eventstudy.inference.nonparametric._RANK_BLOCK``)
RANK_BLOCK = 8_192
#: rows per block of GRANK's comparisons (``eventstudy.inference.nonparametric._GRANK_BLOCK``)
GRANK_BLOCK = 8_192
#: bytes per event of scalars, labels, the status frame and the result frames (measured:
#: ``benchmarks/study_scale.py --parts memory`` and ``--parts 1m``, issue 14)
PER_EVENT = 300


@dataclass(frozen=True)
class MemoryEstimate:
    """Predicted peak memory (bytes) of a fit and its tests, by part.

    Attributes
    ----------
    panel : int
        The results' panel: estimation residuals, event-window arrays, per-event scalars.
    fit : int
        Working arrays of the estimation while it runs (one block of events).
    tests : dict of str to int
        Working arrays of each requested test beyond the panel and the shared test context.
    context : int
        Arrays the tests share (SARs, prediction-error factors, presence, CARs).
    engine : str
        The engine the estimate is for.
    diagnostic : int
        Working arrays of the clustering diagnostic that runs before any test (its
        event-induced variance check scales the estimation residuals in blocks).
    held : int
        Arrays a test keeps for the rest of the run (none since issue 14: GRANK releases its
        ranked estimation SARs once its rows are computed; they count in its own part).

    Examples
    --------
    >>> from eventstudy.memory import estimate_memory
    >>> est = estimate_memory(10_000, 240, 21, ["bmp", "grank"])  # a MemoryEstimate
    >>> est.engine, sorted(est.tests), est.total == est.panel + max(est.fit, est.context + est.held + max(est.diagnostic, est.largest_test[1]))
    ('numpy', ['bmp', 'grank'], True)
    """

    panel: int
    fit: int
    tests: dict[str, int] = field(default_factory=dict)
    context: int = 0
    engine: str = "numpy"
    diagnostic: int = 0
    held: int = 0

    @property
    def largest_test(self) -> tuple[str, int]:
        """The test that needs the most working memory (``("", 0)`` without tests).

        Examples
        --------
        >>> from eventstudy.memory import estimate_memory
        >>> name, size = estimate_memory(10_000, 240, 21, ["bmp", "grank"]).largest_test
        >>> name, size == max(estimate_memory(10_000, 240, 21, ["bmp", "grank"]).tests.values())
        ('grank', True)
        """
        if not self.tests:
            return "", 0
        name = max(self.tests, key=lambda t: self.tests[t])
        return name, self.tests[name]

    @property
    def total(self) -> int:
        """Peak above the loaded data: the panel plus the larger of the fit's and the
        tests' working sets. The tests run one at a time after the fit has released its
        blocks and after the clustering diagnostic, so their peak is the shared context,
        what earlier tests keep, and the larger of the diagnostic and the largest test.

        Examples
        --------
        >>> from eventstudy.memory import estimate_memory
        >>> est = estimate_memory(100_000, 240, 21, ["bmp"])
        >>> round(est.total / 1e9, 2), round(est.panel / 1e9, 2)  # GB: the fit's blocks dominate
        (1.24, 0.55)
        """
        if not self.tests:
            return self.panel + self.fit
        tests = self.context + self.held + max(self.diagnostic, self.largest_test[1])
        return self.panel + max(self.fit, tests)

    def __repr__(self) -> str:
        name, size = self.largest_test
        return (
            f"MemoryEstimate(total={self.total / 1e9:.2f} GB, panel={self.panel / 1e9:.2f} GB, "
            f"fit={self.fit / 1e9:.2f} GB, largest test={name or '-'} {size / 1e9:.2f} GB, "
            f"engine={self.engine!r})"
        )


def _test_bytes(name: str, n: int, l1: int, l2: int) -> int:
    """Working set of one test beyond the panel and the shared test context (bytes).

    The coefficients count the arrays each test allocates; they were checked against
    ``tracemalloc`` peaks of each test alone at 10,000 and 100,000 events (issue 14)."""
    width = l1 + l2
    if name == "grank":  # int16 doubled ranks, SCAR*'s per window, one sorted block
        return n * l1 * 2 + n * (l2 + 8) * _F8 * 2 + min(n, GRANK_BLOCK) * l1 * 50
    if name in ("corrado_rank", "corrado_zivney_rank", "corrado_zivney_sign"):
        return min(n, RANK_BLOCK) * width * _F8 * 7  # one block of the sort
    if name == "kolari_pynnonen":  # the clean flags, group sums, one group's neighbours
        return n * l1 + n * l2 * _F8 * 4
    if name == "brown_warner_1985":  # the estimation-day AAR, in blocks of 65,536 events
        return min(n, 65_536) * l1 * 9
    if name == "lamb":  # the market's estimation-window moments in blocks of 8,192 events
        return min(n, 8_192) * l1 * 33 + n * l2 * _F8 * 3
    if name == "wilcoxon":  # |x|, its ranks (one column ranked at a time), signed ranks
        return n * l2 * _F8 * 4
    return n * l2 * _F8 * 5


def estimate_memory(
    n_events: int,
    l1: int,
    l2: int,
    tests: Sequence[str] | str = "all",
    *,
    engine: str = "numpy",
    k: int = 2,
    chunk_events: int = CHUNK_EVENTS,
) -> MemoryEstimate:
    """Predict the peak memory a fit and its tests add to the process.

    Parameters
    ----------
    n_events : int
        Events fitted.
    l1, l2 : int
        Estimation-window and event-window lengths (sessions).
    tests : sequence of str or "all"
        The tests that will run (``"all"``: every registered test).
    engine : {"numpy", "chunked", "dask"}
        The numpy engine estimates in blocks of 20,000 events; the chunked engine holds the
        final panel plus one block of ``chunk_events``; Dask holds the merged panel on the
        client (the workers' memory is not counted).
    k : int
        Parameters of the normal-return model (2 for the market model).

    Returns
    -------
    MemoryEstimate

    Notes
    -----
    Counted arrays (8 bytes a cell): the panel holds the ``(n, L1)`` residuals and market,
    ``(n, L2)`` returns, normal returns, ARs, their variances, market and benchmark, the
    ``(n, L2, k)`` regressors, ``(n, k, k)`` ``(X'X)^-1`` and about :data:`PER_EVENT`
    bytes of per-event scalars, labels and status (the ``overlaps`` text of dense designs
    included). The chunked and Dask engines' merged panel reads the market (both grids),
    the benchmark and the normal returns on access when every event uses the model's
    market, so it holds ``(n, L1)`` residuals and four ``(n, L2)``-wide arrays plus the
    regressors. While estimating, a block of :data:`ESTIMATION_CHUNK` events holds the
    gathered returns, regressors, mask and residuals (about eight ``(block, L1)`` arrays)
    plus two ``(n, L1)`` arrays for the whole study; the chunked engine runs that estimation
    on each of its blocks (``n`` is then the block's events) and holds the block's panel. The tests share a context of about six
    ``(n, L2)`` arrays; the clustering diagnostic before them scales the estimation
    residuals in blocks of 8,192 events; GRANK ranks each event's estimation SARs
    (``int16`` doubled ranks, 2 bytes a cell, released after GRANK) and compares blocks of
    8,192 events; the rank tests
    sort blocks of 8,192 events; Lamb's test reads the market in blocks of 8,192 events;
    Kolari-Pynnönen's ``r_bar`` works on one group of dates at a time.

    Examples
    --------
    >>> est = estimate_memory(100_000, 240, 21)
    >>> round(est.total / 1e9, 1) < 4.0
    True
    """
    from .inference import registered_tests

    names = list(registered_tests()) if tests == "all" else [str(t) for t in tests]
    n = int(n_events)
    if engine == "numpy":
        panel = n * (_F8 * (2 * l1 + (6 + k) * l2 + k * k) + PER_EVENT)
    else:  # the merged panel reads the market, benchmark and normal returns on access
        panel = n * (_F8 * (l1 + (3 + k) * l2 + k * k) + PER_EVENT)
    # the numpy engine estimates in blocks of ESTIMATION_CHUNK events and holds two (n, L1)
    # arrays for the study; the chunked engine runs it on each block of chunk_events
    # events, so the same working set for the block, plus the block's own panel
    study_n = min(n, chunk_events) if engine == "chunked" else n
    fit = min(study_n, ESTIMATION_CHUNK) * l1 * _F8 * 8 + study_n * l1 * _F8 * 2
    if engine == "chunked":
        fit += study_n * (_F8 * (2 * l1 + (6 + k) * l2) + 300)  # the block's own panel
    tests_bytes = {t: _test_bytes(t, n, l1, l2) for t in names}
    context = n * l2 * _F8 * 6 if names else 0
    # clustering diagnostic: its event-induced variance check scales blocks of 8,192 events,
    # the overlap checks code the event-window cells as int32 session positions
    diagnostic = min(n, 8_192) * l1 * 9 + n * l1 + n * l2 * _F8 if names else 0
    # nothing is kept from one test to the next (GRANK releases its ranks: issue 14)
    return MemoryEstimate(panel, fit, tests_bytes, context, engine, diagnostic, 0)


def window_length(window: tuple[Any, Any]) -> int:
    """Sessions in a window: ``end - start + 1`` for relative days, the calendar days of a
    date window (an upper bound on its sessions).

    Examples
    --------
    >>> from eventstudy.memory import window_length
    >>> window_length((-250, -11)), window_length(("2025-01-01", "2025-01-31"))
    (240, 31)
    """
    a, b = window
    if isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)):
        return int(b) - int(a) + 1
    return int((pd.Timestamp(b) - pd.Timestamp(a)).days) + 1


def available_memory() -> int:
    """Bytes of memory available to a new allocation (``MemAvailable`` on Linux, else the
    physical memory).

    Examples
    --------
    >>> from eventstudy.memory import available_memory
    >>> available_memory() > 0  # bytes; depends on the machine
    True
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return 2**63 - 1


def resolve_engine(engine: str, n_events: int) -> Literal["numpy", "chunked", "dask"]:
    """The engine ``"auto"`` stands for with ``n_events`` events; any other name unchanged.

    ``"auto"`` is the numpy engine below :data:`AUTO_CHUNKED_FROM` events and the chunked
    engine from there (the same numbers: the engines are tested equal to 1e-12).

    Examples
    --------
    >>> from eventstudy.memory import resolve_engine
    >>> resolve_engine("auto", 2_000), resolve_engine("auto", 1_000_000)
    ('numpy', 'chunked')
    >>> resolve_engine("dask", 10)
    'dask'
    """
    if engine == "auto":
        return "chunked" if n_events >= AUTO_CHUNKED_FROM else "numpy"
    return cast(Literal["numpy", "chunked", "dask"], engine)


def check_memory(
    n_events: int,
    l1: int,
    l2: int,
    tests: Sequence[str] | str = "all",
    *,
    engine: str = "numpy",
    available: int | None = None,
    k: int = 2,
) -> str:
    """The engine to use for a study, or a specific error before anything is allocated.

    Returns ``engine`` (``"auto"``: :func:`resolve_engine`) when its estimate fits in
    ``available`` (default: the memory available now), else ``"chunked"`` when that fits;
    otherwise raises
    :class:`~eventstudy.exceptions.InsufficientMemoryError` naming the estimate, the test
    that needs the most memory and what to do.

    Examples
    --------
    >>> from eventstudy.memory import check_memory
    >>> check_memory(1_000, 240, 21, available=8 * 2**30)  # fits in 8 GiB as it is
    'numpy'
    >>> check_memory(1_000_000, 240, 21, ["bmp"], available=8 * 2**30)  # only in blocks of events
    'chunked'
    """
    engine = resolve_engine(engine, n_events)
    limit = available_memory() if available is None else int(available)
    est = estimate_memory(n_events, l1, l2, tests, engine=engine, k=k)
    if est.total <= limit:
        return engine
    chunked = estimate_memory(n_events, l1, l2, tests, engine="chunked", k=k)
    if engine == "numpy" and chunked.total <= limit:
        return "chunked"
    name, size = chunked.largest_test
    hint = (
        f"the largest part is the test {name!r} ({size / 1e9:.1f} GB): leave it out of "
        "the spec's [tests] list, or "
        if name and size > chunked.fit
        else ""
    )
    raise InsufficientMemoryError(
        f"{n_events:,} events with an estimation window of {l1} and an event window of {l2} "
        f"sessions need about {chunked.total / 1e9:.1f} GB even with the chunked engine "
        f"(panel {chunked.panel / 1e9:.1f} GB) but {limit / 1e9:.1f} GB are available; "
        f"{hint}split the events into several studies or use a machine with more memory "
        f"(or engine 'dask' on a cluster)"
    )
