"""Search latency and memory at 10^4–10^6 chunks: local FAISS Flat, local FAISS HNSW32, Milvus (Lite), keyword engines.

    python bench/scale.py --index DIR [--sizes 10000,100000,1000000] [--engines flat,hnsw,milvus]
                          [--queries 200] [--out /tmp/scale] [--json]
    python bench/scale.py --index DIR --sizes 100000,1000000 --engines fts5,fts5-tuned,tantivy,bm25s
    python bench/scale.py planted [--sizes 10000,100000,1000000] [--keyword fts5,tantivy] [--out DIR] [--json]
    (the whole search and ask over real questions planted among synthetic chunks: the end of this file)

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

Keyword engines (``fts5``, ``fts5-tuned``, ``tantivy``, ``tantivy-union``, ``bm25s``:
``keyword_rows``) are each built and measured in a forked child process of
their own, so that its resident-set growth is its own. Two query sets: the
3-token queries above (``tokens3``) and the eval questions cut by
``query_tokens`` as the search cuts them (``questions``,
eval/sets/reports-111*.jsonl, cycled to ``--queries``). Each row gives
p50/p95/p99 at concurrency 1 (one thread) and 4 (four threads, each running
every query, started together), k = 50; the build time; the growth of the
child's resident set (build and searches) and the engine's files on disk; the
mean overlap of its top 10 with FTS5's top 10 (|both| / min(10, FTS5's
hits), queries with no FTS5 hit left out); and *near*, the share of its top 10
whose FTS5 score is within 3% of FTS5's 10th (near-ties swapped by a slightly
different scoring count as agreeing). FTS5's top 10s are the reference: found
first (timed into a row only when ``fts5`` is asked for) and kept in ``--out``
for a later run over the same chunks. The ``bm25s`` engine needs
``pip install bm25s`` (measured only; not a dependency of govqa).
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
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govqa.config import load_config  # noqa: E402
from govqa.index import Index  # noqa: E402
from govqa.index.keyword import match_expression, query_tokens  # noqa: E402
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


def synthetic(vectors, tokens, n: int, seed: int = 0, with_vectors: bool = True):
    """``n`` synthetic chunks: (vectors float32 (n, d) or None, token strings), chunk j made from real chunk j mod len."""
    rng = np.random.default_rng(seed)
    pool = [t for own in tokens for t in own]
    base = np.arange(n) % len(vectors)
    texts = []
    for j in base:
        own = list(tokens[j])
        for at in np.flatnonzero(rng.random(len(own)) < SWAP):
            own[at] = pool[rng.integers(len(pool))]
        texts.append(" ".join(own))
    return (perturbed(vectors, base, rng) if with_vectors else None), texts


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


# -- keyword engines -----------------------------------------------------------
KEYWORD_ENGINES = ("fts5", "fts5-tuned", "tantivy", "tantivy-union", "bm25s")
QUESTION_SETS = sorted((Path(__file__).resolve().parents[1] / "eval" / "sets").glob("reports-111*.jsonl"))
NEAR = 0.03  # near@10: a chunk whose FTS5 score is within 3% of FTS5's 10th counts as in FTS5's top 10
TUNED_BUDGET = 0.01  # fts5-tuned: the rarest query terms whose document frequencies add up to at most 1% of the rows


def question_queries(n: int) -> list[list[str]]:
    """The eval questions cut as the search cuts them (``query_tokens``), cycled to ``n``."""
    questions = [
        json.loads(line)["question"]
        for path in QUESTION_SETS
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    cut = [tokens for tokens in (query_tokens(q) for q in questions) if tokens]
    return [cut[i % len(cut)] for i in range(n)]


def timings(run, queries, threads: int) -> tuple[list[float], float]:
    """Seconds of each ``run(query)`` with ``threads`` threads started together, each running every query
    (rotated: thread t starts at t/threads of the list), after a warm-up of 10; and the wall seconds of all."""
    for q in queries[:10]:
        run(q)
    n = len(queries)
    barrier = threading.Barrier(threads + 1)
    times: list[list[float]] = [[] for _ in range(threads)]

    def worker(t: int) -> None:
        shift = t * n // threads
        barrier.wait()
        for i in range(n):
            q = queries[(i + shift) % n]
            started = time.perf_counter()
            run(q)
            times[t].append(time.perf_counter() - started)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    return [x for own in times for x in own], time.perf_counter() - started


def latencies(run, queries, threads: int) -> dict:
    """p50/p95/p99 (ms) of ``run(query)`` under ``timings``, and queries a second."""
    seconds, wall = timings(run, queries, threads)
    ordered = sorted(seconds)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))] * 1000  # noqa: E731
    return {"p50": statistics.median(ordered) * 1000, "p95": at(0.95), "p99": at(0.99), "qps": len(ordered) / wall}


class Fts5Engine:
    """SQLite FTS5 with the local backend's query (index/store_queries.py): the reference."""

    def __init__(self, folder: Path):
        self.path = folder / "fts.sqlite"
        self._local = threading.local()

    def build(self, texts: list[str]) -> None:
        self.path.unlink(missing_ok=True)
        conn = sqlite3.connect(self.path)
        conn.execute("CREATE VIRTUAL TABLE fts USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0')")
        conn.execute("CREATE VIRTUAL TABLE fts_vocab USING fts5vocab(fts, 'row')")
        conn.executemany("INSERT INTO fts (rowid, tokens) VALUES (?, ?)", enumerate(texts, 1))
        conn.commit()
        conn.close()

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = sqlite3.connect(self.path, check_same_thread=False)
        return conn

    def search(self, tokens: list[str], k: int) -> list[int]:
        return [r[0] for r in self.conn().execute(FTS_SQL, (match_expression(tokens), k))]

    def kth_score(self, tokens: list[str], k: int) -> float:
        """FTS5's k-th best score for the query (0 when fewer match)."""
        rows = self.conn().execute(FTS_SQL, (match_expression(tokens), k)).fetchall()
        return float(rows[-1][1]) if len(rows) >= k else 0.0

    def disk_bytes(self) -> int:
        return self.path.stat().st_size


def fts5_scores(path: Path, tokens: list[str], ids: list[int]) -> dict[int, float]:
    """FTS5's BM25 of the rows ``ids`` for the query (rows it does not match are left out)."""
    if not ids:
        return {}
    conn = sqlite3.connect(path)
    try:
        sql = f"SELECT rowid, -bm25(fts) FROM fts WHERE fts MATCH ? AND rowid IN ({','.join('?' * len(ids))})"
        return {int(i): float(v) for i, v in conn.execute(sql, (match_expression(tokens), *ids))}
    finally:
        conn.close()


class Fts5TunedEngine(Fts5Engine):
    """FTS5 asked only for the rarest query terms (document frequencies from ``fts5vocab``), so common words' lists are not scanned.

    Terms are taken rarest first while their document frequencies add up to at
    most ``TUNED_BUDGET`` of the rows (always at least the rarest): the ranking
    is FTS5's BM25 over those terms only, so the common words no longer order
    the passages that hold the rare ones.
    """

    rows = 0

    def build(self, texts: list[str]) -> None:
        super().build(texts)
        self.rows = len(texts)

    def search(self, tokens: list[str], k: int) -> list[int]:
        conn = self.conn()
        known = []
        for t in dict.fromkeys(tokens):
            row = conn.execute("SELECT doc FROM fts_vocab WHERE term = ?", (t,)).fetchone()
            if row:
                known.append((row[0], t))
        kept, total = [], 0
        for df, t in sorted(known):
            if kept and total + df > TUNED_BUDGET * self.rows:
                break
            kept.append(t)
            total += df
        return super().search(kept, k) if kept else []


class TantivyEngine:
    """tantivy through govqa's ``TantivyKeywords`` (index/backends/keyword_index.py), written in batches as a bulk add would."""

    maxscore = True

    def __init__(self, folder: Path):
        self.folder = folder / "keyword-index"

    def build(self, texts: list[str]) -> None:
        from govqa.index.backends.keyword_index import TantivyKeywords

        shutil.rmtree(self.folder, ignore_errors=True)
        self.engine = TantivyKeywords.open(self.folder, create=True)
        self.engine.maxscore = self.maxscore
        batch = 20000
        for at in range(0, len(texts), batch):
            rows = [(at + i + 1, f"doc{(at + i) // 100}", t) for i, t in enumerate(texts[at : at + batch])]
            self.engine.replace([], rows)
        self.engine.wait_merges()

    def search(self, tokens: list[str], k: int) -> list[int]:
        return [i for i, _ in self.engine.search_tokens(tokens, k)]

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())


class TantivyUnionEngine(TantivyEngine):
    """The same index searched without pruning: the union of every query term's list walked, as tantivy-py does by itself."""

    maxscore = False


class Bm25sEngine:
    """bm25s (numpy backend): every (token, chunk) score precomputed in a sparse matrix; a query sums its tokens' columns."""

    def __init__(self, folder: Path):
        self.folder = folder / "bm25s"

    def build(self, texts: list[str]) -> None:
        import bm25s

        self.retriever = bm25s.BM25(k1=1.2, b=0.75, method="robertson")  # FTS5's IDF (clipped at 0, FTS5's at 1e-6)
        self.retriever.index([t.split() for t in texts], show_progress=False)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.retriever.save(str(self.folder), show_progress=False)

    def search(self, tokens: list[str], k: int) -> list[int]:
        scores = self.retriever.get_scores(tokens)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [int(i) + 1 for i in top if scores[i] > 0]

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())


ENGINE_CLASSES = {
    "fts5": Fts5Engine,
    "fts5-tuned": Fts5TunedEngine,
    "tantivy": TantivyEngine,
    "tantivy-union": TantivyUnionEngine,
    "bm25s": Bm25sEngine,
}


def _keyword_child(name: str, texts: list[str], query_sets: dict, folder: str, pipe, timed: bool = True) -> None:
    try:
        before = rss_bytes()
        engine = ENGINE_CLASSES[name](Path(folder))
        started = time.perf_counter()
        engine.build(texts)
        built = time.perf_counter() - started
        rows, tops = [], {}
        for set_name, queries in query_sets.items():
            row = {"queries": set_name, "build_s": built}
            for threads in (1, 4) if timed else ():
                for key, value in latencies(lambda q: engine.search(q, K), queries, threads).items():
                    row[f"c{threads}_{key}"] = value
            tops[set_name] = [engine.search(q, K)[:10] for q in queries]
            if isinstance(engine, Fts5Engine) and name == "fts5":
                tops[f"{set_name}:kth"] = [engine.kth_score(q, 10) for q in queries]
            rows.append(row)
        memory = (rss_bytes() - before) / 2**20
        for row in rows:
            row |= {"rss_mb": memory, "disk_mb": engine.disk_bytes() / 2**20}
        pipe.send((rows, tops))
    except BaseException as exc:  # the parent reports it
        pipe.send(exc)
        raise


def keyword_rows(
    name: str, texts: list[str], query_sets: dict, folder: Path, timed: bool = True
) -> tuple[list[dict], dict]:
    """Build and time one keyword engine in a forked child: (rows, by query set its top 10 of each query).

    Without ``timed`` only the top 10s are found (FTS5 as the reference, when not asked for as an engine).
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_keyword_child, args=(name, texts, query_sets, str(folder), send, timed))
    child.start()
    got = receive.recv()
    child.join()
    if isinstance(got, BaseException):
        raise got
    return got


def fts5_reference(texts, query_sets: dict, folder: Path, timed: bool, n: int, as_json: bool, results: list) -> dict:
    """FTS5's top 10 of each query (the overlap's reference), timed into a row when ``timed``.

    The top 10s are kept in ``folder`` (``fts5-top10-N.json``, for these texts and queries), so a later run
    that does not time FTS5 (minutes at 10^6) reads them instead of searching again.
    """
    import hashlib

    key = hashlib.sha256(json.dumps([len(texts), texts[:50], texts[-50:], query_sets]).encode()).hexdigest()[:16]
    cache = folder / f"fts5-top10-{n}.json"
    if not timed and cache.exists():
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved.get("key") == key:
            return saved["tops"]
    started = time.perf_counter()
    rows, tops = keyword_rows("fts5", texts, query_sets, folder, timed=timed)
    cache.write_text(json.dumps({"key": key, "tops": tops}), encoding="utf-8")
    if timed:
        for row in rows:
            report_keyword_row(row, n, "fts5", tops, tops, started, as_json, results, query_sets, folder)
    return tops


def report_keyword_row(
    row: dict, n: int, engine: str, tops: dict, reference: dict, started, as_json, results, query_sets, folder
) -> None:
    name = row["queries"]
    row["overlap@10_vs_fts5"] = overlap(tops[name], reference[name])
    row["near@10_vs_fts5"] = near_overlap(tops[name], reference[f"{name}:kth"], query_sets[name], folder)
    row = {"chunks": n, "engine": engine, **{k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}}
    row["seconds"] = round(time.perf_counter() - started, 1)
    results.append(row)
    print(json.dumps(row, ensure_ascii=False) if as_json else _keyword_line(row), flush=True)


def near_overlap(tops: list[list[int]], kths: list[float], queries: list, folder: Path) -> float:
    """Mean share of a top 10 whose FTS5 score is within ``NEAR`` of FTS5's 10th best (queries with 10 FTS5 hits).

    The synthetic chunks are near-copies of one another (chunk j copies real chunk j mod n), so many score
    within a percent or two of each other: where two scorings differ by that much (tantivy's one-byte
    lengths), the plain overlap counts a swap among near-ties as a miss; this does not.
    """
    shares = []
    for top, kth, tokens in zip(tops, kths, queries, strict=True):
        if kth > 0:
            scores = fts5_scores(folder / "fts.sqlite", tokens, top)
            shares.append(sum(scores.get(i, 0.0) >= kth * (1 - NEAR) for i in top) / 10)
    return float(np.mean(shares)) if shares else float("nan")


def overlap(tops: list[list[int]], reference: list[list[int]]) -> float:
    """Mean |top 10 ∩ FTS5's top 10| / min(10, FTS5's hits), over queries FTS5 has hits for."""
    shares = [len(set(a) & set(r)) / len(r) for a, r in zip(tops, reference, strict=True) if r]
    return float(np.mean(shares)) if shares else float("nan")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in DENSE_MODES:  # the dense modes (issue 27): their own flags
        return dense_main(sys.argv[1:])
    if len(sys.argv) > 1 and sys.argv[1] == "planted":  # the whole search over planted questions (issue 27)
        return planted_main(sys.argv[1:])
    if len(sys.argv) > 1 and sys.argv[1] == "_planted_run":
        return planted_child(sys.argv[1:])
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
    keyword_queries = [
        [str(t) for t in rng.choice(tokens[p], size=min(3, len(tokens[p])), replace=False)] for p in picks
    ]
    engines = args.engines.split(",")
    keyword_engines = [e for e in engines if e in KEYWORD_ENGINES and e != "fts5"]
    time_fts5 = "fts5" in engines
    engines = [e for e in engines if e not in KEYWORD_ENGINES]
    query_sets = {"tokens3": keyword_queries, "questions": question_queries(args.queries)}
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
        f"{len(vectors)} real chunks of {args.index}; k={K}, one query at a time",
        file=sys.stderr,
    )
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        synth, texts = synthetic(vectors, tokens, n, with_vectors=bool(engines))
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
        if keyword_engines or time_fts5:
            reference = fts5_reference(texts, query_sets, folder, time_fts5, n, args.json, results)
        for engine in keyword_engines:
            started = time.perf_counter()
            rows, tops = keyword_rows(engine, texts, query_sets, folder)
            for row in rows:
                report_keyword_row(row, n, engine, tops, reference, started, args.json, results, query_sets, folder)
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


# -- dense modes (issue 27): HNSW parameters on real question vectors, selective filters, search during a refresh --
#
#     python bench/scale.py hnsw --index DIR [--sizes real,10000,100000,1000000] [--variants "HNSW32:40;HNSW32_SQfp16:40;IVF1024,SQfp16"]
#                           [--efs 32,64,128,256] [--nprobes 16,32,64,128] [--timed 200] [--out DIR] [--keep]
#     python bench/scale.py filters --index DIR [--sizes …] [--variant HNSW32_SQfp16:40] [--fractions …]
#     python bench/scale.py refresh --index DIR [--size 1000000] [--adds 20000] [--removes 2000] [--rebuild]
#
# ``hnsw``: per size, Flat (the exact answers) and each HNSW variant (factory:efConstruction) built
# once, then searched at each efSearch: latency p50/p95/p99 of k = 50 searches one at a time (c=1) and
# from 4 threads at once (c=4), recall@10 (the top 10 of those k = 50 searches, as qa uses them)
# against Flat for the real questions of eval/sets embedded by the index's model, and for perturbed
# chunk vectors; build time; the saved file's size (what the index takes in memory, about).
# ``filters``: per size and allowed fraction (whole synthetic "documents" of 100 chunks), the
# time, hits and recall of HNSW + IDSelector, Flat + IDSelector and the exact scan of the allowed
# vectors (reconstructed), to place the crossover. ``refresh``: see ``refresh_bench``.

DENSE_MODES = ("hnsw", "filters", "refresh", "_writer")
QUESTION_SETS = (
    "eval/sets/reports-111.jsonl",
    "eval/sets/reports-111-nogold.jsonl",
    "eval/sets/seed-dev-long.jsonl",
    "eval/sets/seed-dev-long-heldout.jsonl",
)
ROOT = Path(__file__).resolve().parents[1]


def real_vectors(index_dir: str) -> np.ndarray:
    """The stored chunk vectors of a local index, float32 (no tokenizing: the dense modes need only these)."""
    from govqa.index.store import STORE_NAME, Store

    dimension = json.loads((Path(index_dir) / "manifest.json").read_text())["dimension"]
    store = Store(Path(index_dir) / STORE_NAME, dimension)
    parts = [v for _, v in store.iter_embeddings(dimension)]
    store.close()
    return np.concatenate(parts)


def question_vectors(index_dir: str, cache: Path) -> np.ndarray:
    """The questions of ``QUESTION_SETS`` embedded as queries by the index's model (cached in ``cache``)."""
    questions = [
        json.loads(line)["question"]
        for name in QUESTION_SETS
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if cache.exists():
        vectors = np.load(cache)
        if len(vectors) == len(questions):
            return vectors
    with Index.open(index_dir, load_config(), create=False) as index:
        vectors = np.asarray(index.encode_queries(questions), dtype=np.float32)
    np.save(cache, vectors)
    return vectors


def synthetic_vectors(vectors: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` synthetic chunk vectors, chunk j a perturbed copy of real chunk j mod len (as ``synthetic``), float16-rounded as stored."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, vectors.shape[1]), dtype=np.float32)
    for at in range(0, n, 100_000):
        rows = np.arange(at, min(n, at + 100_000)) % len(vectors)
        out[at : at + len(rows)] = perturbed(vectors, rows, rng).astype(np.float16)
    return out


def dense_latencies(run, queries: np.ndarray, concurrency: int) -> list[float]:
    """Seconds per query under ``timings`` (``concurrency`` threads, each running every query)."""
    return timings(run, queries, concurrency)[0]


def spread(times: list[float]) -> dict:
    ordered = np.sort(np.asarray(times)) * 1000
    return {p: float(np.percentile(ordered, q)) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))}


def raw_search(index: VectorIndex, queries: np.ndarray, k: int, ef: int | None) -> np.ndarray:
    """``VectorIndex.search``'s FAISS call with efSearch set, on one OpenMP thread for a single query; ids (n, k)."""
    import faiss

    from govqa.index.vectors import _omp_threads

    params = None
    if ef and isinstance(index._inner, faiss.IndexRefine):
        params = faiss.IndexRefineSearchParameters(k_factor=ef)  # ``ef`` is k_factor for a refined index
    elif ef and isinstance(index._inner, faiss.IndexIVF):
        params = faiss.SearchParametersIVF(nprobe=ef)  # ``ef`` is nprobe for IVF
    elif ef:
        params = faiss.SearchParametersHNSW(efSearch=ef)
    with _omp_threads(1 if len(queries) < 20 else None):
        _, ids = index.index.search(np.ascontiguousarray(queries, dtype=np.float32), k, params=params)
    return ids


def recall_at_10(ids: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a[:10]) & set(e[:10])) / 10 for a, e in zip(ids, exact, strict=True)]))


def built(factory: str, efc: int | None, vectors: np.ndarray, cache: Path | None = None) -> tuple[VectorIndex, float]:
    """``factory`` (with ``efc`` for HNSW) holding ``vectors`` under ids 0…n-1; with ``cache``, saved there and reused."""
    import faiss

    saved = cache / f"{factory}-{efc}-{len(vectors)}.faiss" if cache else None
    if saved is not None and saved.exists():
        return VectorIndex.load(saved, factory), float(json.loads(saved.with_suffix(".json").read_text()))
    index = VectorIndex.new(vectors.shape[1], factory)
    inner = faiss.downcast_index(index.index.index)
    if efc and isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efConstruction = efc
    started = time.perf_counter()
    if not index.is_trained:  # IVF: trained on a sample as FaissMirror does
        sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 100_000), replace=False)
        index.train(vectors[np.sort(sample)])
    for at in range(0, len(vectors), 100_000):
        index.add(np.arange(at, min(len(vectors), at + 100_000), dtype=np.int64), vectors[at : at + 100_000])
    seconds = time.perf_counter() - started
    if saved is not None and factory != "Flat":
        index.save(saved)
        saved.with_suffix(".json").write_text(json.dumps(seconds))
    return index, seconds


def saved_mb(index: VectorIndex, folder: Path) -> float:
    path = folder / "probe.faiss"
    index.save(path)
    size = path.stat().st_size / 2**20
    path.unlink()
    return size


def hnsw_grid(args, folder: Path, emit) -> None:
    vectors = real_vectors(args.index)
    real = question_vectors(args.index, folder / "questions.npy")
    rng = np.random.default_rng(1)
    pert = perturbed(vectors, rng.integers(len(vectors), size=200), rng)
    timed = np.concatenate([real, pert])[np.random.default_rng(2).permutation(len(real) + len(pert))][: args.timed]
    print(f"# {len(vectors)} real chunks, {len(real)} real questions, {len(pert)} perturbed", file=sys.stderr)
    for size in args.sizes.split(","):  # "real": the real chunks themselves, no synthetic ones
        synth = vectors if size == "real" else synthetic_vectors(vectors, int(size))
        n = len(synth)
        flat, seconds = built("Flat", None, synth)
        exact_real, exact_pert = raw_search(flat, real, K, None), raw_search(flat, pert, K, None)
        row = {"chunks": n, "engine": "Flat", "build_s": seconds, "file_mb": saved_mb(flat, folder)}
        for c in (1, 4):
            row |= {
                f"{p}_c{c}": v
                for p, v in spread(dense_latencies(lambda q, flat=flat: flat.search(q[None, :], K), timed, c)).items()
            }
        emit(row)
        del flat
        for variant in args.variants.split(";"):
            factory, _, efc = variant.partition(":")
            index, seconds = built(factory, int(efc or 40), synth, folder if args.keep else None)
            size = saved_mb(index, folder)
            ivf, refined = factory.startswith("IVF"), "Refine" in factory or "RFlat" in factory
            for ef in (int(e) for e in (args.nprobes if ivf else args.factors if refined else args.efs).split(",")):
                name = (
                    f"{factory} nprobe{ef}"
                    if ivf
                    else f"{factory} k_factor{ef}"
                    if refined
                    else f"{factory} efC{efc or 40} ef{ef}"
                )
                row = {"chunks": n, "engine": name, "build_s": seconds, "file_mb": size}
                row["recall_real"] = recall_at_10(raw_search(index, real, K, ef), exact_real)
                row["recall_pert"] = recall_at_10(raw_search(index, pert, K, ef), exact_pert)
                for c in (1, 4):
                    times = dense_latencies(
                        lambda q, ef=ef, index=index: raw_search(index, q[None, :], K, ef), timed, c
                    )
                    row |= {f"{p}_c{c}": v for p, v in spread(times).items()}
                emit(row)
            del index
        del synth


def documents_allowed(n: int, fraction: float, rng: np.random.Generator, size: int = 100) -> set[int]:
    """Whole synthetic documents (runs of ``size`` consecutive ids, neighbours in the real corpus) making up ``fraction`` of ``n``."""
    starts = rng.choice(n // size, size=max(1, round(fraction * n / size)), replace=False) * size
    return {int(i) for s in starts for i in range(s, min(n, s + size))}


def filter_grid(args, folder: Path, emit) -> None:
    """Filtered search through ``TieredIndex.search`` (the production path) over ``--variant``: the allowed
    vectors scored exactly, or the index searched (with an IDSelector, or filtered after a wider search)."""
    import faiss

    from govqa.index import vectors as vector_settings
    from govqa.index.vectors import TieredIndex, _omp_threads

    vectors = real_vectors(args.index)
    real = question_vectors(args.index, folder / "questions.npy")[: args.timed]
    factory, _, efc = args.variant.partition(":")
    for n in (int(s) for s in args.sizes.split(",")):
        synth = synthetic_vectors(vectors, n)
        tiered = TieredIndex(built(factory, int(efc or 40), synth, folder)[0])
        flat, _ = built("Flat", None, synth)
        for fraction in (float(f) for f in args.fractions.split(",")):
            allowed = documents_allowed(n, fraction, np.random.default_rng(3))
            ids = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
            truth = []
            for q in real:
                scores = synth[ids] @ q
                truth.append(ids[np.argsort(-scores)[:K]])

            def through(q, limit, allowed=allowed, tiered=tiered):
                vector_settings.EXACT_FILTER_MAX = limit
                vector_settings.EXACT_FILTER_SHARE = 1.0 if limit else 0.0
                return np.array([i for i, _ in tiered.search(q[None, :], K, allowed)[0]], dtype=np.int64)

            def flat_selector(q, allowed=allowed, flat=flat):
                params = faiss.SearchParameters()
                params.sel = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
                with _omp_threads(1):
                    _, found = flat.index.search(q[None, :].astype(np.float32), K, params=params)
                return found[0][found[0] != -1]

            methods = {
                "exact (reconstructed)": lambda q: through(q, 10**9),
                f"{factory} searched": lambda q: through(q, 0),
                "Flat + IDSelector": flat_selector,
            }
            for name, run in methods.items():
                answers = [run(q) for q in real]
                row = {
                    "chunks": n,
                    "fraction": fraction,
                    "allowed": len(allowed),
                    "method": name,
                    "hits_min": int(min(len(a) for a in answers)),
                    "recall10": float(
                        np.mean(
                            [
                                len(set(a[:10].tolist()) & set(t[:10].tolist())) / 10
                                for a, t in zip(answers, truth, strict=True)
                            ]
                        )
                    ),
                }
                row |= {f"{p}_c1": v for p, v in spread(dense_latencies(run, real, 1)).items()}
                emit(row)
        del tiered, flat, synth


def dense_main(argv: list[str]) -> int:
    if argv[0] == "_writer":
        return refresh_writer(argv[1:])
    parser = argparse.ArgumentParser(prog="bench/scale.py " + argv[0], description="dense search (issue 27)")
    parser.add_argument("--index", required=True)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument(
        "--variants", default="HNSW32:40;HNSW32_SQfp16:40", help="factory:efConstruction, separated by ;"
    )
    parser.add_argument("--variant", default="PQ192x4fs,Refine(SQfp16)")
    parser.add_argument("--efs", default="32,64,128,256")
    parser.add_argument("--nprobes", default="16,32,64,128", help="IVF variants: the nprobe values swept")
    parser.add_argument("--factors", default="2,4,8,16", help="refined variants (…,Refine(SQfp16)): k_factor values")
    parser.add_argument("--fractions", default="0.001,0.003,0.01,0.03,0.1,0.3")
    parser.add_argument("--timed", type=int, default=200, help="queries timed (a mix of real and perturbed)")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--adds", type=int, default=20_000)
    parser.add_argument("--removes", type=int, default=2_000)
    parser.add_argument("--rebuild", action="store_true", help="refresh: then a full rebuild aside, searched over")
    parser.add_argument("--out", default="/tmp/govqa-scale")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true", help="hnsw: save each built HNSW in --out for the filters mode")
    args = parser.parse_args(argv[1:])
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; k={K}",
        file=sys.stderr,
    )

    def emit(row: dict) -> None:
        row = {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}
        print(json.dumps(row, ensure_ascii=False), flush=True)

    if argv[0] == "hnsw":
        hnsw_grid(args, folder, emit)
    elif argv[0] == "filters":
        filter_grid(args, folder, emit)
    else:
        refresh_bench(args, folder, emit)
    return 0


def fill_store(store, vectors: np.ndarray, first_doc: int, per_doc: int = 100) -> None:
    """Commit ``vectors`` as documents of ``per_doc`` chunks (rows only: no text, tokens or sentences), a commit per 100 documents."""
    for at in range(0, len(vectors), per_doc * 100):
        with store.transaction() as conn:
            for start in range(at, min(len(vectors), at + per_doc * 100), per_doc):
                name = f"synthetic-{first_doc + start // per_doc}"
                doc = conn.execute(
                    "INSERT INTO documents (name, source, title, content_hash, chars, text, added_at) "
                    "VALUES (?, ?, ?, ?, 0, '', '')",
                    (name, name, name, name),
                ).lastrowid
                for position, vector in enumerate(vectors[start : start + per_doc]):
                    chunk = conn.execute(
                        "INSERT INTO chunks (doc_id, position, text, start, \"end\") VALUES (?, ?, '', 0, 0)",
                        (doc, position),
                    ).lastrowid
                    conn.execute("INSERT INTO embeddings VALUES (?, ?)", (chunk, vector.astype(np.float16).tobytes()))


def refresh_writer(argv: list[str]) -> int:
    """Another process's writes: ``--adds`` chunks in documents of 100 (a commit per 10 documents), then ``--removes`` chunks' documents."""
    from govqa.index.store import Store

    path, adds, removes, first = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    vectors = np.load(Path(path).parent / "source.npy")
    store = Store(Path(path), vectors.shape[1])
    rng = np.random.default_rng(7)
    fresh = perturbed(vectors, rng.integers(len(vectors), size=adds), rng)
    for at in range(0, adds, 1000):
        fill_store(store, fresh[at : at + 1000], first + at // 100, per_doc=100)
    doomed = [f"synthetic-{i}" for i in rng.choice(first, size=max(1, removes // 100), replace=False)]
    for at in range(0, len(doomed), 5):
        store.remove_documents(doomed[at : at + 5])
    store.close()
    return 0


def refresh_bench(args, folder: Path, emit) -> None:
    """Searches during another process's writes at ``--size`` chunks, an HNSW index ("auto").

    Phases: ``idle`` (searches alone), ``refresh`` (a second process commits ``--adds`` chunks and
    removes ``--removes`` while this one runs ``FaissMirror.sync`` every 0.2 s, as the app's refresher
    does every 2 s), ``merge`` (the background merge of what was added, started by the refresh),
    with ``--rebuild`` a full rebuild aside (trained again, every stored vector read). For
    each: search latency p50/p95/p99/max (one searching thread, k = 50, the real questions, every
    fourth one filtered to 1% of the documents), the longest hold of the write lock, the slowest sync.
    The store (rows only) and its HNSW file are made once in ``--out``/refresh-N and reused.
    """
    import subprocess
    import threading

    from govqa.index.backends import faiss_mirror
    from govqa.index.backends.faiss_mirror import FaissMirror
    from govqa.index.rwlock import RWLock
    from govqa.index.store import STORE_NAME, Store

    n = args.size
    place = folder / f"refresh-{n}"
    vectors = real_vectors(args.index)
    real = question_vectors(args.index, folder / "questions.npy")
    ready = place / "ready"
    if not ready.exists():
        shutil.rmtree(place, ignore_errors=True)
        place.mkdir(parents=True)
        np.save(place / "source.npy", vectors)
        started = time.perf_counter()
        store = Store(place / STORE_NAME, vectors.shape[1], create=True)
        fill_store(store, synthetic_vectors(vectors, n), 0)
        print(f"# store of {n} chunks in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        mirror = FaissMirror(place, store, vectors.shape[1], "auto")
        mirror.background = False
        mirror.sync(persist=False)
        faiss_mirror.BUILD_THREADS = None  # the set-up may use both cores
        started = time.perf_counter()
        mirror.build_now()
        print(f"# {mirror.active_factory} built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        mirror.save()
        store.close()
        ready.touch()
        faiss_mirror.BUILD_THREADS = 1

    class Timed(RWLock):
        def __init__(self):
            super().__init__()
            self.longest = 0.0

        def write(self):
            lock = super()

            class Hold:
                def __enter__(hold):
                    hold.cm = lock.write()
                    hold.cm.__enter__()
                    hold.started = time.perf_counter()

                def __exit__(hold, *exc):
                    self.longest = max(self.longest, time.perf_counter() - hold.started)
                    return hold.cm.__exit__(*exc)

            return Hold()

    store = Store(place / STORE_NAME, vectors.shape[1])
    mirror = FaissMirror(place, store, vectors.shape[1], "auto")
    started = time.perf_counter()
    mirror.sync(persist=False)  # loads the saved HNSW and compares ids with storage
    print(
        f"# opened {mirror.active_factory} ({mirror.ntotal} vectors) in {time.perf_counter() - started:.1f} s, "
        f"rss {rss_bytes() / 2**30:.2f} GiB",
        file=sys.stderr,
    )
    lock = mirror._lock = Timed()
    rng = np.random.default_rng(5)
    filters = [documents_allowed(n, 0.01, rng) for _ in range(8)]
    times: list[tuple[str, float]] = []
    phase = ["idle"]
    stop = threading.Event()

    events: list[tuple[float, str]] = []  # when the slowest searches ran, beside what the mirror did then
    clock = time.perf_counter()

    def search() -> None:
        at, searched = 0, mirror.vectors
        while not stop.is_set():
            q = real[at % len(real)][None, :]
            allowed = filters[at % len(filters)] if at % 4 == 3 else None
            begun = time.perf_counter()
            mirror.search(q, K, allowed)
            took = time.perf_counter() - begun
            times.append((phase[0], took))
            if took > 0.1:
                events.append((begun - clock, f"search of {took * 1000:.0f} ms{' (filtered)' if allowed else ''}"))
            if mirror.vectors is not searched:
                searched = mirror.vectors
                events.append((time.perf_counter() - clock, "a new index searched"))
            at += 1

    saving = mirror.save

    def save() -> None:
        events.append((time.perf_counter() - clock, "save starts"))
        saving()
        events.append((time.perf_counter() - clock, "save ends"))

    mirror.save = save

    stalls: list[tuple[str, float]] = []

    def watchdog() -> None:  # how late a 1 ms sleep wakes: the GIL held (or the CPU taken) that long
        while not stop.is_set():
            begun = time.perf_counter()
            time.sleep(0.001)
            stalls.append((phase[0], time.perf_counter() - begun - 0.001))

    slowest: dict[str, float] = {}

    def timed_call(owner, name):
        original = getattr(owner, name)

        def call(*a, **kw):
            begun = time.perf_counter()
            try:
                result = original(*a, **kw)
                if hasattr(result, "__next__"):  # a generator: time it whole
                    result = list(result)
                return result
            finally:
                slowest[name] = max(slowest.get(name, 0.0), time.perf_counter() - begun)

        setattr(owner, name, call)

    for name in ("embedding_ids", "embedding_ids_after", "iter_embeddings"):
        timed_call(store, name)
    searching = threading.Thread(target=search)
    searching.start()
    watching = threading.Thread(target=watchdog)
    watching.start()
    time.sleep(10)
    phase[0] = "refresh"
    top = int(store.embedding_ids().max()) // 100 + 10
    writer = subprocess.Popen(
        [sys.executable, __file__, "_writer", str(place / STORE_NAME), str(args.adds), str(args.removes), str(top)]
    )
    syncs = []
    while True:
        done = writer.poll() is not None
        begun = time.perf_counter()
        mirror.sync(persist=False)
        syncs.append(time.perf_counter() - begun)
        if done:
            break
        time.sleep(0.2)
    refresh_lock = lock.longest
    phase[0] = "merge" if mirror.building else "after"
    begun = time.perf_counter()
    mirror.wait_built()
    merge_seconds = time.perf_counter() - begun
    phase[0] = "after"
    time.sleep(5)
    rebuild_seconds = 0.0
    if args.rebuild:  # a full rebuild aside (what many removals start), searched over meanwhile
        with mirror._build_lock:
            mirror._builder = threading.Thread(
                target=mirror._build_logged, args=("full", mirror.active_factory), daemon=True
            )
        phase[0] = "rebuild"
        events.append((time.perf_counter() - clock, "full rebuild starts"))
        begun = time.perf_counter()
        mirror._builder.start()
        mirror.wait_built()
        rebuild_seconds = time.perf_counter() - begun
        phase[0] = "after rebuild"
        time.sleep(5)
    stop.set()
    searching.join()
    watching.join()
    for name in ("idle", "refresh", "merge", "after", "rebuild", "after rebuild"):
        own = [t for p, t in times if p == name]
        late = [t for p, t in stalls if p == name]
        if own:
            emit({
                "chunks": n, "phase": name, "searches": len(own), **spread(own), "max": max(own) * 1000,
                "longest_stall_ms": max(late) * 1000 if late else None,
            })  # fmt: skip
    emit({f"slowest_{k}_s": v for k, v in slowest.items()})
    emit({"events": [f"{t:.2f} s: {what}" for t, what in sorted(events)]})
    emit({
        "chunks": n, "adds": args.adds, "removes": args.removes, "writer_rc": writer.returncode,
        "syncs": len(syncs), "slowest_sync_s": max(syncs), "longest_write_lock_ms": refresh_lock * 1000,
        "longest_write_lock_merge_ms": lock.longest * 1000, "merge_s": merge_seconds, "rebuild_s": rebuild_seconds,
        "factory": mirror.active_factory, "vectors": mirror.ntotal, "delta": mirror.vectors.delta.ntotal,
        "hidden": len(mirror.vectors.hidden), "rss_gib": rss_bytes() / 2**30,
    })  # fmt: skip
    store.close()


def _keyword_line(row: dict) -> str:
    c1 = f"{row['c1_p50']:7.2f} {row['c1_p95']:7.2f} {row['c1_p99']:7.2f}"
    c4 = f"{row['c4_p50']:7.2f} {row['c4_p95']:7.2f} {row['c4_p99']:7.2f} ({row['c4_qps']:6.0f}/s)"
    return (
        f"{row['chunks']:>9,} {row['engine']:10} {row['queries']:9} c=1 p50/95/99 {c1} ms | c=4 {c4} | "
        f"rss {row['rss_mb']:6.0f} MB disk {row['disk_mb']:6.0f} MB | build {row['build_s']:6.1f} s | "
        f"top10 overlap {row['overlap@10_vs_fts5']:.3f}, near {row['near@10_vs_fts5']:.3f}"
    )


# -- planted (issue 27): the whole search, real questions planted among 10^4–10^6 chunks --------------------
#
#     python bench/scale.py planted [--base /work/idx/r111] [--corpus corpus] [--synthetic-from /tmp/new/pqa-final]
#                                   [--questions ../shared/eval/seed-dev.jsonl,eval/sets/reports-111.jsonl]
#                                   [--sizes 10000,100000,1000000] [--keyword fts5,tantivy] [--out DIR] [--json]
#
# A real local index folder per size: the real chunks (a copy of ``--base``'s store, plus the files of
# ``--corpus`` embedded into it by ``Index.add_paths``), and synthetic documents up to the size, each a copy of
# a document of ``--synthetic-from`` (another corpus: the planted questions' gold chunks compete with an archive,
# not with near-copies of themselves) under the name ``synthetic-N``: its text, metadata, sections and spans as
# they are, its chunk and sentence vectors perturbed (``NOISE``, re-normalised, float16 as stored), 20% of its
# keyword tokens swapped (``SWAP``). Nothing is embedded for them. The rows go straight into SQLite (the store's
# own tables: documents, chunks, embeddings, chunk_sentences, fts); FAISS is then built as "auto" would switch
# to (``FaissMirror.rebuild``) and tantivy filled by its own repair (``TantivyKeywords.sync``). The folder's
# manifest names the keyword engine searched (both are kept: FTS5 is written with every document anyway).
# Each run opens the folder with ``runtime.open_runtime`` (warm, as ``govqa serve`` does) and times, one client,
# every question through ``Searcher.ask`` at ``--k`` 10 as ``govqa eval`` does (``eval.runner.run_questions`` and
# ``summary_of``: Recall@5, MRR@10 and the not-found shares, by passage and by gold document), then ``--passes``
# times over all questions ``Searcher.search`` and ``Searcher.ask`` at ``--search-k`` 5 (the app's default),
# each timed alone; query embedding included.
# Folders are kept in ``--out`` (``planted-N``) and reused.

PLANTED_MODES = ("planted", "_planted_run")
PLANTED_SETS = "../shared/eval/seed-dev.jsonl,eval/sets/reports-111.jsonl"


def _copy_store(source: Path, target: Path) -> None:
    """The store and manifest of the index folder ``source`` into ``target`` (SQLite's backup: consistent)."""
    from govqa.index.store import STORE_NAME

    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "manifest.json", target / "manifest.json")
    src = sqlite3.connect(f"file:{source / STORE_NAME}?mode=ro", uri=True)
    dst = sqlite3.connect(target / STORE_NAME)
    src.backup(dst)
    src.close()
    dst.execute("PRAGMA journal_mode = WAL")
    dst.close()


def _set_manifest(folder: Path, **fields) -> None:
    from dataclasses import replace

    from govqa.index.manifest import Manifest

    replace(Manifest.load(folder), **fields).save(folder)


def planted_base(args, out: Path) -> Path:
    """The real chunks: a copy of ``--base``, with ``--corpus`` added (embedded by the normal writer); made once."""
    from govqa.runtime import open_index

    base = out / "base"
    if (base / "ready").exists():
        return base
    shutil.rmtree(base, ignore_errors=True)
    _copy_store(Path(args.base), base)
    _set_manifest(base, faiss_factory="Flat", keyword="fts5")
    if args.corpus:
        config = load_config()
        started = time.perf_counter()
        with open_index(config, base) as index:
            reports = index.add_paths([Path(args.corpus)], config.chunk)
        print(
            f"# base: {len(reports)} files of {args.corpus} added in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
    (base / "ready").touch()
    return base


def synthetic_sources(index_dir: str) -> list[tuple[tuple, list[tuple]]]:
    """The documents of a local index, each (its ``documents`` row, its chunks' rows with vectors, spans, sentence
    vectors and FTS tokens), read as stored: what synthetic documents are copied from."""
    from govqa.index.store import STORE_NAME

    conn = sqlite3.connect(f"file:{Path(index_dir) / STORE_NAME}?mode=ro", uri=True)
    documents = conn.execute(
        "SELECT id, source, title, year, region, region_path, chars, meta, structure, text, library "
        "FROM documents ORDER BY id"
    ).fetchall()
    chunks: dict[int, list[tuple]] = {}
    for row in conn.execute(
        'SELECT c.doc_id, c.position, c.text, c.section, c.page, c.page_end, c.start, c."end", e.vector, '
        "s.spans, s.vectors, f.tokens FROM chunks c JOIN embeddings e ON e.chunk_id = c.id "
        "JOIN chunk_sentences s ON s.chunk_id = c.id JOIN fts f ON f.rowid = c.id ORDER BY c.doc_id, c.position"
    ):
        chunks.setdefault(row[0], []).append(row[1:])
    conn.close()
    return [(d[1:], chunks[d[0]]) for d in documents if d[0] in chunks]


def _perturb16(blobs: list[bytes], dimension: int, rng: np.random.Generator) -> list[bytes]:
    """Each float16 matrix of ``blobs`` (rows of ``dimension``) with Gaussian noise, rows re-normalised, as float16."""
    sizes = [len(b) // (2 * dimension) for b in blobs]
    rows = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(-1, dimension).astype(np.float32)
    rows += rng.normal(0.0, NOISE, rows.shape).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    rows16 = rows.astype(np.float16)
    out, at = [], 0
    for size in sizes:
        out.append(rows16[at : at + size].tobytes())
        at += size
    return out


def plant_synthetic(path: Path, sources, count: int, dimension: int, seed: int = 0) -> int:
    """Append ``count`` synthetic chunks to the store at ``path``: whole documents ``synthetic-N`` copied in turn
    from ``sources`` (the last one cut short), vectors perturbed, tokens swapped; returns the documents written."""
    rng = np.random.default_rng(seed)
    pool = [t for _, chunks in sources for row in chunks for t in row[10].split()]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    doc_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM documents").fetchone()[0]
    chunk_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM chunks").fetchone()[0]
    written = documents = 0
    added_at = "2026-01-01T00:00:00+00:00"
    while written < count:
        docs, chunks, vectors, sentences, fts = [], [], [], [], []
        batch_end = min(count, written + 20_000)
        while written < batch_end:
            (source, title, year, region, region_path, chars, meta, structure, text, library), rows = sources[
                documents % len(sources)
            ]
            doc_id += 1
            name = f"synthetic-{documents:07d}"
            docs.append((doc_id, name, f"synthetic/{source}", title, year, region, region_path, name, chars, meta,
                         structure, text, added_at, library))  # fmt: skip
            documents += 1
            for position, shown, section, page, page_end, start, end, vector, spans, sentence_vectors, tokens in rows[
                : batch_end - written
            ]:
                chunk_id += 1
                chunks.append((chunk_id, doc_id, position, shown, section, page, page_end, start, end))
                vectors.append(vector)
                sentences.append((chunk_id, spans, sentence_vectors))
                own = tokens.split()
                for at in np.flatnonzero(rng.random(len(own)) < SWAP):
                    own[at] = pool[rng.integers(len(pool))]
                fts.append((chunk_id, " ".join(own)))
                written += 1
        ids = [c[0] for c in chunks]
        vectors = _perturb16(vectors, dimension, rng)
        sentence_blobs = _perturb16([s[2] for s in sentences], dimension, rng)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO documents (id, name, source, title, year, region, region_path, content_hash, chars, meta, "
            "structure, text, added_at, library) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            docs,
        )
        conn.executemany(
            'INSERT INTO chunks (id, doc_id, position, text, section, page, page_end, start, "end") '
            "VALUES (?,?,?,?,?,?,?,?,?)",
            chunks,
        )
        conn.executemany("INSERT INTO embeddings (chunk_id, vector) VALUES (?, ?)", zip(ids, vectors, strict=True))
        conn.executemany(
            "INSERT INTO chunk_sentences (chunk_id, spans, vectors) VALUES (?, ?, ?)",
            ((i, s[1], v) for i, s, v in zip(ids, sentences, sentence_blobs, strict=True)),
        )
        conn.executemany("INSERT INTO fts (rowid, tokens) VALUES (?, ?)", fts)
        conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return documents


def planted_folder(args, out: Path, base: Path, n: int, sources) -> tuple[Path, dict]:
    """The index folder of ``n`` chunks (the real ones of ``base``, synthetic ones up to ``n``), built once."""
    from govqa.index.backends.faiss_mirror import FaissMirror
    from govqa.index.backends.keyword_index import TantivyKeywords
    from govqa.index.manifest import Manifest
    from govqa.index.store import STORE_NAME, Store

    folder = out / f"planted-{n}"
    done = folder / "built.json"
    if done.exists():
        return folder, json.loads(done.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    _copy_store(base, folder)
    dimension = Manifest.load(folder).dimension
    real = sqlite3.connect(folder / STORE_NAME).execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    info = {"chunks": max(n, real), "real_chunks": real, "synthetic_chunks": max(0, n - real)}
    started = time.perf_counter()
    info["synthetic_documents"] = plant_synthetic(folder / STORE_NAME, sources(), info["synthetic_chunks"], dimension)
    info["rows_s"] = time.perf_counter() - started
    _set_manifest(folder, faiss_factory="auto", keyword="tantivy")
    store = Store(folder / STORE_NAME, dimension)
    started = time.perf_counter()
    mirror = FaissMirror(folder, store, dimension, "auto")
    mirror.background = False
    mirror.rebuild("auto")
    mirror.save()
    info["faiss"] = mirror.active_factory
    info["faiss_s"] = time.perf_counter() - started
    started = time.perf_counter()
    engine = TantivyKeywords.open(folder, create=True)
    engine.sync(store, repair=True)
    engine.wait_merges()
    engine.close()
    info["tantivy_s"] = time.perf_counter() - started
    store.close()
    info["build_s"] = info["rows_s"] + info["faiss_s"] + info["tantivy_s"]
    info["disk_mb"] = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    done.write_text(json.dumps(info))
    return folder, info


def _ms(times: list[float]) -> dict:
    ordered = np.sort(np.asarray(times)) * 1000
    return {
        "p50": float(np.percentile(ordered, 50)),
        "p95": float(np.percentile(ordered, 95)),
        "p99": float(np.percentile(ordered, 99)),
        "max": float(ordered[-1]),
    }


def planted_run(args, folder: Path, keyword: str, question_paths: list[str]) -> dict:
    """One process's view of a planted folder searched with ``keyword``: open time, RSS, search and ask latency,
    and per question set the eval figures (``eval.runner.evaluate``), as ``govqa eval --index`` computes them."""
    from dataclasses import replace

    from govqa.eval.questions import load_questions, resolve_docs
    from govqa.eval.runner import index_info, run_questions, summary_of
    from govqa.runtime import open_runtime

    _set_manifest(folder, keyword=keyword)
    config = load_config()
    config = replace(config, index=replace(config.index, keyword=keyword))
    rss_before = rss_bytes()
    started = time.perf_counter()
    runtime = open_runtime(config, folder, warm=True)
    searcher = runtime.searcher
    row = {
        "keyword": keyword,
        "open_s": time.perf_counter() - started,
        "factory": searcher.index.backend.mirror.active_factory,
    }
    _, names = index_info(searcher)
    asks, sets, texts, golds = [], {}, [], []
    for path in question_paths:
        questions, _ = resolve_docs(load_questions(ROOT / path).questions, names)
        results = run_questions(searcher, questions, args.k, progress=False)
        asks += [r.latency_ms / 1000 for r in results]
        texts += [q.question for q in questions]
        golds += [(q.question, q.doc) for q in questions if q.answerable and q.doc]
        s = summary_of(results, args.k)
        sets[Path(path).stem] = {
            key: s[key]
            for key in (
                "recall@5",
                "mrr@10",
                "doc_recall@5",
                "doc_mrr@10",
                "not_found_on_answerable",
                "not_found_on_unanswerable",
                "n_answerable",
                "n_unanswerable",
            )  # fmt: skip
        }
    searches, asked = [], []
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for _ in range(args.passes):
        for text in texts:
            begun = time.perf_counter()
            searcher.search(text, args.search_k)
            searches.append(time.perf_counter() - begun)
            if not args.profile:
                begun = time.perf_counter()
                searcher.ask(text, args.search_k)
                asked.append(time.perf_counter() - begun)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(args.profile)
    row |= {f"search_{p}": v for p, v in _ms(searches).items()}
    row |= {f"ask_{p}": v for p, v in _ms(asked or asks).items()}
    row |= {f"eval_ask_{p}": v for p, v in _ms(asks).items()}
    row["searches"] = len(searches)
    row |= filtered_searches(searcher, golds, args.search_k)
    row["rss_mb"] = rss_bytes() / 2**20
    row["rss_growth_mb"] = (rss_bytes() - rss_before) / 2**20
    row["sets"] = sets
    row["load"] = os.getloadavg()[0]
    runtime.close()
    return row


def filtered_searches(searcher, golds: list[tuple[str, str]], k: int) -> dict:
    """Each answerable question searched again within the region and year of its gold report (the page's filters):
    latency, and the share whose gold report is still among the first ``k`` (a filter must not lose it)."""
    from govqa.qa.types import Filters

    facets = {row[0]: row for row in searcher.index.document_facets()}
    times, kept = [], 0
    for text, doc in golds:
        _, _, year, region_path = facets[doc]
        filters = Filters(regions=tuple(region_path.split()[:1]), year_from=year, year_to=year)
        begun = time.perf_counter()
        result = searcher.search(text, k, filters)
        times.append(time.perf_counter() - begun)
        kept += any(hit.citation.doc == doc for hit in result.hits)
    return {**{f"filtered_{p}": v for p, v in _ms(times).items()}, "filtered_gold_kept": kept / max(1, len(golds))}


def planted_child(argv: list[str]) -> int:
    """``_planted_run FOLDER KEYWORD ARGS_JSON``: one run in a process of its own (its resident set is its own);
    the row as one JSON line on stdout."""
    args = argparse.Namespace(**json.loads(argv[3]))
    row = planted_run(args, Path(argv[1]), argv[2], args.questions.split(","))
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return 0


def planted_main(argv: list[str]) -> int:
    import subprocess

    parser = argparse.ArgumentParser(prog="bench/scale.py planted", description="the whole search at 10^4–10^6 chunks")
    parser.add_argument("--base", default="/work/idx/r111", help="a local index: its chunks are the real ones")
    parser.add_argument("--corpus", default=str(ROOT / "corpus"), help="files added to the real chunks ('' for none)")
    parser.add_argument(
        "--synthetic-from", default="/tmp/new/pqa-final", help="a local index the synthetic documents copy"
    )
    parser.add_argument(
        "--questions", default=PLANTED_SETS, help="question sets, comma-separated (paths from the repository)"
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--keyword", default="fts5,tantivy")
    parser.add_argument("--k", type=int, default=10, help="passages of the evaluated asks (govqa eval's default)")
    parser.add_argument(
        "--search-k", type=int, default=5, help="passages of the timed searches and asks (the app's default)"
    )
    parser.add_argument("--passes", type=int, default=2, help="timed searches: passes over all questions")
    parser.add_argument("--out", default="/tmp/govqa-planted")
    parser.add_argument("--build-only", action="store_true", help="build (or find) the folders, time nothing")
    parser.add_argument("--profile", type=int, default=0, help="cProfile the timed searches: print this many lines")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv[1:])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
        f"k={args.k}, one client",
        file=sys.stderr,
    )
    base = planted_base(args, out)
    loaded = []

    def sources():
        if not loaded:
            loaded.append(synthetic_sources(args.synthetic_from))
        return loaded[0]

    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        folder, info = planted_folder(args, out, base, n, sources)
        if args.build_only:
            print(json.dumps({"size": n, **info}), flush=True)
            continue
        for keyword in args.keyword.split(","):
            done = subprocess.run(
                [sys.executable, __file__, "_planted_run", str(folder), keyword, json.dumps(vars(args))],
                stdout=subprocess.PIPE,
                check=True,
            )
            row = {"size": n, **info, **json.loads(done.stdout.decode().strip().splitlines()[-1])}
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False) if args.json else _planted_line(row), flush=True)
    return 0


def _planted_line(row: dict) -> str:
    sets = " | ".join(
        f"{name} R@5 {s['recall@5']:.3f} docR@5 {s['doc_recall@5']:.3f} docMRR@10 {s['doc_mrr@10']:.3f} "
        f"nf {s['not_found_on_unanswerable']:.2f}/{s['not_found_on_answerable']:.2f}"
        for name, s in row["sets"].items()
    )
    return (
        f"{row['chunks']:>9,} {row['keyword']:7} {row['factory']:26} search p50/95/99/max "
        f"{row['search_p50']:6.1f} {row['search_p95']:6.1f} {row['search_p99']:6.1f} {row['search_max']:6.1f} ms | "
        f"ask p50/95 {row['ask_p50']:6.1f} {row['ask_p95']:6.1f} ms | rss {row['rss_mb']:5.0f} MB | "
        f"filtered p50/95 {row['filtered_p50']:6.1f} {row['filtered_p95']:6.1f} ms | "
        f"build {row['build_s']:5.0f} s | load {row['load']:.1f} | {sets}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
