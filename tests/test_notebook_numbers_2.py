"""Headline numbers of notebooks 03 (S&P 500 cross-section) and 04 (policy events).

Each number is computed three ways and must agree:

1. through the public library API (the same calls as the notebook),
2. independently, with plain numpy least squares on the CSV files, and
3. as printed in the committed, executed ``.ipynb`` (so a stale notebook fails).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventstudy as es

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NB03 = NOTEBOOKS / "03_sp500_cross_section.ipynb"
NB04 = NOTEBOOKS / "04_policy_events.ipynb"
EVENT_DATE = "2025-01-27"
EST = (-250, -11)
MIN_OBS = 100  # the library's default min_estimation_obs


# ----------------------------------------------------------------------------- helpers
def _notebook_text(path: Path) -> str:
    """All printed (stream) output of an executed notebook, concatenated."""
    if not path.is_file():
        pytest.fail(f"{path.name} is missing (execute and commit the notebook)")
    nb = json.loads(path.read_text(encoding="utf-8"))
    chunks = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text = out["text"]
                chunks.append("".join(text) if isinstance(text, list) else text)
    text = "".join(chunks)
    if not text:
        pytest.fail(f"{path.name} has no printed output: commit it executed")
    return text


def _printed(text: str, pattern: str) -> float:
    m = re.search(pattern, text)
    assert m is not None, f"pattern {pattern!r} not found in the notebook output"
    return float(m.group(1))


def _returns_from_prices(prices: np.ndarray) -> np.ndarray:
    """Simple returns per column; across a missing price the return spans the gap."""
    out = np.full(prices.shape, np.nan)
    for j in range(prices.shape[1]):
        ok = np.flatnonzero(np.isfinite(prices[:, j]))
        if len(ok) > 1:
            p = prices[ok, j]
            out[ok[1:], j] = p[1:] / p[:-1] - 1.0
    return out


def _market_model_ar(r: np.ndarray, m: np.ndarray, t0: int) -> tuple[np.ndarray, np.ndarray]:
    """Day-0 market-model AR and complete-case estimation size for each column of ``r``."""
    lo, hi = t0 + EST[0], t0 + EST[1]
    ar = np.full(r.shape[1], np.nan)
    n_est = np.zeros(r.shape[1], dtype=int)
    for j in range(r.shape[1]):
        y, x = r[max(lo, 0) : hi + 1, j], m[max(lo, 0) : hi + 1]
        ok = np.isfinite(y) & np.isfinite(x)
        n_est[j] = int(ok.sum())
        if n_est[j] < MIN_OBS or not np.isfinite(r[t0, j]):
            continue
        design = np.column_stack([np.ones(n_est[j]), x[ok]])
        (alpha, beta), *_ = np.linalg.lstsq(design, y[ok], rcond=None)
        ar[j] = r[t0, j] - alpha - beta * m[t0]
    return ar, n_est


def _csv_adjclose(prices_dir: Path, ticker: str) -> pd.Series:
    frame = pd.read_csv(prices_dir / f"{ticker}.csv", parse_dates=["Date"], index_col="Date")
    return frame["Adj Close"]


# ----------------------------------------------------------------------------- notebook 03
@pytest.fixture(scope="module")
def sp500(prices_dir: Path) -> dict[str, object]:
    universe_csv = prices_dir / "universe" / "sp500_adjclose.csv"
    universe = es.read_prices(universe_csv)
    spy = es.load_prices(["SPY"], "2023-01-03", "2025-12-31", prices_dir=prices_dir)
    prices = pd.concat([universe[universe["ticker"] != "SPY"], spy], ignore_index=True)
    returns = es.compute_returns(prices, kind="simple")
    tickers = sorted(set(universe["ticker"]) - {"SPY"})
    events = pd.DataFrame({"ticker": tickers, "date": EVENT_DATE})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EventsDroppedWarning)
        res = es.EventStudy(events, returns, model=es.MarketModel("SPY")).fit()
    ar0 = res.car((0, 0)).set_index("ticker")["car"]

    # independent: plain numpy on the CSV files
    wide = pd.read_csv(universe_csv, parse_dates=["Date"], index_col="Date")
    firms = wide.drop(columns="SPY")
    r = _returns_from_prices(firms.to_numpy(dtype=float))
    m = _returns_from_prices(
        _csv_adjclose(prices_dir, "SPY").reindex(wide.index).to_numpy()[:, None]
    )
    t0 = int(np.flatnonzero(wide.index == pd.Timestamp(EVENT_DATE))[0])
    ar_np, _ = _market_model_ar(r, m[:, 0], t0)
    independent = pd.Series(ar_np, index=firms.columns).dropna()
    return {"res": res, "ar0": ar0, "independent": independent, "text": _notebook_text(NB03)}


def test_03_events_used(sp500: dict) -> None:
    res, independent = sp500["res"], sp500["independent"]
    n_used = int(res.panel.n_events)
    assert n_used == len(independent) == 502
    assert set(res.status.loc[res.status["status"] != "used", "ticker"]) == {"SNDK"}
    printed = _printed(
        sp500["text"], r"Events: \d+ firms in the panel \(SPY excluded\), (\d+) used"
    )
    assert printed == n_used


def test_03_mean_and_median_ar(sp500: dict) -> None:
    ar0, independent = sp500["ar0"], sp500["independent"]
    common = ar0.index.intersection(independent.index)
    assert len(common) == len(ar0)
    np.testing.assert_allclose(ar0[common], independent[common], atol=1e-10)
    mean, median = float(ar0.mean()), float(ar0.median())
    assert mean == pytest.approx(float(independent.mean()), abs=1e-12)
    assert mean == pytest.approx(0.0108, abs=5e-4)  # +1.08%: the typical stock beat SPY
    text = sp500["text"]
    assert _printed(text, r"mean AR ([+-]\d+\.\d+)%") == pytest.approx(100 * mean, abs=0.0051)
    assert _printed(text, r"median AR ([+-]\d+\.\d+)%") == pytest.approx(100 * median, abs=0.0051)


def test_03_biggest_loser(sp500: dict) -> None:
    ar0 = sp500["ar0"]
    m = re.search(r"Biggest loser (\S+) \(([+-]\d+\.\d+)%\)", sp500["text"])
    assert m is not None
    assert m.group(1) == ar0.idxmin() == sp500["independent"].idxmin()
    assert float(m.group(2)) == pytest.approx(100 * ar0.min(), abs=0.0051)


# ----------------------------------------------------------------------------- notebook 04
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


@pytest.fixture(scope="module")
def policy(prices_dir: Path) -> dict[str, object]:
    tickers = sorted({*CHIPS, "ORCL", "MSFT"})
    prices = es.load_prices([*tickers, "SPY"], "2023-01-03", "2025-06-30", prices_dir=prices_dir)
    returns = es.compute_returns(prices, kind="simple")
    episodes = {
        "Stargate": ("2025-01-21", "amc", ["ORCL", "ARM", "MSFT", "NVDA"]),
        "AI diffusion rule": ("2025-01-13", "bmo", CHIPS),
        "H20 disclosure": ("2025-04-15", "amc", CHIPS),
    }
    events = pd.DataFrame(
        [
            {"ticker": t, "date": d, "timing": tm, "group": g, "event_id": f"{g}: {t}"}
            for g, (d, tm, firms) in episodes.items()
            for t in firms
        ]
    )
    res = es.EventStudy(events, returns, model=es.MarketModel("SPY")).fit()
    return {"res": res, "text": _notebook_text(NB04)}


def _independent_ar(prices_dir: Path, ticker: str, day0: str, window: tuple[int, int]) -> float:
    y = _csv_adjclose(prices_dir, ticker)
    x = _csv_adjclose(prices_dir, "SPY")
    dates = x.index
    r = _returns_from_prices(y.reindex(dates).to_numpy()[:, None])[:, 0]
    m = _returns_from_prices(x.to_numpy()[:, None])[:, 0]
    t0 = int(np.flatnonzero(dates == pd.Timestamp(day0))[0])
    total = 0.0
    lo, hi = t0 + EST[0], t0 + EST[1]
    ok = np.isfinite(r[lo : hi + 1]) & np.isfinite(m[lo : hi + 1])
    design = np.column_stack([np.ones(ok.sum()), m[lo : hi + 1][ok]])
    (alpha, beta), *_ = np.linalg.lstsq(design, r[lo : hi + 1][ok], rcond=None)
    for k in range(window[0], window[1] + 1):
        total += r[t0 + k] - alpha - beta * m[t0 + k]
    return float(total)


def test_04_events_used_and_day0(policy: dict) -> None:
    res = policy["res"]
    status = res.status.set_index("event_id")
    assert int(res.panel.n_events) == len(status) == 32
    assert status.loc["H20 disclosure: NVDA", "day0"] == pd.Timestamp("2025-04-16")
    assert bool(status.loc["H20 disclosure: NVDA", "rolled"])
    assert status.loc["Stargate: ORCL", "day0"] == pd.Timestamp("2025-01-22")
    assert status.loc["AI diffusion rule: NVDA", "day0"] == pd.Timestamp("2025-01-13")
    m = re.search(r"Events: (\d+) in 3 episodes, (\d+) used", policy["text"])
    assert m is not None and int(m.group(2)) == 32


def test_04_nvda_h20_abnormal_return(policy: dict, prices_dir: Path) -> None:
    car = policy["res"].car((0, 0)).set_index("event_id")["car"]
    value = float(car["H20 disclosure: NVDA"])
    independent = _independent_ar(prices_dir, "NVDA", "2025-04-16", (0, 0))
    assert value == pytest.approx(independent, abs=1e-10)
    assert value == pytest.approx(-0.0083, abs=5e-4)
    printed = _printed(policy["text"], r"abnormal return \(market model\) ([+-]\d+\.\d+)%")
    assert printed == pytest.approx(100 * value, abs=0.0051)


def test_04_orcl_stargate_car(policy: dict, prices_dir: Path) -> None:
    car = policy["res"].car((-1, 1)).set_index("event_id")["car"]
    value = float(car["Stargate: ORCL"])
    independent = _independent_ar(prices_dir, "ORCL", "2025-01-22", (-1, 1))
    assert value == pytest.approx(independent, abs=1e-10)
    printed = _printed(policy["text"], r"Stargate CAR\[-1, \+1\]: ORCL ([+-]\d+\.\d+)%")
    assert printed == pytest.approx(100 * value, abs=0.0051)
