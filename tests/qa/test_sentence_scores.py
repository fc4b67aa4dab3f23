"""Sentence scores: stored at index time (bare and in context), scored once, read by the ranking, the highlight and the verdict."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from govqa.index import ChunkSentences
from govqa.qa import Searcher, answer_type, fuse, highlight, sentence_scores
from govqa.qa.fuse import Candidate
from govqa.qa.question import is_keyword_query, understand
from govqa.qa.sentence_scores import ChunkScores, passage_scores, score_chunks


def test_stored_sentence_vectors_match_embedding_the_sentences_now(seed_searcher):
    index = seed_searcher.index
    hits = seed_searcher.search("大运会有哪些场馆", k=3).hits
    ids = [h.citation.chunk_id for h in hits]
    stored = index.chunk_sentences(ids)
    assert sorted(stored) == sorted(ids)
    for hit_id in ids:
        chunk = stored[hit_id]
        text = index.chunk_records([hit_id])[hit_id].text
        assert list(chunk.spans) == [(s.start, s.end) for s in highlight.sentences(text)]
        fresh = index.embedder.encode_passages([text[a:b] for a, b in chunk.spans])
        cosines = np.sum(fresh * chunk.vectors, axis=1)
        assert cosines.min() > 0.9995, cosines  # float16 storage, nothing else
        assert chunk.context_vectors is None  # one vector per sentence: the ranking reads the bare ones too


class CountingEmbedder:
    """The index's embedder, counting the texts each method is asked to embed."""

    def __init__(self, inner):
        self.inner, self.queries, self.passages = inner, [], []
        self.name, self.dimension, self.encoder = inner.name, inner.dimension, inner.encoder

    def encode_queries(self, texts):
        self.queries.extend(texts)
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts, batch_size=None, progress=None):
        self.passages.extend(texts)
        return self.inner.encode_passages(texts, batch_size, progress)


def test_ask_embeds_only_the_questions(seed_searcher, monkeypatch):
    counting = CountingEmbedder(seed_searcher.index.embedder)
    monkeypatch.setattr(seed_searcher.index, "_embedder", counting)
    questions = ["2019年成都地区生产总值是多少", "青羊区有多少家医院？"]
    answers = seed_searcher.ask_batch(questions)
    assert counting.queries == questions and counting.passages == []
    assert answers[0].verdict == "found" and "1.70万亿元" in answers[0].answer


def _scores(chunk_id, start, text, scores):
    spans = tuple((s.start, s.end) for s in highlight.sentences(text))
    return ChunkScores(chunk_id, start, spans, np.array(scores, dtype=np.float32), np.array(scores, dtype=np.float32))


def test_a_merged_passage_takes_each_sentence_from_the_chunk_that_holds_it_whole():
    document = "第一句。第二句很长，被切开了，后半在下一块。第三句。"
    cut = document.index("，被切开了") + 1  # the first chunk ends mid-sentence; the second overlaps it
    first, second = document[:cut], document[document.index("被切开了") :]
    a = _scores(1, 0, first, [0.1, 0.5])
    b = _scores(2, document.index("被切开了"), second, [0.8, 0.2])
    scored = passage_scores(document, 0, [a, b])
    assert [document[s.start : s.end] for s, _ in scored] == [
        "第一句。",
        "第二句很长，被切开了，后半在下一块。",
        "第三句。",
    ]
    # whole sentences keep their own score; the cut one takes the best of its pieces
    assert [round(score, 3) for _, score in scored] == [0.1, 0.8, 0.2]


def test_scoring_reads_bare_and_context_vectors_in_one_product():
    eye = np.eye(4, dtype=np.float32)
    stored = {
        7: ChunkSentences(7, 100, ((0, 3), (3, 6)), eye[:2], context_vectors=eye[2:]),
        8: ChunkSentences(8, 200, ((0, 4),), eye[1:2]),  # an index that stored no context vectors
    }
    question = np.array([0.6, 0.0, 0.0, 0.8], dtype=np.float32)
    scores = score_chunks(stored, [8, 7, 9], question)
    assert sorted(scores) == [7, 8]  # 9 is not stored
    assert scores[7].scores.tolist() == pytest.approx([0.6, 0.0])
    assert scores[7].ranking_scores.tolist() == pytest.approx([0.0, 0.8])
    assert scores[8].ranking_scores.tolist() == scores[8].scores.tolist() == [0.0]
    assert scores[7].best() == pytest.approx(0.8) and scores[7].best(2) == pytest.approx(0.4)


def test_with_sentences_mixes_scaled_passage_and_sentence_scores_and_keeps_grounding():
    ranked = [Candidate(1, 0.9), Candidate(2, 0.5), Candidate(3, 0.1, grounding=0.5), Candidate(4, 0.04)]
    reranked = fuse.with_sentences(ranked, {1: 0.80, 2: 0.90, 3: 0.95}, weight=0.7)
    # Mixed: 1 → 0.3 × 1 + 0.7 × 0 = 0.3; 2 → 0.3 × 0.5 + 0.7 × (0.10 / 0.15) = 0.617; 3 → 0.7 × 0.5 (another year).
    assert [c.chunk_id for c in reranked] == [2, 3, 1, 4]
    shown = {c.chunk_id: c.grounded_score for c in reranked}
    # Mapped onto the range the three spanned (0.9 down to 0.05); the fourth keeps its own 0.04.
    mixed = {1: 0.3, 2: 0.3 * 0.5 + 0.7 * (0.10 / 0.15), 3: 0.7 * 0.5}
    for i in (1, 2, 3):
        assert shown[i] == pytest.approx(0.05 + 0.85 * mixed[i] / mixed[2])
    assert shown[2] == pytest.approx(0.9) and shown[4] == pytest.approx(0.04)
    assert fuse.with_sentences(ranked, {1: 0.8}, 0.7) == ranked  # one scored candidate: nothing to compare


def _searcher(seed_searcher, **search):
    config = seed_searcher.config
    return Searcher(
        seed_searcher.index, dataclasses.replace(config, search=dataclasses.replace(config.search, **search))
    )


def test_the_answering_sentence_lifts_its_passage_over_one_sharing_more_words(seed_searcher):
    question = "天府新区2020年要加快推进哪些重大生态项目？"  # the report: "加快推进凤栖湿地、雁栖湿地等重大生态项目"
    answer = "凤栖湿地、雁栖湿地"
    without = _searcher(seed_searcher, sentence_weight=0.0, list_sentence_weight=0.0).search(question, k=5).hits
    assert answer not in without[0].text and answer in without[1].text
    terms = seed_searcher.run([question], 5)[0].terms
    assert highlight.term_overlap(terms, without[0].text) > highlight.term_overlap(terms, without[1].text)
    hits = seed_searcher.search(question, k=5).hits  # the default weight
    assert answer in hits[0].text
    assert answer in "".join(hits[0].text[s.start : s.end] for s in hits[0].highlights)


def test_a_list_question_keeps_its_multi_sentence_passage_first(seed_searcher):
    question = "2019年成都成功申办了哪些国际大型体育赛事？"
    assert answer_type.asks_for_list(question)
    items = ["2021年世界大学生夏季运动会", "2022年世界乒乓球团体锦标赛", "2025年世界运动会", "2023年亚洲杯足球赛"]
    for search in ({}, {"list_sentences": 1}, {"list_sentence_weight": 0.5}):
        first = _searcher(seed_searcher, **search).search(question, k=5).hits[0].text
        assert all(item in first for item in items), search


def test_a_keyword_query_is_ranked_by_its_passages_alone(seed_searcher):
    for query in ("天府绿道", "大运会 场馆"):
        assert is_keyword_query(understand(query, set()))
        off = _searcher(seed_searcher, sentence_weight=0.0, list_sentence_weight=0.0).search(query, k=10).hits
        full = _searcher(seed_searcher, sentence_weight=1.0, list_sentence_weight=1.0).search(query, k=10).hits
        assert [h.citation for h in full] == [h.citation for h in off]


def test_hits_below_the_reranking_depth_still_have_their_sentences_scored(seed_searcher):
    (run,) = _searcher(seed_searcher, sentence_depth=2).run(["成都如何推进公园城市建设？"], 8)
    hit_chunks = {i for ids in run.chunk_ids for i in ids}
    assert len(hit_chunks) > 2 and len(run.sentences) == len(run.result.hits)
    for hit, scored in zip(run.result.hits, run.sentences, strict=True):
        assert [span for span, _ in scored] == highlight.sentences(hit.text)
        assert scored and all(score > 0.5 for _, score in scored)  # every sentence has its stored cosine
    shown = [hit.score for hit in run.result.hits]  # those past the depth keep their own scores, below the others
    assert shown == sorted(shown, reverse=True) and shown[-1] > 0


def test_is_keyword_query():
    for query in ("城市大脑", "两拆一增", "大运会 场馆", "GDP", "蓉漂计划"):
        assert is_keyword_query(understand(query, set())), query
    for query in (
        "大运会有哪些场馆",
        "GDP是多少",
        "城市大脑建成了吗",
        "天府绿道建设进展如何",
        "新增就业多少人？",
        "大运会何时开幕",
        "天府新区哪年设立",
        "地铁多长",
        "谁是市长",
        "哪五个产业",
    ):
        assert not is_keyword_query(understand(query, set())), query


def test_asks_for_list():
    assert answer_type.asks_for_list("大运会新建场馆有哪些？")
    assert answer_type.asks_for_list("成都五大先进制造业产业是哪五个？")
    assert answer_type.asks_for_list("成都常态化疫情防控机制包括哪幾個環節？")  # 繁體
    assert not answer_type.asks_for_list("2019年成都地区生产总值是多少？")
    assert not answer_type.asks_for_list("成都在全国率先推行的行政处罚制度是什么？")


def test_a_chunk_that_cannot_answer_ties_with_the_lowest_that_can():
    eye = np.eye(3, dtype=np.float32)
    stored = {
        1: ChunkSentences(1, 0, ((0, 14),), eye[:1]),  # a title line: close, but no quantity
        2: ChunkSentences(2, 20, ((0, 10), (10, 20)), eye[1:3]),
        3: ChunkSentences(3, 40, ((0, 10),), eye[2:3]),
    }
    question = np.array([0.9, 0.5, 0.3], dtype=np.float32)
    scores = score_chunks(stored, [1, 2, 3], question)
    answers = {1: set(), 2: {0, 1}, 3: {0}}
    best = sentence_scores.best_scores(scores, 1, lambda chunk: lambda i: i in answers[chunk.chunk_id])
    assert best == pytest.approx({1: 0.3, 2: 0.5, 3: 0.3})  # not 0.9: nothing in chunk 1 can answer
    nothing = sentence_scores.best_scores(scores, 1, lambda chunk: lambda i: False)
    assert nothing == pytest.approx({1: 0.9, 2: 0.5, 3: 0.3})  # no chunk can: each keeps its best
