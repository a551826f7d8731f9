"""Screening jobs: asked for, claimed, run on the engine, cancelled — rows in PostGIS.

* :func:`request_run` plans the credible releases and stores the job ``queued`` with its
  spills, or returns the live job of the same key (dataset version + parameters + release
  rule): asking again reuses a done run, or joins a queued or running one.
* :func:`claim` takes a queued job for this runner with ``SELECT … FOR UPDATE SKIP
  LOCKED``: two runners never take the same job, and neither waits for the other.
* :func:`execute` runs a claimed job on the engine (``webgis.services.screening_engine``),
  writing each finished chunk's hits in bulk (``COPY``) with the progress, in one
  transaction that first locks the job row and stops if the job is no longer running.
* :func:`cancel` locks the row (waiting for a chunk being written), marks the job
  cancelled and deletes its hits in the same transaction: a cancelled (or failed) run
  leaves no partial result behind, and only a ``done`` job's hits are ever read.
"""

from __future__ import annotations

import hashlib
import math
import os
import socket
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webgis.contract.screening import ScreeningRequest
from webgis.errors import Conflict, NotFound, Unprocessable
from webgis.hydro.credible import RULE_VERSION
from webgis.hydro.screening import SCREENING_VERSION
from webgis.hydro.screening_chunk import (
    ChunkResult,
    ScreeningBundle,
    SpillSpec,
    basin_of,
    plan_chunks,
)
from webgis.models import ScreeningHit, ScreeningJob, ScreeningSpill
from webgis.services.actor import Actor
from webgis.services.reference import Reference, get_reference
from webgis.services.screening_area import inside_area
from webgis.services.screening_engine import EngineSettings, run_chunks
from webgis.services.screening_register import (
    SEASONS,
    PlannedSpill,
    plan_spills,
    real_register,
    synthetic_register,
)
from webgis.services.uow import reading, unit_of_work

FINISHED = ("done", "failed", "cancelled")
HIT_COLUMNS = ("job_id", "spill_no", "kind", "receptor_code", "river_code", "river_km",
               "arrival_h", "peak_mgl", "limit_mgl", "ratio", "exceed_h", "flagged",
               "exceed_beyond_horizon", "population_served")
SPILL_COLUMNS = ("job_id", "spill_no", "enterprise_code", "enterprise_name", "industry",
                 "pollutant_code", "season", "stored_t", "storage", "fraction", "mass_kg",
                 "capped", "reach_code", "measure", "lon", "lat")


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).isoformat()


def job_dict(job: ScreeningJob, *, reused: bool = False, note: str | None = None
             ) -> dict[str, Any]:
    """The job as the API and the CLI show it (`webgis.contract.screening.ScreeningJob`)."""
    return {
        "id": job.id, "kind": job.kind, "status": job.status,
        "progress": round(float(job.progress), 4), "spills_total": job.spills_total,
        "spills_done": job.spills_done, "chunks_total": job.chunks_total,
        "chunks_done": job.chunks_done, "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at), "finished_at": _iso(job.finished_at),
        "created_by": job.created_by_name, "cancelled_by": job.cancelled_by_name,
        "engine": job.engine, "error": job.error, "failed_chunks": job.failed_chunks,
        "dataset_key": job.dataset_key, "parameters": job.parameters, "reused": reused,
        "note": note,
    }


def _normalised(req: ScreeningRequest, register: dict[str, Any]) -> dict[str, Any]:
    """The parameters that make a run (the key's input): defaults written, order fixed."""
    return {
        "seasons": [s for s in SEASONS if s in req.seasons],
        "horizon_h": float(req.horizon_h),
        "pollutants": sorted(set(req.pollutants)) if req.pollutants else None,
        "area": req.area.model_dump(exclude_none=True) if req.area else None,
        "register": register,
        "release_rule": RULE_VERSION,
        "screening": SCREENING_VERSION,
    }


def run_key(dataset_key: str, params: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps({"dataset": dataset_key, **params},
                                       option=orjson.OPT_SORT_KEYS)).hexdigest()


def _live(session: Session, key: str) -> ScreeningJob | None:
    return session.scalars(select(ScreeningJob).where(
        ScreeningJob.run_key == key,
        ScreeningJob.status.in_(("queued", "running", "done")))).first()


def request_run(req: ScreeningRequest, actor: Actor | None, *,
                synthetic: tuple[int, int] | None = None,
                max_substances: int | None = None) -> dict[str, Any]:
    """Queue a run (or return the live one of the same key, ``reused``). ``synthetic``:
    (n, seed) of a synthetic register instead of the bundled one (CLI and benchmarks)."""
    register: dict[str, Any] = {"kind": "bundled"}
    if synthetic is not None:
        register = {"kind": "synthetic", "n": synthetic[0], "seed": synthetic[1]}
    if max_substances is not None:
        register["max_substances"] = max_substances
    try:
        return _request_run(req, actor, register, synthetic, max_substances)
    except IntegrityError:  # another request queued the same key first: that one
        with reading() as session:
            ref = get_reference(session)
            found = _live(session, run_key(ref.key, _normalised(req, register)))
            if found is None:
                raise
            return job_dict(found, reused=True)


def _request_run(req: ScreeningRequest, actor: Actor | None, register: dict[str, Any],
                 synthetic: tuple[int, int] | None, max_substances: int | None
                 ) -> dict[str, Any]:
    with unit_of_work() as session:
        ref = get_reference(session)
        if req.pollutants:
            unknown = sorted(set(req.pollutants) - set(ref.pollutants))
            if unknown:
                raise Unprocessable("unknown pollutant %(pollutant)r",
                                    fields={"pollutants": unknown},
                                    params={"pollutant": unknown[0]},
                                    valid=sorted(ref.pollutants))
        params = _normalised(req, register)
        key = run_key(ref.key, params)
        found = _live(session, key)
        if found is not None:
            return job_dict(found, reused=True)
        inside = inside_area(session, req.area) if req.area else None
        entries = real_register(session, inside["enterprise_codes"] if inside else None)
        if synthetic is not None:
            entries = synthetic_register(ref.network, real_register(session), *synthetic)
        planned = plan_spills(ref, entries, params["seasons"], params["pollutants"],
                              max_substances)
        note = None
        if not planned:
            note = ("nothing to screen: no enterprise with a stored substance inside the "
                    "area" if req.area else "nothing to screen: no stored substance")
        job = ScreeningJob(
            kind="area" if req.area else "province", status="done" if not planned
            else "queued", run_key=key, dataset_key=ref.key,
            parameters={**params, "inside": inside, "note": note},
            progress=1.0 if not planned else 0.0, spills_total=len(planned),
            spills_done=0, chunks_total=0, chunks_done=0,
            created_by_id=actor.id if actor else None,
            created_by_name=actor.username if actor else "cli",
            finished_at=datetime.now(UTC) if not planned else None)
        session.add(job)
        session.flush()
        _copy(session, "screening_spill", SPILL_COLUMNS, (_spill_row(job.id, p)
                                                          for p in planned))
        return job_dict(job, note=note)


def _spill_row(job_id: int, p: PlannedSpill) -> tuple[Any, ...]:
    e, s = p.entry, p.spec
    return (job_id, s.spill_no, e.code, e.name, e.industry, s.pollutant, s.season,
            p.stored_t, p.storage, p.fraction, s.mass_kg, p.capped, e.reach_code,
            e.measure, e.lon, e.lat)


def _copy(session: Session, table: str, columns: Sequence[str], rows: Any) -> int:
    """Bulk write with PostgreSQL COPY on the session's own connection (its transaction)."""
    raw = session.connection().connection.driver_connection
    assert raw is not None  # a live psycopg connection inside the unit of work
    n = 0
    with raw.cursor() as cur, cur.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
            n += 1
    return n


def claim(runner: str | None = None, job_id: int | None = None) -> int | None:
    """Take the oldest queued job (or job ``job_id`` if it is queued) for this runner;
    None when there is none free (``FOR UPDATE SKIP LOCKED``: a job another runner is
    claiming right now is skipped, never waited for)."""
    runner = runner or f"{socket.gethostname()}:{os.getpid()}"
    with unit_of_work() as session:
        q = select(ScreeningJob).where(ScreeningJob.status == "queued")
        if job_id is not None:
            q = q.where(ScreeningJob.id == job_id)
        job = session.scalars(q.order_by(ScreeningJob.created_at, ScreeningJob.id)
                              .limit(1).with_for_update(skip_locked=True)).first()
        if job is None:
            return None
        job.status, job.started_at, job.runner = "running", datetime.now(UTC), runner
        return job.id


def _bundle(ref: Reference, horizon_h: float) -> ScreeningBundle:
    """What the workers need: the network, the receptors (no prefecture crossings: the
    screening reports receptors), the pollutants."""
    receptors = tuple(r for r in ref.receptors if r.kind != "boundary")
    return ScreeningBundle(ref.key, ref.network, receptors, dict(ref.pollutants), horizon_h)


def _specs(session: Session, ref: Reference, job_id: int) -> list[SpillSpec]:
    net = ref.network
    rows = session.execute(select(
        ScreeningSpill.spill_no, ScreeningSpill.reach_code, ScreeningSpill.measure,
        ScreeningSpill.pollutant_code, ScreeningSpill.mass_kg, ScreeningSpill.season)
        .where(ScreeningSpill.job_id == job_id).order_by(ScreeningSpill.spill_no)).all()
    return [SpillSpec(no, net.index_of(reach), measure, pol, mass, season)
            for no, reach, measure, pol, mass, season in rows]


def execute(job_id: int, settings: EngineSettings,
            progress: Callable[[dict[str, Any]], None] | None = None,
            specs: Sequence[Any] | None = None,
            task: Callable[..., ChunkResult] | None = None) -> dict[str, Any]:
    """Run a claimed (``running``) job to its end: done, failed (chunks that failed after
    their retries, or an engine that cannot be reached: named in ``error``) or cancelled
    meanwhile. ``progress`` sees the job after every chunk; ``specs``/``task`` replace the
    stored spills and the chunk function (tests of failing chunks)."""
    with reading() as session:
        job = session.get(ScreeningJob, job_id)
        if job is None:
            raise NotFound("no screening job %(id)s", fields={"job_id": job_id},
                           params={"id": job_id})
        if job.status != "running":
            return job_dict(job)
        ref = get_reference(session)
        bundle = _bundle(ref, float(job.parameters["horizon_h"]))
        todo = list(specs) if specs is not None else _specs(session, ref, job_id)
        session.rollback()  # no transaction stays open while the engine runs
    population = {r.code: r.extra.get("population_served") for r in ref.receptors
                  if r.kind == "water_source"}
    chunks = plan_chunks(todo, basin_of(ref.network), settings.chunk_size)
    with unit_of_work() as session:
        job = _locked(session, job_id)
        job.chunks_total = len(chunks)

    def on_chunk(res: ChunkResult) -> bool:
        with unit_of_work() as session:
            job = _locked(session, job_id)
            if job.status != "running":
                return False
            _copy(session, "screening_hit", HIT_COLUMNS, (
                (job_id, *row[:9], None if math.isnan(row[9]) else row[9], row[10],
                 row[11], population.get(row[2]) if row[1] == "water_source" else None)
                for row in res.rows))
            job.spills_done += res.spills
            job.chunks_done += 1
            job.progress = min(1.0, job.spills_done / max(1, job.spills_total))
            seen = job_dict(job)
        if progress is not None:
            progress(seen)
        return True

    try:
        kw = {} if task is None else {"task": task}
        report = run_chunks(settings, bundle, chunks, on_chunk, **kw)
    except Exception as exc:
        _finish(job_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    with unit_of_work() as session:
        job = _locked(session, job_id)
        job.engine = report.engine
    if report.failed:
        return _finish(job_id, "failed", failed=report.failed, error=(
            f"{len(report.failed)} of {len(chunks)} chunks failed after "
            f"{settings.retries + 1} attempts; first: {report.failed[0]['error']}"))
    return _finish(job_id, "done")


def _locked(session: Session, job_id: int) -> ScreeningJob:
    job = session.scalars(select(ScreeningJob).where(ScreeningJob.id == job_id)
                          .with_for_update()).first()
    if job is None:
        raise NotFound("no screening job %(id)s", fields={"job_id": job_id},
                       params={"id": job_id})
    return job


def _finish(job_id: int, status: str, *, error: str | None = None,
            failed: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """End a running job (a job cancelled meanwhile stays cancelled); anything but done
    deletes its hits in the same transaction."""
    with unit_of_work() as session:
        job = _locked(session, job_id)
        if job.status == "running":
            job.status, job.finished_at = status, datetime.now(UTC)
            job.error, job.failed_chunks = error, failed
            if status == "done":
                job.progress = 1.0
            else:
                session.execute(delete(ScreeningHit).where(ScreeningHit.job_id == job_id))
        return job_dict(job)


def cancel(job_id: int, actor: Actor | None) -> dict[str, Any]:
    """Cancel a queued or running job; its hits go in the same transaction. A finished job
    is a conflict naming its status."""
    with unit_of_work() as session:
        job = _locked(session, job_id)
        if job.status in FINISHED:
            raise Conflict("screening job %(id)s is already %(status)s",
                           fields={"job_id": job_id, "status": job.status},
                           params={"id": job_id, "status": job.status},
                           current=job_dict(job))
        job.status, job.finished_at = "cancelled", datetime.now(UTC)
        job.cancelled_by_name = actor.username if actor else "cli"
        session.execute(delete(ScreeningHit).where(ScreeningHit.job_id == job_id))
        return job_dict(job)


def get_job(job_id: int) -> dict[str, Any]:
    with reading() as session:
        job = session.get(ScreeningJob, job_id)
        if job is None:
            raise NotFound("no screening job %(id)s", fields={"job_id": job_id},
                           params={"id": job_id})
        return job_dict(job)


def list_jobs(limit: int = 50) -> list[dict[str, Any]]:
    with reading() as session:
        return [job_dict(j) for j in session.scalars(
            select(ScreeningJob).order_by(ScreeningJob.id.desc()).limit(limit))]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def requeue_stale(host: str | None = None) -> list[int]:
    """Jobs left ``running`` by a runner of this host whose process is gone (a killed web
    worker or CLI): queued again from the start, their partial hits deleted."""
    host = host or socket.gethostname()
    out = []
    with unit_of_work() as session:
        for job in session.scalars(select(ScreeningJob).where(
                ScreeningJob.status == "running", ScreeningJob.runner.like(f"{host}:%"))
                .with_for_update(skip_locked=True)):
            pid = (job.runner or "").rsplit(":", 1)[-1]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            job.status, job.runner, job.started_at = "queued", None, None
            job.progress, job.spills_done, job.chunks_done = 0.0, 0, 0
            session.execute(delete(ScreeningHit).where(ScreeningHit.job_id == job.id))
            out.append(job.id)
    return out


def run_next(settings: EngineSettings, runner: str | None = None) -> dict[str, Any] | None:
    """Claim and run the oldest queued job (``webgis screen worker``; jobs a dead runner of
    this host left running are queued again first); None: none queued."""
    requeue_stale()
    job_id = claim(runner)
    return None if job_id is None else execute(job_id, settings)

