"""Heading detection: numbered Chinese headings, emphasised lines, lists, poster-style short lines."""

from govqa.ingest.build import build_document
from govqa.ingest.document import Line, RawDocument
from govqa.ingest.structure import classify


def doc_of(*lines: str, headings: dict[int, int] | None = None):
    headings = headings or {}
    return build_document(
        RawDocument("t.txt", "t.txt", [Line(t, heading=headings.get(i)) for i, t in enumerate(lines)])
    )


def test_classify_recognises_each_heading_style():
    assert classify("一、一心一意进行治理整顿").kind == "cn"
    assert classify("（一）坚持创新驱动").kind == "cn_paren"
    assert classify("第一章 总则").kind == "chapter"
    assert classify("1. 积极融入双循环").kind == "arabic"
    assert classify("6 全力保障大运会顺利举办，全面展现城市发展新形象").title == "6 全力保障大运会顺利举办"
    assert classify("（2）加强监管").kind == "arabic_paren"
    assert classify("· **融入区域一体发展**").title == "融入区域一体发展"
    assert classify("**主要目标**").kind == "emphasis"


def test_ordinary_sentences_and_numbers_are_not_headings():
    for line in [
        "2019年地区生产总值增长7.8%。",
        "1.5万亿元的投资带动作用明显",
        "我们坚持稳中求进工作总基调，推动高质量发展。",
    ]:
        assert classify(line) is None, line


def test_heading_with_body_on_the_same_line_takes_its_first_clause_as_title():
    candidate = classify("（一）坚持创新驱动，加快建设现代化产业体系。全年研发投入增长10%。")
    assert candidate.kind == "cn_paren" and candidate.inline_body
    assert candidate.title == "（一）坚持创新驱动"


def test_section_paths_nest_by_kind_order():
    doc = doc_of(
        "一、过去一年的工作",
        "",
        "（一）经济运行",
        "",
        "增长5%。",
        "",
        "（二）民生",
        "",
        "就业稳定。",
        "",
        "二、今年的任务",
        "",
        "推进改革。",
    )
    assert doc.section_path_at(doc.text.index("增长5%")) == ("一、过去一年的工作", "（一）经济运行")
    assert doc.section_path_at(doc.text.index("就业稳定")) == ("一、过去一年的工作", "（二）民生")
    assert doc.section_path_at(doc.text.index("推进改革")) == ("二、今年的任务",)


def test_adjacent_numbered_lines_are_a_list_not_headings():
    doc = doc_of(
        "重点抓好三个方面工作", "", "1. 稳增长", "2. 促改革", "3. 惠民生", "", "1 稳增长专题", "", "增加投资。"
    )
    titles = [s.title for s in doc.sections]
    assert "1. 稳增长" not in titles and "2. 促改革" not in titles
    assert "1 稳增长专题" in titles


def test_poster_style_short_lines_head_sections_until_numbered_ones_begin():
    doc = doc_of(
        "重点抓好八个方面工作",
        "",
        "6 全力保障大运会顺利举办，全面展现城市发展新形象",
        "",
        "· **高标准高质量办好赛事**",
        "高质量完成场馆设施和城市品质提升",
        "",
        "某项工程",
        "",
        "继续推进。",
    )
    path = doc.section_path_at(doc.text.index("高质量完成场馆"))
    assert path == ("重点抓好八个方面工作", "6 全力保障大运会顺利举办", "高标准高质量办好赛事")
    assert "某项工程" not in [s.title for s in doc.sections]


def test_format_headings_rank_above_text_patterns():
    doc = doc_of("总体要求", "一、指导思想", "坚持稳中求进。", headings={0: 1})
    assert doc.section_path_at(doc.text.index("坚持")) == ("总体要求", "一、指导思想")
