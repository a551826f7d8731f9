"""The pages on a phone (390×844; 360×740) and a small laptop or tablet (1024×768), for
every role: nothing wider than the screen, every header control on screen or in the header's menu
(a real button: aria-expanded, Esc closes it), and the panel's active tab in view in the
crowded tab row (also when a script opens a tab far along the row, as the reporting clock's
"Reports" button does). Screenshots go to test-artifacts/phone-layout/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ensure_user, sign_in

pytestmark = pytest.mark.e2e

SIZES = {"phone": (390, 844), "tablet": (1024, 768), "small-phone": (360, 740)}
ROLES = ("anonymous", "duty_officer", "field_team", "planner", "admin")
#: every role on the phone and the tablet; the smaller phone for the shortest and the
#: longest header (no account, an admin)
CASES = [(role, size) for role in ROLES for size in ("phone", "tablet")] + \
    [("anonymous", "small-phone"), ("admin", "small-phone")]
REQUEST = {
    "location": {"lon": 103.10, "lat": 35.815}, "pollutant": "BENZENE",
    "release": {"mass_kg": 10000, "duration_h": 0}, "season": "normal", "horizon_h": 72,
    "started_at": "2026-05-01T08:00:00+08:00", "discovered_at": "2026-05-01T08:30:00+08:00",
}

#: Every header control that is not where it should be (off screen, cut by the header, or
#: hidden without being in the header's menu), and any sideways overflow, for a screen `W`
#: CSS pixels wide.
PROBLEMS = """(W) => {
  const H = window.innerHeight, out = [];
  // a phone's browser zooms out to show a page wider than the screen: innerWidth grows
  if (window.innerWidth > W) out.push('zoomed out: innerWidth ' + window.innerWidth + ' > ' + W);
  const header = document.querySelector('body > header');
  const menu = document.getElementById('hdr-menu');
  const shown = (el) => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  const name = (el) => (el.tagName + ' ' + (el.id || el.className || '') + ' "' +
    (el.textContent || el.getAttribute('aria-label') || el.placeholder || '').trim()
      .slice(0, 30) + '"');
  const doc = document.documentElement.scrollWidth, body = document.body.scrollWidth;
  if (doc > W) out.push('document ' + doc + ' > ' + W);
  if (body > W) out.push('body ' + body + ' > ' + W);
  if (header.scrollWidth > header.clientWidth + 1)
    out.push('header ' + header.scrollWidth + ' > ' + header.clientWidth);
  const controls = header.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, .user');
  for (const el of controls) {
    if (el.matches('a[data-lang][aria-current]')) continue;  // the language in use: a marker
    if (el.closest('[hidden]') && !el.closest('#hdr-menu')) continue;  // switched off on purpose
    if (el.id === 'hdr-menu-btn' && !shown(el) && menu && shown(menu)) continue;  // wide: no need
    if (!shown(el)) {
      if (!(menu && menu.contains(el) && !header.classList.contains('menu-open')))
        out.push('not shown: ' + name(el));
      continue;
    }
    const r = el.getBoundingClientRect();
    if (r.left < -0.5 || r.right > W + 0.5 || r.top < -0.5 || r.bottom > H + 0.5)
      out.push('off screen: ' + name(el) + ' ' +
               [r.left, r.right, r.top, r.bottom].map(Math.round));
    // not covered (a control under another one cannot be tapped)
    const hit = document.elementFromPoint(Math.min(W - 1, Math.max(0, (r.left + r.right) / 2)),
                                          Math.min(H - 1, Math.max(0, (r.top + r.bottom) / 2)));
    if (hit && !el.contains(hit) && !hit.contains(el))
      out.push('covered: ' + name(el) + ' by ' + name(hit));
  }
  return out;
}"""

#: The panel's active tab inside the visible part of the tab row and of the screen.
ACTIVE_TAB = """() => {
  const row = document.querySelector('#panel .tabs');
  const tab = row && row.querySelector('button[data-tab].active');
  if (!tab) return 'no active tab';
  const t = tab.getBoundingClientRect(), r = row.getBoundingClientRect();
  const inside = t.width > 0 && t.left >= r.left - 0.5 && t.right <= r.right + 0.5 &&
    t.right <= window.innerWidth + 0.5;
  if (!inside)
    return tab.dataset.tab + ' at ' + [t.left, t.right].map(Math.round) + ' of the row ' +
      [r.left, r.right].map(Math.round);
  // nothing laid over it (the arrows at the row's ends)
  for (const s of (row.closest('.tabs-bar') || row.parentElement).querySelectorAll('.tabs-edge')) {
    const b = s.getBoundingClientRect();
    const over = b.left < t.right - 0.5 && b.right > t.left + 0.5;
    if (b.width && getComputedStyle(s).display !== 'none' && over)
      return tab.dataset.tab + ' under ' + s.className;
  }
  return '';
}"""


@pytest.fixture(scope="module")
def accounts(e2e_app) -> dict[str, tuple[str, str]]:
    return {role: ensure_user(e2e_app, f"e2e_layout_{role}", role, f"e2e layout {role} pw!")
            for role in ROLES if role != "anonymous"}


@pytest.fixture(scope="module")
def incident_id(e2e_app, accounts) -> int:
    """A saved incident whose initial report is overdue: the reporting clock shows."""
    from webgis.services import incidents, users
    from webgis.services.uow import end_of_context

    with e2e_app.app_context():
        try:
            who = users.authenticate(*accounts["duty_officer"])
            return incidents.save_incident(REQUEST, kind="incident", title="E2E 手机版面",
                                           user_id=who.id, username=who.username,
                                           role=who.role)["id"]
        finally:
            end_of_context()


def _on_map(path: str) -> bool:
    return path == "/" or path.startswith("/incidents/")


def _pages(role: str, incident: int) -> list[str]:
    pages = ["/", f"/incidents/{incident}", "/plans", "/registers", "/supervision"]
    return pages + (["/import"] if role == "admin" else [])


def _menu_works(page, width, shot) -> None:
    """The header's menu button, when shown: a button that opens (aria-expanded, every
    control in it on screen), closes on Esc with the focus back on it, opens from the
    keyboard and closes on a tap outside."""
    toggle = page.locator("#hdr-menu-btn")
    if not toggle.is_visible():
        return
    assert toggle.evaluate("b => b.tagName") == "BUTTON"
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "hdr-menu"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate(PROBLEMS, width) == []  # now the menu's controls are on screen too
    if shot:
        page.screenshot(path=shot)
    assert page.locator("#hdr-menu a[href], #hdr-menu button").count() >= 1
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "hdr-menu-btn"
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")  # into the menu
    assert page.evaluate("document.getElementById('hdr-menu').contains(document.activeElement)")
    page.mouse.click(5, page.viewport_size["height"] - 5)  # outside: closes
    assert toggle.get_attribute("aria-expanded") == "false"


def _tabs_work(page, shot) -> None:
    """The active tab in view; a tab far along the row opened by a script comes into
    view; the tabs' menu lists every shown tab and opens the one chosen."""
    assert page.evaluate(ACTIVE_TAB) == ""
    shown = page.evaluate("[...document.querySelectorAll('#panel .tabs button[data-tab]')]"
                          ".filter(b => !b.hidden).map(b => b.dataset.tab)")
    for tab in (shown[-1], shown[0], shown[len(shown) // 2]):
        page.evaluate(f"WG.showTab({tab!r})")
        assert page.evaluate(ACTIVE_TAB) == "", tab
    more = page.locator("#tabs-more")
    more.click()
    assert more.get_attribute("aria-expanded") == "true"
    if shot:
        page.screenshot(path=shot)
    items = page.locator("#tabs-menu [data-goto]")
    assert items.evaluate_all("xs => xs.map(x => x.dataset.goto)") == shown
    items.nth(len(shown) - 2).click()
    assert more.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.querySelector('#panel .tabs button.active').dataset.tab") \
        == shown[-2]
    assert page.evaluate(ACTIVE_TAB) == ""
    more.click()
    page.keyboard.press("Escape")
    assert more.get_attribute("aria-expanded") == "false"
    page.evaluate("WG.showTab('form')")


@pytest.mark.parametrize(("role", "size"), CASES, ids=[f"{r}-{s}" for r, s in CASES])
def test_pages_fit_the_screen_with_every_header_control_reachable(
        browser, live_server, accounts, incident_id, artifacts, role, size):
    width, height = SIZES[size]
    phone = size != "tablet"
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="zh-CN", bypass_csp=True, is_mobile=phone,
                                  has_touch=phone)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(20000)
    shots = artifacts / "phone-layout"
    shots.mkdir(exist_ok=True)
    try:
        if role != "anonymous":
            sign_in(page, live_server, accounts[role])
        # English on the phone (the longer words); the tablet in Chinese, and its pages
        # without the map in English too
        visits = [(path, lang) for path in _pages(role, incident_id)
                  for lang in (("en",) if phone else ("zh",) if _on_map(path) else ("zh", "en"))]
        for path, lang in visits:
            page.goto(live_server + path + "?lang=" + lang)
            on_map = page.locator("#panel").count() == 1
            if on_map:
                page.wait_for_function("() => document.body.dataset.ready")
            if path.startswith("/incidents/") and role != "anonymous":
                page.locator("#report-clock").wait_for(state="visible")
                page.wait_for_function("document.getElementById('ws-live') && "
                                       "!document.getElementById('ws-live').hidden")
            slug = (path.strip("/").split("/")[0] or "map") + "-" + lang
            page.screenshot(path=str(shots / f"{size}-{role}-{slug}.png"))
            assert page.evaluate(PROBLEMS, width) == [], (path, lang)
            first = (path == "/" or (role == "anonymous" and "/incidents/" in path)) and \
                lang == visits[0][1]
            _menu_works(page, width, first and str(shots / f"{size}-{role}-menu.png"))
            if on_map:
                _tabs_work(page, first and str(shots / f"{size}-{role}-tabs-menu.png"))
                assert page.evaluate(PROBLEMS, width) == [], (path, "after the tabs")
        assert errors == []
    finally:
        context.close()


def test_a_wide_screen_keeps_the_header_in_one_bar(browser, live_server, accounts):
    """From 1280 px the menu's contents are in the bar (no menu button) and still fit, for
    the account with the most links (admin) in both languages."""
    width = 1280
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, accounts["admin"])
        for lang in ("zh", "en"):
            for path in ("/", "/registers"):
                page.goto(live_server + path + "?lang=" + lang)
                assert not page.locator("#hdr-menu-btn").is_visible()
                assert page.locator("header .dept-links a[href='/plans']").is_visible()
                assert page.evaluate(PROBLEMS, width) == [], (path, lang)
    finally:
        context.close()
