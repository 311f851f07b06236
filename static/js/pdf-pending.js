/* riec-plan: the page "PDF wordt gemaakt" asks again in the background instead of reloading itself.
 *
 * Every few seconds it asks the same address; while the answer is 202 the PDF is still being made.
 * When the PDF comes, it is handed to the browser as a download and the status line says "klaar"
 * (read out by a screen reader: role="status"). A failure (500) shows the page with the error.
 * Without this script the link on the page asks again. A file of the project: the CSP allows no inline script.
 */
"use strict";
(function () {
  var box = document.querySelector(".pdf-pending[data-pdf-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-pdf-url");
  var seconds = Math.max(1, parseInt(box.getAttribute("data-interval"), 10) || 3);
  var status = box.querySelector(".pdf-status");
  var again = box.querySelector(".pdf-again");
  var tries = 0;
  status.textContent = "PDF wordt gemaakt… De download begint vanzelf zodra de PDF klaar is.";

  function filename(response) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : "document.pdf";
  }

  function ready(response) {
    return response.blob().then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = filename(response);
      link.hidden = true;
      document.body.appendChild(link);
      link.click();
      status.textContent = "De PDF is klaar; de download is gestart.";
      again.textContent = "PDF nogmaals downloaden";
      box.classList.add("is-ready");
    });
  }

  function ask() {
    tries += 1;
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.status === 200 && type.indexOf("application/pdf") === 0) {
          return ready(response);
        }
        if (response.status === 202) {
          if (tries % 5 === 0) {
            status.textContent = "PDF wordt nog gemaakt… De download begint vanzelf zodra de PDF klaar is.";
          }
          window.setTimeout(ask, seconds * 1000);
          return null;
        }
        // Failed, or logged out meanwhile: the page itself says what is wrong.
        window.location.assign(url);
        return null;
      })
      .catch(function () {
        status.textContent = "De verbinding is weg. Kijk opnieuw met de link hieronder.";
      });
  }
  window.setTimeout(ask, seconds * 1000);
})();
