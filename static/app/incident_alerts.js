// Downstream alerts of the incident (issue 14, item 5): the notify list with send buttons,
// each alert's state (sent, e-mailed or not, acknowledged by whom and when, overdue), and
// the update and end-of-alert buttons. Writes go through WG.workspace.write (with the
// incident's version); the list is read again whenever the incident changes, and every
// minute so that an alert becomes "overdue" on screen without a reload.
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, esc = WG.esc, cfg = WG.cfg;
  var sec = document.getElementById("tab-alerts");
  if (!sec || !WG.workspace) return;
  var W = WG.workspace;
  var role = (cfg.user || {}).role;
  var canSend = ["duty_officer", "leader", "admin"].indexOf(role) >= 0;
  var data = null, timer = null, endArmed = false;
  var $ = function (id) { return document.getElementById(id); };

  function url(suffix) { return cfg.api + "/incidents/" + W.incident.id + "/alerts" + (suffix || ""); }

  function load() {
    if (!W.incident) return Promise.resolve(null);
    return fetch(url(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) { data = body; render(); } return body; })
      .catch(function (e) { console.warn("alerts", e); });
  }

  function hours(h) { return h === null || h === undefined ? "—" : Number(h).toFixed(1) + " h"; }
  function peak(c) { return c === null || c === undefined ? "—" : Number(c).toPrecision(3); }

  function mailText(a) {
    if (a.email_status === "sent") return t("E-mailed to {to}", { to: a.email });
    if (a.email_status === "failed") return t("E-mail failed: {why}", { why: a.email_error || "" });
    if (a.email_status === "pending") return t("E-mail pending");
    if (a.email_status === "no_address") return t("Not e-mailed: no address (print or phone it)");
    return t("Not e-mailed: SMTP not configured (print or phone it)");
  }

  function stateText(n) {
    if (n.state === "open") return t("alerted");
    if (n.state === "ended") return t("alert ended");
    return "";
  }

  function renderNotify() {
    var body = sec.querySelector("#al-notify tbody");
    if (!data.notify.length) {
      body.innerHTML = '<tr><td colspan="5" class="muted">' + esc(t("No administration downstream to notify.")) + "</td></tr>";
      return;
    }
    body.innerHTML = data.notify.map(function (n) {
      var send = n.state !== "open" && canSend && n.in_forecast  // ended: a new alert may follow
        ? '<button type="button" class="btn al-send-one" data-key="' + esc(n.key) + '">' + esc(t("Send alert")) + "</button>"
        : esc(stateText(n));
      if (n.state === "ended" && canSend && n.in_forecast) send = esc(stateText(n)) + " " + send;
      return '<tr data-key="' + esc(n.key) + '"><td>' + esc(n.admin_name) +
        (n.in_forecast ? "" : ' <span class="muted">(' + esc(t("no longer in the forecast")) + ")</span>") +
        "</td><td>" + esc(hours(n.worst_arrival_h)) + "</td><td>" +
        esc(peak(n.worst_peak_conc_mgl === null || n.worst_peak_conc_mgl === undefined ? n.peak_conc_mgl : n.worst_peak_conc_mgl)) +
        '</td><td><input type="email" class="al-email" data-key="' + esc(n.key) + '" value="' + esc(n.email || "") +
        '" placeholder="' + esc(t("e-mail (optional)")) + '"' + "" + "></td><td>" + send + "</td></tr>";
    }).join("");
  }

  function renderAlerts() {
    var list = $("al-list");
    if (!data.alerts.length) { list.innerHTML = '<li class="muted">' + esc(t("No alert sent yet.")) + "</li>"; return; }
    var kinds = { alert: t("Alert"), update: t("Alert update"), end: t("End of alert") };
    list.innerHTML = data.alerts.map(function (a) {
      var cls = "al-item" + (a.overdue ? " al-overdue" : "") + (a.acknowledged_at ? " al-acked" : "");
      var ack = a.acknowledged_at
        ? esc(t("Acknowledged by {name} at {at}", { name: a.acknowledged_by, at: a.acknowledged_at_text })) +
          (a.ack_note ? " · " + esc(a.ack_note) : "")
        : (a.ended_at && a.kind !== "end" ? esc(t("not acknowledged (alert ended)"))
          : esc(t("Not acknowledged yet")) + (a.overdue ? ' <span class="al-overdue-note">' +
            esc(t("overdue: more than {m} min", { m: data.ack_minutes })) + "</span>" : ""));
      return '<li class="' + cls + '" data-alert="' + a.id + '" data-kind="' + esc(a.kind) + '">' +
        '<span class="al-kind al-kind-' + esc(a.kind) + '">' + esc(kinds[a.kind]) + "</span> → " + esc(a.recipient_name) +
        ' <span class="muted">' + esc(a.sent_at_text) + " · " + esc(a.sent_by) + "</span><br>" +
        '<span class="' + (a.email_status === "failed" ? "al-mail-failed" : "muted") + '">' + esc(mailText(a)) + "</span><br>" +
        '<span class="al-ack">' + ack + "</span><br>" +
        '<a href="/incidents/' + a.incident_id + "/alerts/" + a.id + '/print" target="_blank" rel="noopener">' + esc(t("Print")) + "</a>" +
        ' · <span class="al-link" title="' + esc(t("Acknowledgement link (no sign-in)")) + '">' + esc(a.ack_url) + "</span></li>";
    }).join("");
  }

  function render() {
    if (!data) return;
    $("al-smtp").textContent = data.smtp_configured
      ? t("Alerts with an e-mail address are e-mailed; every alert can be printed.")
      : t("E-mail is not configured: print the alerts or read them over the phone.");
    renderNotify();
    renderAlerts();
    var open = data.notify.some(function (n) { return n.state === "open"; });
    var unsent = data.notify.some(function (n) { return n.state === "not_sent" && n.in_forecast; });
    $("al-send-all").disabled = !canSend || !unsent;
    $("al-update").disabled = !canSend || !open;
    $("al-end").disabled = !canSend || !open;
    $("al-print-all").href = "/incidents/" + data.incident_id + "/alerts/print";
    sec.querySelectorAll(".al-send-one").forEach(function (b) {
      b.addEventListener("click", function () { send([recipient(b.dataset.key)], b); });
    });
  }

  function recipient(key) {
    var input = sec.querySelector('.al-email[data-key="' + CSS.escape(key) + '"]');
    var email = input && input.value.trim();
    return email ? { key: key, email: email } : { key: key };
  }

  function showError(err) {
    var body = err && err.body, fields = body && body.fields ? Object.keys(body.fields) : [];
    $("al-error").textContent = (err && err.message || String(err)) + (fields.length ? " (" + fields.join(", ") + ")" : "");
  }

  function post(suffix, body, button, done) {
    $("al-error").textContent = "";
    if (button) { button.disabled = true; button.classList.add("busy"); }
    return W.write("POST", url(suffix), body).then(function (res) {
      WG.toast(done(res));
      $("al-note").value = "";
      return load();
    }).catch(showError).then(function () {
      if (button) { button.disabled = false; button.classList.remove("busy"); }
      render();  // the buttons as the alerts now stand (an ended alert cannot be ended)
    });
  }

  function note() { return $("al-note").value.trim(); }

  function send(recipients, button) {
    return post("", { recipients: recipients, note: note() }, button, function (res) {
      return t("{n} alerts sent", { n: res.alerts.length });
    });
  }

  $("al-send-all").addEventListener("click", function () {
    var keys = (data ? data.notify : []).filter(function (n) { return n.state === "not_sent" && n.in_forecast; });
    if (keys.length) send(keys.map(function (n) { return recipient(n.key); }), $("al-send-all"));
  });
  // addresses typed for administrations already alerted: remembered, used from now on
  function newEmails() {
    var out = [];
    (data ? data.notify : []).forEach(function (n) {
      var r = recipient(n.key);
      if (n.state === "open" && r.email && r.email !== n.email) out.push(r);
    });
    return out;
  }
  $("al-update").addEventListener("click", function () {
    post("/update", { note: note(), emails: newEmails() }, $("al-update"), function (res) {
      return t("{n} updates sent", { n: res.alerts.length });
    });
  });
  $("al-end").addEventListener("click", function () {
    var b = $("al-end");
    if (!endArmed) {  // two clicks: ending cannot be undone
      endArmed = true;
      b.textContent = t("Click again to end the alert for all");
      setTimeout(function () { endArmed = false; b.textContent = t("End of alert"); }, 5000);
      return;
    }
    endArmed = false;
    b.textContent = t("End of alert");
    post("/end", { note: note(), emails: newEmails() }, b, function (res) {
      return t("End of alert sent to {n}", { n: res.alerts.length });
    });
  });

  W.subscribe(function () {
    load();
    if (!timer) timer = setInterval(function () { if (!sec.hidden) load(); }, 60000);
  });
})();
