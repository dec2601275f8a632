/* Vivier's glue for Decap CMS at /admin/ (after vivier-format.js).
 *
 * - Registers the project's file format (vivier-format.js) for each collection.
 * - Registers previews that use the site's own CSS and the job page layout.
 * - Names the controls Decap leaves unnamed (accessibility).
 * - Starts Decap with the configuration the build generated from the same
 *   content schemas it validates with (editor.json, written by the editor
 *   plugin), so the form and `vivier check` never disagree.
 */
(function () {
  "use strict";

  var Codec = window.VivierFormat.Codec;
  var isEmpty = window.VivierFormat.isEmpty;
  var toArray = window.VivierFormat.toArray;

  // --- previews -------------------------------------------------------------
  function text(entry, name) {
    var value = entry.getIn(["data", name]);
    if (value === undefined || value === null) return "";
    if (value && typeof value.toJS === "function") value = value.toJS();
    return value;
  }

  // The theme's own words for a value, as the job page shows it (careers/job_display.py).
  var GROUPS = { remote: "remote", contract: "contract", working_time: "time", experience: "experience", salary_period: "period" };

  function label(spec, name, value, strings) {
    var field = spec.fields.filter(function (f) { return f.name === name; })[0];
    if (field && field.labels && field.labels[value]) return field.labels[value];
    if (strings && GROUPS[name] && value) {
      var key = String(value).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "_");
      var words = strings["jobs." + GROUPS[name] + "." + key];
      if (words) return words;
    }
    return value;
  }

  function placeText(p) {
    if (!p) return "";
    if (typeof p === "string") return p;
    return [p.city, p.postal_code, p.region, p.country].filter(Boolean).join(", ");
  }

  function fact(h, term, value, cls) {
    return h("div", null, h("dt", null, term), h("dd", cls ? { className: cls } : null, value));
  }

  function jobPreview(spec, strings) {
    return window.createClass({
      render: function () {
        var h = window.h;
        var entry = this.props.entry;
        var t = function (key) { return strings[key] || key; };
        var locations = toArray(text(entry, "locations") || []).map(placeText).filter(Boolean);
        var low = text(entry, "salary_min");
        var high = text(entry, "salary_max");
        var pay = low !== "" && high !== "" ? low + " – " + high + " " + (text(entry, "salary_currency") || "EUR") +
          " " + label(spec, "salary_period", text(entry, "salary_period") || "year", strings) : "";
        var list = function (name, cls) {
          return h("ul", { className: "skills " + cls }, toArray(text(entry, name) || []).filter(Boolean).map(function (s, i) {
            return h("li", { key: i }, s);
          }));
        };
        return h("article", { className: "wrap job" },
          h("header", { className: "job-header" },
            h("p", { className: "kicker" }, t("jobs.title") + " · " + label(spec, "department", text(entry, "department"), strings)),
            h("h1", null, text(entry, "title")),
            h("p", { className: "job-facts" }, [locations.join(", "), label(spec, "remote", text(entry, "remote"), strings),
              label(spec, "contract", text(entry, "contract"), strings), pay].filter(Boolean).join(" · "))),
          h("section", { className: "job-essentials" },
            h("h2", null, t("jobs.essentials")),
            h("dl", { className: "facts" },
              fact(h, t("jobs.salary"), pay, "job-salary"),
              fact(h, t("jobs.location"), locations.join("; "), "job-locations"),
              fact(h, t("jobs.remote_label"), label(spec, "remote", text(entry, "remote"), strings)),
              fact(h, t("jobs.contract_label"), label(spec, "contract", text(entry, "contract"), strings), "job-contract"),
              fact(h, t("jobs.experience_label"), label(spec, "experience", text(entry, "experience"), strings)),
              fact(h, t("jobs.hiring_manager"), text(entry, "hiring_manager")),
              fact(h, t("jobs.valid_through"), text(entry, "valid_through")),
              fact(h, t("jobs.reference"), text(entry, "reference"), "job-reference"))),
          h("div", { className: "prose job-body" }, this.props.widgetFor("body")),
          h("section", { className: "job-skills" },
            h("h2", null, t("jobs.must_have")), list("must_have", "must-have"),
            h("h2", null, t("jobs.nice_to_have")), list("nice_to_have", "nice-to-have")));
      },
    });
  }

  function genericPreview(spec) {
    return window.createClass({
      render: function () {
        var h = window.h;
        var entry = this.props.entry;
        var title = text(entry, "title") || text(entry, "name");
        var facts = spec.fields.filter(function (f) {
          return ["title", "name", "summary", "lang", "slug"].indexOf(f.name) < 0 && !isEmpty(text(entry, f.name));
        }).map(function (f, i) {
          var value = text(entry, f.name);
          value = f.kind === "locations" ? toArray(value).map(placeText).join("; ") :
            Array.isArray(value) ? value.join(", ") : String(label(spec, f.name, value));
          return h("div", { key: i }, h("dt", null, f.title), h("dd", null, value));
        });
        return h("article", { className: "wrap" },
          h("h1", null, title),
          text(entry, "summary") ? h("p", { className: "lead" }, text(entry, "summary")) : null,
          h("dl", { className: "facts" }, facts),
          h("div", { className: "prose" }, this.props.widgetFor("body")));
      },
    });
  }

  // --- accessibility -----------------------------------------------------------
  // Decap leaves some controls without a name (icon buttons, drag handles, the
  // Markdown editor, the preview frame); screen readers would announce them as
  // "button" or nothing. Named here, as the interface changes.
  var NAMES = {
    fr: { frame: "Aperçu de la page", toggle: "Replier ou déplier", remove: "Supprimer cet élément",
          move: "Déplacer cet élément", mode: "Passer du Markdown au texte enrichi", button: "Action" },
    en: { frame: "Page preview", toggle: "Collapse or expand", remove: "Remove this item",
          move: "Move this item", mode: "Switch between Markdown and rich text", button: "Action" },
  };

  function named(element) {
    return element.getAttribute("aria-label") || element.getAttribute("title") || element.textContent.trim();
  }

  function nameControls(words) {
    var each = function (selector, fn) {
      var found = document.querySelectorAll(selector);
      for (var i = 0; i < found.length; i++) fn(found[i]);
    };
    each("iframe:not([title])", function (frame) { frame.setAttribute("title", words.frame); });
    each("[role='textbox'][contenteditable='true']:not([aria-label])", function (box) {
      var wrapper = box.closest("[aria-label$=' field']");
      var label = wrapper && wrapper.querySelector("label");
      box.setAttribute("aria-label", label ? label.textContent.trim() : "Markdown");
    });
    each("[aria-roledescription='sortable'][role='button']:not([aria-label])", function (handle) {
      handle.setAttribute("aria-label", words.move);
    });
    each("button[role='switch']:not([aria-label])", function (toggle) {
      if (!named(toggle)) toggle.setAttribute("aria-label", words.mode);
    });
    each("button:not([aria-label])", function (button) {
      if (named(button)) return;
      var bar = button.parentElement;
      var first = bar && bar.querySelector("button") === button;
      button.setAttribute("aria-label", button.querySelector("svg") && first ? words.toggle :
        bar && /TopBar/.test(bar.className) ? words.remove : words.button);
    });
  }

  function watchNames(locale) {
    var words = NAMES[locale] || NAMES.en;
    var scheduled = false;
    new MutationObserver(function () {
      if (scheduled) return;
      scheduled = true;
      window.requestAnimationFrame(function () { scheduled = false; nameControls(words); });
    }).observe(document.body, { childList: true, subtree: true });
    nameControls(words);
  }

  // --- start ------------------------------------------------------------------

  function start(spec) {
    var CMS = window.CMS;
    if (!CMS) throw new Error("Decap CMS is not installed (run make editor-deps, then build again)");
    Object.keys(spec.formats).forEach(function (collection) {
      var format = spec.formats[collection];
      var codec = new Codec(format);
      CMS.registerCustomFormat(format.format, "md", {
        fromFile: function (content) { return codec.parse(content); },
        toFile: function (data) { return codec.serialize(data); },
      });
      var strings = spec.strings[format.lang] || {};
      CMS.registerPreviewTemplate(collection, format.preview === "job" ? jobPreview(format, strings) : genericPreview(format));
    });
    (spec.preview_styles || []).forEach(function (href) { CMS.registerPreviewStyle(new URL(href, document.baseURI).href); });
    watchNames(spec.decap.locale);
    CMS.init({ config: spec.decap });
  }

  fetch("editor.json", { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) throw new Error("editor.json: HTTP " + response.status);
      return response.json();
    })
    .then(start)
    .catch(function (error) {
      var box = document.getElementById("editor-error");
      if (box) {
        box.hidden = false;
        box.textContent = "The editor could not start: " + error.message;
      }
    });
})();
