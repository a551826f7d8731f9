"""``GET /api/v1/upstream`` on the bundled Gansu dataset: in-process service and over HTTP.

Typical queries: from the middle of random reaches, every tributary, limited to 12 h of
safe-side travel time for the normal season (what a duty officer asks from an intake or
an alarm), plus the unlimited network from Lanzhou's Xigu intake (the largest answer).
Prints p50/p95 and the answer sizes; figures only, nothing is asserted.

Needs a database holding the bundled data (`WEBGIS_DATABASE_URL`, or the local
`webgis` database after `webgis load-data`):

    .venv/bin/python benchmarks/bench_upstream_api.py [--runs 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import threading
import time
import urllib.parse

import numpy as np
from werkzeug.serving import make_server

from webgis import create_app
from webgis.contract.requests import UpstreamQuery
from webgis.extensions import db
from webgis.services.reference import get_reference
from webgis.services.upstream import upstream_detail


def pct(ms: list[float]) -> str:
    a = np.array(ms)
    return (f"p50 {np.percentile(a, 50):.1f} ms, p95 {np.percentile(a, 95):.1f} ms, "
            f"max {a.max():.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    config = {"PUBLIC_READ": True, "WARM_TRANSFERS": False}
    if args.database_url:
        config["SQLALCHEMY_DATABASE_URI"] = args.database_url
    app = create_app(config)
    rng = np.random.default_rng(16)
    with app.app_context():
        ref = get_reference(db.session)
        net = ref.network
        gansu = [i for i in range(len(net)) if net.province(i) == "620000"]
        starts = [net.point_at(int(i), 0.5) for i in rng.choice(gansu, args.runs)]
        xigu = next(r for r in ref.receptors if r.code == "WS-HH-LANZHOU-XLG")
        queries = [{"lon": lon, "lat": lat, "max_h": 12} for lon, lat in starts]
        t0 = time.perf_counter()
        upstream_detail(db.session, UpstreamQuery(lon=xigu.lon, lat=xigu.lat))
        print(f"first query (feature set built once per dataset): "
              f"{(time.perf_counter() - t0) * 1e3:.1f} ms")
        ms, feats = [], []
        for q in queries:
            t0 = time.perf_counter()
            r = upstream_detail(db.session, UpstreamQuery(**q))
            ms.append((time.perf_counter() - t0) * 1e3)
            feats.append(len(r["features"]))
        print(f"service in-process, 12 h, all tributaries ({len(queries)} starts, mean "
              f"{np.mean(feats):.0f} features): {pct(ms)}")
        big = []
        for _ in range(30):
            t0 = time.perf_counter()
            r = upstream_detail(db.session, UpstreamQuery(lon=xigu.lon, lat=xigu.lat))
            big.append((time.perf_counter() - t0) * 1e3)
        print(f"service in-process, Xigu intake unlimited ({len(r['features'])} features, "
              f"{len(r['reaches']['features'])} reaches): {pct(big)}")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port)
    for label, qs in (("12 h, all tributaries", queries),
                      ("Xigu intake unlimited", [{"lon": xigu.lon, "lat": xigu.lat}] * 30)):
        ms, size = [], []
        for q in qs:
            t0 = time.perf_counter()
            conn.request("GET", "/api/v1/upstream?" + urllib.parse.urlencode(q),
                         headers={"Accept-Encoding": "identity"})
            resp = conn.getresponse()
            body = resp.read()
            ms.append((time.perf_counter() - t0) * 1e3)
            assert resp.status == 200, body[:200]
            size.append(len(body))
            json.loads(body)
        print(f"HTTP GET /api/v1/upstream, {label}: {pct(ms)}, mean {np.mean(size) / 1024:.0f} KB")
    server.shutdown()


if __name__ == "__main__":
    main()
