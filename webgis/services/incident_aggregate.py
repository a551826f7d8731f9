"""The living incident's own writes (issue 14): facts that change over time, the status,
comments. Each is one unit of work: the change, its events in the timeline and the new
version are committed together, or nothing is (a refused write leaves the event and
revision counts as they were).

* Revised facts (`revise_facts`) make a new `IncidentRevision` and run the analysis again
  through the same path as a save (`services.analysis.run_analysis`: the server's
  analysis, never a browser's), replace the incident's current facts, request and result,
  and record ``facts_revised`` (each change, old → new), ``analysis_rerun`` and, when the
  suggested level moves, ``level_changed``.
* Status (`change_status`): reported → responding → monitoring → closed, plus reported →
  closed (a false alarm, or over before anyone responds) and monitoring → responding (it
  flares up again). Anything else is a 409 with the state now. Closing records
  ``closed``; a closed incident refuses every write here until an admin reopens it (to
  ``monitoring``; recorded as ``status_changed`` with ``reopened``).
* Comments (`add_comment`): a ``comment`` event.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.config import Settings
from webgis.contract.incident_aggregate import CommentBody, FactsPatch, StatusChange
from webgis.errors import Conflict, Unprocessable
from webgis.models.incident import Incident, IncidentRevision
from webgis.services.actor import Actor
from webgis.services.analysis import run_analysis
from webgis.services.incident_write import ensure_open, open_for_write, record, state_of
from webgis.services.uow import unit_of_work

__all__ = ["TRANSITIONS", "add_comment", "change_status", "diff_facts", "revise_facts"]

#: Where each fact of a `FactsPatch` lives in the analysis request (and the facts).
FACT_PATHS: dict[str, tuple[str, ...]] = {
    "location": ("location",), "pollutant": ("pollutant",),
    "mass_kg": ("release", "mass_kg"), "duration_h": ("release", "duration_h"),
    "started_at": ("started_at",), "discovered_at": ("discovered_at",),
    "casualties_deaths": ("casualties", "deaths"),
    "casualties_poisoned": ("casualties", "poisoned"),
    "evacuated": ("evacuated",), "loss_cny": ("loss_cny",),
    "sensitive_groups": ("sensitive_groups",), "mass_incident": ("mass_incident",),
    "ecology": ("ecology",), "season": ("season",), "horizon_h": ("horizon_h",),
    "rate_series": ("release", "rate_series"), "flow_today": ("flow_today",),
}
#: The analysis request's keys (the facts may hold more: ``enterprise``).
REQUEST_KEYS = ("location", "pollutant", "release", "season", "horizon_h", "started_at",
                "discovered_at", "casualties", "evacuated", "loss_cny", "sensitive_groups",
                "mass_incident", "ecology", "flow_today")
_INSTANTS = ("started_at", "discovered_at")

#: Allowed status transitions (closed → monitoring only by an admin: reopening).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "reported": ("responding", "closed"),
    "responding": ("monitoring",),
    "monitoring": ("responding", "closed"),
    "closed": (),
}
REOPEN_TO = "monitoring"


# --- facts ---------------------------------------------------------------------------------


def _facts_of(inc: Incident) -> dict[str, Any]:
    """The incident's current facts (an incident saved before facts were kept: its
    request)."""
    facts = inc.facts if isinstance(inc.facts, dict) and inc.facts else inc.request
    return copy.deepcopy(dict(facts))


def _normal_casualties(facts: dict[str, Any]) -> None:
    c = facts.get("casualties", 0)
    if not isinstance(c, dict):
        facts["casualties"] = {"deaths": int(c or 0), "poisoned": 0}


def _flat(facts: dict[str, Any]) -> dict[str, Any]:
    """``{"release.mass_kg": 2000, "location.lon": ...}``: one value per leaf."""
    out: dict[str, Any] = {}
    for key, value in facts.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    return out


def _same(key: str, a: Any, b: Any) -> bool:
    if key in _INSTANTS and isinstance(a, str) and isinstance(b, str):
        try:
            return datetime.fromisoformat(a) == datetime.fromisoformat(b)
        except ValueError:
            return a == b
    if isinstance(a, int | float) and isinstance(b, int | float) and not (
            isinstance(a, bool) or isinstance(b, bool)):
        return float(a) == float(b)
    return bool(a == b)


def diff_facts(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """What changed, leaf by leaf: ``{"release.mass_kg": [2000, 5000]}`` (old, new)."""
    a, b = _flat(old), _flat(new)
    return {k: [a.get(k), b.get(k)] for k in sorted(set(a) | set(b))
            if not _same(k, a.get(k), b.get(k))}


def _outfall(session: Session, code: str) -> dict[str, float]:
    """The outfall of enterprise `code` (where its spill enters the river); 422 naming
    ``enterprise`` when there is no such enterprise."""
    point = func.ST_LineInterpolatePoint(
        func.ST_LineMerge(m.Reach.geom),
        func.greatest(0.0, func.least(1.0, m.Enterprise.outfall_measure)))
    row = session.execute(
        select(func.ST_X(point), func.ST_Y(point)).select_from(m.Enterprise)
        .join(m.Reach, m.Reach.id == m.Enterprise.outfall_reach_id)
        .where(m.Enterprise.code == code)
    ).first()
    if row is None or row[0] is None:
        raise Unprocessable("no enterprise %(code)s", fields={"enterprise": code},
                            params={"code": code})
    return {"lon": round(float(row[0]), 6), "lat": round(float(row[1]), 6)}


def _apply(session: Session, facts: dict[str, Any], patch: FactsPatch) -> dict[str, Any]:
    """The facts with the patch's values in (the others as they were)."""
    new = copy.deepcopy(facts)
    _normal_casualties(new)
    given = patch.model_dump(exclude_unset=True, mode="json")
    if "location" in given and "enterprise" in given:
        raise Unprocessable("give the location or the enterprise, not both",
                            fields={"enterprise": given["enterprise"],
                                    "location": given["location"]})
    for name, path in FACT_PATHS.items():
        if name not in given:
            continue
        value = given[name]
        if name in ("mass_kg", "duration_h", "loss_cny", "horizon_h") and value is None:
            raise Unprocessable("%(name)s must be a number", fields={name: None},
                                params={"name": name})
        target = new
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
        if name == "location":
            new.pop("enterprise", None)
        if name == "rate_series" and value is not None:
            # a new series brings its own mass and duration (unless also given: checked)
            for key in ("mass_kg", "duration_h"):
                if key not in given:
                    new["release"].pop(key, None)
    if given.get("enterprise"):
        new["location"] = _outfall(session, given["enterprise"])
        new["enterprise"] = given["enterprise"]
    return new


def _changes_text(changes: dict[str, list[Any]]) -> str:
    return "; ".join(f"{k} {a} → {b}" for k, (a, b) in changes.items())[:1000]


def _level(result: Any) -> str | None:
    return ((result or {}).get("level") or {}).get("suggested") if isinstance(
        result, dict) else None


def revise_facts(incident_id: int, patch: FactsPatch, actor: Actor,
                 settings: Settings | None = None) -> dict[str, Any]:
    """Apply the changed facts, run the analysis again and keep the new forecast as a
    revision, in one unit of work (see the module docstring); 422 naming the field for a
    fact the analysis refuses or when nothing changes, 409 for a stale version or a closed
    incident."""
    with unit_of_work() as session:
        inc = open_for_write(session, incident_id, patch.expected_version, actor)
        ensure_open(inc, "facts")
        old = _facts_of(inc)
        _normal_casualties(old)
        merged = _apply(session, old, patch)
        request = {k: merged[k] for k in REQUEST_KEYS if k in merged}
        analysis = run_analysis(session, request, settings)  # 422s name the field
        result = analysis.result
        stored: dict[str, Any] = dict(result.get("request") or request)
        facts = {**stored, **({"enterprise": merged["enterprise"]}
                              if merged.get("enterprise") else {})}
        changes = diff_facts(old, facts)
        if not changes:
            raise Unprocessable("no fact differs from the current ones",
                                fields={"body": "nothing changed"})
        old_level, new_level = _level(inc.result), _level(result)
        rev_no = (session.execute(
            select(func.coalesce(func.max(IncidentRevision.revision_no), 0))
            .where(IncidentRevision.incident_id == inc.id)).scalar_one()) + 1
        result_json = cast(literal(analysis.json.decode(), Text), JSONB)
        session.add(IncidentRevision(incident_id=inc.id, revision_no=rev_no, facts=facts,
                                     request=stored, result=result_json,
                                     created_by_id=actor.id))
        loc = stored["location"]
        inc.facts, inc.request, inc.result = facts, stored, result_json
        inc.river_code = (result.get("snap") or {}).get("river_code")
        inc.pollutant_code = (result.get("pollutant") or {}).get("code")
        inc.geom = func.ST_SetSRID(func.ST_MakePoint(float(loc["lon"]), float(loc["lat"])),
                                   4326)
        if stored.get("discovered_at"):
            inc.discovered_at = datetime.fromisoformat(stored["discovered_at"])
        note = patch.note or ""
        seqs = [record(session, inc, "facts_revised", actor,
                       (note + " · " if note else "") + _changes_text(changes),
                       {"changes": changes, "revision_no": rev_no, "note": note}).seq]
        seqs.append(record(session, inc, "analysis_rerun", actor, f"#{rev_no}",
                           {"revision_no": rev_no, "level": new_level}).seq)
        if new_level != old_level:
            seqs.append(record(session, inc, "level_changed", actor,
                               f"{old_level} → {new_level}",
                               {"from": old_level, "to": new_level,
                                "revision_no": rev_no}).seq)
        return {"id": inc.id, "version": inc.version, "status": inc.status, "events": seqs,
                "revision_no": rev_no, "level": new_level, "changes": changes}


# --- status and comments -------------------------------------------------------------------


def change_status(incident_id: int, change: StatusChange, actor: Actor) -> dict[str, Any]:
    """Move the incident to `change.status` if the transition is allowed (409 with the
    state now otherwise); closing records ``closed``, an admin reopening a closed one
    records ``status_changed`` with ``reopened``."""
    with unit_of_work() as session:
        inc = open_for_write(session, incident_id, change.expected_version, actor)
        old, new = inc.status, change.status
        reopen = old == "closed" and new == REOPEN_TO and actor.role == "admin"
        if not reopen and new not in TRANSITIONS.get(old, ()):
            allowed = list(TRANSITIONS.get(old, ()))
            if old == "closed":
                msg = "the incident is closed: only an admin may reopen it (to monitoring)"
            else:
                msg = "the status cannot go from %(old)s to %(new)s"
            raise Conflict(msg, fields={"status": f"{old} → {new} not allowed",
                                        "allowed": allowed},
                           params={"old": old, "new": new}, current=state_of(inc))
        inc.status = new
        note = change.note or ""
        payload = {"from": old, "to": new, "note": note, **({"reopened": True}
                                                          if reopen else {})}
        kind = "closed" if new == "closed" else "status_changed"
        ev = record(session, inc, kind, actor, f"{old} → {new}" + (
            f" · {note}" if note else ""), payload)
        return {"id": inc.id, "version": inc.version, "status": inc.status,
                "events": [ev.seq]}


def add_comment(incident_id: int, body: CommentBody, actor: Actor) -> dict[str, Any]:
    """A comment in the timeline (not on a closed incident)."""
    with unit_of_work() as session:
        inc = open_for_write(session, incident_id, body.expected_version, actor)
        ensure_open(inc, "comment")
        ev = record(session, inc, "comment", actor, body.text, {})
        return {"id": inc.id, "version": inc.version, "status": inc.status,
                "events": [ev.seq]}
