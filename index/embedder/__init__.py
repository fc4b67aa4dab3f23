"""The embedder seam: text → L2-normalised float32 vectors (``create_embedder(ModelConfig)``)."""

from index.embedder.base import Embedder
from index.embedder.factory import create_embedder, model_identity
from index.errors import ModelNotFoundError

__all__ = ["Embedder", "ModelNotFoundError", "create_embedder", "model_identity"]
