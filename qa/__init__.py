"""qa: the one entry point that the app, the API, the CLI and the evaluation call.

``open_searcher(index_dir)`` gives a ``Searcher``; ``searcher.search(question, k, filters)``
returns cited, highlighted passages, ``searcher.ask(question)`` adds a
verdict (``found`` / ``not_found``) and ``searcher.compare(question)`` gives
each report's answer as a row (``compare`` opens the configured index for one call).
"""

from __future__ import annotations

from pathlib import Path

from govqa.index import Index
from govqa.qa.question import QuestionError
from govqa.qa.searcher import Searcher
from govqa.qa.settings import QaSettings
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

__all__ = [
    "NOT_FOUND_MESSAGE",
    "Answer",
    "Citation",
    "Comparison",
    "Filters",
    "Hit",
    "QuestionError",
    "Row",
    "SearchResult",
    "Searcher",
    "Span",
    "answer_to_json",
    "compare",
    "comparison_to_json",
    "open_searcher",
    "search_to_json",
]


def open_searcher(index_dir: str | Path | None = None, config: QaSettings | None = None) -> Searcher:
    """A searcher over the index at ``index_dir`` (default: the configured index).

    Raises ``index.IndexUnavailableError`` (missing index, other model…) or the
    config loader's ``ConfigError``.
    """
    if config is None:
        from govqa.config import load_config  # the whole configuration, loaded only when not given

        config = load_config()
    index = Index.open(Path(index_dir or config.index.path), config, create=False)
    return Searcher(index, config)


def compare(
    question: str,
    filters: Filters | None = None,
    by: str | None = None,
    index_dir: str | Path | None = None,
    config: QaSettings | None = None,
) -> Comparison:
    """``Searcher.compare`` over the index at ``index_dir`` (default: the configured index)."""
    return open_searcher(index_dir, config).compare(question, filters, by)
