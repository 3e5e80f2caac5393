"""Leaf helpers of the tests: NaN-safe reductions, p-values, stars, the alternative check.

This module imports nothing from the rest of :mod:`eventstudy.inference` (only the
conventions' list of alternatives), so every other inference module - the test context in
``_core`` and the clustering remedies in ``clustering`` alike - can import it without an
import cycle.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..exceptions import InsufficientDataError, SpecError
from .conventions import ALTERNATIVES

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Window = tuple[int, int]

#: The one results schema: every test's rows start with these columns, in this order (the
#: registry's tests through ``_core.frame_from_columns``, the others - portfolio, SUR/Wald,
#: single-firm, bootstrap, pseudo-event - through :func:`in_result_schema`); a test's own
#: extras (``hypothesis``, ``df2``, ``ci_low``, ``std_error``, ...) follow them. "Not
#: applicable" is a row, not an error or table code: a test that may be unable to test a date
#: or window (portfolio, SUR/Wald) gives it NaN numbers and says why in its ``reason`` extra
#: (empty where computed).
RESULT_COLUMNS = [
    "test",
    "window",
    "rel_day",
    "start",
    "end",
    "date",
    "estimate",
    "statistic",
    "p_value",
    "alternative",
    "distribution",
    "df",
    "n",
    "stars",
    "clustered",
    "conventions",
]

#: conventions column of a test the conventions do not affect
NO_CONVENTIONS = "none (the test has no convention options)"


def _window_bounds(labels: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``start`` and ``end`` read back from window labels ``"[a, b]"`` (NA elsewhere)."""
    parts = labels.astype("string").str.extract(r"^\[(-?\d+), (-?\d+)\]$")
    return parts[0].astype("Int64"), parts[1].astype("Int64")


def in_result_schema(
    frame: pd.DataFrame,
    *,
    conventions: str,
    distribution: str | None = None,
    lead: tuple[str, ...] = (),
) -> pd.DataFrame:
    """A test's rows in the one results schema (:data:`RESULT_COLUMNS`).

    ``lead`` columns (e.g. ``event_id, ticker`` of per-event tests) come first, then the schema
    columns, then the test's own extras. A schema column the test does not define gets its
    missing value: ``rel_day`` NA (a window row), ``start``/``end`` from the window label,
    ``date`` NaT, ``statistic``/``p_value``/``df`` NaN (an interval method), ``alternative``
    two-sided, ``stars`` empty, ``clustered`` False (the remedies do not assume independent
    events) and ``conventions`` as given.
    """
    out = frame.copy()
    n = len(out)
    if "window" not in out:
        out["window"] = pd.array([pd.NA] * n, dtype="string")
    out["window"] = out["window"].astype("string")
    start, end = _window_bounds(out["window"])
    defaults: dict[str, Any] = {
        "rel_day": pd.array([pd.NA] * n, dtype="Int64"),
        "start": start.array,
        "end": end.array,
        "date": pd.to_datetime(pd.Series([pd.NaT] * n, dtype="datetime64[ns]")).array,
        "statistic": np.full(n, np.nan),
        "p_value": np.full(n, np.nan),
        "alternative": "two-sided",
        "distribution": distribution,
        "df": np.full(n, np.nan),
        "stars": stars_from_p(out["p_value"].to_numpy()) if "p_value" in out else "",
        "clustered": False,
        "conventions": conventions,
    }
    for column in RESULT_COLUMNS:
        if column not in out:
            if column not in defaults or defaults[column] is None:
                raise ValueError(f"a test's rows need a {column!r} column")
            out[column] = defaults[column]
    for column in ("rel_day", "start", "end"):
        out[column] = out[column].astype("Int64")
    extras = [c for c in out.columns if c not in RESULT_COLUMNS and c not in lead]
    return out[[*lead, *RESULT_COLUMNS, *extras]].reset_index(drop=True)


# ----------------------------------------------------------------------------- reductions
def count(x: FloatArray, axis: int) -> npt.NDArray[np.int64]:
    """Number of non-missing values along ``axis``."""
    return np.sum(~np.isnan(x), axis=axis)


#: rows per block when averaging a tall panel over events (bounds the temporaries)
_BLOCK_ROWS = 65_536


def nanmean(x: FloatArray, axis: int) -> FloatArray:
    """Mean over non-missing values; NaN (without a warning) where there are none.

    Over the events of a tall ``(n, L)`` panel (``axis=0``) it sums blocks of rows, so no
    full-size temporary is made (``np.nansum`` copies the whole array: 1.9 GB for the
    estimation residuals of a million events).
    """
    if axis == 0 and x.ndim == 2 and x.shape[0] > _BLOCK_ROWS:
        s = np.zeros(x.shape[1])
        c = np.zeros(x.shape[1], dtype=np.int64)
        for lo in range(0, x.shape[0], _BLOCK_ROWS):  # blocks of events, not single events
            block = x[lo : lo + _BLOCK_ROWS]
            ok = ~np.isnan(block)
            s += np.where(ok, block, 0.0).sum(axis=0)
            c += ok.sum(axis=0)
    else:
        c = count(x, axis)
        s = np.nansum(x, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def window_sum(x: FloatArray) -> float:
    """Sum over a window's days that have a value; NaN when none has (an empty window has no
    CAAR - not 0)."""
    x = np.asarray(x, dtype=float)
    return float(np.nansum(x)) if np.isfinite(x).any() else np.nan


def nanvar(x: FloatArray, axis: int, ddof: int = 1) -> FloatArray:
    """Variance over non-missing values with denominator ``count - ddof``; NaN if too few."""
    c = count(x, axis)
    m = np.expand_dims(nanmean(x, axis), axis)
    ss = np.nansum((x - m) ** 2, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > ddof, ss / np.maximum(c - ddof, 1), np.nan)


def p_values(
    stat: FloatArray, distribution: str, df: FloatArray | float | None, alternative: str
) -> FloatArray:
    """p-values of a statistic under a normal or Student-t reference distribution.

    Parameters
    ----------
    stat : numpy.ndarray
        The statistics.
    distribution : {"normal", "t"}
        The reference distribution under the null.
    df : numpy.ndarray, float or None
        Degrees of freedom of the t distribution (ignored for the normal).
    alternative : {"two-sided", "less", "greater"}
        ``"less"``: ``P(S <= s)``; ``"greater"``: ``P(S >= s)``; two-sided: twice the
        smaller tail, capped at 1.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.inference import p_values
    >>> np.round(p_values(np.array([1.96, -1.0]), "normal", None, "two-sided"), 4)
    array([0.05  , 0.3173])
    >>> np.round(p_values(np.array([2.0]), "t", 10.0, "greater"), 4)
    array([0.0367])
    """
    stat = np.asarray(stat, dtype=float)
    if distribution == "normal":
        lower, upper = stats.norm.cdf(stat), stats.norm.sf(stat)
    elif distribution == "t":
        dfa = np.asarray(df, dtype=float)
        with np.errstate(invalid="ignore"):
            lower, upper = stats.t.cdf(stat, dfa), stats.t.sf(stat, dfa)
    else:  # pragma: no cover - programming error
        raise ValueError(distribution)
    return combine_tails(np.asarray(lower), np.asarray(upper), alternative)


def combine_tails(lower: FloatArray, upper: FloatArray, alternative: str) -> FloatArray:
    """p-value from the lower-tail ``P(S <= s)`` and upper-tail ``P(S >= s)`` probabilities."""
    if alternative == "less":
        return np.asarray(lower, dtype=float)
    if alternative == "greater":
        return np.asarray(upper, dtype=float)
    return np.minimum(1.0, 2.0 * np.minimum(lower, upper))


def stars_from_p(p: FloatArray) -> npt.NDArray[np.object_]:
    """``***`` below 1 %, ``**`` below 5 %, ``*`` below 10 %, else empty."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, "", dtype=object)
    with np.errstate(invalid="ignore"):
        out[p < 0.10] = "*"
        out[p < 0.05] = "**"
        out[p < 0.01] = "***"
    return out


def check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise SpecError(f"alternative={alternative!r} is not valid; choose one of {ALTERNATIVES}")


# ----------------------------------------------------------------------------- memos
_MEMOS: dict[int, dict[Any, Any]] = {}


def memo_for(obj: object) -> dict[Any, Any]:
    """A dict that lives exactly as long as ``obj`` (keyed by its identity, dropped when
    ``obj`` is garbage-collected): what was computed once from an event panel (its
    residual correlation, its clustering diagnostic, a test's rows) is kept with it without
    making the panel hashable. Panels are never modified in place, so a memo cannot go stale.
    """
    key = id(obj)
    memo = _MEMOS.get(key)
    if memo is None:
        memo = _MEMOS[key] = {}
        weakref.finalize(obj, _MEMOS.pop, key, None)
    return memo


def not_applicable(reason: str, strict: bool) -> None:
    """Raise ``reason`` (why a test or remedy cannot be computed) when ``strict``; else the
    caller gives the row NaN numbers and the reason (a row, not an error, in the one
    schema of every test: issue 12)."""
    if strict:
        raise InsufficientDataError(reason)
