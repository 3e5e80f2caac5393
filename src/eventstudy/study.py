"""EventStudy: events + returns + model + windows -> EventStudyResults.

The orchestrator aligns returns (and factors) on a session grid (an exchange calendar, or
the returns' own dates), anchors every event on its day 0, extracts estimation and event
windows by fancy-indexing the ``(T x tickers)`` returns matrix with ``(n x L)`` position
arrays, checks every event (one status row each, nothing dropped silently), estimates the
model for all events at once (in chunks) and fills the :class:`~eventstudy.engine.panel.EventPanel`.

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

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._boundary import library_errors
from .calendar import trading_sessions
from .data.guards import (
    check_allow,
    check_returns_frame,
    check_simple_returns,
    looks_like_percent,
    normalise_ticker,
)
from .engine import abnormal, executors
from .engine.panel import EventPanel, SessionPositions, build_panel
from .events import (
    check_overlap,
    check_used,
    prepare_events,
    resolve_window,
    validate_windows,
)
from .exceptions import DataError, SpecError
from .models import MarketModel, ModelData, NormalReturnModel
from .results import EventStudyResults, market_value_asof

__all__ = ["DEFAULT_MIN_ESTIMATION_OBS", "EventStudy"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Default minimum number of complete-case estimation observations: 100, i.e. about 40% of
#: the default 240-session window. Below that the market-model beta is noisy; the same
#: floor is used by easy-es and is far above the regression minimum (k + 1).
DEFAULT_MIN_ESTIMATION_OBS = 100
#: residual variance at most this share of the returns' variance is an exact fit (R^2 = 1)
_EXACT_FIT = 1e-10


@dataclass
class _Aligned:
    grid: pd.DatetimeIndex
    data: ModelData
    tickers: list[str]
    first_valid: IntArray
    last_valid: IntArray


class EventStudy:
    """An event study specification; :meth:`fit` runs it.

    Parameters
    ----------
    events
        DataFrame: ``ticker``, ``date`` (or ``timestamp``); optional ``event_id``, ``timing``
        (``bmo``/``dur``/``amc``), ``benchmark`` (a returns column: this event's market),
        ``group``.
    returns
        Wide returns: index of dates, one float column per ticker (the market/benchmark
        columns included), NaN where missing - e.g. ``compute_returns(prices)``.
    prices
        Alternative to ``returns``: prices converted with ``eventstudy.compute_returns``
        (``kind=return_kind``).
    model
        A normal-return model (default ``MarketModel("SPY")``).
    estimation_window, event_window
        ``(first, last)`` trading days relative to day 0 (inclusive), or ``(start, end)``
        dates (inclusive; the same for every event). They must not overlap.
    return_kind
        ``"simple"`` or ``"log"``: what the returns are (recorded in the results; BHARs
        convert log returns with ``exp``).
    calendar
        exchange_calendars code (``"XNYS"``) for sessions and announcement timing, or
        ``None`` to use the returns' own dates as sessions.
    factors
        Factor returns in decimal units indexed by date (``load_factors``) for CAPM and
        factor models; also the risk-free rate ``RF``.
    market_values
        Market values for dollar abnormal values: a Series indexed by ticker, or a tidy
        frame ``ticker, date, market_value`` (as-of the session before the event window).
    shares
        Share counts for dollar abnormal values (instead of ``market_values``; needs
        ``prices=``): a number per ticker (mapping or Series; today's count, current split
        basis), a tidy frame ``ticker, date, shares`` or a frame indexed by date with one
        column per ticker (counts as reported). Market values are then ``shares x`` the raw
        close of the study's own prices at the close before each (sub-)window
        (:func:`eventstudy.engine.dollar_values.market_values_from_shares`).
    benchmark
        Returns column for buy-and-hold benchmarks when neither the events' ``benchmark``
        column nor the model's market gives one.
    min_estimation_obs
        Minimum complete-case estimation observations (default
        :data:`DEFAULT_MIN_ESTIMATION_OBS` = 100); events with fewer are dropped.
    chunk_size
        Events per estimation chunk (bounds memory).
    allow
        Input checks to waive, by name (see :data:`eventstudy.data.guards.INPUT_CHECKS`):
        ``"price_like_returns"`` (a returns column that is never negative),
        ``"percent_returns"`` (median ``|r|`` above 0.05), ``"unadjusted_splits"`` (with
        ``prices=``: a move matching a split recorded in the prices' ``splits`` field),
        ``"split_like_moves"`` (no :class:`~eventstudy.exceptions.SuspectedSplitWarning`).
        Each check otherwise stops a silent wrong number; waive it only for data you know.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import eventstudy as es
    >>> rng = np.random.default_rng(0)
    >>> dates = pd.bdate_range("2024-01-01", periods=300, name="date")
    >>> market = rng.normal(0.0, 0.01, 300)
    >>> returns = pd.DataFrame({"SPY": market,
    ...     "AAA": 1.2 * market + rng.normal(0, 0.01, 300),
    ...     "BBB": 0.8 * market + rng.normal(0, 0.01, 300)}, index=dates)
    >>> returns.iloc[280, 1:] -= 0.05  # a -5% shock to both firms on session 280
    >>> events = pd.DataFrame({"ticker": ["AAA", "BBB"], "date": dates[280]})
    >>> res = es.EventStudy(events, returns, model=es.MarketModel("SPY"), calendar=None).fit()
    >>> res.car((0, 0))[["ticker", "car"]].round(3)
      ticker    car
    0    AAA -0.037
    1    BBB -0.055
    """

    @library_errors("EventStudy(...)")
    def __init__(
        self,
        events: pd.DataFrame,
        returns: pd.DataFrame | None = None,
        *,
        prices: pd.DataFrame | None = None,
        model: NormalReturnModel | None = None,
        estimation_window: tuple[Any, Any] = (-250, -11),
        event_window: tuple[Any, Any] = (-10, 10),
        return_kind: Literal["simple", "log"] = "simple",
        calendar: str | None = "XNYS",
        factors: pd.DataFrame | None = None,
        market_values: pd.Series | pd.DataFrame | None = None,
        benchmark: str | None = None,
        min_estimation_obs: int = DEFAULT_MIN_ESTIMATION_OBS,
        chunk_size: int = 20_000,
        allow: Iterable[str] | str | None = None,
        shares: Any = None,
    ) -> None:
        if returns is None and prices is None:
            raise SpecError("EventStudy needs returns= (wide returns frame) or prices=")
        if returns is not None and prices is not None:
            raise SpecError("give either returns= or prices=, not both")
        if return_kind not in ("simple", "log"):
            raise SpecError(f"return_kind={return_kind!r}; use 'simple' or 'log'")
        self.model = model if model is not None else MarketModel("SPY")
        if not isinstance(self.model, NormalReturnModel):
            raise SpecError(
                f"model must be a normal-return model such as MarketModel('SPY'), got {model!r}"
            )
        self.estimation_window, self.event_window = validate_windows(
            estimation_window, event_window
        )
        for name, value in (("min_estimation_obs", min_estimation_obs), ("chunk_size", chunk_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise SpecError(f"{name}={value!r}; use a positive integer")
        if int(min_estimation_obs) < 1:
            raise SpecError(f"min_estimation_obs={min_estimation_obs}; use a positive integer")
        if int(chunk_size) < 1:
            raise SpecError(f"chunk_size={chunk_size}; use a positive integer")
        est = self.estimation_window
        if isinstance(est[0], int) and est[1] - est[0] + 1 < int(min_estimation_obs):
            raise SpecError(
                f"estimation_window {est} holds {est[1] - est[0] + 1} sessions, fewer than "
                f"min_estimation_obs={int(min_estimation_obs)}: no event could be estimated; "
                "widen the estimation window or lower min_estimation_obs"
            )
        self.events = events
        self.returns = returns
        self.prices = prices
        self.return_kind: Literal["simple", "log"] = return_kind
        self.calendar = calendar
        self.factors = factors
        if market_values is not None and not isinstance(market_values, (pd.Series, pd.DataFrame)):
            raise SpecError(
                "market_values must be a Series indexed by ticker or a frame ticker, date, "
                f"market_value; got {type(market_values).__name__}"
            )
        if _looks_like_share_counts(market_values):
            # Share counts taken as market values give dollar values ~ price times too small.
            raise SpecError(
                "market_values= looks like share counts (it is named or has a column "
                "'shares'): pass them as shares= (market values are then shares x the raw "
                "close), or pass market values in currency units"
            )
        if shares is not None:  # market values from the study's own raw closes
            from .engine.dollar_values import market_values_from_shares

            if market_values is not None:
                raise SpecError("give either shares= or market_values=, not both")
            if prices is None:
                raise SpecError(
                    "shares= measures market values at the study's raw closes: pass prices= "
                    "(from load_prices) instead of returns=, or pass market_values="
                )
            market_values = market_values_from_shares(shares, prices)
        self.market_values = market_values
        self.benchmark = None if benchmark is None else normalise_ticker(benchmark)
        self.min_estimation_obs = int(min_estimation_obs)
        self.chunk_size = int(chunk_size)
        self.allow = check_allow(allow)

    # ------------------------------------------------------------------ inputs
    def _returns_frame(self) -> pd.DataFrame:
        if self.returns is None:
            try:
                from .returns import compute_returns
            except ImportError as exc:  # pragma: no cover - until returns.py lands
                raise SpecError("prices= needs eventstudy.compute_returns; pass returns=") from exc
            assert self.prices is not None
            return compute_returns(self.prices, kind=self.return_kind, allow=self.allow)
        return self.returns

    def _clean_returns(self, raw: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(raw, pd.DataFrame):
            raise SpecError(f"returns must be a wide DataFrame, got {type(raw).__name__}")
        kind = raw.attrs.get("return_kind")
        if kind is not None and kind != self.return_kind:
            raise SpecError(
                f"returns are {kind!r} returns (attrs['return_kind']) but return_kind="
                f"{self.return_kind!r}; pass return_kind={kind!r}"
            )
        frame = raw
        if "date" in frame.columns and not isinstance(frame.index, pd.DatetimeIndex):
            frame = frame.set_index("date")
        if isinstance(frame.index, pd.DatetimeIndex):
            idx = frame.index
        else:
            # text (day/month order checked), integers YYYYMMDD, or tz-aware and tz-naive
            # stamps mixed (each keeps its own wall-clock date); anything else is a DataError
            from .data.validate import parse_dates

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
                str(c)
                for c in frame.columns
                if normalise_ticker(c) in columns[columns.duplicated()]
            ]
            raise DataError(
                f"returns columns {same[:6]} name the same ticker (tickers are matched "
                "upper-case, without spaces); keep one column per ticker"
            )
        out = pd.DataFrame(values, index=idx, columns=columns)
        check_returns_frame(out, return_kind=self.return_kind, allow=self.allow)
        check_simple_returns(out, return_kind=self.return_kind, allow=self.allow)
        return out.sort_index()

    def _grid(self, returns: pd.DataFrame) -> pd.DatetimeIndex:
        if self.calendar is None:
            return pd.DatetimeIndex(returns.index, name="date")
        sessions = trading_sessions(returns.index[0], returns.index[-1], exchange=self.calendar)
        extra = returns.index.difference(sessions)
        if len(extra):
            raise DataError(
                f"returns have {len(extra)} row(s) on dates that are not {self.calendar} sessions "
                f"(e.g. {[str(d.date()) for d in extra[:5]]}); use the listing exchange's "
                "calendar= or calendar=None to use the returns' own dates"
            )
        return sessions

    def _factors_on(self, grid: pd.DatetimeIndex) -> tuple[FloatArray | None, dict[str, int]]:
        need = self.model.required_factors()
        if not need:
            return None, {}
        if self.factors is None:
            raise SpecError(
                f"{type(self.model).__name__} needs factors {need}: pass factors= (decimal units, "
                "indexed by date), e.g. eventstudy.load_factors('FF3')"
            )
        f = self.factors
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

    def _align(self) -> _Aligned:
        returns = self._clean_returns(self._returns_frame())
        if len(returns) == 0:
            raise DataError("returns frame has no rows")
        grid = self._grid(returns)
        aligned = returns.reindex(grid)
        mat = aligned.to_numpy(dtype=np.float64)
        # column-major: each ticker's series is contiguous, so gathering an event's window
        # (the hot loop of large studies) reads consecutive memory
        padded = np.asfortranarray(np.vstack([mat, np.full((1, mat.shape[1]), np.nan)]))
        finite = np.isfinite(mat)
        has = finite.any(axis=0)
        first = np.where(has, np.argmax(finite, axis=0), -1).astype(np.int64)
        last = np.where(has, len(grid) - 1 - np.argmax(finite[::-1], axis=0), -1).astype(np.int64)
        factors, fcols = self._factors_on(grid)
        tickers = list(aligned.columns)
        data = ModelData(padded, {t: j for j, t in enumerate(tickers)}, factors, fcols)
        return _Aligned(grid, data, tickers, first, last)

    # ------------------------------------------------------------------ fit
    @library_errors("EventStudy.fit")
    def fit(
        self,
        engine: Literal["numpy", "chunked", "dask"] = "numpy",
        *,
        client: Any = None,
        partitions: int | None = None,
        chunk_events: int | None = None,
        gather: bool = True,
    ) -> EventStudyResults:
        """Run the study: anchor events, estimate, compute abnormal returns.

        Parameters
        ----------
        engine
            ``"numpy"`` (default): all events at once in memory (estimation in chunks of
            ``chunk_size``). ``"chunked"``: events in blocks of ``chunk_events`` whose results
            are copied into preallocated arrays (bounded peak memory, for a million events);
            ``"dask"``: partitions of events on a ``dask.distributed`` cluster. All three
            give the same numbers; see :mod:`eventstudy.engine.executors` and docs/performance.md.
        client
            ``dask.distributed.Client`` for ``engine="dask"`` (default: the current client).
        partitions
            Number of Dask partitions (default: twice the workers' threads).
        chunk_events
            Events per block for ``engine="chunked"`` (default 50,000).
        gather
            ``engine="dask"`` only: ``False`` keeps each partition's estimation window on its
            worker and runs the tests' reductions there (a study larger than this machine's
            memory; see :func:`~eventstudy.engine.executors.fit_dask`).

        Examples
        --------
        >>> res = es.EventStudy(events, returns, model=es.MarketModel("SPY")).fit()  # doctest: +SKIP
        >>> res = es.EventStudy(events, returns).fit(engine="chunked", chunk_events=10_000)  # doctest: +SKIP
        """
        if engine == "numpy":
            res = self.fit_block(self.events)
        else:
            if engine == "chunked":
                res = executors.fit_chunked(self, chunk_events=chunk_events)
            elif engine == "dask":
                res = executors.fit_dask(self, client=client, partitions=partitions, gather=gather)
            else:
                raise SpecError(f"engine={engine!r}; use 'numpy', 'chunked' or 'dask'")
        res.meta["data_provenance"] = self.data_provenance()
        if self.factors is not None:
            # a reference, not a copy: res.calendar_time() regresses on the study's factors
            res.meta["factors"] = self.factors
        return res

    def estimate_memory(self, tests: Iterable[str] | str = "all", engine: str = "numpy") -> Any:
        """Predicted peak memory of :meth:`fit` with ``engine`` followed by ``tests``, before
        anything is allocated (:func:`eventstudy.memory.estimate_memory`; issue 14).

        Examples
        --------
        >>> study.estimate_memory(["bmp", "grank"]).total / 1e9  # GB  # doctest: +SKIP
        """
        from .memory import estimate_memory, window_length

        return estimate_memory(
            len(self.events),
            window_length(self.estimation_window),
            window_length(self.event_window),
            tests if isinstance(tests, str) else list(tests),
            engine=engine,
            k=self.model.k,
        )

    def data_provenance(self) -> dict[str, Any]:
        """Where the study's data came from, for ``results.provenance()`` and the reports.

        The ``provenance`` attribute that :func:`~eventstudy.load_prices` /
        :func:`~eventstudy.read_prices` attach to prices (source, files or cache manifest,
        checksums, download time, yfinance version) and :func:`~eventstudy.compute_returns`
        carries to returns, plus the factors' attributes (file, vintage, checksums) under
        ``"factors"``. Frames built by hand carry none: that is recorded as such.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> study.data_provenance()  # returns built by hand carry no record
        {'source': "caller's frame", 'note': 'no provenance attached to the returns or prices given'}
        """
        frame = self.returns if self.returns is not None else self.prices
        attrs = getattr(frame, "attrs", {}) or {}
        data: dict[str, Any] = dict(attrs.get("provenance") or {})
        if not data:
            data["source"] = "caller's frame"
            data["note"] = "no provenance attached to the returns or prices given"
        if self.factors is not None:
            data["factors"] = dict(self.factors.attrs) or {
                "source": "caller's frame",
                "note": "no provenance attached to the factors",
            }
        return data

    # -------------------------------------------------- engine-level API (executors)
    # The executors of :mod:`eventstudy.engine.executors` drive a study through these three public
    # methods only (they never import this module): fit a block of events, read the shared
    # market series, and assemble the merged panel into results.

    def fit_block(self, events: pd.DataFrame, *, strict: bool = True) -> EventStudyResults:
        """Fit ``events`` with the single-machine engine (every event in memory at once).

        Parameters
        ----------
        events
            Events of this study (all of them, or one block of the chunked / Dask engines).
        strict
            ``True``: warn about dropped events and raise when none can be used (what
            :meth:`fit` does). ``False`` (a block of a larger run): neither; the status
            still lists every event, and the merged run warns or raises once.

        Returns
        -------
        EventStudyResults
            The block's results (the panel holds its dates as grid positions).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> block = study.fit_block(sim.events.iloc[:3], strict=False)  # the first 3 events
        >>> block.panel.n_events, list(block.status["status"])
        (3, ['used', 'used', 'used'])
        """
        al = self._align()
        grid = al.grid
        ev = prepare_events(
            events,
            calendar=self.calendar,
            sessions=grid if self.calendar is None else None,
            known_tickers=al.tickers,
            on_unknown="keep",
        )
        n = len(ev)
        market = _market_key(self.model)
        if market is not None and market not in al.data.columns and (ev["benchmark"].isna()).any():
            raise SpecError(
                f"the model's market {market!r} is not a column of the returns; add its returns "
                f"or name another market (columns: {al.tickers[:20]}...)"
            )
        # column lookups as pandas indexers: no Python call per event (issue 14)
        ret_col = _column_positions(al.data.columns, ev["ticker"])
        bench = ev["benchmark"].to_numpy(dtype=object)
        named = pd.Series(bench).map(type).isin([str]).to_numpy()
        default = np.full(len(bench), market, dtype=object)  # None stays None
        bench_names = np.where(named, bench, default).tolist()
        mkt_col = _column_positions(al.data.columns, pd.Series(bench_names, dtype=object))
        bh_names = np.where(named, bench, np.full(len(bench), market or self.benchmark, object))
        bh_col = _column_positions(al.data.columns, pd.Series(bh_names, dtype=object))
        if self.benchmark is not None and self.benchmark not in al.data.columns:
            raise SpecError(f"benchmark={self.benchmark!r} is not a column of the returns")

        day0 = pd.DatetimeIndex(ev["day0"]).as_unit("ns")
        g = grid.to_numpy()
        pos0 = np.searchsorted(g, day0.to_numpy(), side="left").astype(np.int64)
        in_grid = np.asarray(day0.notna()) & (pos0 < len(g))
        in_grid &= g[np.minimum(pos0, len(g) - 1)] == day0.to_numpy()
        pos0 = np.where(in_grid, pos0, np.where(day0.to_numpy() < g[0], -1, len(g)))

        est_w = resolve_window(self.estimation_window, pos0, grid)
        evt_w = resolve_window(self.event_window, pos0, grid)
        if est_w.by_date != evt_w.by_date:
            check_overlap(est_w, evt_w)

        reasons = self._pre_reasons(ev, al, ret_col, mkt_col, bench_names, pos0, day0)
        chunks = [
            self._fit_chunk(
                al,
                np.arange(lo, min(n, lo + self.chunk_size)),
                ret_col,
                mkt_col,
                bh_col,
                est_w,
                evt_w,
                pos0,
                reasons,
            )
            for lo in range(0, n, self.chunk_size)
        ]
        # merge chunk by chunk, releasing each chunk's arrays (peak: one copy, not two)
        merged = {
            k: chunks[0].pop(k) if len(chunks) == 1 else np.concatenate([c.pop(k) for c in chunks])
            for k in [k for k in chunks[0] if k != "notes"]
        }
        status = self._status(ev, reasons, merged["n_est"], merged["n_event"])
        status["overlaps"] = _overlapping_events(ev, evt_w.positions, pos0, len(grid))
        used = status["status"].to_numpy() == "used"
        if strict:
            check_used(status)
        panel = self._panel(ev, al, merged, used, est_w, evt_w, chunks)
        return self.results_from(panel, status)

    def market_series(self) -> tuple[FloatArray | None, bool]:
        """The model's market returns on the session grid, when every event uses that market
        (no per-event ``benchmark``), and whether the model's ``market_est`` is that series by
        construction (``NormalReturnModel.market_est_is_market``); ``(None, False)`` otherwise.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> series, exact = study.market_series()
        >>> series.shape, exact  # 420 sessions of MKT; the market model regresses on it as is
        ((420,), True)
        """
        name = _market_key(self.model)
        events = self.events
        if name is None or ("benchmark" in events.columns and events["benchmark"].notna().any()):
            return None, False
        data = self._align().data
        col = data.columns.get(name)
        if col is None:
            return None, False
        series = np.ascontiguousarray(data.returns[: data.n_sessions, col], dtype=np.float64)
        return series, bool(self.model.market_est_is_market)

    def results_from(self, panel: EventPanel, status: pd.DataFrame) -> EventStudyResults:
        """The results of this study for an assembled ``panel`` of used events and the
        ``status`` of every event (the one constructor of :class:`EventStudyResults` in the
        engines).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> res = study.fit()
        >>> first_two = study.results_from(res.panel.take(slice(0, 2)), res.status.iloc[:2])
        >>> first_two.panel.n_events, first_two.model
        (2, MarketModel(market='MKT'))
        """
        partitions = panel.meta.pop("estimation_partitions", None)
        if partitions is not None:  # fit_dask(gather=False): the estimation window on workers
            from .inference._stats import memo_for
            from .inference.partitioned import PartitionedEstimation

            executor, dest = partitions
            memo_for(panel)["remote"] = PartitionedEstimation(executor, dest, panel.n_events)
        return EventStudyResults(
            panel=panel,
            status=status,
            params=params_frame(panel),
            model=self.model,
            windows={"estimation": self.estimation_window, "event": self.event_window},
            return_kind=self.return_kind,
            meta={**panel.meta, "event_columns": _event_columns(self.events, status)},
            market_values=self.market_values,
        )

    def _pre_reasons(
        self,
        ev: pd.DataFrame,
        al: _Aligned,
        ret_col: IntArray,
        mkt_col: IntArray,
        bench_names: list[str | None],
        pos0: IntArray,
        day0: pd.DatetimeIndex,
    ) -> list[str]:
        """Reasons that need no estimation (first applicable wins); ``""`` = still alive."""
        grid = al.grid
        data = al.data
        T = len(grid)
        first = np.where(ret_col >= 0, al.first_valid[np.maximum(ret_col, 0)], -1)
        last = np.where(ret_col >= 0, al.last_valid[np.maximum(ret_col, 0)], -1)
        r0 = data.ret(pos0[:, None], ret_col)[:, 0]
        m0 = data.ret(pos0[:, None], mkt_col)[:, 0]
        need_f = self.model.required_factors()
        f0 = np.ones(len(ev), dtype=bool)
        for name in need_f:
            f0 &= np.isfinite(data.factor(name, pos0[:, None])[:, 0])
        uses_mkt = self.model.market_name is not None or (
            hasattr(self.model, "market") and ev["benchmark"].notna().any()
        )
        n = len(ev)
        na_day0 = np.asarray(day0.isna())
        # a repeat of an earlier event's (ticker, day 0, market) would count that firm-day twice
        order = pd.Series(np.arange(n, dtype=np.int64))
        keys = [ev["ticker"].to_numpy(), day0.to_numpy(), [b or "" for b in bench_names]]
        firsts = order.groupby(keys).transform("first")
        dup_of = np.where(firsts.notna() & (firsts != order), firsts.fillna(-1), -1).astype(
            np.int64
        )
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
            reasons[i] = self._reason_text(
                int(code[i]), tickers[i], bench_names[i], grid, first[i], last[i], day0[int(i)]
            )
        return list(reasons)

    @staticmethod
    def _reason_text(
        code: int,
        ticker: str,
        bench: str | None,
        grid: pd.DatetimeIndex,
        first: int,
        last: int,
        day0: pd.Timestamp,
    ) -> str:
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

    def _fit_chunk(
        self,
        al: _Aligned,
        idx: IntArray,
        ret_col: IntArray,
        mkt_col: IntArray,
        bh_col: IntArray,
        est_w: Any,
        evt_w: Any,
        pos0: IntArray,
        reasons: list[str],
    ) -> dict[str, Any]:
        """Design, checks and estimation for one chunk of events (all at once)."""
        pe, pv = est_w.positions[idx], evt_w.positions[idx]
        design = self.model.design(al.data, pe, pv, ret_col[idx], mkt_col[idx])
        n_est = design.mask_est.sum(axis=1).astype(np.int64)
        y_ok = np.where(design.mask_est, design.y_est, np.nan)
        with np.errstate(invalid="ignore"):
            spread = np.nanmax(y_ok, axis=1, initial=-np.inf) - np.nanmin(
                y_ok, axis=1, initial=np.inf
            )
        k = self.model.k
        alive = np.array([reasons[i] == "" for i in idx], dtype=bool)
        too_few = alive & (n_est < max(self.min_estimation_obs, k + 1))
        flat = alive & ~too_few & ~(spread > 0)
        for j in np.flatnonzero(too_few):  # messages only
            reasons[idx[j]] = (
                f"fewer than min_estimation_obs={self.min_estimation_obs} estimation "
                f"observations (n_est={n_est[j]})"
            )
        for j in np.flatnonzero(flat):
            reasons[idx[j]] = "zero-variance estimation returns"
        alive &= ~too_few & ~flat
        if alive.all() or type(self.model).estimate is not NormalReturnModel.estimate:
            sub = design if alive.all() else _subset_design(design, alive)
            fit = self.model.estimate(sub, chunk_size=self.chunk_size)
            full = _expand_fit(fit, alive, design)
        else:  # plain OLS: mask the dropped events out rather than copying the whole design
            masked = dataclasses.replace(design, mask_est=design.mask_est & alive[:, None])
            fit = self.model.estimate(masked, chunk_size=self.chunk_size)
            full = _expand_fit(fit, np.ones(len(alive), dtype=bool), design)
            full["dof"][~alive] = 0
        singular = alive & (full["singular"] | ~np.isfinite(full["sigma2"]))
        for j in np.flatnonzero(singular):
            reasons[idx[j]] = "singular regressors (constant or collinear market/factor returns)"
        # an exact fit (residual variance ~0 relative to the returns': the firm is its own
        # market) has no standardised AR; it used to reach the tests and abort every one
        n_y = np.maximum(np.isfinite(y_ok).sum(axis=1), 1)  # nanvar, without its warnings
        centred = y_ok - (np.nansum(y_ok, axis=1) / n_y)[:, None]
        var_y = np.nansum(centred**2, axis=1) / n_y
        exact = alive & ~singular & ~(full["sigma2"] > _EXACT_FIT * var_y)
        for j in np.flatnonzero(exact):
            reasons[idx[j]] = (
                "zero-variance estimation residuals (the model fits the returns exactly: is "
                "the firm its own market or benchmark?)"
            )
        ar = abnormal.abnormal_returns(design.y_evt, design.X_evt, full["params"])
        ret_evt = al.data.ret(pv, ret_col[idx])
        if full["var_evt"] is not None:
            var_ar = full["var_evt"]
        else:
            var_ar = abnormal.var_abnormal(full["sigma2"], design.X_evt, full["xtx_inv"])
        var_ar = np.where(np.isfinite(ar), var_ar, np.nan)
        n_event = np.sum(np.isfinite(ar), axis=1).astype(np.int64)
        out: dict[str, Any] = {
            "n_est": n_est,
            "n_event": n_event,
            "resid_est": full["resid_est"],
            "ret_evt": ret_evt,
            "normal_evt": ret_evt - ar,
            "ar": ar,
            "var_ar": var_ar,
            "sigma2": full["sigma2"],
            "dof": full["dof"],
            "nobs": n_est,
            "r2": full["r2"],
            "params": full["params"],
            "xtx_inv": full["xtx_inv"]
            if full["xtx_inv"] is not None
            else np.zeros((len(idx), 0, 0)),
            "x_evt": design.X_evt,
            "market_est": design.market_est
            if design.market_est is not None
            else np.zeros((len(idx), 0)),
            "market_evt": design.market_evt
            if design.market_evt is not None
            else np.zeros((len(idx), 0)),
            "bench_evt": al.data.ret(pv, bh_col[idx]),
            "notes": fit.notes,
        }
        return out

    @staticmethod
    def _status(
        ev: pd.DataFrame, reasons: list[str], n_est: IntArray, n_event: IntArray
    ) -> pd.DataFrame:
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

    def _panel(
        self,
        ev: pd.DataFrame,
        al: _Aligned,
        m: dict[str, Any],
        used: npt.NDArray[np.bool_],
        est_w: Any,
        evt_w: Any,
        chunks: list[dict[str, Any]],
    ) -> EventPanel:
        grid_pad = np.append(al.grid.to_numpy(), np.datetime64("NaT", "ns"))
        everything = bool(used.all())

        def sel(a: Any) -> Any:
            """Rows of the used events (no copy when every event is used: bounds memory)."""
            return a if everything else a[used]

        pv = evt_w.positions[:, :1] if everything else evt_w.positions[used, :1]

        def dates(w: Any) -> SessionPositions:
            """Window dates as grid positions (row i: ``positions[i, 0] + offsets``), derived
            on access instead of an ``(n, L)`` datetime array."""
            pos = w.positions
            first = pos[:, 0] if everything else pos[used, 0]
            return SessionPositions(grid_pad[:-1], first, pos[0] - pos[0, 0])

        mv, mv_date = self._market_values(ev[used], al.grid, pv[:, 0] - 1)
        meta = {
            "calendar": self.calendar,
            "estimation_window": self.estimation_window,
            "event_window": self.event_window,
            "windows_by_date": {"estimation": est_w.by_date, "event": evt_w.by_date},
            "min_estimation_obs": self.min_estimation_obs,
            "chunk_size": self.chunk_size,
            "model": repr(self.model),
            "first_session": al.grid[0],
            "last_session": al.grid[-1],
        }
        return build_panel(
            event_id=ev["event_id"].to_numpy(dtype=object)[used],
            ticker=ev["ticker"].to_numpy(dtype=object)[used],
            day0=pd.DatetimeIndex(ev["day0"]).as_unit("ns").to_numpy()[used],
            est_rel=est_w.rel,
            evt_rel=evt_w.rel,
            est_positions=dates(est_w),
            evt_positions=dates(evt_w),
            resid_est=sel(m["resid_est"]),
            ret_evt=sel(m["ret_evt"]),
            normal_evt=sel(m["normal_evt"]),
            ar=sel(m["ar"]),
            sigma2=sel(m["sigma2"]),
            nobs=sel(m["nobs"]),
            dof=sel(m["dof"]),
            k=self.model.k,
            return_kind=self.return_kind,
            model=self.model.name,
            group=ev["group"].to_numpy()[used],
            xtx_inv=sel(m["xtx_inv"]),
            x_evt=sel(m["x_evt"]),
            params=sel(m["params"]),
            param_names=self.model.param_names,
            market_est=sel(m["market_est"]),
            market_evt=sel(m["market_evt"]),
            bench_evt=sel(m["bench_evt"]),
            market_value=mv,
            var_ar=sel(m["var_ar"]),
            r2=sel(m["r2"]),
            meta=meta,
            n_events=len(ev),
            market_value_date=mv_date,
            model_notes=_merge_notes([c["notes"] for c in chunks], used, ev["event_id"]),
        )

    def _market_values(
        self, ev: pd.DataFrame, grid: pd.DatetimeIndex, pos_before: IntArray
    ) -> tuple[FloatArray | None, npt.NDArray[np.datetime64]]:
        """Market value at the close of the session before each event window (as-of lookup)."""
        T = len(grid)
        ok = (pos_before >= 0) & (pos_before < T)
        asof = np.where(
            ok, grid.to_numpy()[np.clip(pos_before, 0, T - 1)], np.datetime64("NaT", "ns")
        )
        if self.market_values is None:
            return None, asof
        values = market_value_asof(self.market_values, ev["ticker"].to_numpy(dtype=object), asof)
        return values, asof


#: columns of the events frame the study itself reads; every other column is carried along
_EVENT_FIELDS = frozenset(
    {"ticker", "date", "timestamp", "event_id", "timing", "benchmark", "group"}
)


def _event_columns(events: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """The extra columns of the events frame (e.g. ``surprise``, ``size``), indexed by
    ``event_id`` (``status`` lists the events in input order), for the result tables."""
    extra = [c for c in events.columns if c not in _EVENT_FIELDS]
    frame = events[extra].reset_index(drop=True)
    if len(frame) != len(status):  # not the frame the status describes: carry nothing
        return pd.DataFrame(index=pd.Index(status["event_id"].astype(str), name="event_id"))
    return frame.set_axis(pd.Index(status["event_id"].astype(str), name="event_id"))


def _market_key(model: NormalReturnModel) -> str | None:
    """The model's market as a returns column: tickers are matched by one rule everywhere
    (:func:`eventstudy.data.guards.normalise_ticker`), so ``MarketModel("spy")`` finds SPY."""
    name = model.market_name
    return None if name is None else normalise_ticker(name)


def params_frame(panel: EventPanel) -> pd.DataFrame:
    """``results.params``: one row per used event - ids, the model's coefficients (named by
    ``panel.param_names``), ``sigma2``, ``dof``, ``r2`` and ``nobs``."""
    cols: dict[str, Any] = {
        "event_id": panel.event_id.astype(str),
        "ticker": panel.ticker.astype(str),
    }
    if panel.params is not None:
        for j, name in enumerate(panel.param_names):
            cols[name] = panel.params[:, j]
    cols.update(sigma2=panel.sigma2, dof=panel.dof, r2=panel.r2, nobs=panel.nobs)
    return pd.DataFrame(cols)


def _column_positions(columns: dict[str, int], names: pd.Series) -> npt.NDArray[np.int64]:
    """Column of each name in the returns matrix (-1 when absent or None), vectorised."""
    keys = pd.Index(list(columns), dtype=object)
    where = keys.get_indexer(pd.Index(names.to_numpy(dtype=object), dtype=object))
    pos = np.fromiter(columns.values(), dtype=np.int64, count=len(columns))
    return np.where(where >= 0, pos[np.maximum(where, 0)] if len(pos) else -1, -1).astype(np.int64)


def _overlapping_events(
    ev: pd.DataFrame, evt_pos: IntArray, pos0: IntArray, n_sessions: int
) -> npt.NDArray[np.object_]:
    """Per event, the ids of other events of the same ticker whose event windows overlap.

    Such events are kept (each has its own estimation and abnormal returns) and flagged
    here, in ``status["overlaps"]`` (``""`` when none, ids in input order), because their
    abnormal returns share days and are not independent. Every event window has the same
    width on the session grid, so two windows of one ticker overlap when their first days
    are at most that width apart: found by sorting (``O(n log n)``), not an ``n x n`` matrix.
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


#: model notes holding a per-event mask that results report as the list of event ids flagged
_ID_LIST_NOTES = ("garch_fallback",)


def _merge_notes(
    chunk_notes: list[dict[str, Any]], used: npt.NDArray[np.bool_], event_ids: pd.Series
) -> dict[str, Any]:
    """The model's notes for ``results.meta["model_notes"]``.

    Per-event arrays are concatenated over the chunks and kept for the used events; records
    for the whole fit (e.g. GARCH parameter names and units) are kept as they are; the masks
    named in :data:`_ID_LIST_NOTES` become the list of the ids of the used events they flag
    (e.g. ``"garch_fallback"``: the events fitted by OLS because GARCH did not converge).
    """
    notes: dict[str, Any] = {}
    for key, first in chunk_notes[0].items():
        if not isinstance(first, np.ndarray):
            notes[key] = first
            continue
        values = np.concatenate([c[key] for c in chunk_notes])[used]
        if key in _ID_LIST_NOTES:
            ids = event_ids.to_numpy(dtype=object)[used]
            notes[key] = [str(i) for i in ids[values.astype(bool)]]
        else:
            notes[key] = values
    return notes


def _subset_design(design: Any, alive: npt.NDArray[np.bool_]) -> Any:
    """The design restricted to the events still alive (dropped ones are not estimated)."""
    from .models import Design

    return Design(
        y_est=design.y_est[alive],
        X_est=design.X_est[alive],
        y_evt=design.y_evt[alive],
        X_evt=design.X_evt[alive],
        mask_est=design.mask_est[alive],
        param_names=design.param_names,
        has_const=design.has_const,
        market_est=None if design.market_est is None else design.market_est[alive],
        market_evt=None if design.market_evt is None else design.market_evt[alive],
        aux_est={k: v[alive] for k, v in design.aux_est.items()},
    )


def _expand_fit(fit: Any, alive: npt.NDArray[np.bool_], design: Any) -> dict[str, Any]:
    """Fit results on the chunk's full event set (NaN for events not estimated)."""
    n, L1 = design.y_est.shape
    L2 = design.y_evt.shape[1]
    k = design.X_evt.shape[2]

    def put(
        values: Any, shape: tuple[int, ...], fill: Any = np.nan, dtype: Any = np.float64
    ) -> Any:
        if alive.all() and np.shape(values) == shape:
            return np.asarray(values, dtype=dtype)
        arr = np.full(shape, fill, dtype=dtype)
        arr[alive] = values
        return arr

    notes: dict[str, Any] = {}
    for key, val in fit.notes.items():
        if isinstance(val, np.ndarray) and val.shape[:1] == (int(alive.sum()),):
            notes[key] = put(
                val, (n, *val.shape[1:]), np.nan if val.dtype.kind == "f" else 0, val.dtype
            )
        elif not isinstance(val, np.ndarray):  # a record for the whole fit (names, units)
            notes[key] = val
    fit.notes = notes
    return {
        "params": put(fit.params, (n, k)),
        "sigma2": put(fit.sigma2, (n,)),
        "dof": put(fit.dof, (n,), 0, np.int64),
        "r2": put(fit.r2, (n,)),
        "xtx_inv": None if fit.xtx_inv is None else put(fit.xtx_inv, (n, k, k)),
        "resid_est": put(fit.resid_est, (n, L1)),
        "singular": put(fit.singular, (n,), False, bool),
        "var_evt": None if fit.var_evt is None else put(fit.var_evt, (n, L2)),
    }


_SHARE_COUNT_NAMES = frozenset({"shares", "shares_outstanding", "sharesoutstanding", "shares_out"})


def _looks_like_share_counts(values: pd.Series | pd.DataFrame | None) -> bool:
    """Whether ``market_values=`` is labelled as share counts (a Series named ``shares`` or a
    frame with a ``shares`` column and no ``market_value`` column)."""
    if isinstance(values, pd.Series):
        return str(values.name).lower() in _SHARE_COUNT_NAMES
    if isinstance(values, pd.DataFrame):
        columns = {str(c).lower() for c in values.columns}
        return "market_value" not in columns and bool(columns & _SHARE_COUNT_NAMES)
    return False
