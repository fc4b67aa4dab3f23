"""Measure table extractors on the made table PDFs: cells right out of cells (the table in docs/ingest.md, *Tables*).

    pip install camelot-py   # for this measurement only; govqa reads tables with pdfplumber
    python bench/pdf_tables.py [FONT]

Files (bench/made_pdfs.py): a ruled project list and a borderless three-line
table, each over a page break with no repeated header (a project's name split
across the break). Each extractor's rows, all pages together, are matched to the
expected rows: an expected row is compared, column by column, with the
extracted row that shares most cells with it; a cell counts when its text,
squashed of whitespace, is equal. Time is the median of 3 runs, per page.
"""

from __future__ import annotations

import logging
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pdfplumber
from made_pdfs import ruled_project_list, three_line_indicators
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTTextContainer, LTTextLine

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def plumber(settings: dict | None):
    def run(path: Path) -> list[list[str]]:
        with pdfplumber.open(path) as pdf:
            return [row for page in pdf.pages for table in page.extract_tables(settings or {}) for row in table]

    return run


def camelot_flavor(flavor: str):
    def run(path: Path) -> list[list[str]]:
        import camelot

        tables = camelot.read_pdf(str(path), pages="all", flavor=flavor)
        return [list(row) for table in tables for row in table.df.values.tolist()]

    return run


def miner_lines(path: Path) -> list[list[str]]:
    """pdfminer's layout as govqa read it before tables: each text line, split at runs of spaces."""
    rows = []
    for page in extract_pages(path, laparams=LAParams(line_margin=1.5)):
        for box in page:
            if isinstance(box, LTTextContainer):
                rows += [line.get_text().split() for line in box if isinstance(line, LTTextLine)]
    return rows


def govqa_rows(path: Path) -> list[list[str]]:
    """govqa's reading: pdfplumber's ruled grids, three-line tables by their rules, a row split by a page joined."""
    from govqa.ingest.loaders.pdf_tables import find_tables, merge_continued

    out: list[list[str]] = []
    before = None
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            tables = find_tables(page, before, 12.0)
            for table in tables:
                out += merge_continued(table.rows, out[-1] if out else None)
            before = tables[-1] if tables else before
    return out


TOOLS = {
    "pdfminer.six layout lines (govqa before)": miner_lines,
    "pdfplumber `extract_tables()` (lines)": plumber(None),
    "pdfplumber `extract_tables()` (text)": plumber({"vertical_strategy": "text", "horizontal_strategy": "text"}),
    "camelot lattice": camelot_flavor("lattice"),
    "camelot stream": camelot_flavor("stream"),
    "camelot network": camelot_flavor("network"),
    "govqa (pdfplumber + rules + stitching)": govqa_rows,
}


def right_cells(expected: list[tuple[str, ...]], got: list[list[str]]) -> int:
    """Cells of ``expected`` equal, in their column, in the extracted row that shares most cells with its row."""
    rows = [[squash(c) for c in row] for row in got]
    total = 0
    for want in expected:
        want = [squash(c) for c in want]
        best = 0
        for row in rows:
            best = max(best, sum(1 for i, cell in enumerate(want) if i < len(row) and row[i] == cell))
        total += best
    return total


def main(font: str) -> None:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.getLogger("camelot").setLevel(logging.ERROR)
    work = Path(tempfile.mkdtemp(prefix="pdf-tables-"))
    files = [
        ("ruled grid", ruled_project_list(work / "ruled.pdf", font), work / "ruled.pdf"),
        ("three-line", three_line_indicators(work / "three_line.pdf", font), work / "three_line.pdf"),
    ]
    print("| extractor | ruled grid, 2 pages | three-line, 2 pages | ms/page |")
    print("|---|---|---|---|")
    for name, tool in TOOLS.items():
        found, times = [], []
        for _, cells, path in files:
            try:
                got = tool(path)
            except Exception as exc:  # noqa: BLE001 - a measurement: say what failed and go on
                found.append(f"failed: {type(exc).__name__}")
                continue
            cells_total = sum(len(r) for r in cells)
            found.append(f"{right_cells(cells, got)}/{cells_total}")
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                tool(path)
                runs.append(time.perf_counter() - start)
            times.append(statistics.median(runs) * 1000 / 2)
        ms = f"{statistics.mean(times):.0f}" if times else "-"
        print(f"| {name} | {' | '.join(found)} | {ms} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else FONT)
