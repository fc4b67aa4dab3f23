"""FAISS vector index: round trip, removal, filtered search, atomic save, training errors."""

from __future__ import annotations

import numpy as np
import pytest

from govqa.index.vectors import VectorIndex, VectorIndexError


def unit(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_save_load_round_trip_then_remove(tmp_path):
    x = unit(50)
    index = VectorIndex.new(16)
    index.add(np.arange(100, 150), x)
    index.save(tmp_path / "v.faiss")
    assert [p.name for p in tmp_path.iterdir()] == ["v.faiss"]  # no temp file left behind
    loaded = VectorIndex.load(tmp_path / "v.faiss", "Flat")
    assert loaded.ntotal == 50 and sorted(loaded.ids()) == list(range(100, 150))
    assert loaded.search(x[:1], 1)[0][0][0] == 100
    assert loaded.remove([100, 101, 999])
    assert loaded.ntotal == 48 and 100 not in loaded.ids()
    assert loaded.search(x[:1], 1)[0][0][0] != 100


def test_search_only_among_allowed_ids():
    x = unit(40)
    index = VectorIndex.new(16)
    index.add(np.arange(40), x)
    hits = index.search(x[:2], 5, allowed={3, 7, 11})
    assert all({i for i, _ in row} <= {3, 7, 11} for row in hits)
    assert hits[0][0][0] in {3, 7, 11} and len(hits[0]) == 3
    assert index.search(x[:1], 5, allowed=set()) == [[]]
    similarities = [s for _, s in index.search(x[:1], 5)[0]]
    assert similarities == sorted(similarities, reverse=True) and similarities[0] == pytest.approx(1.0, abs=1e-5)


def test_ivf_needs_enough_vectors_to_train():
    index = VectorIndex.new(16, "IVF64,Flat")
    assert not index.is_trained
    with pytest.raises(VectorIndexError, match="cannot be trained on 10 vectors.*Flat"):
        index.train(unit(10))
    index.train(unit(2000))
    index.add(np.arange(200), unit(200, seed=1))
    assert index.search(unit(200, seed=1)[:1], 1)[0][0][0] == 0
    assert index.remove([0]) and index.ntotal == 199


def test_hnsw_reports_that_it_cannot_remove():
    index = VectorIndex.new(16, "HNSW32")
    index.add(np.arange(30), unit(30))
    assert index.remove([1]) is False
    assert index.ntotal == 30


def test_bad_factory_string_says_what_to_use():
    with pytest.raises(VectorIndexError, match="faiss_factory"):
        VectorIndex.new(16, "NoSuchIndex")


def test_a_few_queries_run_on_one_thread_with_the_same_results_and_the_setting_restored():
    import faiss

    x = unit(500, seed=3)
    index = VectorIndex.new(16)
    index.add(np.arange(500), x)
    before = faiss.omp_get_max_threads()
    singles = [index.search(x[i : i + 1], 10)[0] for i in range(30)]  # one query: one OpenMP thread
    assert faiss.omp_get_max_threads() == before
    batch = index.search(x[:30], 10)  # a batch: faiss's own threading
    assert [[i for i, _ in row] for row in singles] == [[i for i, _ in row] for row in batch]
    assert all(row[0][0] == n for n, row in enumerate(singles))
