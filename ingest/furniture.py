"""Page furniture of laid-out pages: running headers and footers, page numbers, repeated banners.

Works on the lines of each page in reading order, before they become
``Line``s: furniture sits among the first or last lines of a page, and is told
apart from report text by its shape (a page number) or by repeating, modulo the
page number, on most pages.
"""

from __future__ import annotations

import math
import re

# How many lines at each edge of a page may be furniture (a banner, a header and its date line).
EDGE_LINES = 3
# A line repeats "on most pages" when it is at the same edge of at least this share of them (and of 2).
MOST_PAGES = 0.5

# Page numbers in the shapes Chinese official documents use: "— 3 —" (GB/T 9704-2012 7.5
# puts the page number between two em dashes), "- 3 -", "第 3 页 共 9 页", "第3页", "3/9",
# "Page 3 of 9", and a bare number (at most three digits: a lone "2023" is a year).
PAGE_NUMBER = re.compile(
    r"^(?:[—–\-－·•]*\s*\d{1,3}\s*[—–\-－·•]*"
    r"|(?:共\s*\d{1,4}\s*页\s*[，,]?\s*)?第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|(?:page\s*)?\d{1,4}\s*(?:of|/)\s*\d{1,4})$",
    re.IGNORECASE,
)


def is_page_number(text: str) -> bool:
    """True for a line that is only a page number, in any of the shapes of ``PAGE_NUMBER``."""
    return bool(PAGE_NUMBER.match(text.strip()))


def _key(text: str) -> str:
    """The line with its numbers and spaces taken out: equal on every page for a running line."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def furniture(pages: list[list[str]]) -> list[set[int]]:
    """For each page (its lines in reading order), the indexes of its furniture lines.

    Among the first and last ``EDGE_LINES`` non-blank lines of a page, furniture is
    a page number, or a line whose key (numbers and spaces removed) is at the same
    edge of most pages (``MOST_PAGES``, at least two): running headers and footers,
    and the issuing body's banner repeated on every page.
    """
    edges = [_edges(lines) for lines in pages]
    need = max(2, math.ceil(MOST_PAGES * len(pages)))
    found: list[set[int]] = []
    for side in (0, 1):
        counts: dict[str, int] = {}
        for lines, edge in zip(pages, edges, strict=False):
            for key in {_key(lines[i]) for i in edge[side]}:
                counts[key] = counts.get(key, 0) + 1
        for n, (lines, edge) in enumerate(zip(pages, edges, strict=False)):
            hits = {i for i in edge[side] if is_page_number(lines[i]) or counts[_key(lines[i])] >= need}
            if side == 0:
                found.append(hits)
            else:
                found[n] |= hits
    return found


def _edges(lines: list[str]) -> tuple[list[int], list[int]]:
    """Indexes of the first and of the last ``EDGE_LINES`` non-blank lines."""
    filled = [i for i, text in enumerate(lines) if text.strip()]
    return filled[:EDGE_LINES], filled[-EDGE_LINES:]
