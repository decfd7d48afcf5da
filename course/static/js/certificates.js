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

// The trainee picker: suggestions as the admin types, drawn as the same radio buttons the
// server draws after a search without script.
(function () {
  "use strict";
  var form = document.getElementById("trainee-search");
  var choices = document.getElementById("trainee-choices");
  if (!form || !choices) { return; }
  var input = document.getElementById("trainee-q");
  var url = form.getAttribute("data-search-url");
  var timer = null;
  var asked = "";

  function draw(results) {
    var legend = choices.querySelector("legend");
    choices.textContent = "";
    choices.appendChild(legend);
    if (!results.length) {
      var none = document.createElement("p");
      none.className = "hint";
      none.textContent = choices.getAttribute("data-empty");
      choices.appendChild(none);
      return;
    }
    results.forEach(function (person) {
      var label = document.createElement("label");
      label.className = "check";
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "issue-user_id";
      radio.value = String(person.id);
      radio.required = true;
      radio.checked = results.length === 1;
      label.appendChild(radio);
      var text = " " + person.name + " <" + person.email + ">";
      if (person.department) { text += " · " + person.department; }
      label.appendChild(document.createTextNode(text));
      choices.appendChild(label);
    });
  }

  function search() {
    var q = input.value.trim();
    if (!q || q === asked) { return; }
    asked = q;
    fetch(url + "?q=" + encodeURIComponent(q), {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    })
      .then(function (response) { return response.json(); })
      .then(function (data) { if (q === asked) { draw(data.results); } })
      .catch(function () { asked = ""; });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
})();
