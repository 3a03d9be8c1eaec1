// Behaviour shared by every page. No inline script anywhere: the Content
// Security Policy forbids it, so pages hook in through data attributes.
document.addEventListener("change", (event) => {
  if (event.target.matches(".js-autosubmit")) {
    event.target.form.submit();
  }
});
