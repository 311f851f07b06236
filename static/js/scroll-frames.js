/* riec-plan: a frame that scrolls sideways (a wide table on a phone or at 200 % zoom) can be scrolled
 * with the keyboard and has a name (WCAG 2.1.1, 4.1.2): it gets tabindex="0", role="region" and the
 * name of the table it holds (its caption, else the heading before it). Checked again when the window
 * changes size; a frame that fits again leaves the tab order. A file of the project: the CSP allows
 * no inline script.
 */
"use strict";
(function () {
  var MARK = "data-scroll-frame";

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function nameOf(frame) {
    var kind = frame.querySelector("table") ? "Tabel" : "Schuifbaar gebied";
    var caption = frame.querySelector("caption");
    if (text(caption)) {
      return kind + ": " + text(caption);
    }
    var own = frame.querySelector("h1, h2, h3, h4, h5, h6");
    if (text(own)) {
      return kind + ": " + text(own);
    }
    var node = frame;
    while (node && node !== document.body) {
      var previous = node.previousElementSibling;
      while (previous) {
        if (/^H[1-6]$/.test(previous.tagName) && text(previous)) {
          return kind + ": " + text(previous);
        }
        var inner = previous.querySelector && previous.querySelector("h1, h2, h3, h4, h5, h6");
        if (inner && text(inner)) {
          return kind + ": " + text(inner);
        }
        previous = previous.previousElementSibling;
      }
      node = node.parentElement;
    }
    return kind;
  }

  function scrolls(element) {
    var overflow = getComputedStyle(element).overflowX;
    return (overflow === "auto" || overflow === "scroll") && element.scrollWidth > element.clientWidth + 1;
  }

  function update() {
    document.querySelectorAll("body *").forEach(function (element) {
      var marked = element.hasAttribute(MARK);
      if (scrolls(element)) {
        if (!element.hasAttribute("tabindex")) {
          element.setAttribute("tabindex", "0");
          element.setAttribute(MARK, "tabindex");
        } else if (!marked) {
          element.setAttribute(MARK, "");
        }
        if (!element.hasAttribute("aria-label") && !element.hasAttribute("aria-labelledby")) {
          element.setAttribute("aria-label", nameOf(element));
          element.setAttribute("data-scroll-frame-label", "");
        }
        if (!element.hasAttribute("role")) {
          element.setAttribute("role", "region");
          element.setAttribute("data-scroll-frame-role", "");
        }
      } else if (marked) {
        // It fits again: out of the tab order, no landmark of its own.
        if (element.getAttribute(MARK) === "tabindex") {
          element.removeAttribute("tabindex");
        }
        if (element.hasAttribute("data-scroll-frame-label")) {
          element.removeAttribute("aria-label");
          element.removeAttribute("data-scroll-frame-label");
        }
        if (element.hasAttribute("data-scroll-frame-role")) {
          element.removeAttribute("role");
          element.removeAttribute("data-scroll-frame-role");
        }
        element.removeAttribute(MARK);
      }
    });
  }

  var pending = null;
  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 150);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("load", update);
  window.addEventListener("resize", later);
})();
