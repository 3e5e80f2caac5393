"""``eventstudy run`` end to end on 50,000 and 1,000,000 synthetic events (issue 14).

Usage (repository root, package importable)::

    nice python benchmarks/cli_scale.py                      # 50,000 and 1,000,000 events
    nice python benchmarks/cli_scale.py --events 50000       # one size
    nice python benchmarks/cli_scale.py --keep DIR           # keep inputs and reports in DIR

For each size the script writes into a temporary folder (never into the repository) a wide
adjusted-close CSV of ``F`` synthetic firms and ``SPY`` on XNYS sessions (market-model
returns, 0.2 % missing values: ``run.synthetic``'s design), an events file of ``F`` firms x
``D`` consecutive sessions and the spec of the issue's target table - market model vs SPY,
estimation (-250, -11), event window (-10, +10), CAR windows (0, 0) and (-1, 1), every
default test, the default outputs (CSV tables, Markdown and HTML reports, figures) and no
``[engine]`` table (the default ``"auto"``: chunked from 50,000 events). It then runs
``python -m eventstudy run`` in a subprocess under ``/usr/bin/time -v`` and records the wall
and CPU time, the peak memory, the load average, the size of ``ar.csv`` and the memory
model's prediction for the fit and tests (``eventstudy.memory.estimate_memory`` of the
engine the CLI chose) next to the measured peak above the loaded data. Output: printed
figures and ``results/cli_scale.json`` (or ``--out``). Nothing here is collected by pytest;
no test asserts a timing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SIZES = (50_000, 1_000_000)
TARGET_GB = {50_000: 4.0, 1_000_000: 8.0}  # the 100k row's 4 GB; the 1M row's 8 GB

SPEC = """\
[study]
name = "{n:,} synthetic events"
description = "eventstudy run at scale (issue 14 benchmark)."

[events]
file = "events.csv"

[model]
name = "market"
market = "SPY"

[windows]
estimation = [-250, -11]
event = [-10, 10]
car = [[0, 0], [-1, 1]]

[data]
return_kind = "simple"
calendar = "XNYS"
"""


def _sibling(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"es_bench_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_inputs(n_events: int, work: Path, seed: int = 0) -> dict[str, Any]:
    """Prices, events and spec for ``n_events`` firm-days (``run.synthetic``'s design on XNYS
    sessions: ``F = min(500, sqrt(n / 4))`` firms, consecutive event days)."""
    from eventstudy.calendar import get_exchange_calendar

    n_firms = int(min(500, max(10, round(math.sqrt(n_events / 4)))))
    n_days = math.ceil(n_events / n_firms)
    lead, tail = 255, 25
    t_len = lead + n_days + tail + 1  # + 1: the first price has no return
    cal = get_exchange_calendar("XNYS", "1990-01-01", "2025-12-31")
    sessions = cal.sessions_in_range("1990-01-02", "2025-12-31")[-t_len:]
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0004, 0.01, t_len)
    beta = rng.uniform(0.5, 1.5, n_firms)
    ret = market[:, None] * beta + rng.normal(0, 0.02, (t_len, n_firms))
    prices = 100.0 * np.cumprod(1.0 + ret, axis=0)
    prices[rng.random(prices.shape) < 0.002] = np.nan  # a missing close: two missing returns
    names = [f"F{i:04d}" for i in range(n_firms)]
    wide = pd.DataFrame(prices, columns=names)
    wide.insert(0, "Date", pd.DatetimeIndex(sessions).strftime("%Y-%m-%d"))
    wide["SPY"] = 100.0 * np.cumprod(1.0 + market)
    wide.to_csv(work / "prices.csv", index=False, float_format="%.6f")
    days = pd.DatetimeIndex(sessions[lead + 1 : lead + 1 + n_days]).strftime("%Y-%m-%d")
    events = pd.DataFrame(
        {
            "ticker": np.repeat(names, n_days)[:n_events],
            "date": np.tile(np.asarray(days), n_firms)[:n_events],
        }
    )
    events.to_csv(work / "events.csv", index=False)
    (work / "study.toml").write_text(SPEC.format(n=n_events), encoding="utf-8")
    return {"n_events": len(events), "n_firms": n_firms, "n_days": n_days}


def predicted_gb(n_events: int) -> dict[str, Any]:
    """The memory model's estimate (fit + every default test) for the engine ``run`` picks."""
    from eventstudy.memory import estimate_memory, resolve_engine

    engine = resolve_engine("auto", n_events)
    est = estimate_memory(n_events, 240, 21, "all", engine=engine)
    return {"engine": engine, "predicted_gb": est.total / 1e9}


def data_gb(work: Path) -> float:
    """Resident memory of a process that has imported what ``run`` imports and read the
    inputs (the memory model counts what the fit and tests add above it)."""
    import subprocess

    code = (
        "import resource, pandas as pd, eventstudy, eventstudy.report.plotting, "
        "matplotlib.figure, exchange_calendars; "
        f"p = pd.read_csv({str(work / 'prices.csv')!r}); e = pd.read_csv({str(work / 'events.csv')!r}); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1e6


def one(n_events: int, keep: Path | None) -> dict[str, Any]:
    sp500 = _sibling("sp500_run")
    base = keep / f"n{n_events}" if keep else Path(tempfile.mkdtemp(prefix="es_cli_scale_"))
    base.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    sizes = write_inputs(n_events, base)
    prep = time.perf_counter() - t0
    out = base / "report"
    result = sp500.run(base, base / "prices.csv", out, None)
    ar_csv = out / "ar.csv"
    result.update(sizes)
    result["inputs_s"] = prep
    result["ar_csv_mb"] = ar_csv.stat().st_size / 1e6 if ar_csv.exists() else None
    result["data_gb"] = data_gb(base)
    result.update(predicted_gb(n_events))
    result["target_gb"] = TARGET_GB.get(n_events)
    result["folder"] = str(base)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, nargs="*", default=list(SIZES))
    ap.add_argument("--keep", help="folder for the inputs and reports (default: temp dirs)")
    ap.add_argument("--out", default=str(HERE / "results"), help="folder of cli_scale.json")
    args = ap.parse_args(argv)
    keep = Path(args.keep) if args.keep else None
    rows = []
    for n in args.events:
        r = one(n, keep)
        rows.append(r)
        above = r.get("peak_gb", float("nan")) - r["data_gb"]
        print(
            f"== eventstudy run, {n:,} events ({r['engine']} engine): "
            f"{'ok' if r['returncode'] == 0 else 'FAILED rc=' + str(r['returncode'])}\n"
            f"  wall {r['wall_s']:.1f} s, CPU {r.get('cpu_s', float('nan')):.1f} s, "
            f"peak {r.get('peak_gb', float('nan')):.2f} GB [target <= {r['target_gb']} GB], "
            f"load {r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}\n"
            f"  memory model (fit + tests) {r['predicted_gb']:.2f} GB vs measured above the "
            f"data {above:.2f} GB ({100 * (r['predicted_gb'] / above - 1):+.0f} %); "
            f"ar.csv {r['ar_csv_mb'] or 0:.0f} MB",
            flush=True,
        )
        if r["returncode"] != 0:
            print(r.get("stderr_tail", ""))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (out / "cli_scale.json").write_text(json.dumps({"date_utc": stamp, "runs": rows}, indent=2))
    print(f"results: {out / 'cli_scale.json'}")
    return 0 if all(r["returncode"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
