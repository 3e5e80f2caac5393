"""Repository-level pytest setup: run the notebooks offline against ../shared/data.

``pytest`` (the README's test command) also executes ``notebooks/*.ipynb`` through nbmake.
The notebooks read their prices from ``EVENTSTUDY_PRICES_DIR``; when it is not set and the shared
data folder exists beside the repository, point it there, so the notebooks run offline. When the
data are absent, the notebooks are skipped with a reason instead of trying to reach Yahoo.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent


def _shared_prices() -> Path:
    env = os.environ.get("EVENTSTUDY_SHARED")
    shared = Path(env) if env else REPO.parent / "shared"
    return shared / "data" / "prices"


def pytest_configure(config: pytest.Config) -> None:
    prices = _shared_prices()
    if prices.is_dir():
        os.environ.setdefault("EVENTSTUDY_PRICES_DIR", str(prices.resolve()))
        os.environ.setdefault("EVENTSTUDY_FACTORS_DIR", str((prices / "factors").resolve()))
    os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # `pytest -m "not notebooks and not slow"` is the README's quick subset
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)
    if os.environ.get("EVENTSTUDY_PRICES_DIR"):
        return
    skip = pytest.mark.skip(
        reason=f"notebooks need real prices: {_shared_prices()} not found "
        "(set EVENTSTUDY_PRICES_DIR or EVENTSTUDY_SHARED)"
    )
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(skip)
