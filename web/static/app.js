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

  // A facet's "find" box filters its values as you type, from /api/facets. Without this the
  // box is a plain form that opens the facet's own page, narrowed to the same text.
  Array.prototype.forEach.call(document.querySelectorAll("form.facet-search[data-facet]"), enhanceFacetSearch);

  function enhanceFacetSearch(box) {
    var input = box.querySelector("input[name=fq]");
    var section = box.closest(".facet");
    var list = section && section.querySelector("ul.facet-values");
    if (!input || !list) return;
    var facet = box.getAttribute("data-facet");
    var shown = Array.prototype.slice.call(list.children);
    var timer = null;
    var latest = 0;

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 200);
    });

    function update() {
      var text = input.value.trim();
      if (!text) {
        list.replaceChildren.apply(list, shown);
        return;
      }
      // the form carries the search as q; the API takes the search as query, the text as q
      var params = new URLSearchParams();
      new FormData(box).forEach(function (value, name) {
        if (name === "q") params.append("query", value);
        else if (name !== "fq") params.append(name, value);
      });
      params.set("q", text);
      params.set("limit", "20");
      var ticket = ++latest;
      fetch("/api/facets/" + encodeURIComponent(facet) + "?" + params.toString(), {
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || ticket !== latest) return;
          var items = data.values.map(function (item) { return valueItem(facet, item); });
          if (!items.length) {
            var none = document.createElement("li");
            none.className = "facet-none muted";
            none.textContent = "No match for “" + text + "”";
            items.push(none);
          }
          list.replaceChildren.apply(list, items);
        })
        .catch(function () { /* the form still works: Enter opens the facet page */ });
    }
  }

  // The same markup as facet_value_list in _partials.html, built with text nodes only.
  function valueItem(facet, item) {
    var li = document.createElement("li");
    li.className = "facet-item";
    var link = document.createElement("a");
    link.className = "facet-value" + (item.selected ? " is-selected" : "");
    var query = item.toggle_url.indexOf("?");
    link.href = query < 0 ? "/" : "/" + item.toggle_url.slice(query);
    if (item.selected) link.setAttribute("aria-current", "true");
    link.appendChild(span("facet-check", item.selected ? "✓" : "")).setAttribute("aria-hidden", "true");
    link.appendChild(span("facet-label", item.value));
    link.appendChild(span("facet-count", String(item.count)));
    li.appendChild(link);
    var about = document.createElement("a");
    about.className = "entity-link";
    about.href = "/entity/" + facet + "/" + encodeURIComponent(item.value);
    about.title = "About " + item.value;
    about.appendChild(span("", "→")).setAttribute("aria-hidden", "true");
    about.appendChild(span("visually-hidden", "About " + item.value));
    li.appendChild(about);
    return li;
  }

  function span(className, text) {
    var element = document.createElement("span");
    if (className) element.className = className;
    element.textContent = text;
    return element;
  }

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
