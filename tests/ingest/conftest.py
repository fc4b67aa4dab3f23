"""PDFs laid out line by line, as report PDFs are: lines placed where a test says (the CJK font: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF

FONT_SIZE = 12  # points; lines are placed on a 24-point pitch, like 三号 type on 28 points in a 公文
PITCH = 24


@pytest.fixture
def placed_pdf(cjk_font_file: str, tmp_path: Path) -> Callable[..., Path]:
    """Write an A4 PDF (points) from pages of ``(x, y, text)``; ``x`` None centres the line.

    Each line is its own text object, so the content stream order is the order
    given: a test can write two columns row by row, as some generators do.
    """

    def make(pages: list[list[tuple[float | None, float, str]]], name: str = "made.pdf") -> Path:
        pdf = FPDF(unit="pt", format="A4")
        pdf.add_font("cjk", fname=cjk_font_file)
        pdf.set_font("cjk", size=FONT_SIZE)
        pdf.set_auto_page_break(False)
        for lines in pages:
            pdf.add_page()
            for x, y, text in lines:
                width = pdf.get_string_width(text)
                pdf.set_xy((pdf.w - width) / 2 if x is None else x, y)
                pdf.cell(width, FONT_SIZE, text)
        path = tmp_path / name
        pdf.output(str(path))
        return path

    return make
