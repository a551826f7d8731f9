/* Monitoring readings on the incident page (issue 14 item 3): the phone-sized entry form
 * (a station of the forecast, or a point tapped on the map), the file upload with its
 * error report, the readings table and observed against predicted with the skill.
 * Subscribed to WG.workspace: it reloads after every change of the incident. */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, F = WG.F, map = WG.map, cfg = WG.cfg;
  var $ = function (id) { return document.getElementById(id); };
  var sec = $("tab-readings");
  if (!sec || !WG.workspace) return;
  var ENTER = ["duty_officer", "leader", "field_team", "admin"];
  var REMOVE = ["duty_officer", "leader", "admin"];
  var MIN_READINGS = 3;
  var role = (cfg.user && cfg.user.role) || null;
  var R = WG.readings = { list: [], compare: null, chart: null, point: null, picking: false };
  var KIND = { section: "section", water_source: "intake" };
  var layer = L.featureGroup().addTo(map);

  if (ENTER.indexOf(role) < 0) { $("rd-form").hidden = true; $("rd-upload-box").hidden = true; $("rd-no-role").hidden = false; }

  // ---- time: the phone's local time in the form, ISO with offset to the server --------
  function localInput(d) {
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
  }
  function resetTime() { $("rd-time").value = localInput(new Date()); }
  resetTime();
  function when(iso) { return iso ? new Date(iso).toLocaleString() : ""; }

  // ---- stations: the forecast's sections and intakes, or a point on the map -----------
  function fillStations(inc) {
    var sel = $("rd-station"), keep = sel.value;
    var recs = ((inc && inc.result && inc.result.receptors) || []).filter(function (r) { return KIND[r.kind]; });
    sel.innerHTML = recs.map(function (r) {
      var v = KIND[r.kind] + ":" + r.code;
      return '<option value="' + esc(v) + '">' + esc(r.name + " (" + t(KIND[r.kind] === "section" ? "Section" : "Intake") + " " + r.code + ")") + "</option>";
    }).join("") + '<option value="point">' + esc(t("A point on the river (tap the map)")) + "</option>";
    if (keep && sel.querySelector('option[value="' + keep.replace(/"/g, "") + '"]')) sel.value = keep;
    showPoint();
  }
  function showPoint() {
    var isPoint = $("rd-station").value === "point";
    $("rd-point").textContent = isPoint ? (R.point ? t("Point") + " " + R.point.lon.toFixed(5) + ", " + R.point.lat.toFixed(5)
      : t("Tap the river on the map where the sample was taken")) : "";
  }
  $("rd-station").addEventListener("change", showPoint);

  var pick = document.createElement("div");
  pick.className = "pick-layer"; pick.id = "rd-pick-layer"; pick.hidden = true;
  (document.getElementById("mapwrap") || document.body).appendChild(pick);
  function setPicking(on) {
    R.picking = on; pick.hidden = !on;
    $("rd-pick").classList.toggle("active", on);
    if (on) document.body.classList.add("panel-collapsed");
    setTimeout(function () { map.invalidateSize(); }, 60);
  }
  $("rd-pick").addEventListener("click", function () { setPicking(!R.picking); });
  pick.addEventListener("click", function (e) {
    var r = map.getContainer().getBoundingClientRect();
    var at = L.point(e.clientX - r.left, e.clientY - r.top), ll = map.containerPointToLatLng(at);
    // a tap on (or right next to) a section or intake of the forecast picks that station
    var recs = ((WG.workspace.incident && WG.workspace.incident.result.receptors) || []).filter(function (x) { return KIND[x.kind]; });
    var near = null, best = 24;
    recs.forEach(function (x) {
      var d = map.latLngToContainerPoint([x.lat, x.lon]).distanceTo(at);
      if (d < best) { best = d; near = x; }
    });
    setPicking(false);
    if (near) {
      $("rd-station").value = KIND[near.kind] + ":" + near.code;
    } else {
      R.point = { lon: ll.lng, lat: ll.lat };
      $("rd-station").value = "point";
    }
    showPoint();
    WG.showTab("readings");
  });

  // ---- entering ------------------------------------------------------------------------
  function body() {
    var st = $("rd-station").value, v = $("rd-value").value.trim();
    var out = { value: v === "" ? null : +v, unit: $("rd-unit").value, qa_flag: $("rd-qa").value,
      below_detection: $("rd-below").checked };
    var tm = $("rd-time").value;
    out.sampled_at = tm ? new Date(tm).toISOString() : new Date().toISOString();
    if (st === "point") {
      out.station_kind = "point";
      if (R.point) { out.lon = +R.point.lon.toFixed(6); out.lat = +R.point.lat.toFixed(6); }
    } else {
      var i = st.indexOf(":");
      out.station_kind = st.slice(0, i); out.station_code = st.slice(i + 1);
    }
    return out;
  }
  function fieldError(err) {
    var f = (err.body && err.body.fields) || {};
    var names = Object.keys(f);
    return err.message + (names.length ? " (" + names.join(", ") + ")" : "");
  }
  $("rd-form").addEventListener("submit", function (e) {
    e.preventDefault();
    $("rd-error").textContent = "";
    var b = body();
    if (b.value === null || !(b.value >= 0)) { $("rd-error").textContent = t("Give the concentration (0 or more)"); return; }
    if (b.station_kind === "point" && !R.point) { $("rd-error").textContent = t("Tap the river on the map where the sample was taken"); return; }
    $("rd-submit").disabled = true;
    WG.workspace.write("POST", cfg.api + "/incidents/" + WG.workspace.incident.id + "/readings", b)
      .then(function () {
        WG.toast(t("Reading saved"));
        $("rd-value").value = ""; $("rd-below").checked = false; resetTime();
      })
      .catch(function (err) { $("rd-error").textContent = fieldError(err); })
      .then(function () { $("rd-submit").disabled = false; });
  });

  // ---- upload ----------------------------------------------------------------------------
  $("rd-upload").addEventListener("click", function () {
    var file = $("rd-file").files[0], out = $("rd-upload-report");
    if (!file || !WG.workspace.incident) { out.textContent = t("Choose a CSV or Excel file first"); return; }
    var fd = new FormData();
    fd.append("file", file);
    fd.append("expected_version", String(WG.workspace.incident.version));
    out.textContent = t("Loading…");
    fetch(cfg.api + "/incidents/" + WG.workspace.incident.id + "/readings/upload", {
      method: "POST", body: fd, credentials: "same-origin",
      headers: { "X-CSRFToken": cfg.csrf, Accept: "application/json" },
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (res) {
        if (r.ok) {
          out.innerHTML = '<p class="ok">' + esc(t("{n} readings stored", { n: res.stored })) +
            (res.encoding ? " · " + esc(t("file encoding")) + " " + esc(res.encoding) : "") + "</p>";
          $("rd-file").value = "";
          WG.workspace.refresh();
          return;
        }
        if (r.status === 409) WG.workspace.refresh();
        var rows = res.rows || [];
        out.innerHTML = '<p class="error">' + esc(res.error || ("HTTP " + r.status)) + "</p>" + (rows.length ?
          '<table class="grid"><thead><tr><th>' + esc(t("Line")) + "</th><th>" + esc(t("Field")) + "</th><th>" + esc(t("Problem")) +
          "</th></tr></thead><tbody>" + rows.map(function (x) {
            return "<tr><td class=\"num\">" + esc(x.line) + "</td><td>" + esc(x.field) + "</td><td>" + esc(x.message) + "</td></tr>";
          }).join("") + "</tbody></table>" : "");
      });
    }).catch(function (err) { out.textContent = String(err); });
  });

  // ---- the readings -----------------------------------------------------------------------
  function stationLabel(x) {
    if (x.station_kind === "point") return t("Point") + " " + x.reach_code + " +" + Math.round(x.measure_m) + " m" + (x.snap_m ? " (" + t("{m} m from the river", { m: Math.round(x.snap_m) }) + ")" : "");
    return (x.station_name || "") + " " + (x.station_code || "");
  }
  function drawTable() {
    var tb = $("rd-table").querySelector("tbody");
    var canRemove = REMOVE.indexOf(role) >= 0;
    tb.innerHTML = R.list.length ? R.list.map(function (x) {
      var v = (x.below_detection ? "<" : "") + F.num(x.value_mg_l);
      return '<tr class="qa-' + esc(x.qa_flag) + '"><td>' + esc(when(x.sampled_at)) + "</td><td>" + esc(stationLabel(x)) +
        '</td><td class="num">' + esc(v) + "</td><td>" + esc(t(x.qa_flag)) + "</td><td>" + esc(t("source_" + x.source)) + "</td><td>" +
        (canRemove ? '<button type="button" class="btn rd-remove" data-id="' + x.id + '" title="' + esc(t("Remove")) + '">×</button>' : "") + "</td></tr>";
    }).join("") : '<tr><td colspan="6" class="muted">' + esc(t("No readings yet.")) + "</td></tr>";
    layer.clearLayers();
    R.list.forEach(function (x) {
      L.circleMarker([x.lat, x.lon], { radius: 6, color: "#4a148c", weight: 2, fillColor: x.below_detection ? "#fff" : "#ba68c8", fillOpacity: 0.9 })
        .bindTooltip(stationLabel(x) + ": " + (x.below_detection ? "<" : "") + F.num(x.value_mg_l) + " mg/L · " + when(x.sampled_at))
        .addTo(layer);
    });
  }
  $("rd-table").addEventListener("click", function (e) {
    var b = e.target.closest(".rd-remove");
    if (!b) return;
    if (!b.dataset.armed) {  // a second tap confirms (no browser dialog)
      b.dataset.armed = "1"; b.textContent = t("Remove?"); b.classList.add("btn-danger");
      WG.toast(t("Remove this reading? The timeline keeps it."));
      setTimeout(function () { delete b.dataset.armed; b.textContent = "×"; b.classList.remove("btn-danger"); }, 4000);
      return;
    }
    WG.workspace.write("DELETE", cfg.api + "/incidents/" + WG.workspace.incident.id + "/readings/" + b.dataset.id,
      { reason: t("entered by mistake") })
      .catch(function (err) { WG.toast(fieldError(err), "error"); });
  });

  // ---- observed against predicted ------------------------------------------------------
  var chartLib = null;
  function withChart(fn) {
    if (window.Chart) { fn(); return; }
    if (!chartLib) {
      chartLib = new Promise(function (resolve, reject) {
        var s = document.querySelector('script[src="' + cfg.chart_js + '"]');
        if (!s) { s = document.createElement("script"); s.src = cfg.chart_js; document.head.appendChild(s); }
        s.addEventListener("load", resolve); s.addEventListener("error", reject);
      });
    }
    chartLib.then(fn);
  }
  function fillCompare() {
    var sel = $("rd-compare-station"), keep = sel.value;
    var sts = (R.compare && R.compare.stations) || [];
    sel.innerHTML = sts.map(function (s, i) {
      return '<option value="' + i + '">' + esc((s.name || s.station_code || s.reach_code) + " · " + t("{n} readings", { n: s.readings.length })) + "</option>";
    }).join("");
    sel.hidden = !sts.length;
    if (keep && +keep < sts.length) sel.value = keep;
    drawCompare();
  }
  $("rd-compare-station").addEventListener("change", drawCompare);

  function skillText(s) {
    var k = s.skill, out = [];
    if (!s.predicted.length) out.push(t("The forecast expects no pollutant here (beyond its path or horizon)."));
    if (k.n_readings < MIN_READINGS) {
      out.push(t("Too few readings to judge ({n} valid, at least {min} needed).", { n: k.n_readings, min: MIN_READINGS }));
      return out;
    }
    if (k.arrival_error_h !== null) {
      out.push(t("Arrival error (observed − predicted): {h} h", { h: (k.arrival_error_h > 0 ? "+" : "") + F.num(k.arrival_error_h, 1) }) +
        " (" + t("threshold {c} mg/L", { c: F.num(k.threshold_mg_l) }) + ")");
    } else {
      out.push(t("Arrival error: not yet (no reading reached the threshold of {c} mg/L)", { c: F.num(k.threshold_mg_l || 0) }));
    }
    if (k.peak_ratio !== null) {
      out.push(t("Peak ratio (observed max / predicted max): {r}", { r: F.num(k.peak_ratio, 2) }) +
        (k.peak_bracketed ? "" : " — " + t("the readings do not span the predicted peak time: the highest reading may have missed the peak")));
    }
    return out;
  }

  function drawCompare() {
    var sts = (R.compare && R.compare.stations) || [];
    var s = sts[+$("rd-compare-station").value || 0];
    $("rd-skill").innerHTML = s ? skillText(s).map(function (l) { return "<p>" + esc(l) + "</p>"; }).join("")
      : '<p class="muted">' + esc(t("No readings yet.")) + "</p>";
    if (R.chart) { R.chart.destroy(); R.chart = null; }
    if (!s) return;
    withChart(function () {
      if (R.chart) { R.chart.destroy(); R.chart = null; }
      var ok = s.readings.filter(function (p) { return p.qa_flag !== "invalid"; });
      var bad = s.readings.filter(function (p) { return p.qa_flag === "invalid"; });
      var pt = function (p) { return { x: p.t_h, y: p.value_mg_l, when: p.sampled_at, below: p.below_detection }; };
      var ds = [{ label: t("Predicted (current forecast)"), data: s.predicted.map(function (p) { return { x: p[0], y: p[1] }; }),
        borderColor: "#1565c0", backgroundColor: "rgba(21,101,192,.12)", fill: true, pointRadius: 0, borderWidth: 2 },
      { label: t("Observed"), type: "scatter", data: ok.map(pt), backgroundColor: "#6a1b9a", borderColor: "#6a1b9a",
        pointStyle: ok.map(function (p) { return p.below_detection ? "triangle" : "circle"; }), pointRadius: 5 }];
      if (bad.length) ds.push({ label: t("invalid"), type: "scatter", data: bad.map(pt), backgroundColor: "#9e9e9e", pointStyle: "crossRot", pointRadius: 6 });
      if (s.limit_mg_l) {
        var xs = ds[0].data.concat(ds[1].data).map(function (p) { return p.x; });
        ds.push({ label: t("Limit") + " " + s.limit_mg_l + " mg/L", data: [{ x: Math.min.apply(null, xs.concat([0])), y: s.limit_mg_l },
          { x: Math.max.apply(null, xs.concat([1])), y: s.limit_mg_l }], borderColor: "#d50000", borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 });
      }
      R.chart = new window.Chart($("rd-chart"), {
        type: "line", data: { datasets: ds },
        options: { animation: false, responsive: true, maintainAspectRatio: false,
          scales: { x: { type: "linear", title: { display: true, text: t("hours after the spill") } },
            y: { type: "linear", title: { display: true, text: "mg/L" }, beginAtZero: true } },
          plugins: { legend: { labels: { boxWidth: 12, font: { size: 11 } } },
            tooltip: { callbacks: { label: function (ctx) {
              var p = ctx.raw || {};
              return ctx.dataset.label + ": " + (p.below ? "<" : "") + F.num(ctx.parsed.y) + " mg/L @ " + F.num(ctx.parsed.x, 1) + " h" + (p.when ? " (" + when(p.when) + ")" : "");
            } } } } },
      });
    });
  }

  // ---- loading ------------------------------------------------------------------------------
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); });
  }
  var loadedVersion = null;
  function load(inc) {
    if (!inc || inc.version === loadedVersion) return;
    loadedVersion = inc.version;
    var base = cfg.api + "/incidents/" + inc.id + "/readings";
    getJSON(base).then(function (body) { R.list = body.readings || []; drawTable(); })
      .catch(function (err) { console.warn("readings", err); });
    if (sec.hidden) { R.stale = true; return; }
    getJSON(base + "/compare").then(function (body) { R.compare = body; R.stale = false; fillCompare(); })
      .catch(function (err) { console.warn("compare", err); });
  }
  // the comparison may run the model for points: only when the tab is shown
  document.querySelectorAll('#panel .tabs button[data-tab="readings"]').forEach(function (b) {
    b.addEventListener("click", function () {
      var inc = WG.workspace.incident;
      if (inc && (R.stale || !R.compare)) { loadedVersion = null; load(inc); }
    });
  });
  WG.workspace.subscribe(function (inc) { fillStations(inc); load(inc); });
})();
