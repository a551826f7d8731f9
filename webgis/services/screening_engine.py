"""The screening engine: Dask, on this machine by default, on a cluster when told.

* Nothing set: a ``LocalCluster`` of worker *processes* (``WEBGIS_DASK_WORKERS``, 2) is
  started on first use in this process and kept for the next run (closed at exit).
* ``DASK_SCHEDULER_ADDRESS`` set (``tcp://host:8786``): that cluster's scheduler. One that
  does not answer within ``WEBGIS_DASK_CONNECT_TIMEOUT_S`` is an error naming the address
  (:class:`SchedulerUnreachable`) — unless ``WEBGIS_DASK_FALLBACK_LOCAL`` is on, when the
  run falls back to the local cluster and says so in the job's ``engine``.

A run sends the bundle (network, receptors, pollutants: ~1 MB) to every worker once, then
one task per chunk (:func:`webgis.hydro.screening_chunk.run_chunk`), retried
``WEBGIS_DASK_RETRIES`` times by the scheduler when it raises. The caller sees each
finished chunk (``on_chunk``, which writes it and may stop the run) and gets the chunks that
failed after their retries: reported, never dropped.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from webgis.errors import WebgisError
from webgis.hydro.screening_chunk import (
    ChunkResult,
    ScreeningBundle,
    SpillSpec,
    run_chunk,
)

log = logging.getLogger(__name__)


class SchedulerUnreachable(WebgisError):
    """The configured Dask scheduler does not answer (and no fallback is configured)."""

    code = "scheduler_unreachable"


def _bool(raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """How screenings run (environment variables in brackets; README "Risk screening")."""

    scheduler_address: str = ""  # DASK_SCHEDULER_ADDRESS
    fallback_local: bool = False  # WEBGIS_DASK_FALLBACK_LOCAL
    local_workers: int = 2  # WEBGIS_DASK_WORKERS
    chunk_size: int = 48  # WEBGIS_SCREEN_CHUNK: spills per task
    retries: int = 2  # WEBGIS_DASK_RETRIES: a failing chunk runs 1 + retries times
    connect_timeout_s: float = 5.0  # WEBGIS_DASK_CONNECT_TIMEOUT_S

    @classmethod
    def from_mapping(cls, cfg: Mapping[str, Any]) -> EngineSettings:
        """From a mapping of environment-style names (os.environ, or the app's config)."""
        return cls(
            scheduler_address=str(cfg.get("DASK_SCHEDULER_ADDRESS") or ""),
            fallback_local=_bool(cfg.get("WEBGIS_DASK_FALLBACK_LOCAL"), False),
            local_workers=max(1, int(cfg.get("WEBGIS_DASK_WORKERS") or 2)),
            chunk_size=max(1, int(cfg.get("WEBGIS_SCREEN_CHUNK") or 48)),
            retries=max(0, int(cfg.get("WEBGIS_DASK_RETRIES") or 2)),
            connect_timeout_s=float(cfg.get("WEBGIS_DASK_CONNECT_TIMEOUT_S") or 5.0),
        )

    @classmethod
    def from_environment(cls) -> EngineSettings:
        return cls.from_mapping(os.environ)


@dataclass
class RunReport:
    """What a run did: chunks done, the failed ones (after retries), stopped early?"""

    engine: str
    chunks_done: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    stopped: bool = False


_LOCAL_LOCK = threading.Lock()
_LOCAL: dict[int, Any] = {}  # workers -> (LocalCluster, Client), one per process


def local_client(workers: int) -> Any:
    """This process' LocalCluster client with ``workers`` worker processes (started once,
    kept for later runs; a different worker count starts another)."""
    with _LOCAL_LOCK:
        got = _LOCAL.get(workers)
        if got is not None and got[1].status == "running":
            return got[1]
        import dask.config
        from distributed import Client, LocalCluster

        # The workers' malloc as in any process: Dask's nanny sets MALLOC_TRIM_THRESHOLD_
        # in them, which also freezes glibc's mmap threshold at 128 KiB, so every larger
        # temporary array (the transport's FFT rows) is a fresh mmap with its page
        # faults: a quarter more CPU per spill (benchmarks/bench_screening.py). The
        # scheduler's HTTP server (dashboard, health) on a free port: a fixed one (8787,
        # the default when None) collides with any other cluster on the machine.
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_":
                              None}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.WARNING)
        client = Client(cluster, set_as_default=False)
        _LOCAL[workers] = (cluster, client)
        return client


def close_local() -> None:
    """Stop this process' local clusters (at exit; the tests call it at the end)."""
    with _LOCAL_LOCK:
        for cluster, client in _LOCAL.values():
            client.close()
            cluster.close()
        _LOCAL.clear()


atexit.register(close_local)


def connect(settings: EngineSettings) -> tuple[Any, str]:
    """(client, description of the engine) for these settings (see the module doc)."""
    addr = settings.scheduler_address.strip()
    if addr:
        from distributed import Client

        try:
            client = Client(addr, timeout=settings.connect_timeout_s, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            if not settings.fallback_local:
                raise SchedulerUnreachable(
                    "the Dask scheduler at %(address)s does not answer (%(reason)s); unset "
                    "DASK_SCHEDULER_ADDRESS or set WEBGIS_DASK_FALLBACK_LOCAL=1 to run "
                    "on this machine",
                    fields={"DASK_SCHEDULER_ADDRESS": addr},
                    params={"address": addr, "reason": type(exc).__name__}) from None
            log.warning("Dask scheduler %s does not answer; falling back to a local cluster",
                        addr)
            client = local_client(settings.local_workers)
            return client, (f"local ({settings.local_workers} workers; scheduler {addr} "
                            "did not answer)")
        try:  # a scheduler without workers would hold the tasks forever
            client.wait_for_workers(1, timeout=settings.connect_timeout_s)
        except (OSError, TimeoutError):
            client.close()
            raise SchedulerUnreachable(
                "the Dask scheduler at %(address)s has no workers", fields={
                    "DASK_SCHEDULER_ADDRESS": addr}, params={"address": addr}) from None
        return client, f"cluster {addr}"
    return local_client(settings.local_workers), f"local ({settings.local_workers} workers)"


def check_scheduler(settings: EngineSettings) -> str:
    """Fail now, naming the address, if the configured scheduler does not answer (before
    a job is queued); the engine's description otherwise."""
    if not settings.scheduler_address:
        return f"local ({settings.local_workers} workers)"
    client, description = connect(settings)
    if description.startswith("cluster"):
        client.close()
    return description


def run_chunks(
    settings: EngineSettings,
    bundle: ScreeningBundle,
    chunks: Sequence[Sequence[SpillSpec]],
    on_chunk: Callable[[ChunkResult], bool],
    *,
    task: Callable[..., ChunkResult] = run_chunk,
) -> RunReport:
    """Run every chunk on the engine; ``on_chunk`` gets each result as it finishes and
    returns False to stop the run (a cancelled job): the remaining tasks are cancelled.

    ``task`` is the chunk function (the default everywhere but in tests)."""
    client, description = connect(settings)
    report = RunReport(engine=description)
    run_id = uuid.uuid4().hex[:12]
    try:
        with client.as_current():
            _run(client, settings, bundle, chunks, on_chunk, task, report, run_id)
    finally:
        if description.startswith("cluster"):
            client.close()
    return report


def _run(client: Any, settings: EngineSettings, bundle: ScreeningBundle,
         chunks: Sequence[Sequence[SpillSpec]], on_chunk: Callable[[ChunkResult], bool],
         task: Callable[..., ChunkResult], report: RunReport, run_id: str) -> None:
    """Submit the chunks and follow them to the end (see :func:`run_chunks`)."""
    from distributed import as_completed

    [shared] = client.scatter([bundle], broadcast=True, hash=False)
    futures = [
        client.submit(task, shared, i, list(chunk), key=f"screen-{run_id}-{i}",
                      retries=settings.retries, pure=False)
        for i, chunk in enumerate(chunks)
    ]
    chunk_of = {f.key: i for i, f in enumerate(futures)}
    done = as_completed(futures)
    for fut in done:
        if fut.status == "error":
            exc = fut.exception()
            i = chunk_of[fut.key]
            report.failed.append({
                "chunk": i, "spills": [s.spill_no for s in chunks[i]],
                "attempts": settings.retries + 1,
                "error": f"{type(exc).__name__}: {exc}"})
            continue
        if fut.status == "cancelled":
            continue
        result = fut.result()
        report.chunks_done += 1
        if not on_chunk(result):
            report.stopped = True
            client.cancel(futures)
            break
