"""The local backend's keyword index: SQLite FTS5 over the chunks' jieba tokens, inside the store."""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Callable

from govqa.index import bm25
from govqa.index.backend import KeywordIndex
from govqa.index.backends.fts5_scope import Fts5Scope
from govqa.index.keyword import match_expression, query_tokens
from govqa.index.records import ChunkFilter
from govqa.index.store import Store
from govqa.index.widen import kept, widened

_ALL = "SELECT rowid, -bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?"
_OF_DOCUMENTS = (
    "SELECT fts.rowid, -bm25(fts) FROM fts JOIN chunks c ON c.id = fts.rowid "
    "JOIN documents d ON d.id = c.doc_id WHERE fts MATCH ? AND d.name IN "
    "(SELECT value FROM json_each(?)) ORDER BY bm25(fts) LIMIT ?"
)


class Fts5Keywords(KeywordIndex):
    """BM25 (FTS5's ``bm25()``: k1 1.2, b 0.75) over the ``fts`` table the store writes with each document.

    The tokens are written in the store's own transaction, so keyword search
    is always in step with the documents: nothing to repair after a crash.
    """

    def __init__(self, store: Store, scope: Fts5Scope | None = None):
        """``scope``: the statistics of scoped searches (``ChunkFilter.scope``), shared with another role of
        the same store (tantivy's); made here when not given."""
        self.store = store
        self.scope = scope or Fts5Scope(store)

    def keyword_search(self, query: str, k: int, where: ChunkFilter | None = None) -> list[tuple[int, float]]:
        tokens = query_tokens(query)
        if where is None or where.scope is None:
            return self.search_match(match_expression(tokens), k, where)
        return scoped(self.scope, tokens, k, where, lambda n: self.search_match(match_expression(tokens), n, where))

    def search_match(self, match: str, k: int, where: ChunkFilter | None = None) -> list[tuple[int, float]]:
        """(chunk id, BM25 score, higher better) for an FTS5 MATCH expression (``keyword.match_expression``)."""
        if not match or k <= 0 or (where is not None and where.allows_nothing):
            return []
        if where is None or where.documents is None:
            rows = self.store.read(_ALL, (match, k))
        else:
            ids, total = self.store.chunk_ids_for(where.documents)
            wide = widened(k, len(ids), total)
            if wide:  # a broad filter (a reader's libraries): filtered after an unfiltered search (``widened``)
                passing = kept([(int(i), float(s)) for i, s in self.store.read(_ALL, (match, wide))], ids, k, wide)
                if passing is not None:
                    return passing
            rows = self.store.read(_OF_DOCUMENTS, (match, json.dumps(sorted(where.documents)), k))
        return [(int(i), float(s)) for i, s in rows]


def scoped(
    scope: Fts5Scope,
    tokens: list[str],
    k: int,
    where: ChunkFilter,
    search: Callable[[int], list[tuple[int, float]]],
    slack: float = 1e-9,
) -> list[tuple[int, float]]:
    """The ``k`` best chunks ``where`` allows, scored by BM25 with the statistics of ``where.scope`` (``index.bm25``).

    ``search(n)`` gives the engine's own ``n`` best under the filter, scored with the whole index's
    statistics, best first: the pool, ``bm25.pool_size(k)`` of them first. They are rescored in
    that order until one's whole-index score, raised by ``slack`` (the engine's relative error),
    bounds its scope score (``bm25.Bound``) below the k-th best rescored so far: no chunk after it
    can enter. When the pool runs out first and the engine had more, only a chunk holding one of a
    few phrases (those the scope weighs far more than the whole index: ``Bound.risky``) still can:
    the chunks holding them are rescored when they are few (at most ``bm25.DEEPER`` pools), else a
    pool ``bm25.DEEPER`` times deeper is searched and rescored the same way. Exact either way.
    """
    assert where.scope is not None
    wanted = bm25.phrases(tokens)
    if not wanted or k <= 0 or where.allows_nothing:
        return []
    inside, whole = scope.statistics(where.scope, wanted)
    if not inside.chunks:
        return []
    bound, weights, average = bm25.Bound(wanted, inside, whole), inside.weights(wanted), inside.average
    best: list[tuple[float, int]] = []  # a min-heap of (score, -chunk id): its first is the k-th best
    scored: set[int] = set()

    def rescore(hits: list[tuple[int, float]]) -> bool:
        """Rescore ``hits`` (whole-index scores, best first; inf: unknown) until one cannot enter; True if one could not."""
        for at in range(0, len(hits), _BLOCK):
            block = hits[at : at + _BLOCK]
            texts = scope.pool(i for i, _ in block)
            for chunk_id, engine_score in block:
                if len(best) >= k and bound(engine_score * (1 + slack)) < best[0][0]:
                    return True
                scored.add(chunk_id)
                text, length = texts.get(chunk_id, ("", 0))
                value = bm25.score(text, length, wanted, weights, average)
                if value > 0:
                    (heapq.heappush if len(best) < k else heapq.heappushpop)(best, (value, -chunk_id))
        return False

    depth = bm25.pool_size(k)
    while True:
        hits = search(depth)
        if rescore([hit for hit in hits if hit[0] not in scored]) or len(hits) < depth:
            return _best_first(best)
        kth = best[0][0] if len(best) >= k else 0.0  # fewer than k (a chunk removed meanwhile): any may enter
        risky = [wanted[i] for i in bound.risky(hits[-1][1] * (1 + slack), kth)]
        holding = scope.holding(where.scope, risky, where.documents, limit=bm25.DEEPER * depth)
        if holding is not None:
            rescore([(i, math.inf) for i in sorted(holding - scored)])
            return _best_first(best)
        depth *= bm25.DEEPER


_BLOCK = 64  # chunks whose token texts are read at once while rescoring


def _best_first(heap: list[tuple[float, int]]) -> list[tuple[int, float]]:
    return [(-negative, value) for value, negative in sorted(heap, key=lambda e: (-e[0], -e[1]))]
