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

// Care: the live "monthly change" of a feature change; the review page prices it again.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-monthly-change]").forEach((output) => {
    const boxes = output.closest("form").querySelectorAll("input[data-price]");
    const update = () => {
      let cents = 0;
      boxes.forEach((box) => {
        const price = Math.round(parseFloat(box.dataset.price) * 100);
        const on = box.dataset.on === "1";
        if (box.checked && !on) cents += price;
        if (!box.checked && on) cents -= price;
      });
      const sign = cents > 0 ? "+" : cents < 0 ? "\u2212" : "";
      output.textContent = `${sign}${(Math.abs(cents) / 100).toFixed(2)} ${output.dataset.currency}`;
    };
    boxes.forEach((box) => box.addEventListener("change", update));
  });
});

// Guided line forms (new line, upgrade, port): show and send only the chosen plan's features,
// and keep the cost summary live. Without this every plan's features show, the server reports
// a feature of another plan, and the summary shows what was last posted.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-procure-form]");
  const summary = form && form.querySelector("[data-cost-summary]");
  if (!summary) return;
  const cents = (value) => Math.round(parseFloat(value || "0") * 100);
  const money = (amount) => `${(amount / 100).toFixed(2)} ${summary.dataset.currency}`;

  function showChosenPlansFeatures() {
    const chosen = form.querySelector("input[name=plan]:checked");
    let shown = false;
    form.querySelectorAll("[data-plan-features]").forEach((group) => {
      const on = chosen !== null && group.dataset.planFeatures === chosen.value;
      group.hidden = !on;
      // Disabled boxes are not sent; their ticks come back if that plan is chosen again.
      group.querySelectorAll("input").forEach((box) => { box.disabled = !on; });
      shown = shown || on;
    });
    const pick = form.querySelector("[data-features-pick]");
    const none = form.querySelector("[data-features-none]");
    if (pick) pick.hidden = chosen !== null;
    if (none) none.hidden = chosen === null || shown;
  }

  function summaryItem(name, amount, monthly, removed) {
    const item = document.createElement("li");
    if (removed) item.className = "removed";
    const label = document.createElement("span");
    label.textContent = name;
    const price = document.createElement("span");
    price.className = "num";
    const figure = document.createElement("span");
    figure.className = "money";
    figure.textContent = money(amount);
    price.append(removed ? "\u2212" : "", figure);
    if (monthly) {
      const per = document.createElement("span");
      per.className = "muted small";
      per.textContent = "/mo";
      price.append(per);
    }
    item.append(label, price);
    return item;
  }

  // The chosen device, plan, features and accessories. What the line has now (data-current)
  // is no news while it stays and listed as removed when it goes; an upgrade's monthly figure
  // is the change from what the line costs now (data-baseline).
  function updateSummary() {
    const totals = { ONETIME: 0, MONTHLY: 0 };
    const items = [];
    form.querySelectorAll("[data-priced]").forEach((el) => {
      const picked = el.tagName !== "INPUT" || (el.checked && !el.disabled);
      const current = "current" in el.dataset;
      const amount = cents(el.dataset.amount);
      const monthly = el.dataset.recurrence === "MONTHLY";
      if (picked) totals[monthly ? "MONTHLY" : "ONETIME"] += amount;
      if (picked !== current) items.push(summaryItem(el.dataset.name, amount, monthly, current));
    });
    summary.querySelector("[data-cost-items]").replaceChildren(...items);
    summary.querySelector("[data-cost=onetime] .money").textContent = money(totals.ONETIME);
    const monthly = summary.querySelector("[data-cost=monthly]");
    const change = totals.MONTHLY - cents(summary.dataset.baseline);
    const sign = "signed" in monthly.dataset && change > 0 ? "+" : "";
    monthly.querySelector(".money").textContent = `${sign}${money(change)}`;
  }

  form.addEventListener("change", () => {
    showChosenPlansFeatures();
    updateSummary();
  });
  showChosenPlansFeatures();
  updateSummary();
});
