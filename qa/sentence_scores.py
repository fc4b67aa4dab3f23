"""Sentence scores: the cosine of the question and each sentence vector the index stored, computed once per question.

A 300-character chunk has one embedding, in which the one sentence that
answers a paraphrased question is diluted by its neighbours. Its sentences
got vectors at index time (``Index.chunk_sentences``): each embedded alone
(the default), or pooled from the chunk's own forward pass (``[index]
bare_sentences = false``). Here they are scored against the question vector
once, and read by the ranking (``fuse.with_sentences``), the highlight and the
verdict (whose thresholds were fitted on bare sentences: ``eval.fit_verdict``).
A backend that hands out a second set (``context_vectors``) has the ranking
read that one. Only the question is embedded at question time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from govqa.index import ChunkSentences
from govqa.qa import highlight
from govqa.qa.types import Span


@dataclass(frozen=True)
class ChunkScores:
    """The sentences of one chunk and their cosines to one question.

    ``start`` is the chunk's offset in its document; ``spans`` are (start, end)
    offsets in the chunk's text; ``scores`` (the stored sentence vectors) and
    ``ranking_scores`` (the second set where a backend hands one out, else
    the same scores) are float32 of shape (len(spans),).
    """

    chunk_id: int
    start: int
    spans: tuple[tuple[int, int], ...]
    scores: np.ndarray
    ranking_scores: np.ndarray

    def best(self, n: int = 1, usable: Callable[[int], bool] | None = None) -> float | None:
        """The mean of the ``n`` highest ranking scores (of all, when fewer); 0.0 for a chunk without sentences.

        ``usable(i)`` limits them to the sentences that can answer
        (``qa.answer.answer_filter``: the right kind, not a heading, not an
        echo of the question), asked best first and only until ``n`` are
        found; None when none can (``best_scores`` places such a chunk).
        """
        scores = self.ranking_scores
        if not len(scores):
            return 0.0
        order = np.argsort(-scores)
        if usable is not None:
            kept = _first(order, usable, max(1, n))
            return float(scores[kept].mean()) if kept else None
        return float(scores[order[: max(1, n)]].mean())


def best_scores(
    chunks: Mapping[int, ChunkScores], n: int, usable: Callable[[ChunkScores], Callable[[int], bool]]
) -> dict[int, float]:
    """Chunk id → ``ChunkScores.best(n, usable(chunk))``, the score the sentence signal ranks by.

    A chunk none of whose sentences can answer ties with the lowest chunk that
    has one: nothing in it answers, however close it is (a title line
    "2025年河南省政府工作报告" to "2024年河南省粮食产量是多少"), and a floor
    inside the others' range leaves their spread intact. When no chunk has
    one, each keeps the best of all its sentences.
    """
    usable_best = {i: chunk.best(n, usable(chunk)) for i, chunk in chunks.items()}
    floor = min((b for b in usable_best.values() if b is not None), default=None)
    if floor is None:
        return {i: chunk.best(n) for i, chunk in chunks.items()}
    return {i: floor if b is None else b for i, b in usable_best.items()}


def _first(order: np.ndarray, usable: Callable[[int], bool], n: int) -> list[int]:
    """The first ``n`` indices of ``order`` that ``usable`` accepts."""
    kept = []
    for i in order:
        if usable(int(i)):
            kept.append(int(i))
            if len(kept) == n:
                break
    return kept


def score_chunks(
    stored: Mapping[int, ChunkSentences], ids: Iterable[int], question: np.ndarray
) -> dict[int, ChunkScores]:
    """Chunk id → its sentences' cosines to ``question`` (unit vector, shape (dimension,)), for the ``ids`` in ``stored``.

    One matrix product for all the chunks' sentences (and their second set, where a backend hands one out).
    """
    chunks = [stored[i] for i in dict.fromkeys(ids) if i in stored]
    if not chunks:
        return {}
    second = any(c.context_vectors is not None for c in chunks)
    matrices = [c.vectors for c in chunks]
    if second:  # a backend that hands out a second set: the ranking reads it
        matrices += [c.vectors if c.context_vectors is None else c.context_vectors for c in chunks]
    cosines = np.concatenate(matrices) @ question.astype(np.float32)
    half = len(cosines) // 2 if second else len(cosines)
    bare, ranking = cosines[:half], cosines[half:] if second else cosines
    out, at = {}, 0
    for c in chunks:
        rows = slice(at, at + len(c.spans))
        out[c.chunk_id] = ChunkScores(c.chunk_id, c.start, c.spans, bare[rows], ranking[rows])
        at += len(c.spans)
    return out


def passage_scores(text: str, start: int, chunks: Sequence[ChunkScores]) -> list[tuple[Span, float]]:
    """Each sentence of a passage (``highlight.sentences``) with its score.

    ``text`` begins at offset ``start`` of its document; ``chunks`` holds the
    scores of the chunks it spans (one chunk, or several merged). A sentence
    that some chunk holds whole gets that sentence's score. One that no chunk
    holds whole (it crosses the cut between two merged chunks) gets the best
    score of the stored pieces inside it, or failing that of those overlapping
    it; one with no stored piece at all gets 0.0.
    """
    by_span: dict[tuple[int, int], float] = {}
    for chunk in chunks:
        for (a, b), score in zip(chunk.spans, chunk.scores, strict=False):
            by_span.setdefault((chunk.start + a, chunk.start + b), float(score))
    out = []
    for span in highlight.sentences(text):
        lo, hi = start + span.start, start + span.end
        exact = by_span.get((lo, hi))
        if exact is None:
            pieces = [s for (a, b), s in by_span.items() if lo <= a and b <= hi] or [
                s for (a, b), s in by_span.items() if a < hi and lo < b
            ]
            exact = max(pieces, default=0.0)
        out.append((span, exact))
    return out
