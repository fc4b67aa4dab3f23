"""The backend contract as an importable test suite: any ``Backend``, in govqa or in another package, runs it.

Subclass ``BackendContract`` in a pytest module and give it two fixtures::

    from govqa.index.testing import BackendContract

    class TestMyBackend(BackendContract):
        @pytest.fixture
        def make_config(self, tmp_path):
            return lambda path: Config(index=IndexConfig(path=str(path), backend="mine"), ...)

        @pytest.fixture
        def embedder(self):
            return MyEmbedder()

``make_config(path)`` gives the settings (``IndexSettings``: chunk, model, index) of a new index at
``path`` on the backend under test, a fresh place in its storage at each call; ``embedder`` is the
``Embedder`` the indexes are built with (a real model, or any deterministic one whose vectors place
a passage nearest to a question that shares most of its words). Every test goes through the public
``Index`` API only, as ``qa`` does. This module imports pytest: it is for tests, not for serving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from govqa.index.backend import Backend, DenseIndex, DocumentStore, KeywordIndex
from govqa.index.context import sentences_in_context
from govqa.index.embedder.base import Embedder
from govqa.index.errors import IndexMismatchError
from govqa.index.index import Index
from govqa.index.records import ChunkFilter
from govqa.ingest.build import build_document
from govqa.ingest.chunk import chunk_document
from govqa.ingest.document import Chunk, Document, Line, RawDocument
from govqa.ingest.sentences import sentence_spans
from govqa.ingest.settings import ChunkConfig

SICHUAN = (
    "一、2025年工作回顾\n全省地区生产总值增长6%，粮食产量创历史新高。\n"
    "二、2026年主要目标\n地区生产总值增长5%左右，城镇新增就业80万人以上。居民消费价格涨幅2%左右。\n"
    "三、重点任务\n深入推进成渝地区双城经济圈建设，办好大运会后续利用。"
)
JIANGSU = "一、主要目标\n地区生产总值增长5%，一般公共预算收入增长3%。\n二、工作安排\n推进长江经济带高质量发展，建设现代化产业体系。"
ZHEJIANG = "一、回顾\n数字经济核心产业增加值增长10%。\n二、目标\n城乡居民收入稳步增长，共同富裕示范区建设取得新进展。"
# The chunker settings the reports are cut with: small, so each report makes several chunks.
CHUNKS = ChunkConfig(size=120, overlap=20)


def make_report(
    name: str, text: str, title: str | None = None, year: int | None = None, region: str | None = None
) -> tuple[Document, list[Chunk]]:
    """A report through ingest's real cleaning, structure and chunking (``CHUNKS``): (document, chunks)."""
    meta = {k: str(v) for k, v in (("title", title), ("year", year), ("region", region)) if v}
    raw = RawDocument(name=name, source=f"/fixtures/{name}", lines=[Line(t) for t in text.split("\n")], meta=meta)
    document = build_document(raw)
    return document, chunk_document(document, CHUNKS)


def three_reports() -> list[tuple[Document, list[Chunk]]]:
    """Three short provincial reports of 2025 and 2026 with headings, figures and distinct topics."""
    return [
        make_report("sc.txt", SICHUAN, title="2026年四川省政府工作报告", year=2026, region="四川省"),
        make_report("js.txt", JIANGSU, title="2026年江苏省政府工作报告", year=2026, region="江苏省"),
        make_report("zj.txt", ZHEJIANG, title="2025年浙江省政府工作报告", year=2025, region="浙江省"),
    ]


class ElsewhereBackend(Backend):
    """A backend name no index of the suite was built with: opening one under it must be refused, never opened."""

    name = "elsewhere"

    @classmethod
    def from_config(cls, *args, **kwargs):  # pragma: no cover - the manifest check refuses before this
        raise AssertionError("an index of another backend was opened instead of refused")


class GatedEmbedder(Embedder):
    """Another embedder's vectors, but its passage embedding waits for ``gate`` while ``hold`` is set (a slow writer)."""

    def __init__(self, inner: Embedder):
        self.inner, self.name, self.dimension, self.encoder = inner, inner.name, inner.dimension, inner.encoder
        self.hold, self.gate, self.waiting = threading.Event(), threading.Event(), threading.Event()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def warm_up(self) -> None:
        self.inner.warm_up()

    def encode_passages(self, texts, batch_size=None, progress=None) -> np.ndarray:
        if self.hold.is_set():
            self.waiting.set()
            assert self.gate.wait(60)
        return self.inner.encode_passages(texts, batch_size, progress)


def all_chunk_ids(index: Index) -> set[int]:
    """Every chunk id the index holds."""
    return set(index.chunk_ids_where())


class BackendContract:
    """What every backend must do, seen through ``Index``; subclass it with ``make_config`` and ``embedder`` fixtures."""

    @pytest.fixture
    def make_config(self) -> Callable[[Path], object]:
        """``make_config(path)``: the settings of a new index at ``path`` on the backend under test."""
        raise NotImplementedError("a BackendContract subclass gives the make_config fixture")

    @pytest.fixture
    def embedder(self) -> Embedder:
        """The embedder the indexes are built with."""
        raise NotImplementedError("a BackendContract subclass gives the embedder fixture")

    @pytest.fixture
    def reports(self) -> list[tuple[Document, list[Chunk]]]:
        return three_reports()

    @pytest.fixture
    def built(self, tmp_path, make_config, embedder, reports):
        """An open index of the three reports on the backend under test."""
        path = tmp_path / "idx"
        index = Index.open(path, make_config(path), embedder)
        index.add(reports)
        yield index
        index.close()

    def test_add_stores_documents_chunks_vectors_and_sentences(self, built, reports):
        names = [d.name for d, _ in reports]
        assert [d.name for d in built.documents()] == sorted(names)
        info = {d.name: d for d in built.documents()}
        for document, chunks in reports:
            assert info[document.name].chunks == len(chunks)
            assert info[document.name].content_hash == document.content_hash
            assert info[document.name].year == document.year
            assert info[document.name].region == document.region and info[document.name].chars == len(document.text)
        stats = built.stats()
        total = sum(len(c) for _, c in reports)
        assert stats["documents"] == 3
        assert stats["chunks"] == total == stats["vectors_stored"] == stats["vectors_indexed"]
        assert stats["sentences_stored"] == sum(len(sentence_spans(c.text)) for _, cs in reports for c in cs)
        assert stats["backend"] == built.backend.name == built.manifest.backend
        assert ("faiss_factory" in stats) == built.backend.uses_faiss
        assert (built.manifest.faiss_factory is not None) == built.backend.uses_faiss

    def test_the_backend_plays_three_roles(self, built):
        backend = built.backend
        assert isinstance(backend.store, DocumentStore)
        assert isinstance(backend.dense, DenseIndex) and isinstance(backend.keyword, KeywordIndex)

    def test_a_filter_to_one_small_document_still_returns_its_chunks(self, built, reports):
        """A selective filter: the best chunks of the one allowed document come back, up to k, none other."""
        small = min(reports, key=lambda r: len(r[1]))[0].name
        where, own = ChunkFilter(frozenset({small})), built.chunk_ids_where(docs=[small])
        query = built.encode_queries(["数字经济核心产业增加值增长多少"])  # another report's subject
        hits = built.dense_search(query, len(own) + 5, where)[0]
        assert {i for i, _ in hits} == own
        assert {i for i, _ in built.keyword_search("地区生产总值 发展", 50, where)} <= own

    def test_search_finds_the_passage_by_meaning_and_by_keyword(self, built):
        hit = built.keyword_search("成渝地区双城经济圈", 3)[0][0]
        assert "成渝" in built.chunk_records([hit])[hit].text
        query = built.encode_queries(["数字经济核心产业增加值增长多少"])
        dense = built.dense_search(query, 3)[0]
        assert built.chunk_records([dense[0][0]])[dense[0][0]].doc == "zj.txt"
        assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)
        assert built.keyword_search("的 了 吗", 5) == []  # stopwords only: no keyword hits

    def test_stored_documents_come_back_as_they_were_given(self, built, reports):
        given = {d.name: d for d, _ in reports}
        back = {d.name: d for d in built.backend.store.stored_documents()}
        assert set(back) == set(given)
        for name, document in given.items():
            assert back[name] == replace(document, meta=back[name].meta)
            assert {k: v for k, v in back[name].meta.items() if k in document.meta} == document.meta

    def test_records_slices_and_neighbours_cite_the_document(self, built, reports):
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

    def test_chunk_sentences_hold_spans_and_the_models_vectors(self, built, embedder):
        ids = sorted(built.chunk_ids_where(docs=["js.txt"]))
        records = built.chunk_records(ids)
        got = built.chunk_sentences(ids)
        assert set(got) == set(ids)
        for chunk_id, sentences in got.items():
            text = records[chunk_id].text
            assert list(sentences.spans) == list(sentence_spans(text))
            assert sentences.start == records[chunk_id].start
            fresh = embedder.encode_passages([text[a:b] for a, b in sentences.spans])
            assert sentences.vectors.dtype == np.float32
            assert np.all(np.sum(fresh * sentences.vectors, axis=1) > 0.999)  # float16 storage, same vectors
            ranked = sentences.vectors if sentences.context_vectors is None else sentences.context_vectors
            np.testing.assert_array_equal(ranked, sentences.vectors)  # one vector per sentence, for every reader

    def test_sentence_vectors_in_context_come_from_their_chunks_pass(self, tmp_path, make_config, embedder, reports):
        path = tmp_path / "in-context"
        config = make_config(path)
        config = config.replace(index=replace(config.index, bare_sentences=False))
        with Index.open(path, config, embedder) as index:
            index.add(reports)
            assert index.stats()["sentence_vectors"] == embedder.sentence_method
            ids = sorted(index.chunk_ids_where(docs=["sc.txt"]))
            records, got = index.chunk_records(ids), index.chunk_sentences(ids)
            stored_records, stored_vectors, _ = index.backend.store.stored_chunks("sc.txt")
            stored = {r.id: v.astype(np.float32) for r, v in zip(stored_records, stored_vectors, strict=True)}
            for chunk_id in ids:
                record, sentences = records[chunk_id], got[chunk_id]
                meta = {"title": record.title, "year": record.year, "region_path": record.region_path}
                retrieval, spans = sentences_in_context(meta, record, sentences.spans)
                vector, (in_context,) = embedder.encode_chunks([retrieval], [spans])
                assert np.all(np.sum(in_context * sentences.vectors, axis=1) > 0.999)
                assert float(vector[0] @ stored[chunk_id]) > 0.999  # the chunk's vector, from the same pass

    def test_filters_by_document_region_and_year(self, built):
        sichuan = built.chunk_ids_where(regions=["四川"])
        assert sichuan and set(built.chunk_documents(sichuan).values()) == {"sc.txt"}
        assert set(built.documents_where(year_from=2026)) == {"sc.txt", "js.txt"}
        query = built.encode_queries(["地区生产总值增长目标"])
        before_2026 = ChunkFilter.of(built.documents_where(year_to=2025))
        hits = built.dense_search(query, 10, before_2026)[0]
        assert hits and {built.chunk_documents([i])[i] for i, _ in hits} == {"zj.txt"}
        jiangsu = ChunkFilter(frozenset({"js.txt"}))
        assert {i for i, _ in built.keyword_search("地区生产总值", 10, jiangsu)} <= built.chunk_ids_where(
            docs=["js.txt"]
        )
        assert built.dense_search(query, 5, ChunkFilter(frozenset())) == [[]]
        assert built.keyword_search("地区生产总值", 5, ChunkFilter(frozenset())) == []
        facets = {name: (year, path) for name, _, year, path in built.document_facets()}
        assert facets["zj.txt"][0] == 2025

    def test_libraries_file_filter_move_and_survive_a_reopen(self, built, embedder, reports):
        # The three reports went in without a library: the default one, named after the folder.
        default = built.default_library
        assert default == built.path.name and built.libraries() == [default]
        assert {d.library for d in built.documents()} == {default}
        inside = make_report("memo.txt", "会议纪要\n内部讨论了地区生产总值增长目标的测算口径。", title="内部会议纪要")
        assert [r.status for r in built.add([inside], library="内部资料")] == ["added"]
        assert built.libraries() == sorted([default, "内部资料"])
        assert [d.name for d in built.documents(["内部资料"])] == ["memo.txt"]
        assert built.documents_where(libraries=["内部资料"]) == ["memo.txt"]
        assert set(built.documents_where(libraries=[default], year_from=2026)) == {"sc.txt", "js.txt"}
        public = ChunkFilter.of(built.documents_where(libraries=[default]))
        query = built.encode_queries(["内部讨论地区生产总值增长目标的测算口径"])
        assert built.chunk_documents([built.dense_search(query, 1)[0][0][0]]).popitem()[1] == "memo.txt"
        assert "memo.txt" not in set(
            built.chunk_documents(i for i, _ in built.dense_search(query, 20, public)[0]).values()
        )
        assert "memo.txt" not in set(
            built.chunk_documents(i for i, _ in built.keyword_search("测算口径", 20, public)).values()
        )
        stats = built.library_stats()
        assert stats["内部资料"]["documents"] == 1 and stats[default]["documents"] == 3
        # Moving files a document elsewhere embedding nothing: its chunks' vectors and texts stay as they were.
        chunks_before = built.chunk_ids_where(docs=["zj.txt"])
        records_before = sorted(r.text for r in built.chunk_records(chunks_before).values())
        assert built.move(["zj.txt", "missing.txt"], "内部资料") == 1
        assert [d.name for d in built.documents(["内部资料"])] == ["memo.txt", "zj.txt"]
        assert (
            sorted(r.text for r in built.chunk_records(built.chunk_ids_where(docs=["zj.txt"])).values())
            == records_before
        )
        hits = built.dense_search(built.encode_queries(["数字经济核心产业"]), 1)[0]
        assert built.chunk_documents([hits[0][0]]).popitem()[1] == "zj.txt"
        # Added again unchanged with another library: moved, not embedded; without a library: it stays.
        zj = next(r for r in reports if r[0].name == "zj.txt")
        assert [r.status for r in built.add([zj], library=default)] == ["unchanged"]
        assert built.document_libraries()["zj.txt"] == default
        assert [r.status for r in built.add([zj])] == ["unchanged"]
        assert built.document_libraries()["zj.txt"] == default
        path, config = built.path, built.config
        built.close()
        with Index.open(path, config, embedder, create=False) as index:
            assert index.document_libraries() == {
                "sc.txt": default,
                "js.txt": default,
                "zj.txt": default,
                "memo.txt": "内部资料",
            }
            with pytest.raises(ValueError, match="library name"):
                index.move(["sc.txt"], "  ")

    #: False for a backend whose keyword search weighs words by the whole index even under a scope
    #: (``ChunkFilter.scope``): it then ranks a library as a part of the index, not as an index of its own.
    scoped_keyword_statistics = True

    def test_a_scoped_keyword_search_ranks_as_an_index_of_the_scope_alone(
        self, tmp_path, make_config, embedder, reports
    ):
        if not self.scoped_keyword_statistics:
            pytest.skip("this backend weighs words by its whole index (scoped_keyword_statistics = False)")
        # The other library is full of the words asked: in the whole index they weigh next to nothing.
        lines = "\n".join(f"{n}、地区生产总值增长{n}%，城镇新增就业{n}万人，建设现代化产业体系。" for n in range(1, 6))
        others = [make_report(f"other{i}.txt", f"第{i}号文件\n{lines}") for i in range(6)]
        with (
            Index.open(tmp_path / "all", make_config(tmp_path / "all"), embedder) as combined,
            Index.open(tmp_path / "alone", make_config(tmp_path / "alone"), embedder) as alone,
        ):
            combined.add(reports, library="省")
            combined.add(others, library="其他")
            alone.add(reports)
            for index in (combined, alone):
                index.refresh()
            mine = frozenset(combined.documents_where(libraries=["省"]))
            for question in ("地区生产总值增长", "城镇新增就业", "建设现代化产业体系", "数字经济核心产业增加值"):
                for k in (1, 3, 10):
                    rankings = []
                    for index, where in ((combined, ChunkFilter.of(mine, mine)), (alone, None)):
                        hits = index.keyword_search(question, k, where)
                        records = index.chunk_records([i for i, _ in hits])
                        rankings.append([(records[i].doc, records[i].position, score) for i, score in hits])
                    scoped, own = rankings
                    assert own and [h[:2] for h in scoped] == [h[:2] for h in own], (question, k)
                    assert [h[2] for h in scoped] == pytest.approx([h[2] for h in own], rel=1e-3)

    def test_replace_swaps_every_trace_and_unchanged_costs_nothing(self, built):
        before = built.chunk_ids_where(docs=["sc.txt"])
        again = make_report("sc.txt", SICHUAN, title="2026年四川省政府工作报告", year=2026, region="四川省")
        assert [r.status for r in built.add([again])] == ["unchanged"]
        changed = make_report(
            "sc.txt", SICHUAN + "\n四、附则\n大熊猫国家公园建设全面推进。", title="2026年四川省政府工作报告"
        )
        assert [r.status for r in built.add([changed])] == ["replaced"]
        after = built.chunk_ids_where(docs=["sc.txt"])
        assert after and not before & after
        assert built.chunk_records(before) == {} and built.chunk_sentences(before) == {}
        assert not before & all_chunk_ids(built)
        hit = built.keyword_search("大熊猫国家公园", 1)[0][0]
        assert built.chunk_documents([hit]) == {hit: "sc.txt"}
        assert built.stats()["chunks"] == len(all_chunk_ids(built))

    def test_remove_leaves_no_trace(self, built):
        gone = built.chunk_ids_where(docs=["sc.txt"])
        assert built.remove(["sc.txt", "missing.txt"]) == 1
        assert "sc.txt" not in {d.name for d in built.documents()}
        assert built.chunk_records(gone) == {} and built.chunk_sentences(gone) == {}
        assert built.chunk_documents(gone) == {}
        assert not {i for i, _ in built.keyword_search("成渝地区双城经济圈", 10)} & gone
        query = built.encode_queries(["成渝地区双城经济圈建设"])
        assert not {i for i, _ in built.dense_search(query, 50)[0]} & gone
        assert built.document_slice("sc.txt", 0, 10) == ""
        stats = built.stats()
        assert stats["documents"] == 2 and stats["chunks"] == len(all_chunk_ids(built)) == stats["vectors_indexed"]
        assert built.remove(["sc.txt"]) == 0

    def test_reopening_sees_the_same_index_and_rebuild_keeps_it(self, built, embedder):
        path, config = built.path, built.config
        ids = all_chunk_ids(built)
        built.close()
        with Index.open(path, config, embedder, create=False) as index:
            assert all_chunk_ids(index) == ids
            result = index.rebuild()
            assert not result["reembedded"] and result["chunks"] == len(ids)
            query = index.encode_queries(["数字经济核心产业"])
            assert index.chunk_documents([index.dense_search(query, 1)[0][0][0]]).popitem()[1] == "zj.txt"

    def test_an_index_refuses_another_backend_and_says_how_to_move(self, built, embedder):
        path, config = built.path, built.config
        built.close()
        elsewhere = config.replace(index=replace(config.index, backend=f"{__name__}:ElsewhereBackend"))
        with pytest.raises(IndexMismatchError, match=rf"built with the {built.backend.name}.*govqa index copy {path}"):
            Index.open(path, elsewhere, embedder)

    def test_copy_moves_an_index_without_embedding(self, built, tmp_path, make_config):
        """``Index.copy_from`` into another index of this backend: same documents, chunks, sentence vectors, rankings."""
        with Index.open(tmp_path / "copy", make_config(tmp_path / "copy"), built.embedder) as copy:
            results = copy.copy_from(built)
            assert sorted(r.status for r in results) == ["added"] * 3
            assert [r.status for r in copy.copy_from(built)] == [
                "unchanged"
            ] * 3  # a second copy resumes, costs nothing
            assert copy.stats()["chunks"] == built.stats()["chunks"]
            assert copy.stats()["sentences_stored"] == built.stats()["sentences_stored"]
            query = built.encode_queries(["地区生产总值增长目标"])
            texts = [
                [index.chunk_records([i])[i].text for i, _ in index.dense_search(query, 5)[0]]
                for index in (built, copy)
            ]
            assert texts[0] == texts[1]
            mine = {r.position: r.id for r in built.chunk_records(built.chunk_ids_where(docs=["js.txt"])).values()}
            theirs = {r.position: r.id for r in copy.chunk_records(copy.chunk_ids_where(docs=["js.txt"])).values()}
            assert set(mine) == set(theirs)
            for position, chunk_id in theirs.items():
                a, b = built.chunk_sentences([mine[position]]), copy.chunk_sentences([chunk_id])
                np.testing.assert_array_equal(a[mine[position]].vectors, b[chunk_id].vectors)
                assert a[mine[position]].spans == b[chunk_id].spans
            hit = copy.keyword_search("长江经济带", 1)[0][0]
            assert copy.chunk_documents([hit]) == {hit: "js.txt"}

    def test_reads_never_wait_for_a_writers_embedding_and_see_a_commit_at_once(
        self, tmp_path, make_config, embedder, reports
    ):
        path = tmp_path / "gated"
        gated = GatedEmbedder(embedder)
        with Index.open(path, make_config(path), gated) as index:
            index.add(reports)
            gated.hold.set()
            writer = threading.Thread(target=index.add, args=([make_report("gz.txt", "广州市推进南沙新区开发开放。")],))
            writer.start()
            try:
                assert gated.waiting.wait(60)  # the writer holds the write lock and is embedding
                started = time.monotonic()
                assert index.keyword_search("成渝地区双城经济圈", 3)
                assert index.dense_search(index.encode_queries(["数字经济"]), 3)[0]
                assert len(index.documents()) == 3
                assert time.monotonic() - started < 30
            finally:
                gated.gate.set()
                writer.join(60)
            hit = index.keyword_search("南沙新区", 1)[0][0]
            assert index.chunk_documents([hit]) == {hit: "gz.txt"}
