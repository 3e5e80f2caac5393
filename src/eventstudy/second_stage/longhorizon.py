"""Long-horizon inference: tests of the mean BHAR and calendar-time portfolios.

Buy-and-hold abnormal returns over months are strongly right-skewed (a few firms double, none
can lose more than everything), so the conventional t test of the mean BHAR is biased
(Barber & Lyon 1997). Lyon, Barber & Tsai (1999) correct the t statistic for skewness
(Johnson 1978) and bootstrap its critical values (Sutton 1993). The calendar-time portfolio
approach (Jaffe 1974; Mandelker 1974; Fama 1998; Mitchell & Stafford 2000) avoids the
cross-correlation of overlapping long-horizon returns altogether: each period, hold the
firms in their post-event window and regress the portfolio's excess return on risk factors;
the intercept (alpha) is the average abnormal return per period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..engine.panel import window_label
from ..exceptions import DataError, InsufficientDataError, SpecError

if TYPE_CHECKING:  # pragma: no cover
    from ..results import EventStudyResults

__all__ = [
    "CALENDAR_MODELS",
    "CalendarTimeResult",
    "bhar_tests",
    "bootstrap_skewness_adjusted_t",
    "calendar_time_portfolio",
    "skewness_adjusted_t",
]

FloatArray = npt.NDArray[np.float64]

#: Factor models of the calendar-time regression -> the factor columns they use.
CALENDAR_MODELS: dict[str, tuple[str, ...]] = {
    "market": ("Mkt-RF",),
    "ff3": ("Mkt-RF", "SMB", "HML"),
    "carhart": ("Mkt-RF", "SMB", "HML", "Mom"),
}


# ----------------------------------------------------------------------------- BHAR tests
def _clean(values: Any, what: str = "BHAR") -> FloatArray:
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if len(x) < 3:
        raise InsufficientDataError(
            f"the skewness-adjusted t needs at least 3 {what}s, got {len(x)}: add events or "
            "use a window where more events have returns"
        )
    return x


def _sa_stat(mean_dev: FloatArray, sd: FloatArray, skew: FloatArray, n: int) -> FloatArray:
    """``sqrt(n) (S + g S^2 / 3 + g / (6 n))`` with ``S = mean_dev / sd`` (vectorised)."""
    S = mean_dev / sd
    return np.sqrt(n) * (S + skew * S**2 / 3.0 + skew / (6.0 * n))


def _moments(x: FloatArray, ddof: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean, standard deviation (``ddof``) and LBT's skewness along the last axis."""
    n = x.shape[-1]
    mean = x.mean(axis=-1)
    dev = x - mean[..., None]
    sd = np.sqrt((dev**2).sum(axis=-1) / (n - ddof))
    skew = (dev**3).sum(axis=-1) / (n * sd**3)
    return mean, sd, skew


def skewness_adjusted_t(bhar: Any, *, ddof: int = 1) -> dict[str, float]:
    """The skewness-adjusted t statistic of the mean BHAR (Lyon, Barber & Tsai 1999, eq. 5).

    Parameters
    ----------
    bhar
        BHARs of the events (NaN are ignored).
    ddof
        Denominator of the standard deviation ``sigma``: ``n - ddof`` (1, the sample standard
        deviation, by default; LBT do not state it - pass 0 for the population form).

    Returns
    -------
    dict
        ``estimate`` (mean BHAR), ``statistic`` (t_sa), ``p_value`` (two-sided, standard
        normal, as LBT tabulate), ``t`` (conventional ``mean / (sigma / sqrt(n))``),
        ``skewness`` (gamma), ``n``.

    Notes
    -----
    With :math:`S = \\overline{BHAR}/\\sigma(BHAR)` and
    :math:`\\hat\\gamma = \\sum_i (BHAR_i - \\overline{BHAR})^3 / (n\\,\\sigma(BHAR)^3)`,

    .. math:: t_{sa} = \\sqrt{n}\\left(S + \\tfrac13 \\hat\\gamma S^2 + \\tfrac{1}{6n}\\hat\\gamma\\right).

    The second and third terms are Johnson's (1978) corrections for the skewness of the
    sampling distribution of ``t``; without skewness ``t_sa = sqrt(n) S``, the usual t.

    Examples
    --------
    >>> skewness_adjusted_t([0.1, -0.05, 0.4, -0.2, 0.02])["n"]
    5
    """
    x = _clean(bhar)
    n = len(x)
    # Exact equality, not sd == 0: the mean of equal values can differ from them by rounding
    # (three 0.1s average 0.10000000000000002), leaving an sd of 1e-17 and a t_sa of 1e31.
    if x.min() == x.max():
        raise InsufficientDataError("the BHARs are all equal: no variance to test with")
    mean, sd, skew = (float(v) for v in _moments(x, ddof))
    t_sa = float(_sa_stat(np.array(mean), np.array(sd), np.array(skew), n))
    return {
        "estimate": mean,
        "statistic": t_sa,
        "p_value": float(2.0 * stats.norm.sf(abs(t_sa))),
        "t": mean / (sd / np.sqrt(n)),
        "skewness": skew,
        "n": n,
    }


def bootstrap_skewness_adjusted_t(
    bhar: Any,
    *,
    n_boot: int = 1000,
    resample_fraction: float = 0.25,
    seed: int | np.random.Generator | None = 0,
    ddof: int = 1,
) -> dict[str, float]:
    """Bootstrapped skewness-adjusted t test of the mean BHAR (Lyon, Barber & Tsai 1999).

    Parameters
    ----------
    bhar
        BHARs of the events (NaN ignored).
    n_boot
        Number of resamples (LBT: 1000).
    resample_fraction
        Resample size ``n_b = round(fraction * n)`` (LBT: ``n / 4``, Sutton 1993).
    seed
        Seed or generator of the resampling (results are reproducible by default).
    ddof
        Denominator of the standard deviation (see :func:`skewness_adjusted_t`).

    Returns
    -------
    dict
        ``estimate``, ``statistic`` (t_sa of the whole sample), ``p_value`` (two-sided
        bootstrap), ``lower``/``upper`` (the bootstrap 2.5 % and 97.5 % critical values),
        ``n``, ``n_boot`` (the resamples with a t, which the p-value and critical values
        use: ``n_boot`` less those without variance, see Notes), ``n_b``.

    Notes
    -----
    Draw ``n_boot`` resamples of size :math:`n_b` with replacement; in each compute
    :math:`t_{sa}^b = \\sqrt{n_b}(S^b + \\tfrac13\\hat\\gamma^b (S^b)^2 + \\hat\\gamma^b/(6n_b))`
    with :math:`S^b = (\\overline{BHAR}^b - \\overline{BHAR})/\\sigma^b`: centring at the
    original mean imposes the null. The test rejects when :math:`t_{sa}` falls outside the
    :math:`\\alpha/2` and :math:`1-\\alpha/2` quantiles of :math:`t_{sa}^b`; the p-value is
    :math:`2\\min(P^*(t^b \\le t_{sa}), P^*(t^b \\ge t_{sa}))`.

    A resample that repeats one BHAR :math:`n_b` times has :math:`\\sigma^b = 0` and no
    :math:`t_{sa}^b` (:math:`S^b` is :math:`\\pm\\infty` or 0/0, :math:`\\hat\\gamma^b` is 0/0).
    It is left out: the critical values and p-value use the resamples with a t, and
    ``n_boot`` returns their number. This is the distribution the observed statistic is
    compared with: :math:`t_{sa}` itself exists only for a sample with variance
    (:func:`skewness_adjusted_t` raises otherwise), so its null distribution is that of
    :math:`t_{sa}^b` given :math:`\\sigma^b > 0`. Counting such a resample as
    :math:`\\pm\\infty` would put spurious mass in the tails, and as 0 at the centre.
    LBT's resamples (:math:`n_b = n/4` of hundreds of events) practically never repeat one
    value, but with few events they do: a resample of :math:`n_b` from :math:`n` distinct
    BHARs is one value with probability :math:`n^{1-n_b}` (1/64 for 8 events, where
    :math:`n_b = 3`). A resample is left out only when its values are exactly equal, never
    for a small :math:`\\sigma^b`.

    Examples
    --------
    >>> out = bootstrap_skewness_adjusted_t(np.linspace(-0.2, 0.6, 40), n_boot=200)
    >>> 0.0 <= out["p_value"] <= 1.0
    True
    """
    x = _clean(bhar)
    n = len(x)
    if not isinstance(n_boot, int) or isinstance(n_boot, bool) or n_boot < 100:
        raise SpecError(f"n_boot={n_boot!r}; use an integer of at least 100 (LBT use 1000)")
    if not 0.0 < float(resample_fraction) <= 1.0:
        raise SpecError(f"resample_fraction={resample_fraction!r}; use a number in (0, 1]")
    n_b = max(3, int(round(float(resample_fraction) * n)))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    whole = skewness_adjusted_t(x, ddof=ddof)
    draws = x[rng.integers(0, n, size=(n_boot, n_b))]
    # A resample of one repeated value has no variance, so no t_sa: it is left out, neither
    # +-inf nor 0 (see Notes). Found by exact equality, as in skewness_adjusted_t: its
    # computed sd can be a rounding residue (1e-17) instead of 0, a finite t of 1e30.
    defined = draws.min(axis=1) < draws.max(axis=1)
    mean_b, sd_b, skew_b = _moments(draws[defined], ddof)
    t_b = _sa_stat(mean_b - whole["estimate"], sd_b, skew_b, n_b)
    t = whole["statistic"]
    p = min(1.0, 2.0 * min(float(np.mean(t_b <= t)), float(np.mean(t_b >= t))))
    return {
        "estimate": whole["estimate"],
        "statistic": t,
        "p_value": p,
        "lower": float(np.quantile(t_b, 0.025)),
        "upper": float(np.quantile(t_b, 0.975)),
        "n": n,
        "n_boot": int(len(t_b)),
        "n_b": n_b,
    }


def bhar_tests(
    res: EventStudyResults,
    window: tuple[int, int] | None = None,
    *,
    against: Literal["model", "benchmark"] = "benchmark",
    n_boot: int = 1000,
    seed: int | None = 0,
    ddof: int = 1,
) -> pd.DataFrame:
    """Tests of the mean BHAR: conventional t, skewness-adjusted t and its bootstrap.

    Parameters
    ----------
    res
        A fitted study (``res.bhar(window, against=against)`` gives the BHARs).
    window
        Relative days of the buy-and-hold window (default: the event window).
    against
        ``"benchmark"`` (default: the reference portfolio, as Barber & Lyon 1997) or
        ``"model"`` (compounded normal returns).
    n_boot, seed, ddof
        See :func:`bootstrap_skewness_adjusted_t`.

    Returns
    -------
    pandas.DataFrame
        Rows ``t`` (conventional, Student t with n-1 df), ``skewness_adjusted_t`` (normal),
        ``bootstrap_skewness_adjusted_t``; columns ``test, window, estimate, statistic,
        p_value, distribution, n, skewness``.

    Examples
    --------
    Six simulated firms on seven dates (42 events; the bootstrap resamples a quarter of them):

    >>> import pandas as pd
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))
    >>> days = sim.returns.index[260:390:20]
    >>> events = pd.DataFrame([(f"F{j}", d) for d in days for j in range(6)], columns=["ticker", "date"])
    >>> res = es.EventStudy(events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> tests = bhar_tests(res, (0, 10), n_boot=200, seed=0)  # LBT use n_boot=1000
    >>> tests[["test", "estimate", "statistic", "p_value", "n"]].round(3)
                                test  estimate  statistic  p_value   n
    0                              t     0.004      0.573    0.570  42
    1            skewness_adjusted_t     0.004      0.579    0.562  42
    2  bootstrap_skewness_adjusted_t     0.004      0.579    0.620  42
    """
    bh = res.bhar(window, against=against)
    x = _clean(bh["bhar"])
    sa = skewness_adjusted_t(x, ddof=ddof)
    boot = bootstrap_skewness_adjusted_t(x, n_boot=n_boot, seed=seed, ddof=ddof)
    n = sa["n"]
    label = window_label(window) if window is not None else "event window"
    rows = [
        ("t", sa["t"], float(2 * stats.t.sf(abs(sa["t"]), n - 1)), f"t({n - 1})"),
        ("skewness_adjusted_t", sa["statistic"], sa["p_value"], "normal"),
        (
            "bootstrap_skewness_adjusted_t",
            boot["statistic"],
            boot["p_value"],
            f"bootstrap ({boot['n_boot']} resamples of {boot['n_b']})",
        ),
    ]
    return pd.DataFrame(
        {
            "test": [r[0] for r in rows],
            "window": label,
            "estimate": sa["estimate"],
            "statistic": [r[1] for r in rows],
            "p_value": [r[2] for r in rows],
            "distribution": [r[3] for r in rows],
            "n": n,
            "skewness": sa["skewness"],
        }
    )


# ----------------------------------------------------------------------------- calendar time
@dataclass
class CalendarTimeResult:
    """A calendar-time portfolio and its factor regression.

    Attributes
    ----------
    portfolio : DataFrame
        One row per period with firms: ``date, return, excess, n_firms`` and the factors.
    fit
        statsmodels results of ``excess ~ factors`` (``fit.summary()`` etc.).
    table : DataFrame
        ``term, estimate, se, statistic, p_value`` of every coefficient (``alpha`` first).
    empty_periods : int
        Periods inside the sample span with no firm in its window (not in the regression).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.FamaFrench3())  # returns, daily FF3 factors, 8 events
    >>> ct = calendar_time_portfolio(sim.events, sim.returns, sim.factors, horizon=(1, 40))
    >>> ct.table[["term", "estimate", "se"]].round(4)  # alpha: the mean daily abnormal return
         term  estimate      se
    0   alpha   -0.0006  0.0008
    1  Mkt-RF    0.8349  0.0800
    2     SMB    0.1044  0.1786
    3     HML   -0.1537  0.1622
    >>> len(ct.portfolio), ct.empty_periods  # days with a firm in its window; gaps left out
    (216, 3)
    """

    portfolio: pd.DataFrame
    fit: Any
    table: pd.DataFrame
    empty_periods: int
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def alpha(self) -> float:
        """Average abnormal return per period (the intercept).

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.FamaFrench3())  # returns, daily FF3 factors, 8 events
        >>> ct = calendar_time_portfolio(sim.events, sim.returns, sim.factors, horizon=(1, 40))
        >>> round(ct.alpha, 5)  # per day: the portfolio is daily
        -0.00058
        """
        return float(self.fit.params["const"])

    def summary(self) -> Any:
        """The statsmodels summary of the regression.

        Examples
        --------
        >>> import eventstudy as es
        >>> from eventstudy.testing import simulated_study
        >>> sim = simulated_study(es.FamaFrench3())  # returns, daily FF3 factors, 8 events
        >>> ct = calendar_time_portfolio(sim.events, sim.returns, sim.factors, horizon=(1, 40))
        >>> print(ct.summary().tables[0].title)
        OLS Regression Results
        """
        return self.fit.summary()

    def _repr_html_(self) -> str:
        o = self.options
        head = (
            f"<p><b>Calendar-time portfolio</b>: {o.get('weighting')}-weighted, horizon "
            f"{o.get('horizon')} ({o.get('frequency')}), {o.get('model')} model, "
            f"{o.get('cov')} errors; {len(self.portfolio)} periods, "
            f"{self.empty_periods} without firms left out</p>"
        )
        return head + str(self.table.to_html(index=False, float_format=lambda v: f"{v:.6g}"))


def _portfolio_membership(
    grid: pd.DatetimeIndex, day0: npt.NDArray[np.datetime64], horizon: tuple[int, int]
) -> npt.NDArray[np.bool_]:
    """``(T, n)`` mask: event ``j`` is held in period ``t`` (its day 0 + horizon)."""
    T, n = len(grid), len(day0)
    pos0 = np.searchsorted(grid.to_numpy(), day0, side="left")
    start = np.clip(pos0 + horizon[0], 0, T)
    stop = np.clip(pos0 + horizon[1] + 1, 0, T)
    marks = np.zeros((T + 1, n), dtype=np.int64)
    cols = np.arange(n)
    np.add.at(marks, (start, cols), 1)
    np.add.at(marks, (stop, cols), -1)
    return np.cumsum(marks, axis=0)[:T] > 0


def _to_months(frame: pd.DataFrame) -> pd.DataFrame:
    """Compound daily simple returns to calendar months (a month with no return is NaN)."""
    months = pd.DatetimeIndex(frame.index).to_period("M")
    out = (1.0 + frame).groupby(months).prod(min_count=1) - 1.0
    out.index = pd.PeriodIndex(out.index).to_timestamp()
    return out


def calendar_time_portfolio(
    events: pd.DataFrame,
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    *,
    horizon: tuple[int, int] = (1, 252),
    frequency: Literal["D", "M"] = "D",
    weighting: Literal["equal", "value"] = "equal",
    market_values: pd.Series | None = None,
    model: str = "ff3",
    cov: Literal["HAC", "HC0", "nonrobust"] = "HAC",
    maxlags: int | None = None,
    min_firms: int = 1,
) -> CalendarTimeResult:
    """Calendar-time portfolio of firms in their post-event window, and its factor alpha.

    Parameters
    ----------
    events
        ``ticker, date`` (one row per event; a firm with two events is held twice while the
        windows overlap, as two observations).
    returns
        Wide daily simple returns (index dates, one column per ticker).
    factors
        Daily factors in decimals with ``Mkt-RF``, ``RF`` and the model's factors
        (:func:`eventstudy.load_factors`).
    horizon
        ``(first, last)`` periods after the event: trading days relative to day 0 for
        ``frequency="D"``, months relative to the event month for ``"M"``.
    frequency
        ``"D"`` (daily portfolio) or ``"M"`` (daily returns compounded to months; firm and
        factor returns alike).
    weighting
        ``"equal"``, or ``"value"`` with ``market_values`` (a Series by ticker; fixed weights).
    model
        ``"market"``, ``"ff3"`` or ``"carhart"`` (:data:`CALENDAR_MODELS`).
    cov
        ``"HAC"`` (Newey & West 1987, ``maxlags`` default ``floor(4 (T/100)^(2/9))``),
        ``"HC0"`` (White 1980) or ``"nonrobust"``.
    min_firms
        Periods with fewer firms are left out of the regression (and counted).

    Returns
    -------
    CalendarTimeResult

    Notes
    -----
    Day 0 is the first return date on or after the event date. Period *t*'s portfolio
    return is :math:`R_{pt} = \\sum_{j \\in P_t} w_j R_{jt} / \\sum_{j \\in P_t} w_j` over
    the events whose window holds *t* and that have a return on *t* (:math:`w_j = 1` or the
    market value). The regression is
    :math:`R_{pt} - R_{ft} = \\alpha + \\beta'f_t + e_t` (Fama 1998; Mitchell & Stafford
    2000); :math:`\\alpha` is the mean abnormal return per period. Monthly factor returns are
    compounded daily returns, an approximation for the long-short factors.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.FamaFrench3())  # returns, daily FF3 factors, 8 events
    >>> ct = calendar_time_portfolio(sim.events, sim.returns, sim.factors, horizon=(1, 40))
    >>> ct.table[["term", "estimate", "statistic", "p_value"]].round(3)  # HAC errors
         term  estimate  statistic  p_value
    0   alpha    -0.001     -0.688    0.491
    1  Mkt-RF     0.835     10.437    0.000
    2     SMB     0.104      0.585    0.559
    3     HML    -0.154     -0.948    0.343
    >>> monthly = calendar_time_portfolio(
    ...     sim.events, sim.returns, sim.factors, horizon=(0, 1), frequency="M", model="market"
    ... )
    >>> monthly.table["term"].tolist(), len(monthly.portfolio)
    (['alpha', 'Mkt-RF'], 10)
    """
    import statsmodels.api as sm

    if model not in CALENDAR_MODELS:
        raise SpecError(f"model={model!r} is not valid; use one of {list(CALENDAR_MODELS)}")
    if frequency not in ("D", "M"):
        raise SpecError(f"frequency={frequency!r}; use 'D' (days) or 'M' (months)")
    if weighting not in ("equal", "value"):
        raise SpecError(f"weighting={weighting!r}; use 'equal' or 'value'")
    if cov not in ("HAC", "HC0", "nonrobust"):
        raise SpecError(f"cov={cov!r}; use 'HAC' (Newey-West), 'HC0' (White) or 'nonrobust'")
    a, b = int(horizon[0]), int(horizon[1])
    if a > b:
        raise SpecError(f"horizon {horizon}: the first period must not be after the last")
    need = [*CALENDAR_MODELS[model], "RF"]
    absent = [c for c in need if c not in factors.columns]
    if absent:
        raise SpecError(
            f"factors lack {absent} for model={model!r}; load them with "
            f"eventstudy.load_factors (they have {list(factors.columns)})"
        )
    rets = returns.copy()
    rets.index = pd.DatetimeIndex(pd.to_datetime(rets.index)).normalize().as_unit("ns")
    tickers = events["ticker"].astype(str).str.strip().to_numpy()
    unknown = sorted(set(tickers) - set(map(str, rets.columns)))
    if unknown:
        raise DataError(
            f"calendar_time_portfolio: no returns for {unknown[:10]}; add their columns to "
            "returns or drop those events"
        )
    ev_dates = pd.DatetimeIndex(pd.to_datetime(events["date"])).normalize().as_unit("ns")
    fac = factors[need].copy()
    fac.index = pd.DatetimeIndex(pd.to_datetime(fac.index)).normalize().as_unit("ns")
    firm = rets[list(tickers)]
    firm.columns = pd.RangeIndex(len(tickers))
    if frequency == "M":
        firm, fac = _to_months(firm), _to_months(fac)
        day0 = ev_dates.to_period("M").to_timestamp().as_unit("ns").to_numpy()
    else:
        day0 = ev_dates.to_numpy()
    grid = pd.DatetimeIndex(firm.index)
    held = _portfolio_membership(grid, day0, (a, b))
    R = firm.to_numpy(dtype=np.float64)
    w = np.ones(len(tickers))
    if weighting == "value":
        if market_values is None:
            raise SpecError("weighting='value' needs market_values= (a Series by ticker)")
        w = pd.Series(market_values).reindex(tickers).to_numpy(dtype=np.float64)
        bad = ~(w > 0)
        if bad.any():
            raise DataError(
                f"no positive market value for {sorted(set(tickers[bad]))[:10]}: "
                "give market_values for every event's ticker"
            )
    active = held & np.isfinite(R)
    weight = np.where(active, w[None, :], 0.0)
    total = weight.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        port = np.where(total > 0, (weight * np.nan_to_num(R)).sum(axis=1) / total, np.nan)
    n_firms = active.sum(axis=1)
    frame = pd.DataFrame({"date": grid, "return": port, "n_firms": n_firms})
    frame = frame.join(fac.reindex(grid).reset_index(drop=True))
    span = np.flatnonzero(n_firms > 0)
    if len(span) == 0:
        raise InsufficientDataError(
            "calendar_time_portfolio: no period holds a firm; check the events' dates against "
            "the returns' dates and the horizon"
        )
    frame = frame.iloc[span[0] : span[-1] + 1]
    keep = (frame["n_firms"] >= int(min_firms)) & frame[need].notna().all(axis=1)
    empty = int((~keep).sum())
    frame = frame[keep].reset_index(drop=True)
    frame["excess"] = frame["return"] - frame["RF"]
    X = sm.add_constant(frame[list(CALENDAR_MODELS[model])], has_constant="add")
    if len(frame) <= X.shape[1]:
        raise InsufficientDataError(
            f"calendar_time_portfolio: {len(frame)} periods for {X.shape[1]} coefficients; "
            "lengthen the sample or the horizon"
        )
    ols = sm.OLS(frame["excess"], X)
    if cov == "HAC":
        lags = maxlags if maxlags is not None else int(np.floor(4 * (len(frame) / 100) ** (2 / 9)))
        fit = ols.fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    else:
        lags = None
        fit = ols.fit(cov_type=cov)
    names = ["alpha" if c == "const" else c for c in fit.params.index]
    table = pd.DataFrame(
        {
            "term": names,
            "estimate": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "statistic": fit.tvalues.to_numpy(),
            "p_value": fit.pvalues.to_numpy(),
        }
    )
    options = {
        "horizon": (a, b),
        "frequency": frequency,
        "weighting": weighting,
        "model": model,
        "cov": cov,
        "maxlags": lags,
        "min_firms": int(min_firms),
    }
    return CalendarTimeResult(frame, fit, table, empty, options)


def study_calendar_time(
    res: EventStudyResults,
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
) -> CalendarTimeResult:
    """The calendar-time portfolio of a fitted study's own events
    (:meth:`EventStudyResults.calendar_time <eventstudy.EventStudyResults.calendar_time>`).

    Each used event is one holding from its day 0 (``res.panel.day0``); without ``returns``
    its returns are the study's own over the event window (log returns turned into simple
    ones), so a daily ``horizon`` must lie inside the event window. ``factors`` default to
    the study's (``res.meta["factors"]``); ``market_values`` (value weighting) to the
    study's market values before each event window. The portfolio and the regression are
    :func:`calendar_time_portfolio`'s.
    """
    if model not in CALENDAR_MODELS:
        raise SpecError(f"model={model!r} is not valid; use one of {list(CALENDAR_MODELS)}")
    if frequency not in ("D", "M"):
        raise SpecError(f"frequency={frequency!r}; use 'D' (days) or 'M' (months)")
    if factors is None:
        factors = res.meta.get("factors")
    if factors is None:
        need = [*CALENDAR_MODELS[model], "RF"]
        dataset = "carhart" if model == "carhart" else "ff3"
        raise SpecError(
            f"calendar_time(model={model!r}) regresses on the factors {need} and the study "
            f"was fitted without factors: pass factors=eventstudy.load_factors({dataset!r}) "
            "(daily decimal returns indexed by date)"
        )
    p = res.panel
    rel = np.asarray(p.evt_rel)
    if horizon is None:
        if frequency == "M":
            horizon = (1, 12)
        elif int(rel.max()) >= 1:
            horizon = (1, int(rel.max()))
        else:
            raise SpecError(
                f"the event window ends on day {int(rel.max())}: pass horizon=(first, last) "
                "with days after the event"
            )
    ids = p.event_id.astype(str)
    tickers = p.ticker.astype(str)
    if returns is None:
        if frequency != "D":
            raise SpecError(
                "frequency='M' needs whole months of returns and the study keeps only its "
                "event windows: pass returns= (wide daily simple returns, a column per ticker)"
            )
        from ..engine.panel import check_window

        check_window(rel, horizon)  # the study's returns end with its event window
        firm = _event_window_returns(res)
    else:
        unknown = sorted(set(tickers) - set(map(str, returns.columns)))
        if unknown:
            raise DataError(
                f"calendar_time: no returns for {unknown[:10]}; add their columns to returns="
            )
        # one column per event, so a firm's second event is its own holding and weight
        firm = returns[list(tickers)].set_axis(ids, axis=1)
    weights = None
    if weighting == "value":
        if market_values is not None:
            by_ticker = pd.Series(market_values, dtype="float64")
            values = by_ticker.reindex(tickers).to_numpy(dtype=np.float64)
        elif p.market_value is not None:
            values = np.asarray(p.market_value, dtype=np.float64)
        else:
            raise SpecError(
                "weighting='value' needs market values: pass market_values= (a Series by "
                "ticker) or fit the study with shares= or market_values="
            )
        weights = pd.Series(values, index=ids)
    events = pd.DataFrame({"ticker": ids, "date": pd.DatetimeIndex(p.day0)})
    return calendar_time_portfolio(
        events,
        firm,
        factors,
        horizon=horizon,
        frequency=frequency,
        weighting=weighting,
        market_values=weights,
        model=model,
        cov=cov,
        maxlags=maxlags,
        min_firms=min_firms,
    )


def _event_window_returns(res: EventStudyResults) -> pd.DataFrame:
    """The study's event-window returns as simple returns on its session grid: one column
    per event (``event_id``), NaN outside the event's window."""
    p = res.panel
    dates = np.asarray(p.evt_dates, dtype="datetime64[ns]")
    ret = np.asarray(p.ret_evt, dtype=np.float64)
    if p.return_kind == "log":
        ret = np.expm1(ret)  # portfolios average simple returns
    seen = ~np.isnat(dates)
    lo, hi = dates[seen].min(), dates[seen].max()
    positions = p.evt_positions
    if positions is not None:
        sessions = np.asarray(positions.sessions, dtype="datetime64[ns]")
        sessions = sessions[(sessions >= lo) & (sessions <= hi)]
    else:  # the union of the windows' sessions (each window is a run of them)
        sessions = np.unique(dates[seen])
    wide = np.full((len(sessions), p.n_events), np.nan)
    rows = np.searchsorted(sessions, dates[seen])
    cols = np.broadcast_to(np.arange(p.n_events)[:, None], dates.shape)[seen]
    wide[rows, cols] = ret[seen]
    return pd.DataFrame(wide, index=pd.DatetimeIndex(sessions), columns=p.event_id.astype(str))
