"""A long-lived reader picks up another process's writes without holding the lock its searches wait on."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from govqa.index import Index
from govqa.index.rwlock import RWLock

TESTS = Path(__file__).resolve().parents[1]

# A second process that writes to the index: adds the reports of a folder, or removes documents by name.
WRITER = """
import sys
sys.path.insert(0, sys.argv[1])
from conftest import HashEmbedder
from govqa.config import ChunkConfig, Config, IndexConfig, ModelConfig
from govqa.index import Index

action, path, args = sys.argv[2], sys.argv[3], sys.argv[4:]
config = Config(chunk=ChunkConfig(80, 0), model=ModelConfig(name="test:hash"), index=IndexConfig(path=path))
with Index.open(path, config, HashEmbedder()) as index:
    if action == "add":
        assert all(r.status == "ok" for r in index.add_paths(args))
    else:
        assert index.remove(args) == len(args)
"""


class WatchedLock(RWLock):
    """The FAISS readers–writer lock, recording how long each write hold lasts and whether one is on now."""

    def __init__(self) -> None:
        super().__init__()
        self.holds: list[float] = []
        self.held = False

    @contextmanager
    def write(self):
        with super().write():
            self.held, started = True, time.perf_counter()
            try:
                yield
            finally:
                self.held = False
                self.holds.append(time.perf_counter() - started)


def reports(folder: Path, count: int, prefix: str) -> Path:
    """``count`` short reports of two chunks each in ``folder``."""
    folder.mkdir()
    for i in range(count):
        (folder / f"{prefix}{i:03}.txt").write_text(
            f"{prefix}第{i}号通报。全市新开工重点项目{i + 10}个，完成投资{i * 3 + 7}亿元。\n\n"
            f"{prefix}第{i}号通报。城镇新增就业{i + 2}万人，改造老旧小区{i + 5}个。",
            encoding="utf-8",
        )
    return folder


def second_process(action: str, path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(TESTS), action, str(path), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def watch(index: Index) -> tuple[WatchedLock, list[tuple[str, bool]]]:
    """Instrument the reader: its FAISS lock, and every read of stored ids or vectors with whether that lock was held."""
    mirror = index.backend.mirror
    lock = mirror._lock = WatchedLock()
    reads: list[tuple[str, bool]] = []
    store = mirror.store
    for name in ("embedding_ids", "embedding_ids_after", "iter_embeddings"):
        original = getattr(store, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            reads.append((_name, lock.held))
            return _original(*args, **kwargs)

        setattr(store, name, counted)
    return lock, reads


def test_a_reader_picks_up_another_process_s_writes_without_scanning_under_the_write_lock(
    tmp_path, index_config, hash_embedder
):
    path = tmp_path / "idx"
    config = index_config(path, model="test:hash", size=80, overlap=0)
    first, later = reports(tmp_path / "first", 20, "甲"), reports(tmp_path / "later", 30, "乙")
    with Index.open(path, config, hash_embedder()) as writer:
        writer.add_paths([first])
    with Index.open(path, config, hash_embedder()) as reader:
        lock, reads = watch(reader)
        reader.refresh()
        assert reads == [] and lock.holds == []  # nothing committed since it opened: nothing read, no lock taken

        stop, slowest, searches = threading.Event(), [0.0], [0]
        probe = reader.encode_queries(["城镇新增就业"])

        def search() -> None:  # a reader's searches go on throughout
            while not stop.is_set():
                started = time.perf_counter()
                assert reader.dense_search(probe, 5)[0]
                slowest[0] = max(slowest[0], time.perf_counter() - started)
                searches[0] += 1

        searching = threading.Thread(target=search)
        searching.start()
        try:
            writer_process = second_process("add", path, str(later))
            while writer_process.poll() is None:  # refresh while the other process commits
                reader.refresh()
                time.sleep(0.05)
            assert writer_process.returncode == 0, writer_process.stderr.read()[-2000:]
            reader.refresh()
        finally:
            stop.set()
            searching.join()

        assert len(reader.documents()) == 50
        stored = reader.chunk_ids_where()
        assert len(stored) == 100 and set(reader.backend.mirror.ids().tolist()) == stored
        new_chunk = min(reader.chunk_ids_where(docs=["乙007.txt"]))
        vector = next(reader.backend.store.iter_embeddings(16, [new_chunk]))[1]
        assert reader.dense_search(vector, 1)[0][0][0] == new_chunk  # searchable in this process
        assert reads and not any(held for _, held in reads), reads  # every read of the change outside the lock
        assert lock.holds and max(lock.holds) < 0.25, lock.holds  # held to apply a batch of vectors only
        assert searches[0] > 0

        reads.clear()
        reader.refresh()
        assert reads == []  # in step again: the next refresh reads nothing

        remover = second_process("remove", path, "甲003.txt", "乙004.txt")
        assert remover.wait(120) == 0, remover.stderr.read()[-2000:]
        reader.refresh()
        stored = reader.chunk_ids_where()
        assert len(stored) == 96 and set(reader.backend.mirror.ids().tolist()) == stored
        assert ("embedding_ids", False) in reads and not any(held for _, held in reads)


def test_this_process_s_own_writes_leave_nothing_to_refresh(tmp_path, index_config, hash_embedder):
    path = tmp_path / "idx"
    config = index_config(path, model="test:hash", size=80, overlap=0)
    with Index.open(path, config, hash_embedder()) as index:
        index.add_paths([reports(tmp_path / "a", 5, "甲")])
        lock, reads = watch(index)
        index.add_paths([reports(tmp_path / "b", 5, "乙")])
        index.remove(["甲001.txt"])
        index.refresh()
        assert reads == []  # its writer kept FAISS in step as it committed
        assert set(index.backend.mirror.ids().tolist()) == index.chunk_ids_where()
        assert len(index.chunk_ids_where()) == 18


def test_a_removal_on_hnsw_is_rebuilt_aside_and_swapped_in(tmp_path, index_config, hash_embedder):
    path = tmp_path / "idx"
    config = index_config(path, model="test:hash", size=80, overlap=0, factory="HNSW32")
    with Index.open(path, config, hash_embedder()) as writer:
        writer.add_paths([reports(tmp_path / "a", 8, "甲")])
    with Index.open(path, config, hash_embedder()) as reader:
        lock, reads = watch(reader)
        remover = second_process("remove", path, "甲002.txt")
        assert remover.wait(120) == 0, remover.stderr.read()[-2000:]
        reader.refresh()
        assert set(reader.backend.mirror.ids().tolist()) == reader.chunk_ids_where()
        assert len(reader.chunk_ids_where()) == 14
        assert reads and not any(held for _, held in reads)
        assert len(lock.holds) == 1  # the new index swapped in at once
        assert np.isfinite(reader.dense_search(reader.encode_queries(["投资"]), 3)[0][0][1])


def test_facets_are_read_whole_once_then_only_what_was_added(tmp_path, index_config, hash_embedder):
    path = tmp_path / "idx"
    config = index_config(path, model="test:hash", size=80, overlap=0)
    with Index.open(path, config, hash_embedder()) as index:
        index.add_paths([reports(tmp_path / "b", 3, "乙")])
        store = index.backend.store
        whole = []
        original = store.all_facets
        store.all_facets = lambda: whole.append(1) or original()
        assert [f[0] for f in index.document_facets()] == ["乙000.txt", "乙001.txt", "乙002.txt"]
        assert index.document_facets() is index.document_facets()  # one read per generation
        index.add_paths([reports(tmp_path / "a", 2, "甲")])  # added: only they are read, merged by name
        facets = index.document_facets()
        assert facets == original() and [f[0] for f in facets][3:] == ["甲000.txt", "甲001.txt"]  # by name
        assert whole == []  # the first read was one scan of every row (facets_after), not a second
        index.remove(["乙001.txt"])  # removed: read whole again
        assert index.document_facets() == original() and len(whole) == 1
        (tmp_path / "b" / "乙002.txt").write_text("乙第2号通报，改写后的正文。", encoding="utf-8")
        index.add_paths([tmp_path / "b" / "乙002.txt"])  # replaced: the same count, a new row: whole again
        assert index.document_facets() == original() and len(whole) == 2
