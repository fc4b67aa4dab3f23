"""Questions and answers on reports the tests write: scripts, relative years, abbreviations, the answer span.

Real model, SQLite and FAISS; each test indexes its own small reports.
"""

from __future__ import annotations

import re

import pytest

from govqa.config import ChunkConfig

REPORT_2024 = """某县2024年政府工作报告

一、2023年工作回顾
全县地区生产总值达到418亿元，增长6.1%。粮食总产量达到52万吨，新建改建农村公路180公里。
居民消费价格指数上涨0.4%，细颗粒物（PM2.5）年均浓度为29微克/立方米。

二、2024年主要目标
地区生产总值增长6%左右，粮食总产量稳定在50万吨以上。
"""

TRADITIONAL = """某縣2023年政府工作報告

一、2022年工作回顧
全縣城鎮新增就業2.4萬人，新建標準化廠房36萬平方米，新開通公交線路7條。
實施鄉村振興戰略，完成農村危房改造1200戶。
"""


def _verbatim(answer, documents) -> bool:
    c = answer.citation
    return documents[c.doc].text[c.start : c.end] == answer.answer


@pytest.mark.parametrize(
    "question, words",
    [
        ("城镇新增就业多少人", "2.4萬人"),
        ("新开通公交线路几条", "7條"),
        ("完成农村危房改造多少户", "1200戶"),
    ],
)
def test_a_traditional_report_answers_a_simplified_question_in_its_own_words(index_of, question, words):
    searcher, documents = index_of({"繁體報告.txt": TRADITIONAL})
    answer = searcher.ask(question)
    assert answer.verdict == "found" and words in answer.answer and _verbatim(answer, documents)


def test_a_simplified_report_answers_a_traditional_question(index_of):
    searcher, documents = index_of({"2024年报告.txt": REPORT_2024})
    answer = searcher.ask("糧食總產量達到多少")
    assert answer.verdict == "found" and "52万吨" in answer.answer and _verbatim(answer, documents)


@pytest.mark.parametrize(
    "question, words",
    [
        ("去年地区生产总值是多少", "418亿元"),
        ("上年粮食总产量是多少", "52万吨"),
        ("今年地区生产总值预期增长多少", "6%左右"),
    ],
)
def test_relative_years_resolve_against_the_report_year(index_of, question, words):
    searcher, documents = index_of({"2024年报告.txt": REPORT_2024})
    answer = searcher.ask(question)
    assert answer.verdict == "found" and words in answer.answer and _verbatim(answer, documents)


@pytest.mark.parametrize("question", ["前年地区生产总值是多少", "明年粮食总产量目标是多少"])
def test_a_relative_year_the_report_does_not_cover_is_not_found(index_of, question):
    searcher, _ = index_of({"2024年报告.txt": REPORT_2024})
    assert searcher.ask(question).verdict == "not_found"


@pytest.mark.parametrize(
    "question, words",
    [
        ("去年GDP是多少", "418亿元"),
        ("去年CPI涨了多少", "0.4%"),
        ("去年细颗粒物浓度是多少", "29微克"),
    ],
)
def test_abbreviations_find_and_accept_the_spelled_out_sentence(index_of, question, words):
    searcher, documents = index_of({"2024年报告.txt": REPORT_2024})
    answer = searcher.ask(question)
    assert answer.verdict == "found" and words in answer.answer and _verbatim(answer, documents)


def test_an_abbreviation_searched_alone_puts_the_passage_holding_it_on_top(index_of):
    searcher, _ = index_of({"2024年报告.txt": REPORT_2024})
    assert "PM2.5" in searcher.search("PM2.5", k=3).hits[0].text


def test_answers_are_whole_sentences_of_the_document_even_when_chunks_cut_them(index_of):
    searcher, documents = index_of({"2024年报告.txt": REPORT_2024}, ChunkConfig(size=40, overlap=0))
    for question in ["去年新建改建农村公路多少公里", "去年地区生产总值是多少", "去年PM2.5年均浓度是多少"]:
        answer = searcher.ask(question)
        assert answer.verdict == "found", question
        assert _verbatim(answer, documents), question
        c, text = answer.citation, documents[answer.citation.doc].text
        assert answer.answer.endswith("。") and (c.start == 0 or text[c.start - 1] in "。\n"), answer.answer
        assert not re.match(r"^[一二三四五六七八九十]+、", answer.answer)  # never the heading


def test_a_heading_alone_is_never_the_answer(index_of):
    report = "某市2024年政府工作报告\n\n一、2023年民生实事完成情况\n\n新增养老床位800张，新建口袋公园12个。\n"
    searcher, documents = index_of({"民生实事.txt": report})
    answer = searcher.ask("2023年民生实事完成情况")
    assert answer.verdict == "found" and answer.answer != "一、2023年民生实事完成情况"
    assert _verbatim(answer, documents)


@pytest.mark.parametrize(
    "question, code, message",
    [
        # Only the 2023 result is stated: no target for 2023 (the 2024 report sets 2024's).
        ("2023年粮食总产量目标是多少", "only_result", "报告中只有2023年的实际完成值（52万吨），没有预期目标"),
        # Only the 2024 target is stated: 2024 has not been reviewed yet.
        ("2024年地区生产总值实际增长多少", "only_target", "报告中只有2024年的预期目标（6%左右），没有实际完成值"),
    ],
)
def test_a_target_is_not_a_result_nor_the_reverse_and_the_answer_says_so(index_of, question, code, message):
    searcher, _ = index_of({"2024年报告.txt": REPORT_2024})
    answer = searcher.ask(question)
    assert answer.verdict == "not_found" and answer.hits  # the nearest passages are still shown
    assert (answer.reason.code, answer.reason.message) == (code, message)
    assert any(c.name == "kind" and not c.met for c in answer.checks)


def test_the_same_figures_answer_when_the_kind_fits(index_of):
    searcher, _ = index_of({"2024年报告.txt": REPORT_2024})
    result = searcher.ask("2023年粮食总产量实际是多少")
    assert result.verdict == "found" and "52万吨" in result.answer
    assert {c.name: c.detail for c in result.checks}["kind"] == "实际完成值"
    target = searcher.ask("2024年地区生产总值增长目标是多少")
    assert target.verdict == "found" and "6%左右" in target.answer


JIANGSU = """2025年江苏省政府工作报告

一、2024年工作回顾
全省地区生产总值达到13.7万亿元，增长5.8%。苏州市地区生产总值达到2.67万亿元，增长6%。
南京都市圈建设加快推进，沿江城市群协同发展。

二、2025年工作安排
地区生产总值增长5%以上。
"""


def test_a_city_inside_a_provincial_report_must_be_named_by_the_answer(index_of):
    searcher, _ = index_of({"2025年江苏省政府工作报告.txt": JIANGSU})
    named = searcher.ask("2024年苏州市地区生产总值是多少")
    assert named.verdict == "found" and "2.67万亿元" in named.answer
    silent = searcher.ask("2024年江苏昆山市地区生产总值是多少")
    assert silent.verdict == "not_found"
    assert (silent.reason.code, silent.reason.message) == ("place_not_mentioned", "报告中没有提到昆山市")


def test_a_year_no_report_covers_is_named_in_the_reason(index_of):
    searcher, _ = index_of({"2025年江苏省政府工作报告.txt": JIANGSU})
    answer = searcher.ask("2019年江苏省地区生产总值是多少")
    assert answer.verdict == "not_found" and answer.reason.code == "no_report"
    assert answer.reason.message == "没有江苏省2019年的报告（已收录：江苏省：2025年）"
