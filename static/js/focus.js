/* After htmx swaps in a new payment state: announce it through the page's aria-live
 * region (#announcer, text from the fragment's data-announce) and move focus to the
 * element marked [data-autofocus] (the new state's heading), so keyboard and screen
 * reader users land on the result. No inline handlers: the CSP forbids them. */
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "payment") {
      return;
    }
    var payment = document.getElementById("payment");
    if (!payment) {
      return;
    }
    var announcer = document.getElementById("announcer");
    var text = payment.getAttribute("data-announce");
    if (announcer && text) {
      announcer.textContent = text;
    }
    var heading = payment.querySelector("[data-autofocus]");
    if (heading) {
      heading.focus();
    }
  });
})();
