"""Rank depots and rescue teams by whether they reach an interception point before the plume.

Road travel time is an *estimate*: geodesic distance × a road circuity factor / a mean
speed. Circuity 1.4 is a typical road-network detour ratio for rural China and
mountainous terrain (Ballou et al. 2002 report 1.2–1.6 by region; Gansu's valleys sit at
the upper end); 50 km/h is a mean emergency-convoy speed on mixed provincial roads.
Both are parameters; the output says ``estimate``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")
DEFAULT_CIRCUITY = 1.4
DEFAULT_SPEED_KMH = 50.0


@dataclass(frozen=True, slots=True)
class MaterialStock:
    """A stocked material; ``serves_classes`` empty means general purpose."""

    code: str
    name: str
    quantity: float
    unit: str
    serves_classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResourceOrigin:
    """A depot (with materials) or a team (materials empty; specialities in ``extra``)."""

    code: str
    name: str
    lon: float
    lat: float
    materials: Sequence[MaterialStock | tuple] = ()
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Target:
    """An interception point on the path and when the plume gets there (hours).

    ``plume_arrival_h`` None means the plume does not reach it within the horizon.
    ``river_km`` orders targets from upstream to downstream (else arrival time does).
    """

    code: str
    name: str
    lon: float
    lat: float
    plume_arrival_h: float | None
    river_km: float | None = None


@dataclass(frozen=True, slots=True)
class RankedResource:
    """One origin with the interception point it should serve."""

    code: str
    name: str
    target_code: str | None
    target_name: str | None
    distance_km: float
    straight_km: float
    travel_h: float
    arrives_before_plume: bool
    slack_h: float | None
    materials: list[MaterialStock]
    estimate: bool = True
    extra: dict = field(default_factory=dict)


def serving_materials(
    materials: Sequence[MaterialStock | tuple], pclass: str
) -> list[MaterialStock]:
    """Materials in stock (quantity > 0) that serve ``pclass`` or are general purpose."""
    out = []
    for m in materials:
        if type(m) is not MaterialStock:
            m = m if isinstance(m, MaterialStock) else MaterialStock(*m)
        classes = m.serves_classes
        if type(classes) is not tuple:
            classes = tuple(classes or ())
        if m.quantity > 0 and (not classes or pclass in classes):
            out.append(m)
    return out


def rank_resources(
    origins: Sequence[ResourceOrigin],
    targets: Sequence[Target],
    pollutant_class: str,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    *,
    require_materials: bool = False,
) -> list[RankedResource]:
    """For each origin the first (most upstream) target it reaches before the plume.

    If it reaches none in time, the target it reaches with the least lateness. Ranked
    feasible first, then by travel time. ``require_materials`` drops depots left with no
    serving material (use it for depots, not for teams).
    """
    if circuity < 1 or speed_kmh <= 0:
        raise ValueError("circuity must be ≥ 1 and speed_kmh > 0")
    order = sorted(
        targets,
        key=lambda t: (
            t.river_km if t.river_km is not None else math.inf,
            math.inf if t.plume_arrival_h is None else t.plume_arrival_h,
        ),
    )
    kept: list[tuple[ResourceOrigin, list[MaterialStock]]] = []
    for o in origins:
        mats = serving_materials(o.materials, pollutant_class)
        if require_materials and not mats:
            continue
        kept.append((o, mats))
    picks = _picks([o for o, _ in kept], order, circuity, speed_kmh)
    out: list[RankedResource] = []
    for (o, mats), (best, late_best) in zip(kept, picks, strict=True):
        pick = best or late_best
        if pick is None:
            out.append(
                RankedResource(
                    o.code,
                    o.name,
                    None,
                    None,
                    math.nan,
                    math.nan,
                    math.nan,
                    False,
                    None,
                    mats,
                    True,
                    dict(o.extra),
                )
            )
            continue
        t, straight, travel, slack = pick
        out.append(
            RankedResource(
                code=o.code,
                name=o.name,
                target_code=t.code,
                target_name=t.name,
                distance_km=straight * circuity,
                straight_km=straight,
                travel_h=travel,
                arrives_before_plume=best is not None,
                slack_h=None if math.isinf(slack) else slack,
                materials=mats,
                extra=dict(o.extra),
            )
        )
    out.sort(
        key=lambda r: (
            not r.arrives_before_plume,
            r.target_code is None,
            r.travel_h if not math.isnan(r.travel_h) else math.inf,
        )
    )
    return out


def _picks(
    origins: Sequence[ResourceOrigin], order: Sequence[Target], circuity: float, speed_kmh: float
) -> list[tuple[tuple | None, tuple | None]]:
    """Per origin (first target reached before the plume, least-late target), each as
    (target, straight km, travel h, slack h) or None; ``order`` upstream first.

    All origin–target geodesics in one vectorised ``Geod.inv``; the per-pair arithmetic is
    the same as a scalar loop's (identical floats).
    """
    if not order or not origins:
        return [(None, None)] * len(origins)
    n_o, n_t = len(origins), len(order)
    o_lon = np.repeat(np.array([o.lon for o in origins], dtype=np.float64), n_t)
    o_lat = np.repeat(np.array([o.lat for o in origins], dtype=np.float64), n_t)
    t_lon = np.tile(np.array([t.lon for t in order], dtype=np.float64), n_o)
    t_lat = np.tile(np.array([t.lat for t in order], dtype=np.float64), n_o)
    _, _, dist = _GEOD.inv(o_lon, o_lat, t_lon, t_lat)
    straight = dist.reshape(n_o, n_t) / 1000.0
    travel = straight * circuity / speed_kmh
    arrival = np.array(
        [math.inf if t.plume_arrival_h is None else t.plume_arrival_h for t in order],
        dtype=np.float64,
    )
    slack = arrival[None, :] - travel
    feasible = slack > 0
    first = np.argmax(feasible, axis=1).tolist()
    has = feasible.any(axis=1).tolist()
    # the least late, as a scalar loop keeping the first strictly larger slack finds it:
    # the first maximum, where NaN slacks (no arrival time) never win nor get replaced
    nan = np.isnan(slack)
    late = np.where(nan[:, 0], 0, np.argmax(np.where(nan, -math.inf, slack), axis=1)).tolist()
    s_l, tr_l, sl_l = straight.tolist(), travel.tolist(), slack.tolist()
    out: list[tuple[tuple | None, tuple | None]] = []
    for i in range(n_o):
        j = first[i] if has[i] else late[i]
        pick = (order[j], s_l[i][j], tr_l[i][j], sl_l[i][j])
        out.append((pick, None) if has[i] else (None, pick))
    return out
