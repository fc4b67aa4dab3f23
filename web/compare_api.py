"""``GET/POST /api/compare``: one row per report (``qa.comparison_to_json``), same guards and errors as /api/search.

Parameters, in the query string or a JSON body: ``q`` (the question),
``region``/``regions``, ``year`` (2025 or 2015-2025) or ``year_from``/``year_to``,
``doc``/``docs``, and ``by`` (report, region or year; default from the
question). Errors are ``{"error": ...}``: 400 for a bad question or parameter,
404 for an unknown document, 413 for an oversize question or body, 503 while
the index is being built. See docs/compare.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from qa import Filters, comparison_to_json
from qa.comparison import ORDERS
from web.api import ApiError, Guard, json_body, parse_params, query_dict, run
from web.service import Service


def compare_params(data: dict[str, Any]) -> tuple[str, Filters | None, str | None]:
    """Question, filters and order from query parameters or a JSON body; ``ApiError`` 400 for a bad one."""
    question, _k, filters = parse_params({key: value for key, value in data.items() if key != "k"})
    by = data.get("by") or None
    if by is not None and by not in ORDERS:
        raise ApiError(400, f"by must be one of {', '.join(ORDERS)}, got {by!r}")
    return question, filters, by


def compare_router(service: Service, guard: Guard) -> APIRouter:
    """The ``/api/compare`` routes over ``service``."""
    router = APIRouter(prefix="/api")

    def answer(data: dict[str, Any]) -> dict[str, Any]:
        question, filters, by = compare_params(data)
        return comparison_to_json(run(lambda: service.compare(question, filters, by)))

    @router.get("/compare", name="/compare:get")
    def by_get(request: Request) -> dict[str, Any]:
        guard.read(request, widget_ok=True)
        return answer(query_dict(request))

    @router.post("/compare", name="/compare:post")
    async def by_post(request: Request) -> dict[str, Any]:
        guard.read(request, widget_ok=True)
        data = await json_body(request)
        return await run_in_threadpool(answer, data)

    return router

