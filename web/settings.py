"""The web stage's settings: the page, its JSON API and the widget."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AppConfig:
    """The web page, its JSON API and the widget."""

    host: str = "127.0.0.1"
    port: int = field(default=7860, metadata={"min": 1, "max": 65535})
    corpus_dir: str = "corpus"
    data_dir: str = ".govqa/data"
    # Origins allowed to call /api/* from a browser; empty means same origin only.
    allowed_origins: tuple[str, ...] = ()
    api_key: str = ""
    users_file: str = ""
    max_upload_mb: int = field(default=50, metadata={"min": 1, "max": 4096})
    # Questions answered at once (/api/search, /api/ask, /api/compare); 0 = one per core. Searches
    # spend their time in ONNX Runtime, FAISS and SQLite, which release the GIL, so threads run them in parallel.
    workers: int = field(default=0, metadata={"min": 0, "max": 256})
    # Cores an upload embeds on; 0 = all but one (at least one), so that questions keep a core while an upload runs.
    upload_cores: int = field(default=0, metadata={"min": 0, "max": 256})
    # Questions that may wait for a worker; beyond them, or after waiting max_wait_s, 503 with Retry-After at once.
    queue_depth: int = field(default=32, metadata={"min": 0, "max": 10_000})
    max_wait_s: float = field(default=10.0, metadata={"min": 0.1, "max": 600.0})
    # A question's body must arrive within this (else 408); only then is it counted for a worker.
    body_timeout_s: float = field(default=10.0, metadata={"min": 0.1, "max": 600.0})
    # Every request's headers must arrive within this after the connection opens (or after the last response).
    header_timeout_s: float = field(default=10.0, metadata={"min": 0.1, "max": 600.0})
    # Addresses (or networks, "10.0.0.0/8") of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto
    # are believed; empty: none, so every client is its connection's own address (the login throttle's key).
    trusted_proxies: tuple[str, ...] = ()

    def question_workers(self) -> int:
        """Questions answered at once: ``workers``, or one per core when 0."""
        return self.workers or os.cpu_count() or 1

    def check(self) -> None:
        """``ValueError`` naming the entry when ``trusted_proxies`` holds something not an IP address or network."""
        for entry in self.trusted_proxies:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {entry!r} is not an IP address or network (such as 10.0.0.5 or 10.0.0.0/8)"
                ) from None
