"""Question validation and the years and places a question names."""

import pytest

from govqa.qa.question import (
    QuestionError,
    about_years,
    content_terms,
    short_name,
    understand,
    validate,
    without_years,
    years_in,
)


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", None])
def test_empty_questions_get_a_clear_message(bad):
    with pytest.raises(QuestionError, match="empty"):
        validate(bad, 100)


def test_oversize_and_wordless_questions_are_refused_with_a_reason():
    with pytest.raises(QuestionError, match="too long"):
        validate("问" * 10_000, 2000)
    with pytest.raises(QuestionError, match="no words"):
        validate("？？！……“”", 100)


def test_full_width_characters_are_normalised():
    assert validate("２０１９年ＧＤＰ是多少", 100) == "2019年GDP是多少"


def test_years_and_places_are_read_from_the_question():
    q = understand("2019年成都地区生产总值是多少", {"成都市", "青羊区"})
    assert q.years == (2019,) and q.places == ("成都市",)
    assert understand("2026年四川省GDP增长目标", set()).places == ("四川省",)
    assert "全国" in understand("国务院2008年政府工作报告提出了什么", set()).places
    assert "全国" not in understand("成都在全国率先推行的行政处罚制度是什么", {"成都市"}).places
    assert understand("青羊的研发投入", {"青羊区"}).places == ("青羊区",)
    assert understand("一九五八年全国钢产量是多少", set()).years == (1958,)


def test_short_names():
    assert short_name("成都市") == "成都"
    assert short_name("广西壮族自治区") == "广西"
    assert short_name("青羊区") == "青羊"


def test_content_terms_leave_out_places_years_numbers_and_question_words():
    question = understand("青羊区2020年常住人口有多少？", {"成都市 青羊区".split()[1]})
    terms = ["青羊", "青羊区", "2020", "2020年", "常住", "人口", "常住人口", "有", "多少"]
    assert content_terms(question, terms) == ["常住", "人口", "常住人口"]
    assert content_terms(understand("多少", set()), ["多少"]) == []
    assert content_terms(understand("2019年成都GDP是多少", {"成都市"}), ["2019", "成都", "GDP", "是", "多少"]) == []


def test_years_written_in_a_passage():
    assert years_in("2021年地区生产总值增长7%左右，较2020年提高") == {2020, 2021}
    assert years_in("增长20210%，第12023号") == set()
    assert years_in("二、我们在第二个五年计划的第二年——一九五九年经济战线上的任务") == {1959}
    assert without_years("2025年四川省，一九五八年钢产量1108万吨，第12023年") == "四川省，钢产量1108万吨，第12023年"


@pytest.mark.parametrize(
    "text, section, report_year, about",
    [
        ("地区生产总值增长6%", "", 2021, True),  # next year's report reviews 2020
        ("地区生产总值增长7%左右", "", 2020, True),  # the report of the year asked about
        ("2021年地区生产总值增长7%左右", "", 2021, False),  # its own year's plans
        ("地区生产总值增长6%", "一、2020年工作回顾", 2021, True),  # the section says which year
        ("地区生产总值增长5%左右", "二、2021年工作安排", 2021, False),
        ("地区生产总值增长6%", "一、2019年工作回顾", 2020, False),  # the report's year, but a review of 2019
        ("比2020年增长6%", "二、2021年工作安排", 2021, True),  # the text names the year
        ("地区生产总值增长6%", "", None, None),  # nothing tells
    ],
)
def test_which_year_a_passage_is_about(text, section, report_year, about):
    assert about_years([2020], text, section, report_year) is about


@pytest.mark.parametrize(
    "question, offsets",
    [
        ("去年地区生产总值是多少", (-1,)),
        ("上年一般公共预算收入", (-1,)),
        ("上一年城镇新增就业多少人", (-1,)),
        ("今年预期增长多少", (0,)),
        ("本年度计划", (0,)),
        ("前年粮食产量", (-2,)),
        ("明年有什么安排", (1,)),
        ("近三年新建多少学校", (-3, -2, -1, 0)),
        ("近5年累计", (-5, -4, -3, -2, -1, 0)),
        ("今年比去年增长多少", (0,)),  # 比去年 compares
        ("地区生产总值比上年增长多少", ()),  # a comparison names no year
        ("2023年比上年增长多少", ()),  # a written year says which year is meant
        ("大运会有哪些场馆", ()),
    ],
)
def test_relative_years_are_read_as_offsets_from_the_report_year(question, offsets):
    assert understand(question, set()).relative_years == offsets


def test_relative_years_resolve_against_each_report_and_a_report_of_unknown_year_leaves_them():
    q = understand("去年地区生产总值是多少", set())
    assert q.years == () and q.years_in_report(2024) == (2023,) and q.years_in_report(2000) == (1999,)
    assert q.years_in_report(None) == ()
    assert about_years(q.years_in_report(2024), "全市地区生产总值达到2296亿元。", "一、2023年工作回顾", 2024)
    assert not about_years(q.years_in_report(2024), "地区生产总值增长5.5%左右。", "二、2024年主要目标", 2024)
    assert understand("前年地区生产总值是多少", set()).years_in_report(2024) == (2022,)


def test_relative_year_words_are_searched_without_and_question_words_are_not_terms():
    from govqa.qa.question import keyword_query, match_terms

    q = understand("去年新开国际航线几条", set())
    assert "去年" not in keyword_query(q)
    assert match_terms(q) == ["新开", "国际", "航线"]
