"""The dense side: a FAISS inner-product index keyed by chunk id (``IndexIDMap2`` over any factory string)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # it logs which CPU build it loads at INFO

import faiss  # noqa: E402
import numpy as np  # noqa: E402 (after the logger setting above)

from govqa.index.errors import VectorIndexError  # noqa: E402
from govqa.index.files import atomic_write  # noqa: E402

VECTORS_NAME = "vectors.faiss"
# Search breadth for approximate indexes: probe 16 IVF lists; explore HNSW_EF_SEARCH HNSW candidates
# (or 2k): on the real questions at 10^5 synthetic chunks, ef 100 kept 0.76 of Flat's top 10, ef 256
# about 0.92, at 1-2 ms (docs/scale.md, "Dense search past 10^4 chunks").
IVF_NPROBE = 16
HNSW_EF_SEARCH = 256
# How many candidates an HNSW graph links while it is built (FAISS's default; 100 gained 0.01 of
# recall at twice the build time).
HNSW_EF_CONSTRUCTION = 40
# A refined index (e.g. "PQ192x4fs,Refine(SQfp16)") re-ranks REFINE_K_FACTOR x k candidates of its
# fast scan with the exact vectors: at 10^6 chunks, 32 kept 0.963 of Flat's top 10 for the real
# questions, 64 kept 0.989.
REFINE_K_FACTOR = 64
# The factory "auto" (``FaissMirror``): exact (Flat) below AUTO_LARGE_FROM vectors; from there on
# AUTO_LARGE_FACTORY, built aside and swapped in. A rebuild goes back to Flat below AUTO_FLAT_BELOW
# (hysteresis: an index hovering at the threshold is not rebuilt back and forth). AUTO_LARGE_FACTORY
# scans 96-byte codes of every vector (4-bit PQ, 2 dimensions a code) and re-ranks the best with
# the stored float16 values: measured on the real questions it holds 0.99 of Flat's top 10 at 10^6
# chunks, where HNSW32 held 0.83 even at efSearch 1024 (docs/scale.md).
AUTO = "auto"
AUTO_LARGE_FROM = 30_000
AUTO_FLAT_BELOW = 15_000
AUTO_LARGE_FACTORY = "PQ192x4fs,Refine(SQfp16)"
# A filtered search over a frozen index with at most EXACT_FILTER_MAX allowed ids, or at most
# EXACT_FILTER_SHARE of its ids, scores them exactly (FAISS over the index's own exact rows, with a
# bitmap of the allowed ones: a bit test a row, dot products for the allowed only). HNSW with an
# IDSelector misses hits when few ids pass, and a fast scan must read far down its ranking: at 10^6,
# 1,000 allowed ids took 2.1 ms exactly against 590 ms searched, 100,000 took 27 ms against 68 ms.
EXACT_FILTER_MAX = 50_000
EXACT_FILTER_SHARE = 0.15
# Fewer queries than this are searched on one thread: OpenMP's start-up for one query costs
# more than the scan (11k vectors: 0.4 ms on one thread, 1.9 ms p50 and 24 ms p95 on two).
SINGLE_THREAD_QUERIES = 20


def _described(inner: faiss.Index) -> str:
    """The factory string of the index types "auto" builds (others: their class name)."""
    if isinstance(inner, faiss.IndexFlat):
        return "Flat"
    if isinstance(inner, faiss.IndexHNSW):
        m = inner.hnsw.nb_neighbors(1)  # type: ignore[attr-defined]
        if isinstance(inner, faiss.IndexHNSWSQ):
            storage: Any = faiss.downcast_index(inner.storage)
            return f"HNSW{m}_SQ{'fp16' if storage.sq.qtype == faiss.ScalarQuantizer.QT_fp16 else '8'}"
        return f"HNSW{m}"
    if isinstance(inner, faiss.IndexRefine):
        base = faiss.downcast_index(inner.base_index)
        refine = faiss.downcast_index(inner.refine_index)
        refined = "RFlat" if isinstance(refine, faiss.IndexFlat) else "Refine(SQfp16)"
        if isinstance(base, faiss.IndexPQFastScan):
            return f"PQ{base.pq.M}x{base.pq.nbits}fs,{refined}"
    return type(inner).__name__


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
        """An empty index of ``dimension`` built by ``factory`` ("auto" starts as Flat: ``FaissMirror`` switches it)."""
        if factory == AUTO:
            factory = "Flat"
        try:
            inner = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as exc:
            raise VectorIndexError(
                f"faiss cannot build {factory!r} for dimension {dimension} ({str(exc).splitlines()[0]}): "
                'set [index] faiss_factory to "Flat", "HNSW32" or e.g. "IVF256,PQ32"'
            ) from None
        if isinstance(inner, faiss.IndexHNSW):
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        return cls(faiss.IndexIDMap2(inner), factory)

    @classmethod
    def load(cls, path: Path, factory: str) -> VectorIndex:
        """Read a saved index."""
        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexIDMap2):
            raise VectorIndexError(f"{path} is not a govqa vector index: run `govqa index rebuild`")
        if factory == AUTO:  # named by what the file holds
            factory = _described(faiss.downcast_index(index.index))
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

    @property
    def frozen(self) -> bool:
        """HNSW, fast-scan PQ and refined indexes: FAISS cannot remove from them, nor add while one searches
        (``TieredIndex`` keeps them as built)."""
        return isinstance(self._inner, (faiss.IndexHNSW, faiss.IndexRefine, faiss.IndexFastScan))

    @property
    def selects(self) -> bool:
        """Whether FAISS can restrict this index's search to an IDSelector (fast-scan and refined ones cannot)."""
        return not isinstance(self._inner, (faiss.IndexRefine, faiss.IndexFastScan))

    def ids(self) -> np.ndarray:
        """Every id held, int64."""
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def storage(self) -> faiss.Index | None:
        """The exact vectors of an HNSW or refined index (a Flat or float16 index, rows in the order of
        ``ids()``, searchable with an IDSelector over row numbers); None for others."""
        inner = self._inner
        if isinstance(inner, faiss.IndexRefine):
            inner = faiss.downcast_index(inner.refine_index)
        elif isinstance(inner, faiss.IndexHNSW):
            inner = faiss.downcast_index(inner.storage)
        else:
            return None
        exact = isinstance(inner, faiss.IndexFlat) or (
            isinstance(inner, faiss.IndexScalarQuantizer) and inner.sq.qtype == faiss.ScalarQuantizer.QT_fp16
        )
        return inner if exact else None

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """The vectors held under ``ids`` (every one must be held), float32 (n, dimension)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(ids)

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

    def search(
        self,
        queries: np.ndarray,
        k: int,
        allowed: set[int] | None = None,
        excluded: faiss.IDSelector | None = None,
    ) -> list[list[tuple[int, float]]]:
        """The ``k`` nearest ids with similarities, per query, optionally only among ``allowed`` ids.

        ``excluded``: a selector passing every id but those to leave out (``TieredIndex``'s hidden ids).
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        if not self.is_trained:
            raise VectorIndexError(
                f"faiss {self.factory!r} is not trained yet: add more documents, "
                'or use faiss_factory = "Flat" and run `govqa index rebuild`'
            )
        if not self.ntotal or k <= 0 or (allowed is not None and not allowed):
            return [[] for _ in range(len(queries))]
        if allowed is not None and not self.selects:
            return self.search_kept(queries, k, lambda ids: np.isin(ids, list(allowed)), len(allowed) / self.ntotal)
        k = min(k, self.ntotal)
        with _omp_threads(1 if len(queries) < SINGLE_THREAD_QUERIES else None):
            scores, ids = self.index.search(queries, k, params=self._params(allowed, k, excluded))
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=False) if i != -1]
            for row_ids, row_scores in zip(ids, scores, strict=False)
        ]

    def search_kept(
        self, queries: np.ndarray, k: int, keep: Callable[[np.ndarray], np.ndarray], share: float = 1.0
    ) -> list[list[tuple[int, float]]]:
        """The ``k`` nearest ids that ``keep`` (ids -> mask) passes, for an index that cannot take an IDSelector.

        Asks for more neighbours than ``k`` (about ``k / share``: ``share`` is the part
        of the ids expected to pass) and widens the search until every query has ``k`` or all were seen.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        wanted = min(k, self.ntotal)
        asked = min(self.ntotal, max(2 * k, int(1.5 * k / max(share, 1e-6))))
        while True:
            with _omp_threads(1 if len(queries) < SINGLE_THREAD_QUERIES else None):
                params = self._params(None, asked, None, k, share)
                scores, ids = self.index.search(queries, asked, params=params)
            kept = keep(ids) & (ids != -1)
            if asked >= self.ntotal or all(row.sum() >= wanted for row in kept):
                break
            asked = min(self.ntotal, asked * 4)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids[mask][:k], row_scores[mask][:k], strict=True)]
            for row_ids, row_scores, mask in zip(ids, scores, kept, strict=True)
        ]

    def _params(
        self,
        allowed: set[int] | None,
        k: int,
        excluded: faiss.IDSelector | None = None,
        wanted: int | None = None,
        share: float = 1.0,
    ) -> faiss.SearchParameters | None:
        inner = self._inner
        if isinstance(inner, faiss.IndexRefine):  # no selector (see ``selects``): how many candidates to re-rank
            # About REFINE_K_FACTOR x the ``wanted`` hits that pass a filter letting ``share`` of the
            # ids through, and at least twice those asked for.
            factor = max(2.0, REFINE_K_FACTOR * (wanted or k) / (k * max(share, 1e-6)))
            return faiss.IndexRefineSearchParameters(k_factor=factor)  # type: ignore[call-arg]
        if allowed is None and excluded is None and not isinstance(inner, (faiss.IndexIVF, faiss.IndexHNSW)):
            return None  # exact search, no filter: the defaults
        selector = excluded
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            if excluded is not None:
                both = faiss.IDSelectorAnd(selector, excluded)
                both._parts = (selector, excluded)  # type: ignore[attr-defined]  # the parts must outlive it
                selector = both
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


def _merged(parts: list[list[list[tuple[int, float]]]], k: int) -> list[list[tuple[int, float]]]:
    """Per query, the ``k`` best of several hit lists (ids are disjoint between them)."""
    return [
        sorted((hit for part in rows for hit in part), key=lambda h: -h[1])[:k] for rows in zip(*parts, strict=True)
    ]


class TieredIndex:
    """What the local backend searches: a main index, and, when it is frozen (HNSW), what changed since it was built.

    A Flat or IVF main takes every addition and removal in place, and this is
    only a wrapper. A frozen main is never changed after it is built, so it can
    be read, cloned or saved by another thread without a lock: vectors added
    later go to ``delta`` (a small Flat index, searched exactly beside it), and
    ids removed from main are hidden (left out of every search by an
    IDSelector) until ``FaissMirror`` builds a new main aside. Callers hold the
    mirror's write lock to change it and its read lock to search it.
    """

    def __init__(self, main: VectorIndex):
        self.main = main
        self.delta = VectorIndex.new(main.dimension, "Flat")
        self.hidden: set[int] = set()  # ids of main removed since it was built
        # A frozen main never changes: its ids by row, sorted, the row of each sorted one, its exact rows.
        self._main_ids: np.ndarray | None = None
        self._storage: faiss.Index | None = None
        if main.frozen:
            self._held = main.ids()
            self._order = np.argsort(self._held, kind="stable")
            self._main_ids = self._held[self._order]
            self._storage = main.storage()
        self._excluded: faiss.IDSelector | None = None  # built from ``hidden`` at the first search after a change
        self._sorted_hidden: np.ndarray | None = None  # the same, for indexes without selectors

    @property
    def frozen(self) -> bool:
        return self.main.frozen

    @property
    def factory(self) -> str:
        return self.main.factory

    @property
    def dimension(self) -> int:
        return self.main.dimension

    @property
    def is_trained(self) -> bool:
        return self.main.is_trained

    @property
    def removes_in_place(self) -> bool:
        return True  # in main (Flat, IVF) or by hiding (HNSW)

    @property
    def ntotal(self) -> int:
        """How many ids a search can return."""
        if self._main_ids is None:
            return self.main.ntotal
        return len(self._main_ids) - len(self.hidden) + self.delta.ntotal

    @property
    def main_ids(self) -> np.ndarray:
        """The ids a frozen main was built with, sorted (hidden ones included); ``ids()`` for another."""
        return self._main_ids if self._main_ids is not None else np.sort(self.main.ids())

    def ids(self) -> np.ndarray:
        """Every id a search can return, int64."""
        if self._main_ids is None:
            return self.main.ids()
        shown = self._main_ids
        if self.hidden:
            shown = shown[~np.isin(shown, self._hidden_array())]
        return np.concatenate([shown, self.delta.ids()])

    def _hidden_array(self) -> np.ndarray:
        return np.fromiter(self.hidden, dtype=np.int64, count=len(self.hidden))

    def _in_main(self, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` a frozen main holds (hidden or not), as a mask."""
        held = self._main_ids
        if held is None or not len(held) or not len(ids):
            return np.zeros(len(ids), dtype=bool)
        at = np.minimum(np.searchsorted(held, ids), len(held) - 1)
        return held[at] == ids

    def shows(self, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` a search can return, as a mask."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._main_ids is None:
            return np.isin(ids, self.main.ids())
        mask = self._in_main(ids)
        if self.hidden:
            mask &= ~np.isin(ids, self._hidden_array())
        if self.delta.ntotal:
            mask |= np.isin(ids, self.delta.ids())
        return mask

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under new ids: into main, or beside a frozen one."""
        (self.delta if self.frozen else self.main).add(ids, vectors)

    def remove(self, ids: np.ndarray | list[int]) -> bool:
        """Remove ids (absent ones are ignored): in place, or from ``delta`` and by hiding them in a frozen main."""
        ids = np.sort(np.asarray(ids, dtype=np.int64))  # unique already: chunk ids
        if not self.frozen:
            return self.main.remove(ids)
        if self.delta.ntotal:
            self.delta.remove(ids)
        hide = ids[self._in_main(ids)]
        if len(hide):
            self.hidden.update(hide.tolist())
            self._excluded = None
        return True

    def vectors_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the ids of ``ids`` held and not hidden, their vectors) from main and ``delta``."""
        ids = np.sort(np.asarray(ids, dtype=np.int64))  # unique already: chunk ids
        if self._main_ids is None:
            held = ids[np.isin(ids, self.main.ids())]
            return held, self.main.reconstruct(held)
        mask = self._in_main(ids)
        if self.hidden:
            mask &= ~np.isin(ids, self._hidden_array())
        mine = ids[mask]
        rest = ids[~mask]
        rest = rest[np.isin(rest, self.delta.ids())] if self.delta.ntotal else rest[:0]
        own = self.main.reconstruct(mine)
        return np.concatenate([mine, rest]), np.concatenate([own, self.delta.reconstruct(rest)])

    def search(self, queries: np.ndarray, k: int, allowed: set[int] | None = None) -> list[list[tuple[int, float]]]:
        """``VectorIndex.search`` over main (less its hidden ids) and ``delta``."""
        if not self.frozen:
            return self.main.search(queries, k, allowed)
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        if allowed is not None and (
            len(allowed) <= EXACT_FILTER_MAX or len(allowed) <= EXACT_FILTER_SHARE * self.ntotal
        ):
            return self._exact(queries, k, allowed)  # hidden ids are left out by ``vectors_of``
        if self.main.selects:
            parts = [self.main.search(queries, k, allowed, self._excluded_selector())]
        else:  # neighbours filtered after the search, asked for in number enough
            parts = [self.main.search_kept(queries, k, self._keeper(allowed), self._share(allowed))]
        if self.delta.ntotal:
            parts.append(self.delta.search(queries, k, allowed))
        return parts[0] if len(parts) == 1 else _merged(parts, k)

    def _keeper(self, allowed: set[int] | None) -> Callable[[np.ndarray], np.ndarray]:
        hidden = self._hidden_sorted() if self.hidden else None
        wanted = np.fromiter(allowed, dtype=np.int64, count=len(allowed)) if allowed is not None else None

        def keep(ids: np.ndarray) -> np.ndarray:
            mask = np.ones(ids.shape, dtype=bool) if wanted is None else np.isin(ids, wanted)
            if hidden is not None:
                at = np.minimum(np.searchsorted(hidden, ids), len(hidden) - 1)
                mask &= hidden[at] != ids
            return mask

        return keep

    def _hidden_sorted(self) -> np.ndarray:
        cached = self._sorted_hidden
        if cached is None or len(cached) != len(self.hidden):  # hidden only grows: its size tells a change
            cached = self._sorted_hidden = np.sort(self._hidden_array())
        return cached

    def _share(self, allowed: set[int] | None) -> float:
        """The part of main's ids a search may return (``allowed`` and not hidden), about."""
        held = max(1, len(self._main_ids) if self._main_ids is not None else self.main.ntotal)
        share = (held - len(self.hidden)) / held
        return share if allowed is None else min(share, len(allowed) / held)

    def _excluded_selector(self) -> faiss.IDSelector | None:
        if not self.hidden:
            return None
        excluded = self._excluded
        if excluded is None:  # two searches may both build it: the same selector, one kept
            batch = faiss.IDSelectorBatch(self._hidden_array())
            excluded = faiss.IDSelectorNot(batch)
            excluded._batch = batch  # type: ignore[attr-defined]  # the inner selector must outlive the outer one
            self._excluded = excluded
        return excluded

    def _exact(self, queries: np.ndarray, k: int, allowed: set[int]) -> list[list[tuple[int, float]]]:
        """Every allowed vector scored: a few thousand dot products beat a graph walk that most ids fail.

        FAISS scores the allowed rows of the main's exact storage in place (an IDSelectorBitmap
        over row numbers: a bit test a row, SIMD dot products for the allowed ones only).
        """
        if not allowed or k <= 0:
            return [[] for _ in range(len(queries))]
        storage = self._storage
        if storage is not None and self._main_ids is not None and len(self._main_ids):
            ids = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
            mine = ids[self._in_main(ids)]
            if self.hidden:
                hidden = self._hidden_sorted()
                at = np.minimum(np.searchsorted(hidden, mine), len(hidden) - 1)
                mine = mine[hidden[at] != mine]
            parts: list[list[list[tuple[int, float]]]] = [[[] for _ in range(len(queries))]]
            if len(mine):
                rows = np.zeros(len(self._held), dtype=bool)
                rows[self._order[np.searchsorted(self._main_ids, mine)]] = True
                bitmap = np.packbits(rows, bitorder="little")
                params = faiss.SearchParameters()
                params.sel = faiss.IDSelectorBitmap(len(self._held), faiss.swig_ptr(bitmap))
                with _omp_threads(1 if len(queries) < SINGLE_THREAD_QUERIES else None):
                    scores, found = storage.search(queries, min(k, len(mine)), params=params)
                held = self._held
                parts[0] = [
                    [(int(held[r]), float(s)) for r, s in zip(row, own, strict=True) if r != -1]
                    for row, own in zip(found, scores, strict=True)
                ]
            if self.delta.ntotal:
                parts.append(self.delta.search(queries, k, allowed))
            return parts[0] if len(parts) == 1 else _merged(parts, k)
        ids, vectors = self.vectors_of(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
        if not len(ids):
            return [[] for _ in range(len(queries))]
        scores = queries @ vectors.T
        k = min(k, len(ids))
        out = []
        for row in scores:
            top = np.argpartition(-row, k - 1)[:k] if k < len(row) else np.arange(len(row))
            top = top[np.argsort(-row[top], kind="stable")]
            out.append([(int(ids[i]), float(row[i])) for i in top])
        return out
