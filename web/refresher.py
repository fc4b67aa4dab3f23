"""The app's background refresher: picks up what another process wrote to the index, off the request path."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("govqa.web")


class Refresher:
    """Calls ``index.refresh()`` every ``every`` seconds in a daemon thread until ``stop``.

    A refresh costs a few microseconds when nothing was committed (``Store.data_version``);
    when another process (``govqa index add``, another server) added or removed documents,
    it reads them without holding the lock searches take (``index.backends.faiss_mirror``).
    A failed refresh is logged and tried again at the next tick.
    """

    def __init__(self, index: Any, every: float):
        self.index = index
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="govqa-refresh", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the refresh in progress, if any; wait up to ``timeout`` s."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.index.refresh()
            except Exception:  # a damaged or vanished store: say so, keep serving what is in memory
                log.exception("refreshing the index from %s failed", getattr(self.index, "path", "?"))
