// The admin's autocomplete fields (Select2) give their combobox only the current selection as its
// name: empty when nothing is chosen, so a screen reader hears an unnamed combobox (WCAG 4.1.2).
// Name each combobox by its field's label as well. A file of the project: the CSP allows no inline script.
(function () {
  "use strict";
  // In a table of inline rows the field's label is its column's header.
  function columnHeader(select) {
    var cell = select.closest("td");
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
  // Select2 sets the name again whenever it (re)builds a field: name them after every such change.
  function watch() {
    nameComboboxes(document);
    new MutationObserver(function () {
      nameComboboxes(document);
    }).observe(document.body, { subtree: true, childList: true, attributeFilter: ["aria-labelledby", "role"] });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
})();
