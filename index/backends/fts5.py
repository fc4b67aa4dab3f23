"""The local backend's keyword index: SQLite FTS5 over the chunks' jieba tokens, inside the store."""

from __future__ import annotations

import json

from govqa.index.backend import KeywordIndex
from govqa.index.backends.fts5_scope import Fts5Scope, scoped
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
        match = match_expression(tokens)
        if where is None or where.scope is None:
            return self.search_match(match, k, where)
        return scoped(self.scope, tokens, k, where, lambda n: self.search_match(match, n, where))

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
