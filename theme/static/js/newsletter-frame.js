/* Newsletter archive pages: size each framed email to its content, so the page scrolls, not the frame.
   A file, not an inline script: the site's Content-Security-Policy runs no inline script. */
document.querySelectorAll("iframe.newsletter-frame").forEach(function (frame) {
  function fit() {
    try { frame.style.height = frame.contentDocument.documentElement.scrollHeight + "px"; } catch (e) {}
  }
  frame.addEventListener("load", fit);
  window.addEventListener("resize", fit);
  fit();
});
