"""Aligning a study's inputs on one session grid (the first job of every fit).

The returns (wide: one column per ticker, the market and benchmark columns included) are
cleaned and checked (:func:`clean_returns`), put on the session grid - an exchange calendar's
sessions, or the returns' own dates (:func:`session_grid`) - and held column-major with one
all-NaN row past the end, so an event's windows are read by fancy-indexing the
``(T x tickers)`` matrix with ``(n x L)`` position arrays (a position outside the data reads
the NaN row). The model's factors go on the same grid (:func:`factors_on_grid`); events are
anchored on it by the position of their day 0 (:func:`day0_positions`) and their securities
by column (:func:`column_positions`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..calendar import trading_sessions
from ..data.guards import (
    check_returns_frame,
    check_simple_returns,
    looks_like_percent,
    normalise_ticker,
)
from ..exceptions import DataError, SpecError
from ..models import ModelData, NormalReturnModel

__all__ = [
    "AlignedReturns",
    "align_returns",
    "clean_returns",
    "column_positions",
    "day0_positions",
    "factors_on_grid",
    "market_key",
    "session_grid",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class AlignedReturns:
    """A study's returns (and factors) on its session grid.

    Attributes
    ----------
    grid : pd.DatetimeIndex
        The sessions, ``T`` of them.
    data : ModelData
        The ``(T + 1, tickers)`` returns matrix (last row NaN), its columns and the factors,
        as the models read them.
    tickers : list of str
        The returns' columns (normalised tickers), in matrix order.
    first_valid, last_valid : (tickers,) int arrays
        Grid position of each column's first and last return (-1: none at all).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.engine.align import align_returns
    >>> dates = pd.bdate_range("2025-01-27", periods=4)
    >>> returns = pd.DataFrame({"spy": [0.01, -0.02, 0.0, 0.01], "aaa": [np.nan, 0.02, 0.01, np.nan]}, index=dates)
    >>> al = align_returns(returns, model=es.MarketModel("SPY"), calendar=None)
    >>> al.tickers, al.first_valid, al.last_valid
    (['SPY', 'AAA'], array([0, 1]), array([3, 2]))
    """

    grid: pd.DatetimeIndex
    data: ModelData
    tickers: list[str]
    first_valid: IntArray
    last_valid: IntArray


def clean_returns(
    raw: pd.DataFrame,
    *,
    return_kind: str = "simple",
    allow: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """The wide returns as the engine reads them, or a clear error.

    Dates are parsed (a ``date`` column may be the index), made tz-naive and normalised to
    the day; columns are normalised tickers
    (:func:`~eventstudy.data.guards.normalise_ticker`), values float. Missing or repeated
    dates, non-numeric columns, infinite returns, two columns of one ticker, prices or
    percent given as returns and simple returns below -1 are refused (``allow`` waives the
    data guards by name).

    Parameters
    ----------
    raw
        Wide returns: index (or ``date`` column) of dates, one column per ticker.
    return_kind
        ``"simple"`` or ``"log"``: what the returns are (``raw.attrs["return_kind"]``, when
        set, must agree).
    allow
        Input checks to waive (:data:`eventstudy.data.guards.INPUT_CHECKS`).

    Returns
    -------
    pd.DataFrame
        Sorted by date.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.engine.align import clean_returns
    >>> raw = pd.DataFrame({"date": ["2025-01-28", "2025-01-27"], " spy": [0.01, -0.02]})
    >>> clean = clean_returns(raw)  # sorted by date, tickers normalised
    >>> list(clean.columns), clean["SPY"].tolist()
    (['SPY'], [-0.02, 0.01])
    """
    if not isinstance(raw, pd.DataFrame):
        raise SpecError(f"returns must be a wide DataFrame, got {type(raw).__name__}")
    kind = raw.attrs.get("return_kind")
    if kind is not None and kind != return_kind:
        raise SpecError(
            f"returns are {kind!r} returns (attrs['return_kind']) but return_kind="
            f"{return_kind!r}; pass return_kind={kind!r}"
        )
    frame = raw
    if "date" in frame.columns and not isinstance(frame.index, pd.DatetimeIndex):
        frame = frame.set_index("date")
    if isinstance(frame.index, pd.DatetimeIndex):
        idx = frame.index
    else:
        # text (day/month order checked), integers YYYYMMDD, or tz-aware and tz-naive
        # stamps mixed (each keeps its own wall-clock date); anything else is a DataError
        from ..data.validate import parse_dates

        idx = pd.DatetimeIndex(parse_dates(frame.index, context="returns index"))
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    idx = idx.normalize().as_unit("ns")
    if idx.hasnans:
        raise DataError("returns index has missing dates; drop those rows")
    dup = idx[idx.duplicated()].unique()
    if len(dup):
        raise DataError(f"returns have repeated dates {[str(d.date()) for d in dup[:5]]}")
    non_numeric = [c for c, dt in frame.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)]
    if non_numeric:
        raise DataError(f"returns columns {non_numeric[:10]} are not numeric")
    values = np.array(frame.to_numpy(dtype=np.float64), copy=True)
    inf = np.isinf(values)
    if inf.any():
        r, c = np.argwhere(inf)[0]
        raise DataError(
            f"returns of {frame.columns[c]!r} on {idx[r].date()} are infinite "
            f"({int(inf.sum())} infinite value(s) in all): a zero or missing price; fix the "
            "prices or set those returns to NaN"
        )
    columns = pd.Index([normalise_ticker(c) for c in frame.columns])
    if columns.has_duplicates:
        same = [
            str(c) for c in frame.columns if normalise_ticker(c) in columns[columns.duplicated()]
        ]
        raise DataError(
            f"returns columns {same[:6]} name the same ticker (tickers are matched "
            "upper-case, without spaces); keep one column per ticker"
        )
    out = pd.DataFrame(values, index=idx, columns=columns)
    check_returns_frame(out, return_kind=return_kind, allow=allow)
    check_simple_returns(out, return_kind=return_kind, allow=allow)
    return out.sort_index()


def session_grid(returns: pd.DataFrame, calendar: str | None) -> pd.DatetimeIndex:
    """The sessions of the study: ``calendar``'s between the first and last return date, or
    the returns' own dates when ``calendar`` is ``None``.

    Parameters
    ----------
    returns
        Cleaned returns (:func:`clean_returns`).
    calendar
        An exchange_calendars code (``"XNYS"``) or ``None``.

    Returns
    -------
    pd.DatetimeIndex

    Raises
    ------
    DataError
        When a return is dated on a day that is not a session of ``calendar``.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.engine.align import session_grid
    >>> returns = pd.DataFrame({"SPY": [0.01, 0.02]}, index=pd.to_datetime(["2025-01-17", "2025-01-21"]))
    >>> session_grid(returns, None).size, session_grid(returns, "XNYS").size  # MLK day is no session
    (2, 2)
    """
    if calendar is None:
        return pd.DatetimeIndex(returns.index, name="date")
    sessions = trading_sessions(returns.index[0], returns.index[-1], exchange=calendar)
    extra = returns.index.difference(sessions)
    if len(extra):
        raise DataError(
            f"returns have {len(extra)} row(s) on dates that are not {calendar} sessions "
            f"(e.g. {[str(d.date()) for d in extra[:5]]}); use the listing exchange's "
            "calendar= or calendar=None to use the returns' own dates"
        )
    return sessions


def factors_on_grid(
    grid: pd.DatetimeIndex, model: NormalReturnModel, factors: pd.DataFrame | None
) -> tuple[FloatArray | None, dict[str, int]]:
    """The factors ``model`` needs on ``grid``, with one NaN row past the end.

    Parameters
    ----------
    grid
        The session grid.
    model
        The normal-return model (``model.required_factors()``).
    factors
        Factor returns in decimal units, indexed (or with a column ``date``) by date.

    Returns
    -------
    values : (T + 1, F) float array or None
        ``None`` when the model needs no factor.
    columns : dict
        Factor name -> column of ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.engine.align import factors_on_grid
    >>> grid = pd.bdate_range("2025-01-27", periods=2)
    >>> ff = pd.DataFrame({"Mkt-RF": [0.01, -0.01], "RF": [0.0001, 0.0001]}, index=grid)
    >>> values, columns = factors_on_grid(grid, es.CAPM(), ff)
    >>> values.shape, columns
    ((3, 2), {'Mkt-RF': 0, 'RF': 1})
    """
    need = model.required_factors()
    if not need:
        return None, {}
    if factors is None:
        raise SpecError(
            f"{type(model).__name__} needs factors {need}: pass factors= (decimal units, "
            "indexed by date), e.g. eventstudy.load_factors('FF3')"
        )
    f = factors
    if "date" in f.columns and not isinstance(f.index, pd.DatetimeIndex):
        f = f.set_index("date")
    missing = [c for c in need if c not in f.columns]
    if missing:
        raise SpecError(f"factors lack column(s) {missing}; they have {list(f.columns)}")
    idx = pd.DatetimeIndex(pd.to_datetime(f.index)).normalize().as_unit("ns")
    vals = pd.DataFrame(
        np.array(f[need].to_numpy(dtype=np.float64), copy=True), index=idx, columns=need
    )
    percent, med = looks_like_percent(vals.to_numpy(), axis=0)
    if percent.any():
        raise DataError(
            f"factors look like percent (median |value| {dict(zip(need, np.round(med, 4), strict=True))}); "
            "divide by 100 - factors must be decimal returns"
        )
    aligned = vals.groupby(level=0).last().reindex(grid)
    arr = np.vstack([aligned.to_numpy(), np.full((1, len(need)), np.nan)])
    return arr, {c: j for j, c in enumerate(need)}


def align_returns(
    returns: pd.DataFrame,
    *,
    model: NormalReturnModel,
    calendar: str | None,
    factors: pd.DataFrame | None = None,
    return_kind: str = "simple",
    allow: frozenset[str] = frozenset(),
) -> AlignedReturns:
    """Clean ``returns`` and put them (and ``model``'s factors) on the session grid.

    Parameters
    ----------
    returns
        Wide returns, as given to :class:`~eventstudy.EventStudy`.
    model
        The normal-return model (which factors to align).
    calendar
        Exchange code for the sessions, or ``None``: the returns' own dates.
    factors
        Factor returns (decimal units) when the model needs them.
    return_kind, allow
        As :func:`clean_returns`.

    Returns
    -------
    AlignedReturns

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.engine.align import align_returns
    >>> dates = pd.bdate_range("2025-01-27", periods=3)
    >>> returns = pd.DataFrame({"SPY": [0.01, -0.02, 0.0]}, index=dates)
    >>> al = align_returns(returns, model=es.MarketModel("SPY"), calendar=None)
    >>> al.data.returns.shape  # one NaN row past the last session
    (4, 1)
    """
    returns = clean_returns(returns, return_kind=return_kind, allow=allow)
    if len(returns) == 0:
        raise DataError("returns frame has no rows")
    grid = session_grid(returns, calendar)
    aligned = returns.reindex(grid)
    mat = aligned.to_numpy(dtype=np.float64)
    # column-major: each ticker's series is contiguous, so gathering an event's window
    # (the hot loop of large studies) reads consecutive memory
    padded = np.asfortranarray(np.vstack([mat, np.full((1, mat.shape[1]), np.nan)]))
    finite = np.isfinite(mat)
    has = finite.any(axis=0)
    first = np.where(has, np.argmax(finite, axis=0), -1).astype(np.int64)
    last = np.where(has, len(grid) - 1 - np.argmax(finite[::-1], axis=0), -1).astype(np.int64)
    factor_values, fcols = factors_on_grid(grid, model, factors)
    tickers = list(aligned.columns)
    data = ModelData(padded, {t: j for j, t in enumerate(tickers)}, factor_values, fcols)
    return AlignedReturns(grid, data, tickers, first, last)


def market_key(model: NormalReturnModel) -> str | None:
    """The model's market as a returns column: tickers are matched by one rule everywhere
    (:func:`eventstudy.data.guards.normalise_ticker`), so ``MarketModel("spy")`` finds SPY.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.engine.align import market_key
    >>> market_key(es.MarketModel(" spy")), market_key(es.ConstantMean())
    ('SPY', None)
    """
    name = model.market_name
    return None if name is None else normalise_ticker(name)


def column_positions(columns: dict[str, int], names: pd.Series) -> IntArray:
    """Column of each name in the returns matrix (-1 when absent or None), vectorised.

    Parameters
    ----------
    columns
        Ticker -> column (``ModelData.columns``).
    names
        One ticker (or ``None``) per event.

    Returns
    -------
    (n,) int array

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.engine.align import column_positions
    >>> column_positions({"SPY": 0, "AAA": 1}, pd.Series(["AAA", None, "ZZZ", "SPY"]))
    array([ 1, -1, -1,  0])
    """
    keys = pd.Index(list(columns), dtype=object)
    where = keys.get_indexer(pd.Index(names.to_numpy(dtype=object), dtype=object))
    pos = np.fromiter(columns.values(), dtype=np.int64, count=len(columns))
    return np.where(where >= 0, pos[np.maximum(where, 0)] if len(pos) else -1, -1).astype(np.int64)


def day0_positions(grid: pd.DatetimeIndex, day0: pd.DatetimeIndex) -> IntArray:
    """The grid position of each event's day 0: ``-1`` before the first session and
    ``len(grid)`` when missing, after the last session or not a session.

    Examples
    --------
    >>> import pandas as pd
    >>> from eventstudy.engine.align import day0_positions
    >>> grid = pd.bdate_range("2025-01-27", periods=3)  # Mon..Wed
    >>> day0 = pd.DatetimeIndex(["2025-01-28", "2025-01-20", "2025-01-31", None])
    >>> day0_positions(grid, day0)
    array([ 1, -1,  3,  3])
    """
    g = grid.to_numpy()
    pos0 = np.searchsorted(g, day0.to_numpy(), side="left").astype(np.int64)
    in_grid = np.asarray(day0.notna()) & (pos0 < len(g))
    in_grid &= g[np.minimum(pos0, len(g) - 1)] == day0.to_numpy()
    return np.where(in_grid, pos0, np.where(day0.to_numpy() < g[0], -1, len(g)))
