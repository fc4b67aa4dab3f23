"""Named registries for govqa's seams: index backends, embedders and file-format loaders.

A seam's implementations are found three ways, in this order:

- ``register(name, target)`` from code (a test module, an application embedding govqa);
- entry points of the seam's group (``govqa.backends``, ``govqa.embedders``, ``govqa.loaders``):
  govqa registers its own this way in ``pyproject.toml``, and so can any installed package;
- a dotted path ``"package.module:Name"`` given where a name is expected (``[index] backend``,
  ``[model] embedder``), imported on first use.

A leaf module: it imports nothing of govqa but the error root, so settings can check a name
without loading any stage. What a target is (a class, a factory function) is the seam's business.
"""

from __future__ import annotations

import threading
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from govqa.errors import ConfigError


class UnknownNameError(ConfigError):
    """A name no implementation of the seam is registered under; the message lists those that are."""


def is_dotted_path(name: str) -> bool:
    """True for ``"package.module:Name"`` (a module path, a colon, an attribute path)."""
    module, colon, attr = name.partition(":")
    return bool(colon and module and attr) and all(p.isidentifier() for p in (*module.split("."), *attr.split(".")))


class Registry:
    """Implementations of one seam by name: ``load(name)`` gives the target, ``names()`` what is known.

    ``setting`` names where a user chooses one (for messages, e.g. ``"[index] backend"``);
    ``group`` is the entry-point group read once, on first use. Thread-safe.
    """

    def __init__(self, seam: str, group: str, setting: str):
        self.seam, self.group, self.setting = seam, group, setting
        self._registered: dict[str, Any] = {}
        self._entry_points: dict[str, EntryPoint] | None = None
        self._lock = threading.Lock()

    def register(self, name: str, target: Any) -> None:
        """Register ``target`` (an object, or a ``"module:Name"`` string imported when loaded) under ``name``.

        A name registered in code takes precedence over an entry point of the same name.
        """
        if not name or is_dotted_path(name):
            raise ValueError(f"{self.seam} name must be a plain name, not {name!r}")
        with self._lock:
            self._registered[name] = target

    def unregister(self, name: str) -> None:
        """Forget a name registered in code (entry points stay)."""
        with self._lock:
            self._registered.pop(name, None)

    def _group(self) -> dict[str, EntryPoint]:
        with self._lock:
            if self._entry_points is None:
                self._entry_points = {ep.name: ep for ep in entry_points(group=self.group)}
            return self._entry_points

    def names(self) -> list[str]:
        """Every registered name, from code and from entry points, sorted."""
        found = set(self._group())
        with self._lock:
            found |= set(self._registered)
        return sorted(found)

    def knows(self, name: str) -> bool:
        """True if ``load(name)`` could find a target without importing anything: a known name or a dotted path."""
        return is_dotted_path(name) or name in self.names()

    def check(self, name: str) -> None:
        """``UnknownNameError`` (one line, listing the registered names) unless ``knows(name)``."""
        if not self.knows(name):
            raise self.unknown(name)

    def unknown(self, name: str) -> UnknownNameError:
        """The error for a name nothing is registered under."""
        names = self.names()
        if not names:  # govqa's own are entry points too: an install that predates them has none
            return UnknownNameError(
                f"unknown {self.setting} {name!r}: no {self.seam} is registered (entry points {self.group})",
                "reinstall govqa (`pip install -e .`), which registers its own",
            )
        return UnknownNameError(
            f"unknown {self.setting} {name!r}; registered: {', '.join(names)}",
            'or give a dotted path "package.module:Name"',
        )

    def load(self, name: str) -> Any:
        """The target registered under ``name``, or the object a dotted path names.

        Raises ``UnknownNameError`` for an unknown name, and lets ``ImportError`` through
        (a registered implementation whose packages are not installed: the seam says which extra).
        """
        with self._lock:
            target = self._registered.get(name)
        if target is None:
            entry = self._group().get(name)
            if entry is not None:
                return entry.load()
            if not is_dotted_path(name):
                raise self.unknown(name)
            target = name
        if isinstance(target, str):
            return EntryPoint(name=name, value=target, group=self.group).load()
        return target

    def load_all(self) -> dict[str, Any]:
        """Every registered target by name (each imported), for seams that use them all (loaders)."""
        return {name: self.load(name) for name in self.names()}


backends = Registry("index backend", "govqa.backends", "[index] backend")
embedders = Registry("embedder", "govqa.embedders", "[model] embedder")
loaders = Registry("file-format loader", "govqa.loaders", "loader")

#: Each registry by its entry-point group.
REGISTRIES: dict[str, Registry] = {r.group: r for r in (backends, embedders, loaders)}
