"""Result cards: citation, highlight, context expander, verdicts, and escaping of report text."""

from __future__ import annotations

from govqa.qa.types import NOT_FOUND_MESSAGE, Answer, Citation, Hit, SearchResult, Span
from govqa.web.cards import card, highlighted, render_answer, render_search

EVIL = '前文<script>window.gqpwned=1</script><img src=x onerror="alert(1)">${7*7}{{x}}后文'


def make_hit(text: str = "第一句。答案句子在这里。第三句。", spans=(Span(4, 12),)) -> Hit:
    citation = Citation(
        doc="r.txt",
        title="2020年<b>报告</b>",
        year=2020,
        region="成都市",
        section="一、总体 › 二",
        page=3,
        start=100,
        end=100 + len(text),
        chunk_id=7,
    )
    return Hit(text=text, score=0.5, citation=citation, highlights=tuple(spans))


def test_highlight_marks_the_span_only() -> None:
    assert highlighted("abcdef", [Span(2, 4)]) == "ab<mark>cd</mark>ef"
    assert highlighted("abc", []) == "abc"
    assert highlighted("abc", [Span(1, 99)]) == "a<mark>bc</mark>"


def test_card_shows_citation_highlight_and_context() -> None:
    html = card(make_hit(), 1, context=lambda cid, s, e: ("之前的文字", "之后的文字"))
    assert "2020年&lt;b&gt;报告&lt;/b&gt;" in html  # the title is escaped too
    for part in (
        "成都市",
        "2020年",
        "一、总体 › 二",
        "第 3 页",
        "0.500",
        "<mark>答案句子在这里。</mark>",
        "<details",
        "之前的文字",
        "之后的文字",
    ):
        assert part in html


def test_card_names_the_other_reports_holding_the_same_passage() -> None:
    hit = make_hit()
    other = Citation(
        doc="转发.txt", title="市局<转发>通知", year=2020, region="成都市", section="", page=None, start=0, end=10
    )
    assert "同见" not in card(hit, 1)
    html = card(Hit(hit.text, hit.score, hit.citation, hit.highlights, also_in=(other,)), 1)
    assert (
        '<div class="gq-also-in">同见：<span class="gq-also" title="转发.txt">市局&lt;转发&gt;通知</span></div>' in html
    )


def test_report_text_is_escaped_everywhere() -> None:
    hit = make_hit(EVIL, [Span(0, 2)])
    html = render_search(SearchResult("q", (hit,)), context=lambda *a: (EVIL, EVIL))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "onerror=&quot;" in html
    assert "${" not in html and "{{" not in html  # nothing gr.HTML's template could evaluate


def test_not_found_verdict_with_weak_passages() -> None:
    answer = Answer("成都2022年GDP是多少", "not_found", NOT_FOUND_MESSAGE, None, (make_hit(),), 0.1)
    html = render_answer(answer)
    assert NOT_FOUND_MESSAGE in html and "gq-weak" in html and "相关性较弱" in html


def test_found_verdict_shows_answer_and_source() -> None:
    hit = make_hit()
    answer = Answer("q", "found", "答案句子在这里。", hit.citation, (hit,), 0.9)
    html = render_answer(answer)
    assert "gq-found" in html and "答案句子在这里。" in html and "一、总体 › 二" in html
