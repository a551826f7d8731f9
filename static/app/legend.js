/* The map readable under stress (issue 14, item 10): a legend of every symbol on the map,
 * drawn with the symbols map.js and incident.js draw (WG.SYMBOLS, the same colours), the
 * rows of a layer that is switched off greyed; and a panel that can always be brought
 * back (the "Panel" button over the map while the panel is hidden).
 *
 * A tab that draws symbols of its own (readings, dispatches...) adds them:
 *   WG.legend.add(symbolHtml, label, layer)   layer: an overlay (L.Layer) whose rows are
 *                                             greyed while it is off, or null
 * symbolHtml is trusted markup (an SVG or a span); label is text. */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, map = WG.map;
  var $ = function (id) { return document.getElementById(id); };

  function svgSym(key, size) {
    return '<span class="lg-sym" style="width:' + size + "px;height:" + size + 'px">' + WG.SYMBOLS[key] + "</span>";
  }
  function dot(fill, stroke, size, extra) {
    return '<span class="lg-dot" style="width:' + size + "px;height:" + size + "px;background:" + fill +
      ";border-color:" + (stroke || "#fff") + ";" + (extra || "") + '"></span>';
  }
  function line(colour, dash, width) {
    return '<svg class="lg-line" viewBox="0 0 26 10"><path d="M1 5h24" stroke="' + colour + '" stroke-width="' +
      (width || 3) + '"' + (dash ? ' stroke-dasharray="' + dash + '"' : "") + ' stroke-linecap="round"/></svg>';
  }
  var SPILL = '<span class="lg-sym" style="width:18px;height:18px"><svg viewBox="0 0 28 28"><circle cx="14" cy="14" r="11" fill="#d50000" stroke="#fff" stroke-width="3"/><path d="M14 7v9" stroke="#fff" stroke-width="3.2" stroke-linecap="round"/><circle cx="14" cy="20.5" r="1.9" fill="#fff"/></svg></span>';
  var PIN = '<span class="lg-sym" style="width:14px;height:18px"><svg viewBox="0 0 24 32"><path d="M12 1C6 1 1.5 5.5 1.5 11.3 1.5 19 12 31 12 31s10.5-12 10.5-19.7C22.5 5.5 18 1 12 1z" fill="#0b3d6b" stroke="#fff" stroke-width="2"/><circle cx="12" cy="11.5" r="4" fill="#fff"/></svg></span>';

  // [layer key (or null: incident symbols, always listed), symbol html, label]
  var ROWS = [
    ["rivers", line("#b8860b"), t("basin_yellow")],
    ["rivers", line("#1f6fb2"), t("basin_yangtze")],
    ["rivers", line("#0f8b8d"), t("Inland rivers")],
    ["admin_areas", line("#7b4f2a", null, 2.4), t("Gansu border")],
    ["admin_areas", line("#8d7b68", "4 3", 1.2), t("Prefecture and county boundaries")],
    ["places", dot("#d32f2f", "#333", 10), t("Provincial capital")],
    ["places", dot("#fff", "#333", 9), t("City or county seat")],
    ["water_sources", svgSym("water_sources", 16), t("Drinking-water intakes")],
    ["sections", svgSym("sections", 15), t("Monitoring sections")],
    ["interception_points", svgSym("interception_points", 15), t("Interception points")],
    ["depots", svgSym("depots", 16), t("Material depots")],
    ["depots", '<span class="lg-faded">' + svgSym("depots", 16) + "</span>", t("Planned depot")],
    ["teams", svgSym("teams", 16), t("Rescue teams")],
    ["enterprises", dot("#c62828", "#fff", 11), t("Enterprise, major risk")],
    ["enterprises", dot("#ef6c00", "#fff", 11), t("Enterprise, larger risk")],
    ["enterprises", dot("#f9a825", "#fff", 11), t("Enterprise, general risk")],
    ["enterprises", '<span class="lg-cluster">5</span>', t("Group of enterprises (colour: the worst risk in it)")],
    [null, SPILL, t("Spill point")],
    [null, PIN, t("Searched coordinates")],
    [null, line("#d32f2f", null, 5), t("Plume path (colour: arrival time, see the scale)")],
    [null, dot("#1565c0", "#fff", 11), t("Intake on the path")],
    [null, dot("#6a1b9a", "#fff", 11), t("Section on the path")],
    [null, dot("#2e7d32", "#fff", 11), t("Interception point on the path")],
    [null, dot("#5d4037", "#fff", 11), t("Provincial boundary on the path")],
    [null, dot("#607d8b", "#d50000", 11, "border-width:2.5px"), t("Above the limit (red ring)")],
    [null, line("#2e7d32", "8 6", 2.5), t("Depot route, arrives before the plume")],
    [null, line("#c62828", "8 6", 2.5), t("Route arrives after the plume")],
    [null, line("#2e7d32", "2 6", 2.5), t("Team route")],
    [null, '<span class="lg-badge">1</span>', t("Rank of a depot or team")],
    [null, dot("#ffeb3b", "#000", 12), t("Plume front (playback)")],
  ];

  var extra = [];  // [symbol html, label, layer or null] from WG.legend.add

  function render() {
    var box = $("legend-layers");
    if (!box) return;
    var lastGroup = "";
    box.innerHTML = ROWS.map(function (r) {
      var group = r[0] ? "layers" : "incident";
      var head = group !== lastGroup ? '<div class="lg-head">' + esc(group === "layers" ? t("Layers") : t("Incident")) + "</div>" : "";
      lastGroup = group;
      return head + '<div class="lg-row"' + (r[0] ? ' data-layer="' + r[0] + '"' : "") + ">" +
        '<span class="lg-key">' + r[1] + "</span>" + esc(r[2]) + "</div>";
    }).join("") + extra.map(function (x, i) {
      return '<div class="lg-row" data-extra="' + i + '"><span class="lg-key">' + x[0] + "</span>" + esc(x[1]) + "</div>";
    }).join("");
    sync();
  }

  /** Grey the rows of layers that are switched off. */
  function sync() {
    document.querySelectorAll("#legend-layers .lg-row[data-layer]").forEach(function (row) {
      var g = WG.groups[row.dataset.layer];
      row.classList.toggle("off", !!g && !map.hasLayer(g));
    });
    document.querySelectorAll("#legend-layers .lg-row[data-extra]").forEach(function (row) {
      var layer = extra[+row.dataset.extra][2];
      row.classList.toggle("off", !!layer && !map.hasLayer(layer));
    });
  }
  WG.legend = {
    add: function (symbolHtml, label, layer) { extra.push([symbolHtml, label, layer || null]); render(); },
  };
  // once per frame however many layers came or went (a group adds each of its markers)
  var queued = false;
  function syncSoon() {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(function () { queued = false; sync(); });
  }
  map.on("overlayadd overlayremove layeradd layerremove", syncSoon);

  var box = $("legend-box");
  if (box) {
    // open on a large screen; a tablet or phone opens it on demand
    box.open = window.innerWidth >= 1280 && window.innerHeight >= 820;
    render();
  }

  // ---- the panel can always be brought back ------------------------------------------
  var reopen = $("panel-reopen");
  if (reopen) {
    reopen.addEventListener("click", function () {
      document.body.classList.remove("panel-collapsed");
      setTimeout(function () { map.invalidateSize(); }, 250);
    });
  }
})();
