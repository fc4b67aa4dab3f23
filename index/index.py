"""``Index``: the facade over one index directory (manifest, write lock) and its backend (``index.backend``)."""

from __future__ import annotations

import heapq
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from govqa.index import maintenance
from govqa.index.backend import Backend
from govqa.index.backends import backend_class
from govqa.index.codec import LIBRARY
from govqa.index.copy import copy_documents, refile
from govqa.index.embedder import Embedder, create_embedder, model_identity
from govqa.index.errors import IndexNotFoundError, IndexReadOnlyError
from govqa.index.lock import WriteLock
from govqa.index.manifest import MANIFEST_NAME, Manifest, sentence_kind
from govqa.index.prefetch import prefetched
from govqa.index.records import AddResult, ChunkFilter, ChunkRecord, ChunkSentences, DocumentInfo, Facet, PathReport
from govqa.index.settings import IndexSettings
from govqa.index.simplified import to_simplified
from govqa.index.stats import IndexStats, RebuildResult
from govqa.index.writer import Writer
from govqa.ingest.document import Chunk, Document
from govqa.ingest.settings import ChunkConfig

log = logging.getLogger(__name__)
T = TypeVar("T")


class Index:
    """A persistent, incremental hybrid index: documents, chunks, vectors and keyword search in one ``Backend``.

    The index folder holds the manifest and the write lock, and with the
    local backend its data (SQLite with FTS5, FAISS); with the Milvus backend
    the data lives in Milvus (``index.backends``). Open with ``Index.open``.
    Writers (``add``, ``remove``, ``rebuild``) are serialised, within a
    process by a mutex and across processes by a lock file. Readers never
    wait for a writer's embedding, and see a document as soon as it commits.
    """

    def __init__(
        self,
        path: Path,
        config: IndexSettings,
        manifest: Manifest,
        backend: Backend,
        embedder: Embedder | None,
        check_model: bool,
    ):
        self.path = path
        self.config = config
        self.manifest = manifest
        self.backend = backend
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._check = check_model
        self._lock = WriteLock(path)
        self._writer = threading.Lock()  # one writer thread at a time in this process
        # What is read once per index generation (``_per_generation``): name → (generation, value).
        self._generation_cache: dict[str, tuple[int, Any]] = {}
        # The last facet list ``documents_where`` grouped, with its groups (``_facet_groups``).
        self._grouped: tuple[Sequence[Facet], dict[tuple[int | None, str], list[int]], dict[str, int]] | None = None

    # -- opening -------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike,
        config: IndexSettings,
        embedder: Embedder | None = None,
        create: bool = True,
        check_model: bool = True,
    ) -> Index:
        """Open the index at ``path``, creating it when missing (unless ``create=False``).

        Raises ``IndexMismatchError`` when it was built with another model,
        dimension or backend than ``embedder`` (or the configured model) and
        ``[index] backend``, and ``IndexNotFoundError`` when it is missing and
        ``create`` is False. If FAISS disagrees with SQLite (an earlier local
        writer was killed), FAISS is repaired from the stored vectors.
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
            manifest.check_model(
                path,
                name,
                embedder.dimension if embedder else None,
                embedder.encoder if embedder else config.model.encoder,
                sentence_kind(embedder.sentence_method, config.index.bare_sentences) if embedder else None,
            )
        kind = backend_class(config.index.backend)
        manifest.check_backend(path, kind.name, kind.location(config.index))
        factory = config.index.faiss_factory if kind.uses_faiss else None
        manifest.warn_settings(path, config.chunk.size, config.chunk.overlap, factory)
        if kind.uses_faiss and config.index.keyword != manifest.keyword:
            log.warning(
                "index at %s keeps its %s keyword index (config says %s: `govqa index rebuild` switches it)",
                path,
                manifest.keyword,
                config.index.keyword,
            )
        as_built = replace(config.index, keyword="tantivy" if manifest.keyword == "tantivy" else "fts5")
        backend = kind.from_config(path, as_built, manifest.dimension, manifest.faiss_factory or "")
        index = cls(path, config, manifest, backend, embedder, check_model)
        if manifest.rebuild_pending:  # stored vectors may mix two models: only `rebuild` may use them
            backend.defer_vectors(manifest.dimension)
        else:
            try:  # a read-only index is only read
                locked = os.access(path, os.W_OK) and index._lock.acquire(wait=False)
            except IndexReadOnlyError:
                locked = False
            if locked:
                try:
                    backend.sync(persist=True)
                finally:
                    index._lock.release()
            else:
                backend.sync(persist=False)  # read-only, or a writer is at work: repair in memory only
        return index

    def close(self) -> None:
        """Release the backend's connections."""
        self.backend.close()

    def __enter__(self) -> Index:
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
                    self.manifest.check_model(
                        self.path,
                        embedder.name,
                        embedder.dimension,
                        embedder.encoder,
                        sentence_kind(embedder.sentence_method, self.config.index.bare_sentences),
                    )
                self._embedder = embedder
        return self._embedder

    def model_wanted(self) -> tuple[str, str]:
        """(model name, encoder) that the configuration asks for, without loading the model."""
        if self._embedder is not None:
            return self._embedder.name, self._embedder.encoder
        return model_identity(self.config.model.name), self.config.model.encoder

    def embedder_unchecked(self) -> Embedder:
        """The configured embedder, not checked against the manifest (a re-embedding rebuild replaces its model)."""
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = create_embedder(self.config.model)
        return self._embedder

    # -- writing -------------------------------------------------------------
    @contextmanager
    def _writing(self, check_model: bool = True, sync: bool = True) -> Iterator[None]:
        with self._writer:
            self._lock.acquire()
            try:
                self.manifest = Manifest.load(self.path)  # another process may have changed it meanwhile
                if check_model:  # the name now; the dimension when the embedder loads (if anything needs embedding)
                    embedder = self._embedder
                    self.manifest.check_model(
                        self.path,
                        embedder.name if embedder else model_identity(self.config.model.name),
                        embedder.dimension if embedder else None,
                        embedder.encoder if embedder else self.config.model.encoder,
                        sentence_kind(embedder.sentence_method, self.config.index.bare_sentences) if embedder else None,
                    )
                if sync and not self.manifest.rebuild_pending:
                    self.backend.sync(persist=True)
                yield
            finally:
                self._lock.release()

    def check_writable(self) -> None:
        """Raise ``IndexReadOnlyError`` now if a write would fail for a read-only folder (a lock held elsewhere is fine)."""
        if self._lock.acquire(wait=False):
            self._lock.release()

    def add(
        self,
        items: Iterable[tuple[Document, list[Chunk]]],
        progress: bool = False,
        cancel: Callable[[], bool] | None = None,
        library: str | None = None,
    ) -> list[AddResult]:
        """Add or update documents; unchanged ones (same content hash) cost nothing. Results in input order.

        ``cancel()`` is asked between documents and embedding batches: when it says True, the
        documents committed so far stay and the rest are left out of the results. ``library``
        files them in that library (文库); None keeps a replaced document's library and puts a new
        one in the default library. An unchanged document given another library is moved (no embedding).
        Raises ``ValueError`` for a library name that is blank or too long (``check_library``).
        """
        if library is not None:
            library = self._stored_library(library)
        with self._writing():
            stored = self.backend.store.libraries()

            def filed() -> Iterator[tuple[Document, list[Chunk]]]:
                for document, chunks in items:
                    wanted = library if library is not None else stored.get(document.name, "")
                    yield replace(document, meta={**document.meta, LIBRARY: wanted}), chunks

            results = Writer(self, progress, cancel=cancel).run(filed())
            if library is not None:
                stay = [r.name for r in results if r.status == "unchanged" and stored.get(r.name, "") != library]
                if stay:
                    self._move(stay, library)
            return results

    def add_paths(
        self,
        paths: Iterable[str | os.PathLike],
        chunk_config: ChunkConfig | None = None,
        progress: bool = False,
        cancel: Callable[[], bool] | None = None,
        library: str | None = None,
    ) -> list[PathReport]:
        """Ingest files and folders and add their documents; a bad file is reported, never stops the batch.

        A document over ``[index] max_document_chars`` or ``max_document_chunks`` is refused
        (the file's error, or a row error of a multi-document file) before anything is embedded.
        """
        from govqa.ingest import ingest_paths

        reports: list[PathReport] = []
        owners: list[PathReport] = []

        def documents() -> Iterator[tuple[Document, list[Chunk]]]:
            for result in ingest_paths(paths, chunk_config or self.config.chunk, self.config.ocr, self.config.ingest):
                report = PathReport(
                    result.path, result.status, error=result.error, row_errors=result.row_errors, notes=result.notes
                )
                reports.append(report)
                for document, chunks in result.documents:
                    too_big = self.too_big(document, chunks)
                    if too_big and len(result.documents) == 1:
                        report.status, report.error = "failed", too_big
                    elif too_big:
                        report.row_errors.append(f"{document.name}: {too_big}")
                    else:
                        owners.append(report)
                        yield document, chunks

        added = self.add(prefetched(documents()), progress, cancel, library=library)
        for owner, result in zip(owners, added, strict=False):
            owner.results.append(result)
        return reports

    def too_big(self, document: Document, chunks: list[Chunk]) -> str:
        """Why a document is refused for its size (``[index] max_document_chars``, ``max_document_chunks``), or ``""``."""
        limits = self.config.index
        if len(document.text) > limits.max_document_chars:
            return (
                f"{len(document.text):,} characters, over the limit of {limits.max_document_chars:,} "
                "([index] max_document_chars): split the file, or raise the limit"
            )
        if len(chunks) > limits.max_document_chunks:
            return (
                f"{len(chunks):,} chunks, over the limit of {limits.max_document_chunks:,} "
                "([index] max_document_chunks): split the file, or raise the limit"
            )
        return ""

    def remove(self, names: Sequence[str]) -> int:
        """Remove documents by name from every store; returns how many were found."""
        with self._writing(check_model=False):
            found = self.backend.remove_documents(list(names))
            if found:
                self.backend.settle()
                self.backend.save()
                self.manifest.save(self.path)
        return found

    def move(self, names: Sequence[str], library: str) -> int:
        """File documents under ``library`` without embedding anything; returns how many were found.

        The local backend changes one column; another backend writes each document again with its
        stored vectors (``Backend.move_documents``). ``ValueError`` for a blank or too long name.
        """
        stored = self._stored_library(library)
        with self._writing(check_model=False):
            return self._move(names, stored)

    def _stored_library(self, library: str) -> str:
        """``library`` checked (``check_library``) and as stored: the default library is stored as ""."""
        library = check_library(library)
        return "" if library == self.default_library else library

    def _move(self, names: Sequence[str], stored: str) -> int:
        """File documents under the library stored as ``stored`` (``_stored_library``)."""
        found = self.backend.move_documents(list(names), stored)
        if found is None:
            found = refile(self.backend, list(names), stored)
        if found:
            self.backend.settle()
            self.backend.save()
            self.manifest.save(self.path)
        return found

    def copy_from(self, source: Index, progress: bool = False) -> list[AddResult]:
        """Copy every document of ``source`` with its stored vectors into this index, embedding nothing.

        Both must hold vectors of one model (``IndexMismatchError`` otherwise);
        documents already here with the same content hash are skipped.
        """
        with self._writing(check_model=False):
            results = copy_documents(source, self, progress)
            self.manifest.chunk_size = source.manifest.chunk_size
            self.manifest.chunk_overlap = source.manifest.chunk_overlap
            self.backend.settle()
            self.backend.save()
            self.manifest.save(self.path)
        return results

    def rebuild(self, reembed: bool = False, progress: bool = False) -> RebuildResult:
        """Rebuild FAISS from stored vectors, or with ``reembed`` (forced when the model changed) re-chunk and re-embed all."""
        with self._writing(check_model=False, sync=False):
            return maintenance.rebuild(self, reembed, progress)

    def refresh(self) -> None:
        """Pick up what another process committed (for long-lived readers such as the app's ``web.refresher``).

        Costs a few microseconds when nothing was committed; otherwise reads the change
        without holding the lock searches take, and applies it under that lock briefly
        (``index.backends.faiss_mirror``). Skipped while this process writes: its writer
        keeps FAISS in step itself. (Milvus needs nothing: every reader asks the server.)
        """
        if not self._writer.acquire(blocking=False):
            return
        try:
            self.backend.sync(persist=False)
        finally:
            self._writer.release()

    # -- reading -------------------------------------------------------------
    def content_hash(self, name: str) -> str | None:
        """The content hash of the named document as committed, or None when the index does not hold it."""
        return self.backend.store.content_hash(name)

    def documents(self, libraries: Iterable[str] | None = None) -> list[DocumentInfo]:
        """Every indexed document, by name, each with its library (the default one named); only those of
        ``libraries`` when given."""
        wanted = None if libraries is None else set(libraries)
        default = self.default_library
        out = []
        for info in self.backend.store.documents():
            info = info if info.library else replace(info, library=default)
            if wanted is None or info.library in wanted:
                out.append(info)
        return out

    @property
    def default_library(self) -> str:
        """The library of documents added without one, and of every document of an index made before
        libraries: named after the index folder ("默认" when the folder has no name)."""
        return self.path.resolve().name or "默认"

    def document_libraries(self) -> dict[str, str]:
        """Document name → its library (the default one named), read once per index generation (as facets are)."""
        default = self.default_library
        return self._per_generation(
            "libraries",
            lambda: {name: library or default for name, library in self.backend.store.libraries().items()},
        )

    def libraries(self) -> list[str]:
        """The names of the libraries that hold documents, and the default one, sorted."""
        return sorted({self.default_library, *self.document_libraries().values()})

    def library_stats(self, libraries: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
        """Per library (all, or those named): {"documents", "chunks", "chars"}; a named library without
        documents counts zeros."""
        names = self.libraries() if libraries is None else list(libraries)
        out = {name: {"documents": 0, "chunks": 0, "chars": 0} for name in names}
        for info in self.documents(names):
            row = out[info.library]
            row["documents"] += 1
            row["chunks"] += info.chunks
            row["chars"] += info.chars
        return out

    def stats(self) -> IndexStats:
        """Counts, model, dimension, backend, FAISS factory, sizes on disk, creation and update times."""
        return maintenance.stats(self)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors from the index's model, (n, dimension) float32, unit length.

        Queries are folded to simplified characters, as the passages' retrieval text is (``index.context``).
        """
        return self.embedder.encode_queries([to_simplified(t) for t in texts])

    def warm_up(self) -> None:
        """Load the model and prepare its fast path (ONNX Runtime) now, not on a server's first question."""
        self.embedder.warm_up()

    def add_on_cores(self, cores: int = 0) -> None:
        """Embed what is added on ``cores`` cores from now on; 0 = all this process may use but one (at least one).

        A server leaves a core to its questions: an upload embedding on every
        core made searches wait (bench/load.py, docs/api.md).
        """
        from govqa.index.embedder.onnx_encoder import cores as usable

        self.embedder.use_cores(cores or max(1, usable() - 1))

    def dense_search(
        self, vectors: np.ndarray, k: int, where: ChunkFilter | None = None
    ) -> list[list[tuple[int, float]]]:
        """Per query vector, the ``k`` most similar chunks ``where`` allows as (chunk id, cosine similarity), best first."""
        return self.backend.dense.dense_search(vectors, k, where)

    def keyword_search(self, query: str, k: int, where: ChunkFilter | None = None) -> list[tuple[int, float]]:
        """BM25 over jieba tokens: (chunk id, score, higher better), best first; [] when the query has no words.

        Only chunks ``where`` allows. Scores are comparable within one backend only
        (FTS5's and Milvus's BM25 differ in scale).
        """
        return self.backend.keyword.keyword_search(query, k, where)

    def chunk_records(self, ids: Iterable[int]) -> dict[int, ChunkRecord]:
        """Records for chunk ids (ids removed since the search are left out)."""
        return self.backend.store.chunk_records(list(ids))

    def document_slice(self, name: str, start: int, end: int) -> str:
        """``text[start:end]`` of the named document's cleaned text (clipped to it); "" for an unknown document."""
        return self.backend.store.document_slice(name, start, end)

    def chunk_sentences(self, ids: Iterable[int]) -> dict[int, ChunkSentences]:
        """The sentences of these chunks with their vectors stored at index time, by chunk id.

        Spans are offsets in the chunk's text (``ingest.sentences``); vectors
        are float32 (sentences, dimension), unit length, comparable with
        ``encode_queries``. Ids removed since the search are left out.
        """
        return self.backend.store.chunk_sentences(list(ids))

    def neighbours(self, chunk_id: int, before: int = 1, after: int = 1) -> list[ChunkRecord]:
        """The chunk with up to ``before``/``after`` neighbours of its document, in text order."""
        return self.backend.store.neighbours(chunk_id, before, after)

    def chunk_ids_where(
        self,
        docs: Iterable[str] | None = None,
        regions: Iterable[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> set[int]:
        """Ids of the chunks of documents passing every given filter (see ``documents_where``)."""
        return self.chunk_ids_of(self.documents_where(docs, regions, year_from, year_to))

    def chunk_ids_of(self, names: Iterable[str]) -> set[int]:
        """Ids of the chunks of the named documents (unknown names add nothing)."""
        return self.backend.store.chunk_ids_of(list(names))

    def documents_where(
        self,
        docs: Iterable[str] | None = None,
        regions: Iterable[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        facets: Sequence[Facet] | None = None,
        libraries: Iterable[str] | None = None,
    ) -> list[str]:
        """Names of the documents passing every given filter, by name.

        A region matches a place of the region path loosely (四川 ~ 四川省); a
        year bound excludes documents of unknown year; ``libraries`` keeps the
        documents of those libraries only. ``facets`` are the ``document_facets()``
        the caller already holds (read here otherwise).
        """
        docs = set(docs) if docs is not None else None
        if libraries is not None:
            wanted = set(libraries)
            filed = self.document_libraries()
            docs = {n for n, lib in filed.items() if lib in wanted and (docs is None or n in docs)}
        regions = list(regions) if regions is not None else None
        rows = self.document_facets() if facets is None else facets
        groups, position = self._facet_groups(rows)
        passing = {}  # each (year, region path) that passes: the positions of its rows, ascending
        for (year, region_path), positions in groups.items():
            places = region_path.split()
            if regions is not None and not any(r in p or p in r for r in regions for p in places):
                continue
            if year_from is not None and (year is None or year < year_from):
                continue
            if year_to is not None and (year is None or year > year_to):
                continue
            passing[year, region_path] = positions
        if docs is None:  # in the order of ``rows``
            return [rows[at][0] for at in heapq.merge(*passing.values())]
        held = sorted(position[name] for name in docs if name in position)
        return [rows[at][0] for at in held if (rows[at][2], rows[at][3]) in passing]

    def _facet_groups(self, rows: Sequence[Facet]) -> tuple[dict[tuple[int | None, str], list[int]], dict[str, int]]:
        """The positions in ``rows`` of each (year, region path), and each name's position: the filters test each
        pair once, not each document (10^6 chunks: 150,000 documents of about 200 pairs, where a filtered question
        scanned them all, 45 ms). Kept for the last list grouped: callers pass the list they hold for an index
        generation (``document_facets``, or the Searcher's selection of it), which is never changed."""
        grouped = self._grouped
        if grouped is not None and grouped[0] is rows:
            return grouped[1], grouped[2]
        groups: dict[tuple[int | None, str], list[int]] = {}
        for at, (_name, _title, year, region_path) in enumerate(rows):
            groups.setdefault((year, region_path), []).append(at)
        position = {row[0]: at for at, row in enumerate(rows)}
        self._grouped = (rows, groups, position)
        return groups, position

    def chunk_documents(self, ids: Iterable[int]) -> dict[int, str]:
        """Chunk id → the name of its document, for the ids still stored (cheaper than ``chunk_records``)."""
        return self.backend.store.chunk_documents(list(ids))

    def document_facets(self) -> list[Facet]:
        """(name, title, year, region_path) of every document, for grounding questions in years and places.

        Read once per generation of the index where the backend tells its generation
        cheaply (``Backend.generation``: the local one does), so questions between two
        writes share one read; else read on every call. Do not change the list.
        """
        return self._per_generation("facets", self.backend.store.facets)

    def _per_generation(self, name: str, read: Callable[[], T]) -> T:
        """``read()``, reused until the store's generation changes (``DocumentStore.generation``);
        read on every call where the backend cannot tell its generation."""
        generation = self.backend.store.generation()
        cached = self._generation_cache.get(name)
        if generation is not None and cached is not None and cached[0] == generation:
            return cached[1]
        value = read()
        if generation is not None:
            self._generation_cache[name] = (generation, value)
        return value


#: The longest library name (characters): it is a column, a meta value, a URL parameter and a users-file key.
MAX_LIBRARY_CHARS = 64


def check_library(name: str) -> str:
    """A library name stripped; ``ValueError`` when blank, over ``MAX_LIBRARY_CHARS`` or holding a control character."""
    name = name.strip()
    if not name or len(name) > MAX_LIBRARY_CHARS or any(ord(c) < 32 for c in name):
        raise ValueError(f"a library name is 1-{MAX_LIBRARY_CHARS} characters without control characters, got {name!r}")
    return name
