/* Network honesty for the checkout page. When the browser goes offline, or a poll cannot
 * reach us (htmx:sendError), say so (#connection) and stop the "waiting" pulse: nothing
 * is being checked while we cannot talk to the server. When the connection returns, ask
 * at once (the poll form listens for "checkout:poll") instead of waiting for the next
 * 3-second tick. Static file, no inline handlers: the CSP forbids them. */
(function () {
  "use strict";

  function show(dropped) {
    var message = document.getElementById("connection");
    if (message) {
      message.hidden = !dropped;
    }
    document.body.classList.toggle("is-offline", dropped);
  }

  function pollNow() {
    var poll = document.querySelector("#payment form.poll");
    if (poll && window.htmx) {
      window.htmx.trigger(poll, "checkout:poll");
    }
  }

  window.addEventListener("offline", function () { show(true); });
  window.addEventListener("online", function () { pollNow(); });
  document.addEventListener("htmx:sendError", function () { show(true); });
  document.addEventListener("htmx:afterRequest", function (event) {
    // Any answer from us (a 204 "nothing changed" included) means we are connected again.
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status > 0 && navigator.onLine !== false) {
      show(false);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (navigator.onLine === false) {
      show(true);
    }
  });
})();
