"""Convex and reciprocal-rank fusion, and grounding, computed by hand."""

import pytest

from govqa.qa.fuse import convex, grounding_factor, rrf


def test_rrf_sums_weighted_reciprocal_ranks():
    fused = rrf(dense=[(1, 0.9), (2, 0.8)], keyword=[(2, 12.0), (3, 5.0)], k=60, dense_weight=1.0, keyword_weight=2.0)
    assert fused[1].score == pytest.approx(1 / 61)
    assert fused[2].score == pytest.approx(1 / 62 + 2 / 61)
    assert fused[3].score == pytest.approx(2 / 62)
    assert (fused[2].dense_rank, fused[2].keyword_rank, fused[2].dense_score) == (2, 1, 0.8)
    assert fused[3].dense_rank is None


def test_a_chunk_found_by_both_beats_one_found_by_one():
    fused = rrf(dense=[(1, 0.9), (2, 0.8)], keyword=[(2, 3.0)])
    assert fused[2].score > fused[1].score


def test_convex_adds_min_max_normalised_scores_weighted():
    fused = convex(
        dense=[(1, 0.90), (2, 0.85), (3, 0.80)], keyword=[(2, 30.0), (4, 10.0)], dense_weight=0.4, keyword_weight=0.6
    )
    assert fused[1].score == pytest.approx(0.4)  # best dense, no keyword match
    assert fused[2].score == pytest.approx(0.4 * 0.5 + 0.6)
    assert fused[3].score == pytest.approx(0.0)  # worst of its list, in no other
    assert fused[4].score == pytest.approx(0.0)
    assert (fused[2].dense_rank, fused[2].keyword_rank, fused[2].keyword_score) == (2, 1, 30.0)


def test_convex_keeps_a_clear_keyword_lead_that_rrf_flattens():
    dense = [(1, 0.91), (2, 0.90), (3, 0.70)]
    keyword = [(2, 40.0), (1, 4.0), (3, 3.0)]
    by_convex = convex(dense, keyword)
    by_rrf = rrf(dense, keyword, k=10)
    assert by_convex[2].score > by_convex[1].score  # far ahead in BM25, nearly tied in dense
    assert by_rrf[2].score == pytest.approx(by_rrf[1].score)  # ranks 2+1 and 1+2: a tie


def test_convex_with_one_candidate_or_one_weight():
    assert convex(dense=[(7, 0.5)], keyword=[])[7].score == pytest.approx(0.4)
    only_dense = convex(dense=[(1, 0.9), (2, 0.8)], keyword=[(2, 9.0)], dense_weight=1.0, keyword_weight=0.0)
    assert only_dense[1].score > only_dense[2].score


def test_grounding_demotes_chunks_known_to_be_about_another_year_or_place():
    assert grounding_factor(True, ("成都市",), places=["成都市"], boost=1.0) == 1.0
    assert grounding_factor(True, ("河南省",), places=["四川省"], boost=1.0) == 0.5
    assert grounding_factor(False, ("全国",), places=["四川省"], boost=1.0) == 0.25
    assert grounding_factor(None, ("成都市", "青羊区"), places=["成都市"], boost=1.0) == 1.0


def test_unknown_metadata_is_never_demoted():
    assert grounding_factor(None, (), places=["北京市"], boost=1.0) == 1.0
    assert grounding_factor(None, (), places=[], boost=1.0) == 1.0
