"""Pages whose text runs sideways, turned so that it reads upright before the layout.

A page's text can run sideways as displayed: a landscape table printed across a
portrait page, or a page stored with a ``/Rotate`` that turns upright content
on its side. pdfminer.six lays out horizontal lines only, so sideways text comes
out one character per line. When most of a page's characters have their
baseline at 90°, 180° or 270°, the page is laid out again turned by that many
degrees clockwise (the ``/Rotate`` pdfminer applies), and its text reads upright.
"""

from __future__ import annotations

import math
from collections import Counter

import pdfplumber
from pdfminer.layout import LTChar

# Turn a page when more than this share of its characters run in one other direction.
MOST = 0.5


def text_turn(layout) -> int:
    """Degrees clockwise (0, 90, 180 or 270) that bring most of a pdfminer page's characters upright."""
    angles: Counter[int] = Counter()
    for char in _chars(layout):
        a, b = char.matrix[0], char.matrix[1]
        angles[round(math.degrees(math.atan2(b, a)) / 90) % 4 * 90] += 1
    total = sum(angles.values())
    if not total:
        return 0
    angle, count = angles.most_common(1)[0]
    return angle if angle and count > MOST * total else 0


def turned(page: pdfplumber.page.Page, degrees: int) -> pdfplumber.page.Page:
    """``page`` read again with its ``/Rotate`` increased by ``degrees`` (clockwise)."""
    page_obj = page.page_obj
    rotate = (int(page.rotation) + degrees) % 360
    page_obj.attrs["Rotate"] = rotate
    page_obj.rotate = rotate  # what pdfminer's interpreter turns the page by
    return pdfplumber.page.Page(page.pdf, page_obj, page.page_number, page.initial_doctop)


def _chars(container):
    for item in container:
        if isinstance(item, LTChar):
            yield item
        elif hasattr(item, "__iter__"):
            yield from _chars(item)
