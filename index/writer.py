"""Adding documents: hash check, batched embedding, one transaction per document, periodic FAISS saves."""

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
from index.keyword import index_text
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
    """Hold back Ctrl-C until the block ends, so a document's commit and its FAISS update happen together."""
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
    together, then committed one document per SQLite transaction (rows and
    vectors together) and added to FAISS. FAISS is saved every
    ``SAVE_INTERVAL_SECONDS`` and at the end, so a killed run leaves SQLite
    ahead of FAISS at worst, which the next open repairs. Ctrl-C stops after
    the current document, saves, and re-raises.
    """

    def __init__(
        self,
        index: Index,
        progress: bool = False,
        force: bool = False,
        update_vectors: bool = True,
        cancel: Callable[[], bool] | None = None,
    ):
        self.index = index
        self.cancel = cancel or (lambda: False)
        self.force = force
        # False while re-embedding: stored vectors mix two models until the end, when FAISS is rebuilt whole.
        self.update_vectors = update_vectors
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
        stored = self.index.store.content_hash(document.name)
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
            own = vectors[at : at + len(chunks)]
            tokens = [index_text(t) for t in texts[at : at + len(chunks)]]
            chunk_sentences = per_chunk[at : at + len(chunks)]
            at += len(chunks)
            with deferred_interrupt():
                old_ids, new_ids = self.index.store.replace_document(document, chunks, own, tokens, chunk_sentences)
                if self.update_vectors:
                    self.index._vectors_replace(old_ids, np.array(new_ids, dtype=np.int64), own.astype(np.float32))
                self.dirty = True
                self.results[seq] = AddResult(document.name, status, len(chunks))
            self._advance_documents()
        if self.update_vectors:
            self.index._vectors_settle()
            if time.monotonic() - self.last_save >= SAVE_INTERVAL_SECONDS:
                self.index._save_vectors()
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
        if not (self.dirty and self.update_vectors):
            return
        self.index._vectors_settle()
        self.index._save_vectors()
        self.index._save_manifest()
        if not self.index.vectors.is_trained:
            log.warning(
                "dense search is unavailable until faiss %r can be trained on more vectors: add more "
                'documents, or set faiss_factory = "Flat" and run `govqa index rebuild`',
                self.index.vectors.factory,
            )
