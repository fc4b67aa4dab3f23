"""Index backends behind the ``index.backend.Backend`` seam, picked by ``[index] backend``.

``local``: SQLite + FTS5 + FAISS in the index folder (``local.py``, the default).
``milvus``: Milvus 2.5, a cluster or Milvus Lite (``milvus.py``; ``pip install -e ".[milvus]"``).
"""

from __future__ import annotations

from pathlib import Path

from govqa.index.backend import Backend
from govqa.index.errors import IndexUnavailableError
from govqa.index.settings import IndexConfig

BACKENDS = ("local", "milvus")
MILVUS_EXTRA = 'pip install -e ".[milvus]"'


def create_backend(directory: Path, config: IndexConfig, dimension: int, factory: str, create: bool = False) -> Backend:
    """The backend ``config.backend`` names over the index at ``directory``; ``create`` makes its empty storage.

    Raises ``IndexUnavailableError`` when the Milvus packages are not installed
    or the server cannot be reached (``index.backends.milvus``).
    """
    if config.backend == "local":
        from govqa.index.backends.local import LocalBackend

        return LocalBackend(directory, dimension, factory, create=create)
    if config.backend == "milvus":
        try:
            from govqa.index.backends.milvus import MilvusBackend
        except ImportError as exc:
            raise IndexUnavailableError(
                f'[index] backend = "milvus" needs pymilvus and milvus-lite ({exc.name} is not installed)',
                f"install them with `{MILVUS_EXTRA}`",
            ) from None
        return MilvusBackend(directory, config.milvus, dimension, create=create)
    raise IndexUnavailableError(
        f"unknown [index] backend {config.backend!r}", f"set it to one of {', '.join(map(repr, BACKENDS))}"
    )
