// The reader's dark/light choice (site.js keeps it), set before the page is painted.
try { var theme = localStorage.getItem("paperdigest-theme"); if (theme) document.documentElement.dataset.theme = theme; } catch (e) {}
