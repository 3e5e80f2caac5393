"""Figures of an event study (matplotlib, object-oriented API).

Every function takes either a results object (anything with the tidy ``ar`` / ``car(window)``
frames of :class:`~eventstudy.results.EventStudyResults`) or the tidy DataFrames themselves,
draws on ``ax`` when given (else on a new figure) and returns the :class:`~matplotlib.figure.Figure`.
Nothing is shown and no global setting (``rcParams``, the pyplot state machine) is touched;
matplotlib is imported only when a figure is drawn.

Confidence bands are two-sided: ``z = norm.ppf(1 - (1 - level) / 2)`` (1.96 for 95%).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._notebook import register_figure_display
from ..engine import abnormal
from ..engine.abnormal import CaarMethod
from ..engine.panel import EventPanel, window_label
from ..exceptions import DataError, SpecError
from ..inference.guidance import critical_value

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import EventStudyResults

__all__ = [
    "caar_path",
    "critical_value",
    "fit_data",
    "panel_caar_path",
    "plot_ar_path",
    "plot_ar_paths",
    "plot_caar",
    "plot_car_bars",
    "plot_decomposition",
    "plot_fit",
    "plot_fits",
    "plot_overlay",
    "plot_prices",
]

#: What the figures draw from: a results object (its tidy frames are read) or a tidy frame
#: itself (an AR frame, a CAR frame, a CAAR path; each function names the columns it needs).
#: The results type is an annotation only (TYPE_CHECKING): report sits above results.
StudyData: TypeAlias = "EventStudyResults | pd.DataFrame"

Band = Literal["auto", "cross_sectional", "kolari_pynnonen", "model"]
BANDS: tuple[str, ...] = ("auto", "cross_sectional", "kolari_pynnonen", "model")
Window = tuple[int, int]


# Figures are made without pyplot; a Jupyter kernel is told how to show them (once).
register_figure_display()


# ----------------------------------------------------------------------------- helpers
def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.0)) -> tuple[Figure, Axes]:
    """The figure of ``ax``, or a fresh figure (not registered with pyplot) and its axes."""
    if ax is not None:
        fig = ax.get_figure()
        assert fig is not None
        return fig, ax  # type: ignore[return-value]
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _relative_day_axis(ax: Axes, dates: pd.Series | None = None) -> None:
    """Whole trading days on a relative-day x axis; with ``dates`` (the session of each
    relative day, indexed by it) a second axis on top labels the ticks with their dates."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trading days relative to the event")
    if dates is None or dates.dropna().empty:
        return
    known = dates.dropna()
    top = ax.secondary_xaxis("top")
    ticks = [float(t) for t in ax.get_xticks() if int(t) in known.index]
    top.xaxis.set_major_locator(FixedLocator(ticks))
    top.set_xticks(ticks, [pd.Timestamp(known.loc[int(t)]).strftime("%Y-%m-%d") for t in ticks])
    top.tick_params(labelsize="x-small", labelrotation=30)


def _session_dates(ar: pd.DataFrame) -> pd.Series | None:
    """The session of each relative day when every event shares it (one day 0), else None."""
    if "date" not in ar.columns:
        return None
    per_day = ar.dropna(subset=["date"]).groupby("rel_day")["date"].nunique()
    if per_day.empty or (per_day > 1).any():
        return None
    return ar.dropna(subset=["date"]).groupby("rel_day")["date"].first()


def _path_dates(data: Any) -> pd.Series | None:
    """:func:`_session_dates` of a results object's panel (no tidy AR frame) or of a frame."""
    panel = getattr(data, "panel", None)
    if not isinstance(panel, EventPanel):
        return _session_dates(_tidy(data, "ar"))
    dates = np.asarray(panel.evt_dates)
    valid = ~np.isnat(dates)
    days = valid.any(axis=0)
    if not days.any():
        return None
    first = dates[valid.argmax(axis=0), np.arange(dates.shape[1])]  # each day's first date
    if not ((dates == first) | ~valid).all(axis=0)[days].all():  # more than one day 0
        return None
    rel = np.asarray(panel.evt_rel, dtype=int)[days]
    return pd.Series(
        pd.DatetimeIndex(first[days]), index=pd.Index(rel, name="rel_day"), name="date"
    )


def _tidy(obj: StudyData, attr: str, *args: Any) -> pd.DataFrame:
    """A tidy frame from a results object (attribute or method ``attr``) or the frame itself."""
    if isinstance(obj, pd.DataFrame):
        return obj
    value = getattr(obj, attr, None)
    if value is None:
        raise SpecError(
            f"expected a DataFrame or a results object with .{attr}, got {type(obj).__name__}"
        )
    value = value(*args) if callable(value) else value
    if not isinstance(value, pd.DataFrame):
        raise DataError(f".{attr} of {type(obj).__name__} is not a DataFrame")
    return value


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what} needs the column(s) {missing}; it has {list(frame.columns)}")


# ----------------------------------------------------------------------------- CAAR path
def caar_path(
    ar: pd.DataFrame,
    *,
    level: float = 0.95,
    band: Band | None = "cross_sectional",
    start: int | None = None,
    how: CaarMethod = "mean_car",
) -> pd.DataFrame:
    """The CAAR path of a tidy AR frame with a two-sided confidence band.

    Parameters
    ----------
    ar
        Tidy abnormal returns with ``event_id, rel_day, ar`` (and ``var_ar`` for ``band="model"``).
    level
        Confidence level of the band.
    band
        ``"cross_sectional"``: ``se_t = sd_i(CAR_i(t)) / sqrt(N_t)``, robust to event-induced
        variance. ``"model"``: ``se_t = sqrt(sum_i sum_s var_ar_is) / N_t`` (independent firms;
        a tidy frame has no regressors, so the small prediction-error covariance between days
        is left out - :func:`plot_caar` of a results object includes it through
        :func:`eventstudy.engine.abnormal.var_car`). ``None``: no band.
    start
        Relative day from which ARs are cumulated (default: the first day of the frame).
        A firm missing on a day adds nothing to its CAR that day (the CAR carries on).
    how
        The CAAR formula (:func:`eventstudy.engine.abnormal.caar_path`, the one the results'
        ``caar()`` and tables use): ``"mean_car"`` (mean of the events' CARs to date) or
        ``"aar_sum"`` (running sum of the AARs).

    Returns
    -------
    DataFrame with ``rel_day, aar, caar, se, lower, upper, n`` (one row per relative day).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> caar_path(res.ar, level=0.95).head(3).round(4)  # from the results' tidy AR frame
       rel_day     aar    caar      se   lower   upper  n
    0      -10 -0.0099 -0.0099  0.0073 -0.0242  0.0044  8
    1       -9 -0.0018 -0.0117  0.0088 -0.0290  0.0056  8
    2       -8 -0.0069 -0.0186  0.0150 -0.0481  0.0109  8
    """
    _require(ar, ["event_id", "rel_day", "ar"], "caar_path")
    if band is not None and band not in BANDS:
        raise SpecError(f"band={band!r} is not valid; choose one of {list(BANDS)} or None")
    if band == "kolari_pynnonen":
        raise SpecError(
            "band='kolari_pynnonen' needs the residual correlations: use plot_caar(results)"
        )
    band = "cross_sectional" if band == "auto" else band  # a frame alone: no clustering data
    wide = ar.pivot_table(
        index="rel_day", columns="event_id", values="ar", aggfunc="first", dropna=False
    )
    wide = wide.sort_index()
    var = None
    if band == "model":
        _require(ar, ["var_ar"], "caar_path(band='model')")
        var_wide = ar.pivot_table(
            index="rel_day", columns="event_id", values="var_ar", aggfunc="first", dropna=False
        )
        var = var_wide.reindex(index=wide.index, columns=wide.columns).to_numpy(dtype=float)
    return _path_of_days(
        wide.index.to_numpy(dtype=int), wide.to_numpy(dtype=float), var, level, band, start, how
    )


def panel_caar_path(
    panel: EventPanel,
    *,
    level: float = 0.95,
    band: Band | None = "cross_sectional",
    start: int | None = None,
    how: CaarMethod = "mean_car",
) -> pd.DataFrame:
    """:func:`caar_path` of a results object's panel, read from its ``(events, days)`` arrays.

    The same numbers as ``caar_path(res.ar, ...)`` (the events in the order of their ids, as
    the tidy frame's pivot has them, so every sum runs in the same order) without building
    the tidy frame: one row per event and day is 21 million rows at a million events.

    Examples
    --------
    >>> import numpy as np
    >>> from eventstudy.inference._build import market_model_panel
    >>> from eventstudy.report.plotting import panel_caar_path
    >>> rng = np.random.default_rng(0)
    >>> m = rng.normal(0, 0.01, 300)
    >>> r = m[:, None] + rng.normal(0, 0.02, (300, 5))
    >>> p = market_model_panel(r, m, np.arange(5), np.full(5, 280), (-200, -11), (-1, 1))
    >>> list(panel_caar_path(p)["rel_day"])
    [-1, 0, 1]
    """
    if band is not None and band not in BANDS:
        raise SpecError(f"band={band!r} is not valid; choose one of {list(BANDS)} or None")
    band = "cross_sectional" if band in ("auto", "kolari_pynnonen") else band
    order = np.argsort(np.asarray(panel.event_id).astype(str), kind="stable")
    # (days, events) laid out as the pivot lays them out: the reductions over events then
    # add in the same order, to the bit
    values = np.ascontiguousarray(np.asarray(panel.ar, dtype=float)[order].T)
    var = None
    if band == "model":
        var_ar = panel.var_ar if panel.var_ar is not None else np.full(panel.ar.shape, np.nan)
        var = np.ascontiguousarray(np.asarray(var_ar, dtype=float)[order].T)
    rel = np.asarray(panel.evt_rel, dtype=int)
    return _path_of_days(rel, values, var, level, band, start, how)


def _path_of_days(
    rel: np.ndarray,
    values: np.ndarray,
    var: np.ndarray | None,
    level: float,
    band: Band | None,
    start: int | None,
    how: CaarMethod,
) -> pd.DataFrame:
    """The CAAR path of ``(days, events)`` abnormal returns on the relative days ``rel``
    (ascending); ``var`` the ARs' variances for the model band."""
    if start is not None:
        keep = rel >= start
        rel, values = rel[keep], values[keep]
        var = var[keep] if var is not None else None
    if not len(rel):
        raise DataError("caar_path: no abnormal returns on or after the start day")
    z = critical_value(level)
    # the one CAAR formula (events x days in eventstudy.engine.abnormal, days x events here)
    aar, caar, n = abnormal.caar_path(values.T, how)
    car = abnormal.running_car(values.T).T  # each event's CAR to date (NaN before its first AR)
    se = _band_se(values, var, car, band)
    return pd.DataFrame(
        {
            "rel_day": rel,
            "aar": aar,
            "caar": caar,
            "se": se,
            "lower": caar - z * se,
            "upper": caar + z * se,
            "n": n,
        }
    )


def _nanmean_rows(x: np.ndarray) -> np.ndarray:
    count = (~np.isnan(x)).sum(axis=1)
    total = np.nansum(x, axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _band_se(
    values: np.ndarray, var: np.ndarray | None, car: np.ndarray, band: str | None
) -> np.ndarray:
    """Standard error of the CAAR over the events with a CAR to date (``count``); ``values``
    and ``var`` are ``(days, events)`` ARs and their variances (``band="model"``)."""
    if band is None:
        return np.full(len(values), np.nan)
    count = (~np.isnan(car)).sum(axis=1)
    if band == "cross_sectional":
        mean = _nanmean_rows(car)
        ss = np.nansum((car - mean[:, None]) ** 2, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 1, np.sqrt(ss / np.maximum(count - 1, 1) / count), np.nan)
    assert var is not None  # the callers pass the variances with band="model"
    # a tidy frame has no regressors: Var(CAR) sums the days' variances (the prediction-error
    # covariance between days is left out; plot_caar(results) adds it, _exact_model_band)
    var_car = np.nancumsum(np.where(np.isnan(values), 0.0, var), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.nansum(np.where(np.isnan(car), 0.0, var_car), axis=1)
        return np.where(count > 0, np.sqrt(total) / np.maximum(count, 1), np.nan)


def plot_caar(
    data: StudyData,
    *,
    level: float = 0.95,
    band: Band | None = "auto",
    start: int | None = None,
    label: str | None = None,
    percent: bool = True,
    dates: bool = False,
    ax: Axes | None = None,
    how: CaarMethod | None = None,
) -> Figure:
    """The CAAR over the event window with its two-sided ``level`` confidence band.

    The x axis is in whole trading days; ``dates=True`` labels the ticks with their session
    dates on a second axis on top (when every event shares one day 0).

    ``data`` is a results object, a tidy AR frame (see :func:`caar_path`) or a path frame with
    ``rel_day, caar`` and optionally ``lower, upper``. Values are shown in percent when
    ``percent`` (the line's data are ``100 * caar``). ``band="auto"`` (default) is the
    clustering-robust ``"kolari_pynnonen"`` band when a results object's events cluster
    strongly (:func:`eventstudy.inference.guidance.choose_band`), else ``"cross_sectional"``;
    ``"kolari_pynnonen"`` widens the cross-sectional band by
    :func:`eventstudy.inference.guidance.kp_band_inflation` (needs a results object). The
    legend names the Kolari-Pynnönen band when it is drawn. ``how`` is the CAAR formula of
    :func:`eventstudy.engine.abnormal.caar_path`; default: a results object's ``caar_method`` (the
    one its primary test estimates, as in ``res.caar()`` and the CAAR table), else
    ``"mean_car"``.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = plot_caar(res, level=0.90, band="cross_sectional")  # a matplotlib Figure
    >>> fig.axes[0].get_title(), fig.axes[0].get_ylabel()
    ('Cumulative average abnormal return', 'CAAR (%)')
    >>> fig.axes[0].set_ylim(-15, 5)  # percent: the line's data are 100 * CAAR
    (-15.0, 5.0)
    """
    from ..inference.guidance import choose_band, kp_widened_path

    panel = getattr(data, "panel", None)
    chosen = choose_band(panel, band) if band == "auto" else band
    kp = chosen == "kolari_pynnonen"
    if kp and panel is None:
        raise SpecError("band='kolari_pynnonen' needs a results object (its residual correlations)")
    other: Band | None = band if chosen == band else "cross_sectional"
    method: CaarMethod = how or getattr(data, "caar_method", None) or "mean_car"
    path = _as_path(
        data, level=level, band="cross_sectional" if kp else other, start=start, how=method
    )
    if kp:
        path = kp_widened_path(panel, path, level)  # type: ignore[arg-type]  # checked above
    elif other == "model" and isinstance(panel, EventPanel):
        path = _exact_model_band(panel, path, level, start)
    fig, ax = _new_axes(ax)
    name = "Kolari-Pynnönen" if kp else None
    _draw_path(ax, path, label=label or "CAAR", percent=percent, level=level, band_name=name)
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.axvline(0.0, color="0.5", linewidth=0.8, linestyle=":")
    _relative_day_axis(ax, _path_dates(data) if dates else None)
    ax.set_ylabel("CAAR (%)" if percent else "CAAR")
    ax.set_title("Cumulative average abnormal return")
    ax.legend(loc="best")
    return fig


def _exact_model_band(
    panel: EventPanel, path: pd.DataFrame, level: float, start: int | None
) -> pd.DataFrame:
    """``path`` with the model band of a results object: each event's ``Var(CAR_i)`` from its
    first cumulated day to day ``t`` by :func:`eventstudy.engine.abnormal.var_car` (with the
    prediction-error covariance between days that a tidy AR frame cannot give), then
    ``se_t = sqrt(sum_i Var(CAR_i)) / N_t``."""
    rel = np.asarray(panel.evt_rel)
    first = int(rel[0]) if start is None else int(start)
    x = panel.x_evt if panel.x_evt is not None else np.zeros((*panel.ar.shape, 0))
    se = np.full(len(path), np.nan)
    for j, day in enumerate(path["rel_day"].to_numpy(dtype=int)):  # one pass per day, not event
        cols = (rel >= first) & (rel <= day)
        v = abnormal.var_car(
            panel.sigma2, x, panel.xtx_inv, panel.ar, cols, var_ar=panel.conditional_var_ar
        )
        count = int(np.isfinite(v).sum())
        if count:
            se[j] = np.sqrt(np.nansum(v)) / count
    z = critical_value(level)
    caar = path["caar"].to_numpy(dtype=float)
    return path.assign(se=se, lower=caar - z * se, upper=caar + z * se)


def _as_path(
    data: StudyData,
    *,
    level: float,
    band: Band | None,
    start: int | None,
    how: CaarMethod = "mean_car",
) -> pd.DataFrame:
    panel = getattr(data, "panel", None)
    if isinstance(panel, EventPanel):  # a results object: its arrays, not a 21-column-day frame
        return panel_caar_path(panel, level=level, band=band, start=start, how=how)
    frame = _tidy(data, "ar")
    if "caar" in frame.columns and "ar" not in frame.columns:
        _require(frame, ["rel_day", "caar"], "plot_caar")
        return frame.sort_values("rel_day")
    return caar_path(frame, level=level, band=band, start=start, how=how)


def _draw_path(
    ax: Axes,
    path: pd.DataFrame,
    *,
    label: str,
    percent: bool,
    level: float,
    band_name: str | None = None,
) -> None:
    scale = 100.0 if percent else 1.0
    x = path["rel_day"].to_numpy(dtype=float)
    (line,) = ax.plot(
        x, scale * path["caar"].to_numpy(dtype=float), marker="o", markersize=3, label=label
    )
    has_band = {"lower", "upper"} <= set(path.columns) and path[
        ["lower", "upper"]
    ].notna().any().all()
    if has_band:
        ax.fill_between(
            x,
            scale * path["lower"].to_numpy(dtype=float),
            scale * path["upper"].to_numpy(dtype=float),
            color=line.get_color(),
            alpha=0.2,
            label=f"{level:.0%} confidence band" + (f" ({band_name})" if band_name else ""),
        )


# ----------------------------------------------------------------------------- cross-section
def plot_car_bars(
    data: StudyData,
    *,
    window: Window | None = None,
    value: str = "car",
    level: float | None = 0.95,
    percent: bool = True,
    top: int | None = None,
    bottom: int | None = None,
    max_bars: int = 40,
    ax: Axes | None = None,
) -> Figure:
    """Each firm's CAR over ``window`` as bars sorted from the worst to the best (winners and
    losers of the cross-section), coloured by group, with ``± z·se_car`` error bars.

    ``data`` is a results object (``car(window)`` is called), a tidy CAR frame with ``ticker``
    and ``value`` (``car`` by default, or e.g. ``bhar``), or a tidy AR frame (``rel_day, ar``),
    whose ARs are summed over ``window``.

    ``bottom`` / ``top`` draw only the that many lowest / highest firms (a dotted line marks
    the firms left out between them). Without either, a cross-section of more than
    ``max_bars`` firms shows its ``max_bars // 2`` lowest and highest: a bar per firm of the
    S&P 500 would be a figure 180 inches wide. The title says how many firms are shown.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = plot_car_bars(res, window=(0, 1), top=2, bottom=2)
    >>> fig.axes[0].get_title()
    'CAR by firm over [0, 1] (2 lowest and 2 highest of 8)'
    """
    frame = _cross_section(data, window, value)
    frame = frame.dropna(subset=[value]).sort_values(value, kind="stable").reset_index(drop=True)
    if frame.empty:
        raise DataError("plot_car_bars: no firm has a value in the window")
    total = len(frame)
    frame, gap = _extremes(frame, top, bottom, max_bars)
    scale = 100.0 if percent else 1.0
    fig, ax = _new_axes(ax, figsize=(max(6.0, 0.35 * (len(frame) + gap) + 2.0), 4.5))
    colors = _group_colors(frame)
    yerr = None
    if level is not None and "se_car" in frame.columns and frame["se_car"].notna().any():
        yerr = scale * critical_value(level) * frame["se_car"].to_numpy(dtype=float)
    x = np.arange(len(frame), dtype=float)
    if gap:  # one empty slot between the lowest and the highest firms
        n_low = int(frame.attrs["n_low"])
        x[n_low:] += 1.0
        ax.axvline(n_low, color="0.5", linewidth=0.8, linestyle=":")
    ax.bar(x, scale * frame[value].to_numpy(dtype=float), color=colors, yerr=yerr, capsize=2)
    ax.set_xticks(x, frame["ticker"].astype(str).tolist(), rotation=90)
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.set_xlabel("firm")
    name = value.upper()
    ax.set_ylabel(f"{name} (%)" if percent else name)
    suffix = f" over {window_label(window)}" if window is not None else ""
    shown = "" if len(frame) == total else f" ({_shown_text(frame, total)})"
    ax.set_title(f"{name} by firm{suffix}{shown}")
    _group_legend(ax, frame)
    return fig


def _extremes(
    frame: pd.DataFrame, top: int | None, bottom: int | None, max_bars: int
) -> tuple[pd.DataFrame, int]:
    """The ``bottom`` lowest and ``top`` highest rows of a sorted frame, and 1 when rows were
    left out between them (else 0). ``frame.attrs["n_low"]`` counts the lowest rows kept."""
    for name, count in (("top", top), ("bottom", bottom), ("max_bars", max_bars)):
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 0
        ):
            raise SpecError(f"plot_car_bars: {name} must be a non-negative integer, got {count!r}")
    if top is None and bottom is None:
        if len(frame) <= max_bars:
            return frame, 0
        top = bottom = max_bars // 2
    n_low, n_high = min(bottom or 0, len(frame)), min(top or 0, len(frame))
    if n_low + n_high >= len(frame):
        return frame, 0
    kept = pd.concat([frame.iloc[:n_low], frame.iloc[len(frame) - n_high :]])
    kept = kept.reset_index(drop=True)
    kept.attrs["n_low"] = n_low
    return kept, 1 if n_low and n_high else 0


def _shown_text(frame: pd.DataFrame, total: int) -> str:
    n_low = int(frame.attrs.get("n_low", 0))
    n_high = len(frame) - n_low
    parts = [f"{n_low} lowest" if n_low else "", f"{n_high} highest" if n_high else ""]
    return f"{' and '.join(p for p in parts if p)} of {total}"


def _cross_section(data: StudyData, window: Window | None, value: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        if window is None:
            raise SpecError("plot_car_bars: give window=(start, end) with a results object")
        method = "car" if value == "car" else value
        return _tidy(data, method, window)
    if value in data.columns:
        _require(data, ["ticker", value], "plot_car_bars")
        return data
    _require(data, ["ticker", "rel_day", "ar"], "plot_car_bars")
    if value != "car":
        raise DataError(f"plot_car_bars: column {value!r} not in the frame {list(data.columns)}")
    if window is None:
        raise SpecError("plot_car_bars: give window=(start, end) to sum a tidy AR frame")
    return car_from_ar(data, window)


def car_from_ar(ar: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Each event's CAR over ``window`` (sum of its ARs; NaN when it has none in the window)."""
    keys = [c for c in ("event_id", "ticker", "group") if c in ar.columns]
    inside = ar[(ar["rel_day"] >= window[0]) & (ar["rel_day"] <= window[1])]
    grouped = inside.groupby(keys, dropna=False, sort=False)["ar"]
    out = grouped.sum(min_count=1).rename("car").reset_index()
    return out


def _group_colors(frame: pd.DataFrame) -> list[Any]:
    if "group" not in frame.columns or frame["group"].isna().all():
        return ["C0"] * len(frame)
    order = list(dict.fromkeys(frame["group"].fillna("(none)")))
    index = {g: i for i, g in enumerate(order)}
    return [f"C{index[g] % 10}" for g in frame["group"].fillna("(none)")]


def _group_legend(ax: Axes, frame: pd.DataFrame) -> None:
    if "group" not in frame.columns or frame["group"].isna().all():
        return
    from matplotlib.patches import Patch

    order = list(dict.fromkeys(frame["group"].fillna("(none)")))
    handles = [Patch(color=f"C{i % 10}", label=str(g)) for i, g in enumerate(order)]
    ax.legend(handles=handles, title="group", loc="best")


# ----------------------------------------------------------------------------- one firm
def plot_ar_path(
    data: StudyData,
    key: str,
    *,
    level: float = 0.95,
    percent: bool = True,
    dates: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """One event's AR path with its own band ``± z·sqrt(var_ar)``.

    ``key`` is an ``event_id`` or, when it names a ticker with a single event, a ticker.
    The x axis is in whole trading days; ``dates=True`` adds the session dates on top.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = plot_ar_path(res, "F1")  # F1 has one event: its ticker names it
    >>> fig.axes[0].get_title()
    'Abnormal returns of F1'
    >>> plot_ar_path(res, "e0", dates=True).axes[0].get_title()  # F0 has two: an event id
    'Abnormal returns of e0'
    """
    ar = _tidy(data, "ar")
    _require(ar, ["event_id", "rel_day", "ar", "var_ar"], "plot_ar_path")
    rows = _one_event(ar, key).sort_values("rel_day")
    z = critical_value(level)
    scale = 100.0 if percent else 1.0
    x = rows["rel_day"].to_numpy(dtype=float)
    y = rows["ar"].to_numpy(dtype=float)
    half = z * np.sqrt(rows["var_ar"].to_numpy(dtype=float))
    fig, ax = _new_axes(ax)
    (line,) = ax.plot(x, scale * y, marker="o", markersize=3, label=f"AR {key}")
    ax.fill_between(
        x,
        scale * (y - half),
        scale * (y + half),
        color=line.get_color(),
        alpha=0.2,
        label=f"{level:.0%} band (± {z:.2f} s.e. of the AR)",
    )
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    _relative_day_axis(ax, rows.set_index("rel_day")["date"] if dates and "date" in rows else None)
    ax.set_ylabel("abnormal return (%)" if percent else "abnormal return")
    ax.set_title(f"Abnormal returns of {key}")
    ax.legend(loc="best")
    return fig


def plot_decomposition(
    data: StudyData,
    key: str,
    *,
    cumulative: bool = False,
    percent: bool = True,
    dates: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """One event's actual, normal (model-predicted) and abnormal return by relative day.

    The chart for an article: how much of the day's move was the market (the normal return
    ``ret - ar``) and how much was the news (the abnormal return ``ar``). With
    ``cumulative=True`` the three are summed from the start of the event window (so the
    abnormal line is the CAR path). ``dates=True`` (default) labels the ticks with their
    session dates on top.

    ``data`` is a results object or its tidy AR frame (``rel_day, ret, normal, ar``); ``key``
    is an ``event_id`` or the ticker of a single event.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = plot_decomposition(res, "F1", cumulative=True)
    >>> fig.axes[0].get_title()
    'F1: actual = normal + abnormal'
    """
    ar = _tidy(data, "ar")
    _require(ar, ["event_id", "rel_day", "ret", "normal", "ar"], "plot_decomposition")
    rows = _one_event(ar, key).sort_values("rel_day")
    scale = 100.0 if percent else 1.0
    x = rows["rel_day"].to_numpy(dtype=float)
    series = {
        "actual return": rows["ret"].to_numpy(dtype=float),
        "normal return (model)": rows["normal"].to_numpy(dtype=float),
        "abnormal return": rows["ar"].to_numpy(dtype=float),
    }
    if cumulative:  # a missing day adds nothing and is not drawn as zero
        series = {k: np.where(np.isnan(v), np.nan, np.nancumsum(v)) for k, v in series.items()}
    fig, ax = _new_axes(ax)
    styles = {"actual return": "-", "normal return (model)": "--", "abnormal return": "-"}
    for (label, y), colour in zip(series.items(), ("0.3", "C0", "C3"), strict=True):
        ax.plot(x, scale * y, styles[label], color=colour, marker="o", markersize=3, label=label)
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.axvline(0.0, color="0.5", linewidth=0.8, linestyle=":")
    _relative_day_axis(ax, rows.set_index("rel_day")["date"] if dates and "date" in rows else None)
    what = "cumulative return" if cumulative else "return"
    ax.set_ylabel(f"{what} (%)" if percent else what)
    ax.set_title(f"{key}: actual = normal + abnormal")
    ax.legend(loc="best")
    return fig


def _one_event(ar: pd.DataFrame, key: str) -> pd.DataFrame:
    rows = ar[ar["event_id"].astype(str) == str(key)]
    if rows.empty and "ticker" in ar.columns:
        rows = ar[ar["ticker"].astype(str) == str(key)]
        if rows["event_id"].nunique() > 1:
            ids = sorted(rows["event_id"].astype(str).unique())
            raise SpecError(f"ticker {key!r} has several events; pass one event_id of {ids}")
    if rows.empty:
        valid = sorted(
            set(ar["event_id"].astype(str)) | set(ar.get("ticker", pd.Series()).astype(str))
        )
        raise SpecError(f"no event {key!r}; valid event ids and tickers: {', '.join(valid)}")
    return rows


# ----------------------------------------------------------------------------- estimation fit
def fit_data(res: EventStudyResults | EventPanel, key: str) -> dict[str, Any]:
    """The estimation-window data of one event of a market-model results object.

    Returns ``{"estimation": DataFrame[date, market, firm], "event": DataFrame[rel_day, date,
    market, firm], "alpha": float, "beta": float, "label": str}``; estimation-window firm
    returns are the residuals plus the fitted values (the panel stores residuals only).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> data = fit_data(res, "F1")
    >>> round(data["alpha"], 4), round(data["beta"], 2), data["label"]
    (-0.0018, 1.36, 'F1')
    >>> data["estimation"].shape, list(data["event"].columns)  # 228 estimation days, 21 event days
    ((228, 3), ['rel_day', 'date', 'market', 'firm'])
    """
    panel: Any = res if isinstance(res, EventPanel) else res.panel  # market_est checked below
    if getattr(panel, "market_est", None) is None or getattr(panel, "params", None) is None:
        raise SpecError(
            "the estimation-window fit needs a model with a market regressor and params"
        )
    ids = [str(e) for e in panel.event_id]
    tickers = [str(t) for t in panel.ticker]
    if key in ids:
        i = ids.index(key)
    elif tickers.count(key) == 1:
        i = tickers.index(key)
    else:
        raise SpecError(f"no single event {key!r}; valid event ids: {', '.join(ids)}")
    alpha, beta = _alpha_beta(panel.param_names, panel.params[i])
    m_est = np.asarray(panel.market_est[i], dtype=float)
    resid = np.asarray(panel.resid_est[i], dtype=float)
    estimation = pd.DataFrame(
        {"date": panel.est_dates[i], "market": m_est, "firm": resid + alpha + beta * m_est}
    ).dropna(subset=["market", "firm"])
    event = pd.DataFrame(
        {
            "rel_day": panel.evt_rel,
            "date": panel.evt_dates[i],
            "market": np.asarray(panel.market_evt[i], dtype=float),
            "firm": np.asarray(panel.ret_evt[i], dtype=float),
        }
    ).dropna(subset=["market", "firm"])
    label = tickers[i] if tickers.count(tickers[i]) == 1 else ids[i]
    return {"estimation": estimation, "event": event, "alpha": alpha, "beta": beta, "label": label}


def _alpha_beta(param_names: list[str], row: npt.ArrayLike) -> tuple[float, float]:
    """The intercept and market beta of one event's parameters ``row`` (named ``param_names``)."""
    names = [str(n).lower() for n in param_names]
    params = np.asarray(row, dtype=float)
    const = _find(names, ("alpha", "const", "intercept"))
    slope = _find(names, ("beta", "market", "mkt"))
    if slope is None and len(params) == 2 and const is not None:
        slope = 1 - const  # the other of the two parameters
    if slope is None:
        raise SpecError(f"cannot find the market beta among the parameters {param_names}")
    return (float(params[const]) if const is not None else 0.0), float(params[slope])


def _find(names: Sequence[str], candidates: Sequence[str]) -> int | None:
    for j, name in enumerate(names):
        if any(c in name for c in candidates):
            return j
    return None


def plot_fit(
    estimation: pd.DataFrame | EventStudyResults | EventPanel,
    key: str | None = None,
    *,
    alpha: float | None = None,
    beta: float | None = None,
    event: pd.DataFrame | None = None,
    label: str = "firm",
    percent: bool = True,
    label_days: Sequence[int] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Estimation-window scatter of firm vs market returns with the fitted line ``α + β·m``,
    event-window days marked (and labelled by relative day).

    Either pass a results object and ``key`` (event id or ticker; see :func:`fit_data`), or the
    frames directly: ``estimation`` with ``market, firm``, ``alpha``, ``beta`` and optionally
    ``event`` with ``market, firm`` (and ``rel_day``). Event days are labelled with their
    relative day (only those in ``label_days`` when given).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = plot_fit(res, "F1")
    >>> fig.axes[0].get_title()
    'Estimation-window fit: F1'

    The same figure from the frames of :func:`fit_data`:

    >>> d = fit_data(res, "F1")
    >>> fig = plot_fit(d["estimation"], alpha=d["alpha"], beta=d["beta"], event=d["event"], label="F1")
    >>> fig.axes[0].get_title()
    'Estimation-window fit: F1'
    """
    if isinstance(estimation, pd.DataFrame):
        frame = estimation
    else:
        if key is None:
            raise SpecError("plot_fit: give the event id or ticker with a results object")
        data = fit_data(estimation, key)
        frame, event = data["estimation"], data["event"]
        alpha, beta, label = data["alpha"], data["beta"], data["label"]
    if alpha is None or beta is None:
        raise SpecError("plot_fit: give alpha and beta of the fitted line")
    _require(frame, ["market", "firm"], "plot_fit")
    scale = 100.0 if percent else 1.0
    fig, ax = _new_axes(ax, figsize=(5.5, 5.0))
    m = frame["market"].to_numpy(dtype=float)
    ax.scatter(
        scale * m,
        scale * frame["firm"].to_numpy(dtype=float),
        s=10,
        alpha=0.6,
        label="estimation window",
    )
    grid = np.linspace(np.nanmin(m), np.nanmax(m), 2)
    if event is not None and len(event):
        _require(event, ["market", "firm"], "plot_fit(event=...)")
        em = event["market"].to_numpy(dtype=float)
        grid = np.linspace(min(np.nanmin(m), np.nanmin(em)), max(np.nanmax(m), np.nanmax(em)), 2)
        ax.scatter(
            scale * em,
            scale * event["firm"].to_numpy(dtype=float),
            s=30,
            marker="D",
            color="C3",
            label="event window",
        )
        if "rel_day" in event.columns:
            shown = event if label_days is None else event[event["rel_day"].isin(list(label_days))]
            for _, row in shown.iterrows():
                ax.annotate(
                    str(int(row["rel_day"])),
                    (scale * row["market"], scale * row["firm"]),
                    fontsize=7,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
    ax.plot(
        scale * grid,
        scale * (alpha + beta * grid),
        color="k",
        label=f"fit: α={alpha:.4f}, β={beta:.2f}",
    )
    unit = " (%)" if percent else ""
    ax.set_xlabel(f"market return{unit}")
    ax.set_ylabel(f"{label} return{unit}")
    ax.set_title(f"Estimation-window fit: {label}")
    ax.legend(loc="best")
    return fig


# ----------------------------------------------------------------------------- small multiples
def _grid(n: int, ncols: int, panel: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    """A figure of ``n`` small axes in rows of ``ncols`` (spare axes hidden)."""
    from matplotlib.figure import Figure

    if n < 1:
        raise SpecError("nothing to plot: no events given")
    ncols = max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows + 0.6))
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.subplots_adjust(hspace=0.6, wspace=0.35, left=0.06, right=0.98, bottom=0.06, top=0.92)
    return fig, axes[:n]


def _tidy_panel(ax: Axes, title: str) -> None:
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(labelsize=7)


def plot_ar_paths(
    data: StudyData,
    keys: Sequence[str] | None = None,
    *,
    level: float = 0.95,
    percent: bool = True,
    ncols: int = 5,
) -> Figure:
    """Small multiples of :func:`plot_ar_path`: one panel per event (default: every event).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = plot_ar_paths(res, ["F1", "F3", "F4"], ncols=3)
    >>> [ax.get_title() for ax in fig.axes]
    ['F1', 'F3', 'F4']
    """
    ar = _tidy(data, "ar")
    _require(ar, ["event_id", "rel_day", "ar", "var_ar"], "plot_ar_paths")
    keys = list(keys) if keys is not None else _event_keys(ar)
    fig, axes = _grid(len(keys), ncols, (2.6, 2.0))
    for key, ax in zip(keys, axes, strict=True):
        plot_ar_path(ar, key, level=level, percent=percent, ax=ax)
        _tidy_panel(ax, str(key))
    unit = " (%)" if percent else ""
    z = critical_value(level)
    fig.suptitle(f"Abnormal returns{unit} with {level:.0%} bands (± {z:.2f} s.e. of the AR)")
    return fig


def plot_fits(
    res: EventStudyResults,
    keys: Sequence[str] | None = None,
    *,
    percent: bool = True,
    ncols: int = 5,
) -> Figure:
    """Small multiples of :func:`plot_fit`: one estimation-window fit per event.

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> fig = plot_fits(res, ["F1", "F3"], ncols=2)
    >>> [ax.get_title() for ax in fig.axes]
    ['F1', 'F3']
    """
    keys = list(keys) if keys is not None else _event_keys(_tidy(res, "ar"))
    fig, axes = _grid(len(keys), ncols, (2.6, 2.4))
    for key, ax in zip(keys, axes, strict=True):
        plot_fit(res, key, percent=percent, label_days=[0], ax=ax)
        _tidy_panel(ax, str(key))
    fig.suptitle(
        "Estimation-window fit: firm vs market returns; event-window days red, day 0 labelled"
    )
    return fig


def _event_keys(ar: pd.DataFrame) -> list[str]:
    """Tickers when each has one event (shorter labels), else event ids."""
    pairs = ar[["event_id", "ticker"]].drop_duplicates() if "ticker" in ar else None
    if pairs is not None and pairs["ticker"].is_unique:
        return pairs["ticker"].astype(str).tolist()
    return list(dict.fromkeys(ar["event_id"].astype(str)))


# ----------------------------------------------------------------------------- several studies
def plot_overlay(
    studies: Mapping[str, StudyData] | Sequence[StudyData],
    *,
    level: float = 0.95,
    band: Band | None = "cross_sectional",
    start: int | None = None,
    percent: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """Several studies' CAAR paths (with bands) on one axes.

    ``studies`` maps a label to a results object / tidy AR frame / path frame, or is a sequence
    of them (labelled ``(1)``, ``(2)``, ...).

    Examples
    --------
    >>> import eventstudy as es
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study(es.MarketModel("MKT"))  # 8 simulated events of 6 firms
    >>> res = es.EventStudy(sim.events, sim.returns, model=es.MarketModel("MKT"), calendar=None).fit()
    >>> first_four = res.ar[res.ar["event_id"].isin(["e0", "e1", "e2", "e3"])]  # a tidy AR frame
    >>> fig = plot_overlay({"all 8 events": res, "first 4": first_four})
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['all 8 events', '95% confidence band', 'first 4', '95% confidence band']
    """
    items = _labelled(studies)
    if not items:
        raise SpecError("plot_overlay needs at least one study")
    fig, ax = _new_axes(ax)
    for label, data in items:
        # each study's own CAAR formula (a results object's caar_method)
        how: CaarMethod = (
            "aar_sum" if getattr(data, "caar_method", None) == "aar_sum" else "mean_car"
        )
        path = _as_path(data, level=level, band=band, start=start, how=how)
        _draw_path(ax, path, label=label, percent=percent, level=level)
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.axvline(0.0, color="0.5", linewidth=0.8, linestyle=":")
    _relative_day_axis(ax)
    ax.set_ylabel("CAAR (%)" if percent else "CAAR")
    ax.set_title("Cumulative average abnormal returns")
    ax.legend(loc="best")
    return fig


def _labelled(
    studies: Mapping[str, StudyData] | Sequence[StudyData],
) -> list[tuple[str, StudyData]]:
    if isinstance(studies, Mapping):
        return [(str(k), v) for k, v in studies.items()]
    if isinstance(studies, pd.DataFrame):
        return [("(1)", studies)]
    return [(f"({i + 1})", s) for i, s in enumerate(studies)]


# ----------------------------------------------------------------------------- prices
#: firms in :func:`plot_prices` beyond which they are drawn as one light family with one
#: legend entry ("503 firms") instead of a legend entry each
PRICE_LEGEND_LIMIT = 20


def plot_prices(
    prices: pd.DataFrame,
    tickers: Sequence[str] | None = None,
    *,
    events: pd.DataFrame | Sequence[Any] | None = None,
    column: str = "adj_close",
    normalize: bool = True,
    highlight: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Price paths (tidy long prices) with a vertical line at every event date.

    ``normalize`` rebases each series to 100 at its first price shown. ``events`` is an
    events frame (its ``date`` column) or a list of dates. ``highlight`` names a ticker (e.g.
    the market) drawn as a thick black reference line. More than
    :data:`PRICE_LEGEND_LIMIT` other tickers are drawn as thin light lines of one colour with
    one legend entry (``"503 firms"``).

    Examples
    --------
    >>> from eventstudy.testing import simulated_study
    >>> sim = simulated_study()  # daily returns of a market MKT and six firms
    >>> wealth = (1 + sim.returns[["MKT", "F1"]].fillna(0)).cumprod() * 100
    >>> prices = wealth.rename_axis("date").reset_index().melt(
    ...     id_vars="date", var_name="ticker", value_name="adj_close"
    ... )  # tidy: date, ticker, adj_close
    >>> fig = plot_prices(prices, ["F1", "MKT"], events=["2021-12-06"], highlight="MKT")
    >>> fig.axes[0].get_title(), [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ('Prices around the event', ['F1', 'MKT'])
    """
    _require(prices, ["date", "ticker", column], "plot_prices")
    names = list(tickers) if tickers is not None else list(dict.fromkeys(prices["ticker"]))
    available = set(prices["ticker"])  # once (it was rebuilt per ticker: 4 min at 504)
    unknown = [t for t in names if t not in available]
    if unknown:
        raise SpecError(f"no prices for {unknown}; available: {', '.join(sorted(available))}")
    import matplotlib.dates as mdates

    # the rows of each ticker in one grouping, not one scan of the frame per ticker
    wanted = prices[prices["ticker"].isin(names)]
    rows_of = dict(iter(wanted.groupby(wanted["ticker"].astype(str), sort=False)))
    fig, ax = _new_axes(ax, figsize=(8.0, 4.5))
    firms = [t for t in names if t != highlight]
    # beyond a legend's worth of firms (the S&P 500: 503) the firms are one thin, light
    # family with one legend entry, and the legend is not placed by "best" (which tests
    # every line's points against every position: most of the figure's time)
    many = len(firms) > PRICE_LEGEND_LIMIT
    for ticker in names:
        series = _series(rows_of[str(ticker)], column, normalize)
        if ticker == highlight:
            style: dict[str, Any] = {"color": "black", "linewidth": 2.0, "label": ticker}
        elif many:
            first = ticker == firms[0]
            label = f"{len(firms)} firms" if first else "_nolegend_"
            style = {"color": "C0", "linewidth": 0.6, "alpha": 0.35, "label": label}
        else:
            style = {"linewidth": 1.2, "label": ticker}
        ax.plot(series.index, series.to_numpy(dtype=float), **style)
    for date in _event_dates(events):
        ax.axvline(float(mdates.date2num(date)), color="C3", linestyle="--", linewidth=1.0)
    ax.set_xlabel("date")
    ax.set_ylabel("price (first = 100)" if normalize else column.replace("_", " "))
    ax.set_title("Prices around the event")
    ax.legend(
        loc="upper left" if many else "best",
        fontsize="small",
        ncol=2 if len(names) > 6 and not many else 1,
    )
    fig.autofmt_xdate()
    return fig


def price_series(
    prices: pd.DataFrame, ticker: str, *, column: str = "adj_close", normalize: bool = True
) -> pd.Series:
    """One ticker's price series indexed by date (rebased to 100 at its first price)."""
    return _series(prices[prices["ticker"] == ticker], column, normalize)


def _series(rows: pd.DataFrame, column: str, normalize: bool) -> pd.Series:
    rows = rows.sort_values("date")
    series = pd.Series(rows[column].to_numpy(dtype=float), index=pd.DatetimeIndex(rows["date"]))
    series = series.dropna()
    if normalize and len(series):
        series = 100.0 * series / series.iloc[0]
    return series


def _event_dates(events: pd.DataFrame | Sequence[Any] | None) -> list[pd.Timestamp]:
    if events is None:
        return []
    raw = events["date"] if isinstance(events, pd.DataFrame) else pd.Series(list(events))
    return sorted(set(pd.to_datetime(raw)))
