"""The JSON API under ``/api``: search, ask, health, documents (list, upload, remove), stats.

Responses are ``qa``'s stable JSON (``search_to_json``/``answer_to_json``);
every error is ``{"error": "..."}`` with its HTTP status. See docs/api.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from qa import Filters, QuestionError, answer_to_json, search_to_json
from web.auth import presented_key
from web.service import Service, ServiceError

MAX_K = 50
MAX_JSON_BYTES = 64 * 1024
MAX_FILES = 20
UserFn = Callable[[Request], str | None]


class ApiError(Exception):
    """An error answered as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape of the API."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


# -- parameters -----------------------------------------------------------
def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if not isinstance(item, (str, int)):
            raise ApiError(400, f"expected text, got {type(item).__name__}")
        out.extend(p.strip() for p in str(item).split(",") if p.strip())
    return out


def _year_range(value: Any, year_from: Any = None, year_to: Any = None) -> tuple[int | None, int | None]:
    try:
        if value not in (None, ""):
            text = str(value).strip()
            lo, sep, hi = text.partition("-")
            return int(lo), int(hi) if sep else int(lo)
        return (int(year_from) if year_from not in (None, "") else None,
                int(year_to) if year_to not in (None, "") else None)
    except ValueError:
        raise ApiError(400, f"year must be a year such as 2020 or a range such as 2019-2021, got {value!r}") from None


def parse_params(data: dict[str, Any]) -> tuple[str, int, Filters | None]:
    """Question, k and filters from query parameters or a JSON body (same names in both)."""
    question = data.get("q", data.get("question"))
    if question is not None and not isinstance(question, str):
        raise ApiError(400, "q must be text")
    try:
        k = int(data.get("k") or 5)
    except (TypeError, ValueError):
        raise ApiError(400, f"k must be a whole number from 1 to {MAX_K}") from None
    if not 1 <= k <= MAX_K:
        raise ApiError(400, f"k must be a whole number from 1 to {MAX_K}")
    docs = _as_list(data.get("doc")) + _as_list(data.get("docs"))
    regions = _as_list(data.get("region")) + _as_list(data.get("regions"))
    year_from, year_to = _year_range(data.get("year"), data.get("year_from"), data.get("year_to"))
    filters = Filters(tuple(docs), tuple(regions), year_from, year_to)
    return question or "", k, None if filters.is_empty() else filters


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
        raise ApiError(400, "the body must be JSON, e.g. {\"q\": \"大运会有哪些场馆\", \"k\": 5}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
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

    def read(self, request: Request, widget_ok: bool = False) -> None:
        """Allow a read (search, ask, documents, stats) or raise 401/403."""
        self._admit(request, widget_ok, "an API key is required: send X-API-Key or Authorization: Bearer")

    def write(self, request: Request) -> None:
        """Allow an upload or removal or raise 401/403; also refuse foreign origins (CSRF)."""
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
    fields = ("name", "title", "year", "region", "region_path", "chunks", "chars", "added_at", "source")
    data = {f: getattr(doc, f, None) for f in fields}
    if data["added_at"] is not None and not isinstance(data["added_at"], (str, int, float)):
        data["added_at"] = str(data["added_at"])
    if data["source"] is not None:
        data["source"] = str(data["source"]).rsplit("/", 1)[-1]  # never reveal server paths
    return data


def run(fn: Callable[[], Any]) -> Any:
    """Call the service; a bad question is a 400, a refused request its ``ServiceError`` status."""
    try:
        return fn()
    except QuestionError as exc:
        raise ApiError(400, str(exc)) from None
    except ServiceError as exc:
        raise ApiError(exc.status, str(exc)) from None


def api_router(service: Service, guard: Guard) -> APIRouter:
    """The ``/api`` routes over ``service``."""
    router = APIRouter(prefix="/api")

    @router.get("/health")
    def health() -> dict[str, Any]:
        return service.health()

    def question_endpoints(path: str, answer: Callable[..., Any], to_json: Callable[[Any], dict]) -> None:
        """GET (query string) and POST (JSON body) forms of one question endpoint."""

        @router.get(path, name=f"{path}:get")
        def by_get(request: Request) -> dict[str, Any]:
            guard.read(request, widget_ok=True)
            q, k, filters = parse_params(query_dict(request))
            return to_json(run(lambda: answer(q, k, filters)))

        @router.post(path, name=f"{path}:post")
        async def by_post(request: Request) -> dict[str, Any]:
            guard.read(request, widget_ok=True)
            q, k, filters = parse_params(await json_body(request))
            return to_json(await run_in_threadpool(run, lambda: answer(q, k, filters)))

    question_endpoints("/search", service.search, search_to_json)
    question_endpoints("/ask", service.ask, answer_to_json)

    @router.get("/documents")
    def documents(request: Request) -> dict[str, Any]:
        guard.read(request)
        return {"documents": [doc_json(d) for d in service.documents()]}

    @router.get("/documents/{name:path}")
    def document(name: str, request: Request) -> dict[str, Any]:
        guard.read(request)
        return doc_json(run(lambda: service.document(name)))

    @router.delete("/documents/{name:path}")
    def remove(name: str, request: Request) -> dict[str, Any]:
        guard.write(request)
        return {"removed": name, "count": run(lambda: service.remove(name))}

    @router.post("/documents")
    async def upload(request: Request) -> dict[str, Any]:
        guard.write(request)
        if not service.ready:
            raise ApiError(503, service.progress.message)
        try:
            form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
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
        reports = await run_in_threadpool(run, lambda: service.add_uploads(files))
        return {"files": [r.to_json() for r in reports]}

    @router.get("/stats")
    def stats(request: Request) -> dict[str, Any]:
        guard.read(request)
        return service.stats()

    return router
