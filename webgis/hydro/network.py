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
from typing import Any, cast, overload

import numpy as np
import shapely
from pyproj import Geod

from webgis.hydro.errors import NetworkCycleError, NetworkDataError, TooFarFromRiver

GEOD = Geod(ellps="WGS84")
# Mean Earth radius (IUGG, m), used only for the local equirectangular pre-selection of
# the nearest segment; the reported offsets and measures are geodesic.
_EARTH_RADIUS_M = 6_371_008.8
_DEG = math.pi / 180.0

DEFAULT_MAX_OFFSET_M = 5_000.0


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
        # plain-double arrays and interned strings keep a 10^6-reach build well under 1 GB
        nan = math.nan
        codes: list[str] = []
        downs: list[str | None] = []
        nvert = array("q")
        flat = array("d")
        q, fd, fn, ff = array("d"), array("d"), array("d"), array("d")
        vol, vel, wid, dep, slo, share, hyd = (array("d") for _ in range(7))
        res = array("b")
        riv_i, end_i, prov_i, resn_i = array("i"), array("i"), array("i"), array("i")
        resn_t: dict[str | None, int] = {None: 0}
        riv_t: dict[str | None, int] = {}
        end_t: dict[str | None, int] = {}
        prov_t: dict[str | None, int] = {}
        chain = itertools.chain.from_iterable
        for r in reaches:
            codes.append(r.code)
            downs.append(r.downstream_code)
            coords = r.coords
            nvert.append(len(coords))
            flat.extend(chain(coords))
            q.append(r.discharge_m3s)
            fd.append(r.factor_dry)
            fn.append(r.factor_normal)
            ff.append(r.factor_flood)
            res.append(bool(r.is_reservoir))
            vol.append(nan if r.volume_m3 is None else r.volume_m3)
            vel.append(nan if r.velocity_mps is None else r.velocity_mps)
            wid.append(nan if r.width_m is None else r.width_m)
            dep.append(nan if r.depth_m is None else r.depth_m)
            slo.append(nan if r.slope is None else r.slope)
            share.append(nan if r.active_share is None else r.active_share)
            hyd.append(nan if r.length_m is None else r.length_m)
            riv_i.append(riv_t.setdefault(r.river_code, len(riv_t)))
            end_i.append(end_t.setdefault(r.end_kind, len(end_t)))
            prov_i.append(prov_t.setdefault(r.province, len(prov_t)))
            resn_i.append(resn_t.setdefault(r.reservoir_name if r.is_reservoir else None,
                                            len(resn_t)))
        index = {c: i for i, c in enumerate(codes)}
        if len(index) != len(codes):
            dup = next(c for c, k in itertools.groupby(sorted(codes)) if len(list(k)) > 1)
            raise NetworkDataError(f"duplicate reach code {dup}")
        get = index.get
        down_list = [-1 if dc is None else get(dc, -2) for dc in downs]
        down = np.array(down_list, dtype=np.int32)
        if (down == -2).any():
            i = int(np.argmax(down == -2))
            raise NetworkDataError(f"reach {codes[i]}: unknown downstream_code {downs[i]}")
        del downs, down_list
        xy = np.frombuffer(flat, dtype=np.float64).reshape(-1, 2)
        offsets = np.zeros(len(codes) + 1, dtype=np.int64)
        np.cumsum(np.frombuffer(nvert, dtype=np.int64), out=offsets[1:])

        def arr(a: array[float]) -> np.ndarray:
            return np.frombuffer(a, dtype=np.float64).copy()

        net = cls.from_arrays(
            codes=codes,
            river_index=np.frombuffer(riv_i, dtype=np.int32).copy(),
            rivers=list(riv_t),
            downstream=down,
            vertex_offsets=offsets,
            lon=xy[:, 0].copy(),
            lat=xy[:, 1].copy(),
            discharge_m3s=arr(q),
            factor_dry=arr(fd),
            factor_normal=arr(fn),
            factor_flood=arr(ff),
            is_reservoir=np.frombuffer(res, dtype=np.int8).astype(bool),
            volume_m3=arr(vol),
            velocity_mps=arr(vel),
            width_m=arr(wid),
            depth_m=arr(dep),
            slope=arr(slo),
            active_share=arr(share),
            length_m=arr(hyd),
            end_kind_index=np.frombuffer(end_i, dtype=np.int32).copy(),
            end_kinds=list(end_t),
            province_index=np.frombuffer(prov_i, dtype=np.int32).copy(),
            provinces=list(prov_t),
            reservoir_index=np.frombuffer(resn_i, dtype=np.int32).copy(),
            reservoir_names=list(resn_t),
        )
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
        if offsets.shape != (n + 1,) or offsets[0] != 0 or offsets[-1] != lon.size:
            raise NetworkDataError("vertex_offsets do not match the coordinates")
        nv = np.diff(offsets)
        if n and nv.min() < 2:
            bad = int(np.argmax(nv < 2))
            raise NetworkDataError(f"reach {codes[bad]}: a reach needs at least 2 vertices")
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            raise NetworkDataError("non-finite coordinates")
        if down.shape != (n,) or (n and (down.min() < -1 or down.max() >= n)):
            raise NetworkDataError("downstream indices out of range")
        q = np.ascontiguousarray(discharge_m3s, dtype=np.float64)
        if n and not (np.isfinite(q).all() and q.min() > 0):
            bad = int(np.argmax(~(q > 0)))
            raise NetworkDataError(f"reach {codes[bad]}: discharge_m3s must be > 0")

        # geodesic length of every segment (pairs of consecutive vertices of one reach)
        seg_ok = np.ones(max(lon.size - 1, 0), dtype=bool)
        seg_ok[offsets[1:-1] - 1] = False  # pairs that straddle two reaches
        seg_len = np.zeros(lon.size, dtype=np.float64)
        if lon.size > 1:
            _, _, d = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
            seg_len[1:] = np.where(seg_ok, d, 0.0)
        cum = np.cumsum(seg_len)
        cum -= np.repeat(cum[offsets[:-1]], nv)  # restart at 0 on each reach's first vertex
        drawn = cum[offsets[1:] - 1].copy() if n else np.zeros(0)
        length = drawn.copy()
        if length_m is not None:
            hyd = np.broadcast_to(np.asarray(length_m, dtype=np.float64), (n,))
            given = np.isfinite(hyd) & (hyd > 0)
            length[given] = hyd[given]

        def full(v: np.ndarray | float | None, fill: float) -> np.ndarray:
            if v is None:
                return np.full(n, fill, dtype=np.float64)
            return np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)).copy()

        factors = {
            "dry": full(factor_dry, 1.0),
            "normal": full(factor_normal, 1.0),
            "flood": full(factor_flood, 1.0),
        }
        for name, arr in factors.items():
            if n and not (np.isfinite(arr).all() and arr.min() > 0):
                raise NetworkDataError(f"factor_{name} must be > 0")
        res = np.zeros(n, dtype=bool) if is_reservoir is None else np.asarray(is_reservoir, bool)
        vol = full(volume_m3, np.nan)
        if n and res.any() and not (vol[res] > 0).all():
            bad = int(np.flatnonzero(res & ~(vol > 0))[0])
            raise NetworkDataError(f"reach {codes[bad]}: a reservoir needs volume_m3 > 0")
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
            velocity_mps=full(velocity_mps, np.nan),
            width_m=full(width_m, np.nan),
            depth_m=full(depth_m, np.nan),
            slope=full(slope, np.nan),
            active_share=full(active_share, np.nan),
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
    def _strtree(self) -> shapely.STRtree:
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
        tree = self._strtree()
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
