// Polls a staff import's progress: moves the bar, and reloads the page when the state changes
// (the preview or the outcome is drawn by the server).
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || box.getAttribute("data-running") !== "yes") { return; }
  var url = box.getAttribute("data-progress-url");
  var state = box.getAttribute("data-state");
  var bar = box.querySelector(".progress");
  var fill = box.querySelector(".progress-bar");

  function show(data) {
    fill.className = "progress-bar progress-" + Math.round(data.percent / 5) * 5;
    bar.setAttribute("aria-valuenow", String(data.percent));
    if (data.state !== state || !data.running) { window.location.reload(); return; }
    window.setTimeout(poll, 1000);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(show)
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 500);
})();
