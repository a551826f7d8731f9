"""Full incident analysis on the bundled Gansu dataset: in-process and over HTTP.

Needs the local database loaded (`scripts/run.sh` or `webgis localdb start && webgis db
upgrade && webgis load-data`). Spills are placed at the middle of random reaches inside
Gansu with a mix of pollutants; prints p50/p95 of

* `services.analysis.analyze` in-process (the whole answer: snap, trace, transport,
  receptors, resources, level, plan, JSON-ready dict) — target p95 ≤ 20 ms — twice:
  a first pass from an empty transfer cache (webgis.hydro.transfer: the response below
  a reservoir is built on the first spill that needs it), a first pass after the
  start-up warm-up (webgis.services.warmup) and the same spills again;
* `POST /api/v1/incidents/analyze` over HTTP on loopback (werkzeug server in a thread,
  JSON encoding included) — target p95 ≤ 50 ms;
* as the in-process baseline, the bare downstream trace done as a PostGIS recursive CTE
  over the `reach` table for the same spills, and the ratio.

Figures only; nothing is asserted.

    .venv/bin/python benchmarks/bench_analysis.py [--runs 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import threading
import time

import numpy as np
from sqlalchemy import text
from werkzeug.serving import make_server

from webgis import create_app
from webgis.extensions import db
from webgis.hydro.transfer import cache_for
from webgis.services.analysis import analyze
from webgis.services.reference import get_reference
from webgis.services.warmup import warm_transfers

POLLUTANTS = ["BENZENE", "ANTIMONY", "DIESEL", "CADMIUM", "NITROBENZENE", "AMMONIA_N"]

TRACE_CTE = text("""
WITH RECURSIVE t(id, downstream_id, done_m) AS (
    SELECT id, downstream_id, length_m FROM reach WHERE code = :code
  UNION ALL
    SELECT r.id, r.downstream_id, t.done_m + r.length_m
    FROM reach r JOIN t ON r.id = t.downstream_id
)
SELECT count(*), max(done_m) FROM t
""")


def pct(ms: list[float]) -> str:
    a = np.array(ms)
    return f"p50 {np.percentile(a, 50):.1f} ms, p95 {np.percentile(a, 95):.1f} ms, " \
           f"max {a.max():.1f} ms"


def spills(n: int, seed: int = 3) -> list[dict]:
    ref = get_reference(db.session)
    net = ref.network
    gansu = [i for i in range(len(net.codes)) if net.province(i) == "620000"]
    rng = np.random.default_rng(seed)
    out = []
    for k, i in enumerate(rng.choice(gansu, size=n).tolist()):
        lon, lat = net.point_at(i, 0.5)
        out.append({"location": {"lon": lon, "lat": lat},
                    "pollutant": POLLUTANTS[k % len(POLLUTANTS)],
                    "release": {"mass_kg": 5000.0, "duration_h": 0 if k % 3 else 2.0},
                    "horizon_h": 72, "_reach": net.codes[i]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    # one loopback client sends every spill: lift the per-address anonymous limit
    app = create_app({"PUBLIC_READ": True, "WARM_TRANSFERS": False,
                      "LIMIT_ANALYSIS_ANONYMOUS": "100000 per minute"})
    with app.app_context():
        t0 = time.perf_counter()
        get_reference(db.session)
        print(f"reference bundle build (once per dataset): {time.perf_counter() - t0:.2f} s")
        bodies = spills(args.runs)
        cache = cache_for(get_reference(db.session).network)
        cache.clear()
        first, sizes = [], []
        for b in bodies:
            t0 = time.perf_counter()
            r = analyze(db.session, b)
            first.append((time.perf_counter() - t0) * 1e3)
            sizes.append(len(r["receptors"]))
        mb = cache.nbytes() / 2**20
        print(f"analysis in-process, first pass ({len(bodies)} spills, mean "
              f"{np.mean(sizes):.0f} receptors; {cache.builds} transfers built on first use, "
              f"{mb:.0f} MB): {pct(first)}")
        cache.clear()
        t0 = time.perf_counter()
        runs, built = warm_transfers(get_reference(db.session))
        warm_s = time.perf_counter() - t0
        after = []
        for b in bodies:
            t0 = time.perf_counter()
            analyze(db.session, b)
            after.append((time.perf_counter() - t0) * 1e3)
        print(f"analysis in-process, first pass after the start-up warm-up ({runs} notional "
              f"spills, {built} transfers, {warm_s:.1f} s): {pct(after)}")
        passes = []
        for _ in range(3):
            times = []
            for b in bodies:
                t0 = time.perf_counter()
                analyze(db.session, b)
                times.append((time.perf_counter() - t0) * 1e3)
            passes.append(times)
        inproc = passes[0]
        print(f"analysis in-process, transfers cached (the same spills again): {pct(inproc)}")
        # a shared VM's neighbours add tens of percent at random: each spill's fastest of
        # three passes is the figure that compares between runs and machines
        print(f"analysis in-process, transfers cached, best of 3 passes per spill: "
              f"{pct(list(np.min(passes, axis=0)))}")
        cte = []
        for b in bodies:
            t0 = time.perf_counter()
            db.session.execute(TRACE_CTE, {"code": b["_reach"]}).one()
            cte.append((time.perf_counter() - t0) * 1e3)
        print(f"baseline: bare trace as a PostGIS recursive CTE: {pct(cte)}")
        ratio = np.median(inproc) / np.median(cte)
        print(f"ratio full analysis / bare CTE trace: p50 x{ratio:.1f}")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", port)
    http_ms, bytes_ = [], []
    for i, b in enumerate(bodies):
        payload = json.dumps({k: v for k, v in b.items() if not k.startswith("_")})
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/incidents/analyze", payload,
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        if i >= 5:
            http_ms.append((time.perf_counter() - t0) * 1e3)
        bytes_.append(len(data))
        assert resp.status == 200, data[:200]
    server.shutdown()
    print(f"analysis over HTTP: {pct(http_ms)}; mean response {np.mean(bytes_) / 1024:.0f} KiB")
    print(f"ratio HTTP / in-process: p50 x{np.median(http_ms) / np.median(inproc):.2f}")


if __name__ == "__main__":
    main()
