"""Paper tables as LaTeX ``booktabs`` tables; Chinese text is left for xeCJK to set.

Each table is a complete ``table`` float. The document needs ``\\usepackage{booktabs}``
and, for Chinese, ``\\usepackage{xeCJK}`` with a CJK font, compiled with xelatex.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from healcode.latex import escape_latex

if TYPE_CHECKING:
    from healcode.export.tables import PaperTable

PREAMBLE = (
    "% Needs \\usepackage{booktabs}; Chinese text needs \\usepackage{xeCJK} and xelatex.\n"
    "% A table broken down by many groups may need a landscape page (pdflscape).\n"
)
WIDE = 8  # columns; wider tables are set smaller, with less space between columns


def latex_table(table: PaperTable, *, label: str) -> str:
    spec = "".join(
        "r" if table.is_numeric(i) else (r"p{0.34\linewidth}" if table.wraps(i) else "l")
        for i in range(len(table.columns))
    )
    lines = [
        r"\begin{table}[htbp]",
        r"  \centering",
    ]
    if len(table.columns) > WIDE:
        lines += [r"  \footnotesize", r"  \setlength{\tabcolsep}{4pt}"]
    lines += [
        f"  \\caption{{{escape_latex(table.caption)}}}",
        f"  \\label{{{label}}}",
        f"  \\begin{{tabular}}{{@{{}}{spec}@{{}}}}",
        r"    \toprule",
        "    " + " & ".join(escape_latex(c) for c in table.columns) + r" \\",
        r"    \midrule",
    ]
    for r in range(len(table.rows)):
        cells = [escape_latex(table.text(r, c)) for c in range(len(table.columns))]
        if table.is_strong(r):
            cells = [f"\\textbf{{{c}}}" if c else c for c in cells]
        lines.append("    " + " & ".join(cells) + r" \\")
    lines += [r"    \bottomrule", r"  \end{tabular}"]
    if table.note:
        lines.append(
            f"  \\par\\smallskip{{\\footnotesize\\emph{{Note.}} {escape_latex(table.note)}\\par}}"
        )
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def latex_tables(tables: Sequence[PaperTable]) -> str:
    return PREAMBLE + "\n".join(latex_table(t, label=f"tab:healcode-{t.name}") for t in tables)
