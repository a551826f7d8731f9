"""A done screening's answers: rankings, what reaches given receptors, the map layers.

A receptor is *threatened* by a spill when the worst-case peak there reaches its limit
(``ratio ≥ 1``); the warning time is the earliest worst-case arrival among the threats.

* enterprises by the population served at the intakes they threaten, then by the shortest
  warning time;
* intakes by the number of enterprises that threaten them, then by the shortest warning;
  their longest exceedance is counted to the horizon (``exceed_beyond_horizon``: the
  longest one still runs there, so it lasts at least that long);
* rivers by the number of threatening enterprises, receptors exceeded on them and the
  population at their threatened intakes.

Only a ``done`` job has results (a running, cancelled or failed one is refused).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from webgis.errors import Conflict, NotFound
from webgis.models import ScreeningJob
from webgis.services.reference import get_reference
from webgis.services.screening_jobs import job_dict
from webgis.services.uow import reading

THREAT = "h.ratio >= 1"

ENTERPRISES_SQL = text(f"""
WITH threat AS (
    SELECT s.enterprise_code, h.receptor_code, min(h.arrival_h) AS arr, max(h.ratio) AS ratio,
           max(h.population_served) AS pop
    FROM screening_hit h
    JOIN screening_spill s ON s.job_id = h.job_id AND s.spill_no = h.spill_no
    WHERE h.job_id = :job AND h.kind = 'water_source' AND {THREAT}
    GROUP BY 1, 2),
ent AS (
    SELECT enterprise_code, min(enterprise_name) AS name, min(industry) AS industry,
           count(*) AS spills
    FROM screening_spill WHERE job_id = :job GROUP BY 1)
SELECT e.enterprise_code, e.name, e.industry, e.spills, count(t.receptor_code) AS intakes,
       coalesce(sum(t.pop), 0) AS pop, min(t.arr) AS warning, max(t.ratio) AS ratio
FROM ent e LEFT JOIN threat t USING (enterprise_code)
GROUP BY e.enterprise_code, e.name, e.industry, e.spills
ORDER BY pop DESC, warning ASC NULLS LAST, intakes DESC, e.enterprise_code
LIMIT :limit
""")

INTAKES_SQL = text(f"""
SELECT h.receptor_code, min(h.river_code) AS river,
       max(h.population_served) AS pop,
       count(DISTINCT s.enterprise_code) FILTER (WHERE {THREAT}) AS sources,
       count(*) FILTER (WHERE {THREAT}) AS spills,
       min(h.arrival_h) FILTER (WHERE {THREAT}) AS warning,
       max(h.ratio) AS ratio, max(h.exceed_h) AS exceed,
       coalesce((array_agg(h.exceed_beyond_horizon ORDER BY h.exceed_h DESC NULLS LAST,
                           h.exceed_beyond_horizon DESC))[1], false) AS beyond
FROM screening_hit h
JOIN screening_spill s ON s.job_id = h.job_id AND s.spill_no = h.spill_no
WHERE h.job_id = :job AND h.kind = 'water_source'
GROUP BY h.receptor_code
ORDER BY sources DESC, warning ASC NULLS LAST, ratio DESC NULLS LAST, h.receptor_code
LIMIT :limit
""")

RIVERS_SQL = text(f"""
WITH intake AS (
    SELECT DISTINCT ON (h.receptor_code) h.river_code, h.receptor_code, h.population_served
    FROM screening_hit h
    WHERE h.job_id = :job AND h.kind = 'water_source' AND {THREAT}),
pop AS (SELECT river_code, sum(population_served) AS pop FROM intake GROUP BY 1)
SELECT h.river_code,
       count(DISTINCT s.enterprise_code) FILTER (WHERE {THREAT}) AS sources,
       count(DISTINCT h.receptor_code) FILTER (WHERE {THREAT}) AS receptors,
       coalesce(max(p.pop), 0) AS pop,
       min(h.arrival_h) FILTER (WHERE {THREAT}) AS earliest
FROM screening_hit h
JOIN screening_spill s ON s.job_id = h.job_id AND s.spill_no = h.spill_no
LEFT JOIN pop p ON p.river_code = h.river_code
WHERE h.job_id = :job
GROUP BY h.river_code
ORDER BY sources DESC, receptors DESC, pop DESC, h.river_code
LIMIT :limit
""")

REACHING_SQL = text("""
SELECT s.enterprise_code, s.enterprise_name, s.industry, s.pollutant_code, s.season,
       s.mass_kg, h.receptor_code, h.kind, h.arrival_h, h.peak_mgl, h.limit_mgl, h.ratio,
       h.exceed_h, h.flagged, h.exceed_beyond_horizon
FROM screening_hit h
JOIN screening_spill s ON s.job_id = h.job_id AND s.spill_no = h.spill_no
WHERE h.job_id = :job AND h.receptor_code = ANY(:codes)
ORDER BY h.receptor_code, h.arrival_h, h.ratio DESC NULLS LAST, s.enterprise_code,
         s.pollutant_code, s.season
""")

LINES_SQL = text(f"""
SELECT s.enterprise_code, min(s.enterprise_name), min(s.lon), min(s.lat), h.receptor_code,
       min(h.arrival_h), max(h.ratio), count(*)
FROM screening_hit h
JOIN screening_spill s ON s.job_id = h.job_id AND s.spill_no = h.spill_no
WHERE h.job_id = :job AND h.kind = 'water_source' AND {THREAT}
GROUP BY s.enterprise_code, h.receptor_code
ORDER BY min(h.arrival_h)
""")


def _done_job(session: Session, job_id: int) -> ScreeningJob:
    job = session.get(ScreeningJob, job_id)
    if job is None:
        raise NotFound("no screening job %(id)s", fields={"job_id": job_id},
                       params={"id": job_id})
    if job.status != "done":
        raise Conflict("screening job %(id)s is %(status)s: results exist only when it is "
                       "done", fields={"job_id": job_id, "status": job.status},
                       params={"id": job_id, "status": job.status}, current=job_dict(job))
    return job


def _f(v: Any) -> float | None:
    return None if v is None else round(float(v), 4)


def rankings(job_id: int, limit: int = 50) -> dict[str, Any]:
    """The three rankings of a done job (`webgis.contract.screening.Rankings`)."""
    with reading() as session:
        job = _done_job(session, job_id)
        ref = get_reference(session)
        rec = {r.code: r for r in ref.receptors if r.kind == "water_source"}
        args = {"job": job_id, "limit": limit}
        ents = [{"rank": i + 1, "enterprise_code": r[0], "enterprise_name": r[1],
                 "industry": r[2], "spills": r[3], "threatened_intakes": r[4],
                 "population_threatened": int(r[5]), "warning_h": _f(r[6]),
                 "max_ratio": _f(r[7])}
                for i, r in enumerate(session.execute(ENTERPRISES_SQL, args))]
        intakes = []
        for i, r in enumerate(session.execute(INTAKES_SQL, args)):
            got = rec.get(r[0])
            intakes.append({
                "rank": i + 1, "code": r[0], "name": got.name if got else r[0],
                "river_code": r[1], "population_served": r[2], "threatening_sources": r[3],
                "threatening_spills": r[4], "warning_h": _f(r[5]), "max_ratio": _f(r[6]),
                "max_exceed_h": _f(r[7]), "exceed_beyond_horizon": bool(r[8]),
                "lon": got.lon if got else None, "lat": got.lat if got else None})
        rivers = [{"rank": i + 1, "river_code": r[0],
                   "river_name": ref.river_names.get(r[0], r[0]), "threatening_sources": r[1],
                   "receptors_exceeded": r[2], "population_threatened": int(r[3]),
                   "earliest_h": _f(r[4])}
                  for i, r in enumerate(session.execute(RIVERS_SQL, args))]
        return {"job": job_dict(job), "enterprises": ents, "intakes": intakes,
                "rivers": rivers, "inside": (job.parameters or {}).get("inside")}


def reaching(job_id: int, codes: list[str]) -> list[dict[str, Any]]:
    """Every spill of a done job that reaches one of ``codes``: earliest first."""
    keys = ("enterprise_code", "enterprise_name", "industry", "pollutant", "season",
            "mass_kg", "receptor_code", "kind", "arrival_h", "peak_mgl", "limit_mgl",
            "ratio", "exceed_h", "flagged", "exceed_beyond_horizon")
    with reading() as session:
        _done_job(session, job_id)
        return [dict(zip(keys, r, strict=True))
                for r in session.execute(REACHING_SQL, {"job": job_id, "codes": codes})]


def threat_lines(job_id: int) -> list[dict[str, Any]]:
    """Enterprise → threatened intake pairs (earliest arrival, highest ratio)."""
    with reading() as session:
        _done_job(session, job_id)
        rec = {r.code: r for r in get_reference(session).receptors
               if r.kind == "water_source"}
        out = []
        for code, name, lon, lat, intake, arr, ratio, n in session.execute(
                LINES_SQL, {"job": job_id}):
            r = rec.get(intake)
            if r is None:
                continue
            out.append({"enterprise_code": code, "enterprise_name": name,
                        "from": (lon, lat), "to": (r.lon, r.lat), "intake_code": intake,
                        "intake_name": r.name, "warning_h": _f(arr), "max_ratio": _f(ratio),
                        "spills": n})
        return out
