// Polls a bulk issue's progress and updates the bar, the count and the failure list.
(function () {
  "use strict";
  var box = document.getElementById("bulk-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector(".progress");
  var fill = box.querySelector(".progress-bar");
  var count = document.getElementById("bulk-count");
  var state = document.getElementById("bulk-state");
  var done = document.getElementById("bulk-done");
  var failures = document.getElementById("bulk-failures");

  function show(data) {
    var step = Math.round(data.percent / 5) * 5;
    fill.className = "progress-bar progress-" + step;
    bar.setAttribute("aria-valuenow", String(data.percent));
    count.firstChild.nodeValue = data.done + " / " + data.total + " ";
    state.textContent = data.state;
    if (data.failures.length) {
      failures.textContent = "";
      data.failures.forEach(function (failure) {
        var item = document.createElement("li");
        item.textContent = failure.name + ": " + failure.error;
        failures.appendChild(item);
      });
    }
    if (data.state === "done") { done.hidden = false; return; }
    window.setTimeout(poll, 1000);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(show)
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  if (state.textContent !== "done") { poll(); }
})();
