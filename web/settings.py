"""The web stage's settings: the page, its JSON API and the widget."""

from __future__ import annotations

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
