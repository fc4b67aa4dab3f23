"""The contract every embedding backend keeps."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np


class Embedder(ABC):
    """Turns queries and passages into L2-normalised float32 vectors of ``dimension``.

    ``name`` identifies the model; an index records it and refuses to be
    searched with vectors from a model of another name or dimension.
    Queries and passages are encoded separately because asymmetric models
    (e5 and kin) prefix them differently. ``encoder`` says how the model is
    run (``fp32`` or ``int8``): vectors of two encoders are not mixed in one index.
    """

    name: str
    dimension: int
    encoder: str = "fp32"

    @abstractmethod
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for search queries, shape (len(texts), dimension)."""

    def warm_up(self) -> None:
        """Get ready to embed fast (load weights, prepare fast paths); for servers, evaluations and large adds."""
        self.encode_queries(["预热"])

    @abstractmethod
    def encode_passages(
        self,
        texts: Sequence[str],
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Vectors for passages to index; ``progress(n)`` is called after each batch of ``n`` texts."""


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as contiguous float32 (zero rows stay zero)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors.reshape(1, -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
