"""The dense side: a FAISS inner-product index keyed by chunk id (``IndexIDMap2`` over any factory string)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # it logs which CPU build it loads at INFO

import faiss  # noqa: E402
import numpy as np  # noqa: E402 (after the logger setting above)

from govqa.index.errors import VectorIndexError  # noqa: E402
from govqa.index.files import atomic_write  # noqa: E402

VECTORS_NAME = "vectors.faiss"
# Search breadth for approximate indexes: probe 16 IVF lists; explore 64 HNSW candidates (or 2k).
IVF_NPROBE = 16
HNSW_EF_SEARCH = 64
# Fewer queries than this are searched on one thread: OpenMP's start-up for one query costs
# more than the scan (11k vectors: 0.4 ms on one thread, 1.9 ms p50 and 24 ms p95 on two).
SINGLE_THREAD_QUERIES = 20


@contextmanager
def _omp_threads(count: int | None):
    """Run the block with ``count`` OpenMP threads (None: unchanged); the setting is per calling thread."""
    if count is None:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class VectorIndex:
    """Unit vectors under int64 chunk ids; inner product = cosine similarity.

    ``factory`` is a ``faiss.index_factory`` string: "Flat" (exact), "HNSW32",
    "IVF256,PQ32" (these need training on at least as many vectors as they
    have centroids). Flat and IVF remove ids in place; HNSW cannot, so
    ``remove`` reports that and the caller rebuilds from stored vectors.
    """

    def __init__(self, index: faiss.IndexIDMap2, factory: str):
        self.index = index
        self.factory = factory
        self._inner = faiss.downcast_index(index.index)  # its type picks the search parameters

    @classmethod
    def new(cls, dimension: int, factory: str = "Flat") -> VectorIndex:
        """An empty index of ``dimension`` built by ``factory``."""
        try:
            inner = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as exc:
            raise VectorIndexError(
                f"faiss cannot build {factory!r} for dimension {dimension} ({str(exc).splitlines()[0]}): "
                'set [index] faiss_factory to "Flat", "HNSW32" or e.g. "IVF256,PQ32"'
            ) from None
        return cls(faiss.IndexIDMap2(inner), factory)

    @classmethod
    def load(cls, path: Path, factory: str) -> VectorIndex:
        """Read a saved index."""
        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexIDMap2):
            raise VectorIndexError(f"{path} is not a govqa vector index: run `govqa index rebuild`")
        return cls(index, factory)

    def save(self, path: Path) -> None:
        """Write atomically: temp file beside ``path``, fsync, rename."""
        atomic_write(Path(path), lambda temp: faiss.write_index(self.index, temp))

    @property
    def dimension(self) -> int:
        return self.index.d

    @property
    def ntotal(self) -> int:
        return self.index.ntotal

    @property
    def is_trained(self) -> bool:
        return self.index.is_trained

    @property
    def removes_in_place(self) -> bool:
        """Whether ``remove`` works on this index type (Flat, IVF: yes; HNSW: no, it must be rebuilt)."""
        return not isinstance(self._inner, faiss.IndexHNSW)

    def ids(self) -> np.ndarray:
        """Every id held, int64."""
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def train(self, vectors: np.ndarray) -> None:
        """Train an IVF/PQ index on ``vectors``; ``VectorIndexError`` when they are too few."""
        try:
            self.index.train(np.ascontiguousarray(vectors, dtype=np.float32))
        except RuntimeError as exc:
            raise VectorIndexError(
                f"faiss {self.factory!r} cannot be trained on {len(vectors)} vectors "
                f'({str(exc).splitlines()[0].split("failed: ")[-1]}): add more documents, or use faiss_factory = "Flat"'
            ) from None

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under their ids (the index must be trained)."""
        if len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, dtype=np.int64)
            )

    def remove(self, ids: np.ndarray | list[int]) -> bool:
        """Remove ids (absent ones are ignored); False when this index type cannot remove (HNSW)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids) or not self.ntotal:
            return True
        try:
            self.index.remove_ids(faiss.IDSelectorBatch(ids))
        except RuntimeError:
            return False
        return True

    def search(self, queries: np.ndarray, k: int, allowed: set[int] | None = None) -> list[list[tuple[int, float]]]:
        """The ``k`` nearest ids with similarities, per query, optionally only among ``allowed`` ids."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        if not self.is_trained:
            raise VectorIndexError(
                f"faiss {self.factory!r} is not trained yet: add more documents, "
                'or use faiss_factory = "Flat" and run `govqa index rebuild`'
            )
        if not self.ntotal or k <= 0 or (allowed is not None and not allowed):
            return [[] for _ in range(len(queries))]
        k = min(k, self.ntotal)
        with _omp_threads(1 if len(queries) < SINGLE_THREAD_QUERIES else None):
            scores, ids = self.index.search(queries, k, params=self._params(allowed, k))
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=False) if i != -1]
            for row_ids, row_scores in zip(ids, scores, strict=False)
        ]

    def _params(self, allowed: set[int] | None, k: int) -> faiss.SearchParameters | None:
        inner = self._inner
        if allowed is None and not isinstance(inner, (faiss.IndexIVF, faiss.IndexHNSW)):
            return None  # exact search, no filter: the defaults
        selector = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
        # faiss's bundled stubs lag its SWIG classes: they alias SearchParametersIVF to the old
        # IVFSearchParameters (no keyword fields) and lack SearchParametersHNSW, which faiss 1.15 has.
        params: faiss.SearchParameters
        if isinstance(inner, faiss.IndexIVF):
            params = faiss.SearchParametersIVF(nprobe=min(inner.nlist, IVF_NPROBE))  # type: ignore[call-arg]
        elif isinstance(inner, faiss.IndexHNSW):
            params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, 2 * k))  # type: ignore[attr-defined]
        else:
            params = faiss.SearchParameters()
        if selector is not None:
            params.sel = selector
        # The selector must outlive the search: keep a reference on the params object (an attribute of ours).
        params._selector = selector  # type: ignore[attr-defined]
        return params
