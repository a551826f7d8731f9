"""Working together (issue 14, items 8 and 10) in a real headless Chromium on the bundled
data: two officers signed in to the same incident, one's change on the other's screen with
no reload; the sign-in round trip keeping the analysis and the form; the save dialog and
its key (saving twice makes one incident); the map on a 1024×768 tablet and a 390×844 phone
(screenshots under var/screenshots/).

The change between the two screens is a comment the first officer posts from the page
(`WG.workspace.write` → `POST /api/v1/incidents/<id>/comments`); the live path under test —
the event log, the version, the polled ETag, the page — is the same for every kind of
write."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlsplit

import pytest

from tests.e2e.conftest import LOCAL_HOSTS, ROOT, Watched, ensure_user, sign_in

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "var" / "screenshots"
SECOND = ("e2e_duty_2", "e2e second officer password")
REQUEST = {
    "location": {"lon": 103.10, "lat": 35.815},
    "pollutant": "BENZENE", "release": {"mass_kg": 10000, "duration_h": 0},
    "season": "normal", "horizon_h": 72, "started_at": "2026-05-01T08:00:00+08:00",
}


@pytest.fixture(scope="module")
def second_officer(e2e_app) -> tuple[str, str]:
    return ensure_user(e2e_app, SECOND[0], "duty_officer", SECOND[1])


@pytest.fixture
def contexts(browser):
    """New browser contexts (each its own cookies: one officer each), closed afterwards."""
    made = []

    def make(width: int = 1440, height: int = 900, **kw) -> Watched:
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="zh-CN", bypass_csp=True, **kw)
        w = Watched(context.new_page())
        w.failed = []  # type: ignore[attr-defined]
        w.dialogs = []  # type: ignore[attr-defined]

        def guard(route):
            host = urlsplit(route.request.url).hostname
            if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
                route.continue_()
            else:
                w.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        w.page.on("pageerror", lambda exc: w.errors.append(str(exc)))
        w.page.on("response", lambda r: r.status >= 400 and w.failed.append(
            f"{r.status} {r.url}"))
        w.page.on("dialog", lambda d: (w.dialogs.append(d.message), d.dismiss()))
        w.page.set_default_timeout(20000)
        made.append(context)
        return w

    yield make
    for context in made:
        context.close()


def _sign_in(w: Watched, base: str, who: tuple[str, str], next_path: str = "/") -> None:
    sign_in(w.page, base, who, next_path)
    w.page.wait_for_function("document.body.dataset.ready")


def _ready(w: Watched) -> None:
    w.page.wait_for_function("document.body.dataset.ready")
    assert w.page.evaluate("document.body.dataset.ready") == "1", w.page.evaluate("WG.error")


def _analysed(w: Watched) -> None:
    w.page.wait_for_function("['done', 'error'].includes(document.body.dataset.analysis)")
    assert w.page.evaluate("document.body.dataset.analysis") == "done"


def _save_in_dialog(w: Watched, title: str, shot: str | None = None) -> int:
    page = w.page
    page.click("#btn-save")
    page.locator("#save-dialog[open]").wait_for()
    assert page.input_value("#save-title").strip()  # a default title is offered
    page.fill("#save-title", title)
    if shot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / shot))
    page.click("#save-ok")
    page.wait_for_url(re.compile(r"/incidents/\d+$"))
    assert page.locator("#save-dialog[open]").count() == 0
    return int(page.url.rsplit("/", 1)[1])


def _comment(w: Watched, incident_id: int, text: str) -> None:
    """A comment written from the officer's page, as its Timeline tab does."""
    status = w.page.evaluate(
        """([id, text]) => WG.workspace.write('POST', `/api/v1/incidents/${id}/comments`,
                                              {text: text}).then(() => 'ok', e => e.status)""",
        [incident_id, text])
    assert status == "ok", status


def test_two_officers_see_each_others_change_without_reload(
        contexts, live_server, officer, second_officer):
    first, second = contexts(), contexts()
    _sign_in(first, live_server, officer, "/?scenario=" + quote(json.dumps(REQUEST)))
    _ready(first)
    _analysed(first)
    key = first.page.evaluate("WG.incident.clientKey")
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    incident_id = _save_in_dialog(first, "E2E 协同：黄河苯泄漏", "save-dialog-1440x900.png")
    assert first.dialogs == []  # no prompt(), no alert()
    # saving again with the page's key (a double click, a retry) returns the same incident
    again = first.page.evaluate(
        """() => fetch('/api/v1/incidents', {method: 'POST', credentials: 'same-origin',
             headers: {'Content-Type': 'application/json', 'X-CSRFToken': WG.cfg.csrf},
             body: JSON.stringify({title: 'again', request: WG.incident.request,
                                   client_key: WG.incident.clientKey})})
           .then(r => r.json().then(b => [r.status, b.id]))""")
    assert again == [200, incident_id]

    _sign_in(second, live_server, second_officer, f"/incidents/{incident_id}")
    _ready(second)
    _analysed(second)
    for w in (first, second):
        w.page.wait_for_function("document.getElementById('ws-live') && "
                                 "document.getElementById('ws-live').dataset.version === '1'")
        w.page.evaluate("window.__sameDocument = true")
    polls = second.page.evaluate("WG.workspace.live.polls")

    _comment(first, incident_id, "上游已筑坝拦截")
    for w in (first, second):
        w.page.wait_for_function("document.getElementById('ws-live').dataset.version === '2'")
        assert "上游已筑坝拦截" in w.page.inner_text("#ws-live")
        assert w.page.evaluate("window.__sameDocument") is True  # no reload
    # the other officer is told by a toast; the page kept polling with 304s in between
    assert "上游已筑坝拦截" in second.page.inner_text("#toasts")
    assert "上游已筑坝拦截" not in first.page.inner_text("#toasts")  # one's own: no toast
    second.page.screenshot(path=str(SCREENSHOTS / "second-officer-sees-change-1440x900.png"))
    live = second.page.evaluate("WG.workspace.live")
    assert live["polls"] > polls and live["ok"] is True
    assert second.page.evaluate("WG.workspace.events.map(e => e.seq)") == [1, 2]
    for w in (first, second):
        assert w.errors == [] and w.blocked == []
        assert [f for f in w.failed if "/events" in f] == []


def test_signing_in_returns_to_the_analysis_with_the_form_as_left(
        contexts, live_server, officer):
    w = contexts()
    page = w.page
    page.goto(live_server + "/?scenario=" + quote(json.dumps(REQUEST)))
    _ready(w)
    _analysed(w)
    before = page.url
    page.click("button[data-tab=form]")
    page.fill("#f-mass", "12345")  # edited, not analysed yet
    page.click("header a.signin-link")
    page.wait_for_url(re.compile(r"/login\?next="))
    assert "next=" in page.url and "scenario" in page.url
    page.fill("input[name=username]", officer[0])
    page.fill("input[name=password]", officer[1])
    page.click("form.login button[type=submit]")
    page.wait_for_url(re.compile(r"/\?scenario="))
    assert page.url == before
    _ready(w)
    _analysed(w)
    page.wait_for_function("document.body.dataset.restored === 'true'")
    assert page.input_value("#f-mass") == "12345"
    assert page.locator("#tab-form").is_visible()
    assert page.locator("#receptor-table tr").count() > 1  # the analysis is on screen
    assert page.evaluate("WG.cfg.user.can_save") is True
    assert w.errors == [] and w.blocked == []


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_tablet_1024_legend_panel_toggle_search_pin_and_spill_on_top(
        contexts, live_server, officer):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    w = contexts(1024, 768)
    page = w.page
    _sign_in(w, live_server, officer, "/?scenario=" + quote(json.dumps(REQUEST)))
    _ready(w)
    _analysed(w)
    _no_sideways_scroll(page)
    assert page.locator("#panel .tabs").bounding_box()["height"] >= 30  # never squeezed
    map_box = page.locator("#mapwrap").bounding_box()
    assert map_box["width"] >= 560  # the map keeps most of the screen beside the panel
    # the spill point is drawn above every marker and enterprise cluster
    z = page.evaluate("""() => {
        const s = document.querySelector('.wg-spill').closest('.leaflet-pane');
        return [+getComputedStyle(s).zIndex,
                +getComputedStyle(WG.map.getPane('markerPane')).zIndex];}""")
    assert z[0] > z[1], z
    # the legend lists every symbol
    page.click("#legend-box summary")
    rows = page.locator("#legend-layers .lg-row")
    assert rows.count() >= 25
    # a tab adds its own symbols; greyed while its layer is off the map
    page.evaluate("""() => { window.__lg = L.layerGroup();
        WG.legend.add('<span class="lg-dot"></span>', 'E2E 读数', __lg); }""")
    extra = page.locator("#legend-layers .lg-row[data-extra]")
    assert extra.inner_text().strip() == "E2E 读数"
    page.wait_for_function("document.querySelector('#legend-layers [data-extra]')"
                           ".classList.contains('off')")
    page.evaluate("() => { __lg.addTo(WG.map); }")
    page.wait_for_function("!document.querySelector('#legend-layers [data-extra]')"
                           ".classList.contains('off')")
    assert page.locator("#legend-result").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "tablet-1024x768-analysis.png"))
    # hide the panel: a button over the map brings it back
    page.click("#panel-toggle")
    assert page.evaluate("document.body.classList.contains('panel-collapsed')")
    assert page.locator("#panel-reopen").is_visible()
    page.click("#panel-reopen")
    assert page.locator("#panel .tabs").is_visible()
    assert not page.locator("#panel-reopen").is_visible()
    # coordinates in the search box: a drawn pin, no image that fails to load
    page.fill("#search", "103.2, 35.9")
    page.keyboard.press("Enter")
    page.locator(".wg-search-pin").wait_for()
    assert page.locator(".leaflet-marker-icon[src]").count() == 0
    assert [f for f in w.failed if "marker-icon" in f] == []
    assert w.errors == [] and w.blocked == []


def test_phone_390_incident_page_bottom_sheet(contexts, live_server, officer):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desk = contexts()
    _sign_in(desk, live_server, officer, "/?scenario=" + quote(json.dumps(REQUEST)))
    _ready(desk)
    _analysed(desk)
    incident_id = _save_in_dialog(desk, "E2E 手机")
    phone = contexts(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = phone.page
    _sign_in(phone, live_server, officer, f"/incidents/{incident_id}")
    _ready(phone)
    _analysed(phone)
    page.wait_for_function("document.getElementById('ws-live') && "
                           "!document.getElementById('ws-live').hidden")
    _no_sideways_scroll(page)
    panel = page.locator("#panel").bounding_box()
    assert panel["width"] == 390 and panel["y"] > 200  # a bottom sheet, full width
    tabs = page.evaluate("""() => { const t = document.querySelector('#panel .tabs');
        return [getComputedStyle(t).overflowX, t.scrollWidth >= t.clientWidth]; }""")
    assert tabs[0] == "auto" and tabs[1]
    assert page.locator("#panel .tabs").bounding_box()["height"] >= 30
    toggle = page.locator("#panel-toggle").bounding_box()
    assert toggle["x"] + toggle["width"] <= 390  # the toggle stays on screen
    page.screenshot(path=str(SCREENSHOTS / "phone-390x844-incident.png"))
    page.locator("#panel-toggle").tap()
    assert page.locator("#panel-toggle").is_visible()  # collapsed: the tab row stays
    page.locator("#panel-toggle").tap()
    assert page.locator("#tab-results").is_visible()
    assert phone.errors == [] and phone.blocked == []

