// The plan editor: the steps table as the draft's steps, saved, reviewed and issued through
// the API (its checks, its audit); the page reloads to show the version as stored.
(function () {
  "use strict";
  var root = document.querySelector("main.plan-edit");
  if (!root) return;
  var csrf = root.dataset.csrf, river = root.dataset.river, msg = document.getElementById("sup-msg");
  var body = document.getElementById("steps");
  var api = "/api/v1/plans/" + encodeURIComponent(river);

  function say(text, bad) { msg.textContent = text; msg.className = bad ? "error" : ""; }
  function send(method, url, payload) {
    return fetch(url, { method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(payload) }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (res) {
        if (!r.ok) {
          var f = res.fields ? Object.keys(res.fields).join(", ") : "";
          throw new Error((res.error || "HTTP " + r.status) + (f ? " [" + f + "]" : ""));
        }
        return res;
      });
    });
  }
  function rowVersion() { var v = root.dataset.rowVersion; return v ? +v : null; }
  function steps() {
    return Array.prototype.map.call(body.rows, function (tr) {
      function val(n) { var el = tr.querySelector("[name=" + n + "]"); return el ? el.value.trim() : ""; }
      var due = val("due_min");
      return {
        phase: val("phase"), order: +val("order"), text_zh: val("text_zh"), text_en: val("text_en"),
        responsible: val("responsible"), due_min: due === "" ? null : +due,
        classes: val("classes") ? val("classes").split(/[,，\s]+/).filter(Boolean) : [],
        min_level: val("min_level") || null,
      };
    });
  }
  function done() { window.location.reload(); }
  function fail(err) { say(err.message, true); }

  body.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-act=remove]");
    if (b) b.closest("tr").remove();
  });
  var add = document.getElementById("add-step");
  if (add) add.addEventListener("click", function () {
    var last = body.rows[body.rows.length - 1];
    var tr = last.cloneNode(true);
    tr.querySelectorAll("textarea, input").forEach(function (el) { el.value = ""; });
    tr.querySelector("[name=order]").value = (+last.querySelector("[name=order]").value || 0) + 1;
    body.appendChild(tr);
  });
  var save = document.getElementById("save-draft");
  if (save) save.addEventListener("click", function () {
    var payload = { steps: steps(), note: document.getElementById("note").value.trim() };
    if (rowVersion() !== null) payload.expected_row_version = rowVersion();
    send("PUT", api + "/draft", payload).then(done, fail);
  });
  ["review", "issue"].forEach(function (id) {
    var b = document.getElementById(id);
    if (b) b.addEventListener("click", function () {
      send("POST", api + "/" + id, { expected_row_version: rowVersion() }).then(done, fail);
    });
  });
})();
