// Typeset every .math element with KaTeX; a formula KaTeX rejects keeps its source, marked.
(function () {
  "use strict";
  function macros() {
    try { return JSON.parse(document.documentElement.dataset.katexMacros || "{}"); }
    catch (e) { return {}; }
  }
  function renderMath(root) {
    if (!window.katex) return;
    var shared = macros();
    root.querySelectorAll(".math:not([data-typeset])").forEach(function (el) {
      var tex = el.textContent;
      try {
        window.katex.render(tex, el, {
          displayMode: el.classList.contains("display"),
          throwOnError: true,
          strict: "ignore",
          macros: Object.assign({}, shared),
        });
        el.setAttribute("data-typeset", "");
      } catch (err) {
        el.textContent = tex;
        el.classList.add("math-error");
        el.setAttribute("title", String(err && err.message || err));
        el.setAttribute("data-typeset", "error");
      }
    });
  }
  window.paperdigest = { renderMath: renderMath };
  renderMath(document);
})();
