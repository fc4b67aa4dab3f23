"""Index backends behind the ``index.backend.Backend`` seam, opened by the name ``[index] backend`` gives.

A backend is a ``Backend`` class registered in ``govqa.registry.backends``: govqa's own by the entry
points of ``pyproject.toml`` (``local``: SQLite + FTS5 + FAISS in the index folder, the default;
``milvus``: Milvus 2.5, a cluster or Milvus Lite, ``pip install -e ".[milvus]"``), any other by an
entry point of the group ``govqa.backends``, ``register`` from code, or a dotted path.
"""

from __future__ import annotations

from pathlib import Path

from govqa.index.backend import Backend
from govqa.index.errors import IndexUnavailableError
from govqa.index.settings import IndexConfig
from govqa.registry import UnknownNameError, backends

# How to install what govqa's own backends import beyond its core.
EXTRAS = {"milvus": 'pip install -e ".[milvus]"'}


def backend_class(name: str) -> type[Backend]:
    """The ``Backend`` class registered under ``name`` (or a dotted path's).

    ``IndexUnavailableError`` for an unknown name (listing the registered ones), a backend whose
    packages are not installed (naming the extra), or a target that is not a ``Backend`` class.
    """
    try:
        target = backends.load(name)
    except UnknownNameError as exc:
        raise IndexUnavailableError(exc.message, exc.fix) from None
    except ImportError as exc:
        missing = exc.name or str(exc)
        raise IndexUnavailableError(
            f'[index] backend = "{name}" needs {missing}, which is not installed',
            f"install it with `{EXTRAS[name]}`" if name in EXTRAS else "install the package that provides it",
        ) from None
    if not (isinstance(target, type) and issubclass(target, Backend)):
        raise IndexUnavailableError(f"[index] backend {name!r} names {target!r}, which is not a Backend class")
    return target


def create_backend(
    directory: Path, config: IndexConfig, dimension: int, faiss_factory: str, create: bool = False
) -> Backend:
    """The backend ``config.backend`` names over the index at ``directory``; ``create`` makes its empty storage.

    Raises ``IndexUnavailableError`` as ``backend_class`` does, and when its storage cannot be
    reached (a Milvus server down).
    """
    return backend_class(config.backend).from_config(Path(directory), config, dimension, faiss_factory, create)
