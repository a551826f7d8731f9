/* Signing in returns to the page and incident you were on with nothing lost (issue 14, item
 * 8). The page's URL already names what is on screen (`/incidents/<id>`, or `/?scenario=`
 * with the analysed request, which the page analyses again); the sign-in link carries it as
 * `next=` (checked to be a local path by webgis/auth.py). What the URL cannot carry — the
 * form as the officer left it (edits not yet analysed), the open tab, the key of the
 * pending save — is kept in sessionStorage (this tab only, gone with it) when the officer
 * leaves for the sign-in page, and put back once the page shows what its URL names
 * ("wg:started", incident.js). */
(function () {
  "use strict";
  var WG = window.WG, t = WG.t;
  var KEY = "wg:draft";
  var MAX_AGE_MS = 2 * 3600e3;

  function here() { return window.location.pathname + window.location.search; }

  function fields() {
    var out = {};
    document.querySelectorAll("#incident-form input[id], #incident-form select[id], #incident-form textarea[id]")
      .forEach(function (el) {
        out[el.id] = el.type === "checkbox" ? { checked: el.checked } : { value: el.value };
      });
    return out;
  }

  function activeTab() {
    var b = document.querySelector("#panel .tabs button[data-tab].active");
    return b ? b.dataset.tab : null;
  }

  function keep() {
    var S = WG.incident || {};
    var draft = {
      path: here(), at: Date.now(), fields: fields(), tab: activeTab(),
      request: S.request || null, clientKey: S.clientKey || null,
      collapsed: document.body.classList.contains("panel-collapsed"),
    };
    try { window.sessionStorage.setItem(KEY, JSON.stringify(draft)); } catch (e) { /* private mode: nothing kept */ }
    return draft;
  }
  WG.keepDraft = keep;

  // the sign-in links go back to where the officer is now (the URL changes without a
  // reload: an analysis, a save), and the draft is kept on the way
  document.addEventListener("click", function (e) {
    var a = e.target.closest("a.signin-link");
    if (!a) return;
    keep();
    a.href = "/login?next=" + encodeURIComponent(here());
  }, true);

  function restore() {
    var raw = null, draft = null;
    try { raw = window.sessionStorage.getItem(KEY); } catch (e) { return; }
    if (!raw) return;
    try { draft = JSON.parse(raw); } catch (e) { draft = null; }
    try { window.sessionStorage.removeItem(KEY); } catch (e) { /* ignore */ }
    if (!draft || draft.path !== here() || !(Date.now() - draft.at < MAX_AGE_MS)) return;
    Object.keys(draft.fields || {}).forEach(function (id) {
      var el = document.getElementById(id), v = draft.fields[id];
      if (!el) return;
      if ("checked" in v) el.checked = v.checked; else el.value = v.value;
    });
    var S = WG.incident;
    if (S && draft.clientKey && !(S.saved) && S.request &&
        JSON.stringify(S.request) === JSON.stringify(draft.request)) {
      S.clientKey = draft.clientKey;  // the same analysis: a save now is the same save
    }
    if (draft.tab && document.querySelector('#panel .tabs button[data-tab="' + draft.tab + '"]')) WG.showTab(draft.tab);
    document.body.classList.toggle("panel-collapsed", !!draft.collapsed);
    document.body.dataset.restored = "true";
    WG.toast(t("Back where you were before signing in"));
  }
  document.addEventListener("wg:started", restore);
})();
