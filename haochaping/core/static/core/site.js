/* Site-wide behaviour. The content security policy forbids inline scripts and event-handler
   attributes, so pages mark elements with data attributes and this file wires them up. */
(function () {
  "use strict";
  // <select data-autosubmit>: submit the form on change (language switcher, list filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });
})();
