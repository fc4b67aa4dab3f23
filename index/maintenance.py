"""Index upkeep: creation, FAISS/SQLite consistency repair, rebuilds and statistics."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.context import RETRIEVAL_TEXT_VERSION
from index.embedder import Embedder, create_embedder, model_identity
from index.errors import VectorIndexError
from index.lock import WriteLock
from index.manifest import MANIFEST_NAME, Manifest
from index.settings import IndexSettings
from index.store import STORE_NAME, Store
from index.vectors import VECTORS_NAME, VectorIndex

if TYPE_CHECKING:
    from index.index import Index

log = logging.getLogger(__name__)

TRAIN_SAMPLE = 100_000


def create(path: Path, config: IndexSettings, embedder: Embedder) -> None:
    """Make an empty index (store and manifest) at ``path`` unless another process just did."""
    path.mkdir(parents=True, exist_ok=True)
    VectorIndex.new(embedder.dimension, config.index.faiss_factory)  # a bad factory string fails here, not later
    with WriteLock(path):
        if (path / MANIFEST_NAME).exists():
            return
        Store(path / STORE_NAME, create=True).close()
        Manifest(
            model=embedder.name,
            dimension=embedder.dimension,
            chunk_size=config.chunk.size,
            chunk_overlap=config.chunk.overlap,
            faiss_factory=config.index.faiss_factory,
            encoder=embedder.encoder,
        ).save(path)


def file_stat(path: Path) -> tuple | None:
    """Identity of a file's current version (inode, mtime, size), or None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _load_vectors(index: Index) -> None:
    path = index.path / VECTORS_NAME
    stat = file_stat(path)
    if index.vectors is not None and stat == index._vectors_stat:
        return
    manifest = index.manifest
    vectors = VectorIndex.load(path, manifest.faiss_factory) if stat else None
    if vectors is None or vectors.dimension != manifest.dimension:
        vectors = VectorIndex.new(manifest.dimension, manifest.faiss_factory)  # the repair below fills it
    index.vectors, index._vectors_stat = vectors, stat


def sync_vectors(index: Index, persist: bool) -> None:
    """Make FAISS hold exactly the stored vectors: reload it if its file changed, then repair from SQLite.

    SQLite is the source of truth: a writer commits there first and saves
    FAISS only now and then, so a killed writer leaves FAISS behind.
    """
    _load_vectors(index)
    stored = index.store.embedding_ids()
    held = index.vectors.ids()
    missing = np.setdiff1d(stored, held)
    stale = np.setdiff1d(held, stored)
    if not missing.size and not stale.size:
        return
    try:
        if not index.vectors.is_trained or not index.vectors.remove(stale):
            rebuild_vectors(index, index.vectors.factory)
        else:
            for ids, vectors in index.store.iter_embeddings(index.manifest.dimension, missing):
                index.vectors.add(ids, vectors)
    except VectorIndexError as exc:
        log.warning("dense search is unavailable: %s", exc)
        return
    log.log(
        logging.INFO if persist else logging.DEBUG,
        "repaired the vector index at %s from stored embeddings: %d added, %d removed "
        "(a writer stopped before saving it)",
        index.path,
        missing.size,
        stale.size,
    )
    if persist:
        index._save_vectors()


def _training_sample(store: Store, dimension: int) -> np.ndarray:
    ids = store.embedding_ids()
    if len(ids) > TRAIN_SAMPLE:
        ids = np.sort(np.random.default_rng(0).choice(ids, TRAIN_SAMPLE, replace=False))
    parts = [vectors for _, vectors in store.iter_embeddings(dimension, ids)]
    return np.concatenate(parts) if parts else np.zeros((0, dimension), dtype=np.float32)


def rebuild_vectors(index: Index, factory: str, quiet: bool = False) -> None:
    """Replace the in-memory FAISS index by one built with ``factory`` from every stored vector.

    IVF/PQ factories are trained on (a sample of) the stored vectors; when
    those are too few, ``VectorIndexError`` (or, with ``quiet``, an empty untrained index).
    """
    dimension = index.manifest.dimension
    fresh = VectorIndex.new(dimension, factory)
    index._vectors_stale = False
    if not fresh.is_trained:
        try:
            fresh.train(_training_sample(index.store, dimension))
        except VectorIndexError:
            if not quiet:
                raise
            index.vectors = fresh
            return
    for ids, vectors in index.store.iter_embeddings(dimension):
        fresh.add(ids, vectors)
    index.vectors = fresh


def rebuild(index: Index, reembed: bool, progress: bool) -> dict:
    """Rebuild FAISS from stored vectors, or re-chunk and re-embed every document (needed after a model change)."""
    from index.writer import Writer
    from ingest.chunk import chunk_document

    started = time.monotonic()
    config, manifest = index.config, index.manifest
    wanted = index._embedder.name if index._embedder else model_identity(config.model.name)
    encoder = index._embedder.encoder if index._embedder else config.model.encoder
    reembed = (
        reembed
        or manifest.rebuild_pending
        or manifest.model != wanted
        or manifest.encoder != encoder
        or manifest.retrieval_text_version != RETRIEVAL_TEXT_VERSION
    )
    results = []
    if reembed:
        embedder = index._embedder or create_embedder(config.model)
        index._embedder = embedder
        manifest.model, manifest.dimension, manifest.encoder = embedder.name, embedder.dimension, embedder.encoder
        manifest.chunk_size, manifest.chunk_overlap = config.chunk.size, config.chunk.overlap
        manifest.retrieval_text_version = RETRIEVAL_TEXT_VERSION
        manifest.rebuild_pending = True
        manifest.save(index.path)
        items = ((doc, chunk_document(doc, config.chunk)) for doc in index.store.stored_documents())
        results = Writer(index, progress, force=True, update_vectors=False).run(items)
    manifest.faiss_factory = config.index.faiss_factory
    rebuild_vectors(index, manifest.faiss_factory)
    index._save_vectors()
    manifest.rebuild_pending = False
    manifest.save(index.path)
    counts = index.store.counts()
    return {
        "reembedded": reembed,
        "documents": counts["documents"],
        "chunks": counts["chunks"],
        "embedded_chunks": sum(r.chunks for r in results),
        "seconds": round(time.monotonic() - started, 2),
        "model": manifest.model,
        "dimension": manifest.dimension,
        "faiss_factory": manifest.faiss_factory,
    }


def _size(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths if p.exists())


def stats(index: Index) -> dict:
    """Counts, model, settings, times and sizes on disk of an index."""
    m, path = index.manifest, index.path
    counts = index.store.counts()
    store_files = [path / STORE_NAME, path / f"{STORE_NAME}-wal", path / f"{STORE_NAME}-shm"]
    sizes = {"store": _size(*store_files), "vectors": _size(path / VECTORS_NAME)}
    sizes["total"] = sizes["store"] + sizes["vectors"] + _size(path / MANIFEST_NAME)
    return {
        "path": str(path),
        "documents": counts["documents"],
        "chunks": counts["chunks"],
        "vectors_stored": counts["vectors"],
        "vectors_indexed": index.vectors.ntotal if index.vectors else 0,
        "model": m.model,
        "encoder": m.encoder,
        "dimension": m.dimension,
        "faiss_factory": m.faiss_factory,
        "sentences_stored": counts["sentences"],
        "chunk_size": m.chunk_size,
        "chunk_overlap": m.chunk_overlap,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "bytes": sizes,
        "versions": m.versions,
    }
