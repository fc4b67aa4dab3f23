"""web: the Gradio page, the JSON API and the embeddable widget, on one FastAPI server.

``create_app(config)`` builds the server; ``serve(config)`` runs it. The
modules stay thin: every answer comes from ``qa``, every document from ``index``.
"""

from __future__ import annotations

import os
from typing import Any

# Set before gradio is imported anywhere (every web module imports this package first).
# Forced, not defaulted: the page is for intranets, where nothing may call out.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

__all__ = ["Service", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    # Lazy, so that light users (``web.auth`` for --hash-password) do not load gradio.
    if name in ("create_app", "serve"):
        from govqa.web import server

        return getattr(server, name)
    if name == "Service":
        from govqa.web.service import Service

        return Service
    raise AttributeError(f"module 'web' has no attribute {name!r}")
