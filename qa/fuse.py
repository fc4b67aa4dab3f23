"""Fusion of the dense and keyword rankings (score-based or reciprocal-rank), with grounding on named years and places."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from govqa.qa.settings import SearchConfig


@dataclass
class Candidate:
    """A chunk in the fused ranking, with the evidence each retriever gave for it."""

    chunk_id: int
    score: float = 0.0
    dense_rank: int | None = None
    dense_score: float | None = None
    keyword_rank: int | None = None
    keyword_score: float | None = None
    grounding: float = 1.0  # ``grounding_factor``: the final score is the fused (or sentence-mixed) score times this

    @property
    def grounded_score(self) -> float:
        return self.score * self.grounding


def fused(
    dense: Sequence[tuple[int, float]], keyword: Sequence[tuple[int, float]], config: SearchConfig
) -> dict[int, Candidate]:
    """The two rankings fused as ``[search] fusion`` says (``convex`` or ``rrf``), with its weights.

    The one dispatch of search, ask and compare: (chunk id, score) lists, best first, in; candidates by chunk id out.
    """
    if config.fusion == "rrf":
        return rrf(dense, keyword, config.rrf_k, config.dense_weight, config.keyword_weight)
    return convex(dense, keyword, config.dense_weight, config.keyword_weight)


def rrf(
    dense: Sequence[tuple[int, float]],
    keyword: Sequence[tuple[int, float]],
    k: int = 60,
    dense_weight: float = 1.0,
    keyword_weight: float = 1.0,
) -> dict[int, Candidate]:
    """Weighted reciprocal-rank fusion: ``w / (k + rank)`` summed over the rankings a chunk is in."""
    fused = _candidates(dense, keyword)
    for c in fused.values():
        c.score = sum(
            weight / (k + rank)
            for weight, rank in ((dense_weight, c.dense_rank), (keyword_weight, c.keyword_rank))
            if rank is not None
        )
    return fused


def convex(
    dense: Sequence[tuple[int, float]],
    keyword: Sequence[tuple[int, float]],
    dense_weight: float = 0.4,
    keyword_weight: float = 0.6,
) -> dict[int, Candidate]:
    """Weighted sum of min-max normalised scores: ``(wd * dense' + wk * keyword') / (wd + wk)``.

    Each list's scores are scaled to [0, 1] over its own candidates (best 1,
    worst 0); a chunk missing from a list gets 0 there. Unlike RRF this keeps
    how far apart the scores are: a BM25 hit far ahead of the rest stays far
    ahead (measured in docs/quality.md).
    """
    fused = _candidates(dense, keyword)
    dense_scaled, keyword_scaled = _min_max(dense), _min_max(keyword)
    total = (dense_weight + keyword_weight) or 1.0
    for c in fused.values():
        c.score = (
            dense_weight * dense_scaled.get(c.chunk_id, 0.0) + keyword_weight * keyword_scaled.get(c.chunk_id, 0.0)
        ) / total
    return fused


def _candidates(dense: Sequence[tuple[int, float]], keyword: Sequence[tuple[int, float]]) -> dict[int, Candidate]:
    """Every chunk of either ranking, with its rank and score in each (score still 0)."""
    fused: dict[int, Candidate] = {}
    for rank, (chunk_id, score) in enumerate(dense, start=1):
        c = fused.setdefault(chunk_id, Candidate(chunk_id))
        c.dense_rank, c.dense_score = rank, score
    for rank, (chunk_id, score) in enumerate(keyword, start=1):
        c = fused.setdefault(chunk_id, Candidate(chunk_id))
        c.keyword_rank, c.keyword_score = rank, score
    return fused


def _min_max(ranking: Sequence[tuple[int, float]]) -> dict[int, float]:
    """Chunk id → its score scaled to [0, 1] within the ranking (all 1 when the scores are equal)."""
    if not ranking:
        return {}
    low, high = min(s for _, s in ranking), max(s for _, s in ranking)
    if high - low < 1e-12:
        return {chunk_id: 1.0 for chunk_id, _ in ranking}
    return {chunk_id: (s - low) / (high - low) for chunk_id, s in ranking}


def with_sentences(ranked: Sequence[Candidate], best_sentence: Mapping[int, float], weight: float) -> list[Candidate]:
    """Re-rank the candidates that have a best-sentence score by mixing it with their passage score.

    ``ranked`` is best first (by ``grounded_score``); ``best_sentence`` maps
    chunk id → the cosine of the question and the chunk's best sentence(s)
    (``qa.sentence_scores``), given for the first candidates only (the
    re-ranking depth). Over those, the passage score and the sentence score
    are each min-max scaled, and they are ordered by ``(1 - weight) *
    passage' + weight * sentence'`` times their grounding. Their scores are
    then that order's values mapped onto the range their own grounded scores
    spanned (the best keeps the best fused score, the last the lowest), so
    the candidates without a sentence score follow, in their order, with
    their own scores. A list of one or no scored candidates is left as it was.
    """
    top = [c for c in ranked if c.chunk_id in best_sentence]
    if len(top) < 2 or weight <= 0:
        return list(ranked)
    low, high = min(c.grounded_score for c in top), max(c.grounded_score for c in top)
    passage = _min_max([(c.chunk_id, c.score) for c in top])
    sentence = _min_max([(c.chunk_id, best_sentence[c.chunk_id]) for c in top])
    mixed = {
        c.chunk_id: ((1 - weight) * passage[c.chunk_id] + weight * sentence[c.chunk_id]) * c.grounding for c in top
    }
    top.sort(key=lambda c: -mixed[c.chunk_id])
    best = mixed[top[0].chunk_id] or 1.0
    for c in top:  # shown as grounded_score: low + (high - low) * mixed / best
        c.score = (low + (high - low) * mixed[c.chunk_id] / best) / c.grounding if c.grounding > 0 else 0.0
    rest = [c for c in ranked if c.chunk_id not in best_sentence]
    for c in rest:  # below the re-ranked ones (a chunk whose sentences are gone may have ranked higher)
        c.score = min(c.score, low / c.grounding) if c.grounding > 0 else 0.0
    return top + rest


def grounding_factor(
    year_fit: bool | None,
    doc_places: Sequence[str],
    places: Sequence[str],
    boost: float,
) -> float:
    """Multiplier for a chunk known to be about another year or place than the question names.

    ``year_fit`` says whether the chunk is about a year the question names
    (``question.about_years``; ``None`` when the question names none or the
    report's year is unknown). A chunk known to differ is demoted by
    ``1 / (1 + boost)`` per dimension; a matching one, or one whose year or
    place is unknown (many notices name no place), keeps its score: missing
    metadata must not cost a document its rank.
    """
    factor = 1.0
    if places and doc_places and not any(p in doc_places for p in places):
        factor /= 1 + boost
    if year_fit is False:
        factor /= 1 + boost
    return factor
