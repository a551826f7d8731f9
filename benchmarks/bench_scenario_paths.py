"""What keeping saved scenarios' paths costs (issue 17: `ogc.scenario_paths`).

Creating, editing and running a scenario now runs the full analysis and writes its path in
the same transaction. Prints the median and p90 of, through the real routes on the bundled
dataset: the same analysis alone (`/api/v1/incidents/analyze`, what a run cost before),
creating a scenario, editing its place, running it, reading the `scenario_paths`
collection from `/ogc` with a bbox, and the backfill rate of
`webgis scenarios refresh-paths --all` (scenarios per second).

    .venv/bin/python benchmarks/bench_scenario_paths.py             # webgis_test_bundled
    .venv/bin/python benchmarks/bench_scenario_paths.py --rounds 20 --database-url ...

A throw-away planner and its scenarios are created for the run and deleted afterwards.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PLANNER = "bench_paths_planner"
PREFIX = "bench paths "
# points on rivers of the bundled dataset (the Taishi He, the Huang He near Lanzhou)
PLACES = [{"lon": 105.27, "lat": 33.89}, {"lon": 103.83, "lat": 36.07}]


def _line(label: str, times: list[float]) -> str:
    times = sorted(times)
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    return (f"{label:<34} median {statistics.median(times) * 1000:8.1f} ms   "
            f"p90 {p90 * 1000:8.1f} ms   (n={len(times)})")


def main() -> None:
    from sqlalchemy import text

    from webgis import create_app
    from webgis.config import local_database_url
    from webgis.extensions import db
    from webgis.services import users

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database-url", default=None,
                        help="default: the local cluster's webgis_test_bundled database")
    args = parser.parse_args()
    url = args.database_url or local_database_url("webgis_test_bundled")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PUBLIC_READ": False,
                      "SECRET_KEY": secrets.token_hex(32),
                      "LIMIT_ANALYSIS": "100000 per minute"})

    def cleanup() -> None:
        with app.app_context():
            db.session.execute(text("DELETE FROM scenario WHERE name LIKE :p"),
                               {"p": PREFIX + "%"})
            db.session.execute(text("DELETE FROM user_account WHERE username = :u"),
                               {"u": PLANNER})
            db.session.commit()
            db.session.remove()

    cleanup()
    with app.app_context():
        users.create_user(PLANNER, "planner", secrets.token_hex(8))
        token, _ = users.issue_token(PLANNER, 1)
    auth = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    created, edited, ran, read, alone = [], [], [], [], []
    ids = []
    try:
        client.post("/api/v1/incidents/analyze", headers=auth, json={  # warm the reference
            "location": PLACES[0], "pollutant": "BENZENE", "release": {"mass_kg": 1}})
        for n in range(args.rounds):
            t0 = time.perf_counter()
            resp = client.post("/api/v1/scenarios", headers=auth, json={
                "name": f"{PREFIX}{n}", "location": PLACES[n % 2], "pollutant": "BENZENE",
                "mass_kg": 1000 + n})
            created.append(time.perf_counter() - t0)
            assert resp.status_code == 201, resp.get_json()
            sid = resp.get_json()["id"]
            ids.append(sid)
            t0 = time.perf_counter()
            resp = client.patch(f"/api/v1/scenarios/{sid}", headers=auth,
                                json={"location": PLACES[(n + 1) % 2]})
            edited.append(time.perf_counter() - t0)
            assert resp.status_code == 200, resp.get_json()
            t0 = time.perf_counter()
            resp = client.post(f"/api/v1/scenarios/{sid}/run", headers=auth)
            ran.append(time.perf_counter() - t0)
            assert resp.status_code == 200
            t0 = time.perf_counter()
            resp = client.post("/api/v1/incidents/analyze", headers=auth, json={
                "location": PLACES[(n + 1) % 2], "pollutant": "BENZENE",
                "release": {"mass_kg": 1000 + n}})
            alone.append(time.perf_counter() - t0)
            assert resp.status_code == 200
            t0 = time.perf_counter()
            resp = client.get("/ogc/collections/scenario_paths/items?bbox=103,33,106,37"
                              "&limit=1000", headers=auth)
            read.append(time.perf_counter() - t0)
            assert resp.status_code == 200
        runner = app.test_cli_runner()
        t0 = time.perf_counter()
        out = runner.invoke(args=["scenarios", "refresh-paths", "--all", "--json"])
        backfill_s = time.perf_counter() - t0
        assert out.exit_code == 0, out.output
        with app.app_context():
            total = db.session.execute(text("SELECT count(*) FROM scenario")).scalar_one()
            db.session.remove()
    finally:
        cleanup()
        from webgis.ogc_provider import dispose_engines

        dispose_engines()
    print(f"database: {url.rsplit('/', 1)[-1]}, {args.rounds} rounds")
    print(_line("the analysis alone (baseline)", alone))
    print(_line("create scenario (+ its path)", created))
    print(_line("edit its place (+ new path)", edited))
    print(_line("run (analysis + refreshed path)", ran))
    print(_line("/ogc scenario_paths items, bbox", read))
    print(f"{'refresh-paths --all':<34} {total} scenarios in {backfill_s:.2f} s "
          f"({total / backfill_s:.1f} per s)")


if __name__ == "__main__":
    main()
