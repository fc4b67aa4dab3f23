"""Highlighting the answer sentence inside a passage."""

from govqa.qa.highlight import best_sentences, sentences, term_overlap

PASSAGE = (
    "提升跨境贸易通关便利化水平,推广应用国际贸易“单一窗口”。\n\n全力推进大运会筹办。"
    "加快推进东安湖体育公园、凤凰山体育公园等13处新建场馆和大运村建设,扎实推进36处场馆提升。"
)


def test_sentences_split_after_chinese_terminators_and_line_ends():
    spans = sentences(PASSAGE)
    texts = [PASSAGE[s.start : s.end] for s in spans]
    assert texts[0].endswith("“单一窗口”。")
    assert texts[1] == "全力推进大运会筹办。"
    assert texts[2].startswith("加快推进东安湖")


def test_term_overlap_is_length_weighted():
    assert term_overlap(["大运会", "场馆"], "大运会场馆") == 1.0
    assert term_overlap(["大运会", "场馆"], "新建场馆") == 0.4
    assert term_overlap([], "任何") == 0.0


def test_the_sentence_with_the_question_terms_is_highlighted():
    spans = best_sentences(PASSAGE, ["新建", "场馆", "大运"])
    assert any("东安湖体育公园" in PASSAGE[s.start : s.end] for s in spans)


def test_dense_scores_can_decide_between_sentences():
    dense = [1.0 if "通关" in PASSAGE[s.start : s.end] else 0.0 for s in sentences(PASSAGE)]
    spans = best_sentences(PASSAGE, [], dense_scores=dense)
    assert PASSAGE[spans[0].start : spans[0].end].startswith("提升跨境贸易")


def test_only_sentences_that_can_answer_are_marked_when_there_are_any():
    text = "2025年四川省政府工作报告\n经济总量达到64697亿元，增长5.7%。"
    has_digit = lambda sentence: any(ch.isdigit() for ch in sentence.replace("2025年", ""))
    spans = best_sentences(text, ["2025", "四川省"], can_answer=has_digit)
    assert [text[s.start : s.end] for s in spans] == ["经济总量达到64697亿元，增长5.7%。"]
    title_only = best_sentences("2025年四川省政府工作报告", ["四川省"], can_answer=has_digit)
    assert len(title_only) == 1  # none can answer: the best sentence is still marked
