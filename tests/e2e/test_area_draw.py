"""Drawing the screening area on the map (issue 15 item 3, static/app/area_draw.js) in a
real Chromium on the bundled data: a circle drawn around the Jishishan epicentre (its
radius dragged, then typed) is screened and lists what reaches Liujiaxia; a drawn polygon
with a dragged vertex is screened; a self-intersecting or two-vertex polygon is refused with
the API's message next to the buttons and nothing else is sent; Esc cancels a drawing.
What is sent is held against what the map shows (read back from the drawn layers)."""

from __future__ import annotations

import json
import math

import pytest

from tests.e2e.conftest import ensure_user, sign_in

PLANNER = ("e2e_area_planner", "e2e area planner password")
EPICENTRE = (35.70, 102.79)  # the 2023-12-18 Jishishan M6.2 earthquake
DONE = "['done', 'failed', 'cancelled'].includes(document.body.dataset.screening)"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def planner(e2e_app):
    yield ensure_user(e2e_app, PLANNER[0], "planner", PLANNER[1])
    from webgis.services.screening_engine import close_local

    close_local()


def _jobs(e2e_app) -> int:
    from sqlalchemy import func, select

    from webgis.extensions import db
    from webgis.models import ScreeningJob

    with e2e_app.app_context():
        try:
            return int(db.session.scalar(select(func.count()).select_from(ScreeningJob)) or 0)
        finally:
            db.session.remove()


def _open(page, live_server, planner, centre=EPICENTRE, zoom=9):
    """Signed in, the screening tab open (flood season only), the map on `centre`."""
    sign_in(page, live_server, planner)
    page.wait_for_function("document.body.dataset.ready")
    page.click("button[data-tab=screening]")
    page.uncheck("#scr-form input[value=dry]")
    page.uncheck("#scr-form input[value=normal]")
    page.evaluate("([c, z]) => { WG.map.setView(c, z, {animate: false}); }", [list(centre), zoom])


def _px(page, lat: float, lon: float) -> tuple[float, float]:
    """The page coordinates of a point of the map."""
    x, y = page.evaluate("""([lat, lon]) => {
      const p = WG.map.latLngToContainerPoint([lat, lon]);
      const r = WG.map.getContainer().getBoundingClientRect();
      return [r.left + p.x, r.top + p.y];
    }""", [lat, lon])
    return x, y


def _east(lat: float, lon: float, km: float) -> tuple[float, float]:
    """The point `km` east along the parallel (near enough at these distances)."""
    return lat, lon + km / (111.195 * math.cos(math.radians(lat)))


def _click(page, lat: float, lon: float) -> None:
    page.mouse.click(*_px(page, lat, lon))


def _drag(page, selector: str, lat: float, lon: float) -> None:
    box = page.locator(selector).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    x, y = _px(page, lat, lon)
    page.mouse.move(x, y, steps=8)
    page.mouse.up()


def _posts(page) -> list[dict]:
    """Every request to the screening API, as it is sent (method, URL, body)."""
    seen: list[dict] = []
    page.on("request", lambda r: seen.append({
        "method": r.method, "url": r.url, "body": r.post_data}) if "/api/v1/screenings" in
        r.url else None)
    return seen


def _dataset(page, key: str) -> str:
    return page.evaluate(f"document.body.dataset.{key} || ''")


def test_a_circle_drawn_around_jishishan_is_screened(watched, live_server, planner):
    page = watched.page
    _open(page, live_server, planner)
    sent = _posts(page)
    page.click("#area-circle")
    assert page.is_visible("#area-draw-layer") and page.is_visible("#area-hint")
    _click(page, *EPICENTRE)                    # the epicentre...
    _click(page, *_east(*EPICENTRE, 30))        # ...and a second click for the radius
    assert _dataset(page, "areaDrawing") == "" and _dataset(page, "area") == "circle"
    assert not page.is_visible("#area-draw-layer")
    lat, lon = float(page.input_value("#scr-lat")), float(page.input_value("#scr-lon"))
    assert abs(lat - EPICENTRE[0]) < 0.01 and abs(lon - EPICENTRE[1]) < 0.01
    assert abs(float(page.input_value("#scr-radius")) - 30) < 1.5
    # the radius handle drags the radius out to about 60 km...
    _drag(page, ".area-handle[data-handle=radius]", *_east(lat, lon, 60))
    assert abs(float(page.input_value("#scr-radius")) - 60) < 2
    # ...and the km field sets it exactly; the map follows
    page.fill("#scr-radius", "50")
    shown = page.evaluate("WG.areaDraw.shown()")
    assert shown == {"centre": {"lon": lon, "lat": lat}, "radius_km": 50}
    handle = page.locator(".area-handle[data-handle=radius]").bounding_box()
    hx, hy = _px(page, *_east(lat, lon, 50))
    assert abs(handle["x"] + handle["width"] / 2 - hx) < 3
    assert abs(handle["y"] + handle["height"] / 2 - hy) < 3
    page.click("#scr-start")
    page.wait_for_function(DONE, timeout=240_000)
    assert page.evaluate("document.body.dataset.screening") == "done", \
        page.inner_text("#scr-status")
    posts = [s for s in sent if s["method"] == "POST"]
    assert len(posts) == 1
    assert json.loads(posts[0]["body"])["area"] == shown  # what was sent is what was shown
    page.wait_for_function("document.querySelectorAll('#scr-results table').length === 3")
    results = page.inner_text("#scr-results")
    assert "刘家峡" in results  # Liujiaxia: the reservoir and Lanzhou's intake on it
    assert "兰州市水源地建设工程刘家峡取水口" in results
    assert "积石山县城污水处理厂" in page.inner_text("#scr-results .scr-inside")
    # the preview gave way to the run's area: no handles left, the outline shown
    assert _dataset(page, "area") == "" and page.locator(".area-handle").count() == 0
    assert _dataset(page, "areaRun") != ""
    assert watched.errors == []
    assert watched.blocked == []


def test_a_drawn_polygon_with_a_dragged_vertex_is_screened(watched, live_server, planner):
    page = watched.page
    _open(page, live_server, planner, centre=(35.62, 103.2))
    sent = _posts(page)
    page.click("#area-polygon")
    corners = [(35.50, 103.05), (35.50, 103.35), (35.72, 103.35), (35.72, 103.05)]
    for c in corners[:3]:
        _click(page, *c)
    assert _dataset(page, "area") == "polygon:3:open"
    page.mouse.dblclick(*_px(page, *corners[3]))  # the last vertex, and closes
    assert _dataset(page, "areaDrawing") == "" and _dataset(page, "area") == "polygon:4"
    assert page.locator(".area-handle[data-vertex]").count() == 4
    _drag(page, ".area-handle[data-vertex='2']", 35.78, 103.42)
    shown = page.evaluate("WG.areaDraw.shown()")
    assert abs(shown["vertices"][2][0] - 103.42) < 0.01
    assert abs(shown["vertices"][2][1] - 35.78) < 0.01
    page.click("#scr-start")
    page.wait_for_function(DONE, timeout=240_000)
    assert page.evaluate("document.body.dataset.screening") == "done", \
        page.inner_text("#scr-status")
    posts = [s for s in sent if s["method"] == "POST"]
    assert len(posts) == 1
    ring = json.loads(posts[0]["body"])["area"]["polygon"]["coordinates"][0]
    assert ring == [*shown["vertices"], shown["vertices"][0]]  # sent as shown, closed
    page.wait_for_function("document.querySelectorAll('#scr-results table').length === 3")
    assert page.locator(".area-handle").count() == 0  # cleared after the run
    assert watched.errors == []


def test_a_self_intersecting_polygon_shows_the_api_error_and_sends_nothing_else(
        watched, live_server, planner, e2e_app):
    page = watched.page
    _open(page, live_server, planner)
    sent = _posts(page)
    before = _jobs(e2e_app)
    page.click("#area-polygon")
    for c in ((35.6, 102.6), (35.8, 102.9), (35.6, 102.9), (35.8, 102.6)):  # a bow tie
        _click(page, *c)
    page.click("#area-finish")
    assert _dataset(page, "area") == "polygon:4"
    page.click("#scr-start")
    page.wait_for_function("document.getElementById('area-error').textContent.length > 0")
    error = page.inner_text("#area-error")
    assert "area.polygon" in error and "Self-intersection" in error, error
    assert "不是有效的多边形" in error  # the API's message, in the page's language
    # ...and where it crosses itself is marked on the map
    assert page.locator("path.area-error-mark").count() == 1
    # two vertices: the API says how many it needs
    page.click("#area-polygon")
    _click(page, 35.6, 102.6)
    _click(page, 35.8, 102.9)
    page.click("#area-finish")
    assert page.inner_text("#area-error") == ""  # a new area: the old error went with it
    page.click("#scr-start")
    page.wait_for_function("document.getElementById('area-error').textContent.length > 0")
    assert "至少需要 3 个不同的顶点" in page.inner_text("#area-error")
    page.wait_for_timeout(300)
    assert [s["method"] for s in sent] == ["POST", "POST"]  # no job to follow, nothing else
    assert _jobs(e2e_app) == before
    assert page.is_hidden("#scr-job")
    assert watched.errors == []


def test_escape_cancels_a_drawing_and_undo_drops_a_vertex(watched, live_server, planner):
    page = watched.page
    _open(page, live_server, planner)
    sent = _posts(page)
    page.click("#area-polygon")
    for c in ((35.6, 102.6), (35.6, 102.9), (35.8, 102.9)):
        _click(page, *c)
    page.click("#area-undo")
    assert _dataset(page, "area") == "polygon:2:open"
    page.keyboard.press("Escape")
    assert _dataset(page, "areaDrawing") == "" and _dataset(page, "area") == ""
    assert not page.is_visible("#area-draw-layer")
    assert page.locator(".area-handle").count() == 0
    assert page.evaluate("WG.areaDraw.shown()") is None
    # a circle: Esc after the epicentre leaves no circle and the radius as it was
    page.select_option("#scr-area", "circle")
    assert _dataset(page, "area") == "circle"  # the fields' circle, shown as it would be sent
    page.fill("#scr-radius", "25")
    page.click("#area-circle")
    _click(page, *EPICENTRE)
    page.mouse.move(*_px(page, *_east(*EPICENTRE, 70)))
    page.keyboard.press("Escape")
    assert _dataset(page, "area") == "" and page.input_value("#scr-lat") == ""
    assert page.input_value("#scr-radius") == "25"
    assert page.evaluate("WG.areaDraw.shown()") is None
    page.click("#scr-start")  # nothing drawn: said next to the buttons, nothing sent
    assert page.inner_text("#area-error") != ""
    # a click on the first vertex closes a polygon
    page.click("#area-polygon")
    for c in ((35.6, 102.6), (35.6, 102.9), (35.8, 102.9), (35.6, 102.6)):
        _click(page, *c)
    assert _dataset(page, "areaDrawing") == "" and _dataset(page, "area") == "polygon:3"
    page.wait_for_timeout(300)
    assert [s for s in sent if s["method"] == "POST"] == []
    assert watched.errors == []


RECORD_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


def test_drawing_runs_under_the_page_policy(browser, live_server, planner, tmp_path):
    """Without Playwright's CSP bypass: drawing, dragging, loading a file and an API error
    raise not one Content-Security-Policy violation (tests/e2e/test_csp.py: the page)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.add_init_script(RECORD_CSP)
    console: list[str] = []
    errors: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(20000)
    try:
        _open(page, live_server, planner)
        page.click("#area-circle")  # press on the epicentre, drag out the radius, release
        page.mouse.move(*_px(page, *EPICENTRE))
        page.mouse.down()
        page.mouse.move(*_px(page, *_east(*EPICENTRE, 20)), steps=6)
        page.mouse.up()
        assert page.evaluate("() => document.body.dataset.area") == "circle"
        assert abs(float(page.input_value("#scr-radius")) - 20) < 1
        _drag(page, ".area-handle[data-handle=centre]", 35.75, 102.85)
        assert abs(float(page.input_value("#scr-lat")) - 35.75) < 0.01
        page.click("#area-polygon")
        for c in ((35.6, 102.6), (35.8, 102.9), (35.6, 102.9), (35.8, 102.6)):
            _click(page, *c)
        page.keyboard.press("Enter")  # closes, like Finish
        assert page.evaluate("() => document.body.dataset.area") == "polygon:4"
        _drag(page, ".area-handle[data-vertex='0']", 35.55, 102.55)
        page.click("#scr-start")  # a bow tie: the API's error, next to the buttons
        page.wait_for_function(
            "() => document.getElementById('area-error').textContent.length > 0")
        box = tmp_path / "box.geojson"
        box.write_text(json.dumps({"type": "MultiPolygon", "coordinates": [
            [[[102.6, 35.6], [102.9, 35.6], [102.9, 35.8], [102.6, 35.6]]]]}))
        page.set_input_files("#scr-file", str(box))
        page.wait_for_function("() => document.body.dataset.area === 'file'")
        assert page.inner_text("#area-error") == ""
        seen = list(page.evaluate("() => window.__csp || []"))
        seen += [m for m in console if "Content Security Policy" in m]
        assert seen == []
        assert errors == []
    finally:
        context.close()


def test_a_polygon_is_drawn_with_taps_on_a_phone(browser, live_server, planner):
    """Pointer events: taps on a touch screen draw it too (the panel is a bottom sheet)."""
    context = browser.new_context(viewport={"width": 412, "height": 860}, locale="zh-CN",
                                  has_touch=True, is_mobile=True, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, planner)
        page.wait_for_function("document.body.dataset.ready")
        page.click("button[data-tab=screening]")
        page.evaluate("() => { WG.map.setView([35.7, 102.79], 9, {animate: false}); }")
        page.tap("#area-polygon")
        for c in ((35.6, 102.6), (35.6, 102.9), (35.8, 102.9)):
            page.touchscreen.tap(*_px(page, *c))
        assert _dataset(page, "area") == "polygon:3:open"
        page.tap("#area-finish")
        assert _dataset(page, "area") == "polygon:3"
        shown = page.evaluate("WG.areaDraw.shown()")["vertices"]
        for (lon, lat), (want_lat, want_lon) in zip(
                shown, ((35.6, 102.6), (35.6, 102.9), (35.8, 102.9)), strict=True):
            assert abs(lat - want_lat) < 0.01 and abs(lon - want_lon) < 0.01
        assert errors == []
    finally:
        context.close()
