/* Area screening: the area drawn on the map (issue 15 item 3). One current area at a time:
 * a circle (click the epicentre, then drag or click again for the radius; its centre and
 * radius handles drag and the km field edits it), a polygon (clicks add vertices, a double
 * click, a click on the first vertex, Enter or Finish closes it; its vertices drag; undo
 * drops the last one) or a GeoJSON file. What the screening sends (`WG.areaDraw.request()`,
 * screening.js) is built from exactly what is on the map: the circle from the lat/lon/km
 * fields the drawing writes, the polygon from its drawn vertices (rounded as they are
 * placed, so the preview is the request), a file's geometry as read. While drawing, a
 * transparent layer over the map takes the pointer (markers and popups under it cannot
 * swallow a click; a drag pans, the wheel zooms); Esc cancels the drawing. After a run the
 * preview gives way to the outline of the area that run screened. Shares window.WG. */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, map = WG.map;
  var CLICK_PX = 4;     // a press that moves less is a click, not a drag
  var SAME_PX = 6;      // a click this close to the last vertex adds none (a double click's)
  var DEG_DP = 5;       // drawn vertices and centres to 1e-5° (about a metre)
  var KM_DP = 1;        // the radius to 0.1 km, as the km field shows it
  var MAX_HANDLES = 500;  // a file's polygon with more vertices is shown, not edited
  var EARTH_R_M = 6371000;  // L.CRS.Earth.R: map.distance() and the drawn circle use it

  function $(id) { return document.getElementById(id); }
  function round(v, dp) { var f = Math.pow(10, dp); return Math.round(v * f) / f; }

  map.createPane("areaPane").style.zIndex = 455;        // over the results, under markers
  map.createPane("areaHandlePane").style.zIndex = 645;  // over every marker, under tooltips
  var renderer = L.svg({ pane: "areaPane" });
  var markRenderer = L.svg({ pane: "areaHandlePane" });
  var shapeLayer = L.layerGroup().addTo(map);   // the area, or the last run's area
  var handleLayer = L.layerGroup().addTo(map);  // draggable handles
  var guideLayer = L.layerGroup().addTo(map);   // the rubber band while drawing
  var STYLE = { pane: "areaPane", renderer: renderer, color: "#6a1b9a", weight: 2,
                fillColor: "#ce93d8", fillOpacity: 0.15, interactive: false };
  var RUN_STYLE = L.extend({}, STYLE, { dashArray: "6 5", fillOpacity: 0.04 });
  var GUIDE_STYLE = L.extend({}, STYLE, { dashArray: "4 4", weight: 1.5, fill: false });

  var S = {
    drawing: null,      // "circle" | "polygon" while the overlay takes the pointer
    vertices: [],       // the polygon's [lat, lng], in drawing order
    closed: false,      // the polygon is finished: its vertices drag
    file: null,         // a loaded file's GeoJSON, sent as read (not editable)
    circleShown: false, // the circle of the fields is on the map (and may be sent)
    centreSet: false,   // drawing a circle: the epicentre is placed
    kmBefore: "",       // drawing a circle: the km field before (Esc restores it)
    press: null,        // the pointer press on the overlay: {x, y, lastX, lastY, moved, centre}
    errorMark: null
  };
  var circle = null, centreH = null, radiusH = null, poly = null;

  // ---- the panel ------------------------------------------------------------------------
  var kindSel = $("scr-area"), latIn = $("scr-lat"), lonIn = $("scr-lon"), kmIn = $("scr-radius");
  var errorEl = $("area-error");
  function kind() { return kindSel.value; }
  function setKind(k) {
    if (kindSel.value !== k) { kindSel.value = k; panelFor(k); }
  }
  function panelFor(k) {
    $("scr-circle").hidden = k !== "circle";
    $("area-polygon-tools").hidden = k !== "polygon";
  }
  function fieldsCircle() {
    var c = { lat: parseFloat(latIn.value), lon: parseFloat(lonIn.value),
              radius_km: parseFloat(kmIn.value) };
    return isFinite(c.lat) && isFinite(c.lon) && isFinite(c.radius_km) ? c : null;
  }
  function setError(text) {
    errorEl.textContent = text || "";
    if (S.errorMark) { map.removeLayer(S.errorMark); S.errorMark = null; }
  }

  // ---- drawing what is current ------------------------------------------------------------
  /** The point `km` east of `c` on the great circle distance map.distance() measures. */
  function eastOf(c, km) {
    var d = km * 1000 / EARTH_R_M, phi = c.lat * Math.PI / 180;
    var cosDl = (Math.cos(d) - Math.sin(phi) * Math.sin(phi)) / (Math.cos(phi) * Math.cos(phi));
    return L.latLng(c.lat, c.lon + Math.acos(Math.max(-1, Math.min(1, cosDl))) * 180 / Math.PI);
  }
  function handle(latlng, cls, title, draggable) {
    return L.marker(latlng, {
      pane: "areaHandlePane", draggable: draggable, keyboard: false, title: title,
      bubblingMouseEvents: false, autoPan: true,
      icon: L.divIcon({ className: "area-handle " + cls, iconSize: [14, 14] }),
    }).addTo(handleLayer);
  }

  function render() {
    shapeLayer.clearLayers(); handleLayer.clearLayers(); guideLayer.clearLayers();
    circle = centreH = radiusH = poly = null;
    var k = kind();
    if (k === "circle" && S.circleShown) renderCircle();
    if (k === "polygon") renderPolygon();
    buttons();
  }
  function renderCircle() {
    var c = fieldsCircle();
    if (!c) return;
    circle = L.circle([c.lat, c.lon], L.extend({ radius: Math.max(c.radius_km, 0) * 1000 }, STYLE))
      .addTo(shapeLayer);
    var editable = !S.drawing;
    centreH = handle([c.lat, c.lon], "area-centre", t("Drag to move the circle"), editable);
    radiusH = handle(eastOf(c, Math.max(c.radius_km, 0)), "area-radius",
                     t("Drag to change the radius"), editable);
    centreH.getElement().dataset.handle = "centre";
    radiusH.getElement().dataset.handle = "radius";
    if (!editable) return;
    centreH.on("drag", function (e) {
      var ll = e.target.getLatLng(), now = fieldsCircle();
      circle.setLatLng(ll);
      radiusH.setLatLng(eastOf({ lat: ll.lat, lon: ll.lng }, now.radius_km));
    });
    centreH.on("dragend", function (e) {
      var ll = e.target.getLatLng();
      latIn.value = round(ll.lat, DEG_DP); lonIn.value = round(ll.lng, DEG_DP);
      changed();
    });
    radiusH.on("drag", function (e) {
      var now = fieldsCircle();
      var km = round(map.distance([now.lat, now.lon], e.target.getLatLng()) / 1000, KM_DP);
      kmIn.value = km;
      circle.setRadius(km * 1000);
    });
    radiusH.on("dragend", changed);
  }
  function ring() { return S.vertices.map(function (v) { return L.latLng(v[0], v[1]); }); }
  function renderPolygon() {
    if (S.file) {
      L.geoJSON(S.file, { style: function () { return STYLE; }, pane: "areaPane",
                          renderer: renderer }).addTo(shapeLayer);
      return;
    }
    if (!S.vertices.length) return;
    var pts = ring();
    poly = (S.closed ? L.polygon(pts, STYLE) : L.polyline(pts, STYLE)).addTo(shapeLayer);
    pts.forEach(function (ll, i) {
      var h = handle(ll, "area-vertex", t("Drag to move this vertex"), S.closed);
      h.getElement().dataset.vertex = String(i);
      if (!S.closed) return;
      h.on("drag", function (e) {
        var at = e.target.getLatLng();
        S.vertices[i] = [at.lat, at.lng];
        poly.setLatLngs(ring());
      });
      h.on("dragend", function (e) {
        var at = e.target.getLatLng();
        S.vertices[i] = [round(at.lat, DEG_DP), round(at.lng, DEG_DP)];
        changed();
      });
    });
  }
  /** The area changed: redraw it, and an error about the old one no longer holds. */
  function changed() {
    setError("");
    render();
  }
  function buttons() {
    var k = kind(), drawingPolygon = S.drawing === "polygon";
    $("area-finish").hidden = !drawingPolygon;
    $("area-undo").disabled = !(k === "polygon" && !S.file && S.vertices.length);
    $("area-circle").classList.toggle("active", S.drawing === "circle");
    $("area-polygon").classList.toggle("active", drawingPolygon);
    var d = document.body.dataset;
    d.areaDrawing = S.drawing || "";
    d.area = k === "circle" ? (S.circleShown && fieldsCircle() ? "circle" : "")
      : k === "polygon" ? (S.file ? "file" : S.vertices.length ? "polygon:" + S.vertices.length +
                           (S.closed ? "" : ":open") : "") : "";
  }

  // ---- the drawing overlay ------------------------------------------------------------------
  var overlay = document.createElement("div");
  overlay.className = "pick-layer area-draw-layer"; overlay.id = "area-draw-layer"; overlay.hidden = true;
  var hint = document.createElement("div");
  hint.className = "pick-hint"; hint.id = "area-hint"; hint.hidden = true;
  var wrap = document.getElementById("mapwrap") || document.body;
  wrap.appendChild(overlay); wrap.appendChild(hint);

  function pointOf(e) {
    var r = map.getContainer().getBoundingClientRect();
    return L.point(e.clientX - r.left, e.clientY - r.top);
  }
  function startDrawing(mode) {
    stopDrawing();
    setError("");
    shapeLayer.clearLayers();
    S.file = null; S.vertices = []; S.closed = false; S.centreSet = false;
    $("scr-file").value = "";
    if (mode === "circle") {
      setKind("circle");
      S.circleShown = false;
      latIn.value = ""; lonIn.value = "";
      if (!(parseFloat(kmIn.value) > 0)) kmIn.value = "50";
      S.kmBefore = kmIn.value;
      hint.textContent = t("Click the epicentre, then drag or click again for the radius. Esc cancels.");
    } else {
      setKind("polygon");
      hint.textContent = t("Click to add vertices; double-click, click the first vertex or Finish closes. Esc cancels.");
    }
    S.drawing = mode;
    map.closePopup();
    overlay.hidden = false; hint.hidden = false;
    render();
  }
  function stopDrawing() {
    S.drawing = null; S.press = null;
    overlay.hidden = true; hint.hidden = true;
    guideLayer.clearLayers();
  }
  /** Esc: the drawing is dropped, nothing of it is left to send. */
  function cancelDrawing() {
    var mode = S.drawing;
    stopDrawing();
    if (mode === "circle") {
      S.circleShown = false; latIn.value = ""; lonIn.value = ""; kmIn.value = S.kmBefore;
    }
    if (mode === "polygon") { S.vertices = []; S.closed = false; }
    changed();
  }
  function finishPolygon() {
    if (S.drawing !== "polygon") return;
    stopDrawing();
    S.closed = true;
    changed();
  }
  function setCentre(ll) {
    latIn.value = round(ll.lat, DEG_DP); lonIn.value = round(ll.lng, DEG_DP);
    S.centreSet = true; S.circleShown = true;
    render();
  }
  function setRadiusTo(ll) {
    var c = fieldsCircle();
    if (!c) return;
    var km = round(map.distance([c.lat, c.lon], ll) / 1000, KM_DP);
    if (km > 0) kmIn.value = km;
    if (circle) circle.setRadius(parseFloat(kmIn.value) * 1000);
    if (radiusH) radiusH.setLatLng(eastOf(c, parseFloat(kmIn.value)));
  }
  function addVertex(p) {
    var n = S.vertices.length;
    if (n) {
      var last = map.latLngToContainerPoint(S.vertices[n - 1]);
      if (last.distanceTo(p) < SAME_PX) return;
      if (n >= 3 && map.latLngToContainerPoint(S.vertices[0]).distanceTo(p) < SAME_PX) {
        finishPolygon();
        return;
      }
    }
    var ll = map.containerPointToLatLng(p);
    S.vertices.push([round(ll.lat, DEG_DP), round(ll.lng, DEG_DP)]);
    render();
  }
  function guide(p) {
    guideLayer.clearLayers();
    if (S.drawing !== "polygon" || !S.vertices.length) return;
    var ll = map.containerPointToLatLng(p), pts = [S.vertices[S.vertices.length - 1], ll];
    if (S.vertices.length >= 2) pts.push(S.vertices[0]);
    L.polyline(pts, GUIDE_STYLE).addTo(guideLayer);
  }

  overlay.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    e.preventDefault();
    overlay.setPointerCapture(e.pointerId);
    var p = pointOf(e);
    S.press = { x: p.x, y: p.y, lastX: p.x, lastY: p.y, moved: false, centre: false };
    if (S.drawing === "circle" && !S.centreSet) {
      setCentre(map.containerPointToLatLng(p));
      S.press.centre = true;  // a drag from here sets the radius
    }
  });
  overlay.addEventListener("pointermove", function (e) {
    var p = pointOf(e), pr = S.press;
    if (!pr) {  // hovering: the rubber band, or the radius following the pointer
      if (S.drawing === "circle" && S.centreSet) setRadiusTo(map.containerPointToLatLng(p));
      else guide(p);
      return;
    }
    if (!pr.moved && Math.abs(p.x - pr.x) + Math.abs(p.y - pr.y) < CLICK_PX) return;
    pr.moved = true;
    if (pr.centre) {
      setRadiusTo(map.containerPointToLatLng(p));
    } else {  // a drag pans the map under the drawing
      map.panBy([pr.lastX - p.x, pr.lastY - p.y], { animate: false });
    }
    pr.lastX = p.x; pr.lastY = p.y;
  });
  overlay.addEventListener("pointerup", function (e) {
    var pr = S.press, p = pointOf(e);
    S.press = null;
    if (!pr) return;
    if (S.drawing === "circle") {
      if (pr.centre && !pr.moved) return;  // the epicentre: the next click gives the radius
      if (pr.centre || !pr.moved) {
        if (!pr.centre && map.latLngToContainerPoint([parseFloat(latIn.value),
            parseFloat(lonIn.value)]).distanceTo(p) < SAME_PX) return;
        setRadiusTo(map.containerPointToLatLng(p));
        stopDrawing();
        changed();
      }
    } else if (S.drawing === "polygon" && !pr.moved) {
      addVertex(p);
      guide(p);
    }
  });
  overlay.addEventListener("dblclick", function (e) {
    e.preventDefault();
    finishPolygon();
  });
  overlay.addEventListener("wheel", function (e) {
    e.preventDefault();
    map.setZoomAround(pointOf(e), map.getZoom() + (e.deltaY < 0 ? 1 : -1));
  }, { passive: false });
  document.addEventListener("keydown", function (e) {
    if (!S.drawing) return;
    if (e.key === "Escape") { e.preventDefault(); cancelDrawing(); }
    else if (e.key === "Enter" && S.drawing === "polygon") { e.preventDefault(); finishPolygon(); }
  });

  // ---- the buttons and fields ---------------------------------------------------------------
  $("area-circle").addEventListener("click", function () { startDrawing("circle"); });
  $("area-polygon").addEventListener("click", function () { startDrawing("polygon"); });
  $("area-finish").addEventListener("click", finishPolygon);
  $("area-undo").addEventListener("click", function () {
    S.vertices.pop();
    if (!S.vertices.length && !S.drawing) S.closed = false;
    changed();
    if (S.drawing) guideLayer.clearLayers();
  });
  $("area-clear").addEventListener("click", clear);
  kindSel.addEventListener("change", function () {
    stopDrawing();
    panelFor(kind());
    if (kind() === "circle") S.circleShown = true;
    changed();
  });
  [latIn, lonIn, kmIn].forEach(function (el) {
    el.addEventListener("input", function () {
      if (S.drawing === "circle") stopDrawing();
      S.circleShown = true;
      changed();
    });
  });
  $("scr-file").addEventListener("change", function () {
    var f = $("scr-file").files[0];
    if (!f) return;
    stopDrawing();
    f.text().then(function (text) {
      var obj = null, shown = null;
      try { obj = JSON.parse(text); shown = L.geoJSON(obj); } catch (err) { obj = null; }
      S.file = null; S.vertices = []; S.closed = false;
      setKind("polygon");
      if (!obj || !shown || !shown.getLayers().length) {
        changed();
        setError(t("The file is not GeoJSON"));
        return;
      }
      var simple = simpleRing(obj);
      if (simple) { S.vertices = simple; S.closed = true; } else { S.file = obj; }
      changed();
      map.fitBounds(shown.getBounds(), { padding: [30, 30] });
    });
  });
  /** A file's one polygon with one ring and few enough vertices, as editable vertices
   *  (its closing point dropped); null for anything else (sent as read). */
  function simpleRing(obj) {
    var g = obj;
    if (g && g.type === "FeatureCollection") g = g.features && g.features.length === 1 ? g.features[0] : null;
    if (g && g.type === "Feature") g = g.geometry;
    if (!g || g.type !== "Polygon" || !g.coordinates || g.coordinates.length !== 1) return null;
    var r = g.coordinates[0];
    if (!r || r.length < 4 || r.length > MAX_HANDLES + 1) return null;
    var a = r[0], z = r[r.length - 1];
    if (a[0] !== z[0] || a[1] !== z[1]) return null;
    for (var i = 0; i < r.length; i++) {
      if (!r[i] || typeof r[i][0] !== "number" || typeof r[i][1] !== "number" || r[i].length !== 2) return null;
    }
    return r.slice(0, -1).map(function (c) { return [c[1], c[0]]; });
  }
  function clear() {
    stopDrawing();
    S.file = null; S.vertices = []; S.closed = false; S.circleShown = false;
    $("scr-file").value = "";
    if (kind() === "circle") { latIn.value = ""; lonIn.value = ""; }
    changed();
  }

  // ---- what the screening sends, and what a run screened ---------------------------------------
  /** The request's `area` (null: the whole province), built from exactly what is shown;
   *  an Error with the reason when nothing (or an unfinished drawing) is. */
  function request() {
    var k = kind();
    if (!k) return null;
    if (S.drawing) throw new Error(t("Finish or cancel the drawing first"));
    if (k === "circle") {
      var c = fieldsCircle();
      if (!c || !S.circleShown) throw new Error(t("Draw a circle or type its centre and radius"));
      return { centre: { lon: c.lon, lat: c.lat }, radius_km: c.radius_km };
    }
    if (S.file) return { polygon: S.file };
    if (!S.vertices.length) throw new Error(t("Draw a polygon or choose a GeoJSON file"));
    var coords = S.vertices.map(function (v) { return [v[1], v[0]]; });
    coords.push(coords[0].slice());
    return { polygon: { type: "Polygon", coordinates: [coords] } };
  }
  /** A run was started or opened: the preview gives way to the outline of the area it
   *  screened (none for a province run); a polygon or file is to be drawn again. */
  function showRun(job) {
    stopDrawing();
    S.file = null; S.vertices = []; S.closed = false; S.circleShown = false;
    $("scr-file").value = "";
    latIn.value = ""; lonIn.value = "";  // no hidden circle left to be sent unseen
    changed();
    var a = job && job.parameters && job.parameters.area;
    if (!a) return;
    // not interactive: the threat lines under it keep their tooltips
    (a.polygon ? L.geoJSON(a.polygon, { style: function () { return RUN_STYLE; },
                                        pane: "areaPane", renderer: renderer })
      : L.circle([a.centre.lat, a.centre.lon], L.extend({ radius: a.radius_km * 1000 }, RUN_STYLE))
    ).addTo(shapeLayer);
    document.body.dataset.areaRun = String(job.id);
  }
  /** The API refused the area: its message and the fields it names, next to the buttons,
   *  and a self-intersection's point marked on the map. */
  function showError(e) {
    var fields = (e && e.fields) || {};
    var names = Object.keys(fields).map(function (k) {
      var v = fields[k];
      return k + ": " + (typeof v === "string" ? v : JSON.stringify(v));
    });
    setError(((e && e.error) || t("Request failed")) + (names.length ? " (" + names.join("; ") + ")" : ""));
    var at = /\[(-?[\d.]+) (-?[\d.]+)\]/.exec(String(fields["area.polygon"] || ""));
    if (at) {
      S.errorMark = L.circleMarker([parseFloat(at[2]), parseFloat(at[1])], {
        pane: "areaHandlePane", renderer: markRenderer, radius: 9, color: "#c62828",
        weight: 3, fill: false, interactive: false, className: "area-error-mark",
      }).addTo(map);
    }
  }
  function isAreaError(e) {
    return !!(e && e.fields && Object.keys(e.fields).some(function (k) {
      return k === "area" || k.indexOf("area.") === 0;
    }));
  }

  /** What the map shows of the current area, read back from the drawn layers themselves
   *  (the e2e tests hold it against what is sent): a circle's centre and radius, a
   *  polygon's vertices; null when nothing is drawn. */
  function shown() {
    if (circle) {
      var c = circle.getLatLng();
      return { centre: { lon: c.lng, lat: c.lat }, radius_km: circle.getRadius() / 1000 };
    }
    if (poly) {
      var pts = poly.getLatLngs();
      if (pts.length && Array.isArray(pts[0])) pts = pts[0];
      return { vertices: pts.map(function (ll) { return [ll.lng, ll.lat]; }), closed: S.closed };
    }
    return S.file ? { file: true } : null;
  }

  panelFor(kind());
  buttons();
  WG.areaDraw = { request: request, showRun: showRun, showError: showError,
                  isAreaError: isAreaError, setError: setError, shown: shown };
})();
