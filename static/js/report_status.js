// Live status of the impact report queue on the Reports page. No inline
// script (CSP): the table names its JSON endpoint in data-status-url.
(function () {
  "use strict";
  const table = document.getElementById("report-queue");
  if (!table) return;
  const url = table.dataset.statusUrl;
  const downloadLabel = table.dataset.downloadLabel || "Download PDF";

  function setWidth(bar) {
    // Widths set from script, not a style attribute, so CSP style-src holds.
    bar.style.width = (bar.dataset.progress || "0") + "%";
  }
  table.querySelectorAll(".js-progress").forEach(setWidth);

  function pending() {
    return table.querySelector('tr[data-status="queued"], tr[data-status="running"]') !== null;
  }

  function update(report) {
    const row = document.getElementById("report-" + report.uuid);
    if (!row) return false;
    row.dataset.status = report.status;
    row.querySelector(".js-status-label").textContent = report.status_label;
    const bar = row.querySelector(".js-progress");
    bar.dataset.progress = String(report.progress);
    setWidth(bar);
    const wrap = bar.parentElement;
    wrap.setAttribute("aria-valuenow", String(report.progress));
    wrap.classList.toggle("d-none", !(report.status === "queued" || report.status === "running"));
    row.querySelector(".js-error").textContent = report.error || "";
    const cell = row.querySelector(".js-download");
    if (report.download_url && !cell.querySelector("a")) {
      const link = document.createElement("a");
      link.className = "btn btn-sm btn-success";
      link.href = report.download_url;
      link.textContent = cell.dataset.label || downloadLabel;
      cell.appendChild(link);
    }
    return true;
  }

  function poll() {
    if (!pending()) return;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        let unknown = false;
        data.reports.forEach((report) => {
          if (!update(report)) unknown = true;
        });
        if (unknown) window.location.reload();
      })
      .catch(() => {})
      .finally(() => {
        if (pending()) window.setTimeout(poll, 2000);
      });
  }
  window.setTimeout(poll, 1000);
})();
