"""The map page under its Content-Security-Policy (issue 12), in a real Chromium: the page
loads, an analysis runs with its charts and the login page renders, with not one CSP
violation (inline scripts run only with the response's nonce; no eval, no inline handler)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.e2e

REQUEST = ('{"location":{"lon":103.10,"lat":35.815},"pollutant":"BENZENE",'
           '"release":{"mass_kg":10000,"duration_h":0},"season":"normal","horizon_h":72}')
RECORD = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


@pytest.fixture
def csp_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.add_init_script(RECORD)
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(20000)
    try:
        yield page, console, errors
    finally:
        context.close()


def _violations(page, console) -> list[str]:
    seen = list(page.evaluate("window.__csp || []"))
    seen += [m for m in console if "Content Security Policy" in m or "Content-Security" in m]
    return seen


def test_map_page_has_a_strict_policy_and_no_violation(csp_page, live_server):
    page, console, errors = csp_page
    resp = page.goto(live_server + "/")
    policy = resp.headers["content-security-policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy
    page.wait_for_function("() => document.body.dataset.ready")
    assert page.evaluate("document.body.dataset.ready") == "1", page.evaluate("WG.error")
    assert page.evaluate("WG.counts.rivers") > 0  # the layers arrived and were drawn
    # the measure tool renders its (precompiled) templates: a two-point distance
    page.hover(".leaflet-control-measure")
    page.click(".leaflet-control-measure .js-start")
    box = page.locator("#" + page.evaluate("WG.map.getContainer().id")).bounding_box()
    for dx in (0.4, 0.6):
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * 0.5)
    assert "/" in page.inner_text(".leaflet-control-measure .js-results")
    assert _violations(page, console) == []
    assert errors == []


def test_analysis_and_charts_run_under_the_policy(csp_page, live_server):
    page, console, errors = csp_page
    page.goto(live_server + "/?scenario=" + quote(REQUEST))
    page.wait_for_function("() => document.body.dataset.ready")
    page.wait_for_function("() => ['done', 'error'].includes(document.body.dataset.analysis)")
    assert page.evaluate("document.body.dataset.analysis") == "done"
    page.locator("#receptor-table tr[data-code]").first.click()  # loads chart.js, draws
    page.wait_for_function("() => window.Chart !== undefined")
    page.evaluate("WG.playAt(10)")
    assert _violations(page, console) == []
    assert errors == []


def test_login_page_has_no_violation(csp_page, live_server):
    page, console, errors = csp_page
    page.goto(live_server + "/login")
    page.wait_for_load_state("load")
    assert _violations(page, console) == []
    assert errors == []
