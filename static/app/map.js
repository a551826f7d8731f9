/* The duty officer's map: fills folium's layer groups from the layer API, popups, search.
 * The incident workflow lives in incident.js; both share window.WG. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("webgis-config").textContent);
  var F = window.webgisFmt;
  var strings = cfg.strings || {};

  /** Translate an English source string (the server sends the dictionary). */
  function t(s, args) {
    var out = strings[s] || s;
    if (args) Object.keys(args).forEach(function (k) { out = out.split("{" + k + "}").join(args[k]); });
    return out;
  }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  /** The name of a feature in the current language (name_zh/name_en, or name/name_en). */
  function nm(p) {
    if (!p) return "";
    if (cfg.lang === "en") return p.name_en || p.name || p.name_zh || p.code || "";
    return p.name_zh || p.name || p.name_en || p.code || "";
  }

  // folium's script (webgis/web/mapview.py), wrapped in a function by the page: it builds the
  // map, the empty layer groups and the controls, and returns them by their names.
  var made = window.WG_FOLIUM();
  var map = made[cfg.names.map];
  function group(key) { return made[cfg.names[key]]; }
  var WG = window.WG = {
    cfg: cfg, t: t, esc: esc, nm: nm, map: map, F: F,
    groups: {}, data: {}, byCode: {}, markers: {}, ready: false,
    control: made[cfg.names.control],
  };
  Object.keys(cfg.names).forEach(function (k) {
    if (k !== "map" && k !== "control") WG.groups[k] = group(k);
  });

  // Panes: admin fill at the bottom, then boundaries, rivers, points, results on top; the
  // spill point above every marker and cluster (markerPane is 600), under tooltips (650).
  [["basePane", 250], ["adminPane", 320], ["riverPane", 380], ["resultPane", 450],
   ["labelPane", 560], ["spillPane", 640]].forEach(function (p) {
    map.createPane(p[0]).style.zIndex = p[1];
  });
  map.getPane("labelPane").style.pointerEvents = "none";
  // Canvas for the many vector features: much faster to draw than SVG, and a click
  // tolerance makes thin rivers easy to hit on a tablet.
  var canvas = {
    base: L.canvas({ pane: "basePane" }),
    admin: L.canvas({ pane: "adminPane" }),
    river: L.canvas({ pane: "riverPane", tolerance: 6 }),
  };
  WG.canvas = canvas;

  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);

  // Leaflet finds its default marker images from leaflet.css's URL; the bundle inlines
  // that stylesheet (webgis/web/assets.py), so it would look for /marker-icon.png (404).
  L.Icon.Default.imagePath = "/static/vendor/leaflet/images/";

  var GANSU = cfg.gansu_bounds; // [[lat, lon], [lat, lon]]
  // At once: an animated pan would redraw every layer again when it ends.
  map.fitBounds(GANSU, { padding: [10, 10], animate: false });

  // ---- labels ---------------------------------------------------------------
  // Permanent names (rivers, provinces, towns). Leaflet's tooltip measures itself
  // (offsetWidth/offsetHeight) to centre on its point: one forced layout per label, ~180
  // of them on load (~100 ms) and again on every zoom. A label is placed at its point and
  // the CSS `translate` of .wg-lbl (map.css) does the centring instead.
  var Label = L.Tooltip.extend({
    options: { permanent: true, pane: "labelPane", interactive: false },
    _setPosition: function (pos) {
      var c = this._container;
      L.DomUtil.addClass(c, "leaflet-tooltip-" + this.options.direction);
      L.DomUtil.setPosition(c, pos.add(L.point(this.options.offset)).add(this._getAnchor()));
    },
  });
  /** A permanent label; `direction` "center" or "right" (CSS anchors those two). */
  function label(source, html, options) {
    options = L.extend({}, options);
    options.className = "wg-lbl " + (options.className || "");
    return new Label(options, source).setContent(html);
  }
  WG.label = label;

  // ---- symbols --------------------------------------------------------------
  var SYMBOLS = {
    water_sources: '<svg viewBox="0 0 20 20"><path d="M10 1 C10 1 3 9 3 13 a7 7 0 0 0 14 0 C17 9 10 1 10 1z" fill="#1565c0" stroke="#fff" stroke-width="1.5"/></svg>',
    sections: '<svg viewBox="0 0 20 20"><path d="M10 2 L18 17 L2 17 Z" fill="#6a1b9a" stroke="#fff" stroke-width="1.5"/></svg>',
    interception_points: '<svg viewBox="0 0 20 20"><rect x="3" y="3" width="14" height="14" rx="2" fill="#2e7d32" stroke="#fff" stroke-width="1.5"/><path d="M6 10h8" stroke="#fff" stroke-width="2.5"/></svg>',
    depots: '<svg viewBox="0 0 22 22"><rect x="2" y="2" width="18" height="18" rx="3" fill="#ef6c00" stroke="#fff" stroke-width="1.5"/><path d="M11 6v10M6 11h10" stroke="#fff" stroke-width="3"/></svg>',
    teams: '<svg viewBox="0 0 22 22"><path d="M11 1 L20 5 V11 C20 16 16 20 11 21 C6 20 2 16 2 11 V5 Z" fill="#c62828" stroke="#fff" stroke-width="1.5"/><circle cx="11" cy="9" r="3" fill="#fff"/><path d="M6 17c1-3 3-4 5-4s4 1 5 4" fill="#fff"/></svg>',
  };
  WG.SYMBOLS = SYMBOLS;  // legend.js draws the legend with the same symbols
  var SIZES = { water_sources: 18, sections: 16, interception_points: 16, depots: 22, teams: 22 };
  var RISK_COLOURS = { major: "#c62828", larger: "#ef6c00", general: "#f9a825" };
  // One icon per symbol, shared by its markers; each marker gets a clone of the parsed SVG
  // instead of parsing the same markup again (innerHTML) for every one of ~600 markers.
  var SymbolIcon = L.DivIcon.extend({
    createIcon: function (old) {
      var div = old && old.tagName === "DIV" ? old : document.createElement("div");
      if (!this._svg) {
        var tpl = document.createElement("div");
        tpl.innerHTML = this.options.html;
        this._svg = tpl.firstChild;
      }
      div.textContent = "";
      div.appendChild(this._svg.cloneNode(true));
      this._setIconStyles(div, "icon");
      return div;
    },
  });
  var icons = {};
  function icon(key, extra) {
    var id = key + (extra ? " " + extra : ""), s = SIZES[key];
    return icons[id] || (icons[id] = new SymbolIcon({
      className: "wg-sym wg-" + id, html: SYMBOLS[key],
      iconSize: [s, s], iconAnchor: [s / 2, s / 2], popupAnchor: [0, -s / 2],
    }));
  }
  function enterpriseIcon(risk) {
    var id = "ent " + risk;
    return icons[id] || (icons[id] = new SymbolIcon({
      className: "wg-sym wg-ent",
      html: '<svg viewBox="0 0 16 16"><circle cx="8" cy="8" r="6" fill="' +
        (RISK_COLOURS[risk] || "#999") + '" stroke="#fff" stroke-width="2"/></svg>',
      iconSize: [16, 16], iconAnchor: [8, 8], popupAnchor: [0, -8],
    }));
  }
  WG.icon = icon;

  // ---- popups ---------------------------------------------------------------
  function row(label, value) {
    if (value === null || value === undefined || value === "") return "";
    return "<tr><th>" + esc(label) + "</th><td>" + value + "</td></tr>";
  }
  function contact(p) {
    if (!p.contact_name && !p.contact_phone) return "";
    return row(t("Contact"), esc(p.contact_name || "") + " " + esc(p.contact_phone || "") +
      (p.fictitious_contact ? ' <span class="muted">(' + esc(t("fictitious")) + ")</span>" : ""));
  }
  function riverName(code) {
    var r = WG.byCode.rivers && WG.byCode.rivers[code];
    return r ? nm(r.properties) : code || "";
  }
  function spillButton(lon, lat, extra) {
    return '<button type="button" class="btn btn-danger" data-act="spill" data-lon="' + lon +
      '" data-lat="' + lat + '"' + (extra || "") + ">" + esc(t("Analyse a spill here")) + "</button>";
  }
  function list(items) {
    return (items || []).map(function (x) { return esc(x); }).join("、");
  }

  var POPUPS = {
    depots: function (p) {
      var inv = (p.inventory || []).map(function (i) {
        var name = cfg.lang === "en" ? i.name_en || i.name_zh : i.name_zh || i.name_en;
        return "<tr><td>" + esc(name) + "</td><td class=num>" + F.num(i.quantity) + "</td><td>" +
          esc(t(i.unit)) + "</td></tr>";
      }).join("");
      return "<h4>" + esc(nm(p)) + "</h4><table class=kv>" +
        row(t("Kind"), esc(t("depot_" + p.kind))) + row(t("Status"), esc(t("status_" + p.status))) +
        row(t("Operator"), esc(p.operator)) + row(t("Address"), esc(p.address)) + contact(p) +
        "</table><h5>" + esc(t("Inventory")) + " (" + (p.inventory || []).length + ")</h5>" +
        (inv ? '<div class="scroll"><table class="grid"><tr><th>' + esc(t("Material")) +
          "</th><th>" + esc(t("Quantity")) + "</th><th>" + esc(t("Unit")) + "</th></tr>" + inv +
          "</table></div>" : '<p class="muted">' + esc(t("No stock recorded")) + "</p>");
    },
    teams: function (p) {
      return "<h4>" + esc(nm(p)) + "</h4><table class=kv>" + row(t("Base"), esc(p.base)) +
        row(t("Headcount"), esc(p.headcount)) + row(t("Specialities"), list(p.specialities)) +
        row(t("Equipment"), list(p.equipment)) + contact(p) + "</table>";
    },
    enterprises: function (p, ll) {
      var subs = (p.substances || []).map(function (s) {
        var name = cfg.lang === "en" ? s.name_en || s.name_zh : s.name_zh || s.name_en;
        return "<tr><td>" + esc(name) + "</td><td>" + esc(t("class_" + s.pclass)) +
          "</td><td class=num>" + F.num(s.max_t) + "</td></tr>";
      }).join("");
      return "<h4>" + esc(nm(p)) + "</h4><table class=kv>" +
        row(t("Risk level"), '<span class="risk risk-' + esc(p.risk_level) + '">' +
          esc(t("risk_" + p.risk_level)) + "</span>") +
        row(t("Industry"), esc(t("industry_" + p.industry))) +
        row(t("Plan filed"), esc(p.plan_filed ? t("yes") : t("no"))) +
        row(t("Outfall"), esc(p.outfall_reach)) +
        "</table><h5>" + esc(t("Hazardous substances")) +
        '</h5><div class="scroll"><table class="grid"><tr><th>' +
        esc(t("Substance")) + "</th><th>" + esc(t("Class")) + "</th><th>" + esc(t("Max. stored (t)")) +
        "</th></tr>" + subs + "</table></div>" +
        (p.fictitious ? '<p class="muted">' + esc(t("Illustrative (fictitious) enterprise")) + "</p>" : "") +
        '<button type="button" class="btn btn-danger" data-act="spill-enterprise" data-code="' +
        esc(p.code) + '">' + esc(t("Spill from this enterprise")) + "</button>";
    },
    water_sources: function (p, ll) {
      return "<h4>" + esc(nm(p)) + "</h4><table class=kv>" +
        row(t("River"), esc(riverName(p.river_code))) +
        row(t("Supplies"), esc(p.serves_name_zh) + " (" + esc(t("serves_" + p.serves)) + ")") +
        row(t("Population served"), F.num(p.population_served)) +
        row(t("Reach"), esc(p.reach)) + "</table>" + spillButton(ll.lng, ll.lat);
    },
    sections: function (p, ll) {
      return "<h4>" + esc(nm(p)) + "</h4><table class=kv>" +
        row(t("River"), esc(riverName(p.river_code))) +
        row(t("Level"), esc(t("section_" + p.level))) +
        row(t("Target class"), esc(["", "I", "II", "III", "IV", "V"][p.target_class] || p.target_class)) +
        row(t("Provincial exit"), p.is_exit ? esc(t("yes")) + (p.boundary ? " · " + esc(p.boundary) : "") : "") +
        row(t("Reach"), esc(p.reach)) + "</table>" + spillButton(ll.lng, ll.lat);
    },
    interception_points: function (p, ll) {
      var tech = (p.techniques || []).map(function (x) { return esc(t("tech_" + x)); }).join("、");
      return "<h4>" + esc(nm(p)) + "</h4><table class=kv>" +
        row(t("River"), esc(riverName(p.river_code))) +
        row(t("Kind"), esc(t("ip_" + p.kind))) +
        row(t("Capacity"), p.capacity_m3 ? F.num(p.capacity_m3, 0) + " m³" : "") +
        row(t("Holding time"), p.holding_h ? F.num(p.holding_h) + " h" : "") +
        row(t("Techniques"), tech) + row(t("Access"), esc(p.access)) +
        row(t("Distance from road"), p.access_road_km !== null && p.access_road_km !== undefined ?
          F.num(p.access_road_km) + " km" : "") +
        "</table>" + spillButton(ll.lng, ll.lat);
    },
    places: function (p) {
      return "<h4>" + esc(nm(p)) + "</h4><p>" + esc(t("place_" + p.kind)) + "</p>";
    },
    rivers: function (p, ll) {
      return "<h4>" + esc(nm(p)) + "</h4><table class=kv>" +
        row(t("Basin"), esc(t("basin_" + p.basin))) +
        row(t("Length"), p.length_km ? F.num(p.length_km, 0) + " km" : "") +
        row(t("Flows into"), esc(p.receiving_code ? riverName(p.receiving_code) : p.receiving_name_zh)) +
        row(t("Key river"), p.is_key ? esc(t("yes")) : esc(t("no"))) +
        "</table>" + spillButton(ll.lng.toFixed(5), ll.lat.toFixed(5));
    },
  };
  WG.popups = POPUPS;
  // Keep popups clear of the layer control (top right) and the playback bar (bottom).
  var POPUP_OPTIONS = { maxWidth: 360, minWidth: 240, autoPanPaddingTopLeft: [50, 20],
                        autoPanPaddingBottomRight: [240, 70] };
  WG.POPUP_OPTIONS = POPUP_OPTIONS;

  // ---- layer rendering ------------------------------------------------------
  var BASIN_COLOURS = { yellow: "#b8860b", yangtze: "#1f6fb2", inland: "#0f8b8d" };
  function riverWeight(p) {
    var len = p.length_km || 50;
    var w = 1 + 3.2 * Math.max(0, Math.min(1, Math.log(len / 40) / Math.log(5464 / 40)));
    return p.is_key ? w + 0.4 : w * 0.8;
  }

  function addPoints(key, fc, makeIcon) {
    var g = WG.groups[key], batch = [];
    WG.markers[key] = {};
    fc.features.forEach(function (f) {
      if (!f.geometry) return;
      var c = f.geometry.coordinates, ll = L.latLng(c[1], c[0]);
      var p = f.properties;
      var mk = L.marker(ll, { icon: makeIcon(p), risk: p.risk_level, title: nm(p), keyboard: false });
      mk.bindPopup(function () { return POPUPS[key](p, ll); }, POPUP_OPTIONS);
      mk.bindTooltip(esc(nm(p)), { direction: "top", offset: [0, -8] });
      mk.feature = f;
      batch.push(mk);
      WG.markers[key][p.code] = mk;
    });
    if (g.addLayers) g.addLayers(batch);  // marker cluster: one bulk insert
    else batch.forEach(function (mk) { g.addLayer(mk); });
  }

  var RENDER = {
    admin_areas: function (fc) {
      var base = WG.groups.base, g = WG.groups.admin_areas;
      var provinces = fc.features.filter(function (f) { return f.properties.level === "province"; });
      var others = fc.features.filter(function (f) { return f.properties.level !== "province"; });
      L.geoJSON({ type: "FeatureCollection", features: provinces }, {
        pane: "basePane", interactive: false, renderer: canvas.base,
        style: function (f) {
          var gansu = f.properties.code === "620000";
          return { stroke: false, fillColor: gansu ? "#f7f3e8" : "#e4e4df", fillOpacity: 1 };
        },
      }).addTo(base);
      L.geoJSON({ type: "FeatureCollection", features: others }, {
        pane: "adminPane", interactive: false, renderer: canvas.admin,
        style: { color: "#8d7b68", weight: 1, dashArray: "4 3", fill: false },
      }).addTo(g);
      L.geoJSON({ type: "FeatureCollection", features: provinces }, {
        pane: "adminPane", interactive: false, renderer: canvas.admin,
        style: function (f) {
          return f.properties.code === "620000" ?
            { color: "#7b4f2a", weight: 2.4, fill: false } :
            { color: "#9e9e9e", weight: 1.2, fill: false };
        },
        onEachFeature: function (f, layer) {
          if (f.properties.code !== "620000") {
            layer.bindTooltip(label(layer, esc(nm(f.properties)), {
              direction: "center", className: "wg-label prov-label",
            }));
          }
        },
      }).addTo(g);
    },
    rivers: function (fc) {
      var g = WG.groups.rivers;
      WG.riverLayers = {};
      L.geoJSON(fc, {
        pane: "riverPane", renderer: canvas.river,
        style: function (f) {
          var p = f.properties;
          return { color: BASIN_COLOURS[p.basin] || "#1f6fb2", weight: riverWeight(p), opacity: 0.9,
                   lineCap: "round", lineJoin: "round" };
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindPopup(function (l) { return POPUPS.rivers(p, l._wgClick || l.getCenter()); });
          layer.on("click", function (e) { layer._wgClick = e.latlng; });
          var major = (p.length_km || 0) >= 250 || p.code === "HUANGHE";
          layer.bindTooltip(label(layer, esc(nm(p)), {
            direction: "center",
            className: "wg-label river-label " + (major ? "major" : "minor") + " basin-" + p.basin,
          }));
          layer.on("mouseover", function () { layer.setStyle({ weight: riverWeight(p) + 2 }); });
          layer.on("mouseout", function () { layer.setStyle({ weight: riverWeight(p) }); });
          WG.riverLayers[p.code] = layer;
        },
      }).addTo(g);
    },
    places: function (fc) {
      var g = WG.groups.places;
      WG.markers.places = {};
      fc.features.forEach(function (f) {
        var p = f.properties, c = f.geometry.coordinates;
        var major = p.kind === "capital" || p.kind === "prefecture_seat";
        var mk = L.circleMarker([c[1], c[0]], {
          radius: p.kind === "capital" ? 5.5 : major ? 4.5 : 2.8, color: "#333", weight: 1.2,
          fillColor: p.kind === "capital" ? "#d32f2f" : "#fff", fillOpacity: 1, pane: "riverPane",
          renderer: canvas.river,
        });
        // Towns get a label on hover only: 46 fewer permanent labels to place on every zoom.
        var opts = { direction: "right", offset: [5, 0], pane: "labelPane",
                     className: "wg-label place-label place-" + p.kind };
        mk.bindTooltip(p.kind === "town" ? esc(nm(p)) : label(mk, esc(nm(p)), opts),
                       p.kind === "town" ? opts : undefined);
        mk.bindPopup(function () { return POPUPS.places(p); });
        mk.feature = f;
        g.addLayer(mk);
        WG.markers.places[p.code] = mk;
      });
    },
    water_sources: function (fc) { addPoints("water_sources", fc, function () { return icon("water_sources"); }); },
    sections: function (fc) { addPoints("sections", fc, function () { return icon("sections"); }); },
    interception_points: function (fc) {
      addPoints("interception_points", fc, function () { return icon("interception_points"); });
    },
    depots: function (fc) {
      addPoints("depots", fc, function (p) {
        return icon("depots", p.status === "operational" ? "" : "planned");
      });
    },
    teams: function (fc) { addPoints("teams", fc, function () { return icon("teams"); }); },
    enterprises: function (fc) {
      addPoints("enterprises", fc, function (p) { return enterpriseIcon(p.risk_level); });
    },
    pollutants: function () {},
  };

  // Labels by zoom: classes on the map container drive CSS visibility.
  function zoomClasses() {
    var z = map.getZoom(), el = map.getContainer();
    for (var i = 3; i <= 12; i++) el.classList.toggle("z-lt" + i, z < i);
  }
  map.on("zoomend", zoomClasses);
  zoomClasses();

  // ---- loading: one compact response with every layer (/map/layers.json) ---------------
  var LAYERS = ["admin_areas", "rivers", "places", "water_sources", "sections",
                "interception_points", "depots", "teams", "enterprises", "pollutants"];
  // Timings for benchmarks/bench_map.py (ms since navigation start; *Ms since t0).
  var t0 = WG.t0 = performance.now();
  // The page's head started the download and parses the JSON as soon as it is in.
  var request = window.WG_LAYERS || fetch(cfg.layers_url, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); });
  WG.loaded = request.then(function (body) {
    LAYERS.forEach(function (name) {
      var fc = body.layers[name];
      WG.data[name] = fc;
      WG.byCode[name] = {};
      fc.features.forEach(function (f) { WG.byCode[name][f.properties.code] = f; });
    });
    WG.dataAt = performance.now();
    WG.fetchMs = WG.dataAt - t0;
    WG.renderMs = {};
    LAYERS.forEach(function (name) {
      var t1 = performance.now();
      RENDER[name](WG.data[name]);
      WG.renderMs[name] = Math.round(performance.now() - t1);
    });
    WG.counts = {};
    LAYERS.forEach(function (name) { WG.counts[name] = WG.data[name].features.length; });
    WG.ready = true;
    WG.readyAt = performance.now();
    WG.readyMs = WG.readyAt - t0;
    document.body.dataset.ready = "1";
    document.dispatchEvent(new CustomEvent("wg:ready"));
  }).catch(function (err) {
    WG.error = String(err);
    document.body.dataset.ready = "error";
    showToast(t("Could not load the map layers") + ": " + err, "error");
  });

  // ---- toasts -----------------------------------------------------------------
  function showToast(text, kind) {
    var box = document.getElementById("toasts");
    var el = document.createElement("div");
    el.className = "toast " + (kind || "");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, kind === "error" ? 9000 : 4500);
  }
  WG.toast = showToast;

  // ---- search -------------------------------------------------------------------
  var SEARCHABLE = [["rivers", "River"], ["places", "Town"], ["enterprises", "Enterprise"],
    ["water_sources", "Intake"], ["sections", "Section"], ["interception_points", "Interception point"],
    ["depots", "Depot"], ["teams", "Team"]];
  var searchInput = document.getElementById("search");
  var searchList = document.getElementById("search-results");
  var searchHits = [];
  var searchMarker = null;

  function searchIndex(q) {
    var hits = [], needle = q.trim().toLowerCase();
    var ll = F.parseCoords(q);
    if (ll) {
      hits.push({ kind: t("Coordinates"), label: ll.lon.toFixed(5) + ", " + ll.lat.toFixed(5) +
        "  (" + F.dms(ll.lon, "E", "W") + " " + F.dms(ll.lat, "N", "S") + ")", coords: ll });
    }
    if (!needle || !WG.ready) return hits;
    SEARCHABLE.forEach(function (s) {
      var fc = WG.data[s[0]];
      fc.features.forEach(function (f) {
        var p = f.properties;
        // exact name or code first, then prefixes, then other matches (F.matchRank)
        var i = F.matchRank(needle, [p.name_zh, p.name_en, p.code, p.serves_name_zh]);
        if (i >= 0) hits.push({ kind: t(s[1]), label: nm(p), layer: s[0], feature: f, score: i });
      });
    });
    hits.sort(function (a, b) { return (a.coords ? -1 : 0) - (b.coords ? -1 : 0) || a.score - b.score; });
    return hits.slice(0, 12);
  }

  function renderHits() {
    searchList.innerHTML = searchHits.map(function (h, i) {
      return '<li role="option" data-i="' + i + '"' + (i === 0 ? ' class="active"' : "") +
        '><span class="kind">' + esc(h.kind) + "</span> " + esc(h.label) + "</li>";
    }).join("") || (searchInput.value.trim() ? '<li class="none">' + esc(t("Nothing found")) + "</li>" : "");
    searchList.hidden = !searchList.innerHTML;
  }

  // the searched point: a drawn pin (no image to go missing)
  var searchIcon = L.divIcon({
    className: "wg-sym wg-search-pin",
    html: '<svg viewBox="0 0 24 32"><path d="M12 1C6 1 1.5 5.5 1.5 11.3 1.5 19 12 31 12 31s10.5-12 10.5-19.7C22.5 5.5 18 1 12 1z" fill="#0b3d6b" stroke="#fff" stroke-width="2"/><circle cx="12" cy="11.5" r="4" fill="#fff"/></svg>',
    iconSize: [24, 32], iconAnchor: [12, 31], popupAnchor: [0, -28],
  });
  WG.searchIcon = searchIcon;

  function goTo(hit) {
    searchList.hidden = true;
    if (hit.coords) {
      var ll = L.latLng(hit.coords.lat, hit.coords.lon);
      if (searchMarker) searchMarker.remove();
      searchMarker = L.marker(ll, { icon: searchIcon, pane: "spillPane" }).addTo(map).bindPopup(
        "<h4>" + esc(t("Coordinates")) + "</h4><p>" + esc(F.lon(ll.lng)) + "<br>" + esc(F.lat(ll.lat)) +
        "</p>" + spillButton(ll.lng.toFixed(5), ll.lat.toFixed(5))).openPopup();
      map.setView(ll, Math.max(map.getZoom(), 10));
      return;
    }
    var layer = hit.layer, code = hit.feature.properties.code;
    if (layer === "rivers") {
      var rl = WG.riverLayers[code];
      map.fitBounds(rl.getBounds(), { padding: [30, 30] });
      if (!map.hasLayer(WG.groups.rivers)) map.addLayer(WG.groups.rivers);
      rl._wgClick = null;
      rl.openPopup(rl.getCenter());
      return;
    }
    var mk = WG.markers[layer][code];
    if (!map.hasLayer(WG.groups[layer])) map.addLayer(WG.groups[layer]);
    if (layer === "enterprises") {
      WG.groups.enterprises.zoomToShowLayer(mk, function () { mk.openPopup(); });
    } else {
      map.setView(mk.getLatLng(), Math.max(map.getZoom(), 11));
      mk.openPopup();
    }
  }
  WG.goTo = goTo;

  searchInput.addEventListener("input", function () {
    searchHits = searchIndex(searchInput.value);
    renderHits();
  });
  searchInput.addEventListener("keydown", function (e) {
    var items = searchList.querySelectorAll("li[data-i]");
    var cur = searchList.querySelector("li.active");
    var idx = cur ? +cur.dataset.i : -1;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!items.length) return;
      idx = (idx + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      items.forEach(function (li) { li.classList.toggle("active", +li.dataset.i === idx); });
    } else if (e.key === "Enter") {
      e.preventDefault();
      searchHits = searchIndex(searchInput.value);
      if (searchHits.length) goTo(searchHits[Math.max(0, Math.min(idx, searchHits.length - 1))]);
    } else if (e.key === "Escape") {
      searchList.hidden = true;
    }
  });
  searchList.addEventListener("mousedown", function (e) {
    var li = e.target.closest("li[data-i]");
    if (li) { e.preventDefault(); goTo(searchHits[+li.dataset.i]); }
  });
  searchInput.addEventListener("blur", function () { setTimeout(function () { searchList.hidden = true; }, 150); });

  // ---- on tablets the layer control opens on demand --------------------------------
  if (window.innerWidth < 1200) {
    var ctl = WG.control, box = ctl.getContainer();
    ctl.options.collapsed = true;  // adding the result overlays must not expand it again
    ctl.collapse();
    L.DomEvent.on(box.querySelector(".leaflet-control-layers-toggle"), "click", function (e) {
      L.DomEvent.preventDefault(e);
      if (box.classList.contains("leaflet-control-layers-expanded")) ctl.collapse(); else ctl.expand();
    });
    map.on("click", function () { ctl.collapse(); });
  }

  // ---- language links keep the current scenario ---------------------------------
  document.querySelectorAll("a[data-lang]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      var u = new URL(window.location.href);
      u.searchParams.set("lang", a.dataset.lang);
      window.location.href = u.toString();
    });
  });
})();
