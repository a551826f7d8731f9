"""OGC API - Features at /ogc (pygeoapi over the `ogc` views), on the bundled dataset.

The app runs on a real loopback port (werkzeug in a thread, as in tests/e2e) so GDAL's own
OGC API driver (`ogrinfo OAPIF:...`, Debian's gdal-bin) reads it like QGIS would; plain HTTP
checks cover paging, item by code, property filters, Chinese text, authentication and that
every collection's items are GeoJSON a GIS client accepts.
"""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import bindparam, text

from tests.conftest import http_get, serve_on_loopback
from webgis.ogc import COLLECTIONS, SIGNED_IN_ONLY

ROOT = Path(__file__).resolve().parents[2]
OGRINFO = shutil.which("ogrinfo")
# Gansu and the downstream provinces its rivers reach: every coordinate must fall in here;
# the admin areas include the whole neighbouring provinces (Xinjiang to Inner Mongolia).
LON_RANGE, LAT_RANGE = (89.0, 112.0), (30.0, 43.5)
RANGES = {"admin_areas": ((73.0, 127.0), (25.0, 54.0))}
GEOMETRY_TYPES = {"Point", "LineString", "MultiLineString", "MultiPolygon"}
USER = "ogc_reader"


TITLES = ("ogc test incident", "[演练] ogc test drill")
SCENARIO = "ogc test scenario"


@pytest.fixture(scope="module")
def ogc_app(bundled_app):
    """The app on the bundled database with PUBLIC_READ off, one reader with an API token,
    one saved incident and one drill (their author must never show at /ogc), one saved
scenario (its path is in `scenario_paths`)."""
    from webgis import create_app
    from webgis.config import Settings
    from webgis.contract.scenarios import ScenarioFields
    from webgis.extensions import db
    from webgis.models import Incident, User
    from webgis.services import scenarios
    from webgis.services.actor import Actor

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "PUBLIC_READ": False,
                      "SQLALCHEMY_DATABASE_URI":
                          bundled_app.config["SQLALCHEMY_DATABASE_URI"]})
    sample = json.loads((ROOT / "tests/fixtures/analysis_sample.json").read_text("utf-8"))
    with app.app_context():
        db.session.execute(text("DELETE FROM incident WHERE title IN :t").bindparams(
            bindparam("t", expanding=True)), {"t": list(TITLES)})
        db.session.execute(text("DELETE FROM user_account WHERE username = :u"), {"u": USER})
        user = User(username=USER, role="field_team")
        user.set_password("ogc reader password")
        token = user.new_token()
        db.session.add(user)
        db.session.flush()
        loc = sample["request"]["location"]
        saved = [Incident(
            kind=kind, title=title, created_by_id=user.id,
            river_code=sample["snap"]["river_code"], pollutant_code=sample["pollutant"]["code"],
            request=sample["request"], result=sample,
            geom=f"SRID=4326;POINT({loc['lon']} {loc['lat']})")
            for kind, title in zip(("incident", "drill"), TITLES, strict=True)]
        db.session.add_all(saved)
        db.session.commit()
        incident_id, drill_id = (i.id for i in saved)
        # one saved scenario, so that `scenario_paths` has a feature to check
        db.session.execute(text("DELETE FROM scenario WHERE name = :n"), {"n": SCENARIO})
        db.session.commit()
        scenarios.create(ScenarioFields.model_validate({
            "name": SCENARIO, "location": loc, "pollutant": sample["pollutant"]["code"],
            "mass_kg": 1000}), Actor(user.id, USER, "planner"), Settings.from_mapping(app.config))
    app.ogc_token = token  # type: ignore[attr-defined]
    app.ogc_incident_id = incident_id  # type: ignore[attr-defined]
    app.ogc_drill_id = drill_id  # type: ignore[attr-defined]
    try:
        yield app
    finally:
        from webgis.ogc_provider import dispose_engines

        with app.app_context():
            db.session.execute(text("DELETE FROM incident WHERE id IN (:i, :d)"),
                               {"i": incident_id, "d": drill_id})
            db.session.execute(text("DELETE FROM scenario WHERE name = :n"), {"n": SCENARIO})
            db.session.execute(text("DELETE FROM user_account WHERE username = :u"),
                               {"u": USER})
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        dispose_engines()


@pytest.fixture(scope="module")
def server(ogc_app):
    """The app under werkzeug on a free loopback port; yields the base URL."""
    with serve_on_loopback(ogc_app, "ogc-server") as url:
        yield url


@pytest.fixture
def public_read(ogc_app):
    ogc_app.config["PUBLIC_READ"] = True
    try:
        yield
    finally:
        ogc_app.config["PUBLIC_READ"] = False


def _basic(token: str, user: str = "qgis") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


def _json(url: str, headers: dict[str, str] | None = None) -> dict:
    status, _, body = http_get(url, headers)
    assert status == 200, (url, status, body[:300])
    return json.loads(body)


def _db_ids(app, view: str, where: str = "TRUE", **params) -> list[str]:
    from webgis.extensions import db

    with app.app_context():
        rows = db.session.execute(
            text(f"SELECT id FROM ogc.{view} WHERE {where}"), params)
        ids = sorted(r[0] for r in rows)
        db.session.remove()
    return ids


def _ogr_env(token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GDAL_HTTP")}
    env.update({"GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"})
    if token is not None:
        env.update({"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"qgis:{token}"})
    return env


needs_gdal = pytest.mark.skipif(OGRINFO is None, reason="no ogrinfo (apt-get install gdal-bin)")


@needs_gdal
def test_ogrinfo_lists_every_collection_with_a_basic_token(server, ogc_app):
    """GDAL's OAPIF driver, authenticating as QGIS can (Basic, the token as password)."""
    out = subprocess.run([OGRINFO, "-ro", "-so", f"OAPIF:{server}/ogc"],
                         env=_ogr_env(ogc_app.ogc_token), capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    listed = {line.split(":", 1)[1].split("(")[0].strip()
              for line in out.stdout.splitlines() if line[:1].isdigit() and ":" in line}
    assert listed == set(COLLECTIONS), out.stdout

    refused = subprocess.run([OGRINFO, "-ro", "-so", f"OAPIF:{server}/ogc"],
                             env=_ogr_env(None), capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0
    wrong = subprocess.run([OGRINFO, "-ro", "-so", f"OAPIF:{server}/ogc"],
                           env=_ogr_env("not-a-token"), capture_output=True, text=True,
                           timeout=120)
    assert wrong.returncode != 0


@needs_gdal
def test_ogrinfo_reads_features_in_a_bbox(server, ogc_app):
    """`ogrinfo ... -spat` sends the bbox to the server: exactly the enterprises whose point
    lies in it come back, with their Chinese names intact."""
    bbox = (103.0, 35.5, 104.5, 36.5)  # around Lanzhou
    expected = _db_ids(ogc_app, "enterprises",
                       "ST_Intersects(geom, ST_MakeEnvelope(:a, :b, :c, :d, 4326))",
                       a=bbox[0], b=bbox[1], c=bbox[2], d=bbox[3])
    assert len(expected) >= 3  # the test means something only if the box holds features
    out = subprocess.run(
        [OGRINFO, "-ro", f"OAPIF:{server}/ogc", "enterprises", "-spat", *map(str, bbox)],
        env=_ogr_env(ogc_app.ogc_token), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    ids = sorted(line.split("=", 1)[1].strip() for line in out.stdout.splitlines()
                 if line.strip().startswith("id (String) ="))
    assert ids == sorted(expected)
    names = [line.split("=", 1)[1].strip() for line in out.stdout.splitlines()
             if line.strip().startswith("name_zh (String) =")]
    assert len(names) == len(expected)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names), names


def test_refused_without_credentials_when_public_read_is_off(server, ogc_app):
    for headers in ({}, _basic("not-a-token"), {"Authorization": "Bearer not-a-token"}):
        status, head, body = http_get(f"{server}/ogc/collections", headers)
        assert status == 401
        assert head.get("WWW-Authenticate") == 'Basic realm="webgis"'
        doc = json.loads(body)
        assert set(doc) >= {"error", "fields"} and "Authorization" in doc["fields"]
    token = ogc_app.ogc_token
    for headers in (_basic(token), _basic(token, user="anyone"),
                    {"Authorization": f"Bearer {token}"}):
        status, _, body = http_get(f"{server}/ogc/collections", headers)
        assert status == 200, body[:200]


def test_a_signed_in_session_reads(ogc_app):
    import re

    client = ogc_app.test_client()
    assert client.get("/ogc/collections").status_code == 401
    html = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    resp = client.post("/login", data={"username": USER, "password": "ogc reader password",
                                       "csrf_token": csrf})
    assert resp.status_code == 302
    assert client.get("/ogc/collections").status_code == 200


def test_landing_page_and_conformance(server, public_read):
    landing = _json(f"{server}/ogc/")
    rels = {link["rel"] for link in landing["links"]}
    assert {"conformance", "data", "service-desc"} <= rels
    assert all(link["href"].startswith(f"{server}/ogc") for link in landing["links"]
               if link["rel"] in ("conformance", "data"))
    classes = _json(f"{server}/ogc/conformance")["conformsTo"]
    for part in ("ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson"):
        assert any(c.endswith(part) for c in classes), part
    openapi = _json(f"{server}/ogc/openapi")
    assert "/collections/rivers/items" in openapi["paths"]


def test_collections_are_crs84_with_extents(server, public_read):
    doc = _json(f"{server}/ogc/collections")
    assert {c["id"] for c in doc["collections"]} == set(COLLECTIONS)
    for coll in doc["collections"]:
        assert coll["storageCrs"].endswith("/OGC/1.3/CRS84"), coll["id"]
        minx, miny, maxx, maxy = coll["extent"]["spatial"]["bbox"][0]
        lons, lats = RANGES.get(coll["id"], (LON_RANGE, LAT_RANGE))
        assert lons[0] <= minx < maxx <= lons[1], coll["id"]
        assert lats[0] <= miny < maxy <= lats[1], coll["id"]


def test_paging_follows_next_links_to_every_reach(server, ogc_app, public_read):
    expected = _db_ids(ogc_app, "reaches")
    url, seen, pages = f"{server}/ogc/collections/reaches/items?limit=100", [], 0
    while url:
        page = _json(url)
        assert page["numberMatched"] == len(expected)
        seen += [f["id"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        pages += 1
        assert pages <= len(expected) // 100 + 2
    assert pages == math.ceil(len(expected) / 100)
    assert sorted(seen) == expected  # each reach once, none skipped


def test_item_by_code_with_chinese_names(server, ogc_app, public_read):
    from webgis.extensions import db

    with ogc_app.app_context():
        code, name_zh = db.session.execute(text(
            "SELECT code, name_zh FROM enterprise ORDER BY code LIMIT 1")).one()
        db.session.remove()
    status, head, body = http_get(f"{server}/ogc/collections/enterprises/items/{code}")
    assert status == 200 and "json" in head["Content-Type"]
    assert name_zh.encode("utf-8") in body  # plain UTF-8, not \uXXXX escapes
    feature = json.loads(body.decode("utf-8"))
    assert feature["id"] == code
    assert feature["properties"]["name_zh"] == name_zh
    assert feature["geometry"]["type"] == "Point"
    status, _, body = http_get(f"{server}/ogc/collections/enterprises/items/NO-SUCH-CODE")
    assert status == 404


def test_property_filter(server, ogc_app, public_read):
    river = _db_ids(ogc_app, "rivers")[0]
    expected = _db_ids(ogc_app, "reaches", "river_code = :r", r=river)
    page = _json(f"{server}/ogc/collections/reaches/items?river_code={river}&limit=1000")
    assert sorted(f["id"] for f in page["features"]) == expected
    assert {f["properties"]["river_code"] for f in page["features"]} == {river}
    major = _db_ids(ogc_app, "enterprises", "risk_level = :r", r="major")
    assert 0 < len(major) < len(_db_ids(ogc_app, "enterprises"))
    page = _json(f"{server}/ogc/collections/enterprises/items?risk_level=major&limit=1000")
    assert sorted(f["id"] for f in page["features"]) == major


def _coords(geometry: dict):
    def walk(c):
        if c and isinstance(c[0], (int, float)):
            yield c
        else:
            for sub in c:
                yield from walk(sub)

    return list(walk(geometry["coordinates"]))


def _rfc7946_shape(geometry: dict, where: tuple) -> None:
    """RFC 7946's shape rules GIS readers rely on: a position is 2 or 3 numbers, a line has
    two positions or more, a polygon ring four or more and closed."""
    kind, coords = geometry["type"], geometry["coordinates"]
    lines = {"Point": [], "LineString": [coords], "MultiLineString": coords}.get(kind)
    rings = [ring for polygon in coords for ring in polygon] if kind == "MultiPolygon" else []
    if kind == "Point":
        assert 2 <= len(coords) <= 3, where
    for line in lines or []:
        assert len(line) >= 2 and all(2 <= len(p) <= 3 for p in line), where
    for ring in rings:
        assert len(ring) >= 4 and ring[0] == ring[-1], where


def test_every_collection_is_geojson_a_gis_client_accepts(server, ogc_app, public_read):
    """The QGIS-compatible check: a FeatureCollection of Features, each with an id and a
    geometry of a known type whose coordinates are lon/lat around Gansu."""
    for name in COLLECTIONS:
        lons, lats = RANGES.get(name, (LON_RANGE, LAT_RANGE))
        auth = _basic(ogc_app.ogc_token) if name in SIGNED_IN_ONLY else None
        status, head, body = http_get(f"{server}/ogc/collections/{name}/items?limit=10000", auth)
        assert status == 200, (name, body[:200])
        assert "json" in head["Content-Type"], name
        doc = json.loads(body.decode("utf-8"))
        assert doc["type"] == "FeatureCollection"
        ids = [f["id"] for f in doc["features"]]
        assert sorted(ids) == _db_ids(ogc_app, name), name
        assert ids and len(set(ids)) == len(ids)
        for f in doc["features"]:
            assert f["type"] == "Feature" and f["id"] not in (None, "")
            assert isinstance(f["properties"], dict)
            assert f["geometry"]["type"] in GEOMETRY_TYPES, (name, f["id"])
            pts = _coords(f["geometry"])
            assert pts, (name, f["id"])
            for lon, lat, *_ in pts:
                assert math.isfinite(lon) and math.isfinite(lat)
                assert lons[0] <= lon <= lons[1], (name, f["id"], lon)
                assert lats[0] <= lat <= lats[1], (name, f["id"], lat)
            _rfc7946_shape(f["geometry"], (name, f["id"]))


def test_saved_incident_path_without_its_author(server, ogc_app, public_read):
    """Signed-in readers only (issue 14: anonymous users never see incidents, PUBLIC_READ
    or not), and never the account that saved it."""
    incident_id = ogc_app.ogc_incident_id
    for url in (f"{server}/ogc/collections/incidents/items/{incident_id}",
                f"{server}/ogc/collections/incidents/items"):
        status, head, body = http_get(url)
        assert status == 401 and b"ogc test incident" not in body
        assert head["WWW-Authenticate"].startswith("Basic")
    status, _, body = http_get(f"{server}/ogc/collections/incidents/items/{incident_id}",
                           _basic(ogc_app.ogc_token))
    assert status == 200, body[:300]
    feature = json.loads(body)
    assert feature["geometry"]["type"] == "MultiLineString"
    assert feature["properties"]["title"] == "ogc test incident"
    assert feature["properties"]["river_name_zh"] == "太石河"
    everything = http_get(f"{server}/ogc/collections/incidents/items?limit=10000",
                      _basic(ogc_app.ogc_token))[2]
    assert USER.encode() not in everything and b"created_by" not in everything


def test_a_drill_is_never_an_incident(server, ogc_app, public_read):
    """Drills are in `drills` only, titled 【演练 DRILL】 and `is_drill` true; `incidents`
    holds real incidents only. Both for signed-in readers only, PUBLIC_READ or not."""
    token = _basic(ogc_app.ogc_token)
    incident_id, drill_id = str(ogc_app.ogc_incident_id), str(ogc_app.ogc_drill_id)
    incidents = _json(f"{server}/ogc/collections/incidents/items?limit=10000", token)
    ids = {f["id"] for f in incidents["features"]}
    assert incident_id in ids and drill_id not in ids
    assert all(f["properties"]["kind"] == "incident" and f["properties"]["is_drill"] is False
               for f in incidents["features"])
    assert not any("演练" in (f["properties"]["title"] or "") for f in incidents["features"])
    assert http_get(f"{server}/ogc/collections/incidents/items/{drill_id}", token)[0] == 404
    assert _json(f"{server}/ogc/collections/incidents/items?kind=drill", token)[
        "features"] == []

    for url in (f"{server}/ogc/collections/drills/items",
                f"{server}/ogc/collections/drills/items/{drill_id}",
                f"{server}/ogc/collections/drills"):
        status, head, body = http_get(url)
        assert status == 401, (url, body[:200])
        assert b"ogc test drill" not in body
        assert head["WWW-Authenticate"].startswith("Basic")
    drills = _json(f"{server}/ogc/collections/drills/items?limit=10000", token)
    by_id = {f["id"]: f for f in drills["features"]}
    assert drill_id in by_id and incident_id not in by_id
    assert sorted(by_id) == _db_ids(ogc_app, "drills")
    assert all(f["properties"]["is_drill"] is True and f["properties"]["kind"] == "drill"
               and f["properties"]["title"].startswith("【演练 DRILL】")
               for f in drills["features"])
    mine = by_id[drill_id]
    assert mine["properties"]["title"] == "【演练 DRILL】ogc test drill"  # not doubled
    assert mine["geometry"]["type"] == "MultiLineString"
    assert USER.encode() not in json.dumps(drills, ensure_ascii=False).encode()
    status, _, body = http_get(f"{server}/ogc/collections/drills/items/{drill_id}",
                           {"Authorization": f"Bearer {ogc_app.ogc_token}"})
    assert status == 200 and json.loads(body)["id"] == drill_id


@needs_gdal
def test_ogrinfo_reads_drills_with_a_token_only(server, ogc_app, public_read):
    """GDAL sees the drills layer with its token (titles marked), and cannot read it
    anonymously even with public read on."""
    args = [OGRINFO, "-ro", f"OAPIF:{server}/ogc", "drills"]
    out = subprocess.run(args, env=_ogr_env(ogc_app.ogc_token), capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    titles = [line.split("=", 1)[1].strip() for line in out.stdout.splitlines()
              if line.strip().startswith("title (String) =")]
    assert "【演练 DRILL】ogc test drill" in titles
    assert all(t.startswith("【演练 DRILL】") for t in titles)
    anonymous = subprocess.run(args, env=_ogr_env(None), capture_output=True, text=True,
                               timeout=120)
    assert "ogc test drill" not in anonymous.stdout


def test_read_only_and_json_for_browsers(server, public_read):
    status, head, body = http_get(f"{server}/ogc/collections",
                              {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert status == 200 and "json" in head["Content-Type"]
    status, _, body = http_get(f"{server}/ogc/collections?f=html")
    assert status == 400 and json.loads(body)["fields"] == {"f": "html"}
    req = urllib.request.Request(f"{server}/ogc/collections/depots/items", method="POST",
                                 data=b"{}", headers={"Content-Type": "application/geo+json",
                                                      "Accept": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code in (400, 405)
    err.value.close()


def test_typed_property_filters(server, ogc_app, public_read):
    """Filters on boolean and numeric properties compare typed values (pygeoapi 0.21 alone
    compares them as text and fails)."""
    reservoirs = _db_ids(ogc_app, "reaches", "is_reservoir")
    assert reservoirs
    page = _json(f"{server}/ogc/collections/reaches/items?is_reservoir=true&limit=10000")
    assert sorted(f["id"] for f in page["features"]) == reservoirs
    class3 = _db_ids(ogc_app, "sections", "target_class = 3")
    page = _json(f"{server}/ogc/collections/sections/items?target_class=3&limit=10000")
    assert sorted(f["id"] for f in page["features"]) == class3


@pytest.mark.parametrize(("query", "status", "field"), [
    ("collections/reaches/items?is_reservoir=maybe", 400, "is_reservoir"),
    ("collections/reaches/items?length_m=abc", 400, "length_m"),
    ("collections/sections/items?target_class=1.5", 400, "target_class"),
    ("collections/reaches/items?length_m=nan", 400, "length_m"),
    ("collections/reaches/items?datetime=2026-01-01", 400, "datetime"),
    ("collections/reaches/items?bbox=a,b,c,d", 400, "bbox"),
    ("collections/reaches/items?limit=-1", 400, "limit"),
    ("collections/reaches/items?x=%00", 400, "x"),
    # a NUL in the path: 400 here, or 404 where the app's edge checks path values first
    ("collections/reaches/items/%00", (400, 404), ("path", "item_id")),
    ("collections/nope/items", 404, "collection_id"),
    ("collections/reaches/items/NO-SUCH-REACH", 404, "item_id"),
])
def test_bad_input_is_a_json_error_naming_the_field(server, public_read, query, status, field):
    code, head, body = http_get(f"{server}/ogc/{query}")
    assert code in (status if isinstance(status, tuple) else (status,)), body[:300]
    doc = json.loads(body)
    fields = field if isinstance(field, tuple) else (field,)
    assert doc["error"] and any(f in doc["fields"] for f in fields), doc
