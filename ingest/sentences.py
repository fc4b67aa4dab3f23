"""Sentence splitting: the one rule that index time (sentence vectors) and question time (highlights) share."""

from __future__ import annotations

import re

# A sentence runs to 。！？!?；; (with any closing quotes or brackets) or to a line end.
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*[”’」』）)]*")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the sentences of ``text``, surrounding whitespace trimmed, blank ones left out."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans
