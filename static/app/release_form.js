/* The release and today's flow in the analysis form (issue #16 item 5): instantaneous,
 * constant rate over a duration, or a rate series (a small table of hour, kg/h rows);
 * optionally today's discharge at a monitoring section or a reach. The server checks the
 * series (order, last rate 0) and the flow (on the path, plausible) and names the field;
 * here only what cannot be sent at all is refused. Uses window.WG from map.js. */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, F = WG.F;
  var $ = function (id) { return document.getElementById(id); };
  var body = function () { return $("f-series").tBodies[0]; };

  function addRow(hour, rate) {
    var tr = document.createElement("tr");
    tr.innerHTML = '<td><input type="number" class="f-series-t" min="0" step="any"></td>' +
      '<td><input type="number" class="f-series-r" min="0" step="any"></td>' +
      '<td><button type="button" class="btn f-series-del" title="">×</button></td>';
    tr.querySelector(".f-series-t").value = hour == null ? "" : String(hour);
    tr.querySelector(".f-series-r").value = rate == null ? "" : String(rate);
    tr.querySelector(".f-series-del").title = t("Remove this row");
    tr.querySelector(".f-series-del").addEventListener("click", function () {
      if (body().rows.length > 2) tr.remove();
      showTotal();
    });
    tr.querySelectorAll("input").forEach(function (i) { i.addEventListener("input", showTotal); });
    body().appendChild(tr);
  }

  function rows() {
    return Array.prototype.map.call(body().rows, function (tr) {
      return [parseFloat(tr.querySelector(".f-series-t").value),
              parseFloat(tr.querySelector(".f-series-r").value)];
    });
  }

  function showTotal() {  // the mass the series releases (its integral), as typed
    var r = rows(), kg = 0;
    for (var i = 0; i + 1 < r.length; i++) {
      if (isFinite(r[i][0]) && isFinite(r[i + 1][0]) && isFinite(r[i][1])) kg += (r[i + 1][0] - r[i][0]) * r[i][1];
    }
    $("f-series-total").textContent = t("Total released: {kg} kg", { kg: F.num(kg, 0) });
  }

  function setKind(kind) {
    $("f-release-kind").value = kind;
    $("f-series-box").hidden = kind !== "series";
    $("f-mass-box").hidden = kind === "series";
    $("f-duration-box").hidden = kind !== "constant";
  }

  /* {release, flow_today} of the form, or messages pushed onto ``errors``. */
  function read(errors) {
    var kind = $("f-release-kind").value, release;
    if (kind === "series") {
      var r = rows();
      if (r.length < 2 || r.some(function (x) { return !isFinite(x[0]) || !isFinite(x[1]); })) {
        errors.push(t("Each rate-series row needs an hour and a rate in kg/h"));
      }
      release = { rate_series: r };
    } else {
      var mass = parseFloat($("f-mass").value);
      if (!(mass > 0)) errors.push(t("The mass must be a positive number of kg"));
      var dur = kind === "constant" ? parseFloat($("f-duration").value || "0") : 0;
      if (!(dur >= 0)) errors.push(t("The duration must be 0 (instantaneous) or more hours"));
      release = { mass_kg: mass, duration_h: dur };
    }
    var flow = null, code = $("f-flow-code").value.trim(), qText = $("f-flow-q").value.trim();
    if (code || qText) {
      var q = parseFloat(qText);
      if (!code) errors.push(t("Give the section or reach code of today's discharge"));
      if (!(q > 0)) errors.push(t("Today's discharge must be a positive number of m³/s"));
      flow = { discharge_m3s: q };
      flow[$("f-flow-kind").value === "reach" ? "reach_code" : "station_code"] = code;
    }
    return { release: release, flow_today: flow };
  }

  function fill(req) {
    var rel = (req && req.release) || {};
    while (body().rows.length) body().deleteRow(0);
    if (rel.rate_series && rel.rate_series.length) {
      rel.rate_series.forEach(function (p) { addRow(p[0], p[1]); });
      setKind("series");
    } else {
      addRow(0, 100); addRow(1, 0);
      setKind(rel.duration_h ? "constant" : "instant");
    }
    showTotal();
    var flow = req && req.flow_today;
    $("f-flow-kind").value = flow && flow.reach_code ? "reach" : "station";
    $("f-flow-code").value = flow ? flow.reach_code || flow.station_code || "" : "";
    $("f-flow-q").value = flow ? String(flow.discharge_m3s) : "";
    $("f-flow").open = !!flow;
  }

  /* One line for the result's summary: how the release and the flow were given. */
  function describe(req, model) {
    var rel = (req && req.release) || {}, parts = [];
    if (rel.rate_series) {
      parts.push(t("rate series: {rows}", { rows: rel.rate_series.map(function (p) {
        return F.num(p[0]) + " h " + F.num(p[1]) + " kg/h";
      }).join(", ") }));
    }
    var flow = model && model.flow_today;
    if (flow) {
      parts.push(t("today's discharge {q} m³/s at {where} (× {ratio} of the season's)", {
        q: F.num(flow.discharge_m3s), where: flow.station_code || flow.reach_code,
        ratio: F.num(flow.ratio, 2) }));
    }
    return parts;
  }

  $("f-release-kind").addEventListener("change", function () { setKind($("f-release-kind").value); });
  $("f-series-add").addEventListener("click", function () {
    var r = rows(), last = r.length ? r[r.length - 1][0] : 0;
    addRow(isFinite(last) ? last + 1 : "", 0);
    showTotal();
  });
  fill(null);

  WG.releaseForm = { read: read, fill: fill, describe: describe, setKind: setKind };
})();
