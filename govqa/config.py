"""The whole configuration: each stage's typed settings, composed and loaded in one place.

Each stage declares its own settings next to its code (``ingest/settings.py``,
``index/settings.py``, ``qa/settings.py``, ``web/settings.py``), with ranges in
the fields' metadata; this module only composes them, reads a TOML file and
checks every value. Settings come from, in increasing priority: the defaults,
a TOML file (``govqa.toml`` in the working directory, or the file named by
``GOVQA_CONFIG``), and a few environment variables (``GOVQA_INDEX``,
``GOVQA_MODEL_CACHE``). An unknown key, a value of the wrong type or out of
range is a ``ConfigError`` naming the file and key, never silently ignored.
"""

from __future__ import annotations

import codecs
import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_type_hints

from govqa.errors import ConfigError
from govqa.index.settings import IndexConfig, ModelConfig
from govqa.ingest.settings import ChunkConfig, IngestConfig, OcrConfig
from govqa.qa.settings import SearchConfig
from govqa.web.settings import AppConfig

__all__ = [
    "AppConfig",
    "ChunkConfig",
    "Config",
    "ConfigError",
    "IndexConfig",
    "IngestConfig",
    "ModelConfig",
    "OcrConfig",
    "SearchConfig",
    "load_config",
]


@dataclass(frozen=True)
class Config:
    """All of govqa's settings, one section per stage."""

    chunk: ChunkConfig = field(default_factory=ChunkConfig)
    ocr: OcrConfig = field(default_factory=OcrConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    app: AppConfig = field(default_factory=AppConfig)

    def replace(self, **sections: Any) -> Config:
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
        _check_range(kwargs[name], known[name].metadata, f"{where}: {name}")
    section = cls(**kwargs)
    if hasattr(section, "check"):
        try:
            section.check()
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return section


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
    if hint in (int, float) and isinstance(value, bool):
        raise ConfigError(f"{where} must be {hint.__name__}, got {value!r}")
    if hint in (int, float, str, bool) and not isinstance(value, hint):
        raise ConfigError(f"{where} must be {hint.__name__}, got {value!r}")
    if hint is float and not math.isfinite(value):
        raise ConfigError(f"{where} must be a finite number, got {value!r}")
    return value


def _check_range(value: Any, limits: Any, where: str) -> None:
    low, high = limits.get("min"), limits.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"from {low} to {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        raise ConfigError(f"{where} must be {bounds}, got {value!r}")


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Load the configuration: defaults, then the TOML file if there is one.

    ``path`` defaults to ``$GOVQA_CONFIG`` or ``./govqa.toml`` when present; the file is
    UTF-8 (a BOM is allowed) or UTF-16 with a BOM. Every float must be finite (no nan, inf).
    Raises ``ConfigError`` (file and key named) for a file that cannot be used.
    """
    if path is None:
        path = os.environ.get("GOVQA_CONFIG") or ("govqa.toml" if Path("govqa.toml").exists() else None)
    if path is None:
        return Config()
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the config file ({exc.strerror})") from None
    try:
        values = tomllib.loads(_decode(data, p))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from None
    return _build(Config, values, str(p))


def _decode(data: bytes, path: Path) -> str:
    """The file's text: UTF-8 (with or without a BOM), or UTF-16 with its BOM (as Notepad saves "Unicode")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: damaged UTF-16 text: save the file as UTF-8") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}; saved as GBK?): save the file as UTF-8"
        ) from None
