// The incident's timeline (issue 14): every event, newest first, with who, when and what;
// filtered by kind; a comment box (POST /api/v1/incidents/<id>/comments); links to the
// incident exported with its timeline. Subscribed to WG.workspace, which holds the events.
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, F = WG.F, cfg = WG.cfg;
  var W = WG.workspace;
  var $ = function (id) { return document.getElementById(id); };
  if (!W || !$("tab-timeline")) return;

  var KINDS = ["created", "facts_revised", "analysis_rerun", "level_changed", "status_changed",
    "closed", "comment", "reading_entered", "report_drafted", "report_issued", "alert_sent",
    "alert_acknowledged", "alert_ended", "dispatch_created", "dispatch_status",
    "plan_step_done", "plan_step_undone"];
  var kindSel = $("tl-kind");

  function kindLabel(k) { var s = t("ev_" + k); return s === "ev_" + k ? k : s; }
  function factLabel(k) { var s = t("fact_" + k); return s === "fact_" + k ? k : s; }

  kindSel.innerHTML = '<option value="">' + esc(t("All events")) + "</option>" + KINDS.map(function (k) {
    return '<option value="' + k + '">' + esc(kindLabel(k)) + "</option>";
  }).join("");

  function value(v) {
    if (v === null || v === undefined || v === "") return "—";
    if (typeof v === "object") return JSON.stringify(v);
    if (typeof v === "number") return F.num(v);
    return String(v);
  }

  function detail(ev) {
    var p = ev.payload || {};
    if (ev.kind === "facts_revised" && p.changes) {
      return (p.note ? '<div class="tl-note">' + esc(p.note) + "</div>" : "") + '<ul class="tl-changes">' +
        Object.keys(p.changes).map(function (k) {
          var c = p.changes[k];
          return "<li>" + esc(factLabel(k)) + ": <s>" + esc(value(c[0])) + "</s> → <b>" + esc(value(c[1])) + "</b></li>";
        }).join("") + "</ul>";
    }
    if (ev.kind === "level_changed") {
      return "<div>" + esc(p.from ? t("level_" + p.from) : "—") + " → <b>" + esc(p.to ? t("level_" + p.to) : "—") + "</b></div>";
    }
    if (ev.kind === "status_changed" || ev.kind === "closed") {
      return "<div>" + esc(t("st_" + p.from)) + " → <b>" + esc(t("st_" + p.to)) + "</b>" +
        (p.note ? " · " + esc(p.note) : "") + "</div>";
    }
    if (ev.kind === "analysis_rerun") {
      return "<div>" + esc(t("Forecast #{n}", { n: p.revision_no })) + (p.level ? " · " + esc(t("level_" + p.level)) : "") + "</div>";
    }
    return ev.summary ? '<div class="tl-summary">' + esc(ev.summary) + "</div>" : "";
  }

  function render() {
    var want = kindSel.value;
    var rows = (W.events || []).filter(function (e) { return !want || e.kind === want; }).slice().reverse();
    $("tl-list").innerHTML = rows.length ? rows.map(function (ev) {
      return '<li class="tl-item tl-' + esc(ev.kind) + '" data-kind="' + esc(ev.kind) + '" data-seq="' + ev.seq + '">' +
        '<div class="tl-head"><b>' + esc(kindLabel(ev.kind)) + "</b> <span class=\"muted\">#" + ev.seq + " · " +
        esc(ev.at ? F.clock(new Date(ev.at)) : "") + " · " + esc(ev.actor || "") +
        (ev.actor_role ? " (" + esc(t("role_" + ev.actor_role) !== "role_" + ev.actor_role ? t("role_" + ev.actor_role) : ev.actor_role) + ")" : "") +
        "</span></div>" + detail(ev) + "</li>";
    }).join("") : '<li class="muted">' + esc(t("No events of this kind")) + "</li>";
    document.body.dataset.timeline = String((W.events || []).length);
  }
  kindSel.addEventListener("change", render);

  function links(inc) {
    var base = cfg.api + "/incidents/" + inc.id;
    $("tl-json").href = base + "/export.json";
    $("tl-csv").href = base + "/timeline.csv";
    $("tl-xlsx").href = base + "/export.xlsx?download=1&lang=" + cfg.lang;
  }

  $("tl-comment").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("tl-text").value.trim();
    if (!text) return;
    var btn = $("tl-send");
    btn.disabled = true;
    $("tl-error").textContent = "";
    W.write("POST", cfg.api + "/incidents/" + W.incident.id + "/comments", { text: text })
      .then(function () { $("tl-text").value = ""; })
      .catch(function (err) { $("tl-error").textContent = err.message; })
      .then(function () { btn.disabled = false; });
  });

  W.subscribe(function (inc) {
    if (!inc) return;
    links(inc);
    var closed = inc.status === "closed";
    $("tl-text").disabled = closed;
    $("tl-send").disabled = closed;
    render();
  });
})();
