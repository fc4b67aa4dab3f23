"""Scanned PDF pages rendered to images with pypdfium2 (the optional extra ``ocr``).

PDFium draws any page, whatever its images are coded in (JPEG, JBIG2, CCITT
fax), so a scan needs no image decoder of its own. PDFium is not thread-safe:
pages are rendered one at a time, by the caller's thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from govqa.ingest.errors import IngestError
from govqa.ingest.ocr import NEEDS_EXTRA


def render_pages(path: Path, numbers: list[int], dpi: int, max_pixels: int) -> Iterator[tuple[int, object]]:
    """``(page number, grey PIL image)`` for the 1-based page ``numbers``, rendered lazily one at a time.

    Pages are drawn at ``dpi``, or smaller when that would exceed ``max_pixels`` (a poster-sized
    page). ``IngestError`` without the ``ocr`` extra or for a page PDFium cannot draw.
    """
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise IngestError(NEEDS_EXTRA) from None
    try:
        document = pdfium.PdfDocument(str(path), password="")
    except pdfium.PdfiumError as exc:
        raise IngestError(f"corrupt PDF: cannot render its scanned pages ({exc})") from None
    try:
        for number in numbers:
            page = document[number - 1]
            try:
                width, height = page.get_size()  # points
                scale = min(dpi / 72, (max_pixels / max(1.0, width * height)) ** 0.5)
                image = page.render(scale=scale, grayscale=True).to_pil()
            except pdfium.PdfiumError as exc:
                raise IngestError(f"corrupt PDF: page {number}: cannot render it ({exc})") from None
            finally:
                page.close()
            yield number, image
    finally:
        document.close()
