"""Reciprocal-rank fusion of the dense and keyword rankings, with grounding on named years and places."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Candidate:
    """A chunk in the fused ranking, with the evidence each retriever gave for it."""

    chunk_id: int
    score: float = 0.0
    dense_rank: int | None = None
    dense_score: float | None = None
    keyword_rank: int | None = None
    keyword_score: float | None = None


def rrf(
    dense: Sequence[tuple[int, float]],
    keyword: Sequence[tuple[int, float]],
    k: int = 60,
    dense_weight: float = 1.0,
    keyword_weight: float = 1.0,
) -> dict[int, Candidate]:
    """Weighted reciprocal-rank fusion: ``w / (k + rank)`` summed over the rankings a chunk is in."""
    fused: dict[int, Candidate] = {}
    for rank, (chunk_id, score) in enumerate(dense, start=1):
        c = fused.setdefault(chunk_id, Candidate(chunk_id))
        c.dense_rank, c.dense_score = rank, score
        c.score += dense_weight / (k + rank)
    for rank, (chunk_id, score) in enumerate(keyword, start=1):
        c = fused.setdefault(chunk_id, Candidate(chunk_id))
        c.keyword_rank, c.keyword_score = rank, score
        c.score += keyword_weight / (k + rank)
    return fused


def grounding_factor(
    doc_year: int | None,
    doc_places: Sequence[str],
    years: Sequence[int],
    places: Sequence[str],
    boost: float,
) -> float:
    """Multiplier for a chunk whose report is known to be about another year or place than the question names.

    A report of year Y reviews Y-1 and plans Y, so a question about year Y
    matches reports of Y and Y+1. A report known to differ is demoted by
    ``1 / (1 + boost)`` per dimension; a matching report, or one whose year or
    place is unknown (many notices name no place), keeps its score: missing
    metadata must not cost a document its rank.
    """
    factor = 1.0
    if places and doc_places and not any(p in doc_places for p in places):
        factor /= 1 + boost
    if years and doc_year is not None and not any(doc_year in (y, y + 1) for y in years):
        factor /= 1 + boost
    return factor
