"""Measure PDF text extractors on two-column pages and the field files (the table in docs/ingest.md).

    pip install pdfplumber   # for this measurement only; govqa itself uses pypdf and pdfminer.six
    python bench/pdf_extractors.py [FIELD_DIR]   # FIELD_DIR defaults to ../shared/field

Each extractor's text, squashed of whitespace, is searched for the expected
paragraphs or phrases; time per page is the median of 5 runs on B08.
"""

from __future__ import annotations

import logging
import re
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pdfplumber
from fpdf import FPDF
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTTextContainer
from pypdf import PdfReader

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
LEFT = (
    "左栏第一段说明全市经济运行稳中有进，地区生产总值增长百分之五点八，一般公共预算收入完成二百九十八亿元，"
    "增长百分之七点二。左栏第二段说明新增城镇就业八点二万人。"
)
RIGHT = (
    "右栏第一段说明生态环境持续改善，空气质量优良天数比例达到百分之八十七点六。右栏第二段说明新建改扩建中小学"
    "和幼儿园四十六所，新增养老床位三千二百张。"
)


def two_columns(path: Path, by_row: bool) -> Path:
    """A page with a centred title and two columns, written column by column or row by row (12 pt on 24 pt)."""
    pdf = FPDF(unit="pt")
    pdf.add_font("cjk", fname=FONT)
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    pdf.set_xy(30, 40)
    pdf.cell(535, 20, "某市2023年政府工作报告（双栏）", align="C")
    columns = [(40, textwrap.wrap(LEFT, 20)), (310, textwrap.wrap(RIGHT, 20))]
    cells = [(x, 80 + i * 24, line) for x, lines in columns for i, line in enumerate(lines)]
    for x, y, line in sorted(cells, key=lambda c: (c[1], c[0])) if by_row else cells:
        pdf.set_xy(x, y)
        pdf.cell(250, 14, line)
    pdf.output(str(path))
    return path


def miner(margin: float):
    def run(path: Path) -> list[str]:
        return [
            "\n".join(box.get_text() for box in page if isinstance(box, LTTextContainer))
            for page in extract_pages(path, laparams=LAParams(line_margin=margin))
        ]

    return run


def plumber(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() for page in pdf.pages]


TOOLS = {
    "pypdf `extract_text()`": lambda p: [page.extract_text() for page in PdfReader(p).pages],
    'pypdf `extraction_mode="layout"`': lambda p: [
        page.extract_text(extraction_mode="layout") for page in PdfReader(p).pages
    ],
    "pdfplumber `extract_text()`": plumber,
    "pdfminer.six, `line_margin` 0.5": miner(0.5),
    "pdfminer.six, `line_margin` 1.5": miner(1.5),
}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def main(field: Path) -> None:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    work = Path(tempfile.mkdtemp(prefix="pdf-extractors-"))
    b08, b09 = field / "B08" / "b08_header_footer.pdf", field / "B09" / "b09_mixed_runs.pdf"
    checks = [
        (two_columns(work / "by_column.pdf", by_row=False), [LEFT, RIGHT]),
        (two_columns(work / "by_row.pdf", by_row=True), [LEFT, RIGHT]),
        (
            b08,
            ["矿山生态修复面积1.8万亩", "新增养老床位3200张", "轨道交通4号线二期工程", "一般公共预算收入完成298亿元"],
        ),
        (b09, ["全市新建5G基站1860个"]),
    ]
    print(
        "| extractor | 2 columns, stream by column | 2 columns, stream by row | B08 phrases | B09 line | B09 raw | ms/page |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, tool in TOOLS.items():
        found = []
        for path, wanted in checks:
            text = squash("".join(tool(path)))
            found.append(f"{sum(squash(w) in text for w in wanted)}/{len(wanted)}")
        raw = "spaced" if "全 市" in "".join(tool(b09)) else "joined"
        pages = len(PdfReader(b08).pages)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            tool(b08)
            times.append(time.perf_counter() - start)
        print(f"| {name} | {' | '.join(found)} | {raw} | {statistics.median(times) * 1000 / pages:.1f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/field"))
