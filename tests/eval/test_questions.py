"""Loading question sets: project JSONL, CSV, policy-qa qrels; every bad line reported with its number."""

import json
from pathlib import Path

import pytest

from govqa.eval.questions import Question, QuestionSetError, load_questions, resolve_docs

DOC = "2020年成都市政府工作报告（要点）.txt"
SHARED = Path(__file__).resolve().parents[3] / "shared"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (seed-dev, policy-qa) is not checked out here")


def write_jsonl(path, records):
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


def test_project_jsonl(tmp_path):
    path = write_jsonl(
        tmp_path / "q.jsonl",
        [
            {
                "id": "a",
                "question": "定点医院几家？",
                "type": "number",
                "doc": DOC,
                "evidence": ["35家定点医院"],
                "answer": "35家",
            },
            {"id": "b", "question": "2022年GDP？", "type": "unanswerable", "doc": None, "evidence": []},
            {"question": "没有 id 与 type", "doc": DOC, "evidence": ["x"]},
            {"question": "不可回答，无 evidence 键", "doc": None},
        ],
    )
    qs = load_questions(path)
    assert qs.format == "jsonl" and len(qs.sha256) == 64
    a, b, c, d = qs.questions
    assert a == Question("a", "定点医院几家？", "number", DOC, ("35家定点医院",), "35家", 1)
    assert not b.answerable and b.evidence == ()
    assert (c.id, c.type, c.line) == ("line-3", "answerable", 3)
    assert (d.type, d.answerable) == ("unanswerable", False)


def test_line_separator_characters_inside_strings_keep_line_numbers(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "甲\u2028乙"}\r\n{"question": "丙\u0085"}\n{"bad"\n', encoding="utf-8")
    with pytest.raises(QuestionSetError) as info:
        load_questions(path)
    assert [line for line, _ in info.value.problems] == [3]


@needs_shared
def test_seed_dev_loads():
    qs = load_questions(SHARED / "eval" / "seed-dev.jsonl")
    assert len(qs.questions) == 60
    assert sum(not q.answerable for q in qs.questions) == 5


def test_csv_with_pipe_and_json_evidence(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        "\ufeffid,question,type,doc,evidence,answer\n"
        f"a,定点医院几家？,number,{DOC},35家定点医院 | 无条件收治,35家\n"
        f'b,"多行\n问题",list,{DOC},"[""含|竖线的证据"", ""第二条""]",\n'
        "c,2022年GDP？,unanswerable,,,\n",
        encoding="utf-8",
    )
    qs = load_questions(path)
    assert qs.format == "csv"
    a, b, c = qs.questions
    assert a.evidence == ("35家定点医院", "无条件收治")
    assert b.question == "多行\n问题" and b.evidence == ("含|竖线的证据", "第二条") and b.line == 3
    assert c.doc is None and not c.answerable and c.line == 5


def test_policy_qa_detected_by_keys(tmp_path):
    path = write_jsonl(
        tmp_path / "qrels.jsonl",
        [
            {
                "qid": "q1",
                "question": "展会有何支持？",
                "docid": "d9",
                "answer": "按照不超过实际缴纳场租费用50%的标准给予支持，补助金额不超过",
            },
        ],
    )
    qs = load_questions(path)
    (q,) = qs.questions
    assert qs.format == "policy-qa"
    assert (q.id, q.type, q.doc) == ("q1", "policy-qa", "corpus_599docs.jsonl#d9")
    assert q.evidence == ("按照不超过实际缴纳场租费用50%的标准给予支持,补助金额不超",)
    assert load_questions(path, policy_corpus="renamed.jsonl").questions[0].doc == "renamed.jsonl#d9"


@needs_shared
def test_real_policy_qa_qrels_load():
    qs = load_questions(SHARED / "corpus" / "policy-qa-2020" / "qrels_1262q.jsonl")
    assert qs.format == "policy-qa" and len(qs.questions) == 1262
    assert all(q.answerable and 0 < len(q.evidence[0]) <= 30 for q in qs.questions)


def problems(path):
    with pytest.raises(QuestionSetError) as info:
        load_questions(path)
    return info.value.problems, str(info.value)


def test_every_bad_line_is_reported_with_its_number(tmp_path):
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            {"question": "好的", "doc": DOC, "evidence": ["x"]},
            '{"question": "坏的 JSON", ',
            {"doc": DOC, "evidence": ["x"]},
            {"question": "evidence 不是列表", "doc": DOC, "evidence": "35家"},
            {"question": "有 doc 无 evidence", "doc": DOC, "evidence": []},
            {"question": "有 evidence 无 doc", "doc": None, "evidence": ["x"]},
            "[1, 2]",
            {"question": 42},
            {"question": "类型矛盾", "type": "unanswerable", "doc": DOC, "evidence": ["x"]},
        ],
    )
    found, message = problems(path)
    assert [line for line, _ in found] == [2, 3, 4, 5, 6, 7, 8, 9]
    reasons = dict(found)
    assert "not valid JSON" in reasons[2]
    assert "missing 'question'" in reasons[3]
    assert "must be a list" in reasons[4]
    assert "'evidence' is empty" in reasons[5]
    assert "'doc' is null" in reasons[6]
    assert "JSON object" in reasons[7]
    assert "must be a string" in reasons[8]
    assert "unanswerable" in reasons[9]
    assert f"{path}:2: not valid JSON" in message


def test_duplicate_ids_and_empty_file(tmp_path):
    path = write_jsonl(tmp_path / "dup.jsonl", [{"id": "x", "question": "一"}, {"id": "x", "question": "二"}])
    found, _ = problems(path)
    assert found == [(2, "duplicate id 'x' (first on line 1)")]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert "no questions" in problems(empty)[1]


def test_policy_qa_line_missing_keys(tmp_path):
    path = write_jsonl(
        tmp_path / "qrels.jsonl",
        [
            {"qid": "q1", "question": "一", "docid": "d1", "answer": "甲"},
            {"qid": "q2", "question": "二", "docid": "d2"},
        ],
    )
    found, _ = problems(path)
    assert found[0][0] == 2 and "'answer'" in found[0][1]


def test_bad_csv_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "question,doc,evidence\n"
        f"好的,{DOC},证据\n"
        f'坏证据,{DOC},"[不是 JSON"\n'
        ",,\n"
        f"多了一格,{DOC},证据,多余\n"
        f",{DOC},证据\n",
        encoding="utf-8",
    )
    found, _ = problems(path)
    assert [line for line, _ in found] == [3, 5, 6]
    assert "JSON list" in found[0][1] and "cells" in found[1][1] and "missing 'question'" in found[2][1]


def test_unreadable_file(tmp_path):
    assert "cannot read" in problems(tmp_path / "missing.jsonl")[1]


def test_resolve_docs_matches_rows_by_id():
    q = Question("1", "问", "policy-qa", "corpus_599docs.jsonl#d1", ("x",))
    r = Question("2", "问", "fact", "gone.txt", ("x",))
    resolved, warnings = resolve_docs([q, r], ["export.jsonl#d1", "a.txt"])
    assert resolved[0].doc == "export.jsonl#d1"
    assert resolved[1].doc == "gone.txt"
    assert warnings == ["gold document not in the index: gone.txt (1 question(s) cannot be answered)"]
    assert resolve_docs([q], []) == ([q], [])


def test_resolve_docs_matches_a_file_name_to_the_document_it_became():
    one = Question("1", "问", "fact", "2026_北京市_政府工作报告.csv", ("x",))
    many = Question("2", "问", "fact", "export.jsonl", ("x",))
    names = ["2026_北京市_政府工作报告.csv#1", "export.jsonl#d1", "export.jsonl#d2"]
    resolved, warnings = resolve_docs([one, many], names)
    assert resolved[0].doc == "2026_北京市_政府工作报告.csv#1"
    assert resolved[1].doc == "export.jsonl"
    assert warnings == [
        "gold document export.jsonl is a file of 2 documents (export.jsonl#d1…): name one as "
        "file#row (1 question(s) cannot be answered)"
    ]


def test_cli_rejects_bad_questions_before_running(tmp_path):
    from typer.testing import CliRunner

    from govqa.cli import app

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "好"}\n{"question": "坏", "doc": "a.txt"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(bad), "--index", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert f"{bad}:2:" in result.stderr and "'evidence' is empty" in result.stderr
