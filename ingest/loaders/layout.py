"""Laid-out pages become a document's lines: the rules shared by PDF text layers and OCRed scans.

A page is its ``Placed`` lines in reading order (from pdfminer for a text layer,
from ``ingest.ocr_layout`` for a scan). The page furniture is dropped
(``ingest.furniture``), a running title kept as the title, and each line marked
when the next one continues its paragraph (``ingest.loaders.pdf_wraps``).
"""

from __future__ import annotations

from govqa.ingest import furniture, metadata
from govqa.ingest.document import Line
from govqa.ingest.loaders.pdf_wraps import Placed, continues


def document_lines(pages: list[list[Placed]]) -> tuple[list[Line], str]:
    """The lines of the 1-based pages without their furniture, and the running title (or ``""``)."""
    dropped = furniture.furniture([[p.text for p in page] for page in pages])
    return _lines(pages, dropped), _running_title(pages, dropped)


def _running_title(pages: list[list[Placed]], dropped: list[set[int]]) -> str:
    """The report's title when it runs as the header of the pages: dropped from the text, kept as the title."""
    if not pages:
        return ""
    furniture_of_first = (pages[0][i].text.strip() for i in sorted(dropped[0]))
    return next((text for text in furniture_of_first if metadata.names_document_kind(text)), "")


def _lines(pages: list[list[Placed]], dropped: list[set[int]]) -> list[Line]:
    """The document's lines without the ``dropped`` furniture, each marked when the next line continues it."""
    body = [
        [(number, p) for i, p in enumerate(page) if i not in dropped[number - 1] and p.text.strip()]
        for number, page in enumerate(pages, start=1)
    ]
    flat = [item for page in body for item in page]
    lines = []
    for (number, line), following in zip(flat, [*flat[1:], None], strict=False):
        joined = False
        if following:
            next_number, nxt = following
            same_flow = next_number == number + 1 or (next_number == number and nxt.block == line.block)
            joined = continues(line, nxt, same_flow)
        lines.append(Line(line.text, page=number, continues=joined))
    return lines
