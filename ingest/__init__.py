"""Ingest: report files → clean, structured, cited chunks.

``load_documents(path)`` yields documents or per-file errors; ``chunk_document``
cuts a document into chunks that carry their citation.
"""

from ingest.chunk import chunk_document
from ingest.document import INGEST_VERSION, Chunk, Document, IngestError, Line, RawDocument, Section
from ingest.pipeline import FileResult, ingest_paths, iter_files, load_file

__all__ = [
    "INGEST_VERSION",
    "Chunk",
    "Document",
    "FileResult",
    "IngestError",
    "Line",
    "RawDocument",
    "Section",
    "chunk_document",
    "ingest_paths",
    "iter_files",
    "load_file",
]
