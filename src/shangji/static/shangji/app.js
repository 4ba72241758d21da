// Small behaviours shared by every page; no inline scripts anywhere.
document.addEventListener("click", (event) => {
  const confirmable = event.target.closest("[data-confirm]");
  if (confirmable && !window.confirm(confirmable.dataset.confirm)) {
    event.preventDefault();
    event.stopPropagation();
  }
});

// A <select data-autosubmit> submits its form when changed (filters, language).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) {
    event.target.form.requestSubmit();
  }
});

// A stage button for a lost stage asks for the reason before it posts.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-lost-stage]")) return;
  const field = form.querySelector("input[name=lost_reason]");
  if (field.value) return;
  const reason = window.prompt(form.dataset.lostStage);
  if (!reason) {
    event.preventDefault();
    return;
  }
  field.value = reason;
});
