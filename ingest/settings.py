"""The ingest stage's settings: how documents are cut into chunks, how scans are read, how much one file may cost.

``field(metadata={"min": …, "max": …})`` declares a value's range; the config
loader (``govqa/config.py``) refuses a value outside it, naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChunkConfig:
    """How cleaned documents are cut into chunks (sizes in characters)."""

    # 300 characters holds one to three report sentences: enough context for a
    # passage to be read alone, short enough that the answer dominates its
    # embedding (measured in docs/quality.md).
    size: int = field(default=300, metadata={"min": 20})
    overlap: int = field(default=50, metadata={"min": 0})

    def check(self) -> None:
        """Raise ``ValueError`` naming the key when the settings do not fit together."""
        if self.overlap >= self.size:
            raise ValueError(f"overlap ({self.overlap}) must be smaller than size ({self.size})")


@dataclass(frozen=True)
class OcrConfig:
    """How scanned pages (image-only PDF pages, page images) are read by OCR (``ingest.ocr``)."""

    # A PDF page holding an image and fewer visible characters than this in its text
    # layer is a scan (a stamped page number or a scanner's watermark is not a text layer).
    min_text_chars: int = field(default=20, metadata={"min": 0})
    # Rendering resolution of a scanned PDF page: 150 dpi puts 三号/四号 type at 25-33 px,
    # which the recognition model reads without errors (docs/ingest.md, *Scanned pages*).
    dpi: int = field(default=150, metadata={"min": 72, "max": 600})
    # Pages recognised at once; each holds one page image in memory (plus one being rendered).
    workers: int = field(default=2, metadata={"min": 1, "max": 16})
    # A page whose mean recognition confidence is below this is named in the ingest summary.
    low_confidence: float = field(default=0.8, metadata={"min": 0.0, "max": 1.0})
    # Larger images are refused (an image file) or rendered smaller (a PDF page): an A4 page
    # at 600 dpi is 35 megapixels; 8 bits a pixel, so one page image stays under ~120 MB as RGB.
    max_pixels: int = field(default=40_000_000, metadata={"min": 1_000_000})


@dataclass(frozen=True)
class IngestConfig:
    """How much work one file may ask of ingest: ``[ingest]``.

    Each limit is measured before the work it bounds (pages and rows counted,
    a zip's parts sized from its directory, characters counted as they are
    read) and a file over one is refused with a ``LimitError`` naming the
    limit and this setting. Sizes of real reports, and the cost of each limit
    at its default, are in docs/ingest.md (*Limits*).
    """

    # Pages of a PDF or frames of a TIFF; a text page costs ~0.1-0.3 s of layout.
    max_pages: int = field(default=1_000, metadata={"min": 1})
    # Pages read by OCR (an image file's frames, a PDF's scanned pages): ~5 CPU-seconds each.
    max_ocr_pages: int = field(default=200, metadata={"min": 1})
    # Rows of a CSV/TSV or JSON Lines export; each row is a document.
    max_rows: int = field(default=10_000, metadata={"min": 1})
    # Uncompressed size of all parts of a zip-based file (.docx), in MB, from the zip's directory.
    max_inflated_mb: int = field(default=20, metadata={"min": 1})
    # Characters of text in one file, all its documents together (a report holds 10^4-10^5).
    max_chars: int = field(default=3_000_000, metadata={"min": 1})
