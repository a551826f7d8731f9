"""Cached responses below reservoir inlets: see :mod:`webgis.hydro.transport.transfer`.

This module keeps the former import path working (``from webgis.hydro.transfer import
cache_for``); the code lives in the transport package.
"""

from __future__ import annotations

from webgis.hydro.transport.transfer import (
    DEFAULT_CACHE_BYTES,
    Transfer,
    TransferCache,
    cache_for,
    install_cache,
)

__all__ = ["DEFAULT_CACHE_BYTES", "Transfer", "TransferCache", "cache_for", "install_cache"]
