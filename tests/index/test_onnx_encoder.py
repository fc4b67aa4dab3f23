"""The ONNX Runtime embedder: the model's own vectors, late-chunked sentence vectors, exported once, no PyTorch after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from govqa.index.embedder.onnx import OnnxEmbedder
from govqa.index.embedder.onnx_encoder import OnnxEncoder
from govqa.ingest.sentences import sentence_spans

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ["2019年成都地区生产总值是多少？", "大运会", "垃圾怎么处理", "GDP growth target", "两拆一增 " * 200]
CHUNK = (
    "2026年四川省政府工作报告 › 二、2026年主要目标\n"
    "地区生产总值增长5%左右。城镇新增就业80万人以上；居民消费价格涨幅2%左右。\n"
    "粮食产量稳定在720亿斤以上。"
)


@pytest.fixture(scope="module")
def cache(e5_model_dir) -> str:
    return os.environ.get("GOVQA_MODEL_CACHE") or str(e5_model_dir.parent)


@pytest.fixture(scope="module")
def e5_fp32(cache):
    from govqa.config import ModelConfig
    from govqa.index import create_embedder

    return create_embedder(ModelConfig(cache_dir=cache, encoder="fp32"))


@pytest.fixture(scope="module")
def e5_int8(cache):
    from govqa.config import ModelConfig
    from govqa.index import create_embedder

    return create_embedder(ModelConfig(cache_dir=cache))  # the default encoder


def body_spans(text: str) -> list[tuple[int, int]]:
    start = text.index("\n") + 1
    return [(start + a, start + b) for a, b in sentence_spans(text[start:])]


def test_e5_vectors_equal_the_eager_model_one_at_a_time_and_in_padded_batches(e5_fp32, e5_model):
    passages = ["东安湖体育公园、凤凰山体育公园等13处新建场馆", "稳就业", "地区生产总值增长7%左右。" * 30]
    assert isinstance(e5_fp32, OnnxEmbedder) and e5_fp32.sentence_method == "late"
    eager_queries = e5_model.encode(["query: " + q for q in QUERIES], normalize_embeddings=True)
    eager_passages = e5_model.encode(["passage: " + p for p in passages], normalize_embeddings=True)
    singles = np.concatenate([e5_fp32.encode_queries([q]) for q in QUERIES])  # the last one is cut at 512 tokens
    assert singles.shape == (len(QUERIES), 384) and singles.dtype == np.float32
    assert np.abs(singles - eager_queries).max() < 1e-5
    assert np.abs(e5_fp32.encode_queries(QUERIES) - eager_queries).max() < 1e-5  # padded to the longest
    assert np.abs(e5_fp32.encode_passages(passages, batch_size=2) - eager_passages).max() < 1e-5


def test_a_sentence_vector_is_the_mean_of_its_own_tokens_states_in_the_chunks_pass(minilm_embedder, minilm_dir):
    """Checked against PyTorch: the eager model's token states, pooled over each sentence's tokens."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(minilm_dir), device="cpu")
    spans = body_spans(CHUNK)
    chunk_vectors, (sentence_vectors,) = minilm_embedder.encode_chunks([CHUNK], [spans])
    states = model.encode([CHUNK], output_value="token_embeddings", convert_to_numpy=False)[0].numpy()
    tokens = model.tokenizer(CHUNK, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length)
    offsets = np.array(tokens["offset_mapping"])
    assert len(offsets) == len(states)
    expected = []
    for a, b in spans:
        own = [t for t, (s, e) in enumerate(offsets) if e > s and s < b and e > a]
        assert own, (a, b)
        mean = states[own].mean(axis=0)
        expected.append(mean / np.linalg.norm(mean))
    assert sentence_vectors.shape == (len(spans), 384)
    assert np.abs(sentence_vectors - np.array(expected)).max() < 1e-4
    whole = model.encode([CHUNK], normalize_embeddings=True)
    assert np.abs(chunk_vectors - whole).max() < 1e-5  # the chunk's own vector comes from the same pass


def test_sentences_past_the_models_window_are_embedded_behind_the_chunks_head(minilm_embedder):
    head = "2026年四川省政府工作报告 › 二、重点工作\n"
    long_chunk = head + "推进重点项目建设。" * 200  # far beyond MiniLM's 256 tokens
    spans = body_spans(long_chunk)
    _, (vectors,) = minilm_embedder.encode_chunks([long_chunk], [spans])
    assert not np.isnan(vectors).any() and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    alone = minilm_embedder.encode_passages([head + long_chunk[slice(*spans[-1])]])[0]
    assert float(vectors[-1] @ alone) > 0.9999


def test_int8_fuses_attention_and_keeps_every_vector_within_cosine_099_of_fp32(e5_int8, e5_fp32, cache):
    import onnx

    assert e5_int8.encoder == "int8" and e5_int8.sentence_method == "late"
    (export,) = [p for p in (Path(cache) / "onnx").glob("*-int8.onnx") if p.with_suffix(".json").exists()][:1]
    ops = {node.op_type for node in onnx.load(str(export)).graph.node}
    assert {"QAttention", "SkipLayerNormalization"} <= ops and "Softmax" not in ops  # one fused op per attention
    passages = ["东安湖体育公园、凤凰山体育公园等13处新建场馆", "稳就业", "地区生产总值增长7%左右。" * 30, CHUNK]
    for encode, fp32, texts in (
        (e5_int8.encode_queries, e5_fp32.encode_queries, QUERIES),
        (e5_int8.encode_passages, e5_fp32.encode_passages, passages),
    ):
        cosines = np.sum(encode(texts) * fp32(texts), axis=1)
        assert cosines.min() >= 0.99, cosines
    spans = body_spans(CHUNK)
    (_, (int8_sentences,)), (_, (fp32_sentences,)) = (e.encode_chunks([CHUNK], [spans]) for e in (e5_int8, e5_fp32))
    assert np.sum(int8_sentences * fp32_sentences, axis=1).min() >= 0.99


def test_minilm_is_exported_once_and_a_damaged_or_unrecorded_graph_is_exported_again(minilm_dir, tmp_path):
    first = OnnxEmbedder(str(minilm_dir), minilm_dir, tmp_path, encoder="fp32")
    (graph,) = (tmp_path / "onnx").glob("*.onnx")
    assert graph.with_suffix(".json").exists() and not list((tmp_path / "onnx").glob("*.part"))
    written = graph.stat().st_mtime_ns
    again = OnnxEmbedder(str(minilm_dir), minilm_dir, tmp_path, encoder="fp32")
    assert graph.stat().st_mtime_ns == written
    assert np.abs(again.encode_queries(QUERIES[:4]) - first.encode_queries(QUERIES[:4])).max() < 1e-6

    graph.write_bytes(b"not an onnx graph")
    repaired = OnnxEmbedder(str(minilm_dir), minilm_dir, tmp_path, encoder="fp32")
    assert np.abs(repaired.encode_queries(QUERIES[:2]) - first.encode_queries(QUERIES[:2])).max() < 1e-6
    graph.with_suffix(".json").unlink()  # an export whose check never finished is not trusted
    OnnxEmbedder(str(minilm_dir), minilm_dir, tmp_path, encoder="fp32")
    assert graph.with_suffix(".json").exists() and graph.stat().st_mtime_ns != written


def test_minilm_int8_is_refused_with_its_figure_and_fp32_serves(minilm_dir, tmp_path):
    from govqa.config import ModelConfig
    from govqa.index import ModelNotFoundError, create_embedder

    with pytest.raises(ModelNotFoundError, match=r"least cosine 0\.9\d+.*encoder = \"fp32\""):
        create_embedder(ModelConfig(name=str(minilm_dir), cache_dir=str(tmp_path), encoder="int8"))
    assert isinstance(
        create_embedder(ModelConfig(name=str(minilm_dir), cache_dir=str(tmp_path), encoder="fp32")), OnnxEmbedder
    )


def test_a_model_of_another_layout_runs_on_pytorch(minilm_dir, tmp_path):
    import shutil

    from govqa.config import ModelConfig
    from govqa.index import create_embedder
    from govqa.index.embedder.sentence import SentenceTransformerEmbedder

    cls_pooled = tmp_path / "cls-model"
    shutil.copytree(minilm_dir, cls_pooled)
    pooling = cls_pooled / "1_Pooling" / "config.json"
    pooling.write_text(
        pooling.read_text()
        .replace('"pooling_mode_mean_tokens": true', '"pooling_mode_mean_tokens": false')
        .replace('"pooling_mode_cls_token": false', '"pooling_mode_cls_token": true')
    )
    embedder = create_embedder(ModelConfig(name=str(cls_pooled), cache_dir=str(tmp_path / "cache"), encoder="fp32"))
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.sentence_method == "separate"
    assert not (tmp_path / "cache" / "onnx").exists()
    vectors, (sentences,) = embedder.encode_chunks([CHUNK], [body_spans(CHUNK)])
    assert vectors.shape == (1, 384) and sentences.shape == (len(body_spans(CHUNK)), 384)


def test_once_exported_a_search_imports_neither_pytorch_nor_sentence_transformers(e5_int8, cache, tmp_path):
    script = (
        "import sys\n"
        "from govqa.config import ModelConfig\n"
        "from index import create_embedder\n"
        f"embedder = create_embedder(ModelConfig(cache_dir={cache!r}))\n"
        "embedder.encode_queries(['大运会有哪些场馆'])\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_int8_gives_a_text_the_same_vector_whatever_it_is_embedded_with(e5_int8):
    """Dynamic quantisation scales a run by its own range: each text runs alone, so its vector is its own."""
    alone = e5_int8.encode_passages([CHUNK])
    among = e5_int8.encode_passages(["稳就业", CHUNK, "地区生产总值增长7%左右。" * 30])[1:2]
    np.testing.assert_array_equal(alone, among)
    spans = body_spans(CHUNK)
    first = e5_int8.encode_chunks([CHUNK], [spans])
    second = e5_int8.encode_chunks(["大运会", CHUNK], [[(0, 3)], spans])
    np.testing.assert_array_equal(first[0][0], second[0][1])
    np.testing.assert_array_equal(first[1][0], second[1][1])


def test_encoder_runs_batches_in_order_on_its_workers(minilm_embedder):
    encoder: OnnxEncoder = minilm_embedder._encoder
    batches = [["稳就业"], ["大运会", "垃圾分类"], ["两拆一增"]]
    together = list(encoder.encode_batches(batches))
    assert [len(v) for v in together] == [1, 2, 1]
    for batch, vectors in zip(batches, together, strict=True):
        assert np.abs(vectors - encoder.encode(batch)).max() < 1e-5


def test_a_server_can_leave_a_core_to_questions_and_batches_stay_the_same(minilm_embedder):
    encoder: OnnxEncoder = minilm_embedder._encoder
    batches = [["稳就业"], ["大运会", "垃圾分类"], ["两拆一增"], ["城市大脑"]]
    before, workers = list(encoder.encode_batches(batches)), encoder.workers
    try:
        minilm_embedder.use_cores(1)
        assert encoder.workers == 1 and encoder._pool is None
        for old, new in zip(before, encoder.encode_batches(batches), strict=True):
            assert np.abs(old - new).max() < 1e-6
        minilm_embedder.use_cores(2)
        assert encoder.workers == 2 and len(list(encoder.encode_batches(batches))) == 4
    finally:
        minilm_embedder.use_cores(workers)
