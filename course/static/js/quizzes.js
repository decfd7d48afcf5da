// Quiz attempt page: a visible countdown (the server keeps the real deadline) and save-as-you-go,
// also on the summary before submitting. Without this script the pages still work: answers are
// saved with the form's buttons, and the summary's button submits.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form") || document.getElementById("submit-form");
  if (!form) { return; }
  var autosave = form.id === "attempt-form";
  var statusBox = document.getElementById("save-status");
  var timer = document.getElementById("quiz-timer");
  var endsAt = null;
  var submitting = false;
  var lang = document.documentElement.lang || "zh-CN";
  // The words come translated from the template (data-* on the status line), like catalog.js.
  var words = statusBox ? statusBox.dataset : {};

  function say(text) { if (statusBox) { statusBox.textContent = text; } }

  function submitNow() {
    if (submitting) { return; }
    submitting = true;
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "submit";
    form.appendChild(action);
    form.submit();
  }

  function showTime() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    var clock = timer.querySelector(".quiz-clock");
    var seconds = left % 60;
    clock.textContent = Math.floor(left / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
    timer.classList.toggle("low", left <= 60);
    if (left === 300) { say(words.fiveMinutes); }
    if (left === 60) { say(words.oneMinute); }
    if (left <= 0) { submitNow(); }
  }

  if (timer) {
    endsAt = Date.now() + parseInt(timer.getAttribute("data-remaining"), 10) * 1000;
    showTime();
    window.setInterval(showTime, 1000);
  }

  if (!autosave) { return; }

  function markAnswered(saved, flagged) {
    var links = document.querySelectorAll(".quiz-navigator [data-question]");
    Array.prototype.forEach.call(links, function (link) {
      var name = link.getAttribute("data-question");
      if (Object.prototype.hasOwnProperty.call(saved, name)) {
        var entry = saved[name];
        var answered = entry !== null && entry !== undefined && entry !== "" &&
          !(typeof entry === "object" && Object.keys(entry).length === 0);
        link.classList.toggle("answered", answered);
        var hidden = link.querySelector("[data-state]");
        if (hidden) { hidden.textContent = " " + (answered ? words.answered : words.unanswered); }
      }
      var isFlagged = flagged.indexOf(name) >= 0;
      link.classList.toggle("flagged", isFlagged);
      var mark = link.querySelector(".flag-mark");
      if (mark) { mark.hidden = !isFlagged; }
      var flagState = link.querySelector("[data-flag-state]");
      if (flagState) { flagState.textContent = isFlagged ? " " + words.flagged : ""; }
    });
  }

  var pending = null;
  function save() {
    pending = null;
    say(words.saving);
    var data = new FormData(form);
    data.delete("action");
    data.delete("goto");
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (reply) {
      if (reply.status === 409 && reply.body.results) { window.location.assign(reply.body.results); return; }
      if (reply.status !== 200) { say(words.failed); return; }
      markAnswered(reply.body.saved || {}, reply.body.flagged || []);
      if (timer && typeof reply.body.remaining_seconds === "number") {
        endsAt = Date.now() + reply.body.remaining_seconds * 1000;
      }
      say(words.saved + " " + new Date().toLocaleTimeString(lang));
    }).catch(function () { say(words.failed); });
  }

  function schedule() {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(save, 500);
  }

  form.addEventListener("change", schedule);
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") { schedule(); }
  });
  form.addEventListener("submit", function () { submitting = true; });
})();
