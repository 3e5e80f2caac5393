"""One results schema for every test (issue 12).

The registry's tests (``run_tests``) and the tests outside it - portfolio, SUR/Wald,
single-firm, bootstrap and pseudo-event - return frames whose columns start with
``RESULT_COLUMNS`` in order (with the conventions column), their own extras after them; so
their rows stack with ``pd.concat`` without per-test table code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from eventstudy import inference
from eventstudy.engine.panel import EventPanel
from eventstudy.inference._build import market_model_panel
from eventstudy.inference._core import RESULT_COLUMNS

EST, EVT = (-120, -11), (-3, 3)


@pytest.fixture(scope="module")
def panel() -> EventPanel:
    rng = np.random.default_rng(12)
    m = rng.normal(0.0, 0.01, 400)
    r = 0.9 * m[:, None] + rng.normal(0.0, 0.02, (400, 6))
    return market_model_panel(r, m, np.arange(6), np.full(6, 300), EST, EVT)


RUNS: dict[str, Callable[[EventPanel], pd.DataFrame]] = {
    "registry": lambda p: inference.run_tests(p, ["patell", "kolari_pynnonen"], [(0, 1)]),
    "portfolio": lambda p: inference.portfolio_test(p, [(0, 0), (0, 1)]),
    "sur_wald": lambda p: inference.sur_wald_test(p, (0, 1)),
    "single_firm_t": lambda p: inference.single_firm_t(p, [(0, 1)]),
    "bootstrap": lambda p: inference.bootstrap_caar(p, [(0, 1)], n_boot=199, seed=0),
    "pseudo_event": lambda p: inference.pseudo_event_test(p, [(0, 1)]),
}
LEAD = {"single_firm_t": ["event_id", "ticker"], "pseudo_event": ["event_id", "ticker"]}


@pytest.mark.parametrize("name", list(RUNS))
def test_every_test_returns_the_one_schema(panel: EventPanel, name: str) -> None:
    out = RUNS[name](panel)
    lead = LEAD.get(name, [])
    assert list(out.columns[: len(lead) + len(RESULT_COLUMNS)]) == [*lead, *RESULT_COLUMNS]
    windows = out[out["window"].notna()]
    assert len(windows) > 0
    # start and end agree with the window label, day rows have no label
    labels = "[" + windows["start"].astype(str) + ", " + windows["end"].astype(str) + "]"
    assert (labels == windows["window"].astype(str)).all()
    assert out["conventions"].map(lambda c: isinstance(c, str) and c != "").all()
    assert out["clustered"].dtype == bool
    # a computed p-value always has its stars (empty string: not significant)
    got = out.dropna(subset=["p_value"])
    expected = np.select(
        [got["p_value"] < 0.01, got["p_value"] < 0.05, got["p_value"] < 0.10],
        ["***", "**", "*"],
        "",
    )
    assert got["stars"].tolist() == expected.tolist()


def test_rows_of_all_tests_stack_into_one_table(panel: EventPanel) -> None:
    frames = [run(panel) for run in RUNS.values()]
    stacked = pd.concat([f[RESULT_COLUMNS] for f in frames], ignore_index=True)
    assert set(stacked["test"]) == {
        "patell",
        "kolari_pynnonen",
        "portfolio",
        "sur_wald",
        "single_firm_t",
        "bootstrap",
        "pseudo_event",
    }
    # the remedies and per-event tests do not assume independent events
    assert not stacked.loc[~stacked["test"].isin(["patell", "kolari_pynnonen"]), "clustered"].any()
    # an interval method has no statistic; it is said by its distribution, not by missing columns
    boot = stacked[stacked["test"] == "bootstrap"].iloc[0]
    assert np.isnan(boot["statistic"]) and boot["distribution"] == "bootstrap"


def test_the_single_event_fallback_is_rows_of_the_schema(panel: EventPanel) -> None:
    """A table asks ``headline_rows`` for its test; a single event gets its own t in the same
    schema (the table code never names the fallback)."""
    from eventstudy.inference.api import headline_rows

    one = panel.take(np.arange(6) == 2)
    rows = headline_rows(one, "cross_sectional_t", [(0, 1)])
    assert rows["test"].tolist() == ["single_firm_t"]
    assert list(rows.columns[2 : 2 + len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    # the event's own t: CAR / sqrt(sigma^2 (g'g + (X_w g)'(X'X)^-1 (X_w g))), by hand
    cols = (one.evt_rel >= 0) & (one.evt_rel <= 1)
    car = one.ar[0, cols].sum()
    xg = one.x_evt[0, cols].sum(axis=0)
    var = one.sigma2[0] * (cols.sum() + xg @ one.xtx_inv[0] @ xg)
    assert rows.iloc[0]["statistic"] == pytest.approx(car / np.sqrt(var), rel=1e-10)
    many = headline_rows(panel, "cross_sectional_t", [(0, 1)])
    assert many["test"].tolist() == ["cross_sectional_t"]
    expected = inference.run_tests(panel, ["cross_sectional_t"], [(0, 1)], daily=False)
    assert many["statistic"].tolist() == expected["statistic"].tolist()


def test_a_named_test_that_cannot_run_is_rows_with_a_reason(panel: EventPanel) -> None:
    """run_tests: a test asked for by name that cannot run gives NaN rows with a reason
    (``strict=True``: the error); a run where every test applies has no reason column."""
    from dataclasses import replace

    from eventstudy.exceptions import InsufficientDataError

    one = panel.take(np.arange(6) == 0)
    out = inference.run_tests(one, ["patell", "bmp"], [(0, 1)], daily=True)
    assert list(out.columns) == [*RESULT_COLUMNS, "reason"]
    bmp = out[out["test"] == "bmp"]
    assert len(bmp) == len(one.evt_rel) + 1  # every day and the window, as a computed test
    assert bmp[["estimate", "statistic", "p_value", "df"]].isna().all().all()
    assert (bmp["stars"] == "").all() and not bmp["clustered"].any()
    assert bmp["reason"].str.startswith("bmp needs at least 2 events (the panel has 1)").all()
    patell = out[out["test"] == "patell"]
    assert (patell["reason"] == "").all() and patell["statistic"].notna().all()
    alone = inference.run_tests(one, ["patell"], [(0, 1)], daily=True)
    assert patell["statistic"].tolist() == alone["statistic"].tolist()
    assert "reason" not in alone
    with pytest.raises(InsufficientDataError, match="bmp needs at least 2 events"):
        inference.run_tests(one, ["bmp"], [(0, 1)], strict=True)
    # a field the model lacks: Lamb without a market regressor
    no_market = replace(panel, market_est=None, market_evt=None)
    lamb = inference.run_tests(no_market, ["lamb"], [(0, 0)], daily=False)
    assert lamb["reason"].tolist() == [
        "lamb needs the panel's market_est, market_evt, which this model lacks"
    ]
    assert np.isnan(lamb["statistic"]).all()
