// The "Alle kolommen" checkbox of the export page (templates/admin/import_export/riec_export.html).
// A file of its own, no inline handler: the Content-Security-Policy allows only scripts from our own origin.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.getElementById("id_select_all_columns");
  if (!toggle) {
    return;
  }
  const columns = () =>
    Array.from(document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]')).filter(
      (box) => box.closest(".selectable-field-export-row").style.display !== "none",
    );
  const follow = () => {
    const boxes = columns();
    const checked = boxes.filter((box) => box.checked).length;
    toggle.checked = checked === boxes.length;
    toggle.indeterminate = checked > 0 && checked < boxes.length;
  };

  toggle.addEventListener("change", () => {
    columns().forEach((box) => {
      box.checked = toggle.checked;
    });
    toggle.indeterminate = false;
  });
  document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]').forEach((box) => {
    box.addEventListener("change", follow);
  });
  const resource = document.getElementById("id_resource");
  if (resource) {
    resource.addEventListener("input", follow);
  }
  follow();
});
