"""Importing a department's survey (issue 17 item 2) on real PostGIS, from real files the
tests write: a zipped Shapefile, a GeoPackage, GeoJSON, XLSX, a GB18030 CSV with Chinese
columns and a GCJ-02-shifted file. Every rejected file leaves the database as it was."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import text

from webgis.config import Settings
from webgis.dataset import gcj02
from webgis.services.actor import Actor
from webgis.services.survey_import import ImportRejected, SurveyInvalid, import_survey

ADMIN = Actor(None, "test-admin", "admin")
SETTINGS = Settings()
TABLES = ("enterprise", "enterprise_substance", "water_source", "monitoring_section",
          "interception_point", "depot", "inventory", "rescue_team", "audit_log")


def snapshot(session) -> dict[str, str]:
    """Every row of every table an import may touch, as one digest per table."""
    return {t: session.execute(text(
        f"SELECT count(*)::text || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY "
        f"x.id)), '') FROM {t} x")).scalar_one() for t in TABLES}


def audits(session) -> int:
    return session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()


def run(path: Path, layer: str, **kw):
    return import_survey(layer, path, ADMIN, SETTINGS, **kw)


# --- files ------------------------------------------------------------------------------


def sections_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "code": ["SEC_NEW1", "SEC_NEW2"], "name_zh": ["新断面一", "新断面二"],
        "level": ["province", "state"], "target_class": [3, 2]},
        geometry=[Point(103.04, 36.0005), Point(103.15, 36.0)], crs="EPSG:4326")


def test_geojson_sections_created_snapped_audited_and_reimport_changes_nothing(
        session, tmp_path):
    path = tmp_path / "sections.geojson"
    sections_gdf().to_file(path, driver="GeoJSON")
    before = audits(session)
    report = run(path, "sections")
    assert (report["created"], report["changed"], report["unchanged"]) == (2, 0, 0)
    assert report["encoding"] == "utf-8" and report["crs"] == "EPSG:4326"
    props = {f["properties"]["code"]: f["properties"] for f in report["features"]["features"]}
    assert props["SEC_NEW1"]["reach"] == "MAIN-001"
    assert 50 < props["SEC_NEW1"]["snap_m"] < 60 and not props["SEC_NEW1"]["flag"]
    assert props["SEC_NEW2"]["reach"] == "MAIN-002"
    row = session.execute(text("SELECT s.name_en, s.measure, r.code FROM monitoring_section s "
                               "JOIN reach r ON r.id = s.reach_id WHERE s.code = 'SEC_NEW1'")
                          ).one()
    assert row[0] == "新断面一" and row[2] == "MAIN-001" and row[1] == pytest.approx(0.4, 1e-3)
    assert audits(session) == before + 2
    state = snapshot(session)
    again = run(path, "sections")
    assert (again["created"], again["changed"], again["unchanged"]) == (0, 0, 2)
    assert snapshot(session) == state


def test_gpkg_spaces_change_an_existing_space_once(session, tmp_path):
    path = tmp_path / "spaces.gpkg"
    gpd.GeoDataFrame({"code": ["IP_A"], "name_zh": ["甲坝"], "kind": ["dam"],
                      "capacity_m3": [2500000.0], "techniques": ["intercept;dose;boom"]},
                     geometry=[Point(103.15, 36.0)], crs="EPSG:4326").to_file(
        path, driver="GPKG")
    v0 = session.execute(text("SELECT row_version FROM interception_point WHERE code='IP_A'")
                         ).scalar_one()
    report = run(path, "spaces")
    assert report["format"] == "geopackage" and report["changed"] == 1
    cap, tech, v1, access = session.execute(text(
        "SELECT capacity_m3, techniques, row_version, access FROM interception_point "
        "WHERE code='IP_A'")).one()
    assert (cap, tech, v1) == (2500000.0, ["intercept", "dose", "boom"], v0 + 1)
    assert access == "县道直达坝顶"  # not in the file: kept
    line = session.execute(text("SELECT action, object_type, before, after, actor_name "
                                "FROM audit_log ORDER BY id DESC LIMIT 1")).one()
    assert line[:2] == ("imported_changed", "interception")
    assert line[2]["capacity_m3"] == 2000000.0 and line[3]["capacity_m3"] == 2500000.0
    assert line[4] == "test-admin"
    state = snapshot(session)
    assert run(path, "spaces")["unchanged"] == 1
    assert snapshot(session) == state


def test_zipped_shapefile_in_cgcs2000_gauss_kruger(session, tmp_path):
    """A projected CGCS2000 file (3-degree Gauss-Krüger zone 34, EPSG:4522) comes back to
    the same WGS84 point within a centimetre."""
    gdf = gpd.GeoDataFrame({"编码": ["TEAM_NEW"], "名称": ["新救援队"], "人数": [25],
                            "专业": ["堵漏、围油"]},
                           geometry=[Point(103.05, 36.02)], crs="EPSG:4490").to_crs(4522)
    shp = tmp_path / "teams.shp"
    gdf.to_file(shp, driver="ESRI Shapefile", encoding="utf-8")
    zpath = tmp_path / "teams.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in tmp_path.glob("teams.*"):
            if p.suffix != ".zip":
                zf.write(p, f"teams/{p.name}")
        zf.writestr("__MACOSX/teams/._teams.shp", b"\0\5\26\7")  # zipped on a Mac
    report = run(zpath, "teams", profile="zh_standard")
    assert report["format"] == "shapefile" and report["crs"] == "EPSG:4522"
    assert report["created"] == 1
    x, y, spec = session.execute(text("SELECT ST_X(geom), ST_Y(geom), specialities FROM "
                                      "rescue_team WHERE code='TEAM_NEW'")).one()
    assert (x, y) == (pytest.approx(103.05, abs=1e-7), pytest.approx(36.02, abs=1e-7))
    assert spec == ["堵漏", "围油"]


def test_xlsx_depot_inventory_merged_per_material(session, tmp_path):
    path = tmp_path / "depots.xlsx"
    pd.DataFrame({"code": ["DEPOT_A"], "name_zh": ["甲物资库"], "lon": [103.15], "lat": [36.05],
                  "inventory": ["ACTIVATED_CARBON:30; QUICKLIME:50"]}).to_excel(path, index=False)
    first = session.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one()
    report = run(path, "depots")
    assert report["format"] == "xlsx" and report["changed"] == 1
    stock = dict(session.execute(text(
        "SELECT m.code, i.quantity FROM inventory i JOIN material m ON m.id = i.material_id "
        "JOIN depot d ON d.id = i.depot_id WHERE d.code = 'DEPOT_A'")).all())
    assert stock["ACTIVATED_CARBON"] == 30 and stock["QUICKLIME"] == 50
    assert "SANDBAG" in stock  # not in the file: kept
    lines = session.execute(text("SELECT object_type, object_code, before, after FROM "
                                 "audit_log WHERE id > :a ORDER BY id"), {"a": first}).all()
    assert [(t, c) for t, c, _, _ in lines] == [("stock", "DEPOT_A/ACTIVATED_CARBON")]
    assert lines[0][2]["quantity"] == 20 and lines[0][3]["quantity"] == 30
    state = snapshot(session)
    assert run(path, "depots")["unchanged"] == 1
    assert snapshot(session) == state


def gb18030_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "企业.csv"
    head = "企业编码,企业名称,行业,风险等级,预案备案,经度,纬度,风险物质,备注"
    path.write_bytes("\n".join([head, *rows]).encode("gb18030"))
    return path


def test_gb18030_csv_with_a_chinese_profile(session, tmp_path):
    path = gb18030_csv(tmp_path,
                       ["ENT_NEW,新化工厂,化工,重大,是,103.1004,35.96,BENZENE:12;SB:3,无"])
    report = run(path, "enterprises", profile="zh_standard")
    assert report["encoding"] == "gb18030" and report["created"] == 1
    assert report["ignored_columns"] == ["备注"]
    row = session.execute(text(
        "SELECT e.risk_level, e.plan_filed, r.code FROM enterprise e JOIN reach r "
        "ON r.id = e.outfall_reach_id WHERE e.code = 'ENT_NEW'")).one()
    assert tuple(row) == ("major", True, "TRIB-001")
    subs = dict(session.execute(text(
        "SELECT p.code, s.max_t FROM enterprise_substance s JOIN pollutant p ON "
        "p.id = s.pollutant_id JOIN enterprise e ON e.id = s.enterprise_id "
        "WHERE e.code = 'ENT_NEW'")).all())
    assert subs == {"BENZENE": 12.0, "SB": 3.0}
    state = snapshot(session)
    assert run(path, "enterprises", profile="zh_standard")["unchanged"] == 1
    assert snapshot(session) == state
    moved = gb18030_csv(tmp_path, ["ENT_NEW,新化工厂,化工,较大,是,103.1,35.92,BENZENE:12;SB:3,无"])
    report = run(moved, "enterprises", profile="zh_standard")
    assert report["changed"] == 1
    changes = report["features"]["features"][0]["properties"]["changes"]
    assert changes["risk_level"] == ["major", "larger"] and "outfall_measure" in changes


def gcj_file(tmp_path: Path) -> Path:
    """Intakes truly on the north-south tributary (x = 103.1), saved as a Chinese web map
    shows them (GCJ-02: about 450 m east)."""
    feats = []
    for i, lat in enumerate((35.91, 35.93, 35.95, 35.97)):
        lon, lat2 = gcj02.from_wgs84(103.1, lat)
        feats.append({"type": "Feature", "geometry": {"type": "Point",
                                                      "coordinates": [lon, lat2]},
                      "properties": {"code": f"WS_GCJ{i}", "name_zh": f"水源{i}",
                                     "population_served": 1000, "serves": "county"}})
    path = tmp_path / "intakes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def test_gcj02_shift_is_warned_and_converted_on_request(session, tmp_path):
    path = gcj_file(tmp_path)
    preview = run(path, "intakes", commit=False)
    assert preview["warnings"][0]["field"] == "crs" and "GCJ-02" in preview["warnings"][0][
        "message"]
    assert min(f["properties"]["snap_m"] for f in preview["features"]["features"]) > 150
    report = run(path, "intakes", crs="gcj02")
    assert report["crs"].startswith("GCJ-02") and report["created"] == 4
    assert not [w for w in report["warnings"] if w["field"] == "crs"]
    assert max(f["properties"]["snap_m"] for f in report["features"]["features"]) < 1.0


def test_dry_run_stores_nothing(session, tmp_path):
    path = tmp_path / "sections.geojson"
    sections_gdf().to_file(path, driver="GeoJSON")
    state = snapshot(session)
    report = run(path, "sections", commit=False)
    assert report["created"] == 2 and report["committed"] is False
    assert snapshot(session) == state


# --- bad input: a clear answer, nothing stored ------------------------------------------


def _geojson(tmp_path: Path, feats: list[dict], name: str = "bad.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def _feat(geom: dict | None, **props) -> dict:
    base = {"code": "SEC_X", "name_zh": "断面", "level": "state", "target_class": 3}
    return {"type": "Feature", "geometry": geom, "properties": {**base, **props}}


PT = {"type": "Point", "coordinates": [103.05, 36.0]}


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str, dict]]:
    """name → (file, what the answer must name, import options)."""
    out: dict[str, tuple[Path, str, dict]] = {}
    out["no geometry"] = (_geojson(tmp_path, [_feat(None)], "nogeom.geojson"),
                          "no geometry", {})
    out["table without coordinates"] = (tmp_path / "nocoord.csv", "lon and lat", {})
    (tmp_path / "nocoord.csv").write_text("code,name_zh,level,target_class\nS1,甲,state,3\n")
    out["unknown CRS"] = (_geojson(tmp_path, [_feat(PT)], "crs.geojson"), "unknown CRS",
                          {"crs": "EPSG:999999"})
    out["mixed geometry"] = (_geojson(tmp_path, [_feat(PT), _feat(
        {"type": "LineString", "coordinates": [[103, 36], [103.1, 36]]}, code="SEC_Y")],
        "mixed.geojson"), "mixed geometry", {})
    out["outside China"] = (_geojson(tmp_path, [_feat({"type": "Point", "coordinates": [
        10.0, 50.0]})], "far.geojson"), "outside China", {})
    out["duplicate codes"] = (_geojson(tmp_path, [_feat(PT), _feat(PT)], "dup.geojson"),
                              "duplicate code", {})
    missing = _feat(PT)
    del missing["properties"]["name_zh"]
    out["required field"] = (_geojson(tmp_path, [missing], "missing.geojson"), "name_zh", {})
    (tmp_path / "latin.csv").write_bytes(b"code,name_zh,lon,lat\nA,\xff\xfe\xff,103,36\n")
    out["not UTF-8 nor GB18030"] = (tmp_path / "latin.csv", "GB18030", {})
    big = tmp_path / "big.geojson"
    with big.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper, nothing on disk
    out["200 MB"] = (big, "limit is 50 MB", {})
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("a.geojson", "w") as m:
        for _ in range(210):
            m.write(b"\0" * (1024 * 1024))
    out["zip bomb"] = (bomb, "unpack to", {})
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(60):
            zf.writestr(f"f{i}.txt", "x")
    out["zip with many members"] = (many, "60 files", {})
    noprj = tmp_path / "noprj"
    noprj.mkdir()
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"code": ["S1"]}, geometry=[Point(103.05, 36.0)]).to_file(
            noprj / "s.shp", driver="ESRI Shapefile")
    out["shapefile without .prj"] = (noprj / "s.shp", "no CRS", {})
    out["unknown reach"] = (_geojson(tmp_path, [_feat(PT, reach="NOPE", measure=0.5)],
                                     "reach.geojson"), "unknown reach", {})
    return out


def test_every_bad_file_is_refused_naming_the_problem_and_nothing_is_stored(
        session, tmp_path):
    state = snapshot(session)
    for name, (path, expected, opts) in _bad_files(tmp_path).items():
        with pytest.raises(ImportRejected) as err:
            run(path, "sections", **opts)
        exc = err.value
        words = exc.message + json.dumps(exc.fields, ensure_ascii=False) + json.dumps(
            exc.extra, ensure_ascii=False, default=str)
        assert expected in words, (name, words[:500])
        assert snapshot(session) == state, name


def test_row_errors_name_row_and_field(session, tmp_path):
    path = gb18030_csv(tmp_path, ["ENT_B1,乙厂,化工,重大,是,103.1,35.95,BENZENE:1,",
                                  "ENT_B2,丙厂,化工,极大,是,103.1,35.95,,",
                                  "ENT_B3,丁厂,化工,一般,是,103.1,35.95,NOPE:1,",
                                  "ENT_B4,戊厂,化工,一般,是,103.1,35.95,SB:1;SB:2,"])
    state = snapshot(session)
    with pytest.raises(SurveyInvalid) as err:
        run(path, "enterprises", profile="zh_standard")
    errors = err.value.extra["report"]["errors"]
    assert {(e["row"], e["field"]) for e in errors} == {(3, "risk_level"),
                                                         (4, "substances[0].pollutant"),
                                                         (5, "substances")}
    assert snapshot(session) == state


def test_a_line_layer_is_refused(session, tmp_path):
    path = tmp_path / "line.geojson"
    gpd.GeoDataFrame({"code": ["S"]}, geometry=[LineString([(103, 36), (103.1, 36)])],
                     crs="EPSG:4326").to_file(path, driver="GeoJSON")
    with pytest.raises(ImportRejected, match="LineString"):
        run(path, "sections")


def test_gb18030_shapefile_without_cpg(session, tmp_path):
    """ArcGIS in Chinese writes the DBF in GB18030, often without a .cpg: detected."""
    shp = tmp_path / "ws.shp"
    gpd.GeoDataFrame({"编码": ["WS_GB"], "名称": ["黄河水源"], "服务人口": [5000],
                      "供水类型": ["县城"]}, geometry=[Point(103.1, 35.95)],
                     crs="EPSG:4326").to_file(shp, driver="ESRI Shapefile", encoding="gb18030")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    report = run(shp, "intakes", profile="zh_standard")
    assert report["encoding"] == "gb18030" and report["created"] == 1
    assert session.execute(text("SELECT name_zh, serves FROM water_source WHERE code='WS_GB'")
                           ).one() == ("黄河水源", "county")


# --- the edges: API and CLI -------------------------------------------------------------


@pytest.fixture
def admin_hdr(app, session):
    from webgis.services import users

    with app.app_context():
        users.create_user("import_admin", "admin", "ten chars!")
        users.create_user("import_officer", "duty_officer", "ten chars!")
        admin, _ = users.issue_token("import_admin", 1)
        officer, _ = users.issue_token("import_officer", 1)
    return {"admin": {"Authorization": f"Bearer {admin}"},
            "officer": {"Authorization": f"Bearer {officer}"}}


def test_api_preview_then_commit(client, admin_hdr, session, tmp_path):
    path = tmp_path / "sections.geojson"
    sections_gdf().to_file(path, driver="GeoJSON")
    url = "/api/v1/import/sections/upload"

    def post(query: str, hdr: dict):
        with path.open("rb") as fh:
            return client.post(url + query, headers=hdr,
                               data={"file": (fh, "断面调查.geojson")})

    assert post("", admin_hdr["officer"]).status_code == 403
    state = snapshot(session)
    r = post("?commit=false", admin_hdr["admin"])
    assert r.status_code == 200, r.json
    assert r.json["committed"] is False and r.json["created"] == 2
    assert r.json["file"] == "断面调查.geojson"
    feat = r.json["features"]["features"][0]
    assert feat["geometry"]["type"] == "Point" and "snap_m" in feat["properties"]
    assert snapshot(session) == state
    r = post("", admin_hdr["admin"])
    assert r.status_code == 200 and r.json["committed"] is True and r.json["created"] == 2
    line = session.execute(text("SELECT actor_name, action FROM audit_log ORDER BY id DESC "
                                "LIMIT 1")).one()
    assert tuple(line) == ("import_admin", "imported_created")
    assert post("", admin_hdr["admin"]).json["unchanged"] == 2


def test_api_refusals_are_422_with_the_report(client, admin_hdr, session, tmp_path):
    state = snapshot(session)
    csv = "code,name_zh,level,target_class,lon,lat\nS_1,甲,state,9,103.05,36.0\n"
    r = client.post("/api/v1/import/sections/upload", headers=admin_hdr["admin"],
                    data={"file": (__import__("io").BytesIO(csv.encode()), "s.csv")})
    assert r.status_code == 422
    assert r.json["report"]["errors"][0] == {"row": 2, "field": "target_class",
                                             "message": r.json["report"]["errors"][0][
                                                 "message"]}
    assert "row 2: target_class" in r.json["fields"]
    r = client.post("/api/v1/import/rivers/upload", headers=admin_hdr["admin"],
                    data={"file": (__import__("io").BytesIO(csv.encode()), "s.csv")})
    assert r.status_code == 422 and "layer" in r.json["fields"]
    r = client.post("/api/v1/import/sections/upload", headers=admin_hdr["admin"],
                    data={"file": (__import__("io").BytesIO(b"x"), "s.exe")})
    assert r.status_code == 422 and "file" in r.json["fields"]
    assert snapshot(session) == state


def test_cli_dry_run_then_import(runner, session, tmp_path):
    path = tmp_path / "sections.geojson"
    sections_gdf().to_file(path, driver="GeoJSON")
    state = snapshot(session)
    out = runner.invoke(args=["import", "sections", str(path), "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "2 created, 0 changed, 0 unchanged" in out.output and "nothing stored" in out.output
    assert snapshot(session) == state
    out = runner.invoke(args=["import", "sections", str(path), "--user", "li"])
    assert out.exit_code == 0 and "stored" in out.output
    assert session.execute(text("SELECT actor_name FROM audit_log ORDER BY id DESC LIMIT 1")
                           ).scalar_one() == "cli:li"
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name_zh,level,target_class,lon,lat\nS_1,甲,state,9,103.05,36.0\n")
    out = runner.invoke(args=["import", "sections", str(bad)])
    assert out.exit_code == 1 and "row 2, target_class" in out.output


def test_import_page_is_for_admins(client, admin_hdr):
    r = client.get("/import", headers=admin_hdr["admin"])
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert 'id="imp-form"' in page and "zh_standard" in page and "survey_import.js" in page
    assert "vendor/leaflet/leaflet.js" in page
    assert client.get("/import", headers=admin_hdr["officer"]).status_code == 403
    assert client.get("/api/v1/import/profiles", headers=admin_hdr["admin"]).json[
        "profiles"] == ["zh_standard"]


def test_api_upload_over_the_body_limit_is_413(client, admin_hdr, session):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    state = snapshot(session)
    boundary, body = encode_multipart({"file": FileStorage(
        __import__("io").BytesIO(b" " * (21 * 1024 * 1024)), "big.geojson")})
    r = client.post("/api/v1/import/sections/upload", headers=admin_hdr["admin"], data=body,
                    content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 413 and r.is_json
    assert snapshot(session) == state


def test_a_geopackage_with_several_layers_reads_the_one_named_like_the_layer(
        session, tmp_path):
    path = tmp_path / "survey.gpkg"
    sections_gdf().to_file(path, layer="sections", driver="GPKG")
    gpd.GeoDataFrame({"code": ["X"]}, geometry=[Point(103.1, 36.0)], crs="EPSG:4326").to_file(
        path, layer="other", driver="GPKG")
    assert run(path, "sections", commit=False)["created"] == 2
    with pytest.raises(ImportRejected, match="several layers"):
        run(path, "teams", commit=False)
