"""The stations a plume is reported at: receptors on the traced path, the confluences it
passes and the province borders it crosses, each with its limit and the limit's basis."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from webgis.hydro.inputs import PollutantInput, ReceptorInput
from webgis.hydro.limits import LimitBasis, default_limit_mgl, limit_and_basis
from webgis.hydro.network import PathSegment, RiverNetwork

OWN_LIMIT_BASIS: LimitBasis = ("接收点数据中的限值", "the receptor's own limit (data)")


@dataclass(frozen=True, slots=True)
class Station:
    """A point on the traced path where the plume is reported (km from the spill)."""

    kind: str
    code: str
    name: str
    reach_code: str
    river_code: str
    km: float
    lon: float
    lat: float
    limit: float | None
    extra: Mapping[str, Any]
    basis: LimitBasis | None = None
    # a receptor's measure on its reach (None: generated from the network)
    measure: float | None = None


@dataclass(frozen=True, slots=True)
class StationContext:
    """What places stations on a path, the same for every path of one run."""

    network: RiverNetwork
    receptors: Sequence[ReceptorInput]
    pollutant: PollutantInput
    season: str
    river_names: Mapping[str, str]
    province_names: Mapping[str, str]
    province_boundaries: bool


def stations_on(ctx: StationContext, path: Sequence[PathSegment], total_km: float
                ) -> list[Station]:
    """Receptors, confluences and (optionally) province crossings on ``path`` up to
    ``total_km``, upstream first, every default limit with its basis."""
    found = locate_receptors(ctx.network, path, ctx.receptors, ctx.pollutant)
    found += confluence_stations(ctx.network, path, ctx.pollutant, ctx.season,
                                 ctx.river_names)
    if ctx.province_boundaries:
        found += province_crossings(ctx.network, path, ctx.pollutant, ctx.province_names)
    found = [s for s in found if s.km <= total_km + 1e-9]
    defaults: dict[str, tuple[float | None, LimitBasis | None]] = {}
    for k, s in enumerate(found):
        if s.basis is not None or s.limit is None:
            continue
        default = defaults.get(s.kind)
        if default is None:
            default = defaults[s.kind] = limit_and_basis(s.kind, ctx.pollutant)
        if s.limit == default[0]:
            found[k] = replace(s, basis=default[1])
    found.sort(key=lambda s: s.km)
    return found


def stations_on_prefix(stations: Sequence[Station], path: Sequence[PathSegment]
                       ) -> list[Station]:
    """:func:`stations_on` for ``path``, a prefix of the path ``stations`` were placed on
    whose last segment may end earlier (the horizon cut), read from them.

    Every station of the shorter path is one of the longer path's with the same values: a
    confluence or a crossing depends only on the segments' starts, a receptor on its
    segment's start and, on the last segment, its end. The order stays (a stable sort's
    subsequence is the stable sort of the subsequence)."""
    reaches = {s.reach_code for s in path}
    last = path[-1]
    total_km = last.to_km
    return [
        s for s in stations
        if s.reach_code in reaches and s.km <= total_km + 1e-9
        and (s.measure is None or s.reach_code != last.reach_code
             or s.measure <= last.to_measure + 1e-9)
    ]


# id(receptors) -> (the sequence, its items when indexed, {reach code: [(position, item)]})
_BY_REACH: dict[int, tuple[Sequence[ReceptorInput], tuple[ReceptorInput, ...],
                           dict[str, list[tuple[int, ReceptorInput]]]]] = {}
_BY_REACH_MAX = 8


def receptors_by_reach(receptors: Sequence[ReceptorInput]
                       ) -> dict[str, list[tuple[int, ReceptorInput]]]:
    """The receptors grouped by reach code, each with its position in ``receptors``.

    The same sequence (one per dataset) is passed to every analysis: its index is kept
    while the sequence holds the very same items (checked by identity on every call, so
    a list changed in place is indexed afresh, never read stale)."""
    got = _BY_REACH.get(id(receptors))
    if (got is not None and got[0] is receptors and len(got[1]) == len(receptors)
            and all(map(operator.is_, got[1], receptors))):
        return got[2]
    index: dict[str, list[tuple[int, ReceptorInput]]] = {}
    for k, r in enumerate(receptors):
        index.setdefault(r.reach_code, []).append((k, r))
    if len(_BY_REACH) >= _BY_REACH_MAX:
        _BY_REACH.clear()
    _BY_REACH[id(receptors)] = (receptors, tuple(receptors), index)
    return index


def locate_receptors(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    receptors: Sequence[ReceptorInput],
    pollutant: PollutantInput,
) -> list[Station]:
    """The receptors that lie on ``path`` (their reach traced and their measure within the
    traced part), at their km from the spill, in the order of ``receptors``."""
    index = receptors_by_reach(receptors)
    on_path: list[tuple[int, ReceptorInput, PathSegment]] = []
    for s in {s.reach_code: s for s in path}.values():
        on_path.extend((k, r, s) for k, r in index.get(s.reach_code, ()))
    on_path.sort(key=lambda x: x[0])
    defaults: dict[str, tuple[float | None, LimitBasis | None]] = {}
    out = []
    for _, r, s in on_path:
        if not (s.from_measure - 1e-9 <= r.measure <= s.to_measure + 1e-9):
            continue
        length = float(network.length_m[s.reach_idx])
        km = s.from_km + (r.measure - s.from_measure) * length / 1000.0
        limit: float | None
        basis: LimitBasis | None
        if r.limit_mgl is not None:
            limit, basis = r.limit_mgl, OWN_LIMIT_BASIS
        else:
            default = defaults.get(r.kind)
            if default is None:
                default = defaults[r.kind] = limit_and_basis(r.kind, pollutant)
            limit, basis = default
        out.append(
            Station(r.kind, r.code, r.name, r.reach_code, s.river_code, max(km, 0.0),
                    r.lon, r.lat, limit, dict(r.extra), basis, r.measure)
        )
    return out


def confluence_stations(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    pollutant: PollutantInput,
    season: str,
    river_names: Mapping[str, str],
) -> list[Station]:
    """The confluences found on the network along ``path``, with the discharges before,
    from the joining river and after (the dilution the plume gets there)."""
    out = []
    factor = network.season_factor[season]
    limit = default_limit_mgl("confluence", pollutant)
    position = {s.reach_idx: k for k, s in enumerate(path)}
    for c in network.confluences_along(path):
        changes = c.path_river_code != c.receiving_river_code
        trib = c.path_river_code if changes else c.joining_river_code
        prev = path[position[c.reach_idx] - 1]
        q_before = float(network.discharge_m3s[prev.reach_idx] * factor[prev.reach_idx])
        q_after = float(network.discharge_m3s[c.reach_idx] * factor[c.reach_idx])
        q_join = float(c.joining_discharge_m3s * factor[c.joining_reach_idx])
        name = (
            f"{river_names.get(trib, trib)} → "
            f"{river_names.get(c.receiving_river_code, c.receiving_river_code)}"
        )
        out.append(
            Station(
                "confluence",
                f"CONF-{c.reach_code}-{c.joining_reach_code}",
                name,
                c.reach_code,
                c.receiving_river_code,
                c.river_km,
                c.lon,
                c.lat,
                limit,
                {
                    "joining_river_code": c.joining_river_code,
                    "joining_reach_code": c.joining_reach_code,
                    "receiving_river_code": c.receiving_river_code,
                    "path_river_code": c.path_river_code,
                    "joining_discharge_m3s": q_join,
                    "discharge_before_m3s": q_before,
                    "discharge_after_m3s": q_after,
                    "dilution_factor": min(q_before / q_after, 1.0) if q_after > 0 else 1.0,
                },
            )
        )
    return out


def province_crossings(
    network: RiverNetwork,
    path: Sequence[PathSegment],
    pollutant: PollutantInput,
    province_names: Mapping[str, str],
) -> list[Station]:
    """A ``boundary`` station wherever consecutive path segments lie in different
    provinces (from the reaches' ``province``)."""
    out = []
    for a, b in zip(path, path[1:], strict=False):
        pa, pb = network.province(a.reach_idx), network.province(b.reach_idx)
        if pa is None or pb is None or pa == pb:
            continue
        lon, lat = network.point_at(b.reach_idx, b.from_measure)
        na, nb = province_names.get(pa, pa), province_names.get(pb, pb)
        out.append(
            Station(
                "boundary",
                f"BND-{pa}-{pb}",
                f"{na} → {nb}",
                b.reach_code,
                b.river_code,
                b.from_km,
                lon,
                lat,
                default_limit_mgl("boundary", pollutant),
                {
                    "level": "province",
                    "from_adcode": pa,
                    "to_adcode": pb,
                    "from_name": na,
                    "to_name": nb,
                },
            )
        )
    return out
