// Site search: "/" focuses the search box; the search/ page queries the Pagefind index that
// `paperdigest build` writes to pagefind/ (static files, no server), under any base path.
(function () {
  "use strict";
  var LIMIT = 30;          // results shown
  var SUB_RESULTS = 3;     // cards (anchors) shown under a digest result
  var FACETS = [["category", "Category"], ["year", "Year"]];

  var form = document.querySelector("form.site-search");
  if (!form) return;

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var input = document.getElementById("search-input") || form.querySelector("[data-search-input]");
    event.preventDefault();
    input.focus();
    input.select();
  });

  var list = document.getElementById("search-results");
  if (!list) return; // every other page: the box submits to search/?q=...

  var inputs = Array.prototype.slice.call(document.querySelectorAll("[data-search-input]"));
  var status = document.getElementById("search-status");
  var filterBox = document.getElementById("search-filters");
  var params = new URLSearchParams(location.search);
  var chosen = {};
  FACETS.forEach(function (f) { chosen[f[0]] = params.getAll(f[0]); });
  var pagefind = null;
  var generation = 0;

  function load() {
    if (!pagefind) {
      pagefind = import(form.getAttribute("data-pagefind-bundle")).then(function (pf) {
        // Pagefind's URLs are relative to the site root; the base path makes them work under /<repo>/.
        return Promise.resolve(pf.options({ baseUrl: form.getAttribute("data-base"), excerptLength: 40 }))
          .then(function () { return pf; });
      });
    }
    return pagefind;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function activeFilters() {
    var filters = {};
    FACETS.forEach(function (f) { if (chosen[f[0]].length) filters[f[0]] = { any: chosen[f[0]] }; });
    return filters;
  }

  function syncUrl(query) {
    var next = new URLSearchParams();
    if (query) next.set("q", query);
    FACETS.forEach(function (f) { chosen[f[0]].forEach(function (v) { next.append(f[0], v); }); });
    var qs = next.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  function renderFilters(available) {
    filterBox.textContent = "";
    FACETS.forEach(function (f) {
      var values = Object.keys(available[f[0]] || {});
      if (!values.length) return;
      values.sort();
      if (f[0] === "year") values.reverse();
      var set = el("fieldset", "search-facet");
      set.appendChild(el("legend", "", f[1]));
      values.forEach(function (value) {
        var label = el("label");
        var box = el("input");
        box.type = "checkbox";
        box.name = f[0];
        box.value = value;
        box.checked = chosen[f[0]].indexOf(value) >= 0;
        box.addEventListener("change", function () {
          chosen[f[0]] = Array.prototype.slice.call(filterBox.querySelectorAll("input[name='" + f[0] + "']:checked"))
            .map(function (b) { return b.value; });
          run(inputs[0].value);
        });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + value + " "));
        label.appendChild(el("small", "", String(available[f[0]][value])));
        set.appendChild(label);
      });
      filterBox.appendChild(set);
    });
  }

  function renderResult(data) {
    var kind = data.meta.kind || "page";
    var item = el("li", "search-result search-" + kind);
    var heading = el("a", "search-title", data.meta.title || data.url);
    heading.href = data.url;
    item.appendChild(el("span", "search-kind", kind === "paper" ? "Paper" : kind === "digest" ? "Digest" : ""));
    item.appendChild(heading);
    if (data.meta.translated) item.appendChild(el("p", "search-translated", data.meta.translated));
    var excerpt = el("p", "search-excerpt");
    excerpt.innerHTML = data.excerpt; // Pagefind escapes page text and adds only <mark>
    item.appendChild(excerpt);
    if (data.meta.arxiv) item.appendChild(el("p", "search-meta", "arXiv:" + data.meta.arxiv));
    var subs = (data.sub_results || []).filter(function (s) { return s.url !== data.url; }).slice(0, SUB_RESULTS);
    if (subs.length) {
      var sublist = el("ul", "search-sub");
      subs.forEach(function (s) {
        var li = el("li");
        var link = el("a", "", s.title);
        link.href = s.url; // the card's anchor in the digest
        li.appendChild(link);
        var text = el("p", "search-excerpt");
        text.innerHTML = s.excerpt;
        li.appendChild(text);
        sublist.appendChild(li);
      });
      item.appendChild(sublist);
    }
    return item;
  }

  function run(raw) {
    var query = (raw || "").trim();
    inputs.forEach(function (input) { if (input.value !== raw) input.value = raw; });
    syncUrl(query);
    var mine = ++generation;
    var filters = activeFilters();
    if (!query && !Object.keys(filters).length) {
      list.textContent = "";
      status.textContent = "";
      return Promise.resolve();
    }
    status.textContent = "Searching…";
    return load().then(function (pf) {
      return pf.debouncedSearch(query || null, { filters: filters }, 150);
    }).then(function (search) {
      if (!search || mine !== generation) return; // a newer query superseded this one
      return Promise.all(search.results.slice(0, LIMIT).map(function (r) { return r.data(); })).then(function (datas) {
        if (mine !== generation) return;
        list.textContent = "";
        datas.forEach(function (d) { list.appendChild(renderResult(d)); });
        var n = search.results.length;
        status.textContent = n === 0 ? "No results" + (query ? " for “" + query + "”" : "")
          : n + (n === 1 ? " result" : " results") + (query ? " for “" + query + "”" : "")
            + (n > LIMIT ? ", showing the first " + LIMIT : "");
      });
    }).catch(function (err) {
      status.textContent = "Search is not available: " + (err && err.message || err);
    });
  }

  inputs.forEach(function (input) {
    input.form.addEventListener("submit", function (event) { event.preventDefault(); run(input.value); });
    input.addEventListener("input", function () { run(input.value); });
  });
  load().then(function (pf) { return pf.filters(); }).then(renderFilters).catch(function (err) {
    status.textContent = "Search is not available: " + (err && err.message || err);
  });
  run(params.get("q") || "");
})();
