"""Index upkeep: creation, rebuilds and statistics, through the index's public parts and its backend."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from govqa.index.backends import backend_class
from govqa.index.context import RETRIEVAL_TEXT_VERSION
from govqa.index.embedder import Embedder
from govqa.index.errors import READ_ONLY_ERRNOS, IndexReadOnlyError
from govqa.index.lock import WriteLock
from govqa.index.manifest import FORMAT_VERSION, MANIFEST_NAME, Manifest, sentence_kind
from govqa.index.parts import IndexParts
from govqa.index.settings import IndexSettings
from govqa.index.vectors import VectorIndex

if TYPE_CHECKING:
    from govqa.index.stats import IndexStats, RebuildResult


def create(path: Path, config: IndexSettings, embedder: Embedder) -> None:
    """Make an empty index (backend storage and manifest) at ``path`` unless another process just did."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno not in READ_ONLY_ERRNOS:
            raise
        raise IndexReadOnlyError(path, exc.strerror) from None
    kind = backend_class(config.index.backend)
    factory = config.index.faiss_factory if kind.uses_faiss else None
    if factory is not None:
        VectorIndex.new(embedder.dimension, factory)  # a bad factory string fails here, not later
    with WriteLock(path):
        if (path / MANIFEST_NAME).exists():
            return
        kind.from_config(path, config.index, embedder.dimension, factory or "", create=True).close()
        Manifest(
            model=embedder.name,
            dimension=embedder.dimension,
            chunk_size=config.chunk.size,
            chunk_overlap=config.chunk.overlap,
            faiss_factory=factory,
            encoder=embedder.encoder,
            sentences=sentence_kind(embedder.sentence_method, config.index.bare_sentences),
            backend=kind.name,
            collection=kind.location(config.index),
            keyword=config.index.keyword,
        ).save(path)


def rebuild(index: IndexParts, reembed: bool, progress: bool) -> RebuildResult:
    """Rebuild FAISS from stored vectors, or re-chunk and re-embed every document (needed after a model change)."""
    from govqa.index.writer import Writer
    from govqa.ingest.chunk import chunk_document

    started = time.monotonic()
    config, manifest = index.config, index.manifest
    wanted, encoder = index.model_wanted()
    reembed = (
        reembed
        or manifest.rebuild_pending
        or manifest.model != wanted
        or manifest.encoder != encoder
        or manifest.retrieval_text_version != RETRIEVAL_TEXT_VERSION
        or manifest.format_version != FORMAT_VERSION
        or (manifest.sentences == "bare") != config.index.bare_sentences
    )
    results = []
    backend = index.backend
    if reembed:
        embedder = index.embedder_unchecked()
        backend.defer_vectors(embedder.dimension)
        manifest.model, manifest.dimension, manifest.encoder = embedder.name, embedder.dimension, embedder.encoder
        manifest.sentences = sentence_kind(embedder.sentence_method, config.index.bare_sentences)
        manifest.format_version = FORMAT_VERSION
        manifest.chunk_size, manifest.chunk_overlap = config.chunk.size, config.chunk.overlap
        manifest.retrieval_text_version = RETRIEVAL_TEXT_VERSION
        manifest.rebuild_pending = True
        manifest.save(index.path)
        items = ((doc, chunk_document(doc, config.chunk)) for doc in backend.store.stored_documents())
        results = Writer(index, progress, force=True).run(items)
    if backend.uses_faiss:
        manifest.faiss_factory = config.index.faiss_factory
        manifest.keyword = config.index.keyword
        backend.rebuild_keywords(manifest.keyword)
    backend.rebuild_vectors(manifest.faiss_factory or "")
    manifest.rebuild_pending = False
    manifest.save(index.path)
    counts = backend.store.counts()
    return {
        "reembedded": reembed,
        "documents": counts["documents"],
        "chunks": counts["chunks"],
        "embedded_chunks": sum(r.chunks for r in results),
        "seconds": round(time.monotonic() - started, 2),
        "model": manifest.model,
        "dimension": manifest.dimension,
        "faiss_factory": manifest.faiss_factory,
    }


def stats(index: IndexParts) -> IndexStats:
    """Counts, model, settings, times, and the backend's own figures (where, vectors indexed, sizes)."""
    m = index.manifest
    counts = index.backend.store.counts()
    own = index.backend.stats()
    sizes = dict(own.get("bytes", {}))
    manifest_file = index.path / MANIFEST_NAME
    sizes["total"] = sum(sizes.values()) + (manifest_file.stat().st_size if manifest_file.exists() else 0)
    return {
        "path": str(index.path),
        "documents": counts["documents"],
        "chunks": counts["chunks"],
        "vectors_stored": counts["vectors"],
        "model": m.model,
        "encoder": m.encoder,
        "dimension": m.dimension,
        "sentences_stored": counts["sentences"],
        "sentence_vectors": m.sentences,
        "chunk_size": m.chunk_size,
        "chunk_overlap": m.chunk_overlap,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        **own,
        "bytes": sizes,
        "versions": m.versions,
    }
