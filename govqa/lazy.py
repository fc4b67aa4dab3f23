"""Names a package exports but loads on first use (PEP 562), so that importing a light module
(``govqa.index.settings``, ``govqa.index.errors``) does not load the heavy ones (numpy, FAISS,
the text splitter) through its package's ``__init__``."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, homes: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``homes`` maps each exported name to the module defining it.

    A name is imported from its home on first access and then cached in ``namespace`` (the package's
    ``globals()``); any other name raises ``AttributeError`` as a missing attribute does.
    """

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(homes[name]), name)
        namespace[name] = value
        return value

    return __getattr__
