/* HMI browser side: apply the live payload to the drawing without re-rendering it, watch the
   connection, sound new high-priority alarms and new warnings, open faceplates. Server callbacks stay tiny. */
(function () {
  var SHAPE = {critical: "◆", high: "▲", medium: "■", low: "●"};
  var LOADED = Date.now();
  var FEED = "feed:";  /* audible ids of in-app warning notifications: they sound until marked seen, not silenced */
  function byAttr(name) { return document.querySelectorAll("[" + name + "]"); }
  function isFeed(id) { return String(id).indexOf(FEED) === 0; }
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    hmi: {
      apply: function (data) {
        if (!data) { return window.dash_clientside.no_update; }
        var v = data.v || {}, a = data.a || {}, k = data.k || {}, img = data.img || {};
        byAttr("data-tag").forEach(function (el) {
          var d = v[el.getAttribute("data-tag")];
          if (!d) { return; }
          var f = el.getAttribute("data-f");
          if (f === "pv") {
            if (el.textContent !== d[0]) { el.textContent = d[0]; }
            el.className = "pv " + d[1] + (el.classList.contains("big") ? " big" : "");
          } else if (f === "lvl") {
            if (d[2] !== null) { el.style.height = d[2] + "%"; }
            el.className = "lvl " + d[1];
          }
        });
        if (data.v) {
          byAttr("data-alm").forEach(function (el) {
            var x = a[el.getAttribute("data-alm")];
            el.className = x ? "alm p-" + x[0] + (x[1] ? "" : " unack") : "alm";
            el.textContent = x ? (SHAPE[x[0]] || "!") : "";
          });
        }
        byAttr("data-key").forEach(function (el) {
          var x = k[el.getAttribute("data-key")];
          if (!x) { return; }
          if (x[0] !== null && x[0] !== undefined && el.textContent !== x[0]) { el.textContent = x[0]; }
          if (x[1] !== null && x[1] !== undefined) { el.className = x[1]; }
        });
        byAttr("data-img").forEach(function (el) {
          var src = img[el.getAttribute("data-img")];
          if (src && el.getAttribute("src") !== src) { el.setAttribute("src", src); }
        });
        document.body.setAttribute("data-live", String(data.t));
        return Date.now();
      },
      watchdog: function (_n, rx) {
        /* Lost: nothing received for 3.5 s — counted from the page load until the first poll answers
           (the page came with its values: not "lost" while the first poll is on its way). */
        var lost = Date.now() - (rx || LOADED) > 3500;
        document.body.classList.toggle("stale", lost);
        return lost ? "conn lost" : "conn ok";
      },
      sound: function (audible, silenced) {
        var beep = document.getElementById("beep");
        var pending = (audible || []).filter(function (id) { return (silenced || []).indexOf(id) < 0; });
        if (beep) {
          if (pending.length) { var p = beep.play(); if (p && p.catch) { p.catch(function () {}); } }
          else { beep.pause(); }
        }
        var alarms = pending.filter(function (id) { return !isFeed(id); });
        document.body.classList.toggle("sounding", pending.length > 0);
        document.body.classList.toggle("feed-sounding", pending.length > alarms.length);
        return alarms.length ? "silence" : "silence hidden";
      },
      silence: function (_n, audible) { return (audible || []).filter(function (id) { return !isFeed(id); }); },
      faceplate: function (children) { return children ? "faceplate" : "faceplate hidden"; }
    }
  });
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t || !t.closest) { return; }
    if (t.closest(".fp-close")) {
      window.dash_clientside.set_props("fp-tag", {data: null});
      return;
    }
    var pt = t.closest("[data-point]");
    if (pt) { window.dash_clientside.set_props("fp-tag", {data: pt.getAttribute("data-point")}); }
    var seen = t.closest(".feed-seen");
    if (seen && !seen.classList.contains("pending")) {
      /* Mark the banner's notifications seen on the scoped feed route; the next banner poll drops them and their sound. */
      seen.classList.add("pending");
      fetch("/api/v1/warnings/feed/seen", {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken()},
        body: JSON.stringify({ids: JSON.parse(seen.getAttribute("data-ids") || "[]")})
      }).catch(function () { return null; }).then(function () { seen.classList.remove("pending"); });
    }
  });
})();
