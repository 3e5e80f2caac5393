"""The whole default study (fit + CAR + every test) at scale: issue 14's target table.

Usage (repository root, package installed)::

    nice python benchmarks/study_scale.py                       # small, lemaire, 10k, 100k
    nice python benchmarks/study_scale.py --parts small,10k     # some parts only
    nice python benchmarks/study_scale.py --parts 1m            # 1,000,000 events (chunked)
    nice python benchmarks/study_scale.py --parts memory        # the memory model vs peaks
    nice python benchmarks/study_scale.py --parts dask          # 100k: Dask (2 workers) vs default

Study: market model, estimation (-250, -11), event window (-10, +10), CAR windows (0, 0) and
(-1, 1), ``results.tests()`` with its default "all" (daily rows and the two windows) - what
``eventstudy run`` does. Data: ``run.synthetic`` (F firms x D consecutive event days, 0.2 %
missing returns, so events are staggered over D dates). Every point with its own peak memory
runs in a fresh subprocess, and the plain numpy reference (``run.numpy_reference``: gather,
batched least squares, AR, CAR) is timed in the same process on the same data, so each
figure is a ratio measured in one run. Output: printed table and ``results/study_scale.json``
(or ``--out``). Nothing here is collected by pytest; no test asserts a timing.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
WINDOWS = [(0, 0), (-1, 1)]
ALL_PARTS = ("small", "lemaire", "10k", "100k")


@functools.cache
def _bench() -> Any:
    """``benchmarks/run.py`` (synthetic data, numpy reference) as a module, loaded once (it
    was re-executed inside every timed fit: ~3.5 ms of compiling counted against eventstudy)."""
    spec = importlib.util.spec_from_file_location("es_bench_run", HERE / "run.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _peak_gb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def _study(ret: Any, ev: Any) -> Any:
    from eventstudy import EventStudy

    b = _bench()
    return EventStudy(
        ev, ret, calendar=None, estimation_window=b.EST, event_window=b.EVT, min_estimation_obs=100
    )


def _fit(ret: Any, ev: Any, engine: str = "numpy", **kw: Any) -> Any:
    from eventstudy.events import EventsDroppedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventsDroppedWarning)
        return _study(ret, ev).fit(engine=engine, **kw)  # type: ignore[arg-type]


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


# ----------------------------------------------------------------------------- points
def point_small(n: int = 2000) -> dict[str, Any]:
    """fit + CAR of ``n`` events against the numpy reference, interleaved, best of 7."""
    b = _bench()
    ret, ev = b.synthetic(n, n_firms=100)
    _fit(ret, ev).car()  # warm-up: imports
    b.numpy_reference(ret, ev)
    t_es, t_np = float("inf"), float("inf")
    for _ in range(7):
        t, res = _best(lambda: _fit(ret, ev), 1)
        t_car, _ = _best(res.car, 1)
        t_es = min(t_es, t + t_car)
        t_np = min(t_np, _best(lambda: b.numpy_reference(ret, ev), 1)[0])
    t_tests, _ = _best(lambda: _fit(ret, ev).tests(windows=WINDOWS), 3)
    return {"n_events": n, "fit_car_s": t_es, "numpy_s": t_np, "fit_tests_s": t_tests}


def point_study(n: int, engine: str = "numpy") -> dict[str, Any]:
    """fit + CAR + all default tests; the numpy reference on the same data afterwards."""
    b = _bench()
    small_ret, small_ev = b.synthetic(500, n_firms=10)
    _fit(small_ret, small_ev).tests(windows=WINDOWS)  # warm-up: imports are not timed
    ret, ev = b.synthetic(n)
    data_gb = _peak_gb()
    kw = {"chunk_events": 50_000} if engine == "chunked" else {}
    t0 = time.perf_counter()
    res = _fit(ret, ev, engine, **kw)
    t_fit = time.perf_counter() - t0
    res.car((-1, 1))
    tests = res.tests(windows=WINDOWS)
    t_all = time.perf_counter() - t0
    peak = _peak_gb()
    from eventstudy.memory import estimate_memory

    est = estimate_memory(
        res.panel.n_events, len(res.panel.est_rel), len(res.panel.evt_rel), engine=engine
    )
    del res, tests
    t_np, _ = _best(lambda: b.numpy_reference(ret, ev), 1)
    return {
        "n_events": n,
        "engine": engine,
        "fit_s": t_fit,
        "total_s": t_all,
        "numpy_s": t_np,
        "peak_gb": peak,
        "data_gb": data_gb,
        "predicted_gb": est.total / 1e9,
    }


def point_dask(n: int, workers: int = 2) -> dict[str, Any]:
    """fit + CAR + all default tests: the default engine, then the Dask engine on a
    ``workers``-process ``LocalCluster`` (started before the clock) with the estimation
    window kept on the workers (``gather=False``) and, for reference, gathered; the same
    data in one process, so the ratio is of one run. The test rows are compared."""
    from distributed import Client, LocalCluster

    from eventstudy.engine.executors import fit_dask

    b = _bench()
    small_ret, small_ev = b.synthetic(500, n_firms=10)
    _fit(small_ret, small_ev).tests(windows=WINDOWS)  # warm-up: imports are not timed
    ret, ev = b.synthetic(n)
    load = [os.getloadavg()[0]]
    t0, c0 = time.perf_counter(), time.process_time()
    res = _fit(ret, ev)
    res.car((-1, 1))
    ref = res.tests(windows=WINDOWS)
    t_numpy = time.perf_counter() - t0
    del res
    out: dict[str, Any] = {
        "n_events": n,
        "workers": workers,
        "numpy_s": t_numpy,
        "numpy_cpu_s": time.process_time() - c0,
    }
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        for gather in (False, True):
            load.append(os.getloadavg()[0])
            # CPU seconds of the client and of each worker process: on a busy machine the
            # wall time also counts other jobs, the CPU time says what the run itself used
            w0 = client.run(time.process_time)
            t0, c0 = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                from eventstudy.events import EventsDroppedWarning

                warnings.simplefilter("ignore", EventsDroppedWarning)
                res = fit_dask(_study(ret, ev), client=client, gather=gather)
            t_fit = time.perf_counter() - t0
            res.car((-1, 1))
            got = res.tests(windows=WINDOWS)
            key = "dask_s" if not gather else "dask_gathered_s"
            out[key] = time.perf_counter() - t0
            out[key.replace("_s", "_client_cpu_s")] = time.process_time() - c0
            w1 = client.run(time.process_time)
            out[key.replace("_s", "_worker_cpu_s")] = [w1[k] - w0[k] for k in sorted(w0)]
            out[key.replace("_s", "_fit_s")] = t_fit
            num = ["estimate", "statistic", "p_value", "df"]
            diff = got[num].to_numpy(float) - ref[num].to_numpy(float)
            out[key.replace("_s", "_maxdiff")] = float(np.nanmax(np.abs(diff)))
            del res
    load.append(os.getloadavg()[0])
    out["load_average"] = load
    return out


LEMAIRE_SCRIPT = r"""
import json, sys, time, warnings
import numpy as np
import eventstudy as es
warnings.simplefilter("ignore")
path, events = sys.argv[1], json.load(open(sys.argv[2]))
es.Single.import_returns(path)
todo = [{"event_date": np.datetime64(d), "security_ticker": t, "market_ticker": "SPY"}
        for t, d in events]
t0 = time.perf_counter()
agg = es.Multiple.from_list(todo, es.Single.market_model, event_window=(-10, 10),
                            estimation_size=240, buffer_size=10)
t = time.perf_counter() - t0
print(json.dumps({"seconds": t, "n_ok": len(agg.sample), "CAAR_end": float(agg.CAAR[-1])}))
"""


def part_lemaire(results: dict[str, Any], n: int = 2000) -> None:
    """Lemaire's ``eventstudy`` 0.1a12 (PyPI) in its own virtualenv on the same events."""
    venv = Path(os.environ.get("LEMAIRE_VENV", Path(tempfile.gettempdir()) / "lemaire-venv"))
    python = venv / "bin" / "python"
    if not python.exists():
        r = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True)
        if r.returncode == 0:
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "eventstudy==0.1a12"],
                capture_output=True,
            )
    check = subprocess.run(
        [
            str(python),
            "-c",
            "import eventstudy, importlib.metadata as m; print(m.version('eventstudy'))",
        ],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0 or "0.1a12" not in check.stdout:
        print("\n== Lemaire eventstudy 0.1a12: skipped (could not install it in a virtualenv) ==")
        return
    b = _bench()
    # history for Lemaire's estimation + buffer + half window; no missing values (its OLS
    # does not take them)
    ret, ev = b.synthetic(n, n_firms=100, est=(-275, -11))
    ret = ret.ffill().fillna(0.0)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "returns.csv"
        out = ret.copy()
        out.index = out.index.strftime("%Y-%m-%d")
        out.index.name = "date"
        out.to_csv(csv)
        evs = Path(tmp) / "events.json"
        evs.write_text(
            json.dumps([[t, str(d.date())] for t, d in zip(ev["ticker"], ev["date"], strict=True)])
        )
        script = Path(tmp) / "lemaire.py"
        script.write_text(LEMAIRE_SCRIPT)
        r = subprocess.run(
            [str(python), str(script), str(csv), str(evs)], capture_output=True, text=True
        )
    if r.returncode != 0:
        print(f"\n== Lemaire eventstudy 0.1a12: failed to run ({r.stderr.strip()[-300:]}) ==")
        return
    lem = json.loads(r.stdout.strip().splitlines()[-1])
    _fit(ret, ev).car()  # warm-up
    t_es, _ = _best(lambda: _fit(ret, ev).car(), 5)
    t_np, _ = _best(lambda: b.numpy_reference(ret, ev), 5)
    results["lemaire"] = {
        "n_events": n,
        "lemaire_s": lem["seconds"],
        "lemaire_events": lem["n_ok"],
        "eventstudy_fit_car_s": t_es,
        "numpy_s": t_np,
    }
    print(f"\n== Lemaire eventstudy 0.1a12 vs this package, {n} events, same run ==")
    print(f"  Lemaire Multiple.from_list   {lem['seconds']:8.2f} s ({lem['n_ok']} events)")
    print(f"  eventstudy fit + CAR         {t_es:8.3f} s   speed-up {lem['seconds'] / t_es:6.0f}x")
    print(f"  numpy reference              {t_np:8.3f} s   floor    {lem['seconds'] / t_np:6.0f}x")


# ----------------------------------------------------------------------------- driver
def _sub(kind: str, *args: Any) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--point", kind, *map(str, args)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _print_study(label: str, r: dict[str, Any], target: str) -> None:
    print(f"\n== {label}: fit + CAR + all default tests ({r['engine']} engine) ==")
    print(
        f"  eventstudy {r['total_s']:7.2f} s (fit {r['fit_s']:.2f} s)  peak {r['peak_gb']:.2f} GB"
        f"   [target {target}]"
    )
    print(
        f"  numpy reference (fit + CAR only) {r['numpy_s']:.2f} s   ratio {r['total_s'] / r['numpy_s']:.1f}x"
    )
    print(
        f"  memory model: predicted {r['predicted_gb']:.2f} GB above the data "
        f"({r['data_gb']:.2f} GB), measured {r['peak_gb'] - r['data_gb']:.2f} GB"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parts", default=",".join(ALL_PARTS))
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--point", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.point:
        kind, *rest = args.point
        if kind == "dask":
            out = point_dask(int(rest[0]))
        else:
            out = point_small() if kind == "small" else point_study(int(rest[0]), rest[1])
        print(json.dumps(out))
        return 0
    parts = args.parts.split(",")
    res: dict[str, Any] = {"cpus": os.cpu_count()}
    if "small" in parts:
        r = res["small"] = _sub("small")
        print(f"\n== {r['n_events']} events: fit + CAR ==")
        print(
            f"  eventstudy {r['fit_car_s'] * 1e3:7.1f} ms   numpy reference {r['numpy_s'] * 1e3:6.1f} ms"
            f"   ratio {r['fit_car_s'] / r['numpy_s']:.2f}x   [target <= 2x]"
        )
        print(f"  (fit + all default tests: {r['fit_tests_s'] * 1e3:.0f} ms)")
    if "lemaire" in parts:
        part_lemaire(res)
    for part, n, engine, target in (
        ("10k", 10_000, "numpy", "<= 5 s, <= 1 GB"),
        ("100k", 100_000, "numpy", "<= 60 s, <= 4 GB"),
        ("1m", 1_000_000, "chunked", "<= 10 min, <= 8 GB"),
    ):
        if part in parts:
            r = res[part] = _sub("study", n, engine)
            _print_study(f"{n:,} staggered events", r, target)
    if "dask" in parts:
        r = res["dask"] = _sub("dask", 100_000)
        print(
            f"\n== {r['n_events']:,} events, fit + CAR + all tests: Dask, 2-worker LocalCluster =="
        )
        print(f"  default engine                       {r['numpy_s']:7.2f} s")
        print(
            f"  dask, estimation window on workers   {r['dask_s']:7.2f} s (fit {r['dask_fit_s']:.2f} s)"
            f"   ratio {r['dask_s'] / r['numpy_s']:.2f}x   [target <= 1x]"
        )
        print(
            f"  dask, panel gathered (tests on client) {r['dask_gathered_s']:5.2f} s"
            f"   ratio {r['dask_gathered_s'] / r['numpy_s']:.2f}x"
        )
        print(
            f"  CPU seconds: default {r['numpy_cpu_s']:.1f}; dask client "
            f"{r['dask_client_cpu_s']:.1f} + workers "
            + " + ".join(f"{x:.1f}" for x in r["dask_worker_cpu_s"])
            + f"; gathered client {r['dask_gathered_client_cpu_s']:.1f} + workers "
            + " + ".join(f"{x:.1f}" for x in r["dask_gathered_worker_cpu_s"])
        )
        print(
            f"  largest difference of a test number: {r['dask_maxdiff']:.1e} "
            f"(gathered {r['dask_gathered_maxdiff']:.1e}); load average "
            + ", ".join(f"{x:.1f}" for x in r["load_average"])
        )
    if "memory" in parts:
        rows = [_sub("study", n, "numpy") for n in (5_000, 20_000, 50_000)]
        res["memory"] = rows
        print("\n== memory model: predicted vs measured peak above the data ==")
        for r in rows:
            used = r["peak_gb"] - r["data_gb"]
            print(
                f"  {r['n_events']:>7,} events  predicted {r['predicted_gb']:.2f} GB  measured "
                f"{used:.2f} GB  error {100 * (r['predicted_gb'] / used - 1):+.0f} %"
            )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "study_scale.json"
    old = json.loads(target.read_text()) if target.is_file() else {}
    old.update(res)
    target.write_text(json.dumps(old, indent=2, default=float))
    print(f"\nresults: {target}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
