"""PDF: pypdf checks the file and reads its properties; pdfminer.six lays out its text.

Each page's lines come in reading order (column by column), without the page
furniture (``ingest.furniture``), each with its 1-based page and whether the
next line continues its paragraph (``ingest.loaders.pdf_wraps``). A scanned
page (an image and next to no text layer of its own, ``ingest.loaders.pdf_scans``)
is rendered and read by OCR (``ingest.loaders.scan``); its lines then go through
the same rules. Tables become row records (``ingest.loaders.pdf_tables``).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pdfplumber
from pdfminer.layout import LTFigure, LTTextBox, LTTextLine
from pdfminer.pdfexceptions import PDFException
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from govqa.ingest import ocr
from govqa.ingest.document import IngestError, Line, RawDocument
from govqa.ingest.errors import LimitError
from govqa.ingest.loaders.base import Loader
from govqa.ingest.loaders.layout import document_lines
from govqa.ingest.loaders.pdf_render import render_pages
from govqa.ingest.loaders.pdf_rotate import text_turn, turned
from govqa.ingest.loaders.pdf_scans import PageLook, look, scanned_pages
from govqa.ingest.loaders.pdf_tables import Table, find_tables, stitch
from govqa.ingest.loaders.pdf_wraps import Placed, column_edges
from govqa.ingest.loaders.scan import read_scans

# pdfminer groups lines into a text block while the gap between them is under
# ``line_margin`` line heights; its default 0.5 splits the 1.5-2x line pitch of
# official documents (GB/T 9704: 三号 type on a 28-point pitch) into one block per
# line, and blocks one line high are then ordered across columns. docs/ingest.md has the figures.
# ``all_texts`` lays out text drawn inside form XObjects (figures) too, as pypdf read it.
# pdfplumber lays pages out with pdfminer.six under these parameters, and finds tables on the same parse.
LAYOUT = {"line_margin": 1.5, "all_texts": True}
# pypdf and pdfminer both document that broken files may raise exceptions beyond their own.
_BROKEN = (
    PyPdfError,
    PdfminerException,  # pdfplumber's wrapper of whatever pdfminer raised
    PDFException,
    PSException,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    AssertionError,
    RecursionError,
    ZeroDivisionError,
    zlib.error,
)


def _reason(exc: BaseException) -> str:
    """A short one-line description of a parser exception."""
    text = " ".join(str(exc).split())
    return (text or type(exc).__name__)[:160]


def _check_file(path: Path) -> bool:
    """Reject empty and non-PDF files early; return whether the file has an end-of-file marker."""
    size = path.stat().st_size
    if size == 0:
        raise IngestError("empty file")
    with path.open("rb") as handle:
        head = handle.read(1024)
        handle.seek(max(0, size - 4096))
        tail = handle.read()
    if b"%PDF-" not in head:
        raise IngestError("corrupt PDF: not a PDF file (no %PDF header)")
    return b"%%EOF" in tail


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs every recoverable flaw (at WARNING) while it carries on; our verdict is the exception or the text."""
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _open(source: Path | BinaryIO) -> PdfReader:
    """A reader for ``source``, decrypted with the empty password when the PDF is encrypted."""
    reader = PdfReader(source, strict=False)
    if reader.is_encrypted:
        try:
            unlocked = reader.decrypt("")
        except DependencyError:
            raise IngestError("encrypted PDF uses AES: reading it needs the 'cryptography' package") from None
        if not unlocked:
            raise IngestError("encrypted PDF, needs the password")
    return reader


class PdfLoader(Loader):
    """Reads PDFs: the text layer with pdfminer.six, scanned pages by OCR; every line carries its 1-based page.

    Encrypted files are opened with the empty password when that works (many
    government PDFs are "encrypted" only to forbid editing). A page holding an
    image and little text layer of its own (``ingest.loaders.pdf_scans``: under
    ``[ocr] min_text_chars`` characters besides lines repeated on most pages, or
    a page-sized image under a line or two) is a scan: only those pages are
    rendered and OCRed, so a PDF mixing text and scanned pages gets OCR only where needed.
    """

    suffixes = (".pdf",)

    def check(self, source: BinaryIO, name: str) -> None:
        """``LimitError`` for more than ``[ingest] max_pages`` pages, counted from the page tree (0.15 s for 2,000)."""
        try:
            with _quiet_pypdf():
                pages = len(_open(source).pages)
        except (IngestError, *_BROKEN):
            return  # load says why
        self._check_pages(pages)

    def _check_pages(self, pages: int) -> None:
        if pages > self.limits.max_pages:
            raise LimitError(f"{pages:,} pages", "max_pages", self.limits.max_pages)

    def load(self, path: Path) -> Iterator[RawDocument]:
        complete = _check_file(path)
        try:
            with _quiet_pypdf():
                lines, meta = self._read(path)
        except IngestError as exc:
            if not complete and str(exc).startswith("corrupt PDF"):
                raise IngestError(f"{exc} (file looks truncated: no %%EOF marker)") from None
            raise
        if not any(line.text.strip() for line in lines):
            raise IngestError(
                "no text recognised on the scanned pages (blank images?)"
                if "ocr" in meta
                else "no text on any page (empty pages)"
            )
        yield RawDocument(path.name, str(path), lines, meta)

    def _read(self, path: Path) -> tuple[list[Line], dict[str, str]]:
        page_number = 0
        try:
            reader = _open(path)
            self._check_pages(len(reader.pages))
            info = reader.metadata
            title = str(info.title or "").strip() if info else ""
            if title == path.stem:  # a scanner or converter naming the file again: no title of its own
                title = ""
            pages: list[list[Placed]] = []
            looks: list[PageLook] = []
            tables: list[list[Table]] = []
            slots: list[list[int]] = []
            with pdfplumber.open(path, password="", laparams=LAYOUT) as pdf:
                for page_number, page in enumerate(pdf.pages, start=1):
                    self._check_pages(page_number)  # pdfminer may find pages pypdf's page tree did not
                    layout = page.layout
                    if turn := text_turn(layout):  # text running sideways: lay the page out turned upright
                        page.close()
                        page = turned(page, turn)
                        layout = page.layout
                    placed = _placed_lines(layout)
                    looks.append(look(layout, placed))
                    found = find_tables(page, tables[-1][-1] if tables and tables[-1] else None, _usual(placed))
                    placed, at = _without_tables(layout, placed, found)
                    pages.append(placed)
                    tables.append(found)
                    slots.append(at)
                    page.close()  # pdfplumber keeps each page's objects until closed
            page_number = 0
        except IngestError:
            raise
        except FileNotDecryptedError:
            raise IngestError("encrypted PDF, needs the password") from None
        except _BROKEN as exc:
            where = f"page {page_number}: " if page_number else ""
            raise IngestError(f"corrupt PDF: {where}{_reason(exc)}") from None
        meta: dict[str, str] = {}
        scanned = scanned_pages(looks, self.ocr.min_text_chars)
        if scanned and not ocr.available() and all(pages[n - 1] for n in scanned):
            # Without the ocr extra, a page with a picture and a little text (a cover with an emblem
            # and the title) keeps its text layer; a page with no text at all cannot be read.
            scanned = []
        if len(scanned) > self.limits.max_ocr_pages:  # decided before the first page is rendered
            raise LimitError(f"{len(scanned):,} scanned pages", "max_ocr_pages", self.limits.max_ocr_pages)
        for number in scanned:  # OCR reads the whole page
            tables[number - 1], slots[number - 1] = [], []
        for number, (records, at) in enumerate(zip(stitch(tables), slots, strict=True), start=1):
            pages[number - 1] = _with_records(pages[number - 1], records, at)
        if scanned:
            images = render_pages(path, scanned, self.ocr.dpi, self.ocr.max_pixels)
            read, meta = read_scans(images, len(scanned), self.ocr)
            for number, recognised in read.items():
                pages[number - 1] = recognised
        lines, running_title = document_lines(pages)
        title = title or running_title
        return lines, {**meta, **({"title": title} if title else {})}


def _placed_lines(layout) -> list[Placed]:
    """A pdfminer page's text lines in its reading order, each with its column's edges."""
    blocks = [b for b in ([line for line in box if isinstance(line, LTTextLine)] for box in _text_boxes(layout)) if b]
    edges = column_edges([(min(line.x0 for line in b), max(line.x1 for line in b), len(b)) for b in blocks])
    return [
        Placed(line.get_text().rstrip("\n"), line.x0, line.x1, line.height, left, right, n, top=layout.y1 - line.y1)
        for n, (block, (left, right)) in enumerate(zip(blocks, edges, strict=False))
        for line in block
    ]


def _usual(lines: list[Placed]) -> float:
    """The page's usual line height (points): the median, 12 when the page has no text."""
    heights = sorted(line.height for line in lines)
    return heights[len(heights) // 2] if heights else 12.0


def _without_tables(layout, lines: list[Placed], tables: list[Table]) -> tuple[list[Placed], list[int]]:
    """The page's lines less those inside a table, and where each table's records go among the rest."""
    if not tables:
        return lines, []
    kept = [line for line in lines if not any(_inside(line, t.bbox) for t in tables)]
    at = []
    for table in tables:
        first = next((i for i, line in enumerate(lines) if _inside(line, table.bbox)), None)
        titled = [i for i, line in enumerate(kept) if table.title and line.text.strip() == table.title]
        if titled:  # right after its title, wherever the layout put the title among the blocks
            at.append(titled[0] + 1)
        elif first is None:  # a table with no text line inside (cells drawn as single characters): by position
            at.append(sum(1 for line in kept if line.top < table.bbox[1]))
        else:
            at.append(sum(1 for line in lines[:first] if line in kept))
    return kept, at


def _inside(line: Placed, bbox: tuple[float, float, float, float]) -> bool:
    middle = line.top + line.height / 2
    return bbox[1] - 1 <= middle <= bbox[3] + 1 and bbox[0] - 1 <= (line.x0 + line.x1) / 2 <= bbox[2] + 1


def _with_records(lines: list[Placed], records: list[list[str]], at: list[int]) -> list[Placed]:
    """``lines`` with each table's records (one line each, a unit of its own) put in at its place."""
    out = list(lines)
    for rows, where in sorted(zip(records, at, strict=True), key=lambda pair: -pair[1]):
        out[where:where] = [Placed(text, 0, 0, 0, 0, 0, -1, unit=True) for text in rows]
    return out


def _text_boxes(container) -> Iterator[LTTextBox]:
    """The text blocks of a page or figure in pdfminer's reading order, those inside figures in place."""
    for item in container:
        if isinstance(item, LTTextBox):
            yield item
        elif isinstance(item, LTFigure):
            yield from _text_boxes(item)
