"""Reports in a real headless Chromium on the bundled data: the reporting clock over the map
(red while the initial report is overdue, whatever tab is open), a leader drafting, editing
and issuing the initial report in the Reports tab, the clock moving on to the follow-up."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LEADER = ("e2e_leader", "e2e leader password!")
REQUEST = {
    "location": {"lon": 103.10, "lat": 35.815}, "pollutant": "BENZENE",
    "release": {"mass_kg": 10000, "duration_h": 0}, "season": "normal", "horizon_h": 72,
    "started_at": "2026-05-01T08:00:00+08:00", "discovered_at": "2026-05-01T08:30:00+08:00",
}


@pytest.fixture(scope="module")
def incident_id(e2e_app) -> int:
    from webgis.services import incidents, users

    with e2e_app.app_context():
        if users.authenticate(*LEADER) is None:
            users.create_user(LEADER[0], "leader", LEADER[1])
        uid = users.authenticate(*LEADER).id
        return incidents.save_incident(REQUEST, kind="incident", title="E2E 报告 苯",
                                       user_id=uid, username=LEADER[0], role="leader")["id"]


def test_the_clock_is_on_screen_and_a_leader_issues_the_initial_report(
        watched, live_server, incident_id, artifacts):
    page = watched.page
    sign_in(page, live_server, LEADER)
    page.goto(live_server + f"/incidents/{incident_id}")
    clock = page.locator("#report-clock")
    clock.wait_for(state="visible")
    page.wait_for_function("document.getElementById('report-clock').dataset.overdue === '1'")
    assert "overdue" in (clock.get_attribute("class") or "")
    assert "初报" in clock.inner_text()
    for tab in ("results", "list", "form"):  # visible whatever tab is open
        page.click(f"button[data-tab={tab}]")
        assert clock.is_visible()
    page.screenshot(path=str(artifacts / "reports-clock-overdue.png"))
    page.click("button[data-tab=reports]")
    page.click("#tab-reports button[data-kind=initial]")
    cause = page.locator("#rep-s-cause")
    cause.wait_for()
    cause.fill("槽车侧翻，苯泄漏入黄河（E2E）")
    page.click("#rep-editor button[data-act=save]")
    page.wait_for_function("WG.reports.data.reports[0].sections.some("
                           "s => s.key === 'cause' && s.text.includes('E2E'))")
    issue = page.locator("#rep-editor button[data-act=issue]")
    issue.click()  # arms
    issue.click()  # confirms
    page.wait_for_function("WG.reports.data.reports[0].status === 'issued'")
    page.wait_for_function("WG.reports.data.clock.next === 'followup'")
    assert "overdue" not in (clock.get_attribute("class") or "")
    assert "续报" in clock.inner_text()
    assert page.locator("#rep-s-cause").get_attribute("readonly") is not None
    assert page.locator("#rep-list .rep-status.issued").count() == 1
    kinds = page.evaluate("WG.workspace.events.map(e => e.kind)")
    assert "report_issued" in kinds  # the timeline has it
    page.screenshot(path=str(artifacts / "reports-issued.png"))
    assert watched.errors == []
    assert watched.blocked == []
