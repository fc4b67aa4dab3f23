"""What the index's workers (``writer``, ``copy``, ``maintenance``) need of an open index.

``Index`` (``index/index.py``) drives them and passes itself; they read and edit
it through these parts only, so none of them imports the facade back: the
flow inside the package is one way, ``index`` → ``writer`` / ``copy`` /
``maintenance`` → ``backend``, ``manifest``, ``embedder``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from govqa.index.backend import Backend
from govqa.index.embedder import Embedder
from govqa.index.manifest import Manifest
from govqa.index.records import DocumentInfo
from govqa.index.settings import IndexSettings


class IndexParts(Protocol):
    """An open index as its workers see it: its folder, settings, manifest (edited in place), backend and model."""

    path: Path
    config: IndexSettings
    manifest: Manifest
    backend: Backend

    @property
    def embedder(self) -> Embedder:
        """The configured embedder, checked against the manifest."""
        ...

    def embedder_unchecked(self) -> Embedder:
        """The configured embedder, not checked (a re-embedding rebuild replaces the model)."""
        ...

    def model_wanted(self) -> tuple[str, str]:
        """(model name, encoder) the configuration asks for, without loading the model."""
        ...

    def documents(self) -> list[DocumentInfo]:
        """Every indexed document."""
        ...
