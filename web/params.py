"""The parameters of a question request, declared once for every way one arrives.

``QuestionParams`` validates ``/api/search`` and ``/api/ask`` (GET query string
and POST JSON body alike) and the page's own API endpoints: names, types,
ranges and messages live here and nowhere else.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from govqa.errors import GovqaError
from govqa.qa import Filters
from govqa.qa.types import check_years, parse_years

MAX_K = 50
# One message per field whatever pydantic found wrong with it (type, range, fraction).
_MESSAGES = {
    "q": "q must be text",
    "k": f"k must be a whole number from 1 to {MAX_K}",
    "year_from": "year_from must be a year such as 2019",
    "year_to": "year_to must be a year such as 2021",
    "by": "by must be one of report, region, year",
}


class QuestionParams(BaseModel):
    """A question with how many passages to return and optional filters (schema in docs/api.md)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    q: str = Field("", validation_alias=AliasChoices("q", "question"), description="The question.")
    k: int = Field(5, ge=1, le=MAX_K, description=f"How many passages, 1 to {MAX_K}.")
    doc: list[str] = Field(
        [], validation_alias=AliasChoices("doc", "docs"), description="Document name(s), as /api/documents lists them."
    )
    region: list[str] = Field(
        [], validation_alias=AliasChoices("region", "regions"), description="Region name(s), e.g. 成都 or 四川省."
    )
    library: list[str] = Field(
        [],
        validation_alias=AliasChoices("library", "libraries"),
        description="Library (文库) name(s), repeatable; default: every library the caller may read.",
    )
    year: str | int | None = Field(None, description="A year (2020) or a range (2019-2021, 2015-, -2020).")
    year_from: int | None = Field(None, ge=0, le=9999)
    year_to: int | None = Field(None, ge=0, le=9999)

    @field_validator("q", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("k", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        if value is None or value == "":
            return 5
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(_MESSAGES["k"])
        return value

    @field_validator("doc", "region", "library", mode="before")
    @classmethod
    def _names(cls, value: Any) -> list[str]:
        items = [] if value is None else value if isinstance(value, list) else [value]
        names: list[str] = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                raise ValueError(f"expected text, got {type(item).__name__}")
            names.extend(part.strip() for part in str(item).split(",") if part.strip())
        return names

    def filters(self) -> Filters | None:
        """The filters asked for, or None; ``FilterError`` for a bad or inverted year range."""
        if self.year not in (None, ""):
            year_from, year_to = parse_years(self.year)
        else:
            year_from, year_to = check_years(self.year_from, self.year_to)
        libraries = tuple(self.library) or None
        filters = Filters(tuple(self.doc), tuple(self.region), year_from, year_to, libraries)
        return None if filters.is_empty() else filters


class InvalidRequest(GovqaError):
    """A request whose parameters do not validate (the API answers 400)."""

    status = 400


def question_params(data: dict[str, Any]) -> QuestionParams:
    """Validate ``data`` (query parameters or a JSON object).

    Raises ``InvalidRequest`` naming the first bad field, or ``qa.types.FilterError``
    for a bad or inverted year range (both 400).
    """
    return _validated(data, QuestionParams)


_Params = TypeVar("_Params", bound=QuestionParams)


def _validated(data: dict[str, Any], model: type[_Params]) -> _Params:
    try:
        params = model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error.get("loc") else "request"
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        raise InvalidRequest(_MESSAGES.get(field, f"{field}: {message}")) from None
    params.filters()  # a bad year range is refused here, before any search
    return params


class CompareParams(QuestionParams):
    """``/api/compare``: a question and filters as for search (``k`` is not used), and how to order the rows."""

    by: Literal["report", "region", "year"] | None = Field(
        None, description="Order rows by report, region or year (default: from the question and the reports)."
    )

    @field_validator("by", mode="before")
    @classmethod
    def _order(cls, value: Any) -> Any:
        return None if value == "" else value


def compare_params(data: dict[str, Any]) -> CompareParams:
    """Validate a compare request as ``question_params`` does a search (``InvalidRequest`` naming the field)."""
    return _validated(data, CompareParams)


def _openapi(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI fragments of a parameter model: its query parameters (GET) and its JSON body (POST)."""
    schema = model.model_json_schema()
    parameters = [
        {"name": name, "in": "query", "required": False, "schema": prop, "description": prop.get("description", "")}
        for name, prop in schema["properties"].items()
    ]
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    return {"parameters": parameters}, {"requestBody": body}


QUERY_SCHEMA, BODY_SCHEMA = _openapi(QuestionParams)
COMPARE_QUERY_SCHEMA, COMPARE_BODY_SCHEMA = _openapi(CompareParams)
