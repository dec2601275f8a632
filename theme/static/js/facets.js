/* Faceted filtering over a static JSON index, shared by every listing of the site.
 *
 * Markup contract:
 *   <form data-facets data-index="URL of {"items": [{"id", "text", "facets": {NAME: [KEY…]}}]}" hidden>
 *     <fieldset data-facet="NAME"> <input type="checkbox" name="NAME" value="KEY"> … </fieldset>
 *     <input name="q">                                  (optional text filter)
 *     <span data-count-for="NAME:KEY"></span>           (optional counts)
 *     <p data-facet-status aria-live="polite"
 *        data-status-zero="…" data-status-one="…" data-status-many="{n} …"></p>
 *   </form>
 *   <ul data-facet-results> <li data-id="ID">…</li> … </ul>
 *   [data-facets-fallback]  (optional: static links hidden once the script runs)
 *   [data-js-only]          (optional, hidden in the HTML: shown once the script runs, e.g. the text search)
 *   [data-active-count]     (optional: "(n)" checked boxes, e.g. in a folded panel's summary)
 *
 * OR inside a facet, AND across facets; the text filter ignores case and
 * accents; the state lives in the query string (?department=data&q=python)
 * so a filtered view can be shared and is restored on load.
 * Plain ES2017, no dependency, no request other than the index.
 */
(function () {
  "use strict";

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function facetNames(form) {
    return Array.prototype.map.call(form.querySelectorAll("fieldset[data-facet]"), function (fs) {
      return fs.getAttribute("data-facet");
    });
  }

  function readForm(form, names) {
    var state = { q: "", facets: {} };
    var q = form.querySelector('[name="q"]');
    state.q = q ? q.value.trim() : "";
    names.forEach(function (name) {
      state.facets[name] = Array.prototype.filter.call(
        form.querySelectorAll('input[type="checkbox"][name="' + name + '"]'),
        function (box) { return box.checked; }
      ).map(function (box) { return box.value; });
    });
    return state;
  }

  function readUrl(names) {
    var params = new URLSearchParams(window.location.search);
    var found = false;
    var state = { q: params.get("q") || "", facets: {} };
    if (state.q) { found = true; }
    names.forEach(function (name) {
      var values = [];
      params.getAll(name).forEach(function (v) {
        v.split(",").forEach(function (part) { if (part) { values.push(part); } });
      });
      if (values.length) { found = true; }
      state.facets[name] = values;
    });
    return found ? state : null;
  }

  function writeForm(form, names, state) {
    var q = form.querySelector('[name="q"]');
    if (q) { q.value = state.q; }
    names.forEach(function (name) {
      form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        box.checked = state.facets[name].indexOf(box.value) !== -1;
      });
    });
  }

  function writeUrl(names, state) {
    var params = new URLSearchParams(window.location.search);
    names.forEach(function (name) {
      params.delete(name);
      state.facets[name].forEach(function (v) { params.append(name, v); });
    });
    params.delete("q");
    if (state.q) { params.set("q", state.q); }
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(null, "", url);
  }

  function matchesText(item, words) {
    return words.every(function (word) { return item.folded.indexOf(word) !== -1; });
  }

  function matchesFacets(item, state, names, skip) {
    return names.every(function (name) {
      var wanted = state.facets[name];
      if (name === skip || !wanted.length) { return true; }
      var has = (item.facets && item.facets[name]) || [];
      return wanted.some(function (key) { return has.indexOf(key) !== -1; });
    });
  }

  function announce(form, count) {
    var status = form.querySelector("[data-facet-status]") || document.querySelector("[data-facet-status]");
    if (!status) { return; }
    var key = count === 0 ? "data-status-zero" : count === 1 ? "data-status-one" : "data-status-many";
    var template = status.getAttribute(key) || "{n}";
    status.textContent = template.replace("{n}", String(count));
  }

  function apply(form, results, items, names, state) {
    var words = fold(state.q).split(/\s+/).filter(Boolean);
    var visible = {};
    var shown = 0;
    items.forEach(function (item) {
      var ok = matchesText(item, words) && matchesFacets(item, state, names, null);
      visible[item.id] = ok;
      if (ok) { shown += 1; }
    });
    results.querySelectorAll("[data-id]").forEach(function (el) {
      el.hidden = !visible[el.getAttribute("data-id")];
    });
    form.querySelectorAll("[data-count-for]").forEach(function (el) {
      var parts = el.getAttribute("data-count-for").split(":");
      var name = parts[0];
      var key = parts.slice(1).join(":");
      var n = items.filter(function (item) {
        var has = (item.facets && item.facets[name]) || [];
        return has.indexOf(key) !== -1 && matchesText(item, words) && matchesFacets(item, state, names, name);
      }).length;
      el.textContent = String(n);
    });
    announce(form, shown);
    var active = form.querySelectorAll('input[type="checkbox"]:checked').length;
    form.querySelectorAll("[data-active-count]").forEach(function (el) {
      el.textContent = active ? "(" + active + ")" : "";
    });
  }

  function setup(form) {
    var results = document.querySelector("[data-facet-results]");
    var url = form.getAttribute("data-index");
    if (!results || !url) { return; }
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("index " + response.status); }
        return response.json();
      })
      .then(function (index) {
        var items = (index.items || []).map(function (item) {
          return { id: String(item.id), facets: item.facets || {}, folded: fold(item.text) };
        });
        var names = facetNames(form);
        var initial = readUrl(names);
        if (initial) { writeForm(form, names, initial); }
        var update = function (share) {
          var state = readForm(form, names);
          apply(form, results, items, names, state);
          if (share) { writeUrl(names, state); }
        };
        form.addEventListener("change", function () { update(true); });
        form.addEventListener("input", function (event) {
          if (event.target.name === "q") { update(true); }
        });
        form.addEventListener("submit", function (event) { event.preventDefault(); update(true); });
        form.addEventListener("reset", function () {
          window.setTimeout(function () { update(true); }, 0);
        });
        document.querySelectorAll("[data-facets-fallback]").forEach(function (el) { el.hidden = true; });
        form.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
        form.hidden = false;
        update(false);
      })
      .catch(function () {
        /* The static facet pages keep working without the index. */
      });
  }

  function start() {
    document.querySelectorAll("form[data-facets]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
