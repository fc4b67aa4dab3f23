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
from govqa.web.auth import presented_key
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
    for key in ("doc", "docs", "region", "regions"):
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

    def _key_status(self, request: Request) -> str:
        key = presented_key(request.headers)
        if not key:
            return "none"
        return "ok" if self.access.key_ok(key) else "bad"

    def read(self, request: Request) -> None:
        """Dependency: allow a read of the library (documents, stats) or raise 401/403."""
        self._admit(request, False, "an API key is required: send X-API-Key or Authorization: Bearer")

    def ask(self, request: Request) -> None:
        """Dependency: allow a question (search, ask): as ``read``, or with the widget's token."""
        self._admit(request, True, "an API key is required: send X-API-Key or Authorization: Bearer")

    def write(self, request: Request) -> None:
        """Dependency: allow an upload or removal or raise 401/403; also refuse foreign origins (CSRF)."""
        origin = request.headers.get("origin")
        if origin and not same_origin(request, origin) and origin.rstrip("/").lower() not in self.allowed_origins:
            raise ApiError(403, f"origin {origin} may not change the index")
        self._admit(request, False, "uploads and removals need an API key or a logged-in user")

    def _admit(self, request: Request, widget_ok: bool, missing: str) -> None:
        """Pass a request with a good key, a widget token (reads only) or a logged-in user; else 401/403."""
        if not self.access.locked:
            return
        key = self._key_status(request)
        if key == "ok":
            return
        if key == "bad":
            raise ApiError(403, "the API key is not valid")
        if widget_ok and self.access.widget_token_ok(request.headers.get("x-widget-token", "")):
            return
        if self.access.login_required and self.user_of(request):
            return
        raise ApiError(401, missing, {"WWW-Authenticate": "Bearer"})


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
    def health() -> dict[str, Any]:
        return service.health()

    def question_endpoints(path: str, answer: Callable[..., Any], to_json: Callable[[Any], dict]) -> None:
        """GET (query string) and POST (JSON body) forms of one question endpoint, one parameter model."""

        @router.get(path, name=f"{path}:get", dependencies=[may_ask], openapi_extra=QUERY_SCHEMA)
        def by_get(request: Request) -> dict[str, Any]:
            params = question_params(query_dict(request))
            return to_json(answer(params.q, params.k, params.filters()))

        @router.post(path, name=f"{path}:post", dependencies=[may_ask], openapi_extra=BODY_SCHEMA)
        async def by_post(request: Request) -> dict[str, Any]:
            params = question_params(await json_body(request))
            return to_json(await run_in_threadpool(answer, params.q, params.k, params.filters()))

    question_endpoints("/search", service.search, search_to_json)
    question_endpoints("/ask", service.ask, answer_to_json)

    @router.get("/documents", dependencies=[may_read])
    def documents() -> dict[str, Any]:
        return {"documents": [doc_json(d) for d in service.documents()]}

    @router.get("/documents/{name:path}", dependencies=[may_read])
    def document(name: str) -> dict[str, Any]:
        return doc_json(service.document(name))

    @router.delete("/documents/{name:path}", dependencies=[may_write])
    def remove(name: str) -> dict[str, Any]:
        return {"removed": name, "count": service.remove(name)}

    @router.post("/documents", dependencies=[may_write], status_code=202)
    async def upload(request: Request) -> JSONResponse:
        if not service.ready:
            raise ApiError(503, service.progress.message)
        try:
            form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
        except (BodyTooLarge, ClientDisconnect):  # 413 from BodyLimit; a client gone (the server logs one line)
            raise
        except Exception as exc:  # malformed multipart, too many files
            raise ApiError(400, f"send the reports as multipart/form-data field 'files' ({exc})") from None
        uploads = [f for f in form.getlist("files") + form.getlist("file") if isinstance(f, UploadFile)]
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
        job = await run_in_threadpool(service.submit_uploads, files)
        return JSONResponse(job.to_json(), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})

    @router.get("/jobs", dependencies=[may_write])
    def jobs() -> dict[str, Any]:
        return {"jobs": [j.to_json(documents=False) for j in service.job_list()]}

    @router.get("/jobs/{job_id}", dependencies=[may_write])
    def job(job_id: str) -> dict[str, Any]:
        return service.job(job_id).to_json()

    @router.delete("/jobs/{job_id}", dependencies=[may_write])
    def cancel_job(job_id: str) -> dict[str, Any]:
        return service.cancel_job(job_id).to_json()

    @router.get("/stats", dependencies=[may_read])
    def stats() -> dict[str, Any]:
        return service.stats()

    return router
