"""Figures of the second stage: CAR against a characteristic, CAR distributions, volume paths.

Each function returns a matplotlib :class:`~matplotlib.figure.Figure` (not registered with
pyplot, so nothing pops up and nothing leaks) that a researcher can restyle; pass ``ax=`` to
draw into an existing axes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import DataError, SpecError
from ..report.plotting import _new_axes, critical_value

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_car_distribution", "plot_car_scatter", "plot_volume_path"]


def _frame(data: Any, window: tuple[int, int] | None, chars: pd.DataFrame | None) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    from .crosssection import cross_section_frame

    return cross_section_frame(data, window, chars)


def _need(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SpecError(
            f"{what}: column(s) {missing} not in the cross-section frame; available: "
            f"{list(map(str, frame.columns))} (pass data= with the characteristic)"
        )


def plot_car_scatter(
    data: Any,
    x: str,
    *,
    y: str = "car",
    window: tuple[int, int] | None = None,
    chars: pd.DataFrame | None = None,
    label: str | None = "ticker",
    percent: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """Each event's ``y`` (CAR by default) against characteristic ``x``, with the OLS line.

    Parameters
    ----------
    data
        A results object (its :func:`~eventstudy.second_stage.cross_section_frame` over
        ``window`` with ``chars`` is used) or such a frame.
    x, y
        Columns of the frame (``y``: ``car``, ``bhar`` or ``scar``).
    label
        Column whose values annotate the points (``None``: no labels; skipped above 60 points).
    percent
        Show ``car``/``bhar`` in percent.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = plot_car_scatter(res, "beta", window=(0, 1))  # beta: a column of the frame
    >>> fig.axes[0].get_title(), fig.axes[0].get_ylabel()
    ('CAR against beta (8 events)', 'CAR (%)')
    >>> fig.savefig("car_vs_beta.png")  # doctest: +SKIP
    """
    frame = _frame(data, window, chars)
    _need(frame, [x, y], "plot_car_scatter")
    sub = frame[[c for c in dict.fromkeys([x, y, label]) if c is not None]].copy()
    sub[x] = pd.to_numeric(sub[x], errors="coerce")
    sub = sub.dropna(subset=[x, y])
    if len(sub) < 2:
        raise DataError(f"plot_car_scatter: fewer than 2 events have both {x!r} and {y!r}")
    scale = 100.0 if percent and y in ("car", "bhar") else 1.0
    fig, ax = _new_axes(ax, figsize=(6.5, 4.5))
    xs = sub[x].to_numpy(dtype=float)
    ys = scale * sub[y].to_numpy(dtype=float)
    ax.scatter(xs, ys, s=18, alpha=0.7)
    slope, intercept = np.polyfit(xs, ys, 1)
    grid = np.linspace(xs.min(), xs.max(), 50)
    ax.plot(grid, intercept + slope * grid, color="C3", label=f"OLS: slope {slope:.3g}")
    if label is not None and len(sub) <= 60:
        for xi, yi, text in zip(xs, ys, sub[label].astype(str), strict=True):
            ax.annotate(text, (xi, yi), fontsize=7, xytext=(2, 2), textcoords="offset points")
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.set_xlabel(x)
    ax.set_ylabel(f"{y.upper()} (%)" if scale == 100.0 else y.upper())
    ax.set_title(f"{y.upper()} against {x} ({len(sub)} events)")
    ax.legend(loc="best", fontsize=8)
    return fig


def plot_car_distribution(
    data: Any,
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
    """Distribution of the events' CARs: a histogram, or one violin per group.

    Parameters
    ----------
    value
        ``car``, ``bhar`` or ``scar``.
    by
        Column defining the groups (e.g. ``"group"`` or a sector from ``chars``); with
        ``kind="hist"`` the groups are overlaid.
    kind
        ``"hist"`` or ``"violin"`` (needs ``by``).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> plot_car_distribution(res, window=(0, 1), bins=5).axes[0].get_title()
    'Distribution of CAR over [0, 1]'
    >>> sectors = pd.DataFrame(
    ...     {"ticker": [f"F{j}" for j in range(6)], "sector": ["tech"] * 3 + ["energy"] * 3}
    ... )
    >>> fig = plot_car_distribution(res, by="sector", kind="violin", window=(0, 1), chars=sectors)
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]  # F0 and F2 have two events
    ['energy\\n(n=3)', 'tech\\n(n=5)']
    """
    if kind not in ("hist", "violin"):
        raise SpecError(f"kind={kind!r}; use 'hist' or 'violin'")
    if kind == "violin" and by is None:
        raise SpecError("kind='violin' needs by= (a column of groups, e.g. 'group')")
    frame = _frame(data, window, chars)
    _need(frame, [value] + ([by] if by else []), "plot_car_distribution")
    frame = frame.dropna(subset=[value])
    if frame.empty:
        raise DataError(f"plot_car_distribution: no event has a {value!r}")
    scale = 100.0 if percent and value in ("car", "bhar") else 1.0
    unit = f"{value.upper()} (%)" if scale == 100.0 else value.upper()
    groups: list[tuple[str, np.ndarray]]
    if by is None:
        groups = [("all", scale * frame[value].to_numpy(dtype=float))]
    else:
        labels = frame[by].astype(object).where(frame[by].notna(), "(none)").astype(str)
        groups = [
            (g, scale * frame.loc[labels == g, value].to_numpy(dtype=float))
            for g in sorted(labels.unique())
        ]
    width = 6.5 if kind == "hist" else max(6.5, 0.8 * len(groups) + 2)
    fig, ax = _new_axes(ax, figsize=(width, 4.5))
    if kind == "hist":
        edges: Any = np.histogram_bin_edges(np.concatenate([g[1] for g in groups]), bins=bins)
        for name, values in groups:
            ax.hist(values, bins=edges, alpha=0.6 if by else 0.9, label=f"{name} (n={len(values)})")
        ax.set_xlabel(unit)
        ax.set_ylabel("events")
        ax.axvline(0.0, color="0.4", linewidth=0.8)
        if by is not None:
            ax.legend(fontsize=8)
    else:
        keep = [(n, v) for n, v in groups if len(v) > 1]
        if not keep:
            raise DataError("plot_car_distribution: every group has fewer than 2 events")
        ax.violinplot([v for _, v in keep], showmedians=True)
        ax.set_xticks(
            np.arange(1, len(keep) + 1),
            [f"{n}\n(n={len(v)})" for n, v in keep],
            rotation=45,
            ha="right",
            fontsize=8,
        )
        ax.set_ylabel(unit)
        ax.axhline(0.0, color="0.4", linewidth=0.8)
    suffix = f" over [{window[0]}, {window[1]}]" if window is not None else ""
    ax.set_title(f"Distribution of {value.upper()}{suffix}" + (f" by {by}" if by else ""))
    return fig


def plot_volume_path(
    res: Any,
    *,
    level: float = 0.95,
    cumulative: bool = False,
    by: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Mean abnormal (log) volume by relative day with a cross-sectional confidence band.

    ``res`` is the result of :func:`~eventstudy.second_stage.volume_study` (or any study:
    the path of its mean abnormal outcome). The band is mean ± z·sd/sqrt(n) across events.
    ``cumulative`` cumulates the mean path; ``by="group"`` draws one line per group.
    The cumulative band adds the days' variances (days taken as independent).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.second_stage import volume_study
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study()  # 420 days of MKT and six firms, 8 events
    >>> dates, tickers = sim.returns.index, list(sim.returns.columns)
    >>> rng = np.random.default_rng(0)
    >>> prices = pd.DataFrame(  # tidy daily volume, lognormal around 440,000 shares
    ...     {
    ...         "date": np.tile(dates, len(tickers)),
    ...         "ticker": np.repeat(tickers, len(dates)),
    ...         "volume": rng.lognormal(13, 0.3, len(tickers) * len(dates)).round(),
    ...     }
    ... )
    >>> on_event_day = pd.MultiIndex.from_frame(prices[["ticker", "date"]]).isin(
    ...     list(zip(sim.events["ticker"], sim.events["date"]))
    ... )
    >>> prices.loc[on_event_day, "volume"] *= 3  # triple volume on each event day
    >>> vol = volume_study(sim.events, prices, market="MKT", calendar=None)
    >>> fig = plot_volume_path(vol, cumulative=True)
    >>> fig.axes[0].get_title()
    'Mean cumulative abnormal log volume (95 % band)'
    """
    z = critical_value(level)
    ar = res.ar if not isinstance(res, pd.DataFrame) else res
    if by is not None and by not in ar.columns:
        raise SpecError(f"by={by!r} is not a column of the abnormal-volume frame")
    fig, ax = _new_axes(ax)
    keys = [("all", ar)] if by is None else [(str(g), f) for g, f in ar.groupby(by, dropna=False)]
    for name, part in keys:
        stats_ = part.groupby("rel_day")["ar"].agg(["mean", "std", "count"])
        mean = stats_["mean"].to_numpy()
        half = z * stats_["std"].to_numpy() / np.sqrt(stats_["count"].to_numpy())
        if cumulative:
            mean = np.cumsum(np.nan_to_num(mean))
            half = z * np.sqrt(
                np.cumsum(np.nan_to_num(stats_["std"].to_numpy() ** 2 / stats_["count"].to_numpy()))
            )
        days = stats_.index.to_numpy()
        ax.plot(days, mean, marker="o", markersize=3, label=name)
        ax.fill_between(days, mean - half, mean + half, alpha=0.2)
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.axvline(0.0, color="0.5", linestyle=":", linewidth=0.8)
    ax.set_xlabel("trading day relative to the event")
    what = "cumulative abnormal log volume" if cumulative else "abnormal log volume"
    ax.set_ylabel(f"mean {what}")
    ax.set_title(f"Mean {what} ({int(level * 100)} % band)")
    if by is not None:
        ax.legend(fontsize=8)
    return fig
