// desk.js: keyboard shortcuts and the live CVSS vector for the desk's
// pages. Progressive enhancement only: every page works without it, and it
// computes no score (the server does, from the vector).
"use strict";
(function () {
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  // j/k move between the rows of a list, Enter follows the row's link,
  // / focuses the search.
  var rows = Array.prototype.slice.call(document.querySelectorAll("table[data-rows] tbody tr"))
    .filter(function (tr) { return tr.querySelector("a"); });
  var current = -1;
  function select(i) {
    if (rows.length === 0) return;
    i = Math.max(0, Math.min(rows.length - 1, i));
    if (current >= 0) rows[current].classList.remove("selected");
    current = i;
    rows[i].classList.add("selected");
    rows[i].querySelector("a").focus();
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(document.activeElement)) return;
    if (e.key === "/") {
      var q = document.getElementById("q");
      if (q) { e.preventDefault(); q.focus(); q.select(); }
    } else if (e.key === "j") {
      select(current + 1);
    } else if (e.key === "k") {
      select(current < 0 ? 0 : current - 1);
    }
  });

  // The CVSS calculator: show the vector the chosen metrics make.
  var out = document.getElementById("cvss-live");
  var metrics = Array.prototype.slice.call(document.querySelectorAll("select[data-metric]"));
  function vector() {
    var parts = ["CVSS:3.1"], complete = true;
    metrics.forEach(function (s) {
      if (s.value) parts.push(s.getAttribute("data-metric") + ":" + s.value); else complete = false;
    });
    out.textContent = parts.length === 1 ? "" : parts.join("/") + (complete ? "" : " (incomplete)");
  }
  if (out && metrics.length) {
    metrics.forEach(function (s) { s.addEventListener("change", vector); });
  }
})();
