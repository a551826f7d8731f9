"""The Drills tab in a real Chromium on the bundled data: a planner starts a drill from a
scenario with an inject at T+0, the page's tick plays it, the score and the report links
show."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ensure_user, sign_in

PLANNER = ("e2e_drill_planner", "e2e drill planner password")

pytestmark = pytest.mark.e2e

CREATE = """async (body) => {
  const r = await fetch('/api/v1/scenarios', {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': WG.cfg.csrf},
    body: JSON.stringify(body)});
  return [r.status, await r.json()];
}"""


@pytest.fixture(scope="module")
def planner(e2e_app):
    return ensure_user(e2e_app, PLANNER[0], "planner", PLANNER[1])


def test_planner_starts_a_drill_and_the_page_plays_it(watched, live_server, planner):
    page = watched.page
    sign_in(page, live_server, planner)
    page.wait_for_function("document.body.dataset.ready")
    status, scen = page.evaluate(CREATE, {
        "name": "E2E 演练 苯", "location": {"lon": 103.62, "lat": 36.13},
        "pollutant": "BENZENE", "mass_kg": 5000})
    assert status == 201, scen
    page.click("button[data-tab=drills]")
    page.fill("#drl-scenario", str(scen["id"]))
    page.fill("#drl-injects", '[{"kind": "message", "at_h": 0, "text": "演练开始"}]')
    page.click("#drl-start")
    page.wait_for_function("document.querySelector('#drl-state a') !== null")
    assert "E2E 演练 苯" in page.inner_text("#drl-state")
    page.evaluate("WG.drills.tick()")
    page.wait_for_function("document.querySelector('#drl-state').innerText.includes('已注入')")
    page.click("#drl-score")
    page.wait_for_function("document.querySelector('#drl-score-out').innerText.includes('/ 100')")
    assert page.locator("#drl-state a[href$='report.pdf']").count() == 1
    assert watched.errors == []
    assert watched.blocked == []
