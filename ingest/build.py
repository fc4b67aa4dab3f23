"""Turn a loader's raw lines into a clean, structured ``Document``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from govqa.ingest import clean, metadata, structure
from govqa.ingest.document import INGEST_VERSION, Document, IngestError, Line, RawDocument, Section

# Where a "相关报道" style marker may start the page's tail: not in the first part of the page.
_TAIL_FROM = 0.5


@dataclass
class _Row:
    text: str  # cleaned, emphasis markers still present
    page: int | None
    heading: int | None
    continues: bool = False  # the next row goes on with this row's paragraph
    record: bool = False  # a table row or a note: never a heading, chunked alone
    bold: bool = False  # set in bold as a whole: a numbered line is a heading even with a full stop


def _clean_rows(lines: list[Line]) -> list[_Row]:
    rows = [
        _Row(clean.clean_line(line.text), line.page, line.heading, line.continues, line.record, line.bold)
        for line in lines
    ]
    rows = _join_titles(_drop_footer([r for r in rows if not clean.is_chrome(r.text)]))
    cut = next((i for i, r in enumerate(rows) if i >= len(rows) * _TAIL_FROM and clean.is_tail_marker(r.text)), None)
    if cut is not None:
        rows = rows[:cut]
    last = next((i for i in range(len(rows) - 1, -1, -1) if rows[i].text), None)
    if last is not None:
        rows[last].text = clean.strip_trailing_spam(rows[last].text)
    # Runs of blank lines become one; none at the ends.
    out: list[_Row] = []
    for row in rows:
        if not row.text and (not out or not out[-1].text):
            continue
        out.append(row)
    while out and not out[-1].text:
        out.pop()
    return out


def _drop_footer(rows: list[_Row]) -> list[_Row]:
    """Without a portal's footer block: a footer marker line in the page's tail and the footer lines around it."""
    drop: set[int] = set()
    for i, row in enumerate(rows):
        if i < len(rows) * _TAIL_FROM or not clean.is_footer_marker(row.text):
            continue
        drop.add(i)
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(rows) and (not rows[j].text or clean.is_footer_line(rows[j].text)):
                drop.add(j)
                j += step
    return [row for i, row in enumerate(rows) if i not in drop]


def _join_titles(rows: list[_Row]) -> list[_Row]:
    """A title written on two lines (blank lines between allowed) becomes one row."""
    out: list[_Row] = []
    for row in rows:
        last = next((i for i in range(len(out) - 1, -1, -1) if out[i].text), None)
        joins = row.text and last is not None and not (row.record or out[last].record)
        if joins and clean.title_goes_on(out[last].text, row.text):
            out[last].text += row.text
            del out[last + 1 :]
            continue
        out.append(row)
    return out


def _headings(rows: list[_Row]) -> dict[int, structure.HeadingCandidate]:
    """Row index → heading for rows that head a section."""
    found: dict[int, structure.HeadingCandidate] = {}
    titles: set[int] = set()  # rows that complete an attachment mark's title
    for i, row in enumerate(rows):
        if row.record or i in titles or (i and rows[i - 1].continues):  # a table row; the rest of a wrapped line
            continue
        mark = structure.attachment(row.text) if row.text else None
        if mark:
            nxt = next((j for j in range(i + 1, len(rows)) if rows[j].text), None)
            named = structure.titled(mark, rows[nxt].text) if nxt is not None and not rows[nxt].record else None
            if named:
                titles.add(nxt)
            found[i] = named or mark
            continue
        if row.heading:
            found[i] = structure.HeadingCandidate(f"h{row.heading}", clean.strip_emphasis(row.text))
            continue
        candidate = structure.classify(row.text) if row.text else None
        if candidate is None and row.bold and row.text:
            candidate = structure.classify_bold(row.text)
        if candidate:
            found[i] = candidate
    # Adjacent lines of the same numbered kind, none with body text, are a list, not headings.
    in_lists = set()
    for i, candidate in found.items():
        nxt = found.get(i + 1)
        if nxt and nxt.kind == candidate.kind != "emphasis" and not (candidate.inline_body or nxt.inline_body):
            in_lists |= {i, i + 1}
    for i in in_lists:
        del found[i]
    kinds = {c.kind for c in found.values()}
    if not kinds & {"chapter", "cn"} and not any(k.startswith("h") for k in kinds):
        # Poster-style summaries mark sections only by short lines standing alone.
        # Once the text dives into numbered sections, a short line is an item, not a new top section.
        inside_numbered = False
        for i, row in enumerate(rows):
            if i in found:
                inside_numbered = True
                continue
            alone = (i == 0 or not rows[i - 1].text) and (i + 1 < len(rows) and not rows[i + 1].text)
            if (
                not inside_numbered
                and alone
                and not row.record
                and structure.is_plain_heading(clean.strip_emphasis(row.text))
            ):
                found[i] = structure.HeadingCandidate("plain", clean.strip_emphasis(row.text))
    return found


def _levels(found: dict[int, structure.HeadingCandidate]) -> dict[str, int]:
    """Level of each heading kind: attachments outermost, then format headings, then numbered kinds by depth."""
    kinds = {c.kind for c in found.values()}
    top = ["attachment"] if "attachment" in kinds else []
    styled = top + sorted(k for k in kinds if k.startswith("h"))
    levels = {k: n + 1 for n, k in enumerate(styled)}
    for kind, level in structure.assign_levels(kinds - set(styled)).items():
        levels[kind] = level + len(styled)
    return levels


def build_document(raw: RawDocument) -> Document:
    """Clean, structure and describe one raw document; ``IngestError`` if no text is left."""
    rows = _clean_rows(raw.lines)
    if not any(r.text for r in rows):
        raise IngestError("no text left after cleaning (empty or only page furniture)")
    found = _headings(rows)
    levels = _levels(found)
    parts: list[str] = []
    sections: list[Section] = []
    page_starts: list[tuple[int, int]] = []
    records: list[tuple[int, int]] = []
    offset = 0
    for i, row in enumerate(rows):
        text = clean.strip_emphasis(row.text)
        if row.page is not None and (not page_starts or page_starts[-1][1] != row.page):
            page_starts.append((offset, row.page))
        if i in found:
            sections.append(Section(levels[found[i].kind], found[i].title, offset))
        parts.append(text)
        if row.record and text:
            records.append((offset, offset + len(text)))
        offset += len(text)
        if i + 1 < len(rows):
            parts.append(_joint(row, rows[i + 1]))
            offset += len(parts[-1])
    text = "".join(parts)
    plain_lines = [r.text for r in rows if r.text][:5]
    title = metadata.title_of(raw.name, plain_lines, raw.meta)
    regions = metadata.region_path_of(title, raw.name, raw.meta, text[:600])
    meta = dict(raw.meta)
    if regions:
        meta["region_path"] = " ".join(regions)
    year = metadata.year_of(title, raw.name, raw.meta, text[:300])
    return Document(
        name=raw.name,
        source=raw.source,
        title=title,
        year=year,
        region=regions[-1] if regions else None,
        text=text,
        content_hash=_content_hash(text, title, year, meta),
        sections=sections,
        page_starts=page_starts,
        meta=meta,
        records=records,
    )


def _joint(row: _Row, nxt: _Row) -> str:
    """What goes between two rows: a line break, or for a wrapped line nothing (a space between Latin words)."""
    if not (row.continues and row.text and nxt.text):
        return "\n"
    latin = row.text[-1].isascii() and row.text[-1].isalpha() and nxt.text[0].isascii() and nxt.text[0].isalpha()
    return " " if latin else ""


def _content_hash(text: str, title: str, year: int | None, meta: dict[str, str]) -> str:
    """Changes when the text, the metadata, or the ingest code (``INGEST_VERSION``) that made them changes."""
    head = json.dumps([INGEST_VERSION, title, year, meta], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(f"{head}\n{text}".encode()).hexdigest()
