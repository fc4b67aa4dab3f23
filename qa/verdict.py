"""The not-found decision: does anything retrieved actually answer the question?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from govqa.qa.question import Question
from govqa.qa.settings import SearchConfig


@dataclass(frozen=True)
class Evidence:
    """What the best passages say about the question: the decision's inputs."""

    top_similarity: float  # cosine of the question and the closest sentence of the grounded top passages
    coverage: float  # share of the question's terms (length-weighted) found in one grounded top passage
    grounded: bool  # some top passage's report or text matches the years/places the question names
    anchored: bool = True  # some grounded top passage holds a content word of the question (or it has none)


def gather(top_similarity: float, question: Question, grounded: Sequence[str]) -> Evidence:
    """The evidence for ``question`` of its grounded passages: the one builder of ``ask`` and ``compare``.

    ``grounded`` are the passages about the years and places asked, each in ``synonyms.comparable``
    form (繁體 folded, synonyms named by their canonical name), folded once by the caller, as the
    question's ``terms`` and ``content`` are. ``top_similarity`` is the cosine of the closest sentence.
    """
    total = sum(len(t) for t in question.terms)
    coverage = max((sum(len(t) for t in question.terms if t in passage) / total for passage in grounded), default=0.0)
    return Evidence(
        top_similarity=top_similarity,
        coverage=coverage if total else 0.0,
        grounded=bool(grounded),
        anchored=not question.content or any(t in passage for passage in grounded for t in question.content),
    )


def is_found(evidence: Evidence, config: SearchConfig) -> bool:
    """Found when grounded and some sentence is close in meaning, or fairly close and sharing the terms.

    Paraphrased questions share few words with the text but have a sentence
    close in meaning; keyword queries ("两拆一增") embed poorly but every term
    is present. Only grounded passages give evidence: one whose report does not
    match the year or place the question names, and whose text does not mention
    it, does not answer the question. Nor does a set of passages that holds
    none of the question's content words (beyond its places and years): on
    the topic ("青羊区…") but silent on what is asked ("…常住人口").
    """
    if not (evidence.grounded and evidence.anchored):
        return False
    return (
        evidence.top_similarity >= config.found_similarity
        or (evidence.top_similarity >= config.weak_similarity and evidence.coverage >= config.found_coverage)
        or evidence.coverage >= 0.999
    )


def confidence(evidence: Evidence, config: SearchConfig) -> float:
    """A score in [0, 1], 0.5 at the similarity threshold: how clearly the evidence clears it."""
    if not (evidence.grounded and evidence.anchored):
        return 0.0
    margin = (evidence.top_similarity - config.found_similarity) / 0.05 + max(0.0, evidence.coverage - 0.5)
    return max(0.0, min(1.0, 0.5 + 0.5 * margin))


@dataclass(frozen=True)
class Reason:
    """Why a question was not found: a stable ``code`` for programs and one line (``message``) for the page.

    Codes: ``no_report`` (no report of the year or place asked), ``not_grounded``
    (passages found, none of the year or place), ``place_not_mentioned``,
    ``subject_not_mentioned``, ``only_target``, ``only_result``, ``other_year``,
    ``no_value_in_unit``, ``subject_not_stated``, ``no_close_sentence``.
    """

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        """``{"code", "message"}`` as the API returns it."""
        return {"code": self.code, "message": self.message}
