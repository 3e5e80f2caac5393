# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The S&P 500 cross-section on the DeepSeek day (2025-01-27)
#
# **Question.** On Monday 2025-01-27 the AI supply chain sold off after DeepSeek's R1 release
# (Nvidia −17%). What happened to *every* S&P 500 stock that day, measured against the market
# (SPY)? How are the abnormal returns distributed, who were the biggest winners and losers, and —
# the methodological point of this notebook — what do the usual tests conclude when **all ~500
# events share the same calendar date**? The naive tests (cross-sectional t, Patell, BMP) assume
# independent abnormal returns; on a common date the abnormal returns are cross-correlated, and we
# show on this very sample, with a size/power simulation, how badly that assumption fails.
#
# **Data and provenance.** Adjusted closes of the **504 tickers in `universe/sp500_adjclose.csv`**
# (503 current S&P 500 members plus SPY), 2023-01-03 .. 2025-12-31, from the shared data folder
# (`EVENTSTUDY_PRICES_DIR`). The panel was taken from a public GitHub repository
# (0Ustinian0/Project0) that downloaded it from **Yahoo Finance** with `auto_adjust=True`, and was
# cross-checked against independent copies (see `prices/SOURCES.md`). The market proxy is
# `prices/SPY.csv` (the same Yahoo series; we check below that it equals the panel's SPY column).
# Returns are simple returns of the split- and dividend-adjusted close. **Online** (no shared data
# folder, hence no panel) the library cannot list the index members: set the `TICKERS` parameter to
# the tickers you want, and they are downloaded with SPY from Yahoo Finance through the library's
# cache (`load_prices`). The numbers quoted in the text are those of the panel.
#
# **Survivorship bias.** The panel holds *today's* (2026) index members only: firms that left the
# S&P 500 since 2025-01-27 (acquired, delisted, demoted) are missing, and firms that joined later
# (e.g. SNDK, listed 2025-02-13) are present but have no data on the event day. The cross-section
# is therefore tilted towards firms that did well afterwards. For a one-day abnormal-return study
# the bias is small, but it is real and the sample is not the index as it stood on 2025-01-27.
#
# **Design.** Market model against SPY, estimation window (−250, −11) trading days, event window
# (−10, +10), day 0 = 2025-01-27 for every firm; tested windows [0, 0] and [−1, +1].

# %% tags=["parameters"]
import os
from pathlib import Path

# Offline: the folder of per-ticker price CSVs (the CI sets EVENTSTUDY_PRICES_DIR to the shared
# data folder; setting PRICES_DIR here instead works too). None -> online: prices are downloaded
# from Yahoo Finance through the library's cache.
PRICES_DIR = os.environ.get("EVENTSTUDY_PRICES_DIR")
# Wide panel of S&P 500 adjusted closes (Date column + one column per ticker). When the file
# exists it is the source of the cross-section (this is how the published numbers were made).
UNIVERSE_CSV = (
    Path(PRICES_DIR) / "universe" / "sp500_adjclose.csv"
    if PRICES_DIR
    else Path("sp500_adjclose.csv")
)
# The firms of the cross-section. None -> the columns of UNIVERSE_CSV (SPY excluded).
# ONLINE (no UNIVERSE_CSV): the library cannot list the index members, so set TICKERS to the list
# of S&P 500 tickers you want (e.g. ["AAPL", "MSFT", ...]); they and SPY are then downloaded with
# es.load_prices through the cache. With UNIVERSE_CSV present, TICKERS selects columns of it.
TICKERS: list[str] | None = None
MARKET = "SPY"
EVENT_DATE = "2025-01-27"
START, END = "2023-01-03", "2025-12-31"
WINDOWS = [(0, 0), (-1, 1)]
N_EXTREMES = 15  # winners and losers shown in the tables and the bar plot
# size/power simulation: kept small so that the notebook runs in about a minute on 2 cores
N_REPS = 200
N_SIM_EVENTS = 50
SEED = 20250127

# %%
# %matplotlib inline
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.figure import Figure

import eventstudy as es
from eventstudy.inference import portfolio_test, residual_correlation
from eventstudy.report.plotting import plot_car_bars

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80})
pd.set_option("display.width", 160, "display.max_columns", 30)

NAIVE = ["cross_sectional_t", "patell", "bmp"]
ROBUST = ["kolari_pynnonen", "brown_warner_1985"]


def as_percent(frame: pd.DataFrame, columns: list[str], decimals: int = 2) -> pd.DataFrame:
    """A copy for display: ``columns`` in percent, rounded, renamed ``"<column> (%)"``."""
    out = frame.copy()
    for c in columns:
        out[c] = (100 * out[c]).round(decimals)
    return out.rename(columns={c: f"{c} (%)" for c in columns})


USE_PANEL = Path(UNIVERSE_CSV).is_file()
if not USE_PANEL and not TICKERS:
    raise ValueError(
        f"No list of firms: the universe panel {UNIVERSE_CSV} does not exist and TICKERS is None. "
        "Offline, set EVENTSTUDY_PRICES_DIR (or PRICES_DIR) to the shared data folder that holds "
        "universe/sp500_adjclose.csv, or UNIVERSE_CSV to a local copy of the panel. Online, set "
        "TICKERS to the list of S&P 500 tickers to download (with SPY) through the cache."
    )
print(
    f"universe panel: {UNIVERSE_CSV}"
    if USE_PANEL
    else f"no universe panel ({UNIVERSE_CSV} not found): {len(TICKERS)} tickers from TICKERS"
)
print(f"market proxy {MARKET} from {PRICES_DIR or 'Yahoo Finance (through the cache)'}")

# %% [markdown]
# ## 1. Prices and returns
#
# The universe panel is a *wide* file (a `Date` column, one column per ticker); `read_prices`
# detects the layout and returns the same tidy frame as `load_prices`. The panel already contains a
# SPY column — we drop it from the cross-section (SPY is the market, not a member) and take the
# market from `prices/SPY.csv` through `load_prices`, after checking that the two agree. Without
# the panel (online), the firms of `TICKERS` and SPY all come from `load_prices`.

# %%
if USE_PANEL:
    universe = es.read_prices(UNIVERSE_CSV)
    spy = es.load_prices([MARKET], START, END, prices_dir=PRICES_DIR)  # local or through the cache
    members = set(universe["ticker"]) - {MARKET}
    if TICKERS:
        chosen = {t.upper() for t in TICKERS} - {MARKET}
        missing = sorted(chosen - members)
        if missing:
            raise ValueError(f"TICKERS not in {UNIVERSE_CSV}: {', '.join(missing)}")
        members = chosen
    tickers = sorted(members)
    print(
        f"universe: {universe['ticker'].nunique()} tickers, {universe['date'].nunique()} sessions "
        f"{universe['date'].min():%Y-%m-%d} .. {universe['date'].max():%Y-%m-%d}; "
        f"SPY column in the panel: {MARKET in set(universe['ticker'])}"
    )
    panel_spy = universe[universe["ticker"] == MARKET].set_index("date")["adj_close"]
    file_spy = spy.set_index("date")["adj_close"]
    both = pd.concat({"panel": panel_spy, "file": file_spy}, axis=1).dropna()
    print(
        f"SPY panel vs SPY.csv: {len(both)} common sessions, max |ratio - 1| = "
        f"{(both['panel'] / both['file'] - 1).abs().max():.2e}"
    )
    print("provenance of SPY:", {k: spy.attrs["provenance"].get(k) for k in ("source", "path")})
    prices = pd.concat([universe[universe["ticker"].isin(members)], spy], ignore_index=True)
else:
    # online (or a per-ticker folder): the firms and the market through load_prices
    wanted = [*dict.fromkeys(t.upper() for t in TICKERS if t.upper() != MARKET), MARKET]
    try:
        prices = es.load_prices(wanted, START, END, prices_dir=PRICES_DIR)
    except es.DataUnavailableError as err:  # keep the firms that arrived, name those that did not
        if not err.failed or MARKET in err.failed:
            raise
        print(
            f"{len(err.failed)} of {len(wanted) - 1} tickers not obtained (left out):", err.failed
        )
        kept = [t for t in wanted if t not in err.failed]
        prices = (
            err.partial
            if isinstance(err.partial, pd.DataFrame) and set(err.partial["ticker"]) == set(kept)
            else es.load_prices(kept, START, END, prices_dir=PRICES_DIR)
        )
    tickers = sorted(set(prices["ticker"]) - {MARKET})
    print(
        f"prices: {len(tickers)} firms + {MARKET}, {prices['date'].nunique()} sessions "
        f"{prices['date'].min():%Y-%m-%d} .. {prices['date'].max():%Y-%m-%d}"
    )
    print("provenance:", {k: prices.attrs["provenance"].get(k) for k in ("source", "path")})

returns = es.compute_returns(prices, kind="simple")  # from the adjusted close
print(
    f"returns: {returns.shape[0]} sessions x {returns.shape[1]} columns "
    f"({len(tickers)} firms + {MARKET})"
)

# %% [markdown]
# ## 2. One event per firm, all on the same day
#
# Every firm gets an event on 2025-01-27. The status table has one row per input event; firms
# without data on the event day are dropped *with a reason* (not silently).

# %%
events = pd.DataFrame({"ticker": tickers, "date": EVENT_DATE})
with warnings.catch_warnings():
    warnings.simplefilter("ignore", es.EventsDroppedWarning)  # reported in the status table below
    res = es.EventStudy(events, returns, model=es.MarketModel(MARKET)).fit()
print(res)
status = res.status
print(status["status"].value_counts().to_string())
display(status.loc[status["status"] != "used", ["ticker", "day0", "status", "reason", "n_est"]])
short = status[(status["status"] == "used") & (status["n_est"] < 240)]
print(
    f"used events with fewer than 240 estimation days: "
    f"{', '.join(f'{t} ({n})' for t, n in zip(short['ticker'], short['n_est'], strict=True))}"
)
n_used = int(res.panel.n_events)

# %% [markdown]
# ## 3. The distribution of abnormal returns on day 0

# %%
car0 = res.car((0, 0)).set_index("ticker")
ar0 = car0["car"]
raw0 = returns.loc[EVENT_DATE, ar0.index]
spy0 = float(returns.loc[EVENT_DATE, MARKET])
dist = pd.Series(
    {
        "firms": len(ar0),
        "mean AR": ar0.mean(),
        "median AR": ar0.median(),
        "std of AR": ar0.std(),
        "share AR < 0": (ar0 < 0).mean(),
        "share |AR| > 1.96 s.e.": (ar0.abs() > 1.96 * car0["se_car"]).mean(),
        "mean raw return": raw0.mean(),
        "median raw return": raw0.median(),
        "share raw return > 0": (raw0 > 0).mean(),
        "SPY return": spy0,
    }
)
display(dist.to_frame("2025-01-27").round(4))

fig = Figure(figsize=(8, 3.6), layout="constrained")
ax = fig.subplots()
ax.hist(100 * ar0, bins=60, color="tab:blue", alpha=0.8)
ax.axvline(100 * ar0.mean(), color="k", linestyle="--", label=f"mean {100 * ar0.mean():+.2f}%")
ax.axvline(
    100 * ar0.median(), color="tab:red", linestyle=":", label=f"median {100 * ar0.median():+.2f}%"
)
ax.set_xlabel("abnormal return on 2025-01-27 (%)")
ax.set_ylabel("number of firms")
ax.set_title(f"Market-model abnormal returns of {len(ar0)} S&P 500 stocks on 2025-01-27")
ax.legend()
fig

# %% [markdown]
# The median stock *beat* its market-model prediction (median AR +2.16%; 79% of the ARs are
# positive). SPY is capitalisation-weighted and fell 1.41%, while the median member *rose* 1.24% and
# 68% of the members closed higher; the equally weighted mean raw return is about flat (−0.03%),
# pulled down by the left tail. An equally weighted average that is flat while the
# capitalisation-weighted index falls 1.4% means that the fall was concentrated in the largest
# stocks — among them NVDA (−17.0%), AVGO (−17.4%) and ORCL (−13.8%) in the losers table below.
# The left tail is the AI supply chain.

# %% [markdown]
# ## 4. Biggest winners and losers

# %%
table = (
    car0[["car", "se_car"]]
    .assign(ret=raw0, t=car0["car"] / car0["se_car"], beta=res.params.set_index("ticker")["beta"])
    .sort_values("car")
)
shown = as_percent(table, ["car", "se_car", "ret"]).round({"t": 1, "beta": 2}) + 0.0  # no -0.00
losers, winners = table.head(N_EXTREMES), table.tail(N_EXTREMES).iloc[::-1]
print(f"{N_EXTREMES} biggest losers (abnormal return on day 0)")
display(shown.loc[losers.index])
print(f"{N_EXTREMES} biggest winners")
display(shown.loc[winners.index])
print(
    f"median beta: {N_EXTREMES} losers {losers['beta'].median():.2f}, {N_EXTREMES} winners "
    f"{winners['beta'].median():.2f}, all {len(table)} firms {table['beta'].median():.2f}; "
    f"beta < 1 among the winners: {int((winners['beta'] < 1).sum())} of {N_EXTREMES}"
)

# %%
extremes = pd.concat([table.head(N_EXTREMES), table.tail(N_EXTREMES)]).reset_index()
extremes["group"] = np.where(extremes["car"] < 0, "losers", "winners")
fig = plot_car_bars(extremes[["ticker", "group", "car", "se_car"]])
fig.set_size_inches(11, 4.2)
fig.axes[0].set_title(
    f"The {N_EXTREMES} biggest losers and winners on 2025-01-27 (market model vs SPY), ±95% band"
)
fig

# %% [markdown]
# ## 5. Naive tests versus tests robust to a common event date
#
# With one event date the abnormal returns are a *cross-section of one day*. Whatever moved many
# stocks together that day beyond what their betas to SPY explain (here: an industry shock and a
# rotation out of mega caps) is shared by all of them, so the ARs are positively correlated. The
# naive tests estimate the variance of the mean AR as if the N ARs were independent:
# Var(mean) = σ²/N. With an average pairwise correlation r̄ the true variance is
# σ²/N · (1 + (N − 1) r̄) — with N ≈ 500 even a small r̄ inflates it many times. The
# cross-sectional t and BMP use the event-day dispersion (which already includes the common
# shock's uneven exposure), Patell uses only the estimation-window variances; both ignore the
# correlation. The remedies:
#
# * **Kolari–Pynnönen (2010)**: BMP with the variance scaled by (1 + (N − 1) r̄), r̄ being the
#   average correlation of the estimation-window residuals;
# * **Brown–Warner (1985)**: the standard deviation of the *average* AR across estimation days
#   (the time series of the portfolio), which absorbs the correlation;
# * **portfolio test** (Jaffe 1974, Mandelker 1974): one equally weighted portfolio of all firms,
#   tested against its own residual variance.

# %%
rc = residual_correlation(res.panel)
inflation = 1 + (n_used - 1) * rc.rbar
print(
    f"average pairwise correlation of estimation-window residuals r̄ = {rc.rbar:.4f} "
    f"({rc.n_pairs_estimated} pairs); variance inflation 1 + (N-1) r̄ = {inflation:.1f} "
    f"(standard errors x {np.sqrt(inflation):.2f})"
)

tests = res.tests(NAIVE + ROBUST, windows=WINDOWS, daily=False)
port = portfolio_test(res.panel, windows=WINDOWS)
cols = ["test", "window", "estimate", "statistic", "p_value", "stars", "clustered"]
compare = pd.concat([tests[cols], port.assign(clustered=False)[cols]], ignore_index=True)
compare["kind"] = np.where(compare["test"].isin(NAIVE), "naive", "robust")
display(
    as_percent(compare, ["estimate"], 4).assign(
        statistic=compare["statistic"].round(2), p_value=compare["p_value"].map("{:.2g}".format)
    )
)
day0 = compare[compare["window"] == "[0, 0]"].set_index("test")

# %% [markdown]
# All tests see the same average abnormal return (+1.1% on day 0), but they disagree on its
# significance by orders of magnitude. The `clustered` column flags the rows of tests that assume
# independence while the events share dates. Patell is the most extreme (it standardises by
# estimation-window variances and ignores that day's enormous dispersion as well as the
# correlation). Kolari–Pynnönen is the most conservative; the Brown–Warner (1985) and portfolio
# tests still reject on day 0 because an equally weighted portfolio beating SPY by 1.1% in one day
# is large relative to that portfolio's ordinary daily tracking noise — a *portfolio-level* (size /
# rotation) effect rather than evidence that individual stocks reacted independently. (The
# portfolio's estimate differs slightly from the mean AR because GEV and SOLV lack part of the
# estimation window: the portfolio's market model is re-estimated on the days all firms share.)

# %% [markdown]
# ## 6. Size and power on this sample: `eventstudy.simulate`
#
# Brown–Warner style simulation on the returns of this sample (firms and SPY up to the last session
# before the event, so that the DeepSeek day itself is not drawn): each pseudo-study draws
# `N_SIM_EVENTS` firms and event days at random, plants an abnormal return of 0, 0.5, 1 or 2% on
# day 0 and records how often each test rejects at 5%. We run it twice:
#
# * `shared_date=False`: each event gets its own random date (the independence the naive tests
#   assume);
# * `shared_date=True`: all events of a pseudo-study share one random date (the situation of this
#   notebook).
#
# **Kept small**: `N_REPS` = 200 pseudo-studies of 50 events each per setting (Clopper–Pearson 95%
# bands of roughly 2.5–9% around a true 5% size). Increase `N_REPS` for a publication.

# %%
sim_returns = returns.loc[: pd.Timestamp(EVENT_DATE) - pd.Timedelta(days=1)]
sim_tests = NAIVE + ROBUST + ["corrado_rank"]
sims = {}
for shared in (False, True):
    sims[shared] = es.simulate(
        sim_returns,
        MARKET,
        n_events=N_SIM_EVENTS,
        n_reps=N_REPS,
        abnormal=(0.0, 0.005, 0.01, 0.02),
        tests=sim_tests,
        levels=(0.05,),
        seed=SEED,
        shared_date=shared,
        progress=False,
    )
sim = pd.concat(sims.values(), ignore_index=True)
size = sim[sim["abnormal"] == 0].pivot(index="test", columns="shared_date", values="rejection_rate")
size.columns = ["random dates", "shared date"]
power = sim[sim["abnormal"] == 0.01].pivot(
    index="test", columns="shared_date", values="rejection_rate"
)
power.columns = ["random dates", "shared date"]
overview = pd.concat({"size (AR = 0)": size, "power (AR = 1%)": power}, axis=1).loc[sim_tests]
print(f"rejection rates at the 5% level, {N_REPS} pseudo-studies x {N_SIM_EVENTS} events each")
display(overview.round(3))

# %%
for shared in (False, True):
    fig = es.plot_power(sims[shared], level=0.05)
    fig.set_size_inches(7, 4)
    fig.axes[0].set_title(
        f"Power at 5%, {N_SIM_EVENTS} events per study, "
        + ("all events on one shared date" if shared else "random event dates")
    )
    display(fig)

# %% [markdown]
# ## 7. Conclusion
#
# The numbers below are generated from the results above.

# %%
sz = overview["size (AR = 0)"]
lines = [
    f"Events: {len(status)} firms in the panel (SPY excluded), {n_used} used, "
    f"{len(status) - n_used} dropped ({', '.join(status.loc[status['status'] != 'used', 'ticker'])}).",
    f"Day 0 = {EVENT_DATE}: mean AR {100 * ar0.mean():+.2f}%, median AR {100 * ar0.median():+.2f}%, "
    f"{100 * (ar0 < 0).mean():.0f}% of firms negative; SPY return {100 * spy0:+.2f}%.",
    f"Biggest loser {table.index[0]} ({100 * table['car'].iloc[0]:+.2f}%), biggest winner "
    f"{table.index[-1]} ({100 * table['car'].iloc[-1]:+.2f}%).",
    "Day-0 tests of the mean AR: "
    + ", ".join(
        f"{t} {day0.loc[t, 'statistic']:.2f} (p = {day0.loc[t, 'p_value']:.2g})"
        for t in [*NAIVE, *ROBUST, "portfolio"]
    )
    + ".",
    f"Residual correlation r̄ = {rc.rbar:.3f} -> variance inflation {inflation:.1f}x.",
    "Simulated size at 5% with a shared date (random dates): "
    + ", ".join(
        f"{t} {sz.loc[t, 'shared date']:.3f} ({sz.loc[t, 'random dates']:.3f})" for t in sim_tests
    )
    + ".",
]
print("\n".join(lines))

# %% [markdown]
# **Finding.** Measured against SPY, the DeepSeek day was not a broad sell-off of S&P 500 stocks:
# 68% of the members rose (median raw return +1.24%, against −1.41% for SPY), and the median member
# beat its market-model prediction by about two percent (median AR +2.16%; 79% of the ARs positive),
# while a left tail of AI-exposed names lost 8.7–25.8% in abnormal terms (the 15 biggest losers):
# power producers, natural-gas producers and pipelines, electrical-equipment makers and contractors,
# AI networking, chip makers and Oracle. The 15 biggest winners (+4.4% to +7.2%) lean towards low
# betas — median beta 0.39, against 1.64 for the 15 biggest losers and 0.72 for all 502 firms, with
# 11 of the 15 below 1 (water and electric utilities, telecoms and towers, insurers, HCA, Lennar,
# Apple) — but they are not all defensives: BLDR, CRM, LW and NCLH have betas of 1.25–1.58. This
# looks like a rotation out of the AI trade rather than a market-wide fall. The average abnormal
# return (+1.08%) is positive because SPY, capitalisation-weighted, fell while the equally weighted
# average member was flat (mean raw return −0.03%): the largest stocks, the AI names among them, did
# worse than the average member. Whether this average is "significant" depends almost entirely on
# the test: the naive cross-sectional t, Patell and BMP statistics are huge (6.26, 20.66 and 9.15),
# but the simulation on this very sample shows why they cannot be trusted here — with a shared event
# date they reject a true null in 31–39.5% of the pseudo-studies at the nominal 5% level (against
# 4.5–7.5% with random dates), because the abnormal returns of one day are cross-correlated.
# Kolari–Pynnönen, Brown–Warner (1985) and the rank test stay within a few percentage points of the
# nominal 5% under clustering (6.5%, 8.5% and 7.5%; the simulation error with 200 replications is
# itself about ±3 points), at the price of lower power (they detect a 1% abnormal return in
# 58.5–69.5% of the shared-date studies, against 87.5–92.5% for the naive tests). On the day-0 mean
# here, Kolari–Pynnönen does not reject (p = 0.16), while Brown–Warner (1985) and the portfolio test
# do (p ≈ 0.006) — a portfolio-level effect (section 5). On a single common date, report the
# clustered-date remedies, and read the naive tests as descriptive only.
