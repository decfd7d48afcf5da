// Lesson pages: mark the lesson complete once the trainee has read to the end.
// Progressive enhancement: the "Mark as complete" button works without it.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-complete-form]");
  const end = document.getElementById("lesson-end");
  const status = form && form.querySelector("[data-complete-status]");
  if (!form || !end || !status || !("IntersectionObserver" in window)) return;
  const openedAt = Date.now();
  const minimum = Number(form.dataset.minSeconds || 30) * 1000;
  let sent = false;

  const complete = () => {
    if (sent) return;
    sent = true;
    const data = new FormData(form);
    data.delete("next_lesson");
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then((response) => {
      if (response.ok) status.textContent = status.dataset.doneText || "✓";
      else sent = false;
    }, () => { sent = false; });
  };

  let visible = false;
  const check = () => { if (visible && Date.now() - openedAt >= minimum) complete(); };
  new IntersectionObserver((entries) => {
    visible = entries.some((entry) => entry.isIntersecting);
    check();
  }).observe(end);
  window.setInterval(check, 5000);
});
