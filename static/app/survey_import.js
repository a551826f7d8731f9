// The survey import page: preview a file (?commit=false), see the report and the points on a
// small map (green new, orange changed, grey unchanged, red ring: far from any reach), then
// commit the same file. The server decides everything; this page only shows its answers.
(function () {
  "use strict";
  var root = document.querySelector("main.survey-import");
  if (!root) return;
  var form = document.getElementById("imp-form"), msg = document.getElementById("sup-msg");
  var summary = document.getElementById("imp-summary");
  var tbody = document.querySelector("#imp-problems tbody");
  var commitBtn = form.querySelector("button[data-act=commit]");
  var L_ = root.dataset, map = null, layer = null;
  var COLORS = { created: "#2e7d32", changed: "#ef6c00", unchanged: "#757575" };

  function say(text, bad) { msg.textContent = text; msg.className = bad ? "error" : ""; }

  function ensureMap() {
    if (map || !window.L) return map;
    map = L.map("imp-map").setView([36.0, 103.8], 6);
    fetch("/api/v1/reaches", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fc) {
        if (fc && fc.type === "FeatureCollection") {
          L.geoJSON(fc, { style: { color: "#1565c0", weight: 1.5, opacity: 0.7 }, interactive: false }).addTo(map);
        }
      }).catch(function () { /* the points still show without the rivers */ });
    return map;
  }

  function cell(tr, text) { var td = document.createElement("td"); td.textContent = text; tr.appendChild(td); }

  function showProblems(report) {
    tbody.textContent = "";
    (report.errors || []).concat(report.warnings || []).forEach(function (p, i) {
      var tr = document.createElement("tr");
      if (i < (report.errors || []).length) tr.className = "late";
      cell(tr, p.row == null ? "—" : p.row); cell(tr, p.field || "—"); cell(tr, p.message);
      tbody.appendChild(tr);
    });
  }

  function showFeatures(report) {
    if (!ensureMap() || !report.features) return;
    if (layer) layer.remove();
    layer = L.geoJSON(report.features, {
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        return L.circleMarker(latlng, { radius: 6, weight: p.flag ? 3 : 1,
          color: p.flag ? "#c62828" : "#333", fillColor: COLORS[p.action] || "#757575", fillOpacity: 0.9 });
      },
      onEachFeature: function (f, lyr) {
        var p = f.properties, div = document.createElement("div");
        div.textContent = L_.lRow + " " + p.row + " · " + p.code + " " + (p.name_zh || "") +
          " · " + (L_["l" + p.action.charAt(0).toUpperCase() + p.action.slice(1)] || p.action) +
          " · " + p.reach + " " + Math.round(p.snap_m) + " m";
        lyr.bindPopup(div);
      }
    }).addTo(map);
    if (report.features.features.length) map.fitBounds(layer.getBounds(), { maxZoom: 12, padding: [20, 20] });
  }

  function showSummary(report) {
    summary.textContent = [report.file, report.format, report.encoding || "", report.crs,
      report.rows + " × " + report.layer,
      report.created + " " + L_.lCreated + ", " + report.changed + " " + L_.lChanged + ", " +
      report.unchanged + " " + L_.lUnchanged, "⚑ " + report.flagged + " > " + report.flag_m + " m",
      (report.ignored_columns || []).length ? L_.lIgnored + ": " + report.ignored_columns.join(", ") : ""]
      .filter(Boolean).join(" · ");
  }

  function send(commit) {
    var data = new FormData(form), file = data.get("file");
    if (!file || !file.name) { form.querySelector("input[type=file]").reportValidity(); return; }
    var q = new URLSearchParams({ commit: commit ? "true" : "false" });
    ["profile", "crs"].forEach(function (k) { if (data.get(k)) q.set(k, data.get(k)); });
    var body = new FormData(); body.append("file", file);
    commitBtn.disabled = true;
    fetch("/api/v1/import/" + encodeURIComponent(data.get("layer")) + "/upload?" + q.toString(), {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": root.dataset.csrf, Accept: "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return { error: "HTTP " + r.status }; }).then(function (res) {
        var report = r.ok ? res : res.report;
        if (report) { showSummary(report); showProblems(report); showFeatures(report); }
        else { summary.textContent = ""; tbody.textContent = ""; }
        if (!r.ok) { say(L_.lRefused + " " + (res.error || ""), true); return; }
        say(commit ? L_.lStored : L_.lPreview);
        commitBtn.disabled = commit;
      });
    }).catch(function (err) { say(err.message, true); });
  }

  form.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-act]");
    if (btn) send(btn.dataset.act === "commit");
  });
  form.addEventListener("change", function () { commitBtn.disabled = true; });
})();
