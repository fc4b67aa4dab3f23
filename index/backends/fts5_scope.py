"""The local backend's BM25 statistics of a scope of documents, read from the store's FTS5 table (``index.bm25``).

Both local keyword roles (FTS5, tantivy) hold the same tokens, and FTS5 is
always written: a scoped search (``ChunkFilter.scope``) takes its pool from
the role's engine and its statistics from here. What it reads, and keeps until
the next commit (``Store.data_version``):

- each chunk's length in tokens, from FTS5's own ``fts_docsize`` (one varint
  per chunk), read once per chunk: after a commit only the new chunks' (ids
  are never reused);
- the whole index's chunk count and total length, from FTS5's averages
  record (``fts_data`` row 1: what ``bm25()`` itself reads);
- per scope (a frozenset of document names): its chunk count and total
  length, and each phrase's document frequency in it and in the whole index,
  counted the first time a question asks it (the chunks holding the phrase,
  from FTS5, kept when in the scope's chunk ids: 0.6 ms a phrase on average
  at 11,703 chunks), with the ids of the scope's chunks holding it when they
  are few (``HELD``: what continues a pool that ran out, ``scoped``).
"""

from __future__ import annotations

import heapq
import json
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter

from govqa.index import bm25
from govqa.index.bm25 import Phrase, Statistics
from govqa.index.records import ChunkFilter
from govqa.index.store import Store

HELD = 1024  # a phrase in at most this many chunks of a scope keeps their ids (``Fts5Scope.holding``)
SCOPES = 16  # scopes remembered at once (a few readers' selections are in use); more are forgotten, all at once


def _varints(blob: bytes) -> list[int]:
    """The SQLite varints of ``blob`` (FTS5's docsize: a chunk's token count; its averages: rows, then tokens)."""
    out, value = [], 0
    for byte in blob:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            out.append(value)
            value = 0
    return out


def phrase_match(phrase: Phrase) -> str:
    """An FTS5 MATCH expression for one phrase (its tokens, quoted)."""
    return '"' + " ".join(phrase).replace('"', '""') + '"'


class _Scope:
    """One scope's statistics at one ``data_version``: chunk ids, total length, and per phrase its document
    frequency in the scope and in the whole index, and the ids of the scope's chunks holding it when they
    are at most ``HELD`` (else None)."""

    def __init__(self, version: int, ids: frozenset[int], tokens: int):
        self.version = version
        self.ids = ids
        self.tokens = tokens
        self.doc_freqs: dict[Phrase, tuple[int, int, frozenset[int] | None]] = {}


class Fts5Scope:
    """BM25 statistics and pools' token texts for scoped searches of one ``Store``; safe on any thread."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._lengths: dict[int, int] = {}  # chunk id → tokens (ids of removed chunks linger: harmless)
        self._lengths_at: int | None = None  # the data_version ``_lengths`` holds every chunk of
        self._last_id = 0  # the highest chunk id in ``_lengths``
        self._whole: tuple[int, int, int] | None = None  # (data_version, chunks, tokens) of the whole index
        self._scopes: dict[frozenset[str], _Scope] = {}

    def statistics(self, documents: frozenset[str], wanted: Sequence[Phrase]) -> tuple[Statistics, Statistics]:
        """(of the chunks of ``documents``, of the whole index): N, total length and the ``wanted`` phrases'
        document frequencies, as FTS5's ``bm25()`` counts them."""
        scope = self._scope(documents)
        for phrase in wanted:
            if phrase not in scope.doc_freqs:  # outside any lock: a race only counts twice
                rows = self.store.read("SELECT rowid FROM fts WHERE fts MATCH ?", (phrase_match(phrase),))
                inside = scope.ids.intersection(map(itemgetter(0), rows))
                held = frozenset(inside) if len(inside) <= HELD else None
                scope.doc_freqs[phrase] = (len(inside), len(rows), held)
        freqs = {p: scope.doc_freqs[p] for p in wanted}
        chunks, tokens = self._whole_counts()
        return (
            Statistics(len(scope.ids), scope.tokens, {p: f[0] for p, f in freqs.items()}),
            Statistics(chunks, tokens, {p: f[1] for p, f in freqs.items()}),
        )

    def holding(
        self, scope: frozenset[str], wanted: Sequence[Phrase], documents: frozenset[str] | None, limit: int
    ) -> frozenset[int] | None:
        """Ids of the chunks of ``documents`` (None: of every document in ``scope``) holding any phrase of ``wanted``
        (phrases ``statistics`` counted for ``scope``), or None when they may be more than ``limit``. Read from what
        ``statistics`` kept: nothing is searched."""
        counted = self._scope(scope).doc_freqs
        found: set[int] = set()
        for phrase in wanted:
            held = counted[phrase][2] if phrase in counted else None
            if held is None:
                return None
            found |= held
        if documents is not None and documents != scope:
            found &= self.store.chunk_ids_for(documents)[0]
        return frozenset(found) if len(found) <= limit else None

    def pool(self, ids: Iterable[int]) -> dict[int, tuple[str, int]]:
        """Chunk id → (token text, length in tokens) of the stored chunks among ``ids``."""
        wanted = [int(i) for i in ids]
        if not wanted:
            return {}
        lengths = self._current_lengths()
        rows = self.store.read(
            "SELECT rowid, tokens FROM fts WHERE rowid IN (SELECT value FROM json_each(?))", (json.dumps(wanted),)
        )
        return {int(i): (str(text), lengths.get(int(i), 0)) for i, text in rows}

    def _scope(self, documents: frozenset[str]) -> _Scope:
        version = self.store.data_version()
        scope = self._scopes.get(documents)
        if scope is not None and scope.version == version:
            return scope
        ids, _total = self.store.chunk_ids_for(documents)
        lengths = self._current_lengths()
        scope = _Scope(version, ids, sum(map(lengths.get, ids, (0,) * len(ids))))
        with self._lock:
            if len(self._scopes) >= SCOPES:
                self._scopes = {}
            self._scopes[documents] = scope
        return scope

    def _whole_counts(self) -> tuple[int, int]:
        """(rows, tokens) of the whole FTS5 table: its averages record (``fts_data`` row 1), which ``bm25()`` reads."""
        version = self.store.data_version()
        whole = self._whole
        if whole is None or whole[0] != version:
            rows = self.store.read("SELECT block FROM fts_data WHERE id = 1")
            counts = (_varints(rows[0][0]) if rows and rows[0][0] else []) + [0, 0]
            whole = self._whole = (version, counts[0], counts[1])
        return whole[1], whole[2]

    def _current_lengths(self) -> dict[int, int]:
        """Every stored chunk's length, brought up to the store's current ``data_version`` (new chunks read)."""
        version = self.store.data_version()
        if self._lengths_at == version:
            return self._lengths
        with self._lock:
            if self._lengths_at != version:  # added in place (readers only look up), from the last id read on
                rows = self.store.read("SELECT id, sz FROM fts_docsize WHERE id > ?", (self._last_id,))
                self._lengths.update((int(i), _varints(sz)[0]) for i, sz in rows)
                self._last_id = max(self._last_id, int(rows[-1][0])) if rows else self._last_id
                self._lengths_at = version
        return self._lengths


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
