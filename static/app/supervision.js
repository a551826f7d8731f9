// The risk supervision page: record, move and close hazards, attach evidence, set plan
// filing — all through the API (its rules, its audit); the page reloads to show the result.
(function () {
  "use strict";
  var root = document.querySelector("main.sup");
  if (!root || root.dataset.canWrite !== "true") return;
  var csrf = root.dataset.csrf, msg = document.getElementById("sup-msg");

  function say(text, bad) { msg.textContent = text; msg.className = bad ? "error" : ""; }

  function send(method, url, body, isForm) {
    var headers = { "X-CSRFToken": csrf, Accept: "application/json" };
    if (!isForm) headers["Content-Type"] = "application/json";
    return fetch(url, { method: method, credentials: "same-origin", headers: headers,
      body: isForm ? body : JSON.stringify(body) }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (res) {
        if (!r.ok) {
          var fields = res.fields ? Object.keys(res.fields).join(", ") : "";
          throw new Error((res.error || "HTTP " + r.status) + (fields ? " [" + fields + "]" : ""));
        }
        return res;
      });
    });
  }

  function done() { window.location.reload(); }
  function fail(err) { say(err.message, true); }

  var form = document.getElementById("new-hazard");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var d = new FormData(form), body = {};
    d.forEach(function (v, k) { body[k] = v; });
    send("POST", "/api/v1/hazards", body).then(done, fail);
  });

  var filing = document.getElementById("filing");
  filing.addEventListener("submit", function (e) {
    e.preventDefault();
    var code = filing.elements.code.value.trim();
    send("PATCH", "/api/v1/enterprises/" + encodeURIComponent(code) + "/filing",
      { plan_filed: filing.elements.plan_filed.checked }).then(function (res) {
      say(res.code + ": " + (res.plan_filed ? "✔" : "✘") + (res.changed ? "" : " (=)"));
    }, fail);
  });

  document.querySelector("table.ledger").addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-act]");
    if (!btn) return;
    var row = btn.closest("tr"), url = "/api/v1/hazards/" + encodeURIComponent(row.dataset.code);
    var body = { expected_version: +row.dataset.version };
    if (btn.dataset.act === "rectifying") {
      body.status = "rectifying";
    } else {
      // the day and what was done, in a small inline form (never a prompt())
      var box = row.querySelector(".close-box");
      if (!box) {
        box = document.createElement("div");
        box.className = "close-box";
        box.innerHTML = '<input type="date" name="closed_on" required> <textarea name="rectification" rows="2"></textarea> <button type="button" data-act="close">OK</button>';
        box.querySelector("input").value = new Date().toISOString().slice(0, 10);
        btn.parentNode.appendChild(box);
        return;
      }
      body.status = "closed";
      body.closed_on = box.querySelector("input").value;
      var text = box.querySelector("textarea").value.trim();
      if (text) body.rectification = text;
    }
    send("PATCH", url, body).then(done, fail);
  });

  document.querySelector("table.ledger").addEventListener("change", function (e) {
    var input = e.target.closest("input[data-act=evidence]");
    if (!input || !input.files.length) return;
    var row = input.closest("tr"), data = new FormData();
    data.append("file", input.files[0]);
    send("POST", "/api/v1/hazards/" + encodeURIComponent(row.dataset.code) + "/evidence", data, true)
      .then(done, fail);
  });
})();
