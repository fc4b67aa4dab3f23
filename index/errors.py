"""The index's errors: an index or model that cannot be used as configured.

Each message says what is wrong and how to mend it (which command to run).
"""

from __future__ import annotations

from ingest.errors import GovqaError


class IndexUnavailableError(GovqaError):
    """An index, its model or its files that cannot be used; the API answers 503."""

    status = 503


class IndexNotFoundError(IndexUnavailableError, FileNotFoundError):
    """There is no index at the given folder."""


class IndexMismatchError(IndexUnavailableError):
    """The index was built with another embedding model (or format) than the configuration asks for."""


class ModelNotFoundError(IndexUnavailableError):
    """The configured embedding model cannot be loaded (offline, not built, or not a model)."""


class VectorIndexError(IndexUnavailableError):
    """The vector index cannot be built or used as configured."""
