// Follows a bulk issue: polls its progress, updates the bar and reloads the page (with the
// per-trainee report) once the run is done. Without script the page offers a reload link.
(function () {
  "use strict";
  var box = document.getElementById("bulk-progress");
  if (!box || box.getAttribute("data-state") === "done") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector(".progress");
  var fill = box.querySelector(".progress-bar");

  function show(data) {
    var step = Math.round(data.percent / 5) * 5;
    fill.className = "progress-bar progress-" + step;
    bar.setAttribute("aria-valuenow", String(data.percent));
    if (data.state === "done" || data.state === "failed") { window.location.reload(); return; }
    window.setTimeout(poll, 1500);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(show)
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  poll();
})();
