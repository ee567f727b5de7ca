"""The review web application (Starlette): pages rendered from templates, a small JSON API.

Pages are rendered on the server, so a document's text and codings are in its HTML.
Requests that change anything are JSON POSTs that must carry the session's token in a
header (another site open in the browser can neither read the token nor send that
header), come from the page's own origin, and name a unit of the run. Only the
application's own static files are served; the Host header must be the server's, which
stops a page elsewhere from reaching the server under another name (DNS rebinding).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from healcode.colors import tint
from healcode.review.pages import (
    MAX_THEME_KEYS,
    Filters,
    codebook_view,
    document_view,
    progress,
    total,
    unit_view,
)
from healcode.review.runview import ReviewRun
from healcode.review.state import (
    EMPTY,
    UnitState,
    ignored_decisions,
    ignored_message,
    unit_states,
)
from healcode.review.store import DECISIONS, MAX_NOTE, ReviewStore, remove_store

if TYPE_CHECKING:
    import jinja2
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

TOKEN_HEADER = "X-Healcode-Token"
MAX_BODY = 64 * 1024
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class ReviewSession:
    """A run, its decision store and the reviewer, for the lifetime of one server."""

    run: ReviewRun
    store: ReviewStore
    reviewer: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    created: bool = False  # review.sqlite was created by this review server
    machine: dict[tuple[str, int], list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.machine = self.run.machine_codes()  # the run's codings, not its negated hits

    def states(self, document: str | None = None) -> dict[tuple[str, int], UnitState]:
        return unit_states(
            self.store.decisions(self.reviewer, document=document),
            self.store.notes(self.reviewer, document=document),
            machine=self.machine,
        )

    def warnings(self) -> list[str]:
        """The run's warnings, and the reviewer's decisions that are left out."""
        ignored = ignored_decisions(self.store.decisions(self.reviewer), self.machine)
        return [*self.run.warnings, *([ignored_message(ignored)] if ignored else [])]

    def close(self, *, failed: bool = False) -> None:
        """Close the store; after a failed start, remove a review.sqlite this server
        created (and nothing was decided in), so that the run folder is as it was."""
        store = self.store
        discard = failed and self.created and not store.decisions() and not store.notes()
        store.close()
        if discard:
            remove_store(store.path)


def create_app(
    session: ReviewSession,
    *,
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
) -> Starlette:
    """The application of one review session; ``hosts`` are the names it answers to."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    env = _environment()
    pages = _Pages(session, env)
    routes = [
        Route("/", pages.index, methods=["GET"]),
        Route("/doc/{document:path}", pages.document, methods=["GET"]),
        Route("/theme.css", pages.theme_css, methods=["GET"]),
        Route("/api/decision", pages.decide, methods=["POST"]),
        Route("/api/note", pages.note, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("healcode.review", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))],
        exception_handlers={404: pages.not_found, 405: pages.not_allowed},
    )
    app.state.session = session
    return app


def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("healcode.review", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["docurl"] = lambda document: "/doc/" + quote(str(document), safe="")
    return env


class _Pages:
    def __init__(self, session: ReviewSession, env: jinja2.Environment) -> None:
        self.session = session
        self.env = env
        self.codebook = codebook_view(session.run)

    def _html(self, name: str, status: int = 200, **context: Any) -> Response:
        from starlette.responses import HTMLResponse

        session = self.session
        page = self.env.get_template(name).render(
            run=session.run,
            reviewer=session.reviewer,
            token=session.token,
            codebook=self.codebook,
            max_keys=MAX_THEME_KEYS,
            **context,
        )
        return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)

    # ------------------------------------------------------------------ pages
    async def index(self, request: Request) -> Response:
        run = self.session.run
        states = self.session.states()
        counts = [progress(document, states) for document in run.documents.values()]
        rows = [
            {
                "id": document.id,
                "meta": {k: v for k, v in document.meta.items() if v},
                "progress": count,
            }
            for document, count in zip(run.documents.values(), counts, strict=True)
        ]
        overall = total(counts)
        return self._html(
            "index.html", documents=rows, overall=overall, warnings=self.session.warnings()
        )

    async def document(self, request: Request) -> Response:
        run = self.session.run
        name = request.path_params["document"]
        document = run.documents.get(name)
        if document is None:
            return self._html(
                "error.html",
                404,
                title="No such document",
                message=f"The run has no document {name!r}.",
            )
        filters = Filters.parse(request.query_params, run)
        view = document_view(run, document, self.session.states(document.id), filters)
        query = urlencode(
            {
                k: v
                for k, v in request.query_params.items()
                if k in ("theme", "negated", "pending", "below")
            }
        )
        return self._html(
            "document.html", doc=view, filters=filters, query=f"?{query}" if query else ""
        )

    async def theme_css(self, request: Request) -> Response:
        from starlette.responses import Response

        rules = [
            f".t{t.index} {{ --c: {t.color}; --tint: {tint(t.color, 0.14)}; "
            f"--mark: {tint(t.color, 0.4)}; }}"
            for t in self.session.run.themes
        ]
        return Response("\n".join(rules) + "\n", media_type="text/css", headers=SECURITY_HEADERS)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        return self._html(
            "error.html",
            404,
            title="Not found",
            message="There is nothing at this address in the review.",
        )

    async def not_allowed(self, request: Request, exc: Exception) -> Response:
        return _error(405, "method not allowed")

    # ------------------------------------------------------------------ changes
    async def decide(self, request: Request) -> Response:
        body, problem = await self._checked_json(request)
        if problem is not None:
            return problem
        unit, problem = self._unit(body)
        if problem is not None:
            return problem
        assert unit is not None
        decision = body.get("decision")
        code = body.get("code", "")
        if decision not in (*DECISIONS, "clear") or not isinstance(code, str):
            return _error(400, "decision must be accept, reject, add, none or clear")
        session, run = self.session, self.session.run
        key = (unit.document, unit.index)
        machine = [c.code for c in unit.proposed]  # a negated hit is no coding
        state = session.states(unit.document).get(key, EMPTY)
        if decision in ("accept", "reject") and code not in machine:
            if any(c.code == code for c in unit.negated_hits):
                return _error(
                    400,
                    f"{code!r} is only a negated hit here, not a coding: there is nothing to "
                    "accept or reject; add the code if the unit does carry it",
                )
            return _error(400, f"the run did not code this unit with {code!r}")
        if decision == "add":
            if code not in run.entries:
                return _error(400, f"{code!r} is not a theme or code of the codebook")
            if code in machine:
                return _error(409, "the run coded this unit with it already: accept it instead")
        if decision == "none":
            code = ""
            if machine or state.added:
                return _error(409, "this unit has codes: accept or reject each instead")
        # the unit is decided on again: an older accept or reject on it of a code the run
        # did not code it with (a negated hit) is dropped rather than kept, left out
        for old in ignored_decisions(
            session.store.decisions(session.reviewer, document=unit.document), session.machine
        ):
            if old.unit == unit.index:
                session.store.clear(session.reviewer, unit.document, unit.index, old.code)
        if decision == "clear":
            session.store.clear(session.reviewer, unit.document, unit.index, code)
        else:
            session.store.decide(
                session.reviewer, unit.document, unit.index, code, decision, text=unit.text
            )
        return self._unit_reply(unit)

    async def note(self, request: Request) -> Response:
        body, problem = await self._checked_json(request)
        if problem is not None:
            return problem
        unit, problem = self._unit(body)
        if problem is not None:
            return problem
        assert unit is not None
        note = body.get("note", "")
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            return _error(400, f"a note is text of at most {MAX_NOTE} characters")
        session = self.session
        session.store.set_note(session.reviewer, unit.document, unit.index, note, text=unit.text)
        return self._unit_reply(unit)

    def _unit_reply(self, unit: Any) -> Response:
        from starlette.responses import JSONResponse

        session = self.session
        states = session.states(unit.document)
        state = states.get((unit.document, unit.index), EMPTY)
        view = unit_view(session.run, unit, state)
        html = self.env.get_template("unit.html").render(u=view)
        counts = progress(session.run.documents[unit.document], states)
        return JSONResponse(
            {"html": html, "reviewed": view["reviewed"], "progress": counts.as_dict()},
            headers=SECURITY_HEADERS,
        )

    async def _checked_json(self, request: Request) -> tuple[dict[str, Any], Response | None]:
        """The body of a state-changing request, or why it is refused."""
        token = request.headers.get(TOKEN_HEADER, "")
        if not secrets.compare_digest(token.encode(), self.session.token.encode()):
            return {}, _error(403, "missing or wrong session token; reload the page")
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
            return {}, _error(403, "request from another site refused")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return {}, _error(415, "send JSON")
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return {}, _error(413, "request too large")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return {}, _error(400, "the body is not JSON")
        if not isinstance(body, dict):
            return {}, _error(400, "the body must be a JSON object")
        return body, None

    def _unit(self, body: dict[str, Any]) -> tuple[Any, Response | None]:
        document, index = body.get("document"), body.get("unit")
        if not isinstance(document, str) or not isinstance(index, int) or isinstance(index, bool):
            return None, _error(400, "name a unit: document (text) and unit (number)")
        unit = self.session.run.unit(document, index)
        if unit is None:
            return None, _error(404, "no such unit in this run")
        if not unit.in_scope:
            return None, _error(400, "this unit was not coded (its speaker is out of scope)")
        return unit, None


def _error(status: int, message: str) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status, headers=SECURITY_HEADERS)


def open_session(run: str | Path, *, reviewer: str | None) -> ReviewSession:
    """Read the run, open (or create) its review.sqlite and settle the reviewer.

    The run and the reviewer's name are checked before review.sqlite is created, and one
    created here is removed again when the session cannot be opened: a failed start
    leaves the run folder as it was.
    """
    from healcode.errors import ReviewError
    from healcode.review.export import check_fresh
    from healcode.review.runview import read_review_run
    from healcode.review.store import check_reviewer, store_path

    review_run = read_review_run(run)
    path = store_path(run)
    existed = path.exists()
    if reviewer is not None:
        reviewer = check_reviewer(reviewer)
    elif not existed:
        raise ReviewError(
            f"{run}: no reviewer yet; pass --reviewer NAME once (it is remembered in {path.name})"
        )
    store: ReviewStore | None = None
    try:
        store = ReviewStore.open(run)
        name = store.reviewer(reviewer)
        check_fresh(review_run, store.decisions())
    except BaseException:
        if store is not None:
            store.close()
        if not existed:
            remove_store(path)
        raise
    return ReviewSession(review_run, store, name, created=not existed)
