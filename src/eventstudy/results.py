"""EventStudyResults: the fitted study as tidy DataFrames (data accessors).

Every accessor returns a plain DataFrame built from the :class:`~eventstudy.engine.panel.EventPanel`
with whole-array operations. Presentation (summary, HTML, exports) and ``tests()`` are
added by other modules.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .data.guards import normalise_ticker
from .engine import abnormal
from .engine.panel import EventPanel
from .exceptions import EventStudyWarning, SpecError, user_stacklevel

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .inference import Conventions
    from .report.summary import EventStudySummary

__all__ = ["EventStudyResults"]

BoolArray = npt.NDArray[np.bool_]


@dataclass
class EventStudyResults:
    """Results of :meth:`EventStudy.fit <eventstudy.study.EventStudy.fit>`.

    Attributes
    ----------
    panel : EventPanel
        The numpy arrays of the used events (the contract with inference).
    status : DataFrame
        One row per input event: ``event_id, ticker, announced, day0, rolled, roll_reason,
        status, reason, n_est, n_event, overlaps`` (``overlaps``: ids of other events of the
        same ticker whose event windows overlap this one's, ``""`` when none).
    params : DataFrame
        Per-event coefficients (one column per parameter), ``sigma2, dof, r2, nobs``.
    model
        The normal-return model used.
    windows : dict
        ``{"estimation": ..., "event": ...}`` as given (relative days or dates).
    return_kind : "simple" or "log"
    meta : dict
        Inputs and options recorded for provenance.

    Examples
    --------
    >>> res = es.EventStudy(events, returns, model=es.MarketModel("SPY")).fit()  # doctest: +SKIP
    >>> res.caar((0, 1))                     # CAAR over days 0 and 1  # doctest: +SKIP
    >>> res.tests(windows=[(0, 0), (-1, 1)])  # every test, tidy rows  # doctest: +SKIP
    >>> res.plot_caar()                      # a matplotlib Figure  # doctest: +SKIP
    """

    panel: EventPanel
    status: pd.DataFrame
    params: pd.DataFrame
    model: Any
    windows: dict[str, Any]
    return_kind: Literal["simple", "log"]
    meta: dict[str, Any] = field(default_factory=dict)
    market_values: pd.Series | pd.DataFrame | None = field(default=None, repr=False)
    #: the inference choices made at fit or spec time (statsmodels' ``cov_type`` rule): the
    #: default of ``tests()``, the summary, the report and the Jupyter view; change them
    #: with :meth:`with_conventions`, which returns a new result
    conventions: Conventions | None = field(default=None, repr=False)
    #: ``"auto"``: the clustering-robust choice of
    #: :func:`eventstudy.inference.guidance.choose_headline`
    primary_test: str = "auto"
    #: the tests a spec's ``[tests] names`` chose (``None``: every registered test): what
    #: ``tests()``, ``summary()``, the reports and ``export`` run when not told otherwise
    default_tests: tuple[str, ...] | None = None
    #: the CAR windows a spec's ``[windows] car`` chose (``None``: the standard ones inside
    #: the event window): the default of ``summary()``, the reports, ``export`` and the
    #: Jupyter view, so ``run_spec`` and ``eventstudy run`` table the same windows
    car_windows: tuple[tuple[int, int], ...] | None = None
    #: second-stage results shown with the study (issue 16): ``{name: statsmodels fit |
    #: DataFrame | CalendarTimeResult | EventStudyResults}``; set by a spec's
    #: ``[cross_section]``, ``[outcome]`` and ``[long_horizon]`` or :meth:`with_second_stage`
    second_stage: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ helpers
    def _cols(self, window: tuple[int, int] | None) -> BoolArray:
        from .engine.panel import window_columns

        return window_columns(self.panel.evt_rel, window)

    def _ids(self, extra: bool = False, rows: slice = slice(None)) -> dict[str, Any]:
        """Identifiers of the used events (of ``rows`` of them); with ``extra`` also every
        extra column of the input events frame (``meta["event_columns"]``, looked up by
        ``event_id``)."""
        p = self.panel
        group = p.group if p.group is not None else np.full(p.n_events, None, dtype=object)
        out = {
            "event_id": p.event_id[rows].astype(str),
            "ticker": p.ticker[rows].astype(str),
            "group": np.asarray(group, dtype=object)[rows],
        }
        columns = self.meta.get("event_columns") if extra else None
        if isinstance(columns, pd.DataFrame) and len(columns.columns):
            found = columns.reindex(out["event_id"])
            out.update({str(c): found[c].to_numpy() for c in columns.columns if c not in out})
        return out

    # ------------------------------------------------------------------ accessors
    @cached_property
    def ar(self) -> pd.DataFrame:
        """Abnormal returns, one row per event and event-window day.

        Columns ``event_id, ticker, group, rel_day, date, ret, normal, ar, var_ar, sar`` with
        ``sar = ar / sqrt(var_ar)`` (the standardised AR).

        Examples
        --------
        >>> res.ar.head()  # event_id, ticker, rel_day, date, ret, normal, ar, var_ar, sar  # doctest: +SKIP
        """
        return self._ar_frame(slice(None))

    def ar_blocks(self, events: int = 50_000) -> Iterator[pd.DataFrame]:
        """:attr:`ar` in consecutive blocks of ``events`` events (same columns, same rows in
        the same order: ``pd.concat`` of the blocks is ``ar``).

        For writing or reducing the abnormal returns of very large studies without the whole
        frame: at a million events with a 21-day window ``ar`` has 21 million rows (several GB
        with its text columns); a block of 50,000 events is about 1 million rows.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from eventstudy import EventStudy, MarketModel
        >>> rng = np.random.default_rng(0)
        >>> dates = pd.bdate_range("2024-01-01", periods=300)
        >>> m = rng.normal(0, 0.01, 300)
        >>> ret = pd.DataFrame({"SPY": m, "A": m + rng.normal(0, 0.02, 300),
        ...                     "B": m + rng.normal(0, 0.02, 300)}, index=dates)
        >>> events = pd.DataFrame({"ticker": ["A", "B"], "date": [dates[280], dates[281]]})
        >>> res = EventStudy(events, ret, model=MarketModel("SPY"), event_window=(-1, 1),
        ...                  estimation_window=(-200, -11), calendar=None).fit()
        >>> [len(block) for block in res.ar_blocks(events=1)]
        [3, 3]
        >>> pd.concat(res.ar_blocks(events=1), ignore_index=True).equals(res.ar)
        True
        """
        if events < 1:
            raise SpecError(f"ar_blocks(events={events}): give a positive number of events")
        # blocks of events, not single ones; a panel without events gives one empty block
        for lo in range(0, max(self.panel.n_events, 1), events):
            yield self._ar_frame(slice(lo, lo + events))

    def _ar_frame(self, rows: slice) -> pd.DataFrame:
        """The tidy AR frame of the events ``rows`` (:attr:`ar`, :meth:`ar_blocks`)."""
        whole = rows == slice(None)
        # a block is a panel of its own rows (dates and normal returns derived for them only)
        p = self.panel if whole else self.panel.take(rows)
        n, L = p.ar.shape
        var = p.var_ar if p.var_ar is not None else np.full((n, L), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            sar = p.ar / np.sqrt(var)
        ids = self._ids(rows=rows)
        return pd.DataFrame(
            {
                "event_id": np.repeat(ids["event_id"], L),
                "ticker": np.repeat(ids["ticker"], L),
                "group": np.repeat(np.asarray(ids["group"], dtype=object), L),
                "rel_day": np.tile(p.evt_rel, n),
                "date": pd.DatetimeIndex(p.evt_dates.ravel()).as_unit("ns"),
                "ret": p.ret_evt.ravel(),
                "normal": p.normal_evt.ravel(),
                "ar": p.ar.ravel(),
                "var_ar": var.ravel(),
                "sar": sar.ravel(),
            }
        )

    @cached_property
    def residuals(self) -> pd.DataFrame:
        """Estimation-window residuals, one row per event and estimation day.

        Columns ``event_id, ticker, group, rel_day, date, resid``; days not used by the
        complete-case estimation are ``NaN``. For diagnostics (residual distribution,
        the pseudo-event test's reference distribution).

        Examples
        --------
        >>> res.residuals.groupby("ticker")["resid"].std()  # doctest: +SKIP
        """
        p = self.panel
        n, L = p.resid_est.shape
        ids = self._ids()
        return pd.DataFrame(
            {
                "event_id": np.repeat(ids["event_id"], L),
                "ticker": np.repeat(ids["ticker"], L),
                "group": np.repeat(np.asarray(ids["group"], dtype=object), L),
                "rel_day": np.tile(p.est_rel, n),
                "date": pd.DatetimeIndex(p.est_dates.ravel()).as_unit("ns"),
                "resid": p.resid_est.ravel(),
            }
        )

    def car(
        self, window: tuple[int, int] | None = None, level: float | None = None
    ) -> pd.DataFrame:
        """Cumulative abnormal return per event over ``window`` (default: the event window).

        ``car`` sums the non-missing ARs (``n_days`` of them); ``var_car`` is the full
        Campbell-Lo-MacKinlay covariance form (see :func:`eventstudy.engine.abnormal.var_car`).
        With ``level`` (e.g. 0.95) the columns ``lower, upper`` give the two-sided interval
        ``car -/+ t_{L_i - k} se_car`` (Student t with the event's residual df, as
        ``single_firm_t``).

        Examples
        --------
        >>> res.car((-1, 1))  # one row per event: car, se_car, t, ...  # doctest: +SKIP
        """
        p = self.panel
        cols = self._cols(window)
        total, n_days = abnormal.car(p.ar, cols)
        x = p.x_evt if p.x_evt is not None else np.zeros((*p.ar.shape, 0))
        var = abnormal.var_car(p.sigma2, x, p.xtx_inv, p.ar, cols, var_ar=p.conditional_var_ar)
        out = pd.DataFrame(self._ids(extra=True))
        out["car"] = total
        out["var_car"] = var
        out["se_car"] = np.sqrt(var)
        out["n_days"] = n_days
        if level is not None:
            from scipy import stats

            from .report.plotting import critical_value

            critical_value(level)  # checks the level
            q = stats.t.ppf(0.5 + level / 2.0, np.asarray(p.dof, dtype=float))
            out["lower"] = total - q * out["se_car"].to_numpy()
            out["upper"] = total + q * out["se_car"].to_numpy()
        return out

    @cached_property
    def aar(self) -> pd.DataFrame:
        """Average abnormal return by relative day: ``rel_day, aar, n`` (events with an AR).

        Examples
        --------
        >>> res.aar.plot(x="rel_day", y="aar")  # doctest: +SKIP
        """
        mean, n = abnormal.aar(self.panel.ar)
        return pd.DataFrame({"rel_day": self.panel.evt_rel, "aar": mean, "n": n})

    def caar(
        self,
        window: tuple[int, int] | None = None,
        level: float | None = None,
        band: str = "auto",
        how: abnormal.CaarMethod | None = None,
    ) -> pd.DataFrame:
        """Cumulative AAR from the start of ``window``: ``rel_day, aar, caar, n``.

        ``how`` picks the CAAR of :func:`eventstudy.engine.abnormal.caar_path` - the one formula
        ``plot_caar`` and the tables use too: ``"mean_car"`` (the mean of the events' CARs to
        date) or ``"aar_sum"`` (the running sum of the AARs); default: the one the primary
        test estimates (:attr:`caar_method`). They differ only when returns are missing.
        With ``level`` (e.g. 0.95) the columns ``se, lower, upper, band`` give the band
        ``plot_caar`` draws (:func:`eventstudy.inference.guidance.caar_interval`: the
        cross-sectional band, widened by Kolari-Pynnönen's factor when the events cluster
        strongly; ``band`` names which).

        Examples
        --------
        >>> res.caar((0, 5))[["rel_day", "caar"]]  # doctest: +SKIP
        """
        cols = self._cols(window)
        mean, path, n = abnormal.caar_path(self.panel.ar[:, cols], how or self.caar_method)
        out = pd.DataFrame({"rel_day": self.panel.evt_rel[cols], "aar": mean, "caar": path, "n": n})
        if level is not None:
            from .inference.guidance import caar_interval

            se, z, name = caar_interval(self.panel, cols, level, band)
            out["se"] = se
            out["lower"] = out["caar"].to_numpy() - z * se
            out["upper"] = out["caar"].to_numpy() + z * se
            out["band"] = name
        return out

    def bhar(
        self,
        window: tuple[int, int] | None = None,
        against: Literal["model", "benchmark"] = "model",
    ) -> pd.DataFrame:
        """Buy-and-hold abnormal returns (Barber & Lyon 1997) per event.

        ``against="model"`` compounds the model's normal returns, ``"benchmark"`` the
        benchmark's returns (the events' ``benchmark``, else the model's market, else
        ``EventStudy(benchmark=...)``). Columns ``event_id, ticker, group, bhar, bh_return,
        bh_normal, n_days``. See :func:`eventstudy.engine.abnormal.bhar` for log returns.

        Examples
        --------
        >>> res.bhar((0, 20))  # doctest: +SKIP
        >>> res.bhar((0, 20), against="benchmark")  # needs a benchmark  # doctest: +SKIP
        """
        p = self.panel
        cols = self._cols(window)
        if against == "model":
            other = p.normal_evt
        elif against == "benchmark":
            if p.bench_evt is None:
                raise SpecError(
                    "no benchmark returns: add a 'benchmark' column to the events, use a model "
                    "with a market, or pass EventStudy(benchmark='SPY')"
                )
            other = p.bench_evt
        else:
            raise SpecError(f"against={against!r}; use 'model' or 'benchmark'")
        value, bh_r, bh_o, n_days = abnormal.bhar(p.ret_evt, other, cols, self.return_kind)
        out = pd.DataFrame(self._ids(extra=True))
        out["bhar"] = value
        out["bh_return"] = bh_r
        out["bh_normal"] = bh_o
        out["n_days"] = n_days
        return out

    def dollar(self, window: tuple[int, int] | None = None) -> pd.DataFrame:
        """Dollar abnormal value: CAR over ``window`` times the market value before the window.

        Columns ``event_id, ticker, group, mv_date, mv_used_date, market_value, car,
        dollar_abnormal, bh_return, dollar_return`` where ``mv_date`` is the close before the
        window, ``mv_used_date`` the close the market value was actually measured at (NaT for
        a constant per ticker; an earlier close warns :class:`~eventstudy.engine.dollar_values.
        StaleMarketValueWarning`) and ``dollar_return`` the total change in value
        (buy-and-hold return times market value) - the abnormal share is
        ``dollar_abnormal``. With log returns ``car`` is a sum of log ARs (documented).
        ``EventStudy(shares=...)`` measures every value at the study's own close before the
        window.

        Examples
        --------
        >>> res.dollar((0, 0))  # needs market_values= in EventStudy  # doctest: +SKIP
        """
        from .engine.dollar_values import market_value_dates, warn_stale

        p = self.panel
        if p.market_value is None:
            raise SpecError(
                "no market values: pass EventStudy(shares=...) (with prices=) or "
                "EventStudy(market_values=...) - a Series by ticker or a tidy frame ticker, "
                "date, market_value"
            )
        c = self.car(window)
        b = self.bhar(window, against="model")
        first = int(np.argmax(self._cols(window)))
        if first == 0:
            mv_date = np.asarray(self.meta["market_value_date"], dtype="datetime64[ns]")
            mv = p.market_value
        else:  # the close before the sub-window: event-grid column first - 1
            mv_date = p.evt_dates[:, first - 1]
            mv = market_value_asof(self.market_values, p.ticker, mv_date)
        _warn_missing_market_values(p.ticker, mv_date, mv)
        used = market_value_dates(self.market_values, p.ticker, mv_date)
        warn_stale(p.ticker, mv_date, used)
        out = pd.DataFrame(self._ids(extra=True))
        out["mv_date"] = pd.DatetimeIndex(mv_date).as_unit("ns")
        out["mv_used_date"] = pd.DatetimeIndex(used).as_unit("ns")
        out["market_value"] = mv
        out["car"] = c["car"].to_numpy()
        out["dollar_abnormal"] = c["car"].to_numpy() * mv
        out["bh_return"] = b["bh_return"].to_numpy()
        out["dollar_return"] = b["bh_return"].to_numpy() * mv
        return out

    # ------------------------------------------------------------------ inference
    def tests(
        self,
        tests: str | Sequence[str] | None = None,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        daily: bool | None = None,
        conventions: Conventions | None = None,
        alternative: str = "two-sided",
        by: str | None = None,
        conventions_column: bool = False,
        strict: bool = False,
    ) -> pd.DataFrame:
        """Run significance tests on the panel; see :func:`eventstudy.inference.run_tests`.

        ``tests``: ``"all"`` or names; by default the tests a spec chose
        (:attr:`default_tests`), else every registered test.

        Returns tidy rows: ``test, window, rel_day, estimate, statistic, p_value, distribution,
        df, n, stars, clustered``. With ``windows=[...]`` only the window rows are returned
        unless ``daily=True`` asks for each day's test too (without windows the daily rows are
        the result). The conventions used are in ``.attrs["conventions"]`` (one line of text);
        ``conventions_column=True`` adds them as a column (as in the CSV exports). ``clustered`` is True on a test that assumes
        independent abnormal returns while event windows overlap in calendar time (prefer
        ``brown_warner_1985``, ``kolari_pynnonen`` or the portfolio test then). With
        ``by="group"`` the tests run on each group's events separately and a ``group`` column
        leads the table. A test named in ``tests`` that cannot run on the events (too few for
        its cross-section, a field the model lacks) gives rows with NaN numbers and a
        ``reason`` column; ``strict=True`` raises instead.

        Examples
        --------
        >>> res.tests(windows=[(0, 0), (-1, 1)])  # doctest: +SKIP
        >>> res.tests(["patell", "bmp"], alternative="less")  # doctest: +SKIP
        >>> res.tests(conventions=es.Conventions.profile("estudy2"))  # doctest: +SKIP
        """
        from .inference import run_tests
        from .inference._registry import registry_version

        tests = self._tests_or(tests)
        used = self._conventions_or(conventions)
        with_days = windows is None if daily is None else daily
        # memoised on the arguments (run_tests also keeps each test's rows with the panel)
        key = (
            registry_version(),  # "all" after a test was registered or removed: run again
            tests if isinstance(tests, str) else tuple(tests),
            None if windows is None else tuple(tuple(w) for w in windows),
            with_days,
            used,
            alternative,
            by,
            conventions_column,
            strict,
        )
        memo: dict[Any, pd.DataFrame] = self.__dict__.setdefault("_tests_memo", {})
        if key in memo:
            return memo[key].copy()

        def run(panel: EventPanel) -> pd.DataFrame:
            return run_tests(
                panel,
                tests=tests,
                windows=windows,
                daily=with_days,
                conventions=used,
                alternative=alternative,  # type: ignore[arg-type]
                strict=strict,
            )

        table = self._by_group(run, by)
        table.attrs["conventions"] = used.describe()
        if not conventions_column and "conventions" in table:
            # ~250 characters in every row push the useful columns off screen
            table = table.drop(columns="conventions")
        memo[key] = table
        return table.copy()

    def with_conventions(
        self,
        conventions: Conventions | None = None,
        *,
        primary_test: str | None = None,
        tests: Sequence[str] | None = None,
        windows: Sequence[tuple[int, int]] | None = None,
    ) -> EventStudyResults:
        """A new result with other default conventions and/or primary test (the numbers of
        the fit are shared; what is derived from them is computed afresh).

        Parameters
        ----------
        conventions
            The :class:`~eventstudy.inference.Conventions` that ``tests()``, ``summary()``, the
            report and the Jupyter view use by default (``None``: keep the current ones).
        primary_test
            The test whose estimate, standard error and p-value the CAAR tables show (a name of
            ``eventstudy.inference.registered_tests()``; ``None``: keep the current one).
        tests
            The tests ``tests()``, ``summary()``, the reports and ``export`` run by default
            (names of the registry, as a spec's ``[tests] names``; ``None``: keep the current
            choice, every registered test unless one was made).
        windows
            The CAR windows ``summary()``, the reports, ``export`` and the Jupyter view table
            by default (a spec's ``[windows] car``; ``None``: keep the current choice).

        Examples
        --------
        >>> robust = res.with_conventions(primary_test="brown_warner_1985")  # doctest: +SKIP
        >>> r2 = res.with_conventions(es.Conventions.profile("estudy2"))  # doctest: +SKIP
        """
        from .inference import registered_tests

        # the live registry, as the spec's [tests] primary: a test registered at run time counts
        names = registered_tests()
        test = self.primary_test if primary_test is None else primary_test
        if test != "auto" and test not in names:
            raise SpecError(
                f"primary_test={test!r} is not a test; choose 'auto' or one of {list(names)}"
            )
        chosen = self.default_tests
        if tests is not None:
            chosen = (tests,) if isinstance(tests, str) else tuple(str(name) for name in tests)
            unknown = [name for name in chosen if name not in names]
            if unknown:
                raise SpecError(f"tests {unknown} are not tests; choose from {list(names)}")
        if conventions is not None:  # one the panel cannot use fails here, not at summary()
            from .inference import Conventions as _Conventions
            from .inference._core import check_return_kind

            if not isinstance(conventions, _Conventions):
                raise SpecError(
                    "conventions must be an eventstudy.Conventions (e.g. "
                    f"es.Conventions.profile('estudy2')), got {type(conventions).__name__}"
                )
            check_return_kind(self.panel, conventions)
        wins = self.car_windows
        if windows is not None:
            from .engine.panel import check_window

            wins = tuple(check_window(self.panel.evt_rel, w) for w in windows)
        return dataclasses.replace(
            self,
            conventions=self.conventions if conventions is None else conventions,
            primary_test=test,
            default_tests=chosen,
            car_windows=wins,
        )

    def with_second_stage(self, **items: Any) -> EventStudyResults:
        """A new result that shows second-stage results in ``summary()``, the reports and
        ``export`` (the fit's numbers are shared; this result is unchanged).

        Parameters
        ----------
        **items
            ``name=value``; ``value`` is a statsmodels regression (``res.cross_section``), a
            table (``res.bhar_tests``, ``res.variance_tests``, ...), a calendar-time portfolio
            or a study of another outcome (a volume study: files only, not shown). The name
            becomes the section's caption (``cross_section`` -> "Cross-section regression");
            a name already present is replaced.

        Examples
        --------
        >>> fit = res.cross_section("car ~ C(sector) + beta", window=(0, 1))  # doctest: +SKIP
        >>> print(res.with_second_stage(cross_section=fit).summary())  # doctest: +SKIP
        """
        return dataclasses.replace(self, second_stage={**self.second_stage, **items})

    def _conventions_or(self, conventions: Conventions | None) -> Conventions:
        """The conventions a computation uses: those asked for, else the results' own
        (:meth:`with_conventions`, a spec), else the original papers'."""
        from .inference import Conventions as _Conventions

        return conventions or self.conventions or _Conventions()

    @property
    def caar_method(self) -> abnormal.CaarMethod:
        """The CAAR the primary test estimates (``"mean_car"`` or ``"aar_sum"``): what
        ``caar()`` and ``plot_caar()`` draw by default, so table and figure agree.

        See :func:`eventstudy.engine.abnormal.caar_path` for the two definitions.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.MarketModel("MKT"))
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
        >>> res.caar_method  # the headline test of 8 events averages the events' CARs
        'mean_car'
        """
        from .inference._registry import caar_method_of
        from .inference.guidance import choose_headline

        return caar_method_of(choose_headline(self.panel, self.primary_test))

    def _by_group(self, run: Callable[[EventPanel], pd.DataFrame], by: str | None) -> pd.DataFrame:
        """``run(panel)`` on the whole panel, or on each group's events (``by="group"``) with
        a leading ``group`` column.
        """
        if by is None:
            return run(self.panel)
        ids = self._ids(extra=True)
        if by not in ids or by == "event_id":
            extra = [c for c in ids if c not in ("event_id", "ticker", "group")]
            raise SpecError(
                f"by={by!r} is not a column of the events; use 'group', 'ticker' or one of "
                f"the events frame's extra columns {extra}"
            )
        labels = np.asarray(ids[by], dtype=object)
        if by == "group" and self.panel.group is None:
            raise SpecError("by='group' needs group labels: give the events frame a 'group' column")
        frames = []
        for label in pd.unique(labels):  # one pass per label (a handful), not per event
            same = pd.isna(labels) if pd.isna(label) else labels == label
            part = run(self.panel.take(np.asarray(same, dtype=bool)))
            part.insert(0, by, label)
            frames.append(part)
        out = pd.concat(frames, ignore_index=True)
        if "reason" in out:  # a group whose tests all ran has no reason column: "" (computed)
            out["reason"] = out["reason"].fillna("")
        return out

    def portfolio_test(
        self,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        alternative: str = "two-sided",
        by: str | None = None,
        sample: str = "common",
        strict: bool = False,
    ) -> pd.DataFrame:
        """Clustered-date remedy: one equally weighted portfolio per event date, its CAR tested
        against its own estimation-window variance; see
        :func:`eventstudy.inference.portfolio_test` (``by="group"``: per group; ``sample``:
        the firms of each estimation day, ``"common"`` or ``"all"``; a date that cannot be
        tested is a row with a ``reason``, or an error with ``strict=True``).

        Examples
        --------
        >>> res.portfolio_test([(0, 0), (0, 1)])  # doctest: +SKIP
        """
        from .inference import portfolio_test

        return self._by_group(
            lambda panel: portfolio_test(
                panel,
                windows=windows,
                alternative=alternative,  # type: ignore[arg-type]  # checked by the test
                sample=sample,
                strict=strict,
            ),
            by,
        )

    def sur_wald_test(
        self,
        window: tuple[int, int] | None = None,
        *,
        by: str | None = None,
        reference: str = "F",
        strict: bool = False,
    ) -> pd.DataFrame:
        """Clustered-date remedy: event-day dummies estimated as a system (SUR) with Wald tests
        that all firms' effects are zero and that their average is zero, referred to the exact
        F (Hotelling) or, with ``reference="chi2"``, to chi2; see
        :func:`eventstudy.inference.sur_wald_test` (``by="group"``: per group; a date that
        cannot be tested is a row with a ``reason``, or an error with ``strict=True``).

        Examples
        --------
        >>> res.sur_wald_test((0, 1))  # doctest: +SKIP
        """
        from .inference import sur_wald_test

        return self._by_group(lambda panel: sur_wald_test(panel, window, reference, strict), by)

    def single_firm_tests(
        self,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        daily: bool = True,
        conventions: Conventions | None = None,
        alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    ) -> pd.DataFrame:
        """Per-event t tests on AR and CAR with the prediction-error-corrected variance
        (see :func:`eventstudy.inference.single_firm_t`; ``conventions`` default to the
        results' own).

        Examples
        --------
        >>> res.single_firm_tests([(0, 0), (-1, 1)])  # doctest: +SKIP
        """
        from .inference import single_firm_t

        return single_firm_t(
            self.panel,
            windows=windows,
            daily=daily,
            conventions=self._conventions_or(conventions),
            alternative=alternative,
        )

    def pseudo_event_test(
        self,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        alternative: Literal["two-sided", "less", "greater"] = "two-sided",
        conventions: Conventions | None = None,
    ) -> pd.DataFrame:
        """Each firm's event CAR against the distribution of its own estimation-window CARs
        (see :func:`eventstudy.inference.pseudo_event_test`).

        Examples
        --------
        >>> res.pseudo_event_test([(0, 1)])  # doctest: +SKIP
        """
        from .inference import pseudo_event_test

        return pseudo_event_test(
            self.panel,
            windows=windows,
            alternative=alternative,
            conventions=self._conventions_or(conventions),
        )

    def bootstrap_caar(
        self,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        n_boot: int = 9999,
        level: float = 0.95,
        seed: int | np.random.Generator | None = None,
        conventions: Conventions | None = None,
    ) -> pd.DataFrame:
        """Bootstrap confidence intervals for CAAR; see :func:`eventstudy.inference.bootstrap_caar`.

        Examples
        --------
        >>> res.bootstrap_caar([(0, 1)], n_boot=999, seed=0)  # doctest: +SKIP
        """
        from .inference import bootstrap_caar

        return bootstrap_caar(
            self.panel,
            windows=windows,
            n_boot=n_boot,
            level=level,
            seed=seed,
            conventions=self._conventions_or(conventions),
        )

    def clustering(self) -> pd.DataFrame:
        """How many events share their day 0 (the diagnostic behind clustered-date remedies).

        Examples
        --------
        >>> res.clustering()  # events sharing each day 0  # doctest: +SKIP
        """
        from .inference import clustering

        return clustering(self.panel)

    # ------------------------------------------------------------------ second stage
    def cross_section(
        self,
        formula: str,
        *,
        window: tuple[int, int] | None = None,
        data: pd.DataFrame | None = None,
        cov: str = "HC3",
        cluster: str | None = None,
        weights: str | None = None,
        against: str = "model",
    ) -> Any:
        """Regress CARs (``car``/``bhar``/``scar``) on characteristics with statsmodels; see
        :func:`eventstudy.second_stage.cross_section` (HC3 by default).

        Examples
        --------
        >>> fit = res.cross_section("car ~ log_size + leverage", data=characteristics)  # doctest: +SKIP
        >>> fit.summary()  # doctest: +SKIP
        """
        from .second_stage.crosssection import cross_section

        return cross_section(
            self,
            formula,
            window=window,
            data=data,
            cov=cov,
            cluster=cluster,
            weights=weights,
            against=against,
        )

    def cross_section_frame(
        self,
        window: tuple[int, int] | None = None,
        data: pd.DataFrame | None = None,
        *,
        against: str = "model",
    ) -> pd.DataFrame:
        """The frame a cross-sectional formula sees: outcomes and characteristics per event.

        Examples
        --------
        >>> res.cross_section_frame((0, 1), data=characteristics).head()  # doctest: +SKIP
        """
        from .second_stage.crosssection import cross_section_frame

        return cross_section_frame(self, window, data, against=against)

    def bhar_tests(
        self,
        window: tuple[int, int] | None = None,
        *,
        against: Literal["model", "benchmark"] = "benchmark",
        n_boot: int = 1000,
        seed: int | None = 0,
        ddof: int = 1,
    ) -> pd.DataFrame:
        """Mean BHAR: conventional, skewness-adjusted and bootstrapped skewness-adjusted t
        (Lyon, Barber & Tsai 1999); see :func:`eventstudy.second_stage.bhar_tests`.

        Examples
        --------
        >>> res.bhar_tests((0, 20))  # doctest: +SKIP
        """
        from .second_stage.longhorizon import bhar_tests

        return bhar_tests(self, window, against=against, n_boot=n_boot, seed=seed, ddof=ddof)

    def calendar_time(
        self,
        horizon: tuple[int, int] | None = None,
        *,
        frequency: Literal["D", "M"] = "D",
        weighting: Literal["equal", "value"] = "equal",
        model: str = "ff3",
        cov: Literal["HAC", "HC0", "nonrobust"] = "HAC",
        maxlags: int | None = None,
        min_firms: int = 1,
        returns: pd.DataFrame | None = None,
        factors: pd.DataFrame | None = None,
        market_values: pd.Series | None = None,
    ) -> Any:
        """Calendar-time portfolio of the study's events and its factor alpha (Fama 1998;
        Mitchell & Stafford 2000); see :func:`eventstudy.second_stage.calendar_time_portfolio`.

        Parameters
        ----------
        horizon
            ``(first, last)`` periods after day 0 each event is held: trading days (default
            ``(1, last day of the event window)``) or, with ``frequency="M"``, months after
            the event month (default ``(1, 12)``).
        frequency
            ``"D"`` (daily portfolio) or ``"M"`` (monthly; needs ``returns=``).
        weighting
            ``"equal"`` or ``"value"`` (by ``market_values``, else the study's market values
            before each event window).
        model
            ``"market"``, ``"ff3"`` or ``"carhart"``.
        cov
            ``"HAC"`` (Newey-West, ``maxlags``), ``"HC0"`` (White) or ``"nonrobust"``.
        maxlags, min_firms
            See :func:`~eventstudy.second_stage.calendar_time_portfolio`.
        returns
            Wide daily simple returns (a column per ticker) for horizons beyond the event
            window or monthly portfolios; default: the study's own event-window returns (each
            event is one holding from its day 0; log returns are turned into simple ones).
        factors
            Daily factors in decimals (``Mkt-RF``, ``RF`` and the model's); default: those the
            study was fitted with. A study without factors raises a ``SpecError`` naming them.
        market_values
            Market values by ticker for ``weighting="value"``.

        Returns
        -------
        CalendarTimeResult
            ``alpha``, the coefficient ``table``, the ``portfolio`` series and the statsmodels
            ``fit``.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.FamaFrench3())
        >>> res = es.EventStudy(sim.events, sim.returns, model=es.FamaFrench3(),
        ...                     factors=sim.factors, calendar=None).fit()
        >>> ct = res.calendar_time((1, 5), cov="HC0")  # days 1..5 of each event, FF3 alpha
        >>> ct.table["term"].tolist()
        ['alpha', 'Mkt-RF', 'SMB', 'HML']
        """
        from .second_stage.longhorizon import study_calendar_time

        return study_calendar_time(
            self,
            horizon,
            frequency=frequency,
            weighting=weighting,
            model=model,
            cov=cov,
            maxlags=maxlags,
            min_firms=min_firms,
            returns=returns,
            factors=factors,
            market_values=market_values,
        )

    def variance_tests(
        self, window: tuple[int, int] | None = None, *, daily: bool = False
    ) -> pd.DataFrame:
        """Event-induced variance tests (squared SAR, Harrington & Shrider 2007); see
        :func:`eventstudy.second_stage.variance_tests`.

        Examples
        --------
        >>> res.variance_tests((0, 1))  # doctest: +SKIP
        """
        from .second_stage.volatility import variance_tests

        return variance_tests(self.panel, window, daily=daily)

    def variance_ratio(self, window: tuple[int, int] | None = None) -> pd.DataFrame:
        """Per-event ratio of event- to estimation-window residual variance (Beaver 1968).

        Examples
        --------
        >>> res.variance_ratio((0, 1))  # doctest: +SKIP
        """
        from .second_stage.volatility import variance_ratio

        return variance_ratio(self.panel, window)

    def plot_car_scatter(
        self,
        x: str,
        *,
        y: str = "car",
        window: tuple[int, int] | None = None,
        chars: pd.DataFrame | None = None,
        label: str | None = "ticker",
        percent: bool = True,
        ax: Axes | None = None,
    ) -> Figure:
        """CAR against one characteristic with the fitted OLS line.

        Examples
        --------
        >>> fig = res.plot_car_scatter("log_size", chars=characteristics)  # doctest: +SKIP
        """
        from .second_stage.plots import plot_car_scatter

        return plot_car_scatter(
            self, x, y=y, window=window, chars=chars, label=label, percent=percent, ax=ax
        )

    def plot_car_distribution(
        self,
        *,
        value: str = "car",
        by: str | None = None,
        kind: Literal["hist", "violin"] = "hist",
        window: tuple[int, int] | None = None,
        chars: pd.DataFrame | None = None,
        bins: int = 40,
        percent: bool = True,
        ax: Axes | None = None,
    ) -> Figure:
        """Histogram, or violins by group, of the CARs.

        Examples
        --------
        >>> fig = res.plot_car_distribution(window=(0, 0))  # doctest: +SKIP
        """
        from .second_stage.plots import plot_car_distribution

        return plot_car_distribution(
            self,
            value=value,
            by=by,
            kind=kind,
            window=window,
            chars=chars,
            bins=bins,
            percent=percent,
            ax=ax,
        )

    # ------------------------------------------------------------------ presentation
    def summary(
        self,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        tests: str | Sequence[str] | None = None,
        test: str | None = None,
        conventions: Conventions | None = None,
        title: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> EventStudySummary:
        """The summary (statsmodels style): one object, built once, rendered as text
        (``print``), HTML (Jupyter), Markdown or LaTeX.

        Parameters
        ----------
        windows
            CAR windows of the tables (default: the standard windows inside the event window).
        tests
            Tests of the tests table (``"all"`` or names; default: :attr:`default_tests`, the
            spec's ``[tests] names``, else every test).
        test
            The CAAR table's test (default: the results' :attr:`primary_test`).
        conventions
            Test conventions (default: the results' :attr:`conventions`, else the papers').
        title
            Heading.
        data
            The data layer's provenance record (default: the one recorded at fit).

        Returns
        -------
        EventStudySummary
            A ``str`` (the text summary) with ``as_markdown()``, ``as_html()``,
            ``as_latex()`` and the ``tables`` it was built from.

        Examples
        --------
        >>> print(res.summary())  # doctest: +SKIP
        >>> res.summary(windows=[(0, 0), (0, 1)]).as_markdown()  # doctest: +SKIP
        """
        from .report.summary import EventStudySummary

        return EventStudySummary.from_results(
            self,
            windows,
            tests=self._tests_or(tests),
            test=test,
            conventions=conventions,
            title=title,
            data=data,
        )

    def _repr_html_(self) -> str:
        from .report.document import repr_html

        return repr_html(self)

    def __repr__(self) -> str:
        used = int(self.panel.n_events)
        total = len(self.status)
        return (
            f"<EventStudyResults: {self.panel.model or type(self.model).__name__}, "
            f"{used} of {total} events used, event window {self.windows.get('event')}, "
            f"{self.return_kind} returns, primary test {self.primary_test}, "
            f"conventions {self.conventions.name if self.conventions is not None else 'default'}>"
        )

    def provenance(
        self,
        *,
        conventions: Conventions | None = None,
        data: dict[str, Any] | None = None,
        spec: Any = None,
    ) -> dict[str, Any]:
        """Inputs, conventions, data source and package versions of this result.

        Examples
        --------
        >>> res.provenance()["model"]  # doctest: +SKIP
        """
        from .report.document import provenance

        return provenance(self, conventions=conventions, data=data, spec=spec)

    def _tests_or(self, tests: str | Sequence[str] | None) -> str | list[str]:
        """``tests``, else the tests the spec chose (:attr:`default_tests`), else all."""
        if tests is not None:
            return tests if isinstance(tests, str) else list(tests)
        return list(self.default_tests) if self.default_tests is not None else "all"

    def _report_options(
        self,
        windows: Sequence[tuple[int, int]] | None,
        tests: str | Sequence[str] | None,
        test: str | None,
        conventions: Conventions | None,
    ) -> dict[str, Any]:
        """The report functions' common options, defaulting to the results' own choices."""
        return {
            "windows": windows,
            "tests": self._tests_or(tests),
            "test": self.primary_test if test is None else test,
            "conventions": self.conventions if conventions is None else conventions,
        }

    def to_markdown(
        self,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        tests: str | Sequence[str] | None = None,
        test: str | None = None,
        conventions: Conventions | None = None,
        title: str | None = None,
        figures: dict[str, str] | None = None,
        data: dict[str, Any] | None = None,
        spec: Any = None,
    ) -> str:
        """Markdown report with the provenance block (:func:`eventstudy.report.to_markdown`;
        ``test`` and ``conventions`` default to the results' :attr:`primary_test` and
        :attr:`conventions`).

        Examples
        --------
        >>> text = res.to_markdown(title="DeepSeek sell-off")  # doctest: +SKIP
        """
        from .report.document import to_markdown

        options = self._report_options(windows, tests, test, conventions)
        return to_markdown(self, **options, title=title, figures=figures, data=data, spec=spec)

    def to_html(
        self,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        tests: str | Sequence[str] | None = None,
        test: str | None = None,
        conventions: Conventions | None = None,
        title: str | None = None,
        figures: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        spec: Any = None,
        standalone: bool = True,
    ) -> str:
        """Self-contained HTML report, figures embedded (:func:`eventstudy.report.to_html`;
        ``test`` and ``conventions`` default to the results' own).

        Examples
        --------
        >>> html = res.to_html(title="DeepSeek sell-off")  # headline, contents, sections  # doctest: +SKIP
        """
        from .report.document import to_html

        options = self._report_options(windows, tests, test, conventions)
        return to_html(
            self,
            **options,
            title=title,
            figures=figures,
            data=data,
            spec=spec,
            standalone=standalone,
        )

    def to_latex(
        self,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        tests: str | Sequence[str] | None = None,
        test: str | None = None,
        conventions: Conventions | None = None,
        data: dict[str, Any] | None = None,
        spec: Any = None,
    ) -> str:
        """LaTeX tables of the results (:func:`eventstudy.report.to_latex`; ``test`` and
        ``conventions`` default to the results' own).

        Examples
        --------
        >>> print(res.to_latex())  # doctest: +SKIP
        """
        from .report.document import to_latex

        options = self._report_options(windows, tests, test, conventions)
        return to_latex(self, **options, data=data, spec=spec)

    def export(
        self,
        folder: str | Path,
        formats: Sequence[str] | None = None,
        *,
        windows: Sequence[tuple[int, int]] | None = None,
        tests: str | Sequence[str] | None = None,
        test: str | None = None,
        conventions: Conventions | None = None,
        title: str | None = None,
        figures: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        spec: Any = None,
        overwrite: bool = False,
        summary: EventStudySummary | None = None,
    ) -> dict[str, Path]:
        """Write tables and reports (CSV, Parquet, Markdown, HTML, LaTeX) into ``folder``
        (:func:`eventstudy.report.export`; ``formats`` defaults to every format, ``tests``,
        ``test`` and ``conventions`` to the results' own). ``summary``: a summary already
        built (``res.summary(...)``) for the reports to render, else one is built here.

        Examples
        --------
        >>> res.export("out/", formats=("csv", "html"))  # returns {name: path}  # doctest: +SKIP
        """
        from .report.document import EXPORT_FORMATS, export

        options = self._report_options(windows, tests, test, conventions)
        return export(
            self,
            Path(folder),
            EXPORT_FORMATS if formats is None else formats,
            **options,
            title=title,
            figures=figures,
            data=data,
            spec=spec,
            overwrite=overwrite,
            summary=summary,
        )

    def plot_caar(
        self,
        *,
        level: float = 0.95,
        band: Literal["auto", "cross_sectional", "kolari_pynnonen", "model"] | None = "auto",
        start: int | None = None,
        label: str | None = None,
        percent: bool = True,
        dates: bool = False,
        ax: Any = None,
        how: abnormal.CaarMethod | None = None,
    ) -> Figure:
        """CAAR path over the event window with a confidence band
        (:func:`eventstudy.report.plotting.plot_caar`; ``how`` defaults to :attr:`caar_method`, so
        the figure shows the numbers of ``caar()`` and of the CAAR table).

        Examples
        --------
        >>> fig = res.plot_caar()  # doctest: +SKIP
        >>> fig.axes[0].set_title("DeepSeek sell-off")  # doctest: +SKIP
        >>> fig.savefig("caar.png", dpi=200)  # doctest: +SKIP
        """
        from .report.plotting import plot_caar

        return plot_caar(
            self,
            level=level,
            band=band,
            start=start,
            label=label,
            percent=percent,
            dates=dates,
            ax=ax,
            how=how,
        )

    def plot_car_bars(
        self,
        *,
        window: tuple[int, int] | None = None,
        value: str = "car",
        level: float | None = 0.95,
        percent: bool = True,
        top: int | None = None,
        bottom: int | None = None,
        max_bars: int = 40,
        ax: Axes | None = None,
    ) -> Figure:
        """CAR (or AR) per firm, sorted: the cross-section of winners and losers.

        Examples
        --------
        >>> fig = res.plot_car_bars(window=(0, 0))  # doctest: +SKIP
        """
        from .report.plotting import plot_car_bars

        return plot_car_bars(
            self,
            window=window,
            value=value,
            level=level,
            percent=percent,
            top=top,
            bottom=bottom,
            max_bars=max_bars,
            ax=ax,
        )

    def plot_ar_path(
        self,
        key: str,
        *,
        level: float = 0.95,
        percent: bool = True,
        dates: bool = False,
        ax: Axes | None = None,
    ) -> Figure:
        """One event's AR path with its own prediction-error band.

        Examples
        --------
        >>> fig = res.plot_ar_path("NVDA")  # doctest: +SKIP
        """
        from .report.plotting import plot_ar_path

        return plot_ar_path(self, key, level=level, percent=percent, dates=dates, ax=ax)

    def plot_decomposition(
        self, key: str, *, cumulative: bool = False, percent: bool = True, dates: bool = True
    ) -> Figure:
        """One event's actual, normal and abnormal return by relative day (see
        :func:`eventstudy.report.plotting.plot_decomposition`).

        Examples
        --------
        >>> fig = res.plot_decomposition("NVDA", cumulative=True)  # doctest: +SKIP
        """
        from .report.plotting import plot_decomposition

        return plot_decomposition(self, key, cumulative=cumulative, percent=percent, dates=dates)

    def plot_fit(
        self,
        key: str,
        *,
        label: str = "firm",
        percent: bool = True,
        label_days: Sequence[int] | None = None,
        ax: Axes | None = None,
    ) -> Figure:
        """Estimation-window fit of one event: firm vs market with the fitted line.

        Examples
        --------
        >>> fig = res.plot_fit("NVDA")  # doctest: +SKIP
        """
        from .report.plotting import plot_fit

        return plot_fit(self, key, label=label, percent=percent, label_days=label_days, ax=ax)


def _warn_missing_market_values(
    tickers: npt.NDArray[Any], dates: npt.NDArray[np.datetime64], values: npt.NDArray[np.float64]
) -> None:
    """Never a silent NaN dollar value: name each firm and the close that had no market value."""
    missing = np.isnan(np.asarray(values, dtype=np.float64))
    if not missing.any():
        return
    sample = ", ".join(
        f"{t} (close of {str(d)[:10]})"
        for t, d in list(
            zip(np.asarray(tickers)[missing], np.asarray(dates)[missing], strict=True)
        )[:5]
    )
    warnings.warn(
        f"no market value for {int(missing.sum())} event(s): {sample}; their dollar abnormal "
        "values are NaN. Supply market_values covering that close (e.g. "
        "load_market_values(tickers, prices=...) without dates gives every close).",
        EventStudyWarning,
        stacklevel=user_stacklevel(),
    )


def market_value_asof(
    source: pd.Series | pd.DataFrame | None,
    tickers: npt.NDArray[Any],
    dates: npt.NDArray[np.datetime64],
) -> npt.NDArray[np.float64]:
    """Market value of each ``tickers[i]`` as of ``dates[i]`` (last value on or before it).

    ``source`` is a Series indexed by ticker (one value, used whatever the date) or a tidy
    frame ``ticker, date, market_value`` (when it has a ``price_date`` column, as
    :func:`eventstudy.load_market_values` returns, the lookup uses that close). Missing -> NaN;
    the caller warns about it.
    """
    n = len(tickers)
    out = np.full(n, np.nan)
    if source is None:
        return out
    names = np.asarray(tickers).astype(str)
    if isinstance(source, pd.Series):
        keys = pd.Index([normalise_ticker(t) for t in source.index])  # the one ticker rule
        vals = pd.Series(source.to_numpy(dtype=np.float64), index=keys)
        vals = vals[~vals.index.duplicated(keep="last")]
        return vals.reindex(names).to_numpy(dtype=np.float64)
    need = [c for c in ("ticker", "date", "market_value") if c not in source.columns]
    if need:
        raise SpecError(
            f"market_values frame lacks {need}; give a Series by ticker or a tidy frame "
            "with columns ticker, date, market_value"
        )
    # load_market_values stamps each value with the requested date and records the close it
    # was measured at in `price_date`; the as-of lookup must use the close itself.
    date_col = "price_date" if "price_date" in source.columns else "date"
    right = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(pd.to_datetime(source[date_col])).as_unit("ns"),
            "ticker": [normalise_ticker(t) for t in source["ticker"]],
            "market_value": source["market_value"].to_numpy(dtype=np.float64),
        }
    ).sort_values("date")
    left = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(np.asarray(dates, dtype="datetime64[ns]")),
            "ticker": names,
            "row": np.arange(n),
        }
    )
    left = left[left["date"].notna()].sort_values("date")
    if len(left):
        merged = pd.merge_asof(left, right, on="date", by="ticker", direction="backward")
        out[merged["row"].to_numpy()] = merged["market_value"].to_numpy(dtype=np.float64)
    return out
