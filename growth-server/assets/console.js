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

// Calendar: drag a post to another day; this posts the post's own reschedule form with the same
// time of day on the day it was dropped on (the form works without this).
(function () {
  "use strict";
  var dragged = null;
  document.addEventListener("dragstart", function (ev) {
    var li = ev.target.closest && ev.target.closest("li.entry[draggable]");
    if (!li || !li.querySelector("form[data-reschedule]")) return;
    dragged = li;
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", li.getAttribute("data-schedule") || "");
  });
  document.addEventListener("dragend", function () { dragged = null; });
  function dayOf(ev) { return dragged && ev.target.closest ? ev.target.closest("li[data-day]") : null; }
  document.addEventListener("dragover", function (ev) {
    var day = dayOf(ev);
    if (!day) return;
    ev.preventDefault();
    day.classList.add("over");
  });
  document.addEventListener("dragleave", function (ev) {
    var day = dayOf(ev);
    if (day) day.classList.remove("over");
  });
  document.addEventListener("drop", function (ev) {
    var day = dayOf(ev);
    if (!day) return;
    ev.preventDefault();
    day.classList.remove("over");
    var form = dragged.querySelector("form[data-reschedule]");
    var input = form.querySelector("input[name=at]");
    var time = (input.value.split("T")[1] || "09:00");
    input.value = day.getAttribute("data-day") + "T" + time;
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });
})();

// Upload: drop a file on the form, and see the upload's progress (the plain form works without
// this). The form is sent as it is (the same fields, the same CSRF token) with XHR; at the end the
// browser goes where the server sent it, or the error is shown.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector("input[type=file]");
  var hint = document.createElement("p");
  hint.className = "hint";
  hint.textContent = "Or drop a file on this form.";
  form.insertBefore(hint, input.nextSibling);
  ["dragenter", "dragover"].forEach(function (t) {
    form.addEventListener(t, function (ev) { ev.preventDefault(); form.classList.add("drop"); });
  });
  form.addEventListener("dragleave", function () { form.classList.remove("drop"); });
  form.addEventListener("drop", function (ev) {
    ev.preventDefault();
    form.classList.remove("drop");
    if (ev.dataTransfer && ev.dataTransfer.files.length) {
      input.files = ev.dataTransfer.files;
      hint.textContent = "Ready: " + ev.dataTransfer.files[0].name;
    }
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var bar = form.querySelector("progress") || document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload progress");
    form.appendChild(bar);
    var old = form.querySelector("p.error");
    if (old) old.remove();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300) { window.location.href = xhr.responseURL || "/ui/sources"; return; }
      button.disabled = false;
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var msg = doc.querySelector("p.error");
      var p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      p.textContent = msg ? msg.textContent : "The upload failed (" + xhr.status + ").";
      form.appendChild(p);
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      var p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      p.textContent = "The upload did not reach the server.";
      form.appendChild(p);
    });
    xhr.send(new FormData(form));
  });
})();

// Edit autosave: 2 s after the last keystroke the edit form is posted in the background with the
// version it shows (the server saves only over that version, like If-Match); the version field
// then moves on. On a conflict a notice offers the page with both versions (the plain save of the
// same form). Plain save works without this.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var version = form.querySelector("input[name=version]");
  var button = form.querySelector("button[data-save]");
  var status = document.createElement("p");
  status.className = "hint autosave";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  form.appendChild(status);
  function snapshot() { return new URLSearchParams(new FormData(form)).toString(); }
  var saved = snapshot();
  var timer = null;
  var busy = false;
  var stopped = false;
  function save() {
    timer = null;
    if (stopped) return;
    if (busy) { timer = setTimeout(save, 500); return; }
    var body = snapshot();
    if (body === saved) return;
    busy = true;
    status.textContent = "Saving…";
    var params = new URLSearchParams(body);
    params.set("autosave", "1");
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: params.toString()
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, json: j }; }, function () { return { status: r.status, json: {} }; });
    }).then(function (a) {
      busy = false;
      if (a.status === 200 && a.json.version) {
        version.value = a.json.version;
        saved = snapshot();
        if (button) button.textContent = "Save (as version " + (a.json.version + 1) + ")";
        status.textContent = "Saved version " + a.json.version + " at " + new Date().toLocaleTimeString() + ".";
        form.setAttribute("data-saved-version", a.json.version);
      } else if (a.status === 409) {
        stopped = true;
        status.textContent = "";
        var p = document.createElement("p");
        p.className = "error";
        p.setAttribute("role", "alert");
        p.appendChild(document.createTextNode("Someone saved version " + a.json.version + " while you were editing; autosave stopped. "));
        var show = document.createElement("button");
        show.type = "submit";
        show.textContent = "See both versions";
        p.appendChild(show);
        status.parentNode.insertBefore(p, status);
      } else {
        status.textContent = "Not saved: " + (a.json.error || ("error " + a.status)) + ". Use Save.";
      }
    }, function () {
      busy = false;
      status.textContent = "Not saved (no connection). Use Save.";
    });
  }
  form.addEventListener("input", function () {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 2000);
  });
  form.addEventListener("submit", function () { stopped = true; if (timer) clearTimeout(timer); });
})();
