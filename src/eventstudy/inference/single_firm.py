"""Tests for each event on its own: t on AR and CAR with the prediction-error variance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..engine.panel import EventPanel, window_label
from ._core import (
    Context,
    Window,
    check_alternative,
    in_result_schema,
    normalise_windows,
    p_values,
    stars_from_p,
)
from .conventions import Alternative, Conventions

__all__ = ["single_firm_t"]

_DEFAULT = Conventions()


def single_firm_t(
    panel: EventPanel,
    windows: Sequence[Window] | None = None,
    daily: bool = True,
    conventions: Conventions = _DEFAULT,
    alternative: Alternative = "two-sided",
) -> pd.DataFrame:
    """t statistics of each event's AR (daily) and CAR (windows).

    Returns
    -------
    pandas.DataFrame
        One row per event and day / window: ``event_id, ticker, test, window, rel_day, start,
        end, estimate`` (AR or CAR), ``std_error, statistic, p_value, alternative,
        distribution, df, n`` (1: each row is one event), ``stars, conventions``.

    Notes
    -----
    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997), *The Econometrics of Financial
    Markets*, ch. 4.4, eqs. (4.4.7)-(4.4.14):

    .. math:: Var(AR_{it}) = \\sigma_i^2 (1 + x_t'(X'X)^{-1}x_t), \\quad
              Var(CAR_i) = \\sigma_i^2 (g'g + (X_w g)'(X'X)^{-1}(X_w g))

    using the full covariance of the prediction errors over the window (not only the
    diagonal). ``t = AR / sqrt(Var)`` is Student t with ``L_i - k`` df under normal
    residuals (``prediction_error=False`` drops the estimation-error term).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.inference import single_firm_t
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> rows = single_firm_t(res.panel, windows=[(0, 0)], daily=False)  # one row per event
    >>> rows[["event_id", "ticker", "estimate", "statistic", "df"]].head(3).round(4)
      event_id ticker  estimate  statistic     df
    0       e0     F0   -0.0004    -0.0293  185.0
    1       e1     F1   -0.0167    -0.9376  226.0
    2       e2     F2    0.0008     0.0413  237.0
    >>> len(res.single_firm_tests([(0, 0)], daily=False))  # the same rows from the results
    8
    """
    check_alternative(alternative)
    ctx = Context.of(panel, conventions)
    frames = []
    ids = np.asarray(panel.event_id)
    tick = np.asarray(panel.ticker)
    dof = np.asarray(panel.dof, dtype=float)
    if daily:
        se = np.sqrt(ctx.sigma2[:, None] * ctx.pe_factor)
        n, l2 = ctx.ar.shape
        frames.append(
            _frame(
                np.repeat(ids, l2),
                np.repeat(tick, l2),
                window=[None] * (n * l2),
                rel=np.tile(ctx.rel, n),
                start=np.tile(ctx.rel, n),
                end=np.tile(ctx.rel, n),
                est=ctx.ar.ravel(),
                se=se.ravel(),
                df=np.repeat(dof, l2),
                alt=alternative,
            )
        )
    if windows is not None or not daily:
        wins = normalise_windows(panel, windows)
        cars, ses = [], []
        for w in wins:
            cols = ctx.window_days(w)
            cars.append(ctx.car(cols)[0])
            ses.append(np.sqrt(ctx.sigma2 * ctx.car_var_factor(cols)))
        n, m = len(ids), len(wins)
        frames.append(
            _frame(
                np.repeat(ids, m),
                np.repeat(tick, m),
                window=[window_label(w) for w in wins] * n,
                rel=[None] * (n * m),
                start=[a for a, _ in wins] * n,
                end=[b for _, b in wins] * n,
                est=np.column_stack(cars).ravel(),
                se=np.column_stack(ses).ravel(),
                df=np.repeat(dof, m),
                alt=alternative,
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return in_result_schema(out, conventions=conventions.describe(), lead=("event_id", "ticker"))


def _frame(
    ids: np.ndarray,
    tick: np.ndarray,
    *,
    window: Sequence[object],
    rel: Sequence[object] | np.ndarray,
    start: Sequence[int] | np.ndarray,
    end: Sequence[int] | np.ndarray,
    est: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    alt: str,
) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = est / se
    p = p_values(stat, "t", df, alt)
    return pd.DataFrame(
        {
            "event_id": ids,
            "ticker": tick,
            "test": "single_firm_t",
            "window": pd.Series(list(window), dtype="string").array,
            "rel_day": pd.Series(list(rel), dtype="Int64").array,
            "start": pd.array(start, dtype="Int64"),
            "end": pd.array(end, dtype="Int64"),
            "estimate": est,
            "std_error": se,
            "statistic": stat,
            "p_value": p,
            "alternative": alt,
            "distribution": "t",
            "df": df,
            "n": 1,  # one event per row
            "stars": stars_from_p(p),
        }
    )
