"""The local backend, the embedded default: SQLite (documents, chunks, FTS5, stored vectors) plus a FAISS mirror."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from govqa.index.backend import Backend, DenseIndex, KeywordIndex, SentenceRows
from govqa.index.backends.faiss_mirror import FaissMirror
from govqa.index.backends.fts5 import Fts5Keywords
from govqa.index.backends.fts5_scope import scoped
from govqa.index.backends.keyword_index import TantivyKeywords
from govqa.index.keyword import index_text, query_tokens
from govqa.index.records import ChunkFilter
from govqa.index.settings import IndexConfig
from govqa.index.stats import BackendStats
from govqa.index.store import STORE_NAME, Store
from govqa.index.vectors import VECTORS_NAME
from govqa.index.widen import kept, widened
from govqa.ingest.document import Chunk, Document

#: How far tantivy's BM25 may fall below FTS5's for one chunk, relatively: it keeps a chunk's length in one byte
#: (within about 5% above 40 tokens) and counts deleted chunks until a merge (``keyword_index``'s docstring).
TANTIVY_SLACK = 0.1


def _size(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths if p.exists())


class FaissDense(DenseIndex):
    """The FAISS mirror as the dense role: a filter becomes the chunk ids of its documents (read from SQLite)."""

    def __init__(self, mirror: FaissMirror, store: Store):
        self.mirror = mirror
        self.store = store

    def dense_search(
        self, vectors: np.ndarray, k: int, where: ChunkFilter | None = None
    ) -> list[list[tuple[int, float]]]:
        if where is None or where.documents is None:
            return self.mirror.search(vectors, k, None)
        if where.allows_nothing:
            return [[] for _ in range(len(vectors))]
        ids, total = self.store.chunk_ids_for(where.documents)
        wide = widened(k, len(ids), total)
        if wide:  # a broad filter (a reader's libraries): the unfiltered best, filtered after, is cheaper and exact
            passing = [kept(row, ids, k, wide) for row in self.mirror.search(vectors, wide, None)]
            if all(row is not None for row in passing):
                return [row for row in passing if row is not None]
        return self.mirror.search(vectors, k, set(ids))


class TantivyKeywordIndex(KeywordIndex):
    """The keyword role played by the index folder's tantivy index (``[index] keyword = "tantivy"``).

    Until it is known to hold what the store holds (a process that may not repair it opened
    it fresh), FTS5 answers instead: the same BM25 over the same tokens, only slower.
    """

    def __init__(self, engine: TantivyKeywords, store: Store):
        self.engine = engine
        self.fallback = Fts5Keywords(store)
        self.in_step = False

    def keyword_search(self, query: str, k: int, where: ChunkFilter | None = None) -> list[tuple[int, float]]:
        if not self.in_step:
            return self.fallback.keyword_search(query, k, where)
        if where is None or where.scope is None:
            return self.engine.search(query, k, None if where is None else where.documents)
        tokens = query_tokens(query)  # a scope's statistics: the pool from tantivy, rescored (``fts5_scope.scoped``)
        return scoped(
            self.fallback.scope,
            tokens,
            k,
            where,
            lambda n: self.engine.search_tokens(tokens, n, where.documents),
            slack=TANTIVY_SLACK,
        )


class LocalBackend(Backend):
    """An index folder's ``store.sqlite`` and ``vectors.faiss``; one machine, no server.

    Its roles: ``store`` is the SQLite ``Store`` (the source of truth),
    ``keyword`` FTS5 inside it (``Fts5Keywords``), ``dense`` the FAISS
    mirror (``FaissDense`` over ``mirror``). Reads go through per-thread
    SQLite connections (WAL) and FAISS's read lock, so they never wait for
    a writer's embedding.
    """

    name = "local"
    uses_faiss = True
    store: Store
    dense: FaissDense
    keyword: Fts5Keywords | TantivyKeywordIndex

    @classmethod
    def from_config(
        cls, directory: Path, config: IndexConfig, dimension: int, faiss_factory: str, create: bool = False
    ) -> LocalBackend:
        return cls(directory, dimension, faiss_factory, create=create, keyword=config.keyword)

    @classmethod
    def cache_key(cls, config: IndexConfig) -> dict:
        # FTS5 adds nothing: corpus indexes cached before the seam stay valid.
        return {} if config.keyword == "fts5" else {"keyword": config.keyword}

    def __init__(self, directory: Path, dimension: int, factory: str, create: bool = False, keyword: str = "fts5"):
        self.directory = Path(directory)
        self.store = Store(self.directory / STORE_NAME, dimension, create=create)
        self.mirror = FaissMirror(self.directory, self.store, dimension, factory)
        self.dense = FaissDense(self.mirror, self.store)
        # FTS5 is written with every document either way (tantivy's rows are read from it).
        self.tantivy = TantivyKeywords.open(self.directory, create=True) if keyword == "tantivy" else None
        if self.tantivy is None:
            self.keyword = Fts5Keywords(self.store)
        else:
            self.keyword = TantivyKeywordIndex(self.tantivy, self.store)

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
        if self.tantivy is not None:  # after the store's commit: a crash between them is repaired by ``sync``
            self.tantivy.replace(old_ids, [(i, document.name, t) for i, t in zip(new_ids, tokens, strict=True)])

    def remove_documents(self, names: Sequence[str]) -> int:
        in_step = self.mirror.in_step()
        found, chunk_ids = self.store.remove_documents(list(names))
        if found:
            self.mirror.replace(chunk_ids, [], None, was_in_step=in_step)
            if self.tantivy is not None:
                self.tantivy.replace(chunk_ids, [])
        return found

    def move_documents(self, names: Sequence[str], library: str) -> int:
        """One UPDATE of the store: chunks, FTS5 and FAISS do not hold the library."""
        return self.store.move_documents(names, library)

    def settle(self) -> None:
        self.mirror.settle()

    def save(self) -> None:
        self.mirror.save()

    def sync(self, persist: bool) -> None:
        self.mirror.sync(persist)
        if isinstance(self.keyword, TantivyKeywordIndex):
            if persist:  # the write lock is held: make it equal to the store
                self.keyword.engine.sync(self.store, repair=True)
                self.keyword.in_step = True
            else:  # another process's writes, which keep it in step once it is
                self.keyword.engine.refresh()
                self.keyword.in_step = self.keyword.in_step or self.keyword.engine.in_step(self.store)

    def defer_vectors(self, dimension: int) -> None:
        self.store.dimension = self.mirror.dimension = dimension
        self.mirror.deferred = True

    def rebuild_vectors(self, factory: str) -> None:
        self.mirror.rebuild(factory)
        self.mirror.save()

    def rebuild_keywords(self, engine: str) -> None:
        if engine == "tantivy":
            role = self.keyword
            if not isinstance(role, TantivyKeywordIndex):
                self.tantivy = TantivyKeywords.open(self.directory, create=True)
                role = self.keyword = TantivyKeywordIndex(self.tantivy, self.store)
            role.engine.sync(self.store, repair=True)  # what it lacks or holds too many, from FTS5's rows
            role.in_step = True
        elif self.tantivy is not None:  # FTS5 alone: tantivy's folder stays, repaired if it is chosen again
            self.tantivy.close()
            self.tantivy, self.keyword = None, Fts5Keywords(self.store)

    def close(self) -> None:
        # The mirror's builder thread reads the store: stopped first (the next process to open resumes it).
        self.mirror.close(finish=False)
        if self.tantivy is not None:
            self.tantivy.close()
        self.store.close()

    # -- describing ----------------------------------------------------------
    def stats(self) -> BackendStats:
        d = self.directory
        store = _size(d / STORE_NAME, d / f"{STORE_NAME}-wal", d / f"{STORE_NAME}-shm")
        return {
            "backend": self.name,
            "vectors_indexed": self.mirror.ntotal,
            "faiss_factory": self.mirror.active_factory,
            "bytes": {"store": store, "vectors": _size(d / VECTORS_NAME)},
        }
