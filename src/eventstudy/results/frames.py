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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> len(res.ar)  # 8 events x 21 days of the event window [-10, 10]
    168
    >>> res.ar[["event_id", "rel_day", "ret", "normal", "ar", "sar"]].head(3).round(4)
      event_id  rel_day     ret  normal      ar     sar
    0       e0      -10 -0.0231 -0.0188 -0.0043 -0.3308
    1       e0       -9 -0.0182 -0.0128 -0.0053 -0.4144
    2       e0       -8  0.0026  0.0096 -0.0069 -0.5401
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.residuals.shape  # 8 events x 240 days of the estimation window [-250, -11]
    (1920, 6)
    >>> res.residuals.groupby("event_id")["resid"].std().round(4).head(3)
    event_id
    e0    0.0128
    e1    0.0177
    e2    0.0198
    Name: resid, dtype: float64
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.car((-1, 1))[["event_id", "ticker", "car", "se_car", "n_days"]].head(3).round(4)
      event_id ticker     car  se_car  n_days
    0       e0     F0  0.0339  0.0223       3
    1       e1     F1  0.0038  0.0309       3
    2       e2     F2 -0.0136  0.0345       3
    >>> res.car((-1, 1), level=0.95)[["event_id", "car", "lower", "upper"]].head(3).round(4)
      event_id     car   lower   upper
    0       e0  0.0339 -0.0101  0.0780
    1       e1  0.0038 -0.0570  0.0647
    2       e2 -0.0136 -0.0816  0.0544
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.aar[res.aar["rel_day"].between(-1, 1)].round(4)
        rel_day     aar  n
    9        -1  0.0062  8
    10        0 -0.0038  8
    11        1  0.0037  8
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.caar((-1, 1)).round(4)  # cumulated from day -1
       rel_day     aar    caar  n
    0       -1  0.0062  0.0062  8
    1        0 -0.0038  0.0024  8
    2        1  0.0037  0.0061  8
    >>> band = res.caar((-1, 1), level=0.95)  # the band plot_caar draws
    >>> band[["rel_day", "caar", "lower", "upper", "band"]].round(4)
       rel_day    caar   lower   upper             band
    0       -1  0.0062 -0.0032  0.0155  cross_sectional
    1        0  0.0024 -0.0122  0.0169  cross_sectional
    2        1  0.0061 -0.0113  0.0235  cross_sectional
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.bhar((0, 5))[["event_id", "bhar", "bh_return", "bh_normal", "n_days"]].head(3).round(4)
      event_id    bhar  bh_return  bh_normal  n_days
    0       e0 -0.0113    -0.0319    -0.0205       6
    1       e1  0.0474     0.0842     0.0367       6
    2       e2  0.0121     0.0264     0.0144       6
    >>> # against the market MKT compounded (the model's market is the benchmark)
    >>> res.bhar((0, 5), against="benchmark")[["event_id", "bhar", "bh_normal"]].head(3).round(4)
      event_id    bhar  bh_normal
    0       e0 -0.0153    -0.0165
    1       e1  0.0493     0.0349
    2       e2  0.0203     0.0061
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
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> mv = pd.Series([2000.0, 500, 1000, 3000, 800, 1500], index=["F0", "F1", "F2", "F3", "F4", "F5"])
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None,
    ...                     market_values=mv).fit()  # one value per ticker ($ million)
    >>> usd = res.dollar((0, 1))
    >>> usd[["event_id", "market_value", "car", "dollar_abnormal"]].head(3).round(4)
      event_id  market_value     car  dollar_abnormal
    0       e0        2000.0  0.0097          19.3477
    1       e1         500.0 -0.0074          -3.6854
    2       e2        1000.0 -0.0105         -10.4775
    >>> usd[["event_id", "mv_date", "mv_used_date"]].head(2)  # the close before day 0
      event_id    mv_date mv_used_date
    0       e0 2021-10-08          NaT
    1       e1 2021-12-03          NaT
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
