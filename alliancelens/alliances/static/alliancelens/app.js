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
