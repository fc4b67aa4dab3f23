"""Compare latency on a warm process: p50/p95/max of ``Searcher.compare`` over every report of an index.

    python bench/compare_latency.py --index DIR [--runs 5] [--json]

Each question of the list below is compared ``--runs`` times over the whole
index (no filter, so a question naming no year or place ranks every report),
after the model is warmed up as the server does at start. The target is
under 2 s per comparison over the 111 national and provincial reports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_latency import machine, machine_line, percentile  # noqa: E402
from govqa.config import load_config  # noqa: E402
from govqa.qa import open_searcher  # noqa: E402

QUESTIONS = (
    "2025年地区生产总值增长目标是多少",  # the 2025 reports
    "国内生产总值增长目标",  # every report: the widest comparison
    "城镇新增就业目标是多少",  # every report
    "粮食产量",  # a keyword query over every report
    "2026年一般公共预算收入增长多少",  # the 2026 reports
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="index folder")
    parser.add_argument("--runs", type=int, default=5, help="how many times each question is compared")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    searcher = open_searcher(args.index, load_config())
    searcher.index.warm_up()
    searcher.compare(QUESTIONS[0])  # warm-up: jieba dictionary, SQLite pages
    times, rows = {q: [] for q in QUESTIONS}, {}
    for _ in range(args.runs):
        for question in QUESTIONS:
            started = time.perf_counter()
            result = searcher.compare(question)
            times[question].append((time.perf_counter() - started) * 1000)
            rows[question] = (len(result.rows), sum(r.found for r in result.rows))
    everything = [t for ts in times.values() for t in ts]
    stats = searcher.index.stats()
    figures = {
        "documents": stats.get("documents"),
        "chunks": stats.get("chunks"),
        "runs": args.runs,
        "p50_ms": round(percentile(everything, 50), 1),
        "p95_ms": round(percentile(everything, 95), 1),
        "max_ms": round(max(everything), 1),
        "questions": [
            {
                "question": q,
                "rows": rows[q][0],
                "found": rows[q][1],
                "p50_ms": round(percentile(ts, 50), 1),
                "mean_ms": round(statistics.mean(ts), 1),
            }
            for q, ts in times.items()
        ],
        "machine": machine(),
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return 0
    print(
        f"compare over {figures['documents']} documents / {figures['chunks']} chunks, "
        f"{len(QUESTIONS)} questions × {args.runs} runs"
    )
    print(
        f"all      p50 {figures['p50_ms']:7.1f} ms   p95 {figures['p95_ms']:7.1f} ms   max {figures['max_ms']:7.1f} ms"
    )
    for q in figures["questions"]:
        print(f"  {q['p50_ms']:7.1f} ms p50  {q['rows']:3d} rows, {q['found']:3d} found  {q['question']}")
    print(machine_line(figures["machine"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
