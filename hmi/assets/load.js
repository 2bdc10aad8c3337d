/* Page loading (first paint of a screen under 1 s, bench/hmi.py).
   1. A screen arrives with its first live payload (data-live0 on the page body, hmi.app._page): it is applied the
      moment the page enters the document, before the browser paints it, by the same function as every poll
      (hmi.js apply) — the first paint shows live values, not placeholders waiting for the first poll.
   2. hmi.markup.Markup: a large static drawing (the mimic) as server-made, escaped HTML in one component — Dash
      re-checks every component on every store update, so hundreds of small ones keep the browser busy.
   3. The layout (which brings the page, hmi.app._shell) and the callback map are asked for now, while the Dash bundles
      are still being evaluated, not after: the renderer's own first request for each gets this answer.
   4. plotly.js only when a graph is drawn (the plotly package's own bundle, served by hmi.app; nothing vendored
      into this repository). dcc.Graph takes window.Plotly when it is set: here a thenable that loads the
      bundle on first use, which then replaces window.Plotly with itself; a page whose layout has a graph
      starts it as soon as the layout arrives (3.), while the page is still being built. */
(function () {
  var PLOTLY = "/vendor/plotly-4.1.1.min.js";  /* served from the installed plotly package; its version (tests/hmi) */

  function applyFirst() {
    var el = document.querySelector("[data-live0]");
    var hmi = window.dash_clientside && window.dash_clientside.hmi;
    if (!el || !hmi) { return; }
    var text = el.getAttribute("data-live0");
    el.removeAttribute("data-live0");
    try { hmi.apply(JSON.parse(text)); } catch (e) { /* the next poll draws the values */ }
  }
  new MutationObserver(applyFirst).observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ["data-live0"]});

  window.hmi_components = Object.assign({}, window.hmi_components, {
    Markup: function (props) {
      return window.React.createElement("div", {id: props.id, className: props.className, dangerouslySetInnerHTML: {__html: props.html || ""}});
    }
  });

  var loading = null;
  function load(src, resolve, reject) {
    var s = document.createElement("script");
    s.src = src;
    s.async = true;
    s.onload = function () {
      var P = window.Plotly;
      resolve(P && typeof P.then === "function" ? null : P);
    };
    s.onerror = function (e) {
      var fallback = window._dashPlotlyJSURL;  /* the full bundle Dash serves */
      if (fallback && src !== fallback) { load(fallback, resolve, reject); } else { loading = null; reject(e); }
    };
    document.head.appendChild(s);
  }
  function plotly() {
    if (!loading) { loading = new Promise(function (resolve, reject) { load(PLOTLY, resolve, reject); }); }
    return loading;
  }
  if (!window.Plotly) {
    window.Plotly = {then: function (ok, fail) { return plotly().then(ok, fail); }};
  }

  var early = {};
  ["/_dash-layout", "/_dash-dependencies"].forEach(function (url) {
    early[url] = fetch(url, {credentials: "same-origin", headers: {Accept: "application/json", "Content-Type": "application/json"}})
      .then(function (response) {
        /* A page with a graph starts plotly.js as soon as its layout is here, not once the graph is drawn. */
        if (url === "/_dash-layout" && response.ok) {
          response.clone().text().then(function (text) { if (/"type":\s*"Graph"/.test(text)) { plotly().catch(function () {}); } });
        }
        return response;
      });
  });
  var fetchNow = window.fetch;
  window.fetch = function (input, init) {
    var p = typeof input === "string" ? early[input] : null;
    if (!p || (init && init.method && init.method !== "GET")) { return fetchNow.apply(this, arguments); }
    delete early[input];
    return p.catch(function () { return fetchNow.call(window, input, init); });
  };
})();
