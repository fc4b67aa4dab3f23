"""Chunking: sentence-aware pieces that never cross a section boundary, each with its citation."""

from __future__ import annotations

import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from govqa.ingest.document import Chunk, Document
from govqa.ingest.settings import ChunkConfig

# Paragraphs first, then lines, then Chinese sentence ends (with their closing
# quotes), then clause marks; a bare character cut only for a run of text with none.
SEPARATORS = [
    "\n\n",
    "\n",
    r"[。！？!?]+[”’」』\"）)]*",
    r"[；;…]+[”’」』\"]*",
    r"[，,、：:]",
    "",
]


def make_splitter(config: ChunkConfig) -> RecursiveCharacterTextSplitter:
    """The langchain splitter configured for Chinese sentence boundaries."""
    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=config.size,
        chunk_overlap=config.overlap,
        strip_whitespace=True,
    )


def section_spans(document: Document) -> list[tuple[int, int]]:
    """Character ranges between consecutive headings that hold more than the heading itself.

    A heading directly followed by a sub-heading has no text of its own; its
    title still reaches retrieval through the section path of the chunks below it.
    """
    titles = {s.start: s.title for s in document.sections}
    starts = sorted({0, *titles})
    ends = starts[1:] + [len(document.text)]
    spans = []
    for a, b in zip(starts, ends, strict=False):
        body = document.text[a:b].strip()
        if body and not (a in titles and "\n" not in body and len(body) <= len(titles[a]) + 2):
            spans.append((a, b))
    return spans


def paragraph_groups(body: str, size: int) -> list[tuple[int, int]]:
    """Ranges of ``body`` to split on their own: whole paragraphs, short neighbours packed together.

    A paragraph of a report is usually one topic ("全力推进大运会筹办。…"), so a
    chunk should start where one starts; a group too short to stand alone (under
    a third of the size) takes in the paragraphs that follow it while they fit.
    """
    bounds = [(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?!\s*\n))*", body)]
    groups: list[tuple[int, int]] = []
    small = size // 3
    for start, end in bounds:
        if groups:
            g_start, g_end = groups[-1]
            if g_end - g_start < small and end - g_start <= size:
                groups[-1] = (g_start, end)
                continue
        groups.append((start, end))
    return groups


def unit_groups(body: str, base: int, records: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """``paragraph_groups`` of ``body`` (at offset ``base`` of its document), each record a group of its own.

    ``records`` are (start, end) document offsets of records (table rows, notes); the text between
    them is grouped by paragraphs as usual, so a record is never packed with its neighbours.
    """
    inside = [
        (max(a, base) - base, min(b, base + len(body)) - base) for a, b in records if a < base + len(body) and b > base
    ]
    groups: list[tuple[int, int]] = []
    cursor = 0
    for start, end in [*inside, (len(body), len(body))]:
        between = body[cursor:start]
        groups += [(cursor + a, cursor + b) for a, b in paragraph_groups(between, size)]
        if end > start:
            groups.append((start, end))
        cursor = max(cursor, end)
    return groups


def chunk_document(document: Document, config: ChunkConfig) -> list[Chunk]:
    """Cut a document into chunks that carry their section path, pages and offsets; each record is a chunk alone."""
    splitter = make_splitter(config)
    chunks: list[Chunk] = []
    for span_start, span_end in section_spans(document):
        section_text = document.text[span_start:span_end]
        for group_start, group_end in unit_groups(section_text, span_start, document.records, config.size):
            body = section_text[group_start:group_end]
            base = span_start + group_start
            cursor = 0
            for piece in splitter.split_text(body):
                at = body.find(piece, cursor)
                if at == -1:  # the splitter only strips and joins, so this cannot happen
                    raise AssertionError(f"chunk not found in its section: {piece[:30]!r}")
                start, end = base + at, base + at + len(piece)
                cursor = at + 1
                chunks.append(
                    Chunk(
                        position=len(chunks),
                        text=piece,
                        start=start,
                        end=end,
                        section=document.section_path_at(start),
                        page=document.page_at(start),
                        page_end=document.page_at(end - 1),
                    )
                )
    return chunks
