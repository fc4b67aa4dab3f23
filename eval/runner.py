"""Run a question set through a Searcher, one timed question at a time, and score each answer."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, is_dataclass, replace
from typing import Any, Protocol

from tqdm import tqdm

from govqa.eval.matching import contains_evidence, normalize, same_doc
from govqa.eval.metrics import Scored, grouped, recall_curve, summarise
from govqa.eval.questions import Question, QuestionSet
from govqa.qa.types import Filters

log = logging.getLogger(__name__)


class AskBatch(Protocol):
    """What the runner needs of ``qa.Searcher``."""

    def ask_batch(self, questions: list[str], k: int = ..., filters: Any = ...) -> list[Any]: ...


@dataclass(frozen=True)
class Result:
    """One question's answer as the evaluation saw it: hits best first, verdict, wall-clock latency."""

    question: Question
    hits: tuple[Any, ...]  # qa.types.Hit
    verdict: str
    latency_ms: float
    scored: Scored
    reason: str = ""  # not found: the one-line reason (qa.verdict.Reason.message)
    checks: str = ""  # the answer sentence's checks, "year ✓ kind ✗ 预期目标" (qa.checks.Check)


def score(question: Question, hits: Sequence[Any], verdict: str, latency_ms: float) -> Scored:
    """Apply the matching rule to every hit of one answer."""
    evidence = [normalize(e) for e in question.evidence]
    texts = [contains_evidence(h.text, evidence) for h in hits]
    # A hit cites every report holding its text (``also_in``): any of them is the gold document.
    docs = [any(same_doc(question.doc, c.doc) for c in (h.citation, *getattr(h, "also_in", ()))) for h in hits]
    return Scored(
        answerable=question.answerable,
        type=question.type,
        doc=question.doc,
        passage=tuple(t and d for t, d in zip(texts, docs, strict=False)),
        doc_hits=tuple(docs),
        text_hits=tuple(texts),
        verdict=verdict,
        latency_ms=latency_ms,
        first_doc_hits=tuple(same_doc(question.doc, h.citation.doc) for h in hits),
    )


def run_questions(
    searcher: AskBatch,
    questions: Sequence[Question],
    k: int = 10,
    progress: bool = True,
    warm_up: bool = True,
    libraries: Sequence[str] | None = None,
) -> list[Result]:
    """Ask each question alone (a batch of one) and time it as a user would wait for it; only in
    ``libraries`` when given (``govqa eval --library``).

    The index is warmed up as the server warms it (the model's ONNX Runtime
    path), and one untimed question goes first, so that loading the model and
    the index files is not charged to the first question's latency.
    """
    if warm_up and questions:
        index = getattr(searcher, "index", None)
        if index is not None:
            index.warm_up()
        searcher.ask_batch([questions[0].question], k=k)
    results = []
    for question in tqdm(questions, desc="eval", unit="q", disable=not progress, dynamic_ncols=True):
        filters = exclusion_filters(searcher, question)
        if libraries:
            filters = replace(filters or Filters(), libraries=tuple(libraries))
        started = time.perf_counter()
        try:
            (answer,) = searcher.ask_batch([question.question], k=k, filters=filters)
        except Exception as exc:
            raise RuntimeError(f"question {question.id!r} (line {question.line}) failed: {exc}") from exc
        latency = (time.perf_counter() - started) * 1000
        hits = tuple(answer.hits)
        scored = score(question, hits, answer.verdict, latency)
        reason = getattr(answer, "reason", None)
        checks = " ".join(
            f"{c.name} {'✓' if c.met else '✗'}{(' ' + c.detail) if c.detail else ''}"
            for c in getattr(answer, "checks", ())
        )
        results.append(
            Result(question, hits, answer.verdict, latency, scored, reason.message if reason else "", checks)
        )
    return results


def exclusion_filters(searcher: Any, question: Question) -> Filters | None:
    """Filters searching every report but those ``question`` excludes (None when it excludes none).

    A generated unanswerable question (``eval.unanswerable``) is asked as if its
    gold report were not indexed.
    """
    if not question.exclude:
        return None
    names = [facet[0] for facet in searcher.index.document_facets()]
    return Filters(docs=tuple(n for n in names if n not in question.exclude))


def summary_of(results: Sequence[Result], k: int) -> dict:
    """The figures of a run: overall, by type, by gold document, and the recall curves."""
    rows = [r.scored for r in results]
    summary = summarise(rows)
    summary["k"] = k
    summary["by_type"] = grouped(rows, lambda r: r.type)
    summary["by_doc"] = grouped(rows, lambda r: r.doc)
    summary["curves"] = {level: recall_curve(rows, level) for level in ("passage", "doc", "text")}
    return summary


@dataclass
class Run:
    """A finished evaluation: the question set, every result and the summary (with provenance)."""

    questions: QuestionSet
    results: list[Result]
    summary: dict


def evaluate(
    question_set: QuestionSet,
    searcher: AskBatch,
    k: int = 10,
    provenance: dict | None = None,
    warnings: Sequence[str] = (),
    progress: bool = True,
    libraries: Sequence[str] | None = None,
) -> Run:
    """Run every question of ``question_set`` and summarise; ``questions`` should be resolved already.
    ``libraries``: search only those (every library when None)."""
    results = run_questions(searcher, question_set.questions, k, progress, libraries=libraries)
    summary = summary_of(results, k)
    summary["warnings"] = list(warnings)
    summary["provenance"] = provenance or {}
    return Run(question_set, results, summary)


# -- the index under evaluation ------------------------------------------------


def index_info(searcher: Any) -> tuple[dict, list[str]]:
    """The manifest and document names of the searcher's index, as far as it exposes them."""
    index = getattr(searcher, "index", None)
    manifest = getattr(index, "manifest", None)
    if is_dataclass(manifest) and not isinstance(manifest, type):
        manifest = asdict(manifest)
    return _jsonable(manifest if isinstance(manifest, dict) else {}), _document_names(index)


def _document_names(index: Any) -> list[str]:
    """Names from ``index.documents()`` (names, records or dicts) or ``index.document_facets()``."""
    for method in ("documents", "document_facets"):
        listing = getattr(index, method, None)
        if listing is None:
            continue
        try:
            names = [_name_of(item) for item in listing()]
        except Exception:  # a listing that fails leaves gold names unchecked, not the run broken
            continue
        return [n for n in names if isinstance(n, str)]
    return []


def _name_of(item: Any) -> Any:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return item.get("name")
    if isinstance(item, (tuple, list)):
        return item[0] if item else None
    return getattr(item, "name", None)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
