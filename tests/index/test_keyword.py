"""Keyword side: jieba search-mode tokens, FTS5 segmentation, MATCH expressions that user text cannot break."""

from __future__ import annotations

import sqlite3

import pytest

from govqa.index.backends.fts5 import Fts5Keywords
from govqa.index.keyword import STOPWORDS, index_text, match_expression, query_terms, query_tokens, tokenize
from govqa.index.records import ChunkFilter
from govqa.index.store import Store

PASSAGE = "四川省人民政府工作报告提出，2026年地区生产总值增长5%左右。"


def test_tokenize_search_mode_lowercase_nfkc_without_punctuation_or_stopwords():
    tokens = tokenize("ＧＤＰ增长了多少？１９８９年的报告")
    assert "gdp" in tokens and "1989" in tokens and "增长" in tokens
    assert not {"了", "多少", "的", "？", "?"} & set(tokens)
    # search mode also yields the words inside a long word
    assert {"人民", "政府", "人民政府"} <= set(tokenize("人民政府"))


def test_question_words_are_stopwords():
    assert {"哪些", "什么", "多少", "怎么", "如何", "吗", "呢"} <= STOPWORDS
    assert tokenize("哪些？什么！吗") == []


def test_query_terms_keep_case_for_highlighting():
    assert "GDP" in query_terms("GDP增长目标是多少")
    assert query_terms("增长 增长") == ["增长"]


def test_query_tokens_keep_the_longest_form_of_each_word():
    tokens = query_tokens("2019年地区生产总值是多少")
    assert "生产总值" in tokens and "2019" in tokens
    assert not {"生产", "总值"} & set(tokens)  # pieces of 生产总值: one word, counted once
    assert query_tokens("两拆一增") == tokenize("两拆一增")  # nothing inside another: all kept


def no_sentences(chunks):
    """Sentence rows for chunks whose sentences these keyword tests do not read."""
    import numpy as np

    return [((), np.zeros((0, 4), dtype=np.float16)) for _ in chunks]


def test_a_pruned_query_still_matches_the_word_but_not_its_pieces_elsewhere(tmp_path, make_doc):
    import numpy as np

    store = Store(tmp_path / "store.sqlite", 4, create=True)
    for name, text in (("gdp.txt", "成都地区生产总值突破1.7万亿元。"), ("duty.txt", "安全生产和总值班制度落实到位。")):
        document, chunks = make_doc(name, text)
        store.replace_document(
            document,
            chunks,
            np.ones((len(chunks), 4), dtype=np.float16),
            [index_text(c.text) for c in chunks],
            no_sentences(chunks),
        )
    docs = lambda tokens: {
        store.chunk_records([c])[c].doc for c, _ in Fts5Keywords(store).search_match(match_expression(tokens), 5)
    }
    assert docs(tokenize("地区生产总值")) == {"gdp.txt", "duty.txt"}  # 生产 and 总值 alone match the duty roster
    assert docs(query_tokens("地区生产总值")) == {"gdp.txt"}
    store.close()


def test_match_expression_quotes_every_token():
    assert match_expression(["四川", 'a"b', "四川"]) == '"四川" OR "a""b"'
    assert match_expression([]) == ""


def test_fts5_alone_misses_a_word_inside_a_hanzi_run_jieba_tokens_find_it():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE raw USING fts5(text)")
    conn.execute("CREATE VIRTUAL TABLE seg USING fts5(tokens)")
    conn.execute("INSERT INTO raw (rowid, text) VALUES (1, ?)", (PASSAGE,))
    conn.execute("INSERT INTO seg (rowid, tokens) VALUES (1, ?)", (index_text(PASSAGE),))
    query = "四川地区生产总值"
    assert conn.execute("SELECT rowid FROM raw WHERE raw MATCH ?", ('"四川"',)).fetchall() == []
    hits = conn.execute("SELECT rowid FROM seg WHERE seg MATCH ?", (match_expression(tokenize(query)),)).fetchall()
    assert hits == [(1,)]


@pytest.fixture
def store(tmp_path, make_doc):
    import numpy as np

    store = Store(tmp_path / "store.sqlite", 4, create=True)
    for name, text in (("sc.txt", PASSAGE), ("js.txt", "江苏省推进制造业高质量发展，新增就业120万人。")):
        document, chunks = make_doc(name, text)
        vectors = np.ones((len(chunks), 4), dtype=np.float16)
        store.replace_document(document, chunks, vectors, [index_text(c.text) for c in chunks], no_sentences(chunks))
    yield store
    store.close()


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "*",
        "四川*",
        "NEAR(四川 增长)",
        "OR",
        "四川 OR",
        "AND NOT",
        "-四川",
        "tokens:四川",
        "^四川",
        "(",
        ")",
        "{tokens}: x",
        "'; DROP TABLE fts; --",
    ],
)
def test_fts_syntax_characters_in_queries_are_safe(store, query):
    from govqa.index.keyword import match_expression as expr

    hits = Fts5Keywords(store).search_match(expr(tokenize(query)), 5)
    assert isinstance(hits, list)
    if "四川" in query:
        assert hits and hits[0][1] > 0


def test_keyword_search_scores_positive_best_first_and_filters_by_document(store):
    hits = Fts5Keywords(store).search_match(match_expression(tokenize("四川 就业")), 5)
    assert len(hits) == 2 and hits[0][1] >= hits[1][1] > 0
    only_js = Fts5Keywords(store).search_match(
        match_expression(tokenize("四川 就业")), 5, ChunkFilter(frozenset({"js.txt"}))
    )
    assert len(only_js) == 1
    assert store.chunk_records([only_js[0][0]])[only_js[0][0]].doc == "js.txt"


def test_a_query_without_words_has_no_keyword_hits(store):
    assert Fts5Keywords(store).search_match(match_expression(tokenize("的了吗？？！")), 5) == []
