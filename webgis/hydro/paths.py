"""What the river network is built from and answers with: reach rows, snaps, traced
path segments, confluences and the lazy sequence of a downstream trace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np

if TYPE_CHECKING:
    from webgis.hydro.network import RiverNetwork


@dataclass(frozen=True, slots=True)
class ReachInput:
    """One routable reach as read from the reaches table (units in the names).

    ``volume_m3`` is the water volume of *this reach's* part of a reservoir; when a
    reservoir is split into several reaches, give each reach its own share.
    ``active_share`` optionally overrides the flow-through share of that volume.
    ``length_m`` is the hydraulic length (the real river's, from its published length);
    None means the geodesic length of ``coords``. A schematic line is shorter than the
    meandering river, so distances and travel times use ``length_m`` while positions
    (snaps, measures, drawing) stay on the drawn line: a measure is the same fraction of both.
    """

    code: str
    river_code: str
    downstream_code: str | None
    coords: Sequence[Sequence[float]]
    discharge_m3s: float
    factor_dry: float = 1.0
    factor_normal: float = 1.0
    factor_flood: float = 1.0
    is_reservoir: bool = False
    volume_m3: float | None = None
    velocity_mps: float | None = None
    width_m: float | None = None
    depth_m: float | None = None
    slope: float | None = None
    end_kind: str | None = None
    province: str | None = None
    active_share: float | None = None
    length_m: float | None = None
    reservoir_name: str | None = None


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a clicked point meets the network."""

    reach_idx: int
    reach_code: str
    river_code: str
    measure: float
    offset_m: float
    lon: float
    lat: float
    along_m: float


@dataclass(frozen=True, slots=True)
class PathSegment:
    """A piece of one reach on a downstream trace (km counted from the spill point)."""

    reach_idx: int
    reach_code: str
    river_code: str
    from_measure: float
    to_measure: float
    from_km: float
    to_km: float

    @property
    def length_m(self) -> float:
        """Geodesic length of this piece."""
        return (self.to_km - self.from_km) * 1000.0


@dataclass(frozen=True, slots=True)
class Confluence:
    """A place on a trace where another reach flows in (dilution happens here)."""

    river_km: float
    reach_idx: int
    reach_code: str
    receiving_river_code: str
    path_river_code: str
    joining_reach_idx: int
    joining_reach_code: str
    joining_river_code: str
    joining_discharge_m3s: float
    path_discharge_m3s: float
    lon: float
    lat: float


class TracePath(Sequence[PathSegment]):
    """A downstream trace: reach indices plus start distances, segments made on access."""

    __slots__ = ("_net", "_reaches", "_starts_m", "_first_measure", "_last_measure", "_end_m")

    def __init__(
        self,
        net: RiverNetwork,
        reaches: list[int],
        starts_m: list[float],
        first_measure: float,
        last_measure: float,
        end_m: float,
    ):
        self._net = net
        self._reaches = reaches
        self._starts_m = starts_m
        self._first_measure = first_measure
        self._last_measure = last_measure
        self._end_m = end_m

    def __len__(self) -> int:
        return len(self._reaches)

    @property
    def reach_indices(self) -> np.ndarray:
        """Reach indices in downstream order."""
        return np.array(self._reaches, dtype=np.int64)

    @property
    def length_m(self) -> float:
        """Total traced length from the start point."""
        return self._end_m

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(reach index, from_measure, to_measure, from_m, to_m) per segment, vectorised."""
        n = len(self._reaches)
        idx = np.array(self._reaches, dtype=np.int64)
        from_m = np.array(self._starts_m, dtype=np.float64)
        to_m = np.empty(n, dtype=np.float64)
        to_m[:-1] = from_m[1:]
        if n:
            to_m[-1] = self._end_m
        m0 = np.zeros(n)
        m1 = np.ones(n)
        if n:
            m0[0] = self._first_measure
            m1[-1] = self._last_measure
        return idx, m0, m1, from_m, to_m

    def _segment(self, k: int) -> PathSegment:
        n = len(self._reaches)
        i = self._reaches[k]
        net = self._net
        to_m = self._starts_m[k + 1] if k + 1 < n else self._end_m
        return PathSegment(
            i,
            net.codes[i],
            net.river_code(i),
            self._first_measure if k == 0 else 0.0,
            self._last_measure if k == n - 1 else 1.0,
            self._starts_m[k] / 1e3,
            to_m / 1e3,
        )

    @overload
    def __getitem__(self, k: int) -> PathSegment: ...

    @overload
    def __getitem__(self, k: slice) -> list[PathSegment]: ...

    def __getitem__(self, k: int | slice) -> PathSegment | list[PathSegment]:
        if isinstance(k, slice):
            return [self._segment(j) for j in range(*k.indices(len(self)))]
        n = len(self._reaches)
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError(k)
        return self._segment(k)
