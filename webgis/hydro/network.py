"""In-memory river network: compact arrays, geodesic snapping and downstream tracing.

The network is built once per process from reach rows (the service layer reads them from
the database) and then answers snaps and traces in micro- to milliseconds. Everything is
stored in flat numpy arrays with offsets rather than per-reach Python objects, so that a
national network of 10^6 reaches fits in well under 1 GB and builds in seconds.

Conventions
-----------
* Reaches are LineStrings in flow direction (first vertex upstream), lon/lat EPSG:4326.
* ``measure`` is the fraction 0..1 of the reach's geodesic length from its upstream end.
* Lengths are geodesic on the WGS84 ellipsoid (``pyproj.Geod``), never degrees.
* Distances along a trace are kilometres from the spill point (``from_km``/``to_km``).
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import shapely

from webgis.hydro.errors import NetworkCycleError, TooFarFromRiver
from webgis.hydro.network_build import (
    GEOD,
    check_arrays,
    from_arrays_arguments,
    per_reach,
    reach_lengths,
    read_reaches,
    reservoirs,
    resolve_downstream,
    season_factors,
)
from webgis.hydro.paths import Confluence, PathSegment, ReachInput, Snap, TracePath

__all__ = [
    "DEFAULT_MAX_OFFSET_M",
    "GEOD",
    "Confluence",
    "PathSegment",
    "ReachInput",
    "RiverNetwork",
    "Snap",
    "TracePath",
]

# Mean Earth radius (IUGG, m), used only for the local equirectangular pre-selection of
# the nearest segment; the reported offsets and measures are geodesic.
_EARTH_RADIUS_M = 6_371_008.8
_DEG = math.pi / 180.0

DEFAULT_MAX_OFFSET_M = 5_000.0


@dataclass(eq=False)
class RiverNetwork:
    """Compact routable network; build with :meth:`build` or :meth:`from_arrays`."""

    codes: list[str]
    river_index: np.ndarray
    rivers: list[str | None]
    downstream: np.ndarray
    vertex_offsets: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    cum_m: np.ndarray
    # hydraulic length of each reach (travel distances); drawn_m is the geodesic length
    # of its line (positions): a measure is the same fraction of both
    length_m: np.ndarray
    drawn_m: np.ndarray
    discharge_m3s: np.ndarray
    season_factor: dict[str, np.ndarray]
    is_reservoir: np.ndarray
    volume_m3: np.ndarray
    velocity_mps: np.ndarray
    width_m: np.ndarray
    depth_m: np.ndarray
    slope: np.ndarray
    active_share: np.ndarray
    end_kind_index: np.ndarray
    end_kinds: list[str | None]
    province_index: np.ndarray
    provinces: list[str | None]
    # name of the reservoir a reservoir reach belongs to (one reservoir = one name)
    reservoir_index: np.ndarray
    reservoir_names: list[str | None]
    n_upstream: np.ndarray = field(init=False)
    _down: array[int] = field(init=False, repr=False)
    _len: array[float] = field(init=False, repr=False)
    _index: dict[str, int] | None = field(default=None, init=False, repr=False)
    _tree: Any = field(default=None, init=False, repr=False)
    _geoms: Any = field(default=None, init=False, repr=False)
    _up_ptr: np.ndarray | None = field(default=None, init=False, repr=False)
    _up_idx: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.codes)
        d = self.downstream
        self.n_upstream = np.bincount(d[d >= 0], minlength=n).astype(np.int32)
        # Python-level arrays: indexing them in the trace loop returns plain ints/floats,
        # several times faster than indexing numpy arrays element by element.
        self._down = array("i", d.astype(np.int32).tobytes())
        self._len = array("d", self.length_m.astype(np.float64).tobytes())

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, reaches: Iterable[ReachInput]) -> RiverNetwork:
        """Build from reach rows; downstream links are resolved by code."""
        columns = read_reaches(reaches)
        index, down = resolve_downstream(columns.codes, columns.downs)
        net = cls.from_arrays(**from_arrays_arguments(columns, down))
        net._index = index
        return net

    @classmethod
    def from_arrays(
        cls,
        *,
        codes: list[str],
        river_index: np.ndarray,
        rivers: list[str | None],
        downstream: np.ndarray,
        vertex_offsets: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        discharge_m3s: np.ndarray,
        factor_dry: np.ndarray | float = 1.0,
        factor_normal: np.ndarray | float = 1.0,
        factor_flood: np.ndarray | float = 1.0,
        is_reservoir: np.ndarray | None = None,
        volume_m3: np.ndarray | None = None,
        velocity_mps: np.ndarray | None = None,
        width_m: np.ndarray | None = None,
        depth_m: np.ndarray | None = None,
        slope: np.ndarray | None = None,
        active_share: np.ndarray | None = None,
        length_m: np.ndarray | None = None,
        end_kind_index: np.ndarray | None = None,
        end_kinds: list[str | None] | None = None,
        province_index: np.ndarray | None = None,
        provinces: list[str | None] | None = None,
        reservoir_index: np.ndarray | None = None,
        reservoir_names: list[str | None] | None = None,
    ) -> RiverNetwork:
        """Vectorised constructor (the fast path for very large networks).

        ``downstream`` holds reach indices (-1 = none); optional per-reach floats use NaN
        for "not measured". Geodesic lengths are computed here; ``length_m`` (hydraulic,
        NaN = the geodesic length) replaces them for travel distances.
        """
        n = len(codes)
        offsets = np.asarray(vertex_offsets, dtype=np.int64)
        lon = np.ascontiguousarray(lon, dtype=np.float64)
        lat = np.ascontiguousarray(lat, dtype=np.float64)
        down = np.ascontiguousarray(downstream, dtype=np.int32)
        q = np.ascontiguousarray(discharge_m3s, dtype=np.float64)
        check_arrays(codes, offsets, lon, lat, down, q)
        cum, drawn, length = reach_lengths(lon, lat, offsets, length_m)
        factors = season_factors(n, factor_dry, factor_normal, factor_flood)
        res, vol = reservoirs(n, codes, is_reservoir, volume_m3)
        zeros = np.zeros(n, dtype=np.int32)
        return cls(
            codes=list(codes),
            river_index=np.asarray(river_index, dtype=np.int32),
            rivers=list(rivers),
            downstream=down,
            vertex_offsets=offsets,
            lon=lon,
            lat=lat,
            cum_m=cum,
            length_m=length,
            drawn_m=drawn,
            discharge_m3s=q,
            season_factor=factors,
            is_reservoir=res,
            volume_m3=vol,
            velocity_mps=per_reach(velocity_mps, np.nan, n),
            width_m=per_reach(width_m, np.nan, n),
            depth_m=per_reach(depth_m, np.nan, n),
            slope=per_reach(slope, np.nan, n),
            active_share=per_reach(active_share, np.nan, n),
            end_kind_index=zeros if end_kind_index is None else np.asarray(end_kind_index),
            end_kinds=[None] if end_kinds is None else list(end_kinds),
            province_index=zeros if province_index is None else np.asarray(province_index),
            provinces=[None] if provinces is None else list(provinces),
            reservoir_index=zeros if reservoir_index is None else np.asarray(reservoir_index),
            reservoir_names=[None] if reservoir_names is None else list(reservoir_names),
        )

    # ------------------------------------------------------------------ lookups
    def __len__(self) -> int:
        return len(self.codes)

    def index_of(self, code: str) -> int:
        """Reach index for a reach code (raises ``KeyError`` when unknown)."""
        if self._index is None:
            self._index = {c: i for i, c in enumerate(self.codes)}
        return self._index[code]

    def river_code(self, idx: int) -> str:
        """River code of a reach."""
        # every reach has a river (build() refuses one without); the list type allows None
        return cast(str, self.rivers[self.river_index[idx]])

    def province(self, idx: int) -> str | None:
        """Province adcode of a reach (None when not given)."""
        adcode: str | None = self.provinces[self.province_index[idx]]
        return adcode

    def reservoir_name(self, idx: int) -> str | None:
        """Name of the reservoir a reservoir reach belongs to (None elsewhere)."""
        name: str | None = self.reservoir_names[self.reservoir_index[idx]]
        return name

    def end_kind(self, idx: int) -> str | None:
        """``outlet`` / ``terminal_lake`` for network ends, else None."""
        kind: str | None = self.end_kinds[self.end_kind_index[idx]]
        return kind

    def upstream_of(self, idx: int) -> np.ndarray:
        """Indices of the reaches flowing directly into ``idx``."""
        if self._up_ptr is None:
            d = self.downstream
            order = np.argsort(d, kind="stable")
            first = np.searchsorted(d[order], 0)
            self._up_idx = order[first:].astype(np.int32)
            self._up_ptr = np.zeros(len(self.codes) + 1, dtype=np.int64)
            np.cumsum(self.n_upstream, out=self._up_ptr[1:])
        assert self._up_idx is not None
        return self._up_idx[self._up_ptr[idx] : self._up_ptr[idx + 1]]

    def reach_coords(self, idx: int) -> np.ndarray:
        """(n, 2) lon/lat vertices of a reach in flow direction."""
        s, e = self.vertex_offsets[idx], self.vertex_offsets[idx + 1]
        return np.column_stack((self.lon[s:e], self.lat[s:e]))

    # ------------------------------------------------------------------ geometry
    def point_at(self, reach_idx: int, measure: float) -> tuple[float, float]:
        """Lon/lat at ``measure`` (0..1 of geodesic length) along a reach.

        Within one segment the position is interpolated linearly in lon/lat by geodesic
        fraction; for segments of a few km the error is far below a metre.
        """
        s, e = int(self.vertex_offsets[reach_idx]), int(self.vertex_offsets[reach_idx + 1])
        cum = self.cum_m[s:e]
        target = min(max(measure, 0.0), 1.0) * cum[-1]
        k = int(np.searchsorted(cum, target, side="right")) - 1
        k = min(max(k, 0), e - s - 2)
        span = cum[k + 1] - cum[k]
        frac = 0.0 if span <= 0 else (target - cum[k]) / span
        lon = self.lon[s + k] + frac * (self.lon[s + k + 1] - self.lon[s + k])
        lat = self.lat[s + k] + frac * (self.lat[s + k + 1] - self.lat[s + k])
        return float(lon), float(lat)

    def segment_geometry(self, seg: PathSegment) -> list[tuple[float, float]]:
        """Sub-line of a path segment (lon/lat, flow direction) for the path GeoJSON."""
        i = seg.reach_idx
        s, e = int(self.vertex_offsets[i]), int(self.vertex_offsets[i + 1])
        cum = self.cum_m[s:e]
        a, b = seg.from_measure * cum[-1], seg.to_measure * cum[-1]
        inner = np.flatnonzero((cum > a) & (cum < b))
        pts = [self.point_at(i, seg.from_measure)]
        pts.extend(zip(self.lon[s + inner].tolist(), self.lat[s + inner].tolist(), strict=True))
        pts.append(self.point_at(i, seg.to_measure))
        return pts

    # ------------------------------------------------------------------ snapping
    def spatial_index(self) -> shapely.STRtree:
        """Spatial index over reach lines, built on first use (vectorised)."""
        if self._tree is None:
            nv = np.diff(self.vertex_offsets)
            owner = np.repeat(np.arange(len(self.codes), dtype=np.int64), nv)
            self._geoms = shapely.linestrings(np.column_stack((self.lon, self.lat)), indices=owner)
            self._tree = shapely.STRtree(self._geoms)
        return self._tree

    def _nearest_on(self, cand: np.ndarray, lon: float, lat: float) -> tuple[int, int, float]:
        """Among candidate reaches, the (reach, segment start vertex, t) nearest the point.

        Pre-selects in a local equirectangular frame (exact enough at a few km), then
        confirms the best few geodesically.
        """
        off = self.vertex_offsets
        starts = off[cand]
        nseg = off[cand + 1] - starts - 1
        owner = np.repeat(cand, nseg)
        first = np.repeat(starts - np.concatenate(([0], np.cumsum(nseg)[:-1])), nseg)
        v0 = first + np.arange(owner.size)
        kx = math.cos(lat * _DEG) * _EARTH_RADIUS_M * _DEG
        ky = _EARTH_RADIUS_M * _DEG
        ax = (self.lon[v0] - lon) * kx
        ay = (self.lat[v0] - lat) * ky
        bx = (self.lon[v0 + 1] - lon) * kx
        by = (self.lat[v0 + 1] - lat) * ky
        dx, dy = bx - ax, by - ay
        l2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(l2 > 0, -(ax * dx + ay * dy) / l2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        px, py = ax + t * dx, ay + t * dy
        d2 = px * px + py * py
        top = np.argsort(d2)[:8]
        plon = lon + px[top] / kx
        plat = lat + py[top] / ky
        _, _, dg = GEOD.inv(np.full(top.size, lon), np.full(top.size, lat), plon, plat)
        b = int(top[int(np.argmin(dg))])
        return int(owner[b]), int(v0[b]), float(t[b])

    def snap(self, lon: float, lat: float, max_offset_m: float = DEFAULT_MAX_OFFSET_M) -> Snap:
        """Nearest reach to a point, the geodesic measure along it and the offset.

        Raises :class:`TooFarFromRiver` (naming the nearest river and its distance) when
        the nearest reach is farther than ``max_offset_m``.
        """
        if len(self.codes) == 0:
            raise TooFarFromRiver(None, math.inf, max_offset_m)
        tree = self.spatial_index()
        pt = shapely.Point(lon, lat)
        # a degree radius that surely contains every reach within max_offset_m
        coslat = max(math.cos(lat * _DEG), 1e-3)
        radius_deg = max_offset_m / (111_000.0 * coslat) * 1.05 + 1e-9
        cand = tree.query(pt, predicate="dwithin", distance=radius_deg)
        if cand.size == 0:
            nearest = tree.query_nearest(pt, return_distance=True, all_matches=False)
            planar = float(nearest[1][0])
            cand = tree.query(pt, predicate="dwithin", distance=planar / coslat * 1.05 + 1e-9)
        ridx, v0, t = self._nearest_on(np.asarray(cand, dtype=np.int64), lon, lat)
        plon = self.lon[v0] + t * (self.lon[v0 + 1] - self.lon[v0])
        plat = self.lat[v0] + t * (self.lat[v0 + 1] - self.lat[v0])
        _, _, offset = GEOD.inv(lon, lat, plon, plat)
        if offset > max_offset_m:
            raise TooFarFromRiver(self.river_code(ridx), offset, max_offset_m)
        _, _, part = GEOD.inv(self.lon[v0], self.lat[v0], plon, plat)
        along = float(self.cum_m[v0] + part)
        drawn = float(self.drawn_m[ridx])
        measure = 0.0 if drawn <= 0 else min(max(along / drawn, 0.0), 1.0)
        length = float(self.length_m[ridx])
        return Snap(
            reach_idx=ridx,
            reach_code=self.codes[ridx],
            river_code=self.river_code(ridx),
            measure=measure,
            offset_m=float(offset),
            lon=float(plon),
            lat=float(plat),
            along_m=measure * length,
        )

    # ------------------------------------------------------------------ tracing
    def trace_downstream(
        self, reach_idx: int, measure: float = 0.0, max_length_m: float | None = None
    ) -> TracePath:
        """Follow downstream links from a point to the network end or ``max_length_m``.

        Returns a :class:`TracePath`, a read-only sequence of :class:`PathSegment`
        (segments are materialised on access, so a 1,000 km trace costs well under a
        millisecond). Raises :class:`NetworkCycleError` if the links loop back (broken
        data) instead of running forever.
        """
        down, lens = self._down, self._len
        limit = math.inf if max_length_m is None else float(max_length_m)
        reaches: list[int] = []
        starts: list[float] = []
        seen: set[int] = set()
        i, m0 = int(reach_idx), min(max(float(measure), 0.0), 1.0)
        done = 0.0
        first = m0
        while True:
            if i in seen:
                raise NetworkCycleError(self.codes[i])
            seen.add(i)
            reaches.append(i)
            starts.append(done)
            length = lens[i]
            rest = (1.0 - m0) * length
            if done + rest >= limit and length > 0:
                return TracePath(self, reaches, starts, first, m0 + (limit - done) / length, limit)
            done += rest
            j = down[i]
            if j < 0:
                return TracePath(self, reaches, starts, first, 1.0, done)
            i, m0 = j, 0.0

    def confluences_along(self, path: Sequence[PathSegment]) -> list[Confluence]:
        """Every inflow joining a traced path, with the river km of the junction.

        A junction is the upstream end of a path reach that has other reaches flowing in
        besides the previous path reach. ``joining_discharge_m3s`` is the mean discharge
        of the inflowing reach (apply season factors as needed).
        """
        out: list[Confluence] = []
        for prev, seg in itertools.pairwise(path):
            i = seg.reach_idx
            if self.n_upstream[i] < 2:
                continue
            lon, lat = (
                float(self.lon[self.vertex_offsets[i]]),
                float(self.lat[self.vertex_offsets[i]]),
            )
            for u in self.upstream_of(i).tolist():
                if u == prev.reach_idx:
                    continue
                out.append(
                    Confluence(
                        river_km=seg.from_km,
                        reach_idx=i,
                        reach_code=seg.reach_code,
                        receiving_river_code=seg.river_code,
                        path_river_code=prev.river_code,
                        joining_reach_idx=u,
                        joining_reach_code=self.codes[u],
                        joining_river_code=self.river_code(u),
                        joining_discharge_m3s=float(self.discharge_m3s[u]),
                        path_discharge_m3s=float(self.discharge_m3s[prev.reach_idx]),
                        lon=lon,
                        lat=lat,
                    )
                )
        return out
