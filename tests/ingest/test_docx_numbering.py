"""Word's automatic numbering (numbering.xml written with python-docx's oxml) rendered into the text."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from govqa.config import ChunkConfig
from govqa.ingest import ingest_paths
from govqa.ingest.loaders.docx import DocxLoader
from govqa.ingest.loaders.docx_numbering import format_number

ITEMS = [
    "新建改扩建中小学校20所，新增学位1.2万个。",
    "建设普惠性幼儿园15所。",
    "改造城镇老旧小区260个，惠及居民4.3万户。",
    "加装既有住宅电梯500部。",
    "新增老年助餐点300个。",
    "新建社区卫生服务站30个。",
    "建成口袋公园70个，新增绿地面积45公顷。",
    "新开通公交线路12条。",
    "完成农村危房改造1200户。",
    "新增城镇就业岗位5万个。",
]


def _level(ilvl: int, fmt: str, text: str, style: str = "") -> str:
    linked = f'<w:pStyle w:val="{style}"/>' if style else ""
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{linked}'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
    )


def add_list(document, abstract_id: int, levels: list[str]) -> None:
    """Add an abstract list of ``levels`` (``_level`` XML) to the document's numbering part, before any w:num."""
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{"".join(levels)}</w:abstractNum>'
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is None:
        numbering.append(abstract)
    else:
        first_num.addprevious(abstract)


def add_num(document, num_id: int, abstract_id: int, restart_at: int | None = None) -> None:
    """Add a list instance (w:num) of an abstract list; ``restart_at`` writes a startOverride on level 0."""
    override = (
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{restart_at}"/></w:lvlOverride>' if restart_at else ""
    )
    num = f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{override}</w:num>'
    document.part.numbering_part.element.append(parse_xml(num))


def number(paragraph, num_id: int, ilvl: int = 0) -> None:
    """Give a paragraph its own w:numPr."""
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def number_style(style, num_id: int, ilvl: int) -> None:
    """Number every paragraph of a style through the style's own w:numPr."""
    p_pr = style.element.get_or_add_pPr()
    p_pr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def make_numbered_docx(path: Path) -> Path:
    """Headings numbered 一、/（一） through their styles (one multi-level list), items 1. by w:numPr,
    a second list of the items' abstract restarted by a startOverride, and one continuing it."""
    document = docx.Document()
    add_list(
        document,
        90,
        [_level(0, "chineseCounting", "%1、", "Heading1"), _level(1, "chineseCounting", "（%2）", "Heading2")],
    )
    add_list(document, 91, [_level(0, "decimal", "%1."), _level(1, "decimalEnclosedCircle", "%2")])
    add_num(document, 80, 90)
    add_num(document, 81, 91)
    add_num(document, 82, 91, restart_at=1)
    add_num(document, 83, 91)
    number_style(document.styles["Heading 1"], 80, 0)
    number_style(document.styles["Heading 2"], 80, 1)
    document.add_paragraph("某市2025年政府工作报告")
    document.add_heading("2024年工作回顾", level=1)
    document.add_paragraph("全市经济运行稳中向好。")
    document.add_heading("2025年重点工作", level=1)
    document.add_heading("着力办好民生实事", level=2)
    document.add_paragraph("今年集中力量办好十件民生实事：")
    for item in ITEMS:
        number(document.add_paragraph(item), 81)
    number(document.add_paragraph("办好民生实事的检查考核。"), 81, ilvl=1)
    document.add_heading("加强政府自身建设", level=2)
    for text in ("坚持依法行政。", "坚持廉洁从政。"):
        number(document.add_paragraph(text), 82)
    number(document.add_paragraph("接续前一个列表的一项。"), 83)
    document.save(str(path))
    return path


def test_numbers_are_rendered_as_a_reader_sees_them(tmp_path: Path) -> None:
    raw = next(DocxLoader().load(make_numbered_docx(tmp_path / "numbered.docx")))
    texts = [line.text for line in raw.lines]
    assert texts[1:5] == [
        "一、2024年工作回顾",
        "全市经济运行稳中向好。",
        "二、2025年重点工作",
        "（一）着力办好民生实事",
    ]
    assert texts[6:16] == [f"{n}. {item}" for n, item in enumerate(ITEMS, start=1)]
    assert texts[16] == "①办好民生实事的检查考核。"
    # Level 2 of the heading list restarts under a new level 1 only; here it goes on under 二、.
    assert texts[17] == "（二）加强政府自身建设"
    # A startOverride restarts the count; an instance of the same list without one continues it.
    assert texts[18:] == ["1. 坚持依法行政。", "2. 坚持廉洁从政。", "11. 接续前一个列表的一项。"]


def test_numbered_headings_keep_their_number_in_the_section_path(tmp_path: Path) -> None:
    [result] = ingest_paths([make_numbered_docx(tmp_path / "numbered.docx")], ChunkConfig())
    [(document, chunks)] = result.documents
    item_seven = next(c for c in chunks if ITEMS[6] in c.text)
    assert item_seven.section == ("二、2025年重点工作", "（一）着力办好民生实事")
    assert [s.title for s in document.sections if s.level == 1] == ["一、2024年工作回顾", "二、2025年重点工作"]


def test_word_number_formats() -> None:
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20)] == ["一", "十", "十一", "二十"]
    assert [format_number(n, "decimalEnclosedCircle") for n in (1, 7)] == ["①", "⑦"]
    assert [format_number(n, "lowerRoman") for n in (4, 9)] == ["iv", "ix"]
    assert format_number(3, "ideographTraditional") == "丙"
    assert format_number(2, "upperLetter") == "B"


def test_the_seventh_of_ten_items_is_answered(tmp_path: Path, searcher_of) -> None:
    path = make_numbered_docx(tmp_path / "numbered.docx")
    searcher = searcher_of(path)
    [result] = ingest_paths([path], ChunkConfig())
    text = result.documents[0][0].text
    for question, n in (("十件民生实事的第七件是什么", 7), ("民生实事第3项的目标", 3)):
        answer = searcher.ask(question)
        assert answer.verdict == "found", (question, answer.reason)
        assert answer.answer.startswith(f"{n}. ") and ITEMS[n - 1].rstrip("。") in answer.answer, question
        assert text[answer.citation.start : answer.citation.end] == answer.answer
        assert answer.citation.section.startswith("二、2025年重点工作")
