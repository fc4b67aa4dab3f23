"""Figures on hand-made rankings, every expected value worked out by hand."""

import math

import pytest

from govqa.eval.metrics import (
    Ratio,
    Scored,
    dcg,
    figures,
    first_rank,
    grouped,
    hit_at,
    ndcg,
    percentile,
    recall_curve,
    reciprocal_rank,
    summarise,
)

T, F = True, False


def log2(x):
    return math.log(x, 2)


def ranking(*relevant_ranks, length=12):
    return tuple(rank in relevant_ranks for rank in range(1, length + 1))


def test_answer_at_rank_2_and_4():
    flags = ranking(2, 4)
    assert first_rank(flags) == 2
    assert [hit_at(flags, k) for k in (1, 3, 5, 10)] == [F, T, T, T]
    assert reciprocal_rank(flags) == 0.5
    # DCG = 1/log2(3) + 1/log2(5); ideal with the same 2 relevant at ranks 1, 2 = 1 + 1/log2(3)
    assert dcg(flags) == pytest.approx(1 / log2(3) + 1 / log2(5))
    assert ndcg(flags) == pytest.approx((1 / log2(3) + 1 / log2(5)) / (1 + 1 / log2(3)))
    assert ndcg(flags) == pytest.approx(0.6509, abs=1e-4)


def test_answer_at_rank_1_only():
    flags = ranking(1)
    assert [hit_at(flags, k) for k in (1, 3, 5, 10)] == [T, T, T, T]
    assert reciprocal_rank(flags) == 1.0 and ndcg(flags) == 1.0


def test_all_answering_passages_first_is_perfect():
    assert ndcg(ranking(1, 2, 3)) == pytest.approx(1.0)


def test_answer_at_rank_10_counts_at_11_does_not():
    at10, at11 = ranking(10), ranking(11)
    assert hit_at(at10, 10) and not hit_at(at10, 5)
    assert reciprocal_rank(at10) == pytest.approx(0.1)
    assert ndcg(at10) == pytest.approx(1 / log2(11))  # ideal: the one relevant at rank 1 → 1
    assert not hit_at(at11, 10)
    assert reciprocal_rank(at11) == 0.0 and ndcg(at11) == 0.0 and first_rank(at11) == 11


def test_no_hit_and_empty_ranking():
    for flags in (ranking(), ()):
        assert first_rank(flags) is None
        assert not hit_at(flags, 10)
        assert reciprocal_rank(flags) == 0.0 and ndcg(flags) == 0.0


def test_ties_keep_list_order():
    # Two passages with the same score: the searcher's order decides the rank, so the second is rank 2.
    scores = [0.5, 0.5, 0.3]
    answering = [F, T, F]
    ordered = tuple(a for _, a in sorted(zip(scores, answering, strict=False), key=lambda pair: -pair[0]))
    assert ordered == (F, T, F)  # sorted() is stable
    assert first_rank(ordered) == 2 and reciprocal_rank(ordered) == 0.5


def test_percentile_linear():
    assert percentile([40, 10, 30, 20], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(30 + 0.85 * 10)
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


def test_ratio():
    assert Ratio(52, 55).value == pytest.approx(52 / 55) and str(Ratio(52, 55)) == "0.945 (52/55)"
    assert Ratio(0, 0).value is None and str(Ratio(0, 0)) == "n/a (0/0)"
    assert Ratio(2, 3, mean=0.5).value == 0.5


def row(
    passage=(), doc_hits=None, answerable=True, verdict="found", latency=10.0, qtype="fact", doc="a.txt", text_hits=None
):
    return Scored(
        answerable,
        qtype,
        doc if answerable else None,
        tuple(passage),
        tuple(doc_hits if doc_hits is not None else passage),
        tuple(text_hits if text_hits is not None else passage),
        verdict,
        latency,
    )


@pytest.fixture
def rows():
    return [
        row(ranking(1), latency=10),  # rank 1
        row(ranking(4), doc_hits=ranking(2, 4), latency=20, qtype="number", doc="b.txt"),  # rank 4, doc rank 2
        row(ranking(), doc_hits=ranking(7), text_hits=ranking(1), verdict="not_found", latency=30),  # missed
        row(answerable=False, verdict="not_found", latency=40, qtype="unanswerable"),
        row(ranking(1), answerable=False, verdict="found", latency=50, qtype="unanswerable"),
    ]


def test_figures_over_answerable_only(rows):
    f = figures(rows)
    assert (f["recall@1"].count, f["recall@1"].total) == (1, 3)
    assert (f["recall@3"].count, f["recall@5"].count, f["recall@10"].count) == (1, 2, 2)
    assert f["mrr@10"].value == pytest.approx((1 + 1 / 4 + 0) / 3) and f["mrr@10"].count == 2
    # nDCG: 1 for rank 1; 1/log2(5) for a single relevant at rank 4; 0 for the miss
    assert f["ndcg@10"].value == pytest.approx((1 + 1 / log2(5)) / 3)
    assert [f[f"doc_recall@{k}"].count for k in (1, 5, 10)] == [1, 2, 3]
    assert f["doc_mrr@10"].value == pytest.approx((1 + 1 / 2 + 1 / 7) / 3)
    assert f["doc_mrr_first_cited@10"].value == f["doc_mrr@10"].value  # no also_in given: the same
    assert f["text_recall@1"].count == 2  # the miss holds the evidence in another document
    assert (f["not_found_on_unanswerable"].count, f["not_found_on_unanswerable"].total) == (1, 2)
    assert (f["not_found_on_answerable"].count, f["not_found_on_answerable"].total) == (1, 3)


def test_first_cited_document_mrr_ignores_also_in_citations():
    reposted = Scored(
        True, "fact", "a.txt", (False, True), (False, True), (False, True), "found", 1.0, first_doc_hits=(False, False)
    )
    f = figures([reposted, row(ranking(1))])
    assert f["doc_mrr@10"].value == pytest.approx((1 / 2 + 1) / 2)
    assert f["doc_mrr_first_cited@10"].value == pytest.approx((0 + 1) / 2)


def test_summary_keys_and_counts(rows):
    s = summarise(rows)
    assert s["recall@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["counts"]["recall@5"] == {"count": 2, "total": 3}
    assert (s["n_answerable"], s["n_unanswerable"]) == (3, 2)
    assert s["latency_p50_ms"] == 30 and s["latency_p95_ms"] == pytest.approx(48.0)


def test_groups(rows):
    by_type = grouped(rows, lambda r: r.type)
    assert list(by_type) == ["fact", "number", "unanswerable"]
    assert by_type["number"]["recall@5"] == 1.0 and by_type["number"]["recall@3"] == 0.0
    assert by_type["unanswerable"]["recall@5"] is None
    assert by_type["unanswerable"]["not_found_on_unanswerable"] == 0.5
    by_doc = grouped(rows, lambda r: r.doc)
    assert list(by_doc) == ["a.txt", "b.txt"] and by_doc["a.txt"]["n_answerable"] == 2


def test_recall_curve(rows):
    assert recall_curve(rows) == pytest.approx([1 / 3] * 3 + [2 / 3] * 7)
    assert recall_curve(rows, "doc")[6] == pytest.approx(1.0)


def test_no_answerable_questions_gives_none():
    s = summarise([row(answerable=False, verdict="not_found")])
    assert s["recall@1"] is None and s["mrr@10"] is None and s["not_found_on_unanswerable"] == 1.0
    assert s["counts"]["recall@1"] == {"count": 0, "total": 0}
