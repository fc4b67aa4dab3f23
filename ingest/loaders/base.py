"""The loader seam: one class per file format, each turning a path into raw documents."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from govqa.ingest.document import RawDocument
from govqa.ingest.settings import IngestConfig, OcrConfig


class Loader(ABC):
    """Reads one file format.

    A loader yields one ``RawDocument`` per report in the file (one for most
    formats, one per row for CSV/JSONL exports) and raises ``IngestError``
    with a one-line reason when the file cannot be read. ``ocr`` says how the
    loaders of scans (PDF, images) read scanned pages; the others ignore it.
    ``limits`` bounds the work one file may ask (``[ingest]``): ``check``
    measures what is cheap before any parsing, and ``load`` enforces the rest
    while it reads, raising ``LimitError`` either way.
    """

    def __init__(self, ocr: OcrConfig | None = None, limits: IngestConfig | None = None):
        self.ocr = ocr or OcrConfig()
        self.limits = limits or IngestConfig()

    #: File name endings this loader handles, lower case, with the dot.
    suffixes: tuple[str, ...] = ()

    def check(self, source: BinaryIO, name: str) -> None:
        """Refuse a file over an ``[ingest]`` limit from what is cheap to measure, before any parsing.

        ``source`` holds the file's bytes from its start (an open file, or ``io.BytesIO`` of an
        upload); ``name`` is its file name. Raises ``LimitError`` (or ``IngestError`` for a file
        plainly not of the format); a file that cannot be measured passes, for ``load`` to say
        what is wrong with it. The base measures nothing.
        """
        return None

    @abstractmethod
    def load(self, path: Path) -> Iterator[RawDocument]:
        """Yield the raw documents held in ``path``."""
