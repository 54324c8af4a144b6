// Charts: every <canvas data-chart="{...Chart.js config...}"> becomes a chart. The data are
// rendered by the server into the attribute (no inline script: the CSP forbids it).
(function () {
  "use strict";
  function draw(root) {
    if (typeof Chart === "undefined") { return; }
    root.querySelectorAll("canvas[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var config = JSON.parse(el.dataset.chart);
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false,
                                       animation: false }, config.options || {});
      new Chart(el, config);
      el.dataset.drawn = "1";
    });
    document.body.dataset.chartsDrawn = String(document.querySelectorAll("canvas[data-drawn]").length);
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
// A field's error goes away once the operator edits that field.
document.addEventListener("input", function (e) {
  var field = e.target.closest(".rules-field");
  if (field) { field.querySelectorAll(".field-error").forEach(function (x) { x.remove(); }); }
});
