"""The local backend, the embedded default: SQLite (documents, chunks, FTS5, stored vectors) plus a FAISS mirror."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import itemgetter
from pathlib import Path

import numpy as np

from govqa.index.backend import Backend, SentenceRows
from govqa.index.backends.faiss_mirror import FaissMirror
from govqa.index.keyword import index_text, match_expression, query_tokens
from govqa.index.records import ChunkRecord, ChunkSentences, DocumentInfo
from govqa.index.settings import IndexConfig
from govqa.index.stats import BackendStats, Counts
from govqa.index.store import STORE_NAME, Store
from govqa.index.vectors import VECTORS_NAME
from govqa.ingest.document import Chunk, Document


def _size(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths if p.exists())


class LocalBackend(Backend):
    """An index folder's ``store.sqlite`` and ``vectors.faiss``; one machine, no server.

    Reads go through per-thread SQLite connections (WAL) and FAISS's read
    lock, so they never wait for a writer's embedding.
    """

    name = "local"
    uses_faiss = True

    @classmethod
    def from_config(
        cls, directory: Path, config: IndexConfig, dimension: int, faiss_factory: str, create: bool = False
    ) -> LocalBackend:
        return cls(directory, dimension, faiss_factory, create=create)

    @classmethod
    def cache_key(cls, config: IndexConfig) -> dict:
        return {}  # the default backend adds nothing: corpus indexes cached before the seam stay valid

    def __init__(self, directory: Path, dimension: int, factory: str, create: bool = False):
        self.directory = Path(directory)
        self.store = Store(self.directory / STORE_NAME, create=create)
        self.dimension = dimension
        self.mirror = FaissMirror(self.directory, self.store, dimension, factory)
        self._facets: tuple[int, int, list] | None = None  # (data_version, highest document id, facets by name)

    # -- writing -------------------------------------------------------------
    def replace_document(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        texts: Sequence[str],
        sentences: SentenceRows,
    ) -> None:
        tokens = [index_text(t) for t in texts]
        in_step = self.mirror.in_step()
        old_ids, new_ids = self.store.replace_document(document, chunks, vectors, tokens, sentences)
        self.mirror.replace(old_ids, new_ids, vectors, was_in_step=in_step)

    def remove_documents(self, names: Sequence[str]) -> int:
        in_step = self.mirror.in_step()
        found, chunk_ids = self.store.remove_documents(list(names))
        if found:
            self.mirror.replace(chunk_ids, [], None, was_in_step=in_step)
        return found

    def settle(self) -> None:
        self.mirror.settle()

    def save(self) -> None:
        self.mirror.save()

    def sync(self, persist: bool) -> None:
        self.mirror.sync(persist)

    def defer_vectors(self, dimension: int) -> None:
        self.dimension = self.mirror.dimension = dimension
        self.mirror.deferred = True

    def rebuild_vectors(self, factory: str) -> None:
        self.mirror.rebuild(factory)
        self.mirror.save()

    def close(self) -> None:
        self.store.close()

    # -- reading -------------------------------------------------------------
    def content_hash(self, name: str) -> str | None:
        return self.store.content_hash(name)

    def dense_search(
        self, vectors: np.ndarray, k: int, allowed_chunk_ids: set[int] | None = None
    ) -> list[list[tuple[int, float]]]:
        return self.mirror.search(vectors, k, allowed_chunk_ids)

    def keyword_search(self, query: str, k: int, allowed_doc_names: set[str] | None = None) -> list[tuple[int, float]]:
        return self.store.keyword_search(match_expression(query_tokens(query)), k, allowed_doc_names)

    def chunk_records(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        return self.store.chunk_records(ids)

    def chunk_sentences(self, ids: Sequence[int]) -> dict[int, ChunkSentences]:
        return self.store.chunk_sentences(ids, self.dimension)

    def neighbours(self, chunk_id: int, before: int, after: int) -> list[ChunkRecord]:
        return self.store.neighbours(chunk_id, before, after)

    def document_slice(self, name: str, start: int, end: int) -> str:
        return self.store.document_slice(name, start, end)

    def chunk_ids_of(self, doc_names: Sequence[str]) -> set[int]:
        return self.store.chunk_ids_of(doc_names)

    def chunk_documents(self, ids: Sequence[int]) -> dict[int, str]:
        return self.store.chunk_documents(ids)

    def documents(self) -> list[DocumentInfo]:
        return self.store.documents()

    def facets(self) -> list[tuple[str, str, int | None, str]]:
        """By name; read whole once, then only the documents added since (unless some were removed).

        During a long upload every question comes after another commit: reading every
        document's row again each time made questions slower the more rows were in.
        """
        version = self.store.data_version()  # before reading: a commit after it is seen next time
        seen = self._facets
        if seen is not None and seen[0] == version:
            return seen[2]
        count, top, added = self.store.facets_after(seen[1] if seen is not None else 0)
        if seen is not None and len(seen[2]) + len(added) == count:
            rows = sorted(seen[2] + added, key=itemgetter(0)) if added else seen[2]
        else:  # the first read, or some were removed or replaced
            rows = self.store.facets()
        self._facets = (version, top, rows)
        return rows

    def generation(self) -> int | None:
        return self.store.data_version()

    def stored_documents(self) -> Iterator[Document]:
        return self.store.stored_documents()

    def stored_chunks(self, name: str) -> tuple[list[ChunkRecord], np.ndarray, list[ChunkSentences]]:
        ids = sorted(self.store.chunk_ids_of([name]))
        records = sorted(self.store.chunk_records(ids).values(), key=lambda r: r.position)
        ordered = [r.id for r in records]
        by_id = {
            int(i): v
            for ids, batch in self.store.iter_embeddings(self.dimension, ordered)
            for i, v in zip(ids, batch, strict=True)
        }
        vectors = np.array([by_id[i] for i in ordered], dtype=np.float16).reshape(len(ordered), self.dimension)
        sentences = self.store.chunk_sentences(ordered, self.dimension)
        return records, vectors, [sentences[i] for i in ordered]

    def counts(self) -> Counts:
        return self.store.counts()

    def stats(self) -> BackendStats:
        d = self.directory
        store = _size(d / STORE_NAME, d / f"{STORE_NAME}-wal", d / f"{STORE_NAME}-shm")
        return {
            "backend": self.name,
            "vectors_indexed": self.mirror.ntotal,
            "faiss_factory": self.mirror.factory,
            "bytes": {"store": store, "vectors": _size(d / VECTORS_NAME)},
        }
