"""Ask at search speed: the verdict and the highlight read the sentence vectors stored at index time."""

from __future__ import annotations

import numpy as np

from index import ChunkSentences
from qa import highlight
from qa.sentence_vectors import passage_sentences, similarities


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


def _chunk(chunk_id, start, text, vectors):
    return ChunkSentences(chunk_id, start, tuple((s.start, s.end) for s in highlight.sentences(text)), vectors)


def test_a_merged_passage_takes_each_sentence_from_the_chunk_that_holds_it_whole():
    document = "第一句。第二句很长，被切开了，后半在下一块。第三句。"
    cut = document.index("，被切开了") + 1  # the first chunk ends mid-sentence; the second overlaps it
    first, second = document[:cut], document[document.index("被切开了") :]
    a = _chunk(1, 0, first, np.eye(4, dtype=np.float32)[:2])
    b = _chunk(2, document.index("被切开了"), second, np.eye(4, dtype=np.float32)[2:])
    sentences = passage_sentences(document, 0, [a, b])
    assert [document[s.start : s.end] for s, _ in sentences] == [
        "第一句。",
        "第二句很长，被切开了，后半在下一块。",
        "第三句。",
    ]
    # whole sentences keep their own vector; the cut one has both of its pieces
    assert [len(v) for _, v in sentences] == [1, 2, 1]
    question = np.array([0.0, 0.6, 0.8, 0.0], dtype=np.float32)
    assert similarities(sentences, question) == [0.0, np.float32(0.8), 0.0]
