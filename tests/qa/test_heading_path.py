"""The heading path decides between sibling sections that repeat one sentence shape (``qa/headings.py``)."""

from __future__ import annotations

import pytest

from govqa.qa.fuse import Candidate
from govqa.qa.headings import heading_factors, within_reports
from govqa.qa.highlight import best_sentences

PARENT = "一、深入打好蓝天保卫战 › （一）推进重点行业超低排放改造"


def test_only_a_term_that_tells_a_reports_sections_apart_lifts_a_chunk():
    sections = {
        1: ("a.txt", f"{PARENT} › （1）钢铁行业"),
        2: ("a.txt", f"{PARENT} › （2）水泥行业"),
        3: ("a.txt", f"{PARENT} › （3）玻璃行业"),
        4: ("b.txt", "（二）水泥行业"),  # the only candidate of its report: nothing to tell apart
        5: ("c.txt", ""),  # no headings at all
    }
    lifted = heading_factors(["水泥", "行业", "超低", "排放", "改造", "企业"], sections, 0.5)
    # 行业, 超低, 排放, 改造 are named by every path of a.txt; 水泥 (2 of the terms' 12 characters) by one of them.
    assert lifted == {2: pytest.approx(1 + 0.5 * 2 / 12)}
    assert heading_factors(["超低", "排放", "改造"], sections, 0.5) == {}
    assert heading_factors(["水泥"], sections, 0.0) == {}


class _Record:
    def __init__(self, doc: str, section: str):
        self.doc, self.section = doc, section


def test_a_report_is_reordered_among_its_own_places_only():
    records = {
        1: _Record("a.txt", f"{PARENT} › （1）钢铁行业"),
        2: _Record("b.txt", ""),
        3: _Record("a.txt", f"{PARENT} › （2）水泥行业"),
    }
    ranked = [Candidate(1, score=0.9), Candidate(2, score=0.85), Candidate(3, score=0.8)]
    out = within_reports(ranked, records, ["水泥", "行业", "超低", "排放", "改造"], 1.0)
    # 水泥行业's chunk takes the first place of its report; b.txt keeps its place between; scores stay in order.
    assert [c.chunk_id for c in out] == [3, 2, 1]
    assert [c.grounded_score for c in out] == pytest.approx([0.9, 0.85, 0.8])
    # A lift too small to close the gap changes nothing.
    ranked = [Candidate(1, score=0.9), Candidate(2, score=0.85), Candidate(3, score=0.5)]
    assert [c.chunk_id for c in within_reports(ranked, records, ["水泥", "行业", "超低", "排放", "改造"], 1.0)] == [
        1,
        2,
        3,
    ]


def test_a_term_named_by_a_sentences_heading_counts_as_its_own_in_the_highlight():
    text = "完成超低排放改造的企业有12家。完成超低排放改造的企业有5家。"
    headings = (f"{PARENT} › （1）钢铁行业", f"{PARENT} › （2）水泥行业")
    [chosen] = best_sentences(text, ["水泥", "超低", "排放", "改造", "企业"], max_sentences=1, headings=headings)
    assert text[chosen.start : chosen.end] == "完成超低排放改造的企业有5家。"


REPORT = """某市2024年生态环境保护工作报告

一、深入打好蓝天保卫战
（一）推进重点行业超低排放改造
1.工业企业
（1）钢铁行业
全市钢铁企业有序推进超低排放改造，烧结机头烟气治理全面完成。完成超低排放改造的企业有12家。
（2）水泥行业
水泥熟料生产线实施分级分类管控，错峰生产措施落实到位。完成超低排放改造的企业有5家。
（3）玻璃行业
平板玻璃生产线完成脱硫脱硝除尘设施提标，完成超低排放改造的企业有4家。
2.燃煤锅炉
全市淘汰35蒸吨以下燃煤锅炉86台，完成超低排放改造的企业有9家。
（二）强化移动源污染防治
淘汰老旧柴油货车2100辆，新增新能源公交车360辆。

二、深入打好碧水保卫战
（一）城镇污水处理
新建污水处理厂3座，新增污水处理能力12万吨/日。
"""


@pytest.mark.parametrize(
    "question, words, heading",
    [
        ("水泥行业完成超低排放改造的企业有几家", "企业有5家", "水泥行业"),
        ("钢铁行业完成超低排放改造的企业有几家", "企业有12家", "钢铁行业"),
        ("玻璃行业完成超低排放改造的企业有几家", "企业有4家", "玻璃行业"),
        ("燃煤锅炉方面完成超低排放改造的企业有几家", "企业有9家", "燃煤锅炉"),
    ],
)
def test_the_question_naming_a_heading_is_answered_from_that_section(index_of, question, words, heading):
    searcher, documents = index_of({"2024年生态环境保护工作报告.txt": REPORT})
    answer = searcher.ask(question)
    assert answer.verdict == "found" and words in answer.answer, (answer.answer, answer.reason)
    c = answer.citation
    assert documents[c.doc].text[c.start : c.end] == answer.answer
    # The answer lies under the heading the question names.
    text = documents[c.doc].text
    assert text.rfind(heading, 0, c.start) > max(text.rfind(other, 0, c.start) for other in _siblings(heading))


def _siblings(heading: str) -> list[str]:
    return [h for h in ("钢铁行业", "水泥行业", "玻璃行业", "燃煤锅炉") if h != heading]
