"""The Milvus backend: documents, chunks, vectors, BM25 and sentence vectors in Milvus 2.5 (a cluster or Milvus Lite).

Nothing a search needs lives on one server's disk: two ``govqa serve``
processes pointed at one Milvus see each other's uploads. The index folder
keeps only the manifest and the write lock. Collections are described in
``index.backends.milvus_schema``; see docs/scale.md for deployment.

Keyword search is Milvus's own BM25 over exactly the tokens the local
backend's FTS5 table holds: the retrieval text folded (NFKC, simplified
characters) and cut by ``index.keyword.index_text`` (jieba search mode, so
"生产总值" is also found by 生产 and 总值; stopwords out), which Milvus splits on
whitespace; queries go through ``index.keyword.query_tokens``. Fed the raw
text, Milvus's own jieba kept whole words only (seed-dev Recall@5 0.82);
re-cutting govqa's tokens with it moved reports-111 Recall@5 to 0.933
(local 0.956, whitespace 0.978). Filters by document become ``doc in [...]``
expressions evaluated by Milvus.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from pymilvus import MilvusClient
from pymilvus.exceptions import MilvusException

from govqa.index.backend import Backend, DenseIndex, DocumentStore, KeywordIndex, SentenceRows
from govqa.index.backends.milvus_schema import CHUNKS, DOCUMENTS, PART_CHARS, SENTENCES, ensure_collections
from govqa.index.codec import chunk_record, document_fields, document_info, stored_document
from govqa.index.errors import IndexMismatchError, IndexUnavailableError
from govqa.index.keyword import index_text, query_tokens
from govqa.index.manifest import now
from govqa.index.records import ChunkFilter, ChunkRecord, ChunkSentences, DocumentInfo
from govqa.index.settings import IndexConfig, MilvusConfig
from govqa.index.stats import BackendStats, Counts
from govqa.ingest.document import Chunk, Document

logging.getLogger("pymilvus").setLevel(logging.ERROR)  # its iterators warn about timestamps at every call

LITE_FILE = "milvus.db"
# Milvus answers at most this many rows or hits per request (its queryNode.maxQueryResultWindow / topK limit).
MAX_WINDOW = 16_384
BATCH_IDS = 1_000
# Chunk ids stay below 2^53 so that they survive JSON in a browser; random, and checked for collisions.
ID_BITS = 53

_RECORD_FIELDS = [
    "id", "doc", "title", "year", "region", "region_path", "text", "section",
    "page", "page_end", "start", "end", "position",
]  # fmt: skip
_SENTENCE_FIELDS = ["chunk", "seq", "start", "end", "vector", "context"]
_DOCUMENT_FIELDS = [
    "name", "title", "year", "region", "region_path", "chunks", "chars", "added_at", "content_hash", "source",
]  # fmt: skip


def literal(value: str) -> str:
    """A Milvus expression string literal: double-quoted with JSON escapes (Milvus Lite has no expression templates)."""
    return json.dumps(value, ensure_ascii=False)


def quoted(values: Sequence) -> str:
    """A Milvus expression list literal of strings or ints."""
    return json.dumps([v if isinstance(v, str) else int(v) for v in values], ensure_ascii=False)


def lite_uri(directory: Path, config: MilvusConfig) -> str:
    """The server's URI, or for Milvus Lite the database file (by default ``DIR/milvus.db``)."""
    if not config.uri:
        return str(Path(directory) / LITE_FILE)
    return config.uri


def vector_index(uri: str, config: MilvusConfig) -> str:
    """The index Milvus builds on the chunk vectors: ``[index.milvus] index_type``, or FLAT (exact) for a Milvus
    Lite file and AUTOINDEX (HNSW tuned by Milvus) for a server. Milvus Lite builds FLAT, IVF_FLAT or AUTOINDEX."""
    return config.index_type or ("FLAT" if is_lite(uri) else "AUTOINDEX")


def is_lite(uri: str) -> bool:
    """Milvus Lite is a local file path ending in ``.db`` (pymilvus's rule); anything else is a server."""
    return uri.endswith(".db") and "://" not in uri


class MilvusBackend(Backend, DocumentStore, DenseIndex, KeywordIndex):
    """An index whose data lives in Milvus collections ``{collection}_chunks``, ``_sentences``, ``_documents``.

    ``IndexUnavailableError`` when the server cannot be reached. A document
    is written chunks and sentences first, its document rows (with the new
    content hash) next, and its old chunks deleted last: a reader sees the
    old and new chunks together for that moment, never neither.
    """

    name = "milvus"
    store: MilvusBackend
    dense: MilvusBackend
    keyword: MilvusBackend

    @classmethod
    def from_config(
        cls, directory: Path, config: IndexConfig, dimension: int, faiss_factory: str, create: bool = False
    ) -> MilvusBackend:
        return cls(directory, config.milvus, dimension, create=create)

    @classmethod
    def location(cls, config: IndexConfig) -> str:
        """The collection prefix: one Milvus holds many indexes."""
        return config.milvus.collection

    @classmethod
    def at_location(cls, config: IndexConfig, location: str) -> IndexConfig:
        return replace(config, milvus=replace(config.milvus, collection=location or config.milvus.collection))

    @classmethod
    def cache_key(cls, config: IndexConfig) -> dict:
        return {"backend": cls.name, "collection": config.milvus.collection}  # the key it had before the seam

    def __init__(self, directory: Path, config: MilvusConfig, dimension: int, create: bool = False):
        self.uri = lite_uri(directory, config)
        self.prefix = config.collection
        self.dimension = dimension
        self.store = self.dense = self.keyword = self  # one class plays the three roles
        try:
            self.client = MilvusClient(uri=self.uri, token=config.token, timeout=config.timeout)
            self.names = ensure_collections(
                self.client, self.prefix, dimension, create, is_lite(self.uri), vector_index(self.uri, config)
            )
        except IndexMismatchError as exc:
            raise IndexMismatchError(f"Milvus at {self.uri}: {exc.message}", exc.fix) from None
        except MilvusException as exc:
            raise IndexUnavailableError(
                f"cannot use Milvus at {self.uri} ({exc.message})",
                "is it running and reachable, and does it accept the [index.milvus] settings? see docs/scale.md",
            ) from None

    # -- small helpers -------------------------------------------------------
    def _query(self, kind: str, filter: str, fields: list[str], limit: int = MAX_WINDOW) -> list[dict]:
        return list(self.client.query(self.names[kind], filter=filter, output_fields=fields, limit=limit))

    def _scan(self, kind: str, filter: str, fields: list[str]) -> Iterator[dict]:
        """Every row matching ``filter``, however many (a query iterator, 4,096 rows a batch)."""
        iterator = self.client.query_iterator(self.names[kind], batch_size=4096, filter=filter, output_fields=fields)
        try:
            while batch := iterator.next():
                yield from batch
        finally:
            iterator.close()

    def _count(self, kind: str, filter: str = "") -> int:
        return int(self.client.query(self.names[kind], filter=filter, output_fields=["count(*)"])[0]["count(*)"])

    def _new_ids(self, n: int) -> list[int]:
        ids: set[int] = set()
        while len(ids) < n:
            fresh = {int.from_bytes(os.urandom(8), "big") >> (64 - ID_BITS) for _ in range(n - len(ids))} - ids
            taken = {r["id"] for r in self._query(CHUNKS, f"id in {quoted(sorted(fresh))}", ["id"])}
            ids |= fresh - taken - {0}
        return sorted(ids)

    # -- writing -------------------------------------------------------------
    def replace_document(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        texts: Sequence[str],
        sentences: SentenceRows,
    ) -> None:
        name = document.name
        old = sorted(self.chunk_ids_of([name]))
        ids = self._new_ids(len(chunks))
        meta = {"year": document.year or 0, "title": document.title, "region": document.region or ""}
        meta["region_path"] = document.meta.get("region_path", "")
        chunk_rows, sentence_rows = [], []
        for chunk_id, chunk, vector, text, (spans, sentence_vectors) in zip(
            ids, chunks, vectors, texts, sentences, strict=True
        ):
            chunk_rows.append(
                {
                    "id": chunk_id,
                    "doc": name,
                    "position": chunk.position,
                    "text": chunk.text,
                    "search_text": index_text(text),
                    "vector": np.asarray(vector, dtype=np.float32).tolist(),
                    "section": chunk.section_path,
                    "page": chunk.page or 0,
                    "page_end": chunk.page_end or 0,
                    "start": chunk.start,
                    "end": chunk.end,
                    **meta,
                }
            )
            sentence_vectors = np.asarray(sentence_vectors, dtype=np.float16)
            bare, context = sentence_vectors[: len(spans)], sentence_vectors[len(spans) :]
            if not len(context):
                context = bare  # rows given without vectors in context (SentenceRows): they rank as the bare ones
            for seq, ((a, b), vector, in_context) in enumerate(zip(spans, bare, context, strict=True)):
                sentence_rows.append(
                    {
                        "chunk": chunk_id,
                        "doc": name,
                        "seq": seq,
                        "start": a,
                        "end": b,
                        "vector": vector,
                        "context": in_context,
                    }
                )
        if chunk_rows:
            self.client.insert(self.names[CHUNKS], chunk_rows)
        for at in range(0, len(sentence_rows), 4096):
            self.client.insert(self.names[SENTENCES], sentence_rows[at : at + 4096])
        parts = self._document_rows(document, len(chunks))
        self.client.upsert(self.names[DOCUMENTS], parts)  # the commit: its content hash says it is indexed
        self.client.delete(self.names[DOCUMENTS], filter=f"name == {literal(name)} and part >= {len(parts)}")
        self._delete_chunks(old)

    def _document_rows(self, document: Document, chunks: int) -> list[dict]:
        text = document.text
        first: dict[str, object] = {**document_fields(document), "chunks": chunks, "added_at": now()}
        del first["name"]
        del first["library"]  # kept in meta: a field added to an existing collection would need it made again
        first.update(year=document.year or 0, region=document.region or "")  # Milvus fields are not nullable
        blank: dict[str, object] = {key: "" if isinstance(value, str) else 0 for key, value in first.items()}
        blank.update(meta={}, structure={})
        return [
            {
                "key": f"{part}:{document.name}",
                "name": document.name,
                "part": part,
                "text": text[at : at + PART_CHARS],
                "placeholder": [0.0, 0.0],
                **(first if part == 0 else blank),
            }
            for part, at in enumerate(range(0, max(len(text), 1), PART_CHARS))
        ]

    def _delete_chunks(self, ids: Sequence[int]) -> None:
        for at in range(0, len(ids), BATCH_IDS):
            part = quoted(ids[at : at + BATCH_IDS])
            self.client.delete(self.names[SENTENCES], filter=f"chunk in {part}")
            self.client.delete(self.names[CHUNKS], filter=f"id in {part}")

    def remove_documents(self, names: Sequence[str]) -> int:
        names = list(names)
        found = self._count(DOCUMENTS, f"part == 0 and name in {quoted(names)}")
        if found:
            self.client.delete(self.names[DOCUMENTS], filter=f"name in {quoted(names)}")
            self.client.delete(self.names[SENTENCES], filter=f"doc in {quoted(names)}")
            self.client.delete(self.names[CHUNKS], filter=f"doc in {quoted(names)}")
        return found

    def save(self) -> None:
        for name in self.names.values():
            self.client.flush(name)

    def defer_vectors(self, dimension: int) -> None:
        if dimension != self.dimension:
            raise IndexMismatchError(
                f"the Milvus collections {self.prefix}_* hold {self.dimension}-d vectors, the new model makes {dimension}-d",
                "set [index.milvus] collection to a new prefix and build the index again with `govqa index add`",
            )

    def close(self) -> None:
        self.client.close()

    # -- reading -------------------------------------------------------------
    def content_hash(self, name: str) -> str | None:
        rows = self._query(DOCUMENTS, f"part == 0 and name == {literal(name)}", ["content_hash"], limit=1)
        return rows[0]["content_hash"] if rows else None

    @staticmethod
    def _filter(where: ChunkFilter | None) -> str:
        """A filter as a Milvus boolean expression ("" for none): by the chunks' ``doc`` field."""
        if where is None or where.documents is None:
            return ""
        return f"doc in {quoted(sorted(where.documents))}"

    def dense_search(
        self, vectors: np.ndarray, k: int, where: ChunkFilter | None = None
    ) -> list[list[tuple[int, float]]]:
        queries = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        if k <= 0 or (where is not None and where.allows_nothing) or not len(queries):
            return [[] for _ in range(len(queries))]
        hits = self.client.search(
            self.names[CHUNKS],
            data=queries.tolist(),
            anns_field="vector",
            limit=min(k, MAX_WINDOW),
            filter=self._filter(where),
            search_params={"metric_type": "IP"},
        )
        return [[(int(h["id"]), float(h["distance"])) for h in row] for row in hits]

    def keyword_search(self, query: str, k: int, where: ChunkFilter | None = None) -> list[tuple[int, float]]:
        words = " ".join(query_tokens(query))
        if not words or k <= 0 or (where is not None and where.allows_nothing):
            return []
        hits = self.client.search(
            self.names[CHUNKS],
            data=[words],
            anns_field="sparse",
            limit=min(k, MAX_WINDOW),
            filter=self._filter(where),
            search_params={"metric_type": "BM25"},
        )
        return [(int(h["id"]), float(h["distance"])) for h in hits[0]]

    def _chunk_rows(self, ids: Sequence[int], fields: list[str]) -> Iterator[dict]:
        ids = sorted({int(i) for i in ids})
        for at in range(0, len(ids), BATCH_IDS):
            part = ids[at : at + BATCH_IDS]
            yield from self._query(CHUNKS, f"id in {quoted(part)}", fields, limit=len(part))

    def chunk_records(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        return {int(r["id"]): chunk_record(r) for r in self._chunk_rows(ids, _RECORD_FIELDS)}

    def chunk_sentences(self, ids: Sequence[int]) -> dict[int, ChunkSentences]:
        starts = {int(r["id"]): r["start"] for r in self._chunk_rows(ids, ["id", "start"])}
        rows: list[dict] = []
        chunk_ids = sorted(starts)
        for at in range(0, len(chunk_ids), 500):
            part = quoted(chunk_ids[at : at + 500])
            rows += self._scan(SENTENCES, f"chunk in {part}", _SENTENCE_FIELDS)
        return self._sentences(rows, starts)

    def _sentences(self, rows: list[dict], starts: dict[int, int]) -> dict[int, ChunkSentences]:
        by_chunk: dict[int, list[dict]] = {i: [] for i in starts}
        for row in rows:
            by_chunk.setdefault(int(row["chunk"]), []).append(row)
        out = {}
        for chunk_id, own in by_chunk.items():
            own.sort(key=lambda r: r["seq"])
            bare, context = (
                np.frombuffer(b"".join(r[field][0] for r in own), dtype=np.float16)
                .reshape(len(own), self.dimension)
                .astype(np.float32)
                for field in ("vector", "context")
            )
            out[chunk_id] = ChunkSentences(
                chunk_id, starts[chunk_id], tuple((r["start"], r["end"]) for r in own), bare, context
            )
        return out

    def neighbours(self, chunk_id: int, before: int, after: int) -> list[ChunkRecord]:
        rows = list(self._chunk_rows([chunk_id], ["doc", "position"]))
        if not rows:
            return []
        doc, position = rows[0]["doc"], rows[0]["position"]
        found = self._query(
            CHUNKS,
            f"doc == {literal(doc)} and position >= {position - before} and position <= {position + after}",
            _RECORD_FIELDS,
        )
        return sorted((chunk_record(r) for r in found), key=lambda r: r.position)

    def document_slice(self, name: str, start: int, end: int) -> str:
        start, end = max(0, start), max(start, end)
        if end == start:
            return ""
        first, last = start // PART_CHARS, (end - 1) // PART_CHARS
        rows = self._query(
            DOCUMENTS, f"name == {literal(name)} and part >= {first} and part <= {last}", ["part", "text"]
        )
        text = "".join(r["text"] for r in sorted(rows, key=lambda r: r["part"]))
        return text[start - first * PART_CHARS : end - first * PART_CHARS]

    def chunk_ids_of(self, doc_names: Sequence[str]) -> set[int]:
        names = sorted(set(doc_names))
        ids: set[int] = set()
        for at in range(0, len(names), BATCH_IDS):
            ids.update(int(r["id"]) for r in self._scan(CHUNKS, f"doc in {quoted(names[at : at + BATCH_IDS])}", ["id"]))
        return ids

    def chunk_documents(self, ids: Sequence[int]) -> dict[int, str]:
        return {int(r["id"]): r["doc"] for r in self._chunk_rows(ids, ["id", "doc"])}

    def _document_rows_all(self, fields: list[str]) -> list[dict]:
        return sorted(self._scan(DOCUMENTS, "part == 0", fields), key=lambda r: r["name"])

    def documents(self) -> list[DocumentInfo]:
        return [document_info(r, r["chunks"]) for r in self._document_rows_all([*_DOCUMENT_FIELDS, "meta"])]

    def facets(self) -> list[tuple[str, str, int | None, str]]:
        rows = self._document_rows_all(["name", "title", "year", "region_path"])
        return [(r["name"], r["title"], r["year"] or None, r["region_path"]) for r in rows]

    def stored_documents(self) -> Iterator[Document]:
        fields = ["name", "source", "title", "year", "region", "content_hash", "meta", "structure"]
        for row in self._document_rows_all(fields):
            parts = self._query(DOCUMENTS, f"name == {literal(row['name'])}", ["part", "text"])
            yield stored_document(row, "".join(p["text"] for p in sorted(parts, key=lambda p: p["part"])))

    def stored_chunks(self, name: str) -> tuple[list[ChunkRecord], np.ndarray, list[ChunkSentences]]:
        rows = sorted(
            self._scan(CHUNKS, f"doc == {literal(name)}", [*_RECORD_FIELDS, "vector"]), key=lambda r: r["position"]
        )
        vectors = np.array([r["vector"] for r in rows], dtype=np.float16).reshape(len(rows), self.dimension)
        starts = {int(r["id"]): r["start"] for r in rows}
        sentence_rows = list(self._scan(SENTENCES, f"doc == {literal(name)}", _SENTENCE_FIELDS))
        sentences = self._sentences(sentence_rows, starts)
        return [chunk_record(r) for r in rows], vectors, [sentences[int(r["id"])] for r in rows]

    def counts(self) -> Counts:
        chunks = self._count(CHUNKS)
        return {
            "documents": self._count(DOCUMENTS, "part == 0"),
            "chunks": chunks,
            "vectors": chunks,
            "sentences": self._count(SENTENCES),
        }

    def stats(self) -> BackendStats:
        return {
            "backend": self.name,
            "uri": self.uri,
            "collection": self.prefix,
            "vectors_indexed": self._count(CHUNKS),
            "bytes": {},
        }
