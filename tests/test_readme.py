"""The README's quickstart code block runs as written and gives the right numbers.

The ```python block under "## Quickstart" is extracted from README.md and executed in a fresh
namespace (matplotlib's Agg backend, working directory a temporary folder, prices read offline
from ``../shared/data/prices`` through ``EVENTSTUDY_PRICES_DIR``). Its result ``res`` is then
checked against a plain-numpy market model computed here from the price CSV files.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

README = Path(__file__).resolve().parents[1] / "README.md"
DAY0 = pd.Timestamp("2025-01-27")
FIRMS = ["NVDA", "AVGO", "VST", "CEG"]


def quickstart_block(text: str) -> str:
    """The first ```python fenced block after the "## Quickstart" heading (and before the
    next level-2 heading)."""
    section = re.search(r"^## Quickstart[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, "README.md has no '## Quickstart' section"
    block = re.search(r"^```python\n(.*?)^```", section.group(1), re.M | re.S)
    assert block, "the README's Quickstart section has no ```python block"
    return block.group(1)


def test_quickstart_block_is_extracted_whole() -> None:
    code = quickstart_block(README.read_text(encoding="utf-8"))
    compile(code, "README.md:Quickstart", "exec")  # valid Python on its own
    assert code.startswith("import eventstudy as es\n")
    assert "res = es.event_study(" in code and "res.plot_caar()" in code
    # the ten-line study: at most five library calls (imports and comments aside)
    calls = [line for line in code.splitlines() if line.strip() and not line.startswith("import")]
    assert len(calls) <= 5, calls
    sample = "intro\n## Quickstart: x\n\n```bash\nls\n```\n```python\na = 1\n```\n## Next\n"
    assert quickstart_block(sample) == "a = 1\n"


def _run_like_a_notebook_cell(code: str, namespace: dict[str, Any]) -> Any:
    """Execute ``code``; return the value of its last line when that is an expression."""
    module = ast.parse(code, "README.md:Quickstart")
    last = module.body[-1] if module.body and isinstance(module.body[-1], ast.Expr) else None
    body = module.body[:-1] if last is not None else module.body
    exec(compile(ast.Module(body, type_ignores=[]), "README.md:Quickstart", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "README.md:Quickstart", "eval"), namespace)


def _adj_close_returns(prices_dir: Path, ticker: str) -> pd.Series:
    """Simple returns of Adj Close from the CSV: P_t / P_{t-1} - 1 on consecutive rows."""
    frame = pd.read_csv(prices_dir / f"{ticker}.csv")
    dates = pd.DatetimeIndex(pd.to_datetime(frame["Date"]))
    px = frame["Adj Close"].to_numpy(dtype=float)
    ret = np.full(len(px), np.nan)
    ret[1:] = px[1:] / px[:-1] - 1.0
    return pd.Series(ret, index=dates, name=ticker)


def _market_model_day0(firm: pd.Series, market: pd.Series) -> tuple[float, float]:
    """AR on day 0 and its prediction-error s.e. from OLS on sessions -250..-11 (numpy)."""
    assert firm.index.equals(market.index)
    pos = firm.index.get_loc(DAY0)
    assert isinstance(pos, int)
    y = firm.to_numpy()[pos - 250 : pos - 10]
    x = market.to_numpy()[pos - 250 : pos - 10]
    assert len(y) == 240 and np.isfinite(y).all() and np.isfinite(x).all()
    xbar, ybar = x.mean(), y.mean()
    sxx = np.sum((x - xbar) ** 2)
    beta = np.sum((x - xbar) * (y - ybar)) / sxx
    alpha = ybar - beta * xbar
    resid = y - alpha - beta * x
    sigma2 = np.sum(resid**2) / (len(y) - 2)
    x0, y0 = market.iloc[pos], firm.iloc[pos]
    ar = y0 - alpha - beta * x0
    var = sigma2 * (1.0 + 1.0 / len(y) + (x0 - xbar) ** 2 / sxx)  # prediction error
    return float(ar), float(np.sqrt(var))


@pytest.mark.shared_data
def test_readme_quickstart_runs_and_matches_a_numpy_market_model(
    prices_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = quickstart_block(README.read_text(encoding="utf-8"))
    monkeypatch.setenv("EVENTSTUDY_PRICES_DIR", str(prices_dir))  # offline, as the README says
    monkeypatch.chdir(tmp_path)  # anything the block writes lands here, not in the repository
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    try:
        last = _run_like_a_notebook_cell(code, namespace)
    finally:
        plt.close("all")
    assert isinstance(last, Figure)  # the block's last line, res.plot_caar()
    res = namespace["res"]
    assert "Event study results" in capsys.readouterr().out  # print(res.summary())
    assert not list(tmp_path.iterdir())  # the block writes no files

    assert res.status["status"].tolist() == ["used"] * 4
    assert res.status["ticker"].tolist() == FIRMS
    car = res.car((0, 0)).set_index("ticker")
    assert (car["n_days"] == 1).all()
    spy = _adj_close_returns(prices_dir, "SPY")
    for ticker in FIRMS:
        firm = _adj_close_returns(prices_dir, ticker).reindex(spy.index)
        ar, se = _market_model_day0(firm, spy)
        assert car.loc[ticker, "car"] == pytest.approx(ar, rel=1e-9, abs=1e-12), ticker
        assert car.loc[ticker, "se_car"] == pytest.approx(se, rel=1e-9), ticker
    # the README's story: Nvidia fell about 17% that day, about -13% of it abnormal
    nvda = _adj_close_returns(prices_dir, "NVDA")
    assert nvda.loc[DAY0] == pytest.approx(-0.17, abs=0.01)
    assert car.loc["NVDA", "car"] == pytest.approx(-0.13, abs=0.01)
    tests = res.tests(windows=[(0, 0), (-1, 1)])
    assert len(tests) > 0
