"""Graded, design-aware guidance for clustered event dates.

:func:`cluster_measures` says how strongly events cluster in calendar time, :func:`clustering_degree`
grades it (``"none"``, ``"mild"``, ``"strong"``), :func:`event_induced_variance` tests whether the
event day's standardised abnormal returns are more dispersed than the estimation window's, and
:func:`clustering_advice` turns the three into a recommendation that depends on the design. The
headline test and the default CAAR band of the reports follow :func:`choose_headline` and
:func:`choose_band`; :func:`kp_band_inflation` widens a cross-sectional CAAR band by the
Kolari & Pynnönen (2010) factor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from ..engine.panel import EventPanel
from ..exceptions import EventStudyError, SpecError
from ._cluster_measures import STRONG_CLUSTER_SIZE, Degree, cluster_measures, clustering_degree
from ._core import Context, FloatArray, memo_for
from .conventions import Conventions

__all__ = [
    "AUTO",
    "ROBUST_HEADLINE",
    "STRONG_CLUSTER_SIZE",
    "Advice",
    "caar_interval",
    "choose_band",
    "choose_headline",
    "cluster_measures",
    "clustering_advice",
    "clustering_degree",
    "event_induced_variance",
    "kp_band_inflation",
    "kp_widened_path",
]

#: the value of ``test=`` / ``band=`` that lets the design choose
AUTO = "auto"
#: the headline test when events cluster strongly
ROBUST_HEADLINE = "kolari_pynnonen"
#: significance level of the event-induced variance test behind the advice
EIV_LEVEL = 0.05


def _day0_column(panel: EventPanel) -> int:
    rel = np.asarray(panel.evt_rel)
    hits = np.flatnonzero(rel == 0)
    return int(hits[0]) if len(hits) else 0


def pooled_sar_squares(est: FloatArray, sd: FloatArray, keep: Any) -> tuple[float, int]:
    """Sum of the squared standardised estimation residuals ``(e_iu / s_i)^2`` of the events
    ``keep`` and their number (the denominator of :func:`event_induced_variance`'s ratio),
    in blocks of events: no ``(n, L1)`` copies (issue 14).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.inference.guidance import pooled_sar_squares
    >>> est = np.array([[1.0, -1.0, np.nan], [2.0, 0.0, 2.0]])
    >>> pooled_sar_squares(est, np.array([1.0, 2.0]), np.array([True, True]))
    (4.0, 5)
    """
    rows = np.flatnonzero(keep)
    sum_sq, obs = 0.0, 0
    for lo in range(0, len(rows), 8_192):  # blocks of events, not single events
        scaled = est[rows[lo : lo + 8_192]]  # a copy (fancy index), worked in place
        scaled /= sd[rows[lo : lo + 8_192], None]
        ok = np.isfinite(scaled)
        scaled[~ok] = 0.0
        sum_sq += float(np.square(scaled, out=scaled).sum())
        obs += int(ok.sum())
    return sum_sq, obs


def event_induced_variance(panel: EventPanel, level: float = EIV_LEVEL) -> dict[str, Any]:
    """Test for event-induced variance on day 0: Harrington & Shrider's (2007) test, the one
    of ``results.variance_tests((0, 0))`` (:mod:`eventstudy.second_stage.volatility`).

    Returns
    -------
    dict
        ``variance_test`` (``"harrington_shrider"``), ``variance_statistic``,
        ``variance_df``, ``variance_p`` (one-sided) of that test;
        ``squared_sar_statistic`` and ``squared_sar_p`` (the squared-SAR test of the same
        SARs, reported alongside); ``variance_ratio`` (the cross-sectional variance of the
        day-0 SARs over the pooled variance of the estimation-window standardised residuals,
        the size of the effect the note quotes) and ``event_induced_variance``
        (``variance_p < level`` with a ratio above 1).

    Notes
    -----
    Boehmer, Musumeci & Poulsen (1991) motivate their test by this variance increase. With
    :math:`z_i = AR_{i0}/\\sqrt{\\widehat{Var}(AR_{i0})}` (Patell's standardisation,
    prediction-error corrected) on the ``N`` events with a day-0 return and more than four
    residual degrees of freedom :math:`d_i`, and
    :math:`\\tilde z_i = z_i\\sqrt{(d_i - 2)/d_i}`,

    .. math:: X = \\sum_i (\\tilde z_i - \\bar{\\tilde z})^2 \\sim \\chi^2_{N-1},
              \\qquad
              \\text{ratio} = \\frac{\\frac{1}{N-1}\\sum_i (z_i - \\bar z)^2}
                                  {\\frac{1}{\\sum_i L_i}\\sum_i\\sum_u (e_{iu}/s_i)^2}.

    A shift in the mean abnormal return does not raise the statistic; heterogeneous event
    effects do (they are event-induced variance in BMP's sense). The formulas are those of
    the second stage's variance tests (:mod:`eventstudy.inference.variance`, one place).
    Returns NaN with fewer than three such events.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> eiv = event_induced_variance(res.panel)  # simulated: no event effect at all
    >>> round(eiv["variance_ratio"], 2), eiv["variance_df"], round(eiv["variance_p"], 2)
    (0.49, 7, 0.85)
    >>> eiv["event_induced_variance"]
    False
    """
    from .variance import harrington_shrider, squared_sar, standardised_car

    nan: dict[str, Any] = {
        "variance_test": "harrington_shrider",
        "variance_ratio": np.nan,
        "variance_statistic": np.nan,
        "variance_df": 0,
        "variance_p": np.nan,
        "squared_sar_statistic": np.nan,
        "squared_sar_p": np.nan,
        "event_induced_variance": False,
    }
    cols = np.zeros(len(panel.evt_rel), dtype=bool)
    cols[_day0_column(panel)] = True
    try:
        z = standardised_car(panel, cols)
        ctx = Context.of(panel, Conventions())
        sd = np.sqrt(ctx.sigma2)  # raises for an event without residual variance
    except EventStudyError:  # e.g. an event without residual variance: no verdict
        return nan
    dof = np.asarray(panel.dof, dtype=np.float64)
    keep = np.isfinite(z) & (dof > 4)  # as the second stage's variance_sample
    n = int(keep.sum())
    if n < 3:
        return nan
    z, d = z[keep], dof[keep]
    hs = harrington_shrider(z, d)
    sq = squared_sar(z, d)
    if ctx.remote is not None:  # summed on the Dask workers that hold the residuals
        sum_sq, obs = ctx.remote.pooled_sar_squares(keep)
    else:
        sum_sq, obs = pooled_sar_squares(ctx.est, sd, keep)
    pooled = sum_sq / obs
    ratio = float(np.var(z, ddof=1)) / pooled
    return {
        "variance_test": "harrington_shrider",
        "variance_ratio": ratio,
        "variance_statistic": hs["statistic"],
        "variance_df": hs["df"],
        "variance_p": hs["p_value"],
        "squared_sar_statistic": sq["statistic"],
        "squared_sar_p": sq["p_value"],
        "event_induced_variance": bool(hs["p_value"] < level and ratio > 1.0),
    }


# ----------------------------------------------------------------------------- advice
@dataclass(frozen=True)
class Advice:
    """What the clustering diagnostic recommends.

    Attributes
    ----------
    degree : {"none", "mild", "strong"}
    design : {"independent", "one date", "clustered", "overlapping"}
    recommended, avoid : tuple of str
        Test (or remedy) names: ``kolari_pynnonen``, ``bmp``, ``brown_warner_1985``,
        ``portfolio_test``, ``sur_wald_test``, ``cross_sectional_t``.
    note : str
        The recommendation in words (printed under the tables).
    measures : dict
        :func:`cluster_measures` and :func:`event_induced_variance`.

    Examples
    --------
    :func:`clustering_advice` returns one:

    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> advice = clustering_advice(res.panel)
    >>> advice.degree, advice.design, advice.avoid
    ('mild', 'overlapping', ())
    >>> advice.measures["share_overlapping"]  # half the events overlap another's window
    0.5
    """

    degree: Degree
    design: str
    recommended: tuple[str, ...]
    avoid: tuple[str, ...]
    note: str
    measures: dict[str, Any] = field(default_factory=dict)


def _eiv_sentence(eiv: dict[str, Any]) -> str:
    return (
        f"Not brown_warner_1985: the day-0 SAR variance is {eiv['variance_ratio']:.2f} times "
        f"the estimation window's (Harrington-Shrider chi2({eiv['variance_df']}) "
        f"p = {eiv['variance_p']:.2g}), event-induced variance that its estimation-window "
        "variance ignores."
    )


def clustering_advice(panel: EventPanel) -> Advice:
    """Graded, design-aware advice on tests for the events of ``panel``.

    * no overlap (``"none"``): tests assuming independent abnormal returns apply;
    * all events on one day 0 (``"one date"``): ``kolari_pynnonen``, ``portfolio_test``,
      ``sur_wald_test``, and ``brown_warner_1985`` only when the data show no event-induced
      variance (:func:`event_induced_variance`);
    * strong clustering on several dates (``"clustered"``): ``kolari_pynnonen`` or
      ``portfolio_test`` (one portfolio per date), ``brown_warner_1985`` likewise only
      without event-induced variance;
    * mild overlap (``"overlapping"``): ``bmp`` or ``kolari_pynnonen``.

    ``brown_warner_1985`` is never recommended, and is listed in ``avoid`` with the measured
    variance ratio in the note, when the event day shows event-induced variance.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> advice = clustering_advice(res.panel)
    >>> advice.degree, advice.recommended
    ('mild', ('bmp', 'kolari_pynnonen'))
    >>> print(advice.note)  # doctest: +NORMALIZE_WHITESPACE
    Event windows overlap mildly (50% of events overlap another's window; on average 1.00
    events share a day 0, at most 1): the cross-correlation this induces is small; bmp or
    kolari_pynnonen are appropriate.

    Six firms on one day 0 cluster strongly:

    >>> import pandas as pd
    >>> one_day = pd.DataFrame({"ticker": [f"F{j}" for j in range(6)], "date": sim.returns.index[300]})
    >>> res = es.EventStudy(one_day, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> strong = clustering_advice(res.panel)
    >>> strong.design, strong.recommended[:2], "bmp" in strong.avoid
    ('one date', ('kolari_pynnonen', 'portfolio_test'), True)
    """
    m = cluster_measures(panel)
    degree = clustering_degree(m)
    eiv = event_induced_variance(panel)
    measures = {**m, **eiv, "degree": degree}
    inflated = bool(eiv["event_induced_variance"])
    # estimation-window variances ignore event-induced variance
    avoid: tuple[str, ...] = ("brown_warner_1985", "patell") if inflated else ()
    if degree == "none":
        return Advice(
            degree,
            "independent",
            ("cross_sectional_t", "bmp"),
            avoid,
            "Event windows do not overlap in calendar time: tests assuming independent "
            "abnormal returns apply." + (" " + _eiv_sentence(eiv) if inflated else ""),
            measures,
        )
    if degree == "mild":
        note = (
            f"Event windows overlap mildly ({m['share_overlapping']:.0%} of events overlap "
            f"another's window; on average {m['mean_cluster_size']:.2f} events share a day 0, "
            f"at most {m['largest_cluster']}): the cross-correlation this induces is small; "
            "bmp or kolari_pynnonen are appropriate."
        )
        note += " " + _eiv_sentence(eiv) if inflated else ""
        return Advice(degree, "overlapping", ("bmp", "kolari_pynnonen"), avoid, note, measures)
    one_date = m["n_dates"] == 1
    base = (
        ("kolari_pynnonen", "portfolio_test", "sur_wald_test")
        if one_date
        else ("kolari_pynnonen", "portfolio_test")
    )
    recommended = base if inflated else (*base, "brown_warner_1985")
    where = (
        f"All {m['n_events']} events share one day 0"
        if one_date
        else f"Events cluster strongly (on average {m['mean_cluster_size']:.1f} events share a "
        f"day 0; the largest date holds {m['share_top_date']:.0%} of them)"
    )
    note = (
        f"{where}: their abnormal returns are cross-correlated and tests assuming independence "
        f"over-reject. Use {_join(recommended)}."
    )
    note += " " + _eiv_sentence(eiv) if inflated else ""
    # measured on real S&P 500 returns (docs/size_simulations.md, section 3): fat tails and a
    # time-varying correlation leave these remedies somewhat liberal, SUR's joint test most
    note += (
        " On real returns kolari_pynnonen and grank reject about 7.5% at a nominal 5% "
        "(the portfolio test about 6%): read p-values between 0.01 and 0.05 as borderline"
        + (
            "; sur_wald_test's 'all zero' hypothesis asks whether any firm moved, not whether "
            "the average did."
            if one_date
            else "."
        )
    )
    naive = tuple(
        t for t in ("cross_sectional_t", "bmp", "patell", "brown_warner_1980") if t not in avoid
    )
    return Advice(
        degree, "one date" if one_date else "clustered", recommended, avoid + naive, note, measures
    )


def _join(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


# ----------------------------------------------------------------------------- defaults
def choose_headline(panel: Any, test: str = AUTO) -> str:
    """The test a table reports: ``test`` itself unless it is ``"auto"`` or the study has one
    event.

    ``"auto"`` is ``cross_sectional_t`` for events that do not cluster or cluster mildly and
    :data:`ROBUST_HEADLINE` (``kolari_pynnonen``) when they cluster strongly
    (:func:`clustering_degree`). A single event has no cross-section: a test that needs one
    (or ``"auto"``) becomes ``single_firm_t``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> choose_headline(res.panel), choose_headline(res.panel, "bmp")  # mild clustering
    ('cross_sectional_t', 'bmp')
    >>> choose_headline(res.panel.take([0]))  # one event: no cross-section
    'single_firm_t'
    >>> import pandas as pd
    >>> one_day = pd.DataFrame({"ticker": [f"F{j}" for j in range(6)], "date": sim.returns.index[300]})
    >>> res = es.EventStudy(one_day, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> choose_headline(res.panel)  # six firms on one day 0: strong clustering
    'kolari_pynnonen'
    """
    from ._registry import REGISTRY

    if getattr(panel, "n_events", None) == 1 and (
        test == AUTO or (test in REGISTRY and REGISTRY[test].min_events > 1)
    ):
        return "single_firm_t"
    if test != AUTO:
        return test
    if not isinstance(panel, EventPanel):
        return "cross_sectional_t"
    strong = clustering_degree(cluster_measures(panel)) == "strong"
    return ROBUST_HEADLINE if strong else "cross_sectional_t"


def choose_band(panel: Any, band: str | None) -> str | None:
    """The CAAR band ``band="auto"`` stands for: ``"kolari_pynnonen"`` when the events of
    ``panel`` cluster strongly, else ``"cross_sectional"``; other values pass through.

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> one_day = pd.DataFrame({"ticker": [f"F{j}" for j in range(6)], "date": sim.returns.index[300]})
    >>> res = es.EventStudy(one_day, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> choose_band(res.panel, "auto")  # six firms on one day 0: strong clustering
    'kolari_pynnonen'
    >>> choose_band(res.panel, "cross_sectional"), choose_band(res.panel, None)
    ('cross_sectional', None)
    """
    if band != AUTO:
        return band
    if isinstance(panel, EventPanel) and panel.n_events > 1:
        if clustering_degree(cluster_measures(panel)) == "strong":
            return "kolari_pynnonen"
    return "cross_sectional"


def kp_band_inflation(panel: EventPanel, rel_days: npt.ArrayLike, start: int) -> FloatArray:
    """Factor widening the cross-sectional CAAR band for cross-correlation, per day.

    For the CAR from ``start`` to day ``t`` the factor is

    .. math:: f_t = \\sqrt{\\frac{1 + (N_t - 1)\\bar r_t}{1 - \\bar r_t}}

    the reciprocal of Kolari & Pynnönen's (2010, eq. 10) adjustment, with ``r_bar_t`` their
    average residual correlation weighted by the sessions the windows ``[start, t]`` share
    (as in ``kolari_pynnonen``). The band ``CAAR_t +/- z se_t f_t`` then excludes zero
    exactly when the KP-adjusted cross-sectional t rejects at the band's level.

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> one_day = pd.DataFrame({"ticker": [f"F{j}" for j in range(6)], "date": sim.returns.index[300]})
    >>> res = es.EventStudy(one_day, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> kp_band_inflation(res.panel, [0, 1, 2], 0).round(3)  # CARs [0, 0], [0, 1], [0, 2]
    array([0.969, 0.969, 0.969])

    Below 1: the simulated residuals are independent, and their sample correlation
    ``r_bar`` happens to be slightly negative.
    """
    from ..engine.abnormal import running_car

    # kept with the panel: the CAAR figure and the exported path ask for the same band
    memo = memo_for(panel)
    key = ("kp_band", tuple(int(t) for t in np.asarray(rel_days).ravel()), int(start))
    if key in memo:
        return np.array(memo[key])
    ctx = Context.of(panel, Conventions())
    rel = np.asarray(panel.evt_rel)
    after = rel >= start
    car = np.full(ctx.ar.shape, np.nan)
    car[:, after] = running_car(ctx.ar[:, after])  # as plot_caar cumulates: the CAR carries on
    days = np.asarray(rel_days, dtype=int)
    if not len(days):
        return np.zeros(0)
    cols = (rel[None, :] >= start) & (rel[None, :] <= days[:, None])  # one row per day
    # events with a CAR to date on each day
    present = np.column_stack([np.isfinite(car[:, rel == t]).ravel() for t in days])
    # every day's r_bar in one pass over the groups of events (it was one pass per day:
    # 21 passes, minutes at 125,000 events); numpy, not float: identical residual series
    # (r_bar = 1, e.g. one price file under two tickers) give an infinite band, not a
    # ZeroDivisionError
    rbar = np.asarray(ctx.kp_rbars(cols, present), dtype=np.float64)
    n = present.sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.asarray(np.sqrt((1.0 + (n - 1.0) * rbar) / (1.0 - rbar)), dtype=float)
    memo[key] = out
    return np.array(out)


def caar_interval(
    panel: EventPanel, cols: npt.NDArray[np.bool_], level: float, band: str = AUTO
) -> tuple[FloatArray, FloatArray, str]:
    """Standard error of the CAAR cumulated over the event-grid columns ``cols`` (from the
    first one to each day) and the band it belongs to, as ``plot_caar`` draws it.

    ``band="auto"`` is :func:`choose_band`. ``"cross_sectional"``:
    ``se_t = sd_i(CAR_i(t)) / sqrt(N_t)`` over the events with an AR on day ``t`` (a missing
    day adds nothing to a firm's CAR); ``"kolari_pynnonen"``: that times
    :func:`kp_band_inflation`. Returns ``(se, z, band)`` with ``z`` the two-sided normal
    critical value of ``level``.

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> one_day = pd.DataFrame({"ticker": [f"F{j}" for j in range(6)], "date": sim.returns.index[300]})
    >>> res = es.EventStudy(one_day, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> import numpy as np
    >>> cols = np.asarray(res.panel.evt_rel) >= 0  # days 0 to +10
    >>> se, z, band = caar_interval(res.panel, cols, 0.95)  # "auto": strong clustering
    >>> band, se.round(4)[:3], round(float(z[0]), 2)
    ('kolari_pynnonen', array([0.008 , 0.0088, 0.0129]), 1.96)
    """
    chosen = choose_band(panel, band) or "cross_sectional"
    if chosen not in ("cross_sectional", "kolari_pynnonen"):
        raise SpecError(f"band={band!r}; use 'auto', 'cross_sectional' or 'kolari_pynnonen'")
    from ..engine.abnormal import running_car

    # each event's CAR to date, as plot_caar cumulates it (NaN before the event's first AR)
    car = running_car(np.asarray(panel.ar, dtype=float)[:, cols])
    ok = np.isfinite(car)
    n = ok.sum(axis=0)
    mean = np.where(ok, car, 0.0).sum(axis=0) / np.maximum(n, 1)
    ss = np.where(ok, (car - mean) ** 2, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(n > 1, np.sqrt(ss / np.maximum(n - 1, 1) / np.maximum(n, 1)), np.nan)
    if chosen == "kolari_pynnonen":
        rel = np.asarray(panel.evt_rel)[cols]
        se = se * kp_band_inflation(panel, rel, int(rel[0]))
    z = np.full(se.shape, critical_value(level))
    return se, z, chosen


def kp_widened_path(panel: EventPanel, path: Any, level: float) -> Any:
    """A cross-sectional CAAR path frame (``rel_day, caar, se, lower, upper``, e.g. from
    :func:`eventstudy.report.plotting.caar_path`) with its band widened by
    :func:`kp_band_inflation` (the CAR cumulated from the path's first day) and a ``band``
    column saying ``"kolari_pynnonen"``.

    Examples
    --------
    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> one_day = pd.DataFrame({"ticker": [f"F{j}" for j in range(6)], "date": sim.returns.index[300]})
    >>> res = es.EventStudy(one_day, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> from eventstudy.report.plotting import caar_path
    >>> path = caar_path(res.ar, start=0)  # cross-sectional band
    >>> wide = kp_widened_path(res.panel, path, 0.95)
    >>> wide[["rel_day", "se", "band"]].head(2).round(4)
       rel_day      se             band
    0        0  0.0080  kolari_pynnonen
    1        1  0.0088  kolari_pynnonen
    """
    rel = path["rel_day"].to_numpy(dtype=int)
    se = path["se"].to_numpy(dtype=float) * kp_band_inflation(panel, rel, int(rel.min()))
    z = critical_value(level)
    caar = path["caar"].to_numpy(dtype=float)
    return path.assign(se=se, lower=caar - z * se, upper=caar + z * se, band="kolari_pynnonen")


def critical_value(level: float) -> float:
    """Two-sided normal critical value of a confidence ``level`` (1.959964 for 0.95).

    Examples
    --------
    >>> from eventstudy.report.plotting import critical_value
    >>> round(critical_value(0.95), 2)
    1.96
    """
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0.0 < level < 1.0:
        raise SpecError(
            f"confidence level must be strictly between 0 and 1 (e.g. 0.95), got {level!r}"
        )
    return float(stats.norm.ppf(1.0 - (1.0 - float(level)) / 2.0))
