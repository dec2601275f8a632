/* Booking panel of an ambassador profile (progressive enhancement).
 *
 * Without JavaScript the page offers one plain booking link per format (or a
 * real form). Here we show the composer instead: the candidate picks a format
 * and writes questions, and the booking link is rebuilt on every keystroke,
 * with the job reference from ?job=REF when they came from a job page.
 * The recipe mirrors plugins/careers/ambassador_booking.py exactly (the tests
 * compare both): Cal.com `notes` (+ `format`, `job`), Calendly `a1`, mailto
 * `subject` + `body` with CRLF line breaks (RFC 6068), all encoded with
 * encodeURIComponent. No request leaves the page.
 */
(function () {
  "use strict";

  var JOB_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
  var FIELD_OF = { calcom: "notes", calendly: "a1" };

  function fill(template, placeholder, value) {
    return template.split(placeholder).join(value);
  }

  function notes(words, fmt, questions, job, jobTitle) {
    var out = [];
    if (fmt) out.push(fill(words.format_line, "{format}", words.formats[fmt] || fmt));
    if (job) out.push(fill(words.job_line, "{job}", jobTitle ? jobTitle + " (" + job + ")" : job));
    var text = questions.trim();
    if (text) {
      if (out.length) out.push("");
      out.push(words.questions_heading);
      text.replace(/\r\n?/g, "\n").replace(/^\n+|\n+$/g, "").split("\n").forEach(function (line) {
        out.push(line.replace(/\s+$/, ""));
      });
    }
    return out.join("\n");
  }

  function bookingUrl(config, fmt, questions, job) {
    var words = config.words;
    var base = config.base;
    if (!JOB_RE.test(job || "")) job = "";
    var text = notes(words, fmt, questions, job, (job && config.jobs[job]) || "");
    var params = [];
    if (config.kind === "mailto") {
      var subject = words.subject;
      if (fmt) subject += " — " + (words.formats[fmt] || fmt);
      if (job) subject += " — " + job;
      var body = words.greeting + "\n\n" + words.intro + (text ? "\n\n" + text : "") + "\n";
      params = [["subject", subject], ["body", body.replace(/\n/g, "\r\n")]];
    } else if (FIELD_OF[config.kind]) {
      if (text) params.push([FIELD_OF[config.kind], text]);
      if (config.kind === "calcom") params.push(["format", fmt], ["job", job]);
    } else {
      return base;
    }
    var query = params
      .filter(function (p) { return p[1]; })
      .map(function (p) { return p[0] + "=" + encodeURIComponent(p[1]); })
      .join("&");
    if (!query) return base;
    return base + (base.indexOf("?") >= 0 ? "&" : "?") + query;
  }

  function enhance(panel) {
    var configNode = panel.querySelector("[data-booking-config]");
    if (!configNode) return;
    var config = JSON.parse(configNode.textContent);
    var job = new URLSearchParams(window.location.search).get("job") || "";
    if (!JOB_RE.test(job)) job = "";
    var jobNote = panel.querySelector("[data-booking-job]");
    if (job && jobNote) {
      var title = config.jobs[job];
      panel.querySelector("[data-booking-job-text]").textContent = title ? title + " (" + job + ")" : job;
      jobNote.hidden = false;
    }
    var form = panel.querySelector("[data-booking-form]");
    if (!form) return;
    if (config.kind === "form") {
      var input = form.querySelector("[data-booking-job-input]");
      if (input) input.value = job;
      return;
    }
    var link = form.querySelector("[data-booking-link]");
    var plain = panel.querySelector("[data-booking-plain]");
    function update() {
      var chosen = form.querySelector('input[name="format"]:checked');
      link.href = bookingUrl(config, chosen ? chosen.value : "", form.elements.questions.value, job);
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
      link.click();
    });
    update();
    form.hidden = false;
    if (plain) plain.hidden = true;
  }

  window.vivierBookingUrl = bookingUrl;
  document.querySelectorAll("[data-booking]").forEach(enhance);
})();
