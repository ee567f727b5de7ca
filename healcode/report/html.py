"""Render a coding run as one self-contained HTML page.

Everything the page needs is inside it (stylesheet, script, charts as SVG), and a
Content-Security-Policy forbids any request, so it opens offline and from e-mail.
Every piece of text from the run is escaped with ``html.escape``.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from healcode.colors import theme_color, tint
from healcode.report import svg
from healcode.report.assets import CSS, JS
from healcode.run import rows_of
from healcode.run.transcripts import DocumentView, HitView, UnitView, split_marks

if TYPE_CHECKING:
    from healcode.run import Run

# Above this much transcript text, transcripts and excerpt lists start closed, so the
# browser lays out only what the reader opens.
OPEN_LIMIT = 400_000
PATTERN_SHOWN = 48  # characters of a regular expression shown in a tooltip
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True, slots=True)
class ThemeStyle:
    index: int
    id: str
    label: str
    color: str


def render_report(run: Run) -> str:
    """The whole report.html; the same run directory always gives the same bytes."""
    # A large corpus makes hundreds of thousands of small acyclic records; the cyclic
    # garbage collector would rescan them over and over (half the time at 1,000 documents).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _render_report(run)
    finally:
        if enabled:
            gc.enable()


def _render_report(run: Run) -> str:
    from healcode.run.transcripts import rebuild_documents

    documents = rebuild_documents(run)
    styles = {
        t.path: ThemeStyle(i, t.path, t.label, theme_color(i)) for i, t in enumerate(run.themes)
    }
    labels = {
        **{f"code:{info.path}": info.label for info in run.codes},
        **{info.path: info.label for info in run.themes},
    }
    anchors = {d: f"d{i}" for i, d in enumerate(run.document_ids)}
    small = sum(d.chars for d in documents) <= OPEN_LIMIT
    page = _Page(run, documents, styles, labels, anchors, small)
    return page.render()


class _Page:
    def __init__(
        self,
        run: Run,
        documents: list[DocumentView],
        styles: dict[str, ThemeStyle],
        labels: dict[str, str],
        anchors: dict[str, str],
        small: bool,
    ) -> None:
        self.run = run
        self.documents = documents
        self.styles = styles
        self.labels = labels
        self.anchors = anchors
        self.small = small

    # ---------------------------------------------------------------- page
    def render(self) -> str:
        manifest = self.run.manifest
        name = str((manifest.get("codebook") or {}).get("name") or "codebook")
        corpus = self.run.corpus_name
        title = f"healcode report: {corpus} × {name}"
        counts = manifest.get("counts") or {}
        review = self._review_section()
        parts = [
            '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<meta name="generator" content="healcode">\n',
            f"<title>{escape(title)}</title>\n<style>{CSS}{self._theme_css()}</style>\n",
            "</head>\n<body>\n",
            '<header class="top"><h1>healcode report</h1>',
            f"<p>{escape(corpus)} · {escape(name)} · "
            f"{counts.get('documents', len(self.documents))} documents · "
            f"coded {escape(str(manifest.get('created', '')))}</p></header>\n",
            '<nav><a href="#run">Run</a><a href="#frequencies">Frequencies</a>',
            '<a href="#review">Review</a>' if review else "",
            '<a href="#charts">Charts</a><a href="#themes">Excerpts by theme</a>'
            '<a href="#transcripts">Transcripts</a><a href="#codebook">Codebook</a></nav>\n',
            "<main>\n",
            self._run_section(),
            self._frequency_section(),
            review,
            self._chart_section(),
            self._theme_section(),
            self._transcript_section(),
            self._codebook_section(),
            '</main>\n<div id="pop" hidden></div>\n',
            f"<script>{JS}</script>\n</body>\n</html>\n",
        ]
        return "".join(parts)

    def _theme_css(self) -> str:
        rules = [
            f".t{s.index} {{ --c: {s.color}; --tint: {tint(s.color, 0.16)}; "
            f"--mark: {tint(s.color, 0.42)}; }}"
            for s in self.styles.values()
        ]
        return "\n".join(rules) + "\n"

    def _code_label(self, path: str) -> str:
        return self.labels.get(f"code:{path}", path)

    def _swatch(self, theme: str) -> str:
        style = self.styles.get(theme)
        return f'<span class="sw t{style.index}"></span>' if style else ""

    # ---------------------------------------------------------------- run
    def _run_section(self) -> str:
        manifest = self.run.manifest
        book = manifest.get("codebook") or {}
        segmenter = manifest.get("segmenter") or {}
        options = manifest.get("options") or {}
        counts = manifest.get("counts") or {}
        inputs = manifest.get("inputs") or []
        rows: list[tuple[str, str]] = [
            (
                "Corpus",
                f"{escape(self.run.corpus_name)} "
                f'<span class="muted">({len(inputs)} input file(s))</span>',
            ),
            (
                "Codebook",
                f"{escape(str(book.get('name', '')))} "
                f'<span class="muted" title="{escape(str(book.get("path", "")))}">'
                f"{escape(PurePath(str(book.get('path', ''))).name)}</span>",
            ),
            ("Codebook SHA-256", f"<code>{escape(str(book.get('sha256', '')))}</code>"),
            ("Segmenter", escape(f"{segmenter.get('name', '')} {segmenter.get('version', '')}")),
            ("Learned model", _model_line(manifest.get("model"))),
            (
                "Options",
                "; ".join(
                    f"{escape(str(k))} = <code>{escape(_option(v))}</code>"
                    for k, v in options.items()
                ),
            ),
            ("Coded on", escape(str(manifest.get("created", "")))),
            ("healcode", escape(str(manifest.get("healcode", "")))),
            (
                "Counts",
                ", ".join(
                    f"{escape(str(v))} {escape(str(k).replace('_', ' '))}"
                    for k, v in counts.items()
                ),
            ),
        ]
        metadata = self.run.metadata_columns
        if metadata:
            rows.append(("Metadata", ", ".join(escape(c) for c in metadata)))
        html = ['<section id="run"><h2>Run</h2><dl class="run">']
        html.extend(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
        html.append("</dl>")
        if inputs:
            html.append(
                '<details class="small"><summary>Input files</summary><table class="data">'
                '<thead><tr><th>File</th><th>Encoding</th><th class="num">Documents</th>'
                "<th>SHA-256</th></tr></thead><tbody>"
            )
            for item in inputs:
                path = str(item.get("path", ""))
                html.append(
                    f'<tr><td title="{escape(path)}">{escape(PurePath(path).name)}</td>'
                    f"<td>{escape(str(item.get('encoding', '')))}</td>"
                    f'<td class="num">{escape(str(item.get("documents", "")))}</td>'
                    f"<td><code>{escape(str(item.get('sha256', ''))[:16])}…</code></td></tr>"
                )
            html.append("</tbody></table></details>")
        for reason in manifest.get("skipped") or []:
            html.append(f'<p class="warn">Skipped by the run: {escape(str(reason))}</p>')
        for warning in self.run.warnings:
            html.append(f'<p class="warn">{escape(warning)}</p>')
        html.append("</section>\n")
        return "".join(html)

    # ---------------------------------------------------------------- frequencies
    def _frequency_section(self) -> str:
        head = (
            '<thead><tr><th data-num title="Codebook order">Theme / code</th><th>Path</th>'
            '<th class="num" title="Coded units">References</th>'
            '<th class="num" title="Documents with at least one reference">Documents</th>'
            '<th class="num">% documents</th><th class="num" title="Matched terms">Hits</th>'
            '<th class="num" title="Hits per 10,000 characters of coded speech">'
            "Hits / 10k chars</th></tr></thead>"
        )
        rows = []
        for order, row in enumerate(self.run.frequencies.itertuples(index=False)):
            theme_row = row.level == "theme"
            path = str(row.theme if theme_row else row.code)
            swatch = self._swatch(str(row.theme)) if theme_row else ""
            rows.append(
                f'<tr class="{row.level}" data-level="{row.level}" data-id="{escape(path)}">'
                f'<td class="name" data-v="{order}">{swatch}'
                f"{escape(str(row.label))}</td><td><code>{escape(path)}</code></td>"
                f'<td class="num">{row.references}</td><td class="num">{row.documents}</td>'
                f'<td class="num">{row.documents_pct:.1f}</td><td class="num">{row.hits}</td>'
                f'<td class="num">{row.per_10k_chars:.2f}</td></tr>'
            )
        return (
            '<section id="frequencies"><h2>Theme and code frequencies</h2>'
            '<p class="muted small">References are coded units (a theme counts the units of '
            "all its codes once); documents are the documents with at least one reference. "
            "Click a column heading to sort; “Theme / code” restores codebook order.</p>"
            f'<table class="data sortable" id="frequency-table">{head}<tbody>'
            + "".join(rows)
            + "</tbody></table></section>\n"
        )

    # ---------------------------------------------------------------- review
    def _review_section(self) -> str:
        """How the reviewers judged the run's codings, when the run has a review.sqlite."""
        from healcode.errors import ReviewError
        from healcode.review.runview import machine_proposals
        from healcode.review.state import summarize_review

        run = self.run
        # the run's codings as the review page and the export count them: not negated
        machine, texts = machine_proposals(run)
        try:
            summary = summarize_review(run.path, machine, texts, [t.path for t in run.themes])
        except ReviewError as exc:
            return (
                f'<section id="review"><h2>Review</h2><p class="warn">{escape(str(exc))}'
                "</p></section>\n"
            )
        if summary is None:
            return ""
        html = [
            '<section id="review"><h2>Review</h2><p class="muted small">Decisions made with '
            "<code>healcode review</code> (review.sqlite): the run's codings each reviewer "
            "accepted or rejected, and the codings they added. A negated hit is not a coding: "
            "it is not counted as coded, and counts as added where the reviewer coded it. "
            "Precision is the share of decided codings that were accepted: the run's "
            "precision as the reviewer judged it.</p>"
        ]
        if summary.stale:
            html.append(
                f'<p class="warn">{summary.stale} decision(s) were made on units whose '
                "text has changed since (the run was coded again); they are left out.</p>"
            )
        if summary.ignored:
            html.append(f'<p class="warn">{escape(summary.ignored_note)}.</p>')
        if not summary.reviewers:
            html.append('<p class="muted">No decisions yet.</p>')
        for reviewer in summary.reviewers:
            html.append(
                f'<h3>{escape(reviewer.reviewer)} <span class="muted small">'
                f"{reviewer.reviewed_units} unit{'' if reviewer.reviewed_units == 1 else 's'} "
                "reviewed</span></h3>"
                '<table class="data review"><thead><tr><th>Theme</th>'
                '<th class="num" title="Codings the run made (negated hits are none)">Coded</th>'
                '<th class="num">Accepted</th><th class="num">Rejected</th>'
                '<th class="num">Not yet decided</th>'
                '<th class="num" title="Codings the run missed">Added</th>'
                '<th class="num" title="Accepted / (accepted + rejected)">Precision</th>'
                "</tr></thead><tbody>"
            )
            for theme in reviewer.themes:
                precision = "–" if theme.precision is None else f"{theme.precision:.2f}"
                html.append(
                    f'<tr><td class="name">{self._swatch(theme.theme)}'
                    f"{escape(self.labels.get(theme.theme, theme.theme))}</td>"
                    f'<td class="num">{theme.machine}</td><td class="num">{theme.accepted}</td>'
                    f'<td class="num">{theme.rejected}</td>'
                    f'<td class="num">{theme.undecided}</td>'
                    f'<td class="num">{theme.added}</td><td class="num">{precision}</td></tr>'
                )
            html.append("</tbody></table>")
        html.append("</section>\n")
        return "".join(html)

    # ---------------------------------------------------------------- charts
    def _chart_section(self) -> str:
        run = self.run
        themes = [t.path for t in run.themes]
        theme_rows = run.frequencies[run.frequencies["level"] == "theme"]
        bars = [
            svg.Bar(
                str(label),
                int(references),
                f"{references} · {documents} doc. ({documents_pct:g}%)",
                self.styles[str(theme)].color,
                f"#theme-{theme}",
            )
            for theme, label, references, documents, documents_pct in rows_of(
                theme_rows, "theme", "label", "references", "documents", "documents_pct"
            )
        ]
        bar = svg.bar_chart(bars, title="Theme frequencies (references)")
        matrix = run.matrix
        present = [t for t in themes if t in matrix.columns]
        values = [[int(v) for v in line] for line in matrix[present].itertuples(index=False)]
        heat = svg.heat_map(
            list(run.document_ids),
            [self.labels[t] for t in present],
            values,
            title="References per theme and document",
            row_links=[f"#{self.anchors[d]}" for d in run.document_ids],
            column_colors=[self.styles[t].color for t in present],
        )
        co = run.cooccurrence
        order = [t for t in themes if t in co.columns and t in set(co["theme"])]
        by_theme = {row[0]: row[1:] for row in co[["theme", *order]].itertuples(index=False)}
        co_values = [[int(v) for v in by_theme[t]] for t in order]
        cooccurrence = svg.heat_map(
            [self.labels[t] for t in order],
            [self.labels[t] for t in order],
            co_values,
            title="Theme co-occurrence (units coded with both)",
            column_colors=[self.styles[t].color for t in order],
            diagonal=True,
        )
        return (
            '<section id="charts"><h2>Charts</h2>'
            "<figure><figcaption>Theme frequencies (references; documents)</figcaption>"
            f"{bar}</figure>"
            "<figure><figcaption>Themes × documents (references)</figcaption>"
            f'<div class="scroll">{heat}</div></figure>'
            "<figure><figcaption>Theme co-occurrence (units coded with both; the diagonal, "
            f"grey, is each theme's own units)</figcaption>{cooccurrence}</figure></section>\n"
        )

    # ---------------------------------------------------------------- excerpts
    def _theme_section(self) -> str:
        units: dict[tuple[str, int], tuple[str, UnitView]] = {}
        for transcript in self.documents:
            for turn in transcript.turns:
                for unit in turn.units:
                    units[(transcript.id, unit.index)] = (turn.speaker, unit)
        by_theme: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for document, unit, theme in rows_of(self.run.excerpts, "document", "unit", "theme"):
            key = (document, int(unit))
            if not by_theme[theme] or by_theme[theme][-1] != key:
                by_theme[theme].append(key)
        html = [
            '<section id="themes"><h2>Excerpts by theme</h2>'
            '<p class="muted small">Each coded unit once per theme, with its codes; the matched '
            "terms are highlighted. The link opens the place in the transcript.</p>"
        ]
        for info in self.run.themes:
            keys = by_theme.get(info.path, [])
            documents = len({d for d, _ in keys})
            html.append(
                f'<details class="theme" id="theme-{escape(info.path)}"><summary><h3>'
                f"{self._swatch(info.path)}{escape(info.label)}</h3> "
                f'<span class="muted">{len(keys)} excerpt(s) in {documents} document(s)</span>'
                f"</summary>"
            )
            if info.definition:
                html.append(f'<p class="small muted">{escape(info.definition)}</p>')
            html.append('<ol class="excerpts body">')
            for document, index in keys:
                speaker, unit = units[(document, index)]
                codings = [c for c in unit.codings if c.theme == info.path]
                badges = "".join(
                    f' <span class="badge{" neg" if c.negated else ""}">'
                    f"{escape(self._code_label(c.code))}{' · negated' if c.negated else ''}"
                    "</span>"
                    for c in codings
                )
                hits = tuple(h for h in unit.hits if h.theme == info.path)
                text = self._marked(
                    UnitView(unit.index, unit.start, unit.end, unit.text, unit.coded, hits)
                )
                html.append(
                    f'<li><span class="where"><a href="#{self.anchors[document]}-u{index}">'
                    f"{escape(document)} · unit {index}</a> · {escape(speaker)}</span>{badges}"
                    f'<span class="say">{text}</span></li>'
                )
            html.append("</ol></details>")
        html.append("</section>\n")
        return "".join(html)

    # ---------------------------------------------------------------- transcripts
    def _transcript_section(self) -> str:
        legend = "".join(
            f"<span>{self._swatch(s.id)}{escape(s.label)}</span>" for s in self.styles.values()
        )
        html = [
            '<section id="transcripts"><h2>Transcripts</h2>',
            f'<div class="legend">{legend}'
            '<span><mark class="h neg t0">struck through</mark> = negated hit</span></div>',
            '<p class="muted small">Coded passages are tinted in their theme\'s colour and the '
            "matched terms are marked; hover over or click a passage for its codes and terms. "
            "Speech that was not coded (the interviewer's, by default) is grey. A transcript is "
            "shown as its units from units.csv: header lines and speaker markers are not "
            "repeated.</p>",
            '<p class="noprint"><button type="button" id="open-all" '
            f'data-open="{"1" if self.small else "0"}">'
            f"{'Close' if self.small else 'Open'} all transcripts</button></p>",
        ]
        for document in self.documents:
            html.append(self._document(document))
        html.append("</section>\n")
        return "".join(html)

    def _document(self, document: DocumentView) -> str:
        anchor = self.anchors[document.id]
        meta = " · ".join(f"{escape(k)}: {escape(v)}" for k, v in document.meta.items() if v)
        units = sum(len(t.units) for t in document.turns)
        parts = [
            f'<details class="doc" id="{anchor}"{" open" if self.small else ""}><summary>'
            f"<h3>{escape(document.id)}</h3> "
            f'<span class="muted small">{meta + " · " if meta else ""}{units} units · '
            f"{document.coded_units} coded passages</span></summary>",
            '<div class="body">',
        ]
        if not document.turns:
            parts.append('<p class="muted">No units: nothing in this document was coded.</p>')
        for turn in document.turns:
            coded = any(u.coded for u in turn.units)
            note = "" if coded else '<span class="nc">not coded</span>'
            parts.append(
                f'<div class="turn{"" if coded else " out"}" data-role="{escape(turn.role)}">'
                f'<div class="spk">{escape(turn.speaker) or "—"}{note}</div><div class="say">'
            )
            for i, unit in enumerate(turn.units):
                if i and turn.gaps[i - 1]:
                    parts.append(" ")
                parts.append(self._unit(anchor, unit))
            parts.append("</div></div>")
        parts.append("</div></details>")
        return "".join(parts)

    def _unit(self, anchor: str, unit: UnitView) -> str:
        if not unit.codings:
            return self._marked(unit)
        themes = list(dict.fromkeys(c.theme for c in unit.codings))
        first = self.styles.get(themes[0])
        classes = f"cu t{first.index}" if first else "cu"
        style = ""
        if len(themes) > 1:
            # one horizontal band per theme, so a unit with two themes shows both colours
            stops = []
            step = 100 / len(themes)
            for i, theme in enumerate(themes):
                s = self.styles.get(theme)
                color = tint(s.color, 0.22) if s else "#eee"
                stops.append(f"{color} {i * step:.0f}% {(i + 1) * step:.0f}%")
            style = f' style="background:linear-gradient({", ".join(stops)})"'
        info = self._unit_info(unit)
        return (
            f'<span class="{classes}" id="{anchor}-u{unit.index}" title="{escape(info)}"{style}>'
            f"{self._marked(unit)}</span>"
        )

    def _unit_info(self, unit: UnitView) -> str:
        lines = []
        for coding in unit.codings:
            hits = [h for h in unit.hits if h.code == coding.code]
            found = ", ".join(dict.fromkeys(_hit_text(unit, h) for h in hits)) or coding.terms
            theme = self.labels.get(coding.theme, coding.theme)
            path = f"{theme} › {self._code_label(coding.code)}"
            lines.append(f"{path}: {found}{' (negated)' if coding.negated else ''}")
        return "\n".join(lines)

    def _marked(self, unit: UnitView) -> str:
        if not unit.hits:
            return escape(unit.text)
        out = []
        for piece, hits in split_marks(unit):
            if not hits:
                out.append(escape(piece))
                continue
            top = hits[-1]  # the innermost (shortest, latest-starting) hit decides the colour
            style = self.styles.get(top.theme)
            negated = all(h.negated for h in hits)
            # no title of its own: hovering shows the passage's, which names every hit
            out.append(
                f'<mark class="h{" neg" if negated else ""} t{style.index if style else 0}" '
                f'data-theme="{escape(top.theme)}">{escape(piece)}</mark>'
            )
        return "".join(out)

    # ---------------------------------------------------------------- codebook
    def _codebook_section(self) -> str:
        run = self.run
        html = ['<section id="codebook"><h2>Appendix: the codebook</h2>']
        book = run.codebook
        if book is None:
            html.append(
                '<p class="warn">The codebook file was not available unchanged, so only the '
                "labels recorded in frequencies.csv are shown.</p><ul>"
            )
            for info in run.themes:
                html.append(
                    f"<li>{self._swatch(info.path)}{escape(info.label)} "
                    f"<code>{escape(info.path)}</code></li>"
                )
            html.append("</ul></section>\n")
            return "".join(html)
        header = [f"<p><strong>{escape(book.name)}</strong></p>"]
        if book.source:
            header.append(f'<p class="small muted">{escape(book.source)}</p>')
        if book.description:
            header.append(f"<p>{escape(book.description)}</p>")
        # the window the run used (--negation-window may differ from the codebook's)
        window = self.run.options.get("negation_window", book.negation_window)
        joiner = "、" if book.language.startswith("zh") else ", "
        header.append(
            f'<p class="small">Negators: {escape(joiner.join(book.negators))} '
            f"(window: {escape(str(window))} tokens)</p>"
        )
        html.extend(header)
        for theme in book.themes:
            style = self.styles.get(theme.id)
            css = f" t{style.index}" if style else ""
            html.append(
                f'<div class="cb{css}"><h3>{self._swatch(theme.id)}{escape(theme.label)} '
                f'<span class="muted">{escape(theme.label_en)}</span> '
                f"<code>{escape(theme.id)}</code></h3>{_node_details(theme)}"
            )
            for code in theme.codes:
                html.append(
                    f'<div class="code"><h3>{escape(code.label)} '
                    f'<span class="muted">{escape(code.label_en)}</span> '
                    f"<code>{escape(theme.id)}/{escape(code.id)}</code></h3>"
                    f"{_node_details(code)}</div>"
                )
            html.append("</div>")
        html.append("</section>\n")
        return "".join(html)


def _node_details(node: Any) -> str:
    rows = [
        ("Definition", node.definition),
        ("When to use", node.when_to_use),
        ("When not to use", node.when_not_to_use),
        ("Example", node.example),
    ]
    parts = ['<dl class="cb">']
    parts.extend(f"<dt>{k}</dt><dd>{escape(v)}</dd>" for k, v in rows if v)
    if node.terms:
        parts.append(f'<dt>Terms</dt><dd class="terms">{_chips(node.terms)}</dd>')
    if node.patterns:
        parts.append(f'<dt>Patterns</dt><dd class="terms mono">{_chips(node.patterns)}</dd>')
    if node.exclude:
        parts.append(f'<dt>Excluded</dt><dd class="terms">{_chips(node.exclude)}</dd>')
    parts.append(f"<dt>Negated hits</dt><dd>{escape(node.negation)}</dd></dl>")
    return "".join(parts)


def _chips(items: Iterable[str]) -> str:
    return "".join(f"<span>{escape(item)}</span>" for item in items)


def _hit_text(unit: UnitView, hit: HitView) -> str:
    matched = unit.text[hit.start : hit.end]
    if hit.term == matched:
        return matched
    term = hit.term if len(hit.term) <= PATTERN_SHOWN else hit.term[:PATTERN_SHOWN] + "…"
    return f"{matched} ← {term}"


def _model_line(model: Any) -> str:
    """The learned model that coded beside the dictionary, as the manifest records it."""
    if not isinstance(model, dict):
        return "none (the dictionary alone)"
    name = PurePath(str(model.get("path") or "")).name or "a model"
    return (
        f'{escape(name)} <span class="muted">({escape(str(model.get("level", "")))} level; '
        f"SHA-256 <code>{escape(str(model.get('sha256', ''))[:12])}…</code>)</span>"
    )


def _option(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)
