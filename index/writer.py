"""Adding documents: hash check, batched embedding, one commit per document, periodic saves of the backend."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from index.context import in_context, retrieval_text
from index.records import AddResult
from ingest.document import Chunk, Document
from ingest.sentences import sentence_spans

if TYPE_CHECKING:
    from index.index import Index

log = logging.getLogger(__name__)

# FAISS is written at least this often during a long add; SQLite commits every document.
SAVE_INTERVAL_SECONDS = 30.0
# A flush of at least this many chunks first warms the model up (its ONNX Runtime path).
WARM_UP_TEXTS = 64


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
        index: Index,
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
            unit=" texts",  # chunks and their sentences
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
        self.warmed_up = False

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
        stored = self.backend.content_hash(document.name)
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
        texts = [retrieval_text(document_meta(d), c) for _, d, chunks, _ in self.pending for c in chunks]
        # Each chunk's sentences, embedded bare (the verdict and the highlight) and in context (the ranking).
        chunks_pending = [(document_meta(d), c) for _, d, chunks, _ in self.pending for c in chunks]
        spans = [sentence_spans(c.text) for _, c in chunks_pending]
        bare, in_context_ = [], []
        for (meta, chunk), own in zip(chunks_pending, spans, strict=True):
            bare.extend(chunk.text[a:b] for a, b in own)
            in_context_.extend(in_context(meta, chunk.section, chunk.text[a:b]) for a, b in own)
        if len(texts) >= WARM_UP_TEXTS and not self.warmed_up:
            # Worth its seconds on a real batch: the ONNX Runtime path embeds report chunks twice as fast.
            self.index.warm_up()
            self.warmed_up = True
        # One call for chunks and sentences: batches of like length pad little.
        everything = (
            self.index.embedder.encode_passages(texts + bare + in_context_, progress=self._step)
            if texts
            else np.zeros((0, self.index.manifest.dimension), dtype=np.float32)
        )
        # Stored as float16; FAISS gets the same rounded values, so a repair from storage is exact.
        everything = everything.astype(np.float16)
        vectors = everything[: len(texts)]
        bare_vectors = everything[len(texts) : len(texts) + len(bare)]
        context_vectors = everything[len(texts) + len(bare) :]
        per_chunk, at = [], 0
        for own in spans:
            rows = slice(at, at + len(own))
            per_chunk.append((own, np.concatenate([bare_vectors[rows], context_vectors[rows]])))
            at += len(own)
        self.chunks_embedded += len(texts)
        at = 0
        pending, self.pending = self.pending, []
        for seq, document, chunks, status in pending:
            own = slice(at, at + len(chunks))
            at += len(chunks)
            with deferred_interrupt():
                self.backend.replace_document(document, chunks, vectors[own], texts[own], per_chunk[own])
                self.dirty = True
                self.results[seq] = AddResult(document.name, status, len(chunks))
            self._advance_documents()
        self.backend.settle()
        if time.monotonic() - self.last_save >= SAVE_INTERVAL_SECONDS:
            self.backend.save()
            self.last_save = time.monotonic()

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
