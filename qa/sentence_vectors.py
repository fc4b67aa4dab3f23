"""A passage's sentences with the vectors the index stored for them: to ask, only the question is embedded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index import ChunkSentences
from qa import highlight
from qa.types import Span


def passage_sentences(text: str, start: int, stored: Sequence[ChunkSentences]) -> list[tuple[Span, np.ndarray]]:
    """Each sentence of a passage (``highlight.sentences``) with the stored vectors that stand for it.

    ``text`` begins at offset ``start`` of its document; ``stored`` holds the
    sentences of the chunks it spans (one chunk, or several merged). A
    sentence that some chunk holds whole gets that vector, shape (1, dimension).
    One that no chunk holds whole (it crosses the cut between two merged
    chunks) gets the vectors of the stored pieces inside it, or failing that
    of those overlapping it, so that it weighs as much as its closest piece.
    """
    by_span: dict[tuple[int, int], np.ndarray] = {}
    for chunk in stored:
        for (a, b), vector in zip(chunk.spans, chunk.vectors, strict=False):
            by_span.setdefault((chunk.start + a, chunk.start + b), vector)
    dimension = next((len(v) for v in by_span.values()), 0)
    out = []
    for span in highlight.sentences(text):
        lo, hi = start + span.start, start + span.end
        exact = by_span.get((lo, hi))
        if exact is not None:
            pieces = [exact]
        else:
            pieces = [v for (a, b), v in by_span.items() if lo <= a and b <= hi] or [
                v for (a, b), v in by_span.items() if a < hi and lo < b
            ]
        out.append((span, np.stack(pieces) if pieces else np.zeros((0, dimension), dtype=np.float32)))
    return out


def similarities(sentences: Sequence[tuple[Span, np.ndarray]], question: np.ndarray) -> list[float]:
    """Per sentence, the cosine of the question vector and its closest stored vector (0.0 when it has none)."""
    return [float((vectors @ question).max()) if len(vectors) else 0.0 for _, vectors in sentences]
