"""The estudy2 reference cases beyond their printed numbers (those are checked by
``tests/test_reference.py`` over ``tests/reference``, eu8's included): the engine's panel of
the eu7 case, the estudy2 profile's requirements, and its quirk on days with missing firms
(eu8), by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.engine.panel import EventPanel
from eventstudy.inference import Conventions, patell, run_tests, sign_test
from eventstudy.results import EventStudyResults
from reference.estudy2_911_eu7 import CASE
from reference.estudy2_911_eu8 import CASE as EU8

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def fitted(shared_data: Path) -> EventStudyResults:
    return CASE.fit(shared_data)


@pytest.fixture(scope="module")
def eu7(fitted: EventStudyResults) -> EventPanel:
    return fitted.panel


def test_panel_of_the_reference_case(fitted: EventStudyResults) -> None:
    p = fitted.panel
    assert p.return_kind == "log"
    assert p.evt_rel.tolist() == list(range(14))
    assert pd.Timestamp(p.evt_dates[0, 0]) == pd.Timestamp("2001-09-11")
    assert pd.Timestamp(p.evt_dates[0, -1]) == pd.Timestamp("2001-09-28")
    assert pd.Timestamp(p.est_dates[0, 0]) >= pd.Timestamp("2001-03-26")
    assert pd.Timestamp(p.est_dates[0, -1]) == pd.Timestamp("2001-09-10")
    assert (fitted.status["n_event"] == 13).all()
    assert p.market_est is not None and np.isnan(p.market_evt[:, 2]).all()


def test_estudy2_profile_requires_log_returns(eu7: EventPanel) -> None:
    from dataclasses import replace

    from eventstudy.exceptions import SpecError

    with pytest.raises(SpecError, match="log"):
        run_tests(replace(eu7, return_kind="simple"), conventions=Conventions.profile("estudy2"))


def test_estudy2_quirk_on_missing_firms(shared_data: Path) -> None:
    """eu8: on 2001-09-28 only 6 of 8 insurers have a return; the quirk scales sums by N/N_t."""
    p = EU8.fit(shared_data).panel
    quirk = Conventions.profile("estudy2")
    plain = quirk.replace(firm_sum="sum")
    t = 13  # 2001-09-28
    ar = p.ar[:, t]
    present = ~np.isnan(ar)
    n, n_t = p.n_events, int(present.sum())
    assert (n, n_t) == (8, 6)
    # sign test by hand: w positive ARs among N_t
    w = int((ar[present] > 0).sum())
    day = pd.Timestamp("2001-09-28")
    got_q = sign_test(p, conventions=quirk).set_index("date").loc[day, "statistic"]
    got_p = sign_test(p, conventions=plain).set_index("date").loc[day, "statistic"]
    assert got_p == pytest.approx((w - 0.5 * n_t) / np.sqrt(0.25 * n_t), rel=1e-12)
    assert got_q == pytest.approx((w * n / n_t - 0.5 * n_t) / np.sqrt(0.25 * n_t), rel=1e-12)
    # Patell: the numerator differs exactly by N/N_t; the quirk's denominator runs over all N
    v = (p.nobs - 2) / (p.nobs - 4)
    z_q = patell(p, conventions=quirk).set_index("date").loc[day, "statistic"]
    z_p = patell(p, conventions=plain).set_index("date").loc[day, "statistic"]
    num_q = z_q * np.sqrt(v.sum())
    num_p = z_p * np.sqrt(v[present].sum())
    assert num_q == pytest.approx(num_p * n / n_t, rel=1e-12)
    # on complete days the two agree
    full = pd.Timestamp("2001-09-27")
    assert sign_test(p, conventions=quirk).set_index("date").loc[
        full, "statistic"
    ] == pytest.approx(sign_test(p, conventions=plain).set_index("date").loc[full, "statistic"])
