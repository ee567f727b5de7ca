"""Text as LaTeX prints it, for every table healcode writes in LaTeX (paper tables, the
codebook appendix)."""

from __future__ import annotations

# The ten characters LaTeX reserves, and three that the OT1 encoding would misprint.
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def escape_latex(text: str) -> str:
    """Escape LaTeX's special characters, with each run of whitespace (line breaks too) one
    space, as a table cell needs; CJK characters pass through unchanged."""
    return "".join(_ESCAPES.get(char, char) for char in " ".join(text.split()))
