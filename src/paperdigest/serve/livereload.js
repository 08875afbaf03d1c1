function (config) {
  // paperdigest serve: injected into served pages only, never written to the built site.
  var since = config.generation;
  var source = null;

  function connect() {
    if (source) source.close();
    var url = config.events + "?since=" + since + "&server=" + encodeURIComponent(config.server);
    source = new EventSource(url);
    source.onmessage = function (event) {
      var update = JSON.parse(event.data);
      if (update.generation <= since) return;
      since = update.generation;
      if (update.action === "reload") {
        source.close();
        window.location.reload();
        return;
      }
      if (update.action === "css") swapStylesheets(update.generation);
      showErrors(update.errors);
    };
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
    connect();
  }

  // Back/forward cache: the page may come back after builds it missed; ask again from `since`.
  window.addEventListener("pagehide", function () { if (source) source.close(); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) connect(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
