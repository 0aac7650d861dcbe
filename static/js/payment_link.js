// Payment-link item rows without a round trip. Without JavaScript the "Add item" and
// "Remove" buttons submit the form and the server answers with one row more or less;
// with it, rows are added from the <template> and removed in place, and focus follows.
(function () {
  "use strict";

  function rowsOf(form) {
    return form.querySelector("[data-item-rows]");
  }

  function renumber(form) {
    rowsOf(form).querySelectorAll("[data-item-row]").forEach(function (row, position) {
      var legend = row.querySelector("[data-item-number]");
      if (legend) legend.textContent = legend.textContent.replace(/\d+|__number__/, String(position + 1));
    });
  }

  function nextIndex(form) {
    var highest = -1;
    rowsOf(form).querySelectorAll("[data-remove-row]").forEach(function (button) {
      highest = Math.max(highest, parseInt(button.value, 10));
    });
    return highest + 1;
  }

  function addRow(form) {
    var template = form.querySelector("#item-row-template");
    var index = String(nextIndex(form));
    var html = template.innerHTML.split("__index__").join(index);
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.querySelector("[data-item-row]");
    rowsOf(form).appendChild(row);
    renumber(form);
    var first = row.querySelector("input");
    if (first) first.focus();
  }

  function removeRow(form, button) {
    var row = button.closest("[data-item-row]");
    var rows = rowsOf(form).querySelectorAll("[data-item-row]");
    if (rows.length === 1) {
      // The only row is emptied rather than removed, errors and all.
      row.querySelectorAll("input").forEach(function (input) {
        input.value = input.name.endsWith("quantity") ? "1" : "";
        input.removeAttribute("aria-invalid");
        var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
          return id && !/-error$/.test(id);
        });
        if (described.length) {
          input.setAttribute("aria-describedby", described.join(" "));
        } else {
          input.removeAttribute("aria-describedby");
        }
      });
      row.querySelectorAll(".field__error").forEach(function (error) { error.remove(); });
      row.querySelector("input").focus();
      return;
    }
    var previous = row.previousElementSibling || row.nextElementSibling;
    row.remove();
    renumber(form);
    var target = previous && previous.querySelector("input");
    if (target) target.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row], [data-remove-row]");
    if (!button || !button.form || !rowsOf(button.form)) return;
    event.preventDefault();
    if (button.hasAttribute("data-add-row")) {
      addRow(button.form);
    } else {
      removeRow(button.form, button);
    }
  });
})();
