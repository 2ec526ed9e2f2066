/* Small behaviours of every page, declared in the markup with data- attributes instead of inline handlers
   (the Content Security Policy lets no inline script run). Listeners sit on the document, so content that htmx
   swaps in later behaves the same. */
(function () {
  "use strict";

  // <select data-autosubmit>: choosing an option submits its form (the year selectors, rows per page).
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });

  // <button data-confirm="question">: asks before the form is sent.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-confirm]");
    if (b && !window.confirm(b.dataset.confirm)) e.preventDefault();
  });

  // <button data-once>: disabled once its form is submitted, so a double click sends one request.
  document.addEventListener("submit", function (e) {
    e.target.querySelectorAll("button[data-once]").forEach(function (b) {
      setTimeout(function () { b.disabled = true; }, 0);  // after the browser has taken the button's value
    });
  });

  // hx-post forms marked data-remove-on-success disappear once their request succeeded (the reveal buttons).
  document.addEventListener("htmx:afterRequest", function (e) {
    var el = e.detail && e.detail.elt;
    if (el && el.matches && el.matches("[data-remove-on-success]") && e.detail.successful) el.remove();
  });
})();
