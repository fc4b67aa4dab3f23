"""The answer span: headings and echoes are no answer; a cut sentence is completed from the document."""

from __future__ import annotations

import pytest

from govqa.qa.span import echoes, is_heading, whole_sentences


@pytest.mark.parametrize(
    "line, section, heading",
    [
        ("一、2023年工作回顾", "", True),
        ("（三）聚力培育发展新质生产力", "", True),
        ("第二章 总体要求", "", True),
        ("过去一年工作回顾", "过去一年工作回顾", True),  # a title of its section path
        ("全市地区生产总值达到2296亿元。", "一、2023年工作回顾", False),
        ("一、充分认识做好高校毕业生就业工作的重要性。普通高等学校毕业生是宝贵人力资源。", "", False),
    ],
)
def test_a_heading_is_a_title_of_the_section_path_or_a_short_numbered_line_without_an_end(line, section, heading):
    assert is_heading(line, section) is heading


def test_a_line_that_only_repeats_the_question_echoes_it():
    assert echoes("湘政办发〔2009〕24号", "湘政办发〔2009〕24号是关于什么工作的通知")
    assert not echoes("现就加强普通高等学校毕业生就业工作通知如下：", "湘政办发〔2009〕24号是关于什么工作的通知")


def _widen(text: str, fragment: str) -> str:
    start = text.index(fragment)
    s, e = whole_sentences(text, start, start + len(fragment))
    return text[s:e]


def test_a_fragment_cut_by_a_chunk_edge_is_completed_to_its_sentence():
    text = "一、2023年工作回顾\n全市地区生产总值达到2296亿元，增长5.3%。城镇新增就业3.6万人，一般公共预算收入151亿元。"
    assert _widen(text, "增就业3.6万人，一般公共") == "城镇新增就业3.6万人，一般公共预算收入151亿元。"
    assert _widen(text, "全市地区生产总值达到2296亿元，增长5.3%。") == "全市地区生产总值达到2296亿元，增长5.3%。"


def test_a_sentence_wrapped_over_lines_is_joined_but_headings_blank_lines_and_list_items_end_it():
    wrapped = (
        "二、重点工作\n全面推进历史遗留矿山生态修复，完成矿山生态修复面\n积1.8万亩，新增造林绿化面积3万亩。\n\n三、其他"
    )
    assert (
        _widen(wrapped, "积1.8万亩")
        == "全面推进历史遗留矿山生态修复，完成矿山生态修复面\n积1.8万亩，新增造林绿化面积3万亩。"
    )
    listed = "主要目标\n· 地区生产总值增长5.5%左右\n· 城镇新增就业3.6万人以上\n· 居民收入与经济增长同步"
    assert _widen(listed, "· 城镇新增就业3.6万人以上") == "· 城镇新增就业3.6万人以上"


def test_a_title_or_a_page_number_line_is_never_joined_to_a_sentence():
    text = "某市2023年生态环境状况公报（摘要）\n2023年4月，全市PM2.5平均浓度为28微克/立方米。"
    start = text.index("2023年4月")
    s, e = whole_sentences(text, start, len(text), headings=["某市2023年生态环境状况公报（摘要）"])
    assert text[s:e] == text[start:]
    cut = "我们将加快建设现代化基础设施体系，开工建设城\n— 2 —\n"
    assert _widen(cut, "开工建设城") == "我们将加快建设现代化基础设施体系，开工建设城"
