"""The screening tab in a real Chromium on the bundled data: a planner starts the
Jishishan area screening (one season), follows its progress to the end, reads the
rankings and sees the threat lines and graduated intakes on the map."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ensure_user, sign_in

PLANNER = ("e2e_planner", "e2e planner password")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def planner(e2e_app):
    yield ensure_user(e2e_app, PLANNER[0], "planner", PLANNER[1])
    from webgis.services.screening_engine import close_local

    close_local()


def test_planner_runs_an_area_screening_in_the_browser(watched, live_server, planner):
    page = watched.page
    sign_in(page, live_server, planner)
    page.wait_for_function("document.body.dataset.ready")
    page.click("button[data-tab=screening]")
    page.uncheck("#scr-form input[value=dry]")
    page.uncheck("#scr-form input[value=normal]")
    page.select_option("#scr-area", "circle")
    page.fill("#scr-lat", "35.70")
    page.fill("#scr-lon", "102.79")
    page.fill("#scr-radius", "50")
    page.click("#scr-start")
    page.wait_for_function(
        "['done', 'failed', 'cancelled'].includes(document.body.dataset.screening)",
        timeout=240_000)
    assert page.evaluate("document.body.dataset.screening") == "done", \
        page.inner_text("#scr-status")
    page.wait_for_function("Number(document.body.dataset.screeningLayers) > 0")
    tables = page.locator("#scr-results table.scr-table")
    assert tables.count() == 3
    assert "兰州市水源地建设工程刘家峡取水口" in page.inner_text("#scr-results")
    # the longest exceedance, counted to the horizon: Baiyin's is still running there
    intakes = tables.nth(1).inner_text()
    assert "最长超标历时" in intakes
    baiyin = next(line for line in intakes.splitlines() if "白银市区黄河取水口" in line)
    assert "（超出预报时段）" in baiyin and "≥" in baiyin
    assert "积石山县城污水处理厂" in page.inner_text("#scr-results .scr-inside")
    assert "已完成" in page.inner_text("#scr-status")
    assert page.locator("#scr-results a[href$='rankings.xlsx']").count() == 1
    assert watched.errors == []
    assert watched.blocked == []


CREATE = """async (body) => {
  const r = await fetch('/api/v1/scenarios', {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': WG.cfg.csrf},
    body: JSON.stringify(body)});
  return [r.status, await r.json()];
}"""


def test_planner_compares_two_scenarios_in_the_browser(watched, live_server, planner):
    page = watched.page
    sign_in(page, live_server, planner)
    page.wait_for_function("document.body.dataset.ready")
    ids = []
    for name, pol, mass in (("E2E 苯 5 t", "BENZENE", 5000), ("E2E 柴油 20 t", "DIESEL", 20000)):
        status, body = page.evaluate(CREATE, {
            "name": name, "tags": ["e2e"], "location": {"lon": 103.62, "lat": 36.13},
            "pollutant": pol, "mass_kg": mass})
        assert status == 201, body
        ids.append(body["id"])
    page.click("button[data-tab=scenarios]")
    page.fill("#scn-tag", "e2e")
    for i in ids:
        page.locator(f"#scn-list input[value='{i}']").check()
    page.click("#scn-compare")
    page.wait_for_function("document.body.dataset.compared !== undefined")
    assert int(page.evaluate("document.body.dataset.compared")) > 0
    text = page.inner_text("#scn-compared")
    assert "E2E 苯 5 t" in text and "E2E 柴油 20 t" in text
    assert watched.errors == []
    assert watched.blocked == []


def test_a_polygon_file_screens_its_area(watched, live_server, planner, tmp_path):
    """A GeoJSON polygon (a box around Linxia city, one season, one substance) chosen as
    a file; a file that is no GeoJSON is said so."""
    import json

    page = watched.page
    sign_in(page, live_server, planner)
    page.wait_for_function("document.body.dataset.ready")
    page.click("button[data-tab=screening]")
    page.uncheck("#scr-form input[value=dry]")
    page.uncheck("#scr-form input[value=flood]")
    page.select_option("#scr-area", "polygon")
    bad = tmp_path / "bad.geojson"
    bad.write_text("not json")
    page.set_input_files("#scr-file", str(bad))
    page.wait_for_function("document.getElementById('area-error').textContent.length > 0")
    box = tmp_path / "linxia.geojson"
    box.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[103.05, 35.5], [103.35, 35.5], [103.35, 35.7], [103.05, 35.7],
             [103.05, 35.5]]]}}]}))
    page.set_input_files("#scr-file", str(box))
    page.wait_for_timeout(300)
    page.click("#scr-start")
    page.wait_for_function(
        "['done', 'failed', 'cancelled'].includes(document.body.dataset.screening)",
        timeout=240_000)
    assert page.evaluate("document.body.dataset.screening") == "done", \
        page.inner_text("#scr-status")
    page.wait_for_function("document.querySelectorAll('#scr-results table').length === 3")
    assert watched.errors == []
