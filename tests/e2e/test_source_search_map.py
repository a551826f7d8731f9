"""Source search from an alarm on the map (issue 16, item 2), headless Chromium on the
bundled data: the ranked candidates are drawn, and one click prefills the analysis form
from a candidate (its outfall, the substance it stores, the estimated mass)."""

from __future__ import annotations

import pytest

from tests.e2e.test_map import _open

pytestmark = pytest.mark.e2e


def test_search_from_an_alarm_and_open_an_incident_from_a_candidate(watched, live_server,
                                                                    artifacts):
    page = watched.page
    _open(watched, live_server + "/")
    page.click("#panel .tabs button[data-tab=source]")
    page.fill("#ss-section", "SEC-HH-BAOLANQIAO")
    page.fill("#ss-pollutant", "SULFIDE")
    page.fill("#ss-value", "0.2")
    page.fill("#ss-at", "2026-06-01T12:00")
    page.click("#ss-search")
    page.locator("#ss-table").wait_for()
    assert page.inner_text("#ss-error") == ""
    assert page.locator("#ss-table tbody tr").count() > 3
    assert page.locator(".ss-rank").count() >= page.locator("#ss-table tbody tr").count()
    page.screenshot(path=str(artifacts / "map-source-search.png"))
    name = page.evaluate("document.querySelector('#ss-table tbody tr td.name')"
                         ".firstChild.textContent")
    page.click("#ss-table [data-ss-open='0']")
    page.wait_for_function("document.getElementById('f-pollutant-code').value === 'SULFIDE'")
    assert name in page.inner_text("#f-source")
    assert float(page.input_value("#f-mass")) > 0
    assert page.locator("#tab-form").is_visible()
    # bad input names the field
    page.click("#panel .tabs button[data-tab=source]")
    page.fill("#ss-section", "SEC-NOPE")
    page.click("#ss-search")
    page.wait_for_function("document.getElementById('ss-error').textContent.includes('section')")
