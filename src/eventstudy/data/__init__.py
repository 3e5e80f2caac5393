"""The data layer: prices (Yahoo, local files, frames), cache, snapshots, factors, market values.

Every price source returns the tidy long frame described in ``docs/architecture.md``
(``date, ticker, open, high, low, close, adj_close, volume, dividends, splits``).
"""

from __future__ import annotations

from .factors import load_factors
from .marketcap import load_market_values
from .readers import read_prices
from .snapshot import export_snapshot, load_snapshot, load_snapshot_factors
from .sources import FrameSource, LocalSource, PriceSource, YahooSource, load_prices

__all__ = [
    "FrameSource",
    "LocalSource",
    "PriceSource",
    "YahooSource",
    "export_snapshot",
    "load_factors",
    "load_market_values",
    "load_prices",
    "load_snapshot",
    "load_snapshot_factors",
    "read_prices",
]
