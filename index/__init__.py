"""index: the persistent, incremental hybrid index (SQLite + FTS5 over jieba tokens, FAISS vectors).

``Index.open(path, config)`` gives the facade that ``qa`` and the app use; see
``index/index.py``. One module per concept: ``store`` (SQLite), ``keyword``
(jieba/FTS5), ``vectors`` (FAISS), ``context`` (retrieval text), ``manifest``,
``embedder/`` (the model seam), ``model/`` (building the default e5 model).

The names below load on first use (``govqa.lazy``): ``govqa.index.settings`` and
``govqa.index.errors`` import without numpy or FAISS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govqa.lazy import lazy_exports

_HOME = {
    "Embedder": "govqa.index.embedder",
    "create_embedder": "govqa.index.embedder",
    "IndexMismatchError": "govqa.index.errors",
    "IndexNotFoundError": "govqa.index.errors",
    "IndexReadOnlyError": "govqa.index.errors",
    "IndexUnavailableError": "govqa.index.errors",
    "ModelNotFoundError": "govqa.index.errors",
    "VectorIndexError": "govqa.index.errors",
    "Index": "govqa.index.index",
    "AddResult": "govqa.index.records",
    "ChunkRecord": "govqa.index.records",
    "ChunkSentences": "govqa.index.records",
    "DocumentInfo": "govqa.index.records",
    "PathReport": "govqa.index.records",
}

__all__ = [
    "AddResult",
    "ChunkRecord",
    "ChunkSentences",
    "DocumentInfo",
    "Embedder",
    "Index",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexReadOnlyError",
    "IndexUnavailableError",
    "ModelNotFoundError",
    "PathReport",
    "VectorIndexError",
    "create_embedder",
]

if TYPE_CHECKING:
    from govqa.index.embedder import Embedder, create_embedder
    from govqa.index.errors import (
        IndexMismatchError,
        IndexNotFoundError,
        IndexReadOnlyError,
        IndexUnavailableError,
        ModelNotFoundError,
        VectorIndexError,
    )
    from govqa.index.index import Index
    from govqa.index.records import AddResult, ChunkRecord, ChunkSentences, DocumentInfo, PathReport

__getattr__ = lazy_exports(__name__, _HOME, globals())
