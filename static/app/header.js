// The page header's menu button (templates/base.html, static/app/header.css): below 1280 px
// the department's pages, the languages, the user and "Sign out" fold behind it. A real
// button with aria-expanded; Esc or a tap elsewhere closes the menu, Esc gives the focus back
// to the button so a keyboard user is where they were.
(function () {
  "use strict";
  var btn = document.getElementById("hdr-menu-btn"), menu = document.getElementById("hdr-menu");
  if (!btn || !menu) return;
  var header = btn.parentNode;

  function isOpen() { return btn.getAttribute("aria-expanded") === "true"; }
  function set(open) {
    header.classList.toggle("menu-open", open);
    btn.setAttribute("aria-expanded", open ? "true" : "false");
  }
  btn.addEventListener("click", function () { set(!isOpen()); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && isOpen()) {
      set(false);
      btn.focus();
    }
  });
  // a tap or click anywhere else, or the focus leaving the menu, closes it
  document.addEventListener("click", function (e) {
    if (isOpen() && !menu.contains(e.target) && !btn.contains(e.target)) set(false);
  });
  menu.addEventListener("focusout", function (e) {
    if (isOpen() && e.relatedTarget && !menu.contains(e.relatedTarget) && e.relatedTarget !== btn) set(false);
  });
  // wide again: the contents are back in the bar, nothing is left "open"
  var wide = window.matchMedia("(min-width: 1280px)");
  var onWide = function () { if (wide.matches) set(false); };
  if (wide.addEventListener) wide.addEventListener("change", onWide);
})();
