"""index: the persistent, incremental hybrid index (SQLite + FTS5 over jieba tokens, FAISS vectors).

``Index.open(path, config)`` gives the facade that ``qa`` and the app use; see
``index/index.py``. One module per concept: ``store`` (SQLite), ``keyword``
(jieba/FTS5), ``vectors`` (FAISS), ``context`` (retrieval text), ``manifest``,
``embedder/`` (the model seam), ``model/`` (building the default e5 model).
"""

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
