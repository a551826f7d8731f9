// Reports on the incident (issue 14 item 4): the Reports tab and the reporting clock.
//
// GET  {api}/incidents/<id>/reports  -> {clock, reports}; read again after every change of
// the incident (WG.workspace.subscribe). Writes go through WG.workspace.write, which adds
// expected_version and handles a stale version (409). The clock box (#report-clock) counts
// down to the next report due, every second, and turns red when it is overdue.
(function () {
  "use strict";
  var WG = window.WG;
  if (!WG || !WG.workspace) return;
  var t = WG.t, esc = WG.esc, F = WG.F, cfg = WG.cfg;
  var $ = function (id) { return document.getElementById(id); };
  var clockEl = $("report-clock"), tab = $("tab-reports"), listEl = $("rep-list"), editor = $("rep-editor");
  if (!clockEl || !tab) return;

  var S = WG.reports = { data: null, openId: null, timer: null, incidentId: null, dirty: false };
  var KIND = { initial: "rkind_initial", followup: "rkind_followup", final: "rkind_final" };
  // drafting is for duty officers and leaders (admins); the server decides who may issue
  var WRITER = ["duty_officer", "leader", "admin"].indexOf((cfg.user || {}).role) >= 0;
  tab.querySelector(".rep-new").hidden = !WRITER;

  function base() { return cfg.api + "/incidents/" + S.incidentId + "/reports"; }

  function load() {
    if (!S.incidentId) return Promise.resolve(null);
    return fetch(base(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (data) { S.data = data; render(); return data; })
      .catch(function (err) { console.warn("reports", err); });
  }

  // ---- the clock ---------------------------------------------------------------------
  function dur(ms) {  // "2 d 03:04:05" past two days, else "51:04:05"
    var a = Math.abs(ms), days = a >= 48 * 3600e3 ? Math.floor(a / 86400e3) : 0;
    return (days ? t("{n} d", { n: days }) + " " : "") + F.duration(a - days * 86400e3);
  }
  function tick() {
    var c = S.data && S.data.clock;
    if (!c) { clockEl.hidden = true; return; }
    clockEl.hidden = false;
    var basis = cfg.lang === "en" ? c.basis_en : c.basis_zh;
    clockEl.title = t("Reporting clock") + (basis ? ": " + basis : "") + (c.next === "initial" && c.province_to_mee_due_at
      ? "\n" + t("Provincial report to the MEE due {time}", { time: F.clock(new Date(c.province_to_mee_due_at)) }) : "");
    if (!c.next || !c.due_at) {
      clockEl.className = "report-clock done";
      clockEl.innerHTML = esc(t("All reports issued"));
      return;
    }
    var due = new Date(c.due_at), left = due - new Date();
    clockEl.className = "report-clock" + (left < 0 ? " overdue" : left < 30 * 60e3 ? " soon" : "");
    clockEl.dataset.overdue = left < 0 ? "1" : "0";
    clockEl.innerHTML = esc(t("{kind} due {time}", { kind: t(KIND[c.next]), time: F.clock(due) })) +
      " · <b>" + esc(left >= 0 ? t("{d} left", { d: dur(left) }) : t("overdue by {d}", { d: dur(left) })) +
      "</b>" + '<button type="button" data-open="reports">' + esc(t("Reports")) + "</button>";
  }
  clockEl.addEventListener("click", function (e) {
    if (e.target.dataset.open && WG.showTab) WG.showTab("reports");
  });

  // ---- the list ----------------------------------------------------------------------
  function render() {
    tick();
    if (!S.timer) S.timer = setInterval(tick, 1000);
    var reps = (S.data && S.data.reports) || [];
    listEl.innerHTML = reps.length ? reps.slice().reverse().map(function (r) {
      return '<li data-id="' + r.id + '"' + (r.id === S.openId ? ' class="open"' : "") + "><span>" +
        esc(r.title) + ' <span class="muted">' + esc(r.doc_no) + "</span></span>" +
        '<span class="rep-status ' + r.status + '">' + esc(t(r.status === "issued" ? "Issued" : "Draft")) + "</span></li>";
    }).join("") : '<li class="muted">' + esc(t("No reports yet")) + "</li>";
    var open = reps.filter(function (r) { return r.id === S.openId; })[0];
    if (open && !S.dirty) showEditor(open);
    else if (!open) { editor.hidden = true; editor.innerHTML = ""; }
  }
  listEl.addEventListener("click", function (e) {
    var li = e.target.closest("li[data-id]");
    if (!li) return;
    S.openId = Number(li.dataset.id);
    S.dirty = false;
    render();
  });

  // ---- one report --------------------------------------------------------------------
  function showEditor(r) {
    var issued = r.status === "issued";
    var who = issued ? t("Issued by {who} at {time}", { who: r.issued_by, time: F.clock(new Date(r.issued_at)) })
      : t("Drafted by {who} at {time}", { who: r.drafted_by, time: F.clock(new Date(r.drafted_at)) });
    var html = "<h3>" + esc(r.title) + "</h3><p class=\"muted\">" + esc(r.doc_no) + " · " + esc(who) +
      (r.corrects_doc_no ? " · " + esc(t("corrects {doc}", { doc: r.corrects_doc_no })) : "") + "</p>";
    if (issued) html += '<p class="hint">' + esc(t("An issued report never changes: to correct it, draft a correction")) + "</p>";
    html += r.sections.map(function (s) {
      var rows = Math.min(12, Math.max(2, (s.text || "").split("\n").length + 1));
      return '<label for="rep-s-' + s.key + '">' + esc(cfg.lang === "en" ? s.heading_en : s.heading) + "</label>" +
        '<textarea id="rep-s-' + s.key + '" data-key="' + s.key + '" rows="' + rows + '"' + (issued ? " readonly" : "") + ">" +
        esc(s.text || "") + "</textarea>";
    }).join("");
    html += '<div class="rep-actions">' + (!WRITER ? "" : issued ? '<button type="button" class="btn" data-act="correct">' + esc(t("Draft a correction")) + "</button>"
        : '<button type="button" class="btn btn-primary" data-act="save">' + esc(t("Save draft")) + "</button>" +
          '<button type="button" class="btn btn-danger" data-act="issue">' + esc(t("Issue")) + "</button>") +
      '<a class="btn" href="' + esc(r.files.docx) + '">' + esc(t("Word (DOCX)")) + "</a>" +
      '<a class="btn" target="_blank" rel="noopener" href="' + esc(r.files.pdf) + '">PDF</a></div>';
    editor.innerHTML = html;
    editor.hidden = false;
    editor.dataset.id = r.id;
  }
  editor.addEventListener("input", function () { S.dirty = true; });

  function busy(btn, on) { if (btn) { btn.disabled = on; btn.classList.toggle("busy", on); } }

  function fail(err) {
    WG.toast((err && err.message) || t("Could not save the report"), "error");
  }

  function afterWrite(rep) {
    S.openId = rep.id;
    S.dirty = false;
    return load();
  }

  function changedSections() {
    var out = {};
    var rep = ((S.data && S.data.reports) || []).filter(function (r) { return r.id === S.openId; })[0];
    var before = {};
    (rep ? rep.sections : []).forEach(function (s) { before[s.key] = s.text || ""; });
    editor.querySelectorAll("textarea[data-key]").forEach(function (ta) {
      if (ta.value !== before[ta.dataset.key]) out[ta.dataset.key] = ta.value;
    });
    return out;
  }

  function save() {
    return WG.workspace.write("PUT", base() + "/" + S.openId, { content: changedSections() });
  }

  var confirmTimer = null;
  editor.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-act]");
    if (!btn) return;
    var act = btn.dataset.act;
    if (act === "save") {
      busy(btn, true);
      save().then(function (rep) { WG.toast(t("Saved")); return afterWrite(rep); }).catch(fail)
        .then(function () { busy(btn, false); });
    } else if (act === "issue") {
      if (!btn.dataset.armed) {  // a second click confirms: issuing cannot be undone
        btn.dataset.armed = "1";
        btn.textContent = t("Click again to issue: it cannot be changed afterwards");
        clearTimeout(confirmTimer);
        confirmTimer = setTimeout(function () { delete btn.dataset.armed; btn.textContent = t("Issue"); }, 6000);
        return;
      }
      clearTimeout(confirmTimer);
      busy(btn, true);
      var edits = changedSections();
      var first = Object.keys(edits).length ? save() : Promise.resolve(null);
      first.then(function () {
        return WG.workspace.write("POST", base() + "/" + S.openId + "/issue", {});
      }).then(function (rep) { WG.toast(t("Report issued")); return afterWrite(rep); }).catch(fail)
        .then(function () { busy(btn, false); });
    } else if (act === "correct") {
      busy(btn, true);
      WG.workspace.write("POST", base(), { corrects: S.openId }).then(afterWrite).catch(fail)
        .then(function () { busy(btn, false); });
    }
  });

  tab.querySelector(".rep-new").addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-kind]");
    if (!btn) return;
    busy(btn, true);
    WG.workspace.write("POST", base(), { kind: btn.dataset.kind }).then(afterWrite).catch(fail)
      .then(function () { busy(btn, false); });
  });

  WG.workspace.subscribe(function (inc) {
    if (!inc) return;
    S.incidentId = inc.id;
    load();
  });
})();
