"""Chinese-numeral amounts: found in text, read to their Arabic value, and answering through ``ask`` and ``compare``."""

from __future__ import annotations

import pytest

from govqa.qa import numerals
from govqa.qa.answer_type import has_quantity
from govqa.qa.value import values_in


@pytest.mark.parametrize(
    "numeral, value",
    [
        ("二百零六", 206.0),
        ("二百零六亿", 20_600_000_000.0),
        ("一万二千", 12_000.0),
        ("十七亿六千三百万", 1_763_000_000.0),
        ("六点二", 6.2),
        ("一千二百三十四点五万", 12_345_000.0),
        ("两千", 2000.0),
    ],
)
def test_a_numeral_reads_to_its_arabic_value(numeral, value):
    assert numerals.number(numeral) == pytest.approx(value)


@pytest.mark.parametrize(
    "sentence, written, figure, unit",
    [
        ("全县地区生产总值达到二百零六亿元，", "二百零六亿元", "206亿元", "亿元"),
        ("地区生产总值增长百分之六点二。", "百分之六点二", "6.2%", "%"),
        ("新增就业一千八百万人。", "一千八百万人", "1800万人", "万人"),
        ("一般公共预算支出完成十七亿六千三百万元。", "十七亿六千三百万元", "17.63亿元", "亿元"),
        ("城镇居民人均可支配收入达到四万一千元。", "四万一千元", "41000元", "元"),
        ("全年接待游客一千二百三十四点五万人次。", "一千二百三十四点五万人次", "1234.5万人次", "万人次"),
        ("社会消费品零售总额增长三成。", "三成", "3成", "成"),
        ("外贸进出口总额是上年的两倍。", "两倍", "2倍", "倍"),
        ("总投资约二十亿元。", "约二十亿元", "约20亿元", "亿元"),
        ("地区生产总值增长6.5%左右。", "6.5%左右", "6.5%左右", "%"),  # digits stay as written
    ],
)
def test_a_sentence_in_words_states_a_value_with_its_figure_in_digits(sentence, written, figure, unit):
    assert has_quantity(sentence)
    [value] = values_in(sentence)
    assert (value.text, value.figure, value.unit) == (written, figure, unit)
    assert sentence[value.start : value.end] == written


@pytest.mark.parametrize(
    "sentence",
    [
        "推进一带一路建设，一些企业走出去取得新进展。",
        "这是第一次在全县范围内开展营商环境评价。",
        "十四五规划中期评估顺利完成。",
        "千方百计稳就业，十分重视民生。",
        "做好三农工作，推进一二三产业融合发展。",
        "统一思想，进一步深化改革，一成不变是不行的。",
        "召开十九届四中全会，成立三个专班。",
    ],
)
def test_numerals_that_name_or_order_are_no_quantity(sentence):
    assert not has_quantity(sentence) and values_in(sentence) == []


TRANSCRIPT = """在全县经济工作会议上的讲话

同志们：

过去一年，全县经济运行稳中向好。全县地区生产总值达到二百零六亿元。地区生产总值比上年增长百分之六点二。
全县一般公共预算收入达到12.6亿元，同比增长5%。规模以上工业增加值增长百分之八点五，工业投资完成36亿元。
社会消费品零售总额增长三成。实际利用外资1.2亿美元。全年接待游客一千二百三十四点五万人次，旅游收入86亿元。
我们坚持一带一路建设，一些企业走出去取得新进展。

今年的工作，我讲几点意见。
一是稳增长。全年地区生产总值增长6%左右，一般公共预算收入增长5%。
二是抓项目。全年实施重点项目120个，完成投资80亿元。
"""


@pytest.mark.parametrize(
    "question, words",
    [
        ("全县地区生产总值达到多少", "二百零六亿元"),
        ("地区生产总值比上年增长多少", "百分之六点二"),
        ("规模以上工业增加值增长多少", "百分之八点五"),
        ("社会消费品零售总额增长多少", "三成"),
        ("全年接待游客多少万人次", "一千二百三十四点五万人次"),
    ],
)
def test_a_figure_in_words_answers_before_a_neighbour_in_digits(index_of, question, words):
    searcher, documents = index_of({"某县县长讲话.txt": TRANSCRIPT})
    answer = searcher.ask(question)
    assert answer.verdict == "found" and words in answer.answer, (answer.answer, answer.reason)
    c = answer.citation
    assert documents[c.doc].text[c.start : c.end] == answer.answer


def test_compare_shows_a_figure_in_words_in_digits(index_of):
    searcher, _ = index_of({"某县县长讲话.txt": TRANSCRIPT})
    [row] = searcher.compare("全县地区生产总值达到多少").rows
    assert row.found and "二百零六亿元" in row.answer
    assert (row.value.text, row.value.figure, row.value.low, row.value.unit) == (
        "二百零六亿元",
        "206亿元",
        206.0,
        "亿元",
    )
