"""Building a :class:`~webgis.hydro.network.RiverNetwork`: reach rows to compact
columns, downstream links resolved by code, the arrays checked, geodesic lengths.

Plain-double arrays and interned strings keep a 10^6-reach build well under 1 GB.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyproj import Geod

from webgis.hydro.errors import NetworkDataError
from webgis.hydro.paths import ReachInput

GEOD = Geod(ellps="WGS84")


def _doubles() -> array[float]:
    return array("d")


def _ints() -> array[int]:
    return array("i")


# ReachInput attribute -> from_arrays keyword, for the optional per-reach floats
FLOAT_COLUMNS: dict[str, str] = {
    "discharge_m3s": "discharge_m3s", "factor_dry": "factor_dry",
    "factor_normal": "factor_normal", "factor_flood": "factor_flood",
    "volume_m3": "volume_m3", "velocity_mps": "velocity_mps", "width_m": "width_m",
    "depth_m": "depth_m", "slope": "slope", "active_share": "active_share",
    "length_m": "length_m",
}


@dataclass
class ReachColumns:
    """Reach rows read into columns (``None`` optional values as NaN; strings as indices
    into small tables of distinct values)."""

    codes: list[str] = field(default_factory=list)
    downs: list[str | None] = field(default_factory=list)
    nvert: array[int] = field(default_factory=lambda: array("q"))
    flat: array[float] = field(default_factory=_doubles)
    floats: dict[str, array[float]] = field(default_factory=lambda: {
        k: array("d") for k in FLOAT_COLUMNS})
    res: array[int] = field(default_factory=lambda: array("b"))
    indices: dict[str, array[int]] = field(default_factory=lambda: {
        k: array("i") for k in ("river", "end", "province", "reservoir")})
    tables: dict[str, dict[str | None, int]] = field(default_factory=lambda: {
        "river": {}, "end": {}, "province": {}, "reservoir": {None: 0}})


def read_reaches(reaches: Iterable[ReachInput]) -> ReachColumns:
    """One pass over the rows into :class:`ReachColumns` (spelled out: this loop runs once
    per reach of a national network)."""
    nan = math.nan
    c = ReachColumns()
    chain = itertools.chain.from_iterable
    codes, downs, nvert, flat, res = c.codes, c.downs, c.nvert, c.flat, c.res
    f = c.floats
    q, fd, fn, ff = f["discharge_m3s"], f["factor_dry"], f["factor_normal"], f["factor_flood"]
    vol, vel, wid, dep = f["volume_m3"], f["velocity_mps"], f["width_m"], f["depth_m"]
    slo, share, hyd = f["slope"], f["active_share"], f["length_m"]
    riv_i, end_i = c.indices["river"], c.indices["end"]
    prov_i, resn_i = c.indices["province"], c.indices["reservoir"]
    riv_t, end_t = c.tables["river"], c.tables["end"]
    prov_t, resn_t = c.tables["province"], c.tables["reservoir"]
    for r in reaches:
        codes.append(r.code)
        downs.append(r.downstream_code)
        coords = r.coords
        nvert.append(len(coords))
        flat.extend(chain(coords))
        q.append(nan if r.discharge_m3s is None else r.discharge_m3s)
        fd.append(nan if r.factor_dry is None else r.factor_dry)
        fn.append(nan if r.factor_normal is None else r.factor_normal)
        ff.append(nan if r.factor_flood is None else r.factor_flood)
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
    return c


def resolve_downstream(codes: list[str], downs: list[str | None]
                       ) -> tuple[dict[str, int], np.ndarray]:
    """(code -> index, downstream index per reach, -1 = none); refuses duplicate codes
    and unknown downstream codes."""
    index = {c: i for i, c in enumerate(codes)}
    if len(index) != len(codes):
        dup = next(c for c, k in itertools.groupby(sorted(codes)) if len(list(k)) > 1)
        raise NetworkDataError(f"duplicate reach code {dup}")
    get = index.get
    down = np.array([-1 if dc is None else get(dc, -2) for dc in downs], dtype=np.int32)
    if (down == -2).any():
        i = int(np.argmax(down == -2))
        raise NetworkDataError(f"reach {codes[i]}: unknown downstream_code {downs[i]}")
    return index, down


def from_arrays_arguments(c: ReachColumns, down: np.ndarray) -> dict[str, Any]:
    """The keyword arguments of ``RiverNetwork.from_arrays`` for the columns."""
    xy = np.frombuffer(c.flat, dtype=np.float64).reshape(-1, 2)
    offsets = np.zeros(len(c.codes) + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(c.nvert, dtype=np.int64), out=offsets[1:])

    def ints(key: str) -> np.ndarray:
        return np.frombuffer(c.indices[key], dtype=np.int32).copy()

    return {
        "codes": c.codes,
        "river_index": ints("river"),
        "rivers": list(c.tables["river"]),
        "downstream": down,
        "vertex_offsets": offsets,
        "lon": xy[:, 0].copy(),
        "lat": xy[:, 1].copy(),
        **{kw: np.frombuffer(c.floats[k], dtype=np.float64).copy()
           for k, kw in FLOAT_COLUMNS.items()},
        "is_reservoir": np.frombuffer(c.res, dtype=np.int8).astype(bool),
        "end_kind_index": ints("end"),
        "end_kinds": list(c.tables["end"]),
        "province_index": ints("province"),
        "provinces": list(c.tables["province"]),
        "reservoir_index": ints("reservoir"),
        "reservoir_names": list(c.tables["reservoir"]),
    }


def check_arrays(codes: list[str], offsets: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                 down: np.ndarray, q: np.ndarray) -> None:
    """Refuse arrays that do not make a network (naming the reach where there is one)."""
    n = len(codes)
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
    if n and not (np.isfinite(q).all() and q.min() > 0):
        bad = int(np.argmax(~(q > 0)))
        raise NetworkDataError(f"reach {codes[bad]}: discharge_m3s must be > 0")


def reach_lengths(lon: np.ndarray, lat: np.ndarray, offsets: np.ndarray,
                  length_m: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cumulative geodesic m at every vertex from its reach's start, drawn length of
    every reach, hydraulic length: ``length_m`` where given and > 0, else drawn)."""
    n = offsets.size - 1
    nv = np.diff(offsets)
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
    return cum, drawn, length


def per_reach(v: np.ndarray | float | None, fill: float, n: int) -> np.ndarray:
    """A per-reach float column (``None``: ``fill`` everywhere; a scalar broadcast)."""
    if v is None:
        return np.full(n, fill, dtype=np.float64)
    return np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)).copy()


def season_factors(n: int, dry: np.ndarray | float, normal: np.ndarray | float,
                   flood: np.ndarray | float) -> dict[str, np.ndarray]:
    """Discharge factor per season and reach (each finite and > 0)."""
    factors = {"dry": per_reach(dry, 1.0, n), "normal": per_reach(normal, 1.0, n),
               "flood": per_reach(flood, 1.0, n)}
    for name, arr in factors.items():
        if n and not (np.isfinite(arr).all() and arr.min() > 0):
            raise NetworkDataError(f"factor_{name} must be > 0")
    return factors


def reservoirs(n: int, codes: list[str], is_reservoir: np.ndarray | None,
               volume_m3: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(is reservoir, volume m³) per reach; every reservoir needs a volume > 0."""
    res = np.zeros(n, dtype=bool) if is_reservoir is None else np.asarray(is_reservoir, bool)
    vol = per_reach(volume_m3, np.nan, n)
    if n and res.any() and not (vol[res] > 0).all():
        bad = int(np.flatnonzero(res & ~(vol > 0))[0])
        raise NetworkDataError(f"reach {codes[bad]}: a reservoir needs volume_m3 > 0")
    return res, vol
