"""bench/build_speed.py runs end to end on a tiny input, so the script cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_two_sides_build_the_same_files_and_report_every_figure(tmp_path, minilm_dir, minilm_embedder):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "sc.txt").write_text(
        "2026年四川省政府工作报告\n\n一、2025年工作回顾\n地区生产总值增长5.9%。城镇新增就业90万人。\n\n"
        "二、2026年主要目标\n地区生产总值增长5%左右。粮食产量稳定在720亿斤以上。",
        encoding="utf-8",
    )
    cache = os.environ.get("GOVQA_MODEL_CACHE") or str(tmp_path / "cache")
    late = tmp_path / "late.toml"
    late.write_text(
        f'[model]\nname = "{minilm_dir}"\nencoder = "fp32"\ncache_dir = "{cache}"\n[index]\nbare_sentences = false\n',
        encoding="utf-8",
    )
    bare = tmp_path / "bare.toml"
    bare.write_text(late.read_text(encoding="utf-8").replace("false", "true"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "bench/build_speed.py", str(reports), f"--side=late=.,{late}", f"--side=bare=.,{bare}"]
        + ["--rounds", "1", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)["sides"]
    assert set(figures) == {"late", "bare"}
    for side in figures.values():
        assert side["documents"] == 1 and side["chunks"] >= 1
        assert side["wall_s"] > 0 and side["chunks_per_s"] > 0 and side["cpu_s_per_chunk"] > 0
        assert side["peak_rss_mb"] > 50 and side["tokens_embedded"] > 0
        assert side["embedding_s"] > 0 and side["reading_s"] >= 0 and side["chunking_s"] >= 0
    # the bare sentences are embedded too: more tokens for the same chunks
    assert figures["bare"]["chunks"] == figures["late"]["chunks"]
    assert figures["bare"]["tokens_embedded"] > figures["late"]["tokens_embedded"]


def test_a_malformed_side_is_refused_in_one_line():
    done = subprocess.run(
        [sys.executable, "bench/build_speed.py", "--side", "nothing"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 2 and "NAME=TREE" in done.stderr
