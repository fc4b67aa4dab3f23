"""Clean-up of the fused ranking: merge overlapping or adjacent chunks of one document, drop near-duplicates."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from operator import add

from govqa.index.context import SECTION_SEPARATOR

# Chunks of one section are contiguous but for the whitespace the splitter strips.
_MAX_GAP = 2
_NEAR_DUPLICATE = 0.85


@dataclass(frozen=True)
class Passage:
    """A stretch of one document's text: one chunk, or several merged."""

    chunk_id: int
    doc: str
    text: str
    start: int
    end: int
    score: float
    also_in: tuple[Passage, ...] = ()  # near-duplicates of this text in other documents, best first
    section: str = ""  # the section path: passages of two top-level sections are never merged
    merged: tuple[int, ...] = ()  # ids of the chunks merged into this one's

    @property
    def chunk_ids(self) -> tuple[int, ...]:
        """Ids of every chunk the passage spans: its own first."""
        return (self.chunk_id, *self.merged)


def merge(first: Passage, second: Passage) -> Passage:
    """One passage covering both (which overlap or touch); keeps the first's id and the best score."""
    a, b = (first, second) if first.start <= second.start else (second, first)
    if b.end <= a.end:
        text = a.text
    elif b.start <= a.end:
        text = a.text + b.text[a.end - b.start :]
    else:
        text = a.text + "\n" * (b.start - a.end) + b.text
    return replace(
        first,
        text=text,
        start=a.start,
        end=max(a.end, b.end),
        score=max(a.score, b.score),
        merged=first.merged + second.chunk_ids,
    )


def touches(a: Passage, b: Passage) -> bool:
    """True when two passages of one part of a document overlap or are separated only by a line break.

    Passages under two top-level sections stay apart, so that each is cited
    with its own ("一、2024年工作回顾" and "二、2025年工作安排" are about two
    years); subsections of one part merge.
    """
    return (
        a.doc == b.doc
        and _part(a.section) == _part(b.section)
        and a.start <= b.end + _MAX_GAP
        and b.start <= a.end + _MAX_GAP
    )


def _part(section: str) -> str:
    return section.split(SECTION_SEPARATOR, 1)[0]


@lru_cache(maxsize=1024)
def _bigrams(text: str) -> frozenset[str]:
    # Cached: the clean-up compares each candidate with every kept passage.
    compact = "".join(text.split())
    return frozenset(map(add, compact, compact[1:]))


def near_duplicate(a: str, b: str) -> bool:
    """True when two texts share most of their character bigrams (Jaccard ≥ 0.85).

    Jaccard is at most the smaller set's size over the larger's, so most pairs are told apart by their
    sizes; the others need one intersection (|x ∪ y| = |x| + |y| − |x ∩ y|), not a union built too.
    """
    x, y = _bigrams(a), _bigrams(b)
    if not (x and y) or min(len(x), len(y)) < _NEAR_DUPLICATE * max(len(x), len(y)):
        return False
    both = len(x & y)
    return both / (len(x) + len(y) - both) >= _NEAR_DUPLICATE


def clean_up(ranked: list[Passage], k: int, max_chars: int, merge_window: int = 20) -> list[Passage]:
    """The best ``k`` distinct passages: touching chunks of one document merged, near-duplicates folded.

    Only the first ``merge_window`` candidates are merged into better ones (up to
    ``max_chars``); later touching ones are dropped. The window does not depend
    on ``k``, so the best 5 passages are the same whether 5 or 10 are asked for.
    A near-duplicate of a kept passage takes no place of its own: when it comes
    from another document (a notice reposted by several offices) it is listed
    in the kept passage's ``also_in``, so every report that holds the text is cited.
    """
    kept: list[Passage] = []
    for position, passage in enumerate(ranked):
        if len(kept) >= k and position >= merge_window:
            break
        partner = next((i for i, p in enumerate(kept) if touches(p, passage)), None)
        if partner is not None:
            merged = merge(kept[partner], passage)
            if position < merge_window and len(merged.text) <= max_chars:
                kept[partner] = merged
            continue
        original = next((i for i, p in enumerate(kept) if near_duplicate(p.text, passage.text)), None)
        if original is not None:
            kept[original] = _also_in(kept[original], passage)
        elif len(kept) < k:
            kept.append(passage)
    return kept


def _also_in(kept: Passage, duplicate: Passage) -> Passage:
    """``kept`` with ``duplicate`` listed as the same text in another document (once per document)."""
    if duplicate.doc == kept.doc or any(d.doc == duplicate.doc for d in kept.also_in):
        return kept
    return replace(kept, also_in=kept.also_in + (replace(duplicate, also_in=()),))
