/* A payment action the customer waits for (forms marked data-busy). The pressed button
 * keeps focus and shows its spinner; the other actions get aria-disabled (not disabled,
 * which would throw focus to <body>) and ignore presses. After 2 seconds the button says
 * data-slow-label ("Contacting Midtrans...") and #announcer says it, once. The fragment
 * that answers replaces all of this. */
(function () {
  "use strict";

  var SLOW_AFTER_MS = 2000;
  var timer = null;

  function actions() {
    return document.querySelectorAll("#payment button, #payment a[href]");
  }

  function start(form) {
    var button = form.querySelector("button[type=submit]");
    form.classList.add("is-busy");
    actions().forEach(function (element) {
      element.setAttribute("aria-disabled", "true");
    });
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var label = button && button.getAttribute("data-slow-label");
      if (!label || !document.body.contains(button)) {
        return;
      }
      var title = button.querySelector(".button__title") || button;
      title.textContent = label;
      var announcer = document.getElementById("announcer");
      if (announcer) {
        announcer.textContent = label;
      }
    }, SLOW_AFTER_MS);
  }

  function stop() {
    window.clearTimeout(timer);
    timer = null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.matches && form.matches("form[data-busy]")) {
      start(form);
    }
  });
  // The answer replaces #payment: the pressed form is gone before htmx:afterRequest
  // (which then no longer reaches the document), so the wait ends at the swap.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "payment") {
      stop();
    }
  });
  // Whatever the answer (a new state, an error that does not swap), the wait is over.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-busy]")) {
      return;
    }
    stop();
    if (document.body.contains(form)) {
      form.classList.remove("is-busy");
      actions().forEach(function (element) {
        element.removeAttribute("aria-disabled");
      });
    }
  });
  // Presses on aria-disabled actions do nothing (a second charge request, a cancel
  // while a payment starts). Capture phase: before htmx sees the click.
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[aria-disabled='true']");
    if (target && target.closest("#payment")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.closest && form.closest("#payment") && form.querySelector("[aria-disabled='true']")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
