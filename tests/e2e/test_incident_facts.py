"""The living incident in Chromium (issue 14, items 1 and 2): a duty officer revises a fact
in the page, the new forecast replaces the current one on the map, the earlier forecast
stays selectable and is overlaid (dashed), and the timeline shows the revision."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

REQUEST = {
    "location": {"lon": 103.10, "lat": 35.815}, "pollutant": "BENZENE",
    "release": {"mass_kg": 10000, "duration_h": 0}, "season": "normal", "horizon_h": 72,
    "started_at": "2026-05-01T08:00:00+08:00",
}


def _sign_in(page, live_server, officer) -> None:
    sign_in(page, live_server, officer)
    page.wait_for_function("document.body.dataset.ready")


def test_revising_a_fact_shows_the_new_forecast_and_keeps_the_earlier(watched, live_server,
                                                                      officer, artifacts):
    page = watched.page
    _sign_in(page, live_server, officer)
    saved = page.evaluate(
        """(req) => fetch('/api/v1/incidents', {method: 'POST', credentials: 'same-origin',
              headers: {'Content-Type': 'application/json', 'X-CSRFToken': WG.cfg.csrf},
              body: JSON.stringify({request: req, title: 'E2E 事实修订'})})
            .then(r => r.json())""", REQUEST)
    inc = saved["id"]
    page.goto(live_server + f"/incidents/{inc}")
    page.wait_for_function("document.body.dataset.analysis === 'done'")
    page.wait_for_function("document.body.dataset.revisions === '1'")
    first_peak = page.evaluate("Math.max(...WG.incident.result.receptors"
                               ".map(r => r.peak_conc_mgl || 0))")
    page.click("button[data-tab=facts]")
    assert page.locator("#fx-status").inner_text() == "已接报"
    assert page.input_value("#fx-mass") == "10000"
    page.fill("#fx-mass", "40000")
    page.fill("#fx-note", "企业上报实际泄漏量")
    page.click("#fx-submit")
    page.wait_for_function("document.body.dataset.revisions === '2'")
    page.wait_for_function("WG.incident.request.release.mass_kg === 40000")
    new_peak = page.evaluate("Math.max(...WG.incident.result.receptors"
                             ".map(r => r.peak_conc_mgl || 0))")
    assert new_peak == pytest.approx(first_peak * 4, rel=0.05)
    assert page.locator("#tab-facts").is_visible()  # the officer stays on the tab
    assert "第 2 版" in page.inner_text("#fx-rev-info")
    # the earlier forecast, selectable and drawn dashed over the current one
    page.select_option("#fx-revision", "1")
    page.wait_for_function("document.body.dataset.overlayDrawn === '1'")
    dashed = page.locator("path.leaflet-interactive[stroke-dasharray='8 7']").count()
    assert dashed > 0
    page.screenshot(path=str(artifacts / "incident-facts-revised.png"))
    # the timeline says who changed what
    page.click("button[data-tab=timeline]")
    item = page.locator("#tl-list li[data-kind=facts_revised]").first
    item.wait_for()
    text = item.inner_text()
    assert "事实修订" in text and "40" in text and "企业上报实际泄漏量" in text
    assert officer[0] in text
    page.select_option("#tl-kind", "comment")
    assert page.locator("#tl-list li[data-kind]").count() == 0
    page.fill("#tl-text", "已通知兰州水厂")
    page.click("#tl-send")
    page.locator("#tl-list li[data-kind=comment]").wait_for()
    page.screenshot(path=str(artifacts / "incident-timeline.png"))
    # real incidents and drills never share the list: a switch between them
    page.click("button[data-tab=list]")
    entry = page.locator(f"#incident-list [data-id='{inc}']")
    entry.wait_for()
    assert "已接报" in page.locator("#incident-list li").first.inner_text()
    page.check("input[name=list-kind][value=drill]")
    entry.wait_for(state="detached")
    page.check("input[name=list-kind][value=incident]")
    entry.wait_for()
    assert watched.errors == []
    assert watched.blocked == []
