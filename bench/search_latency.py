"""Search latency on a warm process: p50/p95 of ``qa.search`` and ``ask`` over varied questions, and where the time goes.

    python bench/search_latency.py --index DIR [--questions N] [--k 5] [--json]

Questions are drawn (seeded) from the index itself, in four shapes: a clause
of a passage as a question, a keyword pair, a short phrase, and a question
naming a year and place; plus the dev questions when ../shared is there.
Each search is timed alone, query embedding included, after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govqa.config import load_config  # noqa: E402
from govqa.qa import open_searcher  # noqa: E402

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "seed-dev.jsonl"


def questions_from_index(searcher, n: int, seed: int = 7) -> list[str]:
    """``n`` varied questions made from the indexed passages and document metadata."""
    rng = random.Random(seed)
    index = searcher.index
    facets = index.document_facets()
    ids = sorted(index.chunk_ids_where())
    records = index.chunk_records(rng.sample(ids, min(len(ids), n)))
    out = []
    for i, record in enumerate(records.values()):
        clauses = [c for c in re.split(r"[，。；,;\n]", record.text) if 6 <= len(c) <= 40]
        clause = rng.choice(clauses) if clauses else record.text[:20]
        name, title, year, region_path = rng.choice(facets)
        place = (region_path or "").split()[-1:] or [""]
        shape = i % 4
        if shape == 0:
            out.append(f"{clause}是怎么安排的？")
        elif shape == 1:
            words = re.findall(r"[\u4e00-\u9fff]{2,4}", record.text)
            out.append(" ".join(rng.sample(words, min(2, len(words)))) or clause)
        elif shape == 2:
            out.append(clause[:8])
        else:
            out.append(f"{year or ''}年{place[0]}{clause[:10]}的目标是多少")
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def machine() -> dict:
    """What ran the benchmark."""
    import onnxruntime

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "onnxruntime": onnxruntime.__version__,
        "python": platform.python_version(),
        "load_average_1m": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="index folder")
    parser.add_argument("--questions", type=int, default=240, help="how many questions (at least 200 recommended)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    config = load_config()
    searcher = open_searcher(args.index, config)
    questions = questions_from_index(searcher, args.questions)
    if DEV.exists():
        questions += [json.loads(line)["question"] for line in DEV.open(encoding="utf-8")]
    searcher.index.warm_up()  # as the server does at start: weights, single-query fast path
    for q in questions[:5]:  # warm-up: jieba dictionary, SQLite pages
        searcher.search(q, args.k)

    total, embed, asked = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        searcher.search(q, args.k)
        total.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        searcher.index.encode_queries([q])
        embed.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        searcher.ask(q, args.k)  # search and the verdict (its checks read stored facts, not the model)
        asked.append((time.perf_counter() - t0) * 1000)

    stats = searcher.index.stats()
    figures = {
        "questions": len(questions),
        "documents": stats.get("documents"),
        "chunks": stats.get("chunks"),
        "search_p50_ms": round(percentile(total, 50), 2),
        "search_p95_ms": round(percentile(total, 95), 2),
        "search_mean_ms": round(statistics.mean(total), 2),
        "query_embedding_p50_ms": round(percentile(embed, 50), 2),
        "query_embedding_p95_ms": round(percentile(embed, 95), 2),
        "rest_p50_ms": round(percentile([t - e for t, e in zip(total, embed, strict=False)], 50), 2),
        "ask_p50_ms": round(percentile(asked, 50), 2),
        "ask_p95_ms": round(percentile(asked, 95), 2),
        "machine": machine(),
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        print(f"{figures['questions']} questions over {figures['documents']} documents / {figures['chunks']} chunks")
        print(
            f"search      p50 {figures['search_p50_ms']:7.1f} ms   p95 {figures['search_p95_ms']:7.1f} ms   "
            f"mean {figures['search_mean_ms']:.1f} ms"
        )
        print(
            f"  of which query embedding p50 {figures['query_embedding_p50_ms']:.1f} ms "
            f"(p95 {figures['query_embedding_p95_ms']:.1f}); the rest (FTS, FAISS, fusion, highlight) "
            f"p50 {figures['rest_p50_ms']:.1f} ms"
        )
        print(f"ask         p50 {figures['ask_p50_ms']:7.1f} ms   p95 {figures['ask_p95_ms']:7.1f} ms")
        print(machine_line(figures["machine"]))
    return 0


def machine_line(m: dict) -> str:
    """One line naming the machine a benchmark ran on (``machine()``'s figures)."""
    return (
        f"machine: {m['cpu']}, {m['cores']} cores, onnxruntime {m['onnxruntime']}, "
        f"Python {m['python']}, load average {m['load_average_1m']:.2f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
