"""EventStudyResults: the fitted study as tidy DataFrames (data accessors).

Every accessor returns a plain DataFrame built from the :class:`~eventstudy.panel.EventPanel`
with whole-array operations. Presentation (summary, HTML, exports) and ``tests()`` are
added by other modules.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import abnormal
from .exceptions import EventStudyWarning, SpecError, user_stacklevel
from .panel import EventPanel

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .inference import Conventions

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
    """

    panel: EventPanel
    status: pd.DataFrame
    params: pd.DataFrame
    model: Any
    windows: dict[str, Any]
    return_kind: Literal["simple", "log"]
    meta: dict[str, Any] = field(default_factory=dict)
    market_values: pd.Series | pd.DataFrame | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ helpers
    def _cols(self, window: tuple[int, int] | None) -> BoolArray:
        rel = self.panel.evt_rel
        if window is None:
            return np.ones(len(rel), dtype=bool)
        if not (isinstance(window, (tuple, list)) and len(window) == 2):
            raise SpecError(f"window must be (first, last) relative days, got {window!r}")
        a, b = int(window[0]), int(window[1])
        if a > b or a < rel[0] or b > rel[-1]:
            raise SpecError(
                f"window {window} is not inside the event window {int(rel[0])}..{int(rel[-1])}"
            )
        return (rel >= a) & (rel <= b)

    def _ids(self) -> dict[str, Any]:
        p = self.panel
        group = p.group if p.group is not None else np.full(p.n_events, None, dtype=object)
        return {
            "event_id": p.event_id.astype(str),
            "ticker": p.ticker.astype(str),
            "group": np.asarray(group, dtype=object),
        }

    # ------------------------------------------------------------------ accessors
    @property
    def ar(self) -> pd.DataFrame:
        """Abnormal returns, one row per event and event-window day.

        Columns ``event_id, ticker, group, rel_day, date, ret, normal, ar, var_ar, sar`` with
        ``sar = ar / sqrt(var_ar)`` (the standardised AR).
        """
        p = self.panel
        n, L = p.ar.shape
        var = p.var_ar if p.var_ar is not None else np.full((n, L), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            sar = p.ar / np.sqrt(var)
        ids = self._ids()
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

    @property
    def residuals(self) -> pd.DataFrame:
        """Estimation-window residuals, one row per event and estimation day.

        Columns ``event_id, ticker, group, rel_day, date, resid``; days not used by the
        complete-case estimation are ``NaN``. For diagnostics (residual distribution,
        the pseudo-event test's reference distribution).
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

    def car(self, window: tuple[int, int] | None = None) -> pd.DataFrame:
        """Cumulative abnormal return per event over ``window`` (default: the event window).

        ``car`` sums the non-missing ARs (``n_days`` of them); ``var_car`` is the full
        Campbell-Lo-MacKinlay covariance form (see :func:`eventstudy.abnormal.var_car`).
        """
        p = self.panel
        cols = self._cols(window)
        total, n_days = abnormal.car(p.ar, cols)
        x = p.x_evt if p.x_evt is not None else np.zeros((*p.ar.shape, 0))
        garch_like = p.var_ar is not None and p.xtx_inv is None and p.k > 0
        var = abnormal.var_car(
            p.sigma2, x, p.xtx_inv, p.ar, cols, var_ar=p.var_ar if garch_like else None
        )
        out = pd.DataFrame(self._ids())
        out["car"] = total
        out["var_car"] = var
        out["se_car"] = np.sqrt(var)
        out["n_days"] = n_days
        return out

    @property
    def aar(self) -> pd.DataFrame:
        """Average abnormal return by relative day: ``rel_day, aar, n`` (events with an AR)."""
        mean, n = abnormal.aar(self.panel.ar)
        return pd.DataFrame({"rel_day": self.panel.evt_rel, "aar": mean, "n": n})

    def caar(self, window: tuple[int, int] | None = None) -> pd.DataFrame:
        """Cumulative AAR from the start of ``window``: ``rel_day, aar, caar, n``.

        Days where no event has an AR contribute nothing to the cumulation (and show NaN AAR).
        """
        cols = self._cols(window)
        mean, n = abnormal.aar(self.panel.ar[:, cols])
        return pd.DataFrame(
            {
                "rel_day": self.panel.evt_rel[cols],
                "aar": mean,
                "caar": np.cumsum(np.nan_to_num(mean, nan=0.0)),
                "n": n,
            }
        )

    def bhar(
        self,
        window: tuple[int, int] | None = None,
        against: Literal["model", "benchmark"] = "model",
    ) -> pd.DataFrame:
        """Buy-and-hold abnormal returns (Barber & Lyon 1997) per event.

        ``against="model"`` compounds the model's normal returns, ``"benchmark"`` the
        benchmark's returns (the events' ``benchmark``, else the model's market, else
        ``EventStudy(benchmark=...)``). Columns ``event_id, ticker, group, bhar, bh_return,
        bh_normal, n_days``. See :func:`eventstudy.abnormal.bhar` for log returns.
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
        out = pd.DataFrame(self._ids())
        out["bhar"] = value
        out["bh_return"] = bh_r
        out["bh_normal"] = bh_o
        out["n_days"] = n_days
        return out

    def dollar(self, window: tuple[int, int] | None = None) -> pd.DataFrame:
        """Dollar abnormal value: CAR over ``window`` times the market value before the window.

        Columns ``event_id, ticker, group, mv_date, market_value, car, dollar_abnormal,
        bh_return, dollar_return`` where ``dollar_return`` is the total change in value
        (buy-and-hold return times market value) - the abnormal share is
        ``dollar_abnormal``. With log returns ``car`` is a sum of log ARs (documented).
        """
        p = self.panel
        if p.market_value is None:
            raise SpecError(
                "no market values: pass EventStudy(market_values=...) - a Series by ticker or "
                "a tidy frame ticker, date, market_value"
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
        out = pd.DataFrame(self._ids())
        out["mv_date"] = pd.DatetimeIndex(mv_date).as_unit("ns")
        out["market_value"] = mv
        out["car"] = c["car"].to_numpy()
        out["dollar_abnormal"] = c["car"].to_numpy() * mv
        out["bh_return"] = b["bh_return"].to_numpy()
        out["dollar_return"] = b["bh_return"].to_numpy() * mv
        return out

    # ------------------------------------------------------------------ inference
    def tests(
        self,
        tests: str | Sequence[str] = "all",
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        daily: bool = True,
        conventions: Conventions | None = None,
        alternative: str = "two-sided",
        by: str | None = None,
    ) -> pd.DataFrame:
        """Run significance tests on the panel; see :func:`eventstudy.inference.run_tests`.

        Returns tidy rows: ``test, window, rel_day, estimate, statistic, p_value, distribution,
        df, n, stars, clustered, conventions``. ``clustered`` is True on a test that assumes
        independent abnormal returns while event windows overlap in calendar time (prefer
        ``brown_warner_1985``, ``kolari_pynnonen`` or the portfolio test then). With
        ``by="group"`` the tests run on each group's events separately and a ``group`` column
        leads the table.
        """
        from .inference import Conventions as _Conventions
        from .inference import run_tests

        def run(panel: EventPanel) -> pd.DataFrame:
            return run_tests(
                panel,
                tests=tests,
                windows=windows,
                daily=daily,
                conventions=conventions or _Conventions(),
                alternative=alternative,  # type: ignore[arg-type]
            )

        return self._by_group(run, by)

    def _by_group(self, run: Callable[[EventPanel], pd.DataFrame], by: str | None) -> pd.DataFrame:
        """``run(panel)`` on the whole panel, or on each group's events (``by="group"``) with
        a leading ``group`` column."""
        if by is None:
            return run(self.panel)
        if by != "group":
            raise SpecError(f"by={by!r} is not supported; use by='group' or None")
        labels = self.panel.group
        if labels is None:
            raise SpecError("by='group' needs group labels: give the events frame a 'group' column")
        labels = np.asarray(labels, dtype=object)
        frames = []
        for label in pd.unique(labels):  # one pass per group (a handful), not per event
            part = run(self.panel.take(labels == label))
            part.insert(0, "group", label)
            frames.append(part)
        return pd.concat(frames, ignore_index=True)

    def portfolio_test(
        self,
        windows: Sequence[tuple[int, int]] | None = None,
        *,
        alternative: str = "two-sided",
        by: str | None = None,
    ) -> pd.DataFrame:
        """Clustered-date remedy: one equally weighted portfolio per event date, its CAR tested
        against its own estimation-window variance; see
        :func:`eventstudy.inference.portfolio_test` (``by="group"``: per group)."""
        from .inference import portfolio_test

        return self._by_group(
            lambda panel: portfolio_test(
                panel,
                windows=windows,
                alternative=alternative,  # type: ignore[arg-type]  # checked by the test
            ),
            by,
        )

    def sur_wald_test(
        self, window: tuple[int, int] | None = None, *, by: str | None = None
    ) -> pd.DataFrame:
        """Clustered-date remedy: event-day dummies estimated as a system (SUR) with Wald tests
        that all firms' effects are zero and that their average is zero; see
        :func:`eventstudy.inference.sur_wald_test` (``by="group"``: per group)."""
        from .inference import sur_wald_test

        return self._by_group(lambda panel: sur_wald_test(panel, window), by)

    def single_firm_tests(
        self, windows: Sequence[tuple[int, int]] | None = None, **kwargs: Any
    ) -> pd.DataFrame:
        """Per-event t tests on AR and CAR with the prediction-error-corrected variance."""
        from .inference import single_firm_t

        return single_firm_t(self.panel, windows=windows, **kwargs)

    def pseudo_event_test(
        self, windows: Sequence[tuple[int, int]] | None = None, **kwargs: Any
    ) -> pd.DataFrame:
        """Each firm's event CAR against the distribution of its own estimation-window CARs."""
        from .inference import pseudo_event_test

        return pseudo_event_test(self.panel, windows=windows, **kwargs)

    def bootstrap_caar(
        self, windows: Sequence[tuple[int, int]] | None = None, **kwargs: Any
    ) -> pd.DataFrame:
        """Bootstrap confidence intervals for CAAR; see :func:`eventstudy.inference.bootstrap_caar`."""
        from .inference import bootstrap_caar

        return bootstrap_caar(self.panel, windows=windows, **kwargs)

    def clustering(self) -> pd.DataFrame:
        """How many events share their day 0 (the diagnostic behind clustered-date remedies)."""
        from .inference import clustering

        return clustering(self.panel)

    # ------------------------------------------------------------------ presentation
    def summary(self, **kwargs: Any) -> str:
        """Text summary (statsmodels style); see :func:`eventstudy.report.summary_text`."""
        from .report import summary_text

        return summary_text(self, **kwargs)

    def _repr_html_(self) -> str:
        from .report import repr_html

        return repr_html(self)

    def __repr__(self) -> str:
        used = int(self.panel.n_events)
        total = len(self.status)
        return (
            f"<EventStudyResults: {self.panel.model or type(self.model).__name__}, "
            f"{used} of {total} events used, event window {self.windows.get('event')}, "
            f"{self.return_kind} returns>"
        )

    def provenance(self, **kwargs: Any) -> dict[str, Any]:
        """Inputs, conventions, data source and package versions of this result."""
        from .report import provenance

        return provenance(self, **kwargs)

    def to_markdown(self, **kwargs: Any) -> str:
        """Markdown report with the provenance block."""
        from .report import to_markdown

        return to_markdown(self, **kwargs)

    def to_html(self, **kwargs: Any) -> str:
        """Self-contained HTML report (figures embedded)."""
        from .report import to_html

        return to_html(self, **kwargs)

    def to_latex(self, **kwargs: Any) -> str:
        """LaTeX tables of the results."""
        from .report import to_latex

        return to_latex(self, **kwargs)

    def export(self, folder: str | Path, **kwargs: Any) -> dict[str, Path]:
        """Write tables and reports (CSV, Parquet, Markdown, HTML, LaTeX) into ``folder``."""
        from .report import export

        return export(self, Path(folder), **kwargs)

    def plot_caar(self, **kwargs: Any) -> Figure:
        """CAAR path over the event window with a confidence band."""
        from .plotting import plot_caar

        return plot_caar(self, **kwargs)

    def plot_car_bars(self, **kwargs: Any) -> Figure:
        """CAR (or AR) per firm, sorted: the cross-section of winners and losers."""
        from .plotting import plot_car_bars

        return plot_car_bars(self, **kwargs)

    def plot_ar_path(self, key: str, **kwargs: Any) -> Figure:
        """One event's AR path with its own prediction-error band."""
        from .plotting import plot_ar_path

        return plot_ar_path(self, key, **kwargs)

    def plot_fit(self, key: str, **kwargs: Any) -> Figure:
        """Estimation-window fit of one event: firm vs market with the fitted line."""
        from .plotting import plot_fit

        return plot_fit(self, key, **kwargs)


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
        vals = pd.Series(source.to_numpy(dtype=np.float64), index=source.index.astype("str"))
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
            "ticker": source["ticker"].astype("str").to_numpy(),
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
