/* 维权向导 embed snippet: a floating button that opens the chat page in an iframe.
 *
 * Put this one line before </body> on any page (replace the host with your Rasa server):
 *
 *   <script src="https://YOUR-HOST/webhooks/web/embed.js" defer></script>
 *
 * Optional attributes on that <script> tag:
 *   data-label="维权向导"    text of the floating button
 *   data-position="right"   "right" (default) or "left"
 *   data-open="true"        open the chat right away
 *
 * The chat page is loaded from the same place as this file (…/webhooks/web/?embed=1), so
 * the session key lives in that origin's sessionStorage (until the tab closes). The page's
 * Content-Security-Policy allows framing only by the server's own origin; list the sites
 * that embed it in the channel's `frame_ancestors` credential (credentials.yml).
 */
(function () {
  "use strict";

  if (window.__complaintGuideEmbed) { return; }
  window.__complaintGuideEmbed = true;

  var script = document.currentScript;
  if (!script) {
    var all = document.getElementsByTagName("script");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/embed\.js(\?|$)/.test(all[i].src)) { script = all[i]; break; }
    }
  }
  if (!script || !script.src) { return; }

  var pageUrl = new URL("./?embed=1", script.src);
  var pageOrigin = pageUrl.origin;
  var label = script.getAttribute("data-label") || "维权向导";
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var openAtStart = script.getAttribute("data-open") === "true";

  var button = document.createElement("button");
  button.type = "button";
  button.id = "complaint-guide-launcher";
  button.setAttribute("aria-label", "打开" + label);
  button.setAttribute("aria-expanded", "false");
  button.textContent = label;
  var b = button.style;
  b.position = "fixed";
  b.bottom = "20px";
  b[side] = "20px";
  b.zIndex = "2147483000";
  b.border = "0";
  b.borderRadius = "999px";
  b.padding = "12px 18px";
  b.background = "#ff5000";
  b.color = "#fff";
  b.font = "600 15px -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif";
  b.boxShadow = "0 6px 20px rgba(0,0,0,.2)";
  b.cursor = "pointer";

  var panel = null;

  function layout() {
    if (!panel) { return; }
    var p = panel.style;
    var small = window.innerWidth < 520;
    p.position = "fixed";
    p.zIndex = "2147483001";
    p.background = "#fff";
    p.overflow = "hidden";
    p.boxShadow = "0 12px 40px rgba(0,0,0,.25)";
    if (small) {
      p.top = "0"; p.bottom = "0"; p.left = "0"; p.right = "0";
      p.width = "100%"; p.height = "100%"; p.borderRadius = "0";
    } else {
      p.top = "auto"; p.bottom = "84px"; p.left = "auto"; p.right = "auto";
      p[side] = "20px";
      p.width = "380px"; p.height = "min(640px, calc(100vh - 110px))"; p.borderRadius = "16px";
    }
  }

  function createPanel() {
    panel = document.createElement("div");
    panel.id = "complaint-guide-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", label);
    var frame = document.createElement("iframe");
    frame.src = pageUrl.href;
    frame.title = label;
    frame.setAttribute("allow", "clipboard-write");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.style.border = "0";
    frame.style.width = "100%";
    frame.style.height = "100%";
    frame.style.display = "block";
    panel.appendChild(frame);
    document.body.appendChild(panel);
    layout();
  }

  function setOpen(open) {
    if (open && !panel) { createPanel(); }
    if (panel) { panel.style.display = open ? "block" : "none"; }
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  button.addEventListener("click", function () {
    setOpen(!(panel && panel.style.display !== "none"));
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== pageOrigin || !event.data) { return; }
    if (event.data.type === "complaint-guide:close") { setOpen(false); }
  });
  window.addEventListener("resize", layout);

  function mount() {
    document.body.appendChild(button);
    if (openAtStart) { setOpen(true); }
  }

  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
