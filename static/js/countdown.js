/* Live countdown for elements with data-expires-at (an ISO UTC time).
 * Without JavaScript the element keeps the expiry time the server wrote in it.
 * data-now (the server's clock when the fragment was rendered) corrects a wrong
 * device clock. The container [data-countdown] carries the translated labels.
 * Loaded with <script defer>; no inline script, so the CSP can forbid them. */
(function () {
  "use strict";

  var skew = new WeakMap();

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function format(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    return (h > 0 ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
  }

  function update(time) {
    var expires = Date.parse(time.getAttribute("data-expires-at"));
    if (isNaN(expires)) {
      return;
    }
    if (!skew.has(time)) {
      var serverNow = Date.parse(time.getAttribute("data-now") || "");
      skew.set(time, isNaN(serverNow) ? 0 : serverNow - Date.now());
    }
    var left = Math.max(0, Math.round((expires - (Date.now() + skew.get(time))) / 1000));
    var box = time.closest("[data-countdown]");
    var label = box ? box.querySelector(".expiry__label") : null;
    if (left > 0) {
      if (label) {
        label.textContent = box.getAttribute("data-label-left");
      }
      time.textContent = format(left);
    } else {
      if (label) {
        label.textContent = box.getAttribute("data-label-expired");
      }
      time.textContent = "";
      var payment = time.closest(".payment");
      if (payment) {
        payment.classList.add("is-expired");
      }
    }
  }

  function tick() {
    var times = document.querySelectorAll("[data-expires-at]");
    for (var i = 0; i < times.length; i++) {
      update(times[i]);
    }
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  window.setInterval(tick, 1000);
})();
