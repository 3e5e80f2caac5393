"""The market-wide shock index of each day and its look-ahead-free null distribution.

Day ``t`` has ``N_t`` scanned firms of which ``K_t`` are flagged. Its null is estimated from the
``null_window`` scanned days before ``t`` only (never from ``t`` or later), so a day's index,
p-values and shock flag do not change when later data arrive.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ._rolling import window_sums

__all__ = ["day_index", "episodes_of", "screened_null"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: a day with ``p_share`` at or below this level enters later days' nulls winsorised at the
#: ``1 - SCREEN_LEVEL`` quantile of its own null (see :func:`screened_null`)
SCREEN_LEVEL = 0.001


def _trailing_moments(
    values: FloatArray, ok: BoolArray, null_window: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Count, mean and sample variance (``n - 1``) of ``values`` over the previous days."""
    v0 = np.where(ok, values, 0.0)
    n = window_sums(ok.astype(np.float64), -null_window, -1)
    s = window_sums(v0, -null_window, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / n
        var = np.maximum(window_sums(v0 * v0, -null_window, -1) - s * mean, 0.0) / (n - 1.0)
    return n, mean, var


def overdispersion(
    mean_share: FloatArray, var_share: FloatArray, n_firms: FloatArray
) -> FloatArray:
    """Intra-day correlation ``rho`` of the flags, by the method of moments.

    For ``N`` flags with common probability ``m`` and pairwise correlation ``rho`` the share
    flagged has variance ``m (1 - m) / N * (1 + (N - 1) rho)`` (the beta-binomial variance;
    Skellam 1948), hence ``rho = (v N / (m (1 - m)) - 1) / (N - 1)``, clipped to ``[0, 0.99]``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (var_share * n_firms / (mean_share * (1.0 - mean_share)) - 1.0) / (n_firms - 1.0)
    return np.clip(rho, 0.0, 0.99)


def share_pvalue(
    k: FloatArray, n: FloatArray, mean_share: FloatArray, rho: FloatArray
) -> FloatArray:
    """``P(K >= k)`` for ``K ~ BetaBinomial(n, a, b)`` with mean ``m`` and intra-day correlation
    ``rho`` (``a = m (1/rho - 1)``, ``b = (1 - m)(1/rho - 1)``; ``Binomial(n, m)`` when
    ``rho = 0``); NaN where the null is not estimated."""
    ok = np.isfinite(mean_share) & np.isfinite(rho) & (n > 0) & (mean_share > 0)
    m = np.where(ok, np.clip(mean_share, 1e-12, 1 - 1e-12), 0.5)
    r = np.where(ok, rho, 0.0)
    nn = np.where(ok, n, 1).astype(np.int64)
    kk = np.where(ok, k, 0).astype(np.int64)
    precision = np.where(r > 0, 1.0 / np.maximum(r, 1e-12) - 1.0, 1.0)
    p = np.where(
        r > 0,
        stats.betabinom.sf(kk - 1, nn, m * precision, (1 - m) * precision),
        stats.binom.sf(kk - 1, nn, m),
    )
    return np.where(ok, p, np.nan)


def share_quantile(q: float, n: FloatArray, mean_share: FloatArray, rho: FloatArray) -> FloatArray:
    """The ``q`` quantile of the null share flagged (for the calendar's null band)."""
    ok = np.isfinite(mean_share) & np.isfinite(rho) & (n > 0) & (mean_share > 0)
    m = np.where(ok, np.clip(mean_share, 1e-12, 1 - 1e-12), 0.5)
    r = np.where(ok, rho, 0.0)
    nn = np.where(ok, n, 1).astype(np.int64)
    precision = np.where(r > 0, 1.0 / np.maximum(r, 1e-12) - 1.0, 1.0)
    k = np.where(
        r > 0,
        stats.betabinom.ppf(q, nn, m * precision, (1 - m) * precision),
        stats.binom.ppf(q, nn, m),
    )
    return np.where(ok, k / nn, np.nan)


def screened_null(
    share: FloatArray,
    k: FloatArray,
    n_firms: FloatArray,
    has: BoolArray,
    *,
    day_level: float,
    null_window: int,
    min_null: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """The day test with earlier shock days screened out of each later day's null.

    Day ``t``'s null is estimated from the scanned sessions among the ``null_window`` before
    it, each earlier day whose own ``p_share`` was at most :data:`SCREEN_LEVEL` counting at
    the ``1 - SCREEN_LEVEL`` quantile of its own null (as a share) instead of its share
    (decided by its own past only, so the screen never looks ahead). Returns ``null_share``, ``rho``, ``p_share``, ``null_hi`` and
    ``n_null`` (the scanned sessions in the null window; 0 on unscanned days). A day's
    screen must be known before a later day's null is formed: the result equals a loop over
    the days in date order.
    """
    # Vectorised passes instead of a loop over days: each pass computes every day's null from
    # the current contributions and finds the earliest not-yet-screened day with
    # p <= SCREEN_LEVEL; screening it changes only the nulls of the days after it, so the next
    # pass restarts there. The number of passes is the number of screened days plus one.
    value = share.copy()  # what a day contributes to later nulls
    n_prev, _, _ = _trailing_moments(value, has, null_window)
    _, nbar, _ = _trailing_moments(n_firms, has, null_window)
    enough = has & (n_prev >= min_null)
    p_out = np.full(len(share), np.nan)
    start = 0
    while True:
        _, m_share, v_share = _trailing_moments(value, has, null_window)
        rho = np.where(enough, overdispersion(m_share, v_share, nbar), np.nan)
        m_share = np.where(enough, m_share, np.nan)
        p_out[start:] = share_pvalue(k[start:], n_firms[start:], m_share[start:], rho[start:])
        with np.errstate(invalid="ignore"):
            hits = np.flatnonzero(p_out[start:] <= SCREEN_LEVEL)
        if not len(hits):
            break
        t = start + int(hits[0])
        bar = share_quantile(
            1.0 - SCREEN_LEVEL, n_firms[t : t + 1], m_share[t : t + 1], rho[t : t + 1]
        )
        value[t] = min(share[t], float(bar[0]))  # a clear shock enters later nulls at this bar
        start = t + 1
    null_hi = share_quantile(1.0 - day_level, n_firms, m_share, rho)
    n_null = np.where(has, n_prev, 0.0).astype(np.int64)
    return m_share, rho, p_out, null_hi, n_null


def day_index(
    dates: pd.DatetimeIndex,
    ar: FloatArray,
    sar: FloatArray,
    flags: BoolArray,
    down: BoolArray,
    *,
    level: float,
    day_level: float,
    null_window: int,
    min_null: int,
) -> pd.DataFrame:
    """One row per session: the cross-section of SARs and the null of the share flagged.

    Notes
    -----
    * ``share = K_t / N_t``; ``p_binomial = P(K >= K_t)`` for ``K ~ Binomial(N_t, level)``
      (independent firms, nominal flag rate: anti-conservative when abnormal returns are
      cross-correlated or fat-tailed, shown for reference);
    * ``p_share`` (the one that decides a shock day): ``K ~ BetaBinomial(N_t, a, b)`` whose
      mean ``m_t`` and intra-day correlation ``rho_t`` (:func:`overdispersion`) are the
      moments of the share on the previous ``null_window`` scanned days (at least
      ``min_null``; their number is ``n_null``), so fat tails and cross-correlation of the
      past set the bar; ``shock = p_share <= day_level``;
    * **earlier shocks are screened** (:func:`screened_null`): a day whose own ``p_share`` was
      at most ``SCREEN_LEVEL = 0.001`` enters the later days' nulls winsorised at the
      ``0.999`` quantile of its own null (as a share), not at its share. Unscreened, each
      shock day inflated the null's variance and so raised the bar for the shocks after it
      (masking: with 20 planted days hitting 30 % of 500 firms at 5 sd in 332 sessions, only
      10 were found; all 20 are now). The screen uses only each day's own past, so appending
      data still never changes an earlier day; a day's bar is winsorised, not dropped, so a
      lasting rise of the flag rate still lifts the null. On simulated i.i.d. normal null
      returns ``p <= 0.001`` almost never occurs and the screen leaves the shock-day rates
      (nearly) unchanged. When shock days are frequent in a long sample the screened days
      still lift the null and power falls again (80 planted days in 1600 sessions: 43
      found; ``python benchmarks/scan_power.py --long``);
    * **the day test assumes no common volatility clustering**: the previous days' shares are
      taken as exchangeable with today's. When all firms' volatility rises and falls together
      a calm past sets too low a bar for a volatile stretch: on simulated nulls with a
      persistent common log-volatility the shock-day rate at ``day_level`` 0.01 is 0.024-0.032
      unscreened and 0.028-0.046 screened (0.0299 -> 0.0455 on one seed), and with a t(3)
      industry factor 0.018-0.019 -> 0.019-0.020 (``benchmarks/scan_power.py --dependent``);
      read a shock day in a turbulent period as "many more flags than the recent past", not
      as a calibrated p-value;
    * ``z_mean = mean SAR_t / sd(mean SAR_s, previous days)``: Brown & Warner's (1985) crude
      dependence adjustment, ``p_mean`` from Student t with (days - 1) degrees of freedom;
    * ``dispersion`` is the cross-sectional standard deviation of the SARs (``n - 1``) and
      ``z_dispersion`` its distance from the previous days' mean in their standard deviations
      (descriptive: no distribution is claimed for it).

    ``p_share`` is exact for the estimated null but conservative (``K`` is discrete: on
    simulated null returns about half of ``day_level`` of the days are shock days), while
    ``p_mean`` is close to nominal; both are tested in ``tests/test_scan.py``.
    """
    scanned = np.isfinite(sar)
    n_firms = scanned.sum(axis=1).astype(np.float64)
    k = flags.sum(axis=1).astype(np.float64)
    n_down = (flags & down).sum(axis=1)
    has = n_firms > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(has, k / np.maximum(n_firms, 1.0), np.nan)
        mean_ar = np.where(has, np.nansum(np.where(scanned, ar, 0.0), axis=1) / n_firms, np.nan)
        sar0 = np.where(scanned, sar, 0.0)
        mean_sar = np.where(has, sar0.sum(axis=1) / n_firms, np.nan)
        dev = np.where(scanned, sar - mean_sar[:, None], 0.0)
        dispersion = np.where(n_firms > 1, np.sqrt((dev * dev).sum(axis=1) / (n_firms - 1)), np.nan)
    m_share, rho, p_share, null_hi, n_null = screened_null(
        share, k, n_firms, has, day_level=day_level, null_window=null_window, min_null=min_null
    )
    p_binomial = np.where(has, stats.binom.sf(k - 1, n_firms.astype(np.int64), level), np.nan)
    n_m, _, v_mean = _trailing_moments(mean_sar, has, null_window)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_mean = np.where(has & (n_m >= min_null), mean_sar / np.sqrt(v_mean), np.nan)
    p_mean = np.where(
        np.isfinite(z_mean), 2.0 * stats.t.sf(np.abs(z_mean), np.maximum(n_m - 1.0, 1.0)), np.nan
    )
    n_d, m_disp, v_disp = _trailing_moments(dispersion, np.isfinite(dispersion), null_window)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_disp = np.where(n_d >= min_null, (dispersion - m_disp) / np.sqrt(v_disp), np.nan)
    frame = pd.DataFrame(
        {
            "n_firms": n_firms.astype(np.int64),
            "n_flagged": k.astype(np.int64),
            "n_down": n_down.astype(np.int64),
            "n_up": (k - n_down).astype(np.int64),
            "share": share,
            "null_share": m_share,
            "null_hi": null_hi,
            "rho": rho,
            "n_null": n_null,
            "p_share": p_share,
            "p_binomial": p_binomial,
            "mean_ar": mean_ar,
            "mean_sar": mean_sar,
            "z_mean": z_mean,
            "p_mean": p_mean,
            "dispersion": dispersion,
            "z_dispersion": z_disp,
        },
        index=pd.DatetimeIndex(dates, name="date"),
    )
    frame["shock"] = (frame["p_share"] <= day_level).to_numpy()
    # nullable integers: episode ids print and export as 7, not 7.0 (NA on other days)
    episode = pd.Series(_episode_ids(frame["shock"].to_numpy()), index=frame.index)
    frame["episode"] = episode.astype("Int64")
    return frame


def _episode_ids(shock: BoolArray) -> npt.NDArray[np.float64]:
    """1, 2, ... for runs of consecutive shock sessions; NaN on other days."""
    starts = shock & ~np.concatenate([[False], shock[:-1]])
    ids = np.cumsum(starts).astype(np.float64)
    return np.where(shock, ids, np.nan)


def episodes_of(index: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive shock sessions merged into episodes (one row each)."""
    days = index[index["shock"]].copy()
    columns = [
        "episode", "start", "end", "n_days", "peak_date", "peak_share",
        "n_flagged", "cum_mean_ar", "min_p_share",
    ]  # fmt: skip
    if days.empty:
        return pd.DataFrame(columns=columns)
    days["date"] = days.index
    grouped = days.groupby("episode", sort=True)
    peak = days.loc[grouped["share"].idxmax().to_numpy()]
    out = pd.DataFrame(
        {
            "episode": grouped.size().index.astype(np.int64),
            "start": grouped["date"].min().to_numpy(),
            "end": grouped["date"].max().to_numpy(),
            "n_days": grouped.size().to_numpy(),
            "peak_date": peak["date"].to_numpy(),
            "peak_share": peak["share"].to_numpy(),
            "n_flagged": grouped["n_flagged"].sum().to_numpy(),
            "cum_mean_ar": grouped["mean_ar"].sum().to_numpy(),
            "min_p_share": grouped["p_share"].min().to_numpy(),
        }
    )
    return out.reset_index(drop=True)
