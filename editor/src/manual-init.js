// Loaded before decap-cms.js: Decap waits for vivier-cms.js to register the
// project's file format and previews, then to call CMS.init with the
// configuration generated from the build's own content schemas.
window.CMS_MANUAL_INIT = true;
// The body opens in Markdown ("raw") mode, so a file keeps the Markdown its
// editors wrote; the rich-text mode stays one click away (Decap remembers it).
try {
  if (window.localStorage.getItem("cms.md-mode") === null) window.localStorage.setItem("cms.md-mode", "raw");
} catch (error) { /* storage switched off: Decap's default mode */ }
