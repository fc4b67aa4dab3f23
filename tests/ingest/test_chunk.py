"""Chunking: sentence boundaries, section boundaries, offsets, overlap, pages."""

from govqa.config import ChunkConfig
from govqa.ingest.build import build_document
from govqa.ingest.chunk import chunk_document
from govqa.ingest.document import Line, RawDocument

SENTENCE = "我们坚持以人民为中心的发展思想，持续改善民生福祉，不断增强人民群众获得感。"  # 37 chars


def doc_of(lines, pages=None):
    pages = pages or [None] * len(lines)
    return build_document(RawDocument("t.txt", "t.txt", [Line(t, page=p) for t, p in zip(lines, pages, strict=False)]))


def test_offsets_slice_each_chunk_out_of_the_document():
    doc = doc_of(["一、民生", "", SENTENCE * 12, "", "二、改革", "", SENTENCE * 3])
    for chunk in chunk_document(doc, ChunkConfig(size=120, overlap=40)):
        assert doc.text[chunk.start : chunk.end] == chunk.text


def test_chunks_end_on_sentence_boundaries_and_respect_the_size():
    doc = doc_of([SENTENCE * 12])
    chunks = chunk_document(doc, ChunkConfig(size=120, overlap=0))
    assert len(chunks) == 4
    for chunk in chunks:
        assert len(chunk.text) <= 120
        assert chunk.text.endswith("。")


def test_overlap_repeats_whole_sentences():
    doc = doc_of([SENTENCE * 12])
    chunks = chunk_document(doc, ChunkConfig(size=120, overlap=40))
    assert chunks[1].start < chunks[0].end
    assert chunks[1].text.startswith(SENTENCE)


def test_a_sentence_longer_than_the_size_is_cut_at_clauses():
    long_sentence = "，".join(["推进重大项目建设"] * 30) + "。"
    chunks = chunk_document(doc_of([long_sentence]), ChunkConfig(size=100, overlap=0))
    assert len(chunks) > 1 and all(len(c.text) <= 100 for c in chunks)


def test_chunks_never_cross_sections_and_carry_their_path():
    doc = doc_of(["一、民生", "", SENTENCE, "", "二、改革", "", SENTENCE])
    chunks = chunk_document(doc, ChunkConfig(size=300, overlap=0))
    assert [c.section for c in chunks] == [("一、民生",), ("二、改革",)]
    assert [c.position for c in chunks] == [0, 1]


def test_chunks_know_their_pages():
    lines = [SENTENCE * 3, SENTENCE * 3, SENTENCE * 3]
    doc = doc_of(lines, pages=[1, 2, 3])
    chunks = chunk_document(doc, ChunkConfig(size=120, overlap=0))
    assert chunks[0].page == 1
    assert chunks[-1].page == 3
    for chunk in chunks:
        assert doc.page_at(chunk.start) == chunk.page and doc.page_at(chunk.end - 1) == chunk.page_end
