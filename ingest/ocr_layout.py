"""The layout of an OCRed page: text boxes become ``Placed`` lines in reading order.

The lines then go through the same page-furniture, line-wrap and column rules
as a PDF's text layer (``ingest.loaders.layout.document_lines``).

1. Deskew: a scan is often turned by a degree or two; the boxes' corners are
   turned back by the median slope of their top edges, so that a wrapped line and
   the next start at the same x.
2. Columns: a gutter is a vertical strip, as wide as a line is high, that
   (nearly) no line crosses, with lines on both sides of it; a line crossing a
   gutter (a title over both columns) spans the page and separates bands.
   Within a band, columns are read left to right, each top to bottom (the way
   XY-cut orders a page).
3. Blocks: within a column, a gap over ``BLOCK_GAP`` line heights starts a new
   block, as pdfminer's text blocks do on a PDF page.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from govqa.ingest.loaders.pdf_wraps import Placed, column_edges
from govqa.ingest.ocr import PageText, TextBox

# A vertical gap between two lines of a column over this many line heights starts a new block.
# Official documents set lines on a 1.5-2x pitch (GB/T 9704: a gap of 0.5-1 line height).
BLOCK_GAP = 1.5
# A gutter may be crossed by this share of the page's lines (a spanning title or two).
GUTTER_CROSSINGS = 0.1


@dataclass(frozen=True)
class _Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def skew(boxes: list[TextBox]) -> float:
    """The page's rotation in radians: the median slope of the top edges of boxes wider than three heights."""
    slopes = []
    for box in boxes:
        (ax, ay), (bx, by) = box.corners[0], box.corners[1]
        if bx - ax > 3 * (box.y1 - box.y0):
            slopes.append(math.atan2(by - ay, bx - ax))
    return statistics.median(slopes) if slopes else 0.0


def _upright(boxes: list[TextBox]) -> list[_Box]:
    """The boxes with their corners turned back by the page's skew, as axis-aligned boxes."""
    angle = -skew(boxes)
    cos, sin = math.cos(angle), math.sin(angle)
    out = []
    for box in boxes:
        xs = [x * cos - y * sin for x, y in box.corners]
        ys = [x * sin + y * cos for x, y in box.corners]
        out.append(_Box(box.text, min(xs), min(ys), max(xs), max(ys)))
    return out


def _gutters(boxes: list[_Box], line_height: float) -> list[tuple[float, float]]:
    """Vertical strips that at most ``GUTTER_CROSSINGS`` of the lines (and one at least) cross, two lines each side."""
    left, right = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
    step = max(1.0, line_height / 4)
    allowed = max(1, int(GUTTER_CROSSINGS * len(boxes)))
    gutters: list[tuple[float, float]] = []
    start = None
    x = left
    while x <= right:
        free = sum(b.x0 < x < b.x1 for b in boxes) <= allowed
        if free and start is None:
            start = x
        elif not free and start is not None:
            beside = sum(b.x1 <= start + step for b in boxes) >= 2 and sum(b.x0 >= x - step for b in boxes) >= 2
            if x - start >= line_height and beside:
                gutters.append((start, x))
            start = None
        x += step
    return gutters


def _reading_order(boxes: list[_Box], gutters: list[tuple[float, float]], line_height: float) -> list[list[_Box]]:
    """The boxes as columns in reading order, each top to bottom; a box reaching into a gutter ends a band."""
    runs: list[list[_Box]] = []
    band: dict[int, list[_Box]] = {}

    def close_band() -> None:
        runs.extend(band[c] for c in sorted(band))
        band.clear()

    for box in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        if any(min(box.x1, b) - max(box.x0, a) > line_height / 2 for a, b in gutters):
            close_band()
            runs.append([box])
            continue
        column = sum((box.x0 + box.x1) / 2 > (a + b) / 2 for a, b in gutters)
        band.setdefault(column, []).append(box)
    close_band()
    return runs


def _rows(column: list[_Box]) -> list[_Box]:
    """A column's boxes with the pieces of one line (side by side, overlapping vertically) joined left to right."""
    rows: list[list[_Box]] = []
    for box in column:
        last = rows[-1] if rows else None
        if last and (box.y0 + box.y1) / 2 < max(b.y1 for b in last) and box.y0 < (last[0].y0 + last[0].y1) / 2:
            last.append(box)
        else:
            rows.append([box])
    joined = []
    for row in rows:
        row.sort(key=lambda b: b.x0)
        joined.append(
            _Box(
                "".join(b.text for b in row),
                row[0].x0,
                min(b.y0 for b in row),
                max(b.x1 for b in row),
                max(b.y1 for b in row),
            )
        )
    return joined


def page_lines(page: PageText) -> list[Placed]:
    """The lines of an OCRed page in reading order, as ``Placed`` lines (pixels) with their blocks and columns."""
    if not page.boxes:
        return []
    boxes = _upright(page.boxes)
    line_height = statistics.median(b.height for b in boxes)
    blocks: list[list[_Box]] = []
    for run in _reading_order(boxes, _gutters(boxes, line_height), line_height):
        previous = None
        for row in _rows(run):
            if previous is None or row.y0 - previous.y1 > BLOCK_GAP * line_height:
                blocks.append([])
            blocks[-1].append(row)
            previous = row
    edges = column_edges([(min(b.x0 for b in block), max(b.x1 for b in block), len(block)) for block in blocks])
    return [
        Placed(row.text, row.x0, row.x1, row.height, left, right, n)
        for n, (block, (left, right)) in enumerate(zip(blocks, edges, strict=True))
        for row in block
    ]
