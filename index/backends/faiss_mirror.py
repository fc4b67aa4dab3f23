"""The FAISS mirror of the local backend: the in-memory ``VectorIndex`` kept equal to SQLite's stored vectors.

SQLite is the source of truth: a writer commits there first and saves FAISS
only now and then, so a killed writer leaves FAISS behind, and the next
``sync`` repairs it. This object alone loads, changes, saves and rebuilds
FAISS; readers search under its readers–writer lock, which a writer holds
only for the moment it changes the vectors of one batch.

``sync`` first asks SQLite whether anything was committed since FAISS was
last known to hold exactly the stored vectors (``Store.data_version``, a few
microseconds), and does nothing when not. When something was, it reads what
changed (ids above the highest it holds; every id only when some were
removed) and their vectors *outside* the write lock, and takes the lock only
to apply that change, so a search waits for a memory copy, not for a scan.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from govqa.index.errors import VectorIndexError
from govqa.index.rwlock import RWLock
from govqa.index.store import Store
from govqa.index.vectors import VECTORS_NAME, VectorIndex

log = logging.getLogger(__name__)

TRAIN_SAMPLE = 100_000


@dataclass
class _Change:
    """What ``sync`` found to apply: ids to drop, ids and vectors to add, or a whole new index to swap in."""

    stale: np.ndarray
    missing: np.ndarray
    vectors: list[tuple[np.ndarray, np.ndarray]]
    replacement: VectorIndex | None = None


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
        self._loaded = False
        self._stale = False
        self._warned = False
        self._syncing = threading.Lock()  # one sync at a time (the app's refresher, a writer's start)
        self._in_step: int | None = None  # Store.data_version when FAISS last held exactly the stored vectors
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
    def in_step(self) -> bool:
        """Whether FAISS holds exactly the stored vectors as of now (nothing committed since it last did)."""
        return self._in_step is not None and self.store.data_version() == self._in_step

    def replace(
        self, old_ids: Sequence[int], new_ids: Sequence[int], vectors: np.ndarray | None, was_in_step: bool = False
    ) -> None:
        """Drop ``old_ids`` and add ``vectors`` under ``new_ids`` (float32 or float16, unit length).

        Called just after the commit that made this change; ``was_in_step`` is ``in_step()``
        asked just before it: then FAISS is in step again after it, and the next ``sync`` has nothing to read.
        """
        if self.deferred:
            return
        with self._lock.write():
            if len(old_ids) and not self.vectors.remove(np.asarray(old_ids, dtype=np.int64)):
                self._stale = True
            if len(new_ids) and self.vectors.is_trained and not self._stale:
                self.vectors.add(np.asarray(new_ids, dtype=np.int64), np.asarray(vectors, dtype=np.float32))
        complete = was_in_step and self.vectors.is_trained and not self._stale
        self._in_step = self.store.data_version() if complete else None

    def settle(self) -> None:
        """Rebuild from storage when a removal left FAISS stale (HNSW) or it could not be trained yet."""
        if not self.deferred and (self._stale or not self.vectors.is_trained):
            self.rebuild(self.factory, quiet=True)

    def save(self) -> None:
        """Write FAISS atomically (what is searched meanwhile is the index in memory)."""
        if self.deferred:
            return
        self.vectors.save(self.path)
        if not self.vectors.is_trained and not self._warned:
            self._warned = True
            log.warning(
                "dense search is unavailable until faiss %r can be trained on more vectors: add more "
                'documents, or set faiss_factory = "Flat" and run `govqa index rebuild`',
                self.factory,
            )

    def sync(self, persist: bool) -> bool:
        """Make FAISS hold exactly the stored vectors; True when it had to change.

        Nothing is read when nothing was committed since FAISS was last in step.
        Otherwise the change is read outside the write lock (the first time: the
        saved file, then every stored id) and applied under it; with ``persist``
        a repaired FAISS is saved. Callers keep other writers of this process out
        (``Index`` holds its writer mutex), so FAISS changes only here meanwhile.
        """
        if self.deferred:  # stored vectors mix two models until the rebuild
            return False
        with self._syncing:
            version = self.store.data_version()  # before reading: a commit after it is seen next time
            if self._loaded and version == self._in_step:
                return False
            if not self._loaded:
                self._load()  # at open, before any search
            try:
                change = self._read_change(full=self._in_step is None)
            except VectorIndexError as exc:
                log.warning("dense search is unavailable: %s", exc)
                return False
            if change is None:
                self._in_step = version
                return False
            with self._lock.write():  # a search waits for this much only
                if change.replacement is not None:
                    self.vectors, self._stale = change.replacement, False
                else:
                    self.vectors.remove(change.stale)
                    for ids, vectors in change.vectors:
                        self.vectors.add(ids, vectors)
            self._in_step = version
        if persist:
            log.info(
                "repaired the vector index at %s from stored embeddings: %d added, %d removed "
                "(a writer stopped before saving it)",
                self.path.parent,
                change.missing.size,
                change.stale.size,
            )
            self.save()
        else:
            log.debug(
                "picked up what was committed: %d vectors added, %d removed", change.missing.size, change.stale.size
            )
        return True

    def _read_change(self, full: bool) -> _Change | None:
        """What FAISS lacks and holds too many, read without the write lock; None when it holds exactly the stored vectors.

        Ids are never reused, so what was added since FAISS was last in step is
        the ids above the highest it holds; and nothing was removed when the
        stored count is the held count plus those. Otherwise (or when ``full``)
        every stored id is compared. A change FAISS cannot apply in place (HNSW
        cannot remove; an index not trained yet) is a whole new index, built here.
        """
        with self._lock.read():
            held = self.vectors.ids()
        top = int(held.max()) if held.size else -1
        if full:
            stored = self.store.embedding_ids()
            missing, stale = np.setdiff1d(stored, held), np.setdiff1d(held, stored)
        else:
            count, missing = self.store.embedding_ids_after(top)
            stale = np.zeros(0, dtype=np.int64)
            if held.size + missing.size != count:  # some were removed: find which
                stored = self.store.embedding_ids()
                missing, stale = np.setdiff1d(stored, held), np.setdiff1d(held, stored)
        if not missing.size and not stale.size:
            return None
        if not self.vectors.is_trained or (stale.size and not self.vectors.removes_in_place):
            return _Change(stale, missing, [], self._built(self.factory))
        return _Change(stale, missing, list(self.store.iter_embeddings(self.dimension, missing)))

    def _load(self) -> None:
        vectors = VectorIndex.load(self.path, self.factory) if self.path.exists() else None
        if vectors is None or vectors.dimension != self.dimension:
            vectors = VectorIndex.new(self.dimension, self.factory)  # ``sync`` fills it
        self.vectors, self._loaded, self._in_step = vectors, True, None

    def rebuild(self, factory: str, quiet: bool = False) -> None:
        """Swap in a FAISS index built with ``factory`` from every stored vector.

        IVF/PQ factories are trained on (a sample of) the stored vectors; when
        those are too few, ``VectorIndexError`` (or, with ``quiet``, an empty untrained index).
        """
        version = self.store.data_version()
        try:
            fresh = self._built(factory)
        except VectorIndexError:
            if not quiet:
                raise
            fresh = VectorIndex.new(self.dimension, factory)
        with self._lock.write():
            self.vectors = fresh
        self.factory, self._stale, self.deferred, self._loaded = factory, False, False, True
        self._in_step = version if fresh.is_trained else None

    def _built(self, factory: str) -> VectorIndex:
        """A new FAISS index of ``factory`` holding every stored vector (trained on them first if it must be)."""
        fresh = VectorIndex.new(self.dimension, factory)
        if not fresh.is_trained:
            fresh.train(self._training_sample())
        for ids, vectors in self.store.iter_embeddings(self.dimension):
            fresh.add(ids, vectors)
        return fresh

    def _training_sample(self) -> np.ndarray:
        ids = self.store.embedding_ids()
        if len(ids) > TRAIN_SAMPLE:
            ids = np.sort(np.random.default_rng(0).choice(ids, TRAIN_SAMPLE, replace=False))
        parts = [vectors for _, vectors in self.store.iter_embeddings(self.dimension, ids)]
        return np.concatenate(parts) if parts else np.zeros((0, self.dimension), dtype=np.float32)
