/* Issue 16 item 2 on the map: source search from an alarm (POST /api/v1/source-search).
 * Draws the candidates (ranked markers at their outfalls, a line to the alarm) and lets
 * the officer open the analysis form prefilled from a candidate: its outfall, the
 * substance it stores, the estimated mass and release time. */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, F = WG.F, cfg = WG.cfg, map = WG.map;
  var $ = function (id) { return document.getElementById(id); };
  if (!$("tab-source")) return;
  var L_SS = L.layerGroup(), shown = false, last = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localIso(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function iso(text) {  // a local "YYYY-MM-DD HH:MM" (or datetime-local) as ISO 8601 with offset
    var d = new Date(String(text).trim().replace(" ", "T"));
    if (isNaN(d)) throw new Error(t("Not a time: {v}", { v: text }));
    return d.toISOString();
  }
  function fail(err) { $("ss-error").textContent = String(err.message || err); }
  function note(n) { return cfg.lang === "en" ? n.en : n.zh || n.en; }
  function when(s) { return s ? localIso(new Date(s)).replace("T", " ") : "–"; }
  $("ss-at").value = localIso(new Date());

  function body() {
    var series = $("ss-series").value.split("\n").filter(function (l) { return l.trim(); }).map(function (l) {
      var parts = l.split(",");
      return { sampled_at: iso(parts[0]), value: +parts[1] };
    });
    return {
      section: $("ss-section").value.trim(), pollutant: $("ss-pollutant").value.trim(),
      value: $("ss-value").value === "" ? null : +$("ss-value").value, unit: $("ss-unit").value,
      sampled_at: iso($("ss-at").value), series: series,
    };
  }

  $("ss-search").addEventListener("click", function () {
    var btn = $("ss-search"), req;
    try { req = body(); } catch (err) { fail(err); return; }
    btn.disabled = true;
    $("ss-error").textContent = "";
    fetch(cfg.api + "/source-search", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf },
      body: JSON.stringify(req),
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (b) {
        if (!r.ok) {
          var fields = b && b.fields ? Object.keys(b.fields).join(", ") : "";
          throw new Error(((b && b.error) || "HTTP " + r.status) + (fields ? " (" + fields + ")" : ""));
        }
        return b;
      });
    }).then(draw).catch(fail).then(function () { btn.disabled = false; });
  });
  $("ss-clear").addEventListener("click", function () {
    L_SS.clearLayers(); map.removeLayer(L_SS); $("ss-clear").hidden = true; $("ss-out").innerHTML = "";
  });

  function draw(out) {
    last = out;
    L_SS.clearLayers();
    if (!shown) { WG.control.addOverlay(L_SS, t("Candidate sources")); shown = true; }
    var a = out.alarm;
    L.circleMarker([a.lat, a.lon], { radius: 9, color: "#b71c1c", fillColor: "#ff1744", fillOpacity: 0.9, weight: 2 })
      .bindTooltip(esc(t("Alarm")) + " · " + esc(a.section || a.reach_code) + " · " + F.num(a.conc_mgl) + " mg/L").addTo(L_SS);
    out.candidates.forEach(function (c) {
      var good = c.reaches && c.exact && c.within_stock;
      L.polyline([[c.lat, c.lon], [a.lat, a.lon]], { color: good ? "#e65100" : "#9e9e9e", weight: 1, dashArray: "4 4" }).addTo(L_SS);
      L.marker([c.lat, c.lon], {
        icon: L.divIcon({ className: "ss-rank", html: '<span style="display:inline-block;min-width:18px;padding:1px 3px;border-radius:9px;background:' +
          (good ? "#e65100" : "#757575") + ';color:#fff;font:bold 12px sans-serif;text-align:center">' + c.rank + "</span>", iconSize: [22, 18] }),
      }).bindTooltip("#" + c.rank + " " + esc(c.name)).addTo(L_SS);
    });
    L_SS.addTo(map);
    $("ss-clear").hidden = false;
    var rows = out.candidates.slice(0, 30).map(function (c) {
      var mass = c.mass_kg === null ? "–" : F.num(c.mass_kg / 1000) + " t";
      return "<tr><td class=\"num\">" + c.rank + '</td><td class="name">' + esc(c.name) + '<div class="muted">' + esc(c.code) + " · " +
        esc(c.stores) + " " + F.num(c.max_t) + " t</div><ul class=\"muted\">" + c.reasons.map(function (r) { return "<li>" + esc(note(r)) + "</li>"; }).join("") +
        '</ul></td><td class="num">' + F.num(c.distance_km, 1) + '</td><td class="num">' + mass + (c.within_stock === false ? " ⚠" : "") +
        '</td><td>' + when(c.release_earliest) + "<br>" + when(c.release_latest) + "</td><td>" +
        (c.reaches ? '<button type="button" class="btn" data-ss-open="' + (c.rank - 1) + '">' + esc(t("Open an incident from it")) + "</button>" : "") + "</td></tr>";
    }).join("");
    $("ss-out").innerHTML = (out.notes.length ? '<ul class="warnings">' + out.notes.map(function (n) { return "<li>" + esc(note(n)) + "</li>"; }).join("") + "</ul>" : "") +
      (rows ? '<div class="table-wrap"><table class="grid" id="ss-table"><thead><tr><th>#</th><th>' + esc(t("Name")) + "</th><th>" + esc(t("km")) +
        "</th><th>" + esc(t("Mass needed (estimated)")) + "</th><th>" + esc(t("Release window")) + "</th><th></th></tr></thead><tbody>" + rows + "</tbody></table></div>" : "");
    if (L_SS.getLayers().length) map.fitBounds(L.featureGroup(L_SS.getLayers()).getBounds().pad(0.1));
  }

  // "open a new incident from this candidate": the analysis form from the enterprise's
  // outfall (incident.js' own action), then its substance, the mass and the release time
  $("ss-out").addEventListener("click", function (e) {
    var b = e.target.closest("[data-ss-open]");
    if (!b || !last) return;
    var c = last.candidates[+b.dataset.ssOpen];
    var go = document.createElement("button");
    go.type = "button"; go.hidden = true; go.dataset.act = "spill-enterprise"; go.dataset.code = c.code;
    document.body.appendChild(go); go.click(); go.remove();
    var tries = 0;
    (function fill() {
      var chip = document.querySelector('#f-substances [data-pollutant="' + c.stores + '"]');
      if (!chip && tries++ < 30) { setTimeout(fill, 100); return; }
      if (chip) chip.click();
      if (c.mass_kg !== null) $("f-mass").value = String(Math.round(c.mass_kg));
      WG.releaseForm.setKind("instant");  // the search's estimate is an instantaneous release
      if (c.release_estimate) $("f-start").value = localIso(new Date(c.release_estimate));
      $("f-season").value = last.season;
      WG.showTab("form");
    })();
  });
})();
