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
# # DeepSeek-R1 and the AI supply chain
#
# **Question.** DeepSeek released its R1 reasoning model on Monday 2025-01-20. US markets were closed
# (Martin Luther King Jr. Day) and reacted little that week; a week later, on Monday 2025-01-27,
# AI-related stocks sold off hard (Nvidia −17% in one day), then partly rebounded on 2025-01-28.
# How large were the abnormal returns of the AI supply chain — chips, power producers, AI hardware and
# the cloud platforms — around each of the two dates, and are they statistically significant once
# we account for the fact that **every firm shares the same event date**?
#
# **Data and provenance.** Daily prices of 27 US-listed firms and the SPY ETF (market proxy) from the
# shared data folder (`EVENTSTUDY_PRICES_DIR`), one CSV per ticker, 2023-01-03 .. 2025-12-31. The
# files were taken from public GitHub repositories that had downloaded them from **Yahoo Finance**
# (yfinance) and were cross-checked between independent copies (see `prices/SOURCES.md` next to the
# data). Returns are simple returns of the **adjusted close** (split- and dividend-adjusted). Vintage
# caveat: adjusted levels depend on the download date of each source (later dividends rescale all
# earlier adjusted prices by a constant factor), so price *levels* may differ from today's Yahoo
# values by up to ~1%; daily *returns* are unaffected. Online, without the environment variable, the
# same code downloads from Yahoo through the library's cache instead.
#
# **Design.** Market model against SPY, estimation window (−250, −11) trading days, event window
# (−10, +10); CAR windows [0, 0], [0, +1], [−5, +1], [−1, +5].

# %% tags=["parameters"]
import os

# Folder of per-ticker price CSVs. None -> download from Yahoo through the cache (online).
# The CI sets EVENTSTUDY_PRICES_DIR to the shared data folder (or set PRICES_DIR here).
PRICES_DIR = os.environ.get("EVENTSTUDY_PRICES_DIR")
MARKET = "SPY"
START, END = "2023-06-01", "2025-03-31"

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import eventstudy as es
from eventstudy.inference import portfolio_test, sur_wald_test
from eventstudy.report.plotting import plot_caar

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80})
pd.set_option("display.width", 160, "display.max_columns", 30)

GROUPS = {
    "chips": "NVDA AVGO TSM ASML AMD MU MRVL ARM SMCI AMAT LRCX KLAC INTC QCOM".split(),
    "power": "VST CEG TLN NRG GEV".split(),
    "hardware": "ANET DELL".split(),
    "platforms": "MSFT GOOGL META AMZN ORCL AAPL".split(),
}
ANCHORS = {"R1 release": "2025-01-20", "sell-off": "2025-01-27"}
WINDOWS = [(0, 0), (0, 1), (-5, 1), (-1, 5)]
TICKERS = [t for members in GROUPS.values() for t in members]
print(
    f"{len(TICKERS)} firms in {len(GROUPS)} groups; market proxy {MARKET}; prices from "
    f"{PRICES_DIR or 'Yahoo Finance (through the cache)'}"
)

# %% [markdown]
# ## 1. Prices and returns

# %%
prices = es.load_prices(
    [*TICKERS, MARKET], START, END, prices_dir=PRICES_DIR
)  # None: Yahoo via the cache
returns = es.compute_returns(prices, kind="simple")  # from the adjusted close
prov = prices.attrs["provenance"]
print("source:", prov.get("source"), prov.get("path", ""), "| field:", prov.get("field"))
print("returns:", returns.shape, returns.index.min().date(), "..", returns.index.max().date())
returns.loc["2025-01-17":"2025-01-29", ["NVDA", "AVGO", "VST", "CEG", "MSFT", MARKET]].round(4)

# %% [markdown]
# ## 2. Day 0: the R1 release fell on a market holiday
#
# 2025-01-20 is not an NYSE session, so the first session that could react — day 0 — is Tuesday
# 2025-01-21. The library rolls the date and says so, both in `map_to_day0` and in each event's
# status row (`rolled`, `roll_reason`).

# %%
day0 = es.map_to_day0(list(ANCHORS.values()), exchange="XNYS")
day0.insert(0, "anchor", list(ANCHORS))
day0[["anchor", "announced", "day0", "rolled", "reason"]]

# %%
events = pd.DataFrame(
    [
        {"event_id": f"{t} {name}", "ticker": t, "date": date, "group": group}
        for name, date in ANCHORS.items()
        for group, members in GROUPS.items()
        for t in members
    ]
)


def fit(ev: pd.DataFrame) -> es.EventStudyResults:
    """The same study for any subset of events: market model, default windows."""
    return es.EventStudy(ev, returns, model=es.MarketModel(MARKET)).fit()


# one study per anchor date (the two event windows overlap, so they are fitted separately);
# the group-level results below come from the same fit, through each event's `group` label
res = {name: fit(events[events["date"] == date]) for name, date in ANCHORS.items()}
status = pd.concat([r.status for r in res.values()], ignore_index=True)
print(status.groupby(["announced", "day0", "rolled", "status"]).size().rename("events").to_string())
status[status["ticker"].isin(["NVDA", "GEV"])][
    ["event_id", "announced", "day0", "rolled", "roll_reason", "status", "n_est", "n_event"]
]

# %% [markdown]
# Every event is used. GEV listed in March 2024, so its estimation window is shorter (`n_est`), still
# above the library's minimum of 100 observations. All 27 events of one anchor share one calendar
# date — the clustering diagnostic says so:

# %%
res["sell-off"].clustering()

# %% [markdown]
# ## 3. Group CAARs

# %%
caar_rows = []
for name, r in res.items():
    for w in WINDOWS:
        cars = r.car(w)  # one CAR per event; a group's CAAR is the mean over its events
        for g in GROUPS:
            c = cars[cars["group"] == g]
            caar_rows.append(
                {
                    "anchor": name,
                    "group": g,
                    "window": f"[{w[0]}, {w[1]}]",
                    "n": len(c),
                    "CAAR": c["car"].mean(),
                }
            )
caar = pd.DataFrame(caar_rows)
caar_table = caar.pivot_table(
    index=["anchor", "group"], columns="window", values="CAAR", sort=False
)[[f"[{a}, {b}]" for a, b in WINDOWS]]
print("CAAR in percent (market model, SPY)")
(100 * caar_table).round(2)

# %% [markdown]
# ## 4. Tests: naive vs clustered-date remedies
#
# With one common event date the abnormal returns are cross-sectionally correlated (the same news
# hits every firm on the same day), which the *naive* tests ignore: the cross-sectional t, Patell's
# standardised test and BMP (Boehmer–Musumeci–Poulsen) treat the firms as independent draws and
# overstate significance. The remedies are Kolari–Pynnönen (BMP corrected by the average residual
# correlation), the portfolio test (the firms' equally weighted portfolio is one observation, with its
# own time-series variance), the SUR Wald test (the full residual covariance matrix; hypothesis
# "average zero") and Brown–Warner (1985) crude dependence adjustment (the variance of the average AR
# from its own estimation-window time series).

# %%
NAIVE = ["cross_sectional_t", "patell", "bmp"]
REMEDIES = ["kolari_pynnonen", "brown_warner_1985"]


COLS = ["test", "window", "estimate", "statistic", "p_value", "n"]


def test_rows(r: es.EventStudyResults, by: str | None = None) -> pd.DataFrame:
    """One row per (group, test, window): estimate, statistic, p-value.

    The library's tests run per group with ``by="group"`` (each group's events on their own);
    the portfolio and SUR tests take the panel of the group's events.
    """
    t = r.tests(tests=NAIVE + REMEDIES, windows=WINDOWS, daily=False, by=by)
    if by is None:
        t.insert(0, "group", "all 27")
    labels = np.asarray(r.panel.group, dtype=object)
    parts = []
    for g, lib in t.groupby("group", sort=False):
        panel = r.panel if by is None else r.panel.take(labels == g)
        pf = portfolio_test(panel, windows=WINDOWS).assign(test="portfolio")
        sur = [sur_wald_test(panel, w) for w in WINDOWS]
        sur = [s[s["hypothesis"] == "average zero"].assign(test="sur_wald (avg)") for s in sur]
        parts.append(pd.concat([x[COLS] for x in (lib, pf, *sur)]).assign(group=g))
    return pd.concat(parts, ignore_index=True)


ORDER = [*NAIVE, *REMEDIES, "portfolio", "sur_wald (avg)"]
tests = pd.concat(
    [test_rows(r, by="group").assign(anchor=name) for name, r in res.items()]
    + [test_rows(r).assign(anchor=name) for name, r in res.items()],
    ignore_index=True,
)
tests["window"] = tests["window"].astype(str)


def cell(row: pd.Series) -> str:
    stars = "*" * int((row["p_value"] < 0.01) + (row["p_value"] < 0.05) + (row["p_value"] < 0.10))
    return f"{row['statistic']:.2f}{stars}"


tests["stat"] = tests.apply(cell, axis=1)
print("statistic (t, z or chi2(1) for SUR) with stars: * p<0.10, ** p<0.05, *** p<0.01")
(
    tests[tests["window"].isin(["[0, 0]", "[0, 1]"])].pivot_table(
        index=["anchor", "group", "window"],
        columns="test",
        values="stat",
        aggfunc="first",
        sort=False,
    )[ORDER]
)

# %% [markdown]
# The same comparison as a publication table (`etable`) for the sell-off, all 27 firms: one column
# per test, the CAAR with stars and the t statistic in parentheses (for SUR the χ²(1) statistic is
# converted to an implied standard error).

# %%
sel = tests[(tests["anchor"] == "sell-off") & (tests["group"] == "all 27")].copy()
is_sur = sel["test"] == "sur_wald (avg)"
# SUR reports chi2(1) = z^2: show the signed z so every column is on the same scale
sel.loc[is_sur, "statistic"] = np.sign(sel["estimate"]) * np.sqrt(sel["statistic"].abs())
sel["se"] = (sel["estimate"] / sel["statistic"]).abs()
tidy = sel.assign(study=sel["test"], model=f"market model ({MARKET})")[
    ["study", "window", "estimate", "se", "statistic", "p_value", "n", "model", "test"]
]
print(es.etable(tidy, windows=WINDOWS, labels=ORDER, percent=True, digits=2, type="md"))

# %%
sell_all = tests[
    (tests["anchor"] == "sell-off") & (tests["group"] == "all 27") & (tests["window"] == "[0, 0]")
].set_index("test")
print(
    "Sell-off, all 27 firms, CAAR[0, 0] = "
    f"{100 * sell_all.loc['cross_sectional_t', 'estimate']:+.2f}%"
)
for name in ORDER:
    print(
        f"  {name:<18} statistic {sell_all.loc[name, 'statistic']:8.2f}   "
        f"p = {sell_all.loc[name, 'p_value']:.2g}"
    )

# %% [markdown]
# ## 5. The rebound on 2025-01-28 (day +1 of the sell-off)

# %%
ar = res["sell-off"].ar
day1 = ar[ar["rel_day"] == 1][["ticker", "group", "date", "ar"]].set_index("ticker")
day0_ar = ar[ar["rel_day"] == 0].set_index("ticker")["ar"]
rebound = day1.assign(ar_day0=day0_ar).rename(columns={"ar": "ar_day1"})
rebound["share_recovered"] = -rebound["ar_day1"] / rebound["ar_day0"]
print("date of day +1:", sorted(rebound["date"].dt.date.unique()))
by_group = rebound.groupby("group", sort=False)[["ar_day0", "ar_day1"]].mean()
(100 * by_group).round(2)

# %%
per_firm = rebound.sort_values("ar_day0")[["group", "ar_day0", "ar_day1"]]
per_firm[["ar_day0", "ar_day1"]] = (100 * per_firm[["ar_day0", "ar_day1"]]).round(2)
per_firm.T

# %% [markdown]
# ## 6. Figures

# %%
fig = Figure(figsize=(11, 4), layout="constrained")  # not registered with pyplot: shown once
axes = fig.subplots(1, 2, sharey=True)
for ax, name in zip(axes, ANCHORS, strict=True):
    ar = res[name].ar
    for g in GROUPS:
        plot_caar(ar[ar["group"] == g], ax=ax, band=None, label=g)
    ax.set_title(f"CAAR by group, {name} (day 0 = {res[name].status['day0'].iloc[0]:%Y-%m-%d})")
fig

# %%
fig = res["sell-off"].plot_car_bars(window=(0, 0))
fig.axes[0].set_title("Abnormal return on 2025-01-27 by firm (market model, SPY), ±95% band")
fig

# %% [markdown]
# ## 7. Conclusion
#
# The numbers below are generated from the results above. Qualitatively: the R1 release itself
# (announced on the 2025-01-20 holiday, day 0 rolled to 2025-01-21) moved chips, AI hardware and the
# platforms little on its own day — only the power producers rose, and that rise is not significant
# under the clustered-date remedies. The repricing came a week later, on 2025-01-27 (day +4 of the R1
# window): chips, power producers and AI hardware all fell far below their market-model predictions,
# power and hardware the most, while the platforms barely moved relative to the market. The rebound on
# 2025-01-28 was uneven: Nvidia and most power names recovered part of the loss, while the average chip
# stock kept falling relative to the market. Because all firms share one date, the naive tests
# (cross-sectional t, Patell, BMP) overstate significance. Among the remedies, Kolari–Pynnönen is the
# most conservative (only marginally significant for the pooled sell-off day), while the portfolio,
# SUR and Brown–Warner (1985) tests, which use the time-series variance of the common-date portfolio,
# still reject: the sell-off was very large compared with the portfolio's normal day-to-day noise.

# %%
c_sell = caar[(caar["anchor"] == "sell-off") & (caar["window"] == "[0, 0]")].set_index("group")[
    "CAAR"
]
c_r1 = caar[(caar["anchor"] == "R1 release") & (caar["window"] == "[0, 0]")].set_index("group")[
    "CAAR"
]
nvda = rebound.loc["NVDA"]
kp = sell_all.loc["kolari_pynnonen"]
cs = sell_all.loc["cross_sectional_t"]
lines = [
    f"R1 release (day 0 = {res['R1 release'].status['day0'].iloc[0]:%Y-%m-%d}, rolled from "
    f"{ANCHORS['R1 release']}): CAAR[0, 0] "
    + ", ".join(f"{g} {100 * c_r1[g]:+.2f}%" for g in GROUPS)
    + ".",
    "Sell-off (2025-01-27): CAAR[0, 0] "
    + ", ".join(f"{g} {100 * c_sell[g]:+.2f}%" for g in GROUPS)
    + ".",
    f"Chips group CAAR[0, 0] on 2025-01-27: {100 * c_sell['chips']:+.2f}%.",
    f"NVDA abnormal return on 2025-01-27: {100 * nvda['ar_day0']:+.2f}%; on 2025-01-28 (day +1): "
    f"{100 * nvda['ar_day1']:+.2f}%.",
    f"All 27 firms, CAAR[0, 0] {100 * cs['estimate']:+.2f}%: cross-sectional t "
    f"{cs['statistic']:.2f} (p = {cs['p_value']:.2g}) vs Kolari-Pynnonen {kp['statistic']:.2f} "
    f"(p = {kp['p_value']:.2g}), portfolio test {sell_all.loc['portfolio', 'statistic']:.2f} "
    f"(p = {sell_all.loc['portfolio', 'p_value']:.2g}).",
    "Rebound on 2025-01-28 (mean AR on day +1): "
    + ", ".join(f"{g} {100 * by_group.loc[g, 'ar_day1']:+.2f}%" for g in GROUPS)
    + ".",
    "R1 window CAAR[-1, +5] (includes the sell-off at day +4): "
    + ", ".join(f"{g} {100 * caar_table.loc[('R1 release', g), '[-1, 5]']:+.2f}%" for g in GROUPS)
    + ".",
]
print("\n".join(lines))
