"""The server: FastAPI with the JSON API, the widget and the Gradio page mounted at ``/``.

Intranet-ready: Gradio analytics and version checks are off (see
``web/__init__``), the theme uses system fonts, FastAPI's CDN-loaded docs
pages are disabled, and a Content-Security-Policy keeps the page from
loading anything from another host.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Mount
from starlette.types import Scope

from govqa.config import Config, load_config
from govqa.errors import GovqaError
from govqa.web.api import MAX_JSON_BYTES, ApiError, Guard, api_router, error_response
from govqa.web.cards import esc
from govqa.web.compare_api import compare_router
from govqa.web.connections import connection_settings
from govqa.web.login import COOKIE, login_routes, user_lookup
from govqa.web.middleware import Admission, BodyLimit, SecurityHeaders, log_disconnect
from govqa.web.service import Service
from govqa.web.ui import Page, page_css, theme

STATIC = Path(__file__).parent / "static"
# The endpoints that answer questions: back-pressure and the small body limit apply to them.
QUESTION_PATHS = ("/api/search", "/api/ask", "/api/compare")
log = logging.getLogger("govqa.web")


def _headers_for(allowed_origins: tuple[str, ...]) -> Any:
    embedders = " ".join(o for o in allowed_origins if o != "*")
    page_ancestors = f"'self' {embedders}".strip()
    # The widget is read-only: any page may frame it unless an allow-list is configured.
    widget_ancestors = "*" if not allowed_origins or "*" in allowed_origins else page_ancestors
    page_csp = (
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; object-src 'none'; "
        f"base-uri 'self'; form-action 'self'; frame-ancestors {page_ancestors}"
    )
    widget_csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {widget_ancestors}"
    )

    def headers_for(path: str, content_type: str) -> dict[str, str]:
        headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
        if path.startswith("/api/"):
            headers["Cache-Control"] = "no-store"
        elif path == "/widget" or path.startswith("/widget/"):
            headers["Content-Security-Policy"] = widget_csp
        elif content_type.startswith("text/html"):
            headers["Content-Security-Policy"] = page_csp
        return headers

    return headers_for


def _widget_routes(app: FastAPI, service: Service, user_of: Any) -> None:
    template = (STATIC / "widget.html").read_text(encoding="utf-8")

    @app.get("/widget", include_in_schema=False)
    def widget(request: Request) -> Response:
        if service.access.login_required and not user_of(request):
            return HTMLResponse(
                '<!doctype html><meta charset="utf-8"><p>请先<a href="login" target="_top">登录</a>。</p>',
                status_code=401,
            )
        session = request.cookies.get(COOKIE, "") if service.access.login_required else ""
        user = (user_of(request) or "") if service.access.login_required else ""
        token = service.access.widget_token(session=session, user=user) if service.access.locked else ""
        return HTMLResponse(template.replace("{{TOKEN}}", esc(token)), headers={"Cache-Control": "no-store"})

    for name, media in (("widget.js", "text/javascript"), ("widget.css", "text/css")):

        def asset(path: Path = STATIC / name, media_type: str = media) -> Response:
            return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})

        app.add_api_route(f"/widget/{name}", asset, methods=["GET"], include_in_schema=False)


def _error_handlers(app: FastAPI) -> None:
    """The API's one handler for govqa's errors, plus FastAPI's and Starlette's own in the same shape."""

    @app.exception_handler(GovqaError)
    async def govqa_error(_: Request, exc: GovqaError) -> JSONResponse:
        return error_response(exc.status, exc.public_message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, f"invalid request: {exc.errors()[0].get('msg', 'bad parameter')}")

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, _: ClientDisconnect) -> Response:
        log_disconnect(request.method, request.url.path)
        return Response(status_code=400)  # nobody is listening

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return error_response(exc.status_code, str(exc.detail), dict(exc.headers or {}))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


ANY_METHOD = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
API_CATCH_ALL = "/api/{rest:path}"


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """The methods some route answers at ``scope``'s path, the ``/api`` catch-all and mounts aside (empty: none)."""
    routes = [r for r in app.router.routes if not isinstance(r, Mount) and getattr(r, "path", "") != API_CATCH_ALL]
    return [m for m in ANY_METHOD if any(r.matches({**scope, "method": m})[0] == Match.FULL for r in routes)]


def workers(app_config: Any) -> int:
    """Questions answered at once: ``[app] workers``, or one per core when 0."""
    return app_config.question_workers()


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("govqa")
    except metadata.PackageNotFoundError:
        return "0"


def create_app(
    config: Config | None = None,
    index_dir: str | Path | None = None,
    corpus_dir: str | Path | None = None,
    service: Service | None = None,
    start: bool = True,
) -> FastAPI:
    """The whole server as one FastAPI app; with ``start`` the index opens (or builds) in the background."""
    config = config or load_config()
    service = service or Service(config, index_dir, corpus_dir)
    if start:
        service.start(background=True)
    app_config = config.app

    # The OpenAPI schema is served (for client generators); FastAPI's /docs and /redoc pages
    # are not, since they load their scripts from a CDN.
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        # SIGTERM: uvicorn stops taking requests, then this runs: the upload worker stops between
        # embedding batches, keeping what it committed (the index stays consistent).
        await run_in_threadpool(service.close)

    app = FastAPI(
        title="govqa",
        summary="Search and answers over Chinese government reports (docs/api.md)",
        version=_version(),
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.service = service
    access = service.access
    user_of = user_lookup(access)
    if access.login_required:
        login_routes(app, access, "请使用分配的账号登录。")

        @app.middleware("http")
        async def to_login(request: Request, call_next: Any) -> Response:
            if request.url.path == "/" and request.method == "GET" and not user_of(request):
                return RedirectResponse("login", status_code=303)
            return await call_next(request)

    guard = Guard(service, user_of, app_config.allowed_origins)
    _error_handlers(app)
    app.include_router(api_router(service, guard))
    app.include_router(compare_router(service, guard))

    @app.api_route(API_CATCH_ALL, methods=list(ANY_METHOD), include_in_schema=False)
    def api_not_found(request: Request, rest: str) -> None:
        allowed = allowed_methods(app, request.scope)
        if allowed:
            use = ", ".join(allowed)
            raise ApiError(405, f"{request.method} is not allowed on /api/{rest}: use {use}", {"Allow": use})
        raise ApiError(404, f"no such endpoint: /api/{rest}")

    _widget_routes(app, service, user_of)
    upload_limit = app_config.max_upload_mb * 1024 * 1024
    app.add_middleware(
        BodyLimit,
        limit=upload_limit + 64 * 1024,
        prefixes=("/api/documents",),
        message=f"upload over the {app_config.max_upload_mb} MB limit (all files of one request together)",
    )
    # Admission reads a question's body before counting it, through the limit below (added after, so outside it).
    app.add_middleware(
        Admission,
        prefixes=QUESTION_PATHS,
        workers=workers(app_config),
        queue=app_config.queue_depth,
        max_wait=app_config.max_wait_s,
        body_timeout=app_config.body_timeout_s,
    )
    # Question bodies are small: refused while they stream past 64 KB, not after.
    app.add_middleware(
        BodyLimit,
        limit=MAX_JSON_BYTES,
        prefixes=QUESTION_PATHS,
        message=f"request body over {MAX_JSON_BYTES // 1024} KB",
    )
    app.add_middleware(SecurityHeaders, headers_for=_headers_for(app_config.allowed_origins))
    # Starlette's own CORSMiddleware: Gradio then leaves CORS to it, so one allow-list governs
    # /api/* and the Gradio routes alike; with no allowed origins, other origins get no CORS
    # headers and their preflights are refused.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(app_config.allowed_origins),
        allow_credentials=False,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "X-API-Key", "Authorization", "X-Widget-Token"],
        max_age=600,
    )
    page = Page(service)
    return gr.mount_gradio_app(
        app,
        page.build(),
        path="/",
        server_name=app_config.host,
        server_port=app_config.port,
        app_kwargs={"docs_url": None, "redoc_url": None, "openapi_url": None},
        footer_links=["api", "settings"],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        auth_dependency=user_of if access.login_required else None,
        max_file_size=f"{app_config.max_upload_mb}mb",
        show_error=True,
        theme=theme(),
        css=page_css(),
    )


def serve(
    config: Config | None = None, index_dir: str | Path | None = None, host: str | None = None, port: int | None = None
) -> None:
    """Build the app and run it with uvicorn (blocking) on ``host:port`` (default from config)."""
    import uvicorn

    config = config or load_config()
    config = config.replace(
        app=dataclasses.replace(config.app, host=host or config.app.host, port=port or config.app.port)
    )
    host, port = config.app.host, config.app.port
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    app = create_app(config, index_dir)
    log.info("govqa: http://%s:%s  (widget: /widget, API: /api/health)", host, port)
    # A few seconds for requests in flight after SIGTERM; the upload worker then stops (see create_app).
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="info",
        timeout_graceful_shutdown=5,
        **connection_settings(config.app),
    )
