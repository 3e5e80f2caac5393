"""The fitted study as tidy DataFrames: AR, residuals, CAR, AAR, CAAR, BHAR, dollar values.

Every accessor builds a plain DataFrame from the :class:`~eventstudy.engine.panel.EventPanel` with
whole-array operations. The functions are the methods of
:class:`~eventstudy.results.EventStudyResults` (assigned in its class body, so ``help()``, the
API reference and the docstring checks see them as its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..engine import abnormal
from ..exceptions import SpecError
from .market_values import _warn_missing_market_values, market_value_asof

if TYPE_CHECKING:  # pragma: no cover - annotations only: base imports this module
    from .base import EventStudyResults


def ar(self: EventStudyResults) -> pd.DataFrame:
    """Abnormal returns, one row per event and event-window day.

    Columns ``event_id, ticker, group, rel_day, date, ret, normal, ar, var_ar, sar`` with
    ``sar = ar / sqrt(var_ar)`` (the standardised AR).

    Examples
    --------
    >>> res.ar.head()  # event_id, ticker, rel_day, date, ret, normal, ar, var_ar, sar  # doctest: +SKIP
    """
    return _ar_frame(self, slice(None))


def ar_blocks(self: EventStudyResults, events: int = 50_000) -> Iterator[pd.DataFrame]:
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
        yield _ar_frame(self, slice(lo, lo + events))


def _ar_frame(self: EventStudyResults, rows: slice) -> pd.DataFrame:
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


def residuals(self: EventStudyResults) -> pd.DataFrame:
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
    self: EventStudyResults, window: tuple[int, int] | None = None, level: float | None = None
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

        from ..report.plotting import critical_value

        critical_value(level)  # checks the level
        q = stats.t.ppf(0.5 + level / 2.0, np.asarray(p.dof, dtype=float))
        out["lower"] = total - q * out["se_car"].to_numpy()
        out["upper"] = total + q * out["se_car"].to_numpy()
    return out


def aar(self: EventStudyResults) -> pd.DataFrame:
    """Average abnormal return by relative day: ``rel_day, aar, n`` (events with an AR).

    Examples
    --------
    >>> res.aar.plot(x="rel_day", y="aar")  # doctest: +SKIP
    """
    mean, n = abnormal.aar(self.panel.ar)
    return pd.DataFrame({"rel_day": self.panel.evt_rel, "aar": mean, "n": n})


def caar(
    self: EventStudyResults,
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
        from ..inference.guidance import caar_interval

        se, z, name = caar_interval(self.panel, cols, level, band)
        out["se"] = se
        out["lower"] = out["caar"].to_numpy() - z * se
        out["upper"] = out["caar"].to_numpy() + z * se
        out["band"] = name
    return out


def bhar(
    self: EventStudyResults,
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


def dollar(self: EventStudyResults, window: tuple[int, int] | None = None) -> pd.DataFrame:
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
    from ..engine.dollar_values import market_value_dates, warn_stale

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
