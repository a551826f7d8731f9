/* Risk screening (issue 15): start a province-wide or area run (planners), follow its
 * progress and cancel it, read the three rankings and draw them on the map: threat lines
 * (enterprise → threatened intake, coloured by warning time) and the intakes graduated by
 * the number of sources that threaten them. Shares window.WG with map.js. */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, cfg = WG.cfg, map = WG.map;
  var API = cfg.api + "/screenings";
  var POLL_MS = 1500;
  var layer = L.featureGroup();
  var overlayAdded = false;
  var current = null, timer = null;
  var area = WG.areaDraw;  // area_draw.js: the area drawn on the map

  function $(id) { return document.getElementById(id); }
  function mayStart() {
    var role = cfg.user && cfg.user.role;
    return role === "planner" || role === "admin";
  }
  function hours(v) { return v === null || v === undefined ? "–" : v.toFixed(1) + " h"; }
  // hours above the limit; one still running at the horizon is a lower bound
  function exceed(v, beyond) {
    return beyond && v !== null && v !== undefined ? t("≥ {h} (beyond horizon)", { h: hours(v) }) : hours(v);
  }
  function ratio(v) { return v === null || v === undefined ? "–" : v.toPrecision(3) + "×"; }

  function send(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf,
                 Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw j; return j; });
    });
  }
  function errorText(e) {
    if (!e || !e.error) return t("Request failed");
    var f = e.fields ? Object.keys(e.fields) : [];
    return e.error + (f.length ? " (" + f.join(", ") + ")" : "");
  }

  // ---- the form -----------------------------------------------------------------
  function body() {
    var seasons = Array.prototype.slice.call(
      document.querySelectorAll("#scr-form input[name=season]:checked")
    ).map(function (c) { return c.value; });
    var out = { seasons: seasons };
    var a = area.request();  // exactly the area on the map; throws when none is drawn
    if (a) out.area = a;
    return out;
  }
  if (!mayStart()) {
    $("scr-start").disabled = true;
    $("scr-start").title = t("Only planners may start or cancel a screening");
  }
  $("scr-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    $("scr-error").textContent = "";
    area.setError("");
    var b;
    try { b = body(); } catch (e) { area.setError(e.message); return; }
    send("POST", API, b).then(function (job) {
      area.showRun(job);
      follow(job);
    }, function (e) {
      if (area.isAreaError(e)) area.showError(e);
      else $("scr-error").textContent = errorText(e);
    });
  });
  $("scr-cancel").addEventListener("click", function () {
    if (!current) return;
    send("POST", API + "/" + current.id + "/cancel").then(follow, function (e) {
      $("scr-error").textContent = errorText(e);
    });
  });

  // ---- following a job ------------------------------------------------------------
  function follow(job) {
    current = job;
    clearTimeout(timer);
    document.body.dataset.screening = job.status;
    $("scr-job").hidden = false;
    var pct = Math.round((job.progress || 0) * 100);
    $("scr-bar").style.width = pct + "%";
    $("scr-status").textContent = t("Screening") + " #" + job.id + ": " +
      t("status_" + job.status) + " · " + job.spills_done + " / " + job.spills_total +
      " " + t("spills") + (job.error ? " · " + job.error : "") +
      (job.note ? " · " + job.note : "");
    $("scr-cancel").hidden = !(mayStart() && (job.status === "queued" || job.status === "running"));
    if (job.status === "queued" || job.status === "running") {
      timer = setTimeout(function () {
        fetch(API + "/" + job.id, { credentials: "same-origin" })
          .then(function (r) { return r.json(); }).then(follow);
      }, POLL_MS);
    } else if (job.status === "done") {
      showRankings(job.id);
    }
    loadList();
  }

  // ---- rankings and map layers ----------------------------------------------------------
  function table(title, head, rows) {
    var h = "<h4>" + esc(title) + "</h4><table class='scr-table'><thead><tr>" +
      head.map(function (c) { return "<th>" + esc(c) + "</th>"; }).join("") + "</tr></thead><tbody>";
    rows.forEach(function (r) {
      h += "<tr>" + r.map(function (c) { return "<td>" + esc(c) + "</td>"; }).join("") + "</tr>";
    });
    return h + "</tbody></table>";
  }
  function showRankings(id) {
    fetch(API + "/" + id + "/rankings?limit=20", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        var h = "<p class='scr-files'><a href='" + API + "/" + id + "/rankings.xlsx'>XLSX</a> · " +
          "<a href='" + API + "/" + id + "/layers.geojson'>GeoJSON</a></p>";
        if (d.inside) {
          var names = function (xs) { return xs.map(function (x) { return esc(x.name); }).join("、") || "–"; };
          h += "<div class='scr-inside'><h4>" + esc(t("Inside the area")) + "</h4>" +
            "<p>" + esc(t("Enterprises")) + " (" + d.inside.enterprises.length + "): " + names(d.inside.enterprises) + "</p>" +
            "<p>" + esc(t("Tailings facilities")) + ": " + names(d.inside.tailings) + "</p>" +
            "<p>" + esc(t("Wastewater plants")) + ": " + names(d.inside.wastewater_plants) + "</p>" +
            "<p>" + esc(t("Intakes")) + ": " + names(d.inside.intakes) + "</p></div>";
        }
        h += table(t("Enterprises by threat"),
          ["#", t("Enterprise"), t("Intakes"), t("Population"), t("Warning time")],
          d.enterprises.map(function (r) {
            return [r.rank, r.enterprise_name, r.threatened_intakes,
                    r.population_threatened.toLocaleString(), hours(r.warning_h)];
          }));
        h += table(t("Intakes by threatening sources"),
          ["#", t("Intake"), t("Sources"), t("Warning time"), t("Concentration / limit"),
           t("Longest exceedance")],
          d.intakes.map(function (r) {
            return [r.rank, r.name, r.threatening_sources, hours(r.warning_h), ratio(r.max_ratio),
                    exceed(r.max_exceed_h, r.exceed_beyond_horizon)];
          }));
        h += table(t("Rivers by exposure"),
          ["#", t("River"), t("Sources"), t("Receptors exceeded"), t("Population")],
          d.rivers.map(function (r) {
            return [r.rank, r.river_name, r.threatening_sources, r.receptors_exceeded,
                    r.population_threatened.toLocaleString()];
          }));
        $("scr-results").innerHTML = h;
        drawLayers(id);
      });
  }
  function warningColour(h) {
    if (h === null || h === undefined) return "#888";
    return h < 6 ? "#b2182b" : h < 24 ? "#ef8a62" : "#fddbc7";
  }
  function drawLayers(id) {
    layer.clearLayers();
    if (!overlayAdded) {
      WG.control.addOverlay(layer, t("Screening: threats"));
      overlayAdded = true;
    }
    layer.addTo(map);
    fetch(API + "/" + id + "/layers.geojson", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        fc.features.forEach(function (f) {
          var p = f.properties, c = f.geometry.coordinates;
          if (p.layer === "threat_line") {
            L.polyline([[c[0][1], c[0][0]], [c[1][1], c[1][0]]], {
              color: warningColour(p.warning_h), weight: 3, opacity: 0.9, dashArray: "6 4",
            }).bindTooltip(esc(p.enterprise_name) + " → " + esc(p.intake_name) + ": " +
                           hours(p.warning_h)).addTo(layer);
          } else if (p.layer === "intake" && p.threatening_sources > 0) {
            L.circleMarker([c[1], c[0]], {
              radius: 7 + 4 * Math.sqrt(p.threatening_sources), color: "#08306b",
              fillColor: warningColour(p.warning_h), fillOpacity: 0.85, weight: 1.5,
            }).bindTooltip(esc(p.name) + ": " + p.threatening_sources + " " + t("Sources") +
                           ", " + hours(p.warning_h)).addTo(layer);
          }
        });
        document.body.dataset.screeningLayers = String(layer.getLayers().length);
        if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [30, 30] });
      });
  }

  // ---- recent jobs --------------------------------------------------------------------
  function loadList() {
    fetch(API, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (jobs) {
        $("scr-list").innerHTML = jobs.slice(0, 10).map(function (j) {
          return "<li><a href='#' data-job='" + j.id + "'>#" + j.id + " " +
            esc(t("kind_" + j.kind)) + " · " + esc(t("status_" + j.status)) + " · " +
            j.spills_total + " " + esc(t("spills")) + "</a></li>";
        }).join("");
      });
  }
  $("scr-list").addEventListener("click", function (ev) {
    var a = ev.target.closest("a[data-job]");
    if (!a) return;
    ev.preventDefault();
    fetch(API + "/" + a.dataset.job, { credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(function (job) {
        area.showRun(job);
        follow(job);
      });
  });
  document.querySelector("#panel .tabs button[data-tab=screening]")
    .addEventListener("click", loadList);
})();
