"""Shared fixtures: where the real data lives, and guards that keep tests offline."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_root() -> Path:
    env = os.environ.get("EVENTSTUDY_SHARED")
    return Path(env) if env else REPO.parent / "shared"


SHARED = _shared_root()
SHARED_DATA = SHARED / "data"
PRICES_DIR = SHARED_DATA / "prices"
REFERENCE_DIR = SHARED / "reference"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or ``$EVENTSTUDY_SHARED/data``); skips the test when absent."""
    if not PRICES_DIR.is_dir():
        pytest.skip(
            f"real market data not found at {SHARED_DATA} (set EVENTSTUDY_SHARED to the shared/ folder)"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def prices_dir(shared_data: Path) -> Path:
    """The folder of per-ticker CSVs in ``../shared/data/prices``."""
    return shared_data / "prices"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference``; skips the test when absent."""
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"published reference outputs not found at {REFERENCE_DIR}")
    return REFERENCE_DIR


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Fail any test that opens an internet socket (tests must never touch the network).

    Loopback connections (Dask's LocalCluster, Jupyter kernels) stay allowed.
    """
    if request.node.get_closest_marker("network"):
        return
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.")
            or host in {"localhost", "::1", ""}
            or self.family == socket.AF_UNIX
        ):
            raise RuntimeError(f"test tried to open a network connection to {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each test gets its own cache folder and no inherited eventstudy settings."""
    for var in (
        "EVENTSTUDY_CACHE_DIR",
        "EVENTSTUDY_OFFLINE",
        "EVENTSTUDY_PRICES_DIR",
        "EVENTSTUDY_FACTORS_DIR",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("EVENTSTUDY_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
