/* healcode review: keyboard shortcuts and decisions sent to the server.
   The page works without this script for reading; decisions need it. */
(function () {
  "use strict";
  var root = document.getElementById("document");
  if (!root) { return; }
  var token = document.querySelector('meta[name="healcode-token"]').content;
  var documentId = root.dataset.document;
  var transcript = document.getElementById("transcript");
  var note = document.getElementById("note");
  var toastTimer = null;
  var current = null;

  function units() { return Array.prototype.slice.call(transcript.querySelectorAll(".unit.rv")); }
  function codings(unit) { return Array.prototype.slice.call(unit.querySelectorAll(".coding:not(.added)")); }

  function toast(message) {
    var box = document.getElementById("toast");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 3500);
  }

  function selected(unit) { return unit ? unit.querySelector(".coding.sel") : null; }

  function select(unit, coding) {
    unit.querySelectorAll(".coding.sel").forEach(function (c) { c.classList.remove("sel"); });
    if (coding) { coding.classList.add("sel"); }
  }

  function firstUndecided(unit) {
    var list = codings(unit);
    for (var i = 0; i < list.length; i++) {
      if (!list[i].classList.contains("accept") && !list[i].classList.contains("reject")) { return list[i]; }
    }
    return list[0] || null;
  }

  function showPanel(unit) {
    var label = document.getElementById("current-unit");
    var defs = document.getElementById("current-defs");
    var hint = document.getElementById("current-hint");
    defs.textContent = "";
    if (!unit) { label.textContent = "—"; return; }
    label.textContent = "#" + unit.dataset.unit;
    hint.hidden = true;
    var codes = [];
    unit.querySelectorAll(".coding, .neghit").forEach(function (c) { codes.push(c.dataset.code); });
    codes.forEach(function (code) {
      var found = null;
      document.querySelectorAll(".codebook .def").forEach(function (d) {
        if (d.dataset.code === code) { found = d; }
      });
      if (found) {
        var copy = found.cloneNode(true);
        copy.querySelectorAll(".def.code").forEach(function (c) { c.remove(); });
        defs.appendChild(copy);
      }
    });
    var added = [];
    unit.querySelectorAll(".coding.added").forEach(function (c) { added.push(c.dataset.code); });
    document.querySelectorAll(".addtheme").forEach(function (b) {
      b.classList.toggle("on", added.indexOf(b.dataset.code) >= 0);
      b.setAttribute("aria-pressed", added.indexOf(b.dataset.code) >= 0 ? "true" : "false");
    });
    note.value = unit.dataset.note || "";
  }

  function setCurrent(unit, scroll) {
    if (current) { current.classList.remove("cur"); }
    current = unit;
    if (!unit) { showPanel(null); return; }
    unit.classList.add("cur");
    if (!selected(unit)) { select(unit, firstUndecided(unit)); }
    if (scroll) {
      unit.focus({ preventScroll: true });
      unit.scrollIntoView({ block: "center", behavior: "auto" });
    }
    showPanel(unit);
  }

  function move(step) {
    var list = units();
    if (!list.length) { return; }
    var at = current ? list.indexOf(current) : -1;
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(Math.max(at + step, 0), list.length - 1);
    setCurrent(list[next], true);
  }

  function moveCoding(step) {
    if (!current) { return; }
    var list = codings(current);
    if (!list.length) { return; }
    var at = list.indexOf(selected(current));
    select(current, list[Math.min(Math.max(at + step, 0), list.length - 1)]);
  }

  function updateProgress(counts) {
    ["coded_reviewed", "coded", "reviewed", "units"].forEach(function (key) {
      var el = document.getElementById(key.replace("_", "-"));
      if (el) { el.textContent = String(counts[key]); }
    });
  }

  function send(path, payload, unit, after) {
    payload.document = documentId;
    payload.unit = parseInt(unit.dataset.unit, 10);
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Healcode-Token": token },
      body: JSON.stringify(payload),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.error || response.statusText); }
        return body;
      });
    }).then(function (body) {
      var holder = document.createElement("div");
      holder.innerHTML = body.html;
      var fresh = holder.firstElementChild;
      var wasCurrent = unit === current;
      var selCode = selected(unit) ? selected(unit).dataset.code : null;
      unit.replaceWith(fresh);
      if (wasCurrent) {
        current = null;
        setCurrent(fresh, false);
        var keep = null;
        codings(fresh).forEach(function (c) { if (c.dataset.code === selCode) { keep = c; } });
        select(fresh, after ? after(fresh, keep) : keep);
      }
      updateProgress(body.progress);
      return fresh;
    }).catch(function (error) { toast("Not saved: " + error.message); });
  }

  function nextUndecidedAfter(unit, coding) {
    var list = codings(unit);
    var at = list.indexOf(coding);
    for (var i = at + 1; i < list.length; i++) {
      if (!list[i].classList.contains("accept") && !list[i].classList.contains("reject")) { return list[i]; }
    }
    return coding;
  }

  function decide(unit, coding, decision) {
    if (!coding) {
      toast(unit.querySelector(".neghit")
        ? "A negated hit is not a coding, so there is nothing to " + decision + ": press x (no code) or add its theme (1–9)"
        : "This unit has no coding to " + decision + ": add a theme (1–9) or press x");
      return;
    }
    var code = coding.dataset.code;
    send("/api/decision", { code: code, decision: decision }, unit, function (fresh, kept) {
      return kept ? nextUndecidedAfter(fresh, kept) : null;
    });
  }

  function toggleAdd(unit, code) {
    var exists = false;
    unit.querySelectorAll(".coding.added").forEach(function (c) { if (c.dataset.code === code) { exists = true; } });
    send("/api/decision", { code: code, decision: exists ? "clear" : "add" }, unit);
  }

  function toggleNone(unit) {
    var none = unit.querySelector(".nocode");
    send("/api/decision", { code: "", decision: none ? "clear" : "none" }, unit);
  }

  transcript.addEventListener("click", function (event) {
    var unit = event.target.closest(".unit.rv");
    if (!unit) { return; }
    var button = event.target.closest("button[data-action]");
    var coding = event.target.closest(".coding");
    if (unit !== current) { setCurrent(unit, false); }
    if (coding && !coding.classList.contains("added")) { select(unit, coding); }
    if (!button) { return; }
    var action = button.dataset.action;
    if (action === "accept" || action === "reject") {
      var state = coding.classList.contains(action);
      if (state) { send("/api/decision", { code: coding.dataset.code, decision: "clear" }, unit); }
      else { decide(unit, coding, action); }
    } else if (action === "clear") {
      send("/api/decision", { code: coding.dataset.code, decision: "clear" }, unit);
    } else if (action === "add") {  // a negated hit, coded after all
      send("/api/decision", { code: button.closest(".neghit").dataset.code, decision: "add" }, unit);
    } else if (action === "clear-none") {
      send("/api/decision", { code: "", decision: "clear" }, unit);
    }
  });

  document.querySelectorAll(".addtheme").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!current) { toast("Choose a unit first (j, or click it)"); return; }
      toggleAdd(current, button.dataset.code);
    });
  });
  document.getElementById("add-code").addEventListener("click", function () {
    if (!current) { toast("Choose a unit first (j, or click it)"); return; }
    send("/api/decision", { code: document.getElementById("code-select").value, decision: "add" }, current);
  });
  document.getElementById("no-code").addEventListener("click", function () {
    if (!current) { toast("Choose a unit first (j, or click it)"); return; }
    toggleNone(current);
  });
  note.addEventListener("change", function () {
    if (!current) { return; }
    var unit = current;
    send("/api/note", { note: note.value }, unit);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = event.target.tagName;
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT") {
      if (event.key === "Escape") { event.target.blur(); if (current) { current.focus({ preventScroll: true }); } }
      return;
    }
    var key = event.key;
    if (key === "j") { move(1); }
    else if (key === "k") { move(-1); }
    else if (key === "l") { moveCoding(1); }
    else if (key === "h") { moveCoding(-1); }
    else if (!current) {
      if ("ar123456789xnu".indexOf(key) >= 0 && key.length === 1) { toast("Choose a unit first (j, or click it)"); }
      return;
    }
    else if (key === "a") { decide(current, selected(current), "accept"); }
    else if (key === "r") { decide(current, selected(current), "reject"); }
    else if (key === "u") {
      var coding = selected(current);
      if (coding) { send("/api/decision", { code: coding.dataset.code, decision: "clear" }, current); }
    }
    else if (key === "x") { toggleNone(current); }
    else if (key === "n") { note.focus(); }
    else if (/^[1-9]$/.test(key)) {
      var button = document.querySelectorAll(".addtheme")[parseInt(key, 10) - 1];
      if (button) { toggleAdd(current, button.dataset.code); }
    }
    else { return; }
    event.preventDefault();
  });
}());
