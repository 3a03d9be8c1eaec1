// Behaviour shared by every page. No inline script anywhere: the Content
// Security Policy forbids it, so pages hook in through data attributes.
document.addEventListener("change", (event) => {
  if (event.target.matches(".js-autosubmit")) {
    event.target.form.submit();
  }
});

// After a refused form, bring the first field marked invalid into view and
// focus it, so a long form (on a phone especially) shows what to correct.
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector("main .is-invalid");
  if (invalid) {
    invalid.scrollIntoView({ block: "center" });
    invalid.focus({ preventScroll: true });
  }
});

// A section menu that scrolls sideways on a phone (outreach) keeps its
// current item in view instead of hiding it past the screen's edge.
document.querySelectorAll(".nav.overflow-auto").forEach((menu) => {
  const active = menu.querySelector(".nav-link.active");
  if (active) menu.scrollLeft = active.offsetLeft - menu.offsetLeft - 16;
});
