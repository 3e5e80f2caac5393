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
    >>> fit = res.cross_section("car ~ log_size + leverage", data=characteristics)  # doctest: +SKIP
    >>> fit.summary()  # doctest: +SKIP
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
    >>> res.cross_section_frame((0, 1), data=characteristics).head()  # doctest: +SKIP
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
    >>> res.bhar_tests((0, 20))  # doctest: +SKIP
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
    >>> res.variance_tests((0, 1))  # doctest: +SKIP
    """
    from ..second_stage.volatility import variance_tests

    return variance_tests(self.panel, window, daily=daily)


def variance_ratio(self: EventStudyResults, window: tuple[int, int] | None = None) -> pd.DataFrame:
    """Per-event ratio of event- to estimation-window residual variance (Beaver 1968).

    Examples
    --------
    >>> res.variance_ratio((0, 1))  # doctest: +SKIP
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
    >>> fig = res.plot_car_scatter("log_size", chars=characteristics)  # doctest: +SKIP
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
    >>> fig = res.plot_car_distribution(window=(0, 0))  # doctest: +SKIP
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
