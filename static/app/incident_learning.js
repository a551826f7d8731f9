/* Issue 16 on the map: uncertainty bands on the receptor table and the concentration
 * curves (POST /api/v1/ensemble), calibration to readings (POST /api/v1/calibrate, or
 * /api/v1/incidents/<id>/calibrate for the stored readings of a saved incident) and
 * upstream navigation from the spill point (GET /api/v1/upstream). Additive: it reads
 * WG.incident (incident.js) and patches the table and the chart after they are drawn. */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, F = WG.F, cfg = WG.cfg, map = WG.map;
  var $ = function (id) { return document.getElementById(id); };
  if (!$("tab-learning")) return;
  var L_UP = L.layerGroup();
  var state = { bands: {}, calBands: {}, upstreamShown: false };

  function post(url, body) {
    return fetch(cfg.api + url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf },
      body: JSON.stringify(body),
    }).then(readJson);
  }
  function readJson(r) {
    return r.json().catch(function () { return null; }).then(function (body) {
      if (!r.ok) {
        var fields = body && body.fields ? Object.keys(body.fields).join(", ") : "";
        throw new Error((body && body.error) || ("HTTP " + r.status) + (fields ? " (" + fields + ")" : ""));
      }
      return body;
    });
  }
  function fail(err) { $("lr-error").textContent = String(err.message || err); }
  function busy(btn, on) { btn.disabled = on; btn.classList.toggle("busy", on); if (on) $("lr-error").textContent = ""; }
  function needResult() {
    if (WG.incident && WG.incident.request && WG.incident.result) return true;
    fail(t("Analyse a spill first"));
    return false;
  }
  function range(v) { return F.num(v[0]) + "–" + F.num(v[2]); }
  function hrange(v) { return F.hours(v[0]) + "–" + F.hours(v[2]); }

  // ---- the band --------------------------------------------------------------------
  $("lr-ensemble").addEventListener("click", function () {
    if (!needResult()) return;
    var btn = $("lr-ensemble");
    busy(btn, true);
    post("/ensemble", { spill: WG.incident.request, members: 200 }).then(function (out) {
      state.bands = {};
      out.receptors.forEach(function (r) { if (r.band) state.bands[r.code] = r.band; });
      $("lr-out").innerHTML = bandTable(out.receptors, "expected") + notes(out.ensemble.notes);
      patchTable();
      patchChart();
    }).catch(fail).then(function () { busy(btn, false); });
  });

  function bandTable(rows, which) {
    var body = rows.filter(function (r) { return r.band; }).map(function (r) {
      var b = r.band, x = r[which] || {};
      return "<tr" + (b.worst_raised ? ' class="exceed-worst"' : "") + '><td class="name">' + esc(r.name) +
        '</td><td class="num">' + F.hours(x.arrival_h) + '<div class="muted">' + hrange(b.arrival_h) +
        '</div></td><td class="num">' + F.num(x.peak_conc_mgl) + '<div class="muted">' + range(b.peak_conc_mgl) +
        '</div></td><td class="num">' + F.num(b.worst_peak_conc_mgl) + (b.worst_raised ? " ↑" : "") + "</td></tr>";
    }).join("");
    return '<div class="table-wrap"><table class="grid" id="lr-band-table"><thead><tr><th>' + esc(t("Name")) +
      "</th><th>" + esc(t("Arrival")) + " (P5–P95)</th><th>" + esc(t("Peak mg/L")) + " (P5–P95)</th><th>" +
      esc(t("Worst case")) + "</th></tr></thead><tbody>" + body + "</tbody></table></div>" +
      '<p class="muted">' + esc(t("Estimated: ↑ the worst case was raised to the ensemble's P95 peak or P5 arrival.")) + "</p>";
  }
  function notes(list) {  // {zh, en} notes (or plain strings), in the page's language
    return list && list.length ? '<ul class="warnings">' + list.map(function (n) {
      return "<li>" + esc(typeof n === "string" ? n : (cfg.lang === "en" ? n.en : n.zh || n.en)) + "</li>";
    }).join("") + "</ul>" : "";
  }

  /** The band under the arrival and the peak of each receptor row of the analysis table. */
  function patchTable() {
    document.querySelectorAll("#receptor-table tbody tr[data-code]").forEach(function (tr) {
      var b = state.bands[tr.dataset.code];
      var old = tr.querySelectorAll(".lr-band");
      Array.prototype.forEach.call(old, function (n) { n.remove(); });
      if (!b) return;
      var cells = tr.querySelectorAll("td.num");
      if (cells.length < 3) return;
      cells[1].insertAdjacentHTML("beforeend", '<div class="muted lr-band">P5–P95 ' + hrange(b.arrival_h) + "</div>");
      cells[2].insertAdjacentHTML("beforeend", '<div class="muted lr-band">P5–P95 ' + range(b.peak_conc_mgl) + "</div>");
    });
  }

  /** P5–P95 as a shaded band on a receptor's curve (and the calibrated one, if any). */
  function patchChart() {
    var S = WG.incident;
    if (!S || !S.chart || S.chartMode === "profile" || S.chartMode === null || S.chartMode === undefined) return;
    var r = (S.result.receptors || [])[+S.chartMode];
    if (!r) return;
    var sets = [];
    [[state.bands[r.code], "21,101,192", t("Band P5–P95")],
     [state.calBands[r.code], "230,81,0", t("Calibrated band P5–P95")]].forEach(function (spec) {
      var b = spec[0];
      if (!b || !b.curve || !b.curve.length) return;
      sets.push({ label: spec[2], data: b.curve.map(function (p) { return { x: p[0], y: p[3] }; }),
        borderColor: "rgba(" + spec[1] + ",.6)", borderDash: [3, 3], pointRadius: 0, borderWidth: 1, fill: false });
      sets.push({ label: spec[2] + " ", data: b.curve.map(function (p) { return { x: p[0], y: p[1] }; }),
        borderColor: "rgba(" + spec[1] + ",.6)", borderDash: [3, 3], pointRadius: 0, borderWidth: 1,
        fill: "-1", backgroundColor: "rgba(" + spec[1] + ",.15)" });
    });
    if (!sets.length) return;
    var ds = S.chart.data.datasets;
    ds.splice.apply(ds, [1, 0].concat(sets));
    S.chart.update("none");
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "chart-select") setTimeout(patchChart, 0);
  });
  document.addEventListener("wg:result", function () {
    state.bands = {}; state.calBands = {};
    $("lr-out").innerHTML = "";
  });

  // ---- calibration -------------------------------------------------------------------
  function parseReadings(text) {
    var out = [], bad = [];
    text.split(/\n/).forEach(function (line, i) {
      if (!line.trim()) return;
      var p = line.split(/[,;\t]/).map(function (s) { return s.trim(); });
      var when = p[1] ? new Date(p[1].replace(" ", "T")) : null;
      var raw = p[2] || "", below = raw.charAt(0) === "<";
      var v = parseFloat(below ? raw.slice(1) : raw);
      if (p.length < 3 || !p[0] || !when || isNaN(when.getTime()) || !isFinite(v)) { bad.push(i + 1); return; }
      var row = { station: p[0], sampled_at: when.toISOString(), value: below ? 0 : v, unit: p[3] || "mg/L" };
      if (below) { row.below_detection = true; row.detection_limit = v; }
      out.push(row);
    });
    if (bad.length) throw new Error(t("Cannot read lines") + " " + bad.join(", "));
    return out;
  }

  function showCalibration(out) {
    state.calBands = {};
    out.receptors.forEach(function (r) { if (r.band && r.calibrated) state.calBands[r.code] = r.band; });
    var params = out.parameters.map(function (p) {
      var val = p.name === "start_h" ? F.num(p.value, 2) + " h" : F.num(p.value) + (p.unit && p.unit !== "h" ? " " + p.unit : (p.unit ? " h" : ""));
      return "<tr" + (p.identified ? "" : ' class="muted"') + "><td>" + esc(t("cal_" + p.name)) + '</td><td class="num">' + val +
        '</td><td class="num">' + F.num(p.low) + "–" + F.num(p.high) + '</td><td class="num">' + F.num(p.prior) +
        "</td><td>" + (p.identified ? "" : esc(t("not identified: prior kept"))) + "</td></tr>";
    }).join("");
    var rec = out.receptors.filter(function (r) { return r.calibrated; }).map(function (r) {
      var u = r.uncalibrated, c = r.calibrated, b = r.band;
      return "<tr" + (c.exceeds ? ' class="exceed"' : "") + '><td class="name">' + esc(r.name) + '</td><td class="num">' +
        F.hours(u.arrival_h) + " → " + F.hours(c.arrival_h) + (b ? '<div class="muted">' + hrange(b.arrival_h) + "</div>" : "") +
        '</td><td class="num">' + F.num(u.peak_conc_mgl) + " → " + F.num(c.peak_conc_mgl) +
        (b ? '<div class="muted">' + range(b.peak_conc_mgl) + "</div>" : "") + "</td></tr>";
    }).join("");
    $("lr-out").innerHTML =
      '<div class="table-wrap"><table class="grid" id="lr-cal-params"><thead><tr><th></th><th>' + esc(t("Fitted")) +
      "</th><th>95 %</th><th>" + esc(t("Reported")) + "</th><th></th></tr></thead><tbody>" + params + "</tbody></table></div>" +
      '<p class="muted">' + esc(t("Misfit (rms of ln): before {a}, after {b}; {n} readings, {c} below detection.", {
        a: F.num(out.rms_ln_prior, 2), b: F.num(out.rms_ln_fitted, 2), n: out.n_detected, c: out.n_censored })) + "</p>" +
      '<div class="table-wrap"><table class="grid" id="lr-cal-receptors"><thead><tr><th>' + esc(t("Name")) + "</th><th>" +
      esc(t("Arrival")) + "</th><th>" + esc(t("Peak mg/L")) + "</th></tr></thead><tbody>" + rec + "</tbody></table></div>" +
      '<p class="muted">' + esc(t("Uncalibrated → calibrated, hours after the reported start; below: the calibrated band P5–P95. Estimated.")) + "</p>" +
      notes(out.notes);
    patchChart();
  }

  $("lr-calibrate").addEventListener("click", function () {
    if (!needResult()) return;
    var rows;
    try { rows = parseReadings($("lr-readings").value); } catch (err) { fail(err); return; }
    var btn = $("lr-calibrate");
    busy(btn, true);
    post("/calibrate", { spill: WG.incident.request, readings: rows, members: 200 })
      .then(showCalibration).catch(fail).then(function () { busy(btn, false); });
  });
  $("lr-calibrate-stored").addEventListener("click", function () {
    var inc = WG.workspace && WG.workspace.incident;
    if (!inc) return;
    var btn = $("lr-calibrate-stored");
    busy(btn, true);
    post("/incidents/" + inc.id + "/calibrate", { members: 200 })
      .then(showCalibration).catch(fail).then(function () { busy(btn, false); });
  });
  if (WG.workspace) {
    WG.workspace.subscribe(function (inc) { $("lr-calibrate-stored").hidden = !inc; });
  }

  // ---- upstream ----------------------------------------------------------------------
  function traceUpstream(loc, btn) {
    busy(btn, true);
    var q = "?lon=" + loc.lon + "&lat=" + loc.lat + "&mode=all&case=worst&max_h=" + $("lr-up-hours").value;
    fetch(cfg.api + "/upstream" + q, { credentials: "same-origin" }).then(readJson).then(drawUpstream)
      .catch(fail).then(function () { busy(btn, false); });
  }
  $("lr-upstream").addEventListener("click", function () {
    var snap = WG.incident && WG.incident.result && WG.incident.result.snap;
    var loc = snap ? { lon: snap.lon, lat: snap.lat } : (WG.incident && WG.incident.request && WG.incident.request.location);
    if (!loc) { fail(t("Give the spill location: pick it on the map or type coordinates")); return; }
    traceUpstream(loc, $("lr-upstream"));
  });
  // the next click on the map is the start (the map's own click handlers still run)
  $("lr-upstream-pick").addEventListener("click", function () {
    var btn = $("lr-upstream-pick");
    btn.classList.add("active");
    map.getContainer().style.cursor = "crosshair";
    map.once("click", function (e) {
      btn.classList.remove("active");
      map.getContainer().style.cursor = "";
      traceUpstream({ lon: +e.latlng.lng.toFixed(6), lat: +e.latlng.lat.toFixed(6) }, btn);
    });
  });
  $("lr-upstream-clear").addEventListener("click", function () {
    L_UP.clearLayers(); map.removeLayer(L_UP); $("lr-upstream-clear").hidden = true;
  });

  function drawUpstream(out) {
    L_UP.clearLayers();
    if (!state.upstreamShown) { WG.control.addOverlay(L_UP, t("Upstream")); state.upstreamShown = true; }
    L.geoJSON(out.reaches, {
      style: { color: "#6a1b9a", weight: 4, opacity: 0.8 },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        layer.bindTooltip(esc(p.reach_code || p.code || "") + " · " + F.num(p.to_km, 1) + " km · " + F.hours(p.to_h));
      },
    }).addTo(L_UP);
    (out.features || []).forEach(function (f) {
      L.circleMarker([f.lat, f.lon], { radius: 6, color: "#4a148c", fillColor: f.kind === "outfall" ? "#ff6f00" : "#ce93d8", fillOpacity: 0.9, weight: 1 })
        .bindTooltip(esc(f.name) + " · " + esc(t("rk_" + f.kind)) + "<br>" + F.num(f.distance_km, 1) + " km · " +
          F.hours(f.travel_h) + (f.via_reservoir ? " (" + esc(t("via a reservoir")) + ")" : ""))
        .addTo(L_UP);
    });
    L_UP.addTo(map);
    $("lr-upstream-clear").hidden = false;
    var rows = (out.features || []).slice(0, 40).map(function (f) {
      return '<tr><td class="name">' + esc(f.name) + '<div class="muted">' + esc(t("rk_" + f.kind)) + '</div></td><td class="num">' +
        F.num(f.distance_km, 1) + '</td><td class="num">' + F.hours(f.travel_h) + "</td></tr>";
    }).join("");
    $("lr-out").innerHTML = '<p class="muted">' + esc(t("{n} features upstream within {km} km of river.", {
      n: (out.features || []).length, km: F.num(out.length_km, 0) })) + "</p>" +
      '<div class="table-wrap"><table class="grid" id="lr-up-table"><thead><tr><th>' + esc(t("Name")) + "</th><th>" +
      esc(t("km")) + "</th><th>" + esc(t("Arrival")) + "</th></tr></thead><tbody>" + rows + "</tbody></table></div>" +
      notes(out.notes);
    if (L_UP.getLayers().length) map.fitBounds(L.featureGroup(L_UP.getLayers()).getBounds().pad(0.1));
  }
})();
