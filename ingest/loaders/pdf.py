"""PDF: pypdf checks the file and reads its properties; pdfminer.six lays out its text.

Each page's lines come in reading order (column by column), without the page
furniture (``ingest.furniture``), each with its 1-based page and whether the
next line continues its paragraph (``ingest.loaders.pdf_wraps``). A scanned
page (an image and next to no text layer) is rendered and read by OCR
(``ingest.loaders.scan``); its lines then go through the same rules.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTFigure, LTImage, LTTextBox, LTTextLine
from pdfminer.pdfexceptions import PDFException
from pdfminer.psexceptions import PSException
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from govqa.ingest import ocr
from govqa.ingest.document import IngestError, Line, RawDocument
from govqa.ingest.errors import LimitError
from govqa.ingest.loaders.base import Loader
from govqa.ingest.loaders.layout import document_lines
from govqa.ingest.loaders.pdf_render import render_pages
from govqa.ingest.loaders.pdf_wraps import Placed, column_edges
from govqa.ingest.loaders.scan import read_scans

# pdfminer groups lines into a text block while the gap between them is under
# ``line_margin`` line heights; its default 0.5 splits the 1.5-2x line pitch of
# official documents (GB/T 9704: 三号 type on a 28-point pitch) into one block per
# line, and blocks one line high are then ordered across columns. docs/ingest.md has the figures.
# ``all_texts`` lays out text drawn inside form XObjects (figures) too, as pypdf read it.
LAYOUT = LAParams(line_margin=1.5, all_texts=True)
# pypdf and pdfminer both document that broken files may raise exceptions beyond their own.
_BROKEN = (
    PyPdfError,
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
    image and fewer than ``[ocr] min_text_chars`` characters of text layer is a
    scan: only those pages are rendered and OCRed, so a PDF mixing text and
    scanned pages gets OCR only where needed.
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
            pages, scanned = [], []
            for page_number, layout in enumerate(extract_pages(path, password="", laparams=LAYOUT), start=1):
                self._check_pages(page_number)  # pdfminer may find pages pypdf's page tree did not
                pages.append(_placed_lines(layout))
                if _is_scan(layout, pages[-1], self.ocr.min_text_chars):
                    scanned.append(page_number)
            page_number = 0
        except IngestError:
            raise
        except FileNotDecryptedError:
            raise IngestError("encrypted PDF, needs the password") from None
        except _BROKEN as exc:
            where = f"page {page_number}: " if page_number else ""
            raise IngestError(f"corrupt PDF: {where}{_reason(exc)}") from None
        meta: dict[str, str] = {}
        if scanned and not ocr.available() and all(pages[n - 1] for n in scanned):
            # Without the ocr extra, a page with a picture and a little text (a cover with an emblem
            # and the title) keeps its text layer; a page with no text at all cannot be read.
            scanned = []
        if len(scanned) > self.limits.max_ocr_pages:  # decided before the first page is rendered
            raise LimitError(f"{len(scanned):,} scanned pages", "max_ocr_pages", self.limits.max_ocr_pages)
        if scanned:
            images = render_pages(path, scanned, self.ocr.dpi, self.ocr.max_pixels)
            read, meta = read_scans(images, len(scanned), self.ocr)
            for number, lines in read.items():
                pages[number - 1] = lines
        lines, running_title = document_lines(pages)
        title = title or running_title
        return lines, {**meta, **({"title": title} if title else {})}


def _is_scan(layout, lines: list[Placed], min_text_chars: int) -> bool:
    """A page that holds an image and fewer than ``min_text_chars`` visible characters of text layer."""
    chars = sum(len("".join(line.text.split())) for line in lines)
    return chars < min_text_chars and _has_image(layout)


def _has_image(container) -> bool:
    return any(isinstance(item, LTImage) or (isinstance(item, LTFigure) and _has_image(item)) for item in container)


def _placed_lines(layout) -> list[Placed]:
    """A pdfminer page's text lines in its reading order, each with its column's edges."""
    blocks = [b for b in ([line for line in box if isinstance(line, LTTextLine)] for box in _text_boxes(layout)) if b]
    edges = column_edges([(min(line.x0 for line in b), max(line.x1 for line in b), len(b)) for b in blocks])
    return [
        Placed(line.get_text().rstrip("\n"), line.x0, line.x1, line.height, left, right, n)
        for n, (block, (left, right)) in enumerate(zip(blocks, edges, strict=False))
        for line in block
    ]


def _text_boxes(container) -> Iterator[LTTextBox]:
    """The text blocks of a page or figure in pdfminer's reading order, those inside figures in place."""
    for item in container:
        if isinstance(item, LTTextBox):
            yield item
        elif isinstance(item, LTFigure):
            yield from _text_boxes(item)
