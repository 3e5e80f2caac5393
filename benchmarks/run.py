"""Benchmarks of the event-study engine: ratios against references measured in the same run.

Usage (from the repository root, with the package installed)::

    python benchmarks/run.py            # full: 1k .. 1M events, windows, S&P 500 panel, Dask
    python benchmarks/run.py --quick    # 1k .. 100k events, no 1M, smaller window sweep
    python benchmarks/run.py --only ratio,scale,windows,sp500,dask

Every figure is printed beside its reference and their ratio. Absolute timings depend on the
machine; the targets are ratios (and the 1M-event time and peak memory on a 2-core machine).
Each scale point runs in a fresh subprocess so its peak memory (``ru_maxrss``) is its own;
points up to 100k events are the best of two runs (after a small warm-up run).
Results go to ``benchmarks/results/`` (``results.json``, ``scaling.png``, ``windows.png``) or
``--out DIR``. The real-data part reads ``$EVENTSTUDY_SHARED/data`` (default ``../shared``
beside the repository) and is skipped with a message when absent.

Data are synthetic and seeded: ``F`` firms x ``T`` sessions of market-model returns
(``beta ~ U(0.5, 1.5)``, 2 % idiosyncratic volatility, a few missing values) and one event per
firm and session of a trailing block of sessions, so ``n = F x D`` firm-events.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PARAMETRIC = ["brown_warner_1980", "brown_warner_1985", "cross_sectional_t", "patell", "bmp"]
EST, EVT = (-250, -11), (-10, 10)
ALL_PARTS = ("ratio", "scale", "windows", "sp500", "dask")


# ----------------------------------------------------------------------------- data
def synthetic(
    n_events: int, n_firms: int | None = None, seed: int = 0, est: tuple[int, int] = EST
) -> tuple[Any, Any]:
    """Wide returns (firms + ``SPY``) and an events frame of ``n_events`` firm-days."""
    if n_firms is None:
        n_firms = int(min(500, max(10, round(math.sqrt(n_events / 4)))))
    n_days = math.ceil(n_events / n_firms)
    lead = -est[0] + 5
    t_len = lead + n_days + 25  # room for event windows up to +20
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2000-01-03", periods=t_len)
    market = rng.normal(0.0004, 0.01, t_len)
    beta = rng.uniform(0.5, 1.5, n_firms)
    firm = market[:, None] * beta + rng.normal(0, 0.02, (t_len, n_firms))
    firm[rng.random(firm.shape) < 0.002] = np.nan
    names = [f"F{i:04d}" for i in range(n_firms)]
    ret = pd.DataFrame(firm, index=dates, columns=names)
    ret["SPY"] = market
    days = dates[lead : lead + n_days]
    ev = pd.DataFrame(
        {
            "ticker": np.repeat(names, n_days)[:n_events],
            "date": np.tile(days.to_numpy(), n_firms)[:n_events],
        }
    )
    return ret, ev


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


# ----------------------------------------------------------------------------- the study
def run_study(
    ret: Any, ev: Any, engine: str = "numpy", calendar: str | None = None, **kw: Any
) -> Any:
    """Market model fit + AR/CAR + daily parametric tests (what the targets measure)."""
    from eventstudy import EventStudy
    from eventstudy.events import EventsDroppedWarning
    from eventstudy.inference import run_tests

    kw.setdefault("min_estimation_obs", 100)
    min_obs = kw.pop("min_estimation_obs")
    study = EventStudy(
        ev,
        ret,
        calendar=calendar,
        estimation_window=kw.pop("est", EST),
        event_window=kw.pop("evt", EVT),
        min_estimation_obs=min_obs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventsDroppedWarning)
        res = study.fit(engine=engine, **kw)  # type: ignore[arg-type]
    car = res.car()
    tests = run_tests(res.panel, PARAMETRIC, daily=True)
    return res, car, tests


# ----------------------------------------------------------------------------- references
def numpy_reference(ret: Any, ev: Any) -> tuple[Any, Any, Any]:
    """Plain numpy: gather windows, batched least squares, AR, CAR and a daily t of AAR."""
    t_len = len(ret)
    mat = np.vstack([ret.to_numpy(), np.full((1, ret.shape[1]), np.nan)])  # row T: missing
    col = {c: j for j, c in enumerate(ret.columns)}
    firm = np.array([col[t] for t in ev["ticker"]])
    pos0 = np.searchsorted(ret.index.to_numpy(), ev["date"].to_numpy())
    est = np.clip(pos0[:, None] + np.arange(EST[0], EST[1] + 1), -1, t_len) % (t_len + 1)
    evt = np.clip(pos0[:, None] + np.arange(EVT[0], EVT[1] + 1), -1, t_len) % (t_len + 1)
    y, m = mat[est, firm[:, None]], mat[est, col["SPY"]]
    ok = np.isfinite(y) & np.isfinite(m)
    x = np.stack([ok * 1.0, np.where(ok, m, 0.0)], axis=2)
    yz = np.where(ok, y, 0.0)
    xtx = np.einsum("nlk,nlj->nkj", x, x)
    det = xtx[:, 0, 0] * xtx[:, 1, 1] - xtx[:, 0, 1] ** 2
    # as the engine: min_estimation_obs and no constant market or firm (others: NaN)
    good = (ok.sum(1) >= 100) & (det > 1e-12 * xtx[:, 0, 0] * xtx[:, 1, 1])
    xtx[~good] = np.eye(2)
    b = np.linalg.solve(xtx, np.einsum("nlk,nl->nk", x, yz)[..., None])[..., 0]
    b[~good] = np.nan
    resid = yz - np.einsum("nlk,nk->nl", x, b)
    s2 = (resid**2).sum(1) / (ok.sum(1) - 2)
    ar = mat[evt, firm[:, None]] - b[:, :1] - b[:, 1:] * mat[evt, col["SPY"]]
    car = np.nansum(ar, axis=1)
    aar = np.nanmean(ar, axis=0)
    t = aar / (np.nanstd(ar, axis=0, ddof=1) / np.sqrt(np.isfinite(ar).sum(0)))
    return car, t, s2


def statsmodels_reference(ret: Any, ev: Any) -> Any:
    """One statsmodels OLS per event (the loop users write by hand)."""
    import statsmodels.api as sm

    idx = ret.index
    cars = []
    for tick, day in zip(ev["ticker"], ev["date"], strict=True):
        p0 = idx.get_loc(day)
        w = ret.iloc[p0 + EST[0] : p0 + EST[1] + 1]
        d = w[[tick, "SPY"]].dropna()
        fit = sm.OLS(d[tick], sm.add_constant(d["SPY"])).fit()
        v = ret.iloc[p0 + EVT[0] : p0 + EVT[1] + 1]
        ar = v[tick] - fit.predict(sm.add_constant(v["SPY"], has_constant="add"))
        cars.append(ar.sum())
    return np.asarray(cars)


# ----------------------------------------------------------------------------- parts
def part_ratio(results: dict[str, Any], n: int = 2000) -> None:
    ret, ev = synthetic(n, n_firms=100)
    run_study(ret, ev)  # warm-up (imports, scipy)
    numpy_reference(ret, ev)
    t_es, (res, car, _) = _timed(lambda: run_study(ret, ev), repeat=5)
    t_np, (car_np, _, _) = _timed(lambda: numpy_reference(ret, ev), repeat=5)
    sub = max(1, n // 10)  # statsmodels on a tenth of the events, scaled up (linear loop)
    t_sm_sub, car_sm = _timed(lambda: statsmodels_reference(ret, ev.iloc[:sub]))
    t_sm = t_sm_sub * n / sub
    used = res.status["status"].to_numpy() == "used"
    car_all = np.full(len(ev), np.nan)
    car_all[used] = car["car"].to_numpy()
    diff = float(np.nanmax(np.abs(car_all[:sub] - car_sm)[used[:sub]]))
    diff_np = float(np.nanmax(np.abs(car_all - car_np)[used]))
    results["ratio"] = {
        "n_events": n,
        "eventstudy_s": t_es,
        "numpy_lstsq_s": t_np,
        "statsmodels_loop_s": t_sm,
        "ratio_vs_numpy": t_es / t_np,
        "speedup_vs_statsmodels": t_sm / t_es,
        "max_abs_car_diff_statsmodels": diff,
        "max_abs_car_diff_numpy": diff_np,
    }
    print(f"\n== {n} firm-events: market model, AR/CAR + daily parametric tests ==")
    print(f"  eventstudy            {t_es * 1e3:9.1f} ms")
    print(
        f"  numpy batched lstsq   {t_np * 1e3:9.1f} ms   ratio {t_es / t_np:5.2f}x   (target <= 3x)"
    )
    print(
        f"  statsmodels OLS loop  {t_sm * 1e3:9.1f} ms   speed-up {t_sm / t_es:5.0f}x  (target >= 50x;"
        f" {sub} events timed, scaled)"
    )
    print(f"  max |CAR diff|: vs statsmodels {diff:.1e}, vs numpy {diff_np:.1e}")


def one_point(n: int, engine: str, est: tuple[int, int], evt: tuple[int, int]) -> dict[str, Any]:
    """One scale point (run in a subprocess: its peak memory is its own)."""
    small_ret, small_ev = synthetic(500, n_firms=10)
    run_study(small_ret, small_ev)  # warm-up: imports (scipy, inference) are not timed
    del small_ret, small_ev
    ret, ev = synthetic(n, est=est)
    base = _peak_gb()
    length = est[1] - est[0] + 1
    kw: dict[str, Any] = {"est": est, "evt": evt, "min_estimation_obs": min(100, int(0.4 * length))}
    if engine == "chunked":
        kw["chunk_events"] = 50_000
    t, (res, _, _) = _timed(
        lambda: run_study(ret, ev, engine=engine, **kw), 2 if n <= 100_000 else 1
    )
    return {
        "n_events": n,
        "n_used": res.panel.n_events,
        "engine": engine,
        "est": list(est),
        "evt": list(evt),
        "seconds": t,
        "peak_gb": _peak_gb(),
        "data_gb": base,
    }


def _subprocess_point(n: int, engine: str, est: Any = EST, evt: Any = EVT) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--point",
        f"{n},{engine},{est[0]},{est[1]},{evt[0]},{evt[1]}",
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def part_scale(results: dict[str, Any], quick: bool) -> None:
    sizes = [1_000, 3_000, 10_000, 30_000, 100_000]
    if not quick:
        sizes += [300_000, 1_000_000]
    print(
        "\n== scaling in events (fresh process per point; engine: numpy <= 100k, chunked above) =="
    )
    print(f"  {'events':>9} {'engine':>8} {'seconds':>9} {'us/event':>9} {'peak GB':>8}")
    rows = []
    for n in sizes:
        engine = "numpy" if n <= 100_000 else "chunked"
        r = _subprocess_point(n, engine)
        rows.append(r)
        print(
            f"  {n:>9} {engine:>8} {r['seconds']:9.2f} {1e6 * r['seconds'] / n:9.1f} {r['peak_gb']:8.2f}"
        )
    if 100_000 in sizes:
        r = _subprocess_point(100_000, "chunked")
        rows.append(r)
        print(
            f"  {100_000:>9} {'chunked':>8} {r['seconds']:9.2f} {1e6 * r['seconds'] / 1e5:9.1f} {r['peak_gb']:8.2f}"
        )
    ns = np.array([r["n_events"] for r in rows[: len(sizes)]], dtype=float)
    ts = np.array([r["seconds"] for r in rows[: len(sizes)]])
    big = ns >= 10_000
    slope = float(np.polyfit(np.log(ns[big]), np.log(ts[big]), 1)[0])
    print(f"  log-log slope (>= 10k events): {slope:.2f}  (1.00 = linear)")
    results["scale"] = {"points": rows, "loglog_slope": slope}


def part_windows(results: dict[str, Any], quick: bool) -> None:
    n = 20_000 if quick else 50_000
    print(f"\n== window lengths ({n} events, numpy engine) ==")
    rows = []
    for l1 in (60, 120, 240, 480):
        r = _subprocess_point(n, "numpy", (-(l1 + 10), -11), EVT)
        rows.append({**r, "kind": "estimation", "length": l1})
        print(f"  estimation {l1:4d} days: {r['seconds']:6.2f} s  peak {r['peak_gb']:.2f} GB")
    for l2 in (3, 11, 21, 41):
        h = (l2 - 1) // 2
        est = EST if h <= 10 else (-(h + 240), -(h + 1))  # 240 days, before the event window
        r = _subprocess_point(n, "numpy", est, (-h, h))
        rows.append({**r, "kind": "event", "length": l2})
        print(f"  event      {l2:4d} days: {r['seconds']:6.2f} s  peak {r['peak_gb']:.2f} GB")
    results["windows"] = {"n_events": n, "points": rows}


def shared_data() -> Path | None:
    env = os.environ.get("EVENTSTUDY_SHARED")
    root = Path(env) if env else REPO.parent / "shared"
    path = root / "data" / "prices" / "universe" / "sp500_adjclose.csv"
    return path if path.is_file() else None


def part_sp500(results: dict[str, Any]) -> None:
    path = shared_data()
    if path is None:
        print("\n== S&P 500 panel: skipped (no ../shared/data; set EVENTSTUDY_SHARED) ==")
        return
    cmd = [sys.executable, str(Path(__file__).resolve()), "--sp500-point", str(path)]
    r = json.loads(
        subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1]
    )
    results["sp500"] = r
    print(
        f"\n== S&P 500: {r['n_firms']} firms x every 2025 session = {r['n_events']} firm-events =="
    )
    print(
        f"  fit + AR/CAR + daily parametric tests: {r['seconds']:.2f} s, peak {r['peak_gb']:.2f} GB"
    )
    print(
        f"  numpy batched lstsq on the same events: {r['numpy_s']:.2f} s  ratio {r['seconds'] / r['numpy_s']:.2f}x"
    )


def sp500_point(path: str) -> dict[str, Any]:
    prices = pd.read_csv(path, index_col=0, parse_dates=True)
    spy = pd.read_csv(Path(path).parents[1] / "SPY.csv", index_col=0, parse_dates=True)
    prices["SPY"] = spy["Adj Close"].reindex(prices.index)
    ret = prices.pct_change(fill_method=None).iloc[1:]
    days = ret.index[ret.index.year == 2025]
    firms = [c for c in ret.columns if c != "SPY"]
    ev = pd.DataFrame(
        {"ticker": np.repeat(firms, len(days)), "date": np.tile(days.to_numpy(), len(firms))}
    )
    small_ret, small_ev = synthetic(500, n_firms=10)
    run_study(small_ret, small_ev)  # warm-up: imports are not timed
    base = _peak_gb()
    t0 = time.perf_counter()
    res, _, _ = run_study(ret, ev, calendar="XNYS")
    t = time.perf_counter() - t0
    t_np, _ = _timed(lambda: numpy_reference(ret, ev))
    return {
        "n_firms": len(firms),
        "n_events": len(ev),
        "n_used": res.panel.n_events,
        "seconds": t,
        "numpy_s": t_np,
        "peak_gb": _peak_gb(),
        "data_gb": base,
    }


def part_dask(results: dict[str, Any], quick: bool) -> None:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("\n== Dask: skipped (pip install 'eventstudy[dask]') ==")
        return
    n = 50_000 if quick else 200_000
    ret, ev = synthetic(n)
    t_np, _ = _timed(lambda: run_study(ret, ev))
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cl,
        Client(cl) as client,
    ):
        t_dk, _ = _timed(lambda: run_study(ret, ev, engine="dask", client=client, partitions=4))
    results["dask"] = {"n_events": n, "numpy_s": t_np, "dask_s": t_dk, "workers": 2}
    print(f"\n== Dask LocalCluster (2 worker processes) on {n} events ==")
    print(f"  numpy engine {t_np:.2f} s   dask engine {t_dk:.2f} s   ratio {t_dk / t_np:.2f}x")


def plots(results: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if "scale" in results:
        pts = [p for p in results["scale"]["points"]]
        fig, ax = plt.subplots(figsize=(6, 4.5))
        for engine, marker in (("numpy", "o"), ("chunked", "s")):
            sel = [p for p in pts if p["engine"] == engine]
            if sel:
                ax.loglog(
                    [p["n_events"] for p in sel], [p["seconds"] for p in sel], marker, label=engine
                )
        ns = np.array(sorted({p["n_events"] for p in pts}), dtype=float)
        ref = [p for p in pts if p["n_events"] == 100_000] or pts[-1:]
        ax.loglog(ns, ref[0]["seconds"] * ns / ref[0]["n_events"], "k--", lw=0.8, label="linear")
        ax.set_xlabel("firm-events")
        ax.set_ylabel("seconds (fit + AR/CAR + daily parametric tests)")
        ax.set_title(f"Scaling in events (slope {results['scale']['loglog_slope']:.2f})")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "scaling.png", dpi=110)
        plt.close(fig)
    if "windows" in results:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        for kind, marker in (("estimation", "o-"), ("event", "s-")):
            sel = [p for p in results["windows"]["points"] if p["kind"] == kind]
            ax.plot(
                [p["length"] for p in sel],
                [p["seconds"] for p in sel],
                marker,
                label=f"{kind} window",
            )
        ax.set_xlabel("window length (sessions)")
        ax.set_ylabel("seconds")
        ax.set_title(f"Window length ({results['windows']['n_events']} events)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "windows.png", dpi=110)
        plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip 1M events and shrink the sweeps")
    ap.add_argument("--only", default=",".join(ALL_PARTS))
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--point", help=argparse.SUPPRESS)
    ap.add_argument("--sp500-point", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.point:
        n, engine, a, b, c, d = args.point.split(",")
        print(json.dumps(one_point(int(n), engine, (int(a), int(b)), (int(c), int(d)))))
        return 0
    if args.sp500_point:
        print(json.dumps(sp500_point(args.sp500_point)))
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    parts = set(args.only.split(","))
    results: dict[str, Any] = {}
    previous = out / "results.json"
    if previous.is_file() and parts != set(ALL_PARTS):  # --only: update those parts
        results = json.loads(previous.read_text())
    results.update(quick=args.quick, cpus=os.cpu_count())
    if "ratio" in parts:
        part_ratio(results)
    if "scale" in parts:
        part_scale(results, args.quick)
    if "windows" in parts:
        part_windows(results, args.quick)
    if "sp500" in parts:
        part_sp500(results)
    if "dask" in parts:
        part_dask(results, args.quick)
    plots(results, out)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"\nresults: {out / 'results.json'} (plots: scaling.png, windows.png)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
