// The living incident on the page (issue 14): the incident everyone works on, kept current.
//
// WG.workspace.incident   the current detail (GET /api/v1/incidents/<id>), or null
// WG.workspace.events     the timeline read so far (oldest first)
// WG.workspace.subscribe(fn)      fn(incident, newEvents) after every change (and at once
//                                 when an incident is already attached)
// WG.workspace.write(method, url, body)  a write carrying expected_version; a 409 reloads
//                                 the incident and tells the officer; resolves to the body
// WG.workspace.refresh()          read the new events and, if the version moved, the detail
// WG.workspace.attach(id)         start working on incident `id` (incident.js calls it when
//                                 an incident is opened or saved)
//
// Tabs of the workspace (buttons with class "ws-tab") are shown once an incident is
// attached. Changes by other officers arrive by polling the event log (a few hundred bytes
// when nothing changed).
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, cfg = WG.cfg;
  var POLL_MS = 2000;
  var subscribers = [];
  var timer = null, busy = false;

  var W = WG.workspace = {
    incident: null,
    events: [],
    lastSeq: 0,
    subscribe: function (fn) {
      subscribers.push(fn);
      if (W.incident) { try { fn(W.incident, W.events); } catch (e) { console.error(e); } }
    },
    attach: attach,
    refresh: refresh,
    write: write,
  };

  function notify(fresh) {
    subscribers.forEach(function (fn) {
      try { fn(W.incident, fresh); } catch (e) { console.error(e); }
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (!r.ok) { var e = new Error((body && body.error) || "HTTP " + r.status); e.status = r.status; e.body = body; throw e; }
          return body;
        });
      });
  }

  function loadDetail(id) {
    return getJSON(cfg.api + "/incidents/" + id).then(function (detail) { W.incident = detail; return detail; });
  }

  function showTabs(on) {
    document.querySelectorAll("#panel .tabs .ws-tab").forEach(function (b) { b.hidden = !on; });
  }

  function attach(id) {
    if (W.incident && W.incident.id === id) return Promise.resolve(W.incident);
    W.incident = null; W.events = []; W.lastSeq = 0;
    return loadDetail(id).then(function () {
      showTabs(true);
      return getJSON(cfg.api + "/incidents/" + id + "/events?after=0");
    }).then(function (log) {
      W.events = log.events || [];
      W.lastSeq = W.events.length ? W.events[W.events.length - 1].seq : 0;
      notify(W.events);
      if (!timer) timer = setInterval(poll, POLL_MS);
      return W.incident;
    });
  }

  function refresh() {
    if (!W.incident || busy) return Promise.resolve(W.incident);
    busy = true;
    var id = W.incident.id;
    return getJSON(cfg.api + "/incidents/" + id + "/events?after=" + W.lastSeq).then(function (log) {
      var fresh = log.events || [];
      if (!fresh.length && log.version === W.incident.version) return W.incident;
      W.events = W.events.concat(fresh);
      if (fresh.length) W.lastSeq = fresh[fresh.length - 1].seq;
      return loadDetail(id).then(function () { notify(fresh); return W.incident; });
    }).catch(function (err) { console.warn("workspace refresh", err); return W.incident; })
      .then(function (inc) { busy = false; return inc; });
  }

  function poll() {
    if (document.visibilityState === "hidden") return;
    refresh();
  }

  function write(method, url, body) {
    if (!W.incident) return Promise.reject(new Error("no incident"));
    var payload = Object.assign({}, body || {}, { expected_version: W.incident.version });
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, Accept: "application/json" },
      body: JSON.stringify(payload),
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (res) {
        if (r.status === 409 && res && res.current) {
          WG.toast(t("Another officer changed this incident: it was reloaded, check and try again"), "error");
          refresh();
        }
        if (!r.ok) { var e = new Error((res && res.error) || "HTTP " + r.status); e.status = r.status; e.body = res; throw e; }
        return refresh().then(function () { return res; });
      });
    });
  }
})();
