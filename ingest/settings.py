"""The ingest stage's settings: how cleaned documents are cut into chunks.

``field(metadata={"min": …, "max": …})`` declares a value's range; the config
loader (``govqa/config.py``) refuses a value outside it, naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChunkConfig:
    """How cleaned documents are cut into chunks (sizes in characters)."""

    # 300 characters holds one to three report sentences: enough context for a
    # passage to be read alone, short enough that the answer dominates its
    # embedding (measured in docs/quality.md).
    size: int = field(default=300, metadata={"min": 20})
    overlap: int = field(default=50, metadata={"min": 0})

    def check(self) -> None:
        """Raise ``ValueError`` naming the key when the settings do not fit together."""
        if self.overlap >= self.size:
            raise ValueError(f"overlap ({self.overlap}) must be smaller than size ({self.size})")
