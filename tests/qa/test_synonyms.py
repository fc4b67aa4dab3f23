"""The abbreviations and synonyms list (qa/data/synonyms.txt) and its two uses: BM25 expansion and word matching."""

from __future__ import annotations

import pytest

from govqa.qa import synonyms
from govqa.qa.highlight import term_overlap
from govqa.qa.question import keyword_query, match_terms, understand


def test_the_shipped_list_is_well_formed_each_name_in_one_group():
    groups = synonyms.groups()
    names = [n.casefold() for g in groups for n in g]
    assert groups and all(len(g) >= 2 for g in groups)
    assert len(names) == len(set(names)), "a name in two groups would make matching ambiguous"
    assert ("地区生产总值", "国内生产总值", "生产总值", "GDP") in groups


def test_a_group_of_one_name_is_an_error_naming_its_line():
    assert synonyms.load_groups("# comment\n\nGDP 地区生产总值\n") == (("GDP", "地区生产总值"),)
    with pytest.raises(ValueError, match="line 2"):
        synonyms.load_groups("CPI 居民消费价格\nPPI\n")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023年GDP是多少", {"地区生产总值", "国内生产总值", "生产总值"}),
        ("gdp增速", {"地区生产总值"}),
        ("地区生产总值增长多少", {"GDP", "国内生产总值"}),
        ("CPI涨幅", {"居民消费价格"}),
        ("PM2.5浓度", {"细颗粒物"}),
        ("R&D经费", {"研发", "研究与试验发展"}),
        ("細顆粒物濃度", {"PM2.5"}),  # traditional characters are folded first
    ],
)
def test_expansions_give_the_other_names_of_each_group_mentioned(text, expected):
    assert expected <= set(synonyms.expansions(text))


@pytest.mark.parametrize("text", ["domain names", "15G", "PM2.50", "大运会有哪些场馆"])
def test_latin_names_match_only_as_whole_words_and_unrelated_text_has_no_expansions(text):
    assert synonyms.comparable(text) == text
    assert synonyms.expansions(text) == []


def test_comparable_form_reads_every_name_as_the_canonical_one():
    assert synonyms.comparable("細顆粒物（PM2.5）") == "细颗粒物（细颗粒物）"
    assert synonyms.comparable("全市生产总值、国内生产总值和GDP") == "全市地区生产总值、地区生产总值和地区生产总值"


def test_a_gdp_question_matches_a_sentence_saying_地区生产总值_and_searches_for_it():
    question = understand("GDP是多少", set())
    sentence = "全市地区生产总值达到3860亿元，增长5.6%。"
    assert term_overlap(match_terms(question), sentence) == 1.0
    assert "地区生产总值" in keyword_query(question)
