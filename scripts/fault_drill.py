"""Fault drill: the product as `scripts/run.sh` serves it loses its database twice.

1. **Database stopped for 10 s under load.** Readers (layers, map data, the incident list,
   /healthz) and writers (saved incidents, with an API token) run while the drill stops
   the project-local PostGIS (`webgis localdb stop`: a fast shutdown), waits 10 s and
   starts it again.
2. **`kill -9` of the postmaster during writes.** Writers only. The drill kills the
   postmaster and starts the cluster again, as a supervisor would. PostgreSQL runs crash
   recovery from its write-ahead log on that start.

For each phase it prints the status codes seen (per kind), the recovery time (from the
database being back to the first acknowledged write) and, at the end, how many
acknowledged writes (201 with an id) are in the database. That count must equal the
number acknowledged. A write the client never saw acknowledged may also be there (a
commit whose answer was lost); those are counted apart.

    .venv/bin/python scripts/fault_drill.py [--port P]     # or: scripts/fault_drill.sh

It serves on loopback only (a free port, or --port) and stops the server at the end. It
creates a duty officer `drill_<random>` with `webgis users create` and a token, and
leaves the account and the drill's incidents in place for inspection (their titles start
with the run's id). It uses the project-local cluster (WEBGIS_PGPORT) and stops/kills it.
Never run it against a database that matters.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEBGIS = str(ROOT / ".venv" / "bin" / "webgis")
READS = ["/api/v1/plans", "/map/layers.json?zoom=8", "/api/v1/incidents?limit=5", "/healthz",
         "/api/v1/water_sources"]
#: Spills on rivers of the bundled dataset (README examples and nearby).
SPILLS = [(105.30, 33.90, "ANTIMONY"), (103.80, 36.07, "BENZENE"), (104.10, 35.95, "DIESEL")]
PHASE_LIMIT_S = 90.0  # every phase ends by itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Every answer: (time, kind, status); acknowledged incident ids."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[float, str, str]] = []
        self.acked: list[int] = []

    def add(self, kind: str, status: str, incident_id: int | None = None) -> None:
        with self.lock:
            self.events.append((time.monotonic(), kind, status))
            if incident_id is not None:
                self.acked.append(incident_id)


class Worker(threading.Thread):
    def __init__(self, kind: str, port: int, token: str, run_id: str, rec: Recorder,
                 stop: threading.Event, seed: int) -> None:
        super().__init__(daemon=True)
        self.kind, self.port, self.token, self.run_id = kind, port, token, run_id
        self.rec, self.stop, self.n = rec, stop, seed * 100_000

    def run(self) -> None:
        while not self.stop.is_set():
            self.n += 1
            label = "POST /api/v1/incidents"
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                if self.kind == "write":
                    lon, lat, code = SPILLS[self.n % len(SPILLS)]
                    body = json.dumps({"title": f"{self.run_id}-{self.n}", "request": {
                        "location": {"lon": lon, "lat": lat}, "pollutant": code,
                        "release": {"mass_kg": 1000.0 + self.n % 997}, "horizon_h": 48}})
                    conn.request("POST", "/api/v1/incidents", body, {
                        "Content-Type": "application/json",
                        "Authorization": f"Bearer {self.token}"})
                    label = "POST /api/v1/incidents"
                else:
                    label = f"GET {READS[self.n % len(READS)]}"
                    conn.request("GET", label[4:], headers={"Accept-Encoding": "gzip"})
                resp = conn.getresponse()
                data = resp.read()
                ident = None
                if self.kind == "write" and resp.status == 201:
                    ident = int(json.loads(data)["id"])
                kind = label
                if resp.status >= 500:
                    kind += " (JSON)" if data[:1] == b"{" else " (not JSON)"
                    retry = resp.getheader("Retry-After")
                    kind += f", Retry-After {retry}" if retry else ""
                self.rec.add(kind, str(resp.status), ident)
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                self.rec.add(label, type(exc).__name__)
                time.sleep(0.05)
            finally:
                conn.close()


def webgis(*args: str) -> str:
    out = subprocess.run([WEBGIS, *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    if out.returncode:
        raise SystemExit(f"webgis {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def postmaster_pid() -> int:
    from webgis.localdb import cluster

    return int((cluster().datadir / "postmaster.pid").read_text().split()[0])


def wait_http(port: int, path: str, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{path} did not answer 200 within {limit_s:.0f} s")


def summary(rec: Recorder, since: float) -> str:
    counts = Counter((k, s) for t, k, s in rec.events if t >= since)
    return "\n".join(f"    {k:<58} {s:>6}: {n}" for (k, s), n in sorted(counts.items()))


def first_ack_after(rec: Recorder, since: float) -> float | None:
    ok = [t for t, k, s in rec.events if k.startswith("POST") and s == "201" and t >= since]
    return min(ok) - since if ok else None


def run_phase(name: str, port: int, token: str, run_id: str, rec: Recorder,
              readers: int, writers: int, fault, settle_s: float = 5.0) -> None:
    print(f"\n== {name}")
    stop = threading.Event()
    workers = [Worker("read", port, token, run_id, rec, stop, k) for k in range(readers)]
    workers += [Worker("write", port, token, run_id, rec, stop, 100 + k + 10 * len(rec.events))
                for k in range(writers)]
    t0 = time.monotonic()
    for w in workers:
        w.start()
    try:
        back = fault()
        deadline = t0 + PHASE_LIMIT_S
        while time.monotonic() < deadline and first_ack_after(rec, back) is None:
            time.sleep(0.1)
        recovered = first_ack_after(rec, back)
        if recovered is not None:
            time.sleep(max(0.0, min(settle_s, deadline - time.monotonic())))
    finally:
        stop.set()
        for w in workers:
            w.join(40)
    print(summary(rec, t0))
    bad = [t for t, _, s in rec.events if t >= t0 and not s.startswith(("2", "3"))]
    if bad:
        print(f"    failed answers from {bad[0] - t0:.1f} s to {bad[-1] - t0:.1f} s into the "
              f"phase ({bad[-1] - bad[0]:.1f} s)")
    if recovered is None:
        print("    NOT RECOVERED: no write acknowledged after the database came back")
    else:
        print(f"    recovery: first acknowledged write {recovered:.2f} s after the database "
              "was back")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int)
    ap.add_argument("--stop-s", type=float, default=10.0, help="how long the database is down")
    args = ap.parse_args()
    port = args.port or free_port()
    run_id = f"drill-{secrets.token_hex(3)}"
    log = ROOT / "var" / "fault_drill_server.log"
    log.parent.mkdir(exist_ok=True)
    env = dict(os.environ, WEBGIS_HOST="127.0.0.1", WEBGIS_PORT=str(port))
    print(f"serving scripts/run.sh on 127.0.0.1:{port} (log {log.relative_to(ROOT)}); "
          f"run id {run_id}")
    with log.open("wb") as out:
        server = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        wait_http(port, "/healthz", 300)
        user = f"drill_{secrets.token_hex(3)}"
        webgis("users", "create", user, "--role", "duty_officer", "--generate")
        token = [ln for ln in webgis("users", "token", user).splitlines() if ln.strip()][-1]
        rec = Recorder()

        def stop_database() -> float:
            time.sleep(5)
            t = time.monotonic()
            webgis("localdb", "stop")
            print(f"    database stopped ({time.monotonic() - t:.1f} s); down for "
                  f"{args.stop_s:.0f} s")
            time.sleep(args.stop_s)
            webgis("localdb", "start")
            return time.monotonic()

        def kill_postmaster() -> float:
            time.sleep(3)
            pid = postmaster_pid()
            os.kill(pid, signal.SIGKILL)
            print(f"    kill -9 {pid} (postmaster)")
            time.sleep(1)
            t = time.monotonic()
            webgis("localdb", "start")
            print(f"    restarted with crash recovery in {time.monotonic() - t:.1f} s")
            return time.monotonic()

        run_phase(f"1. database stopped for {args.stop_s:.0f} s under load (6 readers, "
                  "4 writers)", port, token, run_id, rec, 6, 4, stop_database)
        run_phase("2. kill -9 of the postmaster during writes (6 writers)", port, token,
                  run_id, rec, 0, 6, kill_postmaster)

        import psycopg

        from webgis.config import local_database_url

        url = os.environ.get("DATABASE_URL") or local_database_url()
        url = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as conn:
            present = conn.execute("SELECT count(*) FROM incident WHERE id = ANY(%s)",
                                   (rec.acked,)).fetchone()[0]
            stored = conn.execute("SELECT count(*) FROM incident WHERE title LIKE %s",
                                  (f"{run_id}-%",)).fetchone()[0]
        print(f"\nacknowledged writes: {len(rec.acked)}; present afterwards: {present} "
              f"({'OK' if present == len(rec.acked) else 'LOST WRITES'}); stored but never "
              f"acknowledged: {stored - present}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
