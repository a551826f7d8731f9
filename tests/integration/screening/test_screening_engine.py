"""The screening engine on a real Dask LocalCluster (2 worker processes) and real PostGIS:
a run to the end, a cancelled run, a failing chunk (retried, then reported), a flaky chunk
(retried and done), an unreachable scheduler, and two runners claiming one job."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from webgis.contract.screening import ScreeningRequest
from webgis.hydro.analysis import ReleaseInput
from webgis.hydro.screening import screen_spill, snap_at
from webgis.hydro.screening_chunk import ChunkResult, SpillSpec, run_chunk
from webgis.services import screening_jobs as jobs
from webgis.services.screening_engine import (
    EngineSettings,
    SchedulerUnreachable,
    close_local,
)

LOCAL = EngineSettings(local_workers=2, chunk_size=6, retries=2)


@pytest.fixture(scope="module", autouse=True)
def _cluster():
    yield
    close_local()


def _hits(session, job_id):
    from webgis.models import ScreeningHit

    return session.scalar(select(func.count()).select_from(ScreeningHit)
                          .where(ScreeningHit.job_id == job_id))


def flaky_chunk(marker: str, bundle, chunk_no, specs) -> ChunkResult:
    """Fails on its first attempt at chunk 0 (a marker file counts the attempts)."""
    path = Path(marker)
    if chunk_no == 0:
        tries = int(path.read_text()) if path.exists() else 0
        path.write_text(str(tries + 1))
        if tries == 0:
            raise RuntimeError("a worker lost its footing")
    return run_chunk(bundle, chunk_no, specs)


def test_a_run_on_a_local_cluster_matches_the_serial_lean_path(app, session):
    from webgis.services.reference import get_reference

    with app.app_context():
        job = jobs.request_run(ScreeningRequest(seasons=["dry", "normal"]), None,
                               synthetic=(20, 3))
        assert job["status"] == "queued" and job["spills_total"] == 40
        assert jobs.claim(job_id=job["id"]) == job["id"]
        seen = []
        done = jobs.execute(job["id"], LOCAL, progress=seen.append)
        assert done["status"] == "done", done["error"]
        assert done["progress"] == 1.0 and done["spills_done"] == 40
        assert done["chunks_done"] == done["chunks_total"] == len(seen) >= 7
        assert [s["spills_done"] for s in seen] == sorted(s["spills_done"] for s in seen)
        assert done["engine"] == "local (2 workers)"
        ref = get_reference(session)
        # the same spills in this process, one by one
        from webgis.models import ScreeningHit, ScreeningSpill

        spills = session.scalars(select(ScreeningSpill).where(
            ScreeningSpill.job_id == job["id"])).all()
        want = {}
        receptors = [r for r in ref.receptors if r.kind != "boundary"]
        for s in spills:
            net = ref.network
            for h in screen_spill(net, snap_at(net, net.index_of(s.reach_code), s.measure),
                                  ref.pollutants[s.pollutant_code], ReleaseInput(s.mass_kg),
                                  s.season, 72.0, receptors):
                want[(s.spill_no, h.code)] = h
        got = {(h.spill_no, h.receptor_code): h for h in session.scalars(
            select(ScreeningHit).where(ScreeningHit.job_id == job["id"]))}
        assert want and got.keys() == want.keys()
        for k, h in got.items():
            assert math.isclose(h.arrival_h, want[k].arrival_h, rel_tol=1e-9)
            assert math.isclose(h.peak_mgl, want[k].peak_mgl, rel_tol=1e-9)
        # asked again: the same run, reused
        again = jobs.request_run(ScreeningRequest(seasons=["normal", "dry"]), None,
                                 synthetic=(20, 3))
        assert again["id"] == job["id"] and again["reused"]


def test_a_cancelled_run_leaves_no_results(app, session):
    with app.app_context():
        job = jobs.request_run(ScreeningRequest(seasons=["dry", "normal", "flood"]), None,
                               synthetic=(30, 5))
        jobs.claim(job_id=job["id"])

        def cancel_at_first(seen):
            if seen["chunks_done"] == 1:
                jobs.cancel(job["id"], None)

        out = jobs.execute(job["id"], EngineSettings(chunk_size=3), progress=cancel_at_first)
        assert out["status"] == "cancelled"
        assert out["chunks_done"] == 1 < out["chunks_total"]
        assert _hits(session, job["id"]) == 0
        assert out["cancelled_by"] == "cli"
        with pytest.raises(Exception) as err:  # cancelling it again: a conflict
            jobs.cancel(job["id"], None)
        assert err.value.code == "conflict" and err.value.fields["status"] == "cancelled"


def test_a_failing_chunk_is_retried_then_reported_and_nothing_is_kept(app, session):
    with app.app_context():
        job = jobs.request_run(ScreeningRequest(seasons=["dry"]), None, synthetic=(12, 9))
        jobs.claim(job_id=job["id"])
        specs = jobs_specs(session, job["id"])
        bad = SpillSpec(specs[0].spill_no, specs[0].reach_idx, specs[0].measure,
                        specs[0].pollutant, -1.0, "dry")
        out = jobs.execute(job["id"], EngineSettings(chunk_size=4, retries=1),
                           specs=[bad, *specs[1:]])
        assert out["status"] == "failed"
        [failed] = out["failed_chunks"]
        assert failed["attempts"] == 2 and specs[0].spill_no in failed["spills"]
        assert f"spill {specs[0].spill_no}" in failed["error"]
        assert "mass_kg" in failed["error"]
        assert "1 of" in out["error"]
        assert _hits(session, job["id"]) == 0


def test_a_flaky_chunk_is_retried_and_the_run_completes(app, session, tmp_path):
    with app.app_context():
        job = jobs.request_run(ScreeningRequest(seasons=["flood"]), None, synthetic=(10, 4))
        jobs.claim(job_id=job["id"])
        marker = tmp_path / "attempts"
        out = jobs.execute(job["id"], EngineSettings(chunk_size=4, retries=2),
                           task=functools.partial(flaky_chunk, str(marker)))
        assert out["status"] == "done", out["error"]
        assert marker.read_text() == "2"
        assert _hits(session, job["id"]) > 0


def jobs_specs(session, job_id):
    from webgis.services.reference import get_reference

    return jobs._specs(session, get_reference(session), job_id)


def test_a_scheduler_that_does_not_answer_is_named_or_falls_back(app, session):
    addr = "tcp://127.0.0.1:9"
    with app.app_context():
        job = jobs.request_run(ScreeningRequest(seasons=["dry"]), None, synthetic=(4, 1))
        jobs.claim(job_id=job["id"])
        with pytest.raises(SchedulerUnreachable) as err:
            jobs.execute(job["id"], EngineSettings(scheduler_address=addr,
                                                   connect_timeout_s=1.0))
        assert err.value.fields == {"DASK_SCHEDULER_ADDRESS": addr}
        assert addr in str(err.value)
        assert jobs.get_job(job["id"])["status"] == "failed"
        # the same run again, with the fallback on: local, and it says so
        again = jobs.request_run(ScreeningRequest(seasons=["dry"]), None, synthetic=(4, 1))
        assert again["id"] != job["id"]
        jobs.claim(job_id=again["id"])
        out = jobs.execute(again["id"], EngineSettings(
            scheduler_address=addr, connect_timeout_s=1.0, fallback_local=True))
        assert out["status"] == "done" and addr in out["engine"]


def test_two_runners_never_claim_the_same_job(app):
    """Committed rows, two connections: a job locked by one runner is skipped by the
    other, not waited for."""
    from webgis.extensions import db
    from webgis.models import ScreeningJob

    with app.app_context():
        job = ScreeningJob(kind="province", status="queued", run_key="claim-test",
                           dataset_key="x", parameters={}, progress=0.0, spills_total=0,
                           spills_done=0, chunks_total=0, chunks_done=0, created_by_name="t")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        try:
            other = db.engine.connect()
            tx = other.begin()
            other.execute(text("SELECT id FROM screening_job WHERE id = :i FOR UPDATE"),
                          {"i": job_id})
            assert jobs.claim("runner-b", job_id=job_id) is None
            tx.rollback()
            other.close()
            assert jobs.claim("runner-b", job_id=job_id) == job_id
            assert jobs.claim("runner-c", job_id=job_id) is None  # running now
            assert db.session.get(ScreeningJob, job_id).runner == "runner-b"
        finally:
            db.session.rollback()
            db.session.execute(text("DELETE FROM screening_job WHERE id = :i"), {"i": job_id})
            db.session.commit()


def test_an_existing_cluster_by_its_address_and_one_without_workers(app, session):
    """DASK_SCHEDULER_ADDRESS: a running cluster's scheduler takes the run (its engine
    says so); a scheduler without workers is named at once, not waited for forever."""
    from distributed import LocalCluster

    quiet = {"processes": False, "dashboard_address": ":0", "worker_dashboard_address": ":0"}
    with LocalCluster(n_workers=1, threads_per_worker=1, **quiet) as cluster, \
            app.app_context():
        job = jobs.request_run(ScreeningRequest(seasons=["normal"]), None, synthetic=(6, 8))
        jobs.claim(job_id=job["id"])
        out = jobs.execute(job["id"], EngineSettings(
            scheduler_address=cluster.scheduler_address, chunk_size=4))
        assert out["status"] == "done", out["error"]
        assert out["engine"] == f"cluster {cluster.scheduler_address}"
        assert _hits(session, job["id"]) > 0
    with LocalCluster(n_workers=0, **quiet) as empty:
        with pytest.raises(SchedulerUnreachable) as err:
            from webgis.services.screening_engine import connect

            connect(EngineSettings(scheduler_address=empty.scheduler_address,
                                   connect_timeout_s=1.0))
        assert err.value.fields == {"DASK_SCHEDULER_ADDRESS": empty.scheduler_address}


def test_a_job_left_running_by_a_dead_runner_is_queued_again(app, session):
    import os
    import socket
    import subprocess

    from webgis.models import ScreeningHit, ScreeningJob

    gone = subprocess.Popen(["true"])
    gone.wait()
    with app.app_context():
        job = jobs.request_run(ScreeningRequest(seasons=["dry"]), None, synthetic=(3, 2))
        jobs.claim(f"{socket.gethostname()}:{gone.pid}", job_id=job["id"])
        session.add(ScreeningHit(job_id=job["id"], spill_no=0, kind="water_source",
                                 receptor_code="WS_A", river_code="MAIN", river_km=1.0,
                                 arrival_h=1.0, peak_mgl=1.0, flagged=False))
        session.commit()
        alive = jobs.request_run(ScreeningRequest(seasons=["flood"]), None, synthetic=(3, 2))
        jobs.claim(f"{socket.gethostname()}:{os.getpid()}", job_id=alive["id"])
        assert jobs.requeue_stale() == [job["id"]]
        assert session.get(ScreeningJob, job["id"]).status == "queued"
        assert session.get(ScreeningJob, alive["id"]).status == "running"
        assert _hits(session, job["id"]) == 0
