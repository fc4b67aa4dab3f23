"""``ask``: judge each search with sentence-level evidence, then give the answer and its citation.

The passages' sentences are embedded together with the question (one batch
for all questions), so the verdict and the highlight can rest on the sentence
that is closest in meaning, not on the passage as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from qa.settings import SearchConfig
from qa import answer_type, highlight, verdict
from qa.question import Question, content_terms
from qa.types import NOT_FOUND_MESSAGE, Answer, Citation, Hit, SearchResult

# Passages whose sentences are weighed for the verdict.
JUDGED_HITS = 5


@dataclass(frozen=True)
class Run:
    """One question's search, with what a verdict needs: its vector, terms and grounding."""

    question: Question
    vector: np.ndarray
    terms: list[str]
    result: SearchResult
    grounded: tuple[bool, ...]  # per hit: do its report or text match the years/places the question names?


def judge(runs: list[Run], embedder, config: SearchConfig) -> list[Answer]:
    """Answers for searched questions: sentence-level highlight and a found / not-found verdict."""
    pieces: list[list[tuple[int, highlight.Span, str]]] = []
    texts: list[str] = []
    for run in runs:
        mine = []
        for h, hit in enumerate(run.result.hits[:JUDGED_HITS]):
            for span in highlight.sentences(hit.text):
                mine.append((h, span, hit.text[span.start:span.end]))
        pieces.append(mine)
        texts.extend(p[2] for p in mine)
    vectors = embedder.encode_passages(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    answers, at = [], 0
    for run, mine in zip(runs, pieces):
        sims = vectors[at:at + len(mine)] @ run.vector if mine else np.zeros(0)
        at += len(mine)
        answers.append(_answer(run, mine, sims, config))
    return answers


def _answer(run: Run, pieces, sims: np.ndarray, config: SearchConfig) -> Answer:
    """Only grounded passages count as evidence: a sentence about 2019 does not answer a question about 2022."""
    hits = list(run.result.hits)
    judged = range(min(JUDGED_HITS, len(hits)))
    wanted = answer_type.wants(run.question.text)
    fits = partial(answer_type.can_answer, wanted=wanted)
    for h in judged:
        dense = [float(s) for p, s in zip(pieces, sims) if p[0] == h]
        hits[h] = replace(hits[h], highlights=highlight.best_sentences(hits[h].text, run.terms, dense, can_answer=fits))
    grounded = [h for h in judged if run.grounded[h]]
    content = content_terms(run.question, run.terms)
    # A sentence that cannot give the kind of answer asked for (no number, for "多少") is no evidence.
    evidence = verdict.Evidence(
        top_similarity=max((float(s) for p, s in zip(pieces, sims) if run.grounded[p[0]] and fits(p[2])), default=0.0),
        coverage=max((highlight.term_overlap(run.terms, hits[h].text) for h in grounded), default=0.0),
        grounded=bool(grounded),
        anchored=not content or any(t in hits[h].text for h in grounded for t in content),
    )
    found = verdict.is_found(evidence, config)
    confidence = verdict.confidence(evidence, config)
    result = run.result
    if not found:
        return Answer(result.question, "not_found", NOT_FOUND_MESSAGE, None, tuple(hits), min(confidence, 0.49), result.took_ms)
    answering = [h for h in grounded if any(fits(hits[h].text[s.start:s.end]) for s in hits[h].highlights)]
    top = hits[(answering or grounded)[0]]
    return Answer(result.question, "found", top.answer_text or top.text, _answer_citation(top), tuple(hits),
                  max(confidence, 0.5), result.took_ms)


def _answer_citation(hit: Hit) -> Citation:
    """The hit's citation narrowed to its highlighted sentences."""
    c = hit.citation
    if not hit.highlights:
        return c
    first, last = hit.highlights[0], hit.highlights[-1]
    return replace(c, start=c.start + first.start, end=c.start + last.end)
