"""Run a question set through a Searcher, one timed question at a time, and score each answer."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from govqa.config import Config
from govqa.eval.matching import contains_evidence, normalize, same_doc
from govqa.eval.metrics import Scored, grouped, recall_curve, summarise
from govqa.eval.questions import Question, QuestionSet
from govqa.ingest import INGEST_VERSION, iter_files
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
    searcher: AskBatch, questions: Sequence[Question], k: int = 10, progress: bool = True, warm_up: bool = True
) -> list[Result]:
    """Ask each question alone (a batch of one) and time it as a user would wait for it.

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
) -> Run:
    """Run every question of ``question_set`` and summarise; ``questions`` should be resolved already."""
    results = run_questions(searcher, question_set.questions, k, progress)
    summary = summary_of(results, k)
    summary["warnings"] = list(warnings)
    summary["provenance"] = provenance or {}
    return Run(question_set, results, summary)


# -- the index under evaluation ------------------------------------------------

CACHE_ROOT = Path(".govqa") / "eval-index"
_COMPLETE = "eval-index-complete.json"


def corpus_fingerprint(corpus: Path, config: Config) -> dict:
    """What decides a corpus index: the files (path, size, mtime), the ingest version, the index format, the chunker, the model."""
    from govqa.index.manifest import FORMAT_VERSION  # heavy (the index package): only when a corpus is to be indexed

    root = corpus.resolve()
    files = []
    for path, problem in iter_files([root]):
        if problem:
            continue
        stat = path.stat()
        files.append([str(path.relative_to(root)) if root.is_dir() else path.name, stat.st_size, stat.st_mtime_ns])
    return {
        "corpus": str(root),
        "files": files,
        "ingest_version": INGEST_VERSION,
        "index_format": FORMAT_VERSION,
        "chunk": asdict(config.chunk),
        "model": config.model.name,
        "encoder": config.model.encoder,
        "faiss_factory": config.index.faiss_factory,
        # Only another backend changes the key: local corpus indexes cached before the seam stay valid.
        **(
            {"backend": config.index.backend, "collection": config.index.milvus.collection}
            if config.index.backend != "local"
            else {}
        ),
    }


def corpus_index_dir(corpus: Path, config: Config, cache_root: Path | None = None) -> Path:
    """The cache folder (under ``cache_root``, default ``CACHE_ROOT``) of the index of ``corpus`` under ``config``."""
    return _cache_folder(corpus_fingerprint(corpus, config), cache_root)


def _cache_folder(fingerprint: dict, cache_root: Path | None) -> Path:
    blob = json.dumps(fingerprint, sort_keys=True, ensure_ascii=False)
    return (CACHE_ROOT if cache_root is None else cache_root) / hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def ensure_corpus_index(
    corpus: Path, config: Config, cache_root: Path | None = None, progress: bool = True
) -> tuple[Path, bool]:
    """An index of ``corpus``, reused when files and config are unchanged; returns (folder, reused).

    A folder counts as built only once its completion marker is written, so an
    interrupted build is thrown away and redone, never evaluated half-made.
    """
    from govqa.index import Index  # heavy (model, faiss): only when a corpus is to be indexed

    fingerprint = corpus_fingerprint(corpus, config)
    folder = _cache_folder(fingerprint, cache_root)
    if (folder / _COMPLETE).exists():
        return folder, True
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    index = Index.open(folder, config)
    try:
        reports = index.add_paths([corpus], config.chunk, progress=progress)
    finally:
        close = getattr(index, "close", None)
        if close is not None:
            close()
    for report in reports or []:
        if getattr(report, "status", "ok") == "failed":
            log.warning("corpus file not indexed: %s (%s)", getattr(report, "path", "?"), getattr(report, "error", ""))
    (folder / _COMPLETE).write_text(json.dumps(fingerprint, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder, False


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
