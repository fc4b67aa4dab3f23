"""Long, chatty questions: the part that asks is read for years and terms, and weighs most in the search."""

from __future__ import annotations

import pytest

from govqa.qa.asking import LONG_QUESTION, asking_part
from govqa.qa.question import keyword_query, match_terms, understand


@pytest.mark.parametrize(
    "question, asked",
    [
        (
            "我是一名个体工商户，2023年的时候申请过一次补贴，后来听朋友说政策有变化，想问一下今年小微企业的贷款贴息政策是什么",
            "今年小微企业的贷款贴息政策是什么",
        ),
        (
            "您好，我在这边工作了12年，2016年换过一次工作，家里有3口人，有个问题一直没搞明白，"
            "小微企业借钱难、借钱贵、放款慢，市里有什么专门的帮扶举措？",
            "小微企业借钱难、借钱贵、放款慢，市里有什么专门的帮扶举措？",
        ),
        (  # the question first, the background after it
            "成都有没有派医护人员去外地支援抗疫？派了多少人？我问这个是因为2017年我们小区也讨论过，当时有230户居民参加。",
            "成都有没有派医护人员去外地支援抗疫？派了多少人？",
        ),
        (  # a turn that opens a clause of the question keeps that clause
            "领导好！本人是退役军人，2018年退伍回到地方，那时候安置了一份工作，请问为经济困难的老人做居家改造，成都资助了多少户？",
            "为经济困难的老人做居家改造，成都资助了多少户？",
        ),
        (  # a term asked about, without a question word
            "打扰了，我是2016年从外地搬过来的，之前在老家的时候也关心过这些事，前后问过5个部门，所以想在这里问问：援藏项目",
            "援藏项目",
        ),
    ],
)
def test_the_part_that_asks_is_kept_and_the_background_left(question, asked):
    assert len(question) >= LONG_QUESTION
    assert asking_part(question) == asked


def test_a_short_question_is_all_asking():
    question = "小微企业借钱难、借钱贵、放款慢，市里有什么专门的帮扶举措？"
    assert asking_part(question) == question and understand(question, set()).asking_part == ""


def test_a_year_in_the_background_is_no_year_asked_about():
    question = understand(
        "我是一名个体工商户，2023年的时候申请过一次补贴，后来听朋友说政策有变化，想问一下今年小微企业的贷款贴息政策是什么",
        set(),
    )
    assert question.years == () and question.relative_years == (0,)
    assert "2023" not in keyword_query(question) and "补贴" not in match_terms(question)
    asked_2019 = understand(
        "你好，我去年刚退休，2016年以前一直在企业上班，想咨询一个问题：2019年成都地区生产总值是多少？", set()
    )
    assert asked_2019.years == (2019,) and asked_2019.relative_years == ()


REPORT = """某市2024年政府工作报告

一、2023年工作回顾
全市地区生产总值达到2860亿元，增长6.2%。城镇新增就业5.6万人。
发放创业担保贷款12亿元，为3200户个体工商户发放一次性补贴。

二、2024年重点工作
（一）支持小微企业发展
实施小微企业贷款贴息政策，对符合条件的小微企业新发放贷款按年化1个百分点给予贴息，单户贴息最高50万元。
全年新增减税降费30亿元以上。
"""


@pytest.mark.parametrize(
    "question, words",
    [
        (
            "我是一名个体工商户，2021年的时候申请过一次补贴，后来听朋友说政策有变化，想问一下今年小微企业的贷款贴息政策是什么",
            "按年化1个百分点给予贴息",
        ),
        (
            "您好，我2018年来这边工作，家里有3口人，每月收入大概6000元，最近在看政府工作报告，有个问题一直没搞明白，"
            "城镇新增就业多少人？",
            "5.6万人",
        ),
    ],
)
def test_a_long_question_with_another_year_in_its_background_is_answered(index_of, question, words):
    searcher, documents = index_of({"2024年某市政府工作报告.txt": REPORT})
    answer = searcher.ask(question)
    assert answer.verdict == "found" and words in answer.answer, (answer.answer, answer.reason)
    c = answer.citation
    assert documents[c.doc].text[c.start : c.end] == answer.answer
