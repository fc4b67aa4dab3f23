"""Chunking: sentence-aware pieces that never cross a section boundary, each with its citation."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from govqa.config import ChunkConfig
from ingest.document import Chunk, Document

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
    for a, b in zip(starts, ends):
        body = document.text[a:b].strip()
        if body and not (a in titles and "\n" not in body and len(body) <= len(titles[a]) + 2):
            spans.append((a, b))
    return spans


def chunk_document(document: Document, config: ChunkConfig) -> list[Chunk]:
    """Cut a document into chunks that carry their section path, pages and offsets."""
    splitter = make_splitter(config)
    chunks: list[Chunk] = []
    for span_start, span_end in section_spans(document):
        body = document.text[span_start:span_end]
        cursor = 0
        for piece in splitter.split_text(body):
            at = body.find(piece, cursor)
            if at == -1:  # the splitter only strips and joins, so this cannot happen
                raise AssertionError(f"chunk not found in its section: {piece[:30]!r}")
            start, end = span_start + at, span_start + at + len(piece)
            cursor = at + 1
            chunks.append(Chunk(
                doc_id=document.doc_id,
                position=len(chunks),
                text=piece,
                start=start,
                end=end,
                section=document.section_path_at(start),
                page=document.page_at(start),
                page_end=document.page_at(end - 1),
            ))
    return chunks
