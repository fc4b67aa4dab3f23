"""The storage seam, split by role: a document store, a dense index and a keyword index, held by a backend.

``Index`` (the facade) owns the manifest, the model and the write lock; a
``Backend`` owns where documents, chunks, their vectors and their sentences
live and how they are searched, as three roles (Haystack 2.x's document store
protocol and txtai's ANN / scoring split):

- ``DocumentStore`` (``backend.store``): documents, chunks, stored vectors and
  sentences, what is read to show, cite, judge and copy them;
- ``DenseIndex`` (``backend.dense``): nearest chunks to a query vector;
- ``KeywordIndex`` (``backend.keyword``): BM25 over the chunks' jieba tokens.

Both searches take a ``ChunkFilter`` (``index.records``), never a set of ids,
so each role filters the way its engine does best. Writes go through the
backend, which keeps its roles in step (one transaction where it can).
The local backend composes three objects (SQLite, FTS5 inside it, a FAISS
mirror); the Milvus backend is one class playing all three roles. govqa ships two:
``index.backends.local`` (SQLite + FTS5 + FAISS in the index folder, the
default) and ``index.backends.milvus`` (Milvus 2.5: a cluster, or Milvus Lite
in a file). A backend is a class registered by name (``govqa.registry.backends``:
the entry-point group ``govqa.backends``, or ``register`` from code);
``index.backends.create_backend`` opens the one ``[index] backend`` names.
``govqa.index.testing`` holds the contract every backend must pass.

Writes come only from the holder of the index's write lock; reads may come
from any thread at any time and never wait for a writer's embedding. A
document is visible to searches as soon as ``replace_document`` returns.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from govqa.index.records import ChunkFilter, ChunkRecord, ChunkSentences, DocumentInfo
from govqa.index.settings import IndexConfig
from govqa.index.stats import BackendStats, Counts
from govqa.ingest.document import Chunk, Document

# Per chunk: its sentence spans (offsets in the chunk's text) and their vectors: (2 * len(spans), dimension),
# the bare sentences then the same in context (``ChunkSentences``, ``ChunkSentences.rows``); (len(spans), dimension)
# when there are none in context.
SentenceRows = Sequence[tuple[Sequence[tuple[int, int]], np.ndarray]]


class DocumentStore(ABC):
    """Documents, chunks, their stored vectors and sentences: every read that is not a search."""

    @abstractmethod
    def content_hash(self, name: str) -> str | None:
        """The stored content hash of document ``name``, or None when it is not indexed."""

    @abstractmethod
    def chunk_records(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """Records of the chunks with these ids (ids no longer stored are left out)."""

    @abstractmethod
    def chunk_sentences(self, ids: Sequence[int]) -> dict[int, ChunkSentences]:
        """The stored sentences of these chunks with float32 vectors (ids no longer stored are left out)."""

    @abstractmethod
    def neighbours(self, chunk_id: int, before: int, after: int) -> list[ChunkRecord]:
        """The chunk and up to ``before``/``after`` chunks around it in its document, in text order."""

    @abstractmethod
    def document_slice(self, name: str, start: int, end: int) -> str:
        """Characters ``start``…``end`` of a document's cleaned text; "" for an unknown document."""

    @abstractmethod
    def chunk_ids_of(self, doc_names: Sequence[str]) -> set[int]:
        """Ids of every chunk of the named documents."""

    @abstractmethod
    def chunk_documents(self, ids: Sequence[int]) -> dict[int, str]:
        """Chunk id → its document's name, for the ids still stored."""

    @abstractmethod
    def documents(self) -> list[DocumentInfo]:
        """Every document with its chunk count, by name."""

    @abstractmethod
    def facets(self) -> list[tuple[str, str, int | None, str]]:
        """(name, title, year, region_path) of every document, by name."""

    def libraries(self) -> dict[str, str]:
        """Document name → the library (文库) it is filed in ("" for the index's default library).

        The default reads ``documents()``; a store with a cheaper way (the local one: a column) overrides it.
        """
        return {info.name: info.library for info in self.documents()}

    def generation(self) -> int | None:
        """A number that changes whenever anything may have been committed, by any process; None when unknown.

        Cheap (no scan): readers ask it before reusing what they read (``Index.document_facets``).
        The default, None, means "cannot tell": every read goes to the store.
        """
        return None

    @abstractmethod
    def stored_documents(self) -> Iterator[Document]:
        """Every stored document rebuilt as an ingest ``Document`` (to re-chunk and re-embed it)."""

    @abstractmethod
    def stored_chunks(self, name: str) -> tuple[list[ChunkRecord], np.ndarray, list[ChunkSentences]]:
        """A document's chunks in order with their float16 vectors and their sentences (``index copy``)."""

    @abstractmethod
    def counts(self) -> Counts:
        """Numbers of documents, chunks, stored chunk vectors and stored sentence vectors."""


class DenseIndex(ABC):
    """Nearest chunks to query vectors."""

    @abstractmethod
    def dense_search(
        self, vectors: np.ndarray, k: int, where: ChunkFilter | None = None
    ) -> list[list[tuple[int, float]]]:
        """Per query vector (rows of ``vectors``, float32 unit length), the ``k`` most similar chunks
        ``where`` allows as (chunk id, inner product), best first. A selective filter still yields
        up to ``k`` hits; one that allows nothing yields none."""


class KeywordIndex(ABC):
    """BM25 over the chunks' retrieval texts, cut into govqa's own jieba tokens (``index.keyword``)."""

    @abstractmethod
    def keyword_search(self, query: str, k: int, where: ChunkFilter | None = None) -> list[tuple[int, float]]:
        """(chunk id, score, higher better) of the ``k`` best chunks ``where`` allows, best first;
        [] for a query without words. Scores compare within one engine only."""


class Backend(ABC):
    """One index's storage: its three roles (``store``, ``dense``, ``keyword``) and the writes that keep them in step."""

    #: The name it is registered under ("local", "milvus"…): recorded in the manifest by ``index.maintenance.create``.
    name: str
    #: True when the dense index is FAISS built by ``[index] faiss_factory`` (the manifest records the factory).
    uses_faiss: bool = False

    store: DocumentStore
    dense: DenseIndex
    keyword: KeywordIndex

    # -- opening -------------------------------------------------------------
    @classmethod
    @abstractmethod
    def from_config(
        cls, directory: Path, config: IndexConfig, dimension: int, faiss_factory: str, create: bool = False
    ) -> Backend:
        """Open the backend of the index folder ``directory`` for vectors of ``dimension``.

        ``create`` makes its empty storage. ``faiss_factory`` is the manifest's (or, at
        creation, the configured) factory string, for a backend that ``uses_faiss``.
        Raises ``IndexUnavailableError`` when its storage cannot be reached or used.
        """

    @classmethod
    def location(cls, config: IndexConfig) -> str:
        """Where inside the backend's storage this index lives, recorded in the manifest ("": the index folder)."""
        return ""

    @classmethod
    def at_location(cls, config: IndexConfig, location: str) -> IndexConfig:
        """``config`` pointed at ``location`` (a manifest's record of ``location``), to open the index built there."""
        return config

    @classmethod
    def cache_key(cls, config: IndexConfig) -> dict[str, Any]:
        """What of ``config`` decides an index this backend holds, for caches keyed by settings (``govqa eval``)."""
        return {"backend": cls.name, "location": cls.location(config)}

    # -- writing (the caller holds the index's write lock) -------------------
    @abstractmethod
    def replace_document(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        texts: Sequence[str],
        sentences: SentenceRows,
    ) -> None:
        """Store a document with its chunks and replace any document of the same name, atomically for readers.

        ``vectors`` are the chunks' float16 unit vectors (len(chunks), dimension);
        ``texts`` their retrieval texts (``index.context.retrieval_text``), what
        keyword search matches; ``sentences`` each chunk's sentence spans and
        vectors. The backend assigns the chunks' ids.
        """

    @abstractmethod
    def remove_documents(self, names: Sequence[str]) -> int:
        """Delete documents by name with every trace of them; returns how many were found."""

    def move_documents(self, names: Sequence[str], library: str) -> int | None:
        """File the named documents under ``library`` in place; how many were found, or None: "no way in place".

        The default, None, has ``Index.move`` write each document again with its stored chunks and
        vectors (``index.copy.refile``: nothing is embedded); a backend that can change the one field
        in place (the local one: a column) overrides it.
        """
        return None

    def settle(self) -> None:  # noqa: B027 (a default: nothing to do)
        """Bring the dense index up to date after a batch of writes (the local FAISS mirror needs it)."""

    def save(self) -> None:  # noqa: B027 (a default: nothing to do)
        """Persist what is kept in memory (the local FAISS mirror); called now and then during long writes."""

    def sync(self, persist: bool) -> None:  # noqa: B027 (a default: nothing to do)
        """Pick up changes made by another process (``persist``: also repair what is on disk)."""

    def defer_vectors(self, dimension: int) -> None:  # noqa: B027 (a default: nothing to do)
        """Stop updating the dense index until ``rebuild_vectors``: stored vectors mix two models meanwhile.

        ``dimension`` is the new model's; a backend that cannot change it raises ``IndexMismatchError``.
        """

    def rebuild_vectors(self, factory: str) -> None:  # noqa: B027 (a default: nothing to do)
        """Rebuild the dense index from every stored vector, with the FAISS ``factory`` where that applies."""

    def rebuild_keywords(self, engine: str) -> None:  # noqa: B027 (a default: nothing to do)
        """Play the keyword role with ``engine`` ("tantivy", "fts5": ``IndexConfig.keyword``) where the backend
        lets it be chosen, made from the stored chunks now (the write lock held)."""

    def close(self) -> None:  # noqa: B027 (a default: nothing to do)
        """Release connections."""

    # -- describing ----------------------------------------------------------
    @abstractmethod
    def stats(self) -> BackendStats:
        """What this backend adds to ``govqa index stats``: where it is, vectors indexed, sizes."""
