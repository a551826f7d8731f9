"""Risk screening on Dask: a synthetic 5,228-enterprise register and the bundled one.

Needs the local database loaded (`scripts/run.sh`, or `webgis localdb start && webgis db
upgrade && webgis load-data`). Prints, nothing asserted (issue 15, "Speed"):

1. the synthetic register (5,228 enterprises on the bundled network, each × its first
   substance × the normal season; never written to the enterprise tables) through the
   engine on a LocalCluster of 2 worker processes and of 1: wall time (a first pass with
   cold transfer caches and a second, warm one), spills per second per worker, the 1 → 2
   worker scaling, the per-spill cost on the workers (wall and CPU: on a shared machine
   the wall time also counts waiting for a core) and each worker's peak RSS; the load
   average is printed with every figure;
1b. the same spills serially in this process through the lean path (`run_chunk`, warm
   caches): CPU ms per spill, the figure least sensitive to other load on the machine;
2. the baseline: the same spills serially in this process through today's full analysis
   (`services.analysis.analyze`: snap, trace, transport, receptors, resources, level,
   plan, JSON) — `--baseline N` runs N of them and scales;
3. the bundled register × all its substances × 3 seasons on 2 workers: spills, wall time.

The engine runs here without the job tables (results are collected, not written): the
database part of a job (one COPY per chunk) is timed separately by `webgis screen`.

    .venv/bin/python benchmarks/bench_screening.py [--n 5228] [--baseline 500] [--chunk 48]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from webgis import create_app
from webgis.extensions import db
from webgis.hydro.screening_chunk import (
    ChunkResult,
    SpillSpec,
    basin_of,
    plan_chunks,
    run_chunk,
)
from webgis.services.analysis import analyze
from webgis.services.reference import get_reference
from webgis.services.screening_engine import (
    EngineSettings,
    close_local,
    local_client,
    run_chunks,
)
from webgis.services.screening_jobs import _bundle
from webgis.services.screening_register import (
    SEASONS,
    plan_spills,
    real_register,
    synthetic_register,
)


def peak_rss_mb() -> float:
    """This process' peak resident set (MB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load() -> str:
    """The machine's 1-minute load average (2 cores: above 2, others wait for a core)."""
    return f"load {os.getloadavg()[0]:.1f}"


def engine_pass(settings: EngineSettings, bundle, chunks
                ) -> tuple[float, float, float, int]:
    """(wall s, summed task wall s, summed task CPU s, hit rows) of one pass."""
    got: list[ChunkResult] = []

    def keep(res: ChunkResult) -> bool:
        got.append(res)
        return True

    t0 = time.perf_counter()
    report = run_chunks(settings, bundle, chunks, keep)
    wall = time.perf_counter() - t0
    if report.failed:
        raise SystemExit(f"chunks failed: {report.failed[:1]}")
    return (wall, sum(r.seconds for r in got), sum(r.cpu_s for r in got),
            sum(len(r.rows) for r in got))


def on_workers(workers: int, bundle, chunks, chunk: int) -> dict[str, float]:
    t0 = time.perf_counter()
    client = local_client(workers)
    start = time.perf_counter() - t0
    settings = EngineSettings(local_workers=workers, chunk_size=chunk)
    cold, _, cold_cpu, _ = engine_pass(settings, bundle, chunks)
    before = load()
    warm, task_s, cpu_s, rows = engine_pass(settings, bundle, chunks)
    rss = client.run(peak_rss_mb)
    return {"start": start, "cold": cold, "warm": warm, "task_s": task_s, "cpu_s": cpu_s,
            "cold_cpu": cold_cpu, "rows": rows, "rss": max(rss.values()),
            "load": f"{before} → {load()}"}


def serial_lean(bundle, chunks) -> tuple[float, float]:
    """(CPU ms, wall ms) per spill of the lean path in this process, caches warm."""
    for i, c in enumerate(chunks):  # fills this process' caches
        run_chunk(bundle, i, c)
    c0, t0 = time.process_time(), time.perf_counter()
    n = 0
    for i, c in enumerate(chunks):
        n += run_chunk(bundle, i, c).spills
    return ((time.process_time() - c0) / n * 1e3, (time.perf_counter() - t0) / n * 1e3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5228, help="synthetic enterprises")
    ap.add_argument("--baseline", type=int, default=500,
                    help="spills run through the full analysis (scaled to all)")
    ap.add_argument("--chunk", type=int, default=48, help="spills per task")
    ap.add_argument("--skip-bundled", action="store_true")
    ap.add_argument("--bundled-limit", type=int, default=0,
                    help="only the first N bundled spills (a smoke run; 0: all)")
    args = ap.parse_args()
    app = create_app({"WARM_TRANSFERS": False})
    with app.app_context():
        ref = get_reference(db.session)
        register = real_register(db.session)
        entries = synthetic_register(ref.network, register, args.n, seed=15)
        planned = plan_spills(ref, entries, ["normal"], max_substances=1)
        specs: list[SpillSpec] = [p.spec for p in planned]
        bundle = _bundle(ref, 72.0)
        chunks = plan_chunks(specs, basin_of(ref.network), args.chunk)
        print(f"synthetic register: {args.n} enterprises (SYN-…, in memory only) × first "
              f"substance × normal season = {len(specs)} spills in {len(chunks)} chunks of "
              f"≤ {args.chunk} (by basin)")
        figures = {}
        for workers in (2, 1):
            f = figures[workers] = on_workers(workers, bundle, chunks, args.chunk)
            print(f"  {workers} worker(s): cluster start {f['start']:.1f} s; wall time "
                  f"cold {f['cold']:.1f} s, warm {f['warm']:.1f} s ({f['load']}); "
                  f"{len(specs) / f['warm'] / workers:.0f} spills/s/worker; per-spill cost "
                  f"on the workers {f['task_s'] / len(specs) * 1e3:.2f} ms wall, "
                  f"{f['cpu_s'] / len(specs) * 1e3:.2f} ms CPU (cold pass "
                  f"{f['cold_cpu'] / len(specs) * 1e3:.2f}); peak RSS per worker "
                  f"{f['rss']:.0f} MB; {f['rows']} receptor rows")
            close_local()
        print(f"  scaling 1 → 2 workers (warm wall time): "
              f"×{figures[1]['warm'] / figures[2]['warm']:.2f}; the workers' CPU per spill "
              f"with 2 workers is ×{figures[2]['cpu_s'] / figures[1]['cpu_s']:.2f} that "
              f"with 1 (above 1: work a second worker adds, e.g. its own cache fills)")
        cpu_ms, wall_ms = serial_lean(bundle, chunks)
        print(f"  lean path serially in this process (warm caches): {cpu_ms:.2f} ms CPU, "
              f"{wall_ms:.2f} ms wall per spill ({load()}) → {cpu_ms * len(specs) / 2e3:.1f} s "
              f"of work per worker for all {len(specs)} spills on 2 workers")
        sample = planned[: max(1, min(args.baseline, len(planned)))]
        for timed in (False, True):  # a first pass builds this process' transfers
            t0 = time.perf_counter()
            for p in sample:
                e = p.entry
                analyze(db.session, {"location": {"lon": e.lon, "lat": e.lat},
                                     "pollutant": p.spec.pollutant,
                                     "release": {"mass_kg": p.spec.mass_kg},
                                     "season": p.spec.season})
            per = (time.perf_counter() - t0) / len(sample)
            if not timed:
                print(f"baseline first pass (transfers built as needed): "
                      f"{per * 1e3:.1f} ms/spill")
        print(f"baseline, serial full analysis in this process ({len(sample)} of the "
              f"spills, second pass, transfers cached): {per * 1e3:.1f} ms/spill → "
              f"{per * len(specs):.1f} s for all {len(specs)} (engine, 2 workers, warm: "
              f"{figures[2]['warm']:.1f} s, ×{per * len(specs) / figures[2]['warm']:.1f})")
        if not args.skip_bundled:
            bundled = [p.spec for p in plan_spills(ref, register, list(SEASONS))]
            every = len(bundled)
            if args.bundled_limit:
                bundled = bundled[: args.bundled_limit]
            chunks = plan_chunks(bundled, basin_of(ref.network), args.chunk)
            local_client(2)
            settings = EngineSettings(local_workers=2, chunk_size=args.chunk)
            cold, _, _, _ = engine_pass(settings, bundle, chunks)
            warm, task_s, _, rows = engine_pass(settings, bundle, chunks)
            print(f"bundled register: {len(register)} enterprises × all substances × 3 "
                  f"seasons = {every} spills (run: {len(bundled)}); 2 workers: cold "
                  f"{cold:.1f} s, warm "
                  f"{warm:.1f} s ({task_s / len(bundled) * 1e3:.2f} ms/spill on the "
                  f"workers, {rows} receptor rows)")
            close_local()
        print(f"this process' peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
