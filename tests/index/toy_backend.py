"""A third index backend and a second embedder, from outside govqa's code: the seams' proof.

``ToyBackend`` keeps an index in memory (one "shelf" per index folder for the life of the process,
as a server would keep it), searches vectors with numpy and words with a plain BM25; ``ToyEmbedder``
hashes character unigrams and bigrams into a few buckets. Neither is registered by govqa: a test
calls ``register()`` (``govqa.registry``), or names them by dotted path in the configuration.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from govqa import registry
from govqa.index.backend import Backend, DenseIndex, DocumentStore, KeywordIndex, SentenceRows
from govqa.index.codec import document_fields, document_info, stored_document
from govqa.index.embedder.base import Embedder
from govqa.index.errors import IndexUnavailableError
from govqa.index.keyword import index_text, query_tokens
from govqa.index.manifest import now
from govqa.index.records import ChunkFilter, ChunkRecord, ChunkSentences, DocumentInfo
from govqa.index.settings import IndexConfig, ModelConfig
from govqa.ingest.document import Chunk, Document

BACKEND_NAME = "toy"
EMBEDDER_NAME = "toy"


def register() -> None:
    """Register both under their names (``[index] backend = "toy"``, ``[model] embedder = "toy"``)."""
    registry.backends.register(BACKEND_NAME, ToyBackend)
    registry.embedders.register(EMBEDDER_NAME, ToyEmbedder.from_config)


def unregister() -> None:
    registry.backends.unregister(BACKEND_NAME)
    registry.embedders.unregister(EMBEDDER_NAME)


class ToyEmbedder(Embedder):
    """Character unigrams and bigrams hashed into ``dimension`` buckets, unit length: near texts share characters."""

    encoder = "fp32"

    def __init__(self, dimension: int = 256):
        self.name = f"toy:hashed-bigrams-{dimension}"
        self.dimension = dimension

    @classmethod
    def from_config(cls, config: ModelConfig) -> ToyEmbedder:
        """The embedder factory the registry holds: ``(ModelConfig) -> Embedder``; the model name is ignored."""
        return cls()

    def _bucket(self, gram: str) -> int:
        return int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little") % self.dimension

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for gram in [*text, *(a + b for a, b in zip(text, text[1:], strict=False))]:
                out[row, self._bucket(gram)] += 1.0
            out[row, 0] += 1e-3  # no zero vector for an empty text
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts))

    def encode_passages(self, texts, batch_size=None, progress=None) -> np.ndarray:
        vectors = self._encode(list(texts))
        if progress:
            progress(len(texts))
        return vectors


@dataclass
class _Chunk:
    record: ChunkRecord
    vector: np.ndarray  # float16 (dimension,)
    tokens: list[str]
    spans: tuple[tuple[int, int], ...]
    sentence_rows: np.ndarray  # float16: bare rows, then those in context (if any)


@dataclass
class _Shelf:
    """One index's data: documents by name (fields, text, added_at, chunk ids) and chunks by id."""

    documents: dict[str, tuple[dict, str, str, list[int]]] = field(default_factory=dict)
    chunks: dict[int, _Chunk] = field(default_factory=dict)
    next_id: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)


_SHELVES: dict[str, _Shelf] = {}
_SHELVES_LOCK = threading.Lock()


class ToyBackend(Backend, DocumentStore, DenseIndex, KeywordIndex):
    """An in-memory index: numpy inner products for dense search, BM25 (k1 1.2, b 0.75) over ``index_text`` tokens.

    One class plays the three roles, as the Milvus backend does.
    """

    name = BACKEND_NAME
    store: ToyBackend
    dense: ToyBackend
    keyword: ToyBackend
    K1, B = 1.2, 0.75

    @classmethod
    def from_config(
        cls, directory: Path, config: IndexConfig, dimension: int, faiss_factory: str, create: bool = False
    ) -> ToyBackend:
        key = str(Path(directory).resolve())
        with _SHELVES_LOCK:
            if key not in _SHELVES:
                if not create:
                    raise IndexUnavailableError(f"no toy index for {directory} in this process")
                _SHELVES[key] = _Shelf()
            return cls(_SHELVES[key], dimension)

    def __init__(self, shelf: _Shelf, dimension: int):
        self.shelf, self.dimension = shelf, dimension
        self.store = self.dense = self.keyword = self

    # -- writing -------------------------------------------------------------
    def replace_document(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        texts: Sequence[str],
        sentences: SentenceRows,
    ) -> None:
        fields = document_fields(document)
        with self.shelf.lock:
            ids = list(range(self.shelf.next_id, self.shelf.next_id + len(chunks)))
            self.shelf.next_id += len(chunks)
            fresh = {}
            for chunk_id, chunk, vector, text, (spans, rows) in zip(
                ids, chunks, vectors, texts, sentences, strict=True
            ):
                record = ChunkRecord(
                    chunk_id, document.name, document.title, document.year, document.region, fields["region_path"],
                    chunk.text, chunk.section_path, chunk.page, chunk.page_end, chunk.start, chunk.end, chunk.position,
                )  # fmt: skip
                fresh[chunk_id] = _Chunk(
                    record,
                    np.asarray(vector, dtype=np.float16),
                    index_text(text).split(),
                    tuple((int(a), int(b)) for a, b in spans),
                    np.asarray(rows, dtype=np.float16),
                )
            old = self.shelf.documents.get(document.name)
            self.shelf.chunks.update(fresh)
            self.shelf.documents[document.name] = (fields, document.text, now(), ids)
            for chunk_id in old[3] if old else []:
                self.shelf.chunks.pop(chunk_id, None)

    def remove_documents(self, names: Sequence[str]) -> int:
        with self.shelf.lock:
            found = 0
            for name in names:
                gone = self.shelf.documents.pop(name, None)
                if gone:
                    found += 1
                    for chunk_id in gone[3]:
                        self.shelf.chunks.pop(chunk_id, None)
            return found

    # -- reading -------------------------------------------------------------
    def _snapshot(self) -> list[_Chunk]:
        with self.shelf.lock:
            return list(self.shelf.chunks.values())

    def content_hash(self, name: str) -> str | None:
        entry = self.shelf.documents.get(name)
        return entry[0]["content_hash"] if entry else None

    def dense_search(
        self, vectors: np.ndarray, k: int, where: ChunkFilter | None = None
    ) -> list[list[tuple[int, float]]]:
        queries = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        chunks = [c for c in self._snapshot() if where is None or where.allows(c.record.doc)]
        if not chunks or k <= 0:
            return [[] for _ in queries]
        ids = np.array([c.record.id for c in chunks])
        scores = queries @ np.stack([c.vector for c in chunks]).astype(np.float32).T
        out = []
        for row in scores:
            best = np.argsort(-row, kind="stable")[:k]
            out.append([(int(ids[i]), float(row[i])) for i in best])
        return out

    def keyword_search(self, query: str, k: int, where: ChunkFilter | None = None) -> list[tuple[int, float]]:
        words = query_tokens(query)
        chunks = self._snapshot()
        if not words or not chunks or k <= 0:
            return []
        if where is not None and where.scope is not None:  # weighed as an index of the scope's documents alone
            chunks = [c for c in chunks if c.record.doc in where.scope]
            if not chunks:
                return []
        counts = [Counter(c.tokens) for c in chunks]
        mean_length = sum(len(c.tokens) for c in chunks) / len(chunks)
        frequency = {w: sum(1 for n in counts if w in n) for w in set(words)}
        scored = []
        for chunk, n in zip(chunks, counts, strict=True):
            if where is not None and not where.allows(chunk.record.doc):
                continue
            norm = self.K1 * (1 - self.B + self.B * len(chunk.tokens) / mean_length)
            score = sum(
                math.log(1 + (len(chunks) - frequency[w] + 0.5) / (frequency[w] + 0.5))
                * n[w]
                * (self.K1 + 1)
                / (n[w] + norm)
                for w in words
                if n[w]
            )
            if score > 0:
                scored.append((chunk.record.id, score))
        return sorted(scored, key=lambda hit: -hit[1])[:k]

    def chunk_records(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        chunks = self.shelf.chunks
        return {int(i): chunks[int(i)].record for i in ids if int(i) in chunks}

    def chunk_sentences(self, ids: Sequence[int]) -> dict[int, ChunkSentences]:
        out = {}
        for i in ids:
            chunk = self.shelf.chunks.get(int(i))
            if chunk is None:
                continue
            rows = chunk.sentence_rows.astype(np.float32)
            n = len(chunk.spans)
            out[int(i)] = ChunkSentences(
                int(i), chunk.record.start, chunk.spans, rows[:n], rows[n:] if len(rows) > n else None
            )
        return out

    def neighbours(self, chunk_id: int, before: int, after: int) -> list[ChunkRecord]:
        chunk = self.shelf.chunks.get(chunk_id)
        if chunk is None:
            return []
        doc, position = chunk.record.doc, chunk.record.position
        around = [
            c.record
            for c in self._snapshot()
            if c.record.doc == doc and -before <= c.record.position - position <= after
        ]
        return sorted(around, key=lambda r: r.position)

    def document_slice(self, name: str, start: int, end: int) -> str:
        entry = self.shelf.documents.get(name)
        return entry[1][max(0, start) : max(start, end)] if entry else ""

    def chunk_ids_of(self, doc_names: Sequence[str]) -> set[int]:
        return {i for name in doc_names for i in (self.shelf.documents.get(name) or ({}, "", "", []))[3]}

    def chunk_documents(self, ids: Sequence[int]) -> dict[int, str]:
        return {i: r.doc for i, r in self.chunk_records(ids).items()}

    def documents(self) -> list[DocumentInfo]:
        entries = sorted(self.shelf.documents.items())
        return [document_info(fields | {"added_at": added}, len(ids)) for _, (fields, _, added, ids) in entries]

    def facets(self) -> list[tuple[str, str, int | None, str]]:
        entries = sorted(self.shelf.documents.items())
        return [(name, f["title"], f["year"], f["region_path"]) for name, (f, *_) in entries]

    def stored_documents(self) -> Iterator[Document]:
        for _, (fields, text, _, _) in sorted(self.shelf.documents.items()):
            yield stored_document(fields, text)

    def stored_chunks(self, name: str) -> tuple[list[ChunkRecord], np.ndarray, list[ChunkSentences]]:
        ids = sorted(self.chunk_ids_of([name]), key=lambda i: self.shelf.chunks[i].record.position)
        vectors = np.array([self.shelf.chunks[i].vector for i in ids], dtype=np.float16).reshape(
            len(ids), self.dimension
        )
        sentences = self.chunk_sentences(ids)
        return [self.shelf.chunks[i].record for i in ids], vectors, [sentences[i] for i in ids]

    def counts(self) -> dict[str, int]:
        chunks = self._snapshot()
        return {
            "documents": len(self.shelf.documents),
            "chunks": len(chunks),
            "vectors": len(chunks),
            "sentences": sum(len(c.spans) for c in chunks),
        }

    def stats(self) -> dict:
        return {"backend": self.name, "vectors_indexed": len(self.shelf.chunks), "bytes": {}}
