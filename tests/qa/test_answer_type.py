"""What a question asks for, and which sentences can give it."""

import pytest

from qa.answer_type import Wants, can_answer, wants


@pytest.mark.parametrize("question, wanted", [
    ("成都大运会的门票多少钱？", Wants.NUMBER),
    ("江苏省省长今年多大年纪？", Wants.NUMBER),
    ("注册公司最快多久能办完？", Wants.NUMBER),
    ("成都设置了几家定点医院？", Wants.NUMBER),
    ("成都要打造哪几条经济带？", Wants.ANYTHING),   # a list, not a count
    ("大运会有哪些场馆", Wants.ANYTHING),
    ("就医一码通计划哪年实现？", Wants.TIME),
    ("从哪天开始复工复产？", Wants.TIME),
])
def test_what_a_question_wants(question, wanted):
    assert wants(question) is wanted


@pytest.mark.parametrize("sentence, ok", [
    ("实现地区生产总值1.70万亿元、增长7.8%。", True),
    ("到一九五八年就增加到一千一百零八万吨。", True),      # Chinese numerals
    ("开展“爱成都 迎大运”系列活动", False),
    ("2025年四川省政府工作报告", False),                  # a year alone says when, not how much
    ("青羊总部经济区", False),
    ("千方百计扩大就业。", False),                        # an idiom, not a number
    ("城乡居民收入增长一倍。", True),
    ("6 全力保障大运会顺利举办，全面展现城市发展新形象", False),  # a heading's own number
    ("（三）聚力培育发展新质生产力", False),
    ("二、关于2026年工作", False),
])
def test_a_number_question_needs_a_number_besides_any_year(sentence, ok):
    assert can_answer(sentence, Wants.NUMBER) is ok


def test_a_time_question_needs_a_date_and_other_questions_take_any_sentence():
    assert can_answer("确保2020年实现就医“一码通”", Wants.TIME)
    assert can_answer("2月3日起,分类有序组织企业复工复产。", Wants.TIME)
    assert not can_answer("推动医疗机构信息互联互通互认", Wants.TIME)
    assert can_answer("青羊总部经济区", Wants.ANYTHING)
