"""Line wraps on a laid-out PDF page: does a line run on into the next one?

A PDF has no paragraphs, only lines placed on the page. A line was wrapped by
the layout when it runs (nearly) to the right edge of its column, does not end
a sentence, and the next line starts flush at the left edge, not indented as a
new paragraph's first line is (two ideographic spaces, or a visible indent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A wrapped line fills at least this share of its column's width: a Chinese line
# breaks anywhere, but a number or Latin word kept whole, or a closing mark
# pushed to the next line, can leave a few characters' room at the end.
WRAP_FILL = 0.8

# Lines whose heights differ by more than this factor are set in different sizes of type.
SIZE_STEP = 1.25

# A line that ends a sentence need not be joined to the next: it may be followed
# by a heading set flush left ("二、今年工作安排"), which must stay a line of its own.
_SENTENCE_END = re.compile(r"[。！？!?；;：:][”’」』）)]*\s*$")


@dataclass(frozen=True)
class Placed:
    """One text line where it sits on its page, in PDF points (x grows to the right).

    ``left``/``right`` are the edges of the column the line belongs to; ``block``
    numbers the text block (pdfminer's ``LTTextBox``) it was laid out in; ``top``
    is its distance from the page's top edge. A ``unit`` (a table's row record)
    is a text of its own: never joined to its neighbours, chunked alone.
    """

    text: str
    x0: float
    x1: float
    height: float
    left: float
    right: float
    block: int
    top: float = 0.0
    unit: bool = False


def column_edges(boxes: list[tuple[float, float, int]]) -> list[tuple[float, float]]:
    """For each text block ``(x0, x1, line count)`` of a page, the edges of its column.

    A column is as wide as the blocks of two or more lines that overlap it
    horizontally: a short block (a heading, a paragraph's last line) does not
    set the width, and the blocks of another column do not overlap it. Where no
    such block overlaps (a page set so widely that each line is a block of its
    own), the blocks of one line that overlap it set the width.
    """
    wide = [(a, b) for a, b, count in boxes if count > 1]
    edges = []
    for x0, x1, _ in boxes:
        over = [(a, b) for a, b in wide if a < x1 and x0 < b] or [(a, b) for a, b, _ in boxes if a < x1 and x0 < b]
        edges.append((min(a for a, _ in over), max(b for _, b in over)) if over else (x0, x1))
    return edges


def _apart(line: Placed, nxt: Placed) -> bool:
    """Lines that are never one paragraph: type of another size (a title over its date line), or a
    line opening with a dash pair (the ``——2023年1月5日在…会议上`` line under a report's title)."""
    big, small = max(line.height, nxt.height), min(line.height, nxt.height)
    return small < big / SIZE_STEP or line.text.lstrip().startswith("——") or nxt.text.lstrip().startswith("——")


def continues(line: Placed, nxt: Placed, same_flow: bool) -> bool:
    """True when ``nxt`` goes on with ``line``'s paragraph.

    ``same_flow`` says the two lines are in one text block, or ``line`` ends
    one page and ``nxt`` starts the next (a paragraph crossing a page break).
    """
    width = line.right - line.left
    if (
        line.unit
        or nxt.unit
        or _apart(line, nxt)
        or not same_flow
        or width <= 0
        or not nxt.text
        or nxt.text[0].isspace()
        or _SENTENCE_END.search(line.text)
    ):
        return False
    fills = (line.x1 - line.left) >= WRAP_FILL * width
    flush = nxt.x0 - nxt.left < 0.5 * nxt.height
    return fills and flush
