// Tenant admin pages: progressive enhancements only. Without this file every form still works
// (all step rows and all inputs show; the server ignores what does not apply).
(() => {
  document.documentElement.classList.add("js");

  function stepEditor(form) {
    const rows = Array.from(form.querySelectorAll("[data-step-row]"));
    const addButton = form.querySelector("[data-add-step]");
    const kindOf = (row) => row.querySelector("select[name$='-kind']");

    function renumber() {
      let number = 0;
      rows.forEach((row) => {
        if (row.hidden) return;
        number += 1;
        row.querySelector(".step-no").textContent = number;
        row.querySelector(".step-row-head strong").textContent = `Step ${number}`;
      });
      addButton.hidden = !rows.some((row) => row.hidden);
    }

    const SOURCE = ["kind", "manager_levels", "hierarchy", "group", "employee"];
    const FIELDS = [...SOURCE, ...SOURCE.map((name) => `${name}_2`),
      ...SOURCE.map((name) => `${name}_3`), "rule", "required", "reject_when",
      "reminder_delay_minutes", "escalation_delay_minutes"];
    const input = (row, name) => row.querySelector(`[name$='-${name}']`);
    // Each source slot shows the inputs of its own kind (procure.css reads data-kind).
    const syncSlots = (row) => {
      row.querySelectorAll("[data-source-slot]").forEach((slot) => {
        slot.dataset.kind = slot.querySelector("select[name*='-kind']").value;
      });
    };

    // Rows are posted by index, so removing a step moves the later steps' values up one row
    // and hides the last one: the steps in use always fill the first rows, in order.
    function removeStep(index) {
      const shown = rows.filter((row) => !row.hidden);
      for (let i = index; i < shown.length - 1; i += 1) {
        FIELDS.forEach((name) => { input(shown[i], name).value = input(shown[i + 1], name).value; });
        shown[i].dataset.kind = input(shown[i], "kind").value;
        syncSlots(shown[i]);
      }
      const last = shown[shown.length - 1];
      FIELDS.forEach((name) => {
        const blank = { rule: "ANY", reject_when: "ANY" }[name] ?? "";
        input(last, name).value = name.startsWith("manager_levels") ? "1" : blank;
      });
      last.dataset.kind = "";
      syncSlots(last);
      if (shown.length > 1) last.hidden = true;
      renumber();
    }

    rows.forEach((row) => {
      const kind = kindOf(row);
      row.dataset.kind = kind.value;
      kind.addEventListener("change", () => { row.dataset.kind = kind.value; });
      syncSlots(row);
      row.querySelectorAll("[data-source-slot] select[name*='-kind']").forEach((select) => {
        select.addEventListener("change", () => syncSlots(row));
      });
      const remove = row.querySelector("[data-remove-step]");
      remove.hidden = false;
      remove.addEventListener("click", () => {
        removeStep(rows.filter((r) => !r.hidden).indexOf(row));
      });
    });
    // Show the steps in use and one blank row; "Add a step" reveals the others one by one.
    let blankShown = false;
    rows.forEach((row) => {
      if (kindOf(row).value) return;
      if (blankShown) row.hidden = true;
      blankShown = true;
    });
    addButton.addEventListener("click", () => {
      const next = rows.find((row) => row.hidden);
      if (!next) return;
      next.hidden = false;
      renumber();
      kindOf(next).focus();
    });
    renumber();

    // Enter in the example order previews instead of saving the rule.
    const panel = form.querySelector("[data-preview-panel]");
    if (panel) {
      panel.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && event.target.matches("input")) {
          event.preventDefault();
          panel.querySelector("button[value=preview]").click();
        }
      });
    }
  }

  function propertyForm(form) {
    const type = form.querySelector("select[name=type]");
    const sync = () => {
      form.querySelectorAll("[data-for-type]").forEach((section) => {
        section.hidden = section.dataset.forType !== type.value;
      });
    };
    type.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-workflow-editor]").forEach(stepEditor);
    document.querySelectorAll("[data-property-form]").forEach(propertyForm);
  });
})();
