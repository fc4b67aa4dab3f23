"""bench/scale.py's planted mode runs end to end at 2,000 chunks (the real run takes 10^6 and an hour), so it cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

QUESTIONS = [
    {"id": "p1", "question": "成都常态化疫情防控机制包括哪几个环节？", "type": "list",
     "doc": "2020年成都市政府工作报告（要点）.txt", "evidence": ["及时发现、快速处置、精准管控、有效救治"]},
    {"id": "p2", "question": "青羊区2021年地区生产总值预期增长多少？", "type": "number",
     "doc": "2021年成都市青羊区政府工作报告（一图读懂）.txt", "evidence": ["7%左右"]},
    {"id": "p3", "question": "火星基地的氧气产量是多少？", "type": "unanswerable", "doc": None, "evidence": []},
]  # fmt: skip


def test_planted_questions_are_searched_among_synthetic_chunks_with_both_keyword_engines(tmp_path, seed_index_dir):
    questions = tmp_path / "planted.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS), encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "bench/scale.py", "planted", "--base", str(seed_index_dir), "--corpus", ""]
    command += ["--synthetic-from", str(seed_index_dir), "--questions", str(questions), "--sizes", "2000"]
    command += ["--keyword", "fts5,tantivy", "--passes", "1", "--out", str(out), "--json"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}

    def run() -> list[dict]:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    rows = run()
    assert [r["keyword"] for r in rows] == ["fts5", "tantivy"]
    for row in rows:
        assert row["chunks"] == 2000 and 0 < row["real_chunks"] < 2000
        assert row["synthetic_chunks"] == 2000 - row["real_chunks"] and row["synthetic_documents"] > 0
        assert row["factory"] == "Flat" and row["searches"] == 3
        assert 0 < row["search_p50"] <= row["search_max"] and 0 < row["ask_p50"] and row["rss_mb"] > 0
        figures = row["sets"]["planted"]
        assert figures["n_answerable"] == 2 and figures["n_unanswerable"] == 1
        # The synthetic documents copy the seed reports themselves here: only the figures' presence is checked.
        assert all(0.0 <= figures[key] <= 1.0 for key in ("recall@5", "doc_recall@5", "doc_mrr@10"))
        assert 0.0 <= figures["not_found_on_unanswerable"] <= 1.0
    again = run()  # the folder is reused: nothing is built again
    assert [r["build_s"] for r in again] == [r["build_s"] for r in rows]
