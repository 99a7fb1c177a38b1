// The growth console's keys (the pages work without this): j/k move between pieces, a approves,
// r goes to the reject reason, e opens the piece to edit.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-item]"));
    if (items.length === 0) return;
    var current = document.querySelector("[data-item].current");
    var i = items.indexOf(current);
    function go(n) {
      if (current) current.classList.remove("current");
      current = items[Math.max(0, Math.min(items.length - 1, n))];
      current.classList.add("current");
      current.focus();
      current.scrollIntoView({ block: "nearest" });
    }
    switch (ev.key) {
      case "j": go(i + 1); break;
      case "k": go(i < 0 ? 0 : i - 1); break;
      case "a":
        if (!current) return;
        var f = current.querySelector("form[data-approve]");
        if (f) f.requestSubmit ? f.requestSubmit() : f.submit();
        break;
      case "r":
        if (!current) return;
        var r = current.querySelector("form[data-reject] input[name=reason]");
        if (r) { ev.preventDefault(); r.focus(); }
        break;
      case "e":
        if (!current) return;
        var e = current.querySelector("a[data-edit]");
        if (e) window.location.href = e.href;
        break;
      default: return;
    }
  });
})();
