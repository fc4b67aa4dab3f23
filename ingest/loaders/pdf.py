"""PDF via pypdf: one line per extracted text line, each with its 1-based page number."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from ingest.document import IngestError, Line, RawDocument
from ingest.loaders.base import Loader


def _reason(exc: BaseException) -> str:
    """A short one-line description of a parser exception."""
    text = " ".join(str(exc).split())
    return (text or type(exc).__name__)[:160]


def _check_file(path: Path) -> bool:
    """Reject empty and non-PDF files early; return whether the file has an end-of-file marker."""
    size = path.stat().st_size
    if size == 0:
        raise IngestError("empty file")
    with path.open("rb") as handle:
        head = handle.read(1024)
        handle.seek(max(0, size - 4096))
        tail = handle.read()
    if b"%PDF-" not in head:
        raise IngestError("corrupt PDF: not a PDF file (no %PDF header)")
    return b"%%EOF" in tail


def _open(path: Path) -> PdfReader:
    """A reader for ``path``, decrypted with the empty password when the PDF is encrypted."""
    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        try:
            unlocked = reader.decrypt("")
        except DependencyError:
            raise IngestError("encrypted PDF uses AES: reading it needs the 'cryptography' package") from None
        if not unlocked:
            raise IngestError("encrypted PDF, needs the password")
    return reader


class PdfLoader(Loader):
    """Reads text-layer PDFs with pypdf; every line carries its 1-based page.

    Encrypted files are opened with the empty password when that works (many
    government PDFs are "encrypted" only to forbid editing). Scanned PDFs, with no
    text layer at all, are rejected: they need OCR, which this loader does not do.
    """

    suffixes = (".pdf",)

    def load(self, path: Path) -> Iterator[RawDocument]:
        complete = _check_file(path)
        # pypdf logs every recoverable flaw (at WARNING) while it carries on; our
        # verdict is the exception or the text, so keep its log quiet meanwhile.
        pypdf_log = logging.getLogger("pypdf")
        level = pypdf_log.level
        pypdf_log.setLevel(logging.ERROR)
        try:
            lines, meta = self._read(path)
        except IngestError as exc:
            if not complete and str(exc).startswith("corrupt PDF"):
                raise IngestError(f"{exc} (file looks truncated: no %%EOF marker)") from None
            raise
        finally:
            pypdf_log.setLevel(level)
        if not any(line.text.strip() for line in lines):
            raise IngestError("no text layer (scanned PDF?), needs OCR")
        yield RawDocument(path.name, str(path), lines, meta)

    @staticmethod
    def _read(path: Path) -> tuple[list[Line], dict[str, str]]:
        page_number = 0
        try:
            reader = _open(path)
            lines: list[Line] = []
            for page_number, page in enumerate(reader.pages, start=1):
                text = page.extract_text() or ""
                lines.extend(Line(t, page=page_number) for t in text.splitlines())
            page_number = 0
            info = reader.metadata
            title = str(info.title or "").strip() if info else ""
        except IngestError:
            raise
        except FileNotDecryptedError:
            raise IngestError("encrypted PDF, needs the password") from None
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
                AssertionError, RecursionError, ZeroDivisionError, zlib.error) as exc:
            # pypdf documents that broken files may raise exceptions beyond its own.
            where = f"page {page_number}: " if page_number else ""
            raise IngestError(f"corrupt PDF: {where}{_reason(exc)}") from None
        return lines, {"title": title} if title else {}
