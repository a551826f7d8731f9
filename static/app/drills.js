/* Drills (issue 15, item 5): start a drill from a scenario with injects, tick it while the
 * tab is open (no daemon: each tick plays the injects whose drill time has come), show the
 * clock, the injects, the score and the report links. */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, cfg = WG.cfg;
  var API = cfg.api + "/drills", timer = null;
  function $(id) { return document.getElementById(id); }
  if (!$("tab-drills")) return;
  function send(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) { return r.json().then(function (j) { if (!r.ok) throw j; return j; }); });
  }
  function fail(e) {
    $("drl-error").textContent = e && e.error ? e.error + " (" + Object.keys(e.fields || {}).join(", ") + ")" : t("Request failed");
  }
  function show(d) {
    $("drl-error").textContent = "";
    $("drl-id").value = d.id;
    var rows = d.injects.map(function (i) {
      return "<tr><td>T+" + i.at_h + " h</td><td>" + esc(i.kind) + "</td><td>" +
        esc(i.error ? i.error : i.played_at ? t("played") : t("not yet")) + "</td></tr>";
    }).join("");
    $("drl-state").innerHTML = "<p><a href='" + esc(d.url) + "'>" + esc(d.name) + "</a> ×" + d.speed +
      " · T+" + d.drill_now_h.toFixed(2) + " h · " + esc(d.status) + "</p>" +
      "<table class='data'><tbody>" + rows + "</tbody></table>" +
      "<p><button type='button' class='btn' id='drl-score'>" + esc(t("Drill score")) + "</button> " +
      "<a href='" + API + "/" + d.id + "/report.docx'>DOCX</a> · <a href='" + API + "/" + d.id + "/report.pdf'>PDF</a></p>" +
      "<div id='drl-score-out'></div>";
    $("drl-score").addEventListener("click", function () {
      send("GET", API + "/" + d.id + "/score").then(function (s) {
        $("drl-score-out").innerHTML = "<p><strong>" + s.total + " / 100</strong></p><ul>" +
          s.criteria.map(function (c) {
            return "<li>" + esc(c.name) + ": " + esc(t("outcome_" + c.outcome)) +
              (c.late_h ? " +" + c.late_h.toFixed(2) + " h" : "") + "</li>";
          }).join("") + "</ul>";
      }, fail);
    });
  }
  function tick() {
    var id = Number($("drl-id").value);
    if (!id || $("tab-drills").hidden) return;
    send("POST", API + "/" + id + "/tick").then(function (out) {
      show(out.drill);
      if (out.played.length && WG.workspace && WG.workspace.refresh) WG.workspace.refresh();
    }, fail);
  }
  $("drl-start").addEventListener("click", function () {
    var injects;
    try { injects = JSON.parse($("drl-injects").value || "[]"); } catch (e) {
      $("drl-error").textContent = t("Injects must be a JSON list"); return;
    }
    send("POST", API, { scenario_id: Number($("drl-scenario").value), speed: Number($("drl-speed").value),
      injects: injects }).then(show, fail);
  });
  $("drl-id").addEventListener("change", function () {
    send("GET", API + "/" + Number($("drl-id").value)).then(show, fail);
  });
  timer = setInterval(tick, 5000);
  WG.drills = { tick: tick, timer: timer };
})();
