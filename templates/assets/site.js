// Typeset every .math element with KaTeX; a formula KaTeX rejects keeps its source, marked.
(function () {
  "use strict";
  function macros() {
    try { return JSON.parse(document.documentElement.dataset.katexMacros || "{}"); }
    catch (e) { return {}; }
  }
  // A digest's body is typeset in document order with one macros object and KaTeX's globalGroup,
  // so that what a formula defines (\newcommand, \def, \gdef) applies to the formulas below it, as
  // with MathJax and at build time (paperdigest.mathrender); its title gets what the body defined.
  // Any other formula is typeset with the site's macros alone.
  function renderMath(root) {
    if (!window.katex) return;
    var shared = macros();
    root.querySelectorAll(".digest-body").forEach(function (body) {
      var own = Object.assign({}, shared);
      typeset(body, own, true);
      var article = body.closest(".digest");
      var title = article && article.querySelector(".digest-header h1");
      if (title) typeset(title, own, false);
    });
    typeset(root, shared, false);
  }
  function typeset(root, shared, carry) {
    root.querySelectorAll(".math:not([data-typeset])").forEach(function (el) {
      var tex = el.textContent;
      try {
        window.katex.render(tex, el, {
          displayMode: el.classList.contains("display"),
          throwOnError: true,
          strict: "ignore",
          macros: carry ? shared : Object.assign({}, shared),
          globalGroup: carry,
        });
        el.setAttribute("data-typeset", "");
        // Only definitions ($$\newcommand{\R}{\mathbb{R}}$$) draw nothing: no empty box for them.
        var drawn = el.querySelector(".katex-html");
        if (drawn && !drawn.firstChild) el.remove();
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
// The reader's side: dark/light toggle, table of contents, stars and the reading list, filters.
(function () {
  "use strict";
  var root = document.documentElement;
  function store(key, value) {
    try {
      if (value === undefined) return localStorage.getItem(key);
      localStorage.setItem(key, value);
    } catch (e) { return null; }  // storage off: nothing is remembered
  }

  // Dark/light: the system's until the reader picks one, then theirs on every page.
  var dark = window.matchMedia("(prefers-color-scheme: dark)");
  var toggle = document.querySelector("[data-theme-toggle]");
  function isDark() { return (root.dataset.theme || (dark.matches ? "dark" : "light")) === "dark"; }
  function showTheme() { if (toggle) toggle.setAttribute("aria-pressed", String(isDark())); }
  if (toggle) {
    toggle.title = toggle.getAttribute("aria-label");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      root.dataset.theme = isDark() ? "light" : "dark";
      store("paperdigest-theme", root.dataset.theme);
      showTheme();
    });
    dark.addEventListener("change", showTheme);
    showTheme();
  }

  // What scrolls sideways (a wide formula, table or code block) can be scrolled from the keyboard:
  // an inline formula too, which scrolls in its own box on a phone (a title's, a long one in text).
  // Not one inside a link (a title in a list), where the link is what the keyboard stops at.
  document.querySelectorAll(".math, pre, table").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth && !box.closest("a")) box.tabIndex = 0;
  });

  // The table of contents starts folded where it sits above the text (narrow screens).
  var toc = document.querySelector(".toc details");
  if (toc && window.matchMedia("(max-width: 72rem)").matches) toc.open = false;

  // Stars: id -> {title, translated, href}, one list per site (sites share an origin on GitHub Pages).
  var starsKey = "paperdigest-stars:" + (document.body.dataset.base || "/");
  function stars() {
    try { return JSON.parse(store(starsKey) || "{}") || {}; } catch (e) { return {}; }
  }
  function showStars() {
    var starred = stars();
    document.querySelectorAll("[data-star]").forEach(function (button) {
      var on = Object.prototype.hasOwnProperty.call(starred, button.dataset.star);
      // What the page leaves out of each star (macros.html, star_button): carried once, by the body
      // (a base.html of a site's own from before may not carry it: then the star's own, or the glyph).
      var label = document.body.dataset.starLabel || button.getAttribute("aria-label") || "\u2606";
      button.type = "button";
      // The label is in the site's language: said so on a digest in another (base.html).
      if (document.body.dataset.starLang) button.lang = document.body.dataset.starLang;
      button.setAttribute("aria-label", label);
      button.title = label;
      button.setAttribute("aria-pressed", String(on));
      button.textContent = on ? "\u2605" : "\u2606";
      button.hidden = false;
    });
  }
  // A star's paper as the list keeps it: what the star carries (data-title, data-translated,
  // data-href), else the title, translated title and title link of the item it sits in (a list's
  // paper, a digest's card or list of papers, a paper's page: macros.html, star_button).
  function paperOf(button) {
    var item = button.closest(".paper-item, .paper-card, .paper, li") || document.body;
    var title = item.querySelector(".paper-title, .card-title, h1, a");
    var translated = item.querySelector(".translated, .card-translated, .translated-title");
    var own = button.dataset;
    return {
      title: own.title !== undefined ? own.title : title ? title.textContent : "",
      translated: own.translated !== undefined ? own.translated : translated ? translated.textContent : "",
      href: own.href !== undefined ? own.href : title ? title.getAttribute("href") : "",
    };
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-star]");
    if (!button) return;
    var starred = stars(), id = button.dataset.star;
    if (starred[id]) delete starred[id];
    else starred[id] = paperOf(button);
    store(starsKey, JSON.stringify(starred));
    showStars();
  });
  showStars();

  // The starred page: the list, and its papers' BibTeX (from each paper's page) as one file.
  var list = document.querySelector("[data-starred-list]");
  function showStarred() {
    var starred = stars(), ids = Object.keys(starred), box = document.querySelector("[data-starred]");
    list.replaceChildren.apply(list, ids.map(function (id) {
      var item = document.createElement("li"), text = document.createElement("div"), link = document.createElement("a");
      item.className = "paper-item";
      text.className = "paper-text";
      link.className = "paper-title";
      link.href = starred[id].href;
      link.textContent = starred[id].title || id;
      text.append(link);
      if (starred[id].translated) {
        var translated = document.createElement("span");
        translated.className = "translated";
        translated.textContent = starred[id].translated;
        text.append(translated);
      }
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button";
      remove.textContent = box.dataset.remove;
      remove.addEventListener("click", function () {
        var now = stars(), at = ids.indexOf(id);
        delete now[id];
        store(starsKey, JSON.stringify(now));
        showStarred();
        // The removed item's button took the focus with it: the next item's (or the last's), or the
        // note that the list is empty, takes it, so the keyboard stays in the list.
        var buttons = list.querySelectorAll("button"), empty = document.querySelector("[data-starred-empty]");
        if (buttons.length) buttons[Math.min(at, buttons.length - 1)].focus();
        else { empty.tabIndex = -1; empty.focus(); }
      });
      item.append(text, remove);
      return item;
    }));
    document.querySelector("[data-starred-empty]").hidden = ids.length > 0;
    document.querySelector("[data-starred-export]").hidden = ids.length === 0;
  }
  function bibtexOf(href) {
    return fetch(href).then(function (response) { return response.ok ? response.text() : ""; }).then(function (html) {
      var pre = new DOMParser().parseFromString(html, "text/html").getElementById("bibtex");
      return pre ? pre.textContent : "";
    }, function () { return ""; });
  }
  if (list) {
    showStarred();
    document.querySelector("[data-starred-export]").addEventListener("click", function () {
      var starred = stars();
      Promise.all(Object.keys(starred).map(function (id) { return bibtexOf(starred[id].href); })).then(function (entries) {
        var file = new Blob([entries.filter(Boolean).join("\n")], { type: "application/x-bibtex" });
        var link = document.createElement("a");
        link.href = URL.createObjectURL(file);
        link.download = "starred.bib";
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      });
    });
  }

  // The papers list's filters: category, year, venue, with code.
  var filters = document.querySelector("[data-paper-filters]");
  if (filters) {
    var items = document.querySelectorAll(".paper-list > .paper-item");
    var output = filters.querySelector("output");
    var apply = function () {
      var want = new FormData(filters), shown = 0;
      items.forEach(function (item) {
        var ok = ["category", "year"].every(function (name) {
          return !want.get(name) || item.dataset[name].split("\n").indexOf(want.get(name)) >= 0;
        }) && (!want.get("venue") || item.dataset.venue === want.get("venue")) &&
          (!want.get("code") || item.dataset.code === "yes");
        item.hidden = !ok;
        shown += ok ? 1 : 0;
      });
      output.textContent = filters.dataset.shown.replace("{shown}", shown).replace("{total}", items.length);
    };
    filters.addEventListener("change", apply);
    filters.hidden = false;
    apply();
  }
})();

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
  // Shown only now: without this script a copy button would do nothing (paper.html hides it).
  document.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
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
