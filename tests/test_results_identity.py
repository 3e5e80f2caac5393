"""Issue 12: results and panels have identity semantics, and a panel cannot change under its memos.

What is computed from a panel (its inference context, residual correlations, each test's rows)
is memoised by the panel's identity, and ``res.tests()`` by its arguments on the results. So
``==`` is identity (a field-wise comparison of numpy arrays and DataFrames has no truth value),
both are hashable, and a panel's arrays are read-only views of the arrays it was built from (no
copy): writing into them raises instead of leaving the memos stale.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.engine.panel import EventPanel
from eventstudy.testing import simulated_study

SIM = simulated_study(es.MarketModel("MKT"))


def _fit(**options: object) -> es.EventStudyResults:
    study = es.EventStudy(SIM.events, SIM.returns, model=es.MarketModel("MKT"), calendar=None)
    return study.fit(**options)  # type: ignore[arg-type]


def _arrays(panel: EventPanel) -> dict[str, np.ndarray]:
    """The arrays a panel holds (stored names, without deriving the lazy fields)."""
    return {k: v for k, v in vars(panel).items() if isinstance(v, np.ndarray)}


def test_results_compare_by_identity_and_are_hashable() -> None:
    res, again = _fit(), _fit()
    assert (res == again) is False and (res != again) is True  # no ambiguous truth value
    assert res == res and hash(res) == object.__hash__(res)  # identity, as the memos
    assert {res: "a", again: "b"}[again] == "b"
    assert res.with_conventions(primary_test="patell") != res  # a new result
    assert [again, res].index(res) == 1
    # the numbers of the two fits are the same: compare the frames, not the objects
    pd.testing.assert_frame_equal(res.car((0, 1)), again.car((0, 1)))


def test_panels_compare_by_identity_and_are_hashable() -> None:
    res, again = _fit(), _fit()
    assert (res.panel == again.panel) is False and res.panel == res.panel
    assert len({res.panel, again.panel, res.panel}) == 2


def test_a_panels_arrays_are_read_only_views_not_copies() -> None:
    res = _fit()
    panel = res.panel
    held = _arrays(panel)
    assert {"ar", "resid_est", "ret_evt", "sigma2", "event_id"} <= set(held)
    assert not [name for name, arr in held.items() if arr.flags.writeable]
    ar = np.array(panel.ar)  # a writeable array of the caller
    built = dataclasses.replace(panel, ar=ar)
    assert np.shares_memory(built.ar, ar) and built.ar.base is ar  # a view: no copy
    assert ar.flags.writeable  # the caller's own array is left writeable
    assert not built.ar.flags.writeable
    sub = panel.take(slice(0, 3))  # a slice's views stay read-only
    assert np.shares_memory(sub.ar, panel.ar) and not sub.ar.flags.writeable


def test_writing_into_a_panel_after_its_tests_raises_and_the_memo_stays_true() -> None:
    res = _fit()
    before = res.tests(["patell"], windows=[(0, 1)])
    with pytest.raises(ValueError, match="read-only"):
        res.panel.ar[0, 10] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        res.panel.resid_est[:] = 0.0
    after = res.tests(["patell"], windows=[(0, 1)])
    pd.testing.assert_frame_equal(before, after)
    # a changed study is a new panel (its own memos): the AR of one event moved by 0.01
    ar = np.array(res.panel.ar)
    ar[0, 10] += 0.01
    moved = dataclasses.replace(res.panel, ar=ar)
    assert moved is not res.panel
    assert np.nansum(moved.ar) == pytest.approx(np.nansum(res.panel.ar) + 0.01)


@pytest.mark.parametrize("engine", ["chunked"])
def test_the_engines_panels_are_read_only_too(engine: str) -> None:
    res = _fit(engine=engine, chunk_events=3)
    assert not [name for name, arr in _arrays(res.panel).items() if arr.flags.writeable]
    np.testing.assert_array_equal(res.panel.ar, _fit().panel.ar)
