"""Working together on one incident (issue 14, item 8): how long one officer's change takes
to reach another officer's screen, and whether 20 officers writing for a minute lose or
duplicate anything.

    .venv/bin/python benchmarks/bench_incident.py                     # N=20 changes, 20 × 60 s
    .venv/bin/python benchmarks/bench_incident.py --changes 10 --seconds 15   # brief
    .venv/bin/python benchmarks/bench_incident.py --skip-browser --officers 5

The app runs under gunicorn (`gunicorn.conf.py`, 2 sync workers as `scripts/run.sh`) on the
bundled data in the local cluster's `webgis_e2e` database (migrated and loaded like the e2e
tests; `--database-url` for another). Printed, not asserted:

1. Latency in Chromium: an officer's page on the incident (signed in, `/incidents/<id>`)
   notes when each new event reaches `WG.workspace` (its subscribers); another officer
   writes N changes at random moments. Median, p95 and max from the write's request to the
   other screen, and from the write's answer.
2. Load: 20 officers, each writing every 0.5–2.5 s for `--seconds` (updates; readings and
   dispatches when their endpoints are in the OpenAPI document, else a printed note) while
   20 pages poll as `workspace.js` does. Counted: writes stored, stale writes refused (409,
   the optimistic concurrency doing its job: re-read and retried), errors (anything else);
   events written against events in the log (no gap, no duplicate seq) and against the
   events each poller saw.
3. Baseline: the cost of one poll of the event log when nothing changed (304, If-None-Match)
   against the full answer (200, every event of the log the run left) — what each open page
   costs per second.

An "update" is a comment through `POST /api/v1/incidents/<id>/comments` when that endpoint
exists, else a comment appended through the service layer (`incident_write.open_for_write`
+ `record`, what every write service does) by the bench process itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUEST = {
    "location": {"lon": 103.10, "lat": 35.815},
    "pollutant": "BENZENE", "release": {"mass_kg": 10000, "duration_h": 0},
    "season": "normal", "horizon_h": 72, "started_at": "2026-05-01T08:00:00+08:00",
}
PASSWORD = "bench officer password"
CHROMIUM = os.environ.get("WEBGIS_CHROMIUM", "/usr/bin/chromium")


# ---- a small keep-alive HTTP client per thread ------------------------------------------
class Client:
    """One connection, re-opened after a failure; JSON in and out."""

    def __init__(self, base: str, token: str | None = None) -> None:
        host, port = base.split("//")[1].split(":")
        self.host, self.port, self.token = host, int(port), token
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        hdr = {"Accept": "application/json", **(headers or {})}
        if self.token:
            hdr["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdr["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.conn.request(method, path, body=data, headers=hdr)
                resp = self.conn.getresponse()
                raw = resp.read()
                parsed = json.loads(raw) if raw else None
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


# ---- setup ------------------------------------------------------------------------------
def _database_url(arg: str | None) -> str:
    from tests.e2e.conftest import _e2e_database_url  # the e2e tests' database, made if missing

    return arg or _e2e_database_url()


def prepare(url: str, officers: int) -> tuple[Any, int, list[tuple[str, str]]]:
    """The app (for service-layer writes), one incident, `officers` officers with tokens."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from webgis import create_app
    from webgis.extensions import db
    from webgis.models import User
    from webgis.services import incidents, users
    from webgis.services.loading import load

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TILE_URL": ""})
    names = [f"bench_officer_{i:02d}" for i in range(officers)]
    creds = []
    with app.app_context():
        upgrade()
        load(db.session, ROOT / "data")
        for name in names:
            user = db.session.scalar(select(User).where(User.username == name))
            if user is None:
                user = User(username=name, role="duty_officer")
                db.session.add(user)
            user.set_password(PASSWORD)
        db.session.commit()
        for name in names:
            token, _ = users.issue_token(name, 1)
            creds.append((name, token))
        first = db.session.scalar(select(User).where(User.username == names[0]))
        saved = incidents.save_incident(REQUEST, kind="drill", title="bench: 协同",
                                        user_id=first.id, username=first.username,
                                        role=first.role)
        db.session.remove()
    return app, saved["id"], creds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int) -> tuple[str, subprocess.Popen]:
    """gunicorn in a subprocess, as in production (`scripts/run.sh`)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-" + secrets.token_hex(8),
           "WEBGIS_PUBLIC_READ": "true", "WEBGIS_WARM_SHEETS": "false",
           "WEBGIS_LIMIT_LOGIN_ADDRESS": "10000 per minute",
           "WEBGIS_LIMIT_LOGIN_ACCOUNT": "10000 per minute"}
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "webgis:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    return base, proc


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)


# ---- writes -----------------------------------------------------------------------------
@dataclass
class Writer:
    """The writes this run can make, found in the OpenAPI document."""

    app: Any
    incident_id: int
    paths: set[str]
    targets: dict[str, str] = field(default_factory=dict)

    @property
    def http_comments(self) -> bool:
        return "/api/v1/incidents/{incident_id}/comments" in self.paths

    def kinds(self) -> list[str]:
        out = ["update"]
        if "/api/v1/incidents/{incident_id}/readings" in self.paths:
            out.append("reading")
        if ("/api/v1/incidents/{incident_id}/dispatch" in self.paths
                and self.targets.get("team") and self.targets.get("target")):
            out.append("dispatch")
        return out

    def service_comment(self, username: str, text: str) -> tuple[str, int]:
        """A comment through the service layer: ("ok", seq) or ("conflict", version)."""
        from sqlalchemy import select

        from webgis.errors import Conflict
        from webgis.extensions import db
        from webgis.models import User
        from webgis.models.incident import Incident
        from webgis.services.actor import Actor
        from webgis.services.incident_write import open_for_write, record
        from webgis.services.uow import unit_of_work

        with self.app.app_context():
            try:
                user = db.session.scalar(select(User).where(User.username == username))
                actor = Actor(user.id, user.username, user.role)
                version = db.session.scalar(select(Incident.version).where(
                    Incident.id == self.incident_id))
                db.session.rollback()
                try:
                    with unit_of_work() as s:
                        inc = open_for_write(s, self.incident_id, version, actor)
                        ev = record(s, inc, "comment", actor, text)
                        return "ok", ev.seq
                except Conflict as err:
                    return "conflict", err.extra["current"]["version"]
            finally:
                db.session.remove()

    def write(self, client: Client, username: str, kind: str, version: int, text: str
              ) -> tuple[str, int | None]:
        """One write: ("ok", version after), ("conflict", version now) or ("error", None)."""
        base = f"/api/v1/incidents/{self.incident_id}"
        if kind == "update" and not self.http_comments:
            status, value = self.service_comment(username, text)
            return status, value
        if kind == "update":
            code, _, body = client.request("POST", base + "/comments",
                                           {"text": text, "expected_version": version})
        elif kind == "reading":  # an automatic station (token): appends, no version
            code, _, body = client.request("POST", base + "/readings", {
                "station_kind": "point", "lon": REQUEST["location"]["lon"],
                "lat": REQUEST["location"]["lat"], "value": round(random.uniform(0, 0.1), 4)})
        else:
            code, _, body = client.request("POST", base + "/dispatch", {
                "expected_version": version, "target_code": self.targets["target"],
                "team_code": self.targets["team"], "note": text})
        if code in (200, 201):
            return "ok", (body or {}).get("version")
        if code == 409 and body and body.get("current"):
            return "conflict", body["current"].get("version")
        if code == 409:  # a business rule (a team already out, stock short): nothing stored
            return "refused", code
        return "error", code


def discover(client: Client, incident_id: int) -> tuple[set[str], dict[str, str]]:
    _, _, doc = client.request("GET", "/api/v1/openapi.json")
    paths = set((doc or {}).get("paths", {}))
    _, _, detail = client.request("GET", f"/api/v1/incidents/{incident_id}")
    result = (detail or {}).get("result") or {}
    teams = [t.get("code") for t in result.get("teams") or [] if t.get("code")]
    recs = [r for r in result.get("receptors") or [] if r.get("kind") == "interception"]
    return paths, {"team": teams[0] if teams else "", "target": recs[0]["code"] if recs else ""}


# ---- measuring ----------------------------------------------------------------------------
def fmt(xs: list[float], unit: str = "ms") -> str:
    """Median, p95 (nearest rank) and max."""
    p95 = sorted(xs)[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))] if xs else 0.0
    return (f"median {statistics.median(xs):.1f} {unit}, p95 {p95:.1f} {unit}, "
            f"max {max(xs):.1f} {unit} (n={len(xs)})") if xs else "no samples"


def poll_cost(client: Client, incident_id: int, rounds: int) -> None:
    url = f"/api/v1/incidents/{incident_id}/events?after=0"
    code, headers, body = client.request("GET", url)
    tag, n_events = headers.get("etag"), len((body or {}).get("events", []))
    full, unchanged, floor = [], [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        client.request("GET", "/healthz")
        floor.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        client.request("GET", url)
        full.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        code, _, _ = client.request("GET", url, headers={"If-None-Match": tag or ""})
        unchanged.append((time.perf_counter() - t0) * 1000)
        assert code == 304, code
    print(f"  baseline, full answer (200, {n_events} events): {fmt(full)}")
    print(f"  poll with the current ETag (304, no body):      {fmt(unchanged)}")
    print(f"  floor, GET /healthz on the same connection:     {fmt(floor)}")


def browser_latency(base: str, writer: Writer, viewer: tuple[str, str],
                    changer: tuple[str, str], changes: int) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"  skipped: no Chromium at {CHROMIUM}")
        return
    client = Client(base, changer[1])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        ctx = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        page = ctx.new_page()
        page.set_default_timeout(30000)
        page.goto(f"{base}/login?next=/incidents/{writer.incident_id}")
        page.fill("input[name=username]", viewer[0])
        page.fill("input[name=password]", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_function("window.WG && WG.workspace && WG.workspace.incident")
        page.evaluate("""() => { window.__seen = {};
            WG.workspace.subscribe((inc, fresh) => (fresh || []).forEach(
                e => { if (!(e.seq in __seen)) __seen[e.seq] = Date.now(); })); }""")
        from_request, from_answer, misses = [], [], 0
        for i in range(changes):
            time.sleep(random.uniform(0.4, 1.6))  # not in step with the page's polls
            version = page.evaluate("WG.workspace.incident.version")
            t0 = time.time() * 1000
            status, value = writer.write(client, changer[0], "update", version,
                                         f"bench change {i}")
            t1 = time.time() * 1000
            if status != "ok" or value is None:
                misses += 1
                continue
            seq = value  # the version after a write is its event's seq (one event a write)
            try:
                page.wait_for_function(f"window.__seen[{seq}] !== undefined", timeout=10000)
            except Exception:
                misses += 1
                continue
            seen = page.evaluate(f"window.__seen[{seq}]")
            from_request.append(seen - t0)
            from_answer.append(seen - t1)
        live = page.evaluate("WG.workspace.live")
        browser.close()
    print(f"  from the write's request to the other screen: {fmt(from_request)}")
    print(f"  from the write's answer to the other screen:  {fmt(from_answer)}")
    print(f"  changes not seen within 10 s or not stored: {misses}; the page's polls: "
          f"{live['polls']} ({live['unchanged']} answered 304)")


@dataclass
class Tally:
    ok: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def officer_loop(base: str, writer: Writer, cred: tuple[str, str], until: float,
                 tally: Tally, kinds: list[str]) -> None:
    client = Client(base, cred[1])
    rng = random.Random(cred[0])
    version, n = 0, 0
    while time.time() < until:
        kind = kinds[n % len(kinds)]
        n += 1
        try:
            status, value = writer.write(client, cred[0], kind, version, f"{cred[0]} #{n}")
        except Exception as exc:  # counted, never hidden
            status, value = "error", f"{type(exc).__name__}: {exc}"
        with tally.lock:
            if status == "ok":
                tally.ok[kind] = tally.ok.get(kind, 0) + 1
            elif status == "conflict":
                tally.conflicts += 1
            elif status == "refused":
                tally.refused += 1
            else:
                tally.errors.append(f"{kind}: {value}")
        if status == "conflict" and isinstance(value, int):
            version = value  # re-read: the 409 carries the version now; the officer looks
            time.sleep(rng.uniform(0.05, 0.3))  # at the change, then sends again
            continue
        if status == "ok" and isinstance(value, int):
            version = value
        time.sleep(rng.uniform(0.5, 2.5))


def poller_loop(base: str, token: str, incident_id: int, stop: threading.Event,
                seen: list[int], errors: list[str], stats: dict[str, int]) -> None:
    """What workspace.js does: after the last seq, with the last ETag, every second."""
    client = Client(base, token)
    last, tag = 0, None
    while True:
        final = stop.is_set()
        try:
            code, headers, body = client.request(
                "GET", f"/api/v1/incidents/{incident_id}/events?after={last}",
                headers={"If-None-Match": tag} if tag else None)
            stats[str(code)] = stats.get(str(code), 0) + 1
            if code == 200:
                tag = headers.get("etag")
                for ev in body["events"]:
                    seen.append(ev["seq"])
                    last = max(last, ev["seq"])
            elif code != 304:
                errors.append(f"poll {code}")
        except Exception as exc:
            errors.append(f"poll {type(exc).__name__}")
        if final:
            return
        stop.wait(1.0)


def load_run(base: str, writer: Writer, creds: list[tuple[str, str]], seconds: float,
             log_client: Client) -> None:
    kinds = writer.kinds()
    for name, present in (("readings", "reading" in kinds), ("dispatches", "dispatch" in kinds)):
        if not present:
            print(f"  note: no {name} endpoint on this build (or no target for it): skipped")
    if not writer.http_comments:
        print("  note: no comments endpoint on this build: updates go through the service layer")
    _, _, start = log_client.request("GET", f"/api/v1/incidents/{writer.incident_id}/events"
                                            "?after=0")
    start_seq = max((e["seq"] for e in start["events"]), default=0)
    tally, stop = Tally(), threading.Event()
    pollers = []
    for cred in creds:
        seen: list[int] = []
        errors: list[str] = []
        stats: dict[str, int] = {}
        th = threading.Thread(target=poller_loop, args=(base, cred[1], writer.incident_id, stop,
                                                        seen, errors, stats), daemon=True)
        pollers.append((th, seen, errors, stats))
        th.start()
    until = time.time() + seconds
    officers = [threading.Thread(target=officer_loop, args=(base, writer, cred, until, tally,
                                                            kinds), daemon=True)
                for cred in creds]
    for th in officers:
        th.start()
    for th in officers:
        th.join()
    time.sleep(1.5)  # let the pollers take the last writes
    stop.set()
    for th, *_ in pollers:
        th.join(timeout=30)
    _, _, log = log_client.request("GET", f"/api/v1/incidents/{writer.incident_id}/events"
                                          f"?after={start_seq}")
    seqs = [e["seq"] for e in log["events"]]
    written = sum(tally.ok.values())
    gaps = [s for s in range(start_seq + 1, (max(seqs) if seqs else start_seq) + 1)
            if s not in set(seqs)]
    print(f"  {len(creds)} officers, {seconds:.0f} s: writes stored {written} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(tally.ok.items()))}), "
          f"{written / seconds:.1f}/s; stale writes refused (409, re-read) {tally.conflicts}; "
          f"refused by a rule (409) {tally.refused}; "
          f"errors {len(tally.errors)}" + (f" e.g. {tally.errors[:3]}" if tally.errors else ""))
    print(f"  events in the log {len(seqs)} (written {written}); duplicated seq "
          f"{len(seqs) - len(set(seqs))}; gaps {len(gaps)}")
    lost = dup = perrors = 0
    codes: dict[str, int] = {}
    for _, seen, errors, stats in pollers:
        mine = [s for s in seen if s > start_seq]
        lost += len(set(seqs) - set(mine))
        dup += len(mine) - len(set(mine))
        perrors += len(errors)
        for k, v in stats.items():
            codes[k] = codes.get(k, 0) + v
    print(f"  {len(pollers)} pollers: events lost {lost}, seen twice {dup}, errors {perrors}; "
          f"answers {dict(sorted(codes.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--poll-rounds", type=int, default=200)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()

    url = _database_url(args.database_url)
    app, incident_id, creds = prepare(url, max(2, args.officers))
    base, server = start_server(url, args.workers)
    try:
        client = Client(base, creds[0][1])
        paths, targets = discover(client, incident_id)
        writer = Writer(app, incident_id, paths, targets)
        print(f"incident #{incident_id} on {base} (gunicorn, {args.workers} workers)")
        print(f"1. one officer's change on another officer's screen (Chromium, "
              f"{args.changes} changes)")
        if args.skip_browser:
            print("  skipped (--skip-browser)")
        else:
            browser_latency(base, writer, creds[0], creds[1], args.changes)
        print(f"2. {args.officers} officers writing on one incident")
        load_run(base, writer, creds[: args.officers], args.seconds, client)
        print("3. one poll of the event log (the log as the run left it)")
        poll_cost(client, incident_id, args.poll_rounds)
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
