"""The FAISS mirror of the local backend: the in-memory ``VectorIndex`` kept equal to SQLite's stored vectors.

SQLite is the source of truth: a writer commits there first and saves FAISS
only now and then, so a killed writer leaves FAISS behind, and the next
``sync`` repairs it. This object alone loads, changes, saves and rebuilds
FAISS; readers search under its readers–writer lock, which a writer holds
only for the moment it changes the vectors of one batch.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from govqa.index.errors import VectorIndexError
from govqa.index.rwlock import RWLock
from govqa.index.store import Store
from govqa.index.vectors import VECTORS_NAME, VectorIndex

log = logging.getLogger(__name__)

TRAIN_SAMPLE = 100_000


def file_stat(path: Path) -> tuple | None:
    """Identity of a file's current version (inode, mtime, size), or None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class FaissMirror:
    """FAISS over the vectors stored in ``store``, saved to ``DIR/vectors.faiss``.

    ``factory`` is the manifest's faiss factory string. HNSW cannot remove
    ids: a removal then marks the mirror stale, and ``settle`` rebuilds it
    from the stored vectors. IVF/PQ factories stay untrained (no dense search)
    until enough vectors are stored to train them.
    """

    def __init__(self, directory: Path, store: Store, dimension: int, factory: str):
        self.path = Path(directory) / VECTORS_NAME
        self.store = store
        self.dimension = dimension
        self.factory = factory
        self.vectors = VectorIndex.new(dimension, factory)
        self._lock = RWLock()
        self._stat: tuple | None = None
        self._loaded = False
        self._stale = False
        self._warned = False
        self.deferred = False  # True while re-embedding: stored vectors mix two models until the rebuild

    # -- reading -------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int, allowed: set[int] | None) -> list[list[tuple[int, float]]]:
        """``VectorIndex.search`` under the read lock."""
        with self._lock.read():
            return self.vectors.search(queries, k, allowed)

    def ids(self) -> np.ndarray:
        """Every chunk id FAISS holds, int64."""
        with self._lock.read():
            return self.vectors.ids()

    @property
    def ntotal(self) -> int:
        return self.vectors.ntotal

    # -- writing (the index's write lock is held) ----------------------------
    def replace(self, old_ids: Sequence[int], new_ids: Sequence[int], vectors: np.ndarray | None) -> None:
        """Drop ``old_ids`` and add ``vectors`` under ``new_ids`` (float32 or float16, unit length)."""
        if self.deferred:
            return
        with self._lock.write():
            if len(old_ids) and not self.vectors.remove(np.asarray(old_ids, dtype=np.int64)):
                self._stale = True
            if len(new_ids) and self.vectors.is_trained and not self._stale:
                self.vectors.add(np.asarray(new_ids, dtype=np.int64), np.asarray(vectors, dtype=np.float32))

    def settle(self) -> None:
        """Rebuild from storage when a removal left FAISS stale (HNSW) or it could not be trained yet."""
        if not self.deferred and (self._stale or not self.vectors.is_trained):
            self.rebuild(self.factory, quiet=True)

    def save(self) -> None:
        """Write FAISS atomically and remember which file version this process holds."""
        if self.deferred:
            return
        self.vectors.save(self.path)
        self._stat = file_stat(self.path)
        if not self.vectors.is_trained and not self._warned:
            self._warned = True
            log.warning(
                "dense search is unavailable until faiss %r can be trained on more vectors: add more "
                'documents, or set faiss_factory = "Flat" and run `govqa index rebuild`',
                self.factory,
            )

    def sync(self, persist: bool) -> None:
        """Make FAISS hold exactly the stored vectors: reload it if its file changed, then repair from SQLite."""
        with self._lock.write():
            self._load()
            stored = self.store.embedding_ids()
            held = self.vectors.ids()
            missing = np.setdiff1d(stored, held)
            stale = np.setdiff1d(held, stored)
            if not missing.size and not stale.size:
                return
            try:
                if not self.vectors.is_trained or not self.vectors.remove(stale):
                    self.rebuild(self.factory)
                else:
                    for ids, vectors in self.store.iter_embeddings(self.dimension, missing):
                        self.vectors.add(ids, vectors)
            except VectorIndexError as exc:
                log.warning("dense search is unavailable: %s", exc)
                return
        log.log(
            logging.INFO if persist else logging.DEBUG,
            "repaired the vector index at %s from stored embeddings: %d added, %d removed "
            "(a writer stopped before saving it)",
            self.path.parent,
            missing.size,
            stale.size,
        )
        if persist:
            self.save()

    def _load(self) -> None:
        stat = file_stat(self.path)
        if self._loaded and stat == self._stat:
            return
        vectors = VectorIndex.load(self.path, self.factory) if stat else None
        if vectors is None or vectors.dimension != self.dimension:
            vectors = VectorIndex.new(self.dimension, self.factory)  # the repair in ``sync`` fills it
        self.vectors, self._stat, self._loaded = vectors, stat, True

    def rebuild(self, factory: str, quiet: bool = False) -> None:
        """Swap in a FAISS index built with ``factory`` from every stored vector.

        IVF/PQ factories are trained on (a sample of) the stored vectors; when
        those are too few, ``VectorIndexError`` (or, with ``quiet``, an empty untrained index).
        """
        fresh = VectorIndex.new(self.dimension, factory)
        self.factory, self._stale, self.deferred, self._loaded = factory, False, False, True
        if not fresh.is_trained:
            try:
                fresh.train(self._training_sample())
            except VectorIndexError:
                if not quiet:
                    raise
                self.vectors = fresh
                return
        for ids, vectors in self.store.iter_embeddings(self.dimension):
            fresh.add(ids, vectors)
        self.vectors = fresh

    def _training_sample(self) -> np.ndarray:
        ids = self.store.embedding_ids()
        if len(ids) > TRAIN_SAMPLE:
            ids = np.sort(np.random.default_rng(0).choice(ids, TRAIN_SAMPLE, replace=False))
        parts = [vectors for _, vectors in self.store.iter_embeddings(self.dimension, ids)]
        return np.concatenate(parts) if parts else np.zeros((0, self.dimension), dtype=np.float32)
