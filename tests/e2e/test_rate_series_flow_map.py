"""The analysis form's release as a rate series and today's discharge (issue #16 item 5)
in a real headless Chromium on the bundled dataset: a spill on the Tao at Lijiacun
(reach TAOHE-020) with today's discharge at the Hongqi gauge (SEC-TAO-HONGQI, TAOHE-027)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.e2e

TAO_LIJIACUN = "103.86, 35.02"
GAUGE = "SEC-TAO-HONGQI"


def _open(w, url):
    w.page.goto(url)
    w.page.wait_for_function("document.body.dataset.ready")
    assert w.page.evaluate("document.body.dataset.ready") == "1", w.page.evaluate("WG.error")


def _wait_analysis(page) -> str:
    page.wait_for_function("['done', 'error'].includes(document.body.dataset.analysis)")
    return page.evaluate("document.body.dataset.analysis")


def _rows(page):
    return page.locator("#f-series tbody tr")


def _set_row(page, i, hour, rate):
    row = _rows(page).nth(i)
    row.locator(".f-series-t").fill(str(hour))
    row.locator(".f-series-r").fill(str(rate))


def test_rate_series_and_todays_flow_from_the_form(watched, live_server, artifacts):
    page = watched.page
    _open(watched, live_server + "/")
    page.fill("#f-coords", TAO_LIJIACUN)
    page.fill("#f-pollutant", "苯")
    page.press("#f-pollutant", "Enter")
    assert page.input_value("#f-pollutant-code") == "BENZENE"
    # instantaneous by default: no table, no duration
    assert page.is_hidden("#f-series-box") and page.is_hidden("#f-duration")
    page.select_option("#f-release-kind", "series")
    assert page.is_visible("#f-series-box") and page.is_hidden("#f-mass")
    assert _rows(page).count() == 2
    page.click("#f-series-add")
    assert _rows(page).count() == 3
    _set_row(page, 0, 0, 500)
    _set_row(page, 1, 2, 250)
    _set_row(page, 2, 6, 0)
    assert "2,000" in page.inner_text("#f-series-total") or \
        "2000" in page.inner_text("#f-series-total")
    # today's discharge at the Hongqi gauge
    page.click("#f-flow summary")
    page.select_option("#f-flow-kind", "station")
    page.fill("#f-flow-code", GAUGE)
    page.fill("#f-flow-q", "300")
    page.click("#f-run")
    assert _wait_analysis(page) == "done", page.inner_text("#f-error")
    result = page.evaluate("WG.incident.result")
    assert result["request"]["release"]["rate_series"] == [[0, 500], [2, 250], [6, 0]]
    assert result["request"]["release"]["mass_kg"] == 2000
    flow = result["model"]["flow_today"]
    assert flow["station_code"] == GAUGE and flow["reach_code"] == "TAOHE-027"
    assert flow["discharge_m3s"] == 300
    given = page.locator(".summary .release-given")
    assert given.count() == 2
    text = " ".join(given.all_inner_texts())
    assert "500" in text and GAUGE in text
    page.screenshot(path=str(artifacts / "map-rate-series-flow.png"))

    # the server's refusal names the field: the last rate must be 0
    page.click("#panel .tabs button[data-tab=form]")
    _set_row(page, 2, 6, 10)
    page.click("#f-run")
    assert _wait_analysis(page) == "error"
    assert "release.rate_series" in page.inner_text("#f-error")

    # the client refuses what cannot be sent: a flow without its place
    _set_row(page, 2, 6, 0)
    page.click("#panel .tabs button[data-tab=form]")
    page.fill("#f-flow-code", "")
    page.click("#f-run")
    assert "编码" in page.locator("#f-error").inner_text()  # give the code (zh page)
    assert watched.errors == []
    assert watched.blocked == []


def test_a_scenario_link_fills_the_series_and_the_flow(watched, live_server):
    request = {
        "location": {"lon": 103.86, "lat": 35.02}, "pollutant": "BENZENE",
        "release": {"rate_series": [[0, 100], [3, 400], [5, 0]]},
        "flow_today": {"reach_code": "TAOHE-027", "discharge_m3s": 120},
        "season": "normal", "horizon_h": 72, "started_at": "2026-05-01T08:00:00+08:00",
    }
    page = watched.page
    _open(watched, live_server + "/?scenario=" + quote(json.dumps(request)))
    assert _wait_analysis(page) == "done", page.inner_text("#f-error")
    assert page.input_value("#f-release-kind") == "series"
    assert _rows(page).count() == 3
    assert page.locator("#f-series tbody tr").nth(1).locator(".f-series-r").input_value() == "400"
    assert page.input_value("#f-flow-kind") == "reach"
    assert page.input_value("#f-flow-code") == "TAOHE-027"
    assert page.input_value("#f-flow-q") == "120"
    result = page.evaluate("WG.incident.result")
    assert result["request"]["release"]["mass_kg"] == 1100
    assert result["model"]["flow_today"]["ratio"] < 1  # below the season's 159.5 m³/s
    assert watched.errors == []
