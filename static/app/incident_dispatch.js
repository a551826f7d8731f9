// Dispatch and the plan checklist of the living incident (issue 14, items 6 and 7).
//
// Tab "dispatch": the incident's dispatches (a field team: its own) with their status,
// the time of each status, and the ETA at the target against the plume's worst-case
// arrival in the current forecast; officers dispatch from a depot and/or a team, and
// whoever may move a dispatch gets a button per allowed next status (on "returned": how
// much of each material was used, default none).
// Tab "plan": the river plan's steps on the server — ticks with who and when, due times
// from discovery, overdue steps in red. The analysis panel's own checklist
// (incident.js, ".checklist input[data-phase]") shows and sets the same ticks.
// Both reload whenever WG.workspace reports a change.
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, F = WG.F, cfg = WG.cfg;
  var $ = function (id) { return document.getElementById(id); };
  var role = (cfg.user && cfg.user.role) || null;
  var OFFICER = role === "duty_officer" || role === "leader" || role === "admin";
  var STATUSES = ["dispatched", "en_route", "on_site", "deployed", "returned"];
  var D = WG.dispatch = { list: [], plan: null, incidentId: null, returning: null };
  var shownTab = false;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (!r.ok) { var e = new Error((body && body.error) || "HTTP " + r.status); e.status = r.status; throw e; }
          return body;
        });
      });
  }
  // a write carrying the incident's version, like WG.workspace.write, but a 409 that is
  // not about the version (stock short, a status that moved) is this tab's to explain
  function write(method, url, body) {
    var inc = WG.workspace.incident;
    if (!inc) return Promise.reject(new Error("no incident"));
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, Accept: "application/json" },
      body: JSON.stringify(Object.assign({}, body, { expected_version: inc.version })),
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (res) {
        if (!r.ok) {
          var e = new Error((res && res.error) || "HTTP " + r.status); e.status = r.status; e.body = res;
          if (r.status === 409 && res && res.fields && res.fields.expected_version) {
            WG.toast(t("Another officer changed this incident: it was reloaded, check and try again"), "error");
            WG.workspace.refresh();
          }
          throw e;
        }
        return WG.workspace.refresh().then(function () { return res; });
      });
    });
  }
  function nameOf(x, zh, en) { return cfg.lang === "en" ? (x[en] || x[zh]) : (x[zh] || x[en]); }
  function when(iso) { return iso ? F.clock(new Date(iso)) : "–"; }
  function errorText(err) {
    var b = err && err.body, parts = [];
    if (b && b.fields) Object.keys(b.fields).forEach(function (k) { parts.push(k + ": " + b.fields[k]); });
    return (err && err.message || String(err)) + (parts.length ? " (" + parts.join("; ") + ")" : "");
  }

  // ---- loading -------------------------------------------------------------------------
  function reload(inc) {
    if (!inc || !cfg.user || !cfg.user.name) return;
    D.incidentId = inc.id;
    var base = cfg.api + "/incidents/" + inc.id;
    getJSON(base + "/dispatches").then(function (body) { D.list = body.dispatches || []; renderList(); })
      .catch(function (err) { $("dispatch-list").innerHTML = '<li class="error">' + esc(errorText(err)) + "</li>"; });
    getJSON(base + "/plan").then(function (body) { D.plan = body; renderPlan(); bindPanel(); })
      .catch(function (err) { $("plan-checklist").innerHTML = '<li class="error">' + esc(errorText(err)) + "</li>"; });
    if (OFFICER) fillForm(inc);
    if (role === "field_team" && !shownTab && WG.showTab) { shownTab = true; WG.showTab("dispatch"); }
  }

  // ---- the list ------------------------------------------------------------------------
  function mayMove(d) { return OFFICER || (role === "field_team" && d.mine); }

  function etaLine(d) {
    var cls = d.arrives_before_plume === false ? "late" : d.arrives_before_plume ? "ok" : "";
    var plume = d.on_path ? (d.plume_arrival_at ? when(d.plume_arrival_at) : t("not reached in the forecast"))
      : t("not on the current forecast's path");
    var slack = d.slack_h === null || d.slack_h === undefined ? "" :
      " · " + (d.slack_h >= 0 ? "+" : "−") + F.hours(Math.abs(d.slack_h)) +
      " " + (d.slack_h >= 0 ? t("before the plume") : t("after the plume"));
    return '<div class="eta ' + cls + '">' + esc(t("ETA")) + " " + esc(when(d.eta_at)) +
      (d.times.on_site ? "" : " (" + esc(t("estimate")) + ", " + esc(F.hours(d.travel_h)) + ")") +
      " · " + esc(t("plume (worst case)")) + " " + esc(plume) + esc(slack) + "</div>";
  }

  function renderList() {
    var box = $("dispatch-list");
    if (!box) return;
    var typed = {};
    box.querySelectorAll(".dp-return input[data-material]").forEach(function (inp) { typed[inp.dataset.material] = inp.value; });
    var head = $("dispatch-head");
    if (head) head.textContent = role === "field_team" ? t("Dispatches of your team") : "";
    badge("dispatch", D.list.filter(function (d) {
      return d.status !== "returned" && d.arrives_before_plume === false;
    }).length, t("after the plume"));
    if (!D.list.length) { box.innerHTML = '<li class="muted">' + esc(t("No dispatches yet.")) + "</li>"; return; }
    box.innerHTML = D.list.slice().reverse().map(function (d) {
      var from = [d.depot_code ? nameOf(d, "depot_name", "depot_name_en") : null,
        d.team_code ? nameOf(d, "team_name", "team_name_en") : null].filter(Boolean).join(" + ");
      var mats = d.lines.map(function (ln) {
        return esc(nameOf(ln, "material_name", "material_name_en")) + " " + F.num(ln.quantity) + " " + esc(t(ln.unit)) +
          (ln.used !== null ? " (" + esc(t("used")) + " " + F.num(ln.used) + ")" : "");
      }).join(", ");
      var steps = STATUSES.map(function (s) {
        var at = d.times[s];
        return '<li class="' + (at ? "reached" : "") + (s === d.status ? " current" : "") + '">' +
          esc(t("dispatch_" + s)) + (at ? " <span>" + esc(when(at)) + "</span>" : "") + "</li>";
      }).join("");
      var buttons = mayMove(d) ? d.next_statuses.map(function (s) {
        return '<button type="button" class="btn dp-move" data-id="' + d.id + '" data-status="' + s + '">' +
          esc(t("dispatch_" + s)) + "</button>";
      }).join("") : "";
      return '<li class="dispatch-card status-' + esc(d.status) + '" data-id="' + d.id + '"><div><b>#' + d.id + " " +
        esc(from) + " → " + esc(d.target_name || d.target_code) + "</b></div>" +
        (mats ? '<div class="muted">' + mats + (d.stock_taken ? "" : " · " + esc(t("drill: stock not taken"))) +
          "</div>" : "") + etaLine(d) +
        '<ol class="dp-steps">' + steps + "</ol>" + (d.note ? '<div class="muted">' + esc(d.note) + "</div>" : "") +
        (buttons ? '<div class="dp-actions">' + buttons + "</div>" : "") + "</li>";
    }).join("");
    var open = D.returning && D.list.filter(function (x) { return x.id === D.returning && x.status !== "returned"; })[0];
    if (open) openReturn(open, typed); else D.returning = null;
  }

  function move(id, status, used) {
    var d = D.list.filter(function (x) { return x.id === id; })[0];
    if (!d) return;
    var body = { status: status, from_status: d.status };
    if (used) body.used = used;
    write("POST", cfg.api + "/incidents/" + D.incidentId + "/dispatches/" + id + "/status", body)
      .then(function () { D.returning = null; WG.toast(t("Status: {s}", { s: t("dispatch_" + status) })); })
      .catch(function (err) { WG.toast(errorText(err), "error"); reload(WG.workspace.incident); });
  }

  // on "returned" with materials: an inline form asks how much of each was used (default
  // none; the rest goes back to the depot), kept open across the list's refreshes
  function returnForm(d) {
    return '<div class="dp-return" data-id="' + d.id + '"><div class="muted">' +
      esc(t("How much was used? The rest goes back to the depot.")) + "</div>" + d.lines.map(function (ln) {
        return '<label class="dp-mat"><span>' + esc(nameOf(ln, "material_name", "material_name_en")) + " (" +
          F.num(ln.quantity) + " " + esc(t(ln.unit)) + ')</span><input type="number" min="0" step="any" inputmode="decimal" max="' +
          ln.quantity + '" data-material="' + esc(ln.material_code) + '" placeholder="0"></label>';
      }).join("") + '<button type="button" class="btn btn-primary dp-confirm-return" data-id="' + d.id + '">' +
      esc(t("Confirm return")) + "</button></div>";
  }

  function openReturn(d, values) {
    var card = document.querySelector('#dispatch-list li.dispatch-card[data-id="' + d.id + '"]');
    if (!card || card.querySelector(".dp-return")) return;
    card.insertAdjacentHTML("beforeend", returnForm(d));
    Object.keys(values || {}).forEach(function (code) {
      var inp = card.querySelector('.dp-return input[data-material="' + code + '"]');
      if (inp) inp.value = values[code];
    });
  }

  function confirmReturn(id) {
    var d = D.list.filter(function (x) { return x.id === id; })[0];
    if (!d) return;
    var used = [], bad = false;
    document.querySelectorAll('#dispatch-list .dp-return[data-id="' + id + '"] input[data-material]').forEach(function (inp) {
      var n = inp.value === "" ? 0 : Number(inp.value), max = Number(inp.max);
      if (!(n >= 0 && n <= max)) { bad = true; inp.classList.add("invalid"); }
      used.push({ material_code: inp.dataset.material, used: n });
    });
    if (bad) { WG.toast(t("Give a number from 0 to the quantity dispatched"), "error"); return; }
    move(id, "returned", used);
  }

  document.addEventListener("click", function (e) {
    var c = e.target.closest && e.target.closest("button.dp-confirm-return");
    if (c) { c.disabled = true; confirmReturn(+c.dataset.id); return; }
    var b = e.target.closest && e.target.closest("button.dp-move");
    if (!b) return;
    var d = D.list.filter(function (x) { return x.id === +b.dataset.id; })[0];
    if (d && b.dataset.status === "returned" && d.lines.length && d.depot_code) {
      D.returning = d.id;
      openReturn(d);
      return;
    }
    b.disabled = true;
    move(+b.dataset.id, b.dataset.status);
  });

  // ---- the form (officers) -------------------------------------------------------------
  function options(rows, withNone, label) {
    return (withNone ? '<option value="">' + esc(t("none")) + "</option>" : "") + rows.map(function (x) {
      return '<option value="' + esc(x.code) + '">' + esc(label(x)) + "</option>";
    }).join("");
  }

  function fillForm(inc) {
    var form = $("dispatch-form");
    var res = inc.result || {};
    var key = [res.receptors, res.depots, res.teams].map(function (rows) {
      return (rows || []).map(function (x) { return x.code + ":" + (x.worst ? x.worst.arrival_h : x.travel_h); }).join(",");
    }).join("|");
    if (!form || form.dataset.filled === key) return;
    var keep = { t: $("dp-target").value, d: $("dp-depot").value, m: $("dp-team").value };
    var targets = (res.receptors || []).slice().sort(function (a, b) {
      return (a.kind === "interception" ? 0 : 1) - (b.kind === "interception" ? 0 : 1) || a.river_km - b.river_km;
    });
    $("dp-target").innerHTML = options(targets, false, function (r) {
      return nm(r) + " · " + t("rk_" + r.kind) + " · " + t("worst") + " " + F.hours(r.worst && r.worst.arrival_h);
    });
    $("dp-depot").innerHTML = options(res.depots || [], true, function (x) {
      return nm(x) + (x.travel_h !== null ? " · " + F.hours(x.travel_h) : "");
    });
    $("dp-team").innerHTML = options(res.teams || [], true, function (x) {
      return nm(x) + (x.travel_h !== null ? " · " + F.hours(x.travel_h) : "");
    });
    if (keep.t) $("dp-target").value = keep.t;
    if (keep.d) $("dp-depot").value = keep.d;
    if (keep.m) $("dp-team").value = keep.m;
    form.dataset.filled = key;
    if ($("dp-depot").value !== (form.dataset.depot || "")) showStock();
  }
  function nm(x) { return WG.nm ? WG.nm(x) : (x.name || x.code); }

  function showStock() {
    var code = $("dp-depot").value, box = $("dp-materials"), form = $("dispatch-form");
    var typed = {};  // what the officer typed stays when the same depot's stock is re-read
    if (form.dataset.depot === code) {
      box.querySelectorAll("input[data-material]").forEach(function (inp) { typed[inp.dataset.material] = inp.value; });
    }
    form.dataset.depot = code;
    if (!code) { box.innerHTML = ""; return; }
    var fill = function (body) {
      box.innerHTML = '<div class="muted">' + esc(t("Quantities to send (in stock now)")) + "</div>" +
        body.stock.map(function (m) {
          return '<label class="dp-mat"><span>' + esc(nameOf(m, "name", "name_en")) + " (" + F.num(m.quantity) + " " +
            esc(t(m.unit)) + ')</span><input type="number" min="0" step="any" data-material="' + esc(m.material_code) +
            '" max="' + m.quantity + '" placeholder="0"></label>';
        }).join("");
      box.querySelectorAll("input[data-material]").forEach(function (inp) {
        if (typed[inp.dataset.material]) inp.value = typed[inp.dataset.material];
      });
    };
    getJSON(cfg.api + "/depots/" + encodeURIComponent(code) + "/stock").then(fill).catch(function (err) { box.innerHTML = '<div class="error">' + esc(errorText(err)) + "</div>"; });
  }

  function submit(e) {
    e.preventDefault();
    var mats = [];
    document.querySelectorAll("#dp-materials input[data-material]").forEach(function (inp) {
      if (inp.value !== "" && Number(inp.value) !== 0) mats.push({ material_code: inp.dataset.material, quantity: Number(inp.value) });
    });
    var body = { target_code: $("dp-target").value, depot_code: $("dp-depot").value || null,
      team_code: $("dp-team").value || null, materials: mats, note: $("dp-note").value.trim() };
    if ($("dp-at").value) body.at = new Date($("dp-at").value).toISOString();  // the browser's local time
    var btn = $("dp-submit");
    btn.disabled = true;
    $("dp-error").textContent = "";
    write("POST", cfg.api + "/incidents/" + D.incidentId + "/dispatch", body).then(function (row) {
      WG.toast(t("Dispatched (#{id})", { id: row.id }));
      $("dp-note").value = "";
      $("dp-at").value = "";
      $("dispatch-form").dataset.depot = "";  // sent: the quantities start empty again
      showStock();
    }).catch(function (err) {
      var avail = err.body && err.body.current && err.body.current.available;
      $("dp-error").textContent = errorText(err) + (avail ? " — " + t("available") + ": " + Object.keys(avail).map(function (k) {
        return k + " " + F.num(avail[k]);
      }).join(", ") : "");
      if (avail) showStock();
    }).then(function () { btn.disabled = false; });
  }

  function wireForm() {
    var form = $("dispatch-form");
    if (!form) return;
    form.addEventListener("submit", submit);
    $("dp-depot").addEventListener("change", showStock);
  }

  // a red count on a tab's button (overdue steps, dispatches late for the plume)
  function badge(tab, n, title) {
    var btn = document.querySelector('#panel .tabs button[data-tab="' + tab + '"]');
    if (!btn) return;
    var b = btn.querySelector(".tab-badge");
    if (!n) { if (b) b.remove(); return; }
    if (!b) { b = document.createElement("span"); b.className = "tab-badge"; btn.appendChild(b); }
    b.textContent = String(n);
    b.title = title;
  }

  // ---- the plan checklist ----------------------------------------------------------------
  function planRows() { return (D.plan && D.plan.steps) || []; }
  function isOverdue(s) { return !s.done && s.due_at && new Date(s.due_at).getTime() < Date.now(); }

  function renderPlan() {
    var box = $("plan-checklist");
    if (!box || !D.plan) return;
    $("plan-head").textContent = (D.plan.title || "") + (D.plan.discovered_at ? " · " + t("due times from discovery") +
      " " + when(D.plan.discovered_at) : "");
    var steps = planRows();
    badge("plan", steps.filter(isOverdue).length, t("overdue"));
    if (!steps.length) { box.innerHTML = '<li class="muted">' + esc(t("No plan steps for this incident.")) + "</li>"; return; }
    box.innerHTML = steps.map(function (s) {
      var text = cfg.lang === "en" ? s.text_en || s.text : s.text;
      var over = isOverdue(s);
      return '<li class="' + (s.done ? "done" : "") + (over ? " overdue" : "") + '"><label><input type="checkbox" data-phase="' +
        esc(s.phase) + '" data-order="' + s.order + '"' + (s.done ? " checked" : "") + (OFFICER ? "" : " disabled") +
        '> <span class="phase phase-' + esc(s.phase) + '">' + esc(t("phase_" + s.phase)) + "</span> " + esc(text) +
        '</label><div class="muted">' + esc(s.responsible || "") + " · " + esc(t("due")) + " " + esc(when(s.due_at)) +
        (s.due_from_plan ? "" : " (" + esc(t("default for the phase")) + ")") +
        (over ? ' · <b class="overdue-flag">' + esc(t("overdue")) + "</b>" : "") +
        (s.done ? " · ✔ " + esc(s.done_by || "") + " " + esc(when(s.done_at)) : "") + "</div></li>";
    }).join("");
  }

  // the analysis panel's checklist (incident.js) shows the server's ticks too
  function bindPanel() {
    var byKey = {};
    planRows().forEach(function (s) { byKey[s.phase + "-" + s.order] = s; });
    document.querySelectorAll("#results .checklist input[data-phase]").forEach(function (cb) {
      var s = byKey[cb.dataset.phase + "-" + cb.dataset.order];
      cb.checked = !!(s && s.done);
      cb.disabled = !(D.incidentId && OFFICER && s);
      cb.closest("li").classList.toggle("done", cb.checked);
      cb.title = s && s.done ? (s.done_by || "") + " " + when(s.done_at) : D.incidentId ? "" : t("Save the incident to tick plan steps");
    });
  }
  WG.syncChecklist = bindPanel;

  function tick(cb) {
    if (!D.incidentId || !OFFICER) { cb.checked = !cb.checked; return; }
    cb.disabled = true;
    var url = cfg.api + "/incidents/" + D.incidentId + "/plan/" + encodeURIComponent(cb.dataset.phase) + "/" + cb.dataset.order;
    write("PUT", url, { done: cb.checked }).then(function (state) {
      D.plan = state; renderPlan(); bindPanel();
    }).catch(function (err) {
      cb.checked = !cb.checked;
      WG.toast(errorText(err), "error");
    }).then(function () { cb.disabled = false; });
  }

  document.addEventListener("change", function (e) {
    var cb = e.target;
    if (cb && cb.matches && cb.matches(".checklist input[data-phase]")) tick(cb);
  });

  // overdue steps turn red as the clock passes their due time
  setInterval(function () { if (D.plan) renderPlan(); }, 30000);

  // a field team on "/" (no incident open): its open dispatches, linked to their incidents
  function showMine() {
    var list = $("incident-list");
    if (role !== "field_team" || cfg.incident_id || !list) return;
    getJSON(cfg.api + "/dispatches/mine").then(function (body) {
      var rows = body.dispatches || [];
      if (!rows.length) return;
      var box = document.createElement("div");
      box.id = "my-dispatches";
      box.innerHTML = "<h4>" + esc(t("Dispatches of your team")) + "</h4><ul class=\"incident-list\">" + rows.map(function (d) {
        return '<li><a href="/incidents/' + d.incident_id + '">#' + d.id + " " + esc(d.target_name || d.target_code) +
          "</a> · " + esc(t("dispatch_" + d.status)) + '<div class="muted">' + esc(d.incident_title || "") + "</div></li>";
      }).join("") + "</ul>";
      list.parentNode.insertBefore(box, list);
      if (WG.showTab) WG.showTab("list");
    }).catch(function () { /* shown on the incident page anyway */ });
  }

  wireForm();
  showMine();
  WG.workspace.subscribe(function (inc) { reload(inc); });
})();
