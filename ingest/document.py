"""The data that flows out of ingest: raw lines, documents, chunks and their citations."""

from __future__ import annotations

from dataclasses import dataclass, field

from govqa.ingest.errors import IngestError  # noqa: F401  (re-exported: loaders raise it)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a loaded file, before cleaning.

    ``page`` is the 1-based PDF page it comes from (None for formats without pages);
    ``heading`` is a heading level known from the format itself (a .docx style,
    an HTML ``<h2>``, a markdown ``#``), or None to let the text decide;
    ``continues`` says the next line goes on with the same paragraph (a layout
    wrap, possibly across a page break): the two are joined without a line break.
    ``record`` marks a unit that stands alone: a table row made a record
    (``ingest/table_records.py``) or a footnote; it is never a heading and is chunked on its own.
    ``bold`` says the whole line is set in bold (a .docx paragraph): a numbered bold line is a
    heading even when it closes with a full stop ("（一）钢铁行业。").
    """

    text: str
    page: int | None = None
    heading: int | None = None
    continues: bool = False
    record: bool = False
    bold: bool = False


@dataclass
class RawDocument:
    """What a loader returns: the file's lines in reading order plus metadata read from the format.

    ``name`` is the file's base name (for rows of a CSV/JSONL export,
    ``file#row-id``); ``meta`` may carry title, year, region, publish_date,
    source_url and any other column of an export.
    """

    name: str
    source: str
    lines: list[Line]
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """A heading found in the cleaned text: its level, title and where it starts."""

    level: int
    title: str
    start: int


# Bump when cleaning, structure, metadata or chunking change what a file yields:
# it is part of every document's content hash, so `govqa index add` re-ingests
# documents made by an older version, and evaluation caches are keyed on it.
INGEST_VERSION = 4


@dataclass
class Document:
    """A cleaned, structured report, ready to be chunked and indexed; ``name`` is its key in the index."""

    name: str
    source: str
    title: str
    year: int | None
    region: str | None
    text: str
    # Identifies what ingest made of the file: the text, its metadata and INGEST_VERSION.
    content_hash: str
    sections: list[Section] = field(default_factory=list)
    # (start offset in text, page number) for each page start; empty without pages.
    page_starts: list[tuple[int, int]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    # (start, end) offsets of records (table rows, notes): each is chunked on its own.
    records: list[tuple[int, int]] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """The page that holds the character at ``offset`` (None without pages)."""
        page = None
        for start, number in self.page_starts:
            if start > offset:
                break
            page = number
        return page

    def section_path_at(self, offset: int) -> tuple[str, ...]:
        """Titles of the headings enclosing ``offset``, outermost first."""
        path: list[Section] = []
        for section in self.sections:
            if section.start > offset:
                break
            while path and path[-1].level >= section.level:
                path.pop()
            path.append(section)
        return tuple(s.title for s in path)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document with its citation: where exactly it comes from.

    ``start``/``end`` are character offsets in the cleaned document text, so
    ``document.text[start:end] == text``.
    """

    position: int
    text: str
    start: int
    end: int
    section: tuple[str, ...]
    page: int | None = None
    page_end: int | None = None

    @property
    def section_path(self) -> str:
        return " › ".join(self.section)
