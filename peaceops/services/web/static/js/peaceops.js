// PeaceOps pages work without JavaScript; this file only adds conveniences.
(function () {
  "use strict";

  // Map layer switches: a checkbox with data-toggle="LAYER" shows or hides <g data-layer="LAYER">.
  function setupLayerToggles() {
    document.querySelectorAll("input[data-toggle]").forEach(function (box) {
      box.addEventListener("change", function () {
        var layer = box.getAttribute("data-toggle");
        document.querySelectorAll('[data-layer="' + layer + '"]').forEach(function (group) {
          group.classList.toggle("hidden", !box.checked);
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupLayerToggles();
  });
})();
