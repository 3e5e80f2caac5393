"""Which events are usable, and why not: the status of every event of a study.

Every input event gets one status row (:func:`status_frame`): ``used``, or ``dropped`` with
the first reason that applies, checked in three steps - before estimation
(:func:`pre_estimation_reasons`), on the estimation window (:func:`screen_estimation_window`)
and on the fit (:func:`screen_fit`). Nothing is dropped silently.

Status reasons (``results.status["reason"]``; the first that applies is reported, and an
:class:`~eventstudy.events.EventsDroppedWarning` summarises the drops):

* ``ticker has no data`` - not a returns column, or all-NaN;
* ``market/benchmark 'X' has no data`` - the event's market column is absent;
* ``event after last price`` / ``event before first price: not listed yet``;
* ``factor data missing on day 0`` - the factors end before (or skip) day 0;
* ``missing return on day 0`` / ``market/benchmark 'X' missing on day 0``;
* ``fewer than min_estimation_obs=... estimation observations`` (complete cases);
* ``zero-variance estimation returns``;
* ``singular regressors`` - a constant or collinear market / factor in the estimation window;
* ``zero-variance estimation residuals`` - the model fits the estimation returns exactly (the
  firm is its own market or benchmark, e.g. SPY as an event with the market SPY);
* ``duplicate event (same ticker, day 0 and market as '<event_id>'...)`` - a repeated firm-day
  (after rolling to day 0, with the same market/benchmark) is counted once: the first is
  used, the repeats are dropped.

Events of one firm whose event windows overlap are kept (each is estimated on its own) and
flagged in ``status["overlaps"]`` with the ids of the other events they overlap (``""`` when
none): their abnormal returns share days, so they are not independent observations.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..models import Design, NormalReturnModel
from .align import AlignedReturns

__all__ = [
    "overlapping_events",
    "pre_estimation_reasons",
    "screen_estimation_window",
    "screen_fit",
    "status_frame",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: residual variance at most this share of the returns' variance is an exact fit (R^2 = 1)
EXACT_FIT = 1e-10


def pre_estimation_reasons(
    ev: pd.DataFrame,
    aligned: AlignedReturns,
    model: NormalReturnModel,
    ret_col: IntArray,
    mkt_col: IntArray,
    bench_names: list[str | None],
    pos0: IntArray,
    day0: pd.DatetimeIndex,
) -> list[str]:
    """Reasons that need no estimation (the first applicable wins); ``""``: still usable.

    Parameters
    ----------
    ev
        The prepared events (:func:`eventstudy.events.prepare_events`).
    aligned
        The returns on the session grid.
    model
        The normal-return model (its market and factors).
    ret_col, mkt_col
        Returns column of each event's security and market (-1: none).
    bench_names
        Each event's market/benchmark name (for the messages and duplicate firm-days).
    pos0, day0
        Grid position and date of each event's day 0.

    Returns
    -------
    list of str
        One per event.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.engine.align import align_returns
    >>> from eventstudy.engine.screening import pre_estimation_reasons
    >>> from eventstudy.events import prepare_events
    >>> dates = pd.bdate_range("2025-01-27", periods=4)
    >>> returns = pd.DataFrame({"SPY": [0.01, -0.02, 0.0, 0.01], "AAA": [0.02, np.nan, 0.01, 0.0]}, index=dates)
    >>> al = align_returns(returns, model=es.MarketModel("SPY"), calendar=None)
    >>> ev = prepare_events(pd.DataFrame({"ticker": ["AAA", "AAA"], "date": dates[[0, 1]]}),
    ...                     calendar=None, sessions=al.grid)
    >>> day0 = pd.DatetimeIndex(ev["day0"])
    >>> pre_estimation_reasons(ev, al, es.MarketModel("SPY"), np.array([1, 1]), np.array([0, 0]),
    ...                        ["SPY", "SPY"], np.array([0, 1]), day0)
    ['', 'missing return on day 0 (2025-01-28)']
    """
    grid = aligned.grid
    data = aligned.data
    T = len(grid)
    first = np.where(ret_col >= 0, aligned.first_valid[np.maximum(ret_col, 0)], -1)
    last = np.where(ret_col >= 0, aligned.last_valid[np.maximum(ret_col, 0)], -1)
    r0 = data.ret(pos0[:, None], ret_col)[:, 0]
    m0 = data.ret(pos0[:, None], mkt_col)[:, 0]
    need_f = model.required_factors()
    f0 = np.ones(len(ev), dtype=bool)
    for name in need_f:
        f0 &= np.isfinite(data.factor(name, pos0[:, None])[:, 0])
    uses_mkt = model.market_name is not None or (
        hasattr(model, "market") and ev["benchmark"].notna().any()
    )
    n = len(ev)
    na_day0 = np.asarray(day0.isna())
    # a repeat of an earlier event's (ticker, day 0, market) would count that firm-day twice
    order = pd.Series(np.arange(n, dtype=np.int64))
    keys = [ev["ticker"].to_numpy(), day0.to_numpy(), [b or "" for b in bench_names]]
    firsts = order.groupby(keys).transform("first")
    dup_of = np.where(firsts.notna() & (firsts != order), firsts.fillna(-1), -1).astype(np.int64)
    # each condition in priority order; the first true one is the event's reason
    conditions = [
        (ret_col < 0) | (first < 0),
        uses_mkt & (mkt_col < 0),
        na_day0 | (pos0 >= T) | (pos0 > last),
        pos0 < first,
        bool(need_f) & ~f0,
        ~np.isfinite(r0),
        uses_mkt & ~np.isfinite(m0),
        dup_of >= 0,
    ]
    code = np.full(n, -1, dtype=np.int64)
    for c, cond in enumerate(conditions):
        code = np.where((code < 0) & cond, c, code)
    tickers = ev["ticker"].to_numpy(dtype=object)
    ids = ev["event_id"].to_numpy(dtype=object)
    reasons = np.full(n, "", dtype=object)
    for i in np.flatnonzero(code >= 0):  # messages for dropped events only
        if code[i] == len(conditions) - 1:
            reasons[i] = (
                f"duplicate event (same ticker, day 0 and market as {ids[dup_of[i]]!r}; "
                "each firm-day counts once: remove the repeated row)"
            )
            continue
        reasons[i] = _reason_text(
            int(code[i]), tickers[i], bench_names[i], grid, first[i], last[i], day0[int(i)]
        )
    return list(reasons)


def _reason_text(
    code: int,
    ticker: str,
    bench: str | None,
    grid: pd.DatetimeIndex,
    first: int,
    last: int,
    day0: pd.Timestamp,
) -> str:
    """The message of pre-estimation reason ``code`` (the index of its condition)."""
    if code == 0:
        return f"ticker has no data ({ticker!r} has no returns)"
    if code == 1:
        return f"market/benchmark {bench!r} has no data"
    if code == 2:
        return f"event after last price (last return {grid[last].date()})"
    if code == 3:
        return f"event before first price: not listed yet (first return {grid[first].date()})"
    if code == 4:
        return f"factor data missing on day 0 ({day0.date()})"
    if code == 5:
        return f"missing return on day 0 ({day0.date()})"
    return f"market/benchmark {bench!r} missing on day 0 ({day0.date()})"


def screen_estimation_window(
    design: Design,
    reasons: list[str],
    idx: IntArray,
    *,
    min_estimation_obs: int,
    k: int,
) -> tuple[IntArray, FloatArray, BoolArray]:
    """Drop the events ``idx`` whose estimation window is too short or flat.

    An event still usable (``reasons[i] == ""``) with fewer than
    ``max(min_estimation_obs, k + 1)`` complete-case observations, or whose estimation
    returns do not vary, gets its reason written into ``reasons``.

    Parameters
    ----------
    design
        The model's design of the events ``idx``.
    reasons
        The reason of every event of the block (updated in place).
    idx
        The block rows of the design's events.
    min_estimation_obs, k
        The study's minimum and the model's number of mean parameters.

    Returns
    -------
    n_est : (n,) int array
        Complete-case estimation observations of each event.
    y_ok : (n, L1) float array
        The estimation returns of the observations used (NaN elsewhere).
    alive : (n,) bool array
        The events still usable (to be estimated).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.models import Design
    >>> from eventstudy.engine.screening import screen_estimation_window
    >>> y = np.array([[0.01, -0.01, 0.02], [0.01, 0.01, 0.01]])  # the second never moves
    >>> x = np.ones((2, 3, 1))
    >>> design = Design(y, x, y[:, :1], x[:, :1], np.isfinite(y), ["mu"], True)
    >>> reasons = ["", ""]
    >>> n_est, y_ok, alive = screen_estimation_window(design, reasons, np.arange(2), min_estimation_obs=3, k=1)
    >>> n_est, alive, reasons
    (array([3, 3]), array([ True, False]), ['', 'zero-variance estimation returns'])
    """
    n_est = design.mask_est.sum(axis=1).astype(np.int64)
    y_ok = np.where(design.mask_est, design.y_est, np.nan)
    with np.errstate(invalid="ignore"):
        spread = np.nanmax(y_ok, axis=1, initial=-np.inf) - np.nanmin(y_ok, axis=1, initial=np.inf)
    alive = np.array([reasons[i] == "" for i in idx], dtype=bool)
    too_few = alive & (n_est < max(min_estimation_obs, k + 1))
    flat = alive & ~too_few & ~(spread > 0)
    for j in np.flatnonzero(too_few):  # messages only
        reasons[idx[j]] = (
            f"fewer than min_estimation_obs={min_estimation_obs} estimation "
            f"observations (n_est={n_est[j]})"
        )
    for j in np.flatnonzero(flat):
        reasons[idx[j]] = "zero-variance estimation returns"
    alive &= ~too_few & ~flat
    return n_est, y_ok, alive


def screen_fit(
    sigma2: FloatArray,
    singular: BoolArray,
    y_ok: FloatArray,
    alive: BoolArray,
    reasons: list[str],
    idx: IntArray,
) -> None:
    """Drop the estimated events ``idx`` whose fit is unusable: singular regressors (or no
    finite residual variance), or an exact fit (the residual variance at most
    :data:`EXACT_FIT` times the returns' variance: the firm is its own market).

    Parameters
    ----------
    sigma2, singular
        Residual variance and singularity flag of each event's fit.
    y_ok
        The estimation returns used (:func:`screen_estimation_window`).
    alive
        The events that were estimated.
    reasons
        The reason of every event of the block (updated in place).
    idx
        The block rows of the events.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.screening import screen_fit
    >>> y_ok = np.array([[0.01, -0.01], [0.02, 0.0], [0.01, 0.03]])
    >>> reasons = ["", "", ""]
    >>> screen_fit(np.array([1e-4, np.nan, 0.0]), np.zeros(3, dtype=bool), y_ok,
    ...            np.ones(3, dtype=bool), reasons, np.arange(3))
    >>> [r.split(" (")[0] for r in reasons]
    ['', 'singular regressors', 'zero-variance estimation residuals']
    """
    singular = alive & (singular | ~np.isfinite(sigma2))
    for j in np.flatnonzero(singular):
        reasons[idx[j]] = "singular regressors (constant or collinear market/factor returns)"
    # an exact fit (residual variance ~0 relative to the returns': the firm is its own
    # market) has no standardised AR; it used to reach the tests and abort every one
    n_y = np.maximum(np.isfinite(y_ok).sum(axis=1), 1)  # nanvar, without its warnings
    centred = y_ok - (np.nansum(y_ok, axis=1) / n_y)[:, None]
    var_y = np.nansum(centred**2, axis=1) / n_y
    exact = alive & ~singular & ~(sigma2 > EXACT_FIT * var_y)
    for j in np.flatnonzero(exact):
        reasons[idx[j]] = (
            "zero-variance estimation residuals (the model fits the returns exactly: is "
            "the firm its own market or benchmark?)"
        )


def status_frame(
    ev: pd.DataFrame, reasons: list[str], n_est: IntArray, n_event: IntArray
) -> pd.DataFrame:
    """One status row per event: ids, day 0 and its roll, ``used``/``dropped``, the reason
    and the estimation and event-window observations.

    Parameters
    ----------
    ev
        The prepared events (:func:`eventstudy.events.prepare_events`).
    reasons
        One per event (``""``: used).
    n_est, n_event
        Complete-case estimation observations and event-window days with an abnormal return.

    Returns
    -------
    pd.DataFrame

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from eventstudy.engine.screening import status_frame
    >>> from eventstudy.events import prepare_events
    >>> sessions = pd.bdate_range("2025-01-27", periods=3)
    >>> ev = prepare_events(pd.DataFrame({"ticker": ["A", "B"], "date": sessions[:2]}),
    ...                     calendar=None, sessions=sessions)
    >>> status = status_frame(ev, ["", "ticker has no data"], np.array([120, 0]), np.array([21, 0]))
    >>> status["status"].tolist(), status["n_event"].tolist()
    (['used', 'dropped'], [21, 0])
    """
    used = np.array([r == "" for r in reasons])
    return pd.DataFrame(
        {
            "event_id": ev["event_id"].to_numpy(),
            "ticker": ev["ticker"].to_numpy(),
            "announced": ev["announced"],
            "day0": pd.DatetimeIndex(ev["day0"]).as_unit("ns"),
            "rolled": ev["rolled"].to_numpy(dtype=bool),
            "roll_reason": ev["roll_reason"].to_numpy(),
            "status": np.where(used, "used", "dropped"),
            "reason": reasons,
            "n_est": np.where(used, n_est, n_est),
            "n_event": np.where(used, n_event, 0),
        }
    ).astype({"event_id": "str", "ticker": "str", "status": "str", "reason": "str"})


def overlapping_events(
    ev: pd.DataFrame, evt_pos: IntArray, pos0: IntArray, n_sessions: int
) -> npt.NDArray[np.object_]:
    """Per event, the ids of other events of the same ticker whose event windows overlap.

    Such events are kept (each has its own estimation and abnormal returns) and flagged
    in ``status["overlaps"]`` (``""`` when none, ids in input order), because their
    abnormal returns share days and are not independent. Every event window has the same
    width on the session grid, so two windows of one ticker overlap when their first days
    are at most that width apart: found by sorting (``O(n log n)``), not an ``n x n`` matrix.

    Parameters
    ----------
    ev
        The prepared events (``ticker``, ``event_id``).
    evt_pos
        ``(n, L2)`` grid positions of each event window.
    pos0
        Grid position of each day 0 (outside ``0..n_sessions-1``: not on the grid).
    n_sessions
        Sessions of the grid.

    Returns
    -------
    (n,) object array of str

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from eventstudy.engine.screening import overlapping_events
    >>> ev = pd.DataFrame({"ticker": ["A", "A", "B"], "event_id": ["a1", "a2", "b1"]})
    >>> pos0 = np.array([10, 12, 11])
    >>> overlapping_events(ev, pos0[:, None] + np.arange(-2, 3), pos0, 100)
    array(['a2', 'a1', ''], dtype=object)
    """
    n = len(ev)
    out = np.full(n, "", dtype=object)
    valid = np.flatnonzero((pos0 >= 0) & (pos0 < n_sessions))
    if len(valid) < 2:
        return out
    width = int(evt_pos[0, -1] - evt_pos[0, 0])
    codes = pd.factorize(ev["ticker"].to_numpy(dtype=object))[0][valid].astype(np.int64)
    lo = evt_pos[valid, 0].astype(np.int64)
    lo = lo - lo.min()
    key = codes * (int(lo.max()) + width + 1) + lo  # tickers are more than `width` apart
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.searchsorted(sorted_key, sorted_key - width, side="left")
    stop = np.searchsorted(sorted_key, sorted_key + width, side="right")
    ids = ev["event_id"].to_numpy(dtype=object)
    rows_sorted = valid[order]
    if np.all(np.diff(rows_sorted)[np.diff(sorted_key) <= width] > 0):
        # fast path (events of a ticker given in date order): each run of overlapping
        # neighbours is already in input order, so the ids are list slices
        names = [str(i) for i in ids[rows_sorted]]
        for a in np.flatnonzero(stop - first > 1).tolist():
            out[rows_sorted[a]] = ", ".join(names[first[a] : a] + names[a + 1 : stop[a]])
        return out
    for k in np.flatnonzero(stop - first > 1):  # events with an overlap only
        row = valid[order[k]]
        others = np.sort(valid[order[first[k] : stop[k]]])
        out[row] = ", ".join(str(ids[j]) for j in others if j != row)
    return out
