// Progressive enhancement for the admin pages. Without JavaScript every link stays
// selectable text in an input, results are full pages and the first invalid field has
// autofocus; with it, "Copy" and "Share" buttons appear, and after an htmx swap focus
// moves to the first invalid field or to the result, and the change is announced once,
// through the page's one live region (#admin-announcer).
(function () {
  "use strict";

  function enable(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
    if (navigator.share) {
      root.querySelectorAll("button[data-share-url]").forEach(function (button) {
        button.hidden = false;
      });
    }
  }

  function copy(button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.value || source.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || "✓";
      button.classList.add("is-copied");
      announce(button.textContent);
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

  function share(button) {
    navigator.share({
      text: button.getAttribute("data-share-text"),
      url: button.getAttribute("data-share-url")
    }).catch(function () { /* closed by the owner: nothing to do */ });
  }

  function announce(text) {
    var region = document.getElementById("admin-announcer");
    if (!region || !text) return;
    // Emptied first, so the same words said twice in a row are still read out.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text.replace(/\s+/g, " ").trim(); }, 50);
  }

  // After a swap: an invalid field takes focus (a screen reader then reads its label and
  // its error, so nothing is announced on top); otherwise the result takes focus and its
  // words are announced.
  function settle(root) {
    var invalid = root.querySelector("[aria-invalid='true']");
    if (invalid) {
      invalid.focus();
      return;
    }
    var said = root.matches && root.matches("[data-announce]") ? root : root.querySelector("[data-announce]");
    var focus = root.querySelector("[data-focus]");
    if (focus) focus.focus();
    if (said) announce(said.textContent);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) {
      event.preventDefault();
      copy(button);
      return;
    }
    var sharing = event.target.closest("button[data-share-url]");
    if (sharing && navigator.share) {
      event.preventDefault();
      share(sharing);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { enable(document); });
  // Fragments swapped in by htmx carry their own (hidden) buttons.
  document.addEventListener("htmx:afterSwap", function (event) { enable(event.target.parentNode || document); });
  // Only the answers to actions (POSTs) move focus: a poll, a filter or a page link must not.
  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail || {};
    var verb = detail.requestConfig && detail.requestConfig.verb;
    var target = detail.target;
    if (verb !== "post" || !target || !target.id) return;
    var root = document.getElementById(target.id);
    if (root) settle(root);
  });
})();
