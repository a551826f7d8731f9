"""Downstream alerts in a real headless Chromium on the bundled data: the duty officer
sends an alert from the incident's Alerts tab, the recipient opens the acknowledgement
link in a fresh browser context (no sign-in) and acknowledges, and the officer's tab shows
who acknowledged it without a reload; the end of alert, after which the link says so."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

# Diesel on the Ji River at Tianshui: the Wei leaves Gansu for Shaanxi (610000).
WEI_SPILL = {"location": {"lon": 105.72, "lat": 34.58}, "pollutant": "DIESEL",
             "release": {"mass_kg": 20000}, "horizon_h": 72,
             "started_at": "2026-05-01T08:00:00+08:00"}


@pytest.fixture
def incident_id(e2e_app, officer) -> int:
    from webgis.services import analysis, incidents, users

    with e2e_app.app_context():
        uid = users.authenticate(*officer).id
        saved = incidents.save_incident(WEI_SPILL, kind="drill", title="E2E 渭河柴油预警",
                                        user_id=uid, username=officer[0])
    analysis.recent.clear()
    return saved["id"]


def test_an_alert_is_sent_and_acknowledged_by_link_without_sign_in(
        watched, browser, live_server, officer, incident_id, artifacts, e2e_app):
    page = watched.page
    sign_in(page, live_server, officer, f"/incidents/{incident_id}")
    page.wait_for_url(re.compile(re.escape(f"/incidents/{incident_id}") + "$"))
    tab = page.locator("button[data-tab=alerts]")
    tab.wait_for(state="visible")
    tab.click()
    send = page.locator("#al-notify tr[data-key='610000'] .al-send-one")
    send.wait_for()
    assert "陕西" in page.inner_text("#al-notify tr[data-key='610000']")
    send.click()
    item = page.locator("#al-list .al-item[data-kind=alert]").first
    item.wait_for()
    assert "陕西" in item.inner_text() and "未发邮件" in item.inner_text()
    link = item.locator(".al-link").inner_text()
    assert link.startswith(live_server + "/ack/")

    # the recipient: a fresh browser context, nobody signed in
    recipient = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        rpage = recipient.new_page()
        errors: list[str] = []
        rpage.on("pageerror", lambda exc: errors.append(str(exc)))
        rpage.goto(link)
        assert rpage.locator("#ack-recipient").inner_text() == "陕西省"
        assert "h" in rpage.inner_text("#ack-arrival") and "mg/L" in rpage.inner_text("#ack-peak")
        rpage.fill("#ack-name", "陕西省厅值班员 张三")
        rpage.fill("#ack-note", "已转告汉中、宝鸡")
        rpage.click("#ack-submit")
        done = rpage.locator("#ack-done")
        done.wait_for()
        assert "张三" in done.inner_text()
        rpage.screenshot(path=str(artifacts / "alert-ack-phone.png"), full_page=True)
        rpage.goto(link)  # the link again: acknowledged, no second form
        assert rpage.locator("#ack-form").count() == 0 and "张三" in rpage.inner_text("#ack-done")
        assert errors == []
    finally:
        recipient.close()

    # the officer's tab learns of it from the timeline (polling), no reload
    acked = page.locator("#al-list .al-item.al-acked")
    acked.wait_for(timeout=15000)
    assert "张三" in acked.inner_text()
    page.screenshot(path=str(artifacts / "alerts-tab.png"))

    # end of alert (the duty officer may, where configured): two clicks, then the old link
    # says the alert has ended
    e2e_app.config["DUTY_OFFICER_MAY_ISSUE"] = True
    try:
        page.click("#al-end")
        page.click("#al-end")
        page.locator("#al-list .al-item[data-kind=end]").wait_for()
    finally:
        e2e_app.config["DUTY_OFFICER_MAY_ISSUE"] = False
    assert page.locator("#al-end").is_disabled()
    late = browser.new_context(locale="zh-CN")
    try:
        lpage = late.new_page()
        lpage.goto(link)
        assert "解除" in lpage.inner_text("#ack-ended")
        assert lpage.locator("#ack-form").count() == 0
    finally:
        late.close()
    assert watched.errors == []
    assert watched.blocked == []
