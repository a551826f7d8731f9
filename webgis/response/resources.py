"""Rank depots and rescue teams by whether they reach an interception point before the plume.

Road travel time is an *estimate*: geodesic distance × a road circuity factor / a mean
speed. Circuity 1.4 is a typical road-network detour ratio for rural China and
mountainous terrain (Ballou et al. 2002 report 1.2–1.6 by region; Gansu's valleys sit at
the upper end); 50 km/h is a mean emergency-convoy speed on mixed provincial roads.
Both are parameters; the output says ``estimate``.

One ranking API: :meth:`ResourcePool.assign` (a pool per dataset, or built for a one-off
ranking), giving :class:`Assignment` rows; :func:`useful_flags` marks the head to draw.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import numpy as np
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")
DEFAULT_CIRCUITY = 1.4
DEFAULT_SPEED_KMH = 50.0
# Which ranked depots/teams are "useful" (drawn on the map, listed first): those that reach
# their interception point before the worst-case plume, at most USEFUL_MAX of them (a duty
# officer dispatches a handful in the first hour; more lines hide the river), and never
# fewer than USEFUL_MIN when any has a target (the nearest late ones still help downstream).
USEFUL_MAX = 5
USEFUL_MIN = 3


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
    materials: Sequence[MaterialStock | tuple[Any, ...]] = ()
    extra: dict[str, Any] = field(default_factory=dict)


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


def serving_materials(
    materials: Sequence[MaterialStock | tuple[Any, ...]], pclass: str
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


class ResourcePool:
    """Origins prepared once for ranking many times (one per dataset in the analysis).

    What does not change between analyses is computed once: the serving materials of each
    origin per pollutant class (on first use of the class), and the geodesic distance from
    every origin to every known point (the dataset's interception points), all in one
    ``Geod.inv``. A target elsewhere is measured on the fly and not kept. The floats are
    the same as measuring every pair per call: ``Geod.inv`` works pair by pair.
    """

    def __init__(
        self, origins: Sequence[ResourceOrigin], points: Iterable[tuple[float, float]] = ()
    ) -> None:
        self.origins = list(origins)
        self._serving: dict[str, list[list[MaterialStock]]] = {}
        known = list(dict.fromkeys(points))
        self._km: dict[tuple[float, float], list[float]] = dict(
            zip(known, self._measure(known), strict=True)
        )

    def serving(self, pollutant_class: str) -> list[list[MaterialStock]]:
        """Per origin, :func:`serving_materials` for the class (cached; do not mutate)."""
        mats = self._serving.get(pollutant_class)
        if mats is None:
            mats = [serving_materials(o.materials, pollutant_class) for o in self.origins]
            self._serving[pollutant_class] = mats
        return mats

    def straight_km(self, points: Sequence[tuple[float, float]]) -> list[list[float]]:
        """Per point, the geodesic km from every origin (a known point's list is the
        table's own: read it, do not change it)."""
        found = [self._km.get(p) for p in points]
        missing = [p for p, c in zip(points, found, strict=True) if c is None]
        if not missing:
            return cast(list[list[float]], found)
        measured = dict(zip(missing, self._measure(missing), strict=True))
        return [measured[p] if c is None else c for p, c in zip(points, found, strict=True)]

    def _measure(self, points: Sequence[tuple[float, float]]) -> list[list[float]]:
        """Geodesic km from every origin to each point, as one list per point."""
        if not points or not self.origins:
            return [[] for _ in points]
        n_o, n_p = len(self.origins), len(points)
        o_lon = np.tile(np.array([o.lon for o in self.origins], dtype=np.float64), n_p)
        o_lat = np.tile(np.array([o.lat for o in self.origins], dtype=np.float64), n_p)
        p_lon = np.repeat(np.array([p[0] for p in points], dtype=np.float64), n_o)
        p_lat = np.repeat(np.array([p[1] for p in points], dtype=np.float64), n_o)
        _, _, dist = _GEOD.inv(o_lon, o_lat, p_lon, p_lat)
        km: list[list[float]] = (dist.reshape(n_p, n_o) / 1000.0).tolist()
        return km

    def assign(
        self,
        targets: Sequence[Target],
        pollutant_class: str,
        circuity: float = DEFAULT_CIRCUITY,
        speed_kmh: float = DEFAULT_SPEED_KMH,
        *,
        require_materials: bool = False,
    ) -> list[Assignment]:
        """For each origin the first (most upstream) target it reaches before the plume.

        If it reaches none in time, the target it reaches with the least lateness. Ranked
        feasible first, then by travel time. ``require_materials`` drops depots left with
        no serving material (use it for depots, not for teams). The plume's arrival is
        each target's ``plume_arrival_h``: the analysis passes the worst-case (earliest)
        leading edge, so "before the plume" holds in the worst case. The one ranking of
        the module: light tuples that share the pool's materials lists (read them)."""
        if circuity < 1 or speed_kmh <= 0:
            raise ValueError("circuity must be ≥ 1 and speed_kmh > 0")
        order = sorted(
            targets,
            key=lambda t: (
                t.river_km if t.river_km is not None else math.inf,
                math.inf if t.plume_arrival_h is None else t.plume_arrival_h,
            ),
        )
        arrival = [math.inf if t.plume_arrival_h is None else t.plume_arrival_h for t in order]
        cols = self.straight_km([(t.lon, t.lat) for t in order])
        rows = list(zip(*cols, strict=True)) if cols else [()] * len(self.origins)  # per origin
        out: list[Assignment] = []
        for o, mats, km in zip(self.origins, self.serving(pollutant_class), rows, strict=True):
            if require_materials and not mats:
                continue
            pick = _pick(km, arrival, circuity, speed_kmh)
            if pick is None:
                out.append(Assignment(o, mats, None, math.nan, math.nan, math.nan, False, None))
                continue
            j, in_time = pick
            straight = km[j]
            travel = straight * circuity / speed_kmh
            slack = arrival[j] - travel
            out.append(Assignment(o, mats, order[j], straight * circuity, straight, travel,
                                  in_time, None if math.isinf(slack) else slack))
        out.sort(
            key=lambda a: (
                not a.arrives_before_plume,
                a.target is None or a.target.code is None,
                a.travel_h if not math.isnan(a.travel_h) else math.inf,
            )
        )
        return out


class Assignment(NamedTuple):
    """An origin and the target it should serve, as :meth:`ResourcePool.assign` ranks them.

    ``target`` None: there was no target (the distances are NaN). ``materials`` is the
    pool's list of the origin's serving materials: read it, do not change it.
    """

    origin: ResourceOrigin
    materials: list[MaterialStock]
    target: Target | None
    distance_km: float
    straight_km: float
    travel_h: float
    arrives_before_plume: bool
    slack_h: float | None

    @property
    def code(self) -> str:
        """The origin's code."""
        return self.origin.code

    @property
    def name(self) -> str:
        """The origin's name."""
        return self.origin.name

    @property
    def target_code(self) -> str | None:
        """The code of the target it should serve (None: no target)."""
        return None if self.target is None else self.target.code

    @property
    def target_name(self) -> str | None:
        """The name of the target it should serve (None: no target)."""
        return None if self.target is None else self.target.name

    @property
    def extra(self) -> dict[str, Any]:
        """The origin's details (a team's specialities...): read them."""
        return self.origin.extra


def useful_flags(ranked: Sequence[Any], max_n: int = USEFUL_MAX,
                 min_n: int = USEFUL_MIN) -> list[bool]:
    """Per row of a ranking (:meth:`ResourcePool.assign` order),
    whether it is one of the useful ones: a row with a target, among the first ``max_n``,
    that arrives before the plume or is among the first ``min_n`` with a target.

    The ranking puts the rows in time first, by travel time, so the useful rows are its
    head: the others stay in the list, collapsed, and are not drawn.
    """
    out: list[bool] = []
    n = 0
    for row in ranked:
        ok = (row.target_code is not None and n < max_n
              and (bool(row.arrives_before_plume) or n < min_n))
        out.append(ok)
        n += ok
    return out


def _pick(
    km: Sequence[float], arrival: Sequence[float], circuity: float, speed_kmh: float
) -> tuple[int, bool] | None:
    """(target index, in time) for one origin over targets ordered upstream first.

    The first target with positive slack; else the least late one: the first strictly
    larger slack wins, so a NaN slack (no comparable arrival) never wins nor gets
    replaced. None when there are no targets. A few origins × a few targets: plain
    floats beat numpy's per-call overhead here.
    """
    late, late_slack = -1, math.nan
    for j, straight in enumerate(km):
        slack = arrival[j] - straight * circuity / speed_kmh
        if slack > 0:
            return j, True
        if late < 0 or slack > late_slack:
            late, late_slack = j, slack
    return None if late < 0 else (late, False)
