"""A field team enters a monitoring reading on a phone (issue 14 item 3): real Chromium at
390×844, signed in as a field team, on a saved incident of the bundled data; the reading
is stored (read back through the API) and the observed-against-predicted chart shows."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import LOCAL_HOSTS, Watched, sign_in

pytestmark = pytest.mark.e2e

FIELD = ("e2e_field", "e2e field team password")
LANZHOU_INTAKE = "WS-HH-LANZHOU-LJX"
REQUEST = {
    "location": {"lon": 103.10, "lat": 35.815},
    "pollutant": "BENZENE", "release": {"mass_kg": 10000, "duration_h": 0},
    "season": "normal", "horizon_h": 72, "started_at": "2026-05-01T08:00:00+08:00",
}


@pytest.fixture
def incident_id(e2e_app, officer) -> int:
    from webgis.services import incidents, users

    with e2e_app.app_context():
        if not users.exists(FIELD[0]):
            users.create_user(FIELD[0], "field_team", FIELD[1])
        duty = users.authenticate(*officer)
        saved = incidents.save_incident(REQUEST, kind="incident", title="E2E 读数",
                                        user_id=duty.id, username=duty.username)
    return int(saved["id"])


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2, locale="zh-CN",
                                  bypass_csp=True)
    w = Watched(context.new_page())

    def guard(route):
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS or route.request.url.startswith(
                ("data:", "blob:")):
            route.continue_()
        else:
            w.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    w.page.on("pageerror", lambda exc: w.errors.append(str(exc)))
    w.page.set_default_timeout(20000)
    try:
        yield w
    finally:
        context.close()


def test_a_field_team_enters_a_reading_on_a_phone(phone, live_server, incident_id, artifacts):
    page = phone.page
    sign_in(page, live_server, FIELD)
    page.goto(live_server + f"/incidents/{incident_id}")
    page.wait_for_function("document.body.dataset.ready")
    tab = page.locator("button[data-tab=readings]")
    tab.wait_for(state="visible")
    tab.click()
    form = page.locator("#rd-form")
    assert form.is_visible()
    page.locator(f"#rd-station option[value='intake:{LANZHOU_INTAKE}']").wait_for(
        state="attached")
    page.select_option("#rd-station", f"intake:{LANZHOU_INTAKE}")
    page.fill("#rd-value", "12")
    page.select_option("#rd-unit", "µg/L")
    page.select_option("#rd-qa", "suspect")
    assert page.input_value("#rd-time")  # defaults to now
    # the form fits the phone: nothing wider than the screen
    box = form.bounding_box()
    assert box is not None and box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "readings-phone-form.png"))
    page.locator("#rd-submit").tap()
    row = page.locator("#rd-table tbody tr", has_text=LANZHOU_INTAKE)
    row.wait_for()
    assert "0.012" in row.inner_text()
    stored = page.evaluate(
        "id => fetch('/api/v1/incidents/' + id + '/readings').then(r => r.json())", incident_id)
    [reading] = [r for r in stored["readings"] if r["station_code"] == LANZHOU_INTAKE]
    assert reading["value_mg_l"] == pytest.approx(0.012)
    assert (reading["source"], reading["qa_flag"], reading["entered_by"]) == (
        "hand", "suspect", FIELD[0])
    # observed against predicted: the station is listed with its skill line
    page.locator("#rd-compare-station option").first.wait_for(state="attached")
    page.wait_for_function("document.querySelector('#rd-skill').textContent.length > 0")
    assert "读数太少" in page.inner_text("#rd-skill")
    page.screenshot(path=str(artifacts / "readings-phone-saved.png"), full_page=True)
    wide = page.evaluate("""() => [...document.querySelectorAll('#tab-readings *')]
        .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.scroll-x'))
        .map(e => e.tagName + '#' + e.id + '.' + e.className)""")
    assert wide == []  # nothing of the tab reaches past the phone's edge
    # a point tapped on the river (a vertex of the forecast path), below detection
    page.locator("#rd-pick").tap()
    page.locator("#rd-pick-layer").wait_for(state="visible")
    page.wait_for_timeout(400)  # the panel folds away and the map takes the screen
    x, y = page.evaluate(
        """() => {
             const f = WG.workspace.incident.result.path.features;
             const c = f[Math.floor(f.length / 2)].geometry.coordinates[0];
             WG.map.setView([c[1], c[0]], 14, { animate: false });
             const p = WG.map.latLngToContainerPoint([c[1], c[0]]);
             const r = WG.map.getContainer().getBoundingClientRect();
             return [p.x + r.left, p.y + r.top];
           }""")
    page.touchscreen.tap(x, y)
    page.locator("#rd-form").wait_for(state="visible")
    assert page.input_value("#rd-station") == "point"
    page.fill("#rd-value", "0.005")
    page.select_option("#rd-unit", "mg/L")
    page.check("#rd-below")
    page.locator("#rd-submit").tap()
    page.locator("#rd-table tbody tr", has_text="<0.005").wait_for()
    stored = page.evaluate(
        "id => fetch('/api/v1/incidents/' + id + '/readings').then(r => r.json())", incident_id)
    [point] = [r for r in stored["readings"] if r["station_kind"] == "point"]
    assert point["below_detection"] and point["detection_limit_mg_l"] == 0.005
    assert point["snap_m"] < 1000
    # a tap on an intake of the forecast picks that station, not a point
    page.locator("#rd-pick").tap()
    page.locator("#rd-pick-layer").wait_for(state="visible")
    page.wait_for_timeout(400)
    x, y = page.evaluate(
        """code => {
             const r = WG.workspace.incident.result.receptors.find(x => x.code === code);
             WG.map.setView([r.lat, r.lon], 12, { animate: false });
             const p = WG.map.latLngToContainerPoint([r.lat, r.lon]);
             const b = WG.map.getContainer().getBoundingClientRect();
             return [p.x + b.left + 5, p.y + b.top - 5];
           }""", LANZHOU_INTAKE)
    page.touchscreen.tap(x, y)
    page.locator("#rd-form").wait_for(state="visible")
    assert page.input_value("#rd-station") == f"intake:{LANZHOU_INTAKE}"
    assert phone.errors == []
    assert phone.blocked == []


def test_observed_against_predicted_on_the_officers_screen(watched, live_server, e2e_app,
                                                          officer, incident_id, artifacts):
    """Readings later and at 70 % of the forecast at the Lanzhou intake: the chart shows
    both, and the skill is stated with its labels."""
    from datetime import datetime, timedelta

    import numpy as np

    from webgis.config import Settings
    from webgis.contract.readings import ReadingIn
    from webgis.services import incidents, readings, users
    from webgis.services.actor import Actor

    with e2e_app.app_context():
        duty = users.authenticate(*officer)
        result = incidents.get_incident(incident_id, show_names=True)["result"]
        rec = next(r for r in result["receptors"] if r["code"] == LANZHOU_INTAKE)
        start = datetime.fromisoformat(result["request"]["started_at"])
        curve = np.array(rec["curve"])
        peak_t = float(curve[np.argmax(curve[:, 1]), 0])
        rise = peak_t - float(curve[np.argmax(curve[:, 1] >= 0.1 * curve[:, 1].max()), 0])
        shift = 0.1 * rise  # observed: later by a tenth of the rise, at 70 % of the height
        items = []
        for k in range(-15, 21):
            t = peak_t + 0.1 * k * rise
            c = float(np.interp(t - shift, curve[:, 0], curve[:, 1]))
            items.append(("", None, ReadingIn.model_validate({
                "station_kind": "intake", "station_code": LANZHOU_INTAKE,
                "sampled_at": (start + timedelta(hours=t)).isoformat(),
                "value": round(0.7 * c, 6)})))
        readings.add_readings(incident_id, items, expected_version=None,
                              actor=Actor(duty.id, duty.username, duty.role), source="hand",
                              settings=Settings.from_mapping(e2e_app.config))
    page = watched.page
    sign_in(page, live_server, officer)
    page.goto(live_server + f"/incidents/{incident_id}")
    page.wait_for_function("document.body.dataset.ready")
    page.locator("button[data-tab=readings]").click()
    page.wait_for_function("document.querySelector('#rd-skill').textContent.includes('峰值比')")
    skill = page.inner_text("#rd-skill")
    assert "到达时间误差（实测 − 预测）：+" in skill
    assert "峰值比（实测最大值 / 预测最大值）：0.7" in skill
    page.locator("#rd-chart").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.locator("#tab-readings").screenshot(path=str(artifacts / "readings-compare.png"))
    # an officer removes a reading: two taps, no browser dialog; the table follows
    count = "id => fetch('/api/v1/incidents/' + id + '/readings').then(r => r.json())" \
            ".then(b => b.readings.length)"
    assert page.evaluate(count, incident_id) == 36
    first = page.locator("#rd-table .rd-remove").first
    first.click()
    first.click()
    page.wait_for_function("document.querySelectorAll('#rd-table .rd-remove').length === 35")
    assert page.evaluate(count, incident_id) == 35
    assert watched.errors == [] and watched.blocked == []
