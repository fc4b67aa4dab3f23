"""The factory "auto" (Flat, then HNSW built aside), removals from HNSW, selective filters, a build that blocks no search."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import numpy as np
import pytest

from govqa.index import vectors as vector_settings
from govqa.index.backends import faiss_mirror
from govqa.index.backends.faiss_mirror import FaissMirror
from govqa.index.rwlock import RWLock
from govqa.index.store import STORE_NAME, Store
from govqa.index.vectors import TieredIndex, VectorIndex

D = 32


def unit(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, D)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float16).astype(np.float32)  # as stored


def put(store: Store, name: str, vectors: np.ndarray) -> np.ndarray:
    """Commit a document of ``len(vectors)`` chunks with these vectors (rows only: no text, tokens or sentences)."""
    with store.transaction() as conn:
        doc = conn.execute(
            "INSERT INTO documents (name, source, title, content_hash, chars, text, added_at) "
            "VALUES (?, ?, ?, ?, 0, '', '')",
            (name, name, name, name),
        ).lastrowid
        ids = []
        for position, vector in enumerate(vectors):
            chunk = conn.execute(
                "INSERT INTO chunks (doc_id, position, text, start, \"end\") VALUES (?, ?, '', 0, 0)", (doc, position)
            ).lastrowid
            conn.execute("INSERT INTO embeddings VALUES (?, ?)", (chunk, vector.astype(np.float16).tobytes()))
            ids.append(chunk)
    return np.array(ids, dtype=np.int64)


class Corpus:
    """A temporary store and a mirror over it, written as the local backend writes (commit, then ``replace``)."""

    def __init__(self, folder, factory: str = "auto"):
        self.folder = folder
        self.store = Store(folder / STORE_NAME, D, create=True)
        self.mirror = FaissMirror(folder, self.store, D, factory)
        self.mirror.sync(persist=False)
        self.vectors: dict[int, np.ndarray] = {}
        self.gone: dict[int, np.ndarray] = {}  # removed: the best queries to catch one returned
        self.count = 0

    def add(self, n: int, seed: int) -> np.ndarray:
        vectors = unit(n, seed)
        in_step = self.mirror.in_step()
        ids = put(self.store, f"doc{self.count}", vectors)
        self.count += 1
        self.mirror.replace([], ids, vectors, was_in_step=in_step)
        self.vectors.update(zip(ids.tolist(), vectors, strict=True))
        return ids

    def remove(self, name: str) -> list[int]:
        in_step = self.mirror.in_step()
        _, ids = self.store.remove_documents([name])
        self.mirror.replace(ids, [], None, was_in_step=in_step)
        for i in ids:
            self.gone[i] = self.vectors.pop(i)
        return ids

    def exact(self, queries: np.ndarray, k: int, allowed: set[int] | None = None) -> list[list[int]]:
        ids = np.array([i for i in self.vectors if allowed is None or i in allowed])
        scores = queries @ np.stack([self.vectors[i] for i in ids]).T
        return [ids[np.argsort(-row, kind="stable")[:k]].tolist() for row in scores]

    def reopen(self, background: bool = True) -> FaissMirror:
        mirror = FaissMirror(self.folder, self.store, D, self.mirror.factory)
        mirror.background = background
        mirror.sync(persist=False)
        return mirror


UPPER = ["HNSW32_SQfp16", "PQ8x4fs,Refine(SQfp16)"]  # what "auto" may switch to: a graph, or a fast scan re-ranked


@pytest.fixture(params=UPPER)
def low_thresholds(monkeypatch, request):
    """The upper factory from 600 vectors, Flat again below 300; merges and rebuilds after a few changes."""
    monkeypatch.setattr(vector_settings, "AUTO_LARGE_FACTORY", request.param)
    monkeypatch.setattr(vector_settings, "AUTO_LARGE_FROM", 600)
    monkeypatch.setattr(vector_settings, "AUTO_FLAT_BELOW", 300)
    monkeypatch.setattr(faiss_mirror, "DELTA_MERGE", 150)
    monkeypatch.setattr(faiss_mirror, "HIDDEN_MIN", 100)


def recall(found: list[list[tuple[int, float]]], exact: list[list[int]]) -> float:
    return float(np.mean([len({i for i, _ in f} & set(e)) / len(e) for f, e in zip(found, exact, strict=True)]))


def test_auto_switches_to_hnsw_past_the_threshold_answers_like_flat_and_is_reloaded(tmp_path, low_thresholds):
    corpus = Corpus(tmp_path)
    for seed in range(5):
        corpus.add(100, seed)
    mirror = corpus.mirror
    assert mirror.active_factory == "Flat" and not mirror.building
    queries = unit(40, 99)
    flat_answers = mirror.search(queries, 10, None)
    assert [[i for i, _ in row] for row in flat_answers] == corpus.exact(queries, 10)

    corpus.add(100, 5)  # 600: the switch starts in the background
    assert mirror.wait_built(60)
    assert mirror.active_factory == vector_settings.AUTO_LARGE_FACTORY and mirror.factory == "auto"
    assert sorted(mirror.ids().tolist()) == sorted(corpus.vectors)
    assert recall(mirror.search(queries, 10, None), corpus.exact(queries, 10)) >= 0.95

    assert (tmp_path / "vectors.faiss").exists()  # saved by the builder
    again = corpus.reopen()
    assert again.active_factory == vector_settings.AUTO_LARGE_FACTORY
    assert sorted(again.ids().tolist()) == sorted(corpus.vectors)
    assert [row[:3] for row in again.search(queries, 10, None)] == [row[:3] for row in mirror.search(queries, 10, None)]


class SlowLock(RWLock):
    """The mirror's lock, recording the longest write hold."""

    def __init__(self) -> None:
        super().__init__()
        self.longest = 0.0

    @contextmanager
    def write(self):
        with super().write():
            started = time.perf_counter()
            try:
                yield
            finally:
                self.longest = max(self.longest, time.perf_counter() - started)


def test_searches_and_writes_go_on_while_hnsw_is_built_and_what_they_wrote_is_kept(
    tmp_path, low_thresholds, monkeypatch
):
    corpus = Corpus(tmp_path)
    for seed in range(5):
        corpus.add(100, seed)
    mirror = corpus.mirror
    lock = mirror._lock = SlowLock()
    building, release = threading.Event(), threading.Event()
    original = FaissMirror._built

    def held_up(self, factory):
        fresh = original(self, factory)
        building.set()
        assert release.wait(30)  # the build takes as long as the test wants
        return fresh

    monkeypatch.setattr(FaissMirror, "_built", held_up)
    corpus.add(100, 5)  # starts the build
    assert building.wait(30) and mirror.building
    queries = unit(5, 77)
    started = time.perf_counter()
    assert all(len(row) == 10 for row in mirror.search(queries, 10, None))  # not blocked by the build
    assert time.perf_counter() - started < 1.0
    late = corpus.add(20, 6)  # a write during the build: journalled
    gone = corpus.remove("doc0")  # a removal during the build
    assert mirror.active_factory == "Flat"  # still searched meanwhile
    release.set()
    assert mirror.wait_built(60)
    assert mirror.active_factory == vector_settings.AUTO_LARGE_FACTORY
    shown = set(mirror.ids().tolist())
    assert shown == set(corpus.vectors) and set(late.tolist()) <= shown and not shown & set(gone)
    for i in late[:5]:
        assert mirror.search(corpus.vectors[int(i)][None, :], 1, None)[0][0][0] == i
    assert lock.longest < 0.25


def test_removed_ids_are_never_returned_before_after_and_across_the_switch(tmp_path, low_thresholds):
    corpus = Corpus(tmp_path)
    mirror = corpus.mirror
    mirror.background = False  # each build when the test says
    for seed in range(5):
        corpus.add(100, seed)
    removed: set[int] = set()

    def check() -> None:
        near = [corpus.vectors[i] for i in sorted(corpus.vectors)[:15]] + [
            corpus.gone[i] for i in sorted(corpus.gone)[:30]
        ]
        queries = np.concatenate([np.stack(near), unit(5, 55)])
        for row in mirror.search(queries, len(corpus.vectors) + 50, None):
            assert not {i for i, _ in row} & removed and len(row) == len(corpus.vectors)
        allowed = set(sorted(corpus.vectors)[:40]) | set(sorted(removed)[:40])
        for row in mirror.search(queries, 10, allowed):
            assert {i for i, _ in row} <= allowed - removed and len(row) == 10
        assert sorted(mirror.ids().tolist()) == sorted(corpus.vectors) and mirror.ntotal == len(corpus.vectors)

    removed |= set(corpus.remove("doc1"))  # from Flat, in place
    check()
    corpus.add(100, 5)
    corpus.add(100, 6)  # 600: HNSW
    assert mirror.plan() == ("full", vector_settings.AUTO_LARGE_FACTORY) and mirror.build_now()
    assert mirror.vectors.frozen
    check()
    removed |= set(corpus.remove("doc2"))  # from HNSW: hidden
    assert mirror.vectors.hidden == set(corpus.store.embedding_ids().tolist()) ^ set(mirror.vectors.main_ids.tolist())
    check()
    added = corpus.add(50, 7)  # beside the frozen main
    assert set(mirror.vectors.delta.ids().tolist()) == set(added.tolist())
    check()
    removed |= set(corpus.remove("doc7"))  # only in delta
    removed |= set(corpus.remove("doc6"))  # in the main
    check()
    assert mirror.plan() == ("full", vector_settings.AUTO_LARGE_FACTORY)  # 200 of 600 hidden
    assert mirror.build_now()
    assert not mirror.vectors.hidden and mirror.vectors.frozen  # compacted, still HNSW (400 is above 300)
    check()


@pytest.mark.parametrize("factory", UPPER)
def test_a_one_percent_filter_returns_k_hits_equal_to_the_exact_ones(factory):
    x = unit(20_000, 1)
    main = VectorIndex.new(D, factory)
    if not main.is_trained:
        main.train(x)
    main.add(np.arange(1, 20_001), x)
    tiered = TieredIndex(main)
    tiered.remove(np.arange(1, 20_001, 7))  # some removed, hidden
    queries = unit(20, 2)
    rng = np.random.default_rng(3)
    allowed = {int(i) for i in rng.choice(np.arange(1, 20_001), 200, replace=False)}  # 1%
    visible = sorted(allowed - tiered.hidden)
    scores = queries @ x[np.array(visible) - 1].T
    for row, own in zip(tiered.search(queries, 50, allowed), scores, strict=True):
        assert len(row) == 50 and {i for i, _ in row} <= allowed - tiered.hidden
        assert [i for i, _ in row] == [visible[j] for j in np.argsort(-own, kind="stable")[:50]]
    tiered.add(np.array([30_000]), queries[:1])  # beside the main: searched with it
    assert tiered.search(queries[:1], 3, allowed | {30_000})[0][0][0] == 30_000


def test_another_process_s_bulk_add_goes_beside_the_frozen_index_under_a_short_lock_then_is_merged(
    tmp_path, low_thresholds
):
    corpus = Corpus(tmp_path)
    mirror = corpus.mirror
    for seed in range(6):
        corpus.add(100, seed)
    assert mirror.wait_built(60) and mirror.vectors.frozen
    lock = mirror._lock = SlowLock()
    other = Store(tmp_path / STORE_NAME, D)  # another connection: its commits are another writer's
    mirror.background = False
    bulk = unit(3000, 40)
    ids = put(other, "bulk", bulk)
    corpus.vectors.update(zip(ids.tolist(), bulk, strict=True))
    assert mirror.sync(persist=False)
    assert mirror.vectors.delta.ntotal == 3000 and lock.longest < 0.1  # a copy into the exact delta
    assert sorted(mirror.ids().tolist()) == sorted(corpus.vectors)
    mirror.save()
    # The saved index without the delta: re-read from storage at open (no merge started meanwhile, which
    # could swap it in before the check on a loaded machine).
    reopened = corpus.reopen(background=False)
    assert reopened.vectors.frozen and reopened.vectors.delta.ntotal == 3000
    assert mirror.plan() == ("merge", vector_settings.AUTO_LARGE_FACTORY) and mirror.build_now()
    assert mirror.vectors.delta.ntotal == 0 and len(mirror.vectors.main_ids) == 3600
    queries = bulk[:10]
    assert [row[0][0] for row in mirror.search(queries, 1, None)] == ids[:10].tolist()
    other.close()


def test_close_stops_a_build_aside_and_the_next_open_starts_it_again(tmp_path, low_thresholds, monkeypatch):
    monkeypatch.setattr(faiss_mirror, "ADD_BATCH", 50)
    corpus = Corpus(tmp_path)
    mirror = corpus.mirror
    for seed in range(5):
        corpus.add(100, seed)
    mirror.save()
    original, batches = Store.iter_embeddings, []

    def slow(self, *args, **kwargs):
        for batch in original(self, *args, **kwargs):
            batches.append(len(batch[0]))
            time.sleep(0.05)
            yield batch

    monkeypatch.setattr(Store, "iter_embeddings", slow)
    corpus.add(100, 5)  # the switch starts
    time.sleep(0.1)
    mirror.close()
    assert not mirror.building and mirror.active_factory == "Flat" and len(batches) < 12  # stopped midway
    monkeypatch.setattr(Store, "iter_embeddings", original)
    mirror.save()
    again = corpus.reopen()  # past the threshold at open: built aside again
    assert again.wait_built(60) and again.active_factory == vector_settings.AUTO_LARGE_FACTORY
    assert sorted(again.ids().tolist()) == sorted(corpus.vectors)
    again.close(finish=True)


@pytest.mark.parametrize("factory", UPPER)
def test_a_wide_filter_searched_by_the_index_keeps_to_allowed_and_visible_ids(factory, monkeypatch):
    monkeypatch.setattr(vector_settings, "EXACT_FILTER_MAX", 10)  # every filter goes to the index
    monkeypatch.setattr(vector_settings, "EXACT_FILTER_SHARE", 0.0)
    x = unit(3000, 4)
    main = VectorIndex.new(D, factory)
    if not main.is_trained:
        main.train(x)
    main.add(np.arange(3000), x)
    tiered = TieredIndex(main)
    queries = x[:30]
    tiered.remove(np.arange(0, 3000, 2))  # half hidden, among them every query's own vector
    allowed = set(range(0, 3000, 3))  # a third, half of it hidden
    for row in tiered.search(queries, 20, allowed):
        ids = {i for i, _ in row}
        assert len(row) == 20 and ids <= allowed and not ids & tiered.hidden
    for row in tiered.search(queries, 20, None):
        assert len(row) == 20 and not {i for i, _ in row} & tiered.hidden
