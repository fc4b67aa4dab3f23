"""Copying an index to another backend or place without re-embedding: chunks, vectors and sentence vectors as stored.

This is how an index moves from one machine (local) to a cluster (Milvus),
or back: ``govqa index copy SRC DST``. A document the target already holds
with the same content hash is left as it is, so an interrupted copy resumes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tqdm import tqdm

from govqa.index.backend import Backend
from govqa.index.codec import LIBRARY
from govqa.index.context import SECTION_SEPARATOR, retrieval_text
from govqa.index.errors import IndexMismatchError
from govqa.index.parts import IndexParts
from govqa.index.records import AddResult, ChunkRecord
from govqa.index.writer import deferred_interrupt, document_meta
from govqa.ingest.document import Chunk


def as_chunk(record: ChunkRecord) -> Chunk:
    """The ingest ``Chunk`` a stored record was made from (its section path split back into titles)."""
    section = tuple(record.section.split(SECTION_SEPARATOR)) if record.section else ()
    return Chunk(record.position, record.text, record.start, record.end, section, record.page, record.page_end)


def check_compatible(source: IndexParts, target: IndexParts) -> None:
    """``IndexMismatchError`` unless both indexes hold vectors of one model, encoder, retrieval text and sentence kind."""
    a, b = source.manifest, target.manifest
    if (a.model, a.dimension, a.encoder, a.retrieval_text_version, a.sentences) != (
        b.model,
        b.dimension,
        b.encoder,
        b.retrieval_text_version,
        b.sentences,
    ):
        raise IndexMismatchError(
            f"cannot copy {source.path} ({a.model}, {a.encoder}, dim {a.dimension}, {a.sentences} sentences) into "
            f"{target.path} ({b.model}, {b.encoder}, dim {b.dimension}, {b.sentences} sentences): "
            "their vectors are not comparable",
            "copy into a new folder, with [model] set as the source was built",
        )


def copy_documents(source: IndexParts, target: IndexParts, progress: bool = False) -> list[AddResult]:
    """Write every document of ``source`` into ``target`` (whose write lock is held); results by document.

    Stored vectors are copied as they are (float16), keyword text is made
    again from each chunk's retrieval text, so nothing is embedded.
    """
    check_compatible(source, target)
    results = []
    documents = source.documents()
    bar = tqdm(total=len(documents), desc="copying", unit=" docs", file=sys.stderr, disable=not progress)
    for document in source.backend.store.stored_documents():
        stored = target.backend.store.content_hash(document.name)
        if stored == document.content_hash:
            results.append(AddResult(document.name, "unchanged", 0))
            bar.update(1)
            continue
        records, vectors, sentences = source.backend.store.stored_chunks(document.name)
        chunks = [as_chunk(r) for r in records]
        meta = document_meta(document)
        texts = [retrieval_text(meta, c) for c in chunks]
        with deferred_interrupt():
            target.backend.replace_document(document, chunks, vectors, texts, [(s.spans, s.rows()) for s in sentences])
        results.append(AddResult(document.name, "added" if stored is None else "replaced", len(chunks)))
        bar.update(1)
    bar.close()
    return results


def refile(backend: Backend, names: Sequence[str], library: str) -> int:
    """Write the named documents again under ``library`` with their stored chunks and vectors (embedding nothing),
    for a backend without a way in place (``Backend.move_documents``); returns how many were found."""
    wanted = set(names)
    found = 0
    for document in list(backend.store.stored_documents()):
        if document.name not in wanted:
            continue
        found += 1
        records, vectors, sentences = backend.store.stored_chunks(document.name)
        chunks = [as_chunk(r) for r in records]
        document.meta[LIBRARY] = library
        meta = document_meta(document)
        texts = [retrieval_text(meta, c) for c in chunks]
        with deferred_interrupt():
            backend.replace_document(document, chunks, vectors, texts, [(s.spans, s.rows()) for s in sentences])
    return found
