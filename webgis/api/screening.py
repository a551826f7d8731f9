"""Risk screening (issue 15): start, follow, cancel, rank, export.

A planner starts a run (``POST /api/v1/screenings``): the job is queued and, unless
``SCREENING_RUNNER`` says otherwise, run by a thread of this process on the engine
(``webgis.services.screening_engine``); ``queue`` leaves it to ``webgis screen worker``,
``inline`` runs it within the request (tests). The same dataset and parameters reuse the
run. Anyone who may read follows it and reads its rankings and files.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, Response, current_app, jsonify

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import read_access, require_role
from webgis.contract.screening import (
    JobId,
    RankingQuery,
    Rankings,
    ScreeningJob,
    ScreeningRequest,
)
from webgis.edge import current_actor
from webgis.services import screening_jobs as jobs
from webgis.services import screening_results as results
from webgis.services.screening_engine import EngineSettings, check_scheduler
from webgis.services.uow import end_of_context

_SECURITY: dict[str, Any] = {"security": [{"bearer": []}, {"session": []}]}
_FILE: dict[str, Any] = {"ok": None, "tags": ["screening"]}


def _engine_settings(app: Flask) -> EngineSettings:
    """The app's config over the environment (DASK_SCHEDULER_ADDRESS, WEBGIS_DASK_*)."""
    import os

    return EngineSettings.from_mapping({**os.environ, **{
        k: v for k, v in app.config.items()
        if k.startswith(("DASK_", "WEBGIS_DASK_", "WEBGIS_SCREEN_"))}})


def _run_in_thread(app: Flask, job_id: int, settings: EngineSettings) -> None:
    def run() -> None:
        with app.app_context():
            try:
                if jobs.claim(job_id=job_id) == job_id:
                    jobs.execute(job_id, settings)
            except Exception:  # the job row holds the error; the thread just ends
                app.logger.exception("screening job %s", job_id)
            finally:
                end_of_context()

    threading.Thread(target=run, name=f"screening-{job_id}", daemon=True).start()


@bp.post("/api/v1/screenings")
@require_role("planner")
@document(json=ScreeningRequest, ok=ScreeningJob, status=201, tags=["screening"],
          **_SECURITY)
def start_screening():
    """Start a province-wide (no `area`) or area screening: 201 with the new job, or
    200 with the run already done or running for the same dataset and parameters."""
    req = params.body(ScreeningRequest)
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = _engine_settings(app)
    check_scheduler(settings)  # an unreachable scheduler: named, nothing queued
    job = jobs.request_run(req, current_actor())
    if job["status"] == "queued":
        mode = app.config.get("SCREENING_RUNNER", "thread")
        if mode == "inline" and jobs.claim(job_id=job["id"]) == job["id"]:
            job = {**jobs.execute(job["id"], settings), "reused": False}
        elif mode == "thread":
            _run_in_thread(app, job["id"], settings)
    return jsonify(job), 200 if job["reused"] else 201


@bp.get("/api/v1/screenings")
@read_access
@document(ok=list[ScreeningJob], tags=["screening"])
def list_screenings():
    """The latest screening jobs, newest first."""
    return jsonify(jobs.list_jobs())


@bp.get("/api/v1/screenings/<int:job_id>")
@read_access
@document(ok=ScreeningJob, tags=["screening"])
def get_screening(job_id: int):
    """A job's state and progress."""
    return jsonify(jobs.get_job(params.values(JobId, job_id=job_id).job_id))


@bp.post("/api/v1/screenings/<int:job_id>/cancel")
@require_role("planner")
@document(ok=ScreeningJob, tags=["screening"], **_SECURITY)
def cancel_screening(job_id: int):
    """Cancel a queued or running job (its partial results are deleted); a finished job
    is a 409 naming its status."""
    return jsonify(jobs.cancel(params.values(JobId, job_id=job_id).job_id, current_actor()))


@bp.get("/api/v1/screenings/<int:job_id>/rankings")
@read_access
@document(query=RankingQuery, ok=Rankings, tags=["screening"])
def screening_rankings(job_id: int):
    """Enterprises, intakes and rivers ranked by threat (a done job only: 409 else)."""
    q = params.query(RankingQuery)
    return jsonify(results.rankings(params.values(JobId, job_id=job_id).job_id, q.limit))


@bp.get("/api/v1/screenings/<int:job_id>/rankings.xlsx")
@read_access
@document(**_FILE)
def screening_xlsx(job_id: int):
    """The rankings as an XLSX workbook."""
    from webgis.exports.screening import screening_xlsx as build

    data = results.rankings(params.values(JobId, job_id=job_id).job_id, 1000)
    return _file(build(data), "application/vnd.openxmlformats-officedocument."
                 "spreadsheetml.sheet", f"screening-{job_id}.xlsx")


@bp.get("/api/v1/screenings/<int:job_id>/layers.geojson")
@read_access
@document(**_FILE)
def screening_geojson(job_id: int):
    """Threat lines (enterprise → threatened intake) and the intakes graduated by their
    threatening sources, as GeoJSON."""
    from webgis.exports.screening import screening_geojson as build

    jid = params.values(JobId, job_id=job_id).job_id
    data = results.rankings(jid, 1000)
    return _file(build(data, results.threat_lines(jid)), "application/geo+json",
                 f"screening-{job_id}.geojson")


def _file(data: bytes, mimetype: str, name: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
