"""Size and power of the tests on the user's own sample (Brown & Warner 1980, 1985 style).

Pseudo-events are drawn at random (firms and day-0 dates) from the user's returns, abnormal
returns of chosen sizes are planted on the event days, and each test's rejection rate is
reported at chosen levels with Clopper-Pearson confidence bands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..exceptions import DataError, InsufficientDataError, SpecError
from ._build import market_model_panel
from ._core import Context, Window, check_alternative
from ._registry import REGISTRY, window_rows
from .conventions import Alternative, Conventions

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["clopper_pearson", "plot_power", "simulate"]

_DEFAULT = Conventions()


def clopper_pearson(
    k: npt.ArrayLike, n: npt.ArrayLike, confidence: float = 0.95
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Exact binomial (Clopper & Pearson 1934) confidence interval for ``k`` successes in ``n``.

    Notes
    -----
    ``[B(a/2; k, n-k+1), B(1-a/2; k+1, n-k)]`` with ``B`` the beta quantile; 0 / 1 at the edges.

    Examples
    --------
    >>> from eventstudy.inference.simulation import clopper_pearson
    >>> lo, hi = clopper_pearson(5, 100)  # 5 rejections in 100 pseudo-studies
    >>> round(float(lo), 4), round(float(hi), 4)  # R: binom.test(5, 100)$conf.int
    (0.0164, 0.1128)
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    a = 1.0 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k > 0, stats.beta.ppf(a / 2, k, n - k + 1), 0.0)
        hi = np.where(k < n, stats.beta.ppf(1 - a / 2, k + 1, n - k), 1.0)
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def _prepare(
    returns: pd.DataFrame, market: str | pd.Series
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str], npt.NDArray[np.datetime64]]:
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] == 0:
        raise DataError("returns must be a wide DataFrame (index date, one column per ticker)")
    if isinstance(market, str):
        if market not in returns.columns:
            raise DataError(f"market {market!r} is not a column of returns; pass it as a Series")
        mkt = returns[market]
        firms = returns.drop(columns=[market])
    else:
        mkt = market.reindex(returns.index)
        firms = returns
    if firms.shape[1] == 0:
        raise DataError("returns hold no firm besides the market")
    r = firms.to_numpy(dtype=float)
    if np.isinf(r).any():
        raise DataError("returns contain infinite values")
    dates = pd.DatetimeIndex(returns.index).to_numpy(dtype="datetime64[ns]")
    return r, mkt.to_numpy(dtype=float), [str(c) for c in firms.columns], dates


def _draw_events(
    rng: np.random.Generator,
    valid: npt.NDArray[np.bool_],
    n_reps: int,
    n_events: int,
    shared_date: bool,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(firm, day0) arrays of shape (n_reps, n_events) among valid (day, firm) cells."""
    cells = np.argwhere(valid)  # (day, firm) pairs usable as an event
    if len(cells) == 0:
        raise InsufficientDataError("no (firm, day) has enough data for the chosen windows")
    if not shared_date:
        pick = rng.integers(0, len(cells), size=(n_reps, n_events))
        return cells[pick, 1], cells[pick, 0]
    days = np.nonzero(valid.sum(axis=1) >= n_events)[0]
    if len(days) == 0:
        raise InsufficientDataError(
            f"no date has {n_events} firms with enough data for a shared-date simulation"
        )
    day = rng.choice(days, size=n_reps)
    # n_events distinct valid firms per replication: random keys, invalid firms sorted last
    keys = np.where(valid[day], rng.random((n_reps, valid.shape[1])), 2.0)
    firm = np.argsort(keys, axis=1)[:, :n_events]
    return firm.astype(np.int64), np.repeat(day[:, None], n_events, axis=1).astype(np.int64)


def _valid_cells(
    r: npt.NDArray[np.float64],
    m: npt.NDArray[np.float64],
    estimation: Window,
    event: Window,
    min_coverage: float,
) -> npt.NDArray[np.bool_]:
    """(T, F) mask: a full estimation window with enough complete cases and full event data."""
    t_len = r.shape[0]
    ok = np.isfinite(r) & np.isfinite(m)[:, None]
    c = np.vstack([np.zeros((1, r.shape[1])), np.cumsum(ok, axis=0)])
    day = np.arange(t_len)
    lo_e, hi_e = day + estimation[0], day + estimation[1]
    lo_v, hi_v = day + event[0], day + event[1]
    inside = (lo_e >= 0) & (hi_v < t_len) & (lo_v >= 0)
    lo_e, hi_e = np.clip(lo_e, 0, t_len - 1), np.clip(hi_e, 0, t_len - 1)
    lo_v, hi_v = np.clip(lo_v, 0, t_len - 1), np.clip(hi_v, 0, t_len - 1)
    n_est = c[hi_e + 1] - c[lo_e]
    n_evt = c[hi_v + 1] - c[lo_v]
    need = min_coverage * (estimation[1] - estimation[0] + 1)
    return inside[:, None] & (n_est >= need) & (n_evt == event[1] - event[0] + 1)


def simulate(
    returns: pd.DataFrame,
    market: str | pd.Series,
    n_events: int = 50,
    n_reps: int = 1000,
    abnormal: Sequence[float] = (0.0, 0.005, 0.01, 0.02),
    tests: str | Sequence[str] = "all",
    levels: Sequence[float] = (0.01, 0.05, 0.10),
    seed: int | np.random.Generator | None = None,
    shared_date: bool = False,
    estimation: Window = (-250, -11),
    event: Window = (0, 0),
    window: Window | None = None,
    alternative: Alternative = "two-sided",
    conventions: Conventions = _DEFAULT,
    min_coverage: float = 0.9,
    band: float = 0.95,
    chunk_size: int = 250,
    progress: bool = True,
) -> pd.DataFrame:
    """Rejection rates of the tests on pseudo-events drawn from the user's returns.

    Parameters
    ----------
    returns : DataFrame
        Wide returns (index date, one column per ticker), e.g. from ``compute_returns``.
    market : str or Series
        Market column of ``returns`` (excluded from the firms) or a market return Series.
    n_events, n_reps : int
        Events per pseudo-study and number of pseudo-studies.
    abnormal : sequence of float
        Abnormal returns planted on every event day of ``window`` (0 measures size).
    tests : "all" or list of str
        Test names (see :func:`registered_tests`; ``"all"``: every registered test).
    levels : sequence of float
        Significance levels.
    seed : int or Generator, optional
    shared_date : bool
        All events of a pseudo-study share one day 0 (distinct firms): the clustered case.
    estimation, event : (start, end)
        Windows in trading days relative to day 0.
    window : (start, end), optional
        Window tested (and where AR is planted); default ``event``.
    alternative, conventions
        Passed to the tests.
    min_coverage : float
        Share of the estimation window a pseudo-event must have data for.
    band : float
        Confidence of the Clopper-Pearson band of each rejection rate.
    chunk_size : int
        Pseudo-studies fitted per batch (memory ~ chunk_size x n_events x window length).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per (test, abnormal, level): ``rejection_rate``, ``ci_low``, ``ci_high``,
        ``n_reps`` (pseudo-studies with a p-value), ``n_events``, ``shared_date``.

    Notes
    -----
    Brown, S. J. and Warner, J. B. (1980, 1985): pseudo-event dates and securities are drawn
    at random with replacement; the abnormal return ``delta`` is added to the event-day
    return, so each AR grows by exactly ``delta``. All pseudo-studies of a chunk are fitted in
    one batched least-squares pass; each test is then vectorised across the events of a
    pseudo-study. The band is Clopper & Pearson (1934).

    Examples
    --------
    200 pseudo-studies of 10 events drawn from simulated returns (a real study would pass
    its own returns and ``n_reps=1000``):

    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> returns = simulated_study().returns  # a market MKT and six firms, 420 days
    >>> sim = es.simulate(
    ...     returns, market="MKT", n_events=10, n_reps=200, abnormal=(0.0, 0.01),
    ...     tests=["cross_sectional_t", "patell"], levels=(0.05,), seed=0, progress=False,
    ... )
    >>> sim[["test", "abnormal", "rejection_rate", "ci_low", "ci_high"]].round(3)
                    test  abnormal  rejection_rate  ci_low  ci_high
    0  cross_sectional_t      0.00           0.040   0.017    0.077
    1  cross_sectional_t      0.01           0.365   0.298    0.436
    2             patell      0.00           0.025   0.008    0.057
    3             patell      0.01           0.475   0.404    0.547

    Size (``abnormal=0``) near the nominal 5%; power against a 1% abnormal return.
    """
    check_alternative(alternative)
    if n_events < 2 or n_reps < 1:
        raise SpecError("n_events must be >= 2 and n_reps >= 1")
    if not all(0 < a < 1 for a in levels):
        raise SpecError("levels must lie in (0, 1)")
    win = window if window is not None else event
    if not (event[0] <= win[0] <= win[1] <= event[1]):
        raise SpecError(f"window {win} must lie inside the event window {event}")
    names = (
        list(REGISTRY) if tests == "all" else ([tests] if isinstance(tests, str) else list(tests))
    )
    unknown = [t for t in names if t not in REGISTRY]
    if unknown:
        raise SpecError(f"unknown tests {unknown}; choose from {list(REGISTRY)} or 'all'")
    specs = [REGISTRY[t] for t in names]
    r, m, tickers, dates = _prepare(returns, market)
    valid = _valid_cells(r, m, estimation, event, min_coverage)
    rng = np.random.default_rng(seed)
    firm, day0 = _draw_events(rng, valid, n_reps, n_events, shared_date)
    deltas = np.asarray(abnormal, dtype=float)
    pvals = np.full((len(names), len(deltas), n_reps), np.nan)

    from .._notebook import progress_bar as tqdm  # text bar unless ipywidgets can draw one

    bar = tqdm(total=n_reps, disable=not progress, desc="simulate", unit="study")
    for start in range(0, n_reps, chunk_size):
        stop = min(start + chunk_size, n_reps)
        big = market_model_panel(
            r,
            m,
            firm[start:stop].ravel(),
            day0[start:stop].ravel(),
            estimation,
            event,
            dates=dates,
            tickers=tickers,
        )
        plant = ((big.evt_rel >= win[0]) & (big.evt_rel <= win[1])).astype(float)
        for rep in range(start, stop):
            rows = slice((rep - start) * n_events, (rep - start + 1) * n_events)
            base = Context(big.take(rows), conventions)
            for j, delta in enumerate(deltas):
                # planting delta on the event-day return raises each AR by exactly delta
                ctx = base.with_ar(base.ar + delta * plant)
                for i, spec in enumerate(specs):
                    pvals[i, j, rep] = window_rows(spec, ctx, [win], alternative).p_value[0]
            bar.update(1)
    bar.close()
    return _summarise(pvals, names, deltas, levels, band, n_events, shared_date)


def _summarise(
    pvals: npt.NDArray[np.float64],
    names: list[str],
    deltas: npt.NDArray[np.float64],
    levels: Sequence[float],
    band: float,
    n_events: int,
    shared_date: bool,
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    finite = np.isfinite(pvals)
    n_ok = finite.sum(axis=2)
    for a in levels:
        k = (np.where(finite, pvals, 1.0) <= a).sum(axis=2)
        lo, hi = clopper_pearson(k, n_ok, band)
        for i, name in enumerate(names):
            for j, delta in enumerate(deltas):
                rows.append(
                    {
                        "test": name,
                        "abnormal": float(delta),
                        "level": float(a),
                        "rejection_rate": k[i, j] / n_ok[i, j] if n_ok[i, j] else np.nan,
                        "ci_low": lo[i, j],
                        "ci_high": hi[i, j],
                        "band": band,
                        "n_reps": int(n_ok[i, j]),
                        "n_events": n_events,
                        "shared_date": shared_date,
                    }
                )
    return pd.DataFrame(rows)


def plot_power(
    sim: pd.DataFrame,
    level: float = 0.05,
    tests: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Power curves: rejection rate against the planted abnormal return, with bands.

    Draws on ``ax`` when given (e.g. to put shared-date and random-date simulations side by
    side), else on a new figure. Returns the matplotlib ``Figure`` (nothing is shown).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = es.simulate(
    ...     simulated_study().returns, market="MKT", n_events=10, n_reps=50,
    ...     abnormal=(0.0, 0.01, 0.02), tests=["cross_sectional_t", "patell"], seed=0, progress=False,
    ... )
    >>> fig = es.plot_power(sim, level=0.05)
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('planted abnormal return (%)', 'rejection rate at 0.05')
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['cross_sectional_t', 'patell', 'nominal 0.05']
    >>> fig.savefig("power.png")  # doctest: +SKIP
    """
    from matplotlib.figure import Figure

    from .._notebook import register_figure_display

    register_figure_display()  # a Jupyter kernel shows the returned figure once
    need = {"test", "abnormal", "level", "rejection_rate", "ci_low", "ci_high"}
    if not need <= set(sim.columns):
        raise SpecError(
            f"plot_power needs the output of simulate(); missing {sorted(need - set(sim.columns))}"
        )
    part = sim[np.isclose(sim["level"], level)]
    if part.empty:
        raise SpecError(
            f"level {level} is not in the simulation (levels: {sorted(set(sim['level']))})"
        )
    if ax is None:
        fig = Figure(figsize=(7, 4.5))
        ax = fig.subplots()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    for name in tests if tests is not None else list(dict.fromkeys(part["test"])):
        d = part[part["test"] == name].sort_values("abnormal")
        x = 100 * d["abnormal"].to_numpy()
        (line,) = ax.plot(x, d["rejection_rate"].to_numpy(), marker="o", label=name)
        ax.fill_between(
            x, d["ci_low"].to_numpy(), d["ci_high"].to_numpy(), color=line.get_color(), alpha=0.15
        )
    ax.axhline(level, color="grey", linestyle="--", linewidth=1, label=f"nominal {level:g}")
    ax.set_xlabel("planted abnormal return (%)")
    ax.set_ylabel(f"rejection rate at {level:g}")
    ax.set_ylim(0, 1)
    ax.legend(fontsize="small", ncol=2)
    if title:
        ax.set_title(title)
    return fig
