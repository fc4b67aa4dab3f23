"""The SQLite store: documents, chunks, the float16 vectors of chunks and of their sentences, FTS5 tokens; one file.

Chunk ids are AUTOINCREMENT, never reused, so an id names one vector for the
life of the index: comparing id sets is enough to tell whether the FAISS file
matches this database.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

import numpy as np

from govqa.index.backend import DocumentStore
from govqa.index.codec import document_fields, stored_document
from govqa.index.errors import IndexUnavailableError
from govqa.index.manifest import now
from govqa.index.records import ChunkRecord, ChunkSentences, Facet
from govqa.index.stats import Counts
from govqa.index.store_queries import StoreQueries
from govqa.ingest.document import Chunk, Document

STORE_NAME = "store.sqlite"
# The columns of ``documents`` written as they are (``index.codec.document_fields``), in the INSERT's order.
_PLAIN_FIELDS = ("name", "source", "title", "year", "region", "region_path", "content_hash", "chars", "library")

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    year INTEGER,
    region TEXT,
    region_path TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    chars INTEGER NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',        -- JSON: the loader's metadata
    structure TEXT NOT NULL DEFAULT '{}',   -- JSON: sections and page starts, to re-chunk without the source file
    text TEXT NOT NULL,                     -- the cleaned text, for neighbours and re-chunking
    added_at TEXT NOT NULL,
    library TEXT NOT NULL DEFAULT ''        -- its library (文库); '' = the index's default (index.codec.LIBRARY)
);
CREATE INDEX IF NOT EXISTS documents_library ON documents(library);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    section TEXT NOT NULL DEFAULT '',
    page INTEGER,
    page_end INTEGER,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    UNIQUE (doc_id, position)
);
CREATE TABLE IF NOT EXISTS embeddings (
    chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    vector BLOB NOT NULL                    -- float16, the model's dimension
);
-- The sentences of each chunk (ingest.sentences): spans as JSON [[start, end], …] in the chunk's text,
-- their vectors as one float16 matrix: a row per span for the bare sentences, then a row per span
-- for the sentences in context (index.records.ChunkSentences).
CREATE TABLE IF NOT EXISTS chunk_sentences (
    chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    spans TEXT NOT NULL,
    vectors BLOB NOT NULL
);
-- jieba-segmented retrieval text, space-separated; rowid = chunk id.
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0');
"""


class Store(StoreQueries, DocumentStore):
    """One SQLite database in WAL mode: readers never wait for the (single, locked) writer.

    The local backend's document store (``DocumentStore``), and the source of truth
    its FTS5 table and FAISS mirror are kept equal to. ``dimension`` is the stored
    vectors' (the model's); the local backend changes it when the model changes.
    """

    def __init__(self, path: Path, dimension: int, create: bool = False):
        self.path = Path(path)
        self.dimension = dimension
        self._facets: tuple[int, int, list[Facet]] | None = None  # (data_version, highest document id, by name)
        if not create and not self.path.exists():
            raise IndexUnavailableError(
                f"{self.path} is missing: the index is damaged",
                "build it again with `govqa index add PATH… --index DIR`",
            )
        self._lock = threading.RLock()
        self._readers = threading.local()
        self._watch_lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None
        # A filter's chunk ids and the chunk count, by its documents, as of a data_version (``chunk_ids_for``).
        self._filter_ids: dict[frozenset[str], tuple[int, frozenset[int], int]] = {}
        try:
            self._conn = self._connect()
            if create:
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.executescript(SCHEMA)
            self._conn.execute("SELECT COUNT(*) FROM documents").fetchone()
            self._upgrade()
        except sqlite3.DatabaseError as exc:  # not a database, truncated, or not govqa's
            raise IndexUnavailableError(
                f"{self.path} is not a usable govqa store ({exc})",
                "build the index again: `govqa index add PATH… --index NEW_DIR`",
            ) from None

    def _upgrade(self) -> None:
        """Bring a store made by an earlier govqa up to this schema, in place: nothing is re-embedded.

        Stores made before libraries (issue 28) lack ``documents.library``: the column is added
        with '' (the index's default library) for every document; a constant-time ALTER, no row
        is rewritten. A read-only store cannot be upgraded: ``IndexUnavailableError`` says so.
        """
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(documents)")}
        if "library" in columns:
            return
        try:
            with self.transaction() as conn:
                conn.execute("ALTER TABLE documents ADD COLUMN library TEXT NOT NULL DEFAULT ''")
                conn.execute("CREATE INDEX IF NOT EXISTS documents_library ON documents(library)")
        except sqlite3.OperationalError as exc:
            raise IndexUnavailableError(
                f"{self.path} was made by an earlier govqa and needs a library column, which cannot be added ({exc})",
                "open it once from a folder this user may write (`govqa index stats --index DIR`)",
            ) from None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def close(self) -> None:
        """Close the writer's connection (readers' connections close with their threads)."""
        with self._lock:
            self._conn.close()
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()

    def data_version(self) -> int:
        """A number that changes whenever any other connection, of this process or another, commits.

        SQLite's ``PRAGMA data_version`` on a connection kept for this alone: it never
        writes, so every commit (this process's writer included) is another's, and it
        is only ever compared with itself (the values of two connections are unrelated).
        A few microseconds: a reader asks it before deciding to read anything else.
        """
        with self._watch_lock:
            if self._watch is None:
                self._watch = self._connect()
            return self._watch.execute("PRAGMA data_version").fetchone()[0]

    def read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Run a read on this thread's own connection: reads run in parallel, and never wait for a write (WAL)."""
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._readers.conn = self._connect()
        return conn.execute(sql, params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- writes (the caller holds the index's write lock) -------------------
    def replace_document(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        tokens: Sequence[str],
        sentences: Sequence[tuple[Sequence[tuple[int, int]], np.ndarray]],
    ) -> tuple[list[int], list[int]]:
        """Store a document with its chunks, float16 vectors, FTS tokens and sentences, replacing any of the same name.

        ``sentences`` holds, per chunk, its sentence spans and their vectors: (len(spans), dimension)
        bare, or (2 * len(spans), dimension), the bare ones then those in context.
        Returns (ids of the chunks it replaced, ids of its new chunks).
        """
        fields = document_fields(document)
        vectors = np.ascontiguousarray(vectors, dtype=np.float16)
        with self.transaction() as conn:
            old_ids = self._delete(conn, [document.name])
            cur = conn.execute(
                "INSERT INTO documents (name, source, title, year, region, region_path, content_hash, chars, library, "
                "meta, structure, text, added_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    *(fields[f] for f in _PLAIN_FIELDS),
                    json.dumps(fields["meta"], ensure_ascii=False),
                    json.dumps(fields["structure"], ensure_ascii=False),
                    document.text,
                    now(),
                ),
            )
            doc_id = cur.lastrowid
            new_ids: list[int] = []
            for chunk, vector, token_text, (spans, sentence_vectors) in zip(
                chunks, vectors, tokens, sentences, strict=True
            ):
                cur = conn.execute(
                    'INSERT INTO chunks (doc_id, position, text, section, page, page_end, start, "end") '
                    "VALUES (?,?,?,?,?,?,?,?)",
                    (
                        doc_id,
                        chunk.position,
                        chunk.text,
                        chunk.section_path,
                        chunk.page,
                        chunk.page_end,
                        chunk.start,
                        chunk.end,
                    ),
                )
                chunk_id = cur.lastrowid
                assert chunk_id is not None  # an INSERT that succeeded sets it
                new_ids.append(chunk_id)
                conn.execute("INSERT INTO embeddings (chunk_id, vector) VALUES (?, ?)", (chunk_id, vector.tobytes()))
                conn.execute("INSERT INTO fts (rowid, tokens) VALUES (?, ?)", (chunk_id, token_text))
                conn.execute(
                    "INSERT INTO chunk_sentences (chunk_id, spans, vectors) VALUES (?, ?, ?)",
                    (
                        chunk_id,
                        json.dumps([list(s) for s in spans]),
                        np.ascontiguousarray(sentence_vectors, dtype=np.float16).tobytes(),
                    ),
                )
        return old_ids, new_ids

    def move_documents(self, names: Sequence[str], library: str) -> int:
        """File documents under ``library`` (the column and the meta's copy), nothing else touched; returns how many."""
        with self.transaction() as conn:
            return conn.execute(
                "UPDATE documents SET library = ?, meta = json_set(meta, '$.library', ?) "
                "WHERE name IN (SELECT value FROM json_each(?))",
                (library, library, json.dumps(list(names))),
            ).rowcount

    def chunk_ids_for(self, documents: frozenset[str]) -> tuple[frozenset[int], int]:
        """(ids of the chunks of ``documents``, how many chunks the store holds), remembered until the next
        commit: a reader's filter (its libraries) repeats from one question to the next, and reading the ids
        of thousands of chunks again each time cost more than the search (bench/search_latency.py --libraries)."""
        version = self.data_version()
        seen = self._filter_ids.get(documents)
        if seen is not None and seen[0] == version:
            return seen[1], seen[2]
        ids = frozenset(self.chunk_ids_of(sorted(documents)))
        total = self.read("SELECT COUNT(*) FROM chunks")[0][0]
        if len(self._filter_ids) >= 16:  # a few filters are in use at once; bound it anyway
            self._filter_ids = {}
        self._filter_ids[documents] = (version, ids, total)
        return ids, total

    def libraries(self) -> dict[str, str]:
        """Document name → its library ("" for the default), one read of an index."""
        return dict(self.read("SELECT name, library FROM documents"))

    def remove_documents(self, names: Sequence[str]) -> tuple[int, list[int]]:
        """Delete documents by name with all their rows; returns (documents removed, their chunk ids)."""
        with self.transaction() as conn:
            found = conn.execute(
                "SELECT COUNT(*) FROM documents WHERE name IN (SELECT value FROM json_each(?))",
                (json.dumps(list(names)),),
            ).fetchone()[0]
            return found, self._delete(conn, names)

    @staticmethod
    def _delete(conn: sqlite3.Connection, names: Sequence[str]) -> list[int]:
        selected = "SELECT id FROM documents WHERE name IN (SELECT value FROM json_each(?))"
        names_json = json.dumps(list(names))
        ids = [r[0] for r in conn.execute(f"SELECT id FROM chunks WHERE doc_id IN ({selected})", (names_json,))]
        if ids:
            ids_json = json.dumps(ids)
            for table, column in (
                ("fts", "rowid"),
                ("embeddings", "chunk_id"),
                ("chunk_sentences", "chunk_id"),
                ("chunks", "id"),
            ):
                conn.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))", (ids_json,))
        conn.execute("DELETE FROM documents WHERE name IN (SELECT value FROM json_each(?))", (names_json,))
        return ids

    # -- reads ---------------------------------------------------------------
    def content_hash(self, name: str) -> str | None:
        """The stored content hash of document ``name``, or None when it is not indexed."""
        rows = self.read("SELECT content_hash FROM documents WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def embedding_ids(self) -> np.ndarray:
        """Ids of every chunk that has a stored vector, as int64."""
        return np.array([r[0] for r in self.read("SELECT chunk_id FROM embeddings")], dtype=np.int64)

    def embedding_ids_after(self, after: int) -> tuple[int, np.ndarray]:
        """(how many chunks are stored, the ids above ``after`` that have a stored vector, int64 ascending).

        Ids are never reused, so the ids above the highest one a reader holds are
        exactly the chunks added since: a range of the primary key, not a scan. The
        count is of the small (document, position) index. One statement, so both are of one moment.
        """
        rows = self.read(
            "SELECT (SELECT COUNT(*) FROM chunks), NULL UNION ALL "
            "SELECT NULL, chunk_id FROM embeddings WHERE chunk_id > ?",
            (int(after),),
        )
        count = next(r[0] for r in rows if r[0] is not None)
        return count, np.array(sorted(r[1] for r in rows if r[1] is not None), dtype=np.int64)

    def iter_embeddings(
        self, dimension: int, ids: Iterable[int] | None = None, batch: int = 20000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Stored vectors as (ids int64, float32 matrix) batches, all of them or only ``ids`` (ints or an int array)."""
        wanted = None if ids is None else [int(i) for i in ids]
        last = -1
        while True:
            if wanted is None:
                rows = self.read(
                    "SELECT chunk_id, vector FROM embeddings WHERE chunk_id > ? ORDER BY chunk_id LIMIT ?",
                    (last, batch),
                )
            else:
                part, wanted = wanted[:batch], wanted[batch:]
                rows = (
                    self.read(
                        "SELECT chunk_id, vector FROM embeddings WHERE chunk_id IN "
                        "(SELECT value FROM json_each(?)) ORDER BY chunk_id",
                        (json.dumps(part),),
                    )
                    if part
                    else []
                )
            if not rows:
                return
            last = rows[-1][0]
            matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16).reshape(len(rows), dimension)
            yield np.array([r[0] for r in rows], dtype=np.int64), matrix.astype(np.float32)

    def chunk_sentences(self, ids: Sequence[int]) -> dict[int, ChunkSentences]:
        """The stored sentences of the chunks with these ids (ids no longer stored are left out)."""
        rows = self.read(
            "SELECT s.chunk_id, c.start, s.spans, s.vectors FROM chunk_sentences s "
            "JOIN chunks c ON c.id = s.chunk_id WHERE s.chunk_id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in ids]),),
        )
        out = {}
        for chunk_id, start, spans, blob in rows:
            spans = tuple((a, b) for a, b in json.loads(spans))
            vectors = np.frombuffer(blob, dtype=np.float16).reshape(-1, self.dimension).astype(np.float32)
            bare, context = vectors[: len(spans)], vectors[len(spans) :]
            out[chunk_id] = ChunkSentences(chunk_id, start, spans, bare, context if len(context) else None)
        return out

    def generation(self) -> int | None:
        return self.data_version()

    def facets(self) -> list[Facet]:
        """By name; read whole once (one scan), then only the documents added since (unless some were removed).

        During a long upload every question comes after another commit: reading every
        document's row again each time made questions slower the more rows were in.
        """
        version = self.data_version()  # before reading: a commit after it is seen next time
        seen = self._facets
        if seen is not None and seen[0] == version:
            return seen[2]
        count, top, added = self.facets_after(seen[1] if seen is not None else 0)
        if seen is None and len(added) == count:  # the first read: every row came
            rows = sorted(added, key=itemgetter(0))
        elif seen is not None and len(seen[2]) + len(added) == count:
            rows = sorted(seen[2] + added, key=itemgetter(0)) if added else seen[2]
        else:  # some were removed or replaced
            rows = self.all_facets()
        self._facets = (version, top, rows)
        return rows

    def stored_chunks(self, name: str) -> tuple[list[ChunkRecord], np.ndarray, list[ChunkSentences]]:
        ids = sorted(self.chunk_ids_of([name]))
        records = sorted(self.chunk_records(ids).values(), key=lambda r: r.position)
        ordered = [r.id for r in records]
        by_id = {
            int(i): v
            for ids, batch in self.iter_embeddings(self.dimension, ordered)
            for i, v in zip(ids, batch, strict=True)
        }
        vectors = np.array([by_id[i] for i in ordered], dtype=np.float16).reshape(len(ordered), self.dimension)
        sentences = self.chunk_sentences(ordered)
        return records, vectors, [sentences[i] for i in ordered]

    def counts(self) -> Counts:
        """Numbers of documents, chunks, stored chunk vectors and stored sentence vectors."""
        docs, chunks, vectors, sentences = self.read(
            "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM chunks), "
            "(SELECT COUNT(*) FROM embeddings), "
            "(SELECT COALESCE(SUM(json_array_length(spans)), 0) FROM chunk_sentences)"
        )[0]
        return {"documents": docs, "chunks": chunks, "vectors": vectors, "sentences": sentences}

    def stored_documents(self) -> Iterator[Document]:
        """Every stored document rebuilt as an ingest ``Document`` (to re-chunk and re-embed it)."""
        names = [r[0] for r in self.read("SELECT name FROM documents ORDER BY id")]
        for name in names:
            rows = self.read(
                "SELECT name, source, title, year, region, text, content_hash, meta, structure "
                "FROM documents WHERE name = ?",
                (name,),
            )
            if not rows:
                continue
            name, source, title, year, region, text, content_hash, meta, structure = rows[0]
            fields = {"name": name, "source": source, "title": title, "year": year, "region": region}
            fields |= {"content_hash": content_hash, "meta": json.loads(meta), "structure": json.loads(structure)}
            yield stored_document(fields, text)

    def tokens_of(self, chunk_id: int) -> str | None:
        """The FTS tokens stored for a chunk (for inspection and tests)."""
        rows = self.read("SELECT tokens FROM fts WHERE rowid = ?", (chunk_id,))
        return rows[0][0] if rows else None
