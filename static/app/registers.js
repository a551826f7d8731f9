// The registers page: each row saved on its own through the API, with the version it was
// read at; a refused edit (409 stale, 422 invalid) is said in the page and nothing changes.
(function () {
  "use strict";
  var root = document.querySelector("main.registers");
  if (!root) return;
  var csrf = root.dataset.csrf, msg = document.getElementById("sup-msg");
  function say(text, bad) { msg.textContent = text; msg.className = bad ? "error" : ""; }

  function value(el) {
    var v = el.value.trim(), type = el.dataset.type;
    if (type === "number") return v === "" ? null : Number(v);
    if (type === "int") return v === "" ? null : parseInt(v, 10);
    if (type === "date") return v === "" ? null : v;
    if (type === "list") return v ? v.split(/[、,，;；]+/).map(function (s) { return s.trim(); }).filter(Boolean) : [];
    if (type === "substances") {
      return v ? v.split(/[,，;；]+/).map(function (p) {
        var kv = p.split(/[:：]/);
        return { pollutant: (kv[0] || "").trim(), max_t: Number((kv[1] || "").trim()) };
      }).filter(function (s) { return s.pollutant; }) : [];
    }
    return v;
  }

  root.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-act=save]");
    if (!btn) return;
    var tr = btn.closest("tr"), body = { expected_row_version: +tr.dataset.version };
    tr.querySelectorAll("input[name], select[name]").forEach(function (el) { body[el.name] = value(el); });
    btn.disabled = true;
    fetch(tr.dataset.url, { method: "PATCH", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body) }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (res) {
        if (!r.ok) {
          var f = res.fields ? Object.keys(res.fields).join(", ") : "";
          throw new Error((res.error || "HTTP " + r.status) + (f ? " [" + f + "]" : ""));
        }
        tr.dataset.version = res.row_version;
        say("✔ " + (res.code || ""));
      });
    }).catch(function (err) { say(err.message, true); })
      .then(function () { btn.disabled = false; });
  });
})();
