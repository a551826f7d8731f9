// The incident's facts and state (issue 14): the status and its next steps, the facts
// revised in the page (PATCH /api/v1/incidents/<id>/facts: only what changed is sent), and
// the forecasts kept per revision, an earlier one overlaid on the map (dashed, purple) over
// the current one. Subscribed to WG.workspace: a revision by anyone redraws the current
// forecast on every open page.
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, F = WG.F, cfg = WG.cfg, nm = WG.nm, map = WG.map;
  var W = WG.workspace;
  var $ = function (id) { return document.getElementById(id); };
  if (!W || !$("tab-facts")) return;

  var TRANSITIONS = { reported: ["responding", "closed"], responding: ["monitoring"],
    monitoring: ["responding", "closed"], closed: [] };
  var OLD_STYLE = { color: "#6a1b9a", weight: 4, opacity: 0.9, dashArray: "8 7", lineCap: "butt", pane: "resultPane" };
  var L_OLD = L.featureGroup();
  var S = { id: null, dirty: false, revisions: [], shown: null, confirmClose: false };
  var form = $("facts-form");

  // ---- status ---------------------------------------------------------------------------
  function statusLabel(s) { return t("st_" + s); }

  function renderStatus(inc) {
    var badge = $("fx-status");
    badge.textContent = statusLabel(inc.status);
    badge.className = "status-badge st-" + inc.status;
    $("fx-version").textContent = t("version {v}", { v: inc.version });
    document.body.dataset.incidentStatus = inc.status;
    var box = $("fx-status-actions");
    if (!box) return;
    var next = (TRANSITIONS[inc.status] || []).slice();
    if (inc.status === "closed" && cfg.user.role === "admin") next = ["monitoring"];
    box.innerHTML = next.map(function (s) {
      var label = inc.status === "closed" ? t("Reopen (monitoring)") :
        (s === "closed" && S.confirmClose ? t("Confirm: close the incident") : t("Move to: {status}", { status: statusLabel(s) }));
      return '<button type="button" class="btn' + (s === "closed" ? " btn-danger" : "") + '" data-status="' + s + '">' + esc(label) + "</button>";
    }).join("") || '<span class="muted">' + esc(t("Closed: only an admin can reopen it")) + "</span>";
    if (form) form.querySelectorAll("input, select, button").forEach(function (el) { el.disabled = inc.status === "closed"; });
  }

  var actions = $("fx-status-actions");
  if (actions) actions.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-status]");
    if (!b) return;
    var status = b.dataset.status;
    if (status === "closed" && !S.confirmClose) { S.confirmClose = true; renderStatus(W.incident); return; }
    S.confirmClose = false;
    b.disabled = true;
    W.write("POST", cfg.api + "/incidents/" + W.incident.id + "/status", { status: status })
      .then(function () { WG.toast(t("Status: {status}", { status: statusLabel(status) })); })
      .catch(function (err) { WG.toast(err.message, "error"); renderStatus(W.incident); });
  });

  // ---- the facts form -------------------------------------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localIso(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d)) return "";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function offsetIso(local) {
    var d = new Date(local);
    if (!local || isNaN(d)) return null;
    var off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return local + ":00" + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }
  function options(sel, items, current, blank) {
    sel.innerHTML = (blank ? '<option value="">' + esc(blank) + "</option>" : "") + items.map(function (p) {
      return '<option value="' + esc(p.code) + '"' + (p.code === current ? " selected" : "") + ">" + esc(nm(p)) + " (" + esc(p.code) + ")</option>";
    }).join("");
  }
  function props(layer) {
    var fc = (WG.data || {})[layer] || { features: [] };
    return fc.features.map(function (f) { return f.properties; });
  }

  function facts() { return (W.incident && W.incident.facts) || {}; }
  function casualties(f) {
    var c = f.casualties;
    return typeof c === "object" && c ? c : { deaths: c || 0, poisoned: 0 };
  }

  function fillForm() {
    if (!form || S.dirty) return;
    var f = facts(), loc = f.location || {}, rel = f.release || {}, c = casualties(f);
    $("fx-coords").value = loc.lon != null ? loc.lon + ", " + loc.lat : "";
    options($("fx-enterprise"), props("enterprises"), f.enterprise || "", "—");
    options($("fx-pollutant"), props("pollutants"), f.pollutant || "");
    $("fx-mass").value = rel.mass_kg != null ? rel.mass_kg : "";
    $("fx-duration").value = rel.duration_h != null ? rel.duration_h : 0;
    $("fx-deaths").value = c.deaths || 0;
    $("fx-poisoned").value = c.poisoned || 0;
    $("fx-evacuated").value = f.evacuated || 0;
    $("fx-loss").value = f.loss_cny || 0;
    $("fx-start").value = localIso(f.started_at);
    $("fx-discovered").value = localIso(f.discovered_at);
    $("fx-note").value = "";
    $("fx-error").innerHTML = "";
  }

  function changedBody() {
    var f = facts(), loc = f.location || {}, rel = f.release || {}, c = casualties(f), body = {};
    var ent = $("fx-enterprise").value;
    if (ent && ent !== (f.enterprise || "")) body.enterprise = ent;
    var ll = F.parseCoords($("fx-coords").value);
    if (!body.enterprise && ll && (Math.abs(ll.lon - loc.lon) > 1e-7 || Math.abs(ll.lat - loc.lat) > 1e-7)) {
      body.location = { lon: ll.lon, lat: ll.lat };
    }
    if ($("fx-pollutant").value && $("fx-pollutant").value !== f.pollutant) body.pollutant = $("fx-pollutant").value;
    [["fx-mass", "mass_kg", rel.mass_kg], ["fx-duration", "duration_h", rel.duration_h],
      ["fx-deaths", "casualties_deaths", c.deaths || 0], ["fx-poisoned", "casualties_poisoned", c.poisoned || 0],
      ["fx-evacuated", "evacuated", f.evacuated || 0], ["fx-loss", "loss_cny", f.loss_cny || 0]].forEach(function (x) {
      var raw = $(x[0]).value;
      if (raw === "") return;
      var v = Number(raw);
      if (v !== Number(x[2])) body[x[1]] = v;
    });
    [["fx-start", "started_at"], ["fx-discovered", "discovered_at"]].forEach(function (x) {
      var v = $(x[0]).value;
      if (v && v !== localIso(f[x[1]])) body[x[1]] = offsetIso(v);
    });
    if ($("fx-coords").value.trim() && !ll) body.location = "?";
    // a mass or duration typed here makes a rate series a constant release of them
    if (rel.rate_series && (body.mass_kg !== undefined || body.duration_h !== undefined)) {
      body.rate_series = null;
    }
    return body;
  }

  function showErrors(err) {
    var b = err.body || {}, fields = b.fields ? Object.keys(b.fields) : [];
    $("fx-error").innerHTML = esc(err.message) + (fields.length ? "<ul>" + fields.map(function (k) {
      return "<li>" + esc(t("fact_" + k) !== "fact_" + k ? t("fact_" + k) : k) + "</li>";
    }).join("") + "</ul>" : "");
  }

  if (form) {
    form.addEventListener("input", function () { S.dirty = true; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = changedBody();
      if (body.location === "?") { $("fx-error").textContent = t("Give the spill location: pick it on the map or type coordinates"); return; }
      if (!Object.keys(body).length) { $("fx-error").textContent = t("Nothing changed"); return; }
      if ($("fx-note").value.trim()) body.note = $("fx-note").value.trim();
      var btn = $("fx-submit");
      btn.disabled = true; btn.classList.add("busy");
      W.write("PATCH", cfg.api + "/incidents/" + W.incident.id + "/facts", body).then(function (res) {
        S.dirty = false;
        fillForm();
        WG.toast(t("Forecast #{n} made from the revised facts", { n: res.revision_no }));
      }).catch(function (err) {
        if (err.status === 409) { S.dirty = false; fillForm(); }
        showErrors(err);
      }).then(function () { btn.disabled = false; btn.classList.remove("busy"); });
    });
  }

  // ---- forecasts (revisions) --------------------------------------------------------------
  function loadRevisions() {
    var id = W.incident.id;
    return fetch(cfg.api + "/incidents/" + id + "/revisions", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (body) {
        S.revisions = body.revisions || [];
        var sel = $("fx-revision"), keep = S.shown;
        sel.innerHTML = '<option value="">' + esc(t("Current forecast only")) + "</option>" +
          S.revisions.slice(0, -1).reverse().map(function (r) {
            return '<option value="' + r.revision_no + '"' + (keep === r.revision_no ? " selected" : "") + ">" +
              esc(t("Forecast #{n}", { n: r.revision_no })) + " · " + esc(F.clock(new Date(r.created_at))) +
              (r.level ? " · " + esc(t("level_" + r.level)) : "") + (r.created_by ? " · " + esc(r.created_by) : "") + "</option>";
          }).join("");
        var cur = S.revisions[S.revisions.length - 1];
        $("fx-rev-info").textContent = cur ? t("Current forecast: #{n}", { n: cur.revision_no }) : "";
        document.body.dataset.revisions = String(S.revisions.length);
      })
      .catch(function (err) { console.warn("revisions", err); });
  }

  function lines(feature) {
    var g = feature.geometry || {};
    if (g.type === "LineString") return [g.coordinates];
    if (g.type === "MultiLineString") return g.coordinates;
    return [];
  }

  function overlay(n) {
    L_OLD.clearLayers();
    S.shown = n || null;
    $("fx-rev-hide").hidden = !n;
    document.body.dataset.overlay = n ? String(n) : "";
    if (!n) { map.removeLayer(L_OLD); return Promise.resolve(); }
    return fetch(cfg.api + "/incidents/" + W.incident.id + "/revisions/" + n, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (rev) {
        if (S.shown !== n) return;
        var res = rev.result || {};
        ((res.path || {}).features || []).forEach(function (f) {
          lines(f).forEach(function (coords) {
            L.polyline(coords.map(function (c) { return [c[1], c[0]]; }), OLD_STYLE)
              .bindTooltip(esc(t("Forecast #{n}", { n: n })), { sticky: true }).addTo(L_OLD);
          });
        });
        (res.receptors || []).forEach(function (r) {
          if (r.lat == null || r.arrival_h == null) return;
          L.circleMarker([r.lat, r.lon], { radius: 9, color: OLD_STYLE.color, weight: 2, dashArray: "3 3", fill: false, pane: "resultPane" })
            .bindTooltip(esc(t("Forecast #{n}", { n: n })) + " · " + esc(nm(r)) + "<br>" + esc(t("Arrival")) + " " + F.hours(r.arrival_h) +
              " · " + esc(t("Peak")) + " " + F.num(r.peak_conc_mgl) + " mg/L")
            .addTo(L_OLD);
        });
        L_OLD.addTo(map);
        document.body.dataset.overlayDrawn = String(n);
      })
      .catch(function (err) { WG.toast(err.message, "error"); });
  }
  $("fx-revision").addEventListener("change", function () { overlay(+this.value || null); });
  $("fx-rev-hide").addEventListener("click", function () { $("fx-revision").value = ""; overlay(null); });

  // ---- following the workspace ------------------------------------------------------------
  function activeTab() {
    var b = document.querySelector("#panel .tabs button.active[data-tab]");
    return b ? b.dataset.tab : null;
  }

  W.subscribe(function (inc, fresh) {
    if (!inc) return;
    var initial = inc.id !== S.id;  // attached now: the page drew this forecast already
    S.id = inc.id;
    if (initial) { S.dirty = false; overlay(null); }
    renderStatus(inc);
    var rerun = (fresh || []).some(function (e) { return e.kind === "analysis_rerun"; });
    if (initial || rerun) {
      loadRevisions();
      if (rerun && !initial && WG.showResult) {
        var tab = activeTab();
        WG.showResult(inc.request, inc.result);  // the new current forecast
        if (tab && WG.showTab) WG.showTab(tab);
        if (S.shown) overlay(S.shown);
      }
      fillForm();
    }
  });
  document.addEventListener("wg:ready", fillForm);
})();
