"""Boundary crossings along a plume path, once per real crossing.

A river that runs along an administrative border (the Wei below Tianshui along the
Gansu–Shaanxi line, the Datong along Qinghai, the Yellow River's Maqu loop) crosses the
boundary polygons many times: schematic courses and simplified polygons weave across the
line. Reporting each weave as a new administration to warn lists "Gansu → Shaanxi" and
"Shaanxi → Gansu" five times over (issue 11, defect 4). Here consecutive crossings between
the same two administrations, each within a level's tolerance of the previous one, become
one **border stretch from km X to km Y**:

* an odd number of crossings (the plume ends up on the other side): one crossing into the
  final administration, reported at the first crossing (the earliest arrival: safe side);
* an even number (out and back): one border stretch touching the other administration,
  reported at its first crossing — unless the whole excursion is shorter than
  ``jitter_km`` (noise of the drawn line, not a new administration), which is dropped.

Pure: works on any receptor objects with ``kind``, ``river_km`` and an ``extra`` mapping
(``level``, ``from_adcode``, ``to_adcode``, ``from_name``, ``to_name``); dataclasses are
copied with :func:`dataclasses.replace`, other objects with a shallow copy.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

# Crossings between the same two administrations closer than this along the river (km)
# belong to one border stretch. Province: the Wei weaves along the Gansu–Shaanxi line for
# ~45 km with crossings 5–19 km apart (schematic course on simplified polygons); the
# receptor build treats excursions shorter than 30 km as no exit for the same reason.
# Prefecture boundaries are simplified more finely (~200 m): 10 km.
STRETCH_TOLERANCE_KM: Mapping[str, float] = {"province": 30.0, "prefecture": 10.0}
DEFAULT_TOLERANCE_KM = 10.0
# An out-and-back excursion shorter than this is drawing noise, dropped.
JITTER_KM = 3.0


def _pair(r: Any) -> frozenset[str | None]:
    e = r.extra
    return frozenset((e.get("from_adcode"), e.get("to_adcode")))


def _copy_with(r: Any, **changes: Any) -> Any:
    if dataclasses.is_dataclass(r) and not isinstance(r, type):
        return dataclasses.replace(r, **changes)
    out = copy.copy(r)
    for k, v in changes.items():
        setattr(out, k, v)
    return out


def _stretch(cluster: list[Any]) -> Any | None:
    """One receptor for a cluster of crossings between the same two administrations."""
    first, last = cluster[0], cluster[-1]
    if len(cluster) == 1:
        return first
    start, end = first.extra.get("from_adcode"), last.extra.get("to_adcode")
    x_km, y_km = float(first.river_km), float(last.river_km)
    if start == end and y_km - x_km < JITTER_KM:
        return None
    e = first.extra
    extra = dict(e)
    if start != end:  # the plume ends up on the other side
        extra.update(to_adcode=last.extra.get("to_adcode"), to_name=last.extra.get("to_name"))
    extra.update(
        stretch=True,
        stretch_from_km=x_km,
        stretch_to_km=y_km,
        crossings=len(cluster),
        returns=start == end,
    )
    a, b = e.get("from_name") or start, e.get("to_name") or e.get("to_adcode")
    name = f"{a} / {b} 边界河段（约 {x_km:.1f}–{y_km:.1f} km）"
    extra["name_en"] = (f"{a} / {b} border stretch, km {x_km:.1f}–{y_km:.1f} "
                        f"({len(cluster)} crossings of the drawn line)")
    code = f"{first.code}-STRETCH"
    return _copy_with(first, name=name, code=code, extra=extra)


def merge_crossings(
    receptors: Sequence[Any],
    tolerance_km: Mapping[str, float] = STRETCH_TOLERANCE_KM,
) -> list[Any]:
    """Receptors in river order with each level's boundary crossings merged into stretches.

    Non-boundary receptors are kept as they are and where they are; a merged stretch takes
    the place of its first crossing.
    """
    out: list[Any] = []
    open_: dict[Any, tuple[int, list[Any]]] = {}  # level -> (slot in out, cluster)

    def close(level: Any) -> None:
        slot, cluster = open_.pop(level)
        out[slot] = _stretch(cluster)

    for r in receptors:
        if r.kind != "boundary":
            out.append(r)
            continue
        level = r.extra.get("level")
        tol = tolerance_km.get(level, DEFAULT_TOLERANCE_KM)
        cur = open_.get(level)
        if cur is not None:
            last = cur[1][-1]
            if _pair(last) == _pair(r) and float(r.river_km) - float(last.river_km) <= tol:
                cur[1].append(r)
                continue
            close(level)
        open_[level] = (len(out), [r])
        out.append(None)
    for level in list(open_):
        close(level)
    return [r for r in out if r is not None]
