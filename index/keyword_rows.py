"""Read-only queries over the store for the keyword index (``index.backends.keyword_index``) to compare and repair itself.

SQLite is the source of truth: every chunk has a row in ``chunks`` and its
keyword tokens (``index.keyword.index_text`` of its retrieval text) in the
FTS5 table ``fts`` under the same id. Chunk ids are AUTOINCREMENT and never
reused. Every function reads through ``Store.read`` (this thread's own
connection: WAL, so it never waits for a writer) and takes ids as ints.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from govqa.index.store import Store

BATCH = 5000  # rows a statement when reading token texts

# The rows the keyword index holds for chunks: (chunk id, document name, token text).
_ROWS_SQL = (
    "SELECT c.id, d.name, f.tokens FROM chunks c JOIN documents d ON d.id = c.doc_id "
    "JOIN fts f ON f.rowid = c.id WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.id"
)


def fingerprint(store: Store) -> tuple[int, int, int]:
    """(how many chunks, the highest chunk id or 0, the sum of chunk ids) of the store, of one moment."""
    count, top, total = store.read("SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(id), 0) FROM chunks")[0]
    return int(count), int(top), int(total)


def range_summary(store: Store, low: int, high: int) -> tuple[int, int]:
    """(how many chunks, the sum of their ids) with ids in ``low``…``high`` (inclusive): a range of the primary key."""
    count, total = store.read(
        "SELECT COUNT(*), COALESCE(SUM(id), 0) FROM chunks WHERE id BETWEEN ? AND ?", (low, high)
    )[0]
    return int(count), int(total)


def ids_between(store: Store, low: int, high: int) -> list[int]:
    """The chunk ids in ``low``…``high`` (inclusive), ascending."""
    return [int(r[0]) for r in store.read("SELECT id FROM chunks WHERE id BETWEEN ? AND ? ORDER BY id", (low, high))]


def keyword_rows(store: Store, ids: Sequence[int]) -> Iterator[list[tuple[int, str, str]]]:
    """(chunk id, document name, token text) of the stored chunks among ``ids``, in batches of up to ``BATCH``.

    Ids no longer stored are left out. A chunk without a token row (none is
    written without one) would be left out too.
    """
    wanted = sorted({int(i) for i in ids})
    for at in range(0, len(wanted), BATCH):
        rows = store.read(_ROWS_SQL, (json.dumps(wanted[at : at + BATCH]),))
        if rows:
            yield [(int(i), str(name), str(tokens)) for i, name, tokens in rows]


def all_keyword_rows(store: Store) -> Iterator[list[tuple[int, str, str]]]:
    """(chunk id, document name, token text) of every stored chunk, ascending by id, in batches of up to ``BATCH``."""
    last = 0
    while True:
        rows = store.read(
            "SELECT c.id, d.name, f.tokens FROM chunks c JOIN documents d ON d.id = c.doc_id "
            "JOIN fts f ON f.rowid = c.id WHERE c.id > ? ORDER BY c.id LIMIT ?",
            (last, BATCH),
        )
        if not rows:
            return
        last = int(rows[-1][0])
        yield [(int(i), str(name), str(tokens)) for i, name, tokens in rows]
