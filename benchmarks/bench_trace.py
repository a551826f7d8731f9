"""Trace benchmark on a synthetic dendritic network (default 1,000,000 reaches of ~1 km).

Prints: generation and build time, resident memory, p50/p95 of 1,000 km downstream traces
from random sources with ``RiverNetwork.trace_downstream``, the same traces done as a
networkx DiGraph walk (the way a typical Python GIS stack would), and the ratio.
Optionally (``--snap``) the lazy STRtree build and snap latency. Figures only, no asserts.

    .venv/bin/python benchmarks/bench_trace.py                  # 10^6 reaches
    .venv/bin/python benchmarks/bench_trace.py --reaches 20000  # quick run
"""

from __future__ import annotations

import argparse
import gc
import math
import resource
import time

import numpy as np

from webgis.hydro.network import ReachInput, RiverNetwork

STEP_KM = 1.0
KM_PER_DEG = 111.2


def rss_mb() -> float:
    """Peak resident set size of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """Current resident set size (MB) from /proc (Linux); peak if unavailable."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return rss_mb()


def synthetic(n: int, seed: int = 7, mainstem: int = 3_000) -> dict[str, np.ndarray]:
    """A dendritic network: long mainstems plus tributary chains joining random reaches.

    Each reach is ~1 km with 3 vertices (start, wobbly middle, end); a tributary's last
    vertex is the first vertex of the reach it joins. Returns flat arrays.
    """
    rng = np.random.default_rng(seed)
    start_lon = np.empty(n)
    start_lat = np.empty(n)
    end_lon = np.empty(n)
    end_lat = np.empty(n)
    down = np.empty(n, dtype=np.int32)
    depth = np.empty(n, dtype=np.int64)
    river = np.empty(n, dtype=np.int32)
    made, rid = 0, 0

    def walk(lon0: float, lat0: float, k: int, heading: float) -> tuple[np.ndarray, np.ndarray]:
        """k+1 nodes walking *upstream* from (lon0, lat0) with a persistent heading."""
        h = heading + np.cumsum(rng.normal(0.0, 0.25, k))
        dlat = np.cos(h) * STEP_KM / KM_PER_DEG
        lat = np.clip(lat0 + np.concatenate(([0.0], np.cumsum(dlat))), -80, 80)
        dlon = np.sin(h) * STEP_KM / (KM_PER_DEG * np.cos(np.radians(lat[1:])))
        lon = lon0 + np.concatenate(([0.0], np.cumsum(dlon)))
        return lon, lat

    def add_river(nodes_lon, nodes_lat, join: int, join_depth: int) -> None:
        nonlocal made, rid
        k = nodes_lon.size - 1
        # nodes go upstream from the junction; reaches are stored in flow direction
        nl, na = nodes_lon[::-1], nodes_lat[::-1]
        sl = slice(made, made + k)
        start_lon[sl], start_lat[sl] = nl[:-1], na[:-1]
        end_lon[sl], end_lat[sl] = nl[1:], na[1:]
        idx = np.arange(made, made + k, dtype=np.int32)
        down[sl] = idx + 1
        down[made + k - 1] = join
        depth[sl] = join_depth + np.arange(k, 0, -1)
        river[sl] = rid
        made += k
        rid += 1

    n_main = max(1, min(n // (4 * mainstem), 40))
    for b in range(n_main):
        k = min(mainstem, n - made)
        if k <= 0:
            break
        lon0, lat0 = 75.0 + (b % 8) * 7.0, 22.0 + (b // 8) * 5.0
        lon, lat = walk(lon0, lat0, k, rng.uniform(0, 2 * math.pi))
        add_river(lon, lat, -1, -1)
    while made < n:
        k = int(min(rng.geometric(1 / 120.0), 2_000, n - made))
        j = int(rng.integers(0, made))
        lon, lat = walk(start_lon[j], start_lat[j], k, rng.uniform(0, 2 * math.pi))
        add_river(lon, lat, j, int(depth[j]))
    mid_lon = 0.5 * (start_lon + end_lon) + rng.normal(0, 5e-4, n)
    mid_lat = 0.5 * (start_lat + end_lat) + rng.normal(0, 5e-4, n)
    lon = np.column_stack((start_lon, mid_lon, end_lon)).ravel()
    lat = np.column_stack((start_lat, mid_lat, end_lat)).ravel()
    return {"lon": lon, "lat": lat, "down": down, "depth": depth, "river": river}


def build_from_arrays(g: dict[str, np.ndarray]) -> RiverNetwork:
    """The vectorised constructor (what a bulk loader would use)."""
    n = g["down"].size
    nriv = int(g["river"].max()) + 1
    return RiverNetwork.from_arrays(
        codes=[f"R{i}" for i in range(n)],
        river_index=g["river"],
        rivers=[f"RIV{i}" for i in range(nriv)],
        downstream=g["down"],
        vertex_offsets=np.arange(n + 1, dtype=np.int64) * 3,
        lon=g["lon"],
        lat=g["lat"],
        discharge_m3s=np.full(n, 10.0),
    )


def reach_inputs(g: dict[str, np.ndarray], chunk: int = 50_000):
    """The same network as ReachInput rows, streamed (what the service layer does)."""
    lon, lat, down, river = g["lon"], g["lat"], g["down"], g["river"]
    n = down.size
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        xy = np.column_stack((lon[3 * a : 3 * b], lat[3 * a : 3 * b])).reshape(-1, 3, 2).tolist()
        for i, coords, d, rv in zip(
            range(a, b), xy, down[a:b].tolist(), river[a:b].tolist(), strict=True
        ):
            yield ReachInput(f"R{i}", f"RIV{rv}", None if d < 0 else f"R{d}", coords, 10.0)


def percentiles(ms: list[float]) -> str:
    a = np.array(ms)
    p50, p95 = np.percentile(a, 50), np.percentile(a, 95)
    return f"p50 {p50:.3f} ms, p95 {p95:.3f} ms, max {a.max():.3f} ms"


def networkx_trace(g_nx, lengths: np.ndarray, src: int, limit_m: float) -> list[int]:
    """The networkx way: follow successors, summing edge lengths, until the limit."""
    out, done, node, seen = [], 0.0, src, set()
    while True:
        if node in seen:
            raise RuntimeError("cycle")
        seen.add(node)
        out.append(node)
        done += lengths[node]
        if done >= limit_m:
            return out
        nxt = next(iter(g_nx.successors(node)), None)
        if nxt is None:
            return out
        node = nxt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reaches", type=int, default=1_000_000)
    ap.add_argument("--traces", type=int, default=1_000)
    ap.add_argument("--trace-km", type=float, default=1_000.0)
    ap.add_argument(
        "--via-inputs", action="store_true", help="also time build() from ReachInput rows"
    )
    ap.add_argument("--snap", action="store_true", help="also time the STRtree build and snaps")
    ap.add_argument("--no-networkx", action="store_true")
    ap.add_argument("--postgis", action="store_true",
                    help="also trace with a PostGIS recursive CTE (local cluster)")
    ap.add_argument("--postgis-traces", type=int, default=200)
    args = ap.parse_args()

    print(f"reaches: {args.reaches:,}  traces: {args.traces} x {args.trace_km:g} km")
    print(f"baseline RSS: {current_rss_mb():.0f} MB")
    t0 = time.perf_counter()
    g = synthetic(args.reaches)
    print(f"generate (numpy): {time.perf_counter() - t0:.2f} s, RSS now {current_rss_mb():.0f} MB")

    rss_before = current_rss_mb()
    t0 = time.perf_counter()
    net = build_from_arrays(g)
    build_s = time.perf_counter() - t0
    print(
        f"RiverNetwork.from_arrays: {build_s:.2f} s; RSS now {current_rss_mb():.0f} MB "
        f"(+{current_rss_mb() - rss_before:.0f} MB for the network), peak {rss_mb():.0f} MB"
    )
    if args.via_inputs:
        t0 = time.perf_counter()
        for _ in reach_inputs(g):
            pass
        rows_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        net2 = RiverNetwork.build(reach_inputs(g))
        took = time.perf_counter() - t0
        print(
            f"RiverNetwork.build(ReachInput rows): {took:.2f} s including {rows_s:.2f} s to "
            f"make the rows -> build {took - rows_s:.2f} s; peak RSS {rss_mb():.0f} MB"
        )
        assert len(net2) == len(net)
        del net2

    # the network lives for the whole process: keep the collector from rescanning it
    # (what a pre-forking server does with gc.freeze() after building the cache)
    gc.collect()
    gc.freeze()
    limit_m = args.trace_km * 1000.0
    need = int(args.trace_km / STEP_KM * 1.1)
    eligible = np.flatnonzero(g["depth"] >= need)
    if eligible.size == 0:
        eligible = np.argsort(g["depth"])[-max(1, args.traces) :]
        print(f"(network too small for {args.trace_km:g} km: tracing from the deepest sources)")
    rng = np.random.default_rng(11)
    sources = rng.choice(eligible, size=args.traces, replace=True)
    for s in sources[:20]:  # warm-up
        net.trace_downstream(int(s), 0.0, limit_m)
    ours, reached = [], []
    for s in sources.tolist():
        t0 = time.perf_counter()
        path = net.trace_downstream(s, 0.0, limit_m)
        ours.append((time.perf_counter() - t0) * 1e3)
        reached.append(path[-1].to_km)
    nseg = np.mean([len(net.trace_downstream(int(s), 0.0, limit_m)) for s in sources[:50]])
    print(
        f"trace_downstream: {percentiles(ours)}; mean path {np.mean(reached):.0f} km, "
        f"{nseg:.0f} reaches"
    )
    print(f"RSS after traces: {current_rss_mb():.0f} MB (peak {rss_mb():.0f} MB)")

    if args.snap:
        t0 = time.perf_counter()
        net.spatial_index()
        took = time.perf_counter() - t0
        print(f"STRtree (lazy, first snap): {took:.2f} s; RSS {current_rss_mb():.0f} MB")
        pts = rng.choice(args.reaches, 200)
        snaps = []
        for i in pts.tolist():
            lon, lat = net.point_at(i, 0.37)
            t0 = time.perf_counter()
            net.snap(lon + 0.001, lat + 0.001, 5_000)
            snaps.append((time.perf_counter() - t0) * 1e3)
        print(f"snap: {percentiles(snaps)}")

    if not args.no_networkx:
        import networkx as nx

        t0 = time.perf_counter()
        d = g["down"]
        src_idx = np.flatnonzero(d >= 0)
        gx = nx.DiGraph()
        gx.add_nodes_from(range(args.reaches))
        gx.add_edges_from(zip(src_idx.tolist(), d[src_idx].tolist(), strict=True))
        took = time.perf_counter() - t0
        print(f"networkx DiGraph build: {took:.2f} s; RSS now {current_rss_mb():.0f} MB")
        lengths = net.length_m
        theirs = []
        for s in sources.tolist():
            t0 = time.perf_counter()
            networkx_trace(gx, lengths, s, limit_m)
            theirs.append((time.perf_counter() - t0) * 1e3)
        print(f"networkx walk: {percentiles(theirs)}")
        r50 = np.percentile(theirs, 50) / np.percentile(ours, 50)
        r95 = np.percentile(theirs, 95) / np.percentile(ours, 95)
        print(f"ratio networkx / ours: p50 x{r50:.1f}, p95 x{r95:.1f}")
    if args.postgis:
        theirs_pg = postgis_traces(g["down"], net.length_m, sources[: args.postgis_traces],
                                   limit_m)
        print(f"PostGIS recursive CTE ({len(theirs_pg)} traces): {percentiles(theirs_pg)}")
        r50 = np.percentile(theirs_pg, 50) / np.percentile(ours, 50)
        r95 = np.percentile(theirs_pg, 95) / np.percentile(ours, 95)
        print(f"ratio PostGIS CTE / ours: p50 x{r50:.0f}, p95 x{r95:.0f}")


TRACE_CTE = """
WITH RECURSIVE t(id, downstream, done_m) AS (
    SELECT id, downstream, length_m FROM bench_reach WHERE id = %(src)s
  UNION ALL
    SELECT r.id, r.downstream, t.done_m + r.length_m
    FROM bench_reach r JOIN t ON r.id = t.downstream
    WHERE t.done_m < %(limit)s
)
SELECT count(*), max(done_m) FROM t
"""


def postgis_traces(down: np.ndarray, lengths: np.ndarray, sources: np.ndarray,
                   limit_m: float) -> list[float]:
    """The same traces as a recursive CTE over a reaches table (the SQL way).

    Loads (id, downstream, length_m) into a scratch database `webgis_bench` of the local
    cluster (`webgis localdb start`) with COPY, indexed on the primary key.
    """
    import psycopg

    from webgis import localdb
    from webgis.config import local_database_url

    localdb.start()
    dsn = local_database_url("postgres").replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS webgis_bench")
        conn.execute("CREATE DATABASE webgis_bench")
    t0 = time.perf_counter()
    with psycopg.connect(dsn.rsplit("/", 1)[0] + "/webgis_bench", autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_reach (id integer PRIMARY KEY, downstream integer, "
                     "length_m double precision NOT NULL)")
        with conn.cursor().copy("COPY bench_reach (id, downstream, length_m) FROM STDIN") as cp:
            for i, (d, length) in enumerate(zip(down.tolist(), lengths.tolist(), strict=True)):
                cp.write_row((i, None if d < 0 else d, length))
        conn.execute("ANALYZE bench_reach")
        print(f"PostGIS table load (COPY + PK index): {time.perf_counter() - t0:.1f} s")
        times = []
        for s in sources.tolist()[:5]:
            conn.execute(TRACE_CTE, {"src": s, "limit": limit_m}).fetchone()  # warm-up
        for s in sources.tolist():
            t0 = time.perf_counter()
            conn.execute(TRACE_CTE, {"src": s, "limit": limit_m}).fetchone()
            times.append((time.perf_counter() - t0) * 1e3)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS webgis_bench")
    return times


if __name__ == "__main__":
    main()
