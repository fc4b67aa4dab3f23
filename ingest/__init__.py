"""Ingest: report files → clean, structured, cited chunks.

``load_documents(path)`` yields documents or per-file errors; ``chunk_document``
cuts a document into chunks that carry their citation.

The names below load on first use (PEP 562): a search that only needs
``ingest.errors`` or ``ingest.sentences`` does not import the loaders and the
text splitter (about half a second).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_HOME = {
    "chunk_document": "govqa.ingest.chunk",
    "INGEST_VERSION": "govqa.ingest.document",
    "Chunk": "govqa.ingest.document",
    "Document": "govqa.ingest.document",
    "IngestError": "govqa.ingest.document",
    "Line": "govqa.ingest.document",
    "RawDocument": "govqa.ingest.document",
    "Section": "govqa.ingest.document",
    "FileResult": "govqa.ingest.pipeline",
    "check_limits": "govqa.ingest.pipeline",
    "ingest_paths": "govqa.ingest.pipeline",
    "iter_files": "govqa.ingest.pipeline",
    "load_file": "govqa.ingest.pipeline",
}

__all__ = [
    "INGEST_VERSION",
    "Chunk",
    "Document",
    "FileResult",
    "IngestError",
    "Line",
    "RawDocument",
    "Section",
    "check_limits",
    "chunk_document",
    "ingest_paths",
    "iter_files",
    "load_file",
]

if TYPE_CHECKING:
    from govqa.ingest.chunk import chunk_document
    from govqa.ingest.document import INGEST_VERSION, Chunk, Document, IngestError, Line, RawDocument, Section
    from govqa.ingest.pipeline import FileResult, check_limits, ingest_paths, iter_files, load_file


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ingest' has no attribute {name!r}")
