/* riec-plan admin: a form that takes a while says so while it runs.
 *
 * A form with data-busy="Bezig met ..." shows that text (in its element with class "busy-note", or
 * as the button's text) as soon as it is sent, and ignores a second click meanwhile. The form is
 * sent as usual: the button is not disabled before sending, so its name reaches the server.
 * Without this script the page still works; it only lacks the sign.
 */
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) {
    return;
  }
  if (form.getAttribute("aria-busy") === "true") {
    event.preventDefault();  // already sent: one copy, not two
    return;
  }
  form.setAttribute("aria-busy", "true");
  form.classList.add("is-busy");
  var note = form.querySelector(".busy-note");
  if (note) {
    note.textContent = form.getAttribute("data-busy");
    note.hidden = false;
  }
  var button = event.submitter;
  if (button) {
    button.setAttribute("aria-disabled", "true");
    if (!note && button.tagName === "INPUT") {
      button.value = form.getAttribute("data-busy");
    }
  }
});
