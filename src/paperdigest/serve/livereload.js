function (config) {
  // paperdigest serve: injected into served pages only, never written to the built site.
  // `since` is the build generation this page shows; an update for a later build is applied once.
  var since = config.generation;
  var source = null;
  var LOCK = "paperdigest-livereload";
  var channel = window.BroadcastChannel && navigator.locks ? new BroadcastChannel(LOCK) : null;

  // `update` covers every build after `from`; a page older than that missed a build: reload.
  function apply(update, from) {
    if (update.server !== config.server) return;
    if (!update.restarted && update.generation <= since) return;
    var action = from > since ? "reload" : update.action;
    if (action === "reload" && from <= since && !changesThisPage(update)) action = "errors";
    since = update.generation;
    if (action === "reload") {
      if (source) source.close();
      window.location.reload();
      return;
    }
    if (action === "css") swapStylesheets(update.generation);
    showErrors(update.errors);
  }

  // A reload may name the pages it is for (a save of one digest): the other pages stay as they
  // are, with what the reader typed, the focus and the scroll position.
  function changesThisPage(update) {
    if (!update.pages) return true;
    return update.pages.some(function (page) { return config.page.indexOf(page) >= 0; });
  }

  function connect() {
    if (source) source.close();
    var url = config.events + "?since=" + since + "&server=" + encodeURIComponent(config.server);
    source = new EventSource(url);
    source.onmessage = function (event) {
      var update = JSON.parse(event.data);
      var from = since;
      if (update.server !== config.server) {
        // The preview was restarted: its builds count from 0 again, so that the generation of
        // this page (from the earlier run) may be higher than the new run's. Reload all the same.
        update = Object.assign({}, update, {action: "reload", server: config.server, restarted: true, pages: null});
      }
      if (channel) channel.postMessage({type: "update", from: from, update: update});
      apply(update, from);
    };
  }

  // Browsers open at most six HTTP/1.1 connections per host: with one event stream per tab,
  // a seventh tab would hang. So one tab (the holder of a Web Lock) listens and tells the others.
  function share() {
    channel.onmessage = function (event) {
      var message = event.data;
      if (message.type === "update") apply(message.update, message.from);
      if (message.type === "hello" && source) {
        channel.postMessage({type: "state", server: config.server, generation: since});
      }
      if (message.type === "state" && message.server === config.server && message.generation > since) {
        window.location.reload(); // a build finished between serving this page and listening
      }
    };
    channel.postMessage({type: "hello"});
    navigator.locks.request(LOCK, function () {
      connect();
      return new Promise(function () {}); // held for the page's life; the next tab takes over
    });
  }

  // A changed stylesheet is swapped in place: the new <link> loads, then the old one goes,
  // so the page neither reloads nor flashes unstyled.
  function swapStylesheets(generation) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin) return;
      url.searchParams.set("paperdigest-reload", String(generation));
      var fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.onload = fresh.onerror = function () { link.remove(); };
      link.after(fresh);
    });
  }

  function showErrors(errors) {
    var old = document.getElementById("paperdigest-errors");
    if (old) old.remove();
    if (!errors || !errors.length) return;
    var box = document.createElement("div");
    box.id = "paperdigest-errors";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:2147483647;" +
      "background:#2b0b0b;color:#ffe4e4;font:14px/1.5 ui-monospace,monospace;padding:12px 16px;" +
      "border-top:4px solid #e5484d;box-shadow:0 -4px 16px rgba(0,0,0,.4);text-align:left";
    var close = document.createElement("button");
    close.textContent = "×";
    close.title = "Hide until the next build";
    close.style.cssText = "float:right;background:none;border:0;color:inherit;font-size:20px;cursor:pointer";
    close.onclick = function () { box.remove(); };
    var title = document.createElement("strong");
    title.textContent = "paperdigest: build errors (pages keep their last good version until fixed)";
    box.append(close, title);
    errors.forEach(function (problem) {
      var line = document.createElement("div");
      line.className = "paperdigest-error";
      var where = document.createElement("span");
      where.style.color = "#ffb4b4";
      where.textContent = problem.path + (problem.line ? ":" + problem.line : "") + ": ";
      line.append(where, document.createTextNode(problem.level + ": " + problem.message));
      box.append(line);
    });
    (document.body || document.documentElement).append(box);
  }

  function start() {
    showErrors(config.errors);
    if (channel) share();
    else connect();
  }

  // Back/forward cache: the page may come back after builds it missed; ask again from `since`.
  window.addEventListener("pagehide", function () { if (source) source.close(); });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    if (source) connect(); // this tab listens: listen again from `since`
    if (channel) channel.postMessage({type: "hello"}); // and ask whether a build was missed
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
