// Progressive enhancement only: every feature of docsift works without this file.
(function () {
  "use strict";

  // "/" focuses the search box, as on most search sites, unless the user is typing somewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var box = document.getElementById("q");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  var form = document.querySelector("form.search-form");
  if (!form) return;

  // A new sort order applies at once instead of waiting for the Apply button.
  var sort = form.querySelector("select[name=sort]");
  if (sort) {
    sort.addEventListener("change", function () {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  }

  // Leave empty fields out of the URL so shared links stay short.
  form.addEventListener("submit", function () {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.value === "") field.disabled = true;
    });
  });
  // Pages restored from the back/forward cache would otherwise keep those fields disabled.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(form.elements, function (field) { field.disabled = false; });
  });
})();
