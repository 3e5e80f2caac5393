"""The package imports cleanly: no logging configured, no network, errors subclass Exception."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

import eventstudy
from eventstudy import exceptions


def test_import_configures_no_logging_and_loads_nothing_heavy() -> None:
    code = (
        "import logging, sys; import eventstudy; "
        "assert not logging.getLogger().handlers, logging.getLogger().handlers; "
        "heavy = [m for m in ('yfinance', 'matplotlib', 'statsmodels', 'curl_cffi') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "name",
    [
        "DataError",
        "DataUnavailableError",
        "CacheError",
        "InsufficientDataError",
        "SpecError",
        "OutputError",
    ],
)
def test_every_error_is_an_eventstudy_error_and_an_exception(name: str) -> None:
    cls = getattr(exceptions, name)
    assert issubclass(cls, eventstudy.EventStudyError)
    assert issubclass(cls, Exception)


def test_data_unavailable_keeps_failed_and_partial() -> None:
    err = eventstudy.DataUnavailableError(
        "2 tickers failed", failed={"XXXX": "unknown symbol"}, partial=[1]
    )
    assert err.failed == {"XXXX": "unknown symbol"}
    assert err.partial == [1]


def test_unknown_attribute_is_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        eventstudy.nope  # noqa: B018


def test_logging_untouched_in_process() -> None:
    assert logging.getLogger("eventstudy").level == logging.NOTSET


def test_submodules_are_reachable_as_attributes() -> None:
    assert eventstudy.report.plotting.plot_car_bars is not None
    assert {"engine", "models", "report"} <= set(dir(eventstudy))
    assert "plotting" in dir(eventstudy.report)
