"""The report's stylesheet and script, inlined into report.html (no file, no request)."""

from __future__ import annotations

FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    "sans-serif"
)

CSS = """
:root { --ink: #1d2330; --muted: #5f6673; --line: #dde1e8; --panel: #f5f6f8;
  --accent: #1f3a5f; font-family: __FONT__; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.65; font-size: 15px; }
a { color: #1a5fb4; text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { background: var(--accent); color: #fff; padding: 18px 32px 14px; }
header.top h1 { margin: 0; font-size: 24px; font-weight: 600; }
header.top p { margin: 4px 0 0; opacity: .85; }
nav { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid var(--line);
  padding: 6px 32px; font-size: 14px; }
nav a { margin-right: 18px; }
main { max-width: 1120px; margin: 0 auto; padding: 0 32px 80px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: .88em; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 0; }
dl.run dt { color: var(--muted); }
dl.run dd { margin: 0; overflow-wrap: anywhere; }
.warn { background: #fff4e5; border-left: 4px solid #e69f00; padding: 6px 12px; margin: 10px 0; }
table.data { border-collapse: collapse; font-size: 14px; }
table.data th, table.data td { padding: 4px 12px; border-bottom: 1px solid var(--line);
  text-align: left; }
table.data thead th { border-bottom: 2px solid #9aa3b0; white-space: nowrap; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; }
table.sortable thead th { cursor: pointer; user-select: none; }
table.sortable thead th:hover { background: var(--panel); }
th[aria-sort="ascending"]::after { content: " \\25B2"; font-size: .7em; }
th[aria-sort="descending"]::after { content: " \\25BC"; font-size: .7em; }
tr.theme td { font-weight: 600; background: var(--panel); }
tr.code td.name { padding-left: 34px; }
td.name { white-space: nowrap; }
.sw { display: inline-block; width: .85em; height: .85em; border-radius: 2px; margin-right: 7px;
  vertical-align: -1px; background: var(--c); }
figure { margin: 12px 0 24px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
.scroll { overflow: auto; max-height: 70vh; border: 1px solid var(--line); padding: 6px; }
svg.chart { display: block; max-width: none; font-family: __FONT__; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0 14px; font-size: 14px; }
.cu { background: var(--tint); border-radius: 3px; cursor: pointer;
  -webkit-box-decoration-break: clone; box-decoration-break: clone; }
mark.h { background: var(--mark); color: inherit; border-bottom: 2px solid var(--c);
  border-radius: 2px; padding: 0 1px; }
mark.neg { text-decoration: line-through wavy var(--c); text-decoration-thickness: 1px;
  background: repeating-linear-gradient(135deg, var(--mark) 0 4px, #fff 4px 7px); }
.badge { display: inline-block; font-size: 11px; line-height: 1.4; padding: 0 6px;
  border-radius: 9px; border: 1px solid #999; color: #555; vertical-align: 1px; }
.badge.neg { border-color: #b00020; color: #b00020; }
details.doc, details.theme { border: 1px solid var(--line); border-radius: 6px; margin: 10px 0;
  padding: 0 16px; }
details > summary { cursor: pointer; padding: 8px 0; }
details.doc > summary h3, details.theme > summary h3 { display: inline; font-size: 16px;
  margin: 0; }
.body { content-visibility: auto; contain-intrinsic-size: auto 1500px; padding-bottom: 10px; }
.turn { display: grid; grid-template-columns: 7.5em 1fr; gap: 14px; padding: 4px 0;
  border-top: 1px dotted #eceef2; }
.spk { color: var(--muted); text-align: right; font-weight: 600; font-size: 13px; padding-top: 2px;
  overflow-wrap: anywhere; }
.spk .nc { display: block; font-weight: 400; font-size: 11px; color: #9aa0a8; }
.say { white-space: pre-line; } /* a unit of a whole turn keeps its line breaks */
.turn.out .say { color: #80868f; }
ol.excerpts { margin: 0; padding-left: 0; list-style: none; }
ol.excerpts li { padding: 6px 0; border-top: 1px dotted #e3e6ea; }
ol.excerpts .where { font-size: 13px; color: var(--muted); }
ol.excerpts .say { display: block; }
dl.cb { display: grid; grid-template-columns: 9.5em 1fr; gap: 3px 14px; margin: 4px 0 16px; }
dl.cb dt { color: var(--muted); }
dl.cb dd { margin: 0; }
.cb h3 { font-size: 15px; margin: 18px 0 4px; }
.cb .terms span { display: inline-block; background: var(--panel); border: 1px solid var(--line);
  border-radius: 4px; padding: 0 6px; margin: 2px 4px 2px 0; font-size: 13px; }
.cb .code { margin-left: 22px; border-left: 3px solid var(--c); padding-left: 14px; }
.flash { outline: 3px solid #f5a623; outline-offset: 2px; }
[id] { scroll-margin-top: 52px; } /* below the sticky navigation */
#pop { position: fixed; right: 18px; bottom: 18px; max-width: 460px; z-index: 10; background: #fff;
  border: 1px solid #9aa3b0; border-radius: 6px; box-shadow: 0 6px 20px rgba(0,0,0,.18);
  padding: 10px 14px; white-space: pre-line; font-size: 14px; }
@media print {
  nav, #pop, .noprint { display: none !important; }
  header.top { background: none; color: #000; padding: 0; }
  main { max-width: none; padding: 0; }
  .scroll { max-height: none; overflow: visible; border: none; }
  details.doc, details.theme { border: none; padding: 0; }
  .cu, mark.h, .sw, svg.chart rect { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .turn { break-inside: avoid; }
  h2 { break-after: avoid; }
}
""".replace("__FONT__", FONT_STACK)

# Sorting, the click-for-details box for coded passages, and opening the <details>
# that hold a link's target. Plain ES5-level DOM code: no library, no network.
JS = """
(function () {
  "use strict";
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.getAttribute("data-v");
    if (raw === null) raw = cell.textContent;
    return numeric ? parseFloat(raw) : raw;
  }
  function sortBy(th) {
    var table = th.closest("table"), body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.classList.contains("num") || th.hasAttribute("data-num");
    var current = th.getAttribute("aria-sort");
    // first click: numbers largest first, text (and the codebook-order column) A to Z
    var ascending = current ? current !== "ascending" : (!numeric || th.hasAttribute("data-num"));
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      var order = numeric ? x - y : String(x).localeCompare(String(y), "zh");
      return ascending ? order : -order;
    });
    Array.prototype.forEach.call(th.parentNode.children, function (h) {
      h.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable thead th").forEach(function (th) {
    th.addEventListener("click", function () { sortBy(th); });
  });

  var pop = document.getElementById("pop");
  document.addEventListener("click", function (event) {
    var unit = event.target.closest ? event.target.closest(".cu") : null;
    if (!unit || !pop) { if (pop) pop.hidden = true; return; }
    pop.textContent = unit.getAttribute("title");
    pop.hidden = false;
  });

  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (!target) return;
    for (var d = target.closest("details"); d; d = d.parentElement.closest("details")) {
      d.open = true;
    }
    target.scrollIntoView({ block: target.tagName === "SPAN" ? "center" : "start" });
    target.classList.add("flash");
    setTimeout(function () { target.classList.remove("flash"); }, 2500);
  }
  window.addEventListener("hashchange", reveal);
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (link && link.getAttribute("href") === location.hash) setTimeout(reveal, 0);
  });
  reveal();
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
  var all = document.getElementById("open-all");
  if (all) all.addEventListener("click", function () {
    var open = all.getAttribute("data-open") !== "1";
    document.querySelectorAll("#transcripts details.doc").forEach(function (d) { d.open = open; });
    all.setAttribute("data-open", open ? "1" : "0");
    all.textContent = open ? "Close all transcripts" : "Open all transcripts";
  });
})();
"""
