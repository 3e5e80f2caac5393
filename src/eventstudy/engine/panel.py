"""The aligned event panel: the contract between the engine and inference.

The engine (``events`` → ``models``/``estimation`` → ``abnormal``) produces one
:class:`EventPanel` holding, for the *n* events that were used, numpy arrays on two grids:

* the **estimation grid** of ``L1`` columns (``est_*`` arrays, shape ``(n, L1)``), and
* the **event grid** of ``L2`` columns (``evt_*`` arrays and ``ar``, shape ``(n, L2)``).

With windows given in trading days relative to day 0 (the default), column ``j`` of a
grid is the same relative day for every event (``est_rel[j]``, ``evt_rel[j]``). With
windows given as explicit date ranges, column ``j`` is the *j*-th session of the window
and ``est_rel``/``evt_rel`` count sessions from the window start; ``est_dates``/``evt_dates``
always hold the calendar session of every cell (``NaT`` where the window runs past the data).

Missing values are ``NaN`` (never zero): a missing return, a day outside the data, or a
day dropped by the complete-case rule. Inference functions take an ``EventPanel`` and
never look at pandas objects, so they vectorise across events and can run on chunks.

Variance conventions
--------------------
``sigma2[i]`` is the residual variance of event *i*'s normal-return model,
``SSR_i / dof[i]`` with ``dof[i] = nobs[i] - k`` (``k`` estimated mean parameters; the
denominator is a recorded option, see :attr:`sigma2_ddof`). The prediction-error
correction of Campbell, Lo & MacKinlay (1997, ch. 4) is carried by ``xtx_inv`` and
``x_evt``: ``Var(AR_it) = sigma2_i * (1 + x_t' (X'X)^-1 x_t)`` and, for a window ``w``
with indicator ``g``, ``Var(CAR_i) = sigma2_i * (g'g + (X_w g)' (X'X)^-1 (X_w g))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "ROW_FIELDS",
    "EventPanel",
    "SessionPositions",
    "SessionValues",
    "check_window",
    "window_columns",
    "window_label",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DateArray = npt.NDArray[np.datetime64]
ObjArray = npt.NDArray[Any]


@dataclass(frozen=True)
class SessionPositions:
    """Calendar dates of a grid held as positions: ``date[i, j] = sessions[base[i] + offsets[j]]``.

    A compact stand-in for an ``(n, L)`` ``datetime64`` array (``NaT`` where the position
    falls outside the sessions): ``n + L`` integers instead of ``n * L`` dates, so a panel of a
    million events does not hold gigabytes of dates it rarely reads.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from eventstudy.engine.panel import SessionPositions
    >>> sessions = pd.bdate_range("2025-01-27", periods=5).to_numpy()  # Mon 27 .. Fri 31 Jan
    >>> grid = SessionPositions(sessions, base=np.array([1, 4]), offsets=np.array([-1, 0, 1]))
    >>> np.datetime_as_string(grid.dates(), unit="D")  # the second event runs past the data
    array([['2025-01-27', '2025-01-28', '2025-01-29'],
           ['2025-01-30', '2025-01-31', 'NaT']], dtype='<U28')
    """

    sessions: DateArray
    base: IntArray
    offsets: IntArray

    def dates(self, rows: Any = None) -> DateArray:
        """The ``(n, L)`` dates (of ``rows`` only, when given).

        Parameters
        ----------
        rows
            Events to read (anything that indexes ``base``); ``None``: all.

        Returns
        -------
        (n, L) datetime64[ns]
            ``NaT`` where a position falls outside the sessions.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from eventstudy.engine.panel import SessionPositions
        >>> sessions = pd.bdate_range("2025-01-27", periods=5).to_numpy()
        >>> grid = SessionPositions(sessions, base=np.array([1, 3]), offsets=np.array([-1, 0, 1]))
        >>> np.datetime_as_string(grid.dates(rows=[1]), unit="D")
        array([['2025-01-29', '2025-01-30', '2025-01-31']], dtype='<U28')
        """
        base = self.base if rows is None else self.base[rows]
        pos = np.asarray(base, dtype=np.int64)[:, None] + np.asarray(self.offsets)[None, :]
        t = len(self.sessions)
        pad = np.append(
            np.asarray(self.sessions, dtype="datetime64[ns]"), np.datetime64("NaT", "ns")
        )
        return pad[np.where((pos >= 0) & (pos < t), pos, t)]


#: rows per block when :meth:`SessionValues.values` reads a series on a grid
_VALUES_BLOCK = 8_192


@dataclass(frozen=True)
class SessionValues:
    """One series read on a grid: ``value[i, j] = series[base[i] + offsets[j]]`` (NaN outside).

    The compact form of e.g. ``market_est`` when every event uses the same market: the
    ``(T,)`` series and the grid positions instead of an ``(n, L)`` float array.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from eventstudy.engine.panel import SessionPositions, SessionValues
    >>> sessions = pd.bdate_range("2025-01-27", periods=5).to_numpy()
    >>> grid = SessionPositions(sessions, base=np.array([1, 4]), offsets=np.array([-1, 0, 1]))
    >>> market = SessionValues(np.array([0.01, -0.02, 0.03, 0.0, 0.01]), grid)
    >>> market.values()
    array([[ 0.01, -0.02,  0.03],
           [ 0.  ,  0.01,   nan]])
    """

    series: FloatArray
    positions: SessionPositions

    def take(self, rows: Any) -> SessionValues:
        """The same series read on the grid rows ``rows`` only (still compact).

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from eventstudy.engine.panel import SessionPositions, SessionValues
        >>> sessions = pd.bdate_range("2025-01-27", periods=3).to_numpy()
        >>> grid = SessionPositions(sessions, base=np.array([0, 1]), offsets=np.array([0, 1]))
        >>> SessionValues(np.array([0.01, -0.02, 0.03]), grid).take([1]).values()
        array([[-0.02,  0.03]])
        """
        base = np.asarray(self.positions.base)[rows]
        return SessionValues(self.series, replace(self.positions, base=base))

    def values(self) -> FloatArray:
        """The ``(n, L)`` values (NaN where a position falls outside the series).

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from eventstudy.engine.panel import SessionPositions, SessionValues
        >>> sessions = pd.bdate_range("2025-01-27", periods=3).to_numpy()
        >>> grid = SessionPositions(sessions, base=np.array([0]), offsets=np.array([-1, 0, 1]))
        >>> SessionValues(np.array([0.01, -0.02, 0.03]), grid).values()
        array([[  nan,  0.01, -0.02]])
        """
        pos = self.positions
        base = np.asarray(pos.base, dtype=np.int64)
        offsets = np.asarray(pos.offsets, dtype=np.int64)
        t = len(self.series)
        pad = np.append(np.asarray(self.series, dtype=np.float64), np.nan)
        out = np.empty((len(base), len(offsets)), dtype=np.float64)
        # blocks of rows: the one (n, L) result and no (n, L) index temporaries (issue 14)
        for lo in range(0, len(base), _VALUES_BLOCK):
            idx = base[lo : lo + _VALUES_BLOCK, None] + offsets[None, :]
            idx[(idx < 0) | (idx >= t)] = t
            np.take(pad, idx, out=out[lo : lo + _VALUES_BLOCK])
        return out


#: Per-event arrays of a panel (axis 0 = event); the one list every slicer and merger uses.
ROW_FIELDS = (
    "event_id",
    "ticker",
    "day0",
    "group",
    "resid_est",
    "ret_evt",
    "normal_evt",
    "ar",
    "sigma2",
    "nobs",
    "dof",
    "xtx_inv",
    "x_evt",
    "params",
    "market_est",
    "market_evt",
    "bench_evt",
    "market_value",
    "var_ar",
    "r2",
)


@dataclass
class EventPanel:
    """Per-event arrays on the estimation and event grids (see module docstring).

    Attributes
    ----------
    event_id, ticker : (n,) arrays of str
        Event identifier (unique) and security of each used event.
    day0 : (n,) datetime64[ns]
        The session of relative day 0.
    group : (n,) array of str or None
        Optional group label per event (e.g. ``"chips"``).
    est_rel, evt_rel : (L1,), (L2,) int arrays
        Relative day (or session count from window start) of each grid column.
    est_dates, evt_dates : (n, L1), (n, L2) datetime64[ns]
        Calendar session of every cell; ``NaT`` outside the data.
    resid_est : (n, L1) float
        Estimation-window residuals (abnormal returns in the estimation window);
        ``NaN`` where the observation was not used.
    ret_evt, normal_evt, ar : (n, L2) float
        Realised, normal (model-predicted) and abnormal returns in the event window.
    sigma2 : (n,) float
        Residual variance ``SSR / dof``.
    nobs, dof : (n,) int
        Complete-case estimation observations and residual degrees of freedom.
    k : int
        Number of estimated mean parameters (0 for market-adjusted).
    xtx_inv : (n, k, k) float or None
        ``(X'X)^{-1}`` of each event's estimation regression (``None`` when ``k == 0``).
    x_evt : (n, L2, k) float or None
        Event-window regressors (with the constant column), for prediction-error terms.
    params : (n, k) float or None
        Estimated coefficients, in the order of :attr:`param_names`.
    market_est, market_evt : (n, L1), (n, L2) float or None
        The main market regressor (when the model has one), used by tests that need it
        (Lamb, the estudy2 Patell convention, the portfolio approach).
    bench_evt : (n, L2) float or None
        Benchmark returns for buy-and-hold abnormal returns.
    market_value : (n,) float or None
        Market value at the close before the event window, for dollar abnormal values.
    return_kind : "simple" or "log"
        How returns were computed; recorded in every result.
    sigma2_ddof : str
        Human-readable statement of the variance denominator (e.g. ``"n - k"``).
    model : str
        Name of the normal-return model.
    param_names : list of str
        Names of the columns of :attr:`params`.
    meta : dict
        Anything else worth recording (windows, calendar, options).
    var_ar : (n, L2) float or None
        Variance of each abnormal return as computed by the engine: the prediction-error
        corrected ``sigma2 * (1 + x_t' (X'X)^-1 x_t)`` for linear models, ``sigma2`` for
        market-adjusted returns, the conditional variance ``h_t`` for GARCH.
    r2 : (n,) float or None
        R-squared of each event's estimation regression (centred with a constant).
    est_positions, evt_positions : SessionPositions or None
        Compact form of ``est_dates`` / ``evt_dates``: when the date array itself is ``None``
        the dates are derived from these on access (large panels built in chunks).
    market_est_source, market_evt_source, bench_evt_source : SessionValues or None
        Compact form of ``market_est`` / ``market_evt`` / ``bench_evt`` (one market for all
        events): when the array itself is ``None`` it is derived from this on access.

    Notes
    -----
    ``normal_evt`` may be given as ``None``: it is then derived on access as
    ``ret_evt - ar``, which is how the engine computes it (the same numbers, bit for bit);
    the chunked and Dask engines keep it so, ``8 n L2`` bytes less (issue 14).

    Examples
    --------
    A fitted study's panel is ``results.panel``:

    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> panel = res.panel
    >>> panel.n_events, panel.resid_est.shape, panel.ar.shape  # default windows: 240 and 21 days
    (8, (8, 240), (8, 21))
    >>> panel.evt_rel[:3], panel.model, panel.param_names
    (array([-10,  -9,  -8]), 'market model', ['alpha', 'beta'])
    """

    event_id: ObjArray
    ticker: ObjArray
    day0: DateArray
    est_rel: IntArray
    evt_rel: IntArray
    est_dates: DateArray
    evt_dates: DateArray
    resid_est: FloatArray
    ret_evt: FloatArray
    normal_evt: FloatArray
    ar: FloatArray
    sigma2: FloatArray
    nobs: IntArray
    dof: IntArray
    k: int
    return_kind: Literal["simple", "log"] = "simple"
    sigma2_ddof: str = "n - k"
    model: str = ""
    group: ObjArray | None = None
    xtx_inv: FloatArray | None = None
    x_evt: FloatArray | None = None
    params: FloatArray | None = None
    param_names: list[str] = field(default_factory=list)
    market_est: FloatArray | None = None
    market_evt: FloatArray | None = None
    bench_evt: FloatArray | None = None
    market_value: FloatArray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    var_ar: FloatArray | None = None
    r2: FloatArray | None = None
    est_positions: SessionPositions | None = None
    evt_positions: SessionPositions | None = None
    market_est_source: SessionValues | None = None
    market_evt_source: SessionValues | None = None
    bench_evt_source: SessionValues | None = None

    # A panel is one object: what is computed from it is memoised by its identity
    # (``inference._stats.memo_for``), so equality is identity too (a field-wise ``==`` of
    # numpy arrays has no truth value) and a panel is hashable.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __post_init__(self) -> None:
        """Hold every array as a read-only view: the memos keyed by the panel's identity (its
        inference context, residual correlations, each test's rows) can never go stale.

        A view shares the caller's memory (no copy; the caller's own array stays writeable). A
        write into a panel's array raises ``ValueError: assignment destination is read-only``;
        build a changed panel instead (``dataclasses.replace(panel, ar=new_ar)``).
        """
        for key, value in list(self.__dict__.items()):  # stored names (``_market_est``, ...)
            if isinstance(value, np.ndarray) and value.flags.writeable:
                view = value.view()
                view.flags.writeable = False
                self.__dict__[key] = view

    @property
    def n_events(self) -> int:
        """Number of events in the panel.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.panel.n_events
        8
        """
        return int(self.ar.shape[0])

    @property
    def conditional_var_ar(self) -> FloatArray | None:
        """The model's own event-window ``Var(AR_it)`` when it has one instead of the OLS
        prediction-error term (a GARCH model's conditional variances ``h_it``: ``var_ar`` with
        no ``X'X``), else None. The one test of "does the model supply its variances".

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.panel.conditional_var_ar is None  # OLS: sigma^2 times the prediction-error term
        True
        """
        if self.var_ar is not None and self.xtx_inv is None and self.k > 0:
            return self.var_ar
        return None

    def has(self, name: str) -> bool:
        """Whether the panel holds the field ``name`` (not ``None``), without deriving it:
        ``market_est`` held as a market series and positions (``market_est_source``) counts,
        and is not read into an ``(n, L1)`` array to answer (issue 14: a million events).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.panel.has("market_est"), res.panel.has("market_value")  # no market values given
        (True, False)
        """
        if name in _SOURCED:
            return (
                self.__dict__.get("_" + name) is not None
                or self.__dict__.get(name + "_source") is not None
            )
        if name == "normal_evt":
            return self.__dict__.get("_normal_evt") is not None or (
                self.ret_evt is not None and self.ar is not None
            )
        if name in ("est_dates", "evt_dates"):
            return (
                self.__dict__.get("_" + name) is not None
                or self.__dict__.get(name.replace("_dates", "_positions")) is not None
            )
        return getattr(self, name, None) is not None

    def take(self, rows: Any) -> EventPanel:
        """The events ``rows`` (a slice, integer positions or a boolean mask) as a new panel.

        Grids, conventions and metadata are shared; per-event arrays are indexed (views for a
        slice). Dates held as session positions stay compact.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> firm_f0 = res.panel.take(res.panel.ticker == "F0")  # a boolean mask
        >>> firm_f0.event_id
        array(['e0', 'e6'], dtype=object)
        >>> res.panel.take(slice(0, 3)).n_events
        3
        """
        changes: dict[str, Any] = {}
        for name in ROW_FIELDS:
            if name in _SOURCED and self.__dict__.get("_" + name) is None:
                source = self.__dict__.get(name + "_source")
                changes[name] = None  # compact: the source's rows, not (n, L) values
                changes[name + "_source"] = None if source is None else source.take(rows)
                continue
            if name == "normal_evt" and self.__dict__.get("_normal_evt") is None:
                changes[name] = None  # derived from the rows' ret_evt - ar
                continue
            value = getattr(self, name)
            changes[name] = None if value is None else value[rows]
            if name in _SOURCED:
                changes[name + "_source"] = None  # the stored array was indexed
        for dates, positions in (("est_dates", "est_positions"), ("evt_dates", "evt_positions")):
            pos = getattr(self, positions)
            if pos is not None and self.__dict__.get("_" + dates) is None:
                changes[positions] = replace(pos, base=np.asarray(pos.base)[rows])
                changes[dates] = None
            else:
                changes[positions] = None
                changes[dates] = getattr(self, dates)[rows]
        return replace(self, **changes)


def _lazy_dates(name: str) -> property:
    """``est_dates`` / ``evt_dates``: the stored array, else derived from the positions."""
    key = "_" + name
    source = name.replace("_dates", "_positions")

    def get(self: EventPanel) -> DateArray:
        # the docstring (set below) names the attribute; both date grids share this code
        stored = self.__dict__.get(key)
        if stored is None:
            pos = self.__dict__.get(source)
            if pos is not None:
                return pos.dates()
        return stored  # type: ignore[return-value]

    def put(self: EventPanel, value: DateArray | None) -> None:
        self.__dict__[key] = value

    get.__doc__ = f"""The calendar session of every cell of the {name[:3]} grid (``NaT`` outside the
        data): the stored array, else derived from ``{source}``.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.panel.{name}.dtype, res.panel.{name}.shape[0]
        (dtype('<M8[ns]'), 8)
        """
    return property(get, put, doc=get.__doc__)


# installed after the dataclass is built, so ``__init__`` still takes ``est_dates=`` and
# ``evt_dates=`` (pass ``None`` together with the positions to keep them lazy)
setattr(EventPanel, "est_dates", _lazy_dates("est_dates"))  # noqa: B010
setattr(EventPanel, "evt_dates", _lazy_dates("evt_dates"))  # noqa: B010


#: fields that may be held as one series read on a grid (``<name>_source``)
_SOURCED = ("market_est", "market_evt", "bench_evt")


def _lazy_values(name: str) -> property:
    """``market_est`` / ``market_evt`` / ``bench_evt``: the stored array, else derived from
    ``<name>_source`` (a :class:`SessionValues`) on access."""
    key, source_key = "_" + name, name + "_source"

    def get(self: EventPanel) -> FloatArray | None:
        stored = self.__dict__.get(key)
        source = self.__dict__.get(source_key)
        if stored is None and source is not None:
            return source.values()
        return stored

    def put(self: EventPanel, value: FloatArray | None) -> None:
        self.__dict__[key] = value

    grid = "estimation" if name.endswith("_est") else "event"
    get.__doc__ = f"""The {name} returns on the {grid} grid, ``(n, L)`` (``None`` when the model
        has none): the stored array, else derived from ``{source_key}``.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.panel.{name}.shape[0] == res.panel.n_events
        True
        """
    return property(get, put, doc=get.__doc__)


# installed after the dataclass is built (default None): the stored array, else the source
for _name in _SOURCED:
    setattr(EventPanel, _name, _lazy_values(_name))


def _get_normal_evt(self: EventPanel) -> FloatArray:
    """The normal returns of the event window, ``(n, L2)``: the stored array, else
    ``ret_evt - ar`` (how the engine computes them; the chunked engine does not store them).

    Examples
    --------
    >>> import numpy as np
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> p = res.panel
    >>> np.array_equal(p.normal_evt, p.ret_evt - p.ar, equal_nan=True)
    True
    """
    stored = self.__dict__.get("_normal_evt")
    if stored is None:
        return np.subtract(self.ret_evt, self.ar)
    return stored


def _set_normal_evt(self: EventPanel, value: FloatArray | None) -> None:
    self.__dict__["_normal_evt"] = value


setattr(  # noqa: B010
    EventPanel,
    "normal_evt",
    property(_get_normal_evt, _set_normal_evt, doc=_get_normal_evt.__doc__),
)


# ----------------------------------------------------------------------------- windows
def window_label(window: Any) -> str:
    """The label of a window of relative days, ``"[a, b]"``: the ``window`` column of every
    test, table and export (one format everywhere).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.panel import window_label
    >>> window_label((np.int64(-1), 1))
    '[-1, 1]'
    """
    return f"[{int(window[0])}, {int(window[1])}]"


def check_window(rel: Any, window: Any) -> tuple[int, int]:
    """A CAR window ``(first, last)`` in the units of ``rel`` (the event grid's relative days),
    validated: a pair of integers, in order, inside ``rel``. The one place every accessor and
    test checks a window, so the messages agree.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.panel import check_window
    >>> check_window(np.arange(-2, 3), [0, 1])
    (0, 1)
    """
    rel = np.asarray(rel)
    try:
        a, b = int(window[0]), int(window[1])
        if len(window) != 2:
            raise ValueError
    except (TypeError, ValueError, IndexError, KeyError):
        from ..exceptions import SpecError

        raise SpecError(f"window {window!r} is not a pair of integers (first, last)") from None
    from ..exceptions import SpecError

    if a > b:
        raise SpecError(f"window ({a}, {b}) is reversed: did you mean ({b}, {a})?")
    if a < int(rel.min()) or b > int(rel.max()):
        raise SpecError(
            f"window ({a}, {b}) is outside the event window {int(rel.min())}..{int(rel.max())}"
        )
    return a, b


def window_columns(rel: Any, window: Any) -> npt.NDArray[np.bool_]:
    """Which columns of the event grid a window covers (every column for ``None``).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.engine.panel import window_columns
    >>> window_columns(np.arange(-2, 3), (0, 1))  # days -2..2: which are in [0, 1]
    array([False, False,  True,  True, False])
    """
    rel = np.asarray(rel)
    if window is None:
        return np.ones(len(rel), dtype=bool)
    a, b = check_window(rel, window)
    return (rel >= a) & (rel <= b)
