// Progressive enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // "Select all" checkboxes in tables (bulk decisions).
  document.querySelectorAll("[data-select-all]").forEach((box) => {
    box.addEventListener("change", () => {
      document.querySelectorAll(box.dataset.selectAll).forEach((item) => { item.checked = box.checked; });
    });
  });
  // Confirm destructive buttons.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
});
