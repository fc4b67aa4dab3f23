"""Footnotes at the foot of a laid-out page: told apart from the body, kept out of its sentences.

A page's footnote block is set in smaller type below the body and each note
starts with its mark (①②…, 注①). Left in the flow, the block would sit inside a
sentence that runs on to the next page ("…人均可支配收入21846" + "① 地区生产
总值…" + "元，增长6.9%"). Each note becomes one text of its own (its wrapped
lines joined), placed after the paragraph that crosses the page, cited with
its own page.
"""

from __future__ import annotations

import re
from dataclasses import replace

from govqa.ingest.furniture import is_page_number
from govqa.ingest.loaders.pdf_wraps import Placed

# A note's first line: a circled number, or 注 with one ("注①", "注：①").
NOTE_MARK = re.compile(r"^\s*(?:注\s*[：:]?\s*)?[①-⑳]")
# Footnotes are set smaller than the body (GB/T 9704: 三号 body; notes in 四号 or 小四 and below).
SMALLER = 0.9


def split_notes(lines: list[Placed]) -> tuple[list[Placed], list[Placed]]:
    """The page's body lines, and its footnotes (one ``unit`` line per note), from its lines in reading order.

    The block starts at the first line in smaller type that carries a note mark
    and below which every line (page numbers aside) is in smaller type too.
    Without such a block the page comes back whole, with no notes.
    """
    # a table's records (units) have no size of their own
    sized = [line for line in lines if line.text.strip() and not line.unit and not is_page_number(line.text)]
    if not sized:
        return lines, []
    heights = sorted(line.height for line in sized)
    body = heights[len(heights) // 2]
    start = None
    for line in sorted(sized, key=lambda item: item.top):
        small = line.height < SMALLER * body
        if start is None and small and NOTE_MARK.match(line.text):
            start = line
        elif start is not None and not small:
            start = None  # body text below: not a foot block
    if start is None:
        return lines, []
    block = [line for line in sized if line.top >= start.top and line.height < SMALLER * body]
    kept = [line for line in lines if not any(line is b for b in block)]
    notes: list[Placed] = []
    for line in sorted(block, key=lambda item: item.top):
        if NOTE_MARK.match(line.text) or not notes:
            notes.append(replace(line, text=line.text.strip(), unit=True))
        else:  # a wrapped note: no space between Chinese characters
            notes[-1] = replace(notes[-1], text=notes[-1].text + line.text.strip())
    return kept, notes
