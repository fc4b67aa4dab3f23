"""The small records the index hands out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk with its document's metadata: everything needed to show and cite it.

    ``section`` is the section path joined with " › " ("" without headings);
    ``start``/``end`` are offsets in the document's cleaned text.
    """

    id: int
    doc: str
    title: str
    year: int | None
    region: str | None
    region_path: str
    text: str
    section: str
    page: int | None
    page_end: int | None
    start: int
    end: int
    position: int


# (name, title, year, region_path) of one document: what questions are grounded in (``Index.document_facets``).
Facet = tuple[str, str, int | None, str]


@dataclass(frozen=True)
class ChunkFilter:
    """Which chunks a search may return: those of the named ``documents`` (None: every document).

    Questions filter by document, year and region; ``qa`` resolves the last two to
    document names with ``Index.documents_where``, so one field carries them all.
    Each search role applies it the way its engine does best (FAISS: the chunk ids
    of those documents; FTS5: a join on the document; Milvus: ``doc in [...]``).

    ``scope`` names the documents a keyword search weighs words by (BM25's chunk
    count, average length and document frequencies), as an index holding only
    them would: a reader's libraries (``qa``), which hold ``documents``. None (the
    default): the whole index's, for any other filter (compare's one report).
    Dense search ignores it: a cosine does not depend on the other chunks.
    """

    documents: frozenset[str] | None = None
    scope: frozenset[str] | None = None

    @classmethod
    def of(cls, documents: Iterable[str] | None, scope: Iterable[str] | None = None) -> ChunkFilter | None:
        """A filter to those documents (weighed by ``scope``'s statistics when given), or None (no filter)
        when both are None."""
        if documents is None and scope is None:
            return None
        return cls(None if documents is None else frozenset(documents), None if scope is None else frozenset(scope))

    @property
    def allows_nothing(self) -> bool:
        """True when no chunk can pass (an empty list of documents)."""
        return self.documents is not None and not self.documents

    def allows(self, document: str) -> bool:
        """True when chunks of ``document`` pass."""
        return self.documents is None or document in self.documents


@dataclass(frozen=True)
class ChunkSentences:
    """The sentences of one chunk (``ingest.sentences``) with the vectors stored for them at index time.

    ``start`` is the chunk's offset in its document's cleaned text;
    ``spans`` are (start, end) offsets in the chunk's text, in text order;
    ``vectors`` is float32 of shape (len(spans), dimension), unit length
    (stored as float16), each the passage embedding of the bare sentence
    (``[index] bare_sentences``): does this sentence say what was asked
    (the verdict, the highlight). ``context_vectors``, same shape, holds each
    sentence in its chunk's context: the mean of its own tokens' states in
    the chunk's forward pass (late chunking, ``Embedder.encode_chunks``).
    An index without bare sentences stores only the latter, as ``vectors``,
    and ``context_vectors`` is ``None``.
    """

    chunk_id: int
    start: int
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    context_vectors: np.ndarray | None = None

    def rows(self) -> np.ndarray:
        """The vectors as a backend stores them: the bare rows, then those in context (if any)."""
        return self.vectors if self.context_vectors is None else np.concatenate([self.vectors, self.context_vectors])


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document, as `govqa index list` shows it.

    ``ocr_confidence`` is the mean recognition confidence (0-1) of a document read by
    OCR (scanned pages), None for one read from text.
    """

    name: str
    title: str
    year: int | None
    region: str | None
    region_path: str
    chunks: int
    chars: int
    added_at: str
    content_hash: str
    source: str
    ocr_confidence: float | None = None
    library: str = ""  # its library (文库); "" in a store is the index's default library (``Index.default_library``)


@dataclass(frozen=True)
class AddResult:
    """What adding one document did: ``added``, ``unchanged`` or ``replaced``, and its chunk count."""

    name: str
    status: str
    chunks: int


@dataclass
class PathReport:
    """What became of one file given to ``add_paths``: its documents' results, or why it failed/was skipped."""

    path: Path
    status: str  # ok, failed, skipped
    results: list[AddResult] = field(default_factory=list)
    error: str = ""
    row_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
