"""Search latency and memory at 10^4–10^6 chunks: local FAISS Flat, local FAISS HNSW32, and Milvus (Lite).

    python bench/scale.py --index DIR [--sizes 10000,100000,1000000] [--engines flat,hnsw,milvus]
                          [--queries 200] [--out /tmp/scale] [--json]

No embedding is needed: the chunks are made synthetic by perturbing the real
ones of the index at DIR (a local index). Chunk j copies real chunk
``j mod n``: its vector gets Gaussian noise (sigma 0.025 a dimension, a
cosine of about 0.9 to the original, then re-normalised) and its keyword
text has 20% of its jieba tokens swapped for tokens drawn from the whole
corpus. Queries are 200 further perturbations of real chunk vectors (dense)
and 3 tokens drawn from a real chunk (keyword), so every synthetic corpus
holds near neighbours and matching passages, as a real archive would.

Timings are of one query at a time, k = 50 (qa's retrieval depth), after a
warm-up, on the calling thread: dense search (``VectorIndex.search`` and
``MilvusBackend.dense_search``) and BM25 (SQLite FTS5 with the local
backend's SQL; ``MilvusBackend.keyword_search``). Memory is the growth of
this process's resident set for FAISS, the FTS5 file's size, and the Milvus
Lite server process's resident set after loading. HNSW's recall@10 is
measured against Flat's exact answers. Milvus Lite searches exactly (FLAT:
the only index it has); a cluster would use HNSW/IVF (docs/scale.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govqa.config import load_config  # noqa: E402
from govqa.index import Index  # noqa: E402
from govqa.index.keyword import match_expression  # noqa: E402
from govqa.index.vectors import VectorIndex  # noqa: E402

NOISE = 0.025
SWAP = 0.2
K = 50
FTS_SQL = "SELECT rowid, -bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?"  # index/store_queries.py


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def children_rss() -> int:
    """Resident set of this process's child processes (the Milvus Lite server)."""
    me, total = os.getpid(), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me:
            total += rss_bytes(stat.parent.name)
    return total


def real_chunks(index_dir: str) -> tuple[np.ndarray, list[list[str]]]:
    """The real chunk vectors (float32) and keyword tokens of a local index."""
    from govqa.index.context import retrieval_text
    from govqa.index.copy import as_chunk
    from govqa.index.keyword import tokenize
    from govqa.index.writer import document_meta

    config = load_config()
    with Index.open(index_dir, config, create=False, check_model=False) as index:
        vectors, tokens = [], []
        for document in index.backend.store.stored_documents():
            records, own, _ = index.backend.store.stored_chunks(document.name)
            meta = document_meta(document)
            tokens += [tokenize(retrieval_text(meta, as_chunk(r))) for r in records]
            vectors.append(own.astype(np.float32))
    return np.concatenate(vectors), tokens


def perturbed(vectors: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = vectors[rows] + rng.normal(0.0, NOISE, (len(rows), vectors.shape[1])).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def synthetic(vectors, tokens, n: int, seed: int = 0):
    """``n`` synthetic chunks: (vectors float32 (n, d), token strings), chunk j made from real chunk j mod len."""
    rng = np.random.default_rng(seed)
    pool = [t for own in tokens for t in own]
    base = np.arange(n) % len(vectors)
    texts = []
    for j in base:
        own = list(tokens[j])
        for at in np.flatnonzero(rng.random(len(own)) < SWAP):
            own[at] = pool[rng.integers(len(pool))]
        texts.append(" ".join(own))
    return perturbed(vectors, base, rng), texts


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def timed(run, queries) -> tuple[float, float]:
    for q in queries[:10]:
        run(q)
    times = []
    for q in queries:
        started = time.perf_counter()
        run(q)
        times.append(time.perf_counter() - started)
    return percentiles(times)


def faiss_row(factory: str, vectors, queries, exact=None) -> dict:
    before = rss_bytes()
    started = time.perf_counter()
    index = VectorIndex.new(vectors.shape[1], factory)
    index.add(np.arange(len(vectors), dtype=np.int64), vectors)
    built = time.perf_counter() - started
    memory = rss_bytes() - before
    p50, p95 = timed(lambda q: index.search(q[None, :], K), queries)
    row = {"dense_p50_ms": p50, "dense_p95_ms": p95, "memory_mb": memory / 2**20, "build_s": built}
    answers = [[i for i, _ in index.search(q[None, :], 10)[0]] for q in queries]
    if exact is not None:
        row["recall@10_vs_flat"] = float(
            np.mean([len(set(a) & set(e)) / 10 for a, e in zip(answers, exact, strict=True)])
        )
    return row, answers


def fts_row(texts, keyword_queries, folder: Path) -> dict:
    path = folder / "fts.sqlite"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0')")
    started = time.perf_counter()
    conn.executemany("INSERT INTO fts (rowid, tokens) VALUES (?, ?)", enumerate(texts, 1))
    conn.commit()
    built = time.perf_counter() - started
    p50, p95 = timed(lambda q: conn.execute(FTS_SQL, (match_expression(q), K)).fetchall(), keyword_queries)
    conn.close()
    return {
        "keyword_p50_ms": p50,
        "keyword_p95_ms": p95,
        "fts_file_mb": path.stat().st_size / 2**20,
        "fts_build_s": built,
    }


def milvus_row(vectors, texts, queries, keyword_queries, folder: Path) -> dict:
    from govqa.index.backends.milvus import MilvusBackend
    from govqa.index.backends.milvus_schema import CHUNKS
    from govqa.index.settings import MilvusConfig

    before = children_rss()
    backend = MilvusBackend(
        folder, MilvusConfig(uri=str(folder / "scale.db"), collection="scale"), vectors.shape[1], True
    )
    name = backend.names[CHUNKS]
    started = time.perf_counter()
    for at in range(0, len(vectors), 2000):
        rows = [
            {
                "id": at + i + 1,
                "doc": f"doc{(at + i) // 100}",
                "position": (at + i) % 100,
                "text": "",
                "search_text": text,
                "vector": vector.tolist(),
                "title": "",
                "year": 2000 + (at + i) % 30,
                "region": "",
                "region_path": "",
                "section": "",
                "page": 0,
                "page_end": 0,
                "start": 0,
                "end": 0,
            }  # fmt: skip
            for i, (vector, text) in enumerate(zip(vectors[at : at + 2000], texts[at : at + 2000], strict=True))
        ]
        backend.client.insert(name, rows)
    backend.client.flush(name)
    backend.client.release_collection(name)
    backend.client.load_collection(name)
    built = time.perf_counter() - started
    dense = timed(lambda q: backend.dense_search(q[None, :], K), queries)
    keyword = timed(lambda q: backend.keyword_search(" ".join(q), K), keyword_queries)
    memory = children_rss() - before
    backend.client.drop_collection(name)
    backend.close()
    return {
        "dense_p50_ms": dense[0], "dense_p95_ms": dense[1], "keyword_p50_ms": keyword[0],
        "keyword_p95_ms": keyword[1], "memory_mb": memory / 2**20, "build_s": built,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="a local index whose chunks seed the synthetic ones")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--engines", default="flat,hnsw,milvus")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", default="/tmp/govqa-scale", help="scratch folder (FTS5 file, Milvus Lite database)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    vectors, tokens = real_chunks(args.index)
    rng = np.random.default_rng(1)
    picks = rng.integers(len(vectors), size=args.queries)
    queries = perturbed(vectors, picks, rng)
    keyword_queries = [list(rng.choice(tokens[p], size=min(3, len(tokens[p])), replace=False)) for p in picks]
    engines = args.engines.split(",")
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
        f"{len(vectors)} real chunks of {args.index}; k={K}, one query at a time",
        file=sys.stderr,
    )
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        synth, texts = synthetic(vectors, tokens, n)
        exact = None
        for engine in engines:
            started = time.perf_counter()
            if engine == "flat":
                row, exact = faiss_row("Flat", synth, queries)
                row |= fts_row(texts, keyword_queries, folder)
            elif engine == "hnsw":
                row, _ = faiss_row("HNSW32", synth, queries, exact)
            else:
                # A fresh Milvus Lite file a size: its server outlives the client in this process.
                lite = folder / f"milvus-{n}"
                shutil.rmtree(lite, ignore_errors=True)
                lite.mkdir()
                row = milvus_row(synth, texts, queries, keyword_queries, lite)
            row = {"chunks": n, "engine": engine, **{k: round(v, 3) for k, v in row.items()}}
            row["seconds"] = round(time.perf_counter() - started, 1)
            results.append(row)
            print(json.dumps(row) if args.json else _line(row), flush=True)
        del synth, texts
    return 0


def _line(row: dict) -> str:
    def f(key, fmt="{:8.2f}"):
        return fmt.format(row[key]) if key in row else " " * 8

    return (
        f"{row['chunks']:>9,} {row['engine']:7} dense p50 {f('dense_p50_ms')} p95 {f('dense_p95_ms')} ms | "
        f"keyword p50 {f('keyword_p50_ms')} p95 {f('keyword_p95_ms')} ms | memory {f('memory_mb', '{:8.0f}')} MB"
        f" | fts {f('fts_file_mb', '{:6.0f}')} MB | recall@10 {f('recall@10_vs_flat', '{:5.3f}')} | build {row['build_s']:.0f} s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
