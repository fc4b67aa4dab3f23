"""The one document codec: what a backend stores of a document and a chunk, and how it is read back.

Every backend keeps the same fields (``document_fields``; a chunk's are ``ChunkRecord``'s) and
rebuilds the same objects from them (``stored_document``, ``chunk_record``, ``document_info``).
How a field is written (JSON text in SQLite, a JSON field in Milvus, 0 for a missing year where a
column cannot be null) is the backend's; reading maps a stored 0 or "" back to ``None`` here, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govqa.index.records import ChunkRecord, DocumentInfo
from govqa.ingest.document import Document, Section

#: The key of ``Document.meta`` that holds the library (文库) a document belongs to ("": the index's default).
#: ``Index.add(..., library=)`` sets it; every backend stores it with the meta, the local one also in a column.
LIBRARY = "library"


def library_of(document: Document) -> str:
    """The library ``document`` is filed in ("" when none was given: the index's default library)."""
    return str(document.meta.get(LIBRARY) or "")


def structure(document: Document) -> dict[str, list]:
    """What re-chunking needs besides the text: the sections (level, title, start), page starts and
    the records (table rows, notes: each chunked on its own), JSON-ready."""
    return {
        "sections": [[s.level, s.title, s.start] for s in document.sections],
        "page_starts": [list(p) for p in document.page_starts],
        "records": [list(r) for r in document.records],
    }


def document_fields(document: Document) -> dict[str, Any]:
    """A document's stored fields but its text: name, source, title, year, region, region_path,
    content_hash, chars, meta (the loader's, a dict, with the library), structure (a dict) and library
    (``library_of``). ``year``/``region`` may be None."""
    return {
        "name": document.name,
        "source": document.source,
        "title": document.title,
        "year": document.year,
        "region": document.region,
        "region_path": document.meta.get("region_path", ""),
        "content_hash": document.content_hash,
        "chars": len(document.text),
        "meta": document.meta,
        "structure": structure(document),
        "library": library_of(document),
    }


def stored_document(fields: Mapping[str, Any], text: str) -> Document:
    """The ingest ``Document`` rebuilt from ``document_fields`` as stored (meta and structure as dicts) and its text."""
    shape = fields.get("structure") or {}
    return Document(
        name=fields["name"],
        source=fields["source"],
        title=fields["title"],
        year=fields["year"] or None,
        region=fields["region"] or None,
        text=text,
        content_hash=fields["content_hash"],
        sections=[Section(*s) for s in shape.get("sections", [])],
        page_starts=[tuple(p) for p in shape.get("page_starts", [])],
        records=[tuple(r) for r in shape.get("records", [])],
        meta=fields.get("meta") or {},
    )


def chunk_record(fields: Mapping[str, Any]) -> ChunkRecord:
    """A ``ChunkRecord`` from stored fields of the same names (``doc`` the document's name)."""
    return ChunkRecord(
        id=int(fields["id"]),
        doc=fields["doc"],
        title=fields["title"],
        year=fields["year"] or None,
        region=fields["region"] or None,
        region_path=fields["region_path"] or "",
        text=fields["text"],
        section=fields["section"] or "",
        page=fields["page"] or None,
        page_end=fields["page_end"] or None,
        start=fields["start"],
        end=fields["end"],
        position=fields["position"],
    )


def document_info(fields: Mapping[str, Any], chunks: int) -> DocumentInfo:
    """What ``govqa index list`` shows of a document, from its stored fields (with ``added_at``) and chunk count."""
    meta = fields.get("meta") or {}
    confidence = meta.get("ocr_confidence")
    return DocumentInfo(
        name=fields["name"],
        title=fields["title"],
        year=fields["year"] or None,
        region=fields["region"] or None,
        region_path=fields["region_path"] or "",
        chunks=chunks,
        chars=fields["chars"],
        added_at=fields["added_at"],
        content_hash=fields["content_hash"],
        source=fields["source"],
        ocr_confidence=float(confidence) if confidence is not None else None,
        library=str(fields.get(LIBRARY) or meta.get(LIBRARY) or ""),
    )
