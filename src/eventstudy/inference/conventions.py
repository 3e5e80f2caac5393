"""Conventions on which published event-study implementations differ.

Every choice that changes a number without changing the test's idea is a field of
:class:`Conventions`. The defaults follow the original papers; the named profile
``Conventions.profile("estudy2")`` reproduces the R package estudy2 0.10.0 exactly,
including its one quirk (sums over firms computed as row means times ``N``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Literal, get_args

from ..exceptions import SpecError

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.panel import EventPanel

__all__ = ["Alternative", "Conventions", "check_return_kind"]

Alternative = Literal["two-sided", "less", "greater"]
ALTERNATIVES: tuple[str, ...] = get_args(Alternative)

ResidualVariance = Literal["model", "sample", "mle"]
PortfolioDf = Literal["model", "mean_obs_minus_1"]
MarketMoments = Literal["regression", "all_dates"]
FirmSum = Literal["sum", "rowmean_times_n"]
GsignP = Literal["firm_average", "pooled"]
RankVarianceDays = Literal["days_with_data", "mean_obs"]
SignPvalue = Literal["exact", "normal"]
LambDistribution = Literal["t", "normal"]
CarAggregation = Literal["cumulative", "daily_average"]
CarRank = Literal["daily_sum", "common_mean"]
WilcoxonCritical = Literal["p_value", "estudy2"]
ReturnKind = Literal["any", "simple", "log"]


@dataclass(frozen=True)
class Conventions:
    """Explicit conventions of the test statistics (defaults follow the original papers).

    Parameters
    ----------
    residual_variance : {"model", "sample", "mle"}
        ``"model"``: the panel's ``sigma2 = SSR / (L_i - k)`` (Campbell, Lo & MacKinlay 1997).
        ``"sample"``: the sample variance of the estimation-window residuals, denominator
        ``L_i - 1`` (estudy2). ``"mle"``: ``SSR / L_i`` (denominator ``n``, as some Python
        packages do; biased downwards, offered only to reproduce them).
    portfolio_df : {"model", "mean_obs_minus_1"}
        Degrees of freedom of the portfolio tests (Brown-Warner 1980/1985). ``"model"``:
        Brown-Warner 1980 uses the mean residual degrees of freedom ``mean(L_i - k)``,
        Brown-Warner 1985 the number of estimation days with data minus one.
        ``"mean_obs_minus_1"``: ``mean(L_i) - 1`` for both (estudy2).
    prediction_error : bool
        Inflate the variance of an event-window AR by the prediction-error term
        ``1 + x_t'(X'X)^{-1}x_t`` (Patell 1976; Campbell, Lo & MacKinlay 1997, ch. 4). For a
        model with its own event-window variances (GARCH) the AR's variance is the model's
        conditional variance ``h_t`` instead (Savickas 2003); ``False`` uses the estimation
        window's ``sigma^2`` for every model.
    market_moments : {"regression", "all_dates"}
        Moments of the prediction-error term. ``"regression"``: the event's own ``(X'X)^{-1}``
        over its complete-case estimation days (exact for any model). ``"all_dates"``: a market
        model's term ``1 + 1/L_i + (m_t - mean_m)^2 / SS_m`` with ``mean_m`` and ``SS_m`` over all
        estimation dates on which the market has a return (estudy2).
    firm_sum : {"sum", "rowmean_times_n"}
        How a sum over firms is computed on a day with missing firms. ``"sum"``: the plain sum
        over the ``N_t`` firms present. ``"rowmean_times_n"``: the mean over present firms times
        ``N``, i.e. ``sum * N / N_t`` (estudy2's quirk; the Brown-Warner 1980 and Patell
        denominators then also run over all ``N`` firms). Use only to reproduce estudy2.
    gsign_p : {"firm_average", "pooled"}
        Cowan's (1992) expected fraction of positive ARs: the average over firms of each firm's
        estimation-window fraction (Cowan 1992), or the fraction pooled over all (firm, day)
        pairs (estudy2).
    rank_variance_days : {"days_with_data", "mean_obs"}
        Divisor of the time-series variance of the rank and sign-of-median tests: the number of
        days with data (Corrado 1989; Corrado & Zivney 1992) or the mean number of
        observations per firm (estudy2).
    sign_pvalue : {"exact", "normal"}
        p-value of the sign test: exact binomial, or the normal approximation.
    lamb_distribution : {"t", "normal"}
        Reference distribution of Lamb's (1995) test (t with the Brown-Warner 1985 df, or normal).
    car_aggregation : {"cumulative", "daily_average"}
        CAR-window tests. ``"cumulative"``: the test applied to CAR_i (sum of ARs over the window)
        and CAAR, with the window's own variance. ``"daily_average"``: estudy2's CAR tests,
        statistic ``sum_t z_t / sqrt(T)`` over the window days kept and estimate = the mean
        daily AAR (not a cumulative sum).
    car_rank : {"daily_sum", "common_mean"}
        Corrado's rank test over a CAR window. ``"daily_sum"``: the daily statistics summed,
        ``sum_t T_t / sqrt(T)`` (each rank centred on its own event's mean rank
        ``(n_i + 1)/2``; Cowan 1992, Campbell & Wasley 1993). ``"common_mean"``: estudy2's
        ``car_rank_test``: ranks over the estimation days and the window's days, the mean rank
        of the window's kept days against one common mean rank ``mean_i (n_i + 1)/2``, scaled
        by the time series of the days' mean ranks
        (:func:`~eventstudy.inference.nonparametric.common_mean_rank_statistic`). The two agree
        when no return is missing and the window is the whole event window; they differ when
        events have different numbers of returns. Independent of ``car_aggregation``, which
        still sets the estimate.
    car_min_coverage : float
        Percent of firms that must be present for a day to enter a CAR window (estudy2: 90,
        strictly more than).
    wilcoxon_critical : {"p_value", "estudy2"}
        Significance stars of the Wilcoxon test from the exact p-value, or from estudy2's
        critical values (``W >= qsignrank(1 - a)`` or ``W <= N(N+1)/2 - qsignrank(1 - a/2)``).
    return_kind : {"any", "simple", "log"}
        Return kind the statistics require; a panel of another kind raises ``SpecError``.
    name : str
        Name of the profile, stated in every result.

    Examples
    --------
    >>> import eventstudy as es
    >>> es.Conventions(residual_variance="sample").residual_variance
    'sample'
    >>> es.Conventions.profile("estudy2").name  # reproduces the R package estudy2
    'estudy2'
    >>> res.tests(conventions=es.Conventions.profile("estudy2"))  # doctest: +SKIP
    """

    residual_variance: ResidualVariance = "model"
    portfolio_df: PortfolioDf = "model"
    prediction_error: bool = True
    market_moments: MarketMoments = "regression"
    firm_sum: FirmSum = "sum"
    gsign_p: GsignP = "firm_average"
    rank_variance_days: RankVarianceDays = "days_with_data"
    sign_pvalue: SignPvalue = "exact"
    lamb_distribution: LambDistribution = "t"
    car_aggregation: CarAggregation = "cumulative"
    car_rank: CarRank = "daily_sum"
    car_min_coverage: float = 0.0
    wilcoxon_critical: WilcoxonCritical = "p_value"
    return_kind: ReturnKind = "any"
    name: str = "default"

    def __post_init__(self) -> None:
        for f in fields(self):
            allowed = _LITERALS.get(f.name, ())
            value = getattr(self, f.name)
            if allowed and value not in allowed:
                raise SpecError(
                    f"Conventions.{f.name}={value!r} is not valid; choose one of {list(allowed)}"
                )
        if not isinstance(self.prediction_error, bool):
            raise SpecError("Conventions.prediction_error must be True or False")
        if not 0.0 <= float(self.car_min_coverage) < 100.0:
            raise SpecError("Conventions.car_min_coverage is a percentage in [0, 100)")

    @classmethod
    def profile(cls, name: str) -> Conventions:
        """A named set of conventions: ``"default"`` (the original papers) or ``"estudy2"``.

        Examples
        --------
        >>> import eventstudy as es
        >>> es.Conventions.profile("estudy2").name
        'estudy2'
        """
        if name == "default":
            return cls()
        if name == "estudy2":
            return cls(
                residual_variance="sample",
                portfolio_df="mean_obs_minus_1",
                prediction_error=True,
                market_moments="all_dates",
                firm_sum="rowmean_times_n",
                gsign_p="pooled",
                rank_variance_days="mean_obs",
                sign_pvalue="normal",
                lamb_distribution="normal",
                car_aggregation="daily_average",
                car_rank="common_mean",
                car_min_coverage=90.0,
                wilcoxon_critical="estudy2",
                return_kind="log",
                name="estudy2",
            )
        raise SpecError(f"unknown conventions profile {name!r}; choose 'default' or 'estudy2'")

    def replace(self, **changes: Any) -> Conventions:
        """A copy with some fields changed (the profile name becomes ``"<name>+custom"``).

        Examples
        --------
        >>> import eventstudy as es
        >>> es.Conventions().replace(sign_pvalue="normal").sign_pvalue
        'normal'
        """
        if "name" not in changes:
            changes["name"] = f"{self.name}+custom"
        return replace(self, **changes)

    def describe(self) -> str:
        """One-line statement of every field, recorded in each result row.

        Examples
        --------
        >>> import eventstudy as es
        >>> es.Conventions().describe()[:8]
        'default:'
        """
        parts = [f"{f.name}={getattr(self, f.name)}" for f in fields(self) if f.name != "name"]
        return f"{self.name}: " + ", ".join(parts)


# field name -> allowed values (dataclass field types are strings under postponed annotations)
_LITERALS: dict[str, tuple[str, ...]] = {
    "residual_variance": get_args(ResidualVariance),
    "portfolio_df": get_args(PortfolioDf),
    "market_moments": get_args(MarketMoments),
    "firm_sum": get_args(FirmSum),
    "gsign_p": get_args(GsignP),
    "rank_variance_days": get_args(RankVarianceDays),
    "sign_pvalue": get_args(SignPvalue),
    "lamb_distribution": get_args(LambDistribution),
    "car_aggregation": get_args(CarAggregation),
    "car_rank": get_args(CarRank),
    "wilcoxon_critical": get_args(WilcoxonCritical),
    "return_kind": get_args(ReturnKind),
}


def check_return_kind(panel: EventPanel, conventions: Conventions) -> None:
    """Raise when ``conventions`` need another return kind than the panel holds.

    Parameters
    ----------
    panel : EventPanel
        The event panel (its ``return_kind``: ``"simple"`` or ``"log"``).
    conventions : Conventions
        Conventions whose ``return_kind`` is ``"any"`` or must equal the panel's.

    Raises
    ------
    SpecError
        Naming both return kinds and how to recompute the returns.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> check_return_kind(res.panel, Conventions())  # the papers' conventions take any returns
    >>> check_return_kind(res.panel, Conventions.profile("estudy2"))
    Traceback (most recent call last):
    ...
    eventstudy.exceptions.SpecError: conventions 'estudy2' require log returns but the panel holds simple returns; recompute returns with return_kind='log'
    """
    if conventions.return_kind != "any" and panel.return_kind != conventions.return_kind:
        raise SpecError(
            f"conventions {conventions.name!r} require {conventions.return_kind} returns but the "
            f"panel holds {panel.return_kind} returns; recompute returns with "
            f"return_kind={conventions.return_kind!r}"
        )
