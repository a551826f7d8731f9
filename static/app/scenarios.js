/* The scenario library (issue 15, item 1): search, keep the current spill, run, copy,
 * delete, and compare two to four side by side (table, paths overlaid on the map, XLSX). */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, cfg = WG.cfg, map = WG.map;
  var API = cfg.api + "/scenarios";
  var COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"];
  var overlay = L.featureGroup(), overlayAdded = false;
  function $(id) { return document.getElementById(id); }
  function planner() { var r = cfg.user && cfg.user.role; return r === "planner" || r === "admin"; }
  function send(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      if (!r.ok) return r.json().then(function (j) { throw j; });
      var type = r.headers.get("Content-Type") || "";
      return type.indexOf("json") >= 0 ? r.json() : r.blob();
    });
  }
  function fail(e) {
    $("scn-error").textContent = e && e.error ? e.error + " (" + Object.keys(e.fields || {}).join(", ") + ")" : t("Request failed");
  }
  function ticked() {
    return Array.prototype.slice.call(document.querySelectorAll("#scn-list input[type=checkbox]:checked"))
      .map(function (c) { return Number(c.value); });
  }
  // Every keystroke in the search fields asks again; only the latest question's answer is
  // drawn (an earlier, slower answer must not replace it), and what the planner ticked
  // stays ticked while it is still listed.
  var asked = 0;
  function load() {
    var q = new URLSearchParams();
    if ($("scn-q").value) q.set("q", $("scn-q").value);
    if ($("scn-tag").value) q.set("tag", $("scn-tag").value);
    var mine = ++asked;
    fetch(API + "?" + q.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (list) {
        if (mine !== asked) return;
        var keep = ticked();
        $("scn-list").innerHTML = list.map(function (s) {
          return "<li data-id='" + s.id + "'><label><input type='checkbox' value='" + s.id + "'" +
            (keep.indexOf(s.id) >= 0 ? " checked" : "") + "> " +
            esc(s.name) + "</label> <span class='muted'>" + esc(s.pollutant) + " " +
            (s.mass_kg / 1000) + " t · " + esc(t("season_" + s.season)) + " · " +
            esc(s.tags.join(", ")) + "</span> " +
            "<button type='button' class='btn' data-act='run'>" + esc(t("Run")) + "</button>" +
            (planner() ? "<button type='button' class='btn' data-act='copy'>" + esc(t("Duplicate")) + "</button>" +
              "<button type='button' class='btn' data-act='delete'>" + esc(t("Delete")) + "</button>" : "") +
            "</li>";
        }).join("");
        var n = ticked().length;
        $("scn-compare").disabled = n < 2 || n > 4;
      });
  }
  $("scn-q").addEventListener("input", load);
  $("scn-tag").addEventListener("input", load);
  $("scn-list").addEventListener("change", function () {
    var n = ticked().length;
    $("scn-compare").disabled = n < 2 || n > 4;
  });
  $("scn-list").addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-act]");
    if (!b) return;
    var id = b.closest("li").dataset.id;
    if (b.dataset.act === "run") {
      fetch(API + "/" + id, { credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (s) {
          WG.showTab("form");
          WG.analyse({ location: s.location, pollutant: s.pollutant, season: s.season,
                       horizon_h: s.horizon_h, release: { mass_kg: s.mass_kg, duration_h: s.duration_h } });
        });
    } else if (b.dataset.act === "copy") {
      send("POST", API + "/" + id + "/duplicate").then(load, fail);
    } else if (b.dataset.act === "delete" && window.confirm(t("Delete this scenario?"))) {
      send("DELETE", API + "/" + id).then(load, fail);
    }
  });
  if (!planner()) $("scn-save").disabled = true;
  $("scn-save").addEventListener("click", function () {
    var req = WG.incident && WG.incident.request;
    if (!req) { $("scn-error").textContent = t("Analyse a spill first"); return; }
    var name = window.prompt(t("Name of the scenario"));
    if (!name) return;
    send("POST", API, { name: name, location: req.location, pollutant: req.pollutant,
      mass_kg: req.release.mass_kg, duration_h: req.release.duration_h || 0,
      season: req.season || "normal", horizon_h: req.horizon_h || 72 }).then(load, fail);
  });
  $("scn-compare").addEventListener("click", function () {
    var ids = ticked();
    $("scn-error").textContent = "";
    send("POST", API + "/compare", { ids: ids }).then(function (d) { show(d, ids); }, fail);
  });
  function hours(v) { return v === null || v === undefined ? "–" : Number(v).toFixed(1) + " h"; }
  function show(d, ids) {
    var h = "<table class='scr-table'><thead><tr><th></th>" + d.scenarios.map(function (s, i) {
      return "<th style='color:" + COLOURS[i] + "'>" + esc(s.name) + "</th>";
    }).join("") + "</tr></thead><tbody>";
    h += "<tr><td>" + esc(t("Level")) + "</td>" + d.scenarios.map(function (s) {
      return "<td>" + esc(t("level_" + s.level)) + "</td>"; }).join("") + "</tr>";
    h += "<tr><td>" + esc(t("First interception")) + "</td>" + d.scenarios.map(function (s) {
      var c = s.intercept[0];
      return "<td>" + (c ? esc(c.target_name) + " (" + esc(c.depot_name) + ", " + hours(c.travel_h) + ")" : "–") + "</td>";
    }).join("") + "</tr>";
    d.receptors.forEach(function (r) {
      h += "<tr><td>" + esc(r.name) + "</td>" + r.per.map(function (p) {
        return "<td" + (p.exceeds ? " class='exceeds'" : "") + ">" + hours(p.worst_arrival_h) + " · " +
          Number(p.worst_peak_mgl).toPrecision(3) + " mg/L</td>";
      }).join("") + "</tr>";
    });
    h += "</tbody></table><button type='button' id='scn-xlsx' class='btn'>XLSX</button>";
    $("scn-compared").innerHTML = h;
    document.body.dataset.compared = String(d.receptors.length);
    overlay.clearLayers();
    if (!overlayAdded) { WG.control.addOverlay(overlay, t("Compared scenarios")); overlayAdded = true; }
    overlay.addTo(map);
    d.scenarios.forEach(function (s, i) {
      L.geoJSON(s.path, { style: { color: COLOURS[i], weight: 4, opacity: 0.7 } })
        .bindTooltip(esc(s.name)).addTo(overlay);
    });
    if (overlay.getLayers().length) map.fitBounds(overlay.getBounds(), { padding: [20, 20] });
    $("scn-xlsx").addEventListener("click", function () {
      send("POST", API + "/compare.xlsx", { ids: ids }).then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = "scenario-comparison.xlsx";
        a.click();
      }, fail);
    });
  }
  document.querySelector("#panel .tabs button[data-tab=scenarios]").addEventListener("click", load);
})();
