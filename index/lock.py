"""One writer at a time per index directory, across processes (an fcntl lock file); readers never lock."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_NAME = "write.lock"


class WriteLock:
    """Exclusive, re-entrant (within one object) writer lock on ``DIR/write.lock``.

    A second process waits, saying so once. The lock dies with its process,
    so a killed writer never leaves the index locked.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._fd: int | None = None
        self._depth = 0

    def acquire(self, wait: bool = True) -> bool:
        """Take the lock; with ``wait=False`` return False at once if another process holds it."""
        if self._depth:
            self._depth += 1
            return True
        try:
            fd = os.open(self.directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError:
            if not wait:  # a read-only index can still be read
                return False
            raise PermissionError(f"cannot write to the index at {self.directory}: check its permissions") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                os.close(fd)
                return False
            log.info("waiting for another govqa process writing to %s", self.directory)
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd
        self._depth = 1
        return True

    def release(self) -> None:
        """Give the lock back (the outermost release unlocks)."""
        if not self._depth:
            return
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._depth > 0

    def __enter__(self) -> "WriteLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
