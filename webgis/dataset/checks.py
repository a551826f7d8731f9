"""`webgis check-data`: the network and linear references are sound.

Connectivity, no cycles, flow direction (each reach ends where its downstream reach
starts), dangling ends only where declared, every linearly referenced point within 500 m
of its own geometry, unique codes (already enforced on read), plans referring to existing
points. Pure: works on a `Dataset` read from files.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from webgis.dataset.read import GEOD, RECEPTOR_LAYERS, Dataset
from webgis.hydro.network import ReachInput, RiverNetwork

JOIN_TOLERANCE_M = 50.0
LINEAR_REF_TOLERANCE_M = 500.0
# a river's hydraulic length (sum of its reaches' length_m) may differ from the published
# length of its modelled course by at most this share
RIVER_LENGTH_TOLERANCE = 0.10


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def check_network(reaches: list[dict[str, Any]]) -> list[str]:
    """Topology problems of the reach network, one message each."""
    problems: list[str] = []
    by_code = {r["code"]: r for r in reaches}
    for r in reaches:
        down = r["downstream_code"]
        if down is None:
            if r["end_kind"] is None:
                problems.append(f"reach {r['code']}: dangling end (no downstream_code and no "
                                "end_kind outlet/terminal_lake)")
            continue
        d = by_code.get(down)
        if d is None:
            problems.append(f"reach {r['code']}: downstream {down} does not exist")
            continue
        gap = _distance_m(r["geom"].coords[-1], d["geom"].coords[0])
        if gap > JOIN_TOLERANCE_M:
            problems.append(f"reach {r['code']}: ends {gap:.0f} m from the start of its "
                            f"downstream reach {down} (flow direction or join broken)")
    # Cycles: follow downstream links with colouring.
    state: dict[str, int] = {}
    for start in by_code:
        path = []
        code = start
        while code is not None and code in by_code and state.get(code, 0) == 0:
            state[code] = 1
            path.append(code)
            code = by_code[code]["downstream_code"]
        if code is not None and state.get(code) == 1:
            problems.append(f"cycle through reaches: {' -> '.join(path[path.index(code):])}")
        for c in path:
            state[c] = 2
    return problems


def check_linear_refs(ds: Dataset) -> list[str]:
    """Every point on a reach lies within 500 m of its referenced position."""
    problems: list[str] = []
    reaches = ds.layers.get("reaches", [])
    if not reaches:
        return problems
    # The same network the analysis uses, so a position means the same thing in both.
    net = RiverNetwork.build(
        ReachInput(code=r["code"], river_code=r["river_code"], downstream_code=None,
                   coords=list(r["geom"].coords), discharge_m3s=r["discharge_m3s"])
        for r in reaches
    )
    for layer in RECEPTOR_LAYERS:
        for rec in ds.layers.get(layer, []):
            try:
                idx = net.index_of(rec["reach"])
            except KeyError:
                continue
            at = net.point_at(idx, rec["measure"])
            gap = _distance_m(at, (rec["geom"].x, rec["geom"].y))
            if gap > LINEAR_REF_TOLERANCE_M:
                problems.append(f"{layer} {rec['code']}: point is {gap:.0f} m from its position "
                                f"on {rec['reach']} at measure {rec['measure']:.3f} (max 500 m)")
    return problems


def check_rivers(ds: Dataset) -> list[str]:
    """Every river has reaches; every key river has a plan (when plans are present)."""
    problems = []
    with_reaches = {r["river_code"] for r in ds.layers.get("reaches", [])}
    rivers = ds.layers.get("rivers", [])
    if "reaches" in ds.layers:
        problems += [f"river {r['code']}: has no reaches" for r in rivers
                     if r["code"] not in with_reaches]
    if "plans" in ds.layers:
        planned = ds.codes("plans")
        problems += [f"river {r['code']}: key river without a plan" for r in rivers
                     if r["is_key"] and r["code"] not in planned]
    return problems


def check_river_lengths(ds: Dataset) -> list[str]:
    """Rivers with a published length of their modelled course are that long (±10 %).

    Schematic lines are 30–50 % shorter than the real rivers; a network whose hydraulic
    lengths were not scaled to the published ones puts interception points and intakes too
    close to a spill. ``modelled_length_km`` is the published length of the part of the
    river the network holds (the whole river, or e.g. the Wei down to Baoji).
    """
    total: dict[str, float] = {}
    for r in ds.layers.get("reaches", []):
        total[r["river_code"]] = total.get(r["river_code"], 0.0) + r["length_m"]
    problems = []
    for river in ds.layers.get("rivers", []):
        published = river.get("modelled_length_km")
        if not published or river["code"] not in total:
            continue
        km = total[river["code"]] / 1000.0
        if abs(km - published) > RIVER_LENGTH_TOLERANCE * published:
            problems.append(
                f"river {river['code']}: hydraulic length {km:.0f} km is "
                f"{(km / published - 1) * 100:+.0f} % off its published {published:g} km "
                f"(max ±{RIVER_LENGTH_TOLERANCE:.0%}; set reach length_m)")
    return problems


def check(ds: Dataset) -> tuple[list[str], list[str]]:
    """(problems, summary lines) for a dataset already read and reference-checked."""
    reaches = ds.layers.get("reaches", [])
    problems = (check_network(reaches) + check_linear_refs(ds) + check_rivers(ds)
                + check_river_lengths(ds))
    summary = [f"{layer:<20} {len(records)}" for layer, records in ds.layers.items()]
    ends = Counter(r["end_kind"] for r in reaches if r["downstream_code"] is None)
    if reaches:
        total_km = sum(r["length_m"] for r in reaches) / 1000
        summary.append(f"network: {len(reaches)} reaches, {total_km:.0f} km, ends {dict(ends)}")
    return problems, summary
