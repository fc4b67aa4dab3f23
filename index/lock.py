"""One writer at a time per index directory, across processes (``filelock`` on ``DIR/write.lock``); readers never lock."""

from __future__ import annotations

import logging
from pathlib import Path

from filelock import FileLock, Timeout

from govqa.index.errors import READ_ONLY_ERRNOS, IndexReadOnlyError

log = logging.getLogger(__name__)

LOCK_NAME = "write.lock"


class WriteLock:
    """Exclusive, re-entrant writer lock on ``DIR/write.lock``.

    A second process waits, saying so once. The lock is an OS file lock, so it
    dies with its process: a killed writer never leaves the index locked. It is
    re-entrant for this object across threads (the server takes it in one
    thread and may give it back in another).
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._lock = FileLock(
            self.directory / LOCK_NAME, thread_local=False, preserve_lock_file=True, fallback_to_soft=False
        )

    def acquire(self, wait: bool = True) -> bool:
        """Take the lock; with ``wait=False`` return False at once if another process holds it.

        Raises ``IndexReadOnlyError`` when the folder cannot be written (a read-only mount,
        or no permission), waiting or not.
        """
        try:
            self._lock.acquire(timeout=0)
            return True
        except Timeout:
            if not wait:
                return False
        except OSError as exc:
            if exc.errno not in READ_ONLY_ERRNOS:
                raise
            raise IndexReadOnlyError(self.directory, exc.strerror) from None
        log.info("waiting for another govqa process writing to %s", self.directory)
        self._lock.acquire()
        return True

    def release(self) -> None:
        """Give the lock back (the outermost release unlocks)."""
        if self._lock.is_locked:
            self._lock.release()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
