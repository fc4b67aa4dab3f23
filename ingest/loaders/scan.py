"""Scanned pages, from a PDF or an image file: OCR, layout, what the document records of it and what to check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from govqa.ingest import ocr
from govqa.ingest.loaders.pdf_wraps import Placed
from govqa.ingest.ocr_layout import page_lines
from govqa.ingest.settings import OcrConfig


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


def scan_notes(name: str, meta: Mapping[str, str]) -> list[str]:
    """What a person should check in document ``name`` read by OCR (``meta`` as ``read_scans`` wrote it).

    One line for the pages read with low confidence, one for the pages where no text
    was found; none for a document read from text.
    """
    notes = []
    if low := meta.get("ocr_low_confidence_pages"):
        notes.append(f"{name}: OCR confidence low on page(s) {low.replace(' ', ', ')}; check the scan")
    if blank := meta.get("ocr_blank_pages"):
        notes.append(f"{name}: no text found on scanned page(s) {blank.replace(' ', ', ')}")
    return notes
