"""The SQLite store: one transaction per document, every table kept in step, ids never reused."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from govqa.config import ChunkConfig
from govqa.index.context import retrieval_text
from govqa.index.keyword import index_text
from govqa.index.store import Store
from govqa.ingest.chunk import chunk_document
from govqa.ingest.sentences import sentence_spans

REPORT = """一、2025年工作回顾
过去一年，全省地区生产总值增长5.2%，城镇新增就业90万人。

二、2026年主要目标
地区生产总值增长5%左右；居民消费价格涨幅3%左右。

（一）扩大有效需求
实施提振消费专项行动，办好大运会后续场馆利用。"""


def rows(db, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "store.sqlite", 8, create=True)
    yield store
    store.close()


def sentences_of(chunks, seed=1):
    rng = np.random.default_rng(seed)
    spans = [sentence_spans(c.text) for c in chunks]
    return [(own, rng.normal(size=(len(own), 8)).astype(np.float32)) for own in spans]


def put(store, document, chunks):
    vectors = np.random.default_rng(0).normal(size=(len(chunks), 8)).astype(np.float32)
    meta = {"title": document.title, "year": document.year, "region_path": document.meta.get("region_path", "")}
    return store.replace_document(
        document, chunks, vectors, [index_text(retrieval_text(meta, c)) for c in chunks], sentences_of(chunks)
    )


def test_document_chunks_vectors_and_tokens_are_stored_together(store, make_doc):
    document, chunks = make_doc("sc.txt", REPORT, title="2026年四川省政府工作报告", size=60, overlap=10)
    old, new = put(store, document, chunks)
    assert old == [] and len(new) == len(chunks) > 2
    db = store.path
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]
    assert rows(db, "SELECT COUNT(*) FROM chunks") == [(len(chunks),)]
    assert rows(db, "SELECT COUNT(*) FROM embeddings") == [(len(chunks),)]
    assert rows(db, "SELECT COUNT(*) FROM fts") == [(len(chunks),)]
    ids, vectors = next(store.iter_embeddings(8))
    assert list(ids) == new and vectors.dtype == np.float32 and vectors.shape == (len(chunks), 8)
    assert "四川" in store.tokens_of(new[0]).split()  # the title prefix reaches the keyword index

    record = store.chunk_records([new[1]])[new[1]]
    assert record.doc == "sc.txt" and record.title == "2026年四川省政府工作报告" and record.year == 2026
    assert document.text[record.start : record.end] == record.text
    assert record.section == chunks[1].section_path and record.position == 1
    info = store.documents()[0]
    assert (info.name, info.chunks, info.chars, info.content_hash) == (
        "sc.txt",
        len(chunks),
        len(document.text),
        document.content_hash,
    )
    assert store.facets() == [("sc.txt", "2026年四川省政府工作报告", 2026, "四川省")]


def test_neighbours_are_the_surrounding_chunks_in_order(store, make_doc):
    document, chunks = make_doc("sc.txt", REPORT, size=40, overlap=0)
    _, ids = put(store, document, chunks)
    around = store.neighbours(ids[2], before=1, after=1)
    assert [r.position for r in around] == [1, 2, 3]
    assert [r.position for r in store.neighbours(ids[0], before=2, after=0)] == [0]


def test_stored_document_rebuilds_exactly_for_rechunking(store, make_doc):
    document, chunks = make_doc("sc.txt", REPORT, size=60, overlap=10)
    put(store, document, chunks)
    (again,) = list(store.stored_documents())
    assert again.text == document.text and again.sections == document.sections and again.meta == document.meta
    assert chunk_document(again, ChunkConfig(size=60, overlap=10)) == chunks


def test_replacing_a_document_removes_its_old_rows_and_never_reuses_ids(store, make_doc):
    first, chunks = make_doc("sc.txt", REPORT, size=60, overlap=10)
    _, old_ids = put(store, first, chunks)
    second, chunks2 = make_doc("sc.txt", REPORT.replace("5.2%", "5.7%"), size=60, overlap=10)
    replaced, new_ids = put(store, second, chunks2)
    assert replaced == old_ids and min(new_ids) > max(old_ids)
    assert set(store.embedding_ids()) == set(new_ids)
    assert store.chunk_records(old_ids) == {}
    assert all(store.tokens_of(i) is None for i in old_ids)
    assert store.content_hash("sc.txt") == second.content_hash
    found, removed = store.remove_documents(["sc.txt", "absent.txt"])
    assert found == 1 and sorted(removed) == sorted(new_ids)
    for table in ("documents", "chunks", "embeddings", "chunk_sentences", "fts"):
        assert rows(store.path, f"SELECT COUNT(*) FROM {table}") == [(0,)], table
    third, chunks3 = make_doc("sc.txt", REPORT, size=60, overlap=10)
    _, newest = put(store, third, chunks3)
    assert min(newest) > max(new_ids)  # AUTOINCREMENT: an id names one vector forever


def test_a_failed_transaction_leaves_nothing(store, make_doc):
    document, chunks = make_doc("sc.txt", REPORT, size=60, overlap=10)
    with pytest.raises(ValueError):  # one vector short: zip(strict=True) fails midway
        store.replace_document(
            document, chunks, np.zeros((len(chunks) - 1, 8)), ["x"] * len(chunks), sentences_of(chunks)
        )
    assert store.counts() == {"documents": 0, "chunks": 0, "vectors": 0, "sentences": 0}


def test_chunk_sentences_come_back_with_their_spans_offsets_and_float16_vectors(store, make_doc):
    document, chunks = make_doc("sc.txt", REPORT, size=60, overlap=10)
    _, ids = put(store, document, chunks)
    stored = store.chunk_sentences([ids[1], ids[0], 10_000])
    assert sorted(stored) == sorted(ids[:2])  # an unknown id is left out
    expected = sentences_of(chunks)
    for chunk_id, chunk, (spans, vectors) in zip(ids[:2], chunks, expected, strict=False):
        got = stored[chunk_id]
        assert got.start == chunk.start and got.spans == tuple(spans) and len(spans) >= 1
        assert got.vectors.dtype == np.float32
        np.testing.assert_array_equal(got.vectors, vectors.astype(np.float16).astype(np.float32))
    assert store.counts()["sentences"] == sum(len(s) for s, _ in expected)
