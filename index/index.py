"""``Index``: the facade over one index directory (manifest, SQLite store, FAISS vectors, write lock)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from govqa.config import ChunkConfig, Config
from index import maintenance
from index.embedder import Embedder, create_embedder, model_identity
from index.keyword import match_expression, query_tokens
from index.lock import WriteLock
from index.manifest import MANIFEST_NAME, IndexNotFoundError, Manifest
from index.records import AddResult, ChunkRecord, ChunkSentences, DocumentInfo, PathReport
from index.store import STORE_NAME, Store
from index.vectors import VECTORS_NAME, VectorIndex
from index.writer import Writer
from ingest.document import Chunk, Document


class Index:
    """A persistent, incremental hybrid index: documents and chunks in SQLite (with FTS5), vectors in FAISS.

    Open with ``Index.open``. Writers (``add``, ``remove``, ``rebuild``) are
    serialised across processes by a lock file; readers never block.
    """

    def __init__(self, path: Path, config: Config, manifest: Manifest, store: Store,
                 embedder: Embedder | None, check_model: bool):
        self.path = path
        self.config = config
        self.manifest = manifest
        self.store = store
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._check = check_model
        self._lock = WriteLock(path)
        self.vectors: VectorIndex | None = None
        self._vectors_stat: tuple | None = None
        self._vectors_stale = False  # removal unsupported (HNSW): rebuild from storage when settling

    # -- opening -------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, config: Config, embedder: Embedder | None = None,
             create: bool = True, check_model: bool = True) -> "Index":
        """Open the index at ``path``, creating it when missing (unless ``create=False``).

        Raises ``IndexMismatchError`` when it was built with another model or
        dimension than ``embedder`` (or the configured model), and
        ``IndexNotFoundError`` when it is missing and ``create`` is False.
        If FAISS disagrees with SQLite (an earlier writer was killed), FAISS
        is repaired from the stored vectors.
        """
        path = Path(path)
        if not (path / MANIFEST_NAME).exists():
            if not create:
                raise IndexNotFoundError(f"no index at {path}: build one with `govqa index add PATH… --index {path}`")
            embedder = embedder or create_embedder(config.model)
            maintenance.create(path, config, embedder)
        manifest = Manifest.load(path)
        if check_model:
            name = embedder.name if embedder else model_identity(config.model.name)
            manifest.check_model(path, name, embedder.dimension if embedder else None,
                                 embedder.encoder if embedder else config.model.encoder)
        manifest.warn_settings(path, config.chunk.size, config.chunk.overlap, config.index.faiss_factory)
        index = cls(path, config, manifest, Store(path / STORE_NAME), embedder, check_model)
        if manifest.rebuild_pending:  # stored vectors may mix two models: only `rebuild` may use them
            index.vectors = VectorIndex.new(manifest.dimension, manifest.faiss_factory)
        else:
            if index._lock.acquire(wait=False):
                try:
                    index._sync_vectors(persist=True)
                finally:
                    index._lock.release()
            else:
                index._sync_vectors(persist=False)  # a writer is at work: repair in memory only
        return index

    def close(self) -> None:
        """Release the database connection."""
        self.store.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def embedder(self) -> Embedder:
        """The configured embedder, loaded on first use and checked against the manifest."""
        with self._embedder_lock:  # app threads may ask at once: load the model once
            if self._embedder is None:
                embedder = create_embedder(self.config.model)
                if self._check:
                    self.manifest.check_model(self.path, embedder.name, embedder.dimension, embedder.encoder)
                self._embedder = embedder
        return self._embedder

    # -- writing -------------------------------------------------------------
    @contextmanager
    def _writing(self, check_model: bool = True, sync: bool = True) -> Iterator[None]:
        self._lock.acquire()
        try:
            self.manifest = Manifest.load(self.path)  # another process may have changed it meanwhile
            if check_model:  # the name now; the dimension when the embedder loads (only if something needs embedding)
                embedder = self._embedder
                self.manifest.check_model(self.path, embedder.name if embedder else model_identity(self.config.model.name),
                                          embedder.dimension if embedder else None,
                                          embedder.encoder if embedder else self.config.model.encoder)
            if sync and not self.manifest.rebuild_pending:
                self._sync_vectors(persist=True)
            yield
        finally:
            self._lock.release()

    def add(self, items: Iterable[tuple[Document, list[Chunk]]], progress: bool = False) -> list[AddResult]:
        """Add or update documents; unchanged ones (same content hash) cost nothing. Results in input order."""
        with self._writing():
            return Writer(self, progress).run(items)

    def add_paths(self, paths: Iterable[str | os.PathLike], chunk_config: ChunkConfig | None = None,
                  progress: bool = False) -> list[PathReport]:
        """Ingest files and folders and add their documents; a bad file is reported, never stops the batch."""
        from ingest import ingest_paths

        reports: list[PathReport] = []
        owners: list[PathReport] = []

        def documents() -> Iterator[tuple[Document, list[Chunk]]]:
            for result in ingest_paths(paths, chunk_config or self.config.chunk):
                report = PathReport(result.path, result.status, error=result.error, row_errors=result.row_errors)
                reports.append(report)
                for item in result.documents:
                    owners.append(report)
                    yield item

        for owner, result in zip(owners, self.add(documents(), progress), strict=False):
            owner.results.append(result)
        return reports

    def remove(self, names: Sequence[str]) -> int:
        """Remove documents by name from every store; returns how many were found."""
        with self._writing(check_model=False):
            found, chunk_ids = self.store.remove_documents(list(names))
            if found:
                self._vectors_replace(chunk_ids, np.zeros(0, np.int64), None)
                self._vectors_settle()
                self._save_vectors()
                self._save_manifest()
        return found

    def rebuild(self, reembed: bool = False, progress: bool = False) -> dict:
        """Rebuild FAISS from stored vectors, or with ``reembed`` (forced when the model changed) re-chunk and re-embed all."""
        with self._writing(check_model=False, sync=False):
            return maintenance.rebuild(self, reembed, progress)

    # -- vector bookkeeping (the write lock is held) --------------------------
    def _vectors_replace(self, old_ids: Sequence[int], new_ids: np.ndarray, vectors: np.ndarray | None) -> None:
        if len(old_ids) and not self.vectors.remove(np.asarray(old_ids, dtype=np.int64)):
            self._vectors_stale = True
        if len(new_ids) and self.vectors.is_trained and not self._vectors_stale:
            self.vectors.add(new_ids, vectors)

    def _vectors_settle(self) -> None:
        if self._vectors_stale or not self.vectors.is_trained:
            maintenance.rebuild_vectors(self, self.vectors.factory, quiet=True)

    def _save_vectors(self) -> None:
        self.vectors.save(self.path / VECTORS_NAME)
        self._vectors_stat = maintenance.file_stat(self.path / VECTORS_NAME)

    def _save_manifest(self) -> None:
        self.manifest.save(self.path)

    def _sync_vectors(self, persist: bool) -> None:
        maintenance.sync_vectors(self, persist)

    def refresh(self) -> None:
        """Pick up FAISS changes saved by another process (for long-lived readers such as the app)."""
        self._sync_vectors(persist=False)

    # -- reading -------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        """Every indexed document, by name."""
        return self.store.documents()

    def stats(self) -> dict:
        """Counts, model, dimension, FAISS factory, sizes on disk, creation and update times."""
        return maintenance.stats(self)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors from the index's model, (n, dimension) float32, unit length."""
        return self.embedder.encode_queries(texts)

    def warm_up(self) -> None:
        """Load the model and prepare its fast path (ONNX Runtime) now, not on a server's first question."""
        self.embedder.warm_up()

    def dense_search(self, vectors: np.ndarray, k: int,
                     allowed_chunk_ids: set[int] | None = None) -> list[list[tuple[int, float]]]:
        """Per query vector, the ``k`` most similar chunks as (chunk id, cosine similarity), best first."""
        return self.vectors.search(vectors, k, allowed_chunk_ids)

    def keyword_search(self, query: str, k: int, allowed_doc_names: set[str] | None = None) -> list[tuple[int, float]]:
        """BM25 over jieba tokens: (chunk id, score, higher better), best first; [] when the query has no words."""
        return self.store.keyword_search(match_expression(query_tokens(query)), k, allowed_doc_names)

    def chunk_records(self, ids: Iterable[int]) -> dict[int, ChunkRecord]:
        """Records for chunk ids (ids removed since the search are left out)."""
        return self.store.chunk_records(list(ids))

    def chunk_sentences(self, ids: Iterable[int]) -> dict[int, ChunkSentences]:
        """The sentences of these chunks with their vectors stored at index time, by chunk id.

        Spans are offsets in the chunk's text (``ingest.sentences``); vectors
        are float32 (sentences, dimension), unit length, comparable with
        ``encode_queries``. Ids removed since the search are left out.
        """
        return self.store.chunk_sentences(list(ids), self.manifest.dimension)

    def neighbours(self, chunk_id: int, before: int = 1, after: int = 1) -> list[ChunkRecord]:
        """The chunk with up to ``before``/``after`` neighbours of its document, in text order."""
        return self.store.neighbours(chunk_id, before, after)

    def chunk_ids_where(self, docs: Iterable[str] | None = None, regions: Iterable[str] | None = None,
                        year_from: int | None = None, year_to: int | None = None) -> set[int]:
        """Ids of the chunks of documents passing every given filter (a region matches a place of the region path, loosely: 四川 ~ 四川省)."""
        docs = set(docs) if docs is not None else None
        regions = list(regions) if regions is not None else None
        names = []
        for name, _title, year, region_path in self.store.facets():
            places = region_path.split()
            if docs is not None and name not in docs:
                continue
            if regions is not None and not any(r in p or p in r for r in regions for p in places):
                continue
            if year_from is not None and (year is None or year < year_from):
                continue
            if year_to is not None and (year is None or year > year_to):
                continue
            names.append(name)
        return self.store.chunk_ids_of(names)

    def document_facets(self) -> list[tuple[str, str, int | None, str]]:
        """(name, title, year, region_path) of every document, for grounding questions in years and places."""
        return self.store.facets()
