"""The retrieval text of a chunk: what is embedded and keyword-indexed, as opposed to what is shown.

"地区生产总值增长5%左右" appears in most provincial reports; a passage alone
cannot tell 四川's from 江苏's. Prefixing the document's title (plus its
region and year when the title lacks them) and the chunk's section path lets
"2026年四川省GDP增长目标" find 四川's passage. The stored and displayed text
stays the bare chunk text, so citations and offsets are unaffected. The
retrieval text is in simplified characters (``index.simplified``), as are the
queries, so a 繁體 report and a 简体 question meet in one form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from govqa.index.simplified import to_simplified
from govqa.ingest.sentences import sentence_spans

SECTION_SEPARATOR = " › "
# Bump when the format below changes: indexes built with another version need `govqa index rebuild --reembed`.
RETRIEVAL_TEXT_VERSION = 2  # 2: folded to simplified characters


class _ChunkLike(Protocol):
    text: str
    section: Any  # tuple of titles (ingest.Chunk) or the joined path (ChunkRecord)


def document_prefix(document_meta: Mapping[str, Any]) -> str:
    """Title, preceded by the places of the region path and the year that the title does not already name."""
    title = (document_meta.get("title") or "").strip()
    parts = []
    region_path = document_meta.get("region_path") or document_meta.get("region") or ""
    if region_path:
        missing = [place for place in region_path.split() if place not in title]
        if missing:
            parts.append(" ".join(missing))
    year = document_meta.get("year")
    if year and str(year) not in title:
        parts.append(f"{year}年")
    parts.append(title)
    return " ".join(p for p in parts if p)


def retrieval_text(document_meta: Mapping[str, Any], chunk: _ChunkLike) -> str:
    """``"{prefix} › {section path}\\n{chunk text}"``, or ``"{prefix}\\n{chunk text}"`` without sections.

    ``document_meta`` holds ``title``, ``year``, ``region`` and ``region_path``.
    """
    return in_context(document_meta, chunk.section, chunk.text)


def sentences_in_context(
    document_meta: Mapping[str, Any], chunk: _ChunkLike, spans: Sequence[tuple[int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    """The chunk's retrieval text, and ``spans`` (offsets in ``chunk.text``) moved to where they fall in it.

    The retrieval text ends with the chunk's text in simplified characters;
    folding keeps a text's length almost always, and then a span just moves
    by the head's length. Where folding changed the length, the sentences of
    the folded text are used (folding keeps the sentence punctuation), or
    failing that the spans scaled to the folded text.
    """
    text = retrieval_text(document_meta, chunk)
    body = to_simplified(chunk.text)
    shift = max(0, len(text) - len(body))
    if len(body) != len(chunk.text):
        own = sentence_spans(body)
        if len(own) == len(spans):
            spans = own
        else:
            scale = len(body) / max(1, len(chunk.text))
            spans = [(int(a * scale), max(int(a * scale) + 1, int(b * scale))) for a, b in spans]
    return text, [(a + shift, b + shift) for a, b in spans]


def in_context(document_meta: Mapping[str, Any], section: str | tuple[str, ...], text: str) -> str:
    """``text`` (a chunk, or one sentence of it) behind the document prefix and the section path, in simplified characters."""
    section = section if isinstance(section, str) else SECTION_SEPARATOR.join(section)
    head = document_prefix(document_meta)
    if section:
        head = f"{head}{SECTION_SEPARATOR}{section}" if head else section
    return to_simplified(f"{head}\n{text}" if head else text)
