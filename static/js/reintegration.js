// Support form: show the riel rate only for riel, the employer only for a job
// placement and the institution only for tuition. Without JS every field shows
// and the server still checks them.
(function () {
  const form = document.querySelector("#id_kind") && document.querySelector("#id_kind").form;
  if (!form) return;
  const row = (name) => {
    const field = form.querySelector(`[name=${name}]`);
    return field ? field.closest(".mb-3") || field.parentElement : null;
  };
  const toggle = () => {
    const kind = form.kind.value;
    const show = {
      riel_per_usd: form.currency.value === "KHR",
      employer: kind === "job_placement",
      institution: kind === "tuition",
    };
    for (const [name, visible] of Object.entries(show)) {
      const el = row(name);
      if (el) el.hidden = !visible;
    }
  };
  form.addEventListener("change", toggle);
  toggle();
})();
