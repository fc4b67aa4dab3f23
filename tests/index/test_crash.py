"""Across processes: writers take turns, and a writer killed midway leaves an index that opens and completes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govqa.index import Index
from govqa.index.lock import WriteLock

GOVQA = str(Path(sys.executable).parent / "govqa")


def setup_cli(tmp_path: Path, model_dir: Path, index_dir: Path) -> dict[str, str]:
    """A config file for subprocesses (small chunks, MiniLM) and the environment that selects it."""
    config = tmp_path / "govqa.toml"
    cache = os.environ.get("GOVQA_MODEL_CACHE") or tmp_path / "cache"  # MiniLM's ONNX export, once per machine
    config.write_text(
        f'[model]\nname = "{model_dir}"\nencoder = "fp32"\nbatch_size = 8\ncache_dir = "{cache}"\n'
        f'[index]\npath = "{index_dir}"\n[chunk]\nsize = 80\noverlap = 0\n',
        encoding="utf-8",
    )
    return {**os.environ, "GOVQA_CONFIG": str(config), "HF_HUB_OFFLINE": "1"}


def generate(folder: Path, count: int, prefix: str = "") -> None:
    """``count`` small reports of two chunks each."""
    folder.mkdir(parents=True)
    for i in range(count):
        body = (
            f"第{i}号报告。全市推进第{i}批重点项目建设，新开工项目{i + 10}个，完成投资{i * 3 + 7}亿元。\n\n"
            f"第{i}号报告。城镇新增就业{i + 2}万人，新建改造老旧小区{i + 5}个，民生支出占比保持在七成以上。"
        )
        (folder / f"{prefix}{i:03}.txt").write_text(body, encoding="utf-8")


def consistent_ids(index: Index) -> set[int]:
    conn = sqlite3.connect(index.path / "store.sqlite")
    try:
        chunks = {r[0] for r in conn.execute("SELECT id FROM chunks")}
        assert chunks == {r[0] for r in conn.execute("SELECT chunk_id FROM embeddings")}
        assert chunks == {r[0] for r in conn.execute("SELECT rowid FROM fts")}
    finally:
        conn.close()
    assert chunks == set(index.backend.mirror.ids().tolist())
    return chunks


def documents_in(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{path / 'store.sqlite'}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


# A writer process with a tiny stand-in model, so that the lock test spends its time on locking, not loading.
WRITER = """
import logging, sys
import numpy as np
from govqa.config import ChunkConfig, Config, IndexConfig, ModelConfig
from govqa.index import Embedder, Index

class Tiny(Embedder):
    name, dimension = "test:tiny", 8
    def encode_queries(self, texts):
        return self.encode_passages(texts)
    def encode_passages(self, texts, batch_size=None, progress=None):
        x = np.array([[1.0] + [ord(c) % 5 for c in t[-7:].rjust(7)] for t in texts], dtype=np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

logging.basicConfig(level=logging.INFO, format="%(message)s")
path, folder = sys.argv[1], sys.argv[2]
config = Config(chunk=ChunkConfig(80, 0), model=ModelConfig(name="test:tiny"), index=IndexConfig(path=path))
with Index.open(path, config, Tiny()) as index:
    reports = index.add_paths([folder])
assert all(r.status == "ok" for r in reports)
"""


def test_concurrent_writers_take_turns(tmp_path, hash_embedder, index_config):
    path = tmp_path / "idx"
    config = index_config(path, model="test:tiny", size=80, overlap=0)
    Index.open(path, config, hash_embedder("test:tiny", 8)).close()
    generate(tmp_path / "a", 6, "a")
    generate(tmp_path / "b", 6, "b")
    holder = WriteLock(path)
    holder.acquire()  # both writers must queue behind this one, then behind each other
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(tmp_path / name)],
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        for name, log in zip("ab", logs, strict=False)
    ]
    try:
        wait_for(
            lambda: all("waiting for another govqa process writing to" in log.read_text() for log in logs),
            120,
            "both writers to wait for the lock",
        )
        assert documents_in(path) == 0
    finally:
        holder.release()
    assert [p.wait(timeout=120) for p in procs] == [0, 0], [log.read_text()[-2000:] for log in logs]
    with Index.open(path, config, hash_embedder("test:tiny", 8)) as index:
        assert len(index.documents()) == 12
        assert len(consistent_ids(index)) == 24


def test_killed_writer_leaves_an_index_that_opens_and_completes(tmp_path, minilm_dir, minilm_embedder, index_config):
    path, total = tmp_path / "idx", 60
    env = setup_cli(tmp_path, minilm_dir, path)
    generate(tmp_path / "docs", total)
    command = [GOVQA, "index", "add", str(tmp_path / "docs"), "--no-progress"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: documents_in(path) >= 10 or proc.poll() is not None, 240, "the first commits")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    committed = documents_in(path)
    assert 10 <= committed < total, "the writer finished before it could be killed: make the corpus larger"

    config = index_config(path, size=80, overlap=0)
    with Index.open(path, config, minilm_embedder) as index:  # repairs FAISS from the stored vectors
        assert len(consistent_ids(index)) == 2 * committed
        vectors = index.encode_queries(["城镇新增就业"])
        assert len(index.dense_search(vectors, 5)[0]) == 5

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"documents: {total} ({total - committed} added, 0 replaced, {committed} unchanged)" in done.stdout
    with Index.open(path, config, minilm_embedder) as index:
        assert len(index.documents()) == total
        assert len(consistent_ids(index)) == 2 * total
