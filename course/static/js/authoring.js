// The editor's live preview and "go to line" buttons. Without JavaScript, the Preview button
// submits the form and the server draws the preview, so nothing here is required.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("editor-form");
  const text = document.getElementById("text");
  const preview = document.getElementById("preview");
  if (!form || !text) return;

  if (preview) {
    let timer = null;
    let sent = 0;
    const refresh = async () => {
      const ticket = ++sent;
      const body = new FormData();
      body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
      body.append("path", form.querySelector("[name=path]").value);
      body.append("text", text.value);
      try {
        const response = await fetch(form.dataset.previewUrl, {
          method: "POST", body, credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!response.ok || ticket !== sent) return;
        const data = await response.json();
        preview.innerHTML = data.html; // sanitised on the server by the lessons' renderer
      } catch (error) {
        // Offline or signed out: the Preview button still works.
      }
    };
    text.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    });
    refresh();
  }

  for (const button of document.querySelectorAll(".goto-line")) {
    button.addEventListener("click", () => {
      const line = Number(button.dataset.line) || 1;
      const lines = text.value.split("\n");
      const start = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
      const end = start + (lines[line - 1] || "").length;
      text.focus();
      text.setSelectionRange(start, end);
      const height = text.scrollHeight / Math.max(lines.length, 1);
      text.scrollTop = Math.max(0, (line - 5) * height);
    });
  }

  // Warn before leaving with unsaved text.
  let dirty = false;
  text.addEventListener("input", () => { dirty = true; });
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });
});
