// Small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("click", function (event) {
  var target = event.target;
  if (!(target instanceof HTMLElement)) return;
  if (target.hasAttribute("data-copy")) {
    var field = target.previousElementSibling;
    if (field && "select" in field) {
      field.select();
      if (navigator.clipboard) navigator.clipboard.writeText(field.value);
      target.textContent = "✓";
    }
  } else if (target.hasAttribute("data-print")) {
    window.print();
  } else if (target.hasAttribute("data-check-all") || target.hasAttribute("data-check-none")) {
    var name = target.getAttribute("data-check-all") || target.getAttribute("data-check-none");
    var on = target.hasAttribute("data-check-all");
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = on;
    });
  } else if (target.hasAttribute("data-confirm")) {
    if (!window.confirm(target.getAttribute("data-confirm"))) event.preventDefault();
  }
});

// The workshop projector: submitted counts every 10 seconds while people can
// answer (no page reload; the total is announced politely to screen readers).
(function () {
  var box = document.querySelector("[data-live-counts]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-live-counts");
  function set(name, value) {
    box.querySelectorAll('[data-count="' + name + '"]').forEach(function (el) {
      if (el.textContent !== String(value)) el.textContent = String(value);
    });
    box.querySelectorAll('[data-meter="' + name + '"]').forEach(function (el) {
      el.value = value;
    });
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        set("total", data.submitted);
        data.partners.forEach(function (row) { set(row.partner, row.submitted); });
        if (data.live) window.setTimeout(poll, 10000);
      })
      .catch(function () { window.setTimeout(poll, 30000); });
  }
  window.setTimeout(poll, 10000);
})();

// The workshop's steps with the keyboard and presenter clickers (which send
// Page Up and Page Down): → / Page Down / space for next, ← / Page Up back.
document.addEventListener("keydown", function (event) {
  var nav = document.querySelector("[data-step-nav]");
  if (!nav || event.altKey || event.ctrlKey || event.metaKey) return;
  var target = event.target;
  if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
  var rel = null;
  if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === " ") rel = "next";
  if (event.key === "ArrowLeft" || event.key === "PageUp") rel = "prev";
  var link = rel && nav.querySelector('a[rel="' + rel + '"]');
  if (link) {
    event.preventDefault();
    window.location.assign(link.getAttribute("href"));
  }
});
