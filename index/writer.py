"""Adding documents: hash check, batched embedding, one commit per document, periodic saves of the backend."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from tqdm import tqdm

from govqa.index.context import sentences_in_context
from govqa.index.embedder.base import split_rows
from govqa.index.parts import IndexParts
from govqa.index.records import AddResult
from govqa.ingest.document import Chunk, Document
from govqa.ingest.sentences import sentence_spans

log = logging.getLogger(__name__)

# FAISS is written at least this often during a long add; SQLite commits every document.
SAVE_INTERVAL_SECONDS = 30.0


class _Cancelled(Exception):
    """``cancel()`` said stop: leave after committing what is committed."""


# Without a progress bar (output to a file or pipe, the server), a log line this often.
PROGRESS_LINE_SECONDS = 5.0


def document_meta(document: Document) -> dict:
    """The metadata ``retrieval_text`` reads."""
    return {
        "title": document.title,
        "year": document.year,
        "region": document.region,
        "region_path": document.meta.get("region_path", ""),
    }


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold back Ctrl-C until the block ends, so a document's commit (its rows and its vectors) happens whole."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda *_: received.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


class Writer:
    """One add run over an index whose write lock is held.

    Documents are collected until about ``group`` chunks are pending, encoded
    together, then committed one document at a time through the backend
    (``Backend.replace_document``). The backend is saved every
    ``SAVE_INTERVAL_SECONDS`` and at the end (the local one writes FAISS then,
    so a killed run leaves SQLite ahead of FAISS at worst, which the next open
    repairs). Ctrl-C stops after the current document, saves, and re-raises.
    """

    def __init__(
        self,
        index: IndexParts,
        progress: bool = False,
        force: bool = False,
        cancel: Callable[[], bool] | None = None,
    ):
        self.index = index
        self.backend = index.backend
        self.cancel = cancel or (lambda: False)
        self.force = force
        self.group = max(16, 4 * index.config.model.batch_size)
        self.bar = tqdm(
            desc="indexing",
            unit=" chunks",
            file=sys.stderr,
            disable=not progress,
            dynamic_ncols=True,
            smoothing=0.1,
        )
        self.results: dict[int, AddResult] = {}
        self.pending: list[tuple[int, Document, list[Chunk], str]] = []
        self.documents_done = self.chunks_embedded = 0
        self.started = self.last_line = self.last_save = time.monotonic()
        self.progress_lines = not progress
        self.dirty = False
        self.bare = index.config.index.bare_sentences

    def run(self, items: Iterable[tuple[Document, list[Chunk]]]) -> list[AddResult]:
        """Add every (document, chunks) pair; results in the order of ``items``."""
        try:
            for seq, (document, chunks) in enumerate(items):
                if self.cancel():
                    raise _Cancelled
                self._take(seq, document, chunks)
            self._flush()
        except KeyboardInterrupt:
            self._finish()
            raise
        except _Cancelled:  # documents committed so far stay; the rest were never written
            log.info("indexing stopped on request after %d documents", self.documents_done)
            self.pending = []
        self._finish()
        return [self.results[i] for i in sorted(self.results)]

    def _take(self, seq: int, document: Document, chunks: list[Chunk]) -> None:
        if any(p[1].name == document.name for p in self.pending):
            self._flush()  # the same name twice in one run: the later one wins, in order
        stored = self.backend.store.content_hash(document.name)
        if stored is not None and stored == document.content_hash and not self.force:
            self.results[seq] = AddResult(document.name, "unchanged", len(chunks))
            self._advance_documents()
            return
        self.pending.append((seq, document, chunks, "added" if stored is None else "replaced"))
        if sum(len(p[2]) for p in self.pending) >= self.group:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        chunks_pending = [(document_meta(d), c) for _, d, chunks, _ in self.pending for c in chunks]
        spans = [sentence_spans(c.text) for _, c in chunks_pending]
        texts, positioned = [], []
        for (meta, chunk), own in zip(chunks_pending, spans, strict=True):
            text, moved = sentences_in_context(meta, chunk, own)
            texts.append(text)
            positioned.append(moved)
        embedder = self.index.embedder
        if not texts:
            vectors, sentence_vectors = np.zeros((0, self.index.manifest.dimension), dtype=np.float32), []
        elif self.bare:  # each sentence embedded alone, once per distinct text (chunk overlaps repeat sentences)
            vectors = embedder.encode_passages(texts, progress=self._step)
            bare = self._bare_sentences(
                [c.text[a:b] for (_, c), own in zip(chunks_pending, spans, strict=True) for a, b in own]
            )
            sentence_vectors = split_rows(bare, [len(own) for own in spans])
        else:  # one forward pass per chunk: its vector and its sentences' (late chunking)
            vectors, sentence_vectors = embedder.encode_chunks(texts, positioned, progress=self._step)
        # Stored as float16; FAISS gets the same rounded values, so a repair from storage is exact.
        vectors = vectors.astype(np.float16)
        per_chunk = [(own, rows.astype(np.float16)) for own, rows in zip(spans, sentence_vectors, strict=True)]
        self.chunks_embedded += len(texts)
        at = 0
        pending, self.pending = self.pending, []
        for seq, document, chunks, status in pending:
            part = slice(at, at + len(chunks))
            at += len(chunks)
            with deferred_interrupt():
                self.backend.replace_document(document, chunks, vectors[part], texts[part], per_chunk[part])
                self.dirty = True
                self.results[seq] = AddResult(document.name, status, len(chunks))
            self._advance_documents()
        self.backend.settle()
        if time.monotonic() - self.last_save >= SAVE_INTERVAL_SECONDS:
            self.backend.save()
            self.last_save = time.monotonic()

    def _bare_sentences(self, sentences: list[str]) -> np.ndarray:
        """Passage vectors of ``sentences``, (len(sentences), dimension); each distinct text embedded once."""
        distinct = list(dict.fromkeys(sentences))
        if not distinct:
            return np.zeros((0, self.index.manifest.dimension), dtype=np.float32)
        vectors = self.index.embedder.encode_passages(distinct)
        row = {text: i for i, text in enumerate(distinct)}
        return vectors[[row[text] for text in sentences]]

    def _step(self, chunks: int) -> None:
        """Progress of the embedding, batch by batch; also where a request to stop is noticed mid-document."""
        self.bar.update(chunks)
        if self.cancel():
            raise _Cancelled

    def _advance_documents(self) -> None:
        self.documents_done += 1
        self.bar.set_postfix_str(f"{self.documents_done} docs", refresh=False)
        now = time.monotonic()
        if self.progress_lines and now - self.last_line >= PROGRESS_LINE_SECONDS:
            self.last_line = now
            log.info(
                "indexing: %d documents, %d chunks embedded, %.1f chunks/s",
                self.documents_done,
                self.chunks_embedded,
                self.chunks_embedded / max(now - self.started, 1e-9),
            )

    def _finish(self) -> None:
        self.bar.close()
        if not self.dirty:
            return
        self.backend.settle()
        self.backend.save()
        self.index.manifest.save(self.index.path)
