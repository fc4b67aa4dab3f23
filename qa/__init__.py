"""qa: passages, answers and comparisons over an open index.

``Searcher(index, settings)`` is the one entry point that the app, the API, the CLI and the
evaluation call (each opens it through ``govqa.runtime.open_runtime``):
``searcher.search(question, k, filters)`` returns cited, highlighted passages,
``searcher.ask(question)`` adds a verdict (``found`` / ``not_found``) and
``searcher.compare(question)`` gives each report's answer as a row.

The names below load on first use (``govqa.lazy``): ``govqa.qa.settings`` imports without the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govqa.lazy import lazy_exports

_HOME = {
    "QuestionError": "govqa.qa.question",
    "Searcher": "govqa.qa.searcher",
    "NOT_FOUND_MESSAGE": "govqa.qa.types",
    "Answer": "govqa.qa.types",
    "Citation": "govqa.qa.types",
    "Comparison": "govqa.qa.types",
    "Filters": "govqa.qa.types",
    "Hit": "govqa.qa.types",
    "Row": "govqa.qa.types",
    "SearchResult": "govqa.qa.types",
    "Span": "govqa.qa.types",
    "answer_to_json": "govqa.qa.types",
    "comparison_to_json": "govqa.qa.types",
    "search_to_json": "govqa.qa.types",
}

__all__ = [
    "Answer",
    "Citation",
    "Comparison",
    "Filters",
    "Hit",
    "NOT_FOUND_MESSAGE",
    "QuestionError",
    "Row",
    "SearchResult",
    "Searcher",
    "Span",
    "answer_to_json",
    "comparison_to_json",
    "search_to_json",
]

if TYPE_CHECKING:
    from govqa.qa.question import QuestionError
    from govqa.qa.searcher import Searcher
    from govqa.qa.types import (
        NOT_FOUND_MESSAGE,
        Answer,
        Citation,
        Comparison,
        Filters,
        Hit,
        Row,
        SearchResult,
        Span,
        answer_to_json,
        comparison_to_json,
        search_to_json,
    )

__getattr__ = lazy_exports(__name__, _HOME, globals())
