"""One module per sub-command; each has ``register(app)``."""

from __future__ import annotations

from govqa.errors import GovqaError


class UsageError(GovqaError):
    """Arguments that do not fit together (``govqa eval compare A`` without B, ``--index`` with ``--corpus``)."""
