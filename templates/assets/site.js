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
        // The same marked source as a build-time KaTeX error (paperdigest.mathrender.formula_markup).
        var label = "Formula error (KaTeX): " + String(err && err.message || err).replace(/^KaTeX parse error: /, "");
        var marker = document.createElement("span");
        marker.className = "math-error-marker";
        marker.setAttribute("role", "img");
        marker.setAttribute("aria-label", label);
        marker.textContent = "\u26a0";
        var source = document.createElement("code");
        source.className = "math-source";
        source.textContent = tex;
        el.replaceChildren(marker, source);
        el.classList.add("math-error");
        el.setAttribute("title", label);
        el.setAttribute("data-typeset", "error");
      }
    });
  }
  window.paperdigest = { renderMath: renderMath };
  renderMath(document);
})();
