"""Dispatch and the plan checklist in Chromium (issue 14): a field team on a 390×844 phone
sees its own dispatch on the incident page and moves it en route; the duty officer ticks a
plan step in the Plan tab and the tick is the server's (seen in the analysis panel too)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in
from tests.e2e.test_map import REQUEST, _open, _wait_analysis

pytestmark = pytest.mark.e2e

TEAM_USER = ("e2e_field_team", "e2e field team password")


@pytest.fixture(scope="module")
def dispatched(e2e_app, officer):
    """An incident on the bundled data with its first ranked team dispatched to that
    team's target, and a field-team account of that team."""
    from webgis.contract.dispatch import CreateDispatch
    from webgis.services import dispatch, incidents, users
    from webgis.services.actor import Actor
    from webgis.services.uow import end_of_context

    with e2e_app.app_context():
        try:
            if not users.exists(TEAM_USER[0]):
                users.create_user(TEAM_USER[0], "field_team", TEAM_USER[1])
            boss = users.authenticate(*officer)
            actor = Actor(boss.id, boss.username, boss.role)
            saved = incidents.save_incident(REQUEST, kind="incident", title="E2E 调度",
                                            user_id=actor.id, username=actor.username,
                                            role=actor.role)
            detail = incidents.get_incident(saved["id"], show_names=True)
            team = next(t for t in detail["result"]["teams"] if t["target_code"])
            depot = next(d for d in detail["result"]["depots"]
                         if any((m["quantity"] or 0) >= 1 for m in d["materials"]))
            material = next(m for m in depot["materials"] if (m["quantity"] or 0) >= 1)
            dispatch.link_team(TEAM_USER[0], team["code"])
            row = dispatch.create_dispatch(saved["id"], CreateDispatch.model_validate({
                "expected_version": detail["version"], "target_code": team["target_code"],
                "team_code": team["code"], "depot_code": depot["code"],
                "materials": [{"material_code": material["code"], "quantity": 1}]}), actor)
        finally:
            end_of_context()
    return saved["id"], row["id"], (depot["code"], material["code"])


def _stock(e2e_app, depot_code: str, material_code: str) -> float:
    from webgis.services import dispatch
    from webgis.services.uow import end_of_context

    with e2e_app.app_context():
        try:
            rows = dispatch.depot_stock(depot_code)["stock"]
        finally:
            end_of_context()
    return next(r["quantity"] for r in rows if r["material_code"] == material_code)


def test_a_field_team_on_a_phone_moves_its_dispatch(browser, live_server, dispatched,
                                                   artifacts, e2e_app):
    inc_id, d_id, (depot_code, material_code) = dispatched
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  bypass_csp=True, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, TEAM_USER)
        page.goto(live_server + f"/incidents/{inc_id}")
        page.wait_for_function("document.body.dataset.ready")
        card = page.locator(f"#dispatch-list li.dispatch-card[data-id='{d_id}']")
        card.wait_for()
        assert page.locator("#tab-dispatch").is_visible()  # the team's tab opens by itself
        assert "预计到达" in card.inner_text() and "污染团（最不利）" in card.inner_text()
        # the scenario's release was months ago: the team is late for the plume, and the
        # tab says so with a red count
        assert "晚于污染团" in card.inner_text()
        assert page.locator("button[data-tab=dispatch] .tab-badge").inner_text() != ""
        button = card.locator("button.dp-move[data-status=en_route]")
        box = button.bounding_box()
        assert box is not None and box["width"] <= 390 and box["height"] >= 40  # tappable
        page.screenshot(path=str(artifacts / "dispatch-phone-field-team.png"))
        button.tap()
        page.locator(f"#dispatch-list li.dispatch-card[data-id='{d_id}'] "
                     "li.current").filter(has_text="在途").wait_for()
        assert page.locator("#dispatch-new").count() == 0  # a team cannot dispatch
        page.screenshot(path=str(artifacts / "dispatch-phone-en-route.png"))
        for status, label in (("on_site", "已到达"), ("deployed", "已布设")):
            card.locator(f"button.dp-move[data-status={status}]").tap()
            card.locator("li.current").filter(has_text=label).wait_for()
        before = _stock(e2e_app, depot_code, material_code)
        card.locator("button.dp-move[data-status=returned]").tap()
        card.locator(f".dp-return input[data-material='{material_code}']").fill("0.25")
        page.screenshot(path=str(artifacts / "dispatch-phone-return.png"))
        card.locator("button.dp-confirm-return").tap()
        card.locator("li.current").filter(has_text="已返回").wait_for()
        assert "已用 0.25" in card.inner_text()
        assert _stock(e2e_app, depot_code, material_code) == pytest.approx(before + 0.75)
        assert errors == []
    finally:
        context.close()


def test_the_officer_ticks_a_plan_step_on_the_server(browser, live_server, dispatched,
                                                    officer, artifacts):
    inc_id, d_id, _ = dispatched
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, officer)
        _open(type("W", (), {"page": page})(), live_server + f"/incidents/{inc_id}")
        _wait_analysis(page)
        page.click("button[data-tab=dispatch]")
        page.locator(f"#dispatch-list li.dispatch-card[data-id='{d_id}']").wait_for()
        # a new dispatch from the form: the first depot's first material, one unit
        page.click("#dispatch-new summary")
        page.select_option("#dp-depot", index=1)
        qty = page.locator("#dp-materials input[data-material]").first
        qty.wait_for()
        qty.fill("1")
        cards = page.locator("#dispatch-list li.dispatch-card")
        before = cards.count()
        page.click("#dp-submit")
        page.wait_for_function(f"document.querySelectorAll('#dispatch-list li.dispatch-card')"
                               f".length > {before}")
        assert page.inner_text("#dp-error") == ""
        page.screenshot(path=str(artifacts / "dispatch-officer-form.png"))
        page.click("button[data-tab=plan]")
        first = page.locator("#plan-checklist input[data-phase]").first
        first.wait_for()
        first.check()
        page.locator("#plan-checklist li.done").first.wait_for()
        assert "e2e_duty" in page.inner_text("#plan-checklist li.done")
        # the analysis panel's checklist shows the server's tick
        key = (first.get_attribute("data-phase"), first.get_attribute("data-order"))
        panel = page.locator(f"#results .checklist input[data-phase='{key[0]}']"
                             f"[data-order='{key[1]}']")
        assert panel.is_checked()
        page.screenshot(path=str(artifacts / "dispatch-plan-officer.png"))
        assert errors == []
    finally:
        context.close()
