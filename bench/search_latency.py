"""Search latency on a warm process: p50/p95 of ``qa.search`` and ``ask`` over varied questions, and where the time goes.

    python bench/search_latency.py --index DIR [--questions N] [--k 5] [--libraries N] [--json]

``--libraries N`` searches the first N libraries of the index that hold documents (sorted by name:
``govqa index stats --library`` lists them) as a reader of those alone would (``Filters.libraries``); 0, the default,
searches every library without a filter, as before libraries.

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
from govqa.runtime import open_runtime  # noqa: E402

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
    parser.add_argument("--libraries", type=int, default=0, help="search the first N libraries only (0: all)")
    parser.add_argument(
        "--interleave",
        default="",
        help="e.g. 0,1,3: ask each question with each selection of libraries in turn, in one process (the load "
        "of the machine then weighs on all alike), and print the p50 and p95 of each",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    config = load_config()
    searcher = open_runtime(config, args.index).searcher
    filters = None
    if args.libraries:
        from govqa.qa.types import Filters

        every = [name for name, row in searcher.index.library_stats().items() if row["documents"]]
        if args.libraries > len(every):
            parser.error(f"--libraries {args.libraries}: the index has {len(every)} ({', '.join(every)})")
        filters = Filters(libraries=tuple(every[: args.libraries]))
    questions = questions_from_index(searcher, args.questions)
    if DEV.exists():
        questions += [json.loads(line)["question"] for line in DEV.open(encoding="utf-8")]
    searcher.index.warm_up()  # as the server does at start: weights, single-query fast path
    for q in questions[:5]:  # warm-up: jieba dictionary, SQLite pages
        searcher.search(q, args.k, filters)
    if args.interleave:
        return interleaved(searcher, questions, args.k, [int(n) for n in args.interleave.split(",")], args.json)

    total, embed, asked = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        searcher.search(q, args.k, filters)
        total.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        searcher.index.encode_queries([q])
        embed.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        searcher.ask(q, args.k, filters)  # search and the verdict (its checks read stored facts, not the model)
        asked.append((time.perf_counter() - t0) * 1000)

    stats = searcher.index.stats()
    figures = {
        "questions": len(questions),
        "documents": stats.get("documents"),
        "libraries": list(filters.libraries) if filters is not None and filters.libraries else "all",
        "documents_searched": len(searcher.index.documents_where(libraries=filters.libraries if filters else None)),
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
        print(f"libraries: {figures['libraries']} ({figures['documents_searched']} documents searched)")
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


def interleaved(searcher, questions: list[str], k: int, counts: list[int], as_json: bool) -> int:
    """Each question searched and asked with each selection (the first N libraries holding documents; 0: all,
    no filter), the selections rotated from question to question; the p50/p95 of each."""
    from govqa.qa.types import Filters

    every = [name for name, row in searcher.index.library_stats().items() if row["documents"]]
    choices = {n: Filters(libraries=tuple(every[:n])) if n else None for n in counts}
    for f in choices.values():  # warm each selection's caches (chunk ids of its documents)
        searcher.search(questions[0], k, f)
    timings: dict[int, dict[str, list[float]]] = {n: {"search": [], "ask": []} for n in counts}
    for i, q in enumerate(questions):
        for n in counts[i % len(counts) :] + counts[: i % len(counts)]:
            t0 = time.perf_counter()
            searcher.search(q, k, choices[n])
            timings[n]["search"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            searcher.ask(q, k, choices[n])
            timings[n]["ask"].append((time.perf_counter() - t0) * 1000)
    figures = {
        "questions": len(questions),
        "libraries_holding_documents": every,
        "selections": {
            str(n): {
                "libraries": list(choices[n].libraries) if choices[n] else "all (no filter)",
                "documents_searched": len(searcher.index.documents_where(libraries=every[:n] if n else None)),
                "search_p50_ms": round(percentile(t["search"], 50), 2),
                "search_p95_ms": round(percentile(t["search"], 95), 2),
                "ask_p50_ms": round(percentile(t["ask"], 50), 2),
                "ask_p95_ms": round(percentile(t["ask"], 95), 2),
            }
            for n, t in timings.items()
        },
        "machine": machine(),
    }
    if as_json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        for n, row in figures["selections"].items():
            print(
                f"{n} libraries ({row['documents_searched']} documents): search p50 {row['search_p50_ms']:.1f} ms "
                f"p95 {row['search_p95_ms']:.1f} ms; ask p50 {row['ask_p50_ms']:.1f} ms p95 {row['ask_p95_ms']:.1f} ms"
            )
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
