"""The heading path decides between sibling sections that repeat one sentence shape.

A report on emission control writes, under "（一）钢铁行业" and again under
"（二）水泥行业", "完成超低排放改造的企业有12家" / "…有5家". The sentence
that answers "水泥行业完成超低排放改造的企业有几家" does not name 水泥; its
heading does. Closeness in meaning cannot tell the two sentences apart (and
a third, "焦化行业…完成超低排放改造的企业有3家", is closer to the question than
either), so the section path that every chunk carries (``ingest/chunk.py``)
is read as part of what the passage is about, in two places:

- the ranking (``within_reports``): among one report's candidates, a chunk
  whose path names a question term that **tells that report's sections
  apart** (named by some of its candidates' paths, not by all: 水泥, not
  超低排放改造 of the shared parent "一、重点行业超低排放改造") is lifted by
  ``1 + boost × share``, ``share`` being the part of the question's content
  words (by length) that such terms make up (``[search] heading_boost``).
  The report's candidates are reordered among the places they held, so a
  report never rises or falls against another: a report with headings does
  not push aside one without;
- the sentence choice (``highlight.best_sentences(headings=…)``): a question
  term the heading of a sentence names counts as the sentence's own, so a
  passage merged from sibling subsections answers from the one named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govqa.qa.fuse import Candidate
from govqa.qa.synonyms import comparable


def heading_factors(terms: Sequence[str], sections: Mapping[int, tuple[str, str]], boost: float) -> dict[int, float]:
    """Chunk id → ``1 + boost × share`` for the chunks whose section path names terms that tell their report's
    sections apart; ``share`` is those terms' part of ``terms`` by length.

    ``terms`` are the question's content words (``question.content_terms``, in
    ``synonyms.comparable`` form); ``sections`` maps each candidate chunk id to
    (its document, its section path). Chunks not lifted are left out (factor 1).
    """
    total = sum(len(t) for t in set(terms))
    if boost <= 0 or not total:
        return {}
    named = {chunk_id: _named(terms, section) for chunk_id, (_, section) in sections.items()}
    by_doc: dict[str, list[int]] = {}
    for chunk_id, (doc, _) in sections.items():
        by_doc.setdefault(doc, []).append(chunk_id)
    lifted = {}
    for ids in by_doc.values():
        telling = _telling([named[i] for i in ids])
        for i in ids:
            told = named[i] & telling
            if told:
                lifted[i] = 1.0 + boost * sum(len(t) for t in told) / total
    return lifted


def within_reports(ranked: list[Candidate], records: Mapping, terms: Sequence[str], boost: float) -> list[Candidate]:
    """``ranked`` (best first) with each report's candidates reordered by their ``heading_factors``.

    ``records`` maps chunk id → its record (``.doc``, ``.section``). Each
    report's candidates keep the places (and the scores) its candidates held;
    only which of them holds which changes, by grounded score × factor.
    """
    sections = {c.chunk_id: (records[c.chunk_id].doc, records[c.chunk_id].section) for c in ranked}
    factors = heading_factors(terms, sections, boost)
    if not factors:
        return ranked
    lifted_docs = {sections[i][0] for i in factors}
    out = list(ranked)
    for doc in lifted_docs:
        places = [n for n, c in enumerate(ranked) if sections[c.chunk_id][0] == doc]
        held = [ranked[n].grounded_score for n in places]
        order = sorted((ranked[n] for n in places), key=lambda c: -c.grounded_score * factors.get(c.chunk_id, 1.0))
        for n, score, c in zip(places, held, order, strict=True):
            if c.grounding > 0:
                c.score = score / c.grounding  # the place's score: the ranking stays in order
            out[n] = c
    return out


def _named(terms: Sequence[str], section: str) -> frozenset[str]:
    """The terms that ``section`` (a section path) names, folded as the terms are."""
    if not section:
        return frozenset()
    titles = comparable(section)
    return frozenset(t for t in terms if t in titles)


def _telling(named: list[frozenset[str]]) -> frozenset[str]:
    """The terms named by some of one report's candidates' paths but not by all of them."""
    if len(named) < 2:
        return frozenset()
    return frozenset().union(*named) - frozenset.intersection(*named)
