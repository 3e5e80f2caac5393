"""Second-stage shortcuts of the results: cross-section regressions, BHAR tests, calendar-time
portfolios, variance tests and the CAR scatter/distribution figures.

Methods of :class:`~eventstudy.results.EventStudyResults` (assigned in its class body); each
imports :mod:`eventstudy.second_stage` inside the method (the one documented exception to the
layers, as statsmodels' ``summary()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover - annotations only: base imports this module
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .base import EventStudyResults


def cross_section(
    self: EventStudyResults,
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
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> sectors = pd.DataFrame({"ticker": [f"F{i}" for i in range(6)], "sector": ["A", "B"] * 3})
    >>> fit = res.cross_section("car ~ C(sector) + beta", window=(0, 1), data=sectors)
    >>> fit.params.round(4)  # a statsmodels fit
    Intercept         0.0106
    C(sector)[T.B]    0.0076
    beta             -0.0156
    dtype: float64
    >>> fit.nobs, fit.cov_type
    (8.0, 'HC3')
    """
    from ..second_stage.crosssection import cross_section

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
    self: EventStudyResults,
    window: tuple[int, int] | None = None,
    data: pd.DataFrame | None = None,
    *,
    against: str = "model",
) -> pd.DataFrame:
    """The frame a cross-sectional formula sees: outcomes and characteristics per event.

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> sectors = pd.DataFrame({"ticker": [f"F{i}" for i in range(6)], "sector": ["A", "B"] * 3})
    >>> frame = res.cross_section_frame((0, 1), data=sectors)  # what the formula can name
    >>> frame.columns.tolist()
    ['event_id', 'ticker', 'group', 'day0', 'car', 'var_car', 'se_car', 'n_days', 'scar', 'bhar',
     'alpha', 'beta', 'r2', 'sigma', 'nobs', 'sector']
    >>> frame[["event_id", "car", "scar", "beta", "sector"]].head(3).round(3)
      event_id    car   scar   beta sector
    0       e0  0.010  0.531  0.935      A
    1       e1 -0.007 -0.293  1.363      B
    2       e2 -0.010 -0.372  0.585      A
    """
    from ..second_stage.crosssection import cross_section_frame

    return cross_section_frame(self, window, data, against=against)


def bhar_tests(
    self: EventStudyResults,
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
    Six simulated firms on seven dates (42 events; the bootstrap resamples a quarter of them):

    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> days = sim.returns.index[260:390:20]
    >>> events = pd.DataFrame([(f"F{j}", d) for d in days for j in range(6)], columns=["ticker", "date"])
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = res.bhar_tests((0, 10), n_boot=200)  # against the market MKT; LBT use 1000
    >>> rows[["test", "estimate", "statistic", "p_value", "n"]].round(3)
                                test  estimate  statistic  p_value   n
    0                              t     0.004      0.573    0.570  42
    1            skewness_adjusted_t     0.004      0.579    0.562  42
    2  bootstrap_skewness_adjusted_t     0.004      0.579    0.620  42
    >>> rows["distribution"].tolist()
    ['t(41)', 'normal', 'bootstrap (200 resamples of 10)']
    """
    from ..second_stage.longhorizon import bhar_tests

    return bhar_tests(self, window, against=against, n_boot=n_boot, seed=seed, ddof=ddof)


def calendar_time(
    self: EventStudyResults,
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
    from ..second_stage.longhorizon import study_calendar_time

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
    self: EventStudyResults, window: tuple[int, int] | None = None, *, daily: bool = False
) -> pd.DataFrame:
    """Event-induced variance tests (squared SAR, Harrington & Shrider 2007); see
    :func:`eventstudy.second_stage.variance_tests`.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.variance_tests((0, 1))[["test", "window", "statistic", "p_value", "distribution"]].round(3)
                     test  window  statistic  p_value distribution
    0         squared_sar  [0, 1]     -0.739    0.770       normal
    1  harrington_shrider  [0, 1]      5.006    0.659      chi2(7)
    """
    from ..second_stage.volatility import variance_tests

    return variance_tests(self.panel, window, daily=daily)


def variance_ratio(self: EventStudyResults, window: tuple[int, int] | None = None) -> pd.DataFrame:
    """Per-event ratio of event- to estimation-window residual variance (Beaver 1968).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> res.variance_ratio((0, 1)).head(3).round(3)  # p_value: upper tail of F(n_days, dof)
      event_id ticker  window  ratio  n_days  dof  p_value
    0       e0     F0  [0, 1]  0.307       2  185    0.736
    1       e1     F1  [0, 1]  0.578       2  226    0.562
    2       e2     F2  [0, 1]  0.163       2  237    0.850
    """
    from ..second_stage.volatility import variance_ratio

    return variance_ratio(self.panel, window)


def plot_car_scatter(
    self: EventStudyResults,
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
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = res.plot_car_scatter("beta", window=(0, 1))  # beta: a column of the fit
    >>> ax = fig.axes[0]
    >>> ax.get_title(), ax.get_legend_handles_labels()[1]
    ('CAR against beta (8 events)', ['OLS: slope -0.626'])
    """
    from ..second_stage.plots import plot_car_scatter

    return plot_car_scatter(
        self, x, y=y, window=window, chars=chars, label=label, percent=percent, ax=ax
    )


def plot_car_distribution(
    self: EventStudyResults,
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
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> sectors = pd.DataFrame({"ticker": [f"F{i}" for i in range(6)], "sector": ["A", "B"] * 3})
    >>> fig = res.plot_car_distribution(window=(0, 0), bins=5)
    >>> fig.axes[0].get_title(), len(fig.axes[0].patches)  # five bars
    ('Distribution of CAR over [0, 0]', 5)
    >>> fig = res.plot_car_distribution(window=(0, 0), by="sector", kind="violin", chars=sectors)
    >>> fig.axes[0].get_title()
    'Distribution of CAR over [0, 0] by sector'
    """
    from ..second_stage.plots import plot_car_distribution

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
