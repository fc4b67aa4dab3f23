"""Reading ahead: the next files are read and chunked on a thread while the model embeds the current ones."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def prefetched(items: Iterable[T], depth: int = 4) -> Iterator[T]:
    """``items`` in order, produced on a background thread up to ``depth`` ahead of the consumer.

    Reading and chunking (pdfminer, OCR, jieba: Python holding the GIL) then
    overlaps embedding (ONNX Runtime, which releases it), so both cores stay
    busy. An exception raised while producing is raised here, at the item
    where it happened. Closing the iterator early (a cancelled add, Ctrl-C)
    stops the producer at its next item.
    """
    ahead: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            offer((_DONE, exc))
            return
        offer((_DONE, None))

    thread = threading.Thread(target=produce, name="govqa-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = ahead.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
