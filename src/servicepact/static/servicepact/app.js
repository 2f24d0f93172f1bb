/* ServicePact: live countdowns. Every element with data-deadline (an ISO instant) shows the
   time left (or overdue) and is updated once a second. Elements swapped in by htmx are picked
   up on the next tick because the query runs each time. Without JavaScript the server-rendered
   text stays. The format matches core/templatetags/sp_tags.py countdown_duration. */
(function () {
  "use strict";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function formatCountdown(totalSeconds, units) {
    // units: days, hours, minutes, seconds in the page's language (data-units), e.g. "天 小时 分 秒".
    var u = (units || "d h m s").split(" ");
    var s = Math.abs(Math.trunc(totalSeconds));
    var days = Math.floor(s / 86400);
    var hours = Math.floor((s % 86400) / 3600);
    var mins = Math.floor((s % 3600) / 60);
    var secs = s % 60;
    if (days) return days + u[0] + " " + hours + u[1] + " " + pad(mins) + u[2];
    if (hours) return hours + u[1] + " " + pad(mins) + u[2] + " " + pad(secs) + u[3];
    if (mins) return mins + u[2] + " " + pad(secs) + u[3];
    return secs + u[3];
  }

  function tick() {
    var now = Date.now();
    var nodes = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(deadline)) continue;
      var left = Math.round((deadline - now) / 1000);
      var past = left < 0;
      var template = el.getAttribute(past ? "data-past" : "data-future") || "%s";
      var text = template.replace("%s", formatCountdown(left, el.getAttribute("data-units")));
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("countdown-past", past);
      el.classList.toggle("countdown-future", !past);
    }
  }

  function start() {
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* Accessibility: a table wider than the screen scrolls sideways inside its .table-wrap. Such a
   wrapper is made focusable, so the keyboard can scroll it, and is named after its section's
   heading (WCAG 2.1.1, axe scrollable-region-focusable). A wrapper that fits gets no extra tab
   stop. Checked again on resize and after htmx swaps. */
(function () {
  "use strict";

  function nameOf(wrap) {
    var caption = wrap.querySelector("caption");
    var section = wrap.closest("section, .card");
    var heading = section ? section.querySelector("h2, h3") : null;
    var source = caption || heading;
    return source ? source.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function update() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (wrap.getAttribute("tabindex") === "0") continue;
        var name = nameOf(wrap);
        wrap.setAttribute("tabindex", "0");
        if (name) {
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", name);
        }
      } else if (wrap.hasAttribute("tabindex")) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", update);
  document.addEventListener("htmx:afterSettle", update);
})();
