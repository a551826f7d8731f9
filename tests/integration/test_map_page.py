"""The map page, its layer bundle and saved incidents (on the mini fixture)."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from webgis.models import User

PASSWORD = "correct horse battery"
BODY = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "season": "normal",
    "horizon_h": 72,
    "started_at": "2026-05-01T08:00:00+08:00",
}
URL = re.compile(r"https?://", re.IGNORECASE)


def _config(html: str) -> dict:
    raw = re.search(r'<script id="webgis-config" type="application/json">(.*?)</script>', html,
                    re.S).group(1)
    return json.loads(raw)


def _bundles(html: str) -> tuple[str, str]:
    """The page's one stylesheet and one (deferred) script."""
    css = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
    js = re.findall(r"<script ([^>]*)src=\"([^\"]+)\"></script>", html)
    assert len(css) == 1 and len(js) == 1, (css, js)
    assert js[0][0].strip() == "defer"
    return css[0], js[0][1]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_names_no_remote_url(client, lang):
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert not URL.search(html), URL.search(html)
    for lib in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers"):
        assert lib not in html.lower()
    css, js = _bundles(html)
    assert js.startswith(f"/map/assets/map-{lang}.js?v=")
    assert css.startswith("/map/assets/map.css?v=")
    script = client.get(js).get_data(as_text=True)
    # Leaflet first, then the plugins folium asks for, then ours; all from static/vendor.
    order = ["vendor/leaflet/leaflet.js", "vendor/markercluster/leaflet.markercluster.js",
             "vendor/fullscreen/Control.FullScreen.js",
             f"vendor/measure/leaflet-measure.{'cn' if lang == 'zh' else 'en'}.js",
             "vendor/mouseposition/L.Control.MousePosition.js",
             "app/fmt.js", "app/map.js", "app/incident.js"]
    at = [script.find(f"/* {name} */") for name in order]
    assert -1 not in at and at == sorted(at), dict(zip(order, at, strict=True))
    assert "Leaflet 1.9.4" in script and "sourceMappingURL" not in script
    # folium's script only defines the function map.js calls once Leaflet is loaded.
    assert "window.WG_FOLIUM = function () {" in html


def test_bundles_are_compressed_cached_and_rebuilt(client):
    css, js = _bundles(client.get("/").get_data(as_text=True))
    resp = client.get(js, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert resp.mimetype == "text/javascript"
    assert "immutable" in resp.headers["Cache-Control"]
    raw = gzip.decompress(resp.data)
    assert len(resp.data) < len(raw) / 2
    assert client.get(js).data == raw  # no gzip asked: the plain bytes
    again = client.get(js, headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    # A stale hash still gets the current file, but not for keeps.
    stale = client.get(js.split("?")[0] + "?v=0123456789abcdef")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    # Chart.js (loaded on the first chart) is served the same way.
    chart = _config(client.get("/").get_data(as_text=True))["chart_js"]
    assert chart.startswith("/map/assets/chart.js?v=")
    resp = client.get(chart, headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "immutable" in resp.headers["Cache-Control"]
    assert b"Chart.js v4" in gzip.decompress(resp.data)
    assert client.get("/map/assets/map-fr.js").status_code == 404
    assert client.get("/map/assets/leaflet.js").status_code == 404
    # The stylesheet's small icons are inlined; larger images resolve from its new place.
    sheet = client.get(css).get_data(as_text=True)
    assert 'url("data:image/png;base64,' in sheet  # e.g. Leaflet's layers.png, 696 bytes
    assert 'url("data:image/svg+xml;base64,' in sheet  # the full-screen icon
    images = set(re.findall(r'url\("(/static/[^"]+)"\)', sheet))
    assert "/static/vendor/leaflet/images/marker-icon.png" not in images  # 1.5 kB: inlined
    for image in images:
        found = client.get(image)
        found.close()  # a static file is streamed from an open file
        assert found.status_code == 200, image


def test_bundle_follows_its_files(tmp_path):
    from webgis.web import assets

    (tmp_path / "a.js").write_text("var a = 1;\n//# sourceMappingURL=a.js.map\n")
    (tmp_path / "b.css").write_text(".x { background: url(img/x.png) } "
                                    ".y { background: url('data:,') }")
    first = assets.get(tmp_path, "js", ("a.js",))
    assert assets.get(tmp_path, "js", ("a.js",)) is first
    assert b"sourceMappingURL" not in first.raw and b"var a = 1;" in first.raw
    (tmp_path / "a.js").write_text("var a = 22;\n")
    second = assets.get(tmp_path, "js", ("a.js",))
    assert second.digest != first.digest and b"var a = 22;" in second.raw
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "x.png").write_bytes(b"\x89PNG small")
    css = assets.get(tmp_path, "css", ("b.css",)).raw
    assert b'url("data:image/png;base64,iVBORyBzbWFsbA==")' in css and b"url('data:,')" in css
    (tmp_path / "img" / "x.png").write_bytes(b"\x89PNG" + bytes(assets.INLINE_MAX))
    css = assets.get(tmp_path, "css", ("b.css",)).raw  # the image changed: too big now
    assert b'url("/static/img/x.png")' in css


def test_page_is_chinese_by_default_with_english_switch(client):
    html = client.get("/").get_data(as_text=True)
    for label in ("饮用水取水口", "环境风险企业", "应急拦截点"):  # layer control (JSON-escaped)
        assert label in html or json.dumps(label)[1:-1] in html
    assert "新建事件" in html and "污染物" in html
    cfg = _config(html)
    assert cfg["lang"] == "zh" and cfg["strings"]["Plume path"] == "污染团路径"
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Drinking-water intakes" in html and "Risk enterprises" in html
    assert _config(html)["strings"]["Plume path"] == "Plume path"


def test_every_overlay_is_in_the_layer_control(client):
    cfg = _config(client.get("/").get_data(as_text=True))
    for key in ("map", "control", "base", "admin_areas", "rivers", "places", "water_sources",
                "sections", "interception_points", "depots", "teams", "enterprises"):
        assert key in cfg["names"]


def test_layer_bundle_is_compact_and_cached(client):
    resp = client.get("/map/layers.json?zoom=8", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(resp.data))
    assert set(body["layers"]) >= {"rivers", "depots", "enterprises", "pollutants"}
    depot = body["layers"]["depots"]["features"][0]["properties"]
    assert "inventory" in depot and "source" not in depot
    again = client.get("/map/layers.json?zoom=8", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("zoom", ["3", "15", "x", "-1"])
def test_layer_bundle_rejects_bad_zoom(client, zoom):
    resp = client.get(f"/map/layers.json?zoom={zoom}")
    assert resp.status_code == 422 and "zoom" in resp.get_json()["fields"]  # issue 13


@pytest.fixture
def officer(session):
    user = User(username="duty_map", role="duty_officer")
    user.set_password(PASSWORD)
    session.add(user)
    session.commit()
    return user


def _login(client, username):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token})
    assert resp.status_code == 302
    return _config(client.get("/").get_data(as_text=True))


def test_saving_needs_a_duty_officer(client, session):
    assert client.post("/api/v1/incidents", json={"request": BODY}).status_code == 401
    planner = User(username="planner_map", role="planner")
    planner.set_password(PASSWORD)
    session.add(planner)
    session.commit()
    cfg = _login(client, "planner_map")
    assert cfg["user"]["can_save"] is False
    resp = client.post("/api/v1/incidents", json={"request": BODY},
                       headers={"X-CSRFToken": cfg["csrf"]})
    assert resp.status_code == 403


def test_save_list_and_reopen(client, officer):
    cfg = _login(client, "duty_map")
    assert cfg["user"]["can_save"] is True
    resp = client.post("/api/v1/incidents", json={"title": "演练：苯泄漏", "kind": "drill",
                                                  "request": BODY},
                       headers={"X-CSRFToken": cfg["csrf"]})
    assert resp.status_code == 201, resp.get_json()
    saved = resp.get_json()
    assert saved["url"] == f"/incidents/{saved['id']}" and saved["sheet_url"].endswith("sheet.pdf")
    # drills never mix with real incidents (issue 14): listed with ?kind=drill
    assert client.get("/api/v1/incidents").get_json()["incidents"] == []
    listed = client.get("/api/v1/incidents?kind=drill").get_json()["incidents"]
    assert listed[0]["id"] == saved["id"] and listed[0]["kind"] == "drill"
    assert listed[0]["created_by"] == "duty_map" and listed[0]["pollutant_code"] == "BENZENE"
    one = client.get(f"/api/v1/incidents/{saved['id']}").get_json()
    assert one["request"]["pollutant"] == "BENZENE"
    assert one["result"]["snap"]["river_code"] == one["river_code"]
    assert one["result"]["path"]["features"]
    page = client.get(f"/incidents/{saved['id']}").get_data(as_text=True)
    assert _config(page)["incident_id"] == saved["id"]


@pytest.mark.parametrize("body, field", [
    ({"request": BODY, "kind": "exercise"}, "kind"),
    ({"request": BODY, "title": 5}, "title"),
    ({"request": "x"}, "request"),
    ({}, "request"),
])
def test_save_rejects_bad_input(client, officer, body, field):
    cfg = _login(client, "duty_map")
    resp = client.post("/api/v1/incidents", json=body, headers={"X-CSRFToken": cfg["csrf"]})
    assert resp.status_code == 422 and field in resp.get_json()["fields"]  # issue 13


def test_save_rejects_a_bad_analysis_request_and_writes_nothing(client, officer):
    cfg = _login(client, "duty_map")
    bad = {**BODY, "pollutant": "NOPE"}
    resp = client.post("/api/v1/incidents", json={"request": bad},
                       headers={"X-CSRFToken": cfg["csrf"]})
    assert resp.status_code == 422
    assert client.get("/api/v1/incidents").get_json()["incidents"] == []


def test_unknown_incident_is_404(client, incident_reader):
    assert client.get("/api/v1/incidents/999999").status_code == 404
    assert client.get("/api/v1/incidents?limit=0").status_code == 422  # issue 13


def test_title_with_control_characters_is_422(client, officer):
    """Refused, naming the field, by the body check of every JSON request (issue 12)."""
    cfg = _login(client, "duty_map")
    resp = client.post("/api/v1/incidents", json={"title": "a\x00b", "request": BODY},
                       headers={"X-CSRFToken": cfg["csrf"]})
    assert resp.status_code == 422 and "title" in resp.get_json()["fields"]
