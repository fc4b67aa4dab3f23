"""PDF layout on made files: furniture out, wrapped lines joined (across pages too), letter spacing closed, columns in order."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

from govqa.config import ChunkConfig
from govqa.ingest.build import build_document
from govqa.ingest.chunk import chunk_document
from govqa.ingest.loaders.pdf import PdfLoader

LEFT, TOP, BOTTOM = 72.0, 100.0, 760.0
PER_LINE = 30  # characters of 12-point CJK type per line: a 360-point column

PARAGRAPHS = [
    "过去一年，全市经济运行稳中有进，地区生产总值达到4120亿元，增长5.8%，一般公共预算收入完成298亿元，增长7.2%。",
    "我们持续用力改善生态环境，空气质量优良天数比例达到87.6%，完成历史遗留矿山生态修复面积1.8万亩，新增城市绿道210公里。",
    "我们用心用情保障改善民生，城镇新增就业8.2万人，新建改扩建中小学和幼儿园46所，新增养老床位3200张。",
    "今年我们将开工建设城市轨道交通4号线二期工程，建成通车绕城高速公路东段，新建改造城市道路120公里。",
]


def wrapped(text: str) -> list[str]:
    """A paragraph cut into lines of ``PER_LINE`` characters, the first indented by two ideographic spaces."""
    text = "\u3000\u3000" + text
    return [text[i : i + PER_LINE] for i in range(0, len(text), PER_LINE)]


def report_pages(page_number: str, lines_per_page: int = 5) -> list[list[tuple[float | None, float, str]]]:
    """The paragraphs laid out over pages under a banner and a running header, a page number at the foot."""
    body = [line for paragraph in PARAGRAPHS for line in wrapped(paragraph)]
    chunks = [body[i : i + lines_per_page] for i in range(0, len(body), lines_per_page)]
    pages = []
    for n, lines in enumerate(chunks, start=1):
        page = [(None, 40.0, "某市人民政府办公室"), (None, 64.0, "某市2023年政府工作报告")]
        page += [(LEFT, TOP + 24 * i, text) for i, text in enumerate(lines)]
        page.append((None, BOTTOM, page_number.format(n=n, total=len(chunks))))
        pages.append(page)
    return pages


def load(path):
    raw = next(PdfLoader().load(path))
    return raw, build_document(raw)


@pytest.mark.parametrize("shape", ["— {n} —", "- {n} -", "第 {n} 页 共 {total} 页", "{n}/{total}", "{n}"])
def test_furniture_goes_and_pages_stay_in_the_citation(placed_pdf, shape: str) -> None:
    raw, document = load(placed_pdf(report_pages(shape)))
    assert "某市人民政府办公室" not in document.text
    assert "某市2023年政府工作报告" not in document.text
    assert not any(re.fullmatch(r"[\d—\-/ 第页共]+", line) for line in document.text.splitlines())
    assert document.title == "某市2023年政府工作报告"  # the running header was the title: it stays the title
    assert [number for _, number in document.page_starts] == sorted({line.page for line in raw.lines})
    assert len(document.page_starts) > 1


def test_wrapped_lines_become_paragraphs_even_across_pages(placed_pdf) -> None:
    _, document = load(placed_pdf(report_pages("— {n} —")))
    assert document.text.splitlines() == PARAGRAPHS
    chunks = chunk_document(document, ChunkConfig())
    crossing = [c for c in chunks if c.page != c.page_end]
    assert crossing, "some paragraph crosses a page break"
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text
        for line in chunk.text.splitlines():
            assert line.endswith("。"), f"line break inside a sentence: {line!r}"


def test_a_heading_line_is_not_joined_to_its_paragraph(placed_pdf) -> None:
    lines = [(LEFT, TOP, "一、2023年工作回顾")] + [
        (LEFT, TOP + 24 * (i + 1), t) for i, t in enumerate(wrapped(PARAGRAPHS[0]))
    ]
    _, document = load(placed_pdf([lines]))
    assert document.text.splitlines() == ["一、2023年工作回顾", PARAGRAPHS[0]]
    assert [s.title for s in document.sections] == ["一、2023年工作回顾"]


def test_a_heading_after_a_full_line_that_ends_a_sentence_stays_a_heading(placed_pdf) -> None:
    full = "我们坚定不移推进产业转型升级，新增规模以上工业企业三百一十二家。"  # 32 characters: past the 30 of a line
    lines = [
        (LEFT, TOP, full[:30]),
        (LEFT, TOP + 24, full[30:] + "新兴产业增加值占比提高到百分之三十二点五，数字经济加快发展。"),
        (LEFT, TOP + 48, "二、2024年工作安排"),
        (LEFT, TOP + 72, "今年经济社会发展的主要预期目标是：地区生产总值增长百分之五左右。"),
    ]
    _, document = load(placed_pdf([lines]))
    assert document.text.splitlines()[-2:] == [
        "二、2024年工作安排",
        "今年经济社会发展的主要预期目标是：地区生产总值增长百分之五左右。",
    ]
    assert "二、2024年工作安排" in [s.title for s in document.sections]


def test_justified_line_loses_its_letter_spacing_but_latin_words_keep_theirs(placed_pdf) -> None:
    justified = "全市新建5G基站1860个，建成城市污水处理厂3座。"
    glyphs = [(LEFT + 18.0 * i, TOP, ch) for i, ch in enumerate(justified)]  # every glyph placed on its own
    _, document = load(placed_pdf([glyphs + [(LEFT, TOP + 48, "Smart City Index 2023")]]))
    assert justified in document.text
    assert "Smart City Index 2023" in document.text


def test_two_columns_are_read_column_by_column(placed_pdf) -> None:
    # Two 15-character columns, written row by row: left and right interleave in the content stream.
    left = [s[i : i + 15] for s in wrapped(PARAGRAPHS[0]) for i in (0, 15) if s[i : i + 15]]
    right = [s[i : i + 15] for s in wrapped(PARAGRAPHS[2]) for i in (0, 15) if s[i : i + 15]]
    rows = []
    for i in range(max(len(left), len(right))):
        y = TOP + 24 * i
        rows += [(50.0, y, left[i])] if i < len(left) else []
        rows += [(310.0, y, right[i])] if i < len(right) else []
    _, document = load(placed_pdf([[(None, 50.0, "双栏排版的报告")] + rows]))
    assert document.text.splitlines() == ["双栏排版的报告", PARAGRAPHS[0], PARAGRAPHS[2]]


def test_text_drawn_inside_a_form_xobject_is_read(placed_pdf, tmp_path) -> None:
    # Some generators draw a whole page as a form XObject: the made page becomes one, drawn on a blank page.
    source = PdfReader(placed_pdf([[(LEFT, TOP + 24 * i, t) for i, t in enumerate(wrapped(PARAGRAPHS[1]))]])).pages[0]
    writer = PdfWriter()
    page = writer.add_blank_page(width=float(source.mediabox.width), height=float(source.mediabox.height))
    form = DecodedStreamObject()
    form.set_data(source.get_contents().get_data())
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(source.mediabox),
            NameObject("/Resources"): source["/Resources"].clone(writer),
        }
    )
    drawing = DecodedStreamObject()
    drawing.set_data(b"q /Fm0 Do Q")
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Fm0"): writer._add_object(form)})}
    )
    page[NameObject("/Contents")] = writer._add_object(drawing)
    writer.write(tmp_path / "form.pdf")
    _, document = load(tmp_path / "form.pdf")
    assert document.text == PARAGRAPHS[1]
