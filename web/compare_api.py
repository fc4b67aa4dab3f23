"""``GET/POST /api/compare``: one row per report (``qa.comparison_to_json``), same guards and errors as /api/search.

Parameters, in the query string or a JSON body (``web.params.CompareParams``):
``q`` (the question), ``region``/``regions``, ``year`` (2025 or 2015-2025) or
``year_from``/``year_to``, ``doc``/``docs``, and ``by`` (report, region or year;
default from the question). Errors are ``{"error": ...}`` from the server's one
handler: 400 for a bad question or parameter, 404 for an unknown document, 413
for an oversize question or body, 503 while the index is being built or the
server is busy. See docs/compare.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from govqa.qa import comparison_to_json
from govqa.web.api import Guard, json_body, query_dict
from govqa.web.auth import Principal
from govqa.web.params import COMPARE_BODY_SCHEMA, COMPARE_QUERY_SCHEMA, CompareParams, compare_params
from govqa.web.service import Service


def compare_router(service: Service, guard: Guard) -> APIRouter:
    """The ``/api/compare`` routes over ``service``."""
    router = APIRouter(prefix="/api")
    may_ask = Depends(guard.ask)

    def answer(params: CompareParams, who: Principal) -> dict[str, Any]:
        return comparison_to_json(service.compare(params.q, params.filters(), params.by, who=who))

    @router.get("/compare", name="/compare:get", openapi_extra=COMPARE_QUERY_SCHEMA)
    def by_get(request: Request, who: Principal = may_ask) -> dict[str, Any]:
        return answer(compare_params(query_dict(request)), who)

    @router.post("/compare", name="/compare:post", openapi_extra=COMPARE_BODY_SCHEMA)
    async def by_post(request: Request, who: Principal = may_ask) -> dict[str, Any]:
        return await run_in_threadpool(answer, compare_params(await json_body(request)), who)

    return router
