// "Copy" buttons: <button data-copy="ID"> copies the text of the element with that id.
(function () {
  "use strict";
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  function copy(text) {
    // The Clipboard API needs a secure context (https or localhost); file:// and plain http fall back.
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var label = button.textContent;
    copy(source.textContent).then(
      function () { button.textContent = button.getAttribute("data-copied") || "Copied"; },
      function () { button.textContent = button.getAttribute("data-failed") || "Select and copy by hand"; }
    ).then(function () { setTimeout(function () { button.textContent = label; }, 1500); });
  });
})();
