"""Scanned pages inside text PDFs are found though a stamp in their text layer says otherwise, and read by OCR."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from govqa.ingest.loaders.pdf_scans import PageLook, scanned_pages

STAMP = "本文件从某市人民政府门户网站下载，下载时间：2024-05-06 10:20:30，仅供参考"
TEXT = {1: "一、全市经济运行总体平稳，主要指标好于预期。", 3: "四、坚持依法行政，压减一般性支出百分之五。"}
SCANNED = ["三、民生实事", "全年新增城镇就业八万二千人。", "新建改扩建幼儿园四十六所。"]


def page_image(lines: list[str], font_file: str) -> Image.Image:
    font = ImageFont.truetype(font_file, 40)
    image = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((120, 200 + 80 * i), line, font=font, fill=0)
    return image


def report(path: Path, font_file: str, stamp_every_page: bool, image_width: float) -> Path:
    """Page 1 and 3: text; page 2: a scanned page (an image ``image_width`` mm wide) under a download stamp."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("cjk", fname=font_file)
    for number in (1, 2, 3):
        pdf.add_page()
        pdf.set_font("cjk", size=8)
        if stamp_every_page or number == 2:
            pdf.set_xy(10, 5)
            pdf.cell(190, 4, STAMP)
        pdf.set_font("cjk", size=12)
        if number == 2:
            pdf.image(page_image(SCANNED, font_file), x=0, y=12, w=image_width)
        else:
            pdf.set_xy(20, 30)
            pdf.cell(170, 8, TEXT[number])
    pdf.output(str(path))
    return path


def test_a_page_sized_image_under_a_stamp_is_a_scan() -> None:
    def text(n: int) -> PageLook:
        return PageLook(tuple(f"第{n}页第{i}行正文，全市经济运行总体平稳。" for i in range(30)), False, 0.0, 0.4)

    stamped = PageLook((STAMP,), True, 0.93, 0.004)
    photo = PageLook(("图1 新建的市民中心", "市民中心建成投用，新增公共服务面积三万平方米。"), True, 0.3, 0.03)
    assert scanned_pages([text(1), stamped, text(3)], 20) == [2]
    assert scanned_pages([text(1), photo, text(3)], 20) == []  # a picture with the report's text around it


def test_a_line_repeated_on_every_page_is_not_text_of_its_own() -> None:
    text = [
        PageLook((STAMP, f"第{n}页正文，全市经济运行总体平稳，主要指标好于预期。"), False, 0.0, 0.3) for n in (1, 3)
    ]
    small_scan = PageLook((STAMP,), True, 0.3, 0.004)
    assert scanned_pages([text[0], small_scan, text[1]], 20) == [2]
    assert scanned_pages([small_scan], 200) == [1]  # one page: nothing repeats, and 30+ characters are few
    assert scanned_pages([PageLook((STAMP,), True, 0.3, 0.004)], 20) == []


@pytest.mark.parametrize(("stamp_every_page", "image_width"), [(False, 210), (True, 120)])
def test_a_stamped_scan_page_in_a_text_pdf_is_read_by_ocr(cjk_font_file, tmp_path, stamp_every_page, image_width):
    pytest.importorskip("rapidocr", reason="the ocr extra: pip install -e '.[ocr]'")
    from govqa.ingest import load_file

    path = report(tmp_path / "stamped.pdf", cjk_font_file, stamp_every_page, image_width)
    (document,), _ = load_file(path)
    assert document.meta["ocr_pages"] == "1"
    at = document.text.index("新建改扩建幼儿园四十六所")
    assert document.page_at(at) == 2
    assert document.page_at(document.text.index(TEXT[1])) == 1
    assert document.page_at(document.text.index(TEXT[3])) == 3
