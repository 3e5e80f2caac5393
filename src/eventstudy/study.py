"""EventStudy: events + returns + model + windows -> EventStudyResults.

The user-facing facade: it validates the specification and composes the engine's jobs -
aligning the returns (and factors) on a session grid (:mod:`eventstudy.engine.align`),
screening every event (:mod:`eventstudy.engine.screening`: one status row each, nothing
dropped silently; the reasons are listed there) and fitting a block of events
(:mod:`eventstudy.engine.block`) - or hands the study to the chunked and Dask executors
(:mod:`eventstudy.engine.executors`), then wraps the panel in
:class:`~eventstudy.results.EventStudyResults`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._boundary import library_errors
from .data.guards import check_allow, normalise_ticker
from .engine import executors
from .engine.align import AlignedReturns, align_returns, market_key
from .engine.block import DEFAULT_MIN_ESTIMATION_OBS, BlockSettings, fit_events
from .engine.panel import EventPanel
from .events import validate_windows
from .exceptions import SpecError
from .models import MarketModel, NormalReturnModel
from .results import EventStudyResults, market_value_asof

__all__ = ["DEFAULT_MIN_ESTIMATION_OBS", "EventStudy"]

FloatArray = npt.NDArray[np.float64]


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

    def _align(self) -> AlignedReturns:
        return align_returns(
            self._returns_frame(),
            model=self.model,
            calendar=self.calendar,
            factors=self.factors,
            return_kind=self.return_kind,
            allow=self.allow,
        )

    def _settings(self) -> BlockSettings:
        """The model, windows and options of a block fit (:func:`~eventstudy.engine.block.fit_events`)."""
        market_values = self.market_values

        def market_value_of(tickers: Any, asof: Any) -> FloatArray:
            return market_value_asof(market_values, tickers, asof)

        return BlockSettings(
            model=self.model,
            estimation_window=self.estimation_window,
            event_window=self.event_window,
            calendar=self.calendar,
            return_kind=self.return_kind,
            benchmark=self.benchmark,
            min_estimation_obs=self.min_estimation_obs,
            chunk_size=self.chunk_size,
            market_value_of=None if market_values is None else market_value_of,
        )

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
        >>> import numpy as np
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> res = study.fit()
        >>> res.panel.n_events, res.panel.ar.shape[1]  # 8 events, 21 event-window days
        (8, 21)
        >>> chunked = study.fit(engine="chunked", chunk_events=3)  # blocks of about 3 events
        >>> np.allclose(chunked.panel.ar, res.panel.ar, equal_nan=True)  # the same numbers
        True
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
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
        >>> study = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None)
        >>> est = study.estimate_memory(["bmp", "grank"])  # a MemoryEstimate, nothing is fitted
        >>> est.engine, sorted(est.tests)
        ('numpy', ['bmp', 'grank'])
        >>> 0 < est.total < 10**8  # bytes: 8 events need well under 100 MB
        True
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
        panel, status = fit_events(events, self._align(), self._settings(), strict=strict)
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
        name = market_key(self.model)
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
            from .inference.partitioned import PartitionedEstimation, hold_on_workers

            executor, dest = partitions
            hold_on_workers(panel, PartitionedEstimation(executor, dest, panel.n_events))
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
