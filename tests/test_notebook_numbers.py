"""Headline numbers of notebooks 01 and 02, three ways; the pairing check covers all notebooks.

Each number is (1) recomputed through the public API exactly as the notebook does it, (2) computed
independently with plain numpy from the price CSVs, and (3) read from the printed output stored in
the executed ``.ipynb``. A notebook whose stored output is stale (not re-executed after a change in
the library, the data or the notebook) or that was committed without outputs fails here. The
code cells of every notebook (01-04) must also match its paired jupytext ``.py`` file, and every
code cell must have been executed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventstudy as es

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NB01 = NOTEBOOKS / "01_deepseek_r1.ipynb"
NB02 = NOTEBOOKS / "02_nvidia_single_firm.ipynb"
NB03 = NOTEBOOKS / "03_sp500_cross_section.ipynb"
NB04 = NOTEBOOKS / "04_policy_events.ipynb"
NB05 = NOTEBOOKS / "05_deepseek_cross_section.ipynb"  # numbers: tests/test_notebook05_numbers.py
NB06 = NOTEBOOKS / "06_shock_scanner.ipynb"  # its numbers: tests/test_scan.py
ALL_NOTEBOOKS = [NB01, NB02, NB03, NB04, NB05, NB06]

EVENT = "2025-01-27"
START, END = "2023-06-01", "2025-03-31"
CHIPS = [
    "NVDA", "AVGO", "TSM", "ASML", "AMD", "MU", "MRVL",
    "ARM", "SMCI", "AMAT", "LRCX", "KLAC", "INTC", "QCOM",
]  # fmt: skip
NVDA_SHARES = 24.49e9  # user-supplied in notebook 02 (10-Q, approximate)
EST = (-250, -11)  # the library's default estimation window, used by both notebooks

pytestmark = pytest.mark.shared_data


# ----------------------------------------------------------------------------- notebook output
def _printed(path: Path) -> str:
    """All text printed by the executed notebook (stream outputs and text/plain results)."""
    if not path.exists():
        pytest.fail(f"{path.name} is missing")
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts: list[str] = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                pytest.fail(f"{path.name} was committed with an error: {out.get('ename')}")
            if "text" in out:
                parts.append("".join(out["text"]))
            elif "text/plain" in out.get("data", {}):
                parts.append("".join(out["data"]["text/plain"]))
    text = "\n".join(parts)
    if not text.strip():
        pytest.fail(f"{path.name} has no outputs: execute it before committing")
    return text


def _number(text: str, pattern: str, path: Path) -> float:
    """The number captured by ``pattern`` (one group) in the notebook's printed output."""
    match = re.search(pattern, text)
    if match is None:
        pytest.fail(f"{path.name}: printed output has no match for {pattern!r}; re-execute it")
    return float(match.group(1).replace(",", ""))


# ----------------------------------------------------------------------------- independent
def _adj_returns(prices_dir: Path, ticker: str) -> pd.Series:
    frame = pd.read_csv(prices_dir / f"{ticker}.csv", parse_dates=["Date"], index_col="Date")
    return frame["Adj Close"].pct_change()


def _market_model_ar0(prices_dir: Path, ticker: str, market: str = "SPY") -> dict[str, float]:
    """OLS market model on trading days (-250, -11) of 2025-01-27; AR and its t on day 0."""
    both = pd.concat(
        [_adj_returns(prices_dir, ticker), _adj_returns(prices_dir, market)],
        axis=1,
        keys=["r", "m"],
        join="inner",  # both CSVs are on NYSE sessions; ARM, TLN and GEV start later
    )
    pos = both.index.get_loc(pd.Timestamp(EVENT))
    est = both.iloc[pos + EST[0] : pos + EST[1] + 1].dropna()
    X = np.column_stack([np.ones(len(est)), est["m"].to_numpy()])
    coef, *_ = np.linalg.lstsq(X, est["r"].to_numpy(), rcond=None)
    resid = est["r"].to_numpy() - X @ coef
    s2 = resid @ resid / (len(est) - 2)
    r0, m0 = both.iloc[pos]
    ar = r0 - coef[0] - coef[1] * m0
    m = est["m"].to_numpy()
    var = s2 * (1 + 1 / len(m) + (m0 - m.mean()) ** 2 / ((m - m.mean()) ** 2).sum())
    return {"ar": float(ar), "t": float(ar / np.sqrt(var)), "n_est": float(len(est))}


# ----------------------------------------------------------------------------- library
@pytest.fixture(scope="module")
def returns(prices_dir: Path) -> pd.DataFrame:
    prices = es.load_prices([*CHIPS, "SPY"], START, END, prices_dir=prices_dir)
    return es.compute_returns(prices, kind="simple")


@pytest.fixture(scope="module")
def nvda_study(prices_dir: Path) -> es.EventStudyResults:
    prices = es.load_prices(["NVDA", "SPY"], START, END, prices_dir=prices_dir)
    mv = es.load_market_values("NVDA", shares={"NVDA": NVDA_SHARES}, prices=prices)
    event = pd.DataFrame({"ticker": ["NVDA"], "date": [EVENT], "event_id": ["NVDA"]})
    return es.EventStudy(
        event,
        es.compute_returns(prices, kind="simple"),
        model=es.MarketModel("SPY"),
        market_values=mv[["ticker", "date", "market_value"]],
    ).fit()


# ----------------------------------------------------------------------------- tests
def test_nvda_ar_vs_spy(prices_dir: Path, nvda_study: es.EventStudyResults) -> None:
    ar = nvda_study.ar
    lib = float(ar.loc[ar["rel_day"] == 0, "ar"].iloc[0])
    ref = _market_model_ar0(prices_dir, "NVDA")
    assert lib == pytest.approx(ref["ar"], abs=1e-10)
    assert lib == pytest.approx(-0.1333, abs=5e-4)  # the published notebook's value

    t01, t02 = _printed(NB01), _printed(NB02)
    nb1 = _number(t01, r"NVDA abnormal return on 2025-01-27: ([-+]?\d+\.\d+)%", NB01)
    nb2 = _number(
        t02, r"NVDA abnormal return on 2025-01-27 \(market model vs SPY\): ([-+]?\d+\.\d+)%", NB02
    )
    assert nb1 == pytest.approx(100 * lib, abs=0.005)
    assert nb2 == pytest.approx(100 * lib, abs=0.005)


def test_nvda_single_firm_t(prices_dir: Path, nvda_study: es.EventStudyResults) -> None:
    st = nvda_study.single_firm_tests(windows=[(0, 0)])
    lib = float(st.loc[st["window"] == "[0, 0]", "statistic"].iloc[0])
    ref = _market_model_ar0(prices_dir, "NVDA")
    assert lib == pytest.approx(ref["t"], rel=1e-8)
    nb = _number(_printed(NB02), r"single-firm t = ([-+]?\d+\.\d+)", NB02)
    assert nb == pytest.approx(lib, abs=0.005)


def test_chips_caar_day0(prices_dir: Path, returns: pd.DataFrame) -> None:
    events = pd.DataFrame({"ticker": CHIPS, "date": EVENT, "group": "chips"})
    res = es.EventStudy(events, returns, model=es.MarketModel("SPY")).fit()
    lib = float(res.car((0, 0))["car"].mean())
    caar = res.caar((0, 0))
    assert float(caar["caar"].iloc[-1]) == pytest.approx(lib, abs=1e-12)
    ref = float(np.mean([_market_model_ar0(prices_dir, t)["ar"] for t in CHIPS]))
    assert lib == pytest.approx(ref, abs=1e-10)
    nb = _number(_printed(NB01), r"Chips group CAAR\[0, 0\] on 2025-01-27: ([-+]?\d+\.\d+)%", NB01)
    assert nb == pytest.approx(100 * lib, abs=0.005)


def test_nvda_dollar_abnormal(prices_dir: Path, nvda_study: es.EventStudyResults) -> None:
    d = nvda_study.dollar((0, 0)).iloc[0]
    assert pd.Timestamp(d["mv_date"]) == pd.Timestamp("2025-01-24")

    raw = pd.read_csv(prices_dir / "NVDA.csv", parse_dates=["Date"], index_col="Date")
    close_0124 = float(raw.loc["2025-01-24", "Close"])
    assert close_0124 == pytest.approx(142.62, abs=1e-4)  # raw close (SOURCES.md)
    mv = NVDA_SHARES * close_0124
    adj = raw["Adj Close"]
    total = mv * (adj.loc[EVENT] / adj.loc["2025-01-24"] - 1)
    abnormal = mv * _market_model_ar0(prices_dir, "NVDA")["ar"]
    assert float(d["market_value"]) == pytest.approx(mv, rel=1e-12)
    assert float(d["dollar_abnormal"]) == pytest.approx(abnormal, rel=1e-8)
    assert float(d["dollar_return"]) == pytest.approx(total, rel=1e-8)
    assert total / 1e9 == pytest.approx(-590, abs=10)  # the widely reported ~ $590 bn

    text = _printed(NB02)
    nb_abn = _number(text, r"abnormal \(SPY model\): \$(-?[\d,]+\.\d) bn", NB02)
    nb_tot = _number(text, r"Total change in value: \$(-?[\d,]+\.\d) bn", NB02)
    assert nb_abn == pytest.approx(float(d["dollar_abnormal"]) / 1e9, abs=0.05)
    assert nb_tot == pytest.approx(float(d["dollar_return"]) / 1e9, abs=0.05)


def test_all_notebooks_are_checked() -> None:
    """Every notebook in notebooks/ is in the pairing check below (a new one must be added)."""
    assert sorted(NOTEBOOKS.glob("*.ipynb")) == sorted(ALL_NOTEBOOKS)


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_its_py_file(path: Path) -> None:
    """The committed .ipynb holds the code of its paired py:percent file (jupytext)."""
    jupytext = pytest.importorskip("jupytext")
    py = path.with_suffix(".py")
    assert py.exists(), f"{py.name} (the jupytext pair of {path.name}) is missing"
    code_py = [c.source for c in jupytext.read(py).cells if c.cell_type == "code"]
    nb = json.loads(path.read_text(encoding="utf-8"))
    code_nb = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert code_nb == code_py, f"{path.name} and {py.name} differ: run `jupytext --sync`"
    assert all(c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"), (
        f"{path.name} is not fully executed"
    )
