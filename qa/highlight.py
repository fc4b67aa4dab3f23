"""Highlighting: find the sentence(s) of a passage that best answer the question."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from govqa.ingest.sentences import sentence_spans
from govqa.qa.synonyms import comparable
from govqa.qa.types import Span


def sentences(text: str) -> list[Span]:
    """Sentence spans of a passage (``ingest.sentences``: split after 。！？； and line ends), blank ones left out."""
    return [Span(start, end) for start, end in sentence_spans(text)]


def term_overlap(question_terms: Sequence[str], sentence: str) -> float:
    """Share of the question's terms (weighted by length) found in the sentence, in [0, 1].

    The terms are in ``synonyms.comparable`` form (``question.match_terms``); so is the sentence, here:
    a 繁體 sentence holds a 简体 term, and 地区生产总值 holds GDP.
    """
    total = sum(len(t) for t in question_terms)
    if not total:
        return 0.0
    sentence = comparable(sentence)
    return sum(len(t) for t in question_terms if t in sentence) / total


def best_sentences(
    text: str,
    question_terms: Sequence[str],
    dense_scores: Sequence[float] | None = None,
    max_sentences: int = 2,
    dense_weight: float = 1.0,
    can_answer: Callable[[str], bool] | None = None,
    headings: Sequence[str] | None = None,
) -> tuple[Span, ...]:
    """The highest-scoring sentence, plus a runner-up scoring within 10% of it, in text order.

    A sentence scores its term overlap with the question, plus its dense
    similarity to the question when ``dense_scores`` (one per ``sentences(text)``) is given.
    ``headings`` (one per sentence) is the section path each sentence lies under: a
    question term its heading names counts as the sentence's own ("完成超低排放改造的企业有5家"
    under "（二）水泥行业" holds 水泥), so a passage spanning sibling sections answers
    from the one the question names (``qa.headings``).
    When ``can_answer`` is given and accepts some sentence (one holding a number,
    for "多少"), only the sentences it accepts are marked.
    """
    spans = sentences(text)
    if not spans:
        return ()
    pieces = [text[s.start : s.end] for s in spans]
    if headings is not None and len(headings) == len(pieces):
        framed = [f"{heading}\n{piece}" for piece, heading in zip(pieces, headings, strict=True)]
    else:
        framed = pieces
    scores = [term_overlap(question_terms, p) for p in framed]
    if dense_scores is not None:
        scores = [s + dense_weight * d for s, d in zip(scores, dense_scores, strict=False)]
    candidates = range(len(spans))
    if can_answer is not None:
        candidates = [i for i in candidates if can_answer(pieces[i])] or candidates
    order = sorted(candidates, key=lambda i: (-scores[i], i))
    best = scores[order[0]]
    chosen = [order[0]] + [i for i in order[1:max_sentences] if best > 0 and scores[i] >= 0.9 * best]
    return tuple(spans[i] for i in sorted(chosen))
