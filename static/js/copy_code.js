/* "Copy number" next to a VA number, bill key or payment code (button[data-copy], hidden
 * until this script runs; without JavaScript the number stays plain, selectable text).
 * The result is said through the page's #announcer. */
(function () {
  "use strict";

  function reveal() {
    document.querySelectorAll("#payment button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function copied(button) {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || label;
    var announcer = document.getElementById("announcer");
    if (announcer) {
      announcer.textContent = button.textContent;
    }
    window.setTimeout(function () { button.textContent = label; }, 1500);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#payment button[data-copy]");
    if (!button) {
      return;
    }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard || !window.isSecureContext) {
      // No clipboard here (plain http): select the number for a manual copy.
      if (source) {
        window.getSelection().selectAllChildren(source);
      }
      return;
    }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () { copied(button); }, function () {
      window.getSelection().selectAllChildren(source);
    });
  });
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
})();
