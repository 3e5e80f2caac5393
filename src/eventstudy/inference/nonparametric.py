"""Non-parametric tests on daily ARs and on CAR windows.

Sign (binomial), Cowan's generalised sign, Corrado's rank, Corrado-Zivney sign and rank
(modified rank), Kolari-Pynnönen GRANK and the Wilcoxon signed-rank test. Ranks are taken
per event over its estimation and event windows together (``(n, L1 + L2)``, ``NaN`` kept
out), all events at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..engine.panel import EventPanel
from ._core import (
    Context,
    FloatArray,
    Rows,
    Window,
    combine_tails,
    count,
    nanmean,
    nanvar,
    p_values,
    stars_from_p,
    window_sum,
)
from ._registry import TestSpec, register, run_spec
from .conventions import Alternative, Conventions

__all__ = [
    "corrado_rank",
    "corrado_zivney_rank",
    "corrado_zivney_sign",
    "generalized_sign",
    "grank",
    "sign_test",
    "signed_rank_distribution",
    "wilcoxon",
]

_DEFAULT = Conventions()


def _window_cars(ctx: Context, windows: Sequence[Window]) -> FloatArray:
    return np.column_stack([ctx.car(ctx.window_days(w))[0] for w in windows])


def _normal_rows(est: FloatArray, stat: FloatArray, n: npt.NDArray[np.int64], alt: str) -> Rows:
    stat = np.asarray(stat, dtype=float)
    return Rows(
        estimate=np.asarray(est, dtype=float),
        statistic=stat,
        p_value=p_values(stat, "normal", None, alt),
        distribution="normal",
        df=np.full(stat.shape, np.nan),
        n=np.asarray(n),
    )


def _divide(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.asarray(a, dtype=float) / np.asarray(b, dtype=float), dtype=float)


# ----------------------------------------------------------------------------- sign
def _sign_rows(ctx: Context, x: FloatArray, est: FloatArray, alt: str) -> Rows:
    pos = np.where(np.isnan(x), np.nan, (x > 0).astype(float))
    w = ctx.firm_sum(pos)
    n = count(x, 0)
    stat = _divide(w - 0.5 * n, np.sqrt(0.25 * n))
    if ctx.conv.sign_pvalue == "normal":
        return _normal_rows(est, stat, n, alt)
    lower = stats.binom.cdf(w, n, 0.5)
    upper = stats.binom.sf(w - 1, n, 0.5)
    p = np.where(n > 0, combine_tails(lower, upper, alt), np.nan)
    return Rows(est, stat, p, "binomial", np.full(stat.shape, np.nan), n)


def _sign_daily(ctx: Context, alt: str) -> Rows:
    return _sign_rows(ctx, ctx.ar, ctx.aar, alt)


def _sign_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    cars = _window_cars(ctx, windows)
    return _sign_rows(ctx, cars, nanmean(cars, 0), alt)


def sign_test(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Binomial sign test: is the share of positive ARs (CARs) one half?

    Notes
    -----
    Brown & Warner (1980, sec. 3); Campbell, Lo & MacKinlay (1997, ch. 4.5). With ``w_t`` the
    number of events with ``AR_it > 0`` among ``N_t``,

    .. math:: Z_t = \\frac{w_t - N_t/2}{\\sqrt{N_t/4}}

    p-value exact binomial ``Bin(N_t, 1/2)`` (two-sided: twice the smaller tail), or normal
    (``sign_pvalue="normal"``).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import sign_test
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = sign_test(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038     0.0000   1.0000
    1  [-1, 1]    0.0061     0.7071   0.7266
    >>> same = res.tests(["sign"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_SIGN, panel, windows, daily, conventions, alternative)


# ----------------------------------------------------------------------------- generalised sign
def _p_hat(ctx: Context) -> float:
    """Cowan's expected share of positive residuals over the estimation window (integer
    counts: ``est > 0`` is False where missing, so no ``(n, L1)`` float copy is made)."""
    store = ctx.__dict__.setdefault("_nonparametric_memo", {})
    if "p_hat" not in store:
        positive, obs = _est_signs(ctx)
        if ctx.conv.gsign_p == "pooled":
            store["p_hat"] = float(positive.sum() / obs.sum())
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(obs > 0, positive / np.maximum(obs, 1), np.nan)
            store["p_hat"] = float(np.mean(share))
    p_hat: float = store["p_hat"]
    return p_hat


def _est_signs(ctx: Context) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per event: positive estimation residuals and estimation residuals (from the
    partitions' workers when the residuals are held there)."""
    if ctx.remote is not None:
        stats_ = ctx.remote.est_stats()
        return stats_["positive"], stats_["obs"]
    return (ctx.est > 0).sum(axis=1), count(ctx.est, 1)


def _gsign_rows(ctx: Context, x: FloatArray, est: FloatArray, alt: str) -> Rows:
    p = _p_hat(ctx)
    pos = np.where(np.isnan(x), np.nan, (x > 0).astype(float))
    w = ctx.firm_sum(pos)
    n = count(x, 0)
    stat = _divide(w - n * p, np.sqrt(n * p * (1 - p)))
    return _normal_rows(est, stat, n, alt)


def _gsign_daily(ctx: Context, alt: str) -> Rows:
    return _gsign_rows(ctx, ctx.ar, ctx.aar, alt)


def _gsign_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    cars = _window_cars(ctx, windows)
    return _gsign_rows(ctx, cars, nanmean(cars, 0), alt)


def generalized_sign(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Cowan's (1992) generalised sign test.

    Notes
    -----
    Cowan, A. R. (1992), "Nonparametric event study tests", *Review of Quantitative Finance
    and Accounting* 2, 343-358. The expected share of positive ARs comes from the estimation
    window, ``p = (1/N) sum_i (1/L_i) sum_u 1[e_iu > 0]`` (``gsign_p="pooled"``: over all
    pairs), and

    .. math:: Z_t = \\frac{w_t - N_t \\hat p}{\\sqrt{N_t \\hat p (1-\\hat p)}}

    Standard normal. For a window, ``w`` counts positive CARs against the same ``p``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import generalized_sign
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = generalized_sign(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038     0.0165   0.9868
    1  [-1, 1]    0.0061     0.7236   0.4693
    >>> same = res.tests(["generalized_sign"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_GSIGN, panel, windows, daily, conventions, alternative)


# ----------------------------------------------------------------------------- rank family
#: rows ranked at once (bounds the ``(rows, L)`` temporaries of the sort)
_RANK_BLOCK = 8_192


def _ranks(x: FloatArray) -> FloatArray:
    """Average ranks within each row, ``NaN`` kept out and returned as ``NaN``.

    Equals ``scipy.stats.rankdata(x, axis=1, nan_policy="omit")`` (ties share the mean of
    their positions) with one sort per block of rows and no per-row work: a tie group's
    rank is the mean of its first and last sorted position.
    """
    x = np.asarray(x, dtype=float)
    out = np.empty(x.shape)
    for lo in range(0, x.shape[0], _RANK_BLOCK):  # blocks of events, not single events
        out[lo : lo + _RANK_BLOCK] = _block_ranks(x[lo : lo + _RANK_BLOCK])
    return out


def _block_ranks(x: FloatArray) -> FloatArray:
    return _block_order_ranks(x)[1]


def _block_order_ranks(x: FloatArray) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Ascending order (``NaN`` last) and average ranks within each row of one block.

    A value's rank is its sorted position; a tie group's is the mean of its first and last
    position, found only in the rows that have a tie (rare with continuous returns)."""
    n, width = x.shape
    order = np.argsort(x, axis=1)  # NaN sorts last
    xs = np.take_along_axis(x, order, axis=1)
    position = np.arange(1, width + 1, dtype=np.int64)
    sorted_ranks = np.broadcast_to(position.astype(float), (n, width)).copy()
    same = xs[:, 1:] == xs[:, :-1]  # NaN == NaN is False: never tied
    tied = np.flatnonzero(same.any(axis=1))
    if tied.size:
        starts = np.ones((tied.size, width), dtype=bool)
        starts[:, 1:] = ~same[tied]  # a new value
        first = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
        ends = np.ones((tied.size, width), dtype=bool)
        ends[:, :-1] = starts[:, 1:]
        last = np.minimum.accumulate(np.where(ends, position, width + 1)[:, ::-1], axis=1)
        sorted_ranks[tied] = (first + last[:, ::-1]) / 2.0
    ranks = np.empty((n, width))
    np.put_along_axis(ranks, order, sorted_ranks, axis=1)
    ranks[np.isnan(x)] = np.nan
    return order, ranks


def _variance_divisor(ctx: Context, daily_series: FloatArray) -> float:
    if ctx.conv.rank_variance_days == "mean_obs":
        return float(np.mean(_est_signs(ctx)[1] + count(ctx.ar, 1)))
    return float(np.isfinite(daily_series).sum())


def _score_sums(ctx: Context, kind: str) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Per-day sum over events of one kind of score and the events with a score, for the
    estimation and event days together (``(L1 + L2,)`` each).

    The ``(n, L1 + L2)`` scores are never held whole: blocks of events are ranked (one
    sort per block, :func:`_ranks`) and summed, and both rank scores come from one ranking.
    """
    store = ctx.__dict__.setdefault("_nonparametric_memo", {})
    if ("sums", kind) not in store and ctx.remote is not None:  # summed on the workers
        for k, value in ctx.remote.score_sums(kind).items():
            store[("sums", k)] = value
    if ("sums", kind) not in store:
        kinds = ("corrado", "modified") if kind != "median_sign" else ("median_sign",)
        width = ctx.est.shape[1] + ctx.ar.shape[1]
        sums = {k: np.zeros(width) for k in kinds}
        counts = np.zeros(width, dtype=np.int64)
        for lo in range(0, ctx.n, _RANK_BLOCK):  # blocks of events, not single events
            x = np.concatenate([ctx.est[lo : lo + _RANK_BLOCK], ctx.ar[lo : lo + _RANK_BLOCK]], 1)
            ok = ~np.isnan(x)
            counts += ok.sum(axis=0)
            for k, scores in _block_scores(x, kinds).items():
                sums[k] += np.where(ok, scores, 0.0).sum(axis=0)
        for k in kinds:
            store[("sums", k)] = (sums[k], counts)
    return store[("sums", kind)]


def _block_scores(x: FloatArray, kinds: Sequence[str]) -> dict[str, FloatArray]:
    """Scores of a block of events (rows of estimation residuals then event ARs)."""
    if kinds == ("median_sign",):
        return {"median_sign": np.sign(x - np.nanmedian(x, axis=1, keepdims=True))}
    k = _ranks(x)
    n_i = count(x, 1)[:, None]
    return {"corrado": k - (n_i + 1) / 2.0, "modified": k / (n_i + 1) - 0.5}


def _ts_scaled(ctx: Context, kind: str, scale: str) -> tuple[FloatArray, float]:
    """Daily cross-sectional aggregate of the scores and its time-series sd over all days.

    ``scale="mean"``: ``Q_u = (1/N_u) sum_i s_iu``; ``scale="sqrt"``: ``(1/sqrt(N_u)) sum_i s_iu``.
    """
    total, n_u = _score_sums(ctx, kind)
    if ctx.conv.firm_sum == "rowmean_times_n":  # as Context.firm_sum
        total = total * ctx.n / np.maximum(n_u, 1)
    total = np.where(n_u > 0, total, np.nan)
    q = _divide(total, n_u if scale == "mean" else np.sqrt(n_u))
    s = float(np.sqrt(np.nansum(q**2) / _variance_divisor(ctx, q)))
    return q, s


def _rank_family(ctx: Context, kind: str, scale: str) -> tuple[FloatArray, float]:
    q, s = _ts_scaled(ctx, kind, scale)
    return q[len(ctx.panel.est_rel) :], s


def _family_daily(ctx: Context, kind: str, scale: str, alt: str) -> Rows:
    q_evt, s = _rank_family(ctx, kind, scale)
    return _normal_rows(ctx.aar, q_evt / s, ctx.n_t, alt)


def _family_window(
    ctx: Context, kind: str, scale: str, windows: Sequence[Window], alt: str
) -> Rows:
    q_evt, s = _rank_family(ctx, kind, scale)
    est, stat, n = [], [], []
    for w in windows:
        days = ctx.window_days(w) & np.isfinite(q_evt)
        est.append(window_sum(ctx.aar[days]))
        stat.append(float(q_evt[days].sum() / (s * np.sqrt(days.sum()))) if days.any() else np.nan)
        n.append(int(ctx.present[:, days].any(axis=1).sum()))
    return _normal_rows(np.array(est), np.array(stat), np.array(n), alt)


# ----------------------------------------------------------------------------- estudy2's CAR rank
@dataclass(frozen=True)
class CommonMeanRankSums:
    """Sums over events behind estudy2's CAR rank statistic for one window's days.

    Each is a sum over events, so partitions of the events add up
    (:meth:`total`); ranks are half-integers, so the sums are exact in any order.

    Attributes
    ----------
    rank_sum : (L1 + Lw,) float array
        Per day (estimation days, then the window's event-grid days): the sum of the ranks
        ``K_iu`` of the events with a return that day.
    rank_count : (L1 + Lw,) int array
        Per day: the events with a return.
    half_sum : float
        ``sum_i (n_i + 1) / 2`` over the events with at least one return (``n_i``: event
        *i*'s returns over the estimation and window days).
    with_data : int
        Events with at least one return.
    obs_sum : int
        ``sum_i n_i`` over all events.
    events : int
        All events (with or without returns).

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.inference.nonparametric import CommonMeanRankSums
    >>> one = CommonMeanRankSums(np.array([1.0, 2.0]), np.array([1, 1]), 1.5, 1, 2, 1)
    >>> CommonMeanRankSums.total([one, one]).rank_sum
    array([2., 4.])
    """

    rank_sum: FloatArray
    rank_count: npt.NDArray[np.int64]
    half_sum: float
    with_data: int
    obs_sum: int
    events: int

    @classmethod
    def total(cls, parts: Sequence[CommonMeanRankSums]) -> CommonMeanRankSums:
        """The sums of several partitions of the events (in any order).

        Examples
        --------
        >>> total = CommonMeanRankSums.total(parts_of_each_worker)  # doctest: +SKIP
        """
        return cls(
            np.sum([p.rank_sum for p in parts], axis=0),
            np.sum([p.rank_count for p in parts], axis=0).astype(np.int64),
            float(sum(p.half_sum for p in parts)),
            int(sum(p.with_data for p in parts)),
            int(sum(p.obs_sum for p in parts)),
            int(sum(p.events for p in parts)),
        )


def common_mean_rank_sums(ctx: Context, cols: npt.NDArray[np.bool_]) -> CommonMeanRankSums:
    """:class:`CommonMeanRankSums` of the window whose event-grid columns are ``cols``.

    Each event's ARs are ranked over its estimation days and the window's days (``NaN``
    kept out, ties averaged), a block of events at a time (one sort per block, no per-event
    work); on a panel whose estimation window the Dask workers hold, the workers sum their
    partitions (:meth:`~eventstudy.inference.partitioned.PartitionedEstimation.common_mean_rank_sums`).

    Examples
    --------
    >>> from eventstudy.inference._core import Context  # doctest: +SKIP
    >>> ctx = Context.of(panel, Conventions.profile("estudy2"))  # doctest: +SKIP
    >>> sums = common_mean_rank_sums(ctx, ctx.rel >= 0)  # doctest: +SKIP
    """
    cols = np.asarray(cols, dtype=bool)
    store = ctx.__dict__.setdefault("_nonparametric_memo", {})
    key = ("common_mean", cols.tobytes())
    if key not in store:
        if ctx.remote is not None:  # summed on the workers
            store[key] = ctx.remote.common_mean_rank_sums(cols)
        else:
            width = ctx.est.shape[1] + int(cols.sum())
            rank_sum = np.zeros(width)
            rank_count = np.zeros(width, dtype=np.int64)
            half_sum, with_data, obs_sum = 0.0, 0, 0
            for lo in range(0, ctx.n, _RANK_BLOCK):  # blocks of events, not single events
                hi = lo + _RANK_BLOCK
                x = np.concatenate([ctx.est[lo:hi], ctx.ar[lo:hi][:, cols]], axis=1)
                ok = ~np.isnan(x)
                n_i = ok.sum(axis=1)
                rank_sum += np.where(ok, _ranks(x), 0.0).sum(axis=0)
                rank_count += ok.sum(axis=0)
                half_sum += float(((n_i[n_i > 0] + 1) / 2.0).sum())
                with_data += int((n_i > 0).sum())
                obs_sum += int(n_i.sum())
            store[key] = CommonMeanRankSums(
                rank_sum, rank_count, half_sum, with_data, obs_sum, ctx.n
            )
    out: CommonMeanRankSums = store[key]
    return out


def common_mean_rank_statistic(
    sums: CommonMeanRankSums,
    kept: npt.NDArray[np.bool_],
    variance_days: str = "mean_obs",
) -> float:
    """estudy2's ``car_rank_test``: Corrado's rank statistic of a CAR window with one common
    mean rank (``Conventions(car_rank="common_mean")``).

    Parameters
    ----------
    sums : CommonMeanRankSums
        The window's sums over events (:func:`common_mean_rank_sums`).
    kept : (Lw,) bool array
        Which of the window's days enter the statistic (the coverage rule,
        ``Conventions.car_min_coverage``).
    variance_days : {"mean_obs", "days_with_data"}
        Divisor of the time-series variance (``Conventions.rank_variance_days``): the mean
        number of returns per event (estudy2) or the number of days with data.

    Returns
    -------
    float
        The statistic (standard normal under H0); ``NaN`` without a kept day or variance.

    Notes
    -----
    The R package estudy2 0.10.0 (Rudnytskyi, ``car_rank_test`` in
    ``R/car_nonparametric_tests.R``), which cites Corrado (1989), "A nonparametric test for
    abnormal security-price performance in event studies", *Journal of Financial Economics*
    23, 385-395, and Cowan (1992), "Nonparametric event study tests", *Review of Quantitative
    Finance and Accounting* 2, 343-358. ``K_iu`` ranks event *i*'s ARs over its estimation
    days and the window's days ``u`` (ties averaged, missing returns left out), ``n_i`` of
    them; ``N_u`` events have a rank on day ``u``, ``N`` events in all. With one common mean
    rank and the window's ``T`` kept days ``t``,

    .. math:: \\bar K = \\operatorname{mean}_{i:\\, n_i > 0} \\frac{n_i + 1}{2}, \\quad
              \\bar K_u = \\frac{1}{N_u}\\sum_i K_{iu}, \\quad
              S^2 = \\frac{1}{D}\\sum_u \\big(\\bar K_u - \\bar K\\big)^2,

    .. math:: Z = \\sqrt{T}\\, \\frac{\\bar K_{\\mathrm{kept}} - \\bar K}{S}, \\quad
              \\bar K_{\\mathrm{kept}} = \\frac{\\sum_{t \\text{ kept}} \\sum_i K_{it}}
              {\\sum_{t \\text{ kept}} N_t},

    ``u`` over the estimation and window days with data, ``D = (1/N) sum_i n_i`` (estudy2)
    or the number of those days; the kept mean pools the kept (event, day) ranks.

    Corrado's own statistic centres each rank on its event's mean ``(n_i + 1)/2`` and a
    window sums the daily statistics (Cowan 1992; Campbell & Wasley 1993; the default
    ``car_rank="daily_sum"``). Without missing returns (all ``n_i`` equal) and with the
    window as the whole event window the two are the same number; when events have
    different ``n_i``, ``\\bar K_u`` and ``\\bar K_{kept}`` mix events whose ranks have
    different means, and the statistics differ.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.inference.nonparametric import (
    ...     CommonMeanRankSums, common_mean_rank_statistic)
    >>> # one event, 4 days ranked 1..4 (two estimation days, a window of two kept days)
    >>> sums = CommonMeanRankSums(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4, dtype=np.int64),
    ...                           2.5, 1, 4, 1)
    >>> # sqrt(2) * (3.5 - 2.5) / S,  S^2 = (1.5^2 + 0.5^2 + 0.5^2 + 1.5^2) / 4
    >>> round(common_mean_rank_statistic(sums, np.array([True, True])), 6)
    1.264911
    """
    kept = np.asarray(kept, dtype=bool)
    l1 = len(sums.rank_sum) - len(kept)
    count_u = sums.rank_count
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_u = sums.rank_sum / count_u
        kbar = sums.half_sum / sums.with_data if sums.with_data else np.nan
        has = count_u > 0
        divisor = sums.obs_sum / sums.events if variance_days == "mean_obs" else has.sum()
        s = np.sqrt(np.sum((mean_u[has] - kbar) ** 2) / divisor)
        t_days = int(kept.sum())
        kept_n = count_u[l1:][kept].sum()
        if not t_days or not kept_n or not s > 0:
            return float("nan")
        kept_mean = sums.rank_sum[l1:][kept].sum() / kept_n
        return float(np.sqrt(t_days) * (kept_mean - kbar) / s)


def _common_mean_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    """Corrado rank rows of CAR windows under ``car_rank="common_mean"`` (estudy2); the
    estimate follows ``car_aggregation`` (mean daily AAR, or the sum of the AARs)."""
    est, stat, n = [], [], []
    for w in windows:
        cols = (ctx.rel >= w[0]) & (ctx.rel <= w[1])
        keep = ctx.window_days(w)
        sums = common_mean_rank_sums(ctx, cols)
        stat.append(common_mean_rank_statistic(sums, keep[cols], ctx.conv.rank_variance_days))
        if not keep.any():
            est.append(np.nan)
        elif ctx.conv.car_aggregation == "daily_average":
            est.append(float(nanmean(ctx.aar[keep], 0)))
        else:
            est.append(window_sum(ctx.aar[keep]))
        n.append(int(ctx.present[:, keep].any(axis=1).sum()))
    return _normal_rows(np.array(est), np.array(stat), np.array(n), alt)


def _common_mean_car_rows(conv: Conventions) -> bool:
    return conv.car_rank == "common_mean"


def corrado_rank(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Corrado (1989) rank test.

    Notes
    -----
    Corrado, C. J. (1989), "A nonparametric test for abnormal security-price performance in
    event studies", *Journal of Financial Economics* 23, 385-395. ``K_it`` ranks event *i*'s
    ARs over its estimation and event days together (ties averaged), ``n_i`` of them:

    .. math:: T_t = \\frac{1}{N_t}\\sum_i \\frac{K_{it} - (n_i+1)/2}{S(K)}, \\quad
              S(K)^2 = \\frac{1}{T}\\sum_u \\Big(\\frac{1}{N_u}\\sum_i (K_{iu} - (n_i+1)/2)\\Big)^2

    ``u`` over all estimation and event days, ``T`` days with data (``"mean_obs"``:
    ``mean(n_i)``). Standard normal. A window of ``L_w`` days: ``sum_t T_t / sqrt(L_w)``
    (Campbell & Wasley 1993). With ``Conventions(car_rank="common_mean")`` (the estudy2
    profile) a window is instead estudy2's ``car_rank_test``, every rank centred on one
    common mean rank (:func:`common_mean_rank_statistic`); the two differ only when events
    have different numbers of returns.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import corrado_rank
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = corrado_rank(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.5370   0.5912
    1  [-1, 1]    0.0061     0.5001   0.6170
    >>> same = res.tests(["corrado_rank"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_RANK, panel, windows, daily, conventions, alternative)


def corrado_zivney_rank(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Corrado & Zivney (1992) modified (standardised) rank test.

    Notes
    -----
    Corrado, C. J. and Zivney, T. L. (1992), "The specification and power of the sign test in
    event study hypothesis tests using daily stock returns", *Journal of Financial and
    Quantitative Analysis* 27, 465-478. With ``U_it = K_it / (n_i + 1)`` (uniform on (0, 1)
    under H0, robust to missing values),

    .. math:: T_t = \\frac{N_t^{-1/2}\\sum_i (U_{it} - 1/2)}{S}, \\quad
              S^2 = \\frac{1}{T}\\sum_u \\Big(N_u^{-1/2}\\sum_i (U_{iu} - 1/2)\\Big)^2

    Standard normal; windows as for :func:`corrado_rank`.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import corrado_zivney_rank
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = corrado_zivney_rank(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.5442   0.5863
    1  [-1, 1]    0.0061     0.6060   0.5445
    >>> same = res.tests(["corrado_zivney_rank"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_MRANK, panel, windows, daily, conventions, alternative)


def corrado_zivney_sign(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Corrado & Zivney (1992) sign test against each event's median AR.

    Notes
    -----
    Corrado & Zivney (1992). ``G_it = sign(AR_it - median_i)`` with the median over the
    event's estimation and event days,

    .. math:: T_t = \\frac{N_t^{-1/2}\\sum_i G_{it}}{S}, \\quad
              S^2 = \\frac{1}{T}\\sum_u \\Big(N_u^{-1/2}\\sum_i G_{iu}\\Big)^2

    Standard normal; windows as for :func:`corrado_rank`.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import corrado_zivney_sign
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = corrado_zivney_sign(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038     0.7055   0.4805
    1  [-1, 1]    0.0061     1.2219   0.2217
    >>> same = res.tests(["corrado_zivney_sign"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_CSIGN, panel, windows, daily, conventions, alternative)


# ----------------------------------------------------------------------------- GRANK
#: events per block of GRANK's per-call work (their sorted SARs and the column comparisons)
_GRANK_BLOCK = 8_192


@dataclass(frozen=True)
class _GrankBase:
    """The estimation-window SARs of every event, ranked once per context (AR-free; 2 bytes
    a cell: the doubled ranks, the sorted SARs are not kept).

    Events are stored in ``perm`` order, sorted by their number of estimation SARs
    ``m_i``: events sharing ``m_i`` share the divisors ``T_i + 1`` of their ``U``'s, so their
    rank shifts can be summed as integers.

    Attributes
    ----------
    perm : (n,) int
        Event (row of the panel) stored at each position.
    segments : list of (lo, hi, group)
        Blocks of at most ``_GRANK_BLOCK`` stored positions inside one group.
    m : (G,) int
        Estimation SARs of the events of each group.
    rank2 : (n, L1) int16 or int32
        Twice the within-event average rank of each estimation SAR (0 where missing).
    base : (L1,) float
        ``sum_i rank_iu / (m_i + 2)`` over all events (every event with a ``SCAR*``).
    n_col : (L1,) int
        Events with an estimation SAR per column.
    """

    perm: npt.NDArray[np.intp]
    segments: list[tuple[int, int, int]]
    m: npt.NDArray[np.int64]
    rank2: npt.NDArray[np.signedinteger]
    base: FloatArray
    n_col: npt.NDArray[np.int64]


def _grank_base(ctx: Context) -> _GrankBase:
    """Sort and rank each event's estimation SARs ``e_iu / sigma_i`` once per context (kept
    on the context as ``grank_base`` while GRANK's rows are computed - released after them,
    ``TestSpec.releases`` - and shared with :meth:`Context.with_ar` copies)."""
    if "grank_base" in ctx.__dict__:
        cached: _GrankBase = ctx.__dict__["grank_base"]
        return cached
    n, width = ctx.est.shape
    # twice a rank is at most 2 * L1: int16 holds it (and the sentinel) up to L1 = 16,383
    itype = np.int16 if 2 * width < np.iinfo(np.int16).max else np.int32
    m_i = count(ctx.est, 1)
    perm = np.argsort(m_i, kind="stable")
    m, starts = np.unique(m_i[perm], return_index=True)
    bounds = np.append(starts, n)
    segments = [
        (lo, min(lo + _GRANK_BLOCK, int(bounds[g + 1])), g)
        for g in range(len(m))
        for lo in range(int(bounds[g]), int(bounds[g + 1]), _GRANK_BLOCK)
    ]
    sd = np.sqrt(ctx.sigma2)
    rank2 = np.empty((n, width), dtype=itype)
    for lo in range(0, n, _RANK_BLOCK):  # blocks of events, not single events
        rows = perm[lo : lo + _RANK_BLOCK]
        r = _block_ranks(ctx.est[rows] / sd[rows, None])
        rank2[lo : lo + len(rows)] = np.where(np.isnan(r), 0.0, 2.0 * r)
    base = np.zeros(width)
    for lo, hi, g in segments:  # groups of events (integer rank sums), not single events
        base += rank2[lo:hi].sum(axis=0, dtype=np.int64) * (0.5 / (m[g] + 2.0))
    out = _GrankBase(perm, segments, m, rank2, base, count(ctx.est, 0))
    ctx.__dict__["grank_base"] = out
    return out


def _bisect_rows(
    sorted_: FloatArray, m: npt.NDArray[np.int64], x: FloatArray, right: bool
) -> npt.NDArray[np.int64]:
    """Per row ``i`` and value ``x_ic``: how many of the row's first ``m_i`` (ascending)
    values are ``< x_ic`` (``<= x_ic`` with ``right``); one vectorised binary search over
    all rows and columns of ``x``, ``O(log L1)`` steps (``bisect_left`` / ``bisect_right``)."""
    rows, width = sorted_.shape
    flat = sorted_.ravel()
    row0 = (np.arange(rows) * width)[:, None]
    lo = np.zeros(x.shape, dtype=np.int64)
    hi = np.broadcast_to(m[:, None], x.shape).astype(np.int64)
    for _ in range(int(width).bit_length()):  # each step halves every interval
        mid = (lo + hi) >> 1
        v = flat[row0 + np.minimum(mid, width - 1)]
        go = (v <= x) if right else (v < x)
        active = lo < hi
        lo = np.where(active & go, mid + 1, lo)
        hi = np.where(active & ~go, mid, hi)
    return lo


def _grank_column_means(
    ctx: Context, stars: FloatArray
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Events with a ``U`` and the mean ``U`` per column of ``[SAR_est, SCAR*]``, for each
    column of ``stars`` (the ``SCAR*_i`` of one window each): ``(W, L1 + 1)`` both.

    Kolari & Pynnönen (2011), generalised rank: ``U_it = rank(GSAR_it) / (T_i + 1) - 1/2``
    with the ranks of the estimation SARs and ``SCAR*_i`` together. The estimation SARs are
    ranked once (:func:`_grank_base`); joining ``SCAR*_i`` moves the rank of each SAR above it up
    by 1 (tied: 1/2, average ranks), and ``SCAR*_i``'s own rank is
    ``1 + #below + #tied / 2``. Both counts come from a binary search of the row's sorted
    SARs; which columns move is one integer comparison of the stored (doubled) ranks with
    ``2 #(<= SCAR*)``, summed per group of events with the same ``T_i``. The ``(n, L1 + 1)``
    matrix of ``U``'s is never formed; the numbers equal ``rankdata`` on it up to rounding.
    The sums over events come from :func:`grank_sums` (on the Dask workers' partitions
    when the panel's estimation window is held there: ``ctx.remote``).
    """
    remote = ctx.remote
    sums = remote.grank_sums(stars, ctx.conv) if remote is not None else grank_sums(ctx, stars)
    base, none, shift, star_sum, star_n, n_col = sums
    n_win, width = none.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        est_means = (base + none + shift) / n_col - 0.5
        star_mean = star_sum / star_n - 0.5
    n_t = np.column_stack([np.broadcast_to(n_col, (n_win, width)), star_n])
    ubar = np.column_stack([est_means, star_mean])
    return n_t, np.where(n_t > 0, ubar, np.nan)


def grank_sums(
    ctx: Context, stars: FloatArray
) -> tuple[
    FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]
]:
    """The sums over events behind :func:`_grank_column_means`: ``base`` ``(L1,)``, the
    corrections ``none`` and ``shift`` ``(W, L1)``, the ``U`` sum and count of ``SCAR*``
    ``(W,)`` and the events per estimation column ``(L1,)``; each is a sum over events, so
    the sums of a panel's partitions add up to the panel's (``eventstudy.parallel``)."""
    b = _grank_base(ctx)
    width, n_win = ctx.est.shape[1], stars.shape[1]
    sentinel = np.iinfo(b.rank2.dtype).max  # above every doubled rank: no column moves
    a_star, a_none = 1.0 / (2.0 * (b.m + 2)), 1.0 / (2.0 * (b.m + 1))
    # per window and column: the rank moves of events with a SCAR* (U over T_i + 1 = m_i + 2)
    # and the correction for events without one (U over m_i + 1); per window, SCAR*'s U sum
    shift = np.zeros((n_win, width))
    none = np.zeros((n_win, width))
    star_sum, star_n = np.zeros(n_win), np.zeros(n_win, dtype=np.int64)
    sd = np.sqrt(ctx.sigma2)
    for lo, hi, g in b.segments:  # blocks of events, not single events
        rows = b.perm[lo:hi]
        rank2 = b.rank2[lo:hi]
        m_rows = np.full(hi - lo, b.m[g], dtype=np.int64)
        # the block's SARs sorted again (as fast as gathering them by a kept order, which
        # would hold another 2 bytes a cell): the same division as the ranked SARs, so the
        # comparisons are exact; NaN sorts last, after the row's m_i SARs
        sorted_ = np.sort(ctx.est[rows] / sd[rows, None], axis=1)
        x = stars[rows]
        has = ~np.isnan(x)
        below = _bisect_rows(sorted_, m_rows, x, right=False)
        tied_any = np.zeros(x.shape, dtype=bool)
        if width:  # a SAR equal to SCAR* sits where the search stopped
            at = np.take_along_axis(sorted_, np.minimum(below, width - 1), axis=1)
            tied_any = (below < m_rows[:, None]) & (at == x)
        upto = _bisect_rows(sorted_, m_rows, x, right=True) if tied_any.any() else below
        star_sum += np.where(has, below + upto + 2, 0).sum(axis=0) * a_star[g]
        star_n += has.sum(axis=0)
        thr = np.where(has, 2 * upto, sentinel).astype(b.rank2.dtype).T.copy()
        for w in range(n_win):  # windows (a few dozen), not events
            moved = rank2 > thr[w][:, None]  # the SARs above SCAR*: their rank moves up by 1
            up = np.add.reduce(moved.view(np.uint8), axis=0, dtype=np.int32).astype(float)
            ties = tied_any[:, w]
            if ties.any():  # ties are rare with continuous returns
                r2 = rank2[ties]
                lower = (2 * below[ties, w, None]).astype(r2.dtype)
                up += 0.5 * ((r2 > lower) & (r2 <= thr[w][ties, None])).sum(axis=0)
            shift[w] += up * (2.0 * a_star[g])
            if not has[:, w].all():  # events without a SCAR*: their ranks over T_i = m_i
                r_none = rank2[~has[:, w]].sum(axis=0, dtype=np.int64)
                none[w] += r_none * (a_none[g] - a_star[g])
    return b.base, none, shift, star_sum, star_n, np.asarray(b.n_col, dtype=np.int64)


def _grank_rows(ctx: Context, colsets: list[npt.NDArray[np.bool_]], alt: str) -> Rows:
    """GRANK t, its df, the CAAR and N for each column set (one-day sets: the daily test)."""
    nan4 = np.full(len(colsets), np.nan)
    t, df, est, n = nan4.copy(), nan4.copy(), nan4.copy(), nan4.copy()
    tested = [k for k, c in enumerate(colsets) if c.any()]
    stars = np.empty((ctx.n, len(tested)))
    for j, k in enumerate(tested):  # windows, not events
        car, _ = ctx.car(colsets[k])
        scar = ctx.scar(colsets[k])
        # re-standardised for event-induced volatility: SCAR* = SCAR / s(SCAR)
        stars[:, j] = scar / np.sqrt(nanvar(scar, 0, ddof=1))
        est[k] = float(nanmean(car, 0))
    if tested:
        n_t, ubar = _grank_column_means(ctx, stars)
        for j, k in enumerate(tested):  # windows, not events
            has = n_t[j] > 0
            t_days = int(has.sum())
            s2 = np.sum((n_t[j, has] / ctx.n) * ubar[j, has] ** 2) / t_days
            z = ubar[j, -1] / np.sqrt(s2)
            with np.errstate(invalid="ignore"):
                t[k] = z * np.sqrt((t_days - 2) / (t_days - 1 - z**2))
            df[k], n[k] = t_days - 2, n_t[j, -1]
    return Rows(est, t, p_values(t, "t", df, alt), "t", df, np.nan_to_num(n).astype(np.int64))


def _grank_daily(ctx: Context, alt: str) -> Rows:
    cols = [(ctx.rel == r) & (ctx.n_t > 0) for r in ctx.rel]
    return _grank_rows(ctx, cols, alt)


def _grank_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    return _grank_rows(ctx, [ctx.window_days(w) for w in windows], alt)


def grank(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Kolari & Pynnönen (2011) generalised rank test (GRANK).

    Notes
    -----
    Kolari, J. W. and Pynnönen, S. (2011), "Nonparametric rank tests for event studies",
    *Journal of Empirical Finance* 18, 953-971. The window collapses to one day: the
    standardised CAR ``SCAR_i`` (prediction-error corrected), re-standardised
    ``SCAR*_i = SCAR_i / s(SCAR)`` for event-induced volatility, joins the estimation-window
    SARs ``e_iu / sigma_i``; ``U_it = rank(GSAR_it) / (T_i + 1) - 1/2`` and

    .. math:: Z = \\frac{\\bar U_0}{S_{\\bar U}}, \\quad
              S_{\\bar U}^2 = \\frac{1}{T}\\sum_t \\frac{N_t}{N} \\bar U_t^2, \\quad
              t_{grank} = Z\\sqrt{\\frac{T-2}{T-1-Z^2}} \\sim t(T-2)

    ``T`` = estimation days + 1. Cross-sectional correlation enters through ``S_U``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import grank
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = grank(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038    -0.5800   0.5624
    1  [-1, 1]    0.0061     0.4911   0.6238
    >>> same = res.tests(["grank"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_GRANK, panel, windows, daily, conventions, alternative)


# ----------------------------------------------------------------------------- Wilcoxon
@lru_cache(maxsize=256)
def signed_rank_distribution(n: int) -> npt.NDArray[np.float64]:
    """Exact null distribution of the Wilcoxon signed-rank ``W+`` for ``n`` untied ranks.

    ``out[w] = P(W+ = w)``, ``w = 0 .. n(n+1)/2``, by the recursion on the largest rank.

    Examples
    --------
    >>> from eventstudy.inference.nonparametric import signed_rank_distribution
    >>> # n = 3: the 8 sign patterns of ranks 1, 2, 3 give W+ = 0, 1, 2, 3, 3, 4, 5, 6
    >>> (signed_rank_distribution(3) * 8).tolist()
    [1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0]
    """
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for r in range(1, n + 1):
        counts[r:] = counts[r:] + counts[:-r].copy()
    return counts / 2.0**n


_EXACT_MAX_N = 50


def _qsignrank(p: float, n: int) -> int:
    """Smallest ``x`` with ``P(W+ <= x) >= p`` (R's ``qsignrank``)."""
    cdf = np.cumsum(signed_rank_distribution(n))
    return int(np.searchsorted(cdf, p - 1e-12))


def _estudy2_wilcoxon_stars(w: FloatArray, n: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    """estudy2's critical values: ``W >= q(1-a)`` or ``W <= N(N+1)/2 - q(1-a/2)``."""
    out = np.full(w.shape, "", dtype=object)
    for j in range(len(w)):
        nj = int(n[j])
        if nj == 0 or not np.isfinite(w[j]):
            continue
        top = nj * (nj + 1) / 2
        for a, mark in ((0.10, "*"), (0.05, "**"), (0.01, "***")):
            if w[j] >= _qsignrank(1 - a, nj) or w[j] <= top - _qsignrank(1 - a / 2, nj):
                out[j] = mark
    return out


def _wilcoxon_rows(ctx: Context, x: FloatArray, est: FloatArray, alt: str) -> Rows:
    absx = np.where(x == 0, np.nan, np.abs(x))  # zeros dropped (Wilcoxon 1945)
    # ranks within each column, one column at a time: rankdata(axis=0) ranks the columns
    # independently too, but with (n, L) temporaries (~1 GB at a million events, issue 14)
    r = np.empty(absx.shape)
    for j in range(absx.shape[1]):  # event days or windows, not events
        r[:, j] = stats.rankdata(absx[:, j], nan_policy="omit")
    w = ctx.firm_sum(np.where(np.isnan(absx), np.nan, np.where(x > 0, r, 0.0)))
    n = count(absx, 0)
    p = np.full(w.shape, np.nan)
    dist = []
    for j in range(len(w)):
        nj = int(n[j])
        col = absx[:, j][~np.isnan(absx[:, j])]
        ties = len(np.unique(col)) < nj
        if nj == 0 or not np.isfinite(w[j]):
            dist.append("signed-rank")
            continue
        if nj <= _EXACT_MAX_N and not ties and float(w[j]).is_integer():
            pmf = signed_rank_distribution(nj)
            wi = int(w[j])
            p[j] = combine_tails(np.array(pmf[: wi + 1].sum()), np.array(pmf[wi:].sum()), alt)
            dist.append("signed-rank")
        else:
            _, tcounts = np.unique(col, return_counts=True)
            mean = nj * (nj + 1) / 4
            var = nj * (nj + 1) * (2 * nj + 1) / 24 - np.sum(tcounts**3 - tcounts) / 48
            z = (w[j] - mean) / np.sqrt(var)
            p[j] = p_values(np.array(z), "normal", None, alt)
            dist.append("normal")
    stars = (
        _estudy2_wilcoxon_stars(w, n)
        if ctx.conv.wilcoxon_critical == "estudy2"
        else stars_from_p(p)
    )
    return Rows(est, w, p, dist, np.full(w.shape, np.nan), n, stars)


def _wilcoxon_daily(ctx: Context, alt: str) -> Rows:
    return _wilcoxon_rows(ctx, ctx.ar, ctx.aar, alt)


def _wilcoxon_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    cars = _window_cars(ctx, windows)
    return _wilcoxon_rows(ctx, cars, nanmean(cars, 0), alt)


def wilcoxon(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """Wilcoxon (1945) signed-rank test on the cross-section of ARs (or CARs).

    Notes
    -----
    Wilcoxon, F. (1945), "Individual comparisons by ranking methods", *Biometrics Bulletin* 1,
    80-83. Zeros dropped, ranks ``R_it`` of ``|AR_it|`` among the ``N_t`` non-zero ARs:

    .. math:: W^+_t = \\sum_i R_{it}\\,1[AR_{it} > 0]

    The statistic column holds ``W+``. p-value exact (``N_t <= 50`` and no ties) or normal
    with mean ``N(N+1)/4`` and tie-corrected variance ``N(N+1)(2N+1)/24 - sum(t^3 - t)/48``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import wilcoxon
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = wilcoxon(res.panel, windows=[(0, 0), (-1, 1)], daily=False)
    >>> rows[["window", "estimate", "statistic", "p_value"]].round(4)
        window  estimate  statistic  p_value
    0   [0, 0]   -0.0038       15.0   0.7422
    1  [-1, 1]    0.0061       23.0   0.5469
    >>> same = res.tests(["wilcoxon"], windows=[(0, 0), (-1, 1)])  # the registry's way
    >>> same["statistic"].round(10).tolist() == rows["statistic"].round(10).tolist()
    True
    """
    return run_spec(_WILCOXON, panel, windows, daily, conventions, alternative)


def _rank_daily(ctx: Context, alt: str) -> Rows:
    return _family_daily(ctx, "corrado", "mean", alt)


def _rank_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    if ctx.conv.car_rank == "common_mean":
        return _common_mean_window(ctx, windows, alt)
    return _family_window(ctx, "corrado", "mean", windows, alt)


def _mrank_daily(ctx: Context, alt: str) -> Rows:
    return _family_daily(ctx, "modified", "sqrt", alt)


def _mrank_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    return _family_window(ctx, "modified", "sqrt", windows, alt)


def _csign_daily(ctx: Context, alt: str) -> Rows:
    return _family_daily(ctx, "median_sign", "sqrt", alt)


def _csign_window(ctx: Context, windows: Sequence[Window], alt: str) -> Rows:
    return _family_window(ctx, "median_sign", "sqrt", windows, alt)


# the sign, generalised sign and Wilcoxon tests count signs / ranks across events: with one
# event they say nothing (p = 1), so a single-event study leaves them out (min_events=2)
_SIGN = register(TestSpec("sign", _sign_daily, _sign_window, naive=True, min_events=2))
_GSIGN = register(
    TestSpec("generalized_sign", _gsign_daily, _gsign_window, naive=True, min_events=2)
)
_CSIGN = register(
    TestSpec("corrado_zivney_sign", _csign_daily, _csign_window, naive=False, caar="aar_sum")
)
_RANK = register(
    TestSpec(
        "corrado_rank",
        _rank_daily,
        _rank_window,
        naive=False,
        caar="aar_sum",
        # estudy2's car_rank_test is not a sum of daily statistics: its own window rows
        # also under car_aggregation="daily_average"
        own_car_rows=_common_mean_car_rows,
    )
)
_MRANK = register(
    TestSpec("corrado_zivney_rank", _mrank_daily, _mrank_window, naive=False, caar="aar_sum")
)
_GRANK = register(
    TestSpec(
        "grank",
        _grank_daily,
        _grank_window,
        naive=False,
        z_like=False,
        min_events=2,
        releases=frozenset({"grank_base"}),  # ~1 GB at a million events: not kept after
    )
)
_WILCOXON = register(
    TestSpec("wilcoxon", _wilcoxon_daily, _wilcoxon_window, naive=True, z_like=False, min_events=2)
)
