"""Matching in simplified characters: BM25 tokens, the retrieval text and the queries of a 繁體 report meet a 简体 question."""

from __future__ import annotations

from govqa.index.context import retrieval_text
from govqa.index.keyword import query_tokens, tokenize
from govqa.index.simplified import to_simplified

TRADITIONAL = "實施鄉村振興戰略，建成高標準農田12萬畝。"
SIMPLIFIED = "实施乡村振兴战略，建成高标准农田12万亩。"


def test_traditional_text_folds_to_simplified_and_simplified_stays():
    assert to_simplified(TRADITIONAL) == SIMPLIFIED
    assert to_simplified(SIMPLIFIED) == SIMPLIFIED
    assert to_simplified("") == ""


def test_bm25_tokens_of_both_scripts_are_the_same():
    assert tokenize(TRADITIONAL) == tokenize(SIMPLIFIED)
    assert query_tokens("鄉村振興戰略") == query_tokens("乡村振兴战略")


def test_the_retrieval_text_is_simplified_but_the_chunk_keeps_its_words(make_doc):
    document, chunks = make_doc("報告.txt", f"某市2023年政府工作報告\n\n一、2022年工作回顧\n\n{TRADITIONAL}\n")
    text = retrieval_text({"title": document.title, "year": document.year}, chunks[-1])
    assert SIMPLIFIED in text and "工作回顾" in text
    assert TRADITIONAL in chunks[-1].text and TRADITIONAL in document.text
