/* After htmx swaps in a new payment state: announce it through the page's aria-live
 * region (#announcer, text from the fragment's data-announce) and move focus to the
 * element marked [data-autofocus] (the new state's heading), so keyboard and screen
 * reader users land on the result; the tab's title follows (data-title). No inline
 * handlers: the CSP forbids them. */
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
    // The tab's title follows the state (a customer switching apps sees it there).
    var title = payment.getAttribute("data-title");
    if (title) {
      document.title = title;
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
