"""Laid-out pages become a document's lines: the rules shared by PDF text layers and OCRed scans.

A page is its ``Placed`` lines in reading order (from pdfminer for a text layer,
from ``ingest.ocr_layout`` for a scan). The page furniture is dropped
(``ingest.furniture``), a running title kept as the title, and each line marked
when the next one continues its paragraph (``ingest.loaders.pdf_wraps``).
"""

from __future__ import annotations

from govqa.ingest import furniture, metadata
from govqa.ingest.document import Line
from govqa.ingest.loaders.pdf_notes import split_notes
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
    """The document's lines without the ``dropped`` furniture, each marked when the next line continues it.

    A page's footnotes (``pdf_notes``) come after the paragraph that runs on from
    that page, each a line of its own cited with its page.
    """
    body, notes = [], []
    for number, page in enumerate(pages, start=1):
        kept, page_notes = split_notes([p for i, p in enumerate(page) if i not in dropped[number - 1]])
        body.append([(number, p) for p in kept if p.text.strip()])
        notes.append(page_notes)
    flat = [item for page in body for item in page]
    pitches = [_usual_pitch([p for _, p in page]) for page in body]
    lines: list[Line] = []
    waiting: list[Line] = []  # notes of a page whose last paragraph has not ended yet
    for (number, line), following in zip(flat, [*flat[1:], None], strict=False):
        joined = False
        if following:
            next_number, nxt = following
            same_flow = next_number == number + 1 or (
                next_number == number and (nxt.block == line.block or _evenly_below(line, nxt, pitches[number - 1]))
            )
            joined = continues(line, nxt, same_flow)
        lines.append(Line(line.text, page=number, continues=joined, record=line.unit))
        if following is None or following[0] != number:  # the page's last line
            waiting += [Line(n.text, page=number, record=True) for n in notes[number - 1]]
        if not joined and waiting:
            lines += waiting
            waiting = []
    pages_without_body = [
        Line(n.text, page=p, record=True) for p, page in enumerate(notes, 1) if not body[p - 1] for n in page
    ]
    return lines + waiting + pages_without_body


# Lines of one column are evenly spaced when their pitch is within this share of the page's usual pitch.
EVEN = 0.1


def _same_column(line: Placed, nxt: Placed) -> bool:
    return abs(line.left - nxt.left) <= 2 and abs(line.right - nxt.right) <= 2


def _usual_pitch(page: list[Placed]) -> float | None:
    """The median distance (points or pixels) from one line's top to the next's in one column, None for none."""
    pitches = sorted(
        nxt.top - line.top
        for line, nxt in zip(page, page[1:], strict=False)
        if not (line.unit or nxt.unit) and _same_column(line, nxt) and nxt.top > line.top
    )
    return pitches[len(pitches) // 2] if pitches else None


def _evenly_below(line: Placed, nxt: Placed, pitch: float | None) -> bool:
    """``nxt`` is the next line of ``line``'s column at the page's usual pitch, though in another layout block.

    A page set at two or three times the usual line spacing has each line in a
    block of its own; its wraps are then judged by the same rules as in a block.
    """
    return (
        pitch is not None
        and pitch > 0
        and _same_column(line, nxt)
        and abs((nxt.top - line.top) - pitch) <= EVEN * pitch
    )
