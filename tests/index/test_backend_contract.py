"""One contract for every index backend: the local one (SQLite + FAISS) and Milvus (Milvus Lite 2.5 here).

Each test runs once per backend through the public ``Index`` API only. The
Milvus half shares one Milvus Lite server per module (one database file),
each test in collections of its own prefix; it is skipped, saying why, only
when the ``milvus`` extra is not installed.
"""

from __future__ import annotations

import importlib.util
import itertools
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from govqa.index import Index, IndexMismatchError, IndexUnavailableError
from govqa.index.context import sentences_in_context
from govqa.index.embedder import Embedder
from govqa.index.settings import IndexConfig, MilvusConfig
from govqa.ingest.sentences import sentence_spans

SICHUAN = (
    "一、2025年工作回顾\n全省地区生产总值增长6%，粮食产量创历史新高。\n"
    "二、2026年主要目标\n地区生产总值增长5%左右，城镇新增就业80万人以上。居民消费价格涨幅2%左右。\n"
    "三、重点任务\n深入推进成渝地区双城经济圈建设，办好大运会后续利用。"
)
JIANGSU = "一、主要目标\n地区生产总值增长5%，一般公共预算收入增长3%。\n二、工作安排\n推进长江经济带高质量发展，建设现代化产业体系。"
ZHEJIANG = "一、回顾\n数字经济核心产业增加值增长10%。\n二、目标\n城乡居民收入稳步增长，共同富裕示范区建设取得新进展。"

HAS_MILVUS = all(importlib.util.find_spec(m) for m in ("pymilvus", "milvus_lite"))
_prefixes = itertools.count()


@pytest.fixture(scope="module")
def milvus_lite(tmp_path_factory) -> str:
    """One Milvus Lite database file for the module: the server starts once (seconds), collections differ per test."""
    if not HAS_MILVUS:
        pytest.skip('the Milvus backend needs the milvus extra: pip install -e ".[milvus]"')
    return str(tmp_path_factory.mktemp("milvus") / "lite.db")


@pytest.fixture(params=["local", "milvus"])
def backend_config(request, index_config):
    """``make(path)``: a test Config for an index at ``path`` on this backend."""

    def make(path, **kwargs):
        config = index_config(path, **kwargs)
        if request.param == "local":
            return config
        uri = request.getfixturevalue("milvus_lite")
        milvus = MilvusConfig(uri=uri, collection=f"contract{next(_prefixes)}")
        return config.replace(index=replace(config.index, backend="milvus", milvus=milvus))

    make.backend = request.param
    return make


@pytest.fixture
def reports(make_doc):
    return [
        make_doc("sc.txt", SICHUAN, title="2026年四川省政府工作报告", year=2026, region="四川省"),
        make_doc("js.txt", JIANGSU, title="2026年江苏省政府工作报告", year=2026, region="江苏省"),
        make_doc("zj.txt", ZHEJIANG, title="2025年浙江省政府工作报告", year=2025, region="浙江省"),
    ]


@pytest.fixture
def built(tmp_path, backend_config, minilm_embedder, reports):
    """An open index of the three reports on the backend under test."""
    path = tmp_path / "idx"
    index = Index.open(path, backend_config(path), minilm_embedder)
    index.add(reports)
    yield index
    index.close()


def all_chunk_ids(index: Index) -> set[int]:
    return set(index.chunk_ids_where())


def test_add_stores_documents_chunks_vectors_and_sentences(built, reports):
    names = [d.name for d, _ in reports]
    assert [d.name for d in built.documents()] == sorted(names)
    info = {d.name: d for d in built.documents()}
    for document, chunks in reports:
        assert info[document.name].chunks == len(chunks)
        assert info[document.name].content_hash == document.content_hash
        assert info[document.name].year == document.year
    stats = built.stats()
    total = sum(len(c) for _, c in reports)
    assert stats["documents"] == 3 and stats["chunks"] == total == stats["vectors_stored"] == stats["vectors_indexed"]
    assert stats["sentences_stored"] == sum(len(sentence_spans(c.text)) for _, cs in reports for c in cs)
    assert stats["backend"] == built.config.index.backend


def test_search_finds_the_passage_by_meaning_and_by_keyword(built):
    hit = built.keyword_search("成渝地区双城经济圈", 3)[0][0]
    assert "成渝" in built.chunk_records([hit])[hit].text
    query = built.encode_queries(["数字经济核心产业增加值增长多少"])
    dense = built.dense_search(query, 3)[0]
    assert built.chunk_records([dense[0][0]])[dense[0][0]].doc == "zj.txt"
    assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)
    assert built.keyword_search("的 了 吗", 5) == []  # stopwords only: no keyword hits


def test_records_slices_and_neighbours_cite_the_document(built, reports):
    document, chunks = reports[0]
    ids = sorted(built.chunk_ids_where(docs=["sc.txt"]))
    records = built.chunk_records(ids)
    by_position = sorted(records.values(), key=lambda r: r.position)
    assert [r.text for r in by_position] == [c.text for c in chunks]
    for record in by_position:
        assert built.document_slice("sc.txt", record.start, record.end) == record.text
        assert record.title == document.title and record.year == 2026 and record.region == "四川省"
    middle = by_position[1]
    around = built.neighbours(middle.id, before=1, after=1)
    assert [r.position for r in around] == [0, 1, 2][: len(around)] and middle.id in {r.id for r in around}
    assert built.document_slice("nope.txt", 0, 10) == ""
    # An end past any text is clipped to it (SQLite's substr length is a 32-bit int: 2**40 gave "").
    assert built.document_slice("sc.txt", 0, 1 << 40) == document.text
    assert built.chunk_documents(ids) == dict.fromkeys(ids, "sc.txt")


def test_chunk_sentences_hold_spans_and_the_models_vectors(built, minilm_embedder):
    ids = sorted(built.chunk_ids_where(docs=["js.txt"]))
    records = built.chunk_records(ids)
    got = built.chunk_sentences(ids)
    assert set(got) == set(ids)
    for chunk_id, sentences in got.items():
        text = records[chunk_id].text
        assert list(sentences.spans) == list(sentence_spans(text))
        assert sentences.start == records[chunk_id].start
        fresh = minilm_embedder.encode_passages([text[a:b] for a, b in sentences.spans])
        assert sentences.vectors.dtype == np.float32
        assert np.all(np.sum(fresh * sentences.vectors, axis=1) > 0.999)  # float16 storage, same vectors
        ranked = sentences.vectors if sentences.context_vectors is None else sentences.context_vectors
        np.testing.assert_array_equal(ranked, sentences.vectors)  # one vector per sentence, for every reader


def test_late_sentence_vectors_are_pooled_from_their_chunks_pass(tmp_path, backend_config, minilm_embedder, reports):
    path = tmp_path / "late"
    config = backend_config(path)
    config = config.replace(index=replace(config.index, bare_sentences=False))
    with Index.open(path, config, minilm_embedder) as index:
        index.add(reports)
        assert index.stats()["sentence_vectors"] == "late"
        ids = sorted(index.chunk_ids_where(docs=["sc.txt"]))
        records, got = index.chunk_records(ids), index.chunk_sentences(ids)
        stored_records, stored_vectors, _ = index.backend.stored_chunks("sc.txt")
        stored = {r.id: v.astype(np.float32) for r, v in zip(stored_records, stored_vectors, strict=True)}
        for chunk_id in ids:
            record, sentences = records[chunk_id], got[chunk_id]
            meta = {"title": record.title, "year": record.year, "region_path": record.region_path}
            retrieval, spans = sentences_in_context(meta, record, sentences.spans)
            vector, (late,) = minilm_embedder.encode_chunks([retrieval], [spans])
            assert np.all(np.sum(late * sentences.vectors, axis=1) > 0.999)
            assert float(vector[0] @ stored[chunk_id]) > 0.999  # the chunk's vector, from the same pass


def test_filters_by_document_region_and_year(built):
    sichuan = built.chunk_ids_where(regions=["四川"])
    assert sichuan and set(built.chunk_documents(sichuan).values()) == {"sc.txt"}
    assert set(built.documents_where(year_from=2026)) == {"sc.txt", "js.txt"}
    query = built.encode_queries(["地区生产总值增长目标"])
    allowed = built.chunk_ids_where(year_to=2025)
    hits = built.dense_search(query, 10, allowed)[0]
    assert hits and {built.chunk_documents([i])[i] for i, _ in hits} == {"zj.txt"}
    assert {i for i, _ in built.keyword_search("地区生产总值", 10, {"js.txt"})} <= built.chunk_ids_where(
        docs=["js.txt"]
    )
    assert built.dense_search(query, 5, set()) == [[]]
    facets = {name: (year, path) for name, _, year, path in built.document_facets()}
    assert facets["zj.txt"][0] == 2025


def test_replace_swaps_every_trace_and_unchanged_costs_nothing(built, make_doc):
    before = built.chunk_ids_where(docs=["sc.txt"])
    again = make_doc("sc.txt", SICHUAN, title="2026年四川省政府工作报告", year=2026, region="四川省")
    assert [r.status for r in built.add([again])] == ["unchanged"]
    changed = make_doc("sc.txt", SICHUAN + "\n四、附则\n大熊猫国家公园建设全面推进。", title="2026年四川省政府工作报告")
    assert [r.status for r in built.add([changed])] == ["replaced"]
    after = built.chunk_ids_where(docs=["sc.txt"])
    assert after and not before & after
    assert built.chunk_records(before) == {} and built.chunk_sentences(before) == {}
    assert not before & all_chunk_ids(built)
    hit = built.keyword_search("大熊猫国家公园", 1)[0][0]
    assert built.chunk_documents([hit]) == {hit: "sc.txt"}
    assert built.stats()["chunks"] == len(all_chunk_ids(built))


def test_remove_leaves_no_trace(built):
    gone = built.chunk_ids_where(docs=["sc.txt"])
    assert built.remove(["sc.txt", "missing.txt"]) == 1
    assert "sc.txt" not in {d.name for d in built.documents()}
    assert built.chunk_records(gone) == {} and built.chunk_sentences(gone) == {} and built.chunk_documents(gone) == {}
    assert (
        built.keyword_search("成渝地区双城经济圈", 10) == []
        or not {i for i, _ in built.keyword_search("成渝", 10)} & gone
    )
    query = built.encode_queries(["成渝地区双城经济圈建设"])
    assert not {i for i, _ in built.dense_search(query, 50)[0]} & gone
    assert built.document_slice("sc.txt", 0, 10) == ""
    stats = built.stats()
    assert stats["documents"] == 2 and stats["chunks"] == len(all_chunk_ids(built)) == stats["vectors_indexed"]
    assert built.remove(["sc.txt"]) == 0


def test_reopening_sees_the_same_index_and_rebuild_keeps_it(built, minilm_embedder):
    path, config = built.path, built.config
    ids = all_chunk_ids(built)
    built.close()
    with Index.open(path, config, minilm_embedder, create=False) as index:
        assert all_chunk_ids(index) == ids
        result = index.rebuild()
        assert not result["reembedded"] and result["chunks"] == len(ids)
        query = index.encode_queries(["数字经济核心产业"])
        assert index.chunk_documents([index.dense_search(query, 1)[0][0][0]]).popitem()[1] == "zj.txt"


def test_an_index_refuses_another_backend_and_says_how_to_move(built, index_config, minilm_embedder):
    path, config = built.path, built.config
    built.close()
    other = "local" if config.index.backend == "milvus" else "milvus"
    moved = config.replace(
        index=IndexConfig(path=str(path), backend=other, milvus=MilvusConfig(collection="elsewhere"))
    )
    with pytest.raises(IndexMismatchError, match=rf"built with the {config.index.backend}.*govqa index copy {path}"):
        Index.open(path, moved, minilm_embedder)


def test_copy_moves_an_index_to_another_backend_without_embedding(built, request, tmp_path):
    """``Index.copy_from``: same documents, chunks, sentence vectors and rankings on the other backend."""
    other = "local" if built.config.index.backend == "milvus" else "milvus"
    uri = request.getfixturevalue("milvus_lite") if other == "milvus" else ""
    index_config = replace(built.config.index, backend=other, milvus=MilvusConfig(uri=uri, collection="copied"))
    target_config = built.config.replace(index=index_config)
    with Index.open(tmp_path / "copy", target_config, built.embedder) as copy:
        results = copy.copy_from(built)
        assert sorted(r.status for r in results) == ["added"] * 3
        assert [r.status for r in copy.copy_from(built)] == ["unchanged"] * 3  # a second copy resumes, costs nothing
        assert copy.stats()["chunks"] == built.stats()["chunks"]
        assert copy.stats()["sentences_stored"] == built.stats()["sentences_stored"]
        query = built.encode_queries(["地区生产总值增长目标"])
        texts = [
            [index.chunk_records([i])[i].text for i, _ in index.dense_search(query, 5)[0]] for index in (built, copy)
        ]
        assert texts[0] == texts[1]
        ids = sorted(copy.chunk_ids_where(docs=["js.txt"]))
        mine = {r.position: r.id for r in built.chunk_records(built.chunk_ids_where(docs=["js.txt"])).values()}
        theirs = {r.position: r.id for r in copy.chunk_records(ids).values()}
        for position, chunk_id in theirs.items():
            a, b = built.chunk_sentences([mine[position]]), copy.chunk_sentences([chunk_id])
            np.testing.assert_array_equal(a[mine[position]].vectors, b[chunk_id].vectors)
            assert a[mine[position]].spans == b[chunk_id].spans
        hit = copy.keyword_search("长江经济带", 1)[0][0]
        assert copy.chunk_documents([hit]) == {hit: "js.txt"}


class GatedEmbedder(Embedder):
    """The test model, whose passage embedding waits for ``gate`` while ``hold`` is set (a slow writer)."""

    def __init__(self, inner):
        self.inner, self.name, self.dimension, self.encoder = inner, inner.name, inner.dimension, inner.encoder
        self.hold, self.gate, self.waiting = threading.Event(), threading.Event(), threading.Event()

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def warm_up(self):
        self.inner.warm_up()

    def encode_passages(self, texts, batch_size=None, progress=None):
        if self.hold.is_set():
            self.waiting.set()
            assert self.gate.wait(60)
        return self.inner.encode_passages(texts, batch_size, progress)


def test_reads_never_wait_for_a_writers_embedding_and_see_a_commit_at_once(
    tmp_path, backend_config, minilm_embedder, reports, make_doc
):
    path = tmp_path / "idx"
    embedder = GatedEmbedder(minilm_embedder)
    with Index.open(path, backend_config(path), embedder) as index:
        index.add(reports)
        embedder.hold.set()
        writer = threading.Thread(target=index.add, args=([make_doc("gz.txt", "广州市推进南沙新区开发开放。")],))
        writer.start()
        try:
            assert embedder.waiting.wait(60)  # the writer holds the write lock and is embedding
            started = time.monotonic()
            assert index.keyword_search("成渝地区双城经济圈", 3)
            assert index.dense_search(index.encode_queries(["数字经济"]), 3)[0]
            assert len(index.documents()) == 3
            assert time.monotonic() - started < 30
        finally:
            embedder.gate.set()
            writer.join(60)
        hit = index.keyword_search("南沙新区", 1)[0][0]
        assert index.chunk_documents([hit]) == {hit: "gz.txt"}


def test_cli_copy_moves_a_local_index_to_milvus_and_the_backend_is_checked(
    tmp_path, index_config, minilm_dir, minilm_embedder, reports, monkeypatch
):
    import json

    from typer.testing import CliRunner

    from govqa.cli import app

    if not HAS_MILVUS:
        pytest.skip('the Milvus backend needs the milvus extra: pip install -e ".[milvus]"')
    source, target = tmp_path / "local", tmp_path / "milvus"
    with Index.open(source, index_config(source), minilm_embedder) as index:
        index.add(reports)
    local_toml = tmp_path / "local.toml"
    local_toml.write_text(f'[model]\nname = "{minilm_dir}"\nencoder = "fp32"\n[chunk]\nsize = 120\noverlap = 20\n')
    monkeypatch.setenv("GOVQA_CONFIG", str(local_toml))
    runner = CliRunner()
    lite = tmp_path / "lite.db"
    copied = runner.invoke(app, ["index", "copy", str(source), str(target), "--backend", "milvus", "--uri", str(lite)])
    assert copied.exit_code == 0, copied.output
    assert "3 documents (3 added" in copied.output
    refused = runner.invoke(app, ["index", "stats", "--index", str(target)])  # the config still says local
    assert refused.exit_code == 2 and f"govqa index copy {target}" in refused.output
    milvus_toml = tmp_path / "milvus.toml"
    milvus_toml.write_text(local_toml.read_text() + f'[index]\nbackend = "milvus"\n[index.milvus]\nuri = "{lite}"\n')
    monkeypatch.setenv("GOVQA_CONFIG", str(milvus_toml))
    stats = json.loads(runner.invoke(app, ["index", "stats", "--json", "--index", str(target)]).output)
    assert stats["backend"] == "milvus" and stats["documents"] == 3
    bad = runner.invoke(app, ["index", "copy", str(source), str(tmp_path / "x"), "--collection", "no-dashes"])
    assert bad.exit_code == 2 and "--collection: collection must be letters" in bad.output


def test_milvus_collections_made_by_two_servers_at_once_and_mended_when_an_index_failed(milvus_lite, tmp_path):
    from govqa.index.backends.milvus import MilvusBackend
    from govqa.index.backends.milvus_schema import CHUNKS, collection_names

    def open_backend(**milvus):
        return MilvusBackend(tmp_path, MilvusConfig(uri=milvus_lite, **milvus), 8, create=True)

    opened, failed = [], []

    def start():
        try:
            opened.append(open_backend(collection="together"))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever a server would have died of
            failed.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failed and len(opened) == 2
    for name in collection_names("together").values():
        assert opened[0].client.list_indexes(name)

    with pytest.raises(IndexUnavailableError, match="HNSW"):  # Milvus Lite refuses it: the collection stays unindexed
        open_backend(collection="mended", index_type="HNSW")
    chunks = collection_names("mended")[CHUNKS]
    assert opened[0].client.has_collection(chunks) and not opened[0].client.list_indexes(chunks, field_name="vector")
    mended = open_backend(collection="mended")  # the next start builds what is missing, then loads
    assert mended.client.list_indexes(chunks, field_name="vector")
    assert mended.dense_search(np.ones((1, 8), dtype=np.float32) / np.sqrt(8), 3) == [[]]
