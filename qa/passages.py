"""Clean-up of the fused ranking: merge overlapping or adjacent chunks of one document, drop near-duplicates."""

from __future__ import annotations

from dataclasses import dataclass, replace

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


def merge(first: Passage, second: Passage) -> Passage:
    """One passage covering both (which overlap or touch); keeps the first's id and the best score."""
    a, b = (first, second) if first.start <= second.start else (second, first)
    if b.end <= a.end:
        text = a.text
    elif b.start <= a.end:
        text = a.text + b.text[a.end - b.start:]
    else:
        text = a.text + "\n" * (b.start - a.end) + b.text
    return replace(first, text=text, start=a.start, end=max(a.end, b.end), score=max(a.score, b.score))


def touches(a: Passage, b: Passage) -> bool:
    """True when two passages of the same document overlap or are separated only by a line break."""
    return a.doc == b.doc and a.start <= b.end + _MAX_GAP and b.start <= a.end + _MAX_GAP


def _bigrams(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i:i + 2] for i in range(len(compact) - 1)}


def near_duplicate(a: str, b: str) -> bool:
    """True when two texts share most of their character bigrams (Jaccard ≥ 0.85)."""
    x, y = _bigrams(a), _bigrams(b)
    return bool(x and y) and len(x & y) / len(x | y) >= _NEAR_DUPLICATE


def clean_up(ranked: list[Passage], k: int, max_chars: int) -> list[Passage]:
    """The best ``k`` distinct passages: touching chunks of one document merged (up to ``max_chars``), near-duplicates dropped."""
    kept: list[Passage] = []
    for passage in ranked:
        partner = next((i for i, p in enumerate(kept) if touches(p, passage)), None)
        if partner is not None:
            merged = merge(kept[partner], passage)
            if len(merged.text) <= max_chars:
                kept[partner] = merged
            continue
        if any(near_duplicate(p.text, passage.text) for p in kept):
            continue
        kept.append(passage)
        if len(kept) == k:
            break
    return kept
