"""The duty officer's map in a real headless Chromium, on the bundled Gansu dataset, with
every non-localhost request blocked."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

# In the Liujiaxia reservoir on the Yellow River, above the Lanzhou intake.
YELLOW_RIVER_ABOVE_LANZHOU = (103.10, 35.815)
LANZHOU_INTAKE = "WS-HH-LANZHOU-LJX"
OVERLAYS_ZH = ["行政区界", "河流", "城镇", "饮用水取水口", "监测断面", "应急拦截点", "应急物资库",
               "应急救援队伍", "环境风险企业"]
OVERLAYS_EN = ["Administrative boundaries", "Rivers", "Cities and towns", "Drinking-water intakes",
               "Monitoring sections", "Interception points", "Material depots", "Rescue teams",
               "Risk enterprises"]
REQUEST = {
    "location": {"lon": YELLOW_RIVER_ABOVE_LANZHOU[0], "lat": YELLOW_RIVER_ABOVE_LANZHOU[1]},
    "pollutant": "BENZENE", "release": {"mass_kg": 10000, "duration_h": 0},
    "season": "normal", "horizon_h": 72, "started_at": "2026-05-01T08:00:00+08:00",
}


def _open(w, url):
    w.page.goto(url)
    w.page.wait_for_function("document.body.dataset.ready")
    assert w.page.evaluate("document.body.dataset.ready") == "1", w.page.evaluate("WG.error")


def _layer_labels(page) -> list[str]:
    return [s.strip() for s in page.locator(".leaflet-control-layers label span").all_inner_texts()]


def _wait_analysis(page):
    page.wait_for_function("['done', 'error'].includes(document.body.dataset.analysis)")
    assert page.evaluate("document.body.dataset.analysis") == "done", page.inner_text("#f-error")


def _click_map(page, lon, lat):
    x, y = page.evaluate(
        """([lon, lat]) => {
             const p = WG.map.latLngToContainerPoint([lat, lon]);
             const r = WG.map.getContainer().getBoundingClientRect();
             return [p.x + r.left, p.y + r.top];
           }""", [lon, lat])
    page.mouse.click(x, y)


def test_map_loads_every_layer_offline(watched, live_server, artifacts):
    page = watched.page
    _open(watched, live_server + "/")
    labels = _layer_labels(page)
    assert "离线底图" in labels
    for label in OVERLAYS_ZH:
        assert label in labels
    counts = page.evaluate("WG.counts")
    for layer in ("admin_areas", "rivers", "places", "water_sources", "sections",
                  "interception_points", "depots", "teams", "enterprises", "pollutants"):
        assert counts[layer] > 0, layer
    # Features are on the map: symbols in the DOM, vectors in the canvas layers.
    assert page.locator(".wg-water_sources").count() > 10
    assert page.locator(".wg-depots").count() > 5
    assert page.locator(".ent-cluster").count() > 0
    drawn = page.evaluate("WG.groups.rivers.getLayers()[0].getLayers().length")
    assert drawn == counts["rivers"]
    assert page.locator(".river-label").count() == counts["rivers"]
    # Controls: scale bar, cursor coordinates, full screen, measure.
    for sel in (".leaflet-control-scale", ".leaflet-control-mouseposition",
                ".leaflet-control-zoom-fullscreen", ".leaflet-control-measure"):
        assert page.locator(sel).count() == 1, sel
    page.mouse.move(500, 400)
    assert "°" in page.inner_text(".leaflet-control-mouseposition")
    # Search: a town by name and a point in degrees-minutes-seconds.
    page.fill("#search", "兰州")
    assert page.locator("#search-results li").count() > 0
    page.fill("#search", "103°48′18″E 36°03′44″N")
    first = page.locator("#search-results li").first.inner_text()
    assert "103.80500" in first and "36.06222" in first
    page.keyboard.press("Enter")
    assert page.locator(".leaflet-popup-content [data-act=spill]").count() == 1
    page.screenshot(path=str(artifacts / "map-overview.png"))
    assert watched.errors == []
    assert watched.blocked == []


def test_labels_popups_and_layer_toggles(watched, live_server):
    """Labels sit where Leaflet would put them, popups and hover names are there on demand,
    and a layer switched off takes its labels with it."""
    page = watched.page
    _open(watched, live_server + "/")
    # Labels are anchored by CSS (map.js WG.label), not by measuring: a river's name is
    # centred on its line, a city's starts just right of its dot, vertically centred.
    offsets = page.evaluate("""() => {
        const box = (layer) => {
          const tip = layer.getTooltip(), r = tip.getElement().getBoundingClientRect();
          const c = WG.map.getContainer().getBoundingClientRect();
          const p = WG.map.latLngToContainerPoint(tip.getLatLng());
          return {dx: r.left + r.width / 2 - c.left - p.x, dy: r.top + r.height / 2 - c.top - p.y,
                  left: r.left - c.left - p.x, w: r.width};
        };
        const city = Object.values(WG.markers.places).find(
          (m) => m.feature.properties.kind === 'capital');
        return {river: box(WG.riverLayers.HUANGHE), city: box(city)};
    }""")
    river, city = offsets["river"], offsets["city"]
    assert river["w"] > 10 and abs(river["dx"]) <= 1.5 and abs(river["dy"]) <= 1.5, river
    assert city["w"] > 10 and 5 <= city["left"] <= 15 and abs(city["dy"]) <= 1.5, city
    # A depot's popup (built on opening) lists its inventory; an intake shows its name on hover.
    depot = page.evaluate("Object.keys(WG.markers.depots)[0]")
    page.evaluate("""(code) => {
        const mk = WG.markers.depots[code];
        WG.map.setView(mk.getLatLng(), 11, {animate: false});
        mk.getElement().dispatchEvent(new MouseEvent('click', {bubbles: true}));
    }""", depot)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "物资" in popup.inner_text() or "库存" in popup.inner_text()
    page.evaluate("() => { WG.map.closePopup(); }")
    intake = page.evaluate("""() => {
        const mk = Object.values(WG.markers.water_sources)[0];
        WG.map.setView(mk.getLatLng(), 11, {animate: false});
        mk.getElement().dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
        return WG.nm(mk.feature.properties);
    }""")
    assert page.locator(".leaflet-tooltip:not(.wg-label)", has_text=intake).count() == 1
    # Switching rivers off removes their names too; on again, every name is back.
    rivers = page.evaluate("WG.counts.rivers")
    overlays = page.locator(".leaflet-control-layers-overlays label")
    toggle = overlays.filter(has_text="河流").locator("input")
    toggle.uncheck()
    # (Leaflet fades overlays out: the elements go 200 ms later.)
    page.wait_for_function("document.querySelectorAll('.river-label').length === 0")
    toggle.check()
    page.wait_for_function(f"document.querySelectorAll('.river-label').length === {rivers}")
    assert watched.errors == []
    assert watched.blocked == []


def test_click_yellow_river_benzene_gives_path_receptors_and_depots(watched, live_server,
                                                                     artifacts):
    page = watched.page
    _open(watched, live_server + "/")
    page.click("#f-pick")
    page.locator("#pick-layer").wait_for()
    _click_map(page, *YELLOW_RIVER_ABOVE_LANZHOU)
    assert re.match(r"103\.\d+, 35\.\d+", page.input_value("#f-coords"))
    # typing 苯 and Enter picks benzene, the exact name, not aniline (苯胺) (issue 11)
    page.fill("#f-pollutant", "苯")
    page.press("#f-pollutant", "Enter")
    assert page.input_value("#f-pollutant-code") == "BENZENE"
    page.fill("#f-mass", "10000")
    page.select_option("#f-season", "normal")
    page.click("#f-run")
    _wait_analysis(page)
    result = page.evaluate("WG.incident.result")
    assert result["snap"]["river_code"] == "HUANGHE"
    # The path is drawn, coloured by arrival time.
    assert result["path"]["features"]
    assert page.evaluate("WG.incident.pieceLayers.length") >= len(result["path"]["features"])
    # The receptor table lists the Lanzhou intake.
    row = page.locator(f"#receptor-table tr[data-code='{LANZHOU_INTAKE}']")
    assert row.count() == 1
    assert "兰州" in row.inner_text()
    # Depots ranked, with lines to their interception targets.
    depots = page.locator("#depots-table tbody tr")
    assert depots.count() >= 3
    assert page.evaluate("Object.keys(WG.incident.resLines).length") > 0
    assert page.locator(".level-badge").inner_text().strip()
    assert "剩余" in page.inner_text("#countdown") or "超时" in page.inner_text("#countdown")
    assert page.locator(".checklist li").count() > 0
    # A receptor's concentration curve, then the plume 20 hours in.
    row.click()
    assert page.evaluate("WG.incident.chartMode") != "profile"
    page.evaluate("WG.playAt(20)")
    assert "T+20" in page.inner_text("#pb-label")
    page.evaluate("WG.map.closePopup(); WG.fitResult(); "
                  "document.getElementById('tab-results').scrollTop = 0")
    page.screenshot(path=str(artifacts / "map-benzene-yellow-river.png"))
    # The URL now re-opens this scenario.
    assert "scenario=" in page.url
    assert watched.errors == []
    assert watched.blocked == []


def test_language_switch_keeps_the_scenario(watched, live_server):
    page = watched.page
    _open(watched, live_server + "/?scenario=" + quote(json.dumps(REQUEST)))
    _wait_analysis(page)
    assert "污染团路径" in _layer_labels(page)
    page.click("a[data-lang=en]")
    page.wait_for_url(re.compile(r"lang=en"))
    page.wait_for_function("document.body.dataset.ready")
    _wait_analysis(page)
    labels = _layer_labels(page)
    for label in OVERLAYS_EN:
        assert label in labels
    assert "Plume path" in labels
    heads = page.locator("#receptor-table thead th").all_inner_texts()
    assert "Peak mg/L" in heads and "Arrival" in heads
    assert page.locator(f"#receptor-table tr[data-code='{LANZHOU_INTAKE}']").count() == 1
    assert page.inner_text("#new-incident") == "New incident"
    assert watched.errors == []
    assert watched.blocked == []


def test_duty_officer_saves_lists_and_reopens(watched, live_server, officer):
    page = watched.page
    sign_in(page, live_server, officer)
    _open(watched, live_server + "/?scenario=" + quote(json.dumps(REQUEST)))
    _wait_analysis(page)
    page.click("#btn-save")  # the title is asked in the page (issue 14), not in prompt()
    page.fill("#save-title", "E2E 黄河苯泄漏")
    page.click("#save-ok")
    page.wait_for_url(re.compile(r"/incidents/\d+$"))
    incident_id = int(page.url.rsplit("/", 1)[1])
    sheet = page.locator("#btn-sheet")
    assert sheet.is_visible()
    assert sheet.get_attribute("href") == f"/incidents/{incident_id}/sheet.pdf"
    page.click("button[data-tab=list]")
    entry = page.locator(f"#incident-list [data-id='{incident_id}']")
    entry.wait_for()
    assert "E2E 黄河苯泄漏" in entry.inner_text()
    # A fresh page on the incident's URL shows the stored analysis.
    _open(watched, live_server + f"/incidents/{incident_id}")
    _wait_analysis(page)
    assert page.locator(f"#receptor-table tr[data-code='{LANZHOU_INTAKE}']").count() == 1
    assert "#" + str(incident_id) in page.inner_text("#saved-info")
    assert watched.errors == []
    assert watched.blocked == []


def test_discovery_time_criteria_and_collapsed_resources(watched, live_server):
    """Issue 11: the form carries the discovery time and the grading criteria, the
    countdown runs from discovery, and only the useful depots and teams get a line."""
    page = watched.page
    req = {**REQUEST, "discovered_at": "2026-05-01T09:30:00+08:00",
           "ecology": "species_damaged", "sensitive_groups": True}
    _open(watched, live_server + "/?scenario=" + quote(json.dumps(req)))
    _wait_analysis(page)
    result = page.evaluate("WG.incident.result")
    assert result["level"]["discovered_at"] == "2026-05-01T09:30:00+08:00"
    assert page.evaluate("new Date(document.getElementById('f-discovered').value)"
                         ".toISOString()") == "2026-05-01T01:30:00.000Z"
    assert page.is_checked("#f-sensitive") and not page.is_checked("#f-mass-incident")
    assert page.input_value("#f-ecology") == "species_damaged"
    assert "发现时间" in page.inner_text("#countdown")
    assert "国家重点保护的动植物物种受到破坏" in page.inner_text(".reasons")
    # lines only for the useful rows; the rest listed behind "+N more"
    useful = [f"{k}:{x['code']}" for k in ("depots", "teams") for x in result[k]
              if x["useful"] and x["target_code"]]
    assert sorted(page.evaluate("Object.keys(WG.incident.resLines)")) == sorted(useful)
    rest = sum(not x["useful"] for x in result["depots"])
    assert rest > 0
    hidden = page.locator("#depots-table tr.more")
    assert hidden.count() == rest and not hidden.first.is_visible()
    page.click("button[data-more=depots]")
    assert hidden.first.is_visible()
    assert watched.errors == []
    assert watched.blocked == []


def test_diesel_spill_shows_the_slick(watched, live_server, artifacts):
    """A floating oil (issue 11): the receptor table, a receptor's popup and its chart show
    the slick's arrival and length, and the peak is labelled dissolved petroleum."""
    page = watched.page
    diesel = {**REQUEST, "location": {"lon": 105.72, "lat": 34.58}, "pollutant": "DIESEL",
              "release": {"mass_kg": 20000, "duration_h": 0}}
    _open(watched, live_server + "/?scenario=" + quote(json.dumps(diesel)))
    _wait_analysis(page)
    result = page.evaluate("WG.incident.result")
    first = result["receptors"][0]
    heads = page.locator("#receptor-table thead th").all_inner_texts()
    assert "溶解态石油类 mg/L" in heads
    row = page.locator("#receptor-table tbody tr").first
    text = row.inner_text()
    # the page prints at most one decimal and drops a trailing zero (F.num)
    shown = re.search(r"油膜 ([\d.]+) km", text)
    assert shown and float(shown.group(1)) == pytest.approx(first["slick"]["length_km"],
                                                             abs=0.051)
    assert "水溶组分" in page.inner_text("#slick-note")
    row.click()  # the receptor's curve, with the slick's passage drawn on it
    labels = page.evaluate("WG.incident.chart.data.datasets.map(d => d.label)")
    assert any(label.startswith("油膜") for label in labels)
    page.evaluate("WG.incident.recMarkers[0].openPopup(); null")
    popup = page.inner_text(".leaflet-popup-content")
    assert "油膜" in popup and "过境结束" in popup and "已蒸发" in popup
    page.screenshot(path=str(artifacts / "map-diesel-slick.png"))
    assert watched.errors == []
    assert watched.blocked == []


def test_model_block_and_off_river_error_in_chinese(watched, live_server):
    """The model's method and assumptions, and the error for a point off the river, follow
    the page's language (issue 13: both stayed English on the Chinese map)."""
    page = watched.page
    _open(watched, live_server + "/?scenario=" + quote(json.dumps(REQUEST)))
    _wait_analysis(page)
    page.click("#sec-model summary")
    model = page.inner_text("#sec-model")
    assert "一维模型：浓度为断面平均值" in model and "一维对流—弥散模型" in model
    assert "物资库和队伍的用时为估算" in model
    assert "1D model" not in model and "Hydraulics from" not in model

    far = dict(REQUEST, location={"lon": 97.0, "lat": 41.5})
    _open(watched, live_server + "/?scenario=" + quote(json.dumps(far)))
    page.wait_for_function("['done', 'error'].includes(document.body.dataset.analysis)")
    error = page.inner_text("#f-error")
    assert "该点距最近河流" in error and "请在距河道" in error, error
    assert "too far" not in error
    assert watched.errors == []
    assert watched.blocked == []
