"""A scanned report's title, region and year come from its first page's text, not from its file name."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from govqa.ingest.loaders.pdf_wraps import Placed, continues
from govqa.ingest.metadata import title_of

FIRST_PAGE = [
    ("成都市青羊区", 64),
    ("2023年政府工作报告", 64),
    ("——2023年1月5日在青羊区第十八届人民代表大会第三次会议上", 30),
    ("区长  张三", 30),
    ("各位代表：", 36),
    ("现在，我代表区人民政府向大会报告工作，请予审议。", 36),
    ("一、2022年工作回顾", 36),
    ("全区地区生产总值增长百分之六点五。", 36),
]


def page(lines: list[tuple[str, int]], font_file: str) -> Image.Image:
    """An A4 page image at 150 dpi: big lines centred (a title), the others flush left."""
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    y = 150
    for text, size in lines:
        font = ImageFont.truetype(font_file, size)
        x = (1240 - draw.textlength(text, font=font)) / 2 if size > 40 else 120
        draw.text((x, y), text, font=font, fill=0)
        y += size * 2
    return image


@pytest.mark.parametrize("name", ["scan_0001.pdf", "扫描件.pdf"])
def test_a_scanned_report_is_titled_placed_and_dated_by_its_first_page(cjk_font_file, tmp_path, name) -> None:
    pytest.importorskip("rapidocr", reason="the ocr extra: pip install -e '.[ocr]'")
    from govqa.ingest import load_file

    second = page([("二、2023年工作安排", 36), ("新建保障性住房三千套，改造老旧小区一百个。", 36)], cjk_font_file)
    path = tmp_path / name
    # Pillow writes the file's stem as the PDF's title, as many scanners do
    page(FIRST_PAGE, cjk_font_file).save(path, save_all=True, append_images=[second], resolution=150)
    (document,), _ = load_file(path)
    assert document.title == "成都市青羊区2023年政府工作报告"
    assert document.year == 2023
    assert document.meta["region_path"] == "成都市 青羊区"
    lines = document.text.splitlines()
    assert lines[1:4] == ["2023年政府工作报告", "——2023年1月5日在青羊区第十八届人民代表大会第三次会议上", "区长张三"]


def test_a_place_line_over_a_title_line_is_part_of_the_title() -> None:
    assert (
        title_of("x.pdf", ["成都市青羊区", "2023年政府工作报告", "各位代表："], {}) == "成都市青羊区2023年政府工作报告"
    )
    assert title_of("x.pdf", ["西藏自治区", "2024年政府工作报告"], {}) == "西藏自治区2024年政府工作报告"
    # a line that says more than a place stays out
    assert title_of("x.pdf", ["某市人民政府办公室", "2023年政府工作报告"], {}) == "2023年政府工作报告"


def test_lines_of_other_type_sizes_or_a_dash_line_are_not_one_paragraph() -> None:
    def line(text: str, height: float, x1: float = 500.0) -> Placed:
        return Placed(text, 100.0, x1, height, 100.0, 500.0, 0)

    title = line("2023年政府工作报告二〇二三年一月五日在大会上", 24)
    assert not continues(title, line("区人民政府", 12), same_flow=True)
    assert not continues(line("区长张三在大会上的讲话全文如下所载内容", 12), line("——2023年1月5日", 12), True)
    assert continues(line("全区地区生产总值增长百分之六点五，城镇新增", 12), line("就业一万二千人。", 12.5), True)
