// The admin's autocomplete fields (Select2) give their combobox only the current selection as its
// name: empty when nothing is chosen, so a screen reader hears an unnamed combobox (WCAG 4.1.2).
// Name each combobox by its field's label as well; and name the other fields that have no label (see
// below). A file of the project: the CSP allows no inline script.
(function () {
  "use strict";
  // In a table of inline rows the field's label is its column's header.
  function columnHeader(select) {
    var cell = select.closest("td");
    if (!cell) {
      return null;
    }
    var table = cell && cell.closest("table");
    var row = table && table.querySelector("thead tr");
    if (!row) {
      return null;
    }
    var index = Array.prototype.indexOf.call(cell.parentElement.children, cell);
    return row.children[index] || null;
  }
  function nameComboboxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var box = container && container.querySelector('.select2-selection[role="combobox"]');
      var label = (select.id && document.querySelector('label[for="' + select.id + '"]')) || columnHeader(select);
      if (!box || !label) {
        return;
      }
      if (!label.id) {
        label.id = (select.id || "field-" + Math.random().toString(36).slice(2)) + "-label";
      }
      var rendered = box.querySelector(".select2-selection__rendered");
      if (rendered) {
        // The shown value is the combobox's text, not a second (unnamed, read-only) text field.
        rendered.removeAttribute("role");
        rendered.removeAttribute("aria-readonly");
      }
      var names = [label.id].concat(rendered && rendered.id ? [rendered.id] : []).join(" ");
      if (box.getAttribute("aria-labelledby") !== names) {
        box.setAttribute("aria-labelledby", names);
      }
    });
  }
  // A field of a tabular inline has no <label>: its column header is its name, with the row's number
  // ("Titel, regel 3"), so a screen reader says which field of which row it is (WCAG 1.3.1, 4.1.2).
  function nameInlineFields(root) {
    root.querySelectorAll(".tabular td input, .tabular td select, .tabular td textarea").forEach(function (field) {
      if (field.type === "hidden" || field.hasAttribute("aria-label") || field.hasAttribute("aria-labelledby") ||
          (field.id && document.querySelector('label[for="' + field.id + '"]'))) {
        return;
      }
      var header = columnHeader(field);
      var text = header && header.textContent.replace(/\s+/g, " ").trim();
      if (!text && field.type === "checkbox" && /-DELETE$/.test(field.name)) {
        text = "Verwijderen";
      }
      if (!text) {
        return;
      }
      var row = field.closest("tr");
      var rows = row && row.parentElement ? Array.prototype.filter.call(row.parentElement.children, function (r) {
        return r.classList.contains("form-row");
      }) : [];
      var number = rows.indexOf(row) + 1;
      field.setAttribute("aria-label", number > 0 ? text + ", regel " + number : text);
    });
  }
  // Select2's search box of a multiple choice has no name of its own: the field's label names it; and
  // the list of chosen items holds only list items (Select2 puts its clear button in it).
  function fixMultipleSelects(root) {
    root.querySelectorAll("select.admin-autocomplete[multiple]").forEach(function (select) {
      var container = select.nextElementSibling;
      if (!container) {
        return;
      }
      var label = (select.id && document.querySelector('label[for="' + select.id + '"]')) || columnHeader(select);
      var search = container.querySelector(".select2-search__field");
      if (search && label && !search.hasAttribute("aria-label")) {
        search.setAttribute("aria-label", label.textContent.replace(/\s+/g, " ").replace(/:$/, "").trim());
      }
      container.querySelectorAll("ul.select2-selection__rendered").forEach(function (list) {
        Array.prototype.slice.call(list.children).forEach(function (child) {
          if (child.tagName !== "LI") {
            list.parentNode.insertBefore(child, list);
          }
        });
      });
    });
  }
  function nameAll(root) {
    nameComboboxes(root);
    nameInlineFields(root);
    fixMultipleSelects(root);
  }
  // Select2 sets the name again whenever it (re)builds a field, and an inline row can be added: name
  // them after every such change.
  function watch() {
    nameAll(document);
    new MutationObserver(function () {
      nameAll(document);
    }).observe(document.body, { subtree: true, childList: true, attributeFilter: ["aria-labelledby", "role"] });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
})();
