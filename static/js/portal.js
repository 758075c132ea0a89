// Small progressive enhancements; the pages work without JavaScript.
// htmx would otherwise add an inline <style> for its indicators, which our CSP (style-src 'self')
// refuses; portal.css styles `.htmx-request` itself. Deferred scripts run before htmx's
// DOMContentLoaded setup, so this takes effect.
// Likewise, settling must not touch `style` attributes (it can set an empty one, which the CSP
// reports as an inline style); we never use them.
if (window.htmx) {
  htmx.config.includeIndicatorStyles = false;
  htmx.config.attributesToSettle = ["class", "width", "height"];
}
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// On narrow screens the facet lists would push the results far down: start them folded,
// except those with a selected value. (Each is a <details>; it still opens with a tap.)
function foldFacets(root) {
  if (!window.matchMedia("(max-width: 900px)").matches) return;
  root.querySelectorAll("details.facet").forEach((facet) => {
    if (!facet.querySelector(".is-selected")) facet.removeAttribute("open");
  });
}
document.addEventListener("DOMContentLoaded", () => foldFacets(document));
document.addEventListener("htmx:afterSettle", () => foldFacets(document));
