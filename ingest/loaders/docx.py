"""Word .docx via python-docx: paragraphs and tables in body order, headings from styles."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from ingest.document import IngestError, Line, RawDocument
from ingest.loaders.base import Loader

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*([1-9])", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
_OTHER_OOXML = (("xl/", "an Excel workbook"), ("ppt/", "a PowerPoint deck"))


def _reason(exc: BaseException) -> str:
    """One short line describing ``exc``."""
    return (" ".join(str(exc).split()) or type(exc).__name__)[:160]


def _check_package(path: Path) -> None:
    """Explain why a file is not a Word package, before python-docx gives a vaguer error."""
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
            names = package.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"not a Word .docx file: broken zip ({_reason(exc)})") from None
    # The main part is usually word/document.xml, but some writers name it otherwise.
    if not any(name.startswith("word/") for name in names):
        kind = next((k for prefix, k in _OTHER_OOXML if any(n.startswith(prefix) for n in names)), None)
        shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
        raise IngestError(f"not a Word .docx file: {kind or 'a zip of other files'} ({shown or 'empty zip'})")


def _outline_level(paragraph: Paragraph) -> int | None:
    """Heading level from an outline level set on the paragraph or its style chain (0-based in XML)."""
    elements = [paragraph._p]
    style = paragraph.style
    while style is not None:
        elements.append(style.element)
        style = style.base_style
    for element in elements:
        ppr = element.find(qn("w:pPr"))
        found = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        if found is not None:
            value = found.get(qn("w:val"), "")
            return int(value) + 1 if value.isdigit() and int(value) < 9 else None
    return None


def _heading_level(paragraph: Paragraph) -> int | None:
    """1-9 for Heading N styles, 1 for Title, else the outline level, else None."""
    name = (paragraph.style.name or "").strip() if paragraph.style is not None else ""
    match = _HEADING_STYLE.fullmatch(name)
    if match:
        return int(match.group(1))
    if name.lower() in _TITLE_STYLES:
        return 1
    return _outline_level(paragraph)


def _paragraph_lines(paragraph: Paragraph) -> Iterator[Line]:
    parts = [p for p in paragraph.text.split("\n") if p.strip()]
    level = _heading_level(paragraph) if parts else None
    if level is not None:
        yield Line(" ".join(p.strip() for p in parts), heading=level)
    else:
        yield from (Line(p) for p in parts)


def _table_lines(table: Table) -> Iterator[Line]:
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split("\n")).strip())
        if any(cells):
            yield Line(" | ".join(cells))


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


def _body_lines(document: WordDocument, container) -> Iterator[Line]:
    """Lines of the block items under ``container``, in order.

    Content controls are descended into; a paragraph's text boxes follow the
    paragraph that anchors them (their own text boxes are read in turn).
    """
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield from _paragraph_lines(Paragraph(child, document))
            for box in _text_boxes(child):
                yield from _body_lines(document, box)
        elif child.tag == qn("w:tbl"):
            yield from _table_lines(Table(child, document))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_lines(document, content)


class DocxLoader(Loader):
    """Reads Word ``.docx``: body paragraphs, text boxes and table rows (cells joined with `` | ``) in order.

    Heading levels come from ``Heading N`` / ``Title`` styles (``标题 N`` too) or an
    outline level; page headers and footers, footnotes and comments are not read.
    """

    suffixes = (".docx",)

    def load(self, path: Path) -> Iterator[RawDocument]:
        _check_package(path)
        try:
            document = docx.Document(str(path))
            lines = list(_body_lines(document, document.element.body))
            title = (document.core_properties.title or "").strip()
        except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise IngestError(f"not a Word .docx file: {_reason(exc)}") from None
        except etree.XMLSyntaxError as exc:
            raise IngestError(f"corrupt .docx: broken XML ({_reason(exc)})") from None
        if not any(line.text.strip() for line in lines):
            raise IngestError("no text in the document")
        yield RawDocument(path.name, str(path), lines, {"title": title} if title else {})
