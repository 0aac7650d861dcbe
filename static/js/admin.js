// Progressive enhancement for the admin pages. Without JavaScript every link stays
// selectable text in an input; with it, "Copy" buttons appear and copy to the clipboard.
(function () {
  "use strict";

  function enable(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function copy(button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.value || source.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || "✓";
      button.classList.add("is-copied");
      window.setTimeout(function () {
        button.textContent = label;
        button.classList.remove("is-copied");
      }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        source.select();
      });
    } else {
      source.focus();
      source.select();
      try {
        if (document.execCommand("copy")) done();
      } catch (e) {
        /* the text stays selected for a manual copy */
      }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) {
      event.preventDefault();
      copy(button);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { enable(document); });
  // Fragments swapped in by htmx carry their own (hidden) copy buttons.
  document.addEventListener("htmx:afterSwap", function (event) { enable(event.target.parentNode || document); });
})();
