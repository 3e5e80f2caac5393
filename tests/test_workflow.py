"""One path from a question to results: ``es.event_study``, ``es.run_spec`` and the CLI.

Independent sources: the long form of the same study built by hand from the public parts
(load_prices → compute_returns → EventStudy), statsmodels OLS on the CSV files for the
factor model, and the CLI's own CSV output.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import eventstudy as es
from eventstudy.cli import main
from eventstudy.exceptions import DataUnavailableError, SpecError
from eventstudy.spec import load_spec

REPO = Path(__file__).resolve().parents[1]
SELLOFF = REPO / "examples" / "deepseek_selloff.toml"
FIRMS = ["NVDA", "AVGO", "VST", "CEG"]
DAY0 = "2025-01-27"


def _spec(tmp_path: Path, body: str, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


FF3_SPEC = """
[study]
name = "ff3 without a start"

[events]
date = 2025-01-27
tickers = ["NVDA", "AVGO"]

[model]
name = "ff3"

[output]
figures = []
"""


@pytest.mark.shared_data
def test_event_study_equals_the_long_form(prices_dir: Path) -> None:
    res = es.event_study(FIRMS, DAY0, market="SPY", prices_dir=prices_dir, progress=False)
    # the long form, built from the public parts over a range chosen by hand
    prices = es.load_prices([*FIRMS, "SPY"], "2023-12-01", "2025-03-31", prices_dir=prices_dir)
    returns = es.compute_returns(prices, kind="simple")
    events = pd.DataFrame({"ticker": FIRMS, "date": DAY0})
    long = es.EventStudy(events, returns, model=es.MarketModel("SPY")).fit()
    pd.testing.assert_frame_equal(res.car((0, 0)), long.car((0, 0)))
    pd.testing.assert_frame_equal(res.caar((-1, 1)), long.caar((-1, 1)))
    assert res.status["status"].tolist() == ["used"] * 4


@pytest.mark.shared_data
def test_event_study_takes_groups_an_events_frame_and_a_model_object(prices_dir: Path) -> None:
    by_group = es.event_study(
        {"chips": ["NVDA", "AVGO"], "power": ["VST"]}, DAY0, prices_dir=prices_dir, progress=False
    )
    assert by_group.car((0, 0))["group"].tolist() == ["chips", "chips", "power"]
    frame = pd.DataFrame({"ticker": ["NVDA", "VST"], "date": [DAY0, DAY0], "size": [1.0, 2.0]})
    with_model = es.event_study(
        frame, model=es.MarketModel("QQQ"), prices_dir=prices_dir, progress=False
    )
    prices = es.load_prices(
        ["NVDA", "VST", "QQQ"], "2023-12-01", "2025-03-31", prices_dir=prices_dir
    )
    long = es.EventStudy(frame, es.compute_returns(prices), model=es.MarketModel("QQQ")).fit()
    np.testing.assert_allclose(
        with_model.car((0, 1))["car"].to_numpy(), long.car((0, 1))["car"].to_numpy(), rtol=1e-12
    )


def test_event_study_rejects_ambiguous_calls() -> None:
    frame = pd.DataFrame({"ticker": ["NVDA"], "date": [DAY0]})
    with pytest.raises(SpecError, match="not both"):
        es.event_study(frame, DAY0)
    with pytest.raises(SpecError, match="needs date="):
        es.event_study(["NVDA"])
    with pytest.raises(SpecError, match="not in the study"):
        es.event_study(["NVDA"], DAY0, group={"AVGO": "chips"})


@pytest.mark.shared_data
def test_run_spec_equals_the_cli(prices_dir: Path, tmp_path: Path) -> None:
    spec = _spec(tmp_path, re.sub(r"figures = \[[^\]]*\]", "figures = []", SELLOFF.read_text()))
    res = es.run_spec(spec, prices_dir=prices_dir)
    out = tmp_path / "report"
    assert main(["run", str(spec), "--prices-dir", str(prices_dir), "--out", str(out), "-q"]) == 0
    car = pd.read_csv(out / "car.csv")
    cli = car[car["window"] == "[0, 0]"].set_index("event_id")["car"]
    api = res.car((0, 0)).set_index("event_id")["car"]
    assert len(api) == 27
    np.testing.assert_allclose(cli.loc[api.index].to_numpy(), api.to_numpy(), rtol=1e-12)


def _ff3_alpha_beta_by_hand(prices_dir: Path, ticker: str) -> tuple[float, float]:
    """statsmodels OLS of excess returns on the three factors over sessions -250..-11."""
    px = pd.read_csv(prices_dir / f"{ticker}.csv", parse_dates=["Date"], index_col="Date")
    ret = px["Adj Close"].pct_change()
    ff = pd.read_csv(
        prices_dir / "factors" / "FF3_daily.csv", parse_dates=["Date"], index_col="Date"
    )
    ff = ff / 100.0
    data = pd.concat([ret.rename("r"), ff], axis=1, join="inner").dropna()
    pos = data.index.get_loc(pd.Timestamp(DAY0))
    assert isinstance(pos, int)
    est = data.iloc[pos - 250 : pos - 10]
    fit = sm.OLS(est["r"] - est["RF"], sm.add_constant(est[["Mkt-RF", "SMB", "HML"]])).fit()
    day0 = data.iloc[pos]
    normal = (
        day0["RF"]
        + fit.params["const"]
        + fit.params[["Mkt-RF", "SMB", "HML"]] @ day0[["Mkt-RF", "SMB", "HML"]]
    )
    return float(day0["r"] - normal), float(fit.params["Mkt-RF"])


FF3_EARNINGS_SPEC = """
[study]
name = "ff3 on an earnings panel, no [data] start"

[events]
file = "events.csv"

[model]
name = "ff3"

[output]
figures = []
"""


@pytest.mark.shared_data
def test_ff3_spec_runs_without_a_data_start(prices_dir: Path, tmp_path: Path) -> None:
    """An early event makes the derived price range start before the first factor date
    (2023-01-03) — the newcomer's failure ("factor data start on 2023-01-03 ... but
    start=2022-... was requested"). The factors are now clipped to what the files hold."""
    (tmp_path / "events.csv").write_text(
        "ticker,date,timing\nNVDA,2023-11-21,amc\nNVDA,2025-01-27,bmo\nAVGO,2025-01-27,bmo\n"
    )
    spec_path = _spec(tmp_path, FF3_EARNINGS_SPEC)
    spec = load_spec(spec_path)
    assert spec.start is None
    assert spec.price_range()[0] < pd.Timestamp("2023-01-03")  # the old failure's cause
    factors = ["--factors-dir", str(prices_dir / "factors")]
    out = tmp_path / "out"
    code = main(
        ["run", str(spec_path), "--prices-dir", str(prices_dir), *factors, "--out", str(out), "-q"]
    )
    assert code == 0
    res = es.run_spec(spec_path, prices_dir=prices_dir, factors_dir=prices_dir / "factors")
    assert res.status["status"].tolist() == ["used"] * 3
    car = res.car((0, 0)).set_index("event_id")
    for ticker in ("NVDA", "AVGO"):
        ar, _ = _ff3_alpha_beta_by_hand(prices_dir, ticker)
        assert car.loc[f"{ticker} 2025-01-27", "car"] == pytest.approx(ar, rel=1e-9, abs=1e-12)


@pytest.mark.shared_data
def test_factor_shortfall_at_the_events_names_the_fix(prices_dir: Path, tmp_path: Path) -> None:
    short = tmp_path / "factors"
    short.mkdir()
    ff3 = pd.read_csv(prices_dir / "factors" / "FF3_daily.csv")
    ff3[ff3["Date"] < "2024-12-31"].to_csv(short / "FF3_daily.csv", index=False)
    spec_path = _spec(tmp_path, FF3_SPEC)
    with pytest.raises(
        DataUnavailableError, match=r"end on 2024-12-30.*last event is on 2025-01-27"
    ):
        es.run_spec(spec_path, prices_dir=prices_dir, factors_dir=short)
    code = main(
        ["run", str(spec_path), "--prices-dir", str(prices_dir), "--factors-dir", str(short),
         "--out", str(tmp_path / "o"), "-q"]
    )  # fmt: skip
    assert code == 3


@pytest.mark.shared_data
def test_the_default_engine_is_chunked_from_a_number_of_events(
    prices_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spec without [engine] is "auto": the numpy engine below memory.AUTO_CHUNKED_FROM
    events, the chunked one from there (the same numbers)."""
    from eventstudy import memory
    from eventstudy.study import EventStudy

    spec = load_spec(SELLOFF)
    assert spec.engine == "auto"
    used: list[str] = []
    real_fit = EventStudy.fit

    def spy(self: EventStudy, *args: Any, **kwargs: Any) -> Any:
        used.append(kwargs.get("engine", "numpy"))
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(EventStudy, "fit", spy)
    small = es.run_spec(spec, prices_dir=prices_dir)
    monkeypatch.setattr(memory, "AUTO_CHUNKED_FROM", 2)
    large = es.run_spec(spec, prices_dir=prices_dir)
    assert used == ["numpy", "chunked"]
    np.testing.assert_allclose(
        large.car((0, 1))["car"].to_numpy(), small.car((0, 1))["car"].to_numpy(), rtol=1e-12
    )


@pytest.mark.shared_data
def test_every_event_study_argument_is_a_spec_key(prices_dir: Path, tmp_path: Path) -> None:
    body = SELLOFF.read_text().replace(
        "car = [[0, 0], [0, 1], [-5, 1], [-1, 5]]",
        "car = [[0, 0], [0, 1], [-5, 1], [-1, 5]]\nmin_estimation_obs = 150",
    )
    body = body.replace("[data]", '[engine]\nname = "chunked"\nchunk_size = 7\n\n[data]')
    spec = load_spec(_spec(tmp_path, body))
    assert (spec.min_estimation_obs, spec.engine, spec.chunk_size) == (150, "chunked", 7)
    res = es.run_spec(spec, prices_dir=prices_dir)
    plain = es.run_spec(SELLOFF, prices_dir=prices_dir)
    np.testing.assert_allclose(
        res.car((0, 0))["car"].to_numpy(), plain.car((0, 0))["car"].to_numpy(), rtol=1e-12
    )
    # a 240-session window cannot give 241 observations: the setting is named
    strict = load_spec(_spec(tmp_path, body.replace("= 150", "= 241"), "strict.toml"))
    with pytest.raises(SpecError, match="min_estimation_obs=241"):
        es.run_spec(strict, prices_dir=prices_dir)
    for bad in ("min_estimation_obs = 0", "min_estimation_obs = 1.5"):
        with pytest.raises(SpecError, match="windows.min_estimation_obs must be a positive"):
            load_spec(_spec(tmp_path, body.replace("min_estimation_obs = 150", bad), "bad.toml"))
    with pytest.raises(SpecError, match="engine.name"):
        load_spec(_spec(tmp_path, body.replace('name = "chunked"', 'name = "gpu"'), "bad.toml"))
