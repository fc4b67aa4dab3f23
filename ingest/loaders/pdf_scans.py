"""Which pages of a PDF are scans to read by OCR, from what each page's layout holds.

A page is a scan when it holds an image and its text layer says next to
nothing of its own: fewer than ``[ocr] min_text_chars`` characters once the
lines that repeat on most pages (a portal's download stamp, a running banner)
are set aside, or an image over half the page with text covering under
``TEXT_SHARE`` of it (a stamp of 30+ characters over a scanned page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pdfminer.layout import LTFigure, LTImage

from govqa.ingest.loaders.pdf_wraps import Placed

# A page whose image covers at least this share of it is a picture of a page...
IMAGE_SHARE = 0.5
# ...unless its text lines cover at least this share of the page: a full text page covers 30-45%,
# an invisible OCR layer over a scan as much, a stamp line or two under 1%.
TEXT_SHARE = 0.05
# A line repeats when it is on at least this share of the pages (and on two), numbers aside.
MOST_PAGES = 0.5


@dataclass(frozen=True)
class PageLook:
    """What a laid-out page holds: its text lines, whether it has an image, and the shares of its area covered."""

    lines: tuple[str, ...]
    has_image: bool
    image_share: float
    text_share: float


def look(layout, lines: list[Placed]) -> PageLook:
    """``PageLook`` of a pdfminer page (``LTPage``) and its placed lines."""
    area = max(layout.width * layout.height, 1.0)
    images = list(_images(layout))
    covered = sum(_clipped(image.bbox, layout.bbox) for image in images)
    text = sum((line.x1 - line.x0) * line.height for line in lines)
    return PageLook(tuple(line.text for line in lines), bool(images), min(covered / area, 1.0), text / area)


def scanned_pages(pages: list[PageLook], min_text_chars: int) -> list[int]:
    """The 1-based numbers of the pages to OCR."""
    counts: dict[str, int] = {}
    for page in pages:
        for key in {_key(text) for text in page.lines}:
            counts[key] = counts.get(key, 0) + 1
    most = max(2.0, MOST_PAGES * len(pages))
    scans = []
    for number, page in enumerate(pages, start=1):
        if not page.has_image:
            continue
        own = sum(len(_visible(text)) for text in page.lines if counts[_key(text)] < most)
        if own < min_text_chars or (page.image_share >= IMAGE_SHARE and page.text_share < TEXT_SHARE):
            scans.append(number)
    return scans


def _visible(text: str) -> str:
    return "".join(text.split())


def _key(text: str) -> str:
    """The line without its numbers and spaces: the same on every page for a stamp with a date or page number."""
    return re.sub(r"\d+", "#", _visible(text))


def _images(container):
    for item in container:
        if isinstance(item, LTImage):
            yield item
        elif isinstance(item, LTFigure):
            yield from _images(item)


def _clipped(box, page) -> float:
    width = min(box[2], page[2]) - max(box[0], page[0])
    height = min(box[3], page[3]) - max(box[1], page[1])
    return max(width, 0.0) * max(height, 0.0)
