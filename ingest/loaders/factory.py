"""Pick the loader for a file by its name ending."""

from __future__ import annotations

from pathlib import Path

from govqa.ingest.document import IngestError
from govqa.ingest.loaders.base import Loader
from govqa.ingest.loaders.docx import DocxLoader
from govqa.ingest.loaders.html import HtmlLoader
from govqa.ingest.loaders.image import ImageLoader
from govqa.ingest.loaders.pdf import PdfLoader
from govqa.ingest.loaders.table import CsvLoader, JsonlLoader
from govqa.ingest.loaders.text import TextLoader
from govqa.ingest.settings import IngestConfig, OcrConfig

LOADERS: tuple[type[Loader], ...] = (TextLoader, PdfLoader, DocxLoader, HtmlLoader, CsvLoader, JsonlLoader, ImageLoader)


def supported_suffixes() -> tuple[str, ...]:
    """Every file ending some loader reads."""
    return tuple(s for loader in LOADERS for s in loader.suffixes)


def loader_for(path: Path, ocr: OcrConfig | None = None, limits: IngestConfig | None = None) -> Loader:
    """The loader for ``path`` (scans read as ``ocr`` says, work bounded by ``limits``), or ``IngestError``
    naming the supported formats."""
    suffix = path.suffix.lower()
    for loader in LOADERS:
        if suffix in loader.suffixes:
            return loader(ocr=ocr, limits=limits)
    raise IngestError(f"unsupported file type {suffix or '(none)'!r}; supported: {' '.join(supported_suffixes())}")
