"""Benchmark of the shock scanner (issue 17): the S&P 500 panel, scaling, and a reference.

Usage (from the repository root, with the package installed)::

    python benchmarks/scan_bench.py               # prints the figures, writes results/scan_bench.json
    python benchmarks/scan_bench.py --out DIR

* **Target**: ``scan_shocks`` on the 503 firms x 752 sessions of
  ``$EVENTSTUDY_SHARED/data/prices/universe/sp500_adjclose.csv`` (market model vs SPY, trailing
  250 sessions, sectors) in <= 5 s; the time is the best of three calls, reading the CSV and
  computing returns are reported apart.
* **Reference in the same run**: statsmodels' ``RollingOLS`` (one call per firm, its own
  cumulative-sum engine) on a sample of firms, scaled to all firms; the ratio is what counts.
* **Memory linear in firms x days**: peak traced allocation (``tracemalloc``; numpy reports
  its buffers to it) of scans of 1/4, 1/2 and all firms, and of 1/3, 2/3 and all sessions;
  bytes per firm-day should stay flat.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent


def shared_prices() -> Path:
    root = Path(os.environ.get("EVENTSTUDY_SHARED", HERE.parent.parent / "shared"))
    return root / "data" / "prices"


def best_of(fn: Any, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_bytes(fn: Any) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rolling_ols_reference(returns: pd.DataFrame, firms: list[str], window: int) -> float:
    """Seconds for statsmodels RollingOLS of each firm on SPY (one call per firm)."""
    import statsmodels.api as sm
    from statsmodels.regression.rolling import RollingOLS

    x = sm.add_constant(returns["SPY"].to_numpy())

    def run() -> None:
        for f in firms:
            y = returns[f].to_numpy()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                RollingOLS(y, x, window=window, min_nobs=100, missing="skip").fit(params_only=False)

    return best_of(run, repeat=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--sample", type=int, default=40, help="firms in the reference run")
    args = parser.parse_args()

    import eventstudy as es
    from eventstudy.scan import read_sector_map

    prices_dir = shared_prices()
    panel = prices_dir / "universe" / "sp500_adjclose.csv"
    if not panel.is_file():
        print(f"skipped: {panel} not found (set EVENTSTUDY_SHARED)")
        return
    t0 = time.perf_counter()
    prices = es.read_prices(panel)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    returns = es.compute_returns(prices)
    t_returns = time.perf_counter() - t0
    sectors = read_sector_map(prices_dir / "universe" / "sp500_constituents.csv")
    firms = [c for c in returns.columns if c != "SPY"]

    def scan(frame: pd.DataFrame) -> Any:
        return es.scan_shocks(frame, "SPY", gaps="skip", sectors=sectors)

    result = scan(returns)
    t_scan = best_of(lambda: scan(returns))
    t_tables = best_of(lambda: (result.days(50), result.firm_shocks(), result.episodes), repeat=1)
    sample = firms[: args.sample]
    t_ref = rolling_ols_reference(returns, sample, 250) * len(firms) / len(sample)

    scaling = []
    for share in (0.25, 0.5, 1.0):
        cols = [*firms[: int(round(share * len(firms)))], "SPY"]
        sub = returns[cols]
        scaling.append(("firms", len(cols) - 1, len(sub), sub))
    for share in (1 / 3, 2 / 3):
        sub = returns.iloc[: int(round(share * len(returns)))]
        scaling.append(("sessions", len(firms), len(sub), sub))
    rows = []
    for kind, n_firms, n_days, sub in scaling:
        peak = peak_bytes(lambda sub=sub: scan(sub))
        secs = best_of(lambda sub=sub: scan(sub), repeat=2)
        rows.append(
            {
                "vary": kind,
                "firms": n_firms,
                "sessions": n_days,
                "seconds": round(secs, 3),
                "peak_MB": round(peak / 2**20, 1),
                "bytes_per_firm_day": round(peak / (n_firms * n_days), 1),
            }
        )
    table = pd.DataFrame(rows).sort_values(["vary", "firms", "sessions"])
    shape = f"{len(firms)} firms x {len(returns)} sessions"
    print(f"S&P 500 panel ({shape}), market model, trailing 250 sessions:")
    print(f"  read CSV {t_read:.2f} s, returns {t_returns:.2f} s (not part of the scan)")
    print(f"  scan_shocks: {t_scan:.2f} s (target <= 5 s), tables {t_tables:.2f} s")
    print(
        f"  statsmodels RollingOLS loop, scaled to {len(firms)} firms: {t_ref:.1f} s "
        f"-> the scan is {t_ref / t_scan:.0f}x faster"
    )
    print("scaling (peak traced memory):")
    print(table.to_string(index=False))
    args.out.mkdir(parents=True, exist_ok=True)
    record = {
        "panel": shape,
        "read_seconds": round(t_read, 3),
        "returns_seconds": round(t_returns, 3),
        "scan_seconds": round(t_scan, 3),
        "tables_seconds": round(t_tables, 3),
        "rolling_ols_reference_seconds": round(t_ref, 3),
        "ratio_reference_over_scan": round(t_ref / t_scan, 1),
        "scaling": rows,
    }
    (args.out / "scan_bench.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
