"""The transport at a finer resolution, as a reference for the grids' own error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import webgis.hydro.transport as transport

# constants scaled by the factor: steps per scale (finer) and grid caps (longer)
_FINER = ("_CELL_STEPS", "_SCALE_STEPS", "_DIRECT_CELL_STEPS", "_DIRECT_RELEASE_STEPS",
          "_ROUTE_STEPS", "_MAX_GRID", "_MAX_HEAD")


@contextmanager
def refined(factor: int = 16) -> Iterator[None]:
    """Every grid of webgis.hydro.transport ``factor`` times finer inside the block."""
    with pytest.MonkeyPatch.context() as mp:
        for name in _FINER:
            value = getattr(transport, name)
            mp.setattr(transport, name, type(value)(value * factor))
        yield
