"""A run over a fake searcher: the four report files are written and parse back; the CI gate reads them."""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from govqa.eval import gate
from govqa.eval.questions import Question, QuestionSet
from govqa.eval.report import SUMMARY_KEYS, per_question_header, provenance, write_report
from govqa.eval.runner import evaluate

A, B = "a.txt", "b.txt"


@dataclass(frozen=True)
class FakeCitation:
    doc: str
    title: str = ""
    section: str = "一、总体"
    page: int | None = None
    start: int = 0
    end: int = 10


@dataclass(frozen=True)
class FakeHit:
    text: str
    citation: FakeCitation


@dataclass(frozen=True)
class FakeAnswer:
    hits: tuple
    verdict: str


class FakeSearcher:
    """Answers from a fixed table: question → (hits as (doc, text), verdict)."""

    def __init__(self, table):
        self.table = table
        self.asked = []

    def ask_batch(self, questions, k=10, filters=None):
        self.asked.append(list(questions))
        out = []
        for q in questions:
            hits, verdict = self.table[q]
            out.append(
                FakeAnswer(
                    tuple(FakeHit(t, FakeCitation(d, start=i * 10)) for i, (d, t) in enumerate(hits[:k])), verdict
                )
            )
        return out


QUESTIONS = (
    Question("q1", "定点医院？", "number", A, ("35家定点医院",), line=1),
    Question("q2", "骡马市？", "fact", B, ("骡马市TOD",), line=2),
    Question("q3", "漏掉的|问题", "fact", A, ("找不到的证据",), line=3),
    Question("q4", "2022年GDP？", "unanswerable", None, (), line=4),
)
TABLE = {
    "定点医院？": ([(A, "设置 **35家** 定点医院"), (B, "无关")], "found"),
    "骡马市？": ([(A, "骡马市TOD"), (B, "无关"), (B, "加快骡马市\nTOD建设")], "found"),
    "漏掉的|问题": ([(B, "其他内容 | 带竖线")], "not_found"),
    "2022年GDP？": ([(A, "2019年地区生产总值")], "not_found"),
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """One run written once for all the tests here (drawing the chart is the slow part)."""
    tmp_path = tmp_path_factory.mktemp("report")
    qs = QuestionSet(Path("seed.jsonl"), "jsonl", QUESTIONS, "0" * 64)
    searcher = FakeSearcher(TABLE)
    prov = provenance(
        qs,
        {"model": "fake"},
        {"chunk": {"size": 300}, "app": {"api_key": "s3cret", "port": 1}, "search": {"keyword_depth": 50}},
        "idx",
    )
    run = evaluate(qs, searcher, k=10, provenance=prov, progress=False)
    assert searcher.asked[0] == ["定点医院？"] and all(
        len(batch) == 1 for batch in searcher.asked
    )  # warm-up, then one by one
    return write_report(run, tmp_path / "run")


def test_files_written(run_dir):
    assert {p.name for p in run_dir.iterdir()} == {"summary.json", "per_question.csv", "report.md", "recall.png"}
    assert (run_dir / "recall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_json(run_dir):
    s = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    for key in SUMMARY_KEYS + ("n_answerable", "n_unanswerable", "counts", "by_type", "by_doc", "provenance"):
        assert key in s
    assert s["recall@1"] == pytest.approx(1 / 3, abs=1e-4) and s["counts"]["recall@1"] == {"count": 1, "total": 3}
    assert s["recall@3"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["mrr@10"] == pytest.approx((1 + 1 / 3) / 3, abs=1e-4)
    assert s["doc_recall@1"] == pytest.approx(1 / 3, abs=1e-4)  # q2's first hit is from a.txt
    assert s["text_recall@1"] == pytest.approx(2 / 3, abs=1e-4)  # ... but it holds the evidence
    assert s["not_found_on_unanswerable"] == 1.0 and s["counts"]["not_found_on_answerable"]["count"] == 1
    assert set(s["by_type"]) == {"number", "fact", "unanswerable"}
    assert s["by_type"]["fact"]["counts"]["recall@3"] == {"count": 1, "total": 2}
    assert set(s["by_doc"]) == {A, B}
    assert s["curves"]["passage"][:3] == pytest.approx([1 / 3, 1 / 3, 2 / 3], abs=1e-4)
    p = s["provenance"]
    assert p["index"]["manifest"] == {"model": "fake"} and p["questions"]["sha256"] == "0" * 64
    assert p["config"]["app"] == {"api_key": "***", "port": 1} and p["config"]["search"] == {"keyword_depth": 50}
    assert set(p["git"]) == {"commit", "dirty"} and p["machine"]["cpu_count"] >= 1 and p["date"]
    assert s["latency_p50_ms"] >= 0


def test_per_question_csv(run_dir):
    with (run_dir / "per_question.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == per_question_header()
    by_id = {r["id"]: r for r in rows}
    assert (by_id["q1"]["answer_rank"], by_id["q1"]["doc_rank"]) == ("1", "1")
    assert (by_id["q2"]["answer_rank"], by_id["q2"]["doc_rank"]) == ("3", "2")
    assert by_id["q3"]["answer_rank"] == "" and by_id["q3"]["verdict"] == "not_found"
    assert by_id["q2"]["top1_doc"] == A and by_id["q2"]["top3_excerpt"] == "加快骡马市 TOD建设"
    assert by_id["q2"]["top3_answers"] == "1" and by_id["q3"]["top2_doc"] == ""
    assert by_id["q4"]["doc"] == "" and float(by_id["q4"]["latency_ms"]) >= 0


def test_report_md(run_dir):
    text = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "| recall@1 | 0.333 (1/3) |" in text
    assert "## By type" in text and "| number | 1 |" in text
    assert "## By document" in text
    misses = text.split("## Misses")[1].split("## Verdict errors")[0]
    assert "漏掉的\\|问题" in misses and "找不到的证据" in misses and "missed" in misses
    assert "其他内容 \\| 带竖线" in misses and "b.txt" in misses  # what came first instead, cited
    assert "骡马市？" in misses and "| 3 |" in misses
    assert "定点医院？" not in misses
    verdicts = text.split("## Verdict errors")[1]
    assert "漏掉的" in verdicts and "2022年GDP" not in verdicts


def test_gate_passes_and_fails(run_dir, tmp_path, capsys):
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert gate.main([str(run_dir / "summary.json")]) == 1  # recall@5 = 2/3
    assert "FAIL: recall@5 = 0.667 (2/3) is below the floor" in capsys.readouterr().err
    summary["recall@5"] = gate.RECALL_AT_5_BASELINE - gate.TOLERANCE
    summary["mrr@10"] = gate.MRR_AT_10_FLOOR
    summary["not_found_on_answerable"] = 0.0
    summary["not_found_on_unanswerable"] = gate.NOT_FOUND_ON_UNANSWERABLE_FLOOR
    (tmp_path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert gate.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out.count("OK: ") == 4
    assert gate.check({"recall@5": None})[0] is False
    assert gate.main([str(run_dir / "nothing.json")]) == 2


@pytest.mark.parametrize(
    "figure, value, passes",
    [
        ("not_found_on_unanswerable", 1.0, True),
        ("not_found_on_unanswerable", 0.8, False),
        ("not_found_on_answerable", 2 / 55, True),
        ("not_found_on_answerable", 3 / 55, False),
        ("not_found_on_unanswerable", None, False),
        ("mrr@10", 0.93, True),
        ("mrr@10", 0.92, False),
    ],
)
def test_gate_holds_the_mrr_and_not_found_targets(figure, value, passes):
    summary = {"recall@5": 1.0, "mrr@10": 0.949, "not_found_on_unanswerable": 1.0, "not_found_on_answerable": 1 / 55}
    summary[figure] = value
    passed, message = gate.check(summary)
    assert passed is passes
    assert (f"FAIL: {figure}" in message) is not passes
