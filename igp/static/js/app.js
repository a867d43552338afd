/* Small progressive enhancements; every page works without this file. */
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  /* A form refused and shown again: the page's own address replaces the POST address, so a
     refresh asks for the page (GET) and sends nothing again. */
  var canonical = document.querySelector("link[rel=canonical][data-replace-url]");
  if (canonical && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", canonical.getAttribute("href"));
  }
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  // the main menu behind a button on small screens (without this file the menu simply stays open)
  var toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    toggle.hidden = false;
    document.documentElement.classList.add("has-menu-toggle");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
    });
  }
  // tables as stacked cards on small screens: every cell names its column
  document.querySelectorAll("table.data").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) { return; }
    table.classList.add("stackable");
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (heads[i] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", heads[i]); }
      });
    });
  });
  // forms marked data-keep (the MDO minutes and outcomes per item): warn before leaving the page
  // while another such form holds typed text that was not saved
  var kept = document.querySelectorAll("form[data-keep]");
  var sending = null;
  kept.forEach(function (form) {
    form.addEventListener("input", function () { form.setAttribute("data-changed", "1"); });
    form.addEventListener("change", function () { form.setAttribute("data-changed", "1"); });
    form.addEventListener("submit", function () { sending = form; });
  });
  if (kept.length) {
    window.addEventListener("beforeunload", function (event) {
      var unsaved = Array.prototype.some.call(kept, function (form) {
        return form !== sending && form.hasAttribute("data-changed");
      });
      if (unsaved) { event.preventDefault(); event.returnValue = ""; }
    });
  }
});
