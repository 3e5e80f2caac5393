"""Notebook 05's printed conclusions, recomputed independently (a stale notebook fails).

The chips coefficient is refitted with statsmodels on a frame built by hand (the library's CARs,
the sector file, betas from the params table, the pre-event volatility from plain pandas); the
hardest-hit decile's mean BHAR[2, 40] is compounded with numpy from the price files, and its
skewness-adjusted t transcribed from Lyon, Barber & Tsai (1999).
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import eventstudy as es

NB05 = Path(__file__).resolve().parents[1] / "notebooks" / "05_deepseek_cross_section.ipynb"
EVENT = pd.Timestamp("2025-01-27")

pytestmark = pytest.mark.shared_data


def _printed() -> str:
    nb = json.loads(NB05.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def _number(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    assert match, f"notebook 05 does not print {pattern!r}"
    return float(match.group(1))


@pytest.fixture(scope="module")
def study(prices_dir: Path) -> tuple[es.EventStudyResults, pd.DataFrame]:
    universe = es.read_prices(prices_dir / "universe" / "sp500_adjclose.csv")
    spy = es.load_prices(["SPY"], "2023-06-01", "2025-06-30", prices_dir=prices_dir)
    members = sorted(set(universe["ticker"]) - {"SPY"})
    prices = pd.concat([universe[universe["ticker"].isin(members)], spy], ignore_index=True)
    returns = es.compute_returns(prices, kind="simple")
    events = pd.DataFrame({"ticker": members, "date": EVENT})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EventsDroppedWarning)
        res = es.EventStudy(events, returns, event_window=(-10, 40)).fit()
    return res, returns


def test_chips_coefficient_and_hardest_hit_bhar(
    study: tuple[es.EventStudyResults, pd.DataFrame], prices_dir: Path
) -> None:
    res, returns = study
    text = _printed()
    groups = {
        "chips": "NVDA AVGO TSM ASML AMD MU MRVL ARM SMCI AMAT LRCX KLAC INTC QCOM".split(),
        "power": "VST CEG TLN NRG GEV".split(),
        "hardware": "ANET DELL".split(),
        "platforms": "MSFT GOOGL META AMZN ORCL AAPL".split(),
    }
    group = {t: g for g, ts in groups.items() for t in ts}
    sectors = pd.read_csv(prices_dir / "universe" / "sp500_constituents.csv")
    sectors["ticker"] = sectors["Symbol"].str.replace(".", "-", regex=False)
    sectors = sectors.rename(columns={"GICS Sector": "sector"})[["ticker", "sector"]]
    pos0 = returns.index.get_loc(EVENT)
    vol = returns.iloc[pos0 - 70 : pos0 - 10].std() * math.sqrt(252)
    hand = res.car((0, 1)).merge(sectors, on="ticker")
    hand["beta"] = res.params.set_index("ticker").loc[hand["ticker"], "beta"].to_numpy()
    hand["vol_pre"] = vol.reindex(hand["ticker"]).to_numpy()
    hand["ai"] = hand["ticker"].map(group).fillna("not AI")
    fit = smf.ols(
        "car ~ C(sector) + beta + vol_pre + C(ai, Treatment('not AI'))",
        data=hand.dropna(subset=["sector", "vol_pre"]),
    ).fit(cov_type="HC3")
    chips = fit.params["C(ai, Treatment('not AI'))[T.chips]"]
    printed = _number(text, r"AI chips had a CAR\[0, 1\] (-?[\d.]+) %")
    assert printed == pytest.approx(100 * chips, abs=0.006)

    car = res.car((0, 1))
    hit = car[car["car"] <= car["car"].quantile(0.10)]["ticker"].tolist()
    window = returns.iloc[pos0 + 2 : pos0 + 41]  # relative days 2 .. 40
    bhar = (1 + window[hit]).prod() - (1 + window["SPY"]).prod()
    printed_bhar = _number(text, r"mean BHAR\[2, 40\] was ([+-][\d.]+) %")
    assert printed_bhar == pytest.approx(100 * bhar.mean(), abs=0.006)
    x = bhar.to_numpy()
    n, mean, sd = len(x), x.mean(), x.std(ddof=1)
    gamma = ((x - mean) ** 3).sum() / (n * sd**3)
    s = mean / sd
    t_sa = math.sqrt(n) * (s + gamma * s * s / 3 + gamma / (6 * n))
    row = re.search(r"1\s+skewness_adjusted_t\s+\[2, 40\]\s+\S+\s+(-?[\d.]+)", text)
    assert row, "notebook 05 does not print the skewness-adjusted t row"
    assert float(row.group(1)) == pytest.approx(t_sa, abs=6e-5)
    assert np.isfinite(t_sa)
