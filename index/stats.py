"""What ``govqa index stats`` and ``govqa index rebuild`` report, as typed dicts.

They stay dicts (the CLI prints them as JSON and the API answers them, key for
key in this order); the types say which keys there are.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class Counts(TypedDict):
    """Numbers of documents, chunks, stored chunk vectors and stored sentence vectors (``Backend.counts``)."""

    documents: int
    chunks: int
    vectors: int
    sentences: int


class BackendStats(TypedDict):
    """What a backend adds to the index's statistics (``Backend.stats``).

    ``bytes`` maps a part of the storage ("store", "vectors") to its size on
    disk in bytes; empty for a backend whose data is not in the index folder.
    """

    backend: str
    faiss_factory: NotRequired[str]  # local: the FAISS index actually loaded
    uri: NotRequired[str]  # milvus: where the server (or Milvus Lite file) is
    collection: NotRequired[str]  # milvus: the collections' prefix
    vectors_indexed: int
    bytes: dict[str, int]


class IndexStats(TypedDict):
    """``Index.stats``: counts, model, chunker settings, times, then the backend's own figures and versions.

    ``bytes`` holds the backend's sizes plus ``total`` (with the manifest).
    """

    path: str
    documents: int
    chunks: int
    vectors_stored: int
    model: str
    encoder: str
    dimension: int
    sentences_stored: int
    sentence_vectors: str
    chunk_size: int
    chunk_overlap: int
    created_at: str
    updated_at: str
    backend: str
    uri: NotRequired[str]
    collection: NotRequired[str]
    vectors_indexed: int
    faiss_factory: NotRequired[str]  # a FAISS backend's (local): the index actually loaded
    bytes: dict[str, int]
    versions: dict[str, str]  # package → version that built the index


class RebuildResult(TypedDict):
    """``Index.rebuild``: whether it re-embedded, the counts after, the time taken in seconds, the model and FAISS factory."""

    reembedded: bool
    documents: int
    chunks: int
    embedded_chunks: int
    seconds: float
    model: str
    dimension: int
    faiss_factory: str | None  # None for a backend without FAISS
