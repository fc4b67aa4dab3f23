"""``ask``: judge each search with sentence-level evidence, then give the answer and its citation.

The passages' sentence vectors were stored at index time (one fetch for all
questions), so the verdict and the highlight rest on the sentence that is
closest in meaning, not on the passage as a whole, and only the question is
embedded. The answer is the report's own words: one contiguous span of the
document (``qa.span``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from govqa.index.context import SECTION_SEPARATOR
from govqa.qa import answer_type, checks, facts, highlight, reasons, span, verdict
from govqa.qa.question import Question
from govqa.qa.settings import SearchConfig
from govqa.qa.synonyms import comparable
from govqa.qa.types import NOT_FOUND_MESSAGE, Answer, Citation, Hit, SearchResult, Span

# Passages whose sentences are weighed for the verdict.
JUDGED_HITS = 5
# Document text read on each side of the picked sentences, to complete one cut by a chunk edge.
_CONTEXT = 400

DocumentSlice = Callable[[str, int, int], str]  # (document name, start, end) → text[start:end]


@dataclass(frozen=True)
class Run:
    """One question's search, with what a verdict needs: its vector, terms and grounding."""

    question: Question
    vector: np.ndarray
    terms: list[str]
    result: SearchResult
    grounded: tuple[bool, ...]  # per hit: do its report or text match the years/places the question names?
    chunk_ids: tuple[tuple[int, ...], ...]  # per hit: the ids of the chunks its passage spans
    # per hit: each sentence of its passage with its stored vector's cosine to the question (``passage_scores``)
    sentences: tuple[tuple[tuple[Span, float], ...], ...]
    asked: checks.Asked | None = None  # the question's constraints (``qa.checks.ask``)
    # each distinct (year, region path) of the reports searched, for the reasons
    reports: tuple[reasons.Report, ...] = ()
    # per hit: its sentences with their highlight scores (``highlight.score_sentences``), which its highlights
    # were picked from: the answer sentence is picked from them too, not scored again
    scored: tuple[tuple[highlight.Scored, ...], ...] = ()


def answer_filter(question: Question, section: str) -> Callable[[str], bool]:
    """Can a sentence of a passage under ``section`` answer ``question``? The right kind, not a heading, not an echo."""
    wanted = answer_type.wants(question.asking)
    return lambda sentence: (
        answer_type.can_answer(sentence, wanted)
        and not span.is_heading(sentence, section)
        and not span.echoes(sentence, question.text)
    )


def judge(runs: list[Run], config: SearchConfig, document_slice: DocumentSlice) -> list[Answer]:
    """Answers for searched questions: sentence-level highlight and a found / not-found verdict.

    The sentence scores are those the search computed for its highlight
    (``Run.sentences``): nothing is fetched, embedded or mapped again.
    ``document_slice`` (``Index.document_slice``) widens the answer to whole
    sentences of the document.
    """
    answers = []
    for run in runs:
        pieces, sims = [], []
        for h, hit in enumerate(run.result.hits[:JUDGED_HITS]):
            for piece, score in run.sentences[h]:
                pieces.append((h, piece, hit.text[piece.start : piece.end]))
                sims.append(score)
        answers.append(_answer(run, pieces, np.array(sims), config, document_slice))
    return answers


def _answer(run: Run, pieces, sims: np.ndarray, config: SearchConfig, document_slice: DocumentSlice) -> Answer:
    """Only grounded passages count as evidence, and only sentences that meet the question's constraints.

    A sentence about 2019 does not answer a question about 2022; a 2019
    target does not answer a question asking what 2019 achieved
    (``qa.checks``). Not found comes with its reason (``qa.reasons``).
    """
    hits = list(run.result.hits)  # highlighted by the search, with the same scores and filters as here
    judged = range(min(JUDGED_HITS, len(hits)))
    fits = [answer_filter(run.question, hits[h].citation.section) for h in judged]
    grounded = [h for h in judged if run.grounded[h]]
    folded = [comparable(hits[h].text) for h in judged]  # each passage folded once, for every word check below
    met = _checked(run, hits, folded, pieces, config, document_slice)
    # A sentence that cannot give the kind of answer asked for (no number, for "多少") is no evidence;
    # nor is one that fails a constraint of the question (its year, kind, place, unit, subject).
    candidates = sorted(
        (
            (float(s), i)
            for i, (p, s) in enumerate(zip(pieces, sims, strict=False))
            if run.grounded[p[0]] and fits[p[0]](p[2])
        ),
        reverse=True,
    )
    passing = [(s, i) for s, i in candidates if all(c.met for c in met[i][1])]
    evidence = verdict.gather(_item_similarity(run, pieces, sims, passing), run.question, [folded[h] for h in grounded])
    found = verdict.is_found(evidence, config) and bool(passing)
    confidence = verdict.confidence(evidence, config)
    result = run.result
    passes = [{pieces[i][2] for _, i in passing if pieces[i][0] == h} for h in judged]
    answering = [h for h in grounded if any(hits[h].text[s.start : s.end] in passes[h] for s in hits[h].highlights)]
    if not answering and passing:
        answering = [pieces[passing[0][1]][0]]
    chosen: tuple[Span, ...] = ()
    if found and answering:
        h = answering[0]
        if h < len(run.scored):
            scored = run.scored[h]
        else:  # a run made without them
            dense = [float(s) for p, s in zip(pieces, sims, strict=False) if p[0] == h]
            scored = highlight.score_sentences(hits[h].text, run.terms, dense or None)
        chosen = highlight.pick(scored, max_sentences=1, can_answer=lambda text: fits[h](text) and text in passes[h])
    if chosen:  # found, and a sentence meeting the constraints to give
        top, best = hits[h], chosen[0]
        # Only neighbours that meet the constraints too join the answer: not last year's result beside this year's goal.
        meeting = replace(top, highlights=tuple(x for x in top.highlights if top.text[x.start : x.end] in passes[h]))
        text, citation = _answer_span(top, _with_neighbours(meeting, best), document_slice)
        shown = next(
            (met[i][1] for _, i in passing if pieces[i][0] == h and pieces[i][2] == top.text[best.start : best.end]), ()
        )
        return Answer(
            result.question, "found", text, citation, tuple(hits), max(confidence, 0.5), result.took_ms, checks=shown
        )
    reason, failed = _reason(run, pieces, candidates, met, evidence, config)
    return Answer(
        result.question,
        "not_found",
        NOT_FOUND_MESSAGE,
        None,
        tuple(hits),
        min(confidence, 0.49),
        result.took_ms,
        reason=reason,
        checks=failed,
    )


def _item_similarity(run: Run, pieces, sims: np.ndarray, passing: list[tuple[float, int]]) -> float:
    """The closest passing sentence's similarity; for a part asked by its place ("第七件", "附件2"), that of its frame.

    "7. 建成口袋公园70个" shares little with "十件民生实事的第七件是什么" but its place: the list's
    lead-in ("今年办好十件民生实事：") and the items before it, in the same passage, say what list it is of;
    an attachment's mark line ("附件2", an echo of the question, so never the answer) says which it is.
    The checks have already held the sentence to the place asked.
    """
    if not passing:
        return 0.0
    best, i = passing[0]
    if run.asked is None or (run.asked.item is None and run.asked.attachment is None):
        return best
    hit, at = pieces[i][0], pieces[i][1].start
    return max([best, *(float(s) for p, s in zip(pieces, sims, strict=False) if p[0] == hit and p[1].start <= at)])


def _checked(
    run: Run, hits: list[Hit], folded: list[str], pieces, config: SearchConfig, document_slice: DocumentSlice
) -> list[tuple[facts.Fact | None, tuple]]:
    """Each judged sentence's fact (``qa.facts``) and the question's constraints checked on it.

    ``pieces`` are (hit, span, sentence) in passage order per hit; a heading
    inside a passage frames the sentences after it. ``folded`` holds each judged
    passage in ``synonyms.comparable`` form.
    """
    if run.asked is None:
        return [(None, ()) for _ in pieces]
    # The subject is read in the reports' words: a question's own wording (种地, 到手) that no passage
    # found uses is a paraphrase, not a metric the answer must name.
    texts = [folded[h] for h in {p[0] for p in pieces}]
    asked = replace(run.asked, subject=tuple(t for t in run.asked.subject if any(t in text for text in texts)))
    by_hit: dict[int, list[int]] = {}
    for i, (h, _, _) in enumerate(pieces):
        by_hit.setdefault(h, []).append(i)
    out: dict[int, tuple[facts.Fact, tuple]] = {}
    for h, rows in by_hit.items():
        hit, c = hits[h], hits[h].citation
        # A passage may begin inside a sentence (a chunk's cut): its start ("2019年，我们…") is read back.
        head = _cut_head(hit, document_slice) if rows and pieces[rows[0]][1].start == 0 else ""
        text = head + hit.text
        spans = [(pieces[i][1].start + len(head), pieces[i][1].end + len(head)) for i in rows]
        spans[0] = (0, spans[0][1]) if head else spans[0]
        is_heading = functools.partial(span.is_heading, section=c.section)
        years = run.question.years_in_report(c.year)
        context = f"{comparable(c.title)} {comparable(c.section)} {folded[h]}"
        for n, (i, fact) in enumerate(
            zip(rows, facts.passage_facts(text, spans, c.section, c.year, is_heading), strict=True)
        ):
            sentence = text[spans[n][0] : spans[n][1]]
            out[i] = (fact, checks.check(asked, years, sentence, fact, context, config.subject_share, bool(c.region)))
    return [out[i] for i in range(len(pieces))]


def _cut_head(hit: Hit, document_slice: DocumentSlice) -> str:
    """The start of the sentence a passage begins inside of, from the document ("" when it begins one)."""
    c = hit.citation
    if c.start == 0:
        return ""
    before = document_slice(c.doc, max(0, c.start - _CONTEXT), c.start)
    ends = [before.rfind(mark) for mark in span.SENTENCE_END + "\n"]
    return before[max(ends) + 1 :]


def _reason(run: Run, pieces, candidates, met, evidence: verdict.Evidence, config: SearchConfig):
    """Why not found, and the checks of the closest sentence that failed one (or none)."""
    missing = reasons.no_report(run.question, run.reports)
    if missing is not None:  # whatever the passages say, no report is of the year or place asked
        return missing, ()
    if not evidence.grounded:
        return reasons.not_grounded(run.question, run.reports), ()
    if not evidence.anchored:
        return reasons.not_mentioned(run.question.content), ()
    for score, i in candidates:
        if score < config.weak_similarity:
            break
        fact, checked = met[i]
        # A fact was read only when the question had constraints (``_checked``).
        reason = (
            reasons.unmet(run.asked, run.question, pieces[i][2], fact, checked)
            if fact and run.asked is not None
            else None
        )
        if reason is not None:
            return reason, checked
    return reasons.NO_CLOSE_SENTENCE, ()


def _with_neighbours(hit: Hit, best: Span) -> Span:
    """The best sentence, joined by the other highlighted ones that touch it (nothing but space between)."""
    start, end = best.start, best.end
    for s in sorted(hit.highlights, key=lambda s: s.start):
        if s.end <= start and not hit.text[s.end : start].strip():
            start = s.start
    for s in sorted(hit.highlights, key=lambda s: s.start):
        if s.start >= end and not hit.text[end : s.start].strip():
            end = s.end
    return Span(start, end)


def _answer_span(hit: Hit, picked: Span, document_slice: DocumentSlice) -> tuple[str, Citation]:
    """The answer text and its citation: ``picked`` (offsets in ``hit.text``) widened to whole sentences of the document."""
    c = hit.citation
    start, end = c.start + picked.start, c.start + picked.end
    lo = max(0, start - _CONTEXT)
    window = document_slice(c.doc, lo, end + _CONTEXT)
    if window[start - lo : end - lo] != hit.text[picked.start : picked.end]:
        # The passage is not the stored text at these offsets (should not happen): keep the passage's own words.
        return hit.text[picked.start : picked.end], replace(c, start=start, end=end)
    headings = [c.title, *c.section.split(SECTION_SEPARATOR)]
    s, e = span.whole_sentences(window, start - lo, end - lo, headings)
    return window[s:e], replace(c, start=lo + s, end=lo + e)
