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
# # Who was hit on 2025-01-27, and why? The second stage of the DeepSeek study
#
# **Question.** Notebook 03 measured every S&P 500 stock's abnormal return on the DeepSeek
# sell-off. This notebook asks the next questions of an event-study paper (MacKinlay 1997 §8):
#
# 1. **Why** — do the CARs line up with the GICS sector, the estimated market beta, the pre-event
#    volatility and membership of the AI supply chain? (cross-sectional regression with
#    heteroskedasticity-robust HC3 errors, statsmodels underneath);
# 2. **Volume** — did the 27 AI names trade abnormally much? (log-volume market model against
#    SPY's log volume, Campbell & Wasley 1996; parametric and rank tests);
# 3. **Volatility** — did the event raise the dispersion of abnormal returns? (Harrington &
#    Shrider 2007);
# 4. **Long horizon** — did the hardest-hit firms recover by the end of Q1 2025? (BHAR from day 2
#    to day +40 against SPY; skewness-adjusted and bootstrapped skewness-adjusted t of Lyon,
#    Barber & Tsai 1999; calendar-time Fama–French alpha).
#
# **Data.** Adjusted closes of the S&P 500 panel `universe/sp500_adjclose.csv` and GICS sectors
# from `universe/sp500_constituents.csv` (public domain, members as of 2026-08: survivorship-biased,
# see notebook 03); per-ticker files with `Volume` for the 27 AI names and SPY; Fama–French daily
# factors. All read from the shared data folder (`EVENTSTUDY_PRICES_DIR`). Every conclusion below is
# printed by the code from the numbers it computes.
#
# **Design.** Market model against SPY, estimation window (−250, −11), event window (−10, +40)
# around day 0 = 2025-01-27 (one common date for every firm: CARs are cross-correlated, so
# t statistics of the cross-sectional regression that treat firms as independent overstate
# precision; sector dummies absorb part of the common component, and we also cluster by sector).

# %% tags=["parameters"]
import os
from pathlib import Path

# Folder of per-ticker CSVs (and universe/, factors/). The CI sets EVENTSTUDY_PRICES_DIR.
PRICES_DIR = os.environ.get("EVENTSTUDY_PRICES_DIR")
UNIVERSE_CSV = Path(PRICES_DIR or ".") / "universe" / "sp500_adjclose.csv"
CONSTITUENTS_CSV = Path(PRICES_DIR or ".") / "universe" / "sp500_constituents.csv"
FACTORS_DIR = os.environ.get("EVENTSTUDY_FACTORS_DIR") or (
    str(Path(PRICES_DIR) / "factors") if PRICES_DIR else None
)
FACTORS_VINTAGE = "202604"
MARKET = "SPY"
EVENT_DATE = "2025-01-27"
START, END = "2023-06-01", "2025-06-30"
CAR_WINDOW = (0, 1)  # the sell-off and the next day's partial rebound
BHAR_WINDOW = (2, 40)  # after the shock, to 40 sessions (2025-03-25, a week before Q1 ends)
HARDEST_HIT = 0.10  # the bottom decile of CAR[0, 1]
AI_GROUPS = {
    "chips": "NVDA AVGO TSM ASML AMD MU MRVL ARM SMCI AMAT LRCX KLAC INTC QCOM".split(),
    "power": "VST CEG TLN NRG GEV".split(),
    "hardware": "ANET DELL".split(),
    "platforms": "MSFT GOOGL META AMZN ORCL AAPL".split(),
}
N_BOOT = 2000
SEED = 20250127

# %%
# %matplotlib inline
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

import eventstudy as es
from eventstudy.second_stage import (
    calendar_time_portfolio,
    plot_volume_path,
    volume_study,
)

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80})
pd.set_option("display.width", 160, "display.max_columns", 30)
if not (UNIVERSE_CSV.is_file() and CONSTITUENTS_CSV.is_file()):
    raise FileNotFoundError(
        f"this notebook needs {UNIVERSE_CSV} and {CONSTITUENTS_CSV}: set EVENTSTUDY_PRICES_DIR "
        "(or PRICES_DIR) to the shared data folder"
    )
print("prices from", PRICES_DIR, "| factors from", FACTORS_DIR)

# %% [markdown]
# ## 1. Prices, sectors and the event study
#
# The sector file writes share classes with a dot (`BRK.B`), the price panel with a dash
# (`BRK-B`): we map them. Firms of the panel without a sector (or vice versa) are counted.

# %%
universe = es.read_prices(UNIVERSE_CSV)
spy = es.load_prices([MARKET], START, END, prices_dir=PRICES_DIR)
members = sorted(set(universe["ticker"]) - {MARKET})
prices = pd.concat([universe[universe["ticker"].isin(members)], spy], ignore_index=True)
returns = es.compute_returns(prices, kind="simple")

sectors = pd.read_csv(CONSTITUENTS_CSV)
sectors["ticker"] = sectors["Symbol"].str.replace(".", "-", regex=False)
sectors = sectors.rename(columns={"GICS Sector": "sector"})[["ticker", "sector"]]
ai_group = {t: g for g, ts in AI_GROUPS.items() for t in ts}
print(
    f"{len(members)} firms in the panel; {sectors['ticker'].isin(members).sum()} have a GICS "
    f"sector; {len(set(members) - set(sectors['ticker']))} panel firms lack one"
)

events = pd.DataFrame({"ticker": members, "date": EVENT_DATE})
events["ai_group"] = events["ticker"].map(ai_group).fillna("not AI")  # carried to the regression
with warnings.catch_warnings():
    warnings.simplefilter("ignore", es.EventsDroppedWarning)  # counted just below
    res = es.EventStudy(events, returns, model=es.MarketModel(MARKET), event_window=(-10, 40)).fit()
print(res)
print(res.status["status"].value_counts().to_string())

# %% [markdown]
# ## 2. Why: the cross-sectional regression of CAR[0, 1]
#
# The characteristics come from three places: the events frame (`ai_group`, an extra column),
# a frame keyed by ticker (`sector`, and the pre-event volatility computed below), and the study
# itself (`beta`, the market-model slope; `sigma`, the estimation-window residual volatility).
# The pre-event volatility is the standard deviation of daily returns over the 60 sessions
# ending on day −11 (before the event window), annualised.

# %%
day0 = pd.Timestamp(EVENT_DATE)
pos0 = returns.index.get_loc(day0)
pre = returns.iloc[pos0 - 70 : pos0 - 10]  # sessions -70 .. -11
chars = sectors.merge(
    pd.DataFrame({"ticker": list(pre.columns), "vol_pre": (pre.std() * np.sqrt(252)).to_numpy()}),
    on="ticker",
)
chars = chars[chars["ticker"] != MARKET]

specs = {
    "sector": "car ~ C(sector)",
    "+ beta, vol": "car ~ C(sector) + beta + vol_pre",
    "+ AI groups": "car ~ C(sector) + beta + vol_pre + C(ai_group, Treatment('not AI'))",
}
fits = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", es.EventStudyWarning)  # the drop count is printed below
    for name, formula in specs.items():
        fits[name] = res.cross_section(formula, window=CAR_WINDOW, data=chars)
    clustered = res.cross_section(
        specs["+ AI groups"], window=CAR_WINDOW, data=chars, cov="cluster", cluster="sector"
    )
for name, fit in fits.items():
    print(
        f"{name:12s} N = {int(fit.nobs)}, dropped for missing characteristics = "
        f"{fit.es_n_dropped}, R2 = {fit.rsquared:.3f}"
    )
print("dropped events (first 5):")
display(fits["+ AI groups"].es_dropped.head())
table = es.etable(*fits.values(), clustered, labels=[*fits, "clustered by sector"], digits=4)
display(table)

# %%
full = fits["+ AI groups"]
terms = full.params.index
summary = pd.DataFrame(
    {
        "estimate (%)": (100 * full.params).round(2),
        "HC3 t": full.tvalues.round(2),
        "HC3 p": full.pvalues.round(4),
        "cluster(sector) t": clustered.tvalues.reindex(terms).round(2),
    }
)
display(summary[summary.index.str.contains("beta|vol_pre|ai_group|Intercept")])
ai_terms = [t for t in terms if "ai_group" in t]
frame_sectors = full.es_frame["sector"].nunique()
wald = full.wald_test(" = 0, ".join(ai_terms) + " = 0", scalar=True)
print(
    f"Joint test that the {len(ai_terms)} AI-group effects are zero (HC3 Wald, "
    f"{wald.distribution}): statistic {float(wald.statistic):.2f}, p = {float(wald.pvalue):.2e}"
)
print(
    f"Clustered by sector: only {frame_sectors} clusters - too few for reliable cluster-robust "
    "errors (they are shown for comparison; HC3 is the headline)"
)
b = fits["+ beta, vol"]
print(
    f"Without the AI groups: beta {100 * b.params['beta']:+.2f} % per unit (t {b.tvalues['beta']:.2f}),"
    f" pre-event volatility {100 * b.params['vol_pre']:+.2f} % per unit of annualised vol "
    f"(t {b.tvalues['vol_pre']:.2f})"
)
print(
    f"With them: beta {100 * full.params['beta']:+.2f} % (t {full.tvalues['beta']:.2f}), "
    f"vol_pre {100 * full.params['vol_pre']:+.2f} % (t {full.tvalues['vol_pre']:.2f})"
)

# %%
frame = res.cross_section_frame(CAR_WINDOW, data=chars)
fig = res.plot_car_scatter("beta", window=CAR_WINDOW, chars=chars, label=None)
display(fig)
fig = res.plot_car_distribution(by="sector", kind="violin", window=CAR_WINDOW, chars=chars)
display(fig)
by_sector = (
    frame.groupby("sector")["car"]
    .agg(["count", "mean", "median"])
    .mul([1, 100, 100])
    .round(2)
    .sort_values("mean")
)
display(by_sector.rename(columns={"mean": "mean CAR (%)", "median": "median CAR (%)"}))

# %% [markdown]
# ## 3. Volatility: did the event raise the dispersion of abnormal returns?
#
# Harrington & Shrider (2007): under no event-induced variance, the cross-sectional variance of
# the standardised abnormal returns is one. The squared-SAR test asks the same of their mean
# square. Both are one-sided.

# %%
vt = res.variance_tests((0, 0))
display(vt.round(4))
vr = res.variance_ratio((0, 0))
print(
    f"Day-0 variance ratio (Beaver's U): median {vr['ratio'].median():.2f}, "
    f"share of firms with ratio > 1: {(vr['ratio'] > 1).mean():.1%}; "
    f"cross-sectional variance of day-0 SARs: {vt.set_index('test').loc['harrington_shrider', 'estimate']:.2f}"
)

# %% [markdown]
# ## 4. Volume: the 27 AI names
#
# The per-ticker files carry `Volume` except for TSM and TLN (their source has closes only):
# the volume study refuses firms without volume and says so, so we first list and leave them
# out. Normal log volume is a market model on SPY's log volume.

# %%
ai = [t for ts in AI_GROUPS.values() for t in ts]
vprices = es.load_prices([*ai, MARKET], START, END, prices_dir=PRICES_DIR)
has_volume = vprices.groupby("ticker")["volume"].apply(lambda v: bool((v > 0).any()))
lacking = sorted(has_volume.index[~has_volume])
print("no volume in the source:", lacking)
try:
    volume_study(pd.DataFrame({"ticker": ai, "date": EVENT_DATE}), vprices, market=MARKET)
except es.DataError as err:
    print("volume_study with them:", err)
vevents = pd.DataFrame(
    {
        "ticker": [t for t in ai if t not in lacking],
        "date": EVENT_DATE,
        "group": [ai_group[t] for t in ai if t not in lacking],
    }
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", es.EventStudyWarning)  # the report is shown below
    vol = volume_study(vevents, vprices, market=MARKET, event_window=(-10, 10))
display(vol.meta["volume_report"])
vt_vol = vol.tests(["cross_sectional_t", "corrado_rank"], windows=[(0, 0), (0, 1)], daily=False)
display(vt_vol[["test", "window", "estimate", "statistic", "p_value", "n"]].round(4))
day = vol.ar[vol.ar["rel_day"].isin([-1, 0, 1])].pivot(
    index="ticker", columns="rel_day", values="ar"
)
day["x volume day 0"] = np.exp(day[0]).round(2)
display(day.round(3).sort_values(0, ascending=False).head(8))
m0 = vol.ar[vol.ar["rel_day"] == 0]["ar"]
print(
    f"Mean abnormal log volume on day 0: {m0.mean():.3f} (x{np.exp(m0.mean()):.2f} the normal "
    f"volume); {int((m0 > 0).sum())} of {m0.count()} names above normal"
)
display(plot_volume_path(vol, by="group"))

# %% [markdown]
# ## 5. Long horizon: did the hardest-hit recover by the end of Q1 2025?
#
# The hardest hit are the bottom decile of CAR[0, 1]. Recovery means a *positive* buy-and-hold
# abnormal return after the shock: from day 2 to day +40 (2025-03-25) against SPY. BHARs are
# right-skewed, so we test the mean with the skewness-adjusted t and its bootstrap (resamples of
# n/4, Lyon, Barber & Tsai 1999); the calendar-time Fama–French 3-factor alpha of the equally
# weighted portfolio of these firms over the same days is the alternative that needs no
# benchmark.

# %%
car01 = res.car(CAR_WINDOW)
cut = car01["car"].quantile(HARDEST_HIT)
hit = car01[car01["car"] <= cut]
print(
    f"hardest hit: {len(hit)} firms with CAR[0, 1] <= {100 * cut:.2f} % "
    f"(mean {100 * hit['car'].mean():.2f} %)"
)
hit_res = es.EventStudy(
    events[events["ticker"].isin(hit["ticker"])],
    returns,
    model=es.MarketModel(MARKET),
    event_window=(-10, 40),
).fit()
lh = hit_res.bhar_tests(BHAR_WINDOW, against="benchmark", n_boot=N_BOOT, seed=SEED)
display(lh.round(4))
total = hit_res.bhar((0, 40), against="benchmark")["bhar"]
print(
    f"BHAR[0, 40] of the hardest hit (shock included): mean {100 * total.mean():.2f} %, "
    f"median {100 * total.median():.2f} %"
)

# %%
factors = es.load_factors(
    "ff3", start=START, end=END, factors_dir=FACTORS_DIR, vintage=FACTORS_VINTAGE
)
hit_events = pd.DataFrame({"ticker": hit["ticker"], "date": EVENT_DATE})
ct = calendar_time_portfolio(
    hit_events, returns, factors, horizon=BHAR_WINDOW, model="ff3", cov="HAC"
)
display(ct.table.round(5))
print(
    f"calendar-time: {len(ct.portfolio)} sessions, {int(ct.portfolio['n_firms'].median())} firms; "
    f"FF3 alpha {100 * ct.alpha:+.3f} % a day (Newey-West t "
    f"{ct.table.set_index('term').loc['alpha', 'statistic']:.2f}), "
    f"{100 * ct.alpha * (BHAR_WINDOW[1] - BHAR_WINDOW[0] + 1):+.2f} % over the window"
)

# %% [markdown]
# ## 6. What the numbers say

# %%
sa = lh.set_index("test")
ct_tab = ct.table.set_index("term")
rank_p0 = vt_vol.set_index(["test", "window"]).loc[("corrado_rank", "[0, 0]"), "p_value"]
p_boot = sa.loc["bootstrap_skewness_adjusted_t", "p_value"]
mean_bhar = sa.loc["t", "estimate"]
chips = full.params[[t for t in terms if "T.chips" in t][0]]
power = full.params[[t for t in terms if "T.power" in t][0]]
lines = [
    f"1. Holding sector, beta and pre-event volatility fixed, AI chips had a CAR[0, 1] "
    f"{100 * chips:+.2f} % and AI power {100 * power:+.2f} % relative to non-AI firms (joint Wald p = "
    f"{float(wald.pvalue):.1e}); the AI supply chain, not beta or sector alone, explains the hit "
    f"(R2 {fits['+ beta, vol'].rsquared:.3f} -> {full.rsquared:.3f}).",
    f"2. The AI names traded x{np.exp(m0.mean()):.2f} their normal volume on day 0 (rank test p = "
    f"{rank_p0:.1e}).",
    f"3. Event-induced variance on day 0: Harrington-Shrider chi2 p = "
    f"{vt.set_index('test').loc['harrington_shrider', 'p_value']:.1e}.",
    f"4. The hardest-hit decile's mean BHAR[{BHAR_WINDOW[0]}, {BHAR_WINDOW[1]}] was "
    f"{100 * mean_bhar:+.2f} % (bootstrapped skewness-adjusted p = {p_boot:.3f}): "
    + (
        "a significant recovery by the end of Q1 2025."
        if (p_boot < 0.05 and mean_bhar > 0)
        else "a significant further decline, not a recovery."
        if p_boot < 0.05
        else "no significant recovery by the end of Q1 2025 (nor a further significant decline)."
    ),
    f"5. Against the Fama-French 3 factors (this portfolio's market beta is "
    f"{ct_tab.loc['Mkt-RF', 'estimate']:.2f}) the calendar-time alpha was {100 * ct.alpha:+.3f} % a "
    f"day (Newey-West p = {ct_tab.loc['alpha', 'p_value']:.3f}): "
    + (
        "significant at 5 %."
        if ct_tab.loc["alpha", "p_value"] < 0.05
        else "significant at 10 % only - weak evidence of a risk-adjusted recovery."
        if ct_tab.loc["alpha", "p_value"] < 0.10
        else "not significant."
    ),
]
print("\n".join(lines))
