"""Fitting the verdict's thresholds: the lowest cosine that catches the most unanswerable questions within the loss allowed."""

from __future__ import annotations

from govqa.eval.fit_verdict import Observed, fit, verdicts
from govqa.qa.settings import SearchConfig
from govqa.qa.verdict import Evidence


def seen(answerable: bool, similarity: float, coverage: float = 0.0, answering: bool = True) -> Observed:
    return Observed(answerable, Evidence(top_similarity=similarity, coverage=coverage, grounded=True), answering)


def test_verdicts_follow_is_found_and_a_question_nothing_can_answer_is_never_found():
    observed = [seen(True, 0.90), seen(True, 0.87), seen(False, 0.88, coverage=0.6), seen(False, 0.95, answering=False)]
    assert verdicts(observed, 0.89, 0.01, SearchConfig()) == (1, 1)  # 0.88 with coverage is weakly found
    assert verdicts(observed, 0.895, 0.01, SearchConfig()) == (2, 1)  # no longer weakly found


def test_fit_takes_the_lowest_threshold_with_the_most_caught_within_every_sets_allowance():
    dev = [seen(True, s) for s in (0.93, 0.92, 0.905, 0.884)] + [seen(False, s) for s in (0.80, 0.886, 0.897)]
    check = [seen(True, s) for s in (0.95, 0.899)] + [seen(False, s) for s in (0.887, 0.91)]
    result = fit({"dev": dev, "check": check}, lost_allowed=1, gap=0.01, base=SearchConfig())
    # 0.898 catches 0.80, 0.886, 0.897 and 0.887 (4) and loses 0.884 in dev and nothing in check; 0.900 would lose 0.899 too
    assert result["found_similarity"] == 0.898 and result["weak_similarity"] == 0.888
    assert result["sets"]["dev"]["fitted"] == (3, 1) and result["sets"]["check"]["fitted"] == (1, 0)
    assert result["sets"]["dev"]["at_current"] == verdicts(dev, 0.89, 0.01, SearchConfig())
