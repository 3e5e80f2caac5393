"""Power and null calibration of the scanner's day test (issue 17), on simulated returns.

Usage (from the repository root, with the package installed)::

    python benchmarks/scan_power.py          # prints the two tables of docs/user_guide/scanner.md
    python benchmarks/scan_power.py --long   # frequent shock days in a long sample (limitation)
    python benchmarks/scan_power.py --dependent  # nulls with volatility clustering / t(3) factor

* **Null**: 300 firms x 1500 sessions of market-model returns with normal errors (optionally an
  industry factor: 10 industries, 30 % of the idiosyncratic variance), three seeds; the share
  of tested sessions that are shock days at ``day_level`` 0.05 and 0.01.
* **Power**: 500 firms x 752 sessions; 5, 20 or 40 days drawn among sessions 420-751 on which a
  share of the firms (5 %, 10 %, 30 %) gets a shock of 3 or 5 times its residual sd (random
  sign); planted days found and false shock days (default settings).
* ``--long``: 300 firms x 2000 sessions, 40 or 80 days drawn among sessions 400-1999 on which
  30 % of the firms get 5 sd; planted days found with and without the screen (and screened
  with ``null_window=100``), by 400-session era (the screen's limitation when shock days are
  frequent in a long sample).
* ``--dependent``: 300 firms x 1500 sessions, seeds 1000-1002, with common volatility
  clustering (log-volatility AR(1), 0.97 and 0.25) or a t(3) industry factor (10 industries,
  30 % of the residual variance): firm flag rate and shock-day rates at ``day_level`` 0.05 and
  0.01 with and without the screen (the day test assumes no common volatility clustering).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd

import eventstudy as es


def simulate(n_firms: int, n_days: int, seed: int, industry: float = 0.0) -> pd.DataFrame:
    """Market-model returns (beta ~ U(0.3, 1.7), residual sd ~ U(0.8 %, 3.5 %)) and ``SPY``."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2019-01-01", periods=n_days, name="date")
    market = rng.normal(3e-4, 0.011, n_days)
    eps = rng.normal(size=(n_days, n_firms))
    if industry:
        factor = rng.normal(size=(n_days, 10))
        eps = np.sqrt(1 - industry) * eps + np.sqrt(industry) * factor[:, np.arange(n_firms) % 10]
    beta = rng.uniform(0.3, 1.7, n_firms)
    sd = rng.uniform(0.008, 0.035, n_firms)
    values = 1e-4 + market[:, None] * beta + eps * sd
    frame = pd.DataFrame(values, index=dates, columns=[f"F{i}" for i in range(n_firms)])
    frame["SPY"] = market
    return frame


def null_rates() -> None:
    for industry in (0.0, 0.3):
        for day_level in (0.05, 0.01):
            rates = []
            for seed in range(3):
                scan = es.scan_shocks(
                    simulate(300, 1500, 300 + seed, industry), day_level=day_level
                )
                tested = scan.index.dropna(subset=["p_share"])
                rates.append(float(tested["shock"].mean()))
            print(f"null, industry share {industry}: day_level {day_level}: {np.round(rates, 4)}")


def power() -> None:
    for n_days in (5, 20, 40):
        for share, size in ((0.05, 5.0), (0.10, 3.0), (0.10, 5.0), (0.30, 5.0)):
            rng = np.random.default_rng(int(share * 1000 + size + n_days))
            frame = simulate(500, 752, 999)
            firms = frame.columns[:-1]
            days = rng.choice(np.arange(420, 752), n_days, replace=False)
            sd = frame[firms].sub(frame["SPY"], axis=0).std().to_numpy()
            for t in days:
                hit = rng.choice(500, int(share * 500), replace=False)
                frame.iloc[t, hit] += rng.choice([-1, 1], len(hit)) * size * sd[hit]
            shock = es.scan_shocks(frame, "SPY").index["shock"].to_numpy()
            false = int(shock.sum() - shock[days].sum())
            print(
                f"{n_days} days, {share:.0%} of firms at {size:g} sd: found "
                f"{int(shock[days].sum())}/{n_days}, false shock days {false}"
            )


def _screen(level: float) -> None:
    """Set the day test's screen level (``-1``: no screen, as before it existed)."""
    import eventstudy.scan._index as day_index

    day_index.SCREEN_LEVEL = level


def long_sample() -> None:
    n_sessions = 2000
    for n_days in (40, 80):
        frame = simulate(300, n_sessions, 5)
        rng = np.random.default_rng(n_days)
        firms = frame.columns[:-1]
        days = np.sort(rng.choice(np.arange(400, n_sessions), n_days, replace=False))
        sd = frame[firms].sub(frame["SPY"], axis=0).std().to_numpy()
        for t in days:
            hit = rng.choice(300, 90, replace=False)
            frame.iloc[t, hit] += rng.choice([-1, 1], 90) * 5 * sd[hit]
        for screen, null_window in ((0.001, 250), (-1.0, 250), (0.001, 100)):
            _screen(screen)
            scan = es.scan_shocks(frame, "SPY", null_window=null_window)
            shock = scan.index["shock"].to_numpy()
            top = scan.days(top=n_days, shocks_only=False).index  # every session, by share
            in_top = int(np.isin(frame.index[days], top).sum())
            era = [
                round(float(shock[days[(days >= a) & (days < a + 400)]].mean()), 2)
                for a in range(400, n_sessions, 400)
            ]
            print(
                f"{n_days} planted days in {n_sessions - 400} sessions, 30% of firms at 5 sd, "
                f"{'screened' if screen > 0 else 'unscreened'}, null_window {null_window}: "
                f"found {int(shock[days].sum())}/"
                f"{n_days}, by 400-session era {era}, false {int(shock.sum() - shock[days].sum())}; "
                f"planted days among the {n_days} sessions of largest share {in_top}"
            )
    _screen(0.001)


def simulate_dependent(n_firms: int, n_days: int, seed: int, kind: str) -> pd.DataFrame:
    """Null returns with common volatility clustering (``"volclust"``) or a t(3) industry
    factor (``"ind_t3"``)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-01", periods=n_days, name="date")
    market = rng.normal(3e-4, 0.011, n_days)
    eps = rng.normal(size=(n_days, n_firms))
    if kind == "ind_t3":
        factor = rng.standard_t(3, (n_days, 10)) / np.sqrt(3)
        eps = np.sqrt(0.7) * eps + np.sqrt(0.3) * factor[:, np.arange(n_firms) % 10]
    if kind == "volclust":
        h = np.zeros(n_days)
        z = rng.normal(size=n_days)
        for t in range(1, n_days):
            h[t] = 0.97 * h[t - 1] + 0.25 * z[t]
        vol = np.exp(h - h.mean())
        eps = eps * vol[:, None] / np.sqrt(np.mean(vol**2))
    values = (
        1e-4
        + market[:, None] * rng.uniform(0.3, 1.7, n_firms)
        + eps * rng.uniform(0.008, 0.035, n_firms)
    )
    frame = pd.DataFrame(values, index=dates, columns=[f"F{i}" for i in range(n_firms)])
    frame["SPY"] = market
    return frame


def dependent_nulls() -> None:
    for kind in ("volclust", "ind_t3"):
        for seed in range(3):
            frame = simulate_dependent(300, 1500, 1000 + seed, kind)
            rates = {}
            for screen in (0.001, -1.0):
                _screen(screen)
                scan = es.scan_shocks(frame, "SPY", day_level=0.05)
                tested = scan.index.dropna(subset=["p_share"])
                rates[screen] = ((tested.p_share <= 0.05).mean(), (tested.p_share <= 0.01).mean())
                flag_rate = scan.index["n_flagged"].sum() / scan.index["n_firms"].sum()
            print(
                f"{kind} seed {seed}: firm flag rate {flag_rate:.4f}; shock-day rate at "
                f"0.05 / 0.01 unscreened {rates[-1.0][0]:.4f} / {rates[-1.0][1]:.4f}, "
                f"screened {rates[0.001][0]:.4f} / {rates[0.001][1]:.4f}"
            )
    _screen(0.001)


if __name__ == "__main__":
    warnings.simplefilter("ignore", es.SuspectedSplitWarning)
    if "--long" in sys.argv[1:]:
        long_sample()
    elif "--dependent" in sys.argv[1:]:
        dependent_nulls()
    else:
        null_rates()
        power()
