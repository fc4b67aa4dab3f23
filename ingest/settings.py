"""The ingest stage's settings: how cleaned documents are cut into chunks, how scanned pages are read.

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
