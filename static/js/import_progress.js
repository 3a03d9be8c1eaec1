// Progress of a bulk import: poll the job's small JSON status and reload the
// page once the job has left its running state (the page then shows the
// result). Hooked through data attributes: the CSP forbids inline script.
(() => {
  const box = document.querySelector("[data-import-status-url]");
  if (!box) return;
  const bar = box.querySelector("[data-import-progress-bar]");
  const label = document.getElementById("import-status");
  const url = box.dataset.importStatusUrl;
  let delay = 1000;

  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const job = await response.json();
        bar.style.width = `${job.progress}%`;
        bar.textContent = `${job.progress}%`;
        box.setAttribute("aria-valuenow", job.progress);
        if (label) label.textContent = job.status_display;
        if (!job.running) {
          window.location.reload();
          return;
        }
        delay = 1000;
      } else {
        delay = Math.min(delay * 2, 15000);
      }
    } catch (error) {
      delay = Math.min(delay * 2, 15000);  // offline for a moment: try again later
    }
    window.setTimeout(poll, delay);
  };
  bar.style.width = `${box.getAttribute("aria-valuenow")}%`;
  window.setTimeout(poll, delay);
})();
