"""Upstream navigation: the river network above a point, by distance and travel time.

"Where could this have come from?" and "what upstream can reach this intake within 12 h?"
are the same question: the network *above* a point, limited along the river by a
distance and/or by a travel time for a season, with the linearly referenced features on
it (enterprises' outfalls, intakes, sections, interception points) and their distance and
travel time to the point. This module answers it with numpy only; the service layer
supplies the network and the features and turns the result into JSON or a map layer.

How it stays fast on a national network
---------------------------------------
Every reach has a single downstream reach, so the reaches above a reach form a tree. An
index built once per network (cached here, weakly keyed by the network object) orders
all reaches in *pre-order* of that upstream forest: the reaches above any reach are then
one contiguous slice ``order[pos[i] : pos[i] + size[i]]``. Distances and travel times
from the start point to every reach of the slice are sums over its reach's ancestors
within the slice, computed for the whole slice with one ``cumsum`` (the Euler-tour
prefix-sum trick: add a reach's length where its subtree starts, subtract it where its
subtree ends). The main stem is a chain walked through a per-reach "main upstream reach"
array chosen once per network.

Main stem
---------
At a confluence the main stem continues into the upstream reach of the *same river code*
as the reach below it; when none has that code (the data names no continuation, e.g. the
head of a named river fed by two differently coded streams) or several have it, the one
with the largest mean annual discharge (``discharge_m3s``) is taken, and the lowest reach
index among equal discharges, so the choice is reproducible.

Travel time and the safe side
-----------------------------
Travel time is the advective (plug-flow) time ``length / velocity`` with per-reach mean
velocities the caller supplies, normally :func:`season_velocities_mps` from the existing
hydraulics (:func:`webgis.hydro.hydraulics.hydraulics_arrays`: the season's discharge,
hydraulic geometry, measured velocities, and reservoirs as plug flow through their
active volume). For a warning — "how soon can something from upstream reach me", "which
enterprises can reach this intake within 12 h" — the safe side is the *shortest* travel
time, i.e. the fastest velocity: use ``case="worst"``, the same upper-envelope velocity
(``HydraulicParams.worst_velocity_factor``, ×1.5, and half the reservoir active share)
as the downstream worst case; a time limit then reaches farther upstream and includes
more features. (A source search needs both ends of a release window: the worst case
gives the shortest time, hence the latest possible release; the expected case the
central one; a slowest bound is not modelled here.) ``velocity_factor`` multiplies the
supplied velocities (e.g. a calibrated factor); do not apply the worst-case factor
twice. The leading edge of a dispersed plume runs ahead of the advective time; the
downstream forecast (``run_incident``) reports that leading edge for a concrete release.
This matters most in reservoirs: their velocity is the plug-flow passage of the active
volume (the *mean* residence time), while a mixed reservoir passes a first trace much
sooner. Rows and features whose way to the start crosses a reservoir are flagged
``via_reservoir``, so a caller never presents their time as a safe earliest arrival
without saying so.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from webgis.hydro.errors import HydroError, NetworkCycleError
from webgis.hydro.hydraulics import (
    DEFAULT_PARAMS,
    Case,
    HydraulicParams,
    Season,
    hydraulics_arrays,
)
from webgis.hydro.network import PathSegment, RiverNetwork, Snap
from webgis.hydro.upstream_index import UpIndex, ancestor_sums, upstream_index

# the downstream worst case's velocity factor, re-exported for callers that scale
# velocities themselves (one constant, defined in hydraulics.HydraulicParams)
WORST_VELOCITY_FACTOR = DEFAULT_PARAMS.worst_velocity_factor

_EPS_MEASURE = 1e-9


class UpstreamInputError(HydroError):
    """An argument of an upstream navigation is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")

    def to_dict(self) -> dict[str, Any]:
        """The message plus the offending field, as the API contract asks."""
        return {"error": str(self), "fields": {self.field: str(self).split(": ", 1)[1]}}


_VELOCITIES: weakref.WeakKeyDictionary[
    RiverNetwork, dict[tuple[str, str, HydraulicParams], np.ndarray]
] = weakref.WeakKeyDictionary()


def season_velocities_mps(
    network: RiverNetwork,
    season: Season | str = "normal",
    case: Case | str = "expected",
    params: HydraulicParams = DEFAULT_PARAMS,
) -> np.ndarray:
    """Mean velocity of every reach for a season and case, as the downstream model has it.

    Straight from :func:`~webgis.hydro.hydraulics.hydraulics_arrays` (so a season,
    measured velocities, reservoirs and the worst case mean exactly what they mean for
    the downstream forecast). ``case="worst"`` is the safe side for warnings (see the
    module docstring). Cached per network, season, case and params; the array is
    read-only.
    """
    per_net = _VELOCITIES.setdefault(network, {})
    key = (str(season), str(case), params)
    v = per_net.get(key)
    if v is None:
        v = hydraulics_arrays(network, np.arange(len(network)), season, case, params).velocity_mps
        v = np.ascontiguousarray(v, dtype=np.float64)
        v.setflags(write=False)
        per_net[key] = v
    return v


@dataclass(frozen=True, slots=True)
class UpstreamSegment:
    """One reach (or the part of it) on the upstream network, for JSON.

    ``from_*`` is the segment's upstream end, ``to_*`` its downstream end (flow
    direction, as in :class:`~webgis.hydro.network.PathSegment`); distances and travel
    times are to the start point, so ``from_distance_m >= to_distance_m``.
    """

    reach_idx: int
    reach_code: str
    river_code: str | None
    from_measure: float
    to_measure: float
    from_distance_m: float
    to_distance_m: float
    from_travel_h: float | None
    to_travel_h: float | None
    cut: bool
    via_reservoir: bool


@dataclass(frozen=True, slots=True)
class LinearFeature:
    """A linearly referenced feature: an outfall, intake, section, interception point."""

    code: str
    kind: str
    reach_idx: int
    measure: float


@dataclass(frozen=True, eq=False)
class FeatureSet:
    """Features with their reach indices and measures as arrays, built once for many
    navigations (e.g. every enterprise outfall of the reference data)."""

    features: list[LinearFeature]
    reach_idx: np.ndarray
    measure: np.ndarray

    @classmethod
    def of(cls, features: Iterable[LinearFeature]) -> FeatureSet:
        """Collect the features and their linear references."""
        feats = list(features)
        return cls(
            feats,
            np.fromiter((f.reach_idx for f in feats), np.int64, len(feats)),
            np.fromiter((f.measure for f in feats), np.float64, len(feats)),
        )


@dataclass(frozen=True, slots=True)
class UpstreamFeature:
    """A feature on the upstream network with its distance and travel time to the start."""

    code: str
    kind: str
    reach_idx: int
    reach_code: str
    river_code: str | None
    measure: float
    distance_m: float
    travel_h: float | None
    via_reservoir: bool


@dataclass(frozen=True, eq=False)
class UpstreamNetwork:
    """The network above a start point, one row per reach (numpy arrays, same length).

    Rows are in upstream order: the start reach first, and every reach after the reach it
    flows into. A row covers ``from_measure..to_measure`` of its reach; ``cut`` marks rows
    shortened at the distance or time limit. ``*_travel_h`` are None when no velocities
    were given. ``via_reservoir`` marks rows whose way to the start crosses a reservoir
    reach (the row's own included): there the time is the plug-flow passage of the active
    volume, and a leading edge can come much sooner (see the module docstring).
    Distances are geodesic metres along the river, times hours.
    """

    network: RiverNetwork
    start_reach_idx: int
    start_measure: float
    mainstem_only: bool
    max_length_m: float | None
    max_travel_h: float | None
    reach_idx: np.ndarray
    from_measure: np.ndarray
    to_measure: np.ndarray
    from_distance_m: np.ndarray
    to_distance_m: np.ndarray
    from_travel_h: np.ndarray | None
    to_travel_h: np.ndarray | None
    cut: np.ndarray
    via_reservoir: np.ndarray

    def __len__(self) -> int:
        return int(self.reach_idx.size)

    @property
    def length_m(self) -> float:
        """Total river length of the upstream network (all rows)."""
        return float(np.sum(self.from_distance_m - self.to_distance_m))

    @property
    def reach_codes(self) -> list[str]:
        """Reach codes of the rows, in row order."""
        codes = self.network.codes
        return [codes[i] for i in self.reach_idx.tolist()]

    @property
    def river_codes(self) -> set[str | None]:
        """The rivers the upstream network touches."""
        net = self.network
        return {net.rivers[k] for k in np.unique(net.river_index[self.reach_idx]).tolist()}

    def segments(self) -> list[UpstreamSegment]:
        """The rows as objects (for JSON); materialised on request."""
        net = self.network
        ft = None if self.from_travel_h is None else self.from_travel_h.tolist()
        tt = None if self.to_travel_h is None else self.to_travel_h.tolist()
        cols = zip(
            self.reach_idx.tolist(),
            self.from_measure.tolist(),
            self.to_measure.tolist(),
            self.from_distance_m.tolist(),
            self.to_distance_m.tolist(),
            self.cut.tolist(),
            self.via_reservoir.tolist(),
            strict=True,
        )
        return [
            UpstreamSegment(
                i, net.codes[i], net.river_code(i), m0, m1, d0, d1,
                None if ft is None else ft[k], None if tt is None else tt[k], bool(c), bool(r),
            )
            for k, (i, m0, m1, d0, d1, c, r) in enumerate(cols)
        ]

    def segment_geometry(self, row: int) -> list[tuple[float, float]]:
        """Lon/lat line of one row in flow direction (for the map layer)."""
        i = int(self.reach_idx[row])
        seg = PathSegment(i, self.network.codes[i], self.network.river_code(i),
                          float(self.from_measure[row]), float(self.to_measure[row]), 0.0, 0.0)
        return self.network.segment_geometry(seg)

    def locate(self, features: FeatureSet | Iterable[LinearFeature]) -> list[UpstreamFeature]:
        """The features that lie on this upstream network, nearest to the start first.

        A feature is on it when its reach is a row and its measure lies within the row's
        ``from_measure..to_measure`` (so a feature below the start point on the start
        reach, or beyond a cut, is not). Distance and travel time are interpolated along
        the row, linear in measure (the row's velocity is constant). Ties in distance are
        ordered by code. Pass a :class:`FeatureSet` built once to locate many thousands
        of features in a few milliseconds.
        """
        fs = features if isinstance(features, FeatureSet) else FeatureSet.of(features)
        if not fs.features or len(self) == 0:
            return []
        f_reach, f_meas = fs.reach_idx, fs.measure
        sort = np.argsort(self.reach_idx, kind="stable")
        keys = self.reach_idx[sort]
        at = np.minimum(np.searchsorted(keys, f_reach), keys.size - 1)
        on = np.flatnonzero(keys[at] == f_reach)
        row = sort[at[on]]
        m0, m1, fm = self.from_measure[row], self.to_measure[row], f_meas[on]
        inside = (fm >= m0 - _EPS_MEASURE) & (fm <= m1 + _EPS_MEASURE)
        on, row, m0, m1, fm = on[inside], row[inside], m0[inside], m1[inside], fm[inside]
        span = m1 - m0
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(span > 0, np.clip((m1 - fm) / span, 0.0, 1.0), 0.0)
        d0, d1 = self.from_distance_m[row], self.to_distance_m[row]
        dist = (d1 + frac * (d0 - d1)).tolist()
        if self.from_travel_h is not None and self.to_travel_h is not None:
            t0, t1 = self.from_travel_h[row], self.to_travel_h[row]
            hours: list[float] | None = (t1 + frac * (t0 - t1)).tolist()
        else:
            hours = None
        via = self.via_reservoir[row].tolist()
        net, feats = self.network, fs.features
        out = []
        for k, j in enumerate(on.tolist()):
            f = feats[j]
            out.append(UpstreamFeature(
                f.code, f.kind, f.reach_idx, net.codes[f.reach_idx], net.river_code(f.reach_idx),
                f.measure, dist[k], None if hours is None else hours[k], via[k],
            ))
        out.sort(key=lambda u: (u.distance_m, u.code))
        return out

def _positive(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise UpstreamInputError(name, f"must be a positive number, not {value!r}")
    return v


def trace_upstream(
    network: RiverNetwork,
    start: Snap | tuple[int, float],
    *,
    mainstem_only: bool = False,
    max_length_m: float | None = None,
    max_travel_h: float | None = None,
    velocities_mps: np.ndarray | None = None,
    velocity_factor: float = 1.0,
) -> UpstreamNetwork:
    """The network above ``start`` (a snap or ``(reach_idx, measure)``), within the limits.

    ``mainstem_only`` follows one reach up at each confluence (see the module docstring
    for which); otherwise every tributary is included. ``max_length_m`` limits the
    distance along the river from the start point, ``max_travel_h`` the travel time to
    it, which needs ``velocities_mps`` (one per reach, e.g. :func:`season_velocities_mps`;
    ``case="worst"`` is the safe side for warnings: shortest times, farthest reach up).
    ``velocity_factor`` scales those velocities. Without any limit the whole upstream
    network is returned. Reaches crossing a limit are cut at the measure where the limit
    is reached. Raises :class:`UpstreamInputError` naming the bad argument, and
    :class:`NetworkCycleError` when the start lies in or above a loop of broken links.

    Cost: main stem, a Python walk of the chain (~0.3 µs per reach); with tributaries,
    a few numpy passes over the reaches above the start (the limit is applied to them).
    """
    s, m = _start_of(network, start)
    limit_m = _positive("max_length_m", max_length_m)
    limit_h = _positive("max_travel_h", max_travel_h)
    factor = _positive("velocity_factor", velocity_factor)
    assert factor is not None
    vel = _velocities(len(network), velocities_mps, limit_h)
    ix = upstream_index(network)
    if ix.pos[s] < 0:
        raise NetworkCycleError(network.codes[s])
    if mainstem_only:
        rows, tree_size = _main_stem_rows(ix, s, m, limit_m), None
    else:
        a = int(ix.pos[s])
        rows = ix.order[a : a + int(ix.size[s])]
        tree_size = ix.size[rows]
    seg_len = network.length_m[rows].astype(np.float64)
    seg_len[0] *= m
    to_d = _above(tree_size, seg_len) - seg_len
    res_on_way = _above(tree_size, network.is_reservoir[rows].astype(float)) > 0.5
    to_measure = np.ones(rows.size)
    to_measure[0] = m
    keep = np.ones(rows.size, dtype=bool)
    keep[1:] = True if limit_m is None else to_d[1:] < limit_m
    to_t = seg_h = None
    if vel is not None:
        seg_h = _segment_hours(network, rows, vel, factor, seg_len, keep)
        to_t = _above(tree_size, seg_h) - seg_h
        if limit_h is not None:
            keep[1:] &= to_t[1:] < limit_h
    if not keep.all():
        rows, to_d, seg_len, to_measure = rows[keep], to_d[keep], seg_len[keep], to_measure[keep]
        res_on_way = res_on_way[keep]
        if to_t is not None and seg_h is not None:
            to_t, seg_h = to_t[keep], seg_h[keep]
    share = _share_within(seg_len, to_d, limit_m, seg_h, to_t, limit_h)
    cut = share < 1.0
    from_measure = to_measure * (1.0 - share)
    from_d = to_d + share * seg_len
    return UpstreamNetwork(
        network=network,
        start_reach_idx=s,
        start_measure=m,
        mainstem_only=mainstem_only,
        max_length_m=limit_m,
        max_travel_h=limit_h,
        reach_idx=rows,
        from_measure=from_measure,
        to_measure=to_measure,
        from_distance_m=from_d,
        to_distance_m=to_d,
        from_travel_h=None if to_t is None or seg_h is None else to_t + share * seg_h,
        to_travel_h=to_t,
        cut=cut,
        via_reservoir=res_on_way,
    )


def _start_of(network: RiverNetwork, start: Snap | tuple[int, float]) -> tuple[int, float]:
    """(reach index, measure) of the start, checked."""
    n = len(network)
    if isinstance(start, Snap):
        s, m = start.reach_idx, start.measure
    else:
        s, m = start
    if isinstance(s, bool) or not isinstance(s, int | np.integer) or not 0 <= int(s) < n:
        raise UpstreamInputError("reach", f"no reach with index {s!r}")
    s, m = int(s), float(m)
    if not (math.isfinite(m) and 0.0 <= m <= 1.0):
        raise UpstreamInputError("measure", f"must be within 0..1, not {m!r}")
    return s, m


def _velocities(n: int, velocities_mps: np.ndarray | None, limit_h: float | None
                ) -> np.ndarray | None:
    """The per-reach velocities as floats (one per reach), or None without them."""
    if velocities_mps is None:
        if limit_h is not None:
            raise UpstreamInputError("velocities_mps", "a travel-time limit needs velocities")
        return None
    vel = np.asarray(velocities_mps, dtype=np.float64)
    if vel.shape != (n,):
        raise UpstreamInputError("velocities_mps", f"needs one value per reach ({n})")
    return vel


def _main_stem_rows(ix: UpIndex, s: int, m: float, limit_m: float | None) -> np.ndarray:
    """The main stem above the start, walked until the distance limit is passed."""
    main, lens = ix.main_up, ix.length
    rows_l = [s]
    done, i = m * lens[s], s
    cap = math.inf if limit_m is None else limit_m
    while done < cap:
        j = main[i]
        if j < 0:
            break
        rows_l.append(j)
        done += lens[j]
        i = j
    return np.array(rows_l, dtype=np.int64)


def _above(tree_size: np.ndarray | None, w: np.ndarray) -> np.ndarray:
    """Sum of ``w`` over each row and the rows between it and the start: a running sum
    along a main stem (``tree_size`` None), else over its ancestors in the slice."""
    if tree_size is None:
        total: np.ndarray = np.cumsum(w)
        return total
    return ancestor_sums(tree_size, w)


def _segment_hours(network: RiverNetwork, rows: np.ndarray, vel: np.ndarray, factor: float,
                   seg_len: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Advective hours through each row; a kept row needs a positive velocity."""
    v = vel[rows] * factor
    bad = ~(np.isfinite(v) & (v > 0))
    if (bad & keep).any():
        code = network.codes[int(rows[int(np.argmax(bad & keep))])]
        raise UpstreamInputError("velocities_mps", f"reach {code} has no positive velocity")
    # beyond the distance limit a missing velocity does not matter; keep it out of the
    # prefix sums (a NaN there would spread to every later row)
    v = np.where(bad, np.inf, v)
    hours: np.ndarray = seg_len / v / 3600.0
    return hours


def _share_within(seg_len: np.ndarray, to_d: np.ndarray, limit_m: float | None,
                  seg_h: np.ndarray | None, to_t: np.ndarray | None, limit_h: float | None
                  ) -> np.ndarray:
    """Share of each row kept below the limit(s), as a fraction of the row's full span."""
    share = np.ones(seg_len.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        if limit_m is not None:
            share = np.minimum(share, np.where(seg_len > 0, (limit_m - to_d) / seg_len, 1.0))
        if seg_h is not None and to_t is not None and limit_h is not None:
            share = np.minimum(share, np.where(seg_h > 0, (limit_h - to_t) / seg_h, 1.0))
    clipped: np.ndarray = np.clip(share, 0.0, 1.0)
    return clipped
