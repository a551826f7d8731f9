/* Incident workflow: location → form → POST /api/v1/incidents/analyze → results on the map
 * and in the panel (table, charts, resources, plan, level, countdown), plume playback,
 * save / reopen / share. Uses window.WG from map.js. */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, F = WG.F, map = WG.map, cfg = WG.cfg, nm = WG.nm;
  var $ = function (id) { return document.getElementById(id); };

  var S = WG.incident = {
    request: null, result: null, saved: null, picking: false, source: null,
    chart: null, chartMode: null, play: { t: 0, timer: null },
  };

  // ---- result layers (added to the layer control on first use) --------------------
  var L_PATH = L.featureGroup(), L_REC = L.featureGroup(), L_RES = L.featureGroup();
  var L_SPILL = L.featureGroup().addTo(map);
  var overlaysAdded = false;
  function ensureOverlays() {
    if (overlaysAdded) return;
    WG.control.addOverlay(L_PATH, t("Plume path"));
    WG.control.addOverlay(L_REC, t("Receptors on the path"));
    WG.control.addOverlay(L_RES, t("Depots and teams to targets"));
    overlaysAdded = true;
  }

  // ---- tabs and panel -------------------------------------------------------------
  function showTab(name) {
    document.querySelectorAll("#panel .tabs button[data-tab]").forEach(function (b) {
      b.classList.toggle("active", b.dataset.tab === name);
      b.setAttribute("aria-selected", b.dataset.tab === name ? "true" : "false");
    });
    document.querySelectorAll("#panel section.tab").forEach(function (sec) { sec.hidden = sec.id !== "tab-" + name; });
    document.body.classList.remove("panel-collapsed");
    if (WG.tabRow) WG.tabRow.reveal();  // the active tab in view in the crowded row (tabs.js)
    if (name === "list") loadIncidentList();
    setTimeout(function () { map.invalidateSize(); }, 50);
  }
  WG.showTab = showTab;
  document.querySelectorAll("#panel .tabs button[data-tab]").forEach(function (b) {
    b.addEventListener("click", function () { showTab(b.dataset.tab); });
  });
  $("panel-toggle").addEventListener("click", function () {
    document.body.classList.toggle("panel-collapsed");
    setTimeout(function () { map.invalidateSize(); }, 250);
  });

  // ---- location -----------------------------------------------------------------
  var spillIcon = L.divIcon({
    className: "wg-spill",
    html: '<svg viewBox="0 0 28 28"><circle cx="14" cy="14" r="11" fill="#d50000" stroke="#fff" stroke-width="3"/><path d="M14 7v9" stroke="#fff" stroke-width="3.2" stroke-linecap="round"/><circle cx="14" cy="20.5" r="1.9" fill="#fff"/></svg>',
    iconSize: [28, 28], iconAnchor: [14, 14],
  });
  function setLocation(lon, lat, source) {
    lon = +lon; lat = +lat;
    $("f-coords").value = lon.toFixed(5) + ", " + lat.toFixed(5);
    S.source = source || null;
    $("f-source").innerHTML = source ? esc(source.label) : "";
    L_SPILL.clearLayers();
    L.marker([lat, lon], { icon: spillIcon, pane: "spillPane" }).addTo(L_SPILL);
  }
  // Picking: a transparent layer over the map takes the click, so markers and popups
  // under the cursor cannot swallow it.
  var pickLayer = $("pick-layer");
  function setPicking(on) {
    S.picking = on;
    map.closePopup();
    pickLayer.hidden = !on;
    $("f-pick").classList.toggle("active", on);
    $("pick-hint").hidden = !on;
  }
  $("f-pick").addEventListener("click", function () { setPicking(!S.picking); });
  pickLayer.addEventListener("click", function (e) {
    var r = map.getContainer().getBoundingClientRect();
    var ll = map.containerPointToLatLng([e.clientX - r.left, e.clientY - r.top]);
    setPicking(false);
    setLocation(ll.lng, ll.lat, null);
    showTab("form");
    $("f-pollutant").focus({ preventScroll: true });
  });
  pickLayer.addEventListener("wheel", function (e) {
    e.preventDefault();
    map.setZoom(map.getZoom() + (e.deltaY < 0 ? 1 : -1));
  }, { passive: false });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && S.picking) setPicking(false);
  });
  $("new-incident").addEventListener("click", function () {
    showTab("form");
    setPicking(true);
  });

  /** A point at `measure` (0..1 of the length) along a LineString. */
  function alongLine(coords, measure) {
    var seg = [], total = 0, i;
    for (i = 1; i < coords.length; i++) {
      var a = L.latLng(coords[i - 1][1], coords[i - 1][0]), b = L.latLng(coords[i][1], coords[i][0]);
      var d = a.distanceTo(b); seg.push(d); total += d;
    }
    var goal = total * Math.max(0, Math.min(1, measure)), run = 0;
    for (i = 0; i < seg.length; i++) {
      if (run + seg[i] >= goal && seg[i] > 0) {
        var f = (goal - run) / seg[i], p = coords[i], q = coords[i + 1];
        return [p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1])];
      }
      run += seg[i];
    }
    return coords[coords.length - 1];
  }

  function spillFromEnterprise(code) {
    var f = WG.byCode.enterprises[code];
    if (!f) return;
    var p = f.properties;
    map.closePopup();
    fetch(cfg.api + "/reaches/" + encodeURIComponent(p.outfall_reach), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (reach) {
        var pt = alongLine(reach.geometry.coordinates, p.outfall_measure || 0);
        setLocation(pt[0], pt[1], {
          kind: "enterprise", code: code,
          label: t("Outfall of {name} on reach {reach}", { name: nm(p), reach: p.outfall_reach }),
        });
        var subs = (p.substances || []).slice().sort(function (a, b) { return b.max_t - a.max_t; });
        renderSubstanceChips(subs);
        if (subs.length) choosePollutant(subs[0].pollutant);
        showTab("form");
        map.setView([pt[1], pt[0]], Math.max(map.getZoom(), 10));
      })
      .catch(function (err) { WG.toast(t("Could not locate the outfall") + ": " + err, "error"); });
  }

  function renderSubstanceChips(subs) {
    $("f-substances").innerHTML = subs.map(function (s) {
      var name = cfg.lang === "en" ? s.name_en || s.name_zh : s.name_zh || s.name_en;
      return '<button type="button" class="chip" data-pollutant="' + esc(s.pollutant) + '">' +
        esc(name) + " · " + F.num(s.max_t) + " t</button>";
    }).join("");
  }

  // Actions from popups and tables (event delegation).
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-act]");
    if (!b) return;
    var act = b.dataset.act;
    if (act === "spill") {
      map.closePopup();
      setLocation(b.dataset.lon, b.dataset.lat, null);
      $("f-substances").innerHTML = "";
      showTab("form");
    } else if (act === "spill-enterprise") {
      spillFromEnterprise(b.dataset.code);
    } else if (act === "curve") {
      showCurve(+b.dataset.i);
      var chartBox = $("chart-box");
      if (chartBox) chartBox.scrollIntoView({ behavior: "smooth", block: "nearest" });
    } else if (act === "open-incident") {
      openIncident(+b.dataset.id);
    }
  });
  $("f-substances").addEventListener("click", function (e) {
    var c = e.target.closest("[data-pollutant]");
    if (c) choosePollutant(c.dataset.pollutant);
  });

  // ---- pollutant search ---------------------------------------------------------
  var pInput = $("f-pollutant"), pList = $("f-pollutant-list"), pHits = [];
  function pollutantLabel(p) {
    return nm(p) + (cfg.lang === "en" ? "" : " " + (p.name_en || "")) + " · " + p.code;
  }
  function choosePollutant(code) {
    var f = WG.byCode.pollutants && WG.byCode.pollutants[code];
    if (!f) return;
    var p = f.properties;
    $("f-pollutant-code").value = code;
    pInput.value = nm(p);
    pList.hidden = true;
    var lim = [];
    if (p.limit_class2_mgl !== null && p.limit_class2_mgl !== undefined)
      lim.push(t("Class II (intakes)") + " " + p.limit_class2_mgl + " mg/L");
    if (p.limit_class3_mgl !== null && p.limit_class3_mgl !== undefined)
      lim.push(t("Class III") + " " + p.limit_class3_mgl + " mg/L");
    if (p.limit_source_mgl !== null && p.limit_source_mgl !== undefined)
      lim.push(t("Drinking-water source") + " " + p.limit_source_mgl + " mg/L");
    if (p.solubility_mgl !== null && p.solubility_mgl !== undefined)
      lim.push(t("Solubility") + " " + p.solubility_mgl + " mg/L");
    var species = cfg.lang === "en" ? p.species_en : p.species_zh;
    if (species && p.species_factor && p.species_factor !== 1)
      lim.push(t("Modelled as") + " " + species + " (× " + p.species_factor + ")");
    $("f-pollutant-info").innerHTML = "<b>" + esc(t("class_" + p.pclass)) + "</b> · " +
      esc(t("behaviour_" + p.behaviour)) + (lim.length ? " · " + esc(lim.join("; ")) : "") +
      ((cfg.lang === "en" ? p.techniques_en : p.techniques_zh) ?
        '<br><span class="muted">' + esc(cfg.lang === "en" ? p.techniques_en : p.techniques_zh) + "</span>" : "");
  }
  function searchPollutants(q) {
    var needle = q.trim().toLowerCase();
    var all = (WG.data.pollutants || { features: [] }).features.map(function (f) { return f.properties; });
    if (!needle) return all.slice(0, 60);
    // exact name (zh/en), code or CAS first, then prefixes, then other matches
    return all.map(function (p, i) {
      return { p: p, i: i, r: window.webgisFmt.matchRank(needle, [p.name_zh, p.name_en, p.code, p.cas]) };
    }).filter(function (h) { return h.r >= 0; }).sort(function (a, b) {
      return a.r - b.r || a.i - b.i;
    }).map(function (h) { return h.p; }).slice(0, 30);
  }
  function renderPollutantHits() {
    pHits = searchPollutants(pInput.value);
    pList.innerHTML = pHits.map(function (p, i) {
      return '<li data-i="' + i + '"' + (i === 0 ? ' class="active"' : "") + ">" + esc(pollutantLabel(p)) +
        ' <span class="kind">' + esc(t("class_" + p.pclass)) + "</span></li>";
    }).join("") || '<li class="none">' + esc(t("Nothing found")) + "</li>";
    pList.hidden = false;
  }
  pInput.addEventListener("input", function () { $("f-pollutant-code").value = ""; renderPollutantHits(); });
  pInput.addEventListener("focus", renderPollutantHits);
  pInput.addEventListener("blur", function () { setTimeout(function () { pList.hidden = true; }, 150); });
  pInput.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      var cur = pList.querySelector("li.active");
      var hit = pHits[cur ? +cur.dataset.i : 0];
      if (hit) choosePollutant(hit.code);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      var items = pList.querySelectorAll("li[data-i]"), cur2 = pList.querySelector("li.active");
      if (!items.length) return;
      var idx = cur2 ? +cur2.dataset.i : -1;
      idx = (idx + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      items.forEach(function (li) { li.classList.toggle("active", +li.dataset.i === idx); });
      items[idx].scrollIntoView({ block: "nearest" });
    }
  });
  pList.addEventListener("mousedown", function (e) {
    var li = e.target.closest("li[data-i]");
    if (li) { e.preventDefault(); choosePollutant(pHits[+li.dataset.i].code); }
  });

  // ---- defaults -----------------------------------------------------------------
  function localIso(d) {
    return d.getFullYear() + "-" + F.pad(d.getMonth() + 1) + "-" + F.pad(d.getDate()) + "T" +
      F.pad(d.getHours()) + ":" + F.pad(d.getMinutes());
  }
  function seasonFor(d) {
    var m = d.getMonth() + 1;
    return m >= 7 && m <= 9 ? "flood" : (m >= 11 || m <= 3 ? "dry" : "normal");
  }
  function offsetIso(local) {  // "2026-03-14T09:30" (local) -> ISO with the browser's offset
    var d = new Date(local);
    if (isNaN(d)) return null;
    var off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return local + ":00" + sign + F.pad(Math.floor(off / 60)) + ":" + F.pad(off % 60);
  }
  var now = new Date();
  $("f-start").value = localIso(now);
  $("f-discovered").value = localIso(now);
  // a start moved past the discovery time (a drill set for later) takes the discovery along
  $("f-start").addEventListener("change", function () {
    var s = new Date($("f-start").value), f = new Date($("f-discovered").value);
    if (!isNaN(s) && (isNaN(f) || f < s)) $("f-discovered").value = $("f-start").value;
  });
  $("f-season").value = seasonFor(now);

  // ---- request ------------------------------------------------------------------
  function buildRequest() {
    var errors = [];
    var ll = F.parseCoords($("f-coords").value);
    if (!ll) errors.push(t("Give the spill location: pick it on the map or type coordinates"));
    var code = $("f-pollutant-code").value;
    if (!code) errors.push(t("Choose a pollutant from the list"));
    var given = WG.releaseForm.read(errors);  // release_form.js: the release, today's flow
    if (errors.length) return { errors: errors };
    var req = {
      location: { lon: +ll.lon.toFixed(6), lat: +ll.lat.toFixed(6) },
      pollutant: code,
      release: given.release,
      season: $("f-season").value,
      horizon_h: parseFloat($("f-horizon").value),
    };
    if (given.flow_today) req.flow_today = given.flow_today;
    var start = offsetIso($("f-start").value);
    if (start) req.started_at = start;
    var found = offsetIso($("f-discovered").value);
    if (found) req.discovered_at = found;
    if (start && found && new Date(found) < new Date(start)) {
      return { errors: [t("The discovery cannot be before the start of the release")] };
    }
    var counts = [["f-deaths", "deaths"], ["f-poisoned", "poisoned"], ["f-evacuated", "evacuated"],
      ["f-loss", "loss_cny"]].map(function (f) {
      var v = parseFloat($(f[0]).value || "0");
      return [f[1], isFinite(v) && v > 0 ? v : 0];
    });
    if (counts[0][1] || counts[1][1]) req.casualties = { deaths: counts[0][1], poisoned: counts[1][1] };
    if (counts[2][1]) req.evacuated = counts[2][1];
    if (counts[3][1]) req.loss_cny = counts[3][1];
    if ($("f-sensitive").checked) req.sensitive_groups = true;
    if ($("f-mass-incident").checked) req.mass_incident = true;
    if ($("f-ecology").value) req.ecology = $("f-ecology").value;
    return { request: req };
  }

  function fillForm(req) {
    if (!req) return;
    if (req.location) setLocation(req.location.lon, req.location.lat, null);
    if (req.pollutant) choosePollutant(req.pollutant);
    if (req.release) {
      $("f-mass").value = req.release.mass_kg != null ? req.release.mass_kg : "";
      $("f-duration").value = req.release.duration_h || 0;
    }
    WG.releaseForm.fill(req);
    if (req.season) $("f-season").value = req.season;
    if (req.horizon_h) $("f-horizon").value = String(req.horizon_h);
    if (req.started_at) {
      var d = new Date(req.started_at);
      if (!isNaN(d)) $("f-start").value = localIso(d);
    }
    if (req.discovered_at) {
      var f = new Date(req.discovered_at);
      if (!isNaN(f)) $("f-discovered").value = localIso(f);
    }
    var cas = req.casualties;
    $("f-deaths").value = (cas && typeof cas === "object" ? cas.deaths : cas) || 0;
    $("f-poisoned").value = (cas && typeof cas === "object" ? cas.poisoned : 0) || 0;
    $("f-evacuated").value = req.evacuated || 0;
    $("f-loss").value = req.loss_cny || 0;
    $("f-sensitive").checked = !!req.sensitive_groups;
    $("f-mass-incident").checked = !!req.mass_incident;
    $("f-ecology").value = req.ecology || "";
    $("f-criteria").open = !!(req.casualties || req.evacuated || req.loss_cny || req.sensitive_groups ||
      req.mass_incident || req.ecology);
  }

  function showFormErrors(list) {
    $("f-error").innerHTML = list.length ? "<ul>" + list.map(function (e) {
      return "<li>" + esc(e) + "</li>";
    }).join("") + "</ul>" : "";
  }

  function apiError(body, status) {
    // off the river: said in the page's language, naming the river and the distances
    if (body && body.max_offset_m !== undefined && body.fields && body.fields.location) {
      return [body.nearest_river_code ? t("The point is {d} m from the nearest river ({river}); pick a point within {max} m of a river", {
        d: F.num(body.distance_m, 0), max: F.num(body.max_offset_m, 0),
        river: (WG.byCode.rivers && WG.byCode.rivers[body.nearest_river_code] &&
          nm(WG.byCode.rivers[body.nearest_river_code].properties)) || body.nearest_river_code })
        : t("No river near this point; pick a point on a river")];
    }
    var msg = (body && body.error) || ("HTTP " + status);
    var fields = body && body.fields ? Object.keys(body.fields).map(function (k) {
      var v = body.fields[k];
      return k + ": " + (typeof v === "string" ? v : JSON.stringify(v));
    }) : [];
    return [msg].concat(fields);
  }

  $("incident-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var built = buildRequest();
    if (built.errors) { showFormErrors(built.errors); return; }
    showFormErrors([]);
    analyse(built.request);
  });

  function analyse(req) {
    var btn = $("f-run");
    btn.disabled = true;
    btn.classList.add("busy");
    document.body.dataset.analysis = "running";
    var t0 = performance.now();
    return fetch(cfg.api + "/incidents/analyze", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf },
      body: JSON.stringify(req),
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (!r.ok) throw { list: apiError(body, r.status) };
        return body;
      });
    }).then(function (res) {
      S.analysisMs = performance.now() - t0;
      S.saved = null;
      S.clientKey = newClientKey();
      showResult(req, res);
      var u = new URL(window.location.origin + "/");
      u.searchParams.set("scenario", JSON.stringify(req));
      window.history.replaceState(null, "", u.pathname + u.search);
    }).catch(function (err) {
      document.body.dataset.analysis = "error";
      showFormErrors(err && err.list ? err.list : [String(err)]);
      showTab("form");
    }).then(function () {
      btn.disabled = false;
      btn.classList.remove("busy");
    });
  }
  WG.analyse = analyse;

  // ---- colours ------------------------------------------------------------------
  var ARRIVAL_STOPS = [[0, "#8e0000"], [3, "#d32f2f"], [6, "#f4511e"], [12, "#fb8c00"],
    [24, "#fdd835"], [48, "#7cb342"], [72, "#1e88e5"], [120, "#5e35b1"]];
  function lerpColour(a, b, f) {
    var pa = parseInt(a.slice(1), 16), pb = parseInt(b.slice(1), 16);
    var r = Math.round(((pa >> 16) & 255) * (1 - f) + ((pb >> 16) & 255) * f);
    var g = Math.round(((pa >> 8) & 255) * (1 - f) + ((pb >> 8) & 255) * f);
    var bl = Math.round((pa & 255) * (1 - f) + (pb & 255) * f);
    return "#" + ((1 << 24) + (r << 16) + (g << 8) + bl).toString(16).slice(1);
  }
  function arrivalColour(h) {
    if (!isFinite(h)) return "#9e9e9e";
    for (var i = 1; i < ARRIVAL_STOPS.length; i++) {
      if (h <= ARRIVAL_STOPS[i][0]) {
        var a = ARRIVAL_STOPS[i - 1], b = ARRIVAL_STOPS[i];
        return lerpColour(a[1], b[1], (h - a[0]) / (b[0] - a[0]));
      }
    }
    return ARRIVAL_STOPS[ARRIVAL_STOPS.length - 1][1];
  }
  function ratioColour(r) {  // concentration / limit
    if (r >= 100) return "#4a0072";
    if (r >= 10) return "#b71c1c";
    if (r >= 1) return "#f4511e";
    if (r >= 0.5) return "#fbc02d";
    return "#26a69a";
  }
  var KIND_COLOURS = { water_source: "#1565c0", section: "#6a1b9a", interception: "#2e7d32",
    confluence: "#607d8b", boundary: "#5d4037" };
  var LEVEL_NAMES = { I: "level_I", II: "level_II", III: "level_III", IV: "level_IV" };

  // ---- interpolation helpers --------------------------------------------------------
  function interp(xs, ys, x) {
    var n = xs.length;
    if (!n) return NaN;
    if (x <= xs[0]) return ys[0];
    if (x >= xs[n - 1]) return ys[n - 1];
    var lo = 0, hi = n - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (xs[mid] <= x) lo = mid; else hi = mid; }
    var f = (x - xs[lo]) / ((xs[hi] - xs[lo]) || 1);
    return ys[lo] + f * (ys[hi] - ys[lo]);
  }
  function curveAt(curve, h) {
    if (!curve || !curve.length) return 0;
    if (h < curve[0][0] || h > curve[curve.length - 1][0]) return 0;
    return interp(curve.map(function (p) { return p[0]; }), curve.map(function (p) { return p[1]; }), h);
  }

  // ---- building the path model ------------------------------------------------------
  /** Pieces of the path (about 1 km) with km and arrival; anchors for playback. */
  function buildModel(res) {
    var feats = (res.path && res.path.features) || [];
    var arrKm = [], arrH = [];
    feats.forEach(function (f) {
      arrKm.push(f.properties.from_km); arrH.push(f.properties.arrival_h);
    });
    if (feats.length) {
      var last = feats[feats.length - 1].properties, n = feats.length;
      var speed = n > 1 && last.arrival_h > feats[0].properties.arrival_h ?
        (last.from_km - feats[0].properties.from_km) / (last.arrival_h - feats[0].properties.arrival_h) : 3;
      arrKm.push(last.to_km);
      arrH.push(last.arrival_h + (last.to_km - last.from_km) / Math.max(speed, 0.01));
    }
    var pieces = [];
    feats.forEach(function (f) {
      var p = f.properties, coords = f.geometry ? f.geometry.coordinates : [];
      if (f.geometry && f.geometry.type === "MultiLineString") coords = [].concat.apply([], coords);
      if (coords.length < 2) return;
      var lens = [0], total = 0, i;
      for (i = 1; i < coords.length; i++) {
        total += L.latLng(coords[i - 1][1], coords[i - 1][0]).distanceTo(L.latLng(coords[i][1], coords[i][0]));
        lens.push(total);
      }
      var scale = total > 0 ? (p.to_km - p.from_km) / (total / 1000) : 0;
      var cur = [[coords[0][1], coords[0][0]]], startKm = p.from_km;
      for (i = 1; i < coords.length; i++) {
        cur.push([coords[i][1], coords[i][0]]);
        var km = p.from_km + lens[i] / 1000 * scale;
        if (km - startKm >= 1.0 || i === coords.length - 1) {
          pieces.push({ latlngs: cur, km0: startKm, km1: km, km: (startKm + km) / 2, reach: p.reach_code || p.reach_id,
            river: p.river_name, reservoir: p.is_reservoir });
          cur = [[coords[i][1], coords[i][0]]]; startKm = km;
        }
      }
    });
    var anchors = (res.receptors || []).filter(function (r) {
      return r.curve && r.curve.length > 1 && r.peak_conc_mgl > 0 && isFinite(r.peak_h);
    }).map(function (r) {
      return { km: r.river_km, tp: r.peak_h, peak: r.peak_conc_mgl, curve: r.curve };
    }).sort(function (a, b) { return a.km - b.km; });
    var prof = res.profile || [];
    return {
      arrKm: arrKm, arrH: arrH, pieces: pieces, anchors: anchors,
      profKm: prof.map(function (p) { return p[0]; }), profC: prof.map(function (p) { return p[1]; }),
      arrival: function (km) { return interp(arrKm, arrH, km); },
    };
  }

  /** Concentration at `km` and hour `h`: the profile's peak there, shaped and timed like the
   *  neighbouring receptors' own curves (shifted to this point's peak time). */
  function concAt(M, km, h) {
    var P = interp(M.profKm, M.profC, km);
    if (!(P > 0)) return 0;
    var A = M.anchors;
    if (!A.length) {
      var tp = M.arrival(km) + 0.5, sg = 0.3 + 0.15 * tp;
      return P * Math.exp(-0.5 * Math.pow((h - tp) / sg, 2));
    }
    var tps = A.map(function (a) { return a.tp; }), kms = A.map(function (a) { return a.km; });
    var tpHere;
    if (km < kms[0]) {
      var a0 = M.arrival(km), aA = M.arrival(kms[0]);
      tpHere = tps[0] - (aA - a0);
    } else if (km > kms[kms.length - 1]) {
      tpHere = tps[tps.length - 1] + (M.arrival(km) - M.arrival(kms[kms.length - 1]));
    } else {
      tpHere = interp(kms, tps, km);
    }
    function shape(a) { return curveAt(a.curve, h - (tpHere - a.tp)) / a.peak; }
    var i = 0;
    while (i < A.length && A[i].km < km) i++;
    var s;
    if (i === 0) s = shape(A[0]);
    else if (i >= A.length) s = shape(A[A.length - 1]);
    else {
      var w = (km - A[i - 1].km) / ((A[i].km - A[i - 1].km) || 1);
      s = (1 - w) * shape(A[i - 1]) + w * shape(A[i]);
    }
    return P * Math.max(0, Math.min(1, s));
  }

  // ---- rendering the result ---------------------------------------------------------
  function startDate() {
    var s = (S.request && S.request.started_at) || (S.result.request && S.result.request.started_at);
    var d = s ? new Date(s) : null;
    return d && !isNaN(d) ? d : null;
  }
  function atClock(h) {
    var d = startDate();
    return d && isFinite(h) ? F.clock(new Date(d.getTime() + h * 3600e3)) : "";
  }
  function recName(r) {
    if (cfg.lang === "en" && r.name_en) return r.name_en;
    return r.name || r.code;
  }
  function limitOf(res) {
    var rs = (res.receptors || []).filter(function (r) { return r.limit_mgl; });
    var sec = rs.filter(function (r) { return r.kind !== "water_source"; });
    return (sec[0] || rs[0] || {}).limit_mgl || null;
  }

  function showResult(req, res) {
    S.request = req || res.request;
    S.result = res;
    S.model = buildModel(res);
    S.limit = limitOf(res);
    ensureOverlays();
    drawPath(res);
    drawReceptors(res);
    drawResources(res);
    renderPanel(res);
    setupPlayback(res);
    L_PATH.addTo(map); L_REC.addTo(map); L_RES.addTo(map);
    L_SPILL.clearLayers();
    if (res.snap) {
      L.marker([res.snap.lat, res.snap.lon], { icon: spillIcon, pane: "spillPane" })
        .bindTooltip(esc(t("Spill point")) + " · " + esc(cfg.lang === "en" ? res.snap.river_name_en || res.snap.river_name : res.snap.river_name))
        .addTo(L_SPILL);
    }
    fitResult();
    showTab("results");
    document.body.dataset.analysis = "done";
    document.dispatchEvent(new CustomEvent("wg:result"));
  }
  WG.showResult = showResult;

  /** Frame the path and its receptors, clear of the layer control and the player. */
  function fitResult() {
    var b = L_PATH.getBounds();
    if (L_REC.getLayers().length) b.extend(L_REC.getBounds());
    if (b.isValid()) {
      map.fitBounds(b, { maxZoom: 11, paddingTopLeft: [50, 30],
        paddingBottomRight: [window.innerWidth > 980 ? 230 : 40, 90] });
    }
  }
  WG.fitResult = fitResult;

  function drawPath(res) {
    L_PATH.clearLayers();
    var M = S.model;
    S.pieceLayers = M.pieces.map(function (pc) {
      var h = M.arrival(pc.km);
      var line = L.polyline(pc.latlngs, {
        color: arrivalColour(h), weight: 7, opacity: 0.9, pane: "resultPane", lineCap: "round",
      });
      line._wgBase = arrivalColour(h);
      line.bindTooltip(function () {
        var c = S.play.active ? concAt(M, pc.km, S.play.t) : null;
        return esc(pc.river || "") + " · " + F.num(pc.km, 1) + " km<br>" + esc(t("Arrival")) + " " +
          F.hours(h) + (atClock(h) ? " (" + atClock(h) + ")" : "") + "<br>" + esc(t("Peak")) + " " +
          F.num(interp(M.profKm, M.profC, pc.km)) + " mg/L" +
          (c !== null ? "<br>" + esc(t("Now")) + " " + F.num(c) + " mg/L" : "");
      }, { sticky: true });
      L_PATH.addLayer(line);
      return line;
    });
    // Casing underneath for contrast.
    M.pieces.forEach(function (pc) {
      L.polyline(pc.latlngs, { color: "#fff", weight: 11, opacity: 0.8, pane: "riverPane", interactive: false })
        .addTo(L_PATH);
    });
    S.front = L.circleMarker([0, 0], { radius: 9, color: "#000", weight: 2, fillColor: "#ffeb3b",
      fillOpacity: 0.9, pane: "resultPane", interactive: false });
    renderLegend();
  }

  // a floating oil's slick at a receptor (issue 11): one line, and the peak's label
  function slickLine(r) {
    var s = r.slick;
    if (!s) return "";
    return t("Oil slick") + " " + F.hours(s.arrival_h) + " " + atClock(s.arrival_h) + " · " +
      F.num(s.length_km, 1) + " km · " + t("passed by") + " " + F.hours(s.passage_end_h);
  }
  function peakLabel(res) { return res && res.slick ? t("Dissolved petroleum") : t("Peak"); }

  function drawReceptors(res) {
    L_REC.clearLayers();
    S.recMarkers = (res.receptors || []).map(function (r, i) {
      var mk = L.circleMarker([r.lat, r.lon], {
        radius: r.kind === "water_source" ? 8 : 6.5, color: r.exceeds ? "#d50000" : "#fff",
        weight: r.exceeds ? 3 : 2, fillColor: KIND_COLOURS[r.kind] || "#555", fillOpacity: 1,
        pane: "resultPane",
      });
      mk.bindTooltip("<b>" + esc(recName(r)) + "</b><br>" + (r.slick ? esc(slickLine(r)) + "<br>" : "") +
        esc(t("Arrival")) + " " + F.hours(r.arrival_h) +
        " · " + esc(peakLabel(res)) + " " + F.num(r.peak_conc_mgl) + " mg/L" +
        (r.limit_mgl ? " (" + esc(t("limit")) + " " + r.limit_mgl + ")" : ""));
      mk.bindPopup(function () { return receptorPopup(r, i); }, WG.POPUP_OPTIONS);
      if (r.kind === "water_source" || r.kind === "boundary") {
        L.tooltip({ permanent: true, direction: "right", offset: [8, 0], className: "wg-label rec-label" +
          (r.exceeds ? " exceed" : ""), pane: "labelPane" })
          .setLatLng([r.lat, r.lon]).setContent(esc(recName(r)) + " · " + F.hours(r.arrival_h))
          .addTo(L_REC);
      }
      L_REC.addLayer(mk);
      return mk;
    });
  }

  function slickRows(r) {
    var s = r.slick, w = (s && s.worst) || {};
    if (!s) return "";
    return "<tr><th>" + esc(t("Oil slick")) + "</th><td>" + F.hours(s.arrival_h) + " " + esc(atClock(s.arrival_h)) +
      ' <span class="muted">(' + esc(t("earliest")) + " " + F.hours(w.arrival_h) + ")</span></td></tr>" +
      "<tr><th>" + esc(t("passed by")) + "</th><td>" + F.hours(s.passage_end_h) + " " + esc(atClock(s.passage_end_h)) +
      ' <span class="muted">(' + esc(t("latest")) + " " + F.hours(w.passage_end_h) + ")</span></td></tr>" +
      "<tr><th>" + esc(t("Length")) + "</th><td>" + F.num(s.length_km, 1) + " km" +
      ' <span class="muted">(' + esc(t("longest")) + " " + F.num(w.length_km, 1) + " km)</span></td></tr>" +
      "<tr><th>" + esc(t("evaporated")) + "</th><td>" + F.num(s.evaporated_pct, 2) + " %</td></tr>";
  }

  function receptorPopup(r, i) {
    return "<h4>" + esc(recName(r)) + '</h4><table class="kv">' +
      "<tr><th>" + esc(t("Kind")) + "</th><td>" + esc(t("rk_" + r.kind)) + "</td></tr>" +
      "<tr><th>" + esc(t("Distance downstream")) + "</th><td>" + F.num(r.river_km, 1) + " km</td></tr>" +
      "<tr><th>" + esc(t("Arrival")) + "</th><td>" + F.hours(r.arrival_h) + " " + esc(atClock(r.arrival_h)) +
      (r.worst ? ' <span class="muted">(' + esc(t("earliest")) + " " + F.hours(r.worst.arrival_h) + ")</span>" : "") +
      "</td></tr>" + slickRows(r) + "<tr><th>" + esc(peakLabel(S.result)) + "</th><td>" + F.num(r.peak_conc_mgl) + " mg/L · " +
      F.hours(r.peak_h) + (r.worst ? ' <span class="muted">(' + esc(t("worst")) + " " +
        F.num(r.worst.peak_conc_mgl) + ")</span>" : "") + "</td></tr>" +
      "<tr><th>" + esc(t("Limit")) + "</th><td>" + (r.limit_mgl !== null && r.limit_mgl !== undefined ? r.limit_mgl + " mg/L" : "–") +
      ((cfg.lang === "en" ? r.limit_basis_en : r.limit_basis) ? '<div class="muted">' +
        esc(cfg.lang === "en" ? r.limit_basis_en : r.limit_basis) + "</div>" : "") + "</td></tr>" +
      (r.undissolved || (r.worst && r.worst.undissolved) ? '<tr><td colspan="2" class="exceed">' +
        esc(t("Exceeds solubility: undissolved product")) + "</td></tr>" : "") +
      (r.near_field ? '<tr><td colspan="2" class="muted">' +
        esc(t("Near field: the bank is above the cross-section mean")) + "</td></tr>" : "") +
      "<tr><th>" + esc(t("Hours above limit")) + "</th><td>" + (r.exceeds ? F.hours(r.exceed_hours) : esc(t("none"))) + "</td></tr>" +
      '</table><button type="button" class="btn" data-act="curve" data-i="' + i + '">' +
      esc(t("Concentration curve")) + "</button>";
  }

  function originLatLng(layer, code) {
    var f = WG.byCode[layer] && WG.byCode[layer][code];
    return f && f.geometry ? [f.geometry.coordinates[1], f.geometry.coordinates[0]] : null;
  }
  function targetLatLng(res, x) {
    if (x.target_lat !== undefined && x.target_lat !== null) return [x.target_lat, x.target_lon];
    var r = (res.receptors || []).filter(function (q) { return q.code === x.target_code; })[0];
    if (r) return [r.lat, r.lon];
    return originLatLng("interception_points", x.target_code);
  }

  function drawResources(res) {
    L_RES.clearLayers();
    S.resLines = {};
    [["depots", res.depots || [], 6], ["teams", res.teams || [], 4]].forEach(function (spec) {
      // only the useful ones get a line (the server marks them); older results: the first few
      var shown = spec[1].some(function (x) { return "useful" in x; }) ?
        spec[1].filter(function (x) { return x.useful; }) : spec[1].slice(0, spec[2]);
      shown.forEach(function (x, i) {
        var from = originLatLng(spec[0], x.code), to = x.target_code ? targetLatLng(res, x) : null;
        if (!from) return;
        var ok = x.arrives_before_plume;
        if (to) {
          var line = L.polyline([from, to], {
            color: ok ? "#2e7d32" : "#c62828", weight: 2.5, opacity: 0.7,
            dashArray: spec[0] === "teams" ? "2 6" : "8 6", pane: "resultPane",
          }).bindTooltip(esc(nm(x)) + " → " + esc(x.target_name || x.target_code) + "<br>" +
            F.num(x.distance_km, 0) + " km · " + F.hours(x.travel_h) + " · " +
            esc(ok ? t("arrives before the plume") : t("arrives after the plume")), { sticky: true });
          L_RES.addLayer(line);
          S.resLines[spec[0] + ":" + x.code] = line;
        }
        L.marker(from, {
          icon: L.divIcon({ className: "rank-badge " + spec[0] + (ok ? " ok" : " late"),
            html: String(i + 1), iconSize: [20, 20], iconAnchor: [-6, 22] }),
          interactive: false, pane: "resultPane",
        }).addTo(L_RES);
      });
    });
  }

  function renderLegend() {
    var stops = [0, 3, 6, 12, 24, 48, 72];
    var box = $("legend-result") || $("legend");
    box.innerHTML = "<b>" + esc(t("Arrival time")) + "</b><div class=ramp>" +
      stops.map(function (h) {
        return '<span style="background:' + arrivalColour(h) + '"></span>';
      }).join("") + "</div><div class=ticks>" + stops.map(function (h) {
        return "<span>" + h + "</span>";
      }).join("") + '</div><div class="muted">' + esc(t("hours after the spill")) + "</div>" +
      '<div class="lg-play" hidden><b>' + esc(t("Concentration / limit")) + "</b><div>" +
      [["#26a69a", "< 0.5"], ["#fbc02d", "0.5–1"], ["#f4511e", "1–10"], ["#b71c1c", "10–100"], ["#4a0072", "≥ 100"]]
        .map(function (c) { return '<span class="sw" style="background:' + c[0] + '"></span>' + c[1]; }).join(" ") +
      "</div></div>";
    box.hidden = false;
    $("legend").hidden = false;
  }

  // ---- panel ------------------------------------------------------------------------
  function section(title, body, open, id) {
    return '<details class="card"' + (open ? " open" : "") + (id ? ' id="' + id + '"' : "") +
      "><summary>" + esc(title) + "</summary>" + body + "</details>";
  }

  function renderPanel(res) {
    var req = S.request || {}, pol = res.pollutant || {}, snap = res.snap || {}, lv = res.level || {};
    var polF = WG.byCode.pollutants && WG.byCode.pollutants[pol.code || req.pollutant];
    var polName = polF ? nm(polF.properties) : pol.name || req.pollutant;
    var river = cfg.lang === "en" ? snap.river_name_en || snap.river_name : snap.river_name;
    var rel = (res.request && res.request.release) || req.release || {};
    var given = WG.releaseForm.describe(res.request || req, res.model);
    var head = '<div class="summary"><div><b>' + esc(polName) + "</b> · " + F.num(rel.mass_kg) + " kg · " +
      esc(rel.duration_h ? t("continuous over {h} h", { h: rel.duration_h }) : t("instantaneous")) +
      "</div>" + given.map(function (g) { return '<div class="release-given">' + esc(g) + "</div>"; }).join("") +
      "<div>" + esc(river || "") + " · " + esc(snap.reach_code || snap.reach_id || "") + " · " +
      esc(t("{m} m from the point", { m: F.num(snap.offset_m, 0) })) + "</div><div class=muted>" +
      esc(t("season_" + (req.season || "normal"))) + " · " + esc(t("started")) + " " +
      esc(startDate() ? F.clock(startDate()) : "–") + " · " + esc(t("path")) + " " +
      F.num(res.length_km, 0) + " km" + (S.analysisMs ? " · " + esc(t("computed in {ms} ms", { ms: Math.round(S.analysisMs) })) : "") +
      "</div></div>";

    var levelCard = '<div class="level-card level-' + esc(lv.suggested) + '"><div class="level-badge">' +
      esc(t(LEVEL_NAMES[lv.suggested] || "level_unknown")) + '</div><div class="deadline" id="countdown"></div></div>' +
      '<ul class="reasons">' + (lv.reasons || []).map(function (r) {
        return "<li>" + esc(typeof r === "string" ? r : (cfg.lang === "en" ? r.text_en : r.text_zh) || r.text) +
          (r.source ? ' <span class="muted">— ' + esc(r.source) + "</span>" : "") + "</li>";
      }).join("") + "</ul>" +
      (lv.report_reasons && lv.report_reasons.length ? '<p class="muted">' + esc(t("Report as {lv}:", { lv: lv.report_as || "" })) + " " +
        lv.report_reasons.map(function (r) { return esc(cfg.lang === "en" ? r.text_en : r.text_zh); }).join(esc(t("; "))) + "</p>" : "") +
      (lv.province_to_mee_min ? '<p class="muted">' + esc(t("The province reports to the Ministry within {m} min.", { m: lv.province_to_mee_min })) + "</p>" : "") +
      (lv.standby_intakes && lv.standby_intakes.length ? '<p class="muted">' +
        esc(t("Standby intakes (no population served; they do not raise the level):")) + " " +
        lv.standby_intakes.map(esc).join(esc(t(", "))) + "</p>" : "");

    var actions = '<div class="actions">' +
      (cfg.user.can_save ? '<button type="button" class="btn btn-primary" id="btn-save">' + esc(t("Save incident")) + "</button>" :
        '<a class="muted signin-link" href="/login">' + esc(t("Sign in as a duty officer to save")) + "</a>") +
      '<button type="button" class="btn" id="btn-share">' + esc(t("Copy link")) + "</button>" +
      '<a class="btn" id="btn-sheet" hidden target="_blank" rel="noopener">' + esc(t("Response sheet (PDF)")) + "</a>" +
      '<span id="saved-info" class="muted"></span></div>';

    var recRows = (res.receptors || []).map(function (r, i) {
      return '<tr class="' + (r.exceeds ? "exceed" : (r.worst && r.worst.exceeds ? "exceed-worst" : "")) +
        '" data-code="' + esc(r.code) + '" data-i="' + i + '"><td class="name"><span class="dot" style="background:' +
        (KIND_COLOURS[r.kind] || "#555") + '"></span>' + esc(recName(r)) + '<div class="muted">' +
        esc(t("rk_" + r.kind)) + '</div></td><td class="num">' + F.num(r.river_km, 1) + '</td><td class="num">' + F.hours(r.arrival_h) +
        '<div class="muted">' + esc(atClock(r.arrival_h)) + '</div>' +
        (r.slick ? '<div class="muted slick">' + esc(t("Oil slick")) + " " + F.num(r.slick.length_km, 1) + " km · " +
          esc(t("passed by")) + " " + F.hours(r.slick.passage_end_h) + "</div>" : "") +
        '</td><td class="num">' +
        (r.undissolved ? "≥" + F.num(r.peak_conc_mgl) + '<div class="muted">' +
          esc(t("Exceeds solubility: undissolved product")) + "</div>" : F.num(r.peak_conc_mgl)) +
        (r.limit_mgl !== null && r.limit_mgl !== undefined ? '<div class="muted">' + esc(t("limit")) + " " +
          r.limit_mgl + "</div>" : "") +
        '</td><td class="num">' + (r.exceeds ? F.hours(r.exceed_hours) : (r.worst && r.worst.exceeds ? "(" + F.hours(r.worst.exceed_hours) + ")" : "–")) +
        "</td></tr>";
    }).join("");
    var recTable = '<div class="table-wrap"><table class="grid receptors" id="receptor-table"><thead><tr><th>' +
      esc(t("Name")) + "</th><th>" + esc(t("km")) + "</th><th>" +
      esc(t("Arrival")) + "</th><th>" + esc(res.slick ? t("Dissolved petroleum mg/L") : t("Peak mg/L")) + "</th><th>" +
      esc(t("Hours above")) + "</th></tr></thead><tbody>" + recRows + "</tbody></table></div>" +
      '<p class="muted">' + esc(t("Red rows exceed the limit; pale rows exceed only in the worst case (in brackets).")) + "</p>" +
      (res.slick ? '<p class="muted" id="slick-note">' + esc(t("Floating oil: it travels as a slick (arrival, length and passage in the table); concentrations are dissolved petroleum, bounded by the product's water-accommodated fraction ({waf} mg/L), not the product itself.", { waf: F.num(res.slick.waf_mgl) })) + "</p>" : "");

    var chartBox = '<div id="chart-box"><div class="chart-tools"><select id="chart-select"><option value="profile">' +
      esc(t("Longitudinal peak profile")) + "</option>" + (res.receptors || []).map(function (r, i) {
        return '<option value="' + i + '">' + esc(recName(r)) + "</option>";
      }).join("") + '</select></div><div class="chart-holder"><canvas id="chart"></canvas></div></div>';

    var notify = (res.notify || []).map(function (n) {
      return "<li><b>" + esc(n.admin_name) + "</b> · " + F.hours(n.arrival_h) + " " + esc(atClock(n.arrival_h)) +
        '<div class="muted">' + esc(cfg.lang === "en" ? n.reason_en || n.reason : n.reason_zh || n.reason) + "</div></li>";
    }).join("");

    function resTable(kind, items) {
      // useful rows first and open; the rest behind one "+N more" row
      var marked = items.some(function (x) { return "useful" in x; });
      var rest = marked ? items.filter(function (x) { return !x.useful; }).length : 0;
      return '<div class="table-wrap"><table class="grid resources' + (rest ? " collapsed" : "") + '" id="' + kind +
        '-table"><thead><tr><th>#</th><th>' +
        esc(t(kind === "depots" ? "Depot" : "Team")) + "</th><th>" + esc(t("Target")) + "</th><th>" + esc(t("km")) +
        "</th><th>" + esc(t("Travel")) + "</th><th>" + esc(t("In time")) + "</th></tr></thead><tbody>" +
        items.map(function (x, i) {
          var mats = (x.materials || []).slice(0, 4).map(function (m) {
            return esc(m.name) + " " + F.num(m.quantity) + esc(m.unit ? " " + t(m.unit) : "");
          }).join("、") + ((x.materials || []).length > 4 ? " …" : "");
          var extra = kind === "teams" ? [x.headcount ? t("{n} people", { n: x.headcount }) : "",
            (x.specialities || []).slice(0, 3).join("、")].filter(Boolean).join(" · ") : mats;
          return '<tr data-key="' + kind + ":" + esc(x.code) + '" class="' + (x.arrives_before_plume ? "ok" : "late") +
            (marked && !x.useful ? " more" : "") +
            '"><td>' + (i + 1) + "</td><td>" + esc(nm(x)) + (extra ? '<div class="muted">' + extra + "</div>" : "") +
            "</td><td>" + esc(x.target_name || x.target_code || "–") + '</td><td class="num">' + F.num(x.distance_km, 0) +
            '</td><td class="num">' + F.hours(x.travel_h) + '</td><td class="num">' +
            (x.arrives_before_plume ? "✔ " + (x.slack_h !== null && x.slack_h !== undefined ? "+" + F.hours(x.slack_h) : "") : "✘") +
            "</td></tr>";
        }).join("") + (rest ? '<tr class="more-toggle"><td colspan="6"><button type="button" class="link" data-more="' +
          kind + '">' + esc(t("+{n} more", { n: rest })) + "</button></td></tr>" : "") + "</tbody></table></div>";
    }

    var plan = res.plan || {};
    var steps = (plan.steps || []).slice().sort(function (a, b) { return a.order - b.order; });
    var checklist = '<ol class="checklist">' + steps.map(function (s, i) {
      var text = cfg.lang === "en" ? s.text_en || s.text : s.text || s.text_zh;
      return '<li><label><input type="checkbox" data-step="' + i + '" data-phase="' + esc(s.phase) + '" data-order="' +
        s.order + '" disabled> <span class="phase phase-' + esc(s.phase) +
        '">' + esc(t("phase_" + s.phase)) + "</span> " + esc(text) + "</label>" +
        '<div class="muted">' + esc(s.responsible || "") + (s.due_min ? " · " + esc(t("within {m} min", { m: s.due_min })) : "") +
        "</div></li>";
    }).join("") + "</ol>";
    var planTitle = cfg.lang === "en" ? plan.title_en || plan.title : plan.title;
    var contacts = (plan.contacts || []).map(function (c) {
      return "<li>" + esc(c.role_zh || "") + " · " + esc(c.unit_zh || "") + " · " + esc(c.name || "") + " " +
        esc(c.phone || "") + "</li>";
    }).join("");

    var model = res.model || {};
    // the method and assumptions come in English; the dictionary holds their translations,
    // and a warning appended to them is shown in the page's language
    var warned = {};
    (res.warnings || []).forEach(function (w) { warned[w.en] = cfg.lang === "en" ? w.en : w.zh || w.en; });
    var modelBox = "<p>" + esc(t(model.method || "")) + "</p><ul>" + (model.assumptions || []).map(function (a) {
      return "<li>" + esc(warned[a] || t(a)) + "</li>";
    }).join("") + "</ul>";

    // warnings the model cannot resolve (e.g. an intake upstream of the plume's entry in the
    // same reservoir): shown above everything else, in the page's language
    var warnBox = (res.warnings || []).length ? '<ul class="warnings" id="warnings">' + res.warnings.map(function (w) {
      return '<li class="warning">⚠ ' + esc(cfg.lang === "en" ? w.en || w.zh : w.zh || w.en) + "</li>";
    }).join("") + "</ul>" : "";

    $("results").innerHTML = head + levelCard + warnBox + actions +
      section(t("Receptors downstream") + " (" + (res.receptors || []).length + ")", recTable, true, "sec-receptors") +
      section(t("Concentration charts"), chartBox, true, "sec-chart") +
      section(t("Depots ranked") + " (" + (res.depots || []).length + ")", resTable("depots", res.depots || []), true, "sec-depots") +
      section(t("Rescue teams") + " (" + (res.teams || []).length + ")", resTable("teams", res.teams || []), false, "sec-teams") +
      section(t("Who to notify") + " (" + (res.notify || []).length + ")", notify ? "<ul class=notify>" + notify + "</ul>" :
        '<p class="muted">' + esc(t("No administrative boundary on the path.")) + "</p>", true, "sec-notify") +
      section(t("Plan steps") + " (" + steps.length + ")", (planTitle ? "<p><b>" + esc(planTitle) + "</b></p>" : "") +
        checklist + (contacts ? "<h5>" + esc(t("Contacts")) + "</h5><ul>" + contacts + "</ul>" : ""), false, "sec-plan") +
      section(t("Model and assumptions"), modelBox, false, "sec-model");

    wirePanel(res);
    showCurve("profile");
    startCountdown(res);
    updateSaved();
  }

  function wirePanel(res) {
    var save = $("btn-save");
    if (save) save.addEventListener("click", saveIncident);
    Array.prototype.forEach.call(document.querySelectorAll("button[data-more]"), function (b) {
      b.addEventListener("click", function (e) {
        e.stopPropagation();
        var table = $(b.dataset.more + "-table");
        if (table) table.classList.remove("collapsed");
        b.closest("tr").remove();
      });
    });
    $("btn-share").addEventListener("click", function () {
      var url = window.location.href;
      (navigator.clipboard ? navigator.clipboard.writeText(url) : Promise.reject())
        .then(function () { WG.toast(t("Link copied")); })
        .catch(function () { window.prompt(t("Copy this link"), url); });
    });
    $("chart-select").addEventListener("change", function (e) { showCurve(e.target.value); });
    document.querySelectorAll("#receptor-table tbody tr").forEach(function (tr) {
      tr.addEventListener("click", function (e) {
        if (e.target.closest("[data-act]")) return;
        var i = +tr.dataset.i, r = res.receptors[i];
        map.setView([r.lat, r.lon], Math.max(map.getZoom(), 10));
        S.recMarkers[i].openPopup();
        showCurve(i);
      });
    });
    document.querySelectorAll("table.resources tbody tr").forEach(function (tr) {
      var line = S.resLines[tr.dataset.key];
      if (!line) return;
      tr.addEventListener("mouseenter", function () { line.setStyle({ weight: 6 }); line.bringToFront(); });
      tr.addEventListener("mouseleave", function () { line.setStyle({ weight: 2.5 }); });
      tr.addEventListener("click", function () { map.fitBounds(line.getBounds().pad(0.3)); line.openTooltip(); });
    });
    // plan ticks live on the server (incident_dispatch.js): shown and set there, for
    // every officer on the incident; disabled until the incident is saved
    if (WG.syncChecklist) WG.syncChecklist();
  }

  // ---- charts -------------------------------------------------------------------------
  // Chart.js is loaded on first use: the map is ready sooner without it.
  var chartLib = null;
  function withChart(fn) {
    if (window.Chart) { fn(); return; }
    if (!chartLib) {
      chartLib = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = cfg.chart_js; s.onload = resolve; s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    chartLib.then(fn);
  }

  function showCurve(which) {
    if (!window.Chart) { withChart(function () { showCurve(which); }); return; }
    var res = S.result;
    if (!res) return;
    var sel = $("chart-select");
    if (sel) sel.value = String(which);
    S.chartMode = which;
    var canvas = $("chart");
    if (!canvas) return;
    if (S.chart) { S.chart.destroy(); S.chart = null; }
    var datasets, xTitle, yType = "linear", limit;
    if (which === "profile") {
      limit = S.limit;
      xTitle = t("km downstream of the spill");
      yType = "logarithmic";
      datasets = [{
        label: t("Peak concentration (expected)"), data: (res.profile || []).map(function (p) { return { x: p[0], y: Math.max(p[1], 1e-6) }; }),
        borderColor: "#c62828", backgroundColor: "#c62828", pointRadius: 0, borderWidth: 2,
      }];
      if (res.worst_profile && res.worst_profile.length) {
        datasets.push({ label: t("Worst case"), data: res.worst_profile.map(function (p) { return { x: p[0], y: Math.max(p[1], 1e-6) }; }),
          borderColor: "#ff8a65", borderDash: [5, 4], pointRadius: 0, borderWidth: 1.5 });
      }
      datasets.push({ label: t("Receptors"), type: "scatter", data: (res.receptors || []).map(function (r) {
        return { x: r.river_km, y: Math.max(r.peak_conc_mgl, 1e-6), name: recName(r) + (r.slick ? " (" + slickLine(r) + ")" : "") };
      }), backgroundColor: (res.receptors || []).map(function (r) { return KIND_COLOURS[r.kind] || "#555"; }), pointRadius: 4 });
    } else {
      var r = res.receptors[+which];
      if (!r) return;
      limit = r.limit_mgl;
      xTitle = t("hours after the spill");
      datasets = [{ label: recName(r), data: (r.curve || []).map(function (p) { return { x: p[0], y: p[1] }; }),
        borderColor: "#1565c0", backgroundColor: "rgba(21,101,192,.15)", fill: true, pointRadius: 0, borderWidth: 2 }];
      if (r.slick && r.slick.passage_end_h !== null) {  // the slick's passage, at the peak's height
        datasets.push({ label: slickLine(r), data: [{ x: r.slick.arrival_h, y: r.peak_conc_mgl },
          { x: r.slick.passage_end_h, y: r.peak_conc_mgl }], borderColor: "#4e342e", borderWidth: 6, pointRadius: 3 });
      }
    }
    var xs = [];
    datasets.forEach(function (d) { d.data.forEach(function (p) { xs.push(p.x); }); });
    var xmin = Math.min.apply(null, xs.concat([0])), xmax = Math.max.apply(null, xs.concat([1]));
    if (limit) {
      datasets.push({ label: t("Limit") + " " + limit + " mg/L", data: [{ x: xmin, y: limit }, { x: xmax, y: limit }],
        borderColor: "#d50000", borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 });
    }
    datasets.push({ label: t("Playback time"), data: [], borderColor: "#333", pointRadius: 0, borderWidth: 1, hidden: !S.play.active });
    S.chart = new window.Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: true,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: { type: "linear", title: { display: true, text: xTitle } },
          y: { type: yType, title: { display: true, text: "mg/L" } },
        },
        plugins: {
          legend: { labels: { boxWidth: 12, font: { size: 11 }, filter: function (item) {
            return item.text !== t("Playback time");
          } } },
          tooltip: { callbacks: { label: function (ctx) {
            var p = ctx.raw || {};
            return (p.name || ctx.dataset.label) + ": " + F.num(ctx.parsed.y) + " mg/L @ " + F.num(ctx.parsed.x, 1);
          } } },
        },
      },
    });
    updateChartTime();
  }
  WG.showCurve = showCurve;

  function updateChartTime() {
    if (!S.chart || S.chartMode === "profile" || S.chartMode === null) return;
    var ds = S.chart.data.datasets[S.chart.data.datasets.length - 1];
    var ymax = S.chart.scales && S.chart.scales.y ? S.chart.scales.y.max : 1;
    ds.hidden = !S.play.active;
    ds.data = S.play.active ? [{ x: S.play.t, y: 0 }, { x: S.play.t, y: ymax }] : [];
    S.chart.update("none");
  }

  // ---- countdown ----------------------------------------------------------------------
  var countdownTimer = null;
  function startCountdown(res) {
    if (countdownTimer) clearInterval(countdownTimer);
    var lv = res.level || {};
    var due = lv.report_due_at ? new Date(lv.report_due_at) : null;
    var found = lv.discovered_at ? new Date(lv.discovered_at) : startDate();
    if ((!due || isNaN(due)) && found && !isNaN(found) && lv.report_due_min) due = new Date(found.getTime() + lv.report_due_min * 60e3);
    var el = $("countdown");
    if (!due || isNaN(due) || !el) { if (el) el.textContent = ""; return; }
    function tick() {
      var left = due - new Date();
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 30 * 60e3);
      el.innerHTML = (found && !isNaN(found) ? esc(t("Discovered {time}", { time: F.clock(found) })) + "<br>" : "") +
        esc(t("Report due {time} ({min} min after discovery)", { time: F.clock(due), min: lv.report_due_min || "" })) +
        "<br><b>" + (left >= 0 ? esc(t("{d} left", { d: F.duration(left) })) : esc(t("overdue by {d}", { d: F.duration(left) }))) + "</b>";
    }
    tick();
    countdownTimer = setInterval(tick, 1000);
  }

  // ---- playback -----------------------------------------------------------------------
  var pb = { bar: $("playback"), play: $("pb-play"), slider: $("pb-slider"), label: $("pb-label"),
             speed: $("pb-speed"), close: $("pb-close") };
  function setupPlayback(res) {
    stopPlay();
    var horizon = (res.model && res.model.horizon_h) || (S.request && S.request.horizon_h) || 72;
    var lastPeak = Math.max.apply(null, [0].concat((res.receptors || []).map(function (r) {
      return isFinite(r.peak_h) ? r.peak_h : 0;
    })));
    var tmax = Math.max(1, Math.min(horizon, Math.ceil(lastPeak * 1.3 + 2)));
    pb.slider.max = String(tmax);
    pb.slider.step = tmax > 48 ? "0.5" : "0.25";
    pb.slider.value = "0";
    pb.bar.hidden = false;
    S.play.active = false;
    S.play.t = 0;
    updatePlayLabel();
  }
  function updatePlayLabel() {
    var h = S.play.t;
    pb.label.innerHTML = "T+" + F.num(h, 1) + " h" + (atClock(h) ? " · " + esc(atClock(h)) : "") +
      (S.play.active && S.play.max !== undefined ? " · " + esc(t("max")) + " " + F.num(S.play.max) + " mg/L" : "");
  }
  function applyTime(h) {
    var M = S.model;
    if (!M) return;
    S.play.t = h;
    S.play.active = true;
    document.querySelector("#legend .lg-play").hidden = false;
    var limit = S.limit || 0, peakMax = Math.max.apply(null, M.profC.concat([0])), maxNow = 0;
    M.pieces.forEach(function (pc, i) {
      var c = concAt(M, pc.km, h);
      maxNow = Math.max(maxNow, c);
      var line = S.pieceLayers[i];
      if (c < peakMax * 1e-3 || c <= 0) {
        line.setStyle({ color: "#b0bec5", opacity: 0.45, weight: 5 });
      } else {
        line.setStyle({ color: limit ? ratioColour(c / limit) : ratioColour(c / peakMax * 2),
          opacity: 0.95, weight: 9 });
      }
    });
    S.play.max = maxNow;
    // Leading edge position: where the arrival time equals h.
    var front = null;
    if (h >= M.arrH[0] && h <= M.arrH[M.arrH.length - 1]) {
      var km = interp(M.arrH, M.arrKm, h);
      var best = null;
      M.pieces.forEach(function (pc) { if (best === null || Math.abs(pc.km - km) < Math.abs(best.km - km)) best = pc; });
      if (best) front = best.latlngs[best.latlngs.length - 1];
    }
    if (front) { S.front.setLatLng(front); if (!L_PATH.hasLayer(S.front)) L_PATH.addLayer(S.front); }
    else if (L_PATH.hasLayer(S.front)) L_PATH.removeLayer(S.front);
    (S.result.receptors || []).forEach(function (r, i) {
      var c = curveAt(r.curve, h), el = S.recMarkers[i];
      var over = r.limit_mgl ? c > r.limit_mgl : false;
      el.setStyle({ radius: (r.kind === "water_source" ? 8 : 6.5) + (over ? 4 : c > 0 ? 2 : 0),
        color: over ? "#d50000" : c > 0 ? "#ff9800" : (r.exceeds ? "#d50000" : "#fff") });
    });
    updatePlayLabel();
    updateChartTime();
  }
  function resetPlayback() {
    stopPlay();
    S.play.active = false;
    if (!S.model) return;
    S.pieceLayers.forEach(function (l) { l.setStyle({ color: l._wgBase, opacity: 0.9, weight: 7 }); });
    if (L_PATH.hasLayer(S.front)) L_PATH.removeLayer(S.front);
    drawReceptors(S.result);
    var lg = document.querySelector("#legend .lg-play");
    if (lg) lg.hidden = true;
    updatePlayLabel();
    updateChartTime();
  }
  function stopPlay() {
    if (S.play.timer) clearInterval(S.play.timer);
    S.play.timer = null;
    pb.play.textContent = "▶";
    pb.play.title = t("Play");
  }
  pb.play.addEventListener("click", function () {
    if (S.play.timer) { stopPlay(); return; }
    var max = +pb.slider.max;
    if (+pb.slider.value >= max) pb.slider.value = "0";
    pb.play.textContent = "⏸";
    pb.play.title = t("Pause");
    S.play.timer = setInterval(function () {
      var step = (+pb.speed.value) * (+pb.slider.step);
      var v = Math.min(max, +pb.slider.value + step);
      pb.slider.value = String(v);
      applyTime(v);
      if (v >= max) stopPlay();
    }, 120);
  });
  pb.slider.addEventListener("input", function () { applyTime(+pb.slider.value); });
  pb.close.addEventListener("click", resetPlayback);
  WG.playAt = function (h) { pb.slider.value = String(h); applyTime(h); };

  // ---- saving, listing, reopening ----------------------------------------------------------
  function updateSaved() {
    var info = $("saved-info"), sheet = $("btn-sheet"), save = $("btn-save");
    if (!info) return;
    if (S.saved) {
      info.textContent = t("Saved as incident #{id}", { id: S.saved.id });
      sheet.href = "/incidents/" + S.saved.id + "/sheet.pdf";
      sheet.hidden = false;
      if (save) save.hidden = true;
    } else {
      info.textContent = "";
      sheet.hidden = true;
      if (save) save.hidden = false;
    }
  }

  function defaultTitle() {
    var res = S.result || {}, snap = res.snap || {}, pol = res.pollutant || {};
    var polF = WG.byCode.pollutants && WG.byCode.pollutants[pol.code];
    var river = cfg.lang === "en" ? snap.river_name_en || snap.river_name : snap.river_name;
    return t("{pollutant} spill in the {river}", { pollutant: polF ? nm(polF.properties) : pol.name || "",
      river: river || "" }) + " " + (startDate() ? F.clock(startDate()) : "");
  }

  /** A random key of this analysis' save: the same key saved twice (a double click, a
   * retry after a lost answer) returns the first incident instead of a duplicate. */
  function newClientKey() {
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // Saving asks for the title in a dialog of the page (webgis/templates/incident/save_dialog.html).
  function saveIncident() {
    var dlg = $("save-dialog");
    if (!S.clientKey) S.clientKey = newClientKey();
    $("save-title").value = defaultTitle().trim();
    $("save-drill").checked = !!($("f-drill") && $("f-drill").checked);
    $("save-error").textContent = "";
    if (!dlg.open) dlg.showModal();
    $("save-title").select();
  }
  WG.saveIncident = saveIncident;

  function postSave(title, kind) {
    var ok = $("save-ok"), btn = $("btn-save");
    ok.disabled = true;
    if (btn) btn.disabled = true;
    return fetch(cfg.api + "/incidents", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf },
      body: JSON.stringify({ title: title, kind: kind, request: S.request, client_key: S.clientKey }),
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (!r.ok) { var e = new Error(apiError(body, r.status).join("; ")); e.status = r.status; throw e; }
        return body;
      });
    }).then(function (body) {
      $("save-dialog").close();
      S.saved = { id: body.id };
      if (body.result) { S.result = body.result; }
      window.history.replaceState(null, "", "/incidents/" + body.id);
      updateSaved();
      WG.workspace.attach(body.id);
      WG.toast(t(body.existing ? "Already saved as incident #{id}" : "Saved as incident #{id}", { id: body.id }));
    }).catch(function (err) {
      // signed out meanwhile: the link signs in and comes back here with the same key
      $("save-error").innerHTML = esc(t("Could not save") + ": " + err.message) + (err.status === 401 ?
        ' <a class="signin-link" href="/login">' + esc(t("Sign in")) + "</a>" : "");
    }).then(function () { ok.disabled = false; if (btn) btn.disabled = false; });
  }
  if ($("save-form")) {
    $("save-form").addEventListener("submit", function (e) {
      e.preventDefault();
      if ($("save-ok").disabled) return;  // one request at a time; the key covers the rest
      postSave($("save-title").value.trim() || defaultTitle().trim(),
        $("save-drill").checked ? "drill" : "incident");
    });
    $("save-cancel").addEventListener("click", function () { $("save-dialog").close(); });
  }

  function loadIncidentList() {
    var box = $("incident-list");
    box.innerHTML = '<li class="muted">' + esc(t("Loading…")) + "</li>";
    // real incidents or drills, never both in one list (issue 14)
    var kindBox = document.querySelector('input[name="list-kind"]:checked');
    var kind = kindBox ? kindBox.value : "incident";
    fetch(cfg.api + "/incidents?limit=30&kind=" + kind, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (body) {
        var items = body.incidents || [];
        box.innerHTML = items.length ? items.map(function (x) {
          return '<li><button type="button" class="linklike" data-act="open-incident" data-id="' + x.id + '">#' +
            x.id + " " + esc(x.title) + '</button><div class="muted">' + esc(F.clock(new Date(x.created_at))) +
            " · " + esc(t(x.kind === "drill" ? "drill" : "incident")) + (x.level ? " · " + esc(t(LEVEL_NAMES[x.level] || x.level)) : "") +
            (x.status ? " · " + esc(t("st_" + x.status)) : "") +
            (x.created_by ? " · " + esc(x.created_by) : "") + "</div></li>";
        }).join("") : '<li class="muted">' + esc(t("No incidents saved yet.")) + "</li>";
      })
      .catch(function (err) { box.innerHTML = '<li class="error">' + esc(String(err)) + "</li>"; });
  }

  document.querySelectorAll('input[name="list-kind"]').forEach(function (r) {
    r.addEventListener("change", loadIncidentList);
  });

  function openIncident(id) {
    return fetch(cfg.api + "/incidents/" + id, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (body) {
        S.analysisMs = null;
        S.clientKey = null;
        fillForm(body.request);
        S.saved = { id: body.id };
        showResult(body.request, body.result);
        window.history.replaceState(null, "", "/incidents/" + body.id);
        WG.workspace.attach(body.id);
      })
      .catch(function (err) { WG.toast(t("Could not open the incident") + ": " + err.message, "error"); });
  }
  WG.openIncident = openIncident;

  // ---- start: a saved incident, a shared scenario, or an empty form ---------------------------
  function begin() {
    if (cfg.incident_id) return openIncident(cfg.incident_id);
    var raw = new URLSearchParams(window.location.search).get("scenario");
    if (raw) {
      var req = null;
      try { req = JSON.parse(raw); } catch (e) { WG.toast(t("The scenario in the link is not valid JSON"), "error"); }
      if (req) { fillForm(req); return analyse(req); }
    }
    return Promise.resolve();
  }
  // "wg:started" once the page shows what its URL names (incident_session.js restores the
  // officer's unsaved form over it after a sign-in)
  function start() {
    begin().then(function () { document.dispatchEvent(new CustomEvent("wg:started")); });
  }
  if (WG.ready) start(); else document.addEventListener("wg:ready", start);
})();
