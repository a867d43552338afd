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
});
