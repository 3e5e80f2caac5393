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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "ROW_FIELDS",
    "EventPanel",
    "SessionPositions",
    "SessionValues",
    "build_panel",
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


# ----------------------------------------------------------------------------- building
def sigma2_ddof_text(k: int) -> str:
    """The panel's statement of the residual-variance denominator for ``k`` mean parameters.

    Examples
    --------
    >>> from eventstudy.engine.panel import sigma2_ddof_text
    >>> sigma2_ddof_text(2), sigma2_ddof_text(0)
    ('n - k', 'n (no estimated mean parameters)')
    """
    return "n - k" if k > 0 else "n (no estimated mean parameters)"


#: keys of ``meta`` the builder writes from its own arguments, last and in this order
_BUILT_META = ("n_events", "n_used", "market_value_date", "model_notes")

_is_label = np.frompyfunc(lambda g: isinstance(g, str), 1, 1)


def _group_labels(group: Any) -> ObjArray | None:
    """Group labels: entries that are not strings (NaN, None) are no group; ``None`` when
    no event has one."""
    if group is None:
        return None
    labels = np.asarray(group, dtype=object)
    is_label = np.asarray(_is_label(labels), dtype=bool)
    if not is_label.any():
        return None
    if is_label.all():
        return labels
    out = labels.copy()
    out[~is_label] = None
    return out


def _present(value: Any, *, width_axis: int | None = None) -> Any:
    """``value``, or ``None`` when absent: ``None`` itself, or a zero-width placeholder
    (the engine's ``(n, 0)`` / ``(n, 0, 0)`` arrays for "the model has none")."""
    if value is None:
        return None
    if width_axis is not None and np.shape(value)[width_axis] == 0:
        return None
    return value


def build_panel(
    *,
    event_id: ObjArray,
    ticker: ObjArray,
    day0: DateArray,
    est_rel: IntArray,
    evt_rel: IntArray,
    resid_est: FloatArray,
    ret_evt: FloatArray,
    ar: FloatArray,
    sigma2: FloatArray,
    nobs: IntArray,
    dof: IntArray,
    k: int,
    model: str,
    param_names: Sequence[str],
    normal_evt: FloatArray | None = None,
    var_ar: FloatArray | None = None,
    r2: FloatArray | None = None,
    return_kind: Literal["simple", "log"] = "simple",
    est_dates: DateArray | None = None,
    evt_dates: DateArray | None = None,
    est_positions: SessionPositions | None = None,
    evt_positions: SessionPositions | None = None,
    group: Any = None,
    xtx_inv: FloatArray | None = None,
    x_evt: FloatArray | None = None,
    params: FloatArray | None = None,
    market_est: FloatArray | None = None,
    market_evt: FloatArray | None = None,
    bench_evt: FloatArray | None = None,
    market_est_source: SessionValues | None = None,
    market_evt_source: SessionValues | None = None,
    bench_evt_source: SessionValues | None = None,
    market_value: FloatArray | None = None,
    meta: dict[str, Any] | None = None,
    n_events: int | None = None,
    market_value_date: Any = None,
    model_notes: dict[str, Any] | None = None,
) -> EventPanel:
    """The one constructor of :class:`EventPanel`: per-event arrays in, defaults applied.

    Every engine (the single-machine fit, the chunked and Dask mergers, the simulation
    builder) builds its panel here, so the rules below hold for every panel.

    Parameters
    ----------
    event_id, ticker, day0, est_rel, evt_rel, resid_est, ret_evt, ar, sigma2, nobs, dof
        As the :class:`EventPanel` attributes of the same names.
    k
        Estimated mean parameters; ``sigma2_ddof`` is derived from it
        (:func:`sigma2_ddof_text`), and ``xtx_inv``, ``x_evt`` and ``params`` are dropped
        when it is 0.
    model, param_names
        The model's name and the names of the columns of ``params``.
    normal_evt
        ``None``: derived on access as ``ret_evt - ar``.
    var_ar, r2, return_kind, market_value
        As the :class:`EventPanel` attributes.
    est_dates, evt_dates
        Calendar session of every cell. ``None``: derived from ``est_positions`` /
        ``evt_positions`` on access, or all ``NaT`` when those are ``None`` too.
    est_positions, evt_positions
        The dates as grid positions (:class:`SessionPositions`).
    group
        A label per event; entries that are not strings (NaN, None) are no group, and the
        panel's ``group`` is ``None`` when no event has one.
    xtx_inv, x_evt, params
        The regression's arrays; ``None`` when the model has none (``xtx_inv``: also a
        zero-width placeholder, e.g. GARCH, whose variances are conditional).
    market_est, market_evt
        The market regressor on each grid; ``None`` or a zero-width placeholder: none (a
        model's design gives both or neither).
    bench_evt
        The buy-and-hold benchmark; kept only when it holds a finite value.
    market_est_source, market_evt_source, bench_evt_source
        Compact forms of the three market arrays (:class:`SessionValues`).
    meta
        Records of the run (copied).
    n_events, market_value_date, model_notes
        Written to ``meta`` (last, in this order, when given): the events tried (with
        ``n_used``, the panel's rows), the as-of date of each market value and the model's
        notes.

    Returns
    -------
    EventPanel

    Examples
    --------
    Two events, a market-adjusted model (no estimated parameters), one day of each grid:

    >>> import numpy as np
    >>> from eventstudy.engine.panel import build_panel
    >>> day0 = np.array(["2025-01-28", "2025-01-29"], dtype="datetime64[ns]")
    >>> panel = build_panel(
    ...     event_id=np.array(["a", "b"], dtype=object), ticker=np.array(["X", "Y"], dtype=object),
    ...     day0=day0, est_rel=np.array([-1]), evt_rel=np.array([0]),
    ...     resid_est=np.array([[0.01], [-0.01]]), ret_evt=np.array([[0.03], [0.01]]),
    ...     ar=np.array([[0.02], [0.0]]), sigma2=np.array([1e-4, 1e-4]),
    ...     nobs=np.array([1, 1]), dof=np.array([1, 1]), k=0, model="market-adjusted",
    ...     param_names=[], group=[None, np.nan], bench_evt=np.full((2, 1), np.nan),
    ...     n_events=3,
    ... )
    >>> panel.sigma2_ddof, panel.group, panel.bench_evt, panel.meta
    ('n (no estimated mean parameters)', None, None, {'n_events': 3, 'n_used': 2})
    >>> panel.normal_evt.ravel()  # ret_evt - ar
    array([0.01, 0.01])
    >>> panel.evt_dates.dtype, bool(np.isnat(panel.evt_dates).all())  # no dates given
    (dtype('<M8[ns]'), True)
    """
    n = len(event_id)
    if k == 0:  # no estimated parameters: no regression arrays
        xtx_inv = x_evt = params = None
    if bench_evt is not None and not np.isfinite(bench_evt).any():
        bench_evt = None  # no benchmark return at all: no buy-and-hold benchmark
    if est_dates is None and est_positions is None:
        est_dates = np.full((n, len(est_rel)), np.datetime64("NaT", "ns"))
    if evt_dates is None and evt_positions is None:
        evt_dates = np.full((n, len(evt_rel)), np.datetime64("NaT", "ns"))
    record = dict(meta or {})
    built = (n_events, None if n_events is None else n, market_value_date, model_notes)
    for key, value in zip(_BUILT_META, built, strict=True):
        if value is not None:
            record.pop(key, None)
            record[key] = value
    return EventPanel(
        event_id=event_id,
        ticker=ticker,
        day0=day0,
        est_rel=est_rel,
        evt_rel=evt_rel,
        est_dates=est_dates,  # type: ignore[arg-type]  # None: derived from est_positions
        evt_dates=evt_dates,  # type: ignore[arg-type]
        est_positions=est_positions,
        evt_positions=evt_positions,
        resid_est=resid_est,
        ret_evt=ret_evt,
        normal_evt=normal_evt,  # type: ignore[arg-type]  # None: ret_evt - ar on access
        ar=ar,
        sigma2=sigma2,
        nobs=nobs,
        dof=dof,
        k=k,
        return_kind=return_kind,
        sigma2_ddof=sigma2_ddof_text(k),
        model=model,
        group=_group_labels(group),
        xtx_inv=_present(xtx_inv, width_axis=1),
        x_evt=x_evt,
        params=params,
        param_names=list(param_names),
        market_est=_present(market_est, width_axis=1),
        market_evt=_present(market_evt, width_axis=1),
        bench_evt=bench_evt,
        market_est_source=market_est_source,
        market_evt_source=market_evt_source,
        bench_evt_source=bench_evt_source,
        market_value=market_value,
        meta=record,
        var_ar=var_ar,
        r2=r2,
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
