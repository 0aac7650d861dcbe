/* Folds the order summary (<details id="summary">) while a QR or an app payment is on a
 * small screen, so the QR, the amount and the countdown fit the first screen; unfolds it
 * on wide screens and in every other state. It acts only when the payment state changes,
 * so a customer who opens or closes the summary keeps their choice. The server renders
 * the same choice for small screens, so without JavaScript nothing is hidden for good:
 * <details> opens with a tap. No inline handlers: the CSP forbids them. */
(function () {
  "use strict";

  var SMALL = "(max-width: 40rem)";
  var shown = null;

  function sync() {
    var summary = document.getElementById("summary");
    var payment = document.getElementById("payment");
    if (!summary || !payment) {
      return;
    }
    var state = payment.getAttribute("data-state");
    if (state === shown) {
      return;
    }
    shown = state;
    var folding = (summary.getAttribute("data-fold-states") || "").split(" ").indexOf(state) >= 0;
    summary.open = !(folding && window.matchMedia(SMALL).matches);
  }

  document.addEventListener("DOMContentLoaded", sync);
  document.addEventListener("htmx:afterSwap", sync);
})();
