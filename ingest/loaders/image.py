"""Page images: ``.png``, ``.jpg``/``.jpeg``, ``.tif``/``.tiff`` (one page per frame), read by OCR.

Pillow opens the file and reads only its header first: an image over
``[ocr] max_pixels`` is refused before its pixels are decoded, so a 20,000 ×
20,000 image costs nothing. Frames are decoded one at a time, as the OCR pool
asks for them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from govqa.ingest.document import RawDocument
from govqa.ingest.errors import IngestError, LimitError
from govqa.ingest.loaders.base import Loader
from govqa.ingest.loaders.layout import document_lines
from govqa.ingest.loaders.scan import read_scans


class ImageLoader(Loader):
    """Reads scanned pages stored as images with OCR (the optional extra ``ocr``); one document per file."""

    suffixes = (".png", ".jpg", ".jpeg", ".tif", ".tiff")

    def check(self, source: BinaryIO, name: str) -> None:
        """``LimitError`` for more pages (TIFF frames) than ``[ingest] max_pages`` or ``max_ocr_pages``,
        counted from the frames' headers (no pixel decoded)."""
        try:
            with _open(source) as image:
                count = getattr(image, "n_frames", 1)
        except (IngestError, OSError, ValueError, EOFError, SyntaxError):
            return  # load says why
        self._check_pages(count)

    def _check_pages(self, count: int) -> None:
        limits = self.limits
        if count > limits.max_pages:
            raise LimitError(f"{count:,} pages", "max_pages", limits.max_pages)
        if count > limits.max_ocr_pages:  # every page of an image is read by OCR
            raise LimitError(f"{count:,} pages, each read by OCR", "max_ocr_pages", limits.max_ocr_pages)

    def load(self, path: Path) -> Iterator[RawDocument]:
        if path.stat().st_size == 0:
            raise IngestError("empty file")
        with _open(path) as image:
            count = getattr(image, "n_frames", 1)
            self._check_pages(count)
            placed, meta = read_scans(self._frames(image, count), count, self.ocr)
        lines, title = document_lines([placed[n] for n in range(1, count + 1)])
        if not lines:
            raise IngestError("no text recognised (a blank image?)")
        yield RawDocument(path.name, str(path), lines, {**meta, **({"title": title} if title else {})})

    def _frames(self, image: Image.Image, count: int) -> Iterator[tuple[int, Image.Image]]:
        """Each frame (page) decoded as a grey image, after checking its size."""
        limit = self.ocr.max_pixels
        for number in range(1, count + 1):
            where = f"page {number}: " if count > 1 else ""
            try:
                image.seek(number - 1)
                if image.width * image.height > limit:
                    raise IngestError(
                        f"{where}image of {image.width} × {image.height} pixels is over the limit of "
                        f"{limit:,} pixels ([ocr] max_pixels): scan at a lower resolution"
                    )
                frame = image.convert("L")  # OCR reads grey: a third of RGB's memory
            except (OSError, ValueError, EOFError, SyntaxError) as exc:
                raise IngestError(f"corrupt image: {where}{_reason(exc)}") from None
            yield number, frame


def _open(source: Path | BinaryIO) -> Image.Image:
    """The image, its header read (pixels not yet decoded); ``IngestError`` for a file Pillow cannot read."""
    try:
        with warnings.catch_warnings():
            # Our own limit ([ocr] max_pixels) is checked per frame; Pillow's warning would only repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(source)
    except Image.DecompressionBombError as exc:
        raise IngestError(f"image too large: {_reason(exc)}") from None
    except UnidentifiedImageError:
        raise IngestError("corrupt image: not a PNG, JPEG or TIFF image that can be read") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise IngestError(f"corrupt image: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return (text or type(exc).__name__)[:160]
