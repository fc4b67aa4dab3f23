"""The not-found decision and the grounding of passages in the years and places a question names."""

from types import SimpleNamespace

import pytest

from govqa.config import SearchConfig
from govqa.qa.question import understand
from govqa.qa.searcher import Searcher, _Facet
from govqa.qa.verdict import Evidence, confidence, is_found

CONFIG = SearchConfig()


@pytest.mark.parametrize(
    "evidence, found",
    [
        (Evidence(0.93, 0.2, grounded=True), True),  # close in meaning
        (Evidence(0.885, 0.6, grounded=True), True),  # fairly close, sharing the terms
        (Evidence(0.85, 1.0, grounded=True), True),  # a keyword query: every term present
        (Evidence(0.885, 0.3, grounded=True), False),  # fairly close, few terms
        (Evidence(0.95, 1.0, grounded=False), False),  # about another year or place
        (Evidence(0.95, 0.5, grounded=True, anchored=False), False),  # on the place, silent on what is asked
    ],
)
def test_found_needs_grounded_anchored_and_close_evidence(evidence, found):
    assert is_found(evidence, CONFIG) is found


def test_not_found_evidence_has_no_confidence():
    assert confidence(Evidence(0.95, 1.0, grounded=True, anchored=False), CONFIG) == 0.0


def hit(doc: str, text: str, section: str = ""):
    return SimpleNamespace(citation=SimpleNamespace(doc=doc, section=section), text=text)


FACETS = {
    "2021年青羊区报告": _Facet("2021年青羊区政府工作报告", 2021, ("成都市", "青羊区")),
    "2020年成都报告": _Facet("2020年成都市政府工作报告", 2020, ("成都市",)),
}


@pytest.mark.parametrize(
    "doc, text, grounded",
    [
        ("2020年成都报告", "地区生产总值增长", True),  # the report of the year asked about
        ("2021年青羊区报告", "过去一年，地区生产总值增长6%", True),  # next year's report reviews it
        ("2021年青羊区报告", "2020年地区生产总值增长6%", True),  # names the year asked about
        ("2021年青羊区报告", "2021年地区生产总值增长7%左右", False),  # about its own year's plans
    ],
)
def test_a_report_of_the_next_year_grounds_a_question_unless_the_passage_is_about_its_own_year(doc, text, grounded):
    question = understand("2020年地区生产总值是多少", {"成都市", "青羊区"})
    assert Searcher._grounded(question, hit(doc, text), FACETS) is grounded
