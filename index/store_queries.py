"""Read queries over the store: chunk records, neighbours, documents (FTS5 keyword search is ``backends.fts5``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from govqa.index.codec import chunk_record
from govqa.index.records import ChunkRecord, DocumentInfo

_RECORD_FIELDS = tuple(ChunkRecord.__dataclass_fields__)
_RECORD_SQL = """
SELECT c.id, d.name, d.title, d.year, d.region, d.region_path, c.text, c.section,
       c.page, c.page_end, c.start, c."end", c.position
FROM chunks c JOIN documents d ON d.id = c.doc_id
"""


class StoreQueries:
    """The reads ``Index`` serves to ``qa`` and the CLI (mixed into ``Store``, which provides ``_rows``)."""

    def read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        raise NotImplementedError

    def chunk_records(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """Records of the chunks with these ids (ids no longer stored are left out)."""
        rows = self.read(
            _RECORD_SQL + " WHERE c.id IN (SELECT value FROM json_each(?))", (json.dumps([int(i) for i in ids]),)
        )
        return {row[0]: chunk_record(dict(zip(_RECORD_FIELDS, row, strict=True))) for row in rows}

    def neighbours(self, chunk_id: int, before: int = 1, after: int = 1) -> list[ChunkRecord]:
        """The chunk and up to ``before``/``after`` chunks around it in its document, in order."""
        rows = self.read(
            _RECORD_SQL + " JOIN chunks x ON x.id = ? WHERE c.doc_id = x.doc_id "
            "AND c.position BETWEEN x.position - ? AND x.position + ? ORDER BY c.position",
            (chunk_id, before, after),
        )
        return [chunk_record(dict(zip(_RECORD_FIELDS, row, strict=True))) for row in rows]

    def document_slice(self, name: str, start: int, end: int) -> str:
        """Characters ``start``…``end`` (offsets, end exclusive) of a document's cleaned text; "" for an unknown one."""
        start, end = max(0, start), max(start, end)
        # SQLite reads substr's length as a 32-bit int: a larger one (an end "past any text") gave "".
        length = min(end - start, 2**31 - 1)
        rows = self.read("SELECT substr(text, ?, ?) FROM documents WHERE name = ?", (start + 1, length, name))
        return rows[0][0] if rows else ""

    def chunk_ids_of(self, doc_names: Sequence[str]) -> set[int]:
        """Ids of every chunk of the named documents."""
        rows = self.read(
            "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id "
            "WHERE d.name IN (SELECT value FROM json_each(?))",
            (json.dumps(list(doc_names)),),
        )
        return {r[0] for r in rows}

    def chunk_documents(self, ids: Sequence[int]) -> dict[int, str]:
        """Chunk id → its document's name, for the ids still stored."""
        rows = self.read(
            "SELECT c.id, d.name FROM chunks c JOIN documents d ON d.id = c.doc_id "
            "WHERE c.id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in ids]),),
        )
        return {int(i): name for i, name in rows}

    def documents(self) -> list[DocumentInfo]:
        """Every document with its chunk count, by name."""
        rows = self.read(
            "SELECT d.name, d.title, d.year, d.region, d.region_path, "
            "(SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.id), d.chars, d.added_at, d.content_hash, d.source, "
            "CAST(json_extract(d.meta, '$.ocr_confidence') AS REAL), d.library "
            "FROM documents d ORDER BY d.name"
        )
        return [DocumentInfo(*row) for row in rows]

    def all_facets(self) -> list[tuple[str, str, int | None, str]]:
        """(name, title, year, region_path) of every document, by name, read whole."""
        return [tuple(r) for r in self.read("SELECT name, title, year, region_path FROM documents ORDER BY name")]

    def facets_after(self, after: int) -> tuple[int, int, list[tuple[str, str, int | None, str]]]:
        """(how many documents are stored, the highest document id, the facets of the documents above id ``after``).

        Document ids are never reused: those above the highest a reader has seen are the
        documents added since. One statement, so the three are of one moment.
        """
        rows = self.read(
            "SELECT 1, (SELECT COUNT(*) FROM documents), (SELECT COALESCE(MAX(id), 0) FROM documents), NULL, NULL "
            "UNION ALL SELECT 0, name, title, year, region_path FROM documents WHERE id > ?",
            (int(after),),
        )
        _, count, top, _, _ = next(r for r in rows if r[0] == 1)
        return count, top, [tuple(r[1:]) for r in rows if r[0] == 0]
