"""The yfinance adapter against fake frames of yfinance 1.7's exact ``download`` shape.

``yf_shape`` rebuilds what ``yfinance.download(..., auto_adjust=False, actions=True)`` returns
from per-ticker histories (the assembly code of ``yfinance.multi``: failed tickers get
``utils.empty_df()`` — Open/High/Low/Close/Adj Close/Volume NaN columns —, union of dates,
``(Price, Ticker)`` columns sorted). ``test_fake_shape_equals_real_yfinance_assembly`` checks
it against yfinance's own ``download`` fed the same histories through a fake ``Ticker``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import eventstudy as es
from eventstudy.data.yahoo import YahooDownloader, classify_reason, tidy_from_yfinance

TZ_MISSING = "YFTzMissingError('possibly delisted; no timezone found')"
NO_PRICES = (
    "YFPricesMissingError('possibly delisted; no price data found  (1d 2024-01-01 -> 2024-01-10)')"
)
RATE_LIMIT = "YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')"


def history(
    dates: Sequence[str],
    base: float,
    *,
    split_on: str | None = None,
    dividend_on: str | None = None,
) -> pd.DataFrame:
    """One ticker's ``Ticker.history(auto_adjust=False, actions=True)`` frame (tz-naive, [s])."""
    index = pd.DatetimeIndex(list(dates)).as_unit("s").rename("Date")
    close = base + np.arange(len(index), dtype=float)
    frame = pd.DataFrame(
        {
            "Open": close - 0.5,
            "High": close + 1.0,
            "Low": close - 1.0,
            "Close": close,
            "Adj Close": close * 0.98,
            "Volume": (1000 + np.arange(len(index))).astype("int64"),
            "Dividends": 0.0,
            "Stock Splits": 0.0,
        },
        index=index,
    )
    if split_on is not None:
        frame.loc[pd.Timestamp(split_on), "Stock Splits"] = 10.0
    if dividend_on is not None:
        frame.loc[pd.Timestamp(dividend_on), "Dividends"] = 0.25
    return frame


def _empty_df() -> pd.DataFrame:  # yfinance.utils.empty_df
    empty = pd.DataFrame(
        index=[],
        data={
            "Open": np.nan,
            "High": np.nan,
            "Low": np.nan,
            "Close": np.nan,
            "Adj Close": np.nan,
            "Volume": np.nan,
        },
    )
    empty.index.name = "Date"
    return empty


def yf_shape(histories: dict[str, pd.DataFrame | None]) -> pd.DataFrame:
    """yfinance 1.7 ``download`` output for these per-ticker histories (``None`` = failed)."""
    dfs = {t.upper(): (h if h is not None else _empty_df()) for t, h in histories.items()}
    index: pd.Index | None = None
    for df in dfs.values():
        if not df.empty:
            index = df.index if index is None else index.union(df.index)
    if index is None:
        index = pd.DatetimeIndex([])
    dfs = {t: df.reindex(index) for t, df in dfs.items()}
    data = pd.concat(dfs.values(), axis=1, sort=True, keys=dfs.keys(), names=["Ticker", "Price"])
    data.columns = data.columns.swaplevel(0, 1)
    return data.sort_index(level=0, axis=1)


@dataclass
class FakeYahoo:
    """Stand-in for ``yfinance.download``: scripted responses, yfinance-style log lines."""

    responses: list[tuple[dict[str, pd.DataFrame | None], dict[str, str]]]
    calls: list[dict[str, Any]] = field(default_factory=list)
    raise_first: Exception | None = None

    def __call__(self, tickers: Sequence[str], **kwargs: Any) -> pd.DataFrame:
        self.calls.append({"tickers": list(tickers), **kwargs})
        if self.raise_first is not None:
            exc, self.raise_first = self.raise_first, None
            raise exc
        histories, errors = self.responses[min(len(self.calls), len(self.responses)) - 1]
        requested = {t.upper() for t in tickers}
        log = logging.getLogger("yfinance")
        failed = {t: e for t, e in errors.items() if t in requested}
        if failed:
            log.error("\n%.f Failed download%s:", len(failed), "s" if len(failed) > 1 else "")
            for ticker, err in failed.items():
                log.error(f"{[ticker]}: " + err)
        return yf_shape({t: histories.get(t) for t in requested})


def install_fake_yahoo(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeYahoo]:
    """Return an installer putting a :class:`FakeYahoo` in place of ``yfinance.download``."""
    import yfinance

    def install(
        *responses: tuple[dict[str, pd.DataFrame | None], dict[str, str]],
        raise_first: Exception | None = None,
    ) -> FakeYahoo:
        fake = FakeYahoo(list(responses), raise_first=raise_first)
        monkeypatch.setattr(yfinance, "download", fake)
        return fake

    return install


@pytest.fixture
def fake_yahoo(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeYahoo]:
    """Install a :class:`FakeYahoo` as ``yfinance.download``."""
    return install_fake_yahoo(monkeypatch)


DATES = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]


def _source(sleeps: list[float] | None = None, **kw: Any) -> es.YahooSource:
    return es.YahooSource(sleep=(sleeps.append if sleeps is not None else lambda s: None), **kw)


def test_fake_shape_equals_real_yfinance_assembly(monkeypatch: pytest.MonkeyPatch) -> None:
    import yfinance
    import yfinance.multi
    from yfinance.exceptions import YFTzMissingError

    histories = {"AAPL": history(DATES, 100.0), "MSFT": history(DATES[1:], 300.0)}

    class FakeTicker:
        def __init__(self, ticker: str, session: object = None) -> None:
            self.ticker, self._price_history = ticker, None

        def history(self, **kwargs: Any) -> pd.DataFrame:
            if self.ticker == "BAD":
                raise YFTzMissingError("BAD")
            frame = histories[self.ticker].copy()
            frame.index = frame.index.tz_localize("America/New_York")  # history() is tz-aware
            return frame

    monkeypatch.setattr(yfinance.multi, "Ticker", FakeTicker)
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("yfinance").addHandler(handler)
    try:
        real = yfinance.download(
            ["msft", "AAPL", "bad"],
            start="2024-01-01",
            end="2024-01-09",
            auto_adjust=False,
            actions=True,
            progress=False,
            threads=False,
        )
    finally:
        logging.getLogger("yfinance").removeHandler(handler)
    fake = yf_shape({"MSFT": histories["MSFT"], "AAPL": histories["AAPL"], "BAD": None})
    pd.testing.assert_frame_equal(real, fake)
    assert ("Adj Close", "BAD") in real.columns and ("Dividends", "BAD") not in real.columns
    assert f"['BAD']: {TZ_MISSING}" in records


def test_single_ticker_adapter_call_and_values(fake_yahoo: Callable[..., FakeYahoo]) -> None:
    hist = history(DATES, 100.0, dividend_on="2024-01-04")
    fake = fake_yahoo(({"AAPL": hist}, {}))
    out = es.load_prices("aapl", "2024-01-02", "2024-01-08", source=_source())
    (call,) = fake.calls
    assert call["tickers"] == ["AAPL"]
    assert call["start"] == "2024-01-02" and call["end"] == "2024-01-09"  # exclusive end + 1 day
    assert (call["auto_adjust"], call["actions"], call["progress"], call["threads"]) == (
        False,
        True,
        False,
        False,
    )
    assert str(out["date"].dtype) == "datetime64[ns]"
    assert pd.api.types.is_string_dtype(out["ticker"])  # "str" on pandas 3, object on 2.2
    assert out["date"].tolist() == [pd.Timestamp(d) for d in DATES]
    np.testing.assert_array_equal(out["close"].to_numpy(), hist["Close"].to_numpy())
    np.testing.assert_array_equal(out["adj_close"].to_numpy(), hist["Adj Close"].to_numpy())
    np.testing.assert_array_equal(out["volume"].to_numpy(), hist["Volume"].to_numpy(dtype=float))
    assert out.loc[out["date"] == "2024-01-04", "dividends"].item() == 0.25
    prov = out.attrs["provenance"]
    assert prov["source"] == "yahoo" and prov["auto_adjust"] is False
    assert prov["entries"]["AAPL"]["yfinance_version"]


def test_several_tickers_reordered_and_upper_cased(fake_yahoo: Callable[..., FakeYahoo]) -> None:
    fake_yahoo(({"MSFT": history(DATES, 300.0), "AAPL": history(DATES, 100.0)}, {}))
    out = es.load_prices(["msft", "AAPL", "Msft"], "2024-01-02", "2024-01-08", source=_source())
    assert out["ticker"].unique().tolist() == ["AAPL", "MSFT"]  # tidy order: sorted
    first = out.groupby("ticker")["close"].first()
    assert first["MSFT"] == 300.0 and first["AAPL"] == 100.0  # each ticker got its own columns


def test_invalid_ticker_keeps_the_others_and_caches_them(
    fake_yahoo: Callable[..., FakeYahoo],
) -> None:
    fake = fake_yahoo(({"AAPL": history(DATES, 100.0), "XXXX": None}, {"XXXX": TZ_MISSING}))
    with pytest.raises(es.DataUnavailableError, match=r"XXXX \(unknown symbol") as info:
        es.load_prices(["AAPL", "XXXX"], "2024-01-02", "2024-01-08", source=_source())
    assert list(info.value.failed) == ["XXXX"]
    assert "no timezone found" in info.value.failed["XXXX"]
    partial = info.value.partial
    assert isinstance(partial, pd.DataFrame) and partial["ticker"].unique().tolist() == ["AAPL"]
    assert partial["close"].notna().all()  # not the all-NaN columns of XXXX
    cached = es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(offline=True))
    pd.testing.assert_frame_equal(
        cached.reset_index(drop=True), partial.reset_index(drop=True), check_like=True
    )
    assert len(fake.calls) == 1


def test_no_data_in_range_reason(fake_yahoo: Callable[..., FakeYahoo]) -> None:
    fake_yahoo(({"OLD": None}, {"OLD": NO_PRICES}))
    with pytest.raises(es.DataUnavailableError) as info:
        es.load_prices("OLD", "2024-01-02", "2024-01-08", source=_source())
    assert info.value.failed["OLD"].startswith("no data in range")


def test_empty_frame_without_log_is_no_data(fake_yahoo: Callable[..., FakeYahoo]) -> None:
    fake_yahoo(({}, {}))
    with pytest.raises(es.DataUnavailableError, match="1 of 1 ticker") as info:
        es.load_prices("ZZZ", "2024-01-02", "2024-01-08", source=_source())
    assert info.value.failed == {"ZZZ": "no data in range 2024-01-02..2024-01-08"}
    assert yf_shape({"ZZZ": None}).shape == (0, 6)  # the shape yfinance returns here


def test_rate_limit_then_success_backs_off(fake_yahoo: Callable[..., FakeYahoo]) -> None:
    fake = fake_yahoo(
        ({"AAPL": history(DATES, 100.0), "MSFT": None}, {"MSFT": RATE_LIMIT}),
        ({"MSFT": history(DATES, 300.0)}, {}),
    )
    sleeps: list[float] = []
    out = es.load_prices(["AAPL", "MSFT"], "2024-01-02", "2024-01-08", source=_source(sleeps))
    assert out["ticker"].unique().tolist() == ["AAPL", "MSFT"]
    assert [c["tickers"] for c in fake.calls] == [["AAPL", "MSFT"], ["MSFT"]]  # only MSFT retried
    assert sleeps == [2.0]


def test_rate_limit_exception_is_retried(fake_yahoo: Callable[..., FakeYahoo]) -> None:
    from yfinance.exceptions import YFRateLimitError

    fake = fake_yahoo(({"AAPL": history(DATES, 100.0)}, {}), raise_first=YFRateLimitError())
    sleeps: list[float] = []
    out = es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(sleeps, backoff=0.5))
    assert len(out) == 5 and len(fake.calls) == 2 and sleeps == [0.5]


def test_rate_limit_exhausted(fake_yahoo: Callable[..., FakeYahoo]) -> None:
    fake = fake_yahoo(({"AAPL": None}, {"AAPL": RATE_LIMIT}))
    sleeps: list[float] = []
    with pytest.raises(es.DataUnavailableError, match="rate-limited") as info:
        es.load_prices("AAPL", "2024-01-02", "2024-01-08", source=_source(sleeps, max_retries=3))
    assert info.value.failed["AAPL"].startswith("rate-limited (gave up after 3 retries")
    assert sleeps == [2.0, 4.0, 8.0] and len(fake.calls) == 4


def test_partial_history_is_returned(fake_yahoo: Callable[..., FakeYahoo]) -> None:
    # listed mid-span: rows only from 2024-01-05; union index gives NaN rows before
    fake_yahoo(({"NEW": history(DATES[3:], 20.0), "OLD": history(DATES, 50.0)}, {}))
    out = es.load_prices(["NEW", "OLD"], "2024-01-02", "2024-01-08", source=_source())
    new = out[out["ticker"] == "NEW"]
    assert new["date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-08")]
    assert new["close"].tolist() == [20.0, 21.0]


def test_batches_are_throttled_and_progress_bar(
    fake_yahoo: Callable[..., FakeYahoo], capsys: pytest.CaptureFixture[str]
) -> None:
    tickers = [f"T{i}" for i in range(5)]
    fake = fake_yahoo(({t: history(DATES, 10.0 + i) for i, t in enumerate(tickers)}, {}))
    sleeps: list[float] = []
    source = _source(sleeps, batch_size=2, pause=1.5, progress=True)
    es.load_prices(tickers, "2024-01-02", "2024-01-08", source=source)
    assert [c["tickers"] for c in fake.calls] == [["T0", "T1"], ["T2", "T3"], ["T4"]]
    assert sleeps == [1.5, 1.5]
    assert "5/5" in capsys.readouterr().err


def test_tidy_from_flat_single_ticker_and_classify() -> None:
    flat = yf_shape({"A": history(DATES[:2], 1.0)}).droplevel(1, axis=1)
    frames, empty = tidy_from_yfinance(flat, ["A"])
    assert empty == [] and frames["A"]["close"].tolist() == [1.0, 2.0]
    assert classify_reason(RATE_LIMIT) == "rate-limited"
    assert classify_reason("something odd").startswith("download failed")


def test_yahoo_logger_handler_is_removed(fake_yahoo: Callable[..., FakeYahoo]) -> None:
    fake_yahoo(({"A": history(DATES, 1.0)}, {}))
    before = list(logging.getLogger("yfinance").handlers)
    YahooDownloader(sleep=lambda s: None).download(
        ["A"], pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-08")
    )
    assert logging.getLogger("yfinance").handlers == before


def test_invalid_yahoo_series_is_reported_and_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A zero adjusted close from Yahoo fails the checks every source passes: the ticker is
    named with the row, the good one arrives and only it is cached."""
    bad = history(DATES, 100.0)
    bad.loc[bad.index[2], "Adj Close"] = 0.0
    fake = install_fake_yahoo(monkeypatch)
    fake(({"AAPL": history(DATES, 100.0), "MSFT": bad}, {}))
    source = es.YahooSource(cache_dir=tmp_path, sleep=lambda s: None)
    with pytest.raises(es.DataUnavailableError, match=r"MSFT \(invalid data from Yahoo") as err:
        es.load_prices(["AAPL", "MSFT"], DATES[0], DATES[-1], source=source)
    assert "2024-01-04" in err.value.failed["MSFT"] and "non-positive" in err.value.failed["MSFT"]
    assert err.value.partial["ticker"].unique().tolist() == ["AAPL"]
    cached = json.loads((tmp_path / "prices" / "manifest.json").read_text())["entries"]
    assert list(cached) == ["AAPL"]


def test_progress_defaults_on_in_a_jupyter_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from eventstudy.data import yahoo

    fake_ipython = types.ModuleType("IPython")
    kernel = types.SimpleNamespace(config={"IPKernelApp": {"connection_file": "k.json"}})
    fake_ipython.get_ipython = lambda: kernel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython)
    assert yahoo._in_notebook()
    kernel.config = {}  # a terminal IPython: stderr decides
    assert not yahoo._in_notebook()
    monkeypatch.delitem(sys.modules, "IPython")
    assert not yahoo._in_notebook()
