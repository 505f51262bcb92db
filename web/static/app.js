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

  // j / k move between results (focusing each title link, so Enter opens it), as in mail and
  // feed readers; ignored while typing, like "/".
  document.addEventListener("keydown", function (event) {
    if ((event.key !== "j" && event.key !== "k") || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var links = Array.prototype.slice.call(document.querySelectorAll("ol.hits .hit-title a"));
    if (!links.length) return;
    var current = links.indexOf(document.activeElement);
    var next = current < 0 ? 0 : Math.max(0, Math.min(links.length - 1, current + (event.key === "j" ? 1 : -1)));
    if (current < 0 && event.key === "k") next = links.length - 1;
    event.preventDefault();
    links.forEach(function (link, i) { link.closest(".hit").classList.toggle("is-current", i === next); });
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
  });

  // A document opened from a search marks the search's words in its text (the server lists
  // them in data-terms); word starts match, so "harbour" also marks "harbours".
  Array.prototype.forEach.call(document.querySelectorAll(".document-text[data-terms]"), function (box) {
    var terms = box.getAttribute("data-terms").split(" ").filter(Boolean).map(function (t) {
      return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    });
    if (!terms.length) return;
    var pattern = new RegExp("(^|[^\\p{L}\\p{N}])((?:" + terms.join("|") + ")[\\p{L}\\p{N}]*)", "giu");
    var walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      var text = node.nodeValue, last = 0, match, parts = [];
      pattern.lastIndex = 0;
      while ((match = pattern.exec(text))) {
        var start = match.index + match[1].length;
        parts.push(document.createTextNode(text.slice(last, start)));
        var mark = document.createElement("mark");
        mark.className = "term";
        mark.textContent = match[2];
        parts.push(mark);
        last = start + match[2].length;
      }
      if (!parts.length) return;
      parts.push(document.createTextNode(text.slice(last)));
      var parent = node.parentNode;
      parts.forEach(function (part) { parent.insertBefore(part, node); });
      parent.removeChild(node);
    });
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
    link.setAttribute("role", "checkbox");
    link.setAttribute("aria-checked", item.selected ? "true" : "false");
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

  // Facet values are links that look and announce as checkboxes; Space toggles them too.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== " " || !target || !target.matches || !target.matches("a[role=checkbox]")) return;
    event.preventDefault();
    target.click();
  });

  Array.prototype.forEach.call(document.querySelectorAll(".facets section.histogram"), enableBrushing);
  histogramTabs(document.querySelectorAll(".facets section.histogram"));

  // Drag across a histogram's bars to choose that span: the section's own from/to form is
  // filled in and submitted, so the URL holds the range just as without JavaScript.
  // A press and release on one bar stays a plain click on its link.
  function enableBrushing(section) {
    var list = section.querySelector("ol.bars");
    var form = section.querySelector("form.range-form");
    if (!list || !form) return;
    var dates = form.querySelectorAll("input[type=date]");
    if (dates.length !== 2) return;
    var bars = Array.prototype.slice.call(list.querySelectorAll("a.bar[data-from]"));
    var start = null;
    var end = null;
    var dragged = false;

    function barAt(x) {
      var best = null;
      var distance = Infinity;
      bars.forEach(function (bar) {
        var box = bar.getBoundingClientRect();
        var away = x < box.left ? box.left - x : x > box.right ? x - box.right : 0;
        if (away < distance) { distance = away; best = bar; }
      });
      return best;
    }
    function paint() {
      var low = Math.min(bars.indexOf(start), bars.indexOf(end));
      var high = Math.max(bars.indexOf(start), bars.indexOf(end));
      bars.forEach(function (bar, i) {
        bar.classList.toggle("is-brushed", start !== null && i >= low && i <= high);
      });
    }
    bars.forEach(function (bar) { bar.setAttribute("draggable", "false"); });
    list.addEventListener("dragstart", function (event) { event.preventDefault(); });
    list.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      var bar = barAt(event.clientX);
      if (!bar) return;
      start = end = bar;
      dragged = false;
      list.classList.add("is-brushing");
      paint();
    });
    // moves and the release are followed on the whole page, so a drag may leave the bars;
    // no pointer capture, so a plain click still lands on the bar's link
    document.addEventListener("pointermove", function (event) {
      if (start === null) return;
      var bar = barAt(event.clientX);
      if (bar && bar !== end) { end = bar; dragged = dragged || bar !== start; paint(); }
    });
    function finish() {
      if (start === null) return;
      var first = start;
      var last = end;
      start = end = null;
      list.classList.remove("is-brushing");
      if (!dragged) { paint(); return; }
      if (bars.indexOf(first) > bars.indexOf(last)) { var swap = first; first = last; last = swap; }
      dates[0].value = first.getAttribute("data-from");
      dates[1].value = last.getAttribute("data-to");
      var details = section.querySelector("details.range");
      if (details) details.open = true;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
    document.addEventListener("pointerup", finish);
    document.addEventListener("pointercancel", function () {
      start = end = null;
      dragged = false;
      list.classList.remove("is-brushing");
      paint();
    });
    // the click that ends a drag must not also follow the link under the pointer
    list.addEventListener("click", function (event) {
      if (dragged) { event.preventDefault(); dragged = false; }
    }, true);
  }

  // "Published" and "Dates mentioned" become two tabs showing one histogram at a time.
  // Without JavaScript both histograms are simply shown one after the other.
  function histogramTabs(sections) {
    if (sections.length < 2) return;
    sections = Array.prototype.slice.call(sections);
    var tablist = document.createElement("div");
    tablist.className = "histogram-tabs";
    tablist.setAttribute("role", "tablist");
    tablist.setAttribute("aria-label", "Dates");
    var tabs = sections.map(function (section) {
      var heading = section.querySelector("h2");
      var tab = document.createElement("button");
      tab.type = "button";
      tab.className = "histogram-tab";
      tab.id = section.id + "-tab";
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", section.id);
      tab.textContent = heading && heading.firstChild ? heading.firstChild.textContent.trim() : section.id;
      section.setAttribute("role", "tabpanel");
      section.setAttribute("aria-labelledby", tab.id);
      tablist.appendChild(tab);
      return tab;
    });
    function show(index, focus) {
      sections.forEach(function (section, i) { section.hidden = i !== index; });
      tabs.forEach(function (tab, i) {
        tab.setAttribute("aria-selected", i === index ? "true" : "false");
        tab.tabIndex = i === index ? 0 : -1;
      });
      if (focus) tabs[index].focus();
    }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { show(i, false); });
      tab.addEventListener("keydown", function (event) {
        var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (!step) return;
        event.preventDefault();
        show((i + step + tabs.length) % tabs.length, true);
      });
    });
    sections[0].parentNode.insertBefore(tablist, sections[0]);
    // open on the histogram whose range is set, else the first
    var active = 0;
    sections.forEach(function (section, i) {
      if (!active && section.querySelector(".facet-clear")) active = i;
    });
    show(active, false);
  }

  var form = document.querySelector("form.search-form");
  if (!form) return;

  enableSuggestions(form.querySelector("input#q"));

  // Entity names as you type in the search box, from /api/facets (the combobox pattern:
  // arrows move, Enter opens the search filtered by the name, Escape closes). Text only,
  // built with DOM methods; without JavaScript the box is a plain search field.
  function enableSuggestions(input) {
    if (!input) return;
    var kinds = [["person", "Person"], ["org", "Organisation"], ["place", "Place"]];
    var listbox = document.createElement("ul");
    listbox.id = "q-suggestions";
    listbox.className = "suggestions";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Suggested names");
    listbox.hidden = true;
    input.parentNode.appendChild(listbox);
    input.parentNode.classList.add("has-suggestions");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("aria-expanded", "false");
    var options = [];
    var active = -1;
    var timer = null;
    var latest = 0;

    function close() {
      listbox.hidden = true;
      listbox.replaceChildren();
      options = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      active = index;
      options.forEach(function (option, i) {
        option.element.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index < 0) input.removeAttribute("aria-activedescendant");
      else {
        input.setAttribute("aria-activedescendant", options[index].element.id);
        options[index].element.scrollIntoView({ block: "nearest" });
      }
    }
    function choose(option) {
      var params = new URLSearchParams();
      params.set(option.kind, option.value);
      window.location.assign("/?" + params.toString());
    }
    function fetchKind(kind, text) {
      var params = new URLSearchParams({ q: text, limit: "5" });
      return fetch("/api/facets/" + kind + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { values: [] }; })
        .then(function (data) {
          return data.values.map(function (item) { return { kind: kind, value: item.value, count: item.count }; });
        })
        .catch(function () { return []; });
    }
    function update() {
      var text = input.value.trim();
      if (text.length < 2 || /["():*?]/.test(text)) { close(); return; }
      var ticket = ++latest;
      Promise.all(kinds.map(function (kind) { return fetchKind(kind[0], text); })).then(function (groups) {
        if (ticket !== latest) return;
        var found = [].concat.apply([], groups).sort(function (a, b) { return b.count - a.count; }).slice(0, 8);
        if (!found.length || document.activeElement !== input) { close(); return; }
        var labels = {};
        kinds.forEach(function (kind) { labels[kind[0]] = kind[1]; });
        options = found.map(function (item, i) {
          var li = document.createElement("li");
          li.id = "q-suggestion-" + i;
          li.className = "suggestion";
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", "false");
          li.appendChild(span("suggestion-name", item.value));
          li.appendChild(span("suggestion-kind", labels[item.kind] + " · " + item.count));
          li.addEventListener("mousedown", function (event) { event.preventDefault(); });
          li.addEventListener("click", function () { choose(item); });
          item.element = li;
          return item;
        });
        listbox.replaceChildren.apply(listbox, options.map(function (o) { return o.element; }));
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
        active = -1;
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (listbox.hidden || !options.length) return;
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next >= options.length) next = -1;
        if (next < -1) next = options.length - 1;
        highlight(next);
      } else if (event.key === "Enter") {
        if (!listbox.hidden && active >= 0) {
          event.preventDefault();
          choose(options[active]);
        }  // otherwise Enter submits the search as typed
      } else if (event.key === "Escape") {
        if (!listbox.hidden) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

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
