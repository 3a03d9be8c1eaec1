// Participants picker of a group activity: a search box that narrows the
// list of residents by case code or name. Hooked by data attributes (the
// Content Security Policy forbids inline script).
document.querySelectorAll("form[data-participant-picker]").forEach((form) => {
  const group = form.querySelector("#div_id_participants");
  if (!group) {
    return;
  }
  const search = document.createElement("input");
  search.type = "search";
  search.className = "form-control form-control-sm mb-2";
  search.placeholder = form.dataset.filterPlaceholder || "";
  search.setAttribute("aria-label", form.dataset.filterPlaceholder || "");
  const label = group.querySelector("label, legend");
  (label || group.firstChild)?.after(search);
  search.addEventListener("input", () => {
    const wanted = search.value.trim().toLowerCase();
    group.querySelectorAll(".form-check").forEach((option) => {
      option.hidden = wanted !== "" && !option.textContent.toLowerCase().includes(wanted);
    });
  });
});
