"""Pages whose text runs sideways (printed across the page, or turned by /Rotate) are read upright."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from govqa.ingest.build import build_document
from govqa.ingest.loaders.pdf import PdfLoader

LINES = [
    "一、横向页面的重点工作",
    "全市新建改建农村公路三百二十公里，完成投资九点六亿元。",
    "新增城市停车位八千个，开通公交线路二十条。",
]
FIRST = "过去一年，全市经济运行总体平稳，主要指标好于预期。"


def made(path: Path, font: str, angle: float, rotate: int) -> Path:
    """Page 1 upright; page 2 with LINES drawn turned ``angle`` degrees counterclockwise, then ``/Rotate rotate``."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("cjk", fname=font)
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    pdf.set_xy(72, 100)
    pdf.cell(400, 12, FIRST)
    pdf.add_page()
    with pdf.rotation(angle, x=300, y=420):
        for i, text in enumerate(LINES):
            pdf.set_xy(150, 300 + 24 * i)
            pdf.cell(400, 12, text)
    pdf.output(str(path))
    if rotate:
        reader, writer = PdfReader(path), PdfWriter()
        for number, page in enumerate(reader.pages):
            writer.add_page(page.rotate(rotate) if number == 1 else page)
        writer.write(path)
    return path


@pytest.mark.parametrize(
    ("angle", "rotate"),
    [
        (90, 0),  # printed sideways, reading upwards
        (-90, 0),  # printed sideways, reading downwards
        (0, 90),  # upright content on a page stored with /Rotate 90: shown on its side
        (90, 90),  # a landscape page stored with /Rotate 90: shown upright
    ],
)
def test_sideways_text_reads_upright_with_its_page(tmp_path, cjk_font_file, angle, rotate) -> None:
    document = build_document(next(PdfLoader().load(made(tmp_path / "turned.pdf", cjk_font_file, angle, rotate))))
    assert document.text.splitlines() == [FIRST, *LINES]
    assert document.page_at(document.text.index(LINES[1])) == 2
    assert [s.title for s in document.sections] == [LINES[0]]


@pytest.mark.parametrize("angle", [90, 270])
def test_a_page_scanned_on_its_side_is_read_upright(tmp_path, cjk_font_file, angle) -> None:
    pytest.importorskip("rapidocr", reason="the ocr extra: pip install -e '.[ocr]'")
    from PIL import Image, ImageDraw, ImageFont

    from govqa.ingest import load_file

    font = ImageFont.truetype(cjk_font_file, 36)
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    for i, text in enumerate(LINES):
        draw.text((120, 200 + 72 * i), text, font=font, fill=0)
    path = tmp_path / "sideways.pdf"
    image.rotate(angle, expand=True).save(path, resolution=150)  # the sheet went into the scanner sideways
    (document,), _ = load_file(path)
    assert document.text.splitlines() == LINES
