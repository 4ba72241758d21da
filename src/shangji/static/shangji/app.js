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

// Live notifications: a toast's close button removes it; a read-only address selects itself.
document.addEventListener("click", (event) => {
  const close = event.target.closest("[data-dismiss-toast]");
  if (close) close.closest(".toast").remove();
});
document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) event.target.select();
});

// htmx answers a stale write with 409 and a message to show: swap it like a success.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// After an inline add form saved (the server sent it back blank, with a "done" line), fold
// it away and show the line above the timeline, which reloads itself on "activity-changed".
document.addEventListener("htmx:afterSwap", (event) => {
  const done = event.target.querySelector?.("[data-testid=form-done]");
  if (!done) return;
  const details = event.target.closest("details");
  if (details) details.open = false;
  const messages = document.getElementById("activity-messages");
  if (messages) {
    messages.replaceChildren(done.cloneNode(true));
    done.remove();
  }
});
