# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.1
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Nvidia on 2025-01-27: a single-firm event study
#
# **Question.** On Monday 2025-01-27, after the DeepSeek-R1 news, Nvidia's stock fell about 17% — the
# largest one-day loss of market value of any company in history, widely reported as ≈ $590 bn. How
# much of that fall was *abnormal*, i.e. not explained by the market's own move that day? Does the
# answer depend on the benchmark (the S&P 500, the Nasdaq-100, the semiconductor sector, or the
# Fama–French factors)? Is one day's abnormal return of one firm statistically distinguishable from
# Nvidia's normal volatility? And what is it in dollars?
#
# **Data and provenance.** Daily prices of NVDA and three ETFs — SPY (S&P 500), QQQ (Nasdaq-100) and
# SOXX (iShares Semiconductor) — from the shared data folder (`EVENTSTUDY_PRICES_DIR`), one CSV per
# ticker. The files were taken from public GitHub repositories that had downloaded them from **Yahoo
# Finance** (yfinance) and were cross-checked between independent copies (`prices/SOURCES.md` next to
# the data). Returns are simple returns of the **adjusted close** (split- and dividend-adjusted); the
# market value uses NVDA's **raw close** (the NVDA file comes from a yfinance download with
# `auto_adjust=False`). Vintage caveat: adjusted levels depend on each source's download date (later
# dividends rescale earlier adjusted prices by a constant factor); returns are unaffected. The
# Fama–French daily factors are Kenneth French's files (CRSP vintage 202604) in the `factors/`
# subfolder. Online, without the environment variables, the same code downloads prices from Yahoo and
# the factors from Kenneth French's data library through the library's cache.
#
# **Design.** Estimation window (−250, −11) trading days, event window (−10, +10), day 0 = 2025-01-27.

# %% tags=["parameters"]
import os
from pathlib import Path

# Folder of per-ticker price CSVs. None -> download from Yahoo through the cache (online).
PRICES_DIR = os.environ.get("EVENTSTUDY_PRICES_DIR")
# Folder of Fama-French CSVs (FF3_daily.csv, MOM_daily.csv). None -> the "factors" subfolder of
# PRICES_DIR (resolved below); with neither -> download from Kenneth French's site (online).
FACTORS_DIR = os.environ.get("EVENTSTUDY_FACTORS_DIR")
# The CRSP vintage of those local factor CSVs (they carry no vintage line; see SOURCES.md).
# Recorded in the factors' provenance; French's own zips state theirs, which then wins.
FACTORS_VINTAGE = "202604"
EVENT_DATE = "2025-01-27"
START, END = "2023-06-01", "2025-03-31"
# User-supplied and approximate (not from the price files): NVDA shares outstanding. The cover page
# of Nvidia's 10-Q for the quarter ended 27 Oct 2024 gives about 24.49 billion shares (mid-November
# 2024); the count moves little between filings (buybacks, equity awards), so it is used for the
# close of 2025-01-24. Replace it with your own figure if you have a better one.
NVDA_SHARES = 24.49e9

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import eventstudy as es

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80})
if FACTORS_DIR is None and PRICES_DIR is not None:
    FACTORS_DIR = str(Path(PRICES_DIR) / "factors")
pd.set_option("display.width", 160, "display.max_columns", 30)
print("prices from", PRICES_DIR or "Yahoo Finance (through the cache)")
print("factors from", FACTORS_DIR or "Kenneth French's data library (through the cache)")

# %% [markdown]
# ## 1. Prices, returns and factors

# %%
prices = es.load_prices(
    ["NVDA", "SPY", "QQQ", "SOXX"], START, END, prices_dir=PRICES_DIR
)  # None: Yahoo via the cache
returns = es.compute_returns(prices, kind="simple")  # from the adjusted close
factors = es.load_factors(
    "carhart", start=START, end=END, factors_dir=FACTORS_DIR, vintage=FACTORS_VINTAGE
)
print(
    "price source:",
    prices.attrs["provenance"].get("source"),
    "| field:",
    prices.attrs["provenance"].get("field"),
)
print(
    "factors:",
    list(factors.columns),
    factors.index.min().date(),
    "..",
    factors.index.max().date(),
    "(decimal units), vintage",
    factors.attrs["vintage"],
)
nvda_px = prices[prices["ticker"] == "NVDA"].set_index("date")
print(nvda_px.loc["2025-01-23":"2025-01-28", ["close", "adj_close"]])
returns.loc["2025-01-22":"2025-01-29"].round(4)

# %% [markdown]
# ## 2. One event, five normal-return models

# %%
event = pd.DataFrame({"ticker": ["NVDA"], "date": [EVENT_DATE], "event_id": ["NVDA"]})

# market value at every price date: user-supplied shares x raw close (the study takes it as of the
# close before the window it values - for day 0, the close of 2025-01-24)
mv = es.load_market_values("NVDA", shares={"NVDA": NVDA_SHARES}, prices=prices)
mv_before = mv[mv["date"] < EVENT_DATE].iloc[-1]
mv[mv["date"].between("2025-01-23", "2025-01-28")]

# %%
MODELS = {
    "market model, SPY": es.MarketModel("SPY"),
    "market model, QQQ": es.MarketModel("QQQ"),
    "market model, SOXX": es.MarketModel("SOXX"),
    "Fama-French 3": es.FamaFrench3(),
    "Carhart 4": es.Carhart4(),
}
fits = {
    name: es.EventStudy(
        event,
        returns,
        model=model,
        factors=factors,
        market_values=mv[["ticker", "date", "market_value"]],  # as-of lookups
    ).fit()
    for name, model in MODELS.items()
}
rows = []
for name, r in fits.items():
    st = r.single_firm_tests(windows=[(0, 0), (0, 1)])
    st = st[st["window"].notna()].set_index("window")
    p = r.params.iloc[0]
    rows.append(
        {
            "model": name,
            "R2": p["r2"],
            "resid sd (%)": 100 * np.sqrt(p["sigma2"]),
            "AR day 0 (%)": 100 * st.loc["[0, 0]", "estimate"],
            "t day 0": st.loc["[0, 0]", "statistic"],
            "p day 0": st.loc["[0, 0]", "p_value"],
            "CAR[0,+1] (%)": 100 * st.loc["[0, 1]", "estimate"],
            "t [0,+1]": st.loc["[0, 1]", "statistic"],
        }
    )
by_model = pd.DataFrame(rows).set_index("model")
by_model.round(3).assign(**{"p day 0": by_model["p day 0"].map("{:.1e}".format)})

# %%
for name, r in fits.items():
    print(f"{name:<20}", r.params.drop(columns=["event_id", "ticker"]).iloc[0].round(4).to_dict())

# %% [markdown]
# The benchmark matters: against the broad market (SPY) most of Nvidia's −17% is abnormal, while
# against the semiconductor ETF (SOXX, of which Nvidia is itself a large weight and which fell with it)
# or a model with momentum the abnormal part is smaller. The market model against SPY is the
# reference below.

# %% [markdown]
# ## 3. The 2025-01-27 abnormal return: single-firm t test and pseudo-event test

# %%
ref = fits["market model, SPY"]
ar = ref.ar
ar0 = ar[ar["rel_day"] == 0].iloc[0]
st = ref.single_firm_tests(windows=[(0, 0)])
st0 = st[st["window"] == "[0, 0]"].iloc[0]
pe = ref.pseudo_event_test(windows=[(0, 0)]).iloc[0]
print(
    f"NVDA {ar0['date']:%Y-%m-%d}: return {100 * ar0['ret']:+.2f}%, normal {100 * ar0['normal']:+.2f}%,"
    f" abnormal {100 * ar0['ar']:+.2f}%"
)
print(f"single-firm t = {st0['statistic']:.2f} (df {st0['df']:.0f}), p = {st0['p_value']:.2g}")
print(
    f"pseudo-event test: p = {pe['p_value']:.4f} "
    f"({pe['n']} estimation-window pseudo-events, empirical two-sided)"
)
ar[["rel_day", "date", "ret", "normal", "ar", "sar"]].set_index(["rel_day", "date"]).loc[
    -2:3
].round(4)

# %% [markdown]
# The t test assumes normal residuals; the pseudo-event test instead ranks the event-day AR among the
# firm's own 240 estimation-window residuals. Its p-value is bounded below by 1/(n+1), so with one
# year of data it cannot be smaller than about 0.004 however extreme the day was.

# %% [markdown]
# ## 4. Dollar abnormal value
#
# The dollar abnormal value of day 0 is the abnormal return times the market value at the close of
# 2025-01-24; the total loss is the raw return times the same market value.

# %%
dollar = ref.dollar((0, 0)).iloc[0]
total_bn = dollar["dollar_return"] / 1e9
abnormal_bn = dollar["dollar_abnormal"] / 1e9
print(
    f"market value at the {dollar['mv_date']:%Y-%m-%d} close: "
    f"{NVDA_SHARES / 1e9:.2f} bn shares x ${mv_before['price']:.2f} = "
    f"${dollar['market_value'] / 1e12:.3f} tn"
)
print(
    f"total change in value on {EVENT_DATE}:   ${total_bn:,.1f} bn "
    f"(return {100 * dollar['bh_return']:+.2f}%)"
)
print(
    f"abnormal change in value (SPY model): ${abnormal_bn:,.1f} bn (AR {100 * dollar['car']:+.2f}%)"
)
print(f"abnormal share of the loss: {dollar['dollar_abnormal'] / dollar['dollar_return']:.0%}")
dollars = pd.DataFrame(
    {
        name: {"dollar abnormal ($bn)": r.dollar((0, 0))["dollar_abnormal"].iloc[0] / 1e9}
        for name, r in fits.items()
    }
).T
dollars.round(1)

# %% [markdown]
# ## 5. Estimation-window diagnostics

# %%
fig = ref.plot_fit("NVDA")
fig

# %%
resid = ref.panel.resid_est[0]
resid = resid[np.isfinite(resid)]
sd = np.sqrt(ref.params["sigma2"].iloc[0])
fig = Figure(figsize=(7, 4), layout="constrained")
ax = fig.subplots()
ax.hist(
    100 * resid, bins=40, color="C0", alpha=0.7, label=f"estimation residuals (n = {resid.size})"
)
grid = np.linspace(min(resid.min(), ar0["ar"]) * 100 - 1, resid.max() * 100 + 1, 200)
width = (resid.max() - resid.min()) * 100 / 40
ax.plot(
    grid,
    resid.size * width * np.exp(-0.5 * (grid / (100 * sd)) ** 2) / (np.sqrt(2 * np.pi) * 100 * sd),
    color="k",
    lw=1,
    label=f"normal, sd {100 * sd:.2f}%",
)
ax.axvline(100 * ar0["ar"], color="C3", lw=2, label=f"AR on {EVENT_DATE}: {100 * ar0['ar']:+.2f}%")
ax.set_xlabel("abnormal return (%)")
ax.set_ylabel("days")
ax.set_title("NVDA market-model residuals (SPY), estimation window, and the event day")
ax.legend(loc="upper left")
print(
    f"residual sd {100 * sd:.2f}%, skewness {pd.Series(resid).skew():.2f}, "
    f"excess kurtosis {pd.Series(resid).kurt():.2f}; smallest residual {100 * resid.min():+.2f}%; "
    f"event-day AR = {ar0['ar'] / sd:.1f} residual sds"
)
fig

# %%
fig = ref.plot_ar_path("NVDA")
fig

# %% [markdown]
# ## 6. Conclusion
#
# Nvidia's −17% on 2025-01-27 was overwhelmingly firm- (and AI-theme-) specific: the S&P 500 fell only
# about 1.4% that day, so the market model against SPY attributes most of the loss to an abnormal
# return, about five residual standard deviations from zero — significant by the single-firm t test
# and more extreme than every day of the estimation window (the pseudo-event test's p-value is at its
# floor). Against sector or factor benchmarks that themselves fell on the news (SOXX, momentum) the
# abnormal return is smaller but still large and significant. In dollars, the abnormal part is a large
# share, but not all, of the ≈ $590 bn fall in market value. The numbers:

# %%
lines = [
    f"NVDA abnormal return on {EVENT_DATE} (market model vs SPY): {100 * ar0['ar']:+.2f}% "
    f"(raw return {100 * ar0['ret']:+.2f}%), single-firm t = {st0['statistic']:.2f}, "
    f"p = {st0['p_value']:.2g}; pseudo-event p = {pe['p_value']:.4f}.",
    "AR day 0 by model: "
    + ", ".join(f"{m} {v:+.2f}%" for m, v in by_model["AR day 0 (%)"].items())
    + ".",
    f"Market value at the 2025-01-24 close: ${dollar['market_value'] / 1e12:.3f} tn "
    f"({NVDA_SHARES / 1e9:.2f} bn shares, user-supplied).",
    f"Total change in value: ${total_bn:,.1f} bn; abnormal (SPY model): ${abnormal_bn:,.1f} bn "
    f"({dollar['dollar_abnormal'] / dollar['dollar_return']:.0%} of the total).",
]
print("\n".join(lines))
