/* Vivier's content file format, for Decap CMS at /admin/ (and for the tests).
 *
 * - Reads and writes content files in the project's own header format
 *   ("Key: value" lines, indented continuation lines, a blank line, then the
 *   Markdown body: Python-Markdown's `meta` extension, which Pelican reads).
 * - Keeps every header line an editor did not change byte for byte (its key
 *   spelling, aliases, spacing, unknown keys and order), so saving an entry
 *   without a change writes the file back unchanged.
 * The fields of each content type come from editor.json (plugins/editor).
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

  window.VivierFormat = { Codec: Codec, isEmpty: isEmpty, toArray: toArray };
  window.VivierCodec = Codec;  // for the tests, which compare it with the Python reader
})();
