"""Resampling inference: bootstrap confidence intervals for CAAR and the pseudo-event test."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..engine.panel import EventPanel, window_label
from ..exceptions import InsufficientDataError, SpecError
from ._core import (
    Context,
    FloatArray,
    Window,
    check_alternative,
    count,
    in_result_schema,
    normalise_windows,
)
from ._stats import not_applicable
from .conventions import Alternative, Conventions

__all__ = ["bootstrap_caar", "pseudo_event_test"]

_DEFAULT = Conventions()


def bootstrap_caar(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    n_boot: int = 9999,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    conventions: Conventions = _DEFAULT,
    strict: bool = False,
) -> pd.DataFrame:
    """Percentile bootstrap confidence interval of CAAR, resampling events.

    Parameters
    ----------
    panel : EventPanel
    windows : list of (start, end), optional
        Default: the whole event window.
    n_boot : int
        Bootstrap replications.
    level : float
        Confidence level of the interval.
    seed : int or numpy Generator, optional
    strict : bool
        Raise :class:`~eventstudy.exceptions.InsufficientDataError` for a window with fewer
        than two events with a CAR, instead of giving it a row with NaN numbers and a
        ``reason``.

    Returns
    -------
    pandas.DataFrame
        ``test, window, start, end, estimate, ci_low, ci_high, level, std_error, n, n_boot,
        reason`` (``reason`` empty when computed; why not where the numbers are NaN).

    Notes
    -----
    Efron, B. and Tibshirani, R. (1993), *An Introduction to the Bootstrap*, ch. 13. Events
    are drawn with replacement (``B x N`` index matrix, all replications at once); the
    interval is ``[q_{a/2}, q_{1-a/2}]`` of the resampled means
    ``CAAR* = (1/N) sum_i CAR*_i``. Resampling whole events keeps each event's window intact
    but assumes events are independent: with clustered dates use the portfolio approach.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import bootstrap_caar
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = bootstrap_caar(res.panel, [(0, 1)], n_boot=999, seed=1)
    >>> rows[["window", "estimate", "ci_low", "ci_high", "n_boot"]].round(4)
       window  estimate  ci_low  ci_high  n_boot
    0  [0, 1]     -0.0    -0.0122   0.0134     999
    """
    if not 0 < level < 1:
        raise SpecError("level must be in (0, 1)")
    if n_boot < 100:
        raise SpecError("n_boot must be at least 100")
    ctx = Context.of(panel, conventions)
    rng = np.random.default_rng(seed)
    rows = []
    for w in normalise_windows(panel, windows):
        car = ctx.car(ctx.window_days(w))[0]
        car = car[np.isfinite(car)]
        label = window_label(w)
        if len(car) < 2:  # nothing to resample: a row with the reason, not an error
            reason = (
                f"window {label}: {len(car)} event(s) with a CAR; resampling events needs "
                "at least 2 (use single_firm_t or pseudo_event_test for one event)"
            )
            not_applicable(reason, strict)
            mean = car.mean() if len(car) else np.nan
            rows.append(
                (
                    "bootstrap",
                    label,
                    *w,
                    mean,
                    np.nan,
                    np.nan,
                    level,
                    np.nan,
                    len(car),
                    n_boot,
                    reason,
                )
            )
            continue
        boot = _resampled_means(car, n_boot, rng)
        lo, hi = np.quantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2])
        rows.append(
            (
                "bootstrap",
                label,
                w[0],
                w[1],
                car.mean(),
                lo,
                hi,
                level,
                boot.std(ddof=1),
                len(car),
                n_boot,
                "",
            )
        )
    cols = [
        "test",
        "window",
        "start",
        "end",
        "estimate",
        "ci_low",
        "ci_high",
        "level",
        "std_error",
        "n",
        "n_boot",
        "reason",
    ]
    return in_result_schema(
        pd.DataFrame(rows, columns=cols),
        conventions=conventions.describe(),
        distribution="bootstrap",
    )


#: resampled values drawn at once (32 MB of indices): memory O(N), not O(B N)
_BOOT_CELLS = 1 << 22


def _resampled_means(car: FloatArray, n_boot: int, rng: np.random.Generator) -> FloatArray:
    """Means of ``n_boot`` resamples of ``car`` drawn in blocks of replications.

    The index matrix is ``n_boot x N`` (2.75 GB at 19,000 events and 9,999 replications);
    blocks of replications hold at most :data:`_BOOT_CELLS` indices. Every block but the
    last draws an even number of indices, so the generator consumes its stream exactly as
    one ``(n_boot, N)`` draw does: the same resamples, the same numbers.
    """
    n = len(car)
    per = max(2, _BOOT_CELLS // n)
    per += (per * n) % 2  # an even count of draws per block
    out = np.empty(n_boot)
    for lo in range(0, n_boot, per):  # blocks of replications, not single events
        b = min(per, n_boot - lo)
        out[lo : lo + b] = car[rng.integers(0, n, size=(b, n))].mean(axis=1)
    return out


def pseudo_event_test(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    alternative: Alternative = "two-sided",
    conventions: Conventions = _DEFAULT,
) -> pd.DataFrame:
    """Pseudo-event (permutation) test of each event's CAR against its own history.

    The right tool for one firm on one day (e.g. Nvidia on 2025-01-27): no cross-section,
    no normality.

    Returns
    -------
    pandas.DataFrame
        One row per event and window: ``event_id, ticker, test, window, start, end, estimate``
        (the event CAR), ``statistic`` (its percentile among the pseudo CARs), ``p_value``,
        ``alternative``, ``distribution="empirical"``, ``n`` (number of pseudo windows).

    Notes
    -----
    The event window of length ``L_w`` is compared with every ``L_w``-day window of the same
    event's estimation-window abnormal returns (a permutation of the event date within the
    firm's own history; cf. the placebo approach of Brown & Warner 1980, and the sampling
    approach of Gelbach, Helland & Klick 2013 "SQ test"):

    .. math:: p = \\frac{1 + \\#\\{m : |CAR^{pseudo}_m| \\ge |CAR|\\}}{1 + M}

    (one-sided: ``>=`` / ``<=`` on the signed CAR). Estimation residuals are in-sample and
    slightly less dispersed than prediction errors, so p is a little liberal for short
    estimation windows; windows containing a missing day are skipped.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import pseudo_event_test
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = pseudo_event_test(res.panel, [(0, 1)])  # each CAR against its own estimation window
    >>> rows[["event_id", "estimate", "p_value", "n"]].head(3).round(4)
      event_id  estimate  p_value    n
    0       e0    0.0097   0.5761  183
    1       e1   -0.0074   0.7655  225
    2       e2   -0.0105   0.7185  237
    """
    check_alternative(alternative)
    ctx = Context.of(panel, conventions)
    rows = []
    est = ctx.est
    csum = np.concatenate([np.zeros((ctx.n, 1)), np.cumsum(np.nan_to_num(est), axis=1)], axis=1)
    cmiss = np.concatenate([np.zeros((ctx.n, 1)), np.cumsum(np.isnan(est), axis=1)], axis=1)
    for w in normalise_windows(panel, windows):
        cols = ctx.window_days(w)
        car, days = ctx.car(cols)
        length = int(cols.sum())
        if length == 0 or length >= est.shape[1]:
            raise InsufficientDataError(f"window {w} is empty or longer than the estimation window")
        pseudo = csum[:, length:] - csum[:, :-length]
        complete = (cmiss[:, length:] - cmiss[:, :-length]) == 0
        pseudo = np.where(complete, pseudo, np.nan)
        m = count(pseudo, 1)
        with np.errstate(invalid="ignore"):
            ge = np.sum(pseudo >= car[:, None], axis=1)
            le = np.sum(pseudo <= car[:, None], axis=1)
            absge = np.sum(np.abs(pseudo) >= np.abs(car)[:, None], axis=1)
        if alternative == "greater":
            p = (1 + ge) / (1 + m)
        elif alternative == "less":
            p = (1 + le) / (1 + m)
        else:
            p = (1 + absge) / (1 + m)
        p = np.where(np.isfinite(car) & (days == length) & (m > 0), p, np.nan)
        pct = np.where(m > 0, le / np.maximum(m, 1), np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "event_id": np.asarray(panel.event_id),
                    "ticker": np.asarray(panel.ticker),
                    "test": "pseudo_event",
                    "window": window_label(w),
                    "start": w[0],
                    "end": w[1],
                    "estimate": car,
                    "statistic": pct,
                    "p_value": p,
                    "alternative": alternative,
                    "distribution": "empirical",
                    "n": m,
                }
            )
        )
    return in_result_schema(
        pd.concat(rows, ignore_index=True),
        conventions=conventions.describe(),
        lead=("event_id", "ticker"),
    )
