// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // The header menu is a <details>: open by itself on wide screens, a "Menu" button on phones.
  const wide = window.matchMedia("(min-width: 48rem)");
  for (const menu of document.querySelectorAll("details[data-open-wide]")) {
    const sync = () => { menu.open = wide.matches; };
    sync();
    wide.addEventListener("change", sync);
  }
  // Confirm destructive actions marked with data-confirm.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
