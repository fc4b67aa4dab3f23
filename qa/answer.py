"""``ask``: judge each search with sentence-level evidence, then give the answer and its citation.

The passages' sentence vectors were stored at index time (one fetch for all
questions), so the verdict and the highlight rest on the sentence that is
closest in meaning, not on the passage as a whole, and only the question is
embedded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from govqa.config import SearchConfig
from index import ChunkSentences
from qa import answer_type, highlight, verdict
from qa.question import Question, content_terms
from qa.sentence_vectors import passage_sentences, similarities
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
    chunk_ids: tuple[tuple[int, ...], ...]  # per hit: the ids of the chunks its passage spans


def judge(runs: list[Run], sentences_of: Callable[[Iterable[int]], dict[int, ChunkSentences]],
          config: SearchConfig) -> list[Answer]:
    """Answers for searched questions: sentence-level highlight and a found / not-found verdict.

    ``sentences_of`` is ``Index.chunk_sentences``: the stored sentence vectors
    of the judged hits' chunks, fetched once for all questions.
    """
    stored = sentences_of({i for run in runs for ids in run.chunk_ids[:JUDGED_HITS] for i in ids})
    answers = []
    for run in runs:
        pieces, sims = [], []
        for h, hit in enumerate(run.result.hits[:JUDGED_HITS]):
            chunks = [stored[i] for i in run.chunk_ids[h] if i in stored]
            sentences = passage_sentences(hit.text, hit.citation.start, chunks)
            pieces.extend((h, span, hit.text[span.start:span.end]) for span, _ in sentences)
            sims.extend(similarities(sentences, run.vector))
        answers.append(_answer(run, pieces, np.array(sims), config))
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
