// Outreach visit form: type a few letters to narrow the venue list, so the
// right venue is found in seconds on a phone. Hooked by data attributes (the
// Content Security Policy forbids inline script).
document.querySelectorAll("[data-venue-filter]").forEach((input) => {
  const select = document.querySelector(input.dataset.venueFilter);
  if (!select) return;
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let firstMatch = null;
    select.querySelectorAll("option").forEach((option) => {
      if (!option.value) return;
      const text = option.textContent.toLowerCase();
      const match = words.every((word) => text.includes(word));
      option.hidden = !match;
      if (match && !firstMatch) firstMatch = option;
    });
    if (firstMatch && words.length) select.value = firstMatch.value;
  });
});
