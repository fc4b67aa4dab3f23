"""Each sentence's time and kind, read from section titles of the shared corpora and from its own words."""

from __future__ import annotations

import pytest

from govqa.qa.facts import Kind, plan_periods, plan_years, section_frame, sentence_fact

R, T, U = Kind.RESULT, Kind.TARGET, Kind.UNKNOWN


@pytest.mark.parametrize(
    "report_year, section, years, kind",
    [
        # National reports, 1954–2017 (../shared/corpus/national-reports-1954-2017), as they title their parts.
        (1956, "一、1955年国家决算", {1955}, R),
        (1956, "二、1956年的国家预算", {1956}, T),
        (1959, "一、第一个五年计划时期内和第二个五年计划的第一年——一九五八年的伟大成就", {1958}, R),
        (1959, "二、我们在第二个五年计划的第二年——一九五九年经济战线上的任务", {1959}, T),
        (1983, "过去五年的回顾", set(range(1978, 1983)), R),
        (1986, "一、“六五”计划执行情况的回顾", set(range(1981, 1986)), R),
        (1986, "二、“七五”时期的基本任务和主要建设方针", set(range(1986, 1991)), T),
        (1990, "一、一九八九年的回顾", {1989}, R),
        (1991, "一、1990年计划的执行情况", {1990}, R),
        (1991, "二、1991年计划的主要目标和任务", {1991}, T),
        (1999, "一、1998年工作回顾和1999年工作的总体要求", {1998, 1999}, U),
        (2006, "一、去年工作回顾", {2005}, R),
        (2006, "二、今年主要任务", {2006}, T),
        (2013, "二、今年经济社会发展的总体要求、主要预期目标和宏观经济政策", {2013}, T),
        (2016, '二、"十三五"时期主要目标任务和重大举措', set(range(2016, 2021)), T),
        (2017, "三、2017年重点工作任务", {2017}, T),
        # Provincial reports of 2025 (.docx) and 2026 (.csv).
        (2025, "一、2024年工作回顾", {2024}, R),
        (2025, "二、2025年工作总体要求和主要目标任务", {2025}, T),
        (2025, "一、过去一年工作回顾", {2024}, R),
        (2004, "一、一年来工作回顾", {2003}, R),
        (2026, "一、2025年和“十四五”时期工作回顾", {2025}, R),
        (2026, "一、“十四五”时期和2025年工作回顾", {2025}, R),
        (2026, "二、“十五五”时期目标任务和2026年工作安排", {2026}, T),
        (2026, "二、“十五五”时期主要目标任务", set(range(2026, 2031)), T),
        (2026, "三、2026年重点工作", {2026}, T),
        # The outer title decides: a review's subsection speaks of tasks done.
        (2026, "一、2025年工作回顾 › （二）聚力落实国家重大战略任务", {2025}, R),
        (1954, "国务院总理周恩来", set(), U),
    ],
)
def test_the_section_titles_of_the_shared_reports(report_year, section, years, kind):
    frame = section_frame(section, report_year)
    assert (set(frame.years), frame.kind) == (years, kind)


def test_five_year_plans():
    assert list(plan_years(1)) == list(range(1953, 1958)) and list(plan_years(3)) == list(range(1966, 1971))
    assert plan_periods("“十四五”时期") == set(range(2021, 2026)) and plan_periods("“十五”计划") == set(
        range(2001, 2006)
    )
    assert plan_periods("第一个五年计划") == set(range(1953, 1958)) and not plan_periods("十五年来")


def fact(sentence, section="", report_year=2025):
    return sentence_fact(sentence, section_frame(section, report_year), report_year)


def test_a_sentences_words_tell_its_kind():
    assert fact("今年经济社会发展的主要预期目标是：地区生产总值增长5%左右。").kind is T
    assert fact("全省地区生产总值比上年增长5.3%。").kind is R
    # 预期寿命 is a result's indicator, not a target's word.
    assert fact("人均预期寿命达到78.5岁。", "一、2024年工作回顾").kind is R
    # Words of both kinds: the section decides.
    assert fact("圆满完成全年目标任务，地区生产总值增长6%左右。", "一、2024年工作回顾").kind is R


def test_a_sentences_years_come_from_its_words_its_section_and_its_report():
    assert fact("去年全省粮食总产量1344亿斤。").years == {2024}
    assert fact("明年基本建成。").years == {2026}
    assert fact("粮食总产量1344亿斤。", "一、2024年工作回顾").years == {2024}
    assert fact("粮食总产量稳定在1300亿斤以上。", "二、2025年工作安排").years == {2025}
    # A plain result of a report without headings is of the year before; a target of its own year.
    assert fact("全省地区生产总值比上年增长5.3%。").years == {2024}
    assert fact("地区生产总值增长5%左右。").years == {2025}
    # A year after 比 or before 以来 is a baseline, not the year spoken of.
    assert fact("比2020年增长30%。", "一、2024年工作回顾").years == {2024}
    assert 2024 in fact("刷新2013年新标准实施以来的最好水平。", "一、2024年工作回顾").years


def test_a_period_speaks_of_one_year_only_at_its_end():
    five = fact("“十四五”期间年均增长5.5%。", "", 2026)
    assert five.period and not five.about((2023,)) and five.about((2025,))
    named = fact("2024年粮食产量达到1344亿斤，“十四五”期间年均增长1%。", "", 2026)
    assert named.about((2024,))
    # The end of a period reviewed: "每百户拥有家用汽车21.5辆" in the review of 2008–2012.
    assert fact("城镇居民每百户拥有家用汽车21.5辆。", "一、过去五年工作回顾", 2013).about((2012,))


def test_a_traditional_sentence_is_read_as_well():
    assert fact("糧食總產量達到52萬噸，比上年增長3%。", "一、2023年工作回顧", 2024).kind is R
    assert section_frame("一、2023年工作回顧", 2024).kind is R
