"""Issue 16 on the map, in headless Chromium on the bundled data: the uncertainty band on
the receptor table and a curve, calibration to typed readings, upstream navigation."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.e2e.conftest import sign_in
from tests.e2e.test_map import REQUEST, _open, _wait_analysis

pytestmark = pytest.mark.e2e

READINGS_JS = """() => {
  // twice the forecast's values, an hour late, at the first two receptors with a curve
  const start = new Date(WG.incident.request.started_at);
  const rows = WG.incident.result.receptors.filter(r => r.curve && r.curve.length > 5
      && r.peak_conc_mgl > 0 && ['section', 'water_source', 'interception'].includes(r.kind))
    .slice(0, 2);
  const lines = [];
  rows.forEach(r => {
    const span = r.peak_h - r.arrival_h;
    [-0.6, -0.3, 0, 0.3, 0.7, 1.2].forEach(k => {
      const h = r.peak_h + k * span;
      let c = 0;
      for (let i = 1; i < r.curve.length; i++) {
        const [h0, c0] = r.curve[i - 1], [h1, c1] = r.curve[i];
        if (h0 <= h && h <= h1) { c = c0 + (c1 - c0) * (h - h0) / Math.max(h1 - h0, 1e-9); break; }
      }
      const at = new Date(start.getTime() + (h + 1) * 3600e3);
      lines.push(`${r.code}, ${at.toISOString()}, ${(2 * c).toPrecision(6)}, mg/L`);
    });
  });
  return lines.join('\\n');
}"""


def test_band_calibration_and_upstream_on_the_map(watched, live_server, artifacts):
    page = watched.page
    _open(watched, live_server + "/?scenario=" + quote(json.dumps(REQUEST)))
    _wait_analysis(page)
    page.click("#panel .tabs button[data-tab=learning]")
    # the band: a table in the tab, P5–P95 under the analysis table's arrival and peak
    page.click("#lr-ensemble")
    page.locator("#lr-band-table").wait_for()
    assert page.locator("#lr-band-table tbody tr").count() > 0
    assert page.locator("#receptor-table .lr-band").count() > 0
    page.click("#panel .tabs button[data-tab=results]")
    code = page.evaluate("document.querySelector('#receptor-table .lr-band')"
                         ".closest('tr').dataset.i")
    page.select_option("#chart-select", code)
    page.wait_for_function("WG.incident.chart && WG.incident.chart.data.datasets"
                           ".some(d => d.label === '不确定性区间 P5–P95')")
    page.screenshot(path=str(artifacts / "map-band.png"))
    # calibration to typed readings: twice the mass, an hour late
    page.click("#panel .tabs button[data-tab=learning]")
    page.fill("#lr-readings", page.evaluate(READINGS_JS))
    page.click("#lr-calibrate")
    page.locator("#lr-cal-params").wait_for()
    text = page.inner_text("#lr-cal-params")
    assert "泄漏量" in text and "流速系数" in text
    assert page.locator("#lr-cal-receptors tbody tr").count() > 0
    assert page.inner_text("#lr-error") == ""
    # upstream of the spill point, drawn on the map
    page.click("#lr-upstream")
    page.locator("#lr-up-table").wait_for()
    assert page.locator("#lr-up-table tbody tr").count() > 0
    assert page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length") > 0
    page.screenshot(path=str(artifacts / "map-upstream.png"))
    # from a point picked on the map: Lanzhou's Xigu intake has the Tao and the Daxia above
    page.click("#lr-upstream-clear")
    page.select_option("#lr-up-hours", "48")
    page.click("#lr-upstream-pick")
    page.evaluate("""() => { const ws = WG.byCode.water_sources['WS-HH-LANZHOU-XLG'];
      const [lon, lat] = ws.geometry.coordinates;
      WG.map.fire('click', { latlng: L.latLng(lat, lon) }); }""")
    page.wait_for_function("document.querySelector('#lr-up-table') && "
                           "!document.getElementById('lr-upstream-pick').disabled")
    assert page.locator("#lr-up-table tbody tr").count() > 1
    page.click("#lr-calibrate")  # the calibration again, for its picture
    page.locator("#lr-cal-params").wait_for()
    page.screenshot(path=str(artifacts / "map-calibration.png"))
    assert watched.errors == []
    assert watched.blocked == []


def test_saved_incident_calibrates_to_its_stored_readings(watched, live_server, officer,
                                                          e2e_app):
    """A duty officer saves the spill; readings stored for it (as the readings form would)
    are fitted from the incident's page with one click."""
    import re
    from datetime import datetime

    from webgis.models import IncidentReading
    from webgis.services.reference import get_reference
    from webgis.services.uow import unit_of_work

    page = watched.page
    sign_in(page, live_server, officer)
    _open(watched, live_server + "/?scenario=" + quote(json.dumps(REQUEST)))
    _wait_analysis(page)
    lines = page.evaluate(READINGS_JS).splitlines()
    page.click("#btn-save")  # the title is asked in the page (issue 14), not in prompt()
    page.fill("#save-title", "E2E 校准")
    page.click("#save-ok")
    page.wait_for_url(re.compile(r"/incidents/\d+$"))
    incident_id = int(page.url.rsplit("/", 1)[1])
    with e2e_app.app_context():
        from webgis.extensions import db

        ref = get_reference(db.session)
        where = {r.code: (r.reach_code, r.measure) for r in ref.receptors}
        with unit_of_work() as s:
            for line in lines:
                code, at, value, _unit = (x.strip() for x in line.split(","))
                reach, measure = where[code]
                length = float(ref.network.length_m[ref.network.index_of(reach)])
                when = datetime.fromisoformat(at.replace("Z", "+00:00"))
                s.add(IncidentReading(
                    incident_id=incident_id, station_code=code,
                    station_kind="intake" if code.startswith("WS-") else "section",
                    reach_code=reach, measure_m=measure * length, lon=103.2, lat=36.0,
                    geom="SRID=4326;POINT(103.2 36.0)", sampled_at=when,
                    pollutant_code="BENZENE", value_mg_l=float(value), source="hand"))
    _open(watched, live_server + f"/incidents/{incident_id}")
    _wait_analysis(page)
    page.click("#panel .tabs button[data-tab=learning]")
    stored = page.locator("#lr-calibrate-stored")
    stored.wait_for()
    stored.click()
    page.locator("#lr-cal-params").wait_for()
    assert "泄漏量" in page.inner_text("#lr-cal-params")
    assert page.inner_text("#lr-error") == ""
    assert watched.errors == []
    assert watched.blocked == []
