"""Monitoring readings on an incident (issue 14 item 3): enter, list, remove.

Where a reading is: a monitoring section or an intake by its code (its reach and measure
from the dataset), or any point (lon/lat) snapped to the nearest reach within
:data:`SNAP_MAX_M` (farther is refused: a sample that far from the river is not the
river's). ``incident_reading.lon/lat`` keep the position as given; ``geom`` is the point
on the river, so the snapping distance is read back as their distance. ``measure_m`` is
metres along the reach from its upstream end (the network's hydraulic length).

Every write runs in one unit of work: the incident is opened with the version the writer
read (`open_for_write`; an automatic station posting with its token has none and appends,
`open_for_append`), every reading of the request is checked first — a bad one refuses the
whole request, naming each bad field, and nothing is stored — then the readings and one
``reading_entered`` event go in together.

A closed incident takes no more readings (`Conflict`, as every write to it) until an admin
reopens it.

Checks besides the form (`webgis.contract.readings`): the station exists; a point is
within the snapping limit; the sample was taken neither in the future (beyond
:data:`CLOCK_TOLERANCE` of clock skew) nor before the release started (such a sample
cannot show this spill: background values are not this incident's readings); the
pollutant is in the catalogue (default: the incident's); below the detection limit the
stored value is the limit (`value_mg_l` = `detection_limit_mg_l`, `below_detection`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import cast, delete, func, select
from sqlalchemy.orm import Session

from webgis.config import Settings
from webgis.contract.readings import ReadingIn
from webgis.contract.units import UNITS
from webgis.errors import Forbidden, NotFound, Unprocessable
from webgis.hydro.errors import TooFarFromRiver
from webgis.models.incident import Incident, IncidentReading
from webgis.models.user import User
from webgis.services.actor import Actor
from webgis.services.incident_write import ensure_open, open_for_append, open_for_write, record
from webgis.services.reference import Reference, get_reference
from webgis.services.uow import reading, unit_of_work

__all__ = ["CLOCK_TOLERANCE", "SNAP_MAX_M", "ReadingsInvalid", "add_readings",
           "list_readings", "release_start", "remove_reading"]

#: A point farther than this from every reach is refused (m).
SNAP_MAX_M = 1000.0
#: A sampling time this much ahead of the server's clock is still accepted (phone clocks).
CLOCK_TOLERANCE = timedelta(minutes=10)
#: The station kinds of readings and the dataset's receptor kinds they name.
RECEPTOR_KIND = {"section": "section", "intake": "water_source"}
#: Roles that may remove a reading (field teams may only add).
REMOVING_ROLES = ("duty_officer", "leader", "admin")


class ReadingsInvalid(Unprocessable):
    """One or more readings of a request are invalid: ``fields`` names each (with its index
    or file line), ``rows`` lists them as line/field/message; nothing was stored.
    ``problems`` keeps each message's template, for the edge to translate."""

    problems: Sequence[Problem] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad field: where (a prefix such as ``readings[2].`` or ``line 5: ``, and the
    file line if any), which field and why (an English template and its parameters)."""

    where: str
    line: int | None
    field: str
    template: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template


@dataclass(frozen=True, slots=True)
class Placed:
    """A reading's position: the station and the point on the river."""

    kind: str
    code: str | None
    reach_code: str
    measure_m: float
    lon: float
    lat: float
    river_lon: float
    river_lat: float
    snap_m: float


def raise_problems(problems: Sequence[Problem], encoding: str | None = None) -> None:
    """`ReadingsInvalid` naming every problem (nothing is stored)."""
    if not problems:
        return
    first = problems[0]
    err = ReadingsInvalid(
        "%(n)s invalid value(s), nothing stored; first: %(where)s%(field)s %(message)s",
        {f"{p.where}{p.field}": p.message for p in problems},
        params={"n": len(problems), "where": first.where, "field": first.field,
                "message": first.message},
        rows=[{"line": p.line, "field": p.field, "message": p.message} for p in problems],
        encoding=encoding)
    err.problems = tuple(problems)
    raise err


def release_start(inc: Incident) -> datetime:
    """When the current forecast's release started (its clock's zero)."""
    text = (inc.result.get("request") or {}).get("started_at") or (
        inc.request.get("started_at"))
    if text:
        return datetime.fromisoformat(text)
    return inc.created_at


def place(ref: Reference, r: ReadingIn, snap_max_m: float
          ) -> Placed | tuple[str, str, dict[str, Any]]:
    """Where reading ``r`` is, or (field, why, its parameters) when it cannot be placed."""
    if r.station_kind in RECEPTOR_KIND:
        if not r.station_code:
            return "station_code", "required for a %(kind)s", {"kind": r.station_kind}
        want = RECEPTOR_KIND[r.station_kind]
        rec = next((x for x in ref.receptors if x.kind == want and x.code == r.station_code),
                   None)
        if rec is None:
            return "station_code", "no %(kind)s %(code)s", {"kind": r.station_kind,
                                                             "code": r.station_code}
        idx = ref.network.index_of(rec.reach_code)
        measure_m = rec.measure * float(ref.network.length_m[idx])
        return Placed(r.station_kind, rec.code, rec.reach_code, measure_m, rec.lon, rec.lat,
                      rec.lon, rec.lat, 0.0)
    if r.lon is None or r.lat is None:
        return ("lon" if r.lon is None else "lat"), "required for a point", {}
    try:
        snap = ref.network.snap(r.lon, r.lat, snap_max_m)
    except TooFarFromRiver as exc:
        return "lon", ("%(d).0f m from the nearest river; a point must be within "
                       "%(max).0f m"), {"d": exc.distance_m, "max": snap_max_m}
    return Placed("point", r.station_code, snap.reach_code, snap.along_m, r.lon, r.lat,
                  snap.lon, snap.lat, snap.offset_m)


def check_time(sampled: datetime, start: datetime, now: datetime
               ) -> tuple[str, dict[str, Any]] | None:
    """Why ``sampled`` cannot be a reading of a release that started at ``start``."""
    if sampled > now + CLOCK_TOLERANCE:
        return "is in the future (after %(now)s)", {"now": now.isoformat(timespec="minutes")}
    if sampled < start:
        return ("is before the release started (%(start)s): such a sample cannot show this "
                "spill"), {"start": start.isoformat(timespec="minutes")}
    return None


def to_row(inc: Incident, ref: Reference, r: ReadingIn, where: str, line: int | None,
           now: datetime, snap_max_m: float, problems: list[Problem]
           ) -> tuple[ReadingIn, Placed, str, datetime] | None:
    """The checked reading (placed, its pollutant and time), or None after adding its
    problems."""
    found: list[Problem] = []
    placed = place(ref, r, snap_max_m)
    if isinstance(placed, tuple):
        found.append(Problem(where, line, *placed))
    pollutant = r.pollutant or inc.pollutant_code or ""
    if pollutant not in ref.pollutants:
        found.append(Problem(where, line, "pollutant", "unknown pollutant %(pollutant)r",
                             {"pollutant": pollutant}))
    sampled = r.sampled_at or now
    why = check_time(sampled, release_start(inc), now)
    if why:
        found.append(Problem(where, line, "sampled_at", *why))
    if r.censored() and r.detection_limit is None and r.number() <= 0:
        found.append(Problem(where, line, "detection_limit",
                             "below detection needs the limit (> 0)"))
    problems.extend(found)
    if found or isinstance(placed, tuple):
        return None
    return r, placed, pollutant, sampled


def _reading(inc: Incident, r: ReadingIn, placed: Placed, pollutant: str,
             sampled: datetime, source: str, actor: Actor) -> IncidentReading:
    factor = UNITS[r.unit]
    limit = r.detection_limit * factor if r.detection_limit is not None else None
    value = r.number() * factor
    if r.censored():
        limit = limit if limit is not None else value
        value = limit
    return IncidentReading(
        incident_id=inc.id, station_kind=placed.kind, station_code=placed.code,
        reach_code=placed.reach_code, measure_m=placed.measure_m, lon=placed.lon,
        lat=placed.lat, geom=func.ST_SetSRID(func.ST_MakePoint(placed.river_lon,
                                                               placed.river_lat), 4326),
        sampled_at=sampled, pollutant_code=pollutant, value_mg_l=value,
        below_detection=r.censored(), detection_limit_mg_l=limit, qa_flag=r.qa_flag,
        source=source, entered_by_id=actor.id)


def add_readings(incident_id: int, items: Sequence[tuple[str, int | None, ReadingIn]], *,
                 expected_version: int | None, actor: Actor, source: str,
                 settings: Settings, now: datetime | None = None,
                 encoding: str | None = None,
                 extra_problems: Sequence[Problem] = ()) -> dict[str, Any]:
    """Store ``items`` ((where, file line, reading) each) on the incident, all or none, with
    one ``reading_entered`` event; ``expected_version`` None appends without a version
    check (automatic stations). ``extra_problems`` (a file's unreadable rows) refuse the
    whole write too, listed with the rest."""
    now = now or datetime.now(UTC)
    snap_max_m = min(SNAP_MAX_M, settings.snap_max_m)
    with unit_of_work() as session:
        inc = (open_for_append(session, incident_id) if expected_version is None
               else open_for_write(session, incident_id, expected_version, actor))
        ensure_open(inc, "reading")
        ref = get_reference(session)
        problems = list(extra_problems)
        checked = [to_row(inc, ref, r, where, line, now, snap_max_m, problems)
                   for where, line, r in items]
        raise_problems(problems, encoding)
        good = [c for c in checked if c is not None]
        rows = [_reading(inc, *c, source, actor) for c in good]
        session.add_all(rows)
        session.flush()
        record(session, inc, "reading_entered", actor, _summary(rows, ref),
               {"reading_ids": [x.id for x in rows], "source": source, "count": len(rows),
                "stations": sorted({x.station_code or x.reach_code for x in rows})})
        names = {actor.id: actor.username}
        out = [row_of(x, ref, names, c[1].snap_m) for x, c in zip(rows, good, strict=True)]
        return {"incident_id": inc.id, "version": inc.version, "stored": len(rows),
                "readings": out, "encoding": encoding}


def _summary(rows: Sequence[IncidentReading], ref: Reference) -> str:
    """The timeline's line: one reading in full, several counted."""
    if len(rows) == 1:
        x = rows[0]
        where = x.station_code or f"{x.reach_code} +{x.measure_m:.0f} m"
        value = f"<{x.value_mg_l:g}" if x.below_detection else f"{x.value_mg_l:g}"
        return f"{where} {x.pollutant_code} {value} mg/L ({x.qa_flag})"
    return f"{len(rows)} readings at {len({x.station_code or x.reach_code for x in rows})} " \
           "stations"


def station_name(ref: Reference, kind: str, code: str | None) -> str | None:
    """A section's or intake's name from the dataset."""
    want = RECEPTOR_KIND.get(kind)
    if want is None or code is None:
        return None
    return next((x.name for x in ref.receptors if x.kind == want and x.code == code), None)


def row_of(x: IncidentReading, ref: Reference, names: dict[int | None, str],
           snap_m: float) -> dict[str, Any]:
    """A reading as the API shows it."""
    return {
        "id": x.id, "station_kind": x.station_kind, "station_code": x.station_code,
        "station_name": station_name(ref, x.station_kind, x.station_code),
        "reach_code": x.reach_code, "measure_m": round(x.measure_m, 1), "lon": x.lon,
        "lat": x.lat, "snap_m": round(snap_m, 1),
        "sampled_at": x.sampled_at.astimezone(UTC).isoformat(),
        "pollutant_code": x.pollutant_code, "value_mg_l": x.value_mg_l,
        "below_detection": x.below_detection,
        "detection_limit_mg_l": x.detection_limit_mg_l, "qa_flag": x.qa_flag,
        "source": x.source, "entered_by": names.get(x.entered_by_id),
        "entered_at": (x.entered_at or datetime.now(UTC)).isoformat(),
    }


def stored_readings(session: Session, incident_id: int) -> list[tuple[IncidentReading, float]]:
    """The incident's readings with their snapping distance, newest sample first."""
    given = func.ST_SetSRID(func.ST_MakePoint(IncidentReading.lon, IncidentReading.lat), 4326)
    dist = func.ST_Distance(cast(IncidentReading.geom, Geography), cast(given, Geography))
    rows = session.execute(
        select(IncidentReading, dist).where(IncidentReading.incident_id == incident_id)
        .order_by(IncidentReading.sampled_at.desc(), IncidentReading.id.desc())).all()
    return [(x, float(d or 0.0)) for x, d in rows]


def list_readings(incident_id: int, *, show_names: bool) -> dict[str, Any]:
    """The incident's readings (newest sample first) and its version now."""
    with reading() as session:
        version = session.execute(select(Incident.version).where(
            Incident.id == incident_id)).scalar_one_or_none()
        if version is None:
            raise NotFound("no incident %(id)s", fields={"id": incident_id},
                           params={"id": incident_id})
        ref = get_reference(session)
        found = stored_readings(session, incident_id)
        names: dict[int | None, str] = {}
        if show_names:
            ids = {x.entered_by_id for x, _ in found if x.entered_by_id is not None}
            names = dict(session.execute(select(User.id, User.username).where(
                User.id.in_(ids))).all()) if ids else {}
        return {"incident_id": incident_id, "version": version,
                "readings": [row_of(x, ref, names, d) for x, d in found]}


def remove_reading(incident_id: int, reading_id: int, *, expected_version: int,
                   actor: Actor, reason: str = "") -> dict[str, Any]:
    """Remove a reading entered by mistake (duty officers and leaders; field teams may
    only add). The timeline keeps the whole reading in the ``reading_removed`` event."""
    if actor.role not in REMOVING_ROLES:
        raise Forbidden("field teams may add readings, not remove them",
                        fields={"role": actor.role})
    with unit_of_work() as session:
        inc = open_for_write(session, incident_id, expected_version, actor)
        ensure_open(inc, "reading_removal")
        x = session.execute(select(IncidentReading).where(
            IncidentReading.id == reading_id,
            IncidentReading.incident_id == incident_id)).scalar_one_or_none()
        if x is None:
            raise NotFound("no reading %(id)s on this incident", fields={"reading_id":
                           reading_id}, params={"id": reading_id})
        ref = get_reference(session)
        gone = row_of(x, ref, {}, 0.0)
        session.execute(delete(IncidentReading).where(IncidentReading.id == reading_id))
        record(session, inc, "reading_removed", actor,
               f"{gone['station_code'] or gone['reach_code']} {gone['value_mg_l']:g} mg/L"
               + (f" — {reason}" if reason else ""), {"reading": gone, "reason": reason})
        return {"incident_id": inc.id, "version": inc.version, "removed": reading_id}
