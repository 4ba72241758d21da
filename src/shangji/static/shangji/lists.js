// The opportunity list's selection for bulk updates: "select all on this page" and the count.
(() => {
  const rows = () => document.querySelectorAll("input[data-bulk-row]");

  const showCount = () => {
    const ticked = [...rows()].filter((box) => box.checked).length;
    const text = ticked ? `(${ticked})` : "";
    document.querySelectorAll("[data-bulk-count]").forEach((span) => {
      span.textContent = text;
    });
    const all = document.querySelector("input[data-bulk-all]");
    if (all) {
      all.checked = ticked > 0 && ticked === rows().length;
      all.indeterminate = ticked > 0 && ticked < rows().length;
    }
  };

  document.addEventListener("change", (event) => {
    if (event.target.matches("input[data-bulk-all]")) {
      rows().forEach((box) => {
        box.checked = event.target.checked;
      });
    }
    if (event.target.matches("input[data-bulk-all], input[data-bulk-row]")) showCount();
  });
  document.addEventListener("htmx:afterSwap", showCount);
  document.addEventListener("DOMContentLoaded", showCount);
})();
