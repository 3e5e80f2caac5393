"""Figures of a shock scan: the shock calendar and one day's abnormal returns by sector.

``scan`` is a :class:`~eventstudy.scan.ShockScan` (typed ``Any``: its methods call these
functions, and the package keeps no import cycle, not even for type checking).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..report.plotting import _new_axes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_sector_ars", "plot_shock_calendar"]


def plot_shock_calendar(
    scan: Any,
    *,
    top: int = 8,
    rank_by: str = "share",
    ax: Axes | None = None,
    figsize: tuple[float, float] = (10.0, 4.0),
) -> Figure:
    """Timeline of the shock index: the share of firms flagged each session.

    Shock days are red, the null's ``1 - day_level`` quantile (estimated from the previous
    days only) is the dashed line, the ``top`` days by ``rank_by`` are labelled with their
    date and mean abnormal return.

    Examples
    --------
    ``scan`` as in the :class:`~eventstudy.scan.ShockScan` example:

    >>> from eventstudy.scan import plot_shock_calendar
    >>> fig = plot_shock_calendar(scan, top=1)
    >>> fig.axes[0].get_ylabel()
    'firms flagged (%)'
    """
    fig, ax = _new_axes(ax, figsize)
    idx = scan.index[scan.index["n_firms"] > 0]
    shock = idx["shock"].to_numpy()
    dates = idx.index
    share = 100 * idx["share"].to_numpy()
    ax.vlines(dates[~shock], 0, share[~shock], color="0.6", linewidth=0.8, label="session")
    ax.vlines(dates[shock], 0, share[shock], color="tab:red", linewidth=1.2, label="shock day")
    ax.plot(dates, 100 * idx["null_hi"].to_numpy(), color="black", linestyle="--",
            linewidth=0.8, label=f"null {1 - scan.meta['day_level']:.0%} quantile")  # fmt: skip
    ax.plot(dates, 100 * idx["null_share"].to_numpy(), color="black", linewidth=0.6,
            alpha=0.6, label="null mean")  # fmt: skip
    best = scan.days(top=top, rank_by=rank_by)
    for date, row in best.iterrows():
        ax.annotate(
            f"{date:%Y-%m-%d}\n{100 * row['mean_ar']:+.1f}%",
            xy=(date, 100 * row["share"]),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    if len(share):
        ax.set_ylim(0, max(float(np.nanmax(share)) * 1.18, 1.0))
    ax.set_ylabel("firms flagged (%)")
    ax.set_title(
        f"Shock calendar: share of {len(scan.firms)} firms with an extreme abnormal return"
    )
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig


def plot_sector_ars(
    scan: Any,
    date: Any,
    *,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (8.0, 5.0),
    percent: bool = True,
) -> Figure:
    """One day's abnormal returns by sector: a box per sector, flagged firms in red.

    Sectors are ordered by their mean abnormal return; the label shows flagged / scanned.

    Examples
    --------
    ``rets`` as in the :class:`~eventstudy.scan.ShockScan` example:

    >>> from eventstudy.scan import plot_sector_ars
    >>> sectors = {f"F{i}": ("A" if i < 15 else "B") for i in range(30)}
    >>> with_sectors = es.scan_shocks(rets, estimation=(-120, -1), sectors=sectors)
    >>> fig = plot_sector_ars(with_sectors, "2024-12-16")
    >>> fig.axes[0].get_xlabel()
    'abnormal return (%)'
    """
    table = scan.sector_day(date)  # raises without a sector map or for an unscanned day
    fig, ax = _new_axes(ax, figsize)
    ar = scan.ar.loc[date]
    flags = scan.flags.loc[date]
    assert scan.sectors is not None
    scale = 100.0 if percent else 1.0
    data, labels = [], []
    for pos, sector in enumerate(table.index):
        members = scan.sectors.index[(scan.sectors == sector).to_numpy()]
        vals = ar[members].dropna()
        data.append(scale * vals.to_numpy())
        labels.append(f"{sector} ({table.loc[sector, 'n_flagged']}/{table.loc[sector, 'n_firms']})")
        hit = flags[vals.index].to_numpy(dtype=bool)
        jitter = pos + 1 + 0.15 * np.linspace(-1, 1, len(vals)) if len(vals) > 1 else [pos + 1]
        ax.scatter(scale * vals.to_numpy()[~hit], np.asarray(jitter)[~hit], s=6, color="0.5")
        ax.scatter(scale * vals.to_numpy()[hit], np.asarray(jitter)[hit], s=10, color="tab:red")
    ax.boxplot(data, showfliers=False, widths=0.6, **_horizontal())
    ax.set_yticks(np.arange(1, len(labels) + 1), labels, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("abnormal return" + (" (%)" if percent else ""))
    ax.set_title(f"Abnormal returns by sector on {date_text(date)} (red: flagged)")
    return fig


def _horizontal() -> dict[str, Any]:
    """Horizontal boxes: ``orientation`` from matplotlib 3.10 (``vert`` is deprecated there)."""
    import matplotlib

    major, minor = (int(p) for p in matplotlib.__version__.split(".")[:2])
    return {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}


def date_text(date: Any) -> str:
    import pandas as pd

    return f"{pd.Timestamp(date):%Y-%m-%d}"
