// Site search: "/" focuses the search box; the search/ page queries the Pagefind index that
// `paperdigest build` writes to pagefind/ (static files, no server), under any base path. The index
// comes in shards (pagefind/shards.json lists them and their languages): for each language, the
// first shard holding it is loaded and the others merged into it.
(function () {
  "use strict";
  var PAGE = 30;           // results shown at first, and added by "More results"
  var SUB_RESULTS = 3;     // cards (anchors) shown under a digest result
  var FACETS = ["category", "year"];
  // Values of a filter shown unfolded, the most common first: a site that uses its tags as
  // categories put thousands of them above the results (5,815 at 3,000 digests, 38,000 px).
  var FACET_SHOWN = 12;

  var form = document.querySelector("form[data-base]"); // the header's box, or the search page's own
  if (!form) return;

  // The theme's words in the site's language (search.html's data-words, from i18n/): a text, or
  // its plural forms by CLDR category, with {name} placeholders.
  var WORDS = JSON.parse(form.getAttribute("data-words") || "{}");
  var plurals = new Intl.PluralRules(document.documentElement.lang || "en");
  function word(key, values) {
    var text = WORDS[key] || key;
    values = values || {};
    if (typeof text === "object") text = text[plurals.select(values.count || 0)] || text.other;
    return text.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? String(values[name]) : all; });
  }

  // Only a control the reader types text into keeps "/": a checkbox (the search page's filters), a
  // radio button, a button or a list box lets it through to the search box.
  var NOT_TEXT = /^(checkbox|radio|button|submit|reset|image|file|range|color|hidden)$/;
  function typing(target) {
    if (!target) return false;
    if (target.isContentEditable || target.tagName === "TEXTAREA") return true;
    return target.tagName === "INPUT" && !NOT_TEXT.test(target.type);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var input = form.querySelector("[data-search-input]");
    event.preventDefault();
    input.focus();
    input.select();
  });

  var list = document.getElementById("search-results");
  if (!list) return; // every other page: the box submits to search/?q=...

  var input = form.querySelector("[data-search-input]");
  var status = document.getElementById("search-status");
  var filterBox = document.getElementById("search-filters");
  var more = document.getElementById("search-more");
  var params = new URLSearchParams(location.search);
  var chosen = {};
  FACETS.forEach(function (f) { chosen[f] = params.getAll(f); });
  var pagefind = null;
  var generation = 0;
  var current = null; // the shown search: {results, shown, terms}

  function load() {
    if (!pagefind) {
      var base = form.getAttribute("data-base");
      var bundle = base + "pagefind/";
      // Pagefind's URLs are relative to the site root; the base path makes them work under /<repo>/.
      var options = { baseUrl: base, excerptLength: 40 };
      // Each index (a shard's pages of one language) carries a "shard" filter, `2024/en`, which
      // `shardsHolding` reads back: an index that lacks a word answers it as Pagefind does, though
      // the same shard's index of another language holds it.
      function inShard(name, language) {
        return Object.assign({ mergeFilter: { shard: name + "/" + language } }, options);
      }
      pagefind = fetch(bundle + "shards.json", { cache: "no-cache" }).then(function (response) {
        if (!response.ok) throw new Error("no search index (" + response.status + ")");
        return response.json();
      }).then(function (index) {
        if (!index.shards.length) throw new Error("the search index is empty");
        return Promise.all(byLanguage(index).map(function (group) {
          return languageSearch(bundle, group, inShard).then(function (pf) {
            return { pf: pf, language: group.language };
          });
        })).then(together);
      });
    }
    return pagefind;
  }

  // [{language, shards}]: the shards holding each language's index (shards.json says which; an
  // index without that list holds the page's language only).
  function byLanguage(index) {
    var page = (document.documentElement.lang || "unknown").toLowerCase();
    var groups = [];
    index.shards.forEach(function (name) {
      var languages = (index.languages || {})[name];
      (languages && languages.length ? languages : [page]).forEach(function (language) {
        var group = groups.filter(function (g) { return g.language === language; })[0];
        if (!group) groups.push(group = { language: language, shards: [] });
        group.shards.push(name);
      });
    });
    return groups;
  }

  // One Pagefind for one language. Pagefind indexes a page under its <html lang> (a digest in
  // another language than the site's has its own) and searches the index of the search page's
  // language only, with that language's stemmer and word segmentation, in one WebAssembly module
  // a page. So each language gets a pagefind.js of its own (a module of its own: the URL names the
  // language), started under that language (Pagefind takes it from <html lang> as it starts, so
  // the attribute says so for that moment), and that language's index of every other shard holding
  // it is merged into it.
  function languageSearch(bundle, group, inShard) {
    var first = group.shards[0];
    var script = bundle + first + "/pagefind.js?language=" + encodeURIComponent(group.language);
    return import(script).then(function (pf) {
      pf.options(inShard(first, group.language)); // kept until it starts
      inLanguage(group.language, function () { pf.init(); });
      return Promise.all(group.shards.slice(1).map(function (name) {
        return pf.mergeIndex(bundle + name + "/", Object.assign({ language: group.language }, inShard(name, group.language)));
      })).then(function () { return pf; });
    });
  }

  function inLanguage(language, start) {
    var html = document.documentElement, was = html.getAttribute("lang");
    html.setAttribute("lang", language);
    try { start(); } finally {
      if (was === null) html.removeAttribute("lang"); else html.setAttribute("lang", was);
    }
  }

  // The languages' Pagefinds answer as one, as Pagefind answers for the indexes merged into it:
  // the results of all by score, the counts of each filter value added up. Each result keeps the
  // language of its index (its page's), which the list shows it in (renderResult).
  function together(searches) {
    return {
      search: function (term, options) {
        return Promise.all(searches.map(function (s) { return s.pf.search(term, options); })).then(function (found) {
          found.forEach(function (s, i) {
            s.results.forEach(function (r) { r.language = searches[i].language; });
          });
          var results = [].concat.apply([], found.map(function (s) { return s.results; }));
          results.sort(function (a, b) { return b.score - a.score; });
          return { results: results, filters: addedUp(found.map(function (s) { return s.filters; })) };
        });
      },
      filters: function () {
        return Promise.all(searches.map(function (s) { return s.pf.filters(); })).then(addedUp);
      },
    };
  }

  function addedUp(filterSets) {
    var sum = {};
    filterSets.forEach(function (filters) {
      Object.keys(filters || {}).forEach(function (name) {
        var values = sum[name] = sum[name] || {};
        Object.keys(filters[name]).forEach(function (value) {
          values[value] = (values[value] || 0) + filters[name][value];
        });
      });
    });
    return sum;
  }

  // The words Pagefind searches for: the query lower-cased, without punctuation, and (for Chinese,
  // Japanese and Thai) cut into words by the browser, as pagefind.js does before searching.
  var PUNCTUATION = /^\p{Pd}|\p{Pe}|\p{Pf}|\p{Pi}|\p{Po}|\p{Ps}$/u; // pagefind.js's own test, as written
  function searchedWords(query) {
    var lang = (document.documentElement.lang || "").toLowerCase();
    var keep = function (text) {
      return Array.from(text).filter(function (c) { return !PUNCTUATION.test(c); }).join("").toLocaleLowerCase();
    };
    if (/^(zh|ja|th)\b/.test(lang) && typeof Intl.Segmenter === "function") {
      return Array.from(new Intl.Segmenter(lang, { granularity: "word" }).segment(query))
        .map(function (s) { return keep(s.segment).trim(); }).filter(Boolean);
    }
    return keep(query).split(/\s+/).filter(Boolean);
  }

  // The shards that hold every word of the query that the site holds as a whole word, or null when
  // any shard may. Pagefind ignores a searched word an index lacks (or matches the longest word
  // it has that begins the searched one), so a shard without a word would answer with pages that
  // one index of the whole site leaves out; only shards that have all the words are searched.
  // Each word is looked up once a page: the index does not change while the page is open, and the
  // lookup is a search of every shard, as slow as the search itself (typing on, or ticking a filter,
  // keeps the words already looked up).
  var holding = new Map(); // word -> promise of the shards holding it (null: any may)
  function shardsWith(pf, word) {
    if (!holding.has(word)) {
      holding.set(word, pf.search("\"" + word + "\"").then(function (search) {
        var counts = search.filters.shard || {};
        return search.results.length ? Object.keys(counts).filter(function (s) { return counts[s] > 0; }) : null;
      }, function (err) { holding.delete(word); throw err; }));
    }
    return holding.get(word);
  }
  function shardsHolding(pf, words) {
    return Promise.all(words.map(function (word) { return shardsWith(pf, word); })).then(function (lists) {
      return lists.filter(Boolean).reduce(function (common, list) {
        return common === null ? list : common.filter(function (s) { return list.indexOf(s) >= 0; });
      }, null);
    });
  }

  // Pagefind's search of `query` (null: filters only), in the shards that can answer it.
  function searchShards(pf, query, filters) {
    if (!query) return pf.search(null, { filters: filters });
    return shardsHolding(pf, searchedWords(query)).then(function (shards) {
      if (shards === null) return pf.search(query, { filters: filters });
      if (!shards.length) return { results: [] };
      return pf.search(query, { filters: Object.assign({ shard: { any: shards } }, filters) });
    });
  }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // `text` in a new element, each occurrence of a query term in it marked.
  function marked(tag, className, text, terms) {
    var node = el(tag, className);
    var lower = text.toLowerCase();
    var at = 0;
    for (;;) {
      var next = -1, length = 0;
      terms.forEach(function (term) {
        var i = lower.indexOf(term, at);
        if (i >= 0 && (next < 0 || i < next || (i === next && term.length > length))) { next = i; length = term.length; }
      });
      if (next < 0) break;
      node.appendChild(document.createTextNode(text.slice(at, next)));
      node.appendChild(el("mark", "", text.slice(next, next + length)));
      at = next + length;
    }
    node.appendChild(document.createTextNode(text.slice(at)));
    return node;
  }

  function activeFilters() {
    var filters = {};
    FACETS.forEach(function (f) { if (chosen[f].length) filters[f] = { any: chosen[f] }; });
    return filters;
  }

  function syncUrl(query) {
    var next = new URLSearchParams();
    if (query) next.set("q", query);
    FACETS.forEach(function (f) { chosen[f].forEach(function (v) { next.append(f, v); }); });
    var qs = next.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  function renderFilters(available) {
    filterBox.textContent = "";
    FACETS.forEach(function (f) {
      var values = Object.keys(available[f] || {});
      chosen[f].forEach(function (v) { if (values.indexOf(v) < 0) values.push(v); });
      if (!values.length) return;
      values.sort();
      if (f === "year") values.reverse();
      var set = el("fieldset", "search-facet");
      set.appendChild(el("legend", "", word("filter_" + f)));
      // The FACET_SHOWN most common values and the chosen ones show, in order; the rest are folded.
      var counts = available[f] || {}, common = {};
      values.slice().sort(function (a, b) { return (counts[b] || 0) - (counts[a] || 0); })
        .slice(0, FACET_SHOWN).forEach(function (value) { common[value] = true; });
      var rest = el("details", "search-facet-more");
      values.forEach(function (value) {
        var label = el("label");
        var box = el("input");
        box.type = "checkbox";
        box.name = f;
        box.value = value;
        box.checked = chosen[f].indexOf(value) >= 0;
        box.addEventListener("change", function () {
          chosen[f] = Array.prototype.slice.call(filterBox.querySelectorAll("input[name='" + f + "']:checked"))
            .map(function (b) { return b.value; });
          run(input.value);
        });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + value + " "));
        label.appendChild(el("small", "", String(counts[value] || 0)));
        (common[value] || chosen[f].indexOf(value) >= 0 ? set : rest).appendChild(label);
      });
      if (rest.firstChild) {
        rest.insertBefore(el("summary", "", word("search_facet_more", { count: rest.childNodes.length })), rest.firstChild);
        set.appendChild(rest);
      }
      filterBox.appendChild(set);
    });
    var clear = el("button", "search-clear", word("search_clear"));
    clear.type = "button";
    clear.hidden = !Object.keys(activeFilters()).length;
    clear.addEventListener("click", function () {
      FACETS.forEach(function (f) { chosen[f] = []; });
      filterBox.querySelectorAll("input[type='checkbox']").forEach(function (b) { b.checked = false; });
      run(input.value);
    });
    filterBox.appendChild(clear);
  }

  function showClear() {
    var clear = filterBox.querySelector(".search-clear");
    if (clear) clear.hidden = !Object.keys(activeFilters()).length;
  }

  // The element id a sub-result's URL leads to (Pagefind percent-encodes one like `2稀疏--注意力`).
  function anchorOf(url) {
    var hash = url.split("#")[1] || "";
    try { return decodeURIComponent(hash); } catch (e) { return hash; }
  }

  // A page's text in another language than the search page's (a digest in English on a Chinese
  // site, in Arabic on an English one) is marked with its language, and its direction when that
  // differs: screen readers read it in its own voice, Arabic and Hebrew lay out right to left.
  function direction(language) {
    try {
      var locale = new Intl.Locale(language);
      var info = locale.getTextInfo ? locale.getTextInfo() : locale.textInfo;
      if (info && info.direction) return info.direction;
    } catch (e) { /* not a language tag: as the page */ }
    return /^(ar|he|iw|fa|ur|ps|yi|dv|ckb|sd|ug)\b/i.test(language) ? "rtl" : "ltr";
  }
  function inLanguageOf(node, language) {
    var page = document.documentElement.lang || "";
    if (!language || language.split("-")[0].toLowerCase() === page.split("-")[0].toLowerCase()) return node;
    node.lang = language;
    if (direction(language) !== direction(page)) node.dir = direction(language);
    return node;
  }

  function renderResult(data, terms, language) {
    var kind = data.meta.kind || "page";
    var item = el("li", "search-result search-" + kind);
    var heading = inLanguageOf(marked("a", "search-title", data.meta.title || data.url, terms), language);
    heading.href = data.url;
    item.appendChild(el("span", "search-kind", kind === "paper" || kind === "digest" ? word("search_kind_" + kind) : ""));
    item.appendChild(heading);
    if (data.meta.translated) item.appendChild(inLanguageOf(marked("p", "search-translated", data.meta.translated, terms), language));
    var excerpt = inLanguageOf(el("p", "search-excerpt"), language);
    excerpt.innerHTML = data.excerpt; // Pagefind escapes page text and adds only <mark>
    item.appendChild(excerpt);
    if (data.meta.arxiv) item.appendChild(el("p", "search-meta", "arXiv:" + data.meta.arxiv));
    var subs = (data.sub_results || []).filter(function (s) { return s.url !== data.url; }).slice(0, SUB_RESULTS);
    if (subs.length) {
      var sublist = inLanguageOf(el("ul", "search-sub"), language);
      subs.forEach(function (s) {
        var li = el("li");
        // A card heading with a formula is named by its readable text (digest.html), not by
        // Pagefind's text of the heading, which leaves its formulas out.
        var link = marked("a", "", data.meta["heading-" + anchorOf(s.url)] || s.title, terms);
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

  // Shows the next PAGE results of the current search below the ones shown.
  function showMore(mine) {
    var search = current;
    var next = search.results.slice(search.shown, search.shown + PAGE);
    more.hidden = true;
    return Promise.all(next.map(function (r) { return r.data(); })).then(function (datas) {
      if (mine !== generation) return;
      datas.forEach(function (d, i) { list.appendChild(renderResult(d, search.terms, next[i].language)); });
      search.shown += datas.length;
      var left = search.results.length - search.shown;
      more.hidden = left <= 0;
      more.textContent = word("search_more", { count: left });
    });
  }

  function describe(n, query) {
    if (n === 0) return query ? word("search_none_for", { query: query }) : word("search_none");
    return word(query ? "search_results_for" : "search_results", { count: n, query: query });
  }

  function run(raw) {
    var query = (raw || "").trim();
    if (input.value !== raw) input.value = raw;
    syncUrl(query);
    var mine = ++generation;
    var filters = activeFilters();
    showClear();
    if (!query && !Object.keys(filters).length) {
      list.textContent = "";
      status.textContent = "";
      more.hidden = true;
      return Promise.resolve();
    }
    status.textContent = word("search_searching");
    status.removeAttribute("data-count");
    return Promise.all([load(), wait(150)]).then(function (loaded) {
      if (mine !== generation) return null; // typed on: wait for the next keystroke's search
      return searchShards(loaded[0], query, filters);
    }).then(function (search) {
      if (!search || mine !== generation) return; // a newer query superseded this one
      var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
      current = { results: search.results, shown: 0, terms: terms };
      list.textContent = "";
      return showMore(mine).then(function () {
        if (mine !== generation) return;
        status.textContent = describe(search.results.length, query);
        status.setAttribute("data-count", search.results.length); // the count, in any language
      });
    }).catch(function (err) {
      status.textContent = word("search_unavailable", { error: err && err.message || err });
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); run(input.value); });
  input.addEventListener("input", function () { run(input.value); });
  // The button hides while the next results load, which would drop the keyboard's focus to the
  // page's start: the first result it added takes the focus, where the reader reads on.
  more.addEventListener("click", function () {
    var mine = generation, first = list.children.length;
    showMore(mine).then(function () {
      var added = mine === generation && list.children[first];
      if (added) added.querySelector(".search-title").focus();
    });
  });
  load().then(function (pf) { return pf.filters(); }).then(renderFilters).catch(function (err) {
    status.textContent = word("search_unavailable", { error: err && err.message || err });
  });
  run(params.get("q") || "");
})();
