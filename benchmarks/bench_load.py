"""Load test: 50 concurrent clients for 60 s against the product served as `scripts/run.sh`
serves it (gunicorn, its default workers), on loopback only.

Each client loops until the deadline: 70 % reads of layers and map data, 30 % analyses of
random spills (drawn as in `bench_analysis.py`: the middle of random reaches inside Gansu,
a mix of pollutants, instantaneous and 2-hour releases). Reads behave like a browser: they
send `Accept-Encoding: gzip` and, once they hold a copy, `If-None-Match` with its ETag
(`--no-revalidate` never does). Prints throughput, p50/p95/p99 (all, reads, analyses),
status codes, errors (anything but 200/304, or no answer) and the gunicorn workers' RSS.

    .venv/bin/python benchmarks/bench_load.py                  # starts scripts/run.sh itself
    .venv/bin/python benchmarks/bench_load.py --url http://127.0.0.1:5000 --master-pid PID

Needs the local database loaded (`scripts/run.sh` did it). The server it starts gets a free
loopback port (or `--port`) and is stopped at the end. Figures only; nothing is asserted.
Targets (issue 12): 0 errors, p95 <= 300 ms on the 2-core machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
#: What the map page and API clients read (layers with and without parameters, map data).
READS = [
    "/map/layers.json?zoom=8",
    "/map/layers.json?zoom=8",
    "/api/v1/rivers?zoom=8",
    "/api/v1/plans",
    "/api/v1/water_sources",
    "/api/v1/sections",
    "/api/v1/depots",
    "/api/v1/teams",
    "/api/v1/enterprises",
    "/api/v1/interception_points",
    "/api/v1/pollutants",
    "/api/v1/reaches?bbox=103,35.5,104.5,36.6",
    "/api/v1/places?bbox=102,34,106,37",
]
READ_SHARE = 0.7
MAX_REQUESTS_PER_CLIENT = 100_000  # a bound on each loop besides the deadline
TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spill_bodies(n: int, seed: int) -> tuple[list[str], list[str]]:
    """`n` analysis bodies (JSON) and the reach codes they sit on, drawn in-process from the
    same database as the server (bench_analysis.spills)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_analysis import spills

    from webgis import create_app

    app = create_app({"PUBLIC_READ": True, "WARM_TRANSFERS": False})
    with app.app_context():
        drawn = spills(n, seed=seed)
    bodies = [json.dumps({k: v for k, v in b.items() if not k.startswith("_")}) for b in drawn]
    return bodies, [b["_reach"] for b in drawn]


#: The anonymous analysis limit for the server this script starts (one address, 50 clients).
ANONYMOUS_ANALYSIS_LIMIT = "100000 per minute"


def start_server(port: int, workers: int | None, log: Path) -> subprocess.Popen:
    """`scripts/run.sh` on `port` (it runs the setup, then execs gunicorn)."""
    env = dict(os.environ, WEBGIS_HOST="127.0.0.1", WEBGIS_PORT=str(port))
    # The 50 clients stand for 50 officers but all come from 127.0.0.1: the per-address
    # limit on anonymous analyses (README "Security") would answer most of them 429.
    env.setdefault("WEBGIS_LIMIT_ANALYSIS_ANONYMOUS", ANONYMOUS_ANALYSIS_LIMIT)
    print(f"server: WEBGIS_LIMIT_ANALYSIS_ANONYMOUS={env['WEBGIS_LIMIT_ANALYSIS_ANONYMOUS']}")
    if workers:
        env["WEBGIS_WORKERS"] = str(workers)
    out = log.open("wb")
    return subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(host: str, port: int, log: Path | None, workers: int, limit_s: float) -> None:
    """Until /healthz answers 200 and (when we started it) every worker finished its
    start-up warm-up, so the run measures the steady state."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.5)
    else:
        raise SystemExit("server did not become healthy")
    while log is not None and time.monotonic() < deadline:
        if log.read_text(errors="replace").count("transfers warmed") >= workers:
            return
        time.sleep(0.5)


def workers_of(master: int) -> list[int]:
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                             text=True, check=False).stdout
    except OSError:
        return []
    return [int(p) for p in out.split()]


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of `pid` in MB."""
    vals = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            vals[line[:5]] = int(line.split()[1]) / 1024
    return vals.get("VmRSS", 0.0), vals.get("VmHWM", 0.0)


class Client(threading.Thread):
    """One client: requests back to back until the deadline."""

    def __init__(self, k: int, host: str, port: int, deadline: float, bodies: list[str],
                 reaches: list[str], revalidate: bool) -> None:
        super().__init__(name=f"client-{k}", daemon=True)
        self.rng = random.Random(1000 + k)
        self.host, self.port, self.deadline = host, port, deadline
        self.bodies, self.reaches, self.revalidate = bodies, reaches, revalidate
        self.etags: dict[str, str] = {}
        self.samples: list[tuple[str, float, int, int]] = []  # kind, ms, status, bytes
        self.failures: Counter[str] = Counter()

    def one(self, method: str, path: str, body: str | None) -> tuple[int, int]:
        headers = {"Accept-Encoding": "gzip", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        elif self.revalidate and path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
        try:
            conn.request(method, path, body, headers)
            resp = conn.getresponse()
            data = resp.read()
            etag = resp.getheader("ETag")
            if etag and body is None:
                self.etags[path] = etag
            return resp.status, len(data)
        finally:
            conn.close()

    def run(self) -> None:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= self.deadline:
                return
            if self.rng.random() < READ_SHARE:
                kind, method, body = "read", "GET", None
                if self.rng.random() < 0.1:
                    path = f"/api/v1/reaches/{self.rng.choice(self.reaches)}"
                else:
                    path = self.rng.choice(READS)
            else:
                kind, method, path = "analysis", "POST", "/api/v1/incidents/analyze"
                body = self.rng.choice(self.bodies)
            t0 = time.perf_counter()
            try:
                status, size = self.one(method, path, body)
            except (OSError, http.client.HTTPException) as exc:
                self.failures[f"{kind}: {type(exc).__name__}"] += 1
                continue
            self.samples.append((kind, (time.perf_counter() - t0) * 1e3, status, size))


def pct(ms: list[float]) -> str:
    if not ms:
        return "no samples"
    a = np.array(ms)
    p50, p95, p99 = np.percentile(a, [50, 95, 99])
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {a.max():.0f} ms"


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds used so far by `pids`."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="an already running server (loopback only); default: start "
                                  "scripts/run.sh")
    ap.add_argument("--master-pid", type=int, help="gunicorn master of --url, for worker RSS")
    ap.add_argument("--port", type=int, help="port for the server this script starts")
    ap.add_argument("--workers", type=int, help="WEBGIS_WORKERS for it (run.sh's default)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--spills", type=int, default=300)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--no-revalidate", action="store_true",
                    help="reads never send If-None-Match")
    args = ap.parse_args()

    server = None
    if args.url:
        parts = urllib.parse.urlsplit(args.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("loopback only")
        master = args.master_pid
    else:
        host, port = "127.0.0.1", args.port or free_port()
        log = ROOT / "var" / "bench_load_server.log"
        log.parent.mkdir(exist_ok=True)
        print(f"starting scripts/run.sh on {host}:{port} (log {log.relative_to(ROOT)})")
        server = start_server(port, args.workers, log)
        master = server.pid
    try:
        t0 = time.perf_counter()
        bodies, reaches = spill_bodies(args.spills, args.seed)
        print(f"{len(bodies)} random spills drawn in {time.perf_counter() - t0:.1f} s")
        workers = len(workers_of(master)) if master else 0
        if server is not None:
            wait_ready(host, port, log, args.workers or 2, 300)
            workers = len(workers_of(master))
        else:
            wait_ready(host, port, None, 0, 30)
        print(f"load average before: {loadavg()} (2 cores shared; other work on the box "
              "counts)")
        deadline = time.monotonic() + args.seconds
        clients = [Client(k, host, port, deadline, bodies, reaches, not args.no_revalidate)
                   for k in range(args.clients)]
        pids = workers_of(master) if master else []
        cpu0, own0 = cpu_s(pids), time.process_time()
        t0 = time.perf_counter()
        for c in clients:
            c.start()
        for c in clients:
            c.join(args.seconds + TIMEOUT_S + 5)
        elapsed = time.perf_counter() - t0
        server_cpu, own_cpu = cpu_s(pids) - cpu0, time.process_time() - own0
        samples = [s for c in clients for s in c.samples]
        failures = sum((c.failures for c in clients), Counter())
        statuses = Counter((s[0], s[2]) for s in samples)
        bad = [s for s in samples if s[2] not in (200, 304)]
        print(f"\n{args.clients} clients, {elapsed:.1f} s, {len(samples)} answers "
              f"({len(samples) / elapsed:.1f} req/s), load average after: {loadavg()}")
        print("status codes:", ", ".join(f"{k} {st}: {n}" for (k, st), n in
                                          sorted(statuses.items())))
        print(f"errors: {len(bad) + sum(failures.values())} "
              f"({len(bad)} non-200/304 answers; no answer: {dict(failures) or 0})")
        print("all:      ", pct([s[1] for s in samples]))
        reads = [s for s in samples if s[0] == "read"]
        print("reads:    ", pct([s[1] for s in reads]),
              f"({sum(s[2] == 304 for s in reads)} of {len(reads)} were 304; mean body "
              f"{np.mean([s[3] for s in reads]) / 1024 if reads else 0:.0f} kB)")
        print("analyses: ", pct([s[1] for s in samples if s[0] == "analysis"]))
        if master:
            for pid in workers_of(master):
                try:
                    now, peak = rss_mb(pid)
                except OSError:
                    continue
                print(f"worker {pid}: RSS {now:.0f} MB (peak {peak:.0f} MB)")
        if workers:
            print(f"({workers} gunicorn workers; their CPU {server_cpu:.0f} s, "
                  f"{server_cpu * 1e3 / max(len(samples), 1):.1f} ms per answer; this "
                  f"client's {own_cpu:.0f} s; in {elapsed:.0f} s on {os.cpu_count()} cores)")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
