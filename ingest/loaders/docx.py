"""Word .docx via python-docx: paragraphs, tables and notes in body order, headings from styles, numbers computed."""

from __future__ import annotations

import copy
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import docx
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from govqa.ingest import table_records
from govqa.ingest.document import IngestError, Line, RawDocument
from govqa.ingest.errors import LimitError
from govqa.ingest.loaders.base import Loader
from govqa.ingest.loaders.docx_notes import Notes
from govqa.ingest.loaders.docx_numbering import Numbering
from govqa.ingest.loaders.docx_tables import caption, read_table
from govqa.ingest.settings import IngestConfig

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*([1-9])", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
_OTHER_OOXML = (("xl/", "an Excel workbook"), ("ppt/", "a PowerPoint deck"))


def _reason(exc: BaseException) -> str:
    """One short line describing ``exc``."""
    return (" ".join(str(exc).split()) or type(exc).__name__)[:160]


def _over_inflated(found: str, limits: IngestConfig) -> LimitError:
    return LimitError(f"{found} when inflated", "max_inflated_mb", limits.max_inflated_mb, " MB")


def _check_parts(parts: list[zipfile.ZipInfo], limits: IngestConfig) -> None:
    """``LimitError`` when the parts inflate past ``[ingest] max_inflated_mb`` by the zip's directory.

    Word writes deflate or stored parts only; other methods (bzip2, LZMA) are refused, as zipfile
    inflates them in one unbounded step.
    """
    odd = next((p for p in parts if p.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)), None)
    if odd is not None:
        raise IngestError(f"not a Word .docx file: part {odd.filename} is compressed with method {odd.compress_type}")
    inflated = sum(p.file_size for p in parts)
    if inflated > limits.max_inflated_mb << 20:
        raise _over_inflated(f"{inflated / (1 << 20):,.1f} MB in {len(parts)} parts", limits)


def _measure_parts(path: Path, limits: IngestConfig) -> None:
    """Inflate every part in 64 KiB steps, keeping nothing, and count what comes out.

    The directory's sizes are the file's own claims: a part may inflate to far more than its
    entry says, and zipfile's ``read`` (python-docx's) inflates a part's whole stream in one step
    before cutting it to that size. Here each part is read as if unbounded: ``LimitError`` as soon
    as the count passes the limit, and ``IngestError`` for a part that inflates to other than its
    stated size or is damaged, before python-docx reads any.
    """
    limit, total = limits.max_inflated_mb << 20, 0
    with zipfile.ZipFile(path) as package:
        for part in package.infolist():
            unbounded = copy.copy(part)
            unbounded.file_size = 1 << 62  # zipfile then stops at the stream's end, not at the stated size
            size = 0
            try:
                with package.open(unbounded) as stream:
                    while block := stream.read(1 << 16):
                        size += len(block)
                        if total + size > limit:
                            raise _over_inflated(f"more than {limits.max_inflated_mb:,} MB", limits)
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError) as exc:  # RuntimeError: an encrypted part
                raise IngestError(f"corrupt .docx: part {part.filename}: {_reason(exc)}") from None
            if size != part.file_size:
                raise IngestError(
                    f"corrupt .docx: part {part.filename} inflates to {size:,} bytes, not the {part.file_size:,} it states"
                )
            total += size


def _check_package(path: Path, limits: IngestConfig) -> None:
    """Explain why a file is not a Word package, before python-docx gives a vaguer error; refuse one over the limits."""
    with path.open("rb") as handle:
        magic = handle.read(8)
    if not magic:
        raise IngestError("empty file")
    if magic == _OLE_MAGIC:
        raise IngestError("not a Word .docx file: an old binary .doc (or other OLE file); save it as .docx")
    if not zipfile.is_zipfile(path):
        raise IngestError("not a Word .docx file: not a zip package")
    try:
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"not a Word .docx file: broken zip ({_reason(exc)})") from None
    names = [part.filename for part in parts]
    # The main part is usually word/document.xml, but some writers name it otherwise.
    if not any(name.startswith("word/") for name in names):
        kind = next((k for prefix, k in _OTHER_OOXML if any(n.startswith(prefix) for n in names)), None)
        shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
        raise IngestError(f"not a Word .docx file: {kind or 'a zip of other files'} ({shown or 'empty zip'})")
    _check_parts(parts, limits)


def _outline(element) -> tuple[bool, int | None]:
    """Whether ``element`` (a w:p or w:style) sets an outline level, and the heading level it gives (0-based in XML)."""
    ppr = element.find(qn("w:pPr"))
    found = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
    if found is None:
        return False, None
    value = found.get(qn("w:val"), "")
    return True, int(value) + 1 if value.isdigit() and int(value) < 9 else None


def _style_levels(style) -> tuple[int | None, int | None]:
    """A paragraph style's heading level by its name (Heading N, 标题 N, Title) and by its chain's outline level."""
    name = (style.name or "").strip() if style is not None else ""
    match = _HEADING_STYLE.fullmatch(name)
    by_name = int(match.group(1)) if match else (1 if name.lower() in _TITLE_STYLES else None)
    while style is not None:
        sets, level = _outline(style.element)
        if sets:
            return by_name, level
        style = style.base_style
    return by_name, None


class _Headings:
    """Heading levels of paragraphs: a style's name, else the paragraph's outline level, else its style chain's.

    Each style is resolved once: python-docx looks a paragraph's style up by scanning every style
    (4 ms a paragraph in a default document), so 20,000 paragraphs took 80 s before this cache.
    """

    def __init__(self) -> None:
        self._by_style: dict[str | None, tuple[int | None, int | None]] = {}

    def level(self, paragraph: Paragraph) -> int | None:
        """1-9, or None for body text."""
        key = paragraph._p.style
        if key not in self._by_style:
            self._by_style[key] = _style_levels(paragraph.style)
        by_name, by_style_outline = self._by_style[key]
        if by_name is not None:
            return by_name
        sets, level = _outline(paragraph._p)
        return level if sets else by_style_outline


# Text boxes and shapes hold their text in w:txbxContent. Word writes a modern
# box twice, in mc:AlternateContent's mc:Choice (DrawingML) and again in its
# mc:Fallback (VML) for older readers (ECMA-376 Part 3, 10.2): the fallback copy is skipped.
_TEXT_BOX = qn("w:txbxContent")
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _text_boxes(paragraph) -> Iterator:
    """The text boxes anchored in ``paragraph`` (a w:p), in document order; none of a fallback copy or nested box."""
    for box in paragraph.iter(_TEXT_BOX):
        parent = box.getparent()
        while parent is not None and parent is not paragraph and parent.tag not in (_FALLBACK, _TEXT_BOX):
            parent = parent.getparent()
        if parent is paragraph:
            yield box


class _Body:
    """Reads the block items of a Word body in order into lines.

    Paragraphs carry their automatic number (``docx_numbering``) and are followed by the notes
    they cite (``docx_notes``); tables become records (``ingest/table_records.py``) titled by their
    own title row or by the paragraph just before them when it reads like a caption.
    """

    def __init__(self, document: WordDocument, headings: _Headings, numbering: Numbering, notes: Notes) -> None:
        self.document = document
        self.headings = headings
        self.numbering = numbering
        self.notes = notes
        self._last = ""  # the text of the last paragraph read: a table's caption when short
        self._style_bold: dict[str | None, bool] = {}  # a paragraph style's id → does it set bold (resolved once)

    def lines(self, container) -> Iterator[Line]:
        """Lines of the block items under ``container``, in order.

        Content controls are descended into; a paragraph's text boxes follow the
        paragraph that anchors them (their own text boxes are read in turn).
        """
        for child in container.iterchildren():
            if child.tag == qn("w:p"):
                yield from self._paragraph(Paragraph(child, self.document))
                for box in _text_boxes(child):
                    yield from self.lines(box)
            elif child.tag == qn("w:tbl"):
                table = Table(child, self.document)
                yield from table_records.record_lines(read_table(table, caption(self._last)))
                for paragraph in child.iter(qn("w:p")):
                    yield from (Line(note, record=True) for note in self.notes.cited(paragraph))
                self._last = ""
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from self.lines(content)

    def _paragraph(self, paragraph: Paragraph) -> Iterator[Line]:
        label = self.numbering.label(paragraph._p)
        parts = [p for p in paragraph.text.split("\n") if p.strip()]
        if parts and label:
            parts[0] = label + parts[0].lstrip()
        self._last = " ".join(parts)
        level = self.headings.level(paragraph) if parts else None
        if level is not None:
            yield Line(" ".join(p.strip() for p in parts), heading=level)
        else:
            bold = len(parts) == 1 and self._bold(paragraph)
            yield from (Line(p, bold=bold) for p in parts)
        yield from (Line(note, record=True) for note in self.notes.cited(paragraph._p))

    def _bold(self, paragraph: Paragraph) -> bool:
        """Is every run with text bold, by its own formatting or else its paragraph style's?"""
        runs = [run for run in paragraph.runs if run.text.strip()]
        if not runs:
            return False
        key = paragraph._p.style
        if any(run.bold is None for run in runs) and key not in self._style_bold:
            style = paragraph.style
            while style is not None and style.font.bold is None:
                style = style.base_style
            self._style_bold[key] = bool(style is not None and style.font.bold)
        return all(run.bold or (run.bold is None and self._style_bold[key]) for run in runs)


def _body(document: WordDocument) -> _Body:
    """A body reader with the document's numbering definitions, styles and notes."""
    part = document.part
    numbering = part.numbering_part.element if _has_part(part, RT.NUMBERING) else None
    return _Body(document, _Headings(), Numbering(numbering, part.styles.element), Notes(part))


def _has_part(part, reltype: str) -> bool:
    return any(rel.reltype == reltype for rel in part.rels.values())


class DocxLoader(Loader):
    """Reads Word ``.docx``: body paragraphs, text boxes, tables and notes, in order.

    Heading levels come from ``Heading N`` / ``Title`` styles (``标题 N`` too) or an
    outline level; automatic numbers are written into their paragraphs ("一、", "（三）");
    each table row is a record (``ingest/table_records.py``); footnotes and endnotes follow
    the paragraph that cites them as lines of their own. Page headers and footers and
    comments are not read.
    """

    suffixes = (".docx",)

    def check(self, source: BinaryIO, name: str) -> None:
        """``LimitError`` for parts inflating past ``[ingest] max_inflated_mb``, from the zip's directory (no part read)."""
        try:
            with zipfile.ZipFile(source) as package:
                parts = package.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return  # load says why
        _check_parts(parts, self.limits)

    def load(self, path: Path) -> Iterator[RawDocument]:
        _check_package(path, self.limits)
        try:
            _measure_parts(path, self.limits)
            document = docx.Document(str(path))
            lines = list(_body(document).lines(document.element.body))
            title = (document.core_properties.title or "").strip()
        except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise IngestError(f"not a Word .docx file: {_reason(exc)}") from None
        except etree.XMLSyntaxError as exc:
            raise IngestError(f"corrupt .docx: broken XML ({_reason(exc)})") from None
        if not any(line.text.strip() for line in lines):
            raise IngestError("no text in the document")
        yield RawDocument(path.name, str(path), lines, {"title": title} if title else {})
