"""The embedder seam: text → L2-normalised float32 vectors (``create_embedder(ModelConfig)``)."""

from govqa.index.embedder.base import Embedder
from govqa.index.embedder.factory import create_embedder, model_identity
from govqa.index.errors import ModelNotFoundError

__all__ = ["Embedder", "ModelNotFoundError", "create_embedder", "model_identity"]
