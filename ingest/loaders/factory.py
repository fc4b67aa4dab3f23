"""Pick the loader for a file by its name ending, among the loaders registered (``govqa.registry.loaders``).

govqa's own loaders are entry points of the group ``govqa.loaders`` (pyproject.toml); another
package adds a format the same way, or code calls ``govqa.registry.loaders.register(name, LoaderClass)``.
The CLI, the corpus walk and the upload form all read the one list.
"""

from __future__ import annotations

from pathlib import Path

from govqa.ingest.document import IngestError
from govqa.ingest.loaders.base import Loader
from govqa.ingest.settings import IngestConfig, OcrConfig
from govqa.registry import loaders


def registered_loaders() -> list[type[Loader]]:
    """Every registered loader class, by registered name."""
    return list(loaders.load_all().values())


def supported_suffixes() -> tuple[str, ...]:
    """Every file ending some registered loader reads (lower case, with the dot)."""
    return tuple(s for loader in registered_loaders() for s in loader.suffixes)


def loader_for(path: Path, ocr: OcrConfig | None = None, limits: IngestConfig | None = None) -> Loader:
    """The loader for ``path`` (scans read as ``ocr`` says, work bounded by ``limits``), or ``IngestError``
    naming the supported formats."""
    suffix = path.suffix.lower()
    for loader in registered_loaders():
        if suffix in loader.suffixes:
            return loader(ocr=ocr, limits=limits)
    raise IngestError(f"unsupported file type {suffix or '(none)'!r}; supported: {' '.join(supported_suffixes())}")
