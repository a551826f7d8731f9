"""Saved scenarios' paths at /ogc (issue 17, item 1), on the bundled dataset and real PostGIS.

A planner creates a scenario through the API: its predicted path is then an item of the
`scenario_paths` collection (found with a bbox around it, not with one elsewhere), for
signed-in readers only; editing its place moves the line; running it refreshes a stale
path; `webgis scenarios refresh-paths` backfills missing and stale ones; deleting it removes
the path. GDAL's OAPIF driver reads the collection with a Basic token. Committed data (the
app serves pygeoapi on its own connections), removed afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import bearer_for, http_get, serve_on_loopback

ROOT = Path(__file__).resolve().parents[2]
OGRINFO = shutil.which("ogrinfo")
PLANNER, READER = "ogc_path_planner", "ogc_path_reader"
NAME = "ogc 情景 苯泄漏"
ITEMS = "/ogc/collections/scenario_paths/items"


def _sql(app, sql: str, **params: Any) -> list[Any]:
    from webgis.extensions import db

    with app.app_context():
        result = db.session.execute(text(sql), params)
        rows = result.all() if result.returns_rows else []
        db.session.commit()
        db.session.remove()
    return rows


def _cleanup(app) -> None:
    _sql(app, "DELETE FROM scenario WHERE name LIKE 'ogc 情景%'")
    _sql(app, "DELETE FROM user_account WHERE username IN (:a, :b)", a=PLANNER, b=READER)


@pytest.fixture(scope="module")
def paths_app(bundled_app) -> Iterator[Any]:
    """The app on the bundled database, public read ON (the collection must still refuse
    anonymous readers), a planner and a field-team reader with API tokens."""
    from webgis import create_app
    from webgis.ogc_provider import dispose_engines

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "PUBLIC_READ": True,
                      "SQLALCHEMY_DATABASE_URI":
                          bundled_app.config["SQLALCHEMY_DATABASE_URI"]})
    _cleanup(app)
    app.planner = bearer_for(app, PLANNER, "planner")  # type: ignore[attr-defined]
    reader = bearer_for(app, READER, "field_team")
    app.reader = reader  # type: ignore[attr-defined]
    app.reader_token = reader["Authorization"].split(" ", 1)[1]  # type: ignore[attr-defined]
    try:
        yield app
    finally:
        _cleanup(app)
        from webgis.extensions import db

        with app.app_context():
            db.engine.dispose()
        dispose_engines()


@pytest.fixture(scope="module")
def server(paths_app) -> Iterator[str]:
    with serve_on_loopback(paths_app, "ogc-paths-server") as url:
        yield url


def _basic(token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"qgis:{token}".encode()).decode()}


def _box(lon: float, lat: float, half: float = 0.3) -> str:
    return f"{lon - half},{lat - half},{lon + half},{lat + half}"


def _ids_in(server: str, bbox: str, headers: dict[str, str]) -> set[str]:
    status, _, body = http_get(f"{server}{ITEMS}?bbox={bbox}&limit=10000", headers)
    assert status == 200, body[:300]
    return {f["id"] for f in json.loads(body)["features"]}


def _reach_midpoint(app, river: str) -> tuple[float, float]:
    """A point on the river's most upstream-numbered reach (the release point of a test)."""
    (row,) = _sql(app, """
        SELECT ST_X(p), ST_Y(p) FROM (
            SELECT ST_LineInterpolatePoint(re.geom, 0.5) AS p FROM reach re
            JOIN river r ON r.id = re.river_id WHERE r.code = :r ORDER BY re.code LIMIT 1
        ) AS x""", r=river)
    return round(float(row[0]), 5), round(float(row[1]), 5)


def _path_row(app, scenario_id: int) -> Any:
    rows = _sql(app, "SELECT dataset_version, ST_AsText(geom), computed_at FROM scenario_path "
                     "WHERE scenario_id = :i", i=scenario_id)
    return rows[0] if rows else None


def test_create_edit_run_delete_a_scenario_and_read_its_path(server, paths_app):
    from webgis.extensions import db
    from webgis.services.reference import dataset_key

    client = paths_app.test_client()
    sample = json.loads((ROOT / "tests/fixtures/analysis_sample.json").read_text("utf-8"))
    first = sample["request"]["location"]  # on the Taishi He (Longnan)
    made = client.post("/api/v1/scenarios", headers=paths_app.planner, json={
        "name": NAME, "tags": ["ogc", "苯"], "location": first, "pollutant": "BENZENE",
        "mass_kg": 3000, "horizon_h": 48})
    assert made.status_code == 201, made.get_json()
    sid = str(made.get_json()["id"])

    # signed-in only, public read or not
    for url in (f"{server}{ITEMS}", f"{server}{ITEMS}/{sid}",
                f"{server}/ogc/collections/scenario_paths"):
        status, head, body = http_get(url)
        assert status == 401 and NAME.encode() not in body
        assert head["WWW-Authenticate"].startswith("Basic")

    status, _, body = http_get(f"{server}{ITEMS}/{sid}", _basic(paths_app.reader_token))
    assert status == 200, body[:300]
    feature = json.loads(body)
    props = feature["properties"]
    assert feature["id"] == sid and feature["geometry"]["type"] == "MultiLineString"
    assert props["name"] == NAME and props["tags"] == "ogc,苯"
    assert props["pollutant"] == "BENZENE" and props["mass_kg"] == 3000
    assert props["author"] == PLANNER and props["computed_at"]
    assert props["length_km"] > 0
    # the same forecast the run endpoint answers: length and first receptor agree
    ran = client.post(f"/api/v1/scenarios/{sid}/run", headers=paths_app.reader).get_json()
    assert props["length_km"] == pytest.approx(ran["length_km"])
    reached = [r for r in ran["receptors"] if r["kind"] in ("water_source", "section")
               and r["worst"]["arrival_h"] is not None]
    assert reached  # the Taishi He mouth section lies within 48 h
    soonest = min(r["worst"]["arrival_h"] for r in reached)
    assert props["worst_arrival_h"] == pytest.approx(soonest)
    assert props["first_receptor_code"] in {r["code"] for r in reached
                                            if r["worst"]["arrival_h"] == soonest}
    first_row = next(r for r in reached if r["code"] == props["first_receptor_code"])
    assert props["first_receptor_name"] == first_row["name"]
    assert props["first_receptor_kind"] in ("water_source", "section")
    assert props["worst_arrival_h"] <= first_row["arrival_h"]  # the safe side
    with paths_app.app_context():
        key = dataset_key(db.session)
        db.session.remove()
    assert props["dataset_version"] == key

    old_box = _box(first["lon"], first["lat"])
    auth = _basic(paths_app.reader_token)
    assert sid in _ids_in(server, old_box, auth)
    far = _reach_midpoint(paths_app, "HEIHE")  # the Hexi corridor, ~700 km away
    assert sid not in _ids_in(server, _box(*far), auth)

    # edit the place: the line moves, in the same request's transaction
    before = feature["geometry"]
    edited = client.patch(f"/api/v1/scenarios/{sid}", headers=paths_app.planner,
                          json={"location": {"lon": far[0], "lat": far[1]}})
    assert edited.status_code == 200, edited.get_json()
    moved = json.loads(http_get(f"{server}{ITEMS}/{sid}", auth)[2])
    assert moved["geometry"] != before
    assert sid in _ids_in(server, _box(*far), auth)
    assert sid not in _ids_in(server, old_box, auth)

    # a bad edit (422) leaves scenario and path as they were
    path_before = _path_row(paths_app, int(sid))
    bad = client.patch(f"/api/v1/scenarios/{sid}", headers=paths_app.planner,
                       json={"location": {"lon": 80.0, "lat": 45.0}})
    assert bad.status_code == 422 and "location" in bad.get_json()["fields"]
    assert _path_row(paths_app, int(sid)) == path_before

    # running a scenario whose path is stale (another dataset version) refreshes it
    _sql(paths_app, "UPDATE scenario_path SET dataset_version = 'stale' "
                    "WHERE scenario_id = :i", i=int(sid))
    assert client.post(f"/api/v1/scenarios/{sid}/run",
                       headers=paths_app.reader).status_code == 200
    assert _path_row(paths_app, int(sid))[0] == key

    # a copy has its own path
    copy = client.post(f"/api/v1/scenarios/{sid}/duplicate", headers=paths_app.planner)
    assert copy.status_code == 201
    copy_id = str(copy.get_json()["id"])
    assert {sid, copy_id} <= _ids_in(server, _box(*far), auth)

    # delete: the path goes with the scenario
    for gone in (sid, copy_id):
        assert client.delete(f"/api/v1/scenarios/{gone}",
                             headers=paths_app.planner).status_code == 200
        assert http_get(f"{server}{ITEMS}/{gone}", auth)[0] == 404
        assert _path_row(paths_app, int(gone)) is None
    assert not {sid, copy_id} & _ids_in(server, _box(*far), auth)


def test_refresh_paths_backfills_missing_and_stale_ones(paths_app):
    client = paths_app.test_client()
    made = [client.post("/api/v1/scenarios", headers=paths_app.planner, json={
        "name": f"ogc 情景 backfill {n}", "location": {"lon": 105.27, "lat": 33.89},
        "pollutant": "ANTIMONY", "mass_kg": 1000 + n}).get_json()["id"] for n in range(3)]
    kept = _path_row(paths_app, made[2])
    # as after the migration (no row) and after a dataset change (another version)
    _sql(paths_app, "DELETE FROM scenario_path WHERE scenario_id = :i", i=made[0])
    _sql(paths_app, "UPDATE scenario_path SET dataset_version = 'old' WHERE scenario_id = :i",
         i=made[1])
    runner = paths_app.test_cli_runner()
    out = runner.invoke(args=["scenarios", "refresh-paths", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert made[0] in report["refreshed"] and made[1] in report["refreshed"]
    assert made[2] not in report["refreshed"] and report["failed"] == []
    assert _path_row(paths_app, made[0]) is not None
    assert _path_row(paths_app, made[1])[0] == report["dataset_version"]
    assert _path_row(paths_app, made[2]) == kept  # current: untouched
    again = json.loads(runner.invoke(args=["scenarios", "refresh-paths", "--json"]).output)
    assert not set(made) & set(again["refreshed"])
    forced = runner.invoke(args=["scenarios", "refresh-paths", "--all"])
    assert forced.exit_code == 0 and "scenario path(s) computed" in forced.output
    assert _path_row(paths_app, made[2])[2] > kept[2]  # recomputed (ordering, not a time)


def _delete_incident(app, incident_id: int) -> None:
    """A drill's incident and its event log (append-only: its trigger is off for this
    cleanup transaction only)."""
    from webgis.extensions import db

    with app.app_context():
        s = db.session
        s.execute(text("ALTER TABLE incident_event DISABLE TRIGGER incident_event_no_change"))
        for sql in ("DELETE FROM drill WHERE incident_id = :i",
                    "DELETE FROM incident_event WHERE incident_id = :i",
                    "DELETE FROM incident_revision WHERE incident_id = :i",
                    "DELETE FROM incident WHERE id = :i"):
            s.execute(text(sql), {"i": incident_id})
        s.execute(text("ALTER TABLE incident_event ENABLE TRIGGER incident_event_no_change"))
        s.commit()
        s.remove()


def test_a_drill_started_from_a_scenario_is_a_drill_at_ogc(server, paths_app):
    """The drills service titles a drill "[演练] name": at /ogc it is in `drills` only,
    titled 【演练 DRILL】name once, with its name, status and scenario."""
    client = paths_app.test_client()
    sid = client.post("/api/v1/scenarios", headers=paths_app.planner, json={
        "name": "ogc 情景 drill source", "location": {"lon": 105.27, "lat": 33.89},
        "pollutant": "ANTIMONY", "mass_kg": 2000}).get_json()["id"]
    started = client.post("/api/v1/drills", headers=paths_app.planner,
                          json={"scenario_id": sid, "name": "ogc 情景 演练"})
    assert started.status_code == 201, started.get_json()
    incident_id = str(started.get_json()["incident_id"])
    auth = _basic(paths_app.reader_token)
    try:
        assert http_get(f"{server}/ogc/collections/drills/items/{incident_id}")[0] == 401
        status, _, body = http_get(f"{server}/ogc/collections/drills/items/{incident_id}", auth)
        assert status == 200, body[:300]
        props = json.loads(body)["properties"]
        assert props["title"] == "【演练 DRILL】ogc 情景 演练"
        assert props["is_drill"] is True and props["drill_name"] == "ogc 情景 演练"
        assert props["drill_status"] == "running" and props["scenario_id"] == sid
        assert http_get(f"{server}/ogc/collections/incidents/items/{incident_id}", auth)[0] == 404
    finally:
        _delete_incident(paths_app, int(incident_id))


@pytest.mark.skipif(OGRINFO is None, reason="no ogrinfo (apt-get install gdal-bin)")
def test_ogrinfo_lists_and_reads_scenario_paths_with_a_token(server, paths_app):
    client = paths_app.test_client()
    sid = str(client.post("/api/v1/scenarios", headers=paths_app.planner, json={
        "name": "ogc 情景 gdal", "location": {"lon": 105.27, "lat": 33.89},
        "pollutant": "ANTIMONY", "mass_kg": 2000}).get_json()["id"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("GDAL_HTTP")}
    env.update({"GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF", "GDAL_HTTP_AUTH": "BASIC",
                "GDAL_HTTP_USERPWD": f"qgis:{paths_app.reader_token}"})
    listed = subprocess.run([OGRINFO, "-ro", "-so", f"OAPIF:{server}/ogc"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stderr
    assert any(line.split(":", 1)[1].split("(")[0].strip() == "scenario_paths"
               for line in listed.stdout.splitlines() if line[:1].isdigit() and ":" in line)
    read = subprocess.run([OGRINFO, "-ro", f"OAPIF:{server}/ogc", "scenario_paths",
                           "-spat", "104.9", "33.5", "105.6", "34.2"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert read.returncode == 0, read.stderr
    ids = [line.split("=", 1)[1].strip() for line in read.stdout.splitlines()
           if line.strip().startswith("id (String) =")]
    assert sid in ids
    assert "ogc 情景 gdal" in read.stdout and "MULTILINESTRING" in read.stdout
