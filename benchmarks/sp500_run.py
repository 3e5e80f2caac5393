"""``eventstudy run`` of the S&P 500 x every 2025 session, end to end (issue 14's target table).

Usage (repository root, package importable)::

    nice python benchmarks/sp500_run.py                 # one timed run, report in a temp folder
    nice python benchmarks/sp500_run.py --keep DIR      # write the spec, inputs and report to DIR
    nice python benchmarks/sp500_run.py --profile FILE  # also a cProfile of the run (pstats file)

At run time the script writes into a temporary folder (never into the repository) an events
CSV with an event for every firm of ``../shared/data/prices/universe/sp500_adjclose.csv`` (or
``$EVENTSTUDY_SHARED/data/...``; read in place, its SPY column is the market) on every 2025
session (503 x 250 = 125,750), and a spec: market
model vs SPY, estimation (-250, -11), event window (-10, +10), CAR windows (0, 0) and (-1, 1),
XNYS calendar, every default test and the default outputs. It then runs
``python -m eventstudy run SPEC --prices-dir sp500_adjclose.csv --out OUT`` in a subprocess under
``/usr/bin/time -v`` (when present) and prints the wall time, the CPU time (user + system:
on a shared machine the wall time also counts other jobs' use of the cores), the peak memory
and the load average. Output: printed figures and ``results/sp500_run.json`` (or ``--out``). Nothing here is
collected by pytest; no test asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

SPEC = """\
[study]
name = "S&P 500 x every 2025 session"
description = "Every S&P 500 member on every 2025 NYSE session (issue 14 benchmark)."

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


def shared_prices() -> Path | None:
    """The wide S&P 500 panel (its SPY column is the market), read in place at run time."""
    env = os.environ.get("EVENTSTUDY_SHARED")
    root = Path(env) if env else REPO.parent / "shared"
    path = root / "data" / "prices" / "universe" / "sp500_adjclose.csv"
    return path if path.is_file() else None


def write_inputs(prices: Path, work: Path) -> dict[str, Any]:
    """The events file (every firm on every 2025 session) and the spec, in ``work``."""
    head = pd.read_csv(prices, usecols=["Date"])
    firms = [c for c in pd.read_csv(prices, nrows=0).columns if c not in ("Date", "SPY")]
    sessions = [d for d in head["Date"].astype(str) if d.startswith("2025-")]
    events = pd.DataFrame(
        {
            "ticker": [t for t in firms for _ in sessions],
            "date": sessions * len(firms),
        }
    )
    events.to_csv(work / "events.csv", index=False)
    (work / "study.toml").write_text(SPEC, encoding="utf-8")
    return {"n_firms": len(firms), "n_sessions": len(sessions), "n_events": len(events)}


def _time_v(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["peak_gb"] = int(m.group(1)) / 1e6
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if m:
        secs = 0.0
        for part in m.group(1).split(":"):
            secs = secs * 60 + float(part)
        out["wall_s_time"] = secs
    cpu = [re.search(rf"{kind} time \(seconds\): ([\d.]+)", text) for kind in ("User", "System")]
    if all(cpu):
        out["cpu_s"] = sum(float(c.group(1)) for c in cpu if c)
    m = re.search(r"Percent of CPU this job got: (\d+)%", text)
    if m:
        out["cpu_percent"] = float(m.group(1))
    return out


def run(work: Path, prices: Path, out: Path, profile: str | None) -> dict[str, Any]:
    env = dict(os.environ, MPLBACKEND="Agg", EVENTSTUDY_OFFLINE="1")
    src = REPO / "src"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH", "")]))
    cmd = [sys.executable]
    if profile:
        cmd += ["-m", "cProfile", "-o", profile]
        cmd += ["-m", "eventstudy"]
    else:
        cmd += ["-m", "eventstudy"]
    cmd += ["run", str(work / "study.toml"), "--prices-dir", str(prices)]
    cmd += ["--out", str(out)]
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if timer:
        cmd = [timer, "-v", *cmd]
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    load_after = os.getloadavg()
    result: dict[str, Any] = {
        "returncode": proc.returncode,
        "wall_s": wall,
        "load_before": load_before,
        "load_after": load_after,
        **_time_v(proc.stderr),
    }
    if proc.returncode != 0:
        result["stderr_tail"] = proc.stderr[-3000:]
    result["stdout_tail"] = proc.stdout[-1500:]
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="folder for the inputs and the report (default: a temp dir)")
    ap.add_argument("--profile", help="write a cProfile of the run to this file")
    ap.add_argument("--out", default=str(HERE / "results"), help="folder of sp500_run.json")
    args = ap.parse_args(argv)
    prices = shared_prices()
    if prices is None:
        print("S&P 500 run: skipped (no ../shared/data/prices/universe; set EVENTSTUDY_SHARED)")
        return 0
    tmp = None
    if args.keep:
        work = Path(args.keep)
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="es_sp500_")
        work = Path(tmp.name)
    try:
        info = write_inputs(prices, work)
        print(
            f"S&P 500 x 2025: {info['n_firms']} firms x {info['n_sessions']} sessions = "
            f"{info['n_events']:,} events (inputs in {work})"
        )
        r = run(work, prices, work / "report", args.profile)
        r.update(info)
        r["date_utc"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        status = "ok" if r["returncode"] == 0 else f"FAILED (exit {r['returncode']})"
        print(
            f"  eventstudy run: {r['wall_s']:.1f} s end to end, {status}; "
            f"CPU (user + system) {r.get('cpu_s', float('nan')):.1f} s; "
            f"peak {r.get('peak_gb', float('nan')):.2f} GB; "
            f"load average {r['load_before'][0]:.2f} before, {r['load_after'][0]:.2f} after"
        )
        if r["returncode"] != 0:
            print(r["stderr_tail"])
        outdir = Path(args.out)
        outdir.mkdir(parents=True, exist_ok=True)
        (outdir / "sp500_run.json").write_text(json.dumps(r, indent=2, default=str) + "\n")
        return 0 if r["returncode"] == 0 else 1
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
