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
# # Policy events and the AI supply chain: Stargate and chip export controls
#
# **Question.** How did the stocks most exposed to three policy-driven events of early 2025 react,
# relative to the market?
#
# 1. **Stargate** — the $500bn AI-infrastructure joint venture (OpenAI, SoftBank, Oracle, MGX, with
#    Arm, Microsoft and Nvidia as technology partners) announced at the White House on Tuesday
#    2025-01-21. Firms: ORCL, ARM, MSFT, NVDA. SoftBank Group itself trades in Tokyo; its US
#    over-the-counter proxies (SFTBY, SFTBF) are **not in the data folder** — we try to load them
#    below and record that they are missing.
# 2. **AI diffusion rule** — the Commerce Department's export-control framework for advanced AI
#    chips, released on Monday 2025-01-13 (formal Federal Register publication followed two days
#    later). Firms: the chip makers and chip-equipment makers in the data.
# 3. **Nvidia's H20 licence disclosure** — in a filing after the close on Tuesday 2025-04-15 Nvidia
#    disclosed that exports of its H20 chip to China now need a licence, with a charge of about
#    $5.5bn. Firms: NVDA, AMD (which disclosed a similar charge a day later) and chip peers.
#
# **Timing assumptions (stated, and applied through the `timing` column).**
#
# | event | announced | timing | day 0 | note |
# |---|---|---|---|---|
# | Stargate | 2025-01-21 | `amc` (after the close) | 2025-01-22 | reports of the plan circulated during the 2025-01-21 session, so day −1 may already carry part of the reaction: read [−1, +1] too |
# | AI diffusion rule | 2025-01-13 | `bmo` (before the open) | 2025-01-13 | drafts had been reported in the preceding week (possible anticipation before day 0) |
# | H20 disclosure | 2025-04-15 | `amc` | 2025-04-16 | the announcement date is rolled to the next session; AMD's own disclosure falls on day 0/+1 |
#
# **Data and provenance.** Daily prices of the firms and SPY (market proxy) from the shared data
# folder (`EVENTSTUDY_PRICES_DIR`), one CSV per ticker, 2023-01-03 .. 2025-12-31. The files were
# taken from public GitHub repositories that had downloaded them from **Yahoo Finance** and were
# cross-checked between independent copies (`prices/SOURCES.md`). Returns are simple returns of the
# split- and dividend-adjusted close. ARM (IPO) starts on 2023-09-14; every other firm starts on
# 2023-01-03, which limits how long an estimation window can be (section 3). Online, without the
# environment variable, the same code downloads from Yahoo through the library's cache.
#
# **Design.** Market model against SPY, estimation window (−250, −11) trading days, event window
# (−10, +10); CAR windows [0, 0], [0, +1] and [−1, +1]. Windows beyond +2 are contaminated by other
# news: the DeepSeek sell-off of 2025-01-27 is day +3 of Stargate and day +9 of the diffusion rule,
# and the April tariff shock (2025-04-03 .. 04-09) lies inside the H20 event window (days −9 .. −5).

# %% tags=["parameters"]
import os

# Folder of per-ticker price CSVs. None -> download from Yahoo through the cache (online).
# The CI sets EVENTSTUDY_PRICES_DIR to the shared data folder (or set PRICES_DIR here).
PRICES_DIR = os.environ.get("EVENTSTUDY_PRICES_DIR")
MARKET = "SPY"
START, END = "2023-01-03", "2025-06-30"
ESTIMATION_WINDOW = (-250, -11)
EVENT_WINDOW = (-10, 10)
WINDOWS = [(0, 0), (0, 1), (-1, 1)]
SOFTBANK_PROXIES = ["SFTBY", "SFTBF"]  # US OTC ADR / ordinary shares of SoftBank Group

# %%
# %matplotlib inline
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import eventstudy as es
from eventstudy.inference import portfolio_test
from eventstudy.report.plotting import plot_car_bars, plot_overlay

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80})
pd.set_option("display.width", 160, "display.max_columns", 30)


def as_percent(frame: pd.DataFrame, columns: list[str], decimals: int = 2) -> pd.DataFrame:
    """A copy for display: ``columns`` in percent, rounded, renamed ``"<column> (%)"``."""
    out = frame.copy()
    for c in columns:
        out[c] = (100 * out[c]).round(decimals)
    return out.rename(columns={c: f"{c} (%)" for c in columns})


def tests_for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """Test rows for display: estimate in percent, statistic rounded, p-value to 3 digits."""
    return as_percent(frame, ["estimate"]).assign(
        statistic=frame["statistic"].round(2), p_value=frame["p_value"].map("{:.3g}".format)
    )


CHIPS = [
    "NVDA",
    "AMD",
    "AVGO",
    "MU",
    "AMAT",
    "LRCX",
    "KLAC",
    "ASML",
    "TSM",
    "SMCI",
    "MRVL",
    "INTC",
    "QCOM",
    "ARM",
]
EPISODES = {
    "Stargate": {
        "announced": "2025-01-21",
        "timing": "amc",
        "firms": ["ORCL", "ARM", "MSFT", "NVDA"],
    },
    "AI diffusion rule": {"announced": "2025-01-13", "timing": "bmo", "firms": CHIPS},
    "H20 disclosure": {"announced": "2025-04-15", "timing": "amc", "firms": CHIPS},
}
TICKERS = sorted({t for ep in EPISODES.values() for t in ep["firms"]})
print(
    f"{len(TICKERS)} firms, {len(EPISODES)} events; market proxy {MARKET}; prices from "
    f"{PRICES_DIR or 'Yahoo Finance (through the cache)'}"
)

# %% [markdown]
# ## 1. Prices, and the SoftBank proxies
#
# `load_prices` raises `DataUnavailableError` naming a ticker it cannot find. We ask for the
# SoftBank proxies separately, so that their absence is recorded rather than silently ignored.

# %%
softbank = {}
for t in SOFTBANK_PROXIES:
    try:
        es.load_prices([t], START, END, prices_dir=PRICES_DIR)
        softbank[t] = "available"
    except es.DataUnavailableError as err:
        softbank[t] = f"not available: {err}"
for t, msg in softbank.items():
    print(f"{t}: {msg}")
sb_used = [t for t, msg in softbank.items() if msg == "available"]
EPISODES["Stargate"]["firms"] += sb_used
print(
    "SoftBank proxies used:", sb_used or "none - the Stargate group has no SoftBank exposure here"
)

prices = es.load_prices([*TICKERS, *sb_used, MARKET], START, END, prices_dir=PRICES_DIR)
returns = es.compute_returns(prices, kind="simple")
first = prices.groupby("ticker")["date"].min()
print(
    f"returns: {returns.index.min():%Y-%m-%d} .. {returns.index.max():%Y-%m-%d}, "
    f"{returns.shape[1]} columns; series starting after {START}: "
    f"{first[first > pd.Timestamp(START)].dt.strftime('%Y-%m-%d').to_dict()}"
)

# %% [markdown]
# ## 2. Announcement → day 0
#
# `map_to_day0` applies the exchange calendar (XNYS): an after-close (`amc`) announcement on a
# session rolls to the next session, and the reason is recorded. The same rule is applied inside
# `EventStudy` through the events' `timing` column.

# %%
anchors = pd.DataFrame(
    {
        "event": list(EPISODES),
        "announced": [ep["announced"] for ep in EPISODES.values()],
        "timing": [ep["timing"] for ep in EPISODES.values()],
    }
)
day0 = es.map_to_day0(anchors["announced"], timing=anchors["timing"].tolist())
display(pd.concat([anchors["event"], day0], axis=1))

# %% [markdown]
# ## 3. One study of all events; estimation windows and the start of the data
#
# All events go into one study (`group` = the episode). The status table has one row per event
# with its day 0, whether the date was rolled, and `n_est`, the **realised** number of
# estimation-window observations. With the default (−250, −11) window every 2025 event has its full
# 240 days, ARM included (its IPO was 2023-09-14, ~330 sessions before January 2025). The `overlaps`
# column lists other events of the same firm whose event windows overlap: Stargate (day 0
# 2025-01-22) lies inside the diffusion-rule window (day 0 2025-01-13) for NVDA and ARM.

# %%
events = pd.DataFrame(
    [
        {
            "ticker": t,
            "date": ep["announced"],
            "timing": ep["timing"],
            "group": name,
            "event_id": f"{name}: {t}",
        }
        for name, ep in EPISODES.items()
        for t in ep["firms"]
    ]
)
study = dict(
    model=es.MarketModel(MARKET), estimation_window=ESTIMATION_WINDOW, event_window=EVENT_WINDOW
)
res_all = es.EventStudy(events, returns, **study).fit()
status = res_all.status
print(res_all)
display(
    status.groupby(events["group"].to_numpy()).agg(
        events=("ticker", "size"),
        used=("status", lambda s: int((s == "used").sum())),
        day0=("day0", "first"),
        rolled=("rolled", "first"),
        n_est_min=("n_est", "min"),
        n_est_max=("n_est", "max"),
    )
)
display(status.loc[status["overlaps"] != "", ["event_id", "day0", "n_est", "overlaps"]])

# %% [markdown]
# **How far back can we go?** The data start on 2023-01-03, about 500 sessions before the January
# events (ARM only on 2023-09-14). A longer estimation window, e.g. (−450, −11), still fits for every
# firm except ARM, whose history is shorter: the study does not fail, it uses the days that exist
# and reports the realised `n_est` (322–387 for ARM). A window of more than ~500 days would run into
# the start of the data for every firm in January. `min_estimation_obs` sets the floor:
# with `min_estimation_obs=400` the short histories are dropped, each with its reason.

# %%
long_window = (-450, -11)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", es.EventsDroppedWarning)  # reported in the table below
    res_long = es.EventStudy(
        events,
        returns,
        model=es.MarketModel(MARKET),
        estimation_window=long_window,
        event_window=EVENT_WINDOW,
    ).fit()
    res_floor = es.EventStudy(
        events,
        returns,
        model=es.MarketModel(MARKET),
        estimation_window=long_window,
        event_window=EVENT_WINDOW,
        min_estimation_obs=400,
    ).fit()
realised = pd.DataFrame(
    {
        "n_est (-250,-11)": status.set_index("event_id")["n_est"],
        f"n_est {long_window}": res_long.status.set_index("event_id")["n_est"],
        "status with min_estimation_obs=400": res_floor.status.set_index("event_id")["status"],
        "reason": res_floor.status.set_index("event_id")["reason"],
    }
)
display(realised[realised.index.str.contains("ARM|NVDA")])
print(
    f"with {long_window} and min_estimation_obs=400: {int(res_floor.panel.n_events)} of "
    f"{len(events)} events used"
)

# %% [markdown]
# We keep the default (−250, −11): the full window exists for every event, and it avoids
# estimating 2025 betas on 2023 data. The estimation window of the H20 event ends on day −11
# (2025-04-01), i.e. before the tariff announcement of 2025-04-02.

# %% [markdown]
# ## 4. Abnormal returns by firm

# %%
cars = {w: res_all.car(w).set_index("event_id") for w in WINDOWS}
car_table = pd.DataFrame(
    {"group": cars[(0, 0)]["group"], "ticker": cars[(0, 0)]["ticker"]}
    | {f"CAR[{a}, {b}]": cars[(a, b)]["car"] for a, b in WINDOWS}
    | {"t[0, 0]": cars[(0, 0)]["car"] / cars[(0, 0)]["se_car"]}
)
display(
    as_percent(car_table, [c for c in car_table.columns if c.startswith("CAR")]).round(
        {"t[0, 0]": 2}
    )
)

# %%
fig = plot_car_bars(res_all, window=(0, 0))
fig.set_size_inches(12, 4.5)
fig.axes[0].set_title("Abnormal return on day 0 by event (market model vs SPY), ±95% band")
fig

# %% [markdown]
# ## 5. Group CAAR tests, one episode at a time
#
# Within an episode all firms share day 0, so the naive tests (cross-sectional t, BMP) are flagged
# `clustered`; Kolari–Pynnönen, Brown–Warner (1985) and the portfolio test account for the
# cross-correlation of same-day abnormal returns. With 4 Stargate firms, all cross-sectional tests
# have very little power; the single-firm t tests (prediction-error variance of each firm's own
# market model) are shown for them.

# %%
res = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", es.EventsDroppedWarning)
    for name in EPISODES:
        res[name] = es.EventStudy(events[events["group"] == name], returns, **study).fit()
TESTS = ["cross_sectional_t", "bmp", "kolari_pynnonen", "brown_warner_1985"]
cols = ["episode", "test", "window", "n", "estimate", "statistic", "p_value", "stars", "clustered"]
rows = []
for name, r in res.items():
    t = r.tests(TESTS, windows=WINDOWS, daily=False).assign(episode=name)
    p = portfolio_test(r.panel, windows=WINDOWS).assign(episode=name, clustered=False)
    rows += [t[cols], p[cols]]
group_tests = pd.concat(rows, ignore_index=True)
display(tests_for_display(group_tests))
# the per-episode fits reproduce the pooled study's CARs
pooled = cars[(0, 0)]["car"]
per_episode = pd.concat([r.car((0, 0)).set_index("event_id")["car"] for r in res.values()])
print(
    f"max |CAR per-episode fit - pooled fit| = {(per_episode - pooled[per_episode.index]).abs().max():.1e}"
)

# %%
sf = pd.concat(
    [
        res[name].single_firm_tests(windows=[(0, 0), (-1, 1)]).assign(episode=name)
        for name in ("Stargate", "H20 disclosure")
    ],
    ignore_index=True,
)
sf = sf[sf["window"].notna()] if "window" in sf.columns else sf
keep = [
    c
    for c in ["episode", "ticker", "window", "estimate", "statistic", "p_value", "stars"]
    if c in sf.columns
]
display(tests_for_display(sf[keep][sf["ticker"].isin(["ORCL", "ARM", "MSFT", "NVDA", "AMD"])]))

# %% [markdown]
# ## 6. CAAR paths

# %%
fig = plot_overlay(res, band=None)
fig.set_size_inches(8, 4.2)
fig.axes[0].set_title("CAAR by episode (market model vs SPY)")
fig

# %%
h20 = res["H20 disclosure"]
fig = h20.plot_ar_path("H20 disclosure: NVDA")
fig.set_size_inches(8, 3.8)
fig

# %% [markdown]
# A caveat for the H20 day: Nvidia, Broadcom and the other chip giants are a large part of SPY, and
# the whole market fell on 2025-04-16 (SPY −2.2%) partly *because* of this news (and partly on the
# Fed chair's tariff warnings that afternoon). A market model with Nvidia's high estimated beta
# (≈2.7) therefore attributes most of Nvidia's −6.9% return to the market: its abnormal return is a
# lower bound on the firm-specific effect. The market-adjusted model (β = 1), shown below for
# comparison, gives an upper bound of sorts. The path above also shows the fragility of high betas on
# extreme market days: on the tariff-pause rally of 2025-04-09 (day −5, SPY +10.5%) Nvidia rose
# 18.7% and still gets a −10% "abnormal" return.

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore", es.EventsDroppedWarning)
    h20_ma = es.EventStudy(
        events[events["group"] == "H20 disclosure"],
        returns,
        model=es.MarketAdjusted(MARKET),
        estimation_window=ESTIMATION_WINDOW,
        event_window=EVENT_WINDOW,
    ).fit()
mm0 = h20.car((0, 0)).set_index("ticker")
ma0 = h20_ma.car((0, 0)).set_index("ticker")
beta = h20.params.set_index("ticker")["beta"]
raw = returns.loc[h20.status["day0"].iloc[0], mm0.index]
compare = pd.DataFrame(
    {"return": raw, "beta": beta, "AR market model": mm0["car"], "AR market-adjusted": ma0["car"]}
).sort_values("AR market model")
display(as_percent(compare, ["return", "AR market model", "AR market-adjusted"]).round({"beta": 2}))

# %% [markdown]
# ## 7. Conclusion
#
# The numbers below are generated from the results above.

# %%
g = group_tests.set_index(["episode", "test", "window"])
ct = car_table.set_index("ticker", append=True)
lines = [
    f"Events: {len(events)} in {len(EPISODES)} episodes, {int(res_all.panel.n_events)} used; "
    f"SoftBank proxies in the data: {', '.join(sb_used) or 'none'}.",
]
for name, ep in EPISODES.items():
    d0 = res[name].status["day0"].iloc[0]
    kp0 = g.loc[(name, "kolari_pynnonen", "[0, 0]")]
    pt0 = g.loc[(name, "portfolio", "[0, 0]")]
    kp1 = g.loc[(name, "kolari_pynnonen", "[-1, 1]")]
    lines.append(
        f"{name} (announced {ep['announced']} {ep['timing']}, day 0 {d0:%Y-%m-%d}, "
        f"{int(res[name].panel.n_events)} firms): CAAR[0, 0] {100 * kp0['estimate']:+.2f}% "
        f"(Kolari-Pynnonen p = {kp0['p_value']:.2g}, portfolio p = {pt0['p_value']:.2g}); "
        f"CAAR[-1, +1] {100 * kp1['estimate']:+.2f}% (Kolari-Pynnonen p = {kp1['p_value']:.2g})."
    )
sg = car_table[car_table["group"] == "Stargate"].set_index("ticker")
lines.append(
    "Stargate CAR[-1, +1]: "
    + ", ".join(f"{t} {100 * sg.loc[t, 'CAR[-1, 1]']:+.2f}%" for t in sg.index)
    + "."
)
lines.append(
    f"NVDA on the H20 day ({h20.status['day0'].iloc[0]:%Y-%m-%d}): return "
    f"{100 * compare.loc['NVDA', 'return']:+.2f}%, abnormal return (market model) "
    f"{100 * compare.loc['NVDA', 'AR market model']:+.2f}%, market-adjusted "
    f"{100 * compare.loc['NVDA', 'AR market-adjusted']:+.2f}%; AMD market model "
    f"{100 * compare.loc['AMD', 'AR market model']:+.2f}%."
)
print("\n".join(lines))

# %% [markdown]
# **Finding.** Of the three policy events, only Stargate produced a clear positive reaction: Oracle,
# the operating partner, gained about 6% beyond the market on day 0 (+5.90%, single-firm t = 3.37)
# and about 12% over [−1, +1] (+12.13%; the plan was reported during the 2025-01-21 session, so part
# of the move came on day −1); Arm gained 14.0% beyond the market on day 0 (t = 2.77) but gave most
# of it back the next day (CAR[0, +1] +4.74%); Microsoft gained 3.5% on day 0 (t = 4.19) but only
# 1.9% over [−1, +1] (p = 0.19); Nvidia's +2.8% on day 0 is not significant (t = 1.06, p = 0.29).
# With four firms sharing one date, the day-0 group CAAR (+6.56%) is convincingly significant only
# by the Brown–Warner (1985) and portfolio tests (p ≈ 1e-4); Kolari–Pynnönen gives p = 0.036 and the
# naive cross-sectional t only p = 0.08, and over [−1, +1] no group test rejects at 5%. SoftBank,
# the largest financial partner, could not be studied: no US-listed SoftBank proxy is in the data.
# The AI diffusion rule (2025-01-13, before the open) moved chip stocks little relative to the
# market: a small negative average on day 0 (CAAR −1.37%; Super Micro, Micron, TSMC, Arm and Nvidia
# 2.5–5.1% below their predictions, none individually with |t| above 1.8) that the naive tests call
# significant (cross-sectional t p = 0.027, BMP p = 0.040) but the clustered-date remedies do not
# (Kolari–Pynnönen, Brown–Warner (1985) and portfolio p = 0.42–0.43) — consistent with a rule that
# had been trailed in the press the week before. The H20 disclosure (after the close on 2025-04-15,
# day 0 = 2025-04-16) shows how much the answer depends on the normal-return model when the news
# itself moves the market: the chip stocks fell 2.1–7.4% in raw terms, but against SPY with their
# high betas (1.8–3.1) the most negative day-0 abnormal returns, AMD's −2.70% and ASML's −2.59%, are
# not significant at conventional levels (t = −1.18 and −1.08; AMD's single-firm p = 0.24); Nvidia's
# is −0.83% on day 0 (t = −0.30) and −4.11% over [0, +1], and the group CAAR (+1.02%) is
# indistinguishable from zero (Kolari–Pynnönen p = 0.65). Against the market-adjusted model (β = 1)
# the same day looks much worse (AMD −5.12%, ASML −4.84%, NVDA −4.65%), the upper bound of sorts
# discussed in section 6. The two export-control events moved the chip group far less than the
# DeepSeek sell-off did (day-0 CAAR −1.37% and +1.02%, against −6.14% for the chips on 2025-01-27 in
# notebook 01); Stargate's day-0 CAAR (+6.56%) is of a size similar to the sell-off's −7.78% for all
# 27 AI firms of notebook 01, but it concerns four firms and was partly reversed the next day
# (CAAR[0, +1] +3.84%).
