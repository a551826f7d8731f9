/* Number, time and coordinate formatting; coordinate parsing (decimal and DMS). */
(function () {
  "use strict";

  function pad(n, w) { n = String(n); while (n.length < (w || 2)) n = "0" + n; return n; }

  function dms(v, pos, neg) {
    var hemi = v >= 0 ? pos : neg;
    var a = Math.abs(v), d = Math.floor(a), mf = (a - d) * 60, m = Math.floor(mf);
    var s = Math.round((mf - m) * 60);
    if (s === 60) { s = 0; m += 1; }
    if (m === 60) { m = 0; d += 1; }
    return d + "°" + pad(m) + "′" + pad(s) + "″" + hemi;
  }

  function num(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    var a = Math.abs(v);
    if (digits === undefined) digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    if (a !== 0 && a < 0.001) return v.toExponential(2);
    return v.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  }

  function hours(h) {
    if (h === null || h === undefined || !isFinite(h)) return "–";
    if (h < 1) return Math.round(h * 60) + " min";
    if (h < 48) return (Math.round(h * 10) / 10) + " h";
    return Math.floor(h / 24) + " d " + Math.round(h % 24) + " h";
  }

  function clock(date) {
    return pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " + pad(date.getHours()) +
      ":" + pad(date.getMinutes());
  }

  function duration(ms) {
    var s = Math.max(0, Math.floor(Math.abs(ms) / 1000));
    return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
  }

  // ---- coordinate parsing -------------------------------------------------
  function normalise(text) {
    return String(text)
      .replace(/东经/g, " E ").replace(/西经/g, " W ")
      .replace(/北纬/g, " N ").replace(/南纬/g, " S ")
      .replace(/[度º˚]/g, "°").replace(/[分′’‘`´]/g, "'").replace(/[秒″”“]/g, '"')
      .replace(/''/g, '"').replace(/，/g, ",").replace(/；/g, ";")
      .toUpperCase();
  }

  var TOKEN = new RegExp(
    "([NSEW])?\\s*(-?\\d+(?:\\.\\d+)?)\\s*(°)?\\s*(?:(\\d+(?:\\.\\d+)?)\\s*'\\s*)?" +
    "(?:(\\d+(?:\\.\\d+)?)\\s*\"\\s*)?([NSEW])?", "g");

  /** Parse "103.8, 36.06", "36.06N 103.8E", "103°48'18\"E 36°3'44\"N", "东经103度48分…".
   *  Returns {lon, lat} or null. Without hemispheres, the pair is ordered by range
   *  (longitudes of China are above 70, latitudes below 55). */
  function parseCoords(text) {
    if (!text || !/\d/.test(text)) return null;
    var s = normalise(text), values = [], m;
    if (/[^\dNSEW°'".,;\s\-]/.test(s)) return null;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(s)) !== null) {
      if (m[0].trim() === "") { TOKEN.lastIndex++; continue; }
      if (m[2] === undefined) continue;
      var deg = parseFloat(m[2]), sign = deg < 0 ? -1 : 1;
      var v = Math.abs(deg) + (m[4] ? parseFloat(m[4]) / 60 : 0) + (m[5] ? parseFloat(m[5]) / 3600 : 0);
      if ((m[4] && parseFloat(m[4]) >= 60) || (m[5] && parseFloat(m[5]) >= 60)) return null;
      var hemi = m[1] || m[6] || null;
      if (hemi === "S" || hemi === "W") sign = -1;
      values.push({ v: sign * v, hemi: hemi });
    }
    if (values.length !== 2) return null;
    var a = values[0], b = values[1], lon, lat;
    var isLat = function (x) { return x.hemi === "N" || x.hemi === "S"; };
    var isLon = function (x) { return x.hemi === "E" || x.hemi === "W"; };
    if (isLat(a) || isLon(b)) { lat = a.v; lon = b.v; }
    else if (isLon(a) || isLat(b)) { lon = a.v; lat = b.v; }
    else if (Math.abs(a.v) <= 60 && Math.abs(b.v) > 60) { lat = a.v; lon = b.v; }
    else { lon = a.v; lat = b.v; }
    if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) return null;
    return { lon: lon, lat: lat };
  }

  // How well a typed query matches a record's names, codes, CAS: 0 = exactly one of them
  // (also a name without its bracketed note, "苯酚" for "苯酚（挥发酚）"), 1 = one starts with
  // it, 2 + position = it occurs inside; -1 = no match. Lower ranks first, so typing "苯"
  // and Enter picks benzene (苯), not aniline (苯胺).
  function matchRank(q, fields) {
    var needle = String(q || "").trim().toLowerCase();
    if (!needle) return -1;
    var best = -1;
    fields.forEach(function (v) {
      if (v === null || v === undefined || v === "") return;
      var s = String(v).toLowerCase();
      var bare = s.replace(/\s*[（(].*$/, "");
      var r = (s === needle || bare === needle) ? 0 : (s.indexOf(needle) === 0 ? 1 :
        (s.indexOf(needle) > 0 ? 2 + s.indexOf(needle) : -1));
      if (r >= 0 && (best < 0 || r < best)) best = r;
    });
    return best;
  }

  window.webgisFmt = {
    matchRank: matchRank,
    pad: pad,
    num: num,
    hours: hours,
    clock: clock,
    duration: duration,
    dms: dms,
    lon: function (v) { return v.toFixed(5) + "° (" + dms(v, "E", "W") + ")"; },
    lat: function (v) { return v.toFixed(5) + "° (" + dms(v, "N", "S") + ")"; },
    parseCoords: parseCoords,
  };
})();
