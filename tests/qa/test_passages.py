"""Clean-up of the ranking: merging touching chunks of one document, dropping near-duplicates."""

from dataclasses import replace

from govqa.qa.passages import Passage, clean_up, merge, near_duplicate

TEXT = "一二三四五六七八九十甲乙丙丁戊己庚辛壬癸"


def p(i, doc, start, end, score):
    return Passage(i, doc, TEXT[start:end], start, end, score)


def test_overlapping_chunks_of_one_document_merge_into_the_exact_span():
    merged = merge(p(1, "a", 0, 8, 0.9), p(2, "a", 5, 14, 0.5))
    assert (merged.start, merged.end, merged.text, merged.chunk_id, merged.score) == (0, 14, TEXT[0:14], 1, 0.9)


def test_merge_order_does_not_matter_for_the_span():
    merged = merge(p(2, "a", 5, 14, 0.5), p(1, "a", 0, 8, 0.9))
    assert (merged.start, merged.end, merged.text) == (0, 14, TEXT[0:14])


def test_clean_up_merges_touching_hits_and_keeps_k_distinct_passages():
    ranked = [
        p(1, "a", 0, 6, 0.9),
        p(2, "b", 12, 18, 0.8),
        p(3, "a", 6, 12, 0.7),
        p(4, "c", 14, 20, 0.6),
        p(5, "d", 3, 9, 0.5),
    ]
    kept = clean_up(ranked, k=3, max_chars=100)
    assert [x.chunk_id for x in kept] == [1, 2, 4]
    assert kept[0].text == TEXT[0:12]


def test_touching_chunks_merge_within_a_part_of_the_report_but_not_across_parts():
    review = replace(p(1, "a", 0, 6, 0.9), section="一、2024年工作回顾 › （一）稳增长")
    sibling = replace(p(2, "a", 6, 12, 0.8), section="一、2024年工作回顾 › （二）惠民生")
    plans = replace(p(3, "a", 12, 18, 0.7), section="二、2025年工作安排")
    kept = clean_up([review, sibling, plans], k=3, max_chars=100)
    assert [(x.start, x.end, x.section) for x in kept] == [(0, 12, review.section), (12, 18, plans.section)]


def test_merges_stop_at_the_length_cap():
    kept = clean_up([p(1, "a", 0, 8, 0.9), p(2, "a", 8, 16, 0.8)], k=5, max_chars=10)
    assert [x.chunk_id for x in kept] == [1]
    assert kept[0].text == TEXT[0:8]


REPOST = "各地要切实做好疫情防控期间困难群众基本生活保障工作，确保不漏一户不落一人。"
REPOST_EDITED = "各地要切实做好疫情防控期间困难群众基本生活保障工作，确保不漏一户、不落一人。"
OTHER = "加快推进东安湖体育公园、凤凰山体育公园等13处新建场馆和大运村建设。"


def whole(i, doc, text, score):
    return Passage(i, doc, text, 0, len(text), score)


def test_near_duplicates_are_told_apart_from_other_text():
    assert near_duplicate(REPOST, REPOST_EDITED)
    assert not near_duplicate(REPOST, OTHER)


def test_near_duplicate_is_the_bigram_jaccard_at_0_85_for_texts_edited_by_any_amount():
    def bigrams(text):
        compact = "".join(text.split())
        return {compact[i : i + 2] for i in range(len(compact) - 1)}

    def jaccard(a, b):
        x, y = bigrams(a), bigrams(b)
        return bool(x and y) and len(x & y) / len(x | y) >= 0.85

    edits = [REPOST[: len(REPOST) - cut] + OTHER[:added] for cut in range(0, 40, 3) for added in range(0, 40, 3)]
    pairs = [(REPOST, e) for e in edits] + [(e, REPOST) for e in edits] + [(REPOST, OTHER), ("", REPOST), ("甲", "甲")]
    assert [near_duplicate(a, b) for a, b in pairs] == [jaccard(a, b) for a, b in pairs]
    assert any(near_duplicate(a, b) for a, b in pairs) and not all(near_duplicate(a, b) for a, b in pairs)


def test_a_near_duplicate_from_another_document_is_folded_into_the_better_passage():
    ranked = [whole(1, "x", REPOST, 1.0), whole(2, "y", REPOST_EDITED, 0.9), whole(3, "z", OTHER, 0.5)]
    kept = clean_up(ranked, k=2, max_chars=500)
    assert [x.chunk_id for x in kept] == [1, 3]  # the repost takes no place of its own
    assert [(d.chunk_id, d.doc) for d in kept[0].also_in] == [(2, "y")]
    assert kept[1].also_in == ()


def test_also_in_names_each_other_document_once_and_never_the_passage_own():
    ranked = [
        whole(1, "x", REPOST, 1.0),
        whole(2, "y", REPOST_EDITED, 0.9),
        whole(3, "y", REPOST, 0.8),
        Passage(4, "x", REPOST_EDITED, 500, 500 + len(REPOST_EDITED), 0.7),
        whole(5, "w", REPOST, 0.6),
    ]
    kept = clean_up(ranked, k=5, max_chars=500)
    assert [x.chunk_id for x in kept] == [1]
    assert [d.doc for d in kept[0].also_in] == ["y", "w"]


def test_the_best_passages_do_not_depend_on_how_many_are_asked_for():
    ranked = [
        p(1, "a", 0, 6, 0.9),
        p(2, "b", 12, 18, 0.8),
        p(3, "c", 14, 20, 0.7),
        p(4, "a", 6, 12, 0.6),
        p(5, "d", 3, 9, 0.5),
    ]
    two = clean_up(ranked, k=2, max_chars=100)
    four = clean_up(ranked, k=4, max_chars=100)
    assert [(x.chunk_id, x.text) for x in two] == [(x.chunk_id, x.text) for x in four[:2]]
    assert two[0].text == TEXT[0:12]
