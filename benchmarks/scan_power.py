"""Power and null calibration of the scanner's day test (issue 17), on simulated returns.

Usage (from the repository root, with the package installed)::

    python benchmarks/scan_power.py          # prints the two tables of docs/user_guide/scanner.md

* **Null**: 300 firms x 1500 sessions of market-model returns with normal errors (optionally an
  industry factor: 10 industries, 30 % of the idiosyncratic variance), three seeds; the share
  of tested sessions that are shock days at ``day_level`` 0.05 and 0.01.
* **Power**: 500 firms x 752 sessions; 5, 20 or 40 days drawn among sessions 420-751 on which a
  share of the firms (5 %, 10 %, 30 %) gets a shock of 3 or 5 times its residual sd (random
  sign); planted days found and false shock days (default settings).
"""

from __future__ import annotations

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


if __name__ == "__main__":
    warnings.simplefilter("ignore", es.SuspectedSplitWarning)
    null_rates()
    power()
