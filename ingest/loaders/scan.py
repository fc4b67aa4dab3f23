"""Scanned pages, from a PDF or an image file: OCR, layout, and what the document records of it."""

from __future__ import annotations

from collections.abc import Iterable

from ingest import ocr
from ingest.loaders.pdf_wraps import Placed
from ingest.ocr_layout import page_lines
from ingest.settings import OcrConfig


def read_scans(
    images: Iterable[tuple[int, object]], total: int, settings: OcrConfig
) -> tuple[dict[int, list[Placed]], dict[str, str]]:
    """OCR ``(page number, PIL image)`` pairs: each page's lines, and the document meta that records it.

    The meta holds ``ocr`` (the engine), ``ocr_pages`` (how many pages were read),
    ``ocr_confidence`` (mean recognition confidence of every character, 0-1, three
    decimals), and, when there are any, ``ocr_low_confidence_pages`` (pages under
    ``settings.low_confidence``) and ``ocr_blank_pages`` (no text found), as page
    numbers separated by spaces. ``IngestError`` without the ``ocr`` extra.
    """
    placed: dict[int, list[Placed]] = {}
    weighted = chars = 0.0
    low, blank = [], []
    for page in ocr.recognise_pages(images, total, settings.workers):
        placed[page.page] = page_lines(page)
        confidence = page.confidence
        if confidence is None:
            blank.append(page.page)
            continue
        n = sum(len(b.text) for b in page.boxes)
        weighted, chars = weighted + confidence * n, chars + n
        if confidence < settings.low_confidence:
            low.append(page.page)
    meta = {"ocr": "rapidocr", "ocr_pages": str(len(placed))}
    if chars:
        meta["ocr_confidence"] = f"{weighted / chars:.3f}"
    if low:
        meta["ocr_low_confidence_pages"] = " ".join(map(str, low))
    if blank:
        meta["ocr_blank_pages"] = " ".join(map(str, blank))
    return placed, meta
