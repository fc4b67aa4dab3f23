"""The loader seam: one class per file format, each turning a path into raw documents."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

from ingest.document import RawDocument
from ingest.settings import OcrConfig


class Loader(ABC):
    """Reads one file format.

    A loader yields one ``RawDocument`` per report in the file (one for most
    formats, one per row for CSV/JSONL exports) and raises ``IngestError``
    with a one-line reason when the file cannot be read. ``ocr`` says how the
    loaders of scans (PDF, images) read scanned pages; the others ignore it.
    """

    def __init__(self, ocr: OcrConfig | None = None):
        self.ocr = ocr or OcrConfig()

    #: File name endings this loader handles, lower case, with the dot.
    suffixes: tuple[str, ...] = ()

    @abstractmethod
    def load(self, path: Path) -> Iterator[RawDocument]:
        """Yield the raw documents held in ``path``."""
