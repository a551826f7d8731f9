// The living incident on the page (issue 14): the incident everyone works on, kept current.
//
// WG.workspace.incident   the current detail (GET /api/v1/incidents/<id>), or null
// WG.workspace.events     the timeline read so far (oldest first)
// WG.workspace.subscribe(fn)      fn(incident, newEvents) after every change (and at once
//                                 when an incident is already attached)
// WG.workspace.write(method, url, body)  a write carrying expected_version; a 409 for a
//                                 stale version reloads the incident and tells the officer
//                                 (other errors reject with .status and .body for the tab
//                                 to explain); resolves to the answer's body
// WG.workspace.refresh()          read the new events and, if the version moved, the detail
// WG.workspace.attach(id)         start working on incident `id` (incident.js calls it when
//                                 an incident is opened or saved)
//
// Tabs of the workspace (buttons with class "ws-tab") are shown once an incident is
// attached.
//
// Live updates (README "Live updates"): the page asks the event log for what came after
// the last event it has, every POLL_MS, sending the ETag of its last answer in
// If-None-Match. Until another officer writes, the server answers 304 with no body from one
// primary-key read; a change arrives within POLL_MS plus one request. A hidden tab stops
// asking and catches up at once when shown again; failures back off up to BACKOFF_MAX_MS
// and the strip under the tabs says the page is not live. Events by other officers are
// also shown as a toast.
(function () {
  "use strict";
  var WG = window.WG, t = WG.t, cfg = WG.cfg, esc = WG.esc;
  var POLL_MS = 1000, BACKOFF_MAX_MS = 15000;
  var subscribers = [];
  var timer = null, inFlight = null, again = false, etag = null, failures = 0;

  var W = WG.workspace = {
    incident: null,
    events: [],
    lastSeq: 0,
    live: { polls: 0, unchanged: 0, lastChangeAt: null, ok: true, denied: false },
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

  /** The events after `after` with their ETag ({body, tag}); null when the server says
   * nothing changed (304). The caller keeps the tag once it has used the events. */
  function getEvents(id, after) {
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    // no-store: the browser's cache adds no validator of its own, so a 304 reaches us
    return fetch(cfg.api + "/incidents/" + id + "/events?after=" + after,
      { credentials: "same-origin", cache: "no-store", headers: headers })
      .then(function (r) {
        W.live.polls++;
        if (r.status === 304) { W.live.unchanged++; return null; }
        return r.json().catch(function () { return null; }).then(function (body) {
          if (!r.ok) { var e = new Error((body && body.error) || "HTTP " + r.status); e.status = r.status; throw e; }
          return { body: body, tag: r.headers.get("ETag") };
        });
      });
  }

  function loadDetail(id) {
    return getJSON(cfg.api + "/incidents/" + id).then(function (detail) { W.incident = detail; return detail; });
  }

  function showTabs(on) {
    document.querySelectorAll("#panel .tabs .ws-tab").forEach(function (b) { b.hidden = !on; });
  }

  // ---- the live strip under the tabs -------------------------------------------------
  function strip() {
    var el = document.getElementById("ws-live");
    if (el) return el;
    var tabs = document.querySelector("#panel .tabs-bar") || document.querySelector("#panel .tabs");
    if (!tabs) return null;
    el = document.createElement("div");
    el.id = "ws-live";
    el.className = "ws-live";
    el.setAttribute("aria-live", "polite");
    tabs.insertAdjacentElement("afterend", el);
    return el;
  }
  function showLive() {
    var el = strip();
    if (!el || !W.incident) return;
    var last = W.events.length ? W.events[W.events.length - 1] : null;
    el.hidden = false;
    el.classList.toggle("offline", !W.live.ok);
    el.dataset.version = String(W.incident.version);
    if (W.live.denied) {
      el.innerHTML = '<span class="dot"></span>' + esc(t("Not live: signed out")) +
        ' <a class="signin-link" href="/login">' + esc(t("Sign in")) + "</a>";
      return;
    }
    el.innerHTML = '<span class="dot"></span>' + esc(W.live.ok ? t("Live") : t("Not live: retrying")) +
      " · #" + esc(W.incident.id) + " · v" + esc(W.incident.version) +
      (last ? ' · <span class="ws-last">' + esc(F_time(last.at)) + " " + esc(last.actor || "") + ": " +
        esc(last.summary || last.kind) + "</span>" : "");
  }
  function F_time(iso) {
    var d = iso ? new Date(iso) : null;
    return d && !isNaN(d) ? d.toLocaleTimeString(cfg.lang === "en" ? "en-GB" : "zh-CN", { hour12: false }) : "";
  }
  /** Toasts for other officers' changes: each of the first two, then one line for the
   * rest, and at most one round every QUIET_MS (what arrives meanwhile waits for the next
   * round): a busy incident must not bury the map under toasts. */
  var QUIET_MS = 3000, quietUntil = 0, pending = [];
  function announce(fresh) {
    var me = cfg.user && cfg.user.name;
    pending = pending.concat(fresh.filter(function (ev) { return !(ev.actor && me && ev.actor === me); }));
    if (!pending.length || Date.now() < quietUntil) return;
    var batch = pending;
    pending = [];
    quietUntil = Date.now() + QUIET_MS;
    batch.slice(0, batch.length > 3 ? 2 : 3).forEach(function (ev) {
      WG.toast(t("{who}: {what}", { who: ev.actor || t("another officer"), what: ev.summary || ev.kind }));
    });
    if (batch.length > 3) WG.toast(t("and {n} more changes by other officers", { n: batch.length - 2 }));
  }

  // ---- attaching, refreshing, polling ---------------------------------------------------
  function attach(id) {
    if (W.incident && W.incident.id === id) return Promise.resolve(W.incident);
    W.incident = null; W.events = []; W.lastSeq = 0; etag = null; W.live.denied = false; pending = [];
    return loadDetail(id).then(function () {
      showTabs(true);
      return getEvents(id, 0);
    }).then(function (got) {
      etag = got ? got.tag : null;
      W.events = (got && got.body.events) || [];
      W.lastSeq = W.events.length ? W.events[W.events.length - 1].seq : 0;
      notify(W.events);
      showLive();
      schedule(POLL_MS);
      return W.incident;
    });
  }

  /** One round: new events (or 304), then the detail if the version moved. A call while a
   * round runs waits for it and runs one more, so a write always sees its own change. */
  function refresh() {
    if (!W.incident) return Promise.resolve(null);
    if (inFlight) { again = true; return inFlight; }
    var id = W.incident.id;
    inFlight = getEvents(id, W.lastSeq).then(function (got) {
      W.live.ok = true; failures = 0;
      if (!W.incident || W.incident.id !== id) return W.incident;
      if (!got) return W.incident;
      var log = got.body;
      var fresh = (log.events || []).filter(function (ev) { return ev.seq > W.lastSeq; });
      if (!fresh.length && log.version === W.incident.version) { etag = got.tag; return W.incident; }
      // taken only once the detail is there too: a failure asks again for the same events
      return loadDetail(id).then(function () {
        etag = got.tag;
        W.events = W.events.concat(fresh);
        if (fresh.length) W.lastSeq = fresh[fresh.length - 1].seq;
        W.live.lastChangeAt = Date.now();
        notify(fresh);
        announce(fresh);
        return W.incident;
      });
    }).catch(function (err) {
      W.live.ok = false; failures++;
      W.live.denied = err.status === 401 || err.status === 403;  // signed out meanwhile
      console.warn("workspace refresh", err);
      return W.incident;
    }).then(function (inc) {
      inFlight = null;
      showLive();
      announce([]);  // what waited for the quiet time
      if (again) { again = false; return refresh(); }
      return inc;
    });
    return inFlight;
  }

  function schedule(ms) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(poll, ms);
  }
  function poll() {
    timer = null;
    if (!W.incident) return;
    if (document.visibilityState === "hidden") return;  // resumed by visibilitychange
    refresh().then(function () {
      if (W.live.denied) return;  // asking again will not help: the strip offers to sign in
      schedule(failures ? Math.min(BACKOFF_MAX_MS, POLL_MS * Math.pow(2, failures)) : POLL_MS);
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && W.incident && !timer) poll();
  });

  function write(method, url, body) {
    if (!W.incident) return Promise.reject(new Error("no incident"));
    var payload = Object.assign({}, body || {}, { expected_version: W.incident.version });
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, Accept: "application/json" },
      body: JSON.stringify(payload),
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (res) {
        // a stale version (not another 409 of a tab: stock short, a status that moved)
        if (r.status === 409 && res && res.fields && "expected_version" in res.fields) {
          WG.toast(t("Another officer changed this incident: it was reloaded, check and try again"), "error");
          refresh();
        }
        if (!r.ok) { var e = new Error((res && res.error) || "HTTP " + r.status); e.status = r.status; e.body = res; throw e; }
        return refresh().then(function () { return res; });
      });
    });
  }
})();
