"""Retrieval figures as pure functions over ranked relevance flags.

A ranking is a sequence of booleans, best hit first: ``True`` where the hit is
relevant (at passage level: it answers per ``eval.matching``; at document
level: it comes from the gold document). Ranks are 1-based list positions, so
hits with equal scores keep the order the searcher returned.

nDCG uses binary gains. Its ideal DCG puts the relevant passages *that were
retrieved* in the top ``k`` at ranks 1..R: nobody knows every passage of the
index that holds the evidence, so nDCG here measures whether the answering
passages found lead the list (1.0 when they all come first, 0.0 when there is
none in the top ``k``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

RECALL_KS = (1, 3, 5, 10)
DOC_RECALL_KS = (1, 5, 10)
DEPTH = 10  # the cut-off of MRR and nDCG
NOT_FOUND = "not_found"


def first_rank(flags: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant hit, or None."""
    return next((i for i, flag in enumerate(flags, start=1) if flag), None)


def hit_at(flags: Sequence[bool], k: int) -> bool:
    """Whether a relevant hit is among the first ``k`` (one question's Recall@k)."""
    return any(flags[:k])


def reciprocal_rank(flags: Sequence[bool], k: int = DEPTH) -> float:
    """1/rank of the first relevant hit within the first ``k``, else 0."""
    rank = first_rank(flags[:k])
    return 1.0 / rank if rank else 0.0


def dcg(flags: Sequence[bool], k: int = DEPTH) -> float:
    """Discounted cumulative gain with binary gains: sum of 1/log2(rank+1) over relevant hits."""
    return sum(1.0 / math.log2(rank + 1) for rank, flag in enumerate(flags[:k], start=1) if flag)


def ndcg(flags: Sequence[bool], k: int = DEPTH) -> float:
    """DCG over the ideal DCG of the same number of relevant hits placed first (0 when none)."""
    relevant = sum(1 for flag in flags[:k] if flag)
    if relevant == 0:
        return 0.0
    return dcg(flags, k) / dcg([True] * relevant, k)


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-th percentile (0–100), linear between closest ranks (numpy's default); None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Ratio:
    """A figure with its count: ``value`` is ``count / total`` or, for a mean, the mean itself."""

    count: int
    total: int
    mean: float | None = None

    @property
    def value(self) -> float | None:
        if self.total == 0:
            return None
        return self.mean if self.mean is not None else self.count / self.total

    def __str__(self) -> str:
        value = "n/a" if self.value is None else f"{self.value:.3f}"
        return f"{value} ({self.count}/{self.total})"


@dataclass(frozen=True)
class Scored:
    """One question's outcome, reduced to what the figures need."""

    answerable: bool
    type: str
    doc: str | None
    passage: tuple[bool, ...]  # per hit: answers the question
    doc_hits: tuple[bool, ...]  # per hit: comes from the gold document
    text_hits: tuple[bool, ...]  # per hit: contains the evidence, whatever its document
    verdict: str
    latency_ms: float
    first_doc_hits: tuple[bool, ...] | None = None  # per hit: its first citation (not ``also_in``) is the gold document


def _first_cited(row: Scored) -> tuple[bool, ...]:
    return row.doc_hits if row.first_doc_hits is None else row.first_doc_hits


# A question's per-hit flags at each level: answers it (passage), from its gold document (doc), holds its evidence (text).
_FLAGS: dict[str, Callable[[Scored], tuple[bool, ...]]] = {
    "passage": lambda r: r.passage,
    "doc": lambda r: r.doc_hits,
    "text": lambda r: r.text_hits,
}


def _within(level: str, k: int) -> Callable[[Scored], bool]:
    """The test "a relevant hit at ``level`` is among the first ``k``" (one question's Recall@k)."""
    flags = _FLAGS[level]
    return lambda r: hit_at(flags(r), k)


def _share(rows: Sequence[Scored], test: Callable[[Scored], bool]) -> Ratio:
    return Ratio(sum(1 for r in rows if test(r)), len(rows))


def _mean(rows: Sequence[Scored], score: Callable[[Scored], float], found: Callable[[Scored], bool]) -> Ratio:
    """Mean of ``score``; its count is the number of questions where ``found`` holds."""
    mean = sum(score(r) for r in rows) / len(rows) if rows else None
    return Ratio(sum(1 for r in rows if found(r)), len(rows), mean)


def figures(rows: Sequence[Scored]) -> dict[str, Ratio]:
    """Every figure over ``rows``: retrieval ones over the answerable, not-found shares, by name."""
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    out: dict[str, Ratio] = {}
    for k in RECALL_KS:
        out[f"recall@{k}"] = _share(answerable, _within("passage", k))
    out[f"mrr@{DEPTH}"] = _mean(answerable, lambda r: reciprocal_rank(r.passage), lambda r: hit_at(r.passage, DEPTH))
    out[f"ndcg@{DEPTH}"] = _mean(answerable, lambda r: ndcg(r.passage), lambda r: hit_at(r.passage, DEPTH))
    for k in DOC_RECALL_KS:
        out[f"doc_recall@{k}"] = _share(answerable, _within("doc", k))
    out[f"doc_mrr@{DEPTH}"] = _mean(
        answerable, lambda r: reciprocal_rank(r.doc_hits), lambda r: hit_at(r.doc_hits, DEPTH)
    )
    out[f"doc_mrr_first_cited@{DEPTH}"] = _mean(
        answerable, lambda r: reciprocal_rank(_first_cited(r)), lambda r: hit_at(_first_cited(r), DEPTH)
    )
    for k in DOC_RECALL_KS:
        out[f"text_recall@{k}"] = _share(answerable, _within("text", k))
    out["not_found_on_unanswerable"] = _share(unanswerable, lambda r: r.verdict == NOT_FOUND)
    out["not_found_on_answerable"] = _share(answerable, lambda r: r.verdict == NOT_FOUND)
    return out


def recall_curve(rows: Sequence[Scored], level: str = "passage", depth: int = DEPTH) -> list[float | None]:
    """Recall@k for k = 1..depth over the answerable rows; ``level`` is passage, doc or text."""
    answerable = [r for r in rows if r.answerable]
    return [_share(answerable, _within(level, k)).value for k in range(1, depth + 1)]


def summarise(rows: Sequence[Scored]) -> dict:
    """The JSON figures of a group of questions: values at the top, ``counts`` beside them."""
    named = figures(rows)
    latencies = [r.latency_ms for r in rows]
    summary: dict = {name: _round(ratio.value) for name, ratio in named.items()}
    summary["latency_p50_ms"] = _round(percentile(latencies, 50), 1)
    summary["latency_p95_ms"] = _round(percentile(latencies, 95), 1)
    summary["n_answerable"] = sum(1 for r in rows if r.answerable)
    summary["n_unanswerable"] = sum(1 for r in rows if not r.answerable)
    summary["counts"] = {name: {"count": ratio.count, "total": ratio.total} for name, ratio in named.items()}
    return summary


def grouped(rows: Sequence[Scored], key: Callable[[Scored], str | None]) -> dict[str, dict]:
    """``summarise`` per group, groups sorted by name; rows whose key is None are left out."""
    groups: dict[str, list[Scored]] = {}
    for row in rows:
        name = key(row)
        if name is not None:
            groups.setdefault(name, []).append(row)
    return {name: summarise(groups[name]) for name in sorted(groups)}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
