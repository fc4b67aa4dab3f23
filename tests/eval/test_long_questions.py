"""The long-question set generator: the same file every time, 80–110 characters, the question kept whole."""

from __future__ import annotations

import json

from govqa.eval.long_questions import BACKGROUND_YEARS, MAX_CHARS, MIN_CHARS, main
from govqa.qa.question import years_in

LINES = [
    {
        "id": "q1",
        "question": "2019年成都地区生产总值是多少？",
        "type": "number",
        "doc": "a.txt",
        "evidence": ["1.7万亿元"],
    },
    {"id": "q2", "question": "城市大脑", "type": "short", "doc": "a.txt", "evidence": ["城市大脑"]},
    {"id": "q3", "question": "成都大运会的门票在哪里购买？", "type": "unanswerable", "doc": None, "evidence": []},
]


def test_each_question_is_wrapped_the_same_way_every_time(tmp_path):
    source = tmp_path / "set.jsonl"
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n", "utf-8")
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert main([str(source), "--out", str(first)]) == 0
    assert main([str(source), "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    made = [json.loads(line) for line in first.read_text("utf-8").splitlines()]
    for original, long in zip(LINES, made, strict=True):
        assert long["id"] == original["id"] + "-long" and long["short"] == original["question"]
        assert original["question"] in long["question"] and MIN_CHARS <= len(long["question"]) <= MAX_CHARS
        assert (long["doc"], long["evidence"], long["type"]) == (
            original["doc"],
            original["evidence"],
            original["type"],
        )
        # The background names one other year, never the question's own.
        background = years_in(long["question"].replace(original["question"], ""))
        assert background and background <= set(BACKGROUND_YEARS) and not background & years_in(original["question"])
    held_out = tmp_path / "c.jsonl"
    assert main([str(source), "--held-out", "--out", str(held_out)]) == 0
    assert held_out.read_text("utf-8") != first.read_text("utf-8")
