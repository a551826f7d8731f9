"""The transport at a finer resolution, as a reference for the grids' own error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from webgis.hydro.transport import resolution

# constants scaled by the factor: steps per scale (finer) and grid caps (longer)
_FINER = ("CELL_STEPS", "SCALE_STEPS", "DIRECT_CELL_STEPS", "DIRECT_RELEASE_STEPS",
          "ROUTE_STEPS", "MAX_GRID", "MAX_HEAD")


@contextmanager
def refined(factor: int = 16) -> Iterator[None]:
    """Every grid of the transport ``factor`` times finer inside the block."""
    with pytest.MonkeyPatch.context() as mp:
        for name in _FINER:
            value = getattr(resolution, name)
            mp.setattr(resolution, name, type(value)(value * factor))
        yield
