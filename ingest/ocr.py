"""Optical character recognition of page images: rapidocr, offline.

rapidocr 3.10 bundles the PP-OCR detection, direction and recognition models
in its wheel and runs them on ONNX Runtime, so nothing is downloaded at run
time. It is the optional extra ``ocr`` (``pip install -e ".[ocr]"``); without
it a scan is refused with a one-line reason naming the extra.

Pages are recognised in a bounded pool of threads (ONNX Runtime releases the
GIL): at most ``workers`` page images are being read while one more is made,
so a 100-page scan holds a few pages in memory, never all of them.
"""

from __future__ import annotations

import os
import queue
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import ImageFilter
from tqdm import tqdm

from govqa.ingest.errors import IngestError

# The detector sees the page scaled to at most this many pixels on its long side (recognition still
# reads the full-resolution crops). On a 150-dpi A4 scan (1241 × 1754) this cut detection from 5.1 s
# to 2.3 s and peak memory by 140 MB, with the same text (docs/ingest.md); PaddleOCR's own default
# for this detector is 960, which reads small print less surely.
DETECT_MAX_SIDE = 1280
NEEDS_EXTRA = 'scanned pages need OCR: install the optional extra with `pip install -e ".[ocr]"` (rapidocr)'


@dataclass(frozen=True)
class TextBox:
    """One line of text found on a page image, in pixels: its box (deskewing left to the layout) and score.

    ``corners`` are the box's four corners (x, y) clockwise from the top left, as the
    detector found them (a slanted box for a slightly rotated scan); ``score`` is the
    recognition confidence, 0-1.
    """

    text: str
    corners: tuple[tuple[float, float], ...]
    score: float

    @property
    def x0(self) -> float:
        return min(x for x, _ in self.corners)

    @property
    def x1(self) -> float:
        return max(x for x, _ in self.corners)

    @property
    def y0(self) -> float:
        return min(y for _, y in self.corners)

    @property
    def y1(self) -> float:
        return max(y for _, y in self.corners)


@dataclass(frozen=True)
class PageText:
    """What OCR read on one page: its 1-based number, its text boxes, and the image's width in pixels."""

    page: int
    boxes: list[TextBox]
    width: int

    @property
    def confidence(self) -> float | None:
        """Mean recognition confidence of the page's characters (None for a page without text)."""
        chars = sum(len(b.text) for b in self.boxes)
        return sum(b.score * len(b.text) for b in self.boxes) / chars if chars else None


class _Engines:
    """Idle rapidocr engines, kept between files: loading one takes a second or two."""

    def __init__(self) -> None:
        self.idle: queue.SimpleQueue = queue.SimpleQueue()

    def take(self, threads: int):
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            return _new_engine(threads)

    def give_back(self, engine) -> None:
        self.idle.put(engine)


_ENGINES = _Engines()


def available() -> bool:
    """True when the ``ocr`` extra (rapidocr) is installed."""
    try:
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def _new_engine(threads: int):
    try:
        from rapidocr import RapidOCR
    except ImportError:
        raise IngestError(NEEDS_EXTRA) from None
    return RapidOCR(
        params={
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "Det.limit_type": "max",
            "Det.limit_side_len": DETECT_MAX_SIDE,
        }
    )


def recognise(image, threads: int = 1) -> list[TextBox]:
    """The text lines on a PIL ``image``, in the detector's order; ``IngestError`` without the ``ocr`` extra."""
    # A 3×3 median filter takes out a scanner's salt-and-pepper specks, which otherwise hide
    # short marks from the detector: on the noisy test scans it missed "二、" before a heading.
    grey = image.convert("L").filter(ImageFilter.MedianFilter(3))
    engine = _ENGINES.take(threads)
    try:
        result = engine(np.asarray(grey.convert("RGB")))
    finally:
        _ENGINES.give_back(engine)
    if result.boxes is None or result.txts is None:
        return []
    return [
        TextBox(text, tuple((float(x), float(y)) for x, y in box), float(score))
        for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True)
        if text.strip()
    ]


def recognise_pages(images: Iterable[tuple[int, object]], total: int, workers: int) -> Iterator[PageText]:
    """OCR ``(page number, PIL image)`` pairs in a pool of ``workers`` threads; results in page order.

    ``images`` is drawn lazily: a new page is made only when a worker is free, so
    at most ``workers + 1`` images are alive. A progress bar of pages shows on a
    terminal (stderr). ``IngestError`` without the ``ocr`` extra.
    """
    if not available():
        raise IngestError(NEEDS_EXTRA)
    threads = max(1, (os.cpu_count() or 1) // workers)
    bar = tqdm(total=total, desc="OCR", unit=" pages", file=sys.stderr, disable=None, leave=False)
    pending: deque[tuple[int, int, Future]] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix="ocr") as pool:
        try:
            for number, image in images:
                pending.append((number, image.width, pool.submit(recognise, image, threads)))
                del image
                if len(pending) >= workers:
                    yield _finish(pending.popleft(), bar)
            while pending:
                yield _finish(pending.popleft(), bar)
        finally:
            for *_, future in pending:
                future.cancel()
            bar.close()


def _finish(item: tuple[int, int, Future], bar: tqdm) -> PageText:
    number, width, future = item
    boxes = future.result()
    bar.update(1)
    return PageText(number, boxes, width)
