"""``ShockScan``: the results of :func:`eventstudy.scan_shocks` as tidy tables, figures, events."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..exceptions import DataError, SpecError
from ._index import episodes_of
from ._rolling import RollingFit, t_pvalue

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["RANK_BY", "ShockScan"]

#: columns of the day index that rank days (largest first, except p-values: smallest first)
RANK_BY: dict[str, bool] = {
    "share": False,
    "p_share": True,
    "n_flagged": False,
    "abs_z_mean": False,
}
FIRMS = ("all", "flagged")
#: a sector needs this many flagged firms on a day to be its most over-represented sector
MIN_SECTOR_FLAGGED = 3


def _as_dates(values: Any, what: str, tz: Any = None) -> pd.DatetimeIndex:
    """``values`` as dates on the scan's time zone ``tz``; an unparsable or missing value is a
    :class:`DataError` naming it (``what``: where it came from)."""
    items = list(values)
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(items, dtype=object)))
    except (TypeError, ValueError, OverflowError):
        idx = None  # find the culprit (or mixed time zones) value by value
    if idx is None:
        stamps = []
        for i, v in enumerate(items):
            try:
                ts = pd.Timestamp(v)
            except (TypeError, ValueError, OverflowError):
                raise DataError(
                    f"{what} {v!r} (position {i}) is not a date; give dates as 'YYYY-MM-DD' "
                    "strings or Timestamps"
                ) from None
            # mixed time zones: each keeps its own wall-clock date
            stamps.append(ts if ts is pd.NaT or ts.tzinfo is None else ts.tz_localize(None))
        idx = pd.DatetimeIndex(stamps)
    if idx.hasnans:
        i = int(np.flatnonzero(idx.isna())[0])
        raise DataError(
            f"{what} at position {i} is missing ({items[i]!r}); drop that row or give its date"
        )
    if idx.tz is not None and tz is None:
        idx = idx.tz_localize(None)  # the scan's sessions are naive: keep the wall-clock date
    elif idx.tz is None and tz is not None:
        idx = idx.tz_localize(tz)
    elif tz is not None:
        idx = idx.tz_convert(tz)
    return idx


class ShockScan:
    """Results of a shock scan (see :func:`eventstudy.scan_shocks`).

    Attributes
    ----------
    index : pandas.DataFrame
        One row per session (index ``date``): ``n_firms`` scanned, ``n_flagged`` (``n_down``,
        ``n_up``), ``share`` flagged, its null mean ``null_share`` and ``1 - day_level``
        quantile ``null_hi``, intra-day flag correlation ``rho``, ``n_null`` (previous sessions
        the null rests on), ``p_share`` (beta-binomial, decides ``shock``; earlier clear
        shock days are screened out of later nulls, see :func:`eventstudy.scan._index.day_index`), ``p_binomial`` (independence, reference), ``mean_ar``,
        ``mean_sar``, ``z_mean`` / ``p_mean`` (Brown–Warner 1985 crude dependence adjustment),
        ``dispersion`` (cross-sectional sd of SAR) and ``z_dispersion`` (against the previous
        days), ``shock`` and ``episode``.
    meta : dict
        Settings, ``gaps`` (skipped firm-days), ``never_scanned`` firms, ``first_scanned``,
        ``n_day_tested`` sessions with a day test and the ``first_day_tested``, ``n_singular``
        firm-days not scanned because the trailing market was constant.
    sar, ar, flags, dof : pandas.DataFrame
        Wide ``date x ticker`` frames of every firm-day (NaN / 0 where not scanned).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import eventstudy as es
    >>> rng = np.random.default_rng(1)
    >>> dates = pd.bdate_range("2024-01-01", periods=300, name="date")
    >>> mkt = rng.normal(0, 0.01, 300)
    >>> rets = pd.DataFrame(
    ...     {f"F{i}": mkt + rng.normal(0, 0.02, 300) for i in range(30)}, index=dates
    ... ).assign(SPY=mkt)
    >>> rets.iloc[250, :20] -= 0.15  # 20 of 30 firms fall 15 % on one day
    >>> scan = es.scan_shocks(rets, estimation=(-120, -1))
    >>> scan.days(top=1)[["n_flagged", "n_firms"]].reset_index().values.tolist()
    [[Timestamp('2024-12-16 00:00:00'), 20, 30]]
    >>> events = scan.to_events(top=1)  # every firm on that day, ready for EventStudy
    >>> len(events), events.attrs["clustering"]["n_dates"]
    (30, 1)
    """

    def __init__(
        self,
        *,
        dates: pd.DatetimeIndex,
        firms: list[str],
        returns: npt.NDArray[np.float64],
        fit: RollingFit,
        critical: npt.NDArray[np.float64],
        flags: npt.NDArray[np.bool_],
        index: pd.DataFrame,
        sectors: pd.Series | None,
        volume_z: npt.NDArray[np.float64] | None,
        meta: dict[str, Any],
    ) -> None:
        self.dates, self.firms = dates, firms
        self._ret, self._fit, self._crit, self._flags = returns, fit, critical, flags
        self.index = index
        self.sectors = sectors
        self._volume_z = volume_z
        self.meta = meta

    # ------------------------------------------------------------------ wide frames
    def _wide(self, values: npt.NDArray[Any]) -> pd.DataFrame:
        return pd.DataFrame(
            values, index=pd.DatetimeIndex(self.dates, name="date"), columns=self.firms
        ).rename_axis(columns="ticker")

    @property
    def sar(self) -> pd.DataFrame:
        """Standardised abnormal returns, date x ticker (NaN = not scanned).

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> scan.sar.shape
        (300, 30)
        >>> bool(scan.sar.loc["2024-12-16", "F0"] < -5)
        True
        """
        return self._wide(self._fit.sar)

    @property
    def ar(self) -> pd.DataFrame:
        """Out-of-sample abnormal returns, date x ticker.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> round(float(scan.ar.loc["2024-12-16", "F0"]), 3)
        -0.175
        """
        return self._wide(self._fit.ar)

    @property
    def flags(self) -> pd.DataFrame:
        """True where a firm-day is flagged.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> int(scan.flags.loc["2024-12-16"].sum())
        20
        """
        return self._wide(self._flags)

    @property
    def dof(self) -> pd.DataFrame:
        """Student-t degrees of freedom of each SAR (0 = not scanned).

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> int(scan.dof.loc["2024-12-16", "F0"])  # 120 sessions, 2 parameters
        118
        """
        return self._wide(self._fit.dof)

    @property
    def shock_days(self) -> pd.DataFrame:
        """The rows of :attr:`index` that are shock days, in date order.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> scan.shock_days.index.strftime("%Y-%m-%d").tolist()
        ['2024-12-16']
        """
        return self.index[self.index["shock"]]

    @property
    def episodes(self) -> pd.DataFrame:
        """Consecutive shock sessions merged: ``start, end, n_days, peak_date, ...``.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> scan.episodes[["n_days", "n_flagged"]].values.tolist()
        [[1, 20]]
        """
        return episodes_of(self.index)

    # ------------------------------------------------------------------ ranking
    def _ranked(self, rank_by: str) -> pd.DataFrame:
        if rank_by not in RANK_BY:
            raise SpecError(f"rank_by={rank_by!r}; use one of {', '.join(RANK_BY)}")
        frame = self.index[self.index["n_firms"] > 0].copy()
        frame["abs_z_mean"] = frame["z_mean"].abs()
        ascending = RANK_BY[rank_by]
        tie = "p_share" if rank_by != "p_share" else "share"
        frame = frame.sort_values(
            [rank_by, tie], ascending=[ascending, not ascending], na_position="last", kind="stable"
        )
        frame["rank"] = np.arange(1, len(frame) + 1)
        return frame.drop(columns="abs_z_mean")

    def rank_of(self, dates: Sequence[Any], rank_by: str = "share") -> pd.DataFrame:
        """Where given dates rank among all scanned sessions (1 = the strongest day).

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> scan.rank_of(["2024-12-16"])[["rank", "n_flagged", "shock"]].values.tolist()
        [[1, 20, True]]
        """
        ranked = self._ranked(rank_by)
        wanted = _as_dates(dates, "date", self.dates.tz)
        missing = wanted.difference(pd.DatetimeIndex(ranked.index))
        if len(missing):
            raise DataError(
                f"date(s) not scanned: {', '.join(f'{d:%Y-%m-%d}' for d in missing)} (not a "
                f"session of the returns, or before the first scanned day "
                f"{self.meta['first_scanned']:%Y-%m-%d})"
            )
        cols = ["rank", "n_firms", "n_flagged", "share", "p_share", "mean_ar", "shock", "episode"]
        out = ranked.loc[wanted, cols]
        out.insert(1, "of", len(ranked))
        return out

    def days(
        self,
        top: int | None = 20,
        *,
        rank_by: str = "share",
        shocks_only: bool = True,
        n_names: int = 3,
    ) -> pd.DataFrame:
        """Ranked table of shock days: date, firms hit, mean AR, top losers and winners, sectors.

        ``top_losers`` / ``top_winners`` name the ``n_names`` lowest / highest abnormal returns
        of the day; with a sector map, ``top_sector`` is the most over-represented sector among
        the flagged firms (largest ``lift`` among sectors with at least 3 flagged firms),
        ``top_sector_share`` its share of the flagged firms, ``top_sector_weight`` its share of
        the scanned firms that day (``lift`` = share / weight), and ``hhi`` the Herfindahl
        index of the flagged firms' sectors beside ``hhi_universe``, that of all scanned firms;
        the ``down_`` columns are the same among the flagged losers only.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> scan.days(top=5)[["rank", "n_flagged", "n_down"]].values.tolist()
        [[1, 20, 20]]
        """
        ranked = self._ranked(rank_by)
        if shocks_only:
            ranked = ranked[ranked["shock"]]
        if top is not None:
            if isinstance(top, bool) or not isinstance(top, int | np.integer):
                raise SpecError(
                    f"top={top!r}: give a whole number of shock days to show (0 or more), or "
                    "None for all"
                )
            if top < 0:  # head(-1) would silently drop the last day instead
                raise SpecError(f"top={top}: give the number of shock days to show (0 or more)")
            ranked = ranked.head(int(top))
        rows = self.dates.get_indexer(ranked.index)
        cols = ["rank", "n_firms", "n_flagged", "n_down", "n_up", "share", "p_share",
                "mean_ar", "mean_sar", "z_mean", "dispersion", "episode"]  # fmt: skip
        out = ranked[cols].copy()
        losers, winners = self._extremes(rows, n_names)
        out["top_losers"], out["top_winners"] = losers, winners
        if self.sectors is not None:
            conc = self._concentration(rows)
            for c in conc.columns:
                out[c] = conc[c].to_numpy()
        return out

    def _extremes(self, rows: npt.NDArray[np.intp], k: int) -> tuple[list[str], list[str]]:
        ar = self._fit.ar[rows]
        low = np.where(np.isfinite(ar), ar, np.inf)
        high = np.where(np.isfinite(ar), ar, -np.inf)
        lo_idx = np.argsort(low, axis=1, kind="stable")[:, :k]
        hi_idx = np.argsort(-high, axis=1, kind="stable")[:, :k]

        def names(idx: npt.NDArray[np.intp], r: int) -> str:
            return ", ".join(
                f"{self.firms[j]} {100 * ar[r, j]:+.1f}%" for j in idx[r] if np.isfinite(ar[r, j])
            )

        return [names(lo_idx, r) for r in range(len(rows))], [
            names(hi_idx, r) for r in range(len(rows))
        ]

    def _sector_codes(self) -> tuple[npt.NDArray[np.intp], list[str]]:
        assert self.sectors is not None
        codes, labels = pd.factorize(self.sectors.to_numpy(), sort=True)
        return codes.astype(np.intp), [str(x) for x in labels]

    def _concentration(self, rows: npt.NDArray[np.intp]) -> pd.DataFrame:
        codes, labels = self._sector_codes()
        onehot = np.zeros((len(self.firms), len(labels)))
        onehot[np.arange(len(self.firms)), codes] = 1.0
        scanned = np.isfinite(self._fit.sar[rows]).astype(np.float64) @ onehot  # (days, sectors)
        down = self._flags[rows] & (self._fit.sar[rows] < 0)
        both = self._sector_shares(self._flags[rows].astype(np.float64) @ onehot, scanned, labels)
        losers = self._sector_shares(down.astype(np.float64) @ onehot, scanned, labels)
        losers = losers.drop(columns="hhi_universe").add_prefix("down_")
        return pd.concat([both, losers], axis=1)

    def _sector_shares(
        self, flagged: npt.NDArray[np.float64], scanned: npt.NDArray[np.float64], labels: list[str]
    ) -> pd.DataFrame:
        """The most over-represented sector among ``flagged`` firms (counts per day x sector).

        ``top_sector``: the largest lift (share of the flagged firms / share of the scanned
        firms) among sectors with at least :data:`MIN_SECTOR_FLAGGED` flagged firms (else the
        sector with most flagged firms).
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            fshare = flagged / flagged.sum(axis=1, keepdims=True)
            weight = scanned / scanned.sum(axis=1, keepdims=True)
            lift = np.nan_to_num(fshare / weight)
            eligible = flagged >= MIN_SECTOR_FLAGGED
            key = np.where(eligible, lift, -np.inf)
            top = np.where(eligible.any(axis=1), np.argmax(key, axis=1), np.argmax(flagged, axis=1))
            r = np.arange(len(flagged))
            none = flagged.sum(axis=1) == 0
            return pd.DataFrame(
                {
                    "top_sector": [
                        None if n else labels[j] for j, n in zip(top, none, strict=True)
                    ],
                    "top_sector_flagged": flagged[r, top].astype(np.int64),
                    "top_sector_share": fshare[r, top],
                    "top_sector_weight": weight[r, top],
                    "lift": fshare[r, top] / weight[r, top],
                    "hhi": (fshare**2).sum(axis=1),
                    "hhi_universe": (weight**2).sum(axis=1),
                }
            )

    def sector_day(self, date: Any) -> pd.DataFrame:
        """Abnormal returns by sector on one day: firms, flagged, hit rate, mean and median AR.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> sectors = {f"F{i}": ("A" if i < 15 else "B") for i in range(30)}
        >>> by_sector = es.scan_shocks(rets, estimation=(-120, -1), sectors=sectors)
        >>> by_sector.sector_day("2024-12-16")[["n_firms", "n_flagged"]].values.tolist()
        [[15, 15], [15, 5]]
        """
        if self.sectors is None:
            raise SpecError("no sector map: pass sectors=... to scan_shocks")
        row = self._row(date)
        ar = self._fit.ar[row]
        scanned = np.isfinite(ar)
        frame = pd.DataFrame(
            {
                "sector": self.sectors.to_numpy()[scanned],
                "ar": ar[scanned],
                "flagged": self._flags[row][scanned],
            }
        )
        g = frame.groupby("sector")
        out = pd.DataFrame(
            {
                "n_firms": g.size(),
                "n_flagged": g["flagged"].sum().astype(np.int64),
                "mean_ar": g["ar"].mean(),
                "median_ar": g["ar"].median(),
            }
        )
        out["hit_rate"] = out["n_flagged"] / out["n_firms"]
        out["weight"] = out["n_firms"] / out["n_firms"].sum()
        total = max(int(out["n_flagged"].sum()), 1)
        out["flagged_share"] = out["n_flagged"] / total
        return out.sort_values("mean_ar")

    def _row(self, date: Any) -> int:
        ts = _as_dates([date], "date", self.dates.tz)[0]
        pos = self.dates.get_indexer(pd.DatetimeIndex([ts]))[0]
        if pos < 0:
            after = self.dates[self.dates > ts]
            hint = f"; the next session is {after[0]:%Y-%m-%d}" if len(after) else ""
            raise DataError(
                f"{ts:%Y-%m-%d} is not a session of the scanned returns (a weekend, holiday or "
                f"a date outside {self.dates[0]:%Y-%m-%d} .. {self.dates[-1]:%Y-%m-%d}){hint}: "
                "pass a session (scan.index lists them)"
            )
        if not np.isfinite(self._fit.sar[pos]).any():
            raise DataError(
                f"{ts:%Y-%m-%d} was not scanned (before the first scanned day "
                f"{self.meta['first_scanned']:%Y-%m-%d} or no firm with enough history)"
            )
        return int(pos)

    # ------------------------------------------------------------------ firm-days
    def firm_shocks(self, top: int | None = None) -> pd.DataFrame:
        """Every flagged firm-day, largest ``|SAR|`` first.

        ``kind`` is ``"market-wide"`` when the day is a shock day (many firms at once) and
        ``"idiosyncratic"`` otherwise (a flagged firm on a quiet market day). With volumes,
        ``volume_z`` is the abnormal log volume and ``volume_confirmed`` whether it reaches
        ``volume_threshold``.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> scan.firm_shocks(top=1)[["ticker", "kind"]].values.tolist()
        [['F7', 'market-wide']]
        >>> scan.firm_shocks()["kind"].value_counts().to_dict()
        {'idiosyncratic': 62, 'market-wide': 20}
        """
        r, c = np.nonzero(self._flags)
        sar = self._fit.sar[r, c]
        dof = self._fit.dof[r, c]
        shock = self.index["shock"].to_numpy()[r]
        out = pd.DataFrame(
            {
                "date": self.dates[r],
                "ticker": np.asarray(self.firms, dtype=object)[c],
                "ret": self._ret[r, c],
                "ar": self._fit.ar[r, c],
                "sar": sar,
                "dof": dof,
                "critical": self._crit[r, c],
                "p": t_pvalue(sar, dof, self.meta["side"]),
                "day_share": self.index["share"].to_numpy()[r],
                "kind": np.where(shock, "market-wide", "idiosyncratic"),
            }
        )
        if self.sectors is not None:
            out.insert(2, "sector", self.sectors.to_numpy()[c])
        if self._volume_z is not None:
            vz = self._volume_z[r, c]
            out["volume_z"] = vz
            confirmed = pd.array(vz >= self.meta["volume_threshold"], dtype="boolean")
            confirmed[~np.isfinite(vz)] = pd.NA
            out["volume_confirmed"] = confirmed
        order = np.argsort(-np.abs(sar), kind="stable")
        out = out.iloc[order].reset_index(drop=True)
        return out if top is None else out.head(int(top))

    # ------------------------------------------------------------------ into a study
    def to_events(
        self,
        top: int | None = 5,
        *,
        dates: Sequence[Any] | None = None,
        firms: str = "all",
        rank_by: str = "share",
        event_window: tuple[int, int] = (-10, 10),
    ) -> pd.DataFrame:
        """An events frame (``ticker, date, group``) that :class:`~eventstudy.EventStudy` takes.

        Parameters
        ----------
        top
            The ``top`` shock days by ``rank_by`` (ignored when ``dates`` is given).
        dates
            Explicit dates instead (each must have been scanned).
        firms
            ``"all"``: every firm scanned that day; ``"flagged"``: only its flagged firms.
        event_window
            Used only for the clustering report (``attrs["clustering"]``, also
            :meth:`clustering`): windows of different dates that overlap share sessions.

        Notes
        -----
        Every event of one date shares day 0, so their abnormal returns are cross-correlated:
        test them with the clustered-date remedies (Kolari–Pynnönen, Brown–Warner 1985,
        portfolio), not with the naive cross-sectional tests.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> events = scan.to_events(top=1)
        >>> events.columns.tolist(), len(events)
        (['ticker', 'date', 'group'], 30)
        >>> res = es.EventStudy(events, rets, model=es.MarketModel("SPY"), calendar=None).fit()
        >>> int((res.status["status"] == "used").sum())
        30
        """
        if firms not in FIRMS:
            raise SpecError(f"firms={firms!r}; use one of {', '.join(FIRMS)}")
        if dates is None:
            chosen = self.days(top=top, rank_by=rank_by).index
            if not len(chosen):
                raise DataError(
                    "the scan found no shock day: nothing to turn into events; pass dates=[...] "
                    "to study chosen sessions (scan.days(shocks_only=False) ranks every "
                    "session) or scan again with a larger day_level"
                )
        else:
            chosen = _as_dates(dates, "date", self.dates.tz)
        rows = np.array([self._row(d) for d in chosen], dtype=np.intp)
        mask = self._flags[rows] if firms == "flagged" else np.isfinite(self._fit.sar[rows])
        r, c = np.nonzero(mask)
        day = self.dates[rows][r]
        events = pd.DataFrame(
            {
                "ticker": np.asarray(self.firms, dtype=object)[c],
                "date": day,
                "group": [f"{d:%Y-%m-%d}" for d in day],
            }
        )
        if self.sectors is not None:
            events["sector"] = self.sectors.to_numpy()[c]
        report = self.clustering(events, event_window=event_window)
        events.attrs["clustering"] = report.iloc[0].to_dict()
        return events

    def clustering(
        self, events: pd.DataFrame, *, event_window: tuple[int, int] = (-10, 10)
    ) -> pd.DataFrame:
        """How clustered the events' dates are (one row).

        ``n_events``, ``n_dates``, ``largest_cluster`` (events on one date), ``share_clustered``
        (events sharing their date with another), ``min_gap`` (fewest sessions between two
        distinct dates), ``overlapping_dates`` (dates whose ``event_window`` overlaps another
        date's), ``clustered`` (any two events share a session) and ``n_rolled`` (events whose
        date is not a session of the scan: each counts at the next session, its day 0 as
        :func:`eventstudy.map_to_day0` rolls it; a date after the last session is an error).

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> scan.clustering(scan.to_events(top=1))[["n_events", "n_dates", "largest_cluster"]].values.tolist()
        [[30, 1, 30]]
        """
        if not {"ticker", "date"} <= set(events.columns):
            raise SpecError("events need ticker and date columns (from ShockScan.to_events)")
        given = _as_dates(events["date"], "event date", self.dates.tz).normalize()
        # a date that is not a session counts at the next session (its day 0, as the study
        # rolls it: eventstudy.calendar.map_to_day0)
        at = np.searchsorted(self.dates.to_numpy(), given.to_numpy(), side="left")
        if (at >= len(self.dates)).any():
            late = given[at >= len(self.dates)][0]
            raise DataError(
                f"event date {late:%Y-%m-%d} is after the last session of the scan "
                f"({self.dates[-1]:%Y-%m-%d}): it has no day 0 in these returns"
            )
        day = self.dates[at]
        rolled = int((day != given).sum())
        uniq, counts = np.unique(day.to_numpy(), return_counts=True)
        pos = np.sort(self.dates.get_indexer(pd.DatetimeIndex(uniq)))
        gaps = np.diff(pos)
        span = event_window[1] - event_window[0]
        close = gaps <= span  # windows [p+a, p+b] and [q+a, q+b] overlap when q - p <= b - a
        overlapping = np.zeros(len(pos), dtype=bool)
        overlapping[:-1] |= close
        overlapping[1:] |= close
        n = len(events)
        inv = np.searchsorted(uniq, day.to_numpy())
        return pd.DataFrame(
            {
                "n_events": [n],
                "n_dates": [len(uniq)],
                "largest_cluster": [int(counts.max()) if n else 0],
                "share_clustered": [float((counts[inv] > 1).mean()) if n else 0.0],
                "min_gap": [int(gaps.min()) if len(gaps) else np.nan],
                "overlapping_dates": [int(overlapping.sum())],
                "clustered": [bool((counts > 1).any() or overlapping.any())],
                "n_rolled": [rolled],
            }
        )

    # ------------------------------------------------------------------ display
    def _headline(self) -> list[tuple[str, str]]:
        m, idx = self.meta, self.index
        scanned = idx[idx["n_firms"] > 0]
        cut = (
            f"|SAR| > {m['threshold']:g} (fixed)"
            if m["threshold"] is not None
            else f"Student-t, false-flag rate {m['level']:g} ({m['side']})"
        )
        n_fd = int(scanned["n_firms"].sum())
        n_flag = int(scanned["n_flagged"].sum())
        return [
            ("model", f"{m['model']} vs {m['market']}" if m["market"] else m["model"]),
            ("estimation window", f"{m['estimation']} sessions, min {m['min_obs']} obs"),
            ("flag", cut),
            ("firms", f"{len(self.firms)} ({len(m['never_scanned'])} never scanned)"),
            (
                "sessions scanned",
                f"{len(scanned)} ({scanned.index[0]:%Y-%m-%d} .. {scanned.index[-1]:%Y-%m-%d})",
            ),
            ("firm-days flagged", f"{n_flag} of {n_fd} ({n_flag / max(n_fd, 1):.2%})"),
            ("shock days", self._shock_text()),
        ]

    def _shock_text(self) -> str:
        m = self.meta
        n_tested = int(m.get("n_day_tested", 0))
        if n_tested == 0:
            return (
                f"not tested: the day test needs min_null={m['min_null']} earlier scanned "
                "sessions, so no session could be tested (p_share is NaN)"
            )
        return (
            f"{int(self.index['shock'].sum())} (p_share <= {m['day_level']:g}), "
            f"{len(self.episodes)} episodes; day test on {n_tested} sessions from "
            f"{m['first_day_tested']:%Y-%m-%d}"
        )

    def summary(self, top: int = 10) -> str:
        """A plain-text summary: settings, counts and the top shock days.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> print(scan.summary().splitlines()[0])
        Shock scan
        """
        lines = ["Shock scan", "=" * 10]
        lines += [f"{k:<20}{v}" for k, v in self._headline()]
        days = self.days(top=top)
        if len(days):
            show = days[["rank", "n_flagged", "n_firms", "share", "p_share", "mean_ar"]].copy()
            show["share"] = (100 * show["share"]).round(1)
            show["mean_ar"] = (100 * show["mean_ar"]).round(2)
            show["p_share"] = show["p_share"].map(lambda p: f"{p:.1e}")
            lines += ["", f"Top {len(show)} shock days (share and mean AR in %):"]
            lines += show.to_string().splitlines()
        return "\n".join(lines)

    def __repr__(self) -> str:
        m = self.meta
        return (
            f"<ShockScan {len(self.firms)} firms x {int((self.index['n_firms'] > 0).sum())} "
            f"sessions, model={m['model']}, {int(self._flags.sum())} firm-days flagged, "
            + (
                f"{int(self.index['shock'].sum())} shock days "
                f"(day test on {int(m.get('n_day_tested', 0))} sessions)>"
                if m.get("n_day_tested", 0)
                else "day test not run (too few scanned sessions)>"
            )
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._headline()
        )
        days = self.days(top=10)
        table = ""
        if len(days):
            show = days[["rank", "n_flagged", "n_firms", "share", "mean_ar", "top_losers",
                         "top_winners"]].copy()  # fmt: skip
            show["share"] = (100 * show["share"]).round(1)
            show["mean_ar"] = (100 * show["mean_ar"]).round(2)
            show.index = pd.DatetimeIndex(show.index).strftime("%Y-%m-%d")
            table = "<p>Top shock days (share, mean AR in %)</p>" + show.to_html(escape=True)
        return f"<div><strong>Shock scan</strong><table>{rows}</table>{table}</div>"

    # ------------------------------------------------------------------ figures and files
    def plot_calendar(
        self,
        top: int = 8,
        *,
        rank_by: str = "share",
        ax: Axes | None = None,
        figsize: tuple[float, float] = (10.0, 4.0),
    ) -> Figure:
        """The shock calendar (see :func:`eventstudy.scan.plot_shock_calendar`).

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> fig = scan.plot_calendar(top=3)  # one shock day: one label
        >>> [t.get_text().splitlines()[0] for t in fig.axes[0].texts]
        ['2024-12-16']
        """
        from ._plots import plot_shock_calendar

        return plot_shock_calendar(self, top=top, rank_by=rank_by, ax=ax, figsize=figsize)

    def plot_sectors(
        self,
        date: Any,
        *,
        ax: Axes | None = None,
        figsize: tuple[float, float] = (8.0, 5.0),
        percent: bool = True,
    ) -> Figure:
        """Abnormal returns by sector on one day (see :func:`eventstudy.scan.plot_sector_ars`).

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> sectors = {f"F{i}": ("A" if i < 15 else "B") for i in range(30)}
        >>> fig = es.scan_shocks(rets, estimation=(-120, -1), sectors=sectors).plot_sectors("2024-12-16")
        >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]  # lowest mean AR at the bottom
        ['A (15/15)', 'B (5/15)']
        """
        from ._plots import plot_sector_ars

        return plot_sector_ars(self, date, ax=ax, figsize=figsize, percent=percent)

    def tables(self, top: int | None = 50) -> dict[str, pd.DataFrame]:
        """The tables :meth:`export` writes, by file stem.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> sorted(scan.tables())
        ['episodes', 'firm_shocks', 'shock_days', 'shock_index']
        """
        index = self.index.reset_index()
        days = self.days(top=top).reset_index()
        return {
            "shock_index": index,
            "shock_days": days,
            "episodes": self.episodes,
            "firm_shocks": self.firm_shocks(),
        }

    def export(
        self,
        folder: str | Path,
        *,
        top: int | None = 50,
        figures: bool = True,
        overwrite: bool = False,
    ) -> dict[str, Path]:
        """Write the tables (CSV), figures (PNG) and ``summary.txt`` into ``folder``.

        See :func:`eventstudy.scan._export.export_scan`: files are written atomically, only
        inside ``folder``, never over a file eventstudy did not write.

        Examples
        --------
        ``scan`` and ``rets`` as in the :class:`ShockScan` example:

        >>> import tempfile
        >>> sorted(scan.export(tempfile.mkdtemp(), figures=False))
        ['episodes.csv', 'firm_shocks.csv', 'shock_days.csv', 'shock_index.csv', 'summary.txt']
        """
        from ._export import export_scan

        return export_scan(self, Path(folder), top=top, figures=figures, overwrite=overwrite)
