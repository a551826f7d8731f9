// The panel's tab row (templates/map.html): sixteen tabs when signed in, more than a phone or
// a 1024 px tablet shows at once. The tab buttons all stay in the one row (tests and scripts
// click `button[data-tab=…]`); this script keeps the row usable:
// - the active tab is scrolled into view whenever a tab is shown (WG.tabRow.reveal, called
//   by showTab in incident.js), also when a script opens a tab far along the row;
// - arrows over the ends say there is more to the left or right, and scroll the row;
// - "▾" lists every shown tab (a menu: arrow keys, Home/End, Esc closes and gives the focus
//   back to its button); choosing one clicks that tab's own button;
// - left/right arrow keys move between the tabs of the row.
(function () {
  "use strict";
  var WG = window.WG = window.WG || {};
  var $ = function (id) { return document.getElementById(id); };
  var row = document.querySelector("#panel .tabs"), bar = document.querySelector("#panel .tabs-bar");
  var prev = $("tabs-prev"), next = $("tabs-next"), more = $("tabs-more"), menu = $("tabs-menu");
  if (!row || !bar) return;

  function tabs() {
    return Array.prototype.filter.call(row.querySelectorAll("button[data-tab]"), function (b) { return !b.hidden; });
  }

  // the arrows show at the ends the row can scroll to
  function update() {
    var left = row.scrollLeft > 1, right = row.scrollLeft + row.clientWidth < row.scrollWidth - 1;
    if (prev) prev.hidden = !left;
    if (next) next.hidden = !right;
  }

  // scroll the row so `btn` (the active tab by default) is clear of the arrows
  function reveal(btn) {
    btn = btn || row.querySelector("button[data-tab].active");
    if (!btn || btn.hidden) return;
    var r = btn.getBoundingClientRect(), rr = row.getBoundingClientRect();
    if (!rr.width) return;
    var pad = Math.max(prev ? prev.offsetWidth : 0, next ? next.offsetWidth : 0, 28);
    if (r.left < rr.left + pad) row.scrollLeft -= rr.left + pad - r.left;
    else if (r.right > rr.right - pad) row.scrollLeft += r.right - (rr.right - pad);
    update();
  }

  function page(dir) {
    row.scrollBy({ left: dir * Math.max(80, row.clientWidth * 0.7), behavior: "smooth" });
  }
  if (prev) prev.addEventListener("click", function () { page(-1); });
  if (next) next.addEventListener("click", function () { page(1); });
  row.addEventListener("scroll", update, { passive: true });
  window.addEventListener("resize", function () { reveal(); });
  // tabs come and go (the incident's tabs when one is open): the arrows follow
  if (window.MutationObserver) {
    new MutationObserver(function () { update(); })
      .observe(row, { subtree: true, attributes: true, attributeFilter: ["hidden"], childList: true });
  }

  // keyboard within the row: left/right to the neighbouring tab
  row.addEventListener("keydown", function (e) {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    var list = tabs(), i = list.indexOf(document.activeElement);
    if (i < 0) return;
    var to = list[(i + (e.key === "ArrowRight" ? 1 : list.length - 1)) % list.length];
    e.preventDefault();
    to.focus();
    reveal(to);
  });

  // ---- "▾": every shown tab in a list ----------------------------------------------------
  function isOpen() { return more.getAttribute("aria-expanded") === "true"; }
  function close(focusBack) {
    if (!isOpen()) return;
    more.setAttribute("aria-expanded", "false");
    menu.hidden = true;
    if (focusBack) more.focus();
  }
  function open() {
    if (document.body.classList.contains("panel-collapsed")) {  // the list needs the sheet open
      document.body.classList.remove("panel-collapsed");
      if (WG.map) setTimeout(function () { WG.map.invalidateSize(); }, 50);
    }
    menu.innerHTML = "";
    tabs().forEach(function (b) {
      var item = document.createElement("button");
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.dataset.goto = b.dataset.tab;
      var label = b.cloneNode(true), badge = b.querySelector(".tab-badge");
      Array.prototype.forEach.call(label.querySelectorAll(".tab-badge"), function (x) { x.remove(); });
      item.textContent = label.textContent.trim();
      if (badge) item.appendChild(badge.cloneNode(true));
      if (b.classList.contains("active")) item.setAttribute("aria-current", "true");
      menu.appendChild(item);
    });
    // as tall as the panel below the bar allows (a bottom sheet on a phone is short)
    var panel = document.getElementById("panel"), room = panel
      ? panel.getBoundingClientRect().bottom - bar.getBoundingClientRect().bottom - 6 : 0;
    menu.style.maxHeight = room > 120 ? room + "px" : "";
    menu.hidden = false;
    more.setAttribute("aria-expanded", "true");
    var current = menu.querySelector("[aria-current]") || menu.firstChild;
    if (current) current.focus();
  }
  if (more && menu) {
    more.addEventListener("click", function () { if (isOpen()) close(false); else open(); });
    menu.addEventListener("click", function (e) {
      var item = e.target.closest("[data-goto]");
      if (!item) return;
      var btn = row.querySelector('button[data-tab="' + item.dataset.goto + '"]');
      close(false);
      if (btn) { btn.click(); reveal(btn); btn.focus(); }
    });
    menu.addEventListener("keydown", function (e) {
      var items = Array.prototype.slice.call(menu.querySelectorAll("[data-goto]"));
      var i = items.indexOf(document.activeElement), to = null;
      if (e.key === "ArrowDown") to = items[(i + 1) % items.length];
      else if (e.key === "ArrowUp") to = items[(i - 1 + items.length) % items.length];
      else if (e.key === "Home") to = items[0];
      else if (e.key === "End") to = items[items.length - 1];
      else if (e.key === "Tab") close(false);
      if (to) { e.preventDefault(); to.focus(); }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && isOpen()) { e.stopPropagation(); close(true); }
    }, true);
    document.addEventListener("click", function (e) {
      if (isOpen() && !menu.contains(e.target) && !more.contains(e.target)) close(false);
    });
  }

  WG.tabRow = { reveal: reveal, update: update };
  update();
})();
