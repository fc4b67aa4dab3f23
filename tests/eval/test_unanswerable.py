"""Generated unanswerable questions: the rule that keeps a question only when no other report could answer it."""

from __future__ import annotations

from govqa.eval.matching import normalize
from govqa.eval.questions import Question
from govqa.eval.unanswerable import Report, generate
from govqa.qa.synonyms import comparable


def report(name: str, year: int, places: tuple[str, ...], text: str) -> Report:
    return Report(name, year, places, comparable(text), normalize(text))


REPORTS = [
    report("henan-2025", 2025, ("河南省",), "一、2024年工作回顾\n粮食总产量1344亿斤，连续8年稳定在1300亿斤以上。"),
    report("henan-2026", 2026, ("河南省",), "一、2025年工作回顾\n粮食总产量1350亿斤。"),
    report("anhui-2025", 2025, ("安徽省",), "一、2024年工作回顾\n粮食产量836亿斤。"),
    report("state-2017", 2017, ("全国",), "推进“三去一降一补”。"),
    report("state-2016", 2016, ("全国",), "扎实推进“三去一降一补”。"),
]


def question(qid: str, text: str, doc: str, evidence: str) -> Question:
    return Question(qid, text, "number", doc, (evidence,))


def test_kept_only_when_no_other_report_could_answer():
    questions = [
        # Henan's 2024 output: Anhui states its own, Henan 2026 states 2025's: no other report answers.
        question("a", "2024年河南省粮食总产量是多少？", "henan-2025", "粮食总产量1344亿斤"),
        # The same words stand in another report of the right place and year span.
        question("b", "河南省粮食总产量是多少？", "henan-2025", "粮食总产量1344亿斤"),
        # The evidence itself is in another report.
        question("c", "三去一降一补是什么", "state-2017", "三去一降一补"),
        Question("d", "门票多少钱", "unanswerable", None, ()),
    ]
    kept, left_out = generate(questions, REPORTS)
    assert [line["id"] for line in kept] == ["a-nogold"]
    assert kept[0]["doc"] is None and kept[0]["exclude"] == ["henan-2025"] and kept[0]["type"] == "unanswerable"
    assert dict(left_out)["b"].startswith("a sentence of henan-2026")
    assert dict(left_out)["c"] == "evidence in state-2016"
