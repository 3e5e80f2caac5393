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
# # Shock scanner: which days of 2023–2025 were shocks for the S&P 500?
#
# **Question.** Event studies start from a date someone already knows. Here we go the other way:
# scan every S&P 500 stock on every session of 2023–2025 for abnormal returns that its own past
# cannot explain, **without naming any date**, and let the data say which days were shocks, which
# firms were hit and how concentrated by sector. Only *after* the scan do we ask where three
# well-known days land — the DeepSeek sell-off (2025-01-27; AI chips and power), the tariff
# announcement (2025-04-03/04; broad) and the tariff pause rally (2025-04-09) — and what else the
# scan found. Then we run event studies on the days it found.
#
# **Data and provenance.** Adjusted closes of the 503 current S&P 500 members in
# `universe/sp500_adjclose.csv` (plus SPY), 2023-01-03 .. 2025-12-31, from the shared data folder
# (`EVENTSTUDY_PRICES_DIR`; taken from a public GitHub repository that downloaded them from Yahoo
# Finance, see `prices/SOURCES.md`); GICS sectors from `universe/sp500_constituents.csv` (14
# members of the panel have no row there: sector "unknown"). The market proxy is `prices/SPY.csv`.
# **Survivorship bias**: the panel holds *today's* members only, so it leans to firms that did
# well afterwards; firms that joined later are scanned from their listing on.
#
# **Design (stated before looking).** For every firm and session *t*: the market model against
# SPY estimated on the trailing sessions *t − 250 .. t − 1* only (at least 100 returns), the
# abnormal return of *t* as an out-of-sample prediction error, standardised by its
# prediction-error variance (Student *t* with *n − 2* degrees of freedom under normal errors). A
# firm-day is **flagged** when |SAR| exceeds the 1 % two-sided critical value. A session is a
# **shock day** when the share of firms flagged is improbable (p ≤ 1 %) under a beta-binomial
# null whose mean and overdispersion are estimated from the previous 250 sessions — so fat tails
# and the ordinary co-movement of the past set the bar, and no day is judged with later data.
# Earlier clear shock days (p ≤ 0.001) enter that null winsorised at its 99.9 % quantile, so one
# shock does not raise the bar for the next. The null needs 60 earlier scanned sessions, so the
# day test starts 60 sessions after the scan does.

# %% tags=["parameters"]
import os
from pathlib import Path

# Offline: the folder of per-ticker price CSVs (the CI sets EVENTSTUDY_PRICES_DIR to the shared
# data folder). None -> online: the market is downloaded through the library's cache, and the
# universe panel below must exist locally.
PRICES_DIR = os.environ.get("EVENTSTUDY_PRICES_DIR")
UNIVERSE_CSV = (
    Path(PRICES_DIR) / "universe" / "sp500_adjclose.csv"
    if PRICES_DIR
    else Path("sp500_adjclose.csv")
)
SECTORS_CSV = (
    Path(PRICES_DIR) / "universe" / "sp500_constituents.csv"
    if PRICES_DIR
    else Path("sp500_constituents.csv")
)
MARKET = "SPY"
START, END = "2023-01-03", "2025-12-31"
ESTIMATION = (-250, -1)  # trailing sessions; the window ends the day before the scanned day
LEVEL = 0.01  # nominal false-flag rate of a firm-day
DAY_LEVEL = 0.01  # level of the shock-day test
TOP = 15
# firms with volumes in the per-ticker files (for the volume confirmation in section 6)
VOLUME_TICKERS = [
    "NVDA", "AVGO", "AMD", "MU", "MRVL", "SMCI", "INTC", "QCOM", "AMAT", "LRCX", "KLAC",
    "MSFT", "GOOGL", "META", "AMZN", "AAPL", "ORCL", "VST", "CEG", "NRG", "ANET", "DELL",
]  # fmt: skip

# %%
# %matplotlib inline
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import eventstudy as es
from eventstudy.scan import read_sector_map

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80})
pd.set_option("display.width", 170, "display.max_columns", 30, "display.max_colwidth", 60)

if not Path(UNIVERSE_CSV).is_file():
    raise ValueError(
        f"The universe panel {UNIVERSE_CSV} does not exist: set EVENTSTUDY_PRICES_DIR (or "
        "PRICES_DIR) to the shared data folder holding universe/sp500_adjclose.csv"
    )


def pct(frame: pd.DataFrame, columns: list[str], decimals: int = 2) -> pd.DataFrame:
    """A copy for display with ``columns`` in percent, rounded, renamed ``"<column> (%)"``."""
    out = frame.copy()
    for c in columns:
        out[c] = (100 * out[c]).round(decimals)
    return out.rename(columns={c: f"{c} (%)" for c in columns})


# %% [markdown]
# ## 1. Prices, returns, sectors

# %%
universe = es.read_prices(UNIVERSE_CSV)
spy = es.load_prices([MARKET], START, END, prices_dir=PRICES_DIR)
prices = pd.concat([universe[universe["ticker"] != MARKET], spy], ignore_index=True)
returns = es.compute_returns(prices)
sectors = read_sector_map(SECTORS_CSV)
firms = [c for c in returns.columns if c != MARKET]
print(
    f"returns: {len(firms)} firms + {MARKET}, {len(returns)} sessions "
    f"{returns.index[0]:%Y-%m-%d} .. {returns.index[-1]:%Y-%m-%d}; "
    f"sector known for {int(sectors.reindex(firms).notna().sum())} firms"
)

# %% [markdown]
# ## 2. The scan
#
# One call. The panel has one interior gap (a missing close), which would make the next return
# span two sessions: `gaps="skip"` leaves that return out and lists it.

# %%
scan = es.scan_shocks(
    returns,
    market=MARKET,
    estimation=ESTIMATION,
    level=LEVEL,
    day_level=DAY_LEVEL,
    sectors=sectors,
    gaps="skip",
)
display(scan)
print("skipped after a gap:", scan.meta["gaps"].to_dict("records"))
idx = scan.index[scan.index["n_firms"] > 0]
n_fd, n_flag = int(idx["n_firms"].sum()), int(idx["n_flagged"].sum())
quiet = idx[~idx["shock"]]
print(
    f"firm-days scanned {n_fd}, flagged {n_flag} = {n_flag / n_fd:.2%} "
    f"(nominal {LEVEL:.0%}); on non-shock days {quiet['n_flagged'].sum() / quiet['n_firms'].sum():.2%}"
)
print(
    f"median intra-day flag correlation rho of the null: {idx['rho'].median():.4f}; "
    f"median null share {idx['null_share'].median():.2%}"
)

# %% [markdown]
# On ordinary days about twice the nominal 1 % of firm-days are flagged: daily returns have
# fatter tails than the normal distribution that calibrates the *t* threshold (on simulated
# normal returns the flag rate is the nominal one — `tests/test_scan.py`). This is why the
# shock-day test is calibrated on the *past flag rate* and its overdispersion, not on the
# nominal 1 %: a day is a shock day when it is extreme relative to what the same scan found on
# the previous 250 days.

# %% [markdown]
# ## 3. The shock calendar and the ranked shock days

# %%
fig = scan.plot_calendar(top=8)
fig

# %%
days = scan.days(top=TOP)
show = days[
    ["rank", "n_flagged", "n_firms", "n_down", "n_up", "share", "p_share", "mean_ar",
     "top_sector", "lift", "top_losers", "top_winners"]
].copy()  # fmt: skip
show["p_share"] = show["p_share"].map("{:.1e}".format)
show["lift"] = show["lift"].round(2)
display(pct(show, ["share", "mean_ar"], 1))
episodes = scan.episodes
display(pct(episodes, ["peak_share", "cum_mean_ar"], 1).round({"min_p_share": 6}))

# %% [markdown]
# ## 4. Where do the three known days rank?
#
# Now — and only now — we name dates. The market model removes each stock's normal co-movement
# with SPY; a day on which *everything* moved with the market is not abnormal for it. To see the
# broad moves too we repeat the scan with the constant-mean model (abnormal return = return minus
# its trailing mean, so a market-wide move counts) and the market-adjusted model (return minus
# SPY's, beta fixed at one).

# %%
KNOWN = {
    "2025-01-27": "DeepSeek sell-off",
    "2025-04-03": "tariffs (day 1)",
    "2025-04-04": "tariffs (day 2)",
    "2025-04-09": "tariff pause rally",
}
with warnings.catch_warnings():  # the 14 firms without a sector: warned above
    warnings.simplefilter("ignore", es.scan.ShockScanWarning)
    other = {
        model: es.scan_shocks(
            returns, market=MARKET, model=model, estimation=ESTIMATION, level=LEVEL,
            day_level=DAY_LEVEL, sectors=sectors, gaps="skip",
        )  # fmt: skip
        for model in ("constant_mean", "market_adjusted")
    }
ranks = []
for model, s in [("market", scan), *other.items()]:
    r = s.rank_of(list(KNOWN)).assign(model=model, event=list(KNOWN.values()))
    r["n_shock_days"] = int(s.index["shock"].sum())
    ranks.append(r.reset_index())
ranks = pd.concat(ranks, ignore_index=True)
ranks["p_share"] = ranks["p_share"].map("{:.1e}".format)
display(
    pct(ranks, ["share", "mean_ar"], 1)[
        ["model", "date", "event", "rank", "of", "share (%)", "p_share", "mean_ar (%)",
         "shock", "n_shock_days"]
    ]
)  # fmt: skip
print("SPY return: " + ", ".join(f"{d} {100 * returns.loc[d, MARKET]:+.2f}%" for d in KNOWN))

# %% [markdown]
# ### Concentrated or broad? The sectors of the flagged losers
#
# `hhi` is the Herfindahl index of the flagged firms' sectors and `hhi_universe` that of all
# scanned firms: equal values mean the flagged firms look like the index; `down_` columns repeat
# this for the flagged *losers*, with the sector most over-represented among them (`lift` = its
# share of the losers / its share of the universe).

# %%
conc = scan.days(top=None, shocks_only=False).loc[list(KNOWN)]
cols = ["n_flagged", "n_down", "hhi", "hhi_universe", "down_top_sector", "down_top_sector_flagged",
        "down_top_sector_share", "down_top_sector_weight", "down_lift", "down_hhi"]  # fmt: skip
display(conc[cols].round(3))
for d in ("2025-01-27", "2025-04-04"):
    print(f"abnormal returns by sector on {d}")
    display(pct(scan.sector_day(d), ["mean_ar", "median_ar", "hit_rate", "weight"], 1).round(3))

# %% [markdown]
# The sub-industries of the flagged losers on the DeepSeek day, against their weight in the
# scanned universe:

# %%
sub = read_sector_map(SECTORS_CSV, sector_column="GICS Sub-Industry")
hits = scan.firm_shocks()
ds = hits[(hits["date"] == "2025-01-27") & (hits["ar"] < 0)].assign(
    sub_industry=lambda f: f["ticker"].map(sub).fillna("unknown")
)
universe_sub = sub.reindex(firms).fillna("unknown").value_counts()
by_sub = ds.groupby("sub_industry").agg(
    n=("ticker", "size"), tickers=("ticker", lambda t: ", ".join(t)), mean_ar=("ar", "mean")
)
by_sub["universe_n"] = universe_sub.reindex(by_sub.index).to_numpy()
by_sub["hit_rate"] = by_sub["n"] / by_sub["universe_n"]
by_sub = by_sub.sort_values(["n", "mean_ar"], ascending=[False, True])
display(pct(by_sub, ["mean_ar", "hit_rate"], 1))
ai_subs = [
    "Semiconductors", "Electrical Components & Equipment", "Heavy Electrical Equipment",
    "Construction & Engineering", "Electric Utilities", "Independent Power Producers & Energy Traders",
    "Communications Equipment", "Electronic Components", "Data Center REITs",
]  # fmt: skip
in_ai = ds["sub_industry"].isin(ai_subs)
w_ai = sub.reindex(firms).isin(ai_subs).mean()
print(
    f"flagged losers on 2025-01-27: {len(ds)}; in chips, electrical equipment, construction & "
    f"engineering, power, networking/components and data-centre REITs: {int(in_ai.sum())} "
    f"({in_ai.mean():.0%}) against {w_ai:.0%} of the scanned universe"
)

# %%
fig = scan.plot_sectors("2025-01-27")
fig

# %% [markdown]
# ## 5. What else did the scan find?
#
# The other shock days, with what is printed above (breadth, direction, sectors, extremes). The
# calendar context in the last column is ours, not the scan's.

# %%
CONTEXT = {
    "2024-11-06": "the day after the US presidential election",
    "2023-12-14": "the day after the Fed's December 2023 projections of rate cuts",
    "2024-07-11": "June 2024 CPI release: rotation into small and rate-sensitive stocks",
}
found = days.drop(index=[d for d in KNOWN if d in days.index], errors="ignore")
found = found.assign(context=[CONTEXT.get(f"{d:%Y-%m-%d}", "") for d in found.index])
display(
    pct(found, ["share", "mean_ar"], 1)[
        ["rank", "n_flagged", "n_down", "n_up", "share (%)", "mean_ar (%)", "top_sector",
         "down_top_sector", "top_losers", "top_winners", "context"]
    ]
)  # fmt: skip

kinds = hits["kind"].value_counts()
print(f"flagged firm-days: {kinds.to_dict()}")
print("the 10 largest firm-level shocks (|SAR|):")
display(
    pct(hits.head(10), ["ret", "ar", "day_share"], 1)[
        ["date", "ticker", "sector", "ret (%)", "ar (%)", "sar", "day_share (%)", "kind"]
    ].round({"sar": 1})
)

# %% [markdown]
# Most flagged firm-days are idiosyncratic (earnings, guidance, deals): a flagged firm on a quiet
# market day. The shock days are the minority of days on which many firms were hit at once.

# %% [markdown]
# ## 6. Volume confirmation (firms with volumes)
#
# The universe panel has no volumes; the per-ticker files have them for the AI supply chain and
# the platforms. The abnormal log volume of a flagged firm-day (its *z* against the same trailing
# window) confirms it when *z* ≥ 1.645.

# %%
vol_prices = es.load_prices([*VOLUME_TICKERS, MARKET], START, END, prices_dir=PRICES_DIR)
vol_returns = es.compute_returns(vol_prices)
vscan = es.scan_shocks(
    vol_returns, market=MARKET, estimation=ESTIMATION, level=LEVEL, volume=vol_prices
)
vhits = vscan.firm_shocks()
day = vhits[vhits["date"] == "2025-01-27"]
display(pct(day, ["ret", "ar"], 1)[["ticker", "ret (%)", "ar (%)", "sar", "volume_z",
                                       "volume_confirmed"]].round(2))  # fmt: skip
print(
    f"all flagged firm-days of these {len(VOLUME_TICKERS)} firms: "
    f"{int(vhits['volume_confirmed'].sum())} of {vhits['volume_confirmed'].notna().sum()} "
    f"confirmed by abnormal volume"
)

# %% [markdown]
# ## 7. Event studies on the days the scan found
#
# The peak days of the four largest episodes become events: every scanned firm on each day, with
# its sector. `to_events` reports how clustered the dates are: every event of a day shares day
# 0, so the naive cross-sectional tests do not apply; we read Kolari–Pynnönen and Brown–Warner
# (1985) instead.

# %%
top_days = episodes.sort_values("peak_share", ascending=False).head(4)["peak_date"]
events = scan.to_events(dates=list(top_days), event_window=(-5, 5))
print("events:", len(events), "| clustering:", events.attrs["clustering"])
with warnings.catch_warnings():
    warnings.simplefilter("ignore", es.EventsDroppedWarning)  # reported in res.status
    res = es.EventStudy(
        events, returns, model=es.MarketModel(MARKET), estimation_window=(-250, -11),
        event_window=(-5, 5),
    ).fit()  # fmt: skip
print(res.status["status"].value_counts().to_dict())
tests = res.tests(["kolari_pynnonen", "brown_warner_1985"], windows=[(0, 0), (-1, 1)], by="group")
tests["p_value"] = tests["p_value"].map("{:.2g}".format)
display(pct(tests[["group", "test", "window", "estimate", "statistic", "p_value"]], ["estimate"], 2)
        .round({"statistic": 2}))  # fmt: skip

# %%
car = res.car((0, 0))[["ticker", "group", "car"]].merge(
    events[["ticker", "group", "sector"]], on=["ticker", "group"]
)
by_sector = car.pivot_table(index="sector", columns="group", values="car", aggfunc="mean")
display((100 * by_sector).round(2))
spread = (by_sector.max() - by_sector.min()).rename("sector spread of mean CAR[0,0]")
print((100 * spread).round(2).to_string())

# %% [markdown]
# ## 8. Conclusions (from the numbers printed above)
#
# * **What the scan found, told no dates.** 11 shock days among the 591 sessions with a day
#   test (651 scanned; 10 episodes): 2025-04-04 (33 % of firms flagged), 2024-11-06 (30 %),
#   2025-04-03 (23 %), 2025-01-27 (22 %), 2023-12-14 (21 %), 2024-07-11 (16 %), 2025-10-29
#   (12 %), 2024-08-01, 2023-10-26, 2024-07-17 and 2024-07-25 (10–11 %), against about 2 % on
#   an ordinary day. The two tariff days form one two-day episode.
# * **The known days.** Under the market model the tariff days rank 1 and 3 and the DeepSeek day
#   4 of 651; the pause rally 2025-04-09 ranks 226 (2.2 % flagged, not a shock day).
# * **Concentrated vs broad.** On 2025-01-27 the flagged *losers* are concentrated: their sector
#   Herfindahl is 0.238 against 0.105 for the universe, and 19 of the 33 (58 %) are chips,
#   electrical equipment, construction & engineering, power, networking/components and data-centre
#   REITs, which are 10 % of the universe — while the median Utilities, Industrials and most other
#   stocks had *positive* abnormal returns. On 2025-04-04 the losers' Herfindahl is 0.126, close to
#   the universe's 0.105: a broad sell-off (Energy and Utilities hit hardest, 67–71 % of their
#   firms flagged).
# * **The pause rally was a market move, not a cross-sectional one.** The market model treats a
#   +10.5 % SPY day as normal for every stock with its beta; under the constant-mean model
#   (raw moves count) 2025-04-09 is the top day of 651 with 80 % of firms flagged, and under the
#   market-adjusted model (beta fixed at one) it ranks 2.
# * **What else.** The day after the 2024 US election (30 % flagged, 90 up / 59 down: a rotation),
#   2023-12-14 and 2024-07-11 (mostly winners — 73 and 80 of the flagged firms up — with Real
#   Estate the most over-represented sector both days); four shock days within three weeks of
#   July–August 2024 (07-11, 07-17, 07-25, 08-01); and 2025-10-29, a down day (51 of the 62 flagged firms
#   down, Real Estate the most over-represented among the losers, FISV −43.9 %). 6,171 (86 %) of
#   the 7,164 flagged firm-days are idiosyncratic (a flagged firm on a quiet day); among the
#   22 firms with volumes, 258 of 343 flagged firm-days have abnormal volume.
# * **Event studies on the found days.** With every event of a day sharing day 0, the mean
#   abnormal return across the S&P 500 is small (−1.19 % to +1.08 % on day 0) and Kolari–Pynnönen
#   does not reject it on any of the four days at 5 % on day 0; Brown–Warner (1985) does on three.
#   What makes these days shocks is the *cross-section*: the spread of sector mean CARs on day 0 is
#   4.55–8.77 percentage points. A shock day in this sense is a day of large relative moves, which
#   averages over the index can hide.
#
# Caveats: survivorship bias of the panel; the market model with SPY as market is one choice of
# normal return; the shock-day null is estimated from the previous 250 days: clear shock days
# are winsorised in it, but a turbulent stretch of moderate days still raises the bar for the
# days after it; the sub-industry list of the AI supply chain in section 4 is ours.
