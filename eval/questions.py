"""Question sets: load and validate every line before a run starts.

Three formats are read (see docs/eval.md):

* project JSON Lines: ``question``, and for an answerable question ``doc`` and
  ``evidence`` (a list of strings); optional ``id``, ``type``, ``answer``;
  an unanswerable question has ``doc`` null and no or empty ``evidence``;
* the same as CSV with a header row; the ``evidence`` cell is either a JSON
  list (``["a", "b"]``) or strings separated by ``|``;
* policy-qa qrels (``qid``, ``question``, ``docid``, ``answer``), recognised
  by its keys on the first record: the gold document is
  ``{corpus file name}#{docid}`` and the evidence the first 30 characters of
  the normalised answer.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from govqa.errors import GovqaError
from govqa.eval.matching import evidence_prefix

POLICY_QA_CORPUS = "corpus_599docs.jsonl"
POLICY_QA_KEYS = ("qid", "question", "docid", "answer")
MAX_ERRORS_SHOWN = 20


class QuestionSetError(GovqaError):
    """A question file that cannot be used; the message lists every bad line as ``file:line: reason``."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]):
        self.path = path
        self.problems = problems
        shown = [f"{path}:{line}: {reason}" if line else f"{path}: {reason}" for line, reason in problems]
        if len(shown) > MAX_ERRORS_SHOWN:
            shown = shown[:MAX_ERRORS_SHOWN] + [f"… and {len(problems) - MAX_ERRORS_SHOWN} more"]
        super().__init__("invalid question file:\n" + "\n".join(shown))


@dataclass(frozen=True)
class Question:
    """One evaluation question; ``doc`` is None for an unanswerable one."""

    id: str
    question: str
    type: str
    doc: str | None
    evidence: tuple[str, ...]
    answer: str = ""
    line: int = 0
    # Documents searched as if absent: a generated unanswerable question is an answerable one
    # with its gold report left out (eval/unanswerable.py).
    exclude: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return self.doc is not None


@dataclass(frozen=True)
class QuestionSet:
    """The validated questions of one file, with what is needed to cite that file."""

    path: Path
    format: str  # "jsonl", "csv" or "policy-qa"
    questions: tuple[Question, ...]
    sha256: str


def load_questions(path: str | Path, policy_corpus: str = POLICY_QA_CORPUS) -> QuestionSet:
    """Read and validate a question file; raise ``QuestionSetError`` listing every bad line.

    ``policy_corpus`` is the file name of the policy-qa corpus, used to name
    gold documents (``corpus_599docs.jsonl#<docid>``).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuestionSetError(path, [(0, f"cannot read ({exc.strerror})")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QuestionSetError(path, [(0, f"not UTF-8 text (byte {exc.start})")]) from None
    records = _csv_records(text) if path.suffix.lower() in (".csv", ".tsv") else _json_records(text)
    questions, problems, fmt = _parse_all(records, policy_corpus)
    if not questions and not problems:
        problems.append((0, "no questions in the file"))
    problems += _duplicate_ids(questions)
    if problems:
        raise QuestionSetError(path, problems)
    if path.suffix.lower() in (".csv", ".tsv") and fmt != "policy-qa":
        fmt = "csv"
    return QuestionSet(path, fmt, tuple(questions), hashlib.sha256(data).hexdigest())


def _json_records(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, object) per non-blank line, or (line number, reason) for a bad line."""
    # split on "\n" only: str.splitlines() would also break at U+2028 etc., legal inside JSON strings
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not valid JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(record, dict):
            yield number, f"expected a JSON object, got {type(record).__name__}"
            continue
        yield number, record


def _csv_records(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number where the row starts, row as a dict) per CSV row, evidence cell parsed."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "," not in first_line and "\t" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, f"malformed CSV ({exc})"
            return
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            yield start, f"{len(cells)} cells but the header has {len(header)} columns"
            continue
        row: dict[str, Any] = {name: cell for name, cell in zip(header, cells, strict=False) if name}
        yield start, _csv_row(row)


def _csv_row(row: dict[str, Any]) -> dict[str, Any] | str:
    """A CSV row in the JSON shape: empty cells are absent, ``doc`` empty is null, evidence a list."""
    record = {name: value for name, value in row.items() if value.strip()}
    if "doc" in row and not row["doc"].strip():
        record["doc"] = None
    if "evidence" in record:
        cell = record["evidence"].strip()
        if cell.startswith("["):
            try:
                record["evidence"] = json.loads(cell)
            except json.JSONDecodeError as exc:
                return f"evidence cell starts with '[' but is not a JSON list ({exc.msg})"
        else:
            record["evidence"] = [part.strip() for part in cell.split("|") if part.strip()]
    return record


def _parse_all(
    records: Iterable[tuple[int, dict[str, Any] | str]], policy_corpus: str
) -> tuple[list[Question], list[tuple[int, str]], str]:
    """Every record checked against the format detected on the first one."""
    questions: list[Question] = []
    problems: list[tuple[int, str]] = []
    fmt = ""
    for number, record in records:
        if isinstance(record, str):
            problems.append((number, record))
            continue
        if not fmt:
            fmt = "policy-qa" if "qid" in record and "docid" in record and "doc" not in record else "jsonl"
        try:
            if fmt == "policy-qa":
                questions.append(_policy_question(record, number, policy_corpus))
            else:
                questions.append(_project_question(record, number))
        except ValueError as exc:
            problems.append((number, str(exc)))
    return questions, problems, fmt or "jsonl"


def _text_field(record: dict[str, Any], key: str, required: bool) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise ValueError(f"missing {key!r}")
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key in ("id", "qid", "docid"):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise ValueError(f"{key!r} is empty")
    return value.strip()


def _project_question(record: dict[str, Any], line: int) -> Question:
    """A question in the project format, or ValueError saying what is wrong with it."""
    question = _text_field(record, "question", required=True)
    doc = record.get("doc")
    if doc is not None and (not isinstance(doc, str) or not doc.strip()):
        raise ValueError("'doc' must be a document name (the file base name) or null")
    evidence = record.get("evidence") or []
    if not isinstance(evidence, list):
        raise ValueError(f"'evidence' must be a list of strings, got {type(evidence).__name__}")
    if not all(isinstance(e, str) and e.strip() for e in evidence):
        raise ValueError("'evidence' must hold non-empty strings only")
    qtype = _text_field(record, "type", required=False)
    if doc is not None and not evidence:
        raise ValueError(
            f"'doc' is {doc!r} but 'evidence' is empty: an answerable question needs evidence "
            "(set 'doc' to null for an unanswerable one)"
        )
    if doc is None and evidence:
        raise ValueError("'evidence' given but 'doc' is null: name the document the evidence comes from")
    if doc is not None and qtype == "unanswerable":
        raise ValueError("'type' is unanswerable but 'doc' is set")
    exclude = record.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(e, str) and e.strip() for e in exclude):
        raise ValueError("'exclude' must be a list of document names")
    return Question(
        id=_text_field(record, "id", required=False) or f"line-{line}",
        question=question,
        type=qtype or ("answerable" if doc is not None else "unanswerable"),
        doc=doc.strip() if doc is not None else None,
        evidence=tuple(e.strip() for e in evidence),
        answer=_text_field(record, "answer", required=False),
        line=line,
        exclude=tuple(e.strip() for e in exclude),
    )


def _policy_question(record: dict[str, Any], line: int, corpus: str) -> Question:
    """A policy-qa qrels record as a question on ``corpus#docid``."""
    missing = [key for key in POLICY_QA_KEYS if key not in record]
    if missing:
        raise ValueError(f"missing {', '.join(map(repr, missing))} (policy-qa format, detected from the first line)")
    answer = _text_field(record, "answer", required=True)
    evidence = evidence_prefix(answer)
    if not evidence:
        raise ValueError("'answer' has no text once whitespace is removed")
    return Question(
        id=_text_field(record, "qid", required=True),
        question=_text_field(record, "question", required=True),
        type=_text_field(record, "type", required=False) or "policy-qa",
        doc=f"{corpus}#{_text_field(record, 'docid', required=True)}",
        evidence=(evidence,),
        answer=answer,
        line=line,
    )


def _duplicate_ids(questions: list[Question]) -> list[tuple[int, str]]:
    """Ids must be unique: comparisons of runs pair questions by id."""
    first: dict[str, int] = {}
    problems = []
    for q in questions:
        if q.id in first:
            problems.append((q.line, f"duplicate id {q.id!r} (first on line {first[q.id]})"))
        else:
            first[q.id] = q.line
    return problems


def resolve_docs(questions: Iterable[Question], names: Iterable[str]) -> tuple[list[Question], list[str]]:
    """Gold documents named as the index names them, and warnings for those it does not hold.

    A gold document names the file's base name (shared/README.md), so a gold
    ``file.csv`` matches the document that file became (``file.csv#1``); a file
    of several documents is ambiguous and only warned about. A gold ``file#row``
    absent from the index is matched to the one indexed name ending in ``#row``
    (the export was renamed or re-exported). With no ``names`` (unknown index
    contents) the questions are returned unchanged.
    """
    known = set(names)
    if not known:
        return list(questions), []
    by_row: dict[str, list[str]] = {}
    by_file: dict[str, list[str]] = {}
    for name in sorted(known):
        if "#" in name:
            file, row = name.rsplit("#", 1)
            by_row.setdefault(row, []).append(name)
            by_file.setdefault(file, []).append(name)
    resolved, missing, ambiguous = [], [], []
    for q in questions:
        if q.doc is None or q.doc in known:
            resolved.append(q)
            continue
        candidates = by_row.get(q.doc.rsplit("#", 1)[1], []) if "#" in q.doc else by_file.get(q.doc, [])
        if len(candidates) == 1:
            resolved.append(replace(q, doc=candidates[0]))
            continue
        (ambiguous if candidates else missing).append(q.doc)
        resolved.append(q)
    warnings = [
        f"gold document not in the index: {doc} ({missing.count(doc)} question(s) cannot be answered)"
        for doc in dict.fromkeys(missing)
    ]
    warnings += [
        f"gold document {doc} is a file of {len(by_file[doc])} documents ({by_file[doc][0]}…): name one "
        f"as file#row ({ambiguous.count(doc)} question(s) cannot be answered)"
        for doc in dict.fromkeys(ambiguous)
    ]
    return resolved, warnings
