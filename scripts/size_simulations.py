"""Size of the clustering-robust tests under the null, on real S&P 500 returns (issue 15).

Pseudo-studies of 30 events (market model, estimation window -250..-11, day 0 tested, nothing
planted) come from fresh simulated normal returns with an industry factor and from the S&P 500
panel of ``../shared/data`` (against SPY): ``shared`` puts 30 distinct firms on one random day
0, ``staggered`` 30 firms on 10 random days (3 per day). For each
pseudo-study the SUR Wald tests (exact F; chi2 for comparison), the portfolio test (one row per
event date), Kolari-Pynnönen, BMP and GRANK give a p-value; the table reports the rejection
rate at 5 % and whether it lies inside the 99 % binomial band of 5 % for that many p-values.

Usage::

    python scripts/size_simulations.py [--reps 2000] [--seed 15] [--out docs/size_simulations.md]

The events of a pseudo-study are fitted in one batched least-squares pass per chunk and each
test is vectorised across the events of a pseudo-study (the loop is over pseudo-studies).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from eventstudy.inference import Conventions, portfolio_test, sur_wald_test
from eventstudy.inference._build import market_model_panel
from eventstudy.inference._core import Context
from eventstudy.inference._registry import REGISTRY, window_rows

EST, EVT = (-250, -11), (-1, 1)
N_EVENTS, N_DATES_STAGGERED = 30, 10
LEVEL = 0.05
TESTS = ("kolari_pynnonen", "bmp", "grank")


def load(shared: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simple returns of the S&P 500 members and SPY on common sessions."""
    panel = pd.read_csv(shared / "data/prices/universe/sp500_adjclose.csv", index_col="Date")
    spy = pd.read_csv(shared / "data/prices/SPY.csv", index_col="Date")["Adj Close"]
    panel.index = pd.DatetimeIndex(panel.index)
    spy.index = pd.DatetimeIndex(spy.index)
    prices = panel.drop(columns="SPY", errors="ignore").join(spy.rename("SPY"), how="inner")
    rets = prices.pct_change(fill_method=None).iloc[1:]
    r = rets.drop(columns="SPY").to_numpy(dtype=float)
    return r, rets["SPY"].to_numpy(dtype=float), rets.index.to_numpy(dtype="datetime64[ns]")


def complete_firms(r: np.ndarray, day: int) -> np.ndarray:
    """Firms with every return of the estimation and event windows of ``day``."""
    block = r[day + EST[0] : day + EVT[1] + 1]
    return np.flatnonzero(np.isfinite(block).all(axis=0))


def draw(rng: np.random.Generator, r: np.ndarray, staggered: bool) -> tuple[np.ndarray, np.ndarray]:
    """(firm, day0) of one pseudo-study: 30 distinct firms per date."""
    days_possible = np.arange(-EST[0], r.shape[0] - EVT[1])
    n_dates = N_DATES_STAGGERED if staggered else 1
    per = N_EVENTS // n_dates
    days = rng.choice(days_possible, size=n_dates, replace=False)
    firms, day0 = [], []
    for d in days:  # a handful of dates per pseudo-study
        ok = complete_firms(r, int(d))
        firms.append(rng.choice(ok, size=per, replace=False))
        day0.append(np.full(per, d))
    return np.concatenate(firms), np.concatenate(day0)


#: simulated returns: firms in 10 industries, r = 0.0003 + b m + f_industry + e (normal)
SIM_SESSIONS, SIM_INDUSTRIES = 600, 10
SIM_MARKET_SD, SIM_INDUSTRY_SD, SIM_NOISE_SD = 0.01, 0.01, 0.015


def simulated_study(rng: np.random.Generator, staggered: bool) -> tuple[np.ndarray, ...]:
    """Fresh normal returns for one pseudo-study: 30 firms in random industries (residual
    correlation 0.31 within an industry, so about 0.03 between two random firms), on one day 0
    or on 10 days (3 firms each)."""
    t_len = SIM_SESSIONS
    m = rng.normal(0.0003, SIM_MARKET_SD, t_len)
    ind = rng.integers(0, SIM_INDUSTRIES, N_EVENTS)
    f = rng.normal(0.0, SIM_INDUSTRY_SD, (t_len, SIM_INDUSTRIES))
    beta = rng.uniform(0.5, 1.5, N_EVENTS)
    r = 0.0003 + m[:, None] * beta + f[:, ind] + rng.normal(0.0, SIM_NOISE_SD, (t_len, N_EVENTS))
    n_dates = N_DATES_STAGGERED if staggered else 1
    days = rng.choice(np.arange(-EST[0], t_len - EVT[1]), size=n_dates, replace=False)
    day0 = np.repeat(days, N_EVENTS // n_dates)
    dates = np.datetime64("2020-01-02", "ns") + np.arange(t_len) * np.timedelta64(1, "D")
    return r, m, np.arange(N_EVENTS), day0, dates


def run(
    data: tuple[np.ndarray, np.ndarray, np.ndarray] | None, reps: int, seed: int
) -> pd.DataFrame:
    """Rejection rates at 5 %: on the S&P 500 panel ``data`` or, when ``None``, on fresh
    simulated normal returns for every pseudo-study."""
    rng = np.random.default_rng(seed)
    conv = Conventions()
    rows = []
    for design in ("shared", "staggered"):
        staggered = design == "staggered"
        p: dict[str, list[float]] = {}
        for _ in range(reps):
            if data is None:
                r, m, firm, day0, dates = simulated_study(rng, staggered)
            else:
                r, m, dates = data
                firm, day0 = draw(rng, r, staggered)
            panel = market_model_panel(r, m, firm, day0, EST, EVT, dates=dates)
            ctx = Context(panel, conv)
            for name in TESTS:
                p.setdefault(name, []).append(
                    float(window_rows(REGISTRY[name], ctx, [(0, 0)], "two-sided").p_value[0])
                )
            port = portfolio_test(panel, windows=[(0, 0)])
            p.setdefault("portfolio (per date)", []).extend(port["p_value"].tolist())
            for reference in ("F", "chi2"):
                sur = sur_wald_test(panel, (0, 0), reference=reference)
                for hyp, part in sur.groupby("hypothesis"):
                    key = f"sur_wald {hyp} ({reference}, per date)"
                    p.setdefault(key, []).extend(part["p_value"].tolist())
        for name, values in p.items():
            x = np.asarray(values)
            n = int(np.isfinite(x).sum())
            k = int((x[np.isfinite(x)] <= LEVEL).sum())
            lo = stats.binom.ppf(0.005, n, LEVEL) / n
            hi = stats.binom.ppf(0.995, n, LEVEL) / n
            rows.append(
                {
                    "design": design,
                    "test": name,
                    "p-values": n,
                    "rejection rate": k / n,
                    "99% band low": lo,
                    "99% band high": hi,
                    "inside": bool(lo <= k / n <= hi),
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("EVENTSTUDY_SHARED", "../shared"))
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    simulated = run(None, args.reps, args.seed)
    t1 = time.perf_counter()
    real = run(load(args.shared), args.reps, args.seed)
    took = (t1 - t0, time.perf_counter() - t1)
    texts = [t.to_markdown(index=False, floatfmt=".4f") for t in (simulated, real)]
    print("simulated normal returns\n" + texts[0] + "\n\nS&P 500 returns\n" + texts[1])
    print(f"\n{args.reps} pseudo-studies per design in {took[0]:.0f} s and {took[1]:.0f} s")
    if args.out is not None:
        args.out.write_text(_report(texts, args.reps, args.seed, took), encoding="utf-8")


def _report(tables: list[str], reps: int, seed: int, took: tuple[float, float]) -> str:
    return f"""# Size of the clustering-robust tests (simulation)

Generated by `python scripts/size_simulations.py --reps {reps} --seed {seed}`
({took[0]:.0f} s and {took[1]:.0f} s on 2 cores).

Every pseudo-study: 30 events, market model, estimation window -250..-11, day 0 tested at 5 %,
no abnormal return planted. **shared**: 30 distinct firms on one day 0; **staggered**: 30 firms
on 10 random days, 3 per day. SUR and portfolio tests give one p-value per event date (1 per
shared study, 10 per staggered study). The band is the central 99 % binomial interval of the
rejection rate of a 5 % test with that many p-values ("inside" = within it).

## 1. Simulated normal returns (the tests' own assumptions)

Fresh returns for every pseudo-study: `r = 0.0003 + b m + f_industry + e`, market sd 1 %,
10 industries (factor sd 1 %), noise sd 1.5 %, normal and homoskedastic: market-model residuals
correlate 0.31 within an industry, about 0.03 between two random firms.

{tables[0]}

## 2. S&P 500 returns (real data: fat tails, volatility clustering)

Pseudo-studies drawn from the S&P 500 panel of `../shared/data` (504 current members, 2023-2025,
simple returns from adjusted closes), market model against SPY; firms with complete windows.

{tables[1]}

## Reading

* Under their assumptions (section 1) the SUR Wald tests referred to the exact F, the portfolio
  test and Kolari-Pynnönen hold their size on shared and staggered dates; the chi2 reference of
  the "all zero" SUR test (the pre-issue-15 default) over-rejects.
* BMP assumes cross-sectionally independent abnormal returns: on one shared date it over-rejects
  (it is flagged † in the tables and the headline switches to Kolari-Pynnönen there).
* On real returns (section 2) the "all zero" SUR test over-rejects even with the F: Hotelling's
  distribution needs normal, homoskedastic errors, and a 30-dimensional joint test is sensitive
  to fat tails and to event-window variance that differs from the estimation window's. The
  "average zero" SUR test (= the portfolio t) is the robust choice on one date.
* Also on real returns, Kolari-Pynnönen and GRANK exceed the band on one shared date (about
  7.5 % and 8 %, against BMP's 32 %), and the per-date portfolio test exceeds the (narrow,
  20,000 p-value) band on staggered dates at 5.7 %. These runs do not separate the causes (fat
  tails, time-varying volatility and correlation between the estimation and event windows):
  read KP's p-value on a single real date as approximate and report the portfolio test beside
  it.
"""


if __name__ == "__main__":
    main()
