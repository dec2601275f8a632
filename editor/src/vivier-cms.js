/* Vivier's glue for Decap CMS at /admin/.
 *
 * - Reads and writes content files in the project's own header format
 *   ("Key: value" lines, indented continuation lines, a blank line, then the
 *   Markdown body: Python-Markdown's `meta` extension, which Pelican reads).
 * - Keeps every header line an editor did not change byte for byte (its key
 *   spelling, aliases, spacing, unknown keys and order), so saving an entry
 *   without a change writes the file back unchanged.
 * - Registers previews that use the site's own CSS and the job page layout.
 * - Starts Decap with the configuration the build generated from the same
 *   content schemas it validates with (editor.json, written by the editor
 *   plugin), so the form and `vivier check` never disagree.
 */
(function () {
  "use strict";

  var STASH = "__vivier_header";  // original header lines, carried through Decap untouched
  var META_RE = /^[ ]{0,3}([A-Za-z0-9_-]+):\s*(.*)$/;  // Python-Markdown meta.py
  var MORE_RE = /^[ ]{4,}(.*)$/;
  var TRUTHY = ["yes", "true", "oui", "1", "on"];
  var FALSY = ["no", "false", "non", "0", "off"];
  var POSTAL_RE = /^[0-9][0-9A-Z -]{2,9}$/i;

  function isEmpty(value) {
    if (value === null || value === undefined) return true;
    if (typeof value === "string") return value.trim() === "";
    if (Array.isArray(value)) return value.filter(function (v) { return !isEmpty(v); }).length === 0;
    if (typeof value === "object") return Object.keys(value).every(function (k) { return isEmpty(value[k]); });
    return false;
  }

  function splitLines(text) {
    // Keeps each line's own ending, so the untouched parts are written back as they were.
    var lines = [];
    var re = /[^\n]*\n|[^\n]+$/g;
    var match;
    while ((match = re.exec(text)) !== null) {
      if (match[0] === "") break;
      lines.push(match[0]);
    }
    return lines;
  }

  function stripEol(line) {
    return line.replace(/\r?\n$/, "");
  }

  // --- one content type's codec -------------------------------------------
  function Codec(spec) {
    this.spec = spec;
    this.byName = {};
    var self = this;
    spec.fields.forEach(function (field) {
      self.byName[field.name] = field;
      (field.aliases || []).forEach(function (alias) { self.byName[alias] = field; });
    });
  }

  Codec.prototype.field = function (key) {
    return this.byName[String(key).toLowerCase()] || null;
  };

  Codec.prototype.parse = function (text) {
    var bom = text.charAt(0) === "\ufeff" ? "\ufeff" : "";
    var lines = splitLines(bom ? text.slice(1) : text);
    var header = [];
    var index = 0;
    var current = null;
    var separator = "";
    for (; index < lines.length; index++) {
      var line = stripEol(lines[index]);
      if (line.trim() === "") {
        separator = lines[index];
        index++;
        break;
      }
      var key = META_RE.exec(line);
      if (key) {
        current = { key: key[1], raw: lines[index], values: [key[2].trim()] };
        header.push(current);
        continue;
      }
      var more = current && MORE_RE.exec(line);
      if (more) {
        current.raw += lines[index];
        current.values.push(more[1].trim());
        continue;
      }
      break;  // not a header line: the body starts here (as in meta.py)
    }
    var body = lines.slice(index).join("");
    var data = {};
    var self = this;
    header.forEach(function (entry) {
      var field = self.field(entry.key);
      entry.name = field ? field.name : null;
      if (!field) return;
      var value = self.decode(field, entry.values);
      data[field.name] = value;
      entry.canon = self.encode(field, value);
    });
    data.body = body;
    data[STASH] = { bom: bom, separator: separator, lines: header.map(function (e) {
      return { key: e.key, name: e.name, raw: e.raw, canon: e.canon === undefined ? null : e.canon };
    }) };
    return data;
  };

  Codec.prototype.serialize = function (data) {
    var stash = data[STASH] || { bom: "", separator: "\n", lines: [] };
    var out = [];
    var done = {};
    var self = this;
    stash.lines.forEach(function (line) {
      if (!line.name) {  // a key the schema does not know: the build warns about it; we keep it
        out.push(line.raw);
        return;
      }
      if (done[line.name]) return;  // a repeated key was written with its first occurrence
      done[line.name] = true;
      var field = self.byName[line.name];
      var value = data[line.name];
      if (isEmpty(value)) return;  // emptied in the form: the line goes
      var text = self.encode(field, value);
      out.push(text === line.canon ? line.raw : self.line(line.key, text));
    });
    this.spec.fields.forEach(function (field) {
      if (done[field.name] || isEmpty(data[field.name])) return;
      out.push(self.line(field.label, self.encode(field, data[field.name])));
    });
    var body = data.body === undefined || data.body === null ? "" : String(data.body);
    var separator = stash.separator || (body ? "\n" : "");
    if (out.length && !/\n$/.test(out[out.length - 1])) out[out.length - 1] += "\n";
    return stash.bom + out.join("") + separator + body;
  };

  Codec.prototype.line = function (key, text) {
    // A value on several lines continues on lines indented by four spaces.
    return key + ": " + String(text).split(/\r?\n/).map(function (part) { return part.trim(); })
      .filter(function (part, i) { return i === 0 || part !== ""; }).join("\n    ") + "\n";
  };

  Codec.prototype.decode = function (field, values) {
    var joined = values.join(", ");
    switch (field.kind) {
      case "list":
      case "choices": {
        var sep = field.separator || ",";
        var items = [];
        values.forEach(function (v) { v.split(sep).forEach(function (p) { if (p.trim()) items.push(p.trim()); }); });
        return field.kind === "choices" ? items.map(function (v) { return choose(field, v); }) : items;
      }
      case "skills":
        return splitSkills(joined);
      case "locations": {
        var places = [];
        values.forEach(function (v) { v.split(";").forEach(function (p) { if (p.trim()) places.push(place(field, p)); }); });
        return places;
      }
      case "boolean": {
        var word = joined.toLowerCase();
        if (TRUTHY.indexOf(word) >= 0) return true;
        if (FALSY.indexOf(word) >= 0) return false;
        return joined;
      }
      case "integer":
      case "decimal": {
        var cleaned = joined.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
        var number = field.kind === "integer" ? parseInt(cleaned, 10) : parseFloat(cleaned);
        return /^-?\d+(\.\d+)?$/.test(cleaned) && !isNaN(number) ? number : joined;
      }
      case "choice":
        return choose(field, joined);
      case "text":
        return values.join("\n");
      default:
        return joined;
    }
  };

  Codec.prototype.encode = function (field, value) {
    if (value === null || value === undefined) return "";
    switch (field.kind) {
      case "list":
      case "choices":
      case "skills": {
        var sep = field.separator || ",";
        var glue = sep === "," ? ", " : sep === ";" ? "; " : " " + sep + " ";
        return toArray(value).map(function (v) { return String(v).trim(); }).filter(Boolean).join(glue);
      }
      case "locations":
        return toArray(value).map(function (p) {
          if (typeof p === "string") return p.trim();
          return [p.city, p.postal_code, p.region, p.country].map(function (v) { return v === undefined || v === null ? "" : String(v).trim(); })
            .filter(Boolean).join(", ");
        }).filter(Boolean).join("; ");
      case "boolean":
        return value === true ? "yes" : value === false ? "no" : String(value);
      case "text":
        return String(value).replace(/\r\n/g, "\n").trim();
      default:
        return String(value).trim();
    }
  };

  function toArray(value) {
    if (Array.isArray(value)) return value;
    if (value && typeof value.toArray === "function") return value.toArray();
    return String(value).split(",");
  }

  function choose(field, raw) {
    var wanted = String(raw).trim().toLowerCase();
    var found = null;
    (field.choices || []).forEach(function (c) { if (found === null && String(c).toLowerCase() === wanted) found = c; });
    if (found === null && field.choice_aliases) {
      Object.keys(field.choice_aliases).forEach(function (alias) {
        if (found === null && alias.toLowerCase() === wanted) found = field.choice_aliases[alias];
      });
    }
    return found === null ? String(raw).trim() : found;
  }

  function splitSkills(text) {
    // Commas inside parentheses stay: "observabilité (Prometheus, Grafana)" is one skill.
    var items = [];
    var depth = 0;
    var current = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (ch === "(") depth++;
      if (ch === ")") depth = Math.max(0, depth - 1);
      if (ch === "," && depth === 0) {
        if (current.trim()) items.push(current.trim());
        current = "";
      } else {
        current += ch;
      }
    }
    if (current.trim()) items.push(current.trim());
    return items;
  }

  function place(field, raw) {
    var parts = raw.split(",").map(function (p) { return p.trim(); }).filter(Boolean);
    var result = { city: "", postal_code: "", region: "", country: "" };
    if (!parts.length) return result;
    var last = parts[parts.length - 1];
    var country = /^[A-Za-z]{2}$/.test(last) ? last.toUpperCase() : (field.countries || {})[last.toLowerCase()];
    if (country) {
      result.country = country;
      parts.pop();
    }
    if (parts.length) {
      result.city = parts[0];
      parts.slice(1).forEach(function (part) {
        if (!result.postal_code && POSTAL_RE.test(part)) result.postal_code = part;
        else if (!result.region) result.region = part;
        else result.region += ", " + part;
      });
    }
    return result;
  }

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
  window.VivierCodec = Codec;  // for the tests, which compare it with the Python reader

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
