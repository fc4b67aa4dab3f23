"""Does ``govqa eval --library`` give each library the figures of an index of its own? (issue 28)

    python bench/library_eval.py --questions QUESTIONS.jsonl --library NAME=PATH [--library NAME=PATH …]
                                 [--distractor NAME=PATH] [--work DIR] [--k 10] [--json]

Builds one index holding every PATH, each in its library NAME (and the ``--distractor`` folders in
libraries no question is about), and one index per library holding that library's PATH alone; then
asks each library's questions (those whose gold document is in it, plus every unanswerable one) of
both: ``govqa eval --index COMBINED --library NAME`` against ``govqa eval --index ALONE``. Prints the
headline figures side by side and the largest difference; exit 1 when one is over ``--tolerance``
(0.005). The same by hand, for one library::

    govqa index add corpus/成都.txt --library 成都 --index /tmp/all
    govqa index add corpus/青羊.txt --library 青羊 --index /tmp/all
    govqa index add corpus/成都.txt --index /tmp/成都
    govqa eval 成都-questions.jsonl --index /tmp/all --library 成都 --json
    govqa eval 成都-questions.jsonl --index /tmp/成都 --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govqa.config import load_config  # noqa: E402
from govqa.eval.questions import load_questions, resolve_docs  # noqa: E402
from govqa.eval.runner import evaluate  # noqa: E402
from govqa.runtime import open_runtime  # noqa: E402

FIGURES = (
    "recall@1",
    "recall@3",
    "recall@5",
    "recall@10",
    "mrr@10",
    "ndcg@10",
    "text_recall@5",
    "not_found_on_unanswerable",
    "not_found_on_answerable",
)


def _pairs(values: list[str]) -> list[tuple[str, Path]]:
    out = []
    for value in values:
        name, _, path = value.partition("=")
        if not name or not path:
            raise SystemExit(f"--library/--distractor take NAME=PATH, got {value!r}")
        out.append((name, Path(path)))
    return out


def _figures(summary: dict) -> dict[str, float]:
    return {key: float(summary[key]) for key in FIGURES if isinstance(summary.get(key), (int, float))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", required=True, type=Path)
    parser.add_argument("--library", action="append", required=True, help="NAME=PATH, repeatable")
    parser.add_argument("--distractor", action="append", default=[], help="NAME=PATH: in the combined index only")
    parser.add_argument("--work", type=Path, default=None, help="where the indexes go (default: a temp folder)")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--tolerance", type=float, default=0.005)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    libraries, distractors = _pairs(args.library), _pairs(args.distractor)
    work = args.work or Path(tempfile.mkdtemp(prefix="govqa-library-eval-"))
    config = load_config()
    started = time.monotonic()
    combined = open_runtime(config, work / "combined", create=True)
    for name, path in libraries + distractors:
        combined.index.add_paths([path], config.chunk, library=name)
    question_set = load_questions(args.questions)
    rows, worst = [], 0.0
    for name, path in libraries:
        alone = open_runtime(config, work / f"alone-{len(rows)}", create=True)
        alone.index.add_paths([path], config.chunk)
        docs = alone.index.documents_where()
        questions, _ = resolve_docs(question_set.questions, docs)
        mine = [q for q in questions if q.doc is None or q.doc in docs]
        subset = replace(question_set, questions=tuple(mine))
        by_library = evaluate(subset, combined.searcher, args.k, progress=False, libraries=[name]).summary
        by_index = evaluate(subset, alone.searcher, args.k, progress=False).summary
        a, b = _figures(by_library), _figures(by_index)
        difference = max((abs(a[key] - b[key]) for key in a if key in b), default=0.0)
        worst = max(worst, difference)
        rows.append(
            {"library": name, "questions": len(mine), "library_filter": a, "own_index": b, "max_diff": difference}
        )
        alone.index.close()
    result = {
        "libraries": rows,
        "distractors": [name for name, _ in distractors],
        "combined_documents": len(combined.index.documents()),
        "max_diff": worst,
        "tolerance": args.tolerance,
        "seconds": round(time.monotonic() - started, 1),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        for row in rows:
            print(f"library {row['library']}: {row['questions']} questions")
            for key in row["library_filter"]:
                a, b = row["library_filter"][key], row["own_index"].get(key, float("nan"))
                print(f"  {key:14} --library {a:.4f}   own index {b:.4f}   diff {abs(a - b):.4f}")
        print(f"largest difference {worst:.4f} (tolerance {args.tolerance}); {result['seconds']} s")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    raise SystemExit(main())
