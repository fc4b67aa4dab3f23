"""The JSON API under ``/api``: search, ask, health, documents (list, upload, remove), upload jobs, stats.

Responses are ``qa``'s stable JSON (``search_to_json``/``answer_to_json``);
every error is ``{"error": "..."}`` with its HTTP status. See docs/api.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from govqa.errors import GovqaError
from govqa.qa import answer_to_json, search_to_json
from govqa.web.auth import ANYONE, Principal, presented_key
from govqa.web.middleware import BodyTooLarge
from govqa.web.params import BODY_SCHEMA, QUERY_SCHEMA, question_params
from govqa.web.service import Service

MAX_JSON_BYTES = 64 * 1024
MAX_FILES = 20
UserFn = Callable[[Request], str | None]


class ApiError(GovqaError):
    """An error of the request itself (access, body, endpoint), answered with ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.headers = status, headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape of the API."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


# -- parameters -----------------------------------------------------------
def query_dict(request: Request) -> dict[str, Any]:
    """The query parameters as a dict; the repeatable ones (doc, region) as lists."""
    params = request.query_params
    data: dict[str, Any] = {key: params.get(key) for key in params}
    for key in ("doc", "docs", "region", "regions", "library", "libraries"):
        if key in params:
            data[key] = params.getlist(key)
    return data


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object of the body, or ``ApiError`` 413 (over ``MAX_JSON_BYTES``) or 400 (not a JSON object)."""
    body = await request.body()
    if len(body) > MAX_JSON_BYTES:
        raise ApiError(413, f"request body over {MAX_JSON_BYTES // 1024} KB")
    try:
        data = json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, 'the body must be JSON, e.g. {"q": "大运会有哪些场馆", "k": 5}') from None
    except RecursionError:
        raise ApiError(400, "the body is nested too deeply: send a flat JSON object") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    try:  # a lone surrogate such as "\ud800" parses, but is no text: refuse it here, not with a 500 later
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "the body holds a lone surrogate (\\ud800-\\udfff): send UTF-8 text") from None
    return data


# -- access ---------------------------------------------------------------
def same_origin(request: Request, origin: str) -> bool:
    """True when ``origin`` is this server's own scheme://host[:port]."""
    parts = urlsplit(origin)
    return f"{parts.scheme}://{parts.netloc}".lower() == f"{request.url.scheme}://{request.url.netloc}".lower()


class Guard:
    """Who may read and who may change the index, per the service's ``Access`` policy."""

    def __init__(self, service: Service, user_of: UserFn, allowed_origins: tuple[str, ...]):
        self.access = service.access
        self.user_of = user_of
        self.allowed_origins = {o.rstrip("/").lower() for o in allowed_origins}

    def read(self, request: Request) -> Principal:
        """Dependency: who reads the library (documents, stats), or 401/403."""
        return self._admit(request, False, "an API key is required: send X-API-Key or Authorization: Bearer")

    def ask(self, request: Request) -> Principal:
        """Dependency: who asks a question (search, ask): as ``read``, or with the widget's token."""
        return self._admit(request, True, "an API key is required: send X-API-Key or Authorization: Bearer")

    def write(self, request: Request) -> Principal:
        """Dependency: who uploads or removes, or 401/403; also refuses foreign origins (CSRF) and read-only keys.
        Which library it may change is the service's check (``Service.check_edit``)."""
        origin = request.headers.get("origin")
        if origin and not same_origin(request, origin) and origin.rstrip("/").lower() not in self.allowed_origins:
            raise ApiError(403, f"origin {origin} may not change the index")
        who = self._admit(request, False, "uploads and removals need an API key or a logged-in user")
        if who.read_only:
            raise ApiError(403, f"{who.name} may only read: uploads and removals need an editor's key")
        return who

    def _admit(self, request: Request, widget_ok: bool, missing: str) -> Principal:
        """Who a request is: a good key, a widget token (reads only) or a logged-in user; else 401/403."""
        if not self.access.locked:
            return ANYONE
        key = presented_key(request.headers)
        if key:
            who = self.access.key_principal(key)
            if who is None:
                raise ApiError(403, "the API key is not valid")
            return who
        if widget_ok:
            widget = self.access.widget_principal(request.headers.get("x-widget-token", ""))
            if widget is not None:
                return widget
        if self.access.login_required:
            user = self.user_of(request)
            if user:
                return self.access.user(user)
        raise ApiError(401, missing, {"WWW-Authenticate": "Bearer"})


def client_address(request: Request) -> str:
    """Where a request came from, for the audit log (the socket's peer: a proxy's own address behind one)."""
    return request.client.host if request.client else ""


# -- routes ---------------------------------------------------------------
def doc_json(doc: Any) -> dict[str, Any]:
    """An ``index.DocumentInfo`` as JSON."""
    fields = (
        "name",
        "title",
        "year",
        "region",
        "region_path",
        "chunks",
        "chars",
        "added_at",
        "source",
        "ocr_confidence",
        "library",
    )
    data = {f: getattr(doc, f, None) for f in fields}
    if data["added_at"] is not None and not isinstance(data["added_at"], (str, int, float)):
        data["added_at"] = str(data["added_at"])
    if data["source"] is not None:
        data["source"] = str(data["source"]).rsplit("/", 1)[-1]  # never reveal server paths
    return data


def api_router(service: Service, guard: Guard) -> APIRouter:
    """The ``/api`` routes over ``service``; errors are ``GovqaError`` for the server's one handler."""
    router = APIRouter(prefix="/api")
    may_read, may_ask, may_write = Depends(guard.read), Depends(guard.ask), Depends(guard.write)

    @router.api_route("/health", methods=["GET", "HEAD"])  # HEAD: the same status, no body (uvicorn drops it)
    def health(request: Request) -> dict[str, Any]:
        # Open to monitors, but its counts are of the libraries the caller may read: anyone's without credentials.
        try:
            who = guard.ask(request)
        except ApiError:
            who = service.access.page_principal(None)
        return dict(service.health(who))

    def question_endpoints(path: str, answer: Callable[..., Any], to_json: Callable[[Any], dict]) -> None:
        """GET (query string) and POST (JSON body) forms of one question endpoint, one parameter model."""

        @router.get(path, name=f"{path}:get", openapi_extra=QUERY_SCHEMA)
        def by_get(request: Request, who: Principal = may_ask) -> dict[str, Any]:
            params = question_params(query_dict(request))
            return to_json(answer(params.q, params.k, params.filters(), who=who))

        @router.post(path, name=f"{path}:post", openapi_extra=BODY_SCHEMA)
        async def by_post(request: Request, who: Principal = may_ask) -> dict[str, Any]:
            params = question_params(await json_body(request))
            return to_json(await run_in_threadpool(answer, params.q, params.k, params.filters(), who=who))

    question_endpoints("/search", service.search, search_to_json)
    question_endpoints("/ask", service.ask, answer_to_json)

    @router.get("/libraries")
    def libraries(who: Principal = may_read) -> dict[str, Any]:
        counts = service.library_counts(who)
        return {"libraries": [{"name": name, **row} for name, row in counts.items()]}

    @router.get("/documents")
    def documents(request: Request, who: Principal = may_read) -> dict[str, Any]:
        asked = request.query_params.getlist("library") or None
        if asked:
            service.reading(who, asked)  # 403 for a library it may not read
        return {"documents": [doc_json(d) for d in service.documents(who, asked)]}

    @router.get("/documents/{name:path}")
    def document(name: str, who: Principal = may_read) -> dict[str, Any]:
        return doc_json(service.document(name, who))

    @router.delete("/documents/{name:path}")
    def remove(request: Request, name: str, who: Principal = may_write) -> dict[str, Any]:
        return {"removed": name, "count": service.remove(name, who, client_address(request))}

    @router.post("/documents/{name:path}/move")
    async def move(request: Request, name: str, who: Principal = may_write) -> dict[str, Any]:
        library = str((await json_body(request)).get("library") or "")
        moved = await run_in_threadpool(service.move, name, library, who, client_address(request))
        return {"moved": name, "library": library, "count": moved}

    @router.get("/audit")
    def audit(who: Principal = may_read, since: str | None = None, user: str | None = None) -> dict[str, Any]:
        if not who.admin:
            raise ApiError(403, f"{who.name} may not read the audit log: it needs the admin group")
        return {"events": [e.to_json() for e in service.audit.events(since, user)]}

    @router.post("/documents", status_code=202)
    async def upload(request: Request, who: Principal = may_write) -> JSONResponse:
        if not service.ready:
            raise ApiError(503, service.progress.message)
        try:
            form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
        except (BodyTooLarge, ClientDisconnect):  # 413 from BodyLimit; a client gone (the server logs one line)
            raise
        except Exception as exc:  # malformed multipart, too many files
            raise ApiError(400, f"send the reports as multipart/form-data field 'files' ({exc})") from None
        uploads = [f for f in form.getlist("files") + form.getlist("file") if isinstance(f, UploadFile)]
        library = form.get("library") or request.query_params.get("library") or None
        if library is not None and not isinstance(library, str):
            raise ApiError(400, "library is a form field of text: the library (文库) the reports go to")
        if not uploads:
            raise ApiError(400, "no file: send the reports as multipart/form-data field 'files'")
        files: list[tuple[str, bytes]] = []
        for item in uploads:
            name = item.filename or "upload"
            data = await item.read(service.uploads.max_bytes + 1)
            if len(data) > service.uploads.max_bytes:
                raise ApiError(413, f"{name}: over the {service.uploads.max_bytes // 1048576} MB upload limit")
            files.append((name, data))
        for name, data in files:  # 413 now for a file over an [ingest] limit, rather than a job that fails later
            await run_in_threadpool(service.uploads.check_limits, name, data)
        job = await run_in_threadpool(service.submit_uploads, files, library, who, client_address(request))
        return JSONResponse(job.to_json(), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})

    @router.get("/jobs")
    def jobs(who: Principal = may_read) -> dict[str, Any]:
        return {"jobs": [j.to_json(documents=False) for j in service.job_list(who)]}

    @router.get("/jobs/{job_id}")
    def job(job_id: str, who: Principal = may_read) -> dict[str, Any]:
        return service.job(job_id, who).to_json()

    @router.delete("/jobs/{job_id}")
    def cancel_job(request: Request, job_id: str, who: Principal = may_write) -> dict[str, Any]:
        return service.cancel_job(job_id, who, client_address(request)).to_json()

    @router.get("/stats")
    def stats(who: Principal = may_read) -> dict[str, Any]:
        return dict(service.stats(who))

    return router
