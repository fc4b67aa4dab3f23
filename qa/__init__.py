"""qa: the one entry point that the app, the API, the CLI and the evaluation call.

``open_searcher(index_dir)`` gives a ``Searcher``; ``searcher.search(question, k, filters)``
returns cited, highlighted passages and ``searcher.ask(question)`` adds a
verdict (``found`` / ``not_found``).
"""

from __future__ import annotations

from pathlib import Path

from index import Index
from qa.question import QuestionError
from qa.searcher import Searcher
from qa.settings import QaSettings
from qa.types import (NOT_FOUND_MESSAGE, Answer, Citation, Filters, Hit, SearchResult, Span,
                      answer_to_json, search_to_json)

__all__ = [
    "NOT_FOUND_MESSAGE", "Answer", "Citation", "Filters", "Hit", "QuestionError", "SearchResult",
    "Searcher", "Span", "answer_to_json", "open_searcher", "search_to_json",
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
