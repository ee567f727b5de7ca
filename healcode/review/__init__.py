"""Review a coding run in the browser: accept, reject and add codings, then export them.

``healcode review RUN`` serves a local page (Starlette + uvicorn, templates and assets
shipped with the package) whose decisions go to ``RUN/review.sqlite`` as they are made;
``healcode review RUN --export FILE`` writes them as a codings file for ``agree`` and
``learn``. Starlette, uvicorn and Jinja2 load only when a review is opened.
"""

from __future__ import annotations

from healcode.review.export import ExportResult, export_codings
from healcode.review.runview import ReviewRun, read_review_run
from healcode.review.store import STORE_NAME, ReviewStore

__all__ = [
    "STORE_NAME",
    "ExportResult",
    "ReviewRun",
    "ReviewStore",
    "export_codings",
    "read_review_run",
]
